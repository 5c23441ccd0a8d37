"""The JVM behind the embedded SparkSession: is there one in this process, and stopping it for good.

Imports pyspark only when there is a JVM, so that `segments --help` and the state-folder checks stay fast.
"""

from __future__ import annotations

import subprocess
import sys


def jvm_running_here() -> bool:
    """Whether this Python process has launched a Spark JVM (without importing pyspark if it has not)."""
    context = sys.modules.get("pyspark.core.context")
    return context is not None and context.SparkContext._gateway is not None


def jvm_metastore_here() -> str | None:
    """The Derby connection URL of this process's Spark JVM, if it has one."""
    if not jvm_running_here():
        return None
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is None:
        return None
    return context.getConf().get("spark.hadoop.javax.jdo.option.ConnectionURL", None)


def stop_embedded_session() -> None:
    """Stop Spark and wait until its JVM has exited.

    pyspark's JVM is a child process that exits on its own some time after Python does; until then it
    holds the Derby metastore, and a command run right after this one would find the state folder
    busy. Closing the JVM's stdin is how pyspark asks it to exit.
    """
    if not jvm_running_here():
        return
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    gateway = SparkContext._gateway
    process: subprocess.Popen | None = getattr(gateway, "proc", None)
    gateway.shutdown()
    SparkContext._gateway = None
    SparkContext._jvm = None
    if process is not None:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
