"""`segments report`: the offline HTML dashboard, read from the warehouse tables of the last run."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

from segments.report.data import read_dashboard_data
from segments.report.page import render_page
from segments.report.sections import Sections


def render_dashboard(spark: SparkSession, sections: Sections) -> str:
    """The dashboard page: its queries read aggregates of the published tables, never the lines."""
    return render_page(read_dashboard_data(spark, sections), sections)


def save_dashboard(page: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # a reader never opens a half-written file
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    return out


def write_dashboard(spark: SparkSession, sections: Sections, out: Path) -> Path:
    return save_dashboard(render_dashboard(spark, sections), out)
