"""Progress of a long Spark job: a line every few seconds with the tasks done so far.

Spark's console progress bar is off (it would garble the step lines), so long steps report through
the status tracker instead. Spark Connect clients have no status tracker: nothing is printed there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pyspark.sql import SparkSession

from segments.warehouse.session import is_connect

INTERVAL_SECONDS = 15.0


@contextmanager
def job_progress(
    spark: SparkSession, say: Callable[[str], None], unit: str = "tasks", interval: float = INTERVAL_SECONDS
) -> Iterator[None]:
    if is_connect(spark):
        yield
        return
    tracker = spark.sparkContext.statusTracker()
    stop = threading.Event()
    started = time.monotonic()

    def report() -> None:
        while not stop.wait(interval):
            stages = [tracker.getStageInfo(i) for i in tracker.getActiveStageIds()]
            stages = [s for s in stages if s is not None]
            if stages:
                done = sum(s.numCompletedTasks for s in stages)
                total = sum(s.numTasks for s in stages)
                say(f"      {done}/{total} {unit} done after {time.monotonic() - started:.0f} s")

    thread = threading.Thread(target=report, name="job-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
