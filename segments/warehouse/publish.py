"""Build then swap, for tables written from Python (the ml step): the same convention as the dbt
materialization `published_table` (macros/materializations/published_table.sql).

Each result is written to a new physical table `<schema>_versions.<name>__v<timestamp>`; only when it
is complete does the view `<schema>.<name>` switch to it (ALTER VIEW ... AS is one metastore update;
Spark runs CREATE OR REPLACE VIEW as a drop, then a create). The version the view pointed to before
is kept, so that a query that started on it can finish; older versions, and any an interrupted run
left behind, are dropped. BI users see only the published names.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pyspark.sql import DataFrame, SparkSession

VERSIONS_SUFFIX = "_versions"


def _version_name(name: str) -> str:
    return f"{name}__v{datetime.now(UTC):%Y%m%d%H%M%S%f}"


def current_version(spark: SparkSession, schema: str, name: str) -> str | None:
    """The version table the view `<schema>.<name>` reads now, if there is one."""
    if not spark.catalog.tableExists(f"{schema}.{name}"):
        return None
    definition = spark.sql(f"show create table {schema}.{name}").collect()[0][0]
    found = re.search(rf"\b{re.escape(name)}__v[0-9]+", definition)
    return found.group(0) if found else None


def publish(spark: SparkSession, frame: DataFrame, schema: str, name: str) -> str:
    """Write `frame` as a new version of `<schema>.<name>` and switch the view to it."""
    versions = schema + VERSIONS_SUFFIX
    spark.sql(f"create database if not exists {schema}")
    spark.sql(f"create database if not exists {versions}")
    version = _version_name(name)
    previous = current_version(spark, schema, name)
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{versions}.{version}")
    verb = "alter" if spark.catalog.tableExists(f"{schema}.{name}") else "create"
    spark.sql(f"{verb} view {schema}.{name} as select * from {versions}.{version}")
    keep = {version.lower(), (previous or "").lower()}  # the metastore lower-cases table names
    for row in spark.sql(f"show tables in {versions}").collect():
        old = row["tableName"]
        if old.startswith(f"{name}__v") and old.lower() not in keep and not row["isTemporary"]:
            spark.sql(f"drop table if exists {versions}.{old}")
    return f"{schema}.{name}"
