"""Run dbt in this process (dbtRunner), so that dbt-spark's `method: session` reuses our SparkSession.

dbt's own console output is silenced; progress is one line per model, seed or snapshot, and a test
only gets a line when it does not pass. Failures end in a DbtFailed listing what failed and why.
A pipeline parses the project once, in the background (ParsedProject), for both of its builds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from dbt.adapters.base.connections import BaseConnectionManager
from dbt.cli.main import dbtRunner
from dbt.contracts.graph.manifest import Manifest

from segments.errors import UserError
from segments.settings import Settings

QUIET_STATUSES = {"success", "pass", "no-op"}  # no-op: an exposure, nothing to run
TEST_TYPES = {"test", "unit_test"}


@dataclass
class BuildReport:
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)  # "<resource type> <status>" -> n
    failures: list[str] = field(default_factory=list)
    # models/<layer>/, seeds, tests -> wall time from its first node's start to its last node's end
    # (layers overlap: dbt runs independent nodes of different layers side by side)
    layer_seconds: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        return ", ".join(f"{n} {key}" for key, n in sorted(self.counts.items()))


class DbtFailed(UserError):
    """dbt ran, and some models or tests did not succeed."""


def _seconds(node: Any) -> float:
    try:
        started = datetime.fromisoformat(node.node_started_at)
        finished = datetime.fromisoformat(node.node_finished_at)
    except (TypeError, ValueError):
        return 0.0
    return (finished - started).total_seconds()


def _layer(node: Any) -> str | None:
    kind = node.resource_type
    if kind in TEST_TYPES:
        return "tests"
    if kind == "seed":
        return "seeds"
    if kind == "model":
        parts = Path(node.original_file_path).parts
        if len(parts) > 4 and parts[1] == "sources":  # models/sources/<source>/<layer>/<model>.sql
            return parts[3]
        return parts[1] if len(parts) > 2 else parts[0]
    return None


def _layer_seconds(results: list[Any]) -> dict[str, float]:
    times: dict[str, list[datetime]] = {}
    for result in results:
        layer = _layer(result.node)
        if layer is not None:
            times.setdefault(layer, []).extend(
                t for timing in result.timing for t in (timing.started_at, timing.completed_at) if t is not None
            )
    return {layer: (max(moments) - min(moments)).total_seconds() for layer, moments in times.items() if moments}


def _progress_callback(say: Callable[[str], None]) -> Callable[[Any], None]:
    def on_event(event: Any) -> None:
        if event.info.name != "NodeFinished":
            return
        node = event.data.node_info
        status = node.node_status
        kind = node.resource_type
        if kind in TEST_TYPES and status in QUIET_STATUSES:
            return
        mark = "ok" if status in QUIET_STATUSES else status.upper()
        say(f"    {mark:<5} {kind:<9} {node.node_name} ({_seconds(node):.1f} s)")

    return on_event


@contextmanager
def _thrift_sessions_kept_open(target: str) -> Iterator[None]:
    """Over Thrift, keep each dbt thread's JDBC session open from one node to the next.

    dbt closes its connection after every node, and for the Thrift server a new session is costly:
    each one builds a Hive session (configuration, metastore client) and tears it down again, about
    200 times per build. Keeping them open is what the embedded session does anyway; dbt still
    closes every connection at the end of the invocation (cleanup_all).
    """
    if target != "thrift":
        yield
        return
    original = BaseConnectionManager.release
    BaseConnectionManager.release = lambda self: None
    try:
        yield
    finally:
        BaseConnectionManager.release = original


def project_vars(settings: Settings, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The models' vars as dbt sees them: dbt_project.yml's, with the given ones over them."""
    declared = yaml.safe_load((settings.project_dir / "dbt_project.yml").read_text()).get("vars") or {}
    return {**declared, **(variables or {})}


def _dbt_args(
    settings: Settings, target: str, variables: dict[str, Any] | None, shuffle_partitions: int | None = None
) -> list[str]:
    """dbt's options: the project, its profile rendered with the settings (Settings.profile_vars, dbt
    vars that only profiles.yml reads) and the models' vars."""
    all_vars = {**settings.profile_vars(shuffle_partitions), **(variables or {})}
    return [
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
        "--target",
        target,
        "--log-path",
        str(settings.logs_dir),
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
        "--vars",
        json.dumps(all_vars, default=str),  # a --var date (YAML reads 2011-12-01 as one) as dbt would read it
    ]


class ParsedProject:
    """`dbt parse` in a background thread, started before Spark is up.

    Parsing the project takes dbt about 3 s of Python on a first run (a new state folder has no
    partial-parse file), and about 0.6 s to find nothing changed on the next build. Parsed while the
    JVM starts and the data loads, both builds of a run skip it. The builds must use the same target
    and vars as the parse: dbt takes a given manifest as it is. If the parse fails, the build parses
    again itself and reports the problem as it always has.
    """

    def __init__(self, settings: Settings, target: str, variables: dict[str, Any] | None) -> None:
        self.target, self.variables = target, variables
        self._manifest: Manifest | None = None
        self._thread = threading.Thread(target=self._parse, args=(settings,), name="dbt-parse", daemon=True)
        self._thread.start()

    def _parse(self, settings: Settings) -> None:
        try:
            result = dbtRunner().invoke(["parse", *_dbt_args(settings, self.target, self.variables)])
        except Exception:  # noqa: BLE001 - the build parses again and reports it
            return
        if result.success and isinstance(result.result, Manifest):
            self._manifest = result.result

    def manifest(self) -> Manifest | None:
        self._thread.join()
        return self._manifest


def run_dbt(
    settings: Settings,
    command: list[str],
    say: Callable[[str], None],
    target: str = "local",
    variables: dict[str, Any] | None = None,
    parsed: ParsedProject | None = None,
    shuffle_partitions: int | None = None,
) -> BuildReport:
    """`dbt <command>` on the project; raises DbtFailed unless every node succeeded.

    `parsed`, a project parsed with the same target and vars, saves the build its own parse (the
    profile's vars, such as `shuffle_partitions`, do not change the parsed project)."""
    if parsed is not None and (parsed.target, parsed.variables) != (target, variables):
        raise ValueError("the project was parsed with another target or other vars")
    args = [*command, *_dbt_args(settings, target, variables, shuffle_partitions)]
    started = time.monotonic()
    manifest = parsed.manifest() if parsed is not None else None
    with _thrift_sessions_kept_open(target):
        result = dbtRunner(manifest=manifest, callbacks=[_progress_callback(say)]).invoke(args)
    report = BuildReport(seconds=time.monotonic() - started)
    if result.exception is not None:
        raise DbtFailed(
            f"dbt {command[0]} could not run: {result.exception}",
            f"See {settings.logs_dir / 'dbt.log'}",
        )
    node_results = getattr(result.result, "results", []) or []
    report.layer_seconds = _layer_seconds(node_results)
    for node_result in node_results:
        kind = node_result.node.resource_type
        status = str(node_result.status)
        key = f"{kind} {status}"
        report.counts[key] = report.counts.get(key, 0) + 1
        if status not in QUIET_STATUSES and status != "skipped":
            message = (node_result.message or "").strip().splitlines()
            report.failures.append(f"{kind} {node_result.node.name}: {message[0] if message else status}")
    if not result.success:
        shown = report.failures[:10]
        more = f" (and {len(report.failures) - 10} more)" if len(report.failures) > 10 else ""
        raise DbtFailed(
            f"dbt {command[0]} failed: " + "; ".join(shown) + more,
            f"Details in {settings.logs_dir / 'dbt.log'}",
        )
    return report
