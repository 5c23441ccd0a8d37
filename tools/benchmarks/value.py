"""Wall time and driver memory of the customer-value step (BG/NBD and Gamma-Gamma fits, then every
customer scored) on synthetic customers.

    python -m tools.benchmarks.value [--customers 100000,1000000,10000000]

Customers are simulated from the models themselves (BG/NBD purchases, Gamma-Gamma spend, time unit
weeks), so the fitted parameters should come back near SIMULATED: a check of the fits at scale. Each
size runs in a process of its own on a new state folder, so that one size's peak memory does not
carry into the next. Only `value_customers` is timed, in wall and CPU seconds (the CPU time is the
steadier figure on a busy machine); while it runs, the Python process's and the JVM's resident
memory are sampled, and tracemalloc follows Python's heap (numpy included).
Results: artifacts/bench/value.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

from tools.bench.machine import machine
from tools.bench.measure import cpu_seconds, status_mb
from tools.cli import count_argument

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)
SIMULATED = {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4, "p": 6.25, "q": 3.74, "gamma": 15.44}
CALIBRATION_END = "2024-12-31"
CHUNK = 1_000_000  # customers simulated at a time, so that generating 10M does not fill the driver
TARGET_CUSTOMERS, TARGET_SECONDS = 1_000_000, 60.0
SAMPLE_SECONDS = 0.05
MB = 2**20
SEED = 42


def simulate(rng: np.random.Generator, customers: int) -> dict[str, np.ndarray]:
    """One chunk of customers: (x, t_x, T) in whole days from BG/NBD, the repeat spend from Gamma-Gamma."""
    s = SIMULATED
    t_days = rng.integers(1, 366, customers)  # first purchases spread over the year before the end
    T = t_days / 7
    rate = rng.gamma(s["r"], 1 / s["alpha"], customers)  # purchases per week while alive
    dropout = rng.beta(s["a"], s["b"], customers)
    dies_after = rng.geometric(dropout)  # the repeat purchase after which the customer drops out
    arrivals = rng.poisson(rate * T)  # purchases in (0, T] had they stayed
    x = np.minimum(dies_after, arrivals)
    repeat = x > 0
    # the x-th of `arrivals` uniform times on (0, T] is T times a Beta(x, arrivals - x + 1)
    t_x = np.zeros(customers)
    t_x[repeat] = T[repeat] * rng.beta(x[repeat], arrivals[repeat] - x[repeat] + 1)
    # a repeat purchase falls on a later day than the first (same-day purchases merge in the mart)
    recency_days = np.where(repeat, np.clip(np.ceil(t_x * 7), 1, t_days), 0)
    # the mean of x Gamma(p, nu) spends is one Gamma(p x, rate nu x) draw
    nu = rng.gamma(s["q"], 1 / s["gamma"], customers)
    monetary = np.zeros(customers)
    monetary[repeat] = rng.gamma(s["p"] * x[repeat], 1 / (nu[repeat] * x[repeat]))
    return {
        "frequency": x.astype(np.int32),
        "recency_days": recency_days.astype(np.int32),
        "t_days": t_days.astype(np.int32),
        "monetary_value": monetary,
    }


def write_parquet(folder: Path, customers: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    for number, start in enumerate(range(0, customers, CHUNK)):
        size = min(CHUNK, customers - start)
        columns = simulate(np.random.default_rng([SEED, number]), size)
        table = pa.table({"id": np.arange(start, start + size), **columns})
        pq.write_table(table, folder / f"part-{number:05d}.parquet")


def create_tables(spark, folder: Path) -> None:
    """analytics.customer_btyd_summary and analytics.fct_customer_rfm as the dbt models lay them out."""
    from pyspark.sql import functions as F

    spark.sql("create database if not exists analytics")
    raw = spark.read.parquet(str(folder))
    end = F.lit(CALIBRATION_END).cast("date")
    first = F.date_sub(end, F.col("t_days"))
    raw.select(
        F.col("id").cast("string").alias("customer_id"),
        "frequency",
        (F.col("recency_days") / 7).alias("recency"),
        (F.col("t_days") / 7).alias("t"),
        F.col("monetary_value").cast("decimal(18,6)").alias("monetary_value"),
        "recency_days",
        "t_days",
        first.alias("first_purchase_date"),
        F.date_add(first, F.col("recency_days")).alias("last_purchase_date"),
        end.alias("calibration_end"),
        F.lit("weeks").alias("time_unit"),
    ).write.saveAsTable("analytics.customer_btyd_summary")
    raw.select(
        F.col("id").cast("string").alias("customer_id"),
        (F.col("t_days") - F.col("recency_days")).alias("recency_days"),
        (F.col("frequency") + 1).alias("frequency"),
        # about the spend of every purchase day: only customer_id is read by the value step
        F.round((F.col("frequency") + 1) * F.col("monetary_value"), 2).cast("decimal(18,2)").alias("monetary"),
        end.alias("as_of_date"),
    ).write.saveAsTable("analytics.fct_customer_rfm")


class PeakRss:
    """The peak resident memory of some processes, sampled in a thread while the block runs."""

    def __init__(self, pids: dict[str, int | str]):
        self.pids = pids
        self.before = {name: status_mb(pid, "VmRSS") for name, pid in pids.items()}
        self.peak = dict(self.before)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], status_mb(pid, "VmRSS"))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


def measure_one(customers: int, state: Path) -> dict[str, object]:
    """One size in this process, on the customers simulated in `state`: create the tables, then time
    value_customers alone."""
    from ml.customer_value import GROUP_KEY, SUMMARY_TABLE, ValueOptions, value_customers
    from segments.settings import load_settings
    from segments.warehouse.jvm import stop_embedded_session
    from segments.warehouse.session import embedded_session

    spark = embedded_session(load_settings({"state_dir": str(state)}))
    try:
        started = time.monotonic()
        create_tables(spark, state / "customers")
        tables = time.monotonic() - started
        progress: list[tuple[float, str]] = []

        def say(line: str) -> None:
            progress.append((round(time.monotonic() - started, 2), line.strip()))
            print(f"    {progress[-1][0]:7.1f} s  {progress[-1][1]}", flush=True)

        run_id = f"bench-{customers}"
        jvm = spark.sparkContext._gateway.proc.pid
        memory = PeakRss({"python": "self", "jvm": jvm})
        cpu_before = cpu_seconds("self") + cpu_seconds(jvm)
        tracemalloc.start()
        with memory:
            started = time.monotonic()
            value_customers(spark, ValueOptions(), run_id, say)
            seconds = time.monotonic() - started
        heap_peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
        cpu = cpu_seconds("self") + cpu_seconds(jvm) - cpu_before
        say(f"value_customers done in {seconds:.1f} s ({cpu:.1f} s of CPU, Python and JVM)")
        fits = {
            row["model"]: {
                "status": row["status"],
                "parameters": dict(row["parameters"]),
                "log_likelihood": row["log_likelihood"],
                "iterations": row["iterations"],
                "customers": row["customers"],
                "customers_left_out": row["customers_left_out"],
            }
            for row in spark.table("ml.ml_value_fits").where(f"run_id = '{run_id}'").collect()
        }
        groups = spark.table(SUMMARY_TABLE).select(*GROUP_KEY).distinct().count()
        scored = spark.table("ml.ml_customer_value").count()
    finally:
        stop_embedded_session()
    return {
        "customers": customers,
        "tables_seconds": tables,
        "value_seconds": seconds,
        # other work on the machine stretches the wall time more than the CPU time
        "value_cpu_seconds": cpu,
        "groups": groups,
        "customers_scored": scored,
        "fits": fits,
        "memory_mb": {
            "python_rss_before": memory.before["python"],
            "python_rss_peak": memory.peak["python"],
            "python_rss_peak_over_before": memory.peak["python"] - memory.before["python"],
            "python_tracemalloc_peak": heap_peak,
            "jvm_rss_before": memory.before["jvm"],
            "jvm_rss_peak": memory.peak["jvm"],
        },
        "progress": progress,  # seconds since value_customers started, and what it said
    }


def _sizes(text: str) -> list[int]:
    return [count_argument(part.strip()) for part in text.split(",")]


def _summary(result: dict) -> str:
    memory = result["memory_mb"]
    fitted = "; ".join(
        ", ".join(
            f"{name} {fit['parameters'][name]:.3g} ({SIMULATED[name]})"
            for name in SIMULATED
            if name in fit["parameters"]
        )
        or f"{model} {fit['status']}"
        for model, fit in sorted(result["fits"].items())
    )
    verdict = ""
    if result["customers"] == TARGET_CUSTOMERS:
        over = result["value_seconds"] > TARGET_SECONDS
        verdict = f"  [{'over' if over else 'PASS'}: target {TARGET_SECONDS:.0f} s]"
    return (
        f"{result['customers']:>12,} customers {result['value_seconds']:7.1f} s{verdict}"
        f" ({result['value_cpu_seconds']:.0f} s CPU)  {result['groups']:,} groups"
        f"  python RSS +{memory['python_rss_peak_over_before']:.0f} MB (peak {memory['python_rss_peak']:.0f} MB,"
        f" tracemalloc {memory['python_tracemalloc_peak']:.1f} MB)  JVM RSS peak {memory['jvm_rss_peak']:.0f} MB"
        f"\n{'':>14}fitted (simulated): {fitted}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=_sizes, default=list(DEFAULT_SIZES), help="sizes, e.g. 100k,1M,10M")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "value.json")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # a child process: this size only
    parser.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_size:
        args.result.write_text(json.dumps(measure_one(args.one_size, args.state)))
        return 0

    results = []
    for customers in args.customers:
        print(f"{customers:,} customers", flush=True)
        # simulated here, not in the measured process, whose memory would keep pyarrow's freed pool
        with tempfile.TemporaryDirectory(prefix="segments-bench-value-") as folder:
            state = Path(folder)
            started = time.monotonic()
            write_parquet(state / "customers", customers)
            generated = time.monotonic() - started
            command = [sys.executable, "-m", "tools.benchmarks.value", "--one-size", str(customers)]
            command += ["--state", str(state), "--result", str(state / "result.json")]
            if subprocess.run(command, cwd=PROJECT_DIR).returncode != 0:
                print(f"  the {customers:,} run failed (see above)", flush=True)
                return 1
            results.append({"generate_seconds": generated, **json.loads((state / "result.json").read_text())})
        print(_summary(results[-1]), flush=True)
    report = {
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "simulated": SIMULATED,
        "target": {"customers": TARGET_CUSTOMERS, "seconds": TARGET_SECONDS},
        "sizes": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"{report['machine']['cores']} cores, {report['machine']['cpu']}")
    for result in results:
        print(_summary(result))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
