"""What every source's ingest shares: input files checked before Spark starts, the file bookkeeping
(`raw.ingested_files`: one row per input file with its checksum, line counts and what became of it),
and the building blocks of a raw table write.

Each ingest replaces its raw tables with the files given, so re-ingesting a file never duplicates
rows; the same content given twice (same SHA-256) is loaded once and reported as a duplicate.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from segments.errors import UserError
from segments.sources.inputs import BOM, DATA_SUFFIXES, InputFile, expand_paths, inspect_file
from segments.warehouse.session import is_connect

RAW_DATABASE = "raw"
FILES_TABLE = f"{RAW_DATABASE}.ingested_files"
# The raw line tables are read by the pipeline only (the staging views, the raw checks): written
# without Parquet's dictionary encoding, a third of the CPU of writing them (it hashes every value
# of every column), for files about 1.5 times as large that read as fast. dbt_project.yml does
# the same for the intermediate layer; the published tables keep Spark's defaults.
PIPELINE_ONLY_PARQUET = {"parquet.enable.dictionary": "false"}
CORRUPT_INPUT_SIGNS = (
    "Unexpected end of input stream",
    "Not in GZIP format",
    "EOFException",
    "invalid block type",
    "ZipException",
    "is not a Parquet file",
    "CANNOT_READ_FILE_FOOTER",
)


def new_ingest_id() -> str:
    """A sortable, unique id for one ingest, stamped on every row it writes."""
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


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


def check_inputs(
    paths: list[Path],
    inspect: Callable[[Path], InputFile] = inspect_file,
    dataset: str = "order_lines",
    suffixes: tuple[str, ...] = DATA_SUFFIXES,
    option: str = "--data",
) -> CheckedInputs:
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


def count_outcomes(spark: SparkSession, reports: list[FileReport], table: str) -> dict[str, int]:
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
        .write.mode("overwrite")
        .format("parquet")
        .saveAsTable(FILES_TABLE)
    )


def source_file_column() -> Column:
    """The path of each row's file as the user gave it (Spark reports a URL: `file:/a%20b.csv`).
    Evaluated on every row: plain prefix and substring tests, and url_decode only for a path with
    an escape, cost a fraction of a regex and a decode per row."""
    path = F.col("_metadata.file_path")
    url = F.when(path.startswith("file:"), F.substring(path, 6, 1 << 30)).otherwise(path)
    decoded = F.url_decode(F.replace(url, F.lit("+"), F.lit("%2B")))  # url_decode reads '+' as a space
    return F.when(url.contains("%"), decoded).otherwise(url)


def spread_partitions(spark: SparkSession, frame: DataFrame, sources: list[InputFile]) -> DataFrame:
    """A gzip file is one partition (not splittable), as is a small Parquet file: spread the rows so
    that parsing uses every core."""
    if is_connect(spark):
        # A Spark Connect client sees neither the server's cores nor the partitions of a frame.
        if not any(s.is_gzip for s in sources):
            return frame
        return frame.repartition(int(spark.conf.get("spark.sql.shuffle.partitions")))
    cores = spark.sparkContext.defaultParallelism
    if frame.rdd.getNumPartitions() < cores:
        return frame.repartition(cores)
    return frame


def decoded_lines(spark: SparkSession, sources: list[InputFile], spread: bool = True) -> DataFrame:
    """Every line of the text files, as UTF-8 when its bytes are valid UTF-8, else as ISO-8859-1
    (the UCI/Kaggle copies), so a mixed file works too; a `line_kind`: header, blank or data."""
    value = F.col("value")
    is_utf8 = F.expr("is_valid_utf8(value)")
    text = F.when(is_utf8, value).otherwise(F.decode(value.cast("binary"), "ISO-8859-1"))
    text_lines = spark.read.text([str(s.path) for s in sources]).select(
        "value", source_file_column().alias("source_file")
    )
    if spread:
        text_lines = spread_partitions(spark, text_lines, sources)
    decoded = text_lines.select(
        "source_file",
        text.alias("line"),
        (~is_utf8).alias("is_latin1"),
    )
    line = F.col("line")
    header_line = sources[0].header_line  # one layout: the same header in every file
    kind = (
        F.when(F.trim(line) == "", F.lit("blank"))
        # a byte-order mark can only precede the header, at the very start of the file
        .when(line.isin(header_line, BOM + header_line), F.lit("header"))
        .otherwise(F.lit("data"))
    )
    return decoded.select("*", kind.alias("line_kind"))
