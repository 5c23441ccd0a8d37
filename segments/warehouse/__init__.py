"""The warehouse layer: the Spark session (embedded, from profiles.yml, or Spark Connect on a server),
the dbt runner, build-then-swap publishing, and the state folder's lock."""
