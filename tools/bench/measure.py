"""One measured `segments run`, in a process of its own (`python -m tools.bench.measure`), on a
new state folder, so that each size starts from a cold JVM and an empty warehouse as a user's first
run would, and its peak memory is its own.

Spark writes an event log for the run; its task metrics give the shuffle bytes and spills of each
stage of the pipeline (tasks are matched to stages by their finish time).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

STAGES = (
    "spark",
    "ingest",
    "check_raw",
    "dbt_build",
    "check_marts",
    "ml",
    "value",
    "dbt_segments",
    "check_segments",
    "report",
)
MB = 2**20


def status_mb(pid: int | str, field: str) -> float:
    """A memory figure of a running process from /proc/<pid>/status (VmRSS now, VmHWM its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int | str) -> float:
    """User and system CPU time a running process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def event_log_metrics(folder: Path, windows: dict[str, tuple[float, float]]) -> dict[str, object]:
    """Shuffle bytes written and read, spills, tasks and the JVM heap peak, from Spark's event log."""
    per_stage = {stage: {"shuffle_write_mb": 0.0, "shuffle_read_mb": 0.0, "tasks": 0} for stage in windows}
    totals = {
        "shuffle_write_mb": 0.0,
        "shuffle_read_mb": 0.0,
        "spill_disk_mb": 0.0,
        "tasks": 0,
        "jvm_heap_peak_mb": 0.0,
    }
    for log in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        with log.open(encoding="utf-8") as events:
            for line in events:
                if '"SparkListenerTaskEnd"' in line:
                    event = json.loads(line)
                    metrics = event.get("Task Metrics") or {}
                    write = (metrics.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0) / MB
                    read_metrics = metrics.get("Shuffle Read Metrics") or {}
                    read = (read_metrics.get("Remote Bytes Read", 0) + read_metrics.get("Local Bytes Read", 0)) / MB
                    totals["shuffle_write_mb"] += write
                    totals["shuffle_read_mb"] += read
                    totals["spill_disk_mb"] += metrics.get("Disk Bytes Spilled", 0) / MB
                    totals["tasks"] += 1
                    finished = event["Task Info"]["Finish Time"] / 1000
                    stage = next((s for s, (start, end) in windows.items() if start <= finished <= end + 1), None)
                    if stage is not None:
                        per_stage[stage]["shuffle_write_mb"] += write
                        per_stage[stage]["shuffle_read_mb"] += read
                        per_stage[stage]["tasks"] += 1
                elif '"SparkListenerStageExecutorMetrics"' in line or '"SparkListenerExecutorMetricsUpdate"' in line:
                    event = json.loads(line)
                    peaks = event.get("Executor Metrics") or {}
                    totals["jvm_heap_peak_mb"] = max(totals["jvm_heap_peak_mb"], peaks.get("JVMHeapMemory", 0) / MB)
    return {**totals, "stages": per_stage}


def run_measured(
    data: list[Path], event_log: Path, source: str, meta: list[Path] | None = None, mapping: Path | None = None
) -> dict[str, object]:
    from segments.pipeline import STEPS, run_pipeline
    from segments.progress import Progress
    from segments.settings import load_settings
    from segments.sources.base import Inputs
    from segments.warehouse.jvm import stop_embedded_session
    from segments.warehouse.session import embedded_session
    from segments.warehouse.state_lock import hold_state_folder

    settings = load_settings()
    event_log.mkdir(parents=True, exist_ok=True)
    progress = Progress(steps=STEPS)
    with hold_state_folder(settings, command="segments-dev bench"):
        started, wall_started, python_cpu_started = time.monotonic(), time.time(), _own_cpu_seconds()
        spark = embedded_session(
            settings,
            extra_conf={
                "spark.eventLog.enabled": "true",
                "spark.eventLog.dir": event_log.as_uri(),
                "spark.eventLog.logStageExecutorMetrics": "true",
                "spark.eventLog.compress": "false",  # plain JSON lines, one file, read below
                "spark.eventLog.rolling.enabled": "false",
            },
        )
        spark_seconds = time.monotonic() - started
        result = run_pipeline(settings, Inputs(data, source=source, meta=meta, mapping=mapping), progress=progress)
        total = time.monotonic() - started
        jvm_pid = spark.sparkContext._gateway.proc.pid
        jvm_rss, jvm_cpu = status_mb(jvm_pid, "VmHWM"), cpu_seconds(jvm_pid)
        python_cpu = _own_cpu_seconds() - python_cpu_started
        stop_embedded_session()  # completes the event log
    seconds = {**result.seconds, "spark": spark_seconds}
    windows = {**progress.windows, "spark": (wall_started, wall_started + spark_seconds)}
    return {
        "data_lines": result.ingest.data_lines,
        "rows_kept": result.summary.total("kept"),
        "customers": result.summary.customers,
        "seconds": {stage: seconds.get(stage, 0.0) for stage in STAGES} | {"total": total},
        "windows": windows,  # each stage's start and end (epoch seconds), to line up with other logs
        "dbt_layers": {name: build.layer_seconds for name, build in zip(("dbt_build", "dbt_segments"), result.builds)},
        # CPU time over wall time: how many cores the run kept busy (a 2-core machine saturates at 2)
        "cpu_seconds": {"jvm": jvm_cpu, "python": python_cpu, "total": jvm_cpu + python_cpu},
        "cores_busy": (jvm_cpu + python_cpu) / total,
        "python_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "jvm_peak_rss_mb": jvm_rss,
        **event_log_metrics(event_log, windows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--meta", type=Path, action="append")
    parser.add_argument("--mapping", type=Path)
    parser.add_argument("--event-log", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True, help="where the JSON result goes")
    args = parser.parse_args()
    args.result.write_text(
        json.dumps(run_measured(args.data, args.event_log, args.source, args.meta, args.mapping), indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
