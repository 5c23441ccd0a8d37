"""Generated Amazon Reviews files through `segments run --source amazon_reviews`, as a user runs it
(in this process, on the test session's warehouse): segments come out, every review line is
accounted for, and the dashboard shows this source's audits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from segments.cli import main
from tools.cli import main as dev_main

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def amazon_run(settings, spark, tmp_path_factory):
    out = tmp_path_factory.mktemp("amazon") / "generated"
    assert dev_main(["generate", "amazon-reviews", "--users", "3000", "--out", str(out)]) == 0
    code = main(
        [
            "run",
            "--source",
            "amazon_reviews",
            "--data",
            str(out / "reviews"),
            "--meta",
            str(out / "meta"),
            "--k-max",
            "6",
        ]
    )
    return code, out


def test_segments_run_segments_generated_reviews(amazon_run, spark, capsys):
    code, _ = amazon_run
    assert code == 0
    customers = spark.table("analytics.fct_customer_rfm").count()
    assert customers > 100
    segments = spark.sql("select kmeans_segment, count(*) as n from analytics.customer_segments group by 1").collect()
    assert sum(row["n"] for row in segments) == customers and len(segments) == 4
    summary = spark.sql("select count(*) as n from analytics.segment_summary where segment_type = 'rfm'").first()
    assert summary["n"] >= 3


def test_every_generated_review_line_is_accounted_for(amazon_run, spark):
    lines = spark.sql(
        "select sum(rows_loaded + rows_rejected) as n from raw.ingested_files "
        "where dataset = 'reviews' and status = 'loaded'"
    ).first()["n"]
    audit = {r["reason"]: r["row_count"] for r in spark.table("analytics.audit_row_reconciliation").collect()}
    assert sum(audit.values()) == lines
    # the shapes the rules meet: unverified and duplicate reviews, old reviews, unusable prices
    for reason in ("not_verified", "duplicate_review", "before_window", "price_missing", "price_unparseable", "kept"):
        assert audit[reason] > 0, reason
    items = {r["reason"]: r["items"] for r in spark.table("analytics.audit_amazon_items").collect()}
    assert 0.2 < items["price_parsed"] / sum(items.values()) < 0.5


def test_the_dashboard_shows_the_review_audits_instead_of_the_retail_exploration(amazon_run, settings):
    page = settings.dashboard_file.read_text(encoding="utf-8")
    assert 'id="review-reconciliation"' in page and 'id="item-prices"' in page
    assert "chart-k_selection" in page and "chart-missing_values" not in page
    assert "mean monetary ($)" in page


def test_segments_check_uses_the_amazon_contracts(amazon_run, capsys):
    capsys.readouterr()
    assert main(["check", "--layer", "raw", "--layer", "clean"]) == 0
    printed = capsys.readouterr().out
    assert "raw: 6/6 expectations met" in printed and "clean: 5/5 expectations met" in printed


def test_segments_backtest_runs_on_reviews_and_fails_loudly_without_value_models(amazon_run, spark, capsys):
    # the generator's reviewers do not buy as BG/NBD and Gamma-Gamma assume: neither model converges,
    # so the tables are built, the metrics stay null and the floors fail
    last = spark.sql("select max(to_date(event_at)) as day from analytics.fct_purchases").first()["day"]
    calibration_end = last - timedelta(days=91)
    capsys.readouterr()
    assert main(["backtest", "--calibration-end", str(calibration_end), "--k-max", "6"]) == 1
    printed = capsys.readouterr()
    assert f"{calibration_end}, holdout to {last}" in printed.out
    assert "bg_nbd: not fitted (not_converged)" in printed.out
    assert "purchases_correlation was computed (the models fitted)" in printed.err
    customers = spark.table("backtest.backtest_customers")
    assert customers.count() == spark.table("backtest.backtest_calibration_rfm").count() > 100
    assert customers.where("segment is null or rfm_segment is null").count() == 0
    assert customers.where("actual_purchases > 0").count() > 0
