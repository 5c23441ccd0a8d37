"""Ingest the McAuley Lab "Amazon Reviews 2023" files: reviews and item metadata -> raw tables.

- `raw.amazon_reviews`: one row per review line (`--data`), typed; a line that could not be used has
  a `reject_reason` and its `raw_line`.
- `raw.amazon_items`: one row per item metadata line (`--meta`), the same way.
- `raw.ingested_files`: one row per input file (shared with the Online Retail source).

Input: JSON Lines as published (`.jsonl`, `.json`, optionally `.gz`), or Parquet with the same field
names. Every line is parsed with an explicit schema in which every field is text (a nested value
keeps its JSON text), then typed here, so a value of the wrong type becomes a reject with a reason
instead of a silent null, and a line that is not a JSON object keeps its raw text.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
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
    IngestResult,
    check_inputs,
    corrupt_input_error,
    count_outcomes,
    new_ingest_id,
    raw_database_created_meanwhile,
    source_file_column,
    spread_partitions,
    write_file_reports,
)
from segments.sources.inputs import GZIP_MAGIC, PARQUET_MAGIC, InputFile, check_container, sha256_of

SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".parquet")
BOOLEAN_TEXT = ("true", "false")


@dataclass(frozen=True)
class Dataset:
    """One of the two published files and the raw table it is loaded into."""

    name: str  # reviews | items
    option: str  # the CLI option that names its files
    table: str
    fields: tuple[tuple[str, str], ...]  # published field -> raw type: string, json (nested), double, bigint, boolean
    required: tuple[str, ...]  # fields every file must have
    keys: tuple[str, ...]  # fields every line must fill (else rejected as missing_<field>)
    sign: str  # a field only this dataset has: tells the two apart when they are swapped

    @property
    def reject_reasons(self) -> tuple[str, ...]:
        """In the order they are checked: a line gets the first that applies."""
        typed = [name for name, kind in self.fields if kind in ("double", "bigint", "boolean")]
        return (
            "malformed_json",
            *(f"missing_{k}" for k in self.keys),
            *(f"invalid_{name}" for name in typed if name not in self.keys),
        )


REVIEWS = Dataset(
    name="reviews",
    option="--data",
    table=f"{RAW_DATABASE}.amazon_reviews",
    fields=(
        ("rating", "double"),
        ("title", "string"),
        ("text", "string"),
        ("images", "json"),
        ("asin", "string"),
        ("parent_asin", "string"),
        ("user_id", "string"),
        ("timestamp", "bigint"),
        ("helpful_vote", "bigint"),
        ("verified_purchase", "boolean"),
    ),
    required=("user_id", "parent_asin", "timestamp", "verified_purchase"),
    keys=("user_id", "parent_asin", "timestamp"),
    sign="user_id",
)
ITEMS = Dataset(
    name="items",
    option="--meta",
    table=f"{RAW_DATABASE}.amazon_items",
    fields=(
        ("main_category", "string"),
        ("title", "string"),
        ("average_rating", "double"),
        ("rating_number", "bigint"),
        ("features", "json"),
        ("description", "json"),
        ("price", "string"),
        ("images", "json"),
        ("videos", "json"),
        ("store", "string"),
        ("categories", "json"),
        ("details", "json"),
        ("parent_asin", "string"),
        ("bought_together", "json"),
    ),
    required=("parent_asin", "price"),
    keys=("parent_asin",),
    sign="main_category",
)
DATASETS = (REVIEWS, ITEMS)


# -- before Spark: the files and their first record ---------------------------------------------


def _first_record(path: Path, head: bytes) -> dict:
    opener = gzip.open if head.startswith(GZIP_MAGIC) else open
    try:
        with opener(path, "rb") as handle:
            line = b""
            while not line.strip():
                line = handle.readline(1 << 24)
                if not line:
                    raise UserError(f"input file {path} holds no JSON lines (it is empty or blank)")
    except (OSError, EOFError) as exc:
        raise UserError(f"cannot read {path}: {exc}", "Check that the file is complete (download it again)") from exc
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise UserError(
            f"{path} does not start with a JSON object (found: {line[:80]!r})",
            "Give JSON Lines files as published: one JSON object per line",
        )
    return record


def _parquet_fields(path: Path) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        raise UserError(f"{path} is not a readable Parquet file ({exc})", "Copy or write the file again") from exc


def _check_fields(path: Path, dataset: Dataset, found: list[str]) -> None:
    missing = [name for name in dataset.required if name not in found]
    if not missing:
        return
    other = ITEMS if dataset is REVIEWS else REVIEWS
    hint = (
        f"It looks like {other.name} data: give it with {other.option}"
        if other.sign in found
        else f"Give the published {dataset.name} files with {dataset.option}"
    )
    plural = "s" if len(missing) > 1 else ""
    raise UserError(
        f"{path} lacks the field{plural} {', '.join(repr(m) for m in missing)} that {dataset.name} must have "
        f"(its {'schema' if path.name.endswith('.parquet') else 'first record'} has: {', '.join(found) or 'nothing'})",
        hint,
    )


def inspect_file(path: Path, dataset: Dataset) -> InputFile:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise UserError(f"cannot open {path}: {exc.strerror}") from exc
    check_container(path, head, expected="JSON Lines")
    if head.startswith(PARQUET_MAGIC):
        found = _parquet_fields(path)
        columns = tuple((name, "parquet") for name in found)
    else:
        found, columns = list(_first_record(path, head)), ()
    _check_fields(path, dataset, found)
    return InputFile(
        path=path,
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        header_line="",
        field_count=len(found),
        positions={},
        columns=columns,
    )


def check_amazon_inputs(dataset: Dataset, paths: list[Path]) -> CheckedInputs:
    """Inspect every file of one dataset; the same content twice is loaded once."""
    if not paths:
        raise UserError(f"no {dataset.name} files given", f"Name them with {dataset.option}")
    return check_inputs(paths, lambda path: inspect_file(path, dataset), dataset.name, SUFFIXES, dataset.option)


# -- Spark: lines -> text fields -> typed rows or rejects --------------------------------------


def _json_lines(spark: SparkSession, sources: list[InputFile]) -> DataFrame:
    """Every line of the JSON files: its text, its file, and whether it is blank."""
    lines = spark.read.text([str(s.path) for s in sources]).select(
        F.col("value").alias("line"), source_file_column().alias("source_file")
    )
    return lines.select("*", (F.trim("line") == "").alias("is_blank"))


def _text_fields_from_json(lines: DataFrame, dataset: Dataset) -> DataFrame:
    """Each line parsed once: from_json sits in a generator (explode of a one-element array) because
    the optimizer would otherwise inline it into every field reference."""
    schema = ", ".join(f"`{name}` string" for name, _ in dataset.fields) + ", _corrupt_record string"
    parsed = lines.select(
        "*",
        F.explode(F.array(F.from_json("line", schema, {"columnNameOfCorruptRecord": "_corrupt_record"}))).alias("j"),
    )
    return parsed.select(
        "line",
        "source_file",
        (F.col("j").isNull() | F.col("j._corrupt_record").isNotNull()).alias("malformed"),
        *(F.col(f"j.`{name}`").alias(name) for name, _ in dataset.fields),
    )


def _text_fields_from_parquet(spark: SparkSession, dataset: Dataset, sources: list[InputFile]) -> DataFrame:
    """Parquet rows as the text the JSON reader would give: nested values as JSON, numbers as text."""
    frame = spark.read.parquet(*[str(s.path) for s in sources])
    types = {field.name: field.dataType for field in frame.schema.fields}

    def as_text(name: str) -> Column:
        if name not in types:
            return F.lit(None).cast("string")
        column = F.col(f"`{name}`")
        if isinstance(types[name], T.StringType):
            return column
        if isinstance(types[name], (T.ArrayType, T.MapType, T.StructType)):
            return F.to_json(column)
        return column.cast("string")

    return frame.select(
        F.to_json(F.struct(*(F.col(f"`{name}`") for name in types))).alias("line"),
        source_file_column().alias("source_file"),
        F.lit(False).alias("malformed"),
        *(as_text(name).alias(name) for name, _ in dataset.fields),
    )


def _typed(text: Column, kind: str) -> Column:
    if kind == "double":
        return text.try_cast("double")
    if kind == "bigint":  # 1588687728923, or 1.588687728923E12 from a writer that prints doubles
        as_double = text.try_cast("double")
        return F.coalesce(text.try_cast("bigint"), F.when(as_double == F.floor(as_double), as_double.cast("bigint")))
    if kind == "boolean":
        return F.when(F.lower(F.trim(text)).isin(*BOOLEAN_TEXT), F.lower(F.trim(text)) == "true")
    return text


def _with_reasons(fields: DataFrame, dataset: Dataset) -> DataFrame:
    typed = {name: _typed(F.col(name), kind) for name, kind in dataset.fields}
    checks = {"malformed_json": F.col("malformed")}
    for key in dataset.keys:
        checks[f"missing_{key}"] = F.col(key).isNull() | (F.trim(F.col(key)) == "")
    for name, _ in dataset.fields:
        if f"invalid_{name}" in dataset.reject_reasons:
            checks[f"invalid_{name}"] = F.col(name).isNotNull() & typed[name].isNull()
    for key in dataset.keys:  # a key of the wrong type (a timestamp that is not a number) is missing too
        if dict(dataset.fields)[key] != "string":
            checks[f"missing_{key}"] = checks[f"missing_{key}"] | typed[key].isNull()
    reason = F.lit(None).cast("string")
    for name in reversed(dataset.reject_reasons):
        reason = F.when(F.coalesce(checks[name], F.lit(False)), F.lit(name)).otherwise(reason)
    return fields.select(
        *(typed[name].alias(name) for name, _ in dataset.fields),
        reason.alias("reject_reason"),
        F.when(reason.isNotNull(), F.col("line")).alias("raw_line"),
        "source_file",
    )


def _by_format(sources: list[InputFile]) -> list[list[InputFile]]:
    return [
        group for group in ([s for s in sources if not s.is_parquet], [s for s in sources if s.is_parquet]) if group
    ]


def _count_lines(spark: SparkSession, checked: CheckedInputs) -> None:
    """Lines and blank lines per file, into its report: a cheap pass that finds empty or corrupt files
    before the previous ingest is replaced."""
    by_path = {str(r.path): r for r in checked.reports if r.status == "loaded"}
    for group in _by_format(checked.sources):
        if group[0].is_parquet:
            frame = spark.read.parquet(*[str(s.path) for s in group]).select(
                source_file_column().alias("source_file"), F.lit(False).alias("is_blank")
            )
        else:
            frame = _json_lines(spark, group)
        for row in frame.groupBy("source_file", "is_blank").count().collect():
            report = by_path[row["source_file"]]
            report.lines += row["count"]
            report.blank_lines += row["count"] if row["is_blank"] else 0
    empty = [r for r in by_path.values() if r.lines == r.blank_lines]
    if empty:
        raise UserError(
            f"no data lines in {', '.join(str(r.path) for r in empty)}", "Check that the right file was given"
        )


def _rows(spark: SparkSession, dataset: Dataset, sources: list[InputFile], ingest_id: str) -> DataFrame:
    parts = []
    for group in _by_format(sources):
        if group[0].is_parquet:
            fields = _text_fields_from_parquet(spark, dataset, group)
        else:
            fields = _text_fields_from_json(_json_lines(spark, group).where(~F.col("is_blank")), dataset)
        parts.append(_with_reasons(spread_partitions(spark, fields, group), dataset))
    rows = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    return rows.select("*", F.lit(ingest_id).alias("ingest_id"), F.current_timestamp().alias("ingested_at"))


def ingest_amazon_reviews(spark: SparkSession, reviews: CheckedInputs, items: CheckedInputs) -> dict[str, IngestResult]:
    """Load reviews and item metadata into their raw tables, replacing the previous ingest."""
    ingest_id = new_ingest_id()
    checked = {REVIEWS.name: reviews, ITEMS.name: items}
    with raw_database_created_meanwhile(spark):
        for dataset in DATASETS:
            try:
                _count_lines(spark, checked[dataset.name])
            except (Py4JJavaError, PySparkException) as exc:
                raise (corrupt_input_error(exc, checked[dataset.name].sources) or exc) from exc
    results: dict[str, IngestResult] = {}
    for dataset in DATASETS:
        inputs = checked[dataset.name]
        (
            _rows(spark, dataset, inputs.sources, ingest_id)
            .write.mode("overwrite")
            .format("parquet")
            .options(**PIPELINE_ONLY_PARQUET)
            .saveAsTable(dataset.table)
        )
        rejects = count_outcomes(spark, inputs.reports, dataset.table)
        results[dataset.name] = IngestResult(ingest_id=ingest_id, files=inputs.reports, rejects_by_reason=rejects)
    write_file_reports(spark, ingest_id, reviews.reports + items.reports)
    return results
