"""The data sources, one package each; this registry is the only list of them. Adding a source:
its package here (with `SOURCE = Source(...)`, see base.py), its models folder
models/sources/<name>/ with its `+enabled` line in dbt_project.yml, and its name below.

A source package is imported when it is used, so `segments --help` starts no Spark, GE or plotly."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from segments.errors import UserError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from segments.sources.base import Source

SOURCES = ("online_retail", "amazon_reviews", "transactions")
DEFAULT = SOURCES[0]


def get_source(name: str) -> Source:
    if name not in SOURCES:
        raise UserError(f"unknown source {name!r}", f"Use one of: {', '.join(SOURCES)}")
    return import_module(f"segments.sources.{name}").SOURCE


def loaded_source(spark: SparkSession) -> Source:
    """The source whose data the warehouse holds: the one whose datasets the last ingest wrote."""
    from segments.sources.files import FILES_TABLE

    if not spark.catalog.tableExists(FILES_TABLE) or "dataset" not in spark.table(FILES_TABLE).columns:
        return get_source(DEFAULT)
    datasets = {row["dataset"] for row in spark.table(FILES_TABLE).select("dataset").distinct().collect()}
    return next((source for source in map(get_source, SOURCES) if datasets & source.datasets), get_source(DEFAULT))
