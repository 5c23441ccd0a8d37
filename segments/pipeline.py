"""`segments run`: ingest -> dbt build -> summary, on the embedded SparkSession."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segments.dbt.runner import BuildReport, run_dbt
from segments.ingest import IngestResult, check_inputs, ingest
from segments.progress import Progress
from segments.settings import Settings
from segments.spark.session import embedded_session
from segments.summary import RunSummary, read_summary

# Unit tests check model logic on fixed rows, not the data: `make test` runs them, a pipeline run
# does not (dbt's own advice for production builds).
PIPELINE_BUILD = ["build", "--exclude-resource-type", "unit_test"]


@dataclass
class RunResult:
    ingest: IngestResult
    build: BuildReport
    summary: RunSummary
    seconds: dict[str, float]


def run_pipeline(
    settings: Settings,
    data: list[Path],
    variables: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> RunResult:
    progress = progress or Progress(steps=3)
    inputs = check_inputs(data)  # a bad file fails here, before Spark starts
    with progress.step("spark", "Start Spark (embedded session, Hive metastore in the state folder)"):
        spark = embedded_session(settings)
    files = ", ".join(str(p) for p in data)
    with progress.step("ingest", f"Ingest {files}"):
        ingested = ingest(spark, inputs)
        progress.say(
            f"      {ingested.data_lines:,} data lines: {ingested.rows_loaded:,} loaded, "
            f"{ingested.rows_rejected:,} rejected"
        )
        for report in ingested.files:
            if report.status == "duplicate":
                progress.say(f"      skipped {report.path}: same content as {report.duplicate_of}")
    with progress.step("dbt_build", "dbt build: staging -> cleaning rules -> marts, with data tests"):
        build = run_dbt(settings, PIPELINE_BUILD, progress.say, variables=variables)
        progress.say(f"      {build.describe()}")
    return RunResult(
        ingest=ingested, build=build, summary=read_summary(spark), seconds=dict(progress.seconds)
    )
