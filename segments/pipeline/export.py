"""`segments export`: one segment's customers as a CSV file for a campaign tool."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from segments.errors import UserError

CUSTOMER_SEGMENTS = "analytics.customer_segments"
PLAYBOOK = "reference.segment_playbook"
COLUMNS = (
    "customer_id",
    "country",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "kmeans_segment",
    "rfm_segment",
    "recommended_action",
    "rfm_recommended_action",
    "run_id",
)


def export_segment(spark: SparkSession, segment_type: str, segment: str, out: Path) -> int:
    """Write the customers of `segment` to `out`; returns how many were written."""
    if not spark.catalog.tableExists(CUSTOMER_SEGMENTS):
        raise UserError(f"there is no {CUSTOMER_SEGMENTS} yet", "Run `segments run` first")
    names = sorted(r["segment"] for r in spark.table(PLAYBOOK).where(F.col("segment_type") == segment_type).collect())
    matches = [n for n in names if n.lower() == segment.strip().lower()]
    if not matches:
        raise UserError(
            f"'{segment}' is not a {segment_type} segment", f"Valid {segment_type} segments: {', '.join(names)}"
        )
    column = "kmeans_segment" if segment_type == "kmeans" else "rfm_segment"
    customers = (
        spark.table(CUSTOMER_SEGMENTS)
        .where(F.col(column) == matches[0])
        .select(*COLUMNS)
        .orderBy(F.col("monetary").desc(), "customer_id")
    )
    count = customers.count()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as scratch:
        # One CSV file: a single partition, then the part file moved into place in one rename.
        customers.coalesce(1).write.mode("overwrite").option("header", True).csv(f"{scratch}/csv")
        part = next(Path(scratch, "csv").glob("part-*.csv"))
        shutil.move(str(part), str(out))
    return count
