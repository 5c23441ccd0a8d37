"""`segments export`: the customers of a segment, a churn-risk band or CLV deciles as a CSV file
for a campaign tool."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
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
    "p_alive",
    "churn_risk",
    "expected_purchases",
    "expected_spend",
    "clv",
    "clv_decile",
    "recommended_action",
    "rfm_recommended_action",
    "run_id",
)
CHURN_RISKS = ("high", "medium", "low")


@dataclass(frozen=True)
class ExportFilter:
    """Which customers to write: those matching every filter given."""

    segment: str | None = None
    segment_type: str = "kmeans"
    churn_risk: str | None = None
    clv_deciles: tuple[int, int] | None = None  # first and last decile, 1 = the highest CLV

    def check(self) -> None:
        if self.segment is None and self.churn_risk is None and self.clv_deciles is None:
            raise UserError("nothing to select", "Give --segment, --churn-risk or --clv-decile (or several)")
        if self.churn_risk is not None and self.churn_risk not in CHURN_RISKS:
            raise UserError(f"churn risk '{self.churn_risk}' is not one of {', '.join(CHURN_RISKS)}")
        if self.clv_deciles is not None and not 1 <= self.clv_deciles[0] <= self.clv_deciles[1] <= 10:
            raise UserError(f"CLV deciles {self.clv_deciles} are not within 1..10", "e.g. --clv-decile 1 or 1-3")

    def describe(self) -> str:
        parts = [f"{self.segment_type} segment '{self.segment}'"] if self.segment else []
        if self.churn_risk:
            parts.append(f"churn risk {self.churn_risk}")
        if self.clv_deciles:
            first, last = self.clv_deciles
            parts.append(f"CLV decile {first}" if first == last else f"CLV deciles {first}-{last}")
        return ", ".join(parts)

    def file_name(self) -> str:
        parts = [self.segment_type, self.segment.replace(" ", "_")] if self.segment else []
        if self.churn_risk:
            parts.append(f"churn_{self.churn_risk}")
        if self.clv_deciles:
            parts.append("clv_{}-{}".format(*self.clv_deciles))
        return "_".join(parts) + ".csv"


def _segment_name(spark: SparkSession, segment_type: str, segment: str) -> str:
    names = sorted(r["segment"] for r in spark.table(PLAYBOOK).where(F.col("segment_type") == segment_type).collect())
    matches = [n for n in names if n.lower() == segment.strip().lower()]
    if not matches:
        raise UserError(
            f"'{segment}' is not a {segment_type} segment", f"Valid {segment_type} segments: {', '.join(names)}"
        )
    return matches[0]


def _value_columns_present(customers: DataFrame) -> None:
    if "churn_risk" not in customers.columns:
        raise UserError(
            f"{CUSTOMER_SEGMENTS} has no customer value columns: it was built by an older version",
            "Run `segments run` again",
        )
    if customers.where(F.col("p_alive").isNotNull()).limit(1).count() == 0:
        raise UserError(
            "no customer has a P(alive) or CLV: the value models were not fitted",
            "See why in ml.ml_value_fits (status, detail), or the summary of `segments run`",
        )


def export_customers(spark: SparkSession, selection: ExportFilter, out: Path) -> int:
    """Write the customers `selection` picks to `out`; returns how many were written."""
    selection.check()
    if not spark.catalog.tableExists(CUSTOMER_SEGMENTS):
        raise UserError(f"there is no {CUSTOMER_SEGMENTS} yet", "Run `segments run` first")
    customers = spark.table(CUSTOMER_SEGMENTS)
    if selection.segment is not None:
        column = "kmeans_segment" if selection.segment_type == "kmeans" else "rfm_segment"
        customers = customers.where(F.col(column) == _segment_name(spark, selection.segment_type, selection.segment))
    if selection.churn_risk is not None or selection.clv_deciles is not None:
        _value_columns_present(customers)
    if selection.churn_risk is not None:
        customers = customers.where(F.col("churn_risk") == selection.churn_risk)
    if selection.clv_deciles is not None:
        customers = customers.where(F.col("clv_decile").between(*selection.clv_deciles))
    customers = customers.select(*COLUMNS).orderBy(F.col("monetary").desc(), "customer_id")
    count = customers.count()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as scratch:
        # One CSV file: a single partition, then the part file moved into place in one rename.
        customers.coalesce(1).write.mode("overwrite").option("header", True).csv(f"{scratch}/csv")
        part = next(Path(scratch, "csv").glob("part-*.csv"))
        shutil.move(str(part), str(out))
    return count
