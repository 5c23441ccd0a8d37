"""Ingest: input files -> raw tables (declared as the dbt source `online_retail`).

- `raw.online_retail_lines`: every data line, typed, strings as published; a line that could not be
  parsed has a `reject_reason` and its `raw_line` (as Spark's CSV reader keeps a corrupt record).
- `raw.online_retail_rejects`: a view of the rejected lines: raw text and reason.
- `raw.ingested_files`: one row per input file: checksum, line counts, what became of it.

Each ingest replaces the three tables with the files given, so re-ingesting a file never duplicates
rows; the same content given twice (same SHA-256) is loaded once and reported as a duplicate.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from pyspark.errors import PySparkException
from pyspark.sql import Column, Observation, SparkSession
from pyspark.sql import functions as F
from py4j.protocol import Py4JJavaError

from segments.errors import UserError
from segments.ingest.inputs import DATA_SUFFIXES, InputFile, expand_paths, inspect_file
from segments.ingest.online_retail import LINE_COLUMNS, classify_lines, parse_files
from segments.spark.session import is_connect

RAW_DATABASE = "raw"
LINES_TABLE = f"{RAW_DATABASE}.online_retail_lines"
REJECTS_TABLE = f"{RAW_DATABASE}.online_retail_rejects"
FILES_TABLE = f"{RAW_DATABASE}.ingested_files"
# The raw line tables are read by the pipeline only (the staging views, the raw checks): written
# without Parquet's dictionary encoding, a third of the CPU of writing them (it hashes every value
# of every column), for files about 1.5 times as large that read as fast. dbt_project.yml does
# the same for the intermediate layer; the published tables keep Spark's defaults.
PIPELINE_ONLY_PARQUET = {"parquet.enable.dictionary": "false"}
CORRUPT_INPUT_SIGNS = ("Unexpected end of input stream", "Not in GZIP format", "EOFException", "invalid block type",
                       "ZipException", "is not a Parquet file", "CANNOT_READ_FILE_FOOTER")


@dataclass
class FileReport:
    path: Path
    sha256: str
    size_bytes: int
    dataset: str = "order_lines"  # what the file holds: order_lines, or Amazon reviews / items
    status: str = "loaded"  # or "duplicate"
    duplicate_of: str | None = None
    lines: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    latin1_lines: int = 0


COUNT_COLUMNS = ("lines", "header_lines", "blank_lines", "rows_loaded", "rows_rejected", "latin1_lines")


@dataclass
class IngestResult:
    ingest_id: str
    files: list[FileReport]
    rejects_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def data_lines(self) -> int:
        return self.rows_loaded + self.rows_rejected


@dataclass
class CheckedInputs:
    sources: list[InputFile]  # distinct contents, to load
    reports: list[FileReport]  # every file given, duplicates included


def check_inputs(paths: list[Path], inspect: Callable[[Path], InputFile] = inspect_file,
                 dataset: str = "order_lines", suffixes: tuple[str, ...] = DATA_SUFFIXES,
                 option: str = "--data") -> CheckedInputs:
    """Inspect every file before Spark starts; the same content twice is loaded once."""
    seen: dict[str, Path] = {}
    sources: list[InputFile] = []
    reports: list[FileReport] = []
    for path in expand_paths(paths, suffixes, option):
        source = inspect(path)
        report = FileReport(path=path, sha256=source.sha256, size_bytes=source.size_bytes, dataset=dataset)
        if source.sha256 in seen:
            report.status, report.duplicate_of = "duplicate", str(seen[source.sha256])
        else:
            seen[source.sha256] = path
            sources.append(source)
        reports.append(report)
    return CheckedInputs(sources, reports)


def _line_kind_totals() -> list[Column]:
    """Totals over every line the ingest reads, observed while it writes the data lines."""
    return [
        F.count_if(F.col("line_kind") == "header").alias("header_lines"),
        F.count_if(F.col("line_kind") == "blank").alias("blank_lines"),
        F.count_if(F.col("is_latin1")).alias("latin1_lines"),
    ]


def _count_line_kinds(spark: SparkSession, sources: list[InputFile], reports: list[FileReport],
                      totals: dict[str, int] | None) -> None:
    """Lines per kind and encoding of every file, into its report, once its data lines are counted.

    A Parquet file's footer gives its row count (every row is data). A text file starts with its
    header (inspect_file saw it), so when the totals observed during the write show one header per
    text file and no blank or ISO-8859-1 line, each file has its one header and its data lines: no
    Spark job reads the files again. Otherwise (a repeated header, blank lines, a Latin-1 export, or
    no totals: over Spark Connect) one pass classifies every line of the text files."""
    by_path = {str(r.path): r for r in reports if r.status == "loaded"}  # a path given twice: once loaded
    for source in sources:
        if source.is_parquet:
            by_path[str(source.path)].lines += source.rows
    text_sources = [s for s in sources if not s.is_parquet]
    if not text_sources:
        return
    if totals == {"header_lines": len(text_sources), "blank_lines": 0, "latin1_lines": 0}:
        for source in text_sources:
            report = by_path[str(source.path)]
            report.header_lines = 1
            report.lines = 1 + report.rows_loaded + report.rows_rejected
        return
    counts = classify_lines(spark, text_sources).groupBy("source_file", "line_kind", "is_latin1").count().collect()
    for row in counts:
        report = by_path[row["source_file"]]
        report.lines += row["count"]
        report.latin1_lines += row["count"] if row["is_latin1"] else 0
        if row["line_kind"] == "header":
            report.header_lines += row["count"]
        elif row["line_kind"] == "blank":
            report.blank_lines += row["count"]


def _create_raw_database(spark: SparkSession) -> None:
    if not is_connect(spark):
        # Started from a statement, the metastore is set up inside the session catalog's lazy
        # `externalCatalog`, which holds the catalog's lock for those seconds; resolving any
        # function (the ingest's analysis) waits on that lock. Started from the shared state,
        # under the shared state's own lock, the ingest's planning goes on meanwhile.
        spark._jsparkSession.sharedState().externalCatalog()
    spark.sql(f"create database if not exists {RAW_DATABASE}")


@contextmanager
def raw_database_created_meanwhile(spark: SparkSession) -> Iterator[None]:
    """Create the raw database while the block runs. The first statement that reaches the Hive
    metastore sets it up, about 3 s on a new state folder, all of it on the driver; what the block
    does before it writes (planning the ingest, counting the input's lines) needs no metastore.
    Creating an empty database replaces nothing, so an input the block refuses leaves the last
    ingest intact."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="metastore") as pool:
        created = pool.submit(_create_raw_database, spark)
        yield
        created.result()


def count_outcomes(spark: SparkSession, reports: list[FileReport], table: str = LINES_TABLE) -> dict[str, int]:
    """Loaded and rejected lines per file, read back from the raw table; returns rejects per reason."""
    by_path = {str(r.path): r for r in reports if r.status == "loaded"}  # a path given twice: once loaded
    rejects: dict[str, int] = {}
    for row in spark.table(table).groupBy("source_file", "reject_reason").count().collect():
        report = by_path[row["source_file"]]
        if row["reject_reason"] is None:
            report.rows_loaded += row["count"]
        else:
            report.rows_rejected += row["count"]
            rejects[row["reject_reason"]] = rejects.get(row["reject_reason"], 0) + row["count"]
    return rejects


def corrupt_input_error(exc: Exception, sources: list[InputFile]) -> UserError | None:
    message = str(exc)
    if not any(sign in message for sign in CORRUPT_INPUT_SIGNS):
        return None
    named = [str(s.path) for s in sources if s.path.name in message] or [str(s.path) for s in sources]
    return UserError(
        f"{' or '.join(named)} is truncated or corrupt (it cannot be decompressed or decoded)",
        "Copy or download the file again",
    )


def ingest(spark: SparkSession, inputs: CheckedInputs | list[Path]) -> IngestResult:
    """Load the files into the raw tables, replacing what an earlier ingest left there.

    One pass over the input: every line is decoded and classified, and every data line parsed and
    written, parsed or rejected, in a single job. A file without data lines, or a gzip file that does
    not decompress, was refused before Spark started (check_inputs), so the previous ingest is only
    replaced by a readable input. The lines per file and kind are counted from the written table and
    from totals observed during the write (_count_line_kinds). Nothing is cached, whatever the input size.
    """
    checked = inputs if isinstance(inputs, CheckedInputs) else check_inputs(inputs)
    sources, reports = checked.sources, checked.reports
    ingest_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    # The totals are only needed for text files: observed on Parquet rows they cost 4-11 s per 50M
    # lines and tell nothing. Over Spark Connect an observation's totals may not reach the client:
    # the lines are classified apart.
    has_text = any(not s.is_parquet for s in sources)
    line_kinds = Observation("line_kinds") if has_text and not is_connect(spark) else None
    with raw_database_created_meanwhile(spark):
        lines = parse_files(spark, sources)
        if line_kinds is not None:
            lines = lines.observe(line_kinds, *_line_kind_totals())
    try:
        (
            lines
            .filter("line_kind = 'data'")
            .select(
                *LINE_COLUMNS,
                "reject_reason",
                "raw_line",
                "source_file",
                F.lit(ingest_id).alias("ingest_id"),
                F.current_timestamp().alias("ingested_at"),
            )
            .write.mode("overwrite").format("parquet").options(**PIPELINE_ONLY_PARQUET).saveAsTable(LINES_TABLE)
        )
    except (Py4JJavaError, PySparkException) as exc:
        raise (corrupt_input_error(exc, sources) or exc) from exc
    spark.sql(
        f"create or replace view {REJECTS_TABLE} as "
        f"select source_file, raw_line, reject_reason, ingest_id, ingested_at "
        f"from {LINES_TABLE} where reject_reason is not null"
    )
    rejects = count_outcomes(spark, reports)
    empty = [r for r in reports if r.status == "loaded" and r.rows_loaded + r.rows_rejected == 0]
    if empty:  # check_inputs refuses such files; this is Spark's word on it
        raise UserError(f"no data lines in {', '.join(str(r.path) for r in empty)}", "Check that the right file was given")
    _count_line_kinds(spark, sources, reports, line_kinds.get if line_kinds is not None else None)
    write_file_reports(spark, ingest_id, reports)
    return IngestResult(ingest_id=ingest_id, files=reports, rejects_by_reason=rejects)


def write_file_reports(spark: SparkSession, ingest_id: str, reports: list[FileReport]) -> None:
    # Built from literals on the JVM side: spark.createDataFrame would start a Python worker.
    rows = [
        F.struct(
            F.lit(ingest_id).alias("ingest_id"),
            F.lit(str(r.path)).alias("source_file"),
            F.lit(r.dataset).alias("dataset"),
            F.lit(r.sha256).alias("sha256"),
            F.lit(r.size_bytes).cast("bigint").alias("size_bytes"),
            F.lit(r.status).alias("status"),
            F.lit(r.duplicate_of).cast("string").alias("duplicate_of"),
            *(F.lit(getattr(r, name)).cast("bigint").alias(name) for name in COUNT_COLUMNS),
        )
        for r in reports
    ]
    (
        spark.range(1)
        .select(F.inline(F.array(*rows)))
        .withColumn("ingested_at", F.current_timestamp())
        .write.mode("overwrite").format("parquet").saveAsTable(FILES_TABLE)
    )


SOURCES = ("online_retail", "amazon_reviews")


def current_source(spark: SparkSession) -> str:
    """The source the last ingest loaded (what the warehouse's tables hold): online_retail unless the
    ingested files were Amazon reviews and items."""
    if not spark.catalog.tableExists(FILES_TABLE) or "dataset" not in spark.table(FILES_TABLE).columns:
        return "online_retail"
    datasets = {row["dataset"] for row in spark.table(FILES_TABLE).select("dataset").distinct().collect()}
    return "amazon_reviews" if datasets & {"reviews", "items"} else "online_retail"
