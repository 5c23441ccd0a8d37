"""What a backtest costs next to the run it follows, on generated lines: `segments run` on a new
state folder, then `segments backtest --calibration-end 2011-09-09` on that state (the generator
dates its lines over the bundled file's year, so the holdout is its last three months). Each is a
command of its own, from a cold JVM, timed from start to exit. The target: the backtest costs at
most one run.

    python -m tools.benchmarks.backtest [--rows 50M]

Results: artifacts/bench/backtest.json, with the step lines each command printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from segments.settings import load_settings
from tools.bench.harness import BenchOptions, dataset, state_env
from tools.bench.machine import machine
from tools.cli import count_argument

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEGMENTS = [sys.executable, "-m", "segments"]
CALIBRATION_END = "2011-09-09"
# The generated customers do not buy as the value models assume: floors anyone passes, so that the
# bench measures the backtest's cost, not how well it predicts generated data.
OPEN_FLOORS = {
    "min_purchases_correlation": -1,
    "max_purchase_probability_brier": 1,
    "min_purchase_probability_auc": 0,
    "min_p_alive_auc": 0,
    "min_top_decile_lift": 0,
}


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, list[str]]:
    """Wall seconds of a command, and its step lines (`[n/m] ...` and their `done in`)."""
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[3:5])} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    steps = [line.strip() for line in done.stdout.splitlines() if line.startswith("[") or "done in" in line]
    return seconds, steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=count_argument, default=50_000_000, help="generated lines (default 50M)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "backtest.json")
    args = parser.parse_args()
    settings = load_settings()
    data, _ = dataset(settings, args.rows, BenchOptions(), settings.state_dir / "bench-data", print)
    state = Path(tempfile.mkdtemp(prefix="segments-bench-backtest-"))
    env = state_env(state)
    quality = yaml.safe_load((PROJECT_DIR / "quality.yml").read_text())
    quality["backtest"] = OPEN_FLOORS
    quality_file = state / "quality.yml"
    quality_file.write_text(yaml.safe_dump(quality))
    try:
        print(f"segments run on {data}", flush=True)
        run_seconds, run_steps = _timed([*SEGMENTS, "run", "--data", str(data)], env)
        print(f"  {run_seconds:.1f} s; segments backtest --calibration-end {CALIBRATION_END}", flush=True)
        backtest_seconds, backtest_steps = _timed(
            [*SEGMENTS, "backtest", "--calibration-end", CALIBRATION_END, "--quality-config", str(quality_file)], env
        )
    finally:
        shutil.rmtree(state, ignore_errors=True)
    report = {
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "rows": args.rows,
        "run_seconds": run_seconds,
        "backtest_seconds": backtest_seconds,
        "backtest_over_run": backtest_seconds / run_seconds,
        "run_steps": run_steps,
        "backtest_steps": backtest_steps,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("run_seconds", "backtest_seconds", "backtest_over_run")}, indent=2))
    print("\n".join(backtest_steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
