"""Wall time per stage of the pipeline on the bundled real file.

Three situations users meet:
  first run   a new state folder: the Derby metastore is created, the JVM is cold
  re-run      an existing state folder, a new process (cold JVM): what `segments run` costs again
  warm        a second run in the same process (warm JVM): the floor the code itself sets
Each run uses the same file; results go to artifacts/bench/pipeline.json and a table on stdout.

    python -m benchmarks.pipeline [--data PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
STAGES = ("spark", "ingest", "check_raw", "dbt_build", "check_marts", "ml", "dbt_segments", "check_segments",
          "report")
CHECKS = ("check_raw", "check_marts", "check_segments")  # the Great Expectations checkpoints


def machine() -> dict[str, object]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 2**20, 1),
            "python": platform.python_version(), "os": platform.platform()}


def run_in_process(data: Path, repeats: int) -> list[dict[str, float]]:
    """Run the pipeline `repeats` times in this process; the wall time of each stage per run."""
    import io

    from segments.pipeline import STEPS, run_pipeline
    from segments.progress import Progress
    from segments.settings import export_for_dbt, load_settings
    from segments.state_lock import hold_state_folder

    settings = load_settings()
    export_for_dbt(settings)
    os.chdir(settings.project_dir)
    timings = []
    with hold_state_folder(settings, command="benchmarks.pipeline"):
        for _ in range(repeats):
            progress = Progress(steps=STEPS, stream=io.StringIO())
            started = time.monotonic()
            result = run_pipeline(settings, [data], progress=progress)
            timings.append({**result.seconds, "total": time.monotonic() - started,
                            "data_lines": result.ingest.data_lines})
    return timings


def child(data: Path, repeats: int, state: Path) -> list[dict[str, float]]:
    env = {**os.environ, "SEGMENTS_HOME": str(state), "DBT_TARGET_PATH": str(state / "dbt-target")}
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.pipeline", "--child", "--data", str(data), "--repeats", str(repeats)],
        cwd=PROJECT_DIR, env=env, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "data" / "online_retail.csv.gz")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "artifacts" / "bench" / "pipeline.json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.data.resolve()
    if args.child:
        print(json.dumps(run_in_process(data, args.repeats)))
        return 0

    with tempfile.TemporaryDirectory(prefix="segments-bench-") as state_dir:
        state = Path(state_dir)
        first = child(data, 1, state)[0]
        rerun, warm = child(data, 2, state)
    runs = {"first run": first, "re-run": rerun, "warm": warm}
    report = {"data": str(data), "machine": machine(), "runs": runs,
              "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))

    print(f"{data.name}: {first['data_lines']:,} lines; {report['machine']['cores']} cores, "
          f"{report['machine']['memory_gb']} GB, {report['machine']['cpu']}")
    print(f"{'run':<10}" + "".join(f"{stage:>15}" for stage in (*STAGES, "all checks", "total")))
    for name, timing in runs.items():
        values = [timing[s] for s in STAGES] + [sum(timing[c] for c in CHECKS), timing["total"]]
        print(f"{name:<10}" + "".join(f"{v:>14.1f}s" for v in values))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
