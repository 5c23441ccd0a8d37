"""How long the offline dashboard takes to render in headless Chromium, and its size.

    python -m tools.benchmarks.dashboard [--file PATH] [--runs 5]

Each run starts a fresh browser (nothing cached), opens the file with the network off and times
from navigation to the load event, then checks that every chart drew its SVG. Default file: the
dashboard of the default state folder (`make demo` writes it). Results: artifacts/bench/dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from tools.bench.machine import machine

PROJECT_DIR = Path(__file__).resolve().parents[1]


def main() -> int:
    from segments.settings import load_settings
    from tests.browser import CHART_STATE, Chromium

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=load_settings().dashboard_file)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "dashboard.json")
    args = parser.parse_args()
    if not args.file.is_file():
        raise SystemExit(f"error: {args.file} does not exist; run `make demo` (or `segments report`) first")

    seconds = []
    for _ in range(args.runs):
        with Chromium() as browser:
            loaded = browser.open_offline(args.file)
            charts = browser.evaluate(CHART_STATE)
            if not all(c["rendered"] for c in charts) or browser.errors():
                raise SystemExit(f"error: the dashboard did not render: {charts} {browser.errors()}")
            seconds.append(loaded)
    report = {
        "file": str(args.file),
        "size_mb": round(args.file.stat().st_size / 2**20, 2),
        "charts": len(charts),
        "render_seconds": seconds,
        "median_seconds": statistics.median(seconds),
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(
        f"dashboard {report['size_mb']} MB, {len(charts)} charts; render (navigation to load, fresh browser): "
        f"median {report['median_seconds']:.2f} s over {args.runs} runs "
        f"({', '.join(f'{s:.2f}' for s in seconds)}); written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
