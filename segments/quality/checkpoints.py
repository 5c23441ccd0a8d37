"""Run the layer suites as Great Expectations checkpoints and turn failures into one clear message.

One ephemeral GE context per checker; results go to a Data Docs site in the state folder
(`<state>/quality/data_docs/index.html`). Cost control, since GE on Spark runs jobs per metric:
- each table is narrowed to the columns its suite reads (Parquet reads only those);
- checkpoints run with BOOLEAN_ONLY results: GE then batches the aggregates of a table into a few
  jobs and skips the per-expectation "example values" queries; only a failing table is validated
  again with SUMMARY results to report counts and examples;
- nothing is cached: with few jobs per table, caching cost more than it saved (measured on the real
  file), and GE's own persist (never released) is off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pyspark.sql import SparkSession

from segments.errors import UserError
from segments.quality.config import QualityConfig
from segments.quality.suites import SHARED_LAYERS, TABLES, Batch, Layer

DOCS_SITE = "segments"
EXAMPLES = 3


@dataclass
class Failure:
    table: str
    description: str
    unexpected: int | None  # rows that broke it (column-value expectations)
    rows: int | None
    examples: list  # a few of the values (or the observed aggregate)

    def line(self) -> str:
        count = ""
        if self.unexpected is not None and self.rows:
            count = f": {self.unexpected:,} of {self.rows:,} rows ({self.unexpected / self.rows:.1%})"
        shown = ", ".join(str(v) for v in self.examples)
        label = "observed" if self.unexpected is None else "e.g."
        return f"  - {self.table}: {self.description}{count}" + (f"; {label} {shown}" if shown else "")


@dataclass
class LayerReport:
    layer: str
    when: str = ""  # when the pipeline checks it
    expectations: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures


class SourceContracts(Protocol):
    """What a source (segments.sources.base.Source) declares for its raw and clean layers."""

    quality_layers: Mapping[str, Layer]
    quality_tables: Mapping[str, str]


class QualityCheckFailed(UserError):
    def __init__(self, reports: list[LayerReport], docs: Path) -> None:
        self.reports = reports
        failed = [r for r in reports if not r.passed]
        lines = [
            f"data quality check failed: {len(r.failures)} of {r.expectations} expectations on layer "
            f"'{r.layer}' ({r.when})"
            for r in failed
        ]
        lines += [f.line() for r in failed for f in r.failures]
        lines.append(f"Fix the input or the thresholds in the quality config; details in the Data Docs: {docs}")
        super().__init__("\n".join(lines))


def _failure(batch: Batch, result) -> Failure:
    details = result.result or {}
    unexpected = details.get("unexpected_count")
    if unexpected is not None:
        examples = list(dict.fromkeys(map(str, details.get("partial_unexpected_list") or [])))[:EXAMPLES]
    else:
        observed = details.get("observed_value")
        examples = [] if observed is None else [observed]
    description = result.expectation_config.description or result.expectation_config.type
    return Failure(batch.table, description, unexpected, details.get("element_count"), examples)


class QualityChecker:
    """Checkpoints for the layers in raw/clean/rfm/segments, sharing one GE context."""

    def __init__(self, spark: SparkSession, config: QualityConfig, docs_dir: Path) -> None:
        self.spark = spark
        self.config = config
        self.docs_dir = docs_dir
        self.docs_index = docs_dir / "index.html"
        self.context = None  # the GE context, opened by the first check (its cost counts there)
        self._batch_definitions: dict = {}  # batch name -> GE batch definition

    def _open(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        # GE sets INFO on some of its loggers; its notes would reach the user's terminal through dbt's handler
        for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")]:
            logging.getLogger(name).setLevel(logging.ERROR)
        self._gx = gx
        # no usage calls (analytics off): the machine may be offline
        self.context = gx.get_context(
            mode="ephemeral",
            project_config=DataContextConfig(
                analytics_enabled=False, store_backend_defaults=InMemoryStoreBackendDefaults()
            ),
        )
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.context.add_data_docs_site(
            site_name=DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
            },
        )
        # Our session already runs: GE's datasource reuses it (else GE would start a plain session
        # without the Hive metastore, so without our tables).
        self.datasource = self.context.data_sources.add_spark(name="warehouse", persist=False)

    def _checkpoint(self, batch: Batch):
        """A GE checkpoint for this batch's expectations (thresholds and IQR bounds change between
        runs, so a checkpoint checked before is replaced)."""
        gx = self._gx
        if batch.name in self._batch_definitions:
            self.context.checkpoints.delete(batch.name)
            self.context.validation_definitions.delete(batch.name)
            self.context.suites.delete(batch.name)
        else:
            asset = self.datasource.add_dataframe_asset(name=batch.name)
            self._batch_definitions[batch.name] = asset.add_batch_definition_whole_dataframe(batch.name)
        suite = self.context.suites.add(gx.ExpectationSuite(name=batch.name, expectations=batch.expectations))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=batch.name, data=self._batch_definitions[batch.name], suite=suite)
        )
        return self.context.checkpoints.add(
            gx.Checkpoint(
                name=batch.name, validation_definitions=[definition], result_format={"result_format": "BOOLEAN_ONLY"}
            )
        )

    def _run_batch(self, batch: Batch, report: LayerReport) -> None:
        checkpoint = self._checkpoint(batch)
        parameters = {"dataframe": batch.frame}
        results = [r for v in checkpoint.run(batch_parameters=parameters).run_results.values() for r in v.results]
        report.expectations += len(results)
        if all(r.success for r in results):
            return
        # Only now fetch counts and example values (extra Spark jobs the passing path skips).
        detailed = checkpoint.validation_definitions[0].run(batch_parameters=parameters, result_format="SUMMARY")
        report.failures += [_failure(batch, r) for r in detailed.results if not r.success]

    def check(
        self,
        layers: Iterable[str],
        tables: Mapping[str, str] | None = None,
        say: Callable[[str], None] = lambda _: None,
        source: SourceContracts | None = None,
    ) -> list[LayerReport]:
        """Run the layers' checkpoints; raise QualityCheckFailed (after building Data Docs) on a failure.
        The raw and clean contracts are the source's; rfm and segments are shared. `tables` points
        logical names at other tables (tests plant violations)."""
        if self.context is None:
            self._open()
        spark = self.spark
        names = {**TABLES, **(source.quality_tables if source else {}), **(tables or {})}
        contracts = {**SHARED_LAYERS, **(source.quality_layers if source else {})}
        reports = []
        for layer in layers:
            if layer not in contracts:
                raise UserError(f"no data contract for layer '{layer}' here", "Check the layers of a source's run")
            when, needed, batches = contracts[layer]
            missing = [names[n] for n in needed if not spark.catalog.tableExists(names[n])]
            if missing:
                raise UserError(
                    f"cannot check layer '{layer}': table {missing[0]} does not exist", "Run `segments run` first"
                )
            started = time.monotonic()
            report = LayerReport(layer, when)
            for batch in batches(spark, self.config, names):
                self._run_batch(batch, report)
            report.seconds = time.monotonic() - started
            say(
                f"      {layer}: {report.expectations - len(report.failures)}/{report.expectations} "
                f"expectations met ({report.seconds:.1f} s)"
            )
            reports.append(report)
        self.context.build_data_docs(site_names=[DOCS_SITE])
        if any(not r.passed for r in reports):
            raise QualityCheckFailed(reports, self.docs_index)
        return reports
