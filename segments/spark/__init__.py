"""Spark session handling: the embedded session configured from profiles.yml."""
