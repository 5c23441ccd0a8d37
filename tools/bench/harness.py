"""Run the whole pipeline at each size the user picks and report what it cost.

For each size: the data (the bundled real file, or generated lines cached under the data folder and
reused by later benches), then `segments run` in a process of its own on a new state folder
(segments/bench/measure.py), once or --repeat times. Repeated runs take the sizes in turn (real, 5M,
real, 5M, ...), so that a machine whose speed drifts over the hour weighs on every size alike, and
each size reports its median run. Results: a JSON file and a Markdown table next to it, and the table
on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from segments.errors import UserError
from segments.settings import Settings
from segments.sources import DEFAULT as DEFAULT_SOURCE
from segments.sources import get_source
from segments.warehouse.sizing import shuffle_partitions
from tools.bench.machine import machine
from tools.bench.measure import STAGES

DEFAULT_SIZES: tuple[int | None, ...] = (None, 5_000_000, 50_000_000)  # None: the bundled real file
CHECKS = ("check_raw", "check_marts", "check_segments")


@dataclass(frozen=True)
class BenchOptions:
    sizes: tuple[int | None, ...] = DEFAULT_SIZES  # data lines of the source (reviews for Amazon Reviews)
    seed: int = 42
    source: str = DEFAULT_SOURCE
    out: Path | None = None  # default <project>/artifacts/bench/scale.json
    data_dir: Path | None = None  # default <state>/bench-data
    keep_state: bool = False
    repeat: int = 1  # cold runs per size; the report shows each size's median run


def size_label(size: int | None) -> str:
    if size is None:
        return "real file"
    for factor, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if size % factor == 0:
            return f"{size // factor}{suffix}"
    return f"{size:,}"


def _relay(command: list[str], env: dict[str, str], say: Callable[[str], None], cwd: Path) -> int:
    """Run a child command, passing its output on, indented."""
    child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if not line.startswith("WARNING: Using incubator modules"):
            say(f"    {line.rstrip()}")
    return child.wait()


def state_env(state: Path) -> dict[str, str]:
    """The environment of a `segments` child process working on its own state folder."""
    return {**os.environ, "SEGMENTS_HOME": str(state), "DBT_TARGET_PATH": str(state / "dbt-target")}


def default_sizes(source: str) -> tuple[int | None, ...]:
    """The bundled file and generated 5M and 50M lines; a source without a bundled file, its generator's sizes."""
    return DEFAULT_SIZES if get_source(source).default_data else _generator(source).BENCH_SIZES


def _generator(source: str):
    """The source's generator module in tools/generate (Source.bench_generator)."""
    name = get_source(source).bench_generator
    if name is None:
        raise UserError(
            f"the source {source} has no generator to bench it with", "Bench the bundled file: --sizes real"
        )
    return import_module(name)


def dataset(
    settings: Settings, size: int | None, options: BenchOptions, data_dir: Path, say: Callable[[str], None]
) -> tuple[Path, float]:
    """The input for one size, and how long generating it took (0 when reused)."""
    source = get_source(options.source)
    if size is None:
        if source.default_data is None:
            raise UserError(f"the source {source.name} has no bundled file", "Give --sizes as line counts, e.g. 10M")
        return settings.project_dir / source.default_data, 0.0
    generator = _generator(options.source)
    folder = data_dir / f"{options.source}_{size}_seed{options.seed}"
    if generator.complete(folder):
        say(f"  reusing {folder}")
        return folder, 0.0
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "tools",
        "generate",
        *generator.generate_arguments(size),
        "--seed",
        str(options.seed),
        "--out",
        str(folder),
        "--overwrite",
    ]
    if _relay(command, state_env(data_dir / ".generate-state"), say, settings.project_dir) != 0:
        raise UserError(f"generating {size_label(size)} lines failed (see the output above)")
    return folder, time.monotonic() - started


def measure(
    settings: Settings, data: Path, label: str, options: BenchOptions, say: Callable[[str], None]
) -> dict[str, object]:
    state = Path(tempfile.mkdtemp(prefix=f"segments-bench-{label.replace(' ', '-')}-"))
    result_file = state / "result.json"
    inputs = [
        "--source",
        options.source,
        *(_generator(options.source).run_arguments(data) if data.is_dir() else ["--data", str(data)]),
    ]
    command = [
        sys.executable,
        "-m",
        "tools.bench.measure",
        *inputs,
        "--event-log",
        str(state / "events"),
        "--result",
        str(result_file),
    ]
    if _relay(command, state_env(state), say, settings.project_dir) != 0 or not result_file.is_file():
        raise UserError(f"the {label} run failed (see the output above)", f"Its state folder is kept: {state}")
    result = json.loads(result_file.read_text())
    if options.keep_state:
        say(f"  state folder kept: {state}")
    else:
        shutil.rmtree(state, ignore_errors=True)
    return result


def median_run(results: list[dict]) -> dict:
    """The run whose total is the median (of an even count, the faster of the two middle runs): a
    real run, so that its stages add up, unlike medians taken stage by stage."""
    return sorted(results, key=lambda r: r["seconds"]["total"])[(len(results) - 1) // 2]


def run_bench(settings: Settings, options: BenchOptions, say: Callable[[str], None] = print) -> dict[str, object]:
    data_dir = options.data_dir or settings.state_dir / "bench-data"
    name = "scale.json" if options.source == DEFAULT_SOURCE else f"{options.source}.json"
    out = options.out or settings.project_dir / "artifacts" / "bench" / name
    inputs = []
    for size in options.sizes:  # all data first: generating 50M lines must not fall between two runs
        data, generate_seconds = dataset(settings, size, options, data_dir, say)
        inputs.append((size_label(size), data, generate_seconds))
    results: list[list[dict]] = [[] for _ in inputs]
    schedule = [(repeat, index) for repeat in range(1, options.repeat + 1) for index in range(len(inputs))]
    for step, (repeat, index) in enumerate(schedule, start=1):
        label, data, _ = inputs[index]
        say(
            f"[{step}/{len(schedule)}] {label}" + (f" (run {repeat} of {options.repeat})" if options.repeat > 1 else "")
        )
        result = measure(settings, data, label, options, say)
        results[index].append(result)
        say(f"  {label}: {result['data_lines']:,} lines in {result['seconds']['total']:.1f} s")
    runs = []
    for (label, data, generate_seconds), size_results in zip(inputs, results):
        result = median_run(size_results)
        total = result["seconds"]["total"]
        runs.append(
            {
                "size": label,
                "data": str(data),
                "generate_seconds": generate_seconds,
                "shuffle_partitions": shuffle_partitions(result["data_lines"], settings.shuffle_partitions),
                **result,
                "lines_per_second": result["data_lines"] / total,
                "microseconds_per_line": total / result["data_lines"] * 1e6,
                "run_totals": [r["seconds"]["total"] for r in size_results],
            }
        )
    report = {
        "machine": machine(),
        "source": options.source,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "runs_per_size": options.repeat,
        "spark": {
            "driver_memory": settings.driver_memory,
            "shuffle_partitions": settings.shuffle_partitions or "one per million lines, at least 8",
        },
        "runs": runs,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    table = markdown(report)
    out.with_suffix(".md").write_text(table)
    say("")
    say(table)
    say(f"written to {out} and {out.with_suffix('.md')}")
    return report


def _runs_phrase(runs: int) -> str:
    if runs == 1:
        return "one cold run per size"
    return (
        f"the median of {runs} cold runs per size (its stages are that run's; of an even count, the "
        f"faster of the two middle runs)"
    )


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def markdown(report: dict) -> str:
    """The readable report: time per stage, throughput, memory and shuffle per size, then dbt layers."""
    info = report["machine"]
    lines = [
        f"{report.get('source', DEFAULT_SOURCE)}: measured {report['measured_at']} on {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB, "
        f"Python {info['python']}; seconds per stage, {_runs_phrase(report.get('runs_per_size', 1))}.",
        "",
    ]
    header = [
        "size",
        "lines",
        *STAGES,
        "all checks",
        "total",
        "CPU s",
        "cores busy",
        "lines/s",
        "µs/line",
        "JVM peak RSS MB",
        "JVM heap peak MB",
        "Python peak MB",
        "shuffle partitions",
        "shuffle write MB",
        "shuffle read MB",
        "spill MB",
    ]
    lines += [_row(header), _row(["---"] * len(header))]
    for run in report["runs"]:
        seconds = run["seconds"]
        lines.append(
            _row(
                [
                    run["size"],
                    f"{run['data_lines']:,}",
                    *(f"{seconds[s]:.1f}" for s in STAGES),
                    f"{sum(seconds[c] for c in CHECKS):.1f}",
                    f"{seconds['total']:.1f}",
                    f"{run['cpu_seconds']['total']:.1f}",
                    f"{run['cores_busy']:.2f}",
                    f"{run['lines_per_second']:,.0f}",
                    f"{run['microseconds_per_line']:.1f}",
                    f"{run['jvm_peak_rss_mb']:,.0f}",
                    f"{run['jvm_heap_peak_mb']:,.0f}",
                    f"{run['python_peak_rss_mb']:,.0f}",
                    run.get("shuffle_partitions", "-"),
                    f"{run['shuffle_write_mb']:,.0f}",
                    f"{run['shuffle_read_mb']:,.0f}",
                    f"{run['spill_disk_mb']:,.0f}",
                ]
            )
        )
    layers = sorted({layer for run in report["runs"] for build in run["dbt_layers"].values() for layer in build})
    lines += [
        "",
        "dbt layers (wall time from a layer's first node to its last; layers overlap):",
        "",
        _row(["size", *layers]),
        _row(["---"] * (len(layers) + 1)),
    ]
    for run in report["runs"]:
        spans = {layer: sum(build.get(layer, 0.0) for build in run["dbt_layers"].values()) for layer in layers}
        lines.append(_row([run["size"], *(f"{spans[layer]:.1f}" for layer in layers)]))
    if report.get("runs_per_size", 1) > 1:
        lines += ["", "Every run's total, in the order run (seconds):", ""]
        lines += [
            f"- {run['size']}: "
            + ", ".join(f"{t:.1f}" for t in run["run_totals"])
            + f" (median run {run['seconds']['total']:.1f})"
            for run in report["runs"]
        ]
    sized = {run["size"]: run for run in report["runs"]}
    if "5M" in sized and "50M" in sized:
        ratio = sized["50M"]["microseconds_per_line"] / sized["5M"]["microseconds_per_line"]
        lines += ["", f"Cost per line at 50M / at 5M: {ratio:.2f} (1.0 = linear)"]
    return "\n".join(lines) + "\n"
