"""The installed commands as users run them, each in its own process: `segments run`, then plain
`dbt show` and `dbt docs generate` on the same warehouse (integration: each starts a JVM)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURE_THRESHOLDS, FIXTURES, PROJECT_DIR, write_quality_config

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> dict[str, str]:
    env = dict(os.environ)
    env["SEGMENTS_HOME"] = str(tmp_path_factory.mktemp("cli-state"))
    env["DBT_TARGET_PATH"] = str(Path(env["SEGMENTS_HOME"]) / "dbt-target")
    return env


def run(command: list[str], env: dict[str, str], cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def segments_run(state, tmp_path_factory, fixture_quality) -> subprocess.CompletedProcess:
    # Run from another folder with relative paths, as a user would.
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "sales.csv").write_bytes((FIXTURES / "online_retail_small.csv").read_bytes())
    (elsewhere / "quality.yml").write_bytes(fixture_quality.read_bytes())
    return run(
        [str(BIN / "segments"), "run", "--data", "sales.csv", "--k-max", "4", "--quality-config", "quality.yml"],
        state,
        cwd=elsewhere,
    )


def test_segments_run_prints_progress_and_summary(segments_run, state):
    assert segments_run.returncode == 0, segments_run.stderr
    out = segments_run.stdout
    for expected in [
        "[1/10]",
        "[2/10] Ingest",
        "[3/10] Check raw",
        "raw: 12/12 expectations met",
        "[4/10] dbt build",
        "fct_customer_rfm (",
        "[5/10] Check clean and rfm",
        "[6/10] K-Means",
        "[7/10] Customer value",
        "bg_nbd: not fitted (too_few_customers)",
        "[8/10] dbt build",
        "customer_segments (",
        "[9/10] Check segments",
        "[10/10] Dashboard",
        "dashboard.html",
        "recommended action",
        "value model not fitted: bg_nbd (too_few_customers: ",
        "rows in                  30",
        "rows kept                20",
        "missing_customer_id",
        "customers scored          5",
        f"Results in {state['SEGMENTS_HOME']}",
    ]:
        assert expected in out
    assert re.search(r"checks: (\d+)/\1 expectations met on raw, clean, rfm, segments", out)
    assert "Traceback" not in segments_run.stderr and "great_expectations" not in segments_run.stderr


def test_plain_dbt_reads_the_same_warehouse(segments_run, state):
    shown = run(
        [str(BIN / "dbt"), "show", "--inline", "select count(*) as customers from analytics.fct_customer_rfm"], state
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "| 5 " in shown.stdout or "|         5 |" in shown.stdout


def test_dbt_docs_generate(segments_run, state):
    generated = run([str(BIN / "dbt"), "docs", "generate"], state)
    assert generated.returncode == 0, generated.stdout
    assert (Path(state["DBT_TARGET_PATH"]) / "catalog.json").is_file()


def test_segments_check_passes_then_fails_with_a_stricter_config(segments_run, state, tmp_path, fixture_quality):
    checked = run([str(BIN / "segments"), "check", "--quality-config", str(fixture_quality)], state)
    assert checked.returncode == 0, checked.stderr
    assert re.search(r"(\d+)/\1 expectations met on raw, clean, rfm, segments", checked.stdout)
    assert "segments: 22/22 expectations met" in checked.stdout and "data_docs/index.html" in checked.stdout
    strict = write_quality_config(
        tmp_path / "strict.yml", {"raw": {**FIXTURE_THRESHOLDS["raw"], "max_abs_quantity": 100}}
    )
    failed = run([str(BIN / "segments"), "check", "--layer", "raw", "--quality-config", str(strict)], state)
    assert failed.returncode == 1
    assert "\nerror: data quality check failed: 1 of 12 expectations on layer 'raw'" in failed.stderr
    assert "|Quantity| at most 100 (raw.max_abs_quantity): 1 of 30 rows" in failed.stderr
    assert "e.g. 500" in failed.stderr and "Traceback" not in failed.stderr


def test_segments_report_writes_the_dashboard_where_asked(segments_run, state, tmp_path):
    reported = run([str(BIN / "segments"), "report", "--out", str(tmp_path / "out" / "segments.html")], state)
    assert reported.returncode == 0, reported.stderr
    assert (tmp_path / "out" / "segments.html").stat().st_size > 1_000_000  # plotly.js is inline
    assert f"dashboard written to {tmp_path / 'out' / 'segments.html'}" in reported.stdout


def test_a_bad_file_is_one_line_and_no_traceback(state, tmp_path):
    bad = tmp_path / "renamed.csv"
    bad.write_text(
        "InvoiceNo,StockCode,Description,Qty,InvoiceDate,UnitPrice,CustomerID,Country\n1,A,X,1,2011-01-01 10:00:00,1,1,UK\n"
    )
    result = run([str(BIN / "segments"), "run", "--data", str(bad)], state)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: {bad} is missing the required column 'Quantity'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_commands_back_to_back_find_the_state_folder_free(tmp_path):
    # After a run, the JVM outlives its Python process unless the command waits for it; the next
    # command would then find the Derby metastore busy. Output goes to a file, not a pipe: a pipe
    # would make subprocess wait for the JVM too, hiding the problem as a terminal would not.
    env = {**os.environ, "SEGMENTS_HOME": str(tmp_path), "DBT_TARGET_PATH": str(tmp_path / "dbt-target")}
    fixture = str(FIXTURES / "online_retail_small.csv")
    quality = str(write_quality_config(tmp_path / "quality.yml", FIXTURE_THRESHOLDS))
    for command in (["run", "--k-max", "4", "--quality-config", quality], ["ingest"]):
        log = tmp_path / f"{command[0]}.log"
        with open(log, "w") as output:
            returncode = subprocess.call(
                [str(BIN / "segments"), *command, "--data", fixture],
                env=env,
                cwd=PROJECT_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=900,
            )
        assert returncode == 0, log.read_text()
