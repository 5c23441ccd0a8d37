"""`segments generate online-retail`: exact sizes, deterministic for a seed, the real file's shape,
and the generated lines through ingest (Parquet and CSV alike) and the whole pipeline."""

from __future__ import annotations

import os

import pyarrow.parquet as pq
import pytest

from segments.errors import UserError
from tools.generate import GenerateOptions, generate_online_retail
from tools.generate.online_retail import CHUNK_ROWS, catalogue, default_customers, generate_chunk


def chunk(rows: int, seed: int = 7, number: int = 0):
    return generate_chunk(number, rows, catalogue(rows, default_customers(rows), seed), seed)


@pytest.mark.parametrize("rows", [1, 5, 37, 1_000, 25_001])
def test_a_chunk_holds_exactly_the_rows_asked_for(rows):
    assert chunk(rows).num_rows == rows


def test_the_same_seed_gives_the_same_lines_and_another_seed_others():
    assert chunk(5_000).equals(chunk(5_000))
    assert not chunk(5_000).equals(chunk(5_000, seed=8))
    assert not chunk(5_000, number=0).equals(chunk(5_000, number=1))  # chunks differ from each other


def test_the_shape_follows_the_real_file():
    lines = chunk(CHUNK_ROWS).to_pandas()
    purchases = lines[~lines.InvoiceNo.str.startswith("C")]
    lines_per_invoice = purchases.groupby("InvoiceNo").size()
    invoices_per_customer = purchases.dropna(subset=["CustomerID"]).groupby("CustomerID").InvoiceNo.nunique()
    assert 0.22 < lines.CustomerID.isna().mean() < 0.28
    assert 0.008 < lines.duplicated().mean() < 0.02
    assert 0.018 < lines.InvoiceNo.str.startswith("C").mean() < 0.022
    assert (lines.Quantity[lines.InvoiceNo.str.startswith("C")] < 0).all()
    assert 0.0005 < (lines.UnitPrice == 0).mean() < 0.005
    assert lines.StockCode.isin(["POST", "DOT", "M", "C2"]).mean() > 0.002
    assert 17 < lines_per_invoice.mean() < 25 and lines_per_invoice.median() < lines_per_invoice.mean()
    assert invoices_per_customer.max() > 10 * invoices_per_customer.median()  # heavy-tailed
    assert lines.Country.nunique() >= 20 and (lines.Country == "United Kingdom").mean() > 0.8
    assert lines.InvoiceDate.min().year == 2010 and lines.InvoiceDate.max().year == 2011


def test_options_are_checked_before_spark_starts(tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(UserError, match="already exists"):
        GenerateOptions(rows=10, out=tmp_path / "taken").check()
    with pytest.raises(UserError, match="at least 1"):
        GenerateOptions(rows=0, out=tmp_path / "new").check()


def test_spark_writes_exact_deterministic_parquet_and_csv_that_ingest_reads_alike(spark, tmp_path):
    from segments.sources.online_retail.ingest import ingest

    rows = CHUNK_ROWS + 1  # two chunks, the second of one line
    first = generate_online_retail(spark, GenerateOptions(rows=rows, out=tmp_path / "a", seed=3))
    again = generate_online_retail(spark, GenerateOptions(rows=rows, out=tmp_path / "b", seed=3))
    as_csv = generate_online_retail(spark, GenerateOptions(rows=rows, out=tmp_path / "c", seed=3, format="csv"))
    assert first.rows == rows and len(first.files) == 1 and len(as_csv.files) == 1
    assert pq.read_table(first.files[0]).num_rows == rows
    assert pq.read_table(first.files[0]).equals(pq.read_table(again.files[0]))

    totals = "select count(*), count(nullif(trim(customer_id), '')), sum(unit_price), sum(quantity) from raw.online_retail_lines"
    parquet_result = ingest(spark, [first.out])
    from_parquet = spark.sql(totals).first()
    csv_result = ingest(spark, [as_csv.out])
    assert (parquet_result.rows_loaded, csv_result.rows_loaded) == (rows, rows)
    assert spark.sql(totals).first() == from_parquet


@pytest.mark.integration
def test_generated_lines_run_through_the_whole_pipeline(spark, settings, tmp_path, rows):
    import io

    from segments.pipeline import STEPS, run_pipeline
    from segments.progress import Progress

    lines = 200_000
    data = generate_online_retail(spark, GenerateOptions(rows=lines, out=tmp_path / "lines", seed=11)).out
    result = run_pipeline(settings, [data], progress=Progress(steps=STEPS, stream=io.StringIO()))
    audit = {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "reason")}
    assert sum(audit.values()) == lines
    assert 0.2 < audit["missing_customer_id"] / lines < 0.3
    assert 0.008 < audit["duplicate"] / lines < 0.02
    cancellations = spark.table("analytics.audit_cancellations").first()
    assert cancellations["matched_cancellation_lines"] > 0.7 * cancellations["cancellation_lines"]
    assert result.summary.customers > 1_000
    assert sorted(result.segmentation.names.values()) == ["Churned", "New", "Potential", "VIP"]


@pytest.mark.integration
def test_the_bench_harness_reports_every_stage_at_a_small_size(tmp_path):
    import json
    import subprocess
    import sys

    from tools.bench.measure import STAGES

    out = tmp_path / "scale.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tools",
            "bench",
            "--sizes",
            "200k",
            "--repeat",
            "2",
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        check=True,
        capture_output=True,
    )
    report = json.loads(out.read_text())
    assert report["runs_per_size"] == 2 and len(report["runs"]) == 1
    run = report["runs"][0]
    assert run["size"] == "200k" and run["data_lines"] == 200_000 and run["shuffle_partitions"] == 8
    # two cold runs: the row is the faster one (the lower median), and both totals are listed
    assert len(run["run_totals"]) == 2 and run["seconds"]["total"] == min(run["run_totals"])
    assert all(run["seconds"][stage] > 0 for stage in STAGES)
    assert run["seconds"]["total"] >= 0.95 * sum(run["seconds"][stage] for stage in STAGES)
    assert run["jvm_peak_rss_mb"] > 500 and 0 < run["jvm_heap_peak_mb"] < run["jvm_peak_rss_mb"]
    assert run["python_peak_rss_mb"] > 50 and run["shuffle_write_mb"] > 0
    cpu = run["cpu_seconds"]
    assert cpu["jvm"] > 10 and cpu["python"] > 1 and cpu["total"] == cpu["jvm"] + cpu["python"]
    assert 0.2 < run["cores_busy"] <= os.cpu_count()
    assert {"staging", "intermediate", "marts", "tests"} <= set(run["dbt_layers"]["dbt_build"])
    table = out.with_suffix(".md").read_text()
    assert "| 200k | 200,000 |" in table and "the median of 2 cold runs per size" in table
    assert (
        f"- 200k: {run['run_totals'][0]:.1f}, {run['run_totals'][1]:.1f} (median run {run['seconds']['total']:.1f})"
        in table
    )


def test_the_median_run_is_a_whole_run_of_the_middle_total():
    from tools.bench.harness import median_run

    runs = [{"seconds": {"total": t, "ingest": i}} for t, i in [(99.0, 1), (88.0, 2), (93.0, 3), (120.0, 4)]]
    assert median_run(runs[:3])["seconds"] == {"total": 93.0, "ingest": 3}
    assert median_run(runs)["seconds"]["total"] == 93.0  # of four: the faster middle run
    assert median_run(runs[:1]) is runs[0]
