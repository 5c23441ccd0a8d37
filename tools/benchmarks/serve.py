"""The real-file pipeline embedded versus through `segments serve` (dbt over Thrift, ml over Spark
Connect), on the same machine. Target: the server path costs at most 1.5x the embedded one.

Each path runs twice on its own new state folder and the second run counts (a re-run: metastore and
tables exist, as for a user's daily run). Both are whole `segments run` commands, so the embedded
figure includes starting its JVM and the server figure does not (the server is already up; its
start-up is reported separately). Results go to artifacts/bench/serve.json and a table on stdout.

    python -m tools.benchmarks.serve [--data PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.bench.harness import state_env
from tools.bench.machine import machine
from tools.bench.measure import STAGES

PROJECT_DIR = Path(__file__).resolve().parents[1]

SEGMENTS = str(Path(sys.executable).parent / "segments")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed_run(env: dict[str, str], data: Path, *extra: str) -> dict[str, float]:
    """`segments run`: wall time, and each step's own `done in` time, in STAGES order."""
    started = time.monotonic()
    result = subprocess.run(
        [SEGMENTS, "run", "--data", str(data), *extra], env=env, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"segments run {' '.join(extra)} failed:\n{result.stdout[-2000:]}{result.stderr}")
    steps = [float(s) for s in re.findall(r"^      done in ([0-9.]+) s$", result.stdout, re.MULTILINE)]
    return {**dict(zip(STAGES, steps)), "total": wall}


def embedded(data: Path, state: Path) -> dict[str, float]:
    env = state_env(state)
    timed_run(env, data)
    return timed_run(env, data)


def served(data: Path, state: Path) -> tuple[dict[str, float], float]:
    env = state_env(state) | {"SEGMENTS_THRIFT_PORT": str(free_port()), "SEGMENTS_CONNECT_PORT": str(free_port())}
    log = state / "serve.out"
    state.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    server = subprocess.Popen(
        [SEGMENTS, "serve"], env=env, cwd=PROJECT_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        while "Ready." not in log.read_text():
            if server.poll() is not None:
                raise SystemExit(f"segments serve failed:\n{log.read_text()}")
            time.sleep(0.5)
        ready = time.monotonic() - started
        timed_run(env, data, "--target", "thrift")
        return timed_run(env, data, "--target", "thrift"), ready
    finally:
        subprocess.run([SEGMENTS, "serve", "--stop"], env=env, cwd=PROJECT_DIR, capture_output=True)
        server.wait(timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "data" / "online_retail.csv.gz")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "serve.json")
    args = parser.parse_args()
    data = args.data.resolve()
    with tempfile.TemporaryDirectory(prefix="segments-bench-serve-") as folder:
        local = embedded(data, Path(folder) / "embedded")
        server, ready = served(data, Path(folder) / "server")
    ratio = server["total"] / local["total"]
    report = {
        "data": str(data),
        "machine": machine(),
        "embedded": local,
        "server": server,
        "server_start_seconds": ready,
        "ratio": ratio,
        "target_ratio": 1.5,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(
        f"{data.name}; {report['machine']['cores']} cores, {report['machine']['memory_gb']} GB, "
        f"{report['machine']['cpu']}"
    )
    print(f"{'path':<10}" + "".join(f"{stage:>15}" for stage in (*STAGES, "total")))
    for name, timing in (("embedded", local), ("server", server)):
        print(f"{name:<10}" + "".join(f"{timing.get(s, 0.0):>14.1f}s" for s in (*STAGES, "total")))
    print(f"server / embedded = {ratio:.2f} (target <= 1.5); the server took {ready:.1f} s to start")
    print(f"written to {args.out}")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
