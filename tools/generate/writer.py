"""Write generated Online Retail lines as Parquet (the types pandas gives the published file) or as
CSV (the layout of the bundled file), one file per FILE_ROWS lines, in a folder `segments ingest`
and `segments run --data` accept as it is."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from segments.errors import UserError
from segments.warehouse.jobs import job_progress
from tools.generate.online_retail import CHUNK_ROWS, FILE_ROWS, SPARK_SCHEMA, chunk_batches, default_customers

FORMATS = ("parquet", "csv")
# --renamed: the columns as a user's own export might name them, read by `--source transactions`
# with tools/generate/transactions_mapping.yml
RENAMED = {
    "InvoiceNo": "inv",
    "StockCode": "sku",
    "Description": "desc",
    "Quantity": "qty",
    "InvoiceDate": "ts",
    "UnitPrice": "price",
    "CustomerID": "cust",
    "Country": "ctry",
}


@dataclass(frozen=True)
class GenerateOptions:
    rows: int
    out: Path
    customers: int | None = None  # default: about as many lines per customer as the real file
    seed: int = 42
    format: str = "parquet"
    overwrite: bool = False
    renamed: bool = False

    @property
    def customer_count(self) -> int:
        return self.customers or default_customers(self.rows)

    def check(self) -> None:
        if self.rows < 1:
            raise UserError(f"--rows must be at least 1, got {self.rows}")
        if self.customer_count < 1:
            raise UserError(f"--customers must be at least 1, got {self.customers}")
        if self.format not in FORMATS:
            raise UserError(f"unknown format {self.format!r}", f"Use one of: {', '.join(FORMATS)}")
        if self.out.exists() and not self.overwrite:
            raise UserError(f"{self.out} already exists", "Give another --out, or --overwrite to replace it")
        if self.out.exists() and not self.out.is_dir():
            raise UserError(f"{self.out} is a file; the output is a folder of part files", "Give a folder path")


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    rows: int
    files: list[Path]
    seconds: float


def generated_lines(spark: SparkSession, options: GenerateOptions) -> DataFrame:
    chunks = math.ceil(options.rows / CHUNK_ROWS)
    chunk_numbers = spark.range(0, chunks, 1, numPartitions=math.ceil(options.rows / FILE_ROWS))
    return chunk_numbers.mapInArrow(chunk_batches(options.rows, options.customer_count, options.seed), SPARK_SCHEMA)


def _as_csv(lines: DataFrame) -> DataFrame:
    return lines.select(
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        F.date_format("InvoiceDate", "yyyy-MM-dd HH:mm:ss").alias("InvoiceDate"),
        "UnitPrice",
        F.col("CustomerID").cast("bigint").alias("CustomerID"),
        "Country",
    )


def generate_online_retail(
    spark: SparkSession,
    options: GenerateOptions,
    say: Callable[[str], None] = lambda _: None,
) -> GenerateResult:
    options.check()
    started = time.monotonic()
    lines = generated_lines(spark, options)
    mode = "overwrite" if options.overwrite else "errorifexists"
    with job_progress(spark, say, "files"):
        if options.format == "csv":
            _as_csv(lines).write.mode(mode).option("header", True).csv(str(options.out))
        elif options.renamed:
            lines.select(*(F.col(old).alias(new) for old, new in RENAMED.items())).write.mode(mode).parquet(
                str(options.out)
            )
        else:
            lines.write.mode(mode).parquet(str(options.out))
    files = sorted(options.out.glob(f"part-*.{options.format}"))
    return GenerateResult(options.out, options.rows, files, time.monotonic() - started)
