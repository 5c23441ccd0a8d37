"""The SparkSession a command works in: embedded (target `local`, configured from profiles.yml) or a
Spark Connect session on a running `segments serve` (target `thrift`).

dbt-spark (`method: session`) calls `SparkSession.builder.getOrCreate()` for every statement, so when
`segments` starts the session first, dbt, the ingest and the ml step all share this one JVM and
catalog.
"""

from __future__ import annotations

import os
import shutil
import sys

from pyspark.sql import SparkSession

from segments.errors import UserError
from segments.settings import Settings
from segments.warehouse.endpoints import CONNECT_HOST, Endpoints, port_open
from segments.warehouse.profile import spark_conf


def embedded_session(settings: Settings, extra_conf: dict[str, str] | None = None) -> SparkSession:
    """Start (or reuse) the in-process SparkSession with Hive support on the state folder; `extra_conf`
    adds to (or overrides) the profile's settings, e.g. the event log of a benchmark."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if shutil.which("java") is None:
        raise UserError("Java was not found on PATH", "Install Java 17 (e.g. apt-get install openjdk-17-jre-headless)")
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    # Python workers (the data generator) run this interpreter, with this environment's packages;
    # pyspark reads the worker's interpreter from this variable only
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    conf = spark_conf(settings) | (extra_conf or {})
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def connect_session(endpoints: Endpoints) -> SparkSession:
    """A Spark Connect session on a running `segments serve` (the `thrift` target's ml side)."""
    if not port_open(CONNECT_HOST, endpoints.connect_port):
        raise UserError(
            f"no Spark Connect server answers at {endpoints.connect_url}",
            "Start one with `segments serve` (or set SEGMENTS_CONNECT_PORT to the port it uses)",
        )
    return SparkSession.builder.remote(endpoints.connect_url).getOrCreate()


def is_connect(spark: SparkSession) -> bool:
    """Whether `spark` is a Spark Connect client (no SparkContext, no RDDs, no JVM in this process)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def open_session(settings: Settings, target: str) -> SparkSession:
    """The session a command works in: embedded (`local`) or on the server (`thrift`)."""
    if target == "thrift":
        return connect_session(Endpoints.from_settings(settings))
    return embedded_session(settings)
