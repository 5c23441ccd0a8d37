"""Write generated Amazon reviews and item metadata as the published files are (gzipped JSON Lines,
nulls written as null) or as Parquet: OUT/reviews and OUT/meta, one file per about FILE_REVIEWS
reviews and FILE_ITEMS items, which `segments run --source amazon_reviews --data OUT/reviews
--meta OUT/meta` reads."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from segments.errors import UserError
from segments.warehouse.jobs import job_progress
from tools.generate.amazon_reviews import (
    FILE_ITEMS,
    FILE_REVIEWS,
    MEAN_REVIEWS_PER_USER,
    META_SPARK_SCHEMA,
    REVIEW_SPARK_SCHEMA,
    USERS_PER_CHUNK,
    default_items,
    item_chunks,
    meta_batches,
    review_batches,
    review_count,
    user_chunks,
)

FORMATS = ("jsonl", "parquet")
SUFFIXES = {"jsonl": "json.gz", "parquet": "parquet"}


@dataclass(frozen=True)
class AmazonReviewsOptions:
    users: int
    out: Path
    seed: int = 42
    format: str = "jsonl"
    overwrite: bool = False

    def check(self) -> None:
        if self.users < 1:
            raise UserError(f"--users must be at least 1, got {self.users}")
        if self.seed < 0:
            raise UserError(f"--seed must be 0 or more, got {self.seed}")
        if self.format not in FORMATS:
            raise UserError(f"unknown format {self.format!r}", f"Use one of: {', '.join(FORMATS)}")
        if self.out.exists() and not self.overwrite:
            raise UserError(f"{self.out} already exists", "Give another --out, or --overwrite to replace it")
        if self.out.exists() and not self.out.is_dir():
            raise UserError(f"{self.out} is a file; the output is a folder (reviews/ and meta/)", "Give a folder path")


@dataclass(frozen=True)
class AmazonReviewsResult:
    out: Path
    reviews: int
    items: int  # metadata lines (the reviews also name a few items missing from them)
    review_files: list[Path]
    meta_files: list[Path]
    seconds: float


def generated_reviews(spark: SparkSession, options: AmazonReviewsOptions) -> DataFrame:
    chunks = user_chunks(options.users)
    files = min(chunks, math.ceil(options.users * MEAN_REVIEWS_PER_USER / FILE_REVIEWS))
    numbers = spark.range(0, chunks, 1, numPartitions=files)
    return numbers.mapInArrow(review_batches(options.users, options.seed), REVIEW_SPARK_SCHEMA)


def generated_meta(spark: SparkSession, options: AmazonReviewsOptions) -> DataFrame:
    items = default_items(options.users)
    chunks = item_chunks(items)
    numbers = spark.range(0, chunks, 1, numPartitions=min(chunks, math.ceil(items / FILE_ITEMS)))
    return numbers.mapInArrow(meta_batches(options.users, options.seed), META_SPARK_SCHEMA)


def reviews_written(options: AmazonReviewsOptions) -> int:
    """The number of reviews, from the chunks' random streams alone (no Spark job)."""
    users = options.users
    return sum(
        review_count(chunk, min(USERS_PER_CHUNK, users - chunk * USERS_PER_CHUNK), options.seed)
        for chunk in range(user_chunks(users))
    )


def _write(frame: DataFrame, path: Path, options: AmazonReviewsOptions) -> list[Path]:
    writer = frame.write.mode("overwrite" if options.overwrite else "errorifexists")
    if options.format == "jsonl":
        # gzip at its fastest level: 3x faster than the default level, files about 18 % larger
        writer = writer.option("compression", "gzip").option("zlib.compress.level", "BEST_SPEED")
        writer.option("ignoreNullFields", False).json(str(path))
    else:
        writer.parquet(str(path))
    return sorted(path.glob(f"part-*.{SUFFIXES[options.format]}"))


def generate_amazon_reviews(
    spark: SparkSession,
    options: AmazonReviewsOptions,
    say: Callable[[str], None] = lambda _: None,
) -> AmazonReviewsResult:
    """--overwrite replaces OUT/reviews and OUT/meta; anything else in OUT stays."""
    options.check()
    started = time.monotonic()
    # the metadata last: its _SUCCESS marks the whole output complete (segments-dev bench relies on it)
    with job_progress(spark, say, "review files"):
        review_files = _write(generated_reviews(spark, options), options.out / "reviews", options)
    with job_progress(spark, say, "metadata files"):
        meta_files = _write(generated_meta(spark, options), options.out / "meta", options)
    return AmazonReviewsResult(
        options.out,
        reviews_written(options),
        default_items(options.users),
        review_files,
        meta_files,
        time.monotonic() - started,
    )
