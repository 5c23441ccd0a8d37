"""Benchmarks (`make bench`): wall times measured on the machine at hand, never asserted by tests."""
