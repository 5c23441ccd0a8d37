"""Ingest a user's transactions through their column mapping (declared as the dbt source
`transactions`):

- `raw.transactions_lines`: one row per input line or row, in the mapped columns' canonical names and
  types; a line that could not be used has a `reject_reason` and its `raw_line`. Unmapped columns
  are null.
- `raw.transactions_rules`: which cleaning rules run for this mapping, and why one does not.
- `raw.transactions_mapping`: the mapping itself, target by target.
- `raw.ingested_files`: one row per input file, or one for the catalog table read.
"""

from __future__ import annotations

import re
from pathlib import Path

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from segments.errors import UserError
from segments.sources.files import (
    PIPELINE_ONLY_PARQUET,
    RAW_DATABASE,
    CheckedInputs,
    FileReport,
    IngestResult,
    corrupt_input_error,
    count_outcomes,
    decoded_lines,
    new_ingest_id,
    raw_database_created_meanwhile,
    source_file_column,
    spread_partitions,
    write_file_reports,
)
from segments.sources.inputs import InputFile
from segments.sources.transactions.inputs import DATASET, SAMPLE_ROWS, check_dates, find_columns
from segments.sources.transactions.mapping import TARGETS, WHITESPACE, Mapping

LINES_TABLE = f"{RAW_DATABASE}.transactions_lines"
RULES_TABLE = f"{RAW_DATABASE}.transactions_rules"
MAPPING_TABLE = f"{RAW_DATABASE}.transactions_mapping"
NUMBERS = ("quantity", "unit_price", "amount")
DECIMAL = "decimal(18,4)"
QUOTED_FIELD = r'"(?:[^"]|"")*+"'
# in the order they are checked: a line gets the first that applies
REJECT_REASONS = (
    "wrong_field_count",
    "missing_ordered_at",
    "invalid_ordered_at",
    *(f"{kind}_{name}" for name in NUMBERS for kind in ("missing", "invalid")),
)


def _blank_to_null(text: Column) -> Column:
    trimmed = F.trim(text)
    return F.when(trimmed != "", trimmed)


def _customer_id(column: Column, spark_type: T.DataType) -> Column:
    if isinstance(spark_type, T.StringType):
        text = _blank_to_null(column)
        # 17850.0: an id written by a tool that read it as a number
        return F.when(text.rlike(r"^[0-9]+\.0+$"), F.regexp_extract(text, r"^([0-9]+)", 1)).otherwise(text)
    if isinstance(spark_type, (T.FloatType, T.DoubleType, T.DecimalType)):
        whole = column == F.floor(column)
        return F.when(whole, column.cast("decimal(38,0)").cast("string")).otherwise(column.cast("string"))
    return column.cast("string")


def _timestamp(column: Column, spark_type: T.DataType, date_format: str | None) -> Column:
    if not isinstance(spark_type, T.StringType):
        return column.cast("timestamp")
    text = F.trim(column)
    return F.try_to_timestamp(text, F.lit(date_format)) if date_format else text.try_cast("timestamp")


def _number(column: Column, spark_type: T.DataType) -> Column:
    return (F.trim(column) if isinstance(spark_type, T.StringType) else column).try_cast(DECIMAL)


def _typed(frame: DataFrame, names: dict[str, str], mapping: Mapping, field_check: Column | None) -> DataFrame:
    """Canonical columns from the mapped ones (`names`: target -> column of `frame`), and the reason a
    line is rejected. `frame` has `source_file` and `raw_line` (the line's text)."""
    types = {field.name: field.dataType for field in frame.schema.fields}
    text = {target: F.col(f"`{name}`") for target, name in names.items()}
    value: dict[str, Column] = {target: F.lit(None).cast("string") for target in TARGETS}
    for target in ("order_id", "product_id", "description", "country"):
        if target in names:
            value[target] = _blank_to_null(text[target].cast("string"))
    value["customer_id"] = _customer_id(text["customer_id"], types[names["customer_id"]])
    date_format = mapping.columns["ordered_at"].date_format
    value["ordered_at"] = _timestamp(text["ordered_at"], types[names["ordered_at"]], date_format)
    checks: dict[str, Column] = {"wrong_field_count": field_check if field_check is not None else F.lit(False)}
    checks["missing_ordered_at"] = _blank_to_null(text["ordered_at"].cast("string")).isNull()
    checks["invalid_ordered_at"] = value["ordered_at"].isNull()
    for target in NUMBERS:
        value[target] = F.lit(None).cast(DECIMAL)
        if target not in names:
            checks[f"missing_{target}"] = checks[f"invalid_{target}"] = F.lit(False)
            continue
        value[target] = _number(text[target], types[names[target]])
        given = _blank_to_null(text[target].cast("string")).isNotNull()
        # in amount mode a mapped quantity is informative: it may be empty
        optional = target == "quantity" and mapping.amount_mode
        checks[f"missing_{target}"] = F.lit(False) if optional else ~given
        checks[f"invalid_{target}"] = given & value[target].isNull()
    reason = F.lit(None).cast("string")
    for name in reversed(REJECT_REASONS):
        reason = F.when(F.coalesce(checks[name], F.lit(False)), F.lit(name)).otherwise(reason)
    return frame.select(
        *(value[target].alias(target) for target in TARGETS),
        reason.alias("reject_reason"),
        F.when(reason.isNotNull(), F.col("raw_line")).alias("raw_line"),
        "source_file",
    )


def _text_rows(spark: SparkSession, group: list[InputFile], mapping: Mapping) -> DataFrame:
    """Lines of text files of one layout, split into fields once."""
    layout = group[0]
    lines = decoded_lines(spark, group).where(F.col("line_kind") == "data")
    line = F.regexp_replace("line", "^\ufeff", "")
    if mapping.delimiter == WHITESPACE:
        fields = F.split(F.regexp_replace(line, r"^\s+|\s+$", ""), r"\s+")
        split = lines.select("*", fields.alias("fields"))
        count, field = F.size("fields"), lambda i: F.get(F.col("fields"), i)
    else:
        schema = ", ".join(f"f{i} string" for i in range(layout.field_count))
        options = {"sep": mapping.delimiter, "escape": '"'}
        split = lines.select("*", F.explode(F.array(F.from_csv(line, schema, options))).alias("fields"))
        unquoted = F.regexp_replace(line, QUOTED_FIELD, "")
        count = F.size(F.split(unquoted, re.escape(mapping.delimiter), -1))
        field = lambda i: F.col(f"fields.f{i}")  # noqa: E731
    frame = split.select(
        "source_file",
        F.col("line").alias("raw_line"),
        count.alias("field_count"),
        *(field(index).alias(f"text_{target}") for target, index in layout.positions.items()),
    )
    names = {target: f"text_{target}" for target in layout.positions}
    return _typed(frame, names, mapping, F.col("field_count") != layout.field_count)


def _columnar_rows(frame: DataFrame, where: str, mapping: Mapping, source_file: Column) -> DataFrame:
    """Rows of a Parquet file or a catalog table: the mapped columns, by name."""
    names = frame.columns
    positions = find_columns(where, mapping, names, "it has")
    ordered_at = frame.schema.fields[positions["ordered_at"]]
    if not isinstance(ordered_at.dataType, (T.StringType, T.DateType, T.TimestampType, T.TimestampNTZType)):
        raise UserError(
            f"{where}: ordered_at is mapped to {ordered_at.name!r}, of type {ordered_at.dataType.simpleString()}",
            "Map a date, a timestamp or text (with its format)",
        )
    with_line = frame.select(
        "*",
        source_file.alias("source_file"),
        F.to_json(F.struct(*(F.col(f"`{n}`") for n in names))).alias("raw_line"),
    )
    return _typed(with_line, {t: names[i] for t, i in positions.items()}, mapping, None)


def _check_table_dates(frame: DataFrame, where: str, mapping: Mapping) -> None:
    if not mapping.columns["ordered_at"].date_format:
        return
    name = frame.columns[find_columns(where, mapping, frame.columns, "it has")["ordered_at"]]
    values = [row[0] for row in frame.select(F.col(f"`{name}`").cast("string")).limit(SAMPLE_ROWS).collect()]
    check_dates(where, mapping, values)


def _rows(spark: SparkSession, checked: CheckedInputs, mapping: Mapping) -> DataFrame:
    layouts: dict[tuple, list[InputFile]] = {}
    for source in checked.sources:
        layouts.setdefault(source.layout, []).append(source)
    parts = []
    for group in layouts.values():
        if group[0].is_parquet:
            frame = spark.read.parquet(*[str(s.path) for s in group])
            rows = _columnar_rows(frame, str(group[0].path), mapping, source_file_column())
            parts.append(spread_partitions(spark, rows, group))
        else:
            parts.append(_text_rows(spark, group, mapping))
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.unionByName(part)
    return rows


def _count_lines(spark: SparkSession, checked: CheckedInputs) -> None:
    """Lines per kind of every file, into its report: a Parquet file's footer has its row count, the
    text files are read once more."""
    by_path = {str(r.path): r for r in checked.reports if r.status == "loaded"}
    for source in checked.sources:
        if source.is_parquet:
            by_path[str(source.path)].lines += source.rows
    text = [s for s in checked.sources if not s.is_parquet]
    for header_line in {s.header_line for s in text}:
        group = [s for s in text if s.header_line == header_line]
        lines = decoded_lines(spark, group, spread=False)
        for row in lines.groupBy("source_file", "line_kind", "is_latin1").count().collect():
            report = by_path[row["source_file"]]
            report.lines += row["count"]
            report.latin1_lines += row["count"] if row["is_latin1"] else 0
            report.header_lines += row["count"] if row["line_kind"] == "header" else 0
            report.blank_lines += row["count"] if row["line_kind"] == "blank" else 0


def _write_settings(spark: SparkSession, mapping: Mapping, ingest_id: str) -> None:
    """The rules that run and the mapping, as small tables the cleaning models and audits read."""

    def write(rows: list[Column], table: str) -> None:
        frame = spark.range(1).select(F.inline(F.array(*rows)))
        frame.withColumn("ingest_id", F.lit(ingest_id)).write.mode("overwrite").format("parquet").saveAsTable(table)

    write(
        [
            F.struct(
                F.lit(rule).alias("rule"),
                F.lit(reason is None).alias("is_applied"),
                F.lit(reason).cast("string").alias("skipped_because"),
            )
            for rule, reason in mapping.rules().items()
        ],
        RULES_TABLE,
    )
    write(
        [
            F.struct(
                F.lit(target).alias("target"),
                F.lit(column.name).alias("input_column"),
                F.lit(column.date_format).cast("string").alias("date_format"),
            )
            for target, column in mapping.columns.items()
        ],
        MAPPING_TABLE,
    )


def ingest(spark: SparkSession, checked: CheckedInputs, mapping: Mapping, table: str | None) -> IngestResult:
    """Load the files (or the catalog table) into the raw tables, replacing the previous ingest."""
    ingest_id = new_ingest_id()
    with raw_database_created_meanwhile(spark):
        if table:
            frame = _table(spark, table)
            _check_table_dates(frame, table, mapping)
            rows = _columnar_rows(frame, table, mapping, F.lit(table))
            checked = CheckedInputs([], [FileReport(path=Path(table), sha256="", size_bytes=0, dataset=DATASET)])
        else:
            rows = _rows(spark, checked, mapping)
    try:
        (
            rows.select("*", F.lit(ingest_id).alias("ingest_id"), F.current_timestamp().alias("ingested_at"))
            .write.mode("overwrite")
            .format("parquet")
            .options(**PIPELINE_ONLY_PARQUET)
            .saveAsTable(LINES_TABLE)
        )
    except (Py4JJavaError, PySparkException) as exc:
        raise (corrupt_input_error(exc, checked.sources) or exc) from exc
    rejects = count_outcomes(spark, checked.reports, LINES_TABLE)
    if table:
        checked.reports[0].lines = checked.reports[0].rows_loaded + checked.reports[0].rows_rejected
    else:
        _count_lines(spark, checked)
    empty = [r for r in checked.reports if r.status == "loaded" and r.rows_loaded + r.rows_rejected == 0]
    if empty:
        raise UserError(f"no data lines in {', '.join(str(r.path) for r in empty)}", "Check the input given")
    _write_settings(spark, mapping, ingest_id)
    write_file_reports(spark, ingest_id, checked.reports)
    return IngestResult(ingest_id=ingest_id, files=checked.reports, rejects_by_reason=rejects)


def _table(spark: SparkSession, name: str) -> DataFrame:
    if not spark.catalog.tableExists(name):
        raise UserError(
            f"no table {name} in the Spark catalog", "Give --table as database.table, e.g. analytics.orders"
        )
    if name.split(".")[0] == RAW_DATABASE:
        raise UserError(f"{name} is in the raw database, which the ingest replaces", "Copy it to another database")
    frame = spark.table(name)
    if frame.isEmpty():
        raise UserError(f"the table {name} has no rows", "Check that the right table was given")
    return frame
