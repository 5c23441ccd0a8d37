"""Writing ml results to the warehouse so that readers never see a half-written table.

Each result is written to a new physical table `ml.<name>__<run_id>`; only when it is complete does
the view `ml.<name>` switch to it (ALTER VIEW ... AS is one metastore update). The previous
version is kept until the next run, so a query that started on it can finish; older ones are dropped.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

ML_DATABASE = "ml"


def _versions(spark: SparkSession, name: str) -> list[str]:
    prefix = f"{name}__"
    return sorted(
        row["tableName"] for row in spark.sql(f"show tables in {ML_DATABASE}").collect()
        if row["tableName"].startswith(prefix) and not row["isTemporary"]
    )


def publish(spark: SparkSession, frame: DataFrame, name: str, run_id: str) -> str:
    """Write `frame` as a new version of `ml.<name>` and switch the view to it."""
    spark.sql(f"create database if not exists {ML_DATABASE}")
    version = f"{name}__{run_id.replace('-', '_')}"
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{ML_DATABASE}.{version}")
    # ALTER VIEW is one metastore update; Spark runs CREATE OR REPLACE VIEW as a drop, then a create,
    # and a query in between would not find the view.
    verb = "alter" if spark.catalog.tableExists(f"{ML_DATABASE}.{name}") else "create"
    spark.sql(f"{verb} view {ML_DATABASE}.{name} as select * from {ML_DATABASE}.{version}")
    for old in _versions(spark, name)[:-2]:
        spark.sql(f"drop table if exists {ML_DATABASE}.{old}")
    return f"{ML_DATABASE}.{name}"
