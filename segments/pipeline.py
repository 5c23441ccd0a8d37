"""`segments run`: ingest -> dbt build (cleaning, RFM, exploration) -> ml -> dbt build (segments) ->
dashboard -> summary, with the Great Expectations checkpoints of each layer between the steps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.segmentation import SegmentationOptions, SegmentationResult, segment_customers
from segments.dbt.runner import BuildReport, run_dbt
from segments.errors import UserError
from segments.ingest import IngestResult, check_inputs, ingest
from segments.progress import Progress
from segments.quality import LayerReport, QualityChecker, load_quality_config
from segments.report import write_dashboard
from segments.serve.endpoints import Endpoints, port_open
from segments.settings import Settings
from segments.spark.session import open_session
from segments.summary import RunSummary, read_summary

# The models that read the ml tables (dbt source `ml`) are built after the ml step.
CLEAN_BUILD = ["build", "--exclude", "source:ml+"]
SEGMENTS_BUILD = ["build", "--select", "source:ml+"]
# Unit tests check model logic on fixed rows, not the data: `make test` runs them, a pipeline run
# does not (dbt's own advice for production builds).
WITHOUT_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]
STEPS = 9


def _spark_step_title(target: str) -> str:
    if target == "thrift":
        endpoints = Endpoints.from_env()
        return f"Connect to the server: dbt over {endpoints.jdbc_url}, Spark over {endpoints.connect_url}"
    return "Start Spark (embedded session, Hive metastore in the state folder)"


def _check_thrift_server(endpoints: Endpoints) -> None:
    if not port_open(endpoints.host, endpoints.port):
        raise UserError(
            f"no Spark Thrift server answers at {endpoints.host}:{endpoints.port}",
            "Start one with `segments serve` (or set SEGMENTS_THRIFT_HOST / SEGMENTS_THRIFT_PORT)",
        )


@dataclass
class RunResult:
    ingest: IngestResult
    builds: list[BuildReport]
    segmentation: SegmentationResult
    summary: RunSummary
    checks: list[LayerReport]
    dashboard: Path
    seconds: dict[str, float]


def run_pipeline(
    settings: Settings,
    data: list[Path],
    variables: dict[str, Any] | None = None,
    segmentation: SegmentationOptions | None = None,
    progress: Progress | None = None,
    unit_tests: bool = False,
    quality_config: Path | None = None,
    target: str = "local",
) -> RunResult:
    progress = progress or Progress(steps=STEPS)
    segmentation = segmentation or SegmentationOptions()
    segmentation.check()
    # a bad file, option or quality config fails here, before Spark starts
    quality = load_quality_config(quality_config or settings.quality_config)
    inputs = check_inputs(data)
    extra = [] if unit_tests else WITHOUT_UNIT_TESTS

    def build(command: list[str]) -> BuildReport:
        report = run_dbt(settings, command + extra, progress.say, target=target, variables=variables)
        progress.say(f"      {report.describe()}")
        return report

    with progress.step("spark", _spark_step_title(target)):
        if target == "thrift":
            _check_thrift_server(Endpoints.from_env())
        spark = open_session(settings, target)
    checker = QualityChecker(spark, quality, settings.quality_docs_dir)
    checks: list[LayerReport] = []

    def check(key: str, layers: list[str]) -> None:
        with progress.step(key, f"Check {' and '.join(layers)} (Great Expectations, {quality.path.name})"):
            checks.extend(checker.check(layers, say=progress.say))

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
    check("check_raw", ["raw"])
    with progress.step("dbt_build", "dbt build: staging -> cleaning rules -> RFM and exploration tables, with data tests"):
        clean = build(CLEAN_BUILD)
    check("check_marts", ["clean", "rfm"])
    with progress.step("ml", f"K-Means on RFM: k = {segmentation.k_min}..{segmentation.k_max}, "
                             f"keep {segmentation.k}, seed {segmentation.seed}"):
        segmented = segment_customers(spark, settings.models_dir, segmentation, say=progress.say)
        progress.say(f"      k = {segmented.k}: " + ", ".join(
            f"{name} {segmented.sizes.get(name, 0):,}" for name in segmented.names.values()))
    with progress.step("dbt_segments", "dbt build: customer segments, summary, history, transitions"):
        segments_build = build(SEGMENTS_BUILD)
    check("check_segments", ["segments"])
    with progress.step("report", "Dashboard (offline HTML)"):
        dashboard = write_dashboard(spark, settings.dashboard_file)
        progress.say(f"      {dashboard}")
    return RunResult(
        ingest=ingested, builds=[clean, segments_build], segmentation=segmented,
        summary=read_summary(spark), checks=checks, dashboard=dashboard, seconds=dict(progress.seconds),
    )
