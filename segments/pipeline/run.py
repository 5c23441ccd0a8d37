"""`segments run`: ingest -> dbt build (cleaning, RFM, exploration) -> ml -> dbt build (segments) ->
dashboard -> summary, with the Great Expectations checkpoints of each layer between the steps."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.customer_value import ValueOptions, ValueResult, value_customers
from ml.segmentation import SegmentationOptions, SegmentationResult, segment_customers
from segments.errors import UserError
from segments.pipeline.summary import RunSummary, read_summary
from segments.progress import Progress
from segments.quality import LayerReport, QualityChecker, load_quality_config
from segments.report import render_dashboard, save_dashboard
from segments.settings import Settings
from segments.sources import get_source
from segments.sources.base import Inputs
from segments.sources.files import IngestResult
from segments.warehouse.dbt_runner import BuildReport, ParsedProject, project_vars, run_dbt
from segments.warehouse.endpoints import Endpoints, port_open
from segments.warehouse.session import is_connect, open_session
from segments.warehouse.sizing import shuffle_partitions

# The models that read the ml tables (dbt source `ml`) are built after the ml step.
CLEAN_BUILD = ["build", "--exclude", "source:ml+"]
SEGMENTS_BUILD = ["build", "--select", "source:ml+"]
# Unit tests check model logic on fixed rows, not the data: `make test` runs them, a pipeline run
# does not (dbt's own advice for production builds).
WITHOUT_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]
STEPS = 10


def spark_step_title(settings: Settings, target: str) -> str:
    if target == "thrift":
        endpoints = Endpoints.from_settings(settings)
        return f"Connect to the server: dbt over {endpoints.jdbc_url}, Spark over {endpoints.connect_url}"
    return "Start Spark (embedded session, Hive metastore in the state folder)"


def open_spark(settings: Settings, target: str):
    """The embedded session, or Spark Connect once the server is seen answering."""
    if target == "thrift":
        _check_thrift_server(Endpoints.from_settings(settings))
    return open_session(settings, target)


def _check_thrift_server(endpoints: Endpoints) -> None:
    if not port_open(endpoints.host, endpoints.port):
        raise UserError(
            f"no Spark Thrift server answers at {endpoints.host}:{endpoints.port}",
            "Start one with `segments serve` (or set SEGMENTS_THRIFT_HOST / SEGMENTS_THRIFT_PORT)",
        )


def ingest_inputs(spark, inputs: Inputs, checked: Any) -> dict[str, IngestResult]:
    """Load the checked files; the result of each dataset (order_lines, or reviews and items)."""
    return get_source(inputs.source).ingest(spark, checked)


def _ingest(spark, inputs: Inputs, checked: Any, say) -> IngestResult:
    names = ingest_inputs(spark, inputs, checked)
    for name, part in names.items():
        what = "data lines" if len(names) == 1 else f"{name} lines"
        say(f"      {part.data_lines:,} {what}: {part.rows_loaded:,} loaded, {part.rows_rejected:,} rejected")
        for report in part.files:
            if report.status == "duplicate":
                say(f"      skipped {report.path}: same content as {report.duplicate_of}")
    return names[get_source(inputs.source).lines_dataset]


@dataclass
class RunResult:
    ingest: IngestResult
    builds: list[BuildReport]
    segmentation: SegmentationResult
    value: ValueResult
    summary: RunSummary
    checks: list[LayerReport]
    dashboard: Path
    seconds: dict[str, float]


def run_pipeline(
    settings: Settings,
    data: list[Path] | Inputs,
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
    inputs = data if isinstance(data, Inputs) else Inputs(list(data))
    source = get_source(inputs.source)
    checked = inputs.check()
    if "data_source" in (variables or {}):
        raise UserError("the source is chosen with --source, not --var data_source")
    variables = {**(variables or {}), "data_source": source.name}
    value_options = ValueOptions.from_vars(project_vars(settings, variables))
    extra = [] if unit_tests else WITHOUT_UNIT_TESTS
    parsed = ParsedProject(settings, target, variables)  # while Spark starts and the data loads

    def build(command: list[str], shuffle_partitions: int | None = None) -> BuildReport:
        report = run_dbt(
            settings,
            command + extra,
            progress.say,
            target=target,
            variables=variables,
            parsed=parsed,
            shuffle_partitions=shuffle_partitions,
        )
        progress.say(f"      {report.describe()}")
        return report

    with progress.step("spark", spark_step_title(settings, target)):
        spark = open_spark(settings, target)
    checker = QualityChecker(spark, quality, settings.quality_docs_dir)
    checks: list[LayerReport] = []

    def check(key: str, layers: list[str]) -> None:
        with progress.step(key, f"Check {' and '.join(layers)} (Great Expectations, {quality.path.name})"):
            checks.extend(checker.check(layers, say=progress.say, source=source))

    with progress.step("ingest", f"Ingest {inputs.describe()}"):
        ingested = _ingest(spark, inputs, checked, progress.say)
    check("check_raw", ["raw"])
    with progress.step(
        "dbt_build", "dbt build: staging -> cleaning rules -> RFM and exploration tables, with data tests"
    ):
        # the line-level work is here; the later steps handle one row per customer
        partitions = shuffle_partitions(ingested.data_lines, settings.shuffle_partitions)
        if target == "local":
            progress.say(f"      {partitions} shuffle partitions for {ingested.data_lines:,} lines")
        clean = build(CLEAN_BUILD, shuffle_partitions=partitions)
    check("check_marts", ["clean", "rfm"])
    with progress.step(
        "ml",
        f"K-Means on RFM: k = {segmentation.k_min}..{segmentation.k_max}, "
        f"keep {segmentation.k}, seed {segmentation.seed}",
    ):
        segmented = segment_customers(spark, settings.models_dir, segmentation, say=progress.say)
        progress.say(
            f"      k = {segmented.k}: "
            + ", ".join(f"{name} {segmented.sizes.get(name, 0):,}" for name in segmented.names.values())
        )
    with progress.step("value", "Customer value: BG/NBD and Gamma-Gamma fits, P(alive) and CLV per customer"):
        valued = value_customers(spark, value_options, segmented.run_id, say=progress.say)
    with progress.step("dbt_segments", "dbt build: customer segments, summary, history, transitions"):
        segments_build = build(SEGMENTS_BUILD)
    # The dashboard's queries and charts only read the published tables: in an embedded session they
    # run while the segments are checked (both cores busy instead of one), and the page is written
    # only once the checks have passed. Over Spark Connect the steps run one after the other.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard") as pool:
        page = None if is_connect(spark) else pool.submit(render_dashboard, spark, source.dashboard)
        check("check_segments", ["segments"])
        with progress.step("report", "Dashboard (offline HTML)"):
            dashboard = save_dashboard(
                page.result() if page else render_dashboard(spark, source.dashboard), settings.dashboard_file
            )
            progress.say(f"      {dashboard}")
    return RunResult(
        ingest=ingested,
        builds=[clean, segments_build],
        segmentation=segmented,
        value=valued,
        summary=read_summary(spark, source.result_tables),
        checks=checks,
        dashboard=dashboard,
        seconds=dict(progress.seconds),
    )
