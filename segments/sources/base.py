"""What a data source declares: everything the pipeline, the checks and the dashboard need to know
about one kind of input. A source is one package under segments/sources/, one models folder under
models/sources/, and one line in the registry (segments/sources/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from segments.errors import UserError
from segments.quality.suites import Layer
from segments.report.sections import Sections
from segments.sources import DEFAULT
from segments.sources.files import IngestResult

# Inputs fields beyond `data` -> the option that sets them, for "only --source X reads it" errors
OPTIONS = {
    "meta": "--meta",
    "mapping": "--mapping",
    "map_text": "--map",
    "delimiter": "--delimiter",
    "header": "--no-header",
    "table": "--table",
}


@dataclass(frozen=True)
class Inputs:
    """What to read: the files of one source (`data`, and `meta` for a source that reads two kinds),
    or for the transactions source a catalog table, with the column mapping."""

    data: list[Path]
    source: str = DEFAULT
    meta: list[Path] | None = None
    mapping: Path | None = None  # a YAML mapping file
    map_text: str | None = None  # --map TARGET=COLUMN,...
    delimiter: str | None = None
    header: bool | None = None
    table: str | None = None

    def given(self) -> list[str]:
        """The options set beyond --data, by field name."""
        return [name for name in OPTIONS if getattr(self, name) is not None]

    def check(self) -> Any:
        """Every file checked before Spark starts; returns what the ingest step loads."""
        from segments.sources import SOURCES, get_source

        source = get_source(self.source)
        for name in self.given():
            if name not in source.options:
                readers = [other for other in SOURCES if name in get_source(other).options]
                raise UserError(f"{OPTIONS[name]} is read only by --source {' and '.join(readers)}")
        return source.check_inputs(self)

    def describe(self) -> str:
        if self.table:
            return f"table {self.table}"
        files = ", ".join(str(p) for p in self.data)
        return files if not self.meta else f"{files}; {', '.join(str(p) for p in self.meta)}"


@dataclass(frozen=True)
class Source:
    name: str  # --source NAME, the dbt var data_source, the models folder models/sources/NAME/
    help: str  # one line for --help
    # raw.ingested_files.dataset values its ingest writes: how `check` and `report` tell which source
    # the warehouse holds
    datasets: frozenset[str]
    lines_dataset: str  # the dataset whose data lines size the run (shuffle partitions, summary)
    # Inputs -> what `ingest` loads. Runs before Spark starts: every mistake a user can make with
    # the files and options is a UserError here.
    check_inputs: Callable[[Inputs], Any]
    ingest: Callable[[SparkSession, Any], dict[str, IngestResult]]  # dataset -> what was loaded
    quality_layers: Mapping[str, Layer]  # its raw and clean contracts
    quality_tables: Mapping[str, str]  # the logical table names those contracts read
    dashboard: Sections
    result_tables: tuple[str, ...]  # its own published tables, named in `segments run`'s summary
    default_data: str | None = None  # a bundled input, relative to the project, used without --data
    # the module of `segments-dev generate` that writes its synthetic input (tools/generate/); the
    # product never imports it
    bench_generator: str | None = None
    options: frozenset[str] = frozenset()  # the Inputs fields (see OPTIONS) it reads besides data
