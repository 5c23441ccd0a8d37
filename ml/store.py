"""Writing ml results to the warehouse so that readers never see a half-written table.

Each result is written to a new physical table `ml.<name>__<run_id>`; only when it is complete does
the view `ml.<name>` switch to it (ALTER VIEW ... AS is one metastore update). The previous
version (the one the view pointed to) is kept until the next run, so a query that started on it can
finish; the others, older ones and any an interrupted run left behind, are dropped.
"""

from __future__ import annotations

import re

from pyspark.sql import DataFrame, SparkSession

ML_DATABASE = "ml"


def _versions(spark: SparkSession, name: str) -> list[str]:
    prefix = f"{name}__"
    return sorted(
        row["tableName"] for row in spark.sql(f"show tables in {ML_DATABASE}").collect()
        if row["tableName"].startswith(prefix) and not row["isTemporary"]
    )


def _view_target(spark: SparkSession, name: str) -> str | None:
    """The version table the view `ml.<name>` reads now, if there is one."""
    if not spark.catalog.tableExists(f"{ML_DATABASE}.{name}"):
        return None
    definition = spark.sql(f"show create table {ML_DATABASE}.{name}").collect()[0][0]
    found = re.search(rf"\b{re.escape(name)}__\w+", definition)
    return found.group(0) if found else None


def publish(spark: SparkSession, frame: DataFrame, name: str, run_id: str) -> str:
    """Write `frame` as a new version of `ml.<name>` and switch the view to it."""
    spark.sql(f"create database if not exists {ML_DATABASE}")
    version = f"{name}__{run_id.replace('-', '_')}"
    previous = _view_target(spark, name)
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{ML_DATABASE}.{version}")
    # ALTER VIEW is one metastore update; Spark runs CREATE OR REPLACE VIEW as a drop, then a create,
    # and a query in between would not find the view.
    verb = "alter" if spark.catalog.tableExists(f"{ML_DATABASE}.{name}") else "create"
    spark.sql(f"{verb} view {ML_DATABASE}.{name} as select * from {ML_DATABASE}.{version}")
    keep = {version.lower(), (previous or "").lower()}  # the metastore lower-cases table names
    for old in _versions(spark, name):
        if old.lower() not in keep:
            spark.sql(f"drop table if exists {ML_DATABASE}.{old}")
    return f"{ML_DATABASE}.{name}"
