"""The embedded SparkSession, configured from the `local` target of profiles.yml.

dbt-spark (`method: session`) calls `SparkSession.builder.getOrCreate()` for every statement, so when
`segments` starts the session first, dbt, the ingest and the ml step all share this one JVM and
catalog.
"""

from __future__ import annotations

import shutil

from pyspark.sql import SparkSession

from segments.errors import UserError
from segments.settings import Settings
from segments.spark.profile import spark_conf


def embedded_session(settings: Settings) -> SparkSession:
    """Start (or reuse) the in-process SparkSession with Hive support on the state folder."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if shutil.which("java") is None:
        raise UserError("Java was not found on PATH", "Install Java 17 (e.g. apt-get install openjdk-17-jre-headless)")
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(settings.project_dir).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()

