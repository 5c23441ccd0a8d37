"""Free Spark Connect's server-side models at a safe point, never from a finalizer.

Over Spark Connect, each fitted model lives in the server's ML cache, and pyspark 4.1 deletes it from
the Python object's `__del__` (RemoteModelRef.release_ref -> del_remote_cache), which sends an RPC.
When the cyclic garbage collector runs that finalizer while another RPC of the same client is in
flight, the client deadlocks on its own gRPC channel and the run hangs for good (apache/spark
SPARK-55020, SPARK-57655, SPARK-59292; guarded upstream only after 4.1). We saw it in CI: a
`segments run --target thrift` stuck after the ml step, with a K-Means model being collected.

Inside `models_released_at_exit(spark)` those deletions are queued instead of sent; at the end of the
block every unreachable model is collected (still queueing) and the queue is sent, one request per
model, while nothing else is in flight. Embedded sessions keep models in the JVM: nothing changes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pyspark.ml.util as ml_util
from pyspark.sql import SparkSession

from segments.warehouse.session import is_connect


@contextmanager
def models_released_at_exit(spark: SparkSession) -> Iterator[list[str]]:
    """Yields the list of model cache ids queued so far (it is empty again after the block)."""
    if not is_connect(spark):
        yield []
        return
    queued: list[str] = []
    send = ml_util.del_remote_cache
    ml_util.del_remote_cache = queued.append
    try:
        yield queued
    finally:
        gc.collect()  # models in reference cycles: finalised now, into the queue
        ml_util.del_remote_cache = send
        while queued:
            send(queued.pop())
