"""Great Expectations checkpoints: each layer's contract passes on good tables, fails on a planted
violation with a message naming the expectation, the rows and example values, and stops a run."""

from __future__ import annotations

import io
import re

import pytest

from ml.segmentation import SegmentationOptions
from segments.cli import LAYER_NAMES
from segments.errors import UserError
from segments.pipeline import STEPS, run_pipeline
from segments.progress import Progress
from segments.quality import LAYERS, QualityChecker, QualityCheckFailed, load_quality_config
from segments.quality.suites import TABLES
from segments.sources import get_source
from tests.helpers import FIXTURE_THRESHOLDS, FIXTURES, PROJECT_DIR, write_quality_config

ONLINE_RETAIL = get_source("online_retail")

SMALL = FIXTURES / "online_retail_small.csv"


def run_small(settings, quality_config):
    return run_pipeline(
        settings,
        [SMALL],
        segmentation=SegmentationOptions(k=3, k_max=4),
        progress=Progress(steps=STEPS, stream=io.StringIO()),
        quality_config=quality_config,
    )


@pytest.fixture(scope="module")
def fixture_run(spark, settings, fixture_quality):
    return run_small(settings, fixture_quality)


@pytest.fixture(scope="module")
def checker(spark, settings, fixture_quality, fixture_run):
    return QualityChecker(spark, load_quality_config(fixture_quality), settings.quality_docs_dir)


def test_every_layer_passes_on_the_fixture_run(fixture_run, settings):
    assert [r.layer for r in fixture_run.checks] == list(LAYERS)
    assert all(r.passed and r.expectations >= 5 for r in fixture_run.checks)
    assert {"check_raw", "check_marts", "check_segments"} <= set(fixture_run.seconds)
    assert (settings.quality_docs_dir / "index.html").is_file()


def test_the_cli_knows_every_layer():
    assert LAYER_NAMES == tuple(LAYERS)


def planted(spark, logical: str, select: str) -> dict[str, str]:
    """A copy of one checked table with a violation planted by `select` (over the good table `t`)."""
    spark.sql("create database if not exists planted")
    copy = f"planted.{logical}"
    spark.sql(f"drop table if exists {copy}")
    spark.sql(
        f"create table {copy} using parquet as with t as (select * from {({**TABLES, **ONLINE_RETAIL.quality_tables})[logical]}) {select}"
    )
    return {logical: copy}


# layer, table, the planted violation, what the failure must say
PLANTS = [
    (
        "raw",
        "lines",
        "select * from t union all (select invoice_no, stock_code, description, quantity, "
        "timestamp'1900-01-01 00:00:00', unit_price, customer_id, country, reject_reason, raw_line, source_file, "
        "ingest_id, ingested_at from t where reject_reason is null limit 1)",
        ["InvoiceDate between 2000-01-01 and", "1 of 31 rows", "1900-01-01"],
    ),
    (
        "raw",
        "lines",
        "select case when stock_code = '22423' then 'CAKE STAND 3 TIER!!' else stock_code end as stock_code, "
        "* except (stock_code) from t",
        ["StockCode matches", "1 of 30 rows", "CAKE STAND 3 TIER!!"],
    ),
    (
        "clean",
        "order_lines",
        "select case when stock_code = '22423' then null else customer_id end as customer_id, "
        "* except (customer_id) from t",
        ["every line has a customer", "1 of 20 rows"],
    ),
    (
        "clean",
        "order_lines",
        "select case when stock_code = '84879' then 5000 else quantity end as quantity, * except (quantity) from t",
        ["merchandise |quantity| within this run's IQR bounds", "1 of ", "5000"],
    ),
    (
        "rfm",
        "rfm",
        "select * from t union all select * from t where customer_id = '12347'",
        ["one row per customer", "12347"],
    ),
    (
        "rfm",
        "rfm",
        "select case when customer_id = '12348' then date'2011-12-01' else as_of_date end as as_of_date, "
        "* except (as_of_date) from t",
        ["the as-of date is after every customer's last purchase", "1 of 5 rows"],
    ),
    (
        "segments",
        "segments",
        "select * from t where customer_id <> '12347'",
        ["every RFM customer has exactly one segment row", "1 of 5 rows"],
    ),
    (
        "segments",
        "segments",
        "select case when customer_id = '12348' then 'Superstars' else kmeans_segment end as kmeans_segment, "
        "* except (kmeans_segment) from t",
        ["k-means segment names from ml/labels.py", "Superstars"],
    ),
    (
        "segments",
        "k_selection",
        "select case when k = 2 then null else silhouette end as silhouette, * except (silhouette) from t",
        ["a silhouette for every k", "1 of "],
    ),
    (
        "segments",
        "value",
        "select case when customer_id = '12348' then 1.5 else p_alive end as p_alive, * except (p_alive) from t",
        ["P(alive) within 0..1", "1.5"],
    ),
    (
        "segments",
        "value_fits",
        "select case when model = 'bg_nbd' then 'fitted' else status end as status, false as converged, "
        "* except (status, converged) from t",
        ["every fitted model converged", "1 of 2 rows"],
    ),
]


@pytest.mark.parametrize(
    ("layer", "logical", "select", "said"), PLANTS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PLANTS)]
)
def test_a_planted_violation_fails_its_layer_with_a_clear_message(spark, checker, layer, logical, select, said):
    tables = planted(spark, logical, select)
    with pytest.raises(QualityCheckFailed) as failed:
        checker.check([layer], tables=tables, source=ONLINE_RETAIL)
    message = str(failed.value)
    assert message.startswith("data quality check failed: ")
    assert f"on layer '{layer}'" in message
    for text in said:
        assert text in message
    assert str(checker.docs_index) in message and checker.docs_index.is_file()


def test_a_stricter_threshold_stops_the_run_after_ingest(spark, settings, fixture_run, tmp_path):
    strict = write_quality_config(
        tmp_path / "strict.yml", {"raw": {**FIXTURE_THRESHOLDS["raw"], "max_missing_customer_id_share": 0.05}}
    )
    stream = io.StringIO()
    with pytest.raises(QualityCheckFailed, match="at most 5% of lines without CustomerID") as failed:
        run_pipeline(
            settings,
            [SMALL],
            progress=Progress(steps=STEPS, stream=stream),
            quality_config=strict,
            segmentation=SegmentationOptions(k=3, k_max=4),
        )
    assert "3 of 30 rows (10.0%)" in str(failed.value)
    assert "[3/10] Check raw" in stream.getvalue() and "dbt build" not in stream.getvalue()


def test_a_weak_clustering_stops_the_run_at_the_last_check(spark, settings, fixture_run, tmp_path):
    strict = write_quality_config(
        tmp_path / "strict.yml", {**FIXTURE_THRESHOLDS, "segments": {"min_silhouette_of_chosen_k": 0.999}}
    )
    dashboard = settings.dashboard_file
    written = dashboard.stat().st_mtime_ns if dashboard.exists() else None
    with pytest.raises(QualityCheckFailed, match=r"the chosen k's silhouette >= 0.999") as failed:
        run_small(settings, strict)
    assert "layer 'segments' (after the segment build)" in str(failed.value)
    # the page is rendered while the segments are checked, but written only once they pass
    assert (dashboard.stat().st_mtime_ns if dashboard.exists() else None) == written


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"raw": {"max_rejected_share": 1.5}}, "raw.max_rejected_share = 1.5 is not a share between 0 and 1"),
        ({"raw": {"invoice_no_pattern": "[0-9"}}, "raw.invoice_no_pattern = '[0-9' is not a regular expression"),
        ({"raw": {"earliest_invoice_date": "yesterday"}}, "raw.earliest_invoice_date = 'yesterday' is not a date"),
        ({"raw": {"max_abs_qty": 5}}, "unknown key raw.max_abs_qty"),
        ({"segments": {"min_silhouette_of_chosen_k": "high"}}, "is not a number between -1 and 1"),
    ],
)
def test_a_bad_threshold_is_named(tmp_path, change, message):
    with pytest.raises(UserError, match=re.escape(message)):
        load_quality_config(write_quality_config(tmp_path / "quality.yml", change))


def test_a_missing_key_or_file_is_named(tmp_path):
    text = (PROJECT_DIR / "quality.yml").read_text().replace("  max_abs_quantity: 1000000\n", "")
    (tmp_path / "quality.yml").write_text(text)
    with pytest.raises(UserError, match=r"raw\.max_abs_quantity is missing"):
        load_quality_config(tmp_path / "quality.yml")
    with pytest.raises(UserError, match="does not exist"):
        load_quality_config(tmp_path / "nope.yml")
    (tmp_path / "list.yml").write_text("- 1\n")
    with pytest.raises(UserError, match="must hold the sections"):
        load_quality_config(tmp_path / "list.yml")
