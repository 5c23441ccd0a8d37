"""What a data source declares: everything the pipeline, the checks and the dashboard need to know
about one kind of input. A source is one package under segments/sources/, one models folder under
models/sources/, and one line in the registry (segments/sources/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from segments.quality.suites import Layer
from segments.report.sections import Sections
from segments.sources.files import IngestResult


@dataclass(frozen=True)
class Source:
    name: str  # --source NAME, the dbt var data_source, the models folder models/sources/NAME/
    help: str  # one line for --help
    # raw.ingested_files.dataset values its ingest writes: how `check` and `report` tell which source
    # the warehouse holds
    datasets: frozenset[str]
    lines_dataset: str  # the dataset whose data lines size the run (shuffle partitions, summary)
    # (data files, second files or None) -> what `ingest` loads. Runs before Spark
    # starts: every mistake a user can make with the files is a UserError here.
    check_inputs: Callable[[list[Path], list[Path] | None], Any]
    ingest: Callable[[SparkSession, Any], dict[str, IngestResult]]  # dataset -> what was loaded
    quality_layers: Mapping[str, Layer]  # its raw and clean contracts
    quality_tables: Mapping[str, str]  # the logical table names those contracts read
    dashboard: Sections
    result_tables: tuple[str, ...]  # its own published tables, named in `segments run`'s summary
    default_data: str | None = None  # a bundled input, relative to the project, used without --data
    # the module of `segments-dev generate` that writes its synthetic input (tools/generate/); the
    # product never imports it
    bench_generator: str | None = None

    def describe(self, data: list[Path], meta: list[Path] | None) -> str:
        files = ", ".join(str(p) for p in data)
        return files if not meta else f"{files}; {', '.join(str(p) for p in meta)}"
