"""Wall time of the k search (fit + silhouette for every k) on synthetic RFM customers.

    python -m tools.benchmarks.kmeans [--customers 1000000] [--k-min 2] [--k-max 10]

Customers are generated in Spark with heavy tails like the real file's (log-normal monetary, a
geometric-like frequency, recency spread over a year), written to a table in a temporary state
folder, then segmented exactly as `segments run` does. Results: artifacts/bench/kmeans.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from tools.bench.machine import machine

PROJECT_DIR = Path(__file__).resolve().parents[2]


def synthetic_customers(spark, customers: int, table: str) -> None:
    from pyspark.sql import functions as F

    spark.sql("create database if not exists bench")
    (
        spark.range(customers)
        .select(
            F.col("id").cast("string").alias("customer_id"),
            F.floor(F.rand(1) * 365).cast("int").alias("recency_days"),
            (1 + F.floor(-F.log(F.rand(2) + F.lit(1e-12)) * 3)).cast("int").alias("frequency"),
            F.round(F.exp(F.randn(3) * 1.1 + 6.3), 2).alias("monetary"),
        )
        .write.mode("overwrite")
        .saveAsTable(table)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--k-min", type=int, default=2)
    parser.add_argument("--k-max", type=int, default=10)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "kmeans.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="segments-bench-kmeans-") as state:
        from ml.segmentation import SegmentationOptions, segment_customers
        from segments.settings import load_settings
        from segments.warehouse.jvm import stop_embedded_session
        from segments.warehouse.session import embedded_session

        settings = load_settings({"state_dir": state})
        spark = embedded_session(settings)
        try:
            started = time.monotonic()
            synthetic_customers(spark, args.customers, "bench.customers")
            generated = time.monotonic() - started
            started = time.monotonic()
            result = segment_customers(
                spark,
                settings.models_dir,
                SegmentationOptions(k=4, k_min=args.k_min, k_max=args.k_max),
                source="bench.customers",
            )
            total = time.monotonic() - started
        finally:
            stop_embedded_session()

    search = result.k_search_seconds  # the fits run side by side: their seconds overlap
    report = {
        "customers": args.customers,
        "machine": machine(),
        "generate_seconds": generated,
        "segment_seconds": total,
        "k_search_seconds": search,
        "per_k": [
            {"k": r.k, "seconds": r.seconds, "wcss": r.wcss, "silhouette": r.silhouette} for r in result.k_results
        ],
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"{args.customers:,} synthetic customers; {report['machine']['cores']} cores, {report['machine']['cpu']}")
    for r in result.k_results:
        print(f"  k={r.k:<3} {r.seconds:6.1f} s   silhouette {r.silhouette:.3f}")
    print(
        f"k search {search:.1f} s (every fit side by side); whole ml step (features, search, naming, write-back, model save) {total:.1f} s"
    )
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
