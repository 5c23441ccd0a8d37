"""What the column mapping costs: the same generated lines through `--source online_retail` (Parquet
with the UCI names) and `--source transactions` (Parquet with renamed columns and
tools/generate/transactions_mapping.yml), in alternated cold runs of one session.

    python -m tools.benchmarks.transactions [--rows 50M] [--pairs 2]

Each run is `segments run` in a process of its own on a new state folder (tools/bench/measure.py).
Results: artifacts/bench/transactions.json, with every run's total and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from segments.settings import load_settings
from tools.bench.harness import BenchOptions, dataset, measure, size_label
from tools.bench.machine import machine
from tools.cli import count_argument

PROJECT_DIR = Path(__file__).resolve().parents[2]
SOURCES = ("online_retail", "transactions")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=count_argument, default=50_000_000, help="generated lines (default 50M)")
    parser.add_argument("--pairs", type=int, default=2, help="alternated pairs of runs (default 2)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "transactions.json")
    args = parser.parse_args()
    settings = load_settings()
    data_dir = settings.state_dir / "bench-data"
    inputs = {
        source: dataset(settings, args.rows, BenchOptions(source=source), data_dir, print)[0] for source in SOURCES
    }
    totals: dict[str, list[float]] = {source: [] for source in SOURCES}
    for pair in range(1, args.pairs + 1):
        for source in SOURCES:
            print(f"[pair {pair}/{args.pairs}] {source}", flush=True)
            result = measure(settings, inputs[source], size_label(args.rows), BenchOptions(source=source), print)
            totals[source].append(result["seconds"]["total"])
            print(f"  {source}: {result['data_lines']:,} lines in {totals[source][-1]:.1f} s", flush=True)
    medians = {source: statistics.median(runs) for source, runs in totals.items()}
    report = {
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "rows": args.rows,
        "run_totals": totals,
        "median_seconds": medians,
        "transactions_over_online_retail": medians["transactions"] / medians["online_retail"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("run_totals", "transactions_over_online_retail")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
