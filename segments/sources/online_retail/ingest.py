"""Ingest Online Retail files into the raw tables (declared as the dbt source `online_retail`).

- `raw.online_retail_lines`: every data line, typed, strings as published; a line that could not be
  parsed has a `reject_reason` and its `raw_line` (as Spark's CSV reader keeps a corrupt record).
- `raw.online_retail_rejects`: a view of the rejected lines: raw text and reason.
- `raw.ingested_files`: one row per input file (segments/sources/files.py).
"""

from __future__ import annotations

from pathlib import Path

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import Column, Observation, SparkSession
from pyspark.sql import functions as F

from segments.errors import UserError
from segments.sources.files import (
    PIPELINE_ONLY_PARQUET,
    RAW_DATABASE,
    CheckedInputs,
    FileReport,
    IngestResult,
    check_inputs,
    corrupt_input_error,
    count_outcomes,
    new_ingest_id,
    raw_database_created_meanwhile,
    write_file_reports,
)
from segments.sources.inputs import InputFile
from segments.sources.online_retail.parse import LINE_COLUMNS, classify_lines, parse_files
from segments.warehouse.session import is_connect

LINES_TABLE = f"{RAW_DATABASE}.online_retail_lines"
REJECTS_TABLE = f"{RAW_DATABASE}.online_retail_rejects"


def _line_kind_totals() -> list[Column]:
    """Totals over every line the ingest reads, observed while it writes the data lines."""
    return [
        F.count_if(F.col("line_kind") == "header").alias("header_lines"),
        F.count_if(F.col("line_kind") == "blank").alias("blank_lines"),
        F.count_if(F.col("is_latin1")).alias("latin1_lines"),
    ]


def _count_line_kinds(
    spark: SparkSession, sources: list[InputFile], reports: list[FileReport], totals: dict[str, int] | None
) -> None:
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
    ingest_id = new_ingest_id()
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
            lines.filter("line_kind = 'data'")
            .select(
                *LINE_COLUMNS,
                "reject_reason",
                "raw_line",
                "source_file",
                F.lit(ingest_id).alias("ingest_id"),
                F.current_timestamp().alias("ingested_at"),
            )
            .write.mode("overwrite")
            .format("parquet")
            .options(**PIPELINE_ONLY_PARQUET)
            .saveAsTable(LINES_TABLE)
        )
    except (Py4JJavaError, PySparkException) as exc:
        raise (corrupt_input_error(exc, sources) or exc) from exc
    spark.sql(
        f"create or replace view {REJECTS_TABLE} as "
        f"select source_file, raw_line, reject_reason, ingest_id, ingested_at "
        f"from {LINES_TABLE} where reject_reason is not null"
    )
    rejects = count_outcomes(spark, reports, LINES_TABLE)
    empty = [r for r in reports if r.status == "loaded" and r.rows_loaded + r.rows_rejected == 0]
    if empty:  # check_inputs refuses such files; this is Spark's word on it
        raise UserError(
            f"no data lines in {', '.join(str(r.path) for r in empty)}", "Check that the right file was given"
        )
    _count_line_kinds(spark, sources, reports, line_kinds.get if line_kinds is not None else None)
    write_file_reports(spark, ingest_id, reports)
    return IngestResult(ingest_id=ingest_id, files=reports, rejects_by_reason=rejects)
