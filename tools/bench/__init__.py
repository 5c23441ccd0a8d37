"""`segments-dev bench`: the whole pipeline at the sizes a user picks, one fresh process and state folder
per size, with wall time per stage, rows per second, peak memory and Spark's shuffle bytes."""
