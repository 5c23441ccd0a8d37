"""The full bundled UCI file through ingest, dbt build, K-Means, the checkpoints and the dashboard
(integration: about four minutes). The dashboard is opened in a real headless Chromium with the
network off; its screenshot is kept in artifacts/test/dashboard.png."""

from __future__ import annotations

import csv
import gzip
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from ml.customer_value import ValueOptions, value_customers
from ml.segmentation import SegmentationOptions, segment_customers
from segments.pipeline import CLEAN_BUILD, SEGMENTS_BUILD, WITHOUT_UNIT_TESTS, ingest_inputs
from segments.pipeline.backtest import run_backtest
from segments.quality import LAYERS, QualityChecker, load_quality_config
from segments.report import write_dashboard
from segments.report.charts import SEGMENT_CHARTS
from segments.report.value_charts import VALUE_CHARTS
from segments.sources import get_source
from segments.sources.base import Inputs
from segments.sources.online_retail.ingest import ingest
from segments.warehouse.dbt_runner import run_dbt
from tests.browser import CHART_STATE, Chromium
from tests.expected_tables import DIGESTED, STORED, differences, stored_digests, stored_rows, table_digest, table_rows
from tests.helpers import PROJECT_DIR, REAL_FILE
from tools.generate.transactions import MAPPING
from tools.generate.writer import RENAMED

pytestmark = pytest.mark.integration

# The marts whose contents must not depend on how the file was encoded; columns naming the file
# itself are left out.
COMPARED = {
    "analytics.fct_order_lines": "* except (source_file)",
    "analytics.fct_customer_rfm": "*",
    "analytics.dim_customers": "*",
    "analytics.dim_products": "*",
    "analytics.audit_row_reconciliation": "*",
    "analytics.audit_cancellations": "*",
    "analytics.audit_iqr_bounds": "*",
    "analytics.removed_order_lines": "* except (source_file)",
}


def uci_variant(source: Path, target: Path) -> Path:
    """The same data as UCI/Kaggle publish it: ISO-8859-1, `12/1/2010 8:26`, `17850.0`."""
    with (
        gzip.open(source, "rt", encoding="utf-8", newline="") as reader,
        gzip.open(target, "wt", encoding="iso-8859-1", newline="") as writer,
    ):
        rows = csv.reader(reader)
        out = csv.writer(writer, lineterminator="\n")
        out.writerow(next(rows))
        for row in rows:
            moment = datetime.strptime(row[4], "%Y-%m-%d %H:%M:%S")
            row[4] = f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"
            row[6] = f"{row[6]}.0" if row[6] else ""
            out.writerow(row)
    return target


def build(spark, settings, path: Path) -> None:
    ingest(spark, [path])
    run_dbt(settings, CLEAN_BUILD + WITHOUT_UNIT_TESTS, lambda line: None)


@pytest.fixture(scope="module")
def real_build(spark, settings):
    build(spark, settings, REAL_FILE)


def segment_and_value(spark, settings):
    """The ml step of `segments run` (K-Means with k = 4, then the value models), and the segment build."""
    result = segment_customers(spark, settings.models_dir, SegmentationOptions(k=4))
    value_customers(spark, ValueOptions(), result.run_id)
    run_dbt(settings, SEGMENTS_BUILD + WITHOUT_UNIT_TESTS, lambda line: None)
    return result


def test_reconciliation_adds_up_to_every_line_of_the_file(real_build, rows):
    audit = {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "reason")}
    assert sum(audit.values()) == 541_909
    assert audit["missing_customer_id"] > 100_000 and audit["kept"] > 390_000


def test_rfm_holds_one_row_per_customer(real_build, spark):
    totals = spark.sql(
        "select count(*) as n, count(distinct customer_id) as customers from analytics.fct_customer_rfm"
    ).first()
    scored = spark.sql(
        "select count(distinct customer_id) as n from analytics.fct_order_lines where is_purchase"
    ).first()
    assert totals["n"] == totals["customers"] == scored["n"] > 4_000


def test_uci_encoding_and_date_layout_give_identical_tables(real_build, spark, settings, tmp_path):
    for name, columns in COMPARED.items():
        spark.sql(f"create or replace temporary view before_{name.split('.')[1]} as select {columns} from {name}")
        spark.sql(f"cache table before_{name.split('.')[1]}")
    build(spark, settings, uci_variant(REAL_FILE, tmp_path / "online_retail_uci.csv.gz"))
    for name, columns in COMPARED.items():
        before = f"before_{name.split('.')[1]}"
        after = f"select {columns} from {name}"
        missing = spark.sql(f"select count(*) from (select * from {before} except all {after})").first()[0]
        extra = spark.sql(f"select count(*) from ({after} except all select * from {before})").first()[0]
        assert (missing, extra) == (0, 0), name
        spark.sql(f"uncache table {before}")


def test_k4_on_the_real_file_gives_the_four_segments_with_repeat_buyers_in_vip(real_build, spark, settings):
    result = segment_and_value(spark, settings)
    assert sorted(result.names.values()) == ["Churned", "New", "Potential", "VIP"]
    profile = {r["segment"]: r for r in spark.table("ml.ml_clusters").collect()}
    vip = profile["VIP"]
    assert all(
        vip["mean_frequency"] > other["mean_frequency"] and vip["mean_monetary"] > other["mean_monetary"]
        for name, other in profile.items()
        if name != "VIP"
    )
    assert profile["Churned"]["mean_recency_days"] == max(p["mean_recency_days"] for p in profile.values())
    assert profile["New"]["mean_recency_days"] < profile["Potential"]["mean_recency_days"]
    assert profile["New"]["mean_frequency"] < profile["Potential"]["mean_frequency"]
    # The top 1 % of customers by frequency are VIPs.
    top = spark.sql("""
        select c.segment from analytics.fct_customer_rfm r join ml.ml_customer_clusters c using (customer_id)
        order by r.frequency desc limit 43
    """).collect()
    assert {r["segment"] for r in top} == {"VIP"}
    selection = spark.sql(f"select k, silhouette from ml.ml_k_selection where run_id = '{result.run_id}'").collect()
    assert sorted(r["k"] for r in selection) == list(range(2, 11))
    assert all(r["silhouette"] is not None for r in selection)
    summary = spark.sql("select count(*) from analytics.customer_segments").first()[0]
    assert summary == spark.table("analytics.fct_customer_rfm").count()
    # every RFM customer has a value, from fitted models
    values = spark.sql("select count(*) as n, count(p_alive) as alive, count(clv) as clv from ml.ml_customer_value")
    assert tuple(values.first()) == (summary, summary, summary)
    fits = spark.sql(f"select model, status from ml.ml_value_fits where run_id = '{result.run_id}'").collect()
    assert {r["model"]: r["status"] for r in fits} == {"bg_nbd": "fitted", "gamma_gamma": "fitted"}


def test_the_published_tables_equal_the_stored_ones(real_build, spark, settings):
    # Optimisations must not change a single value on the real file: tests/expected/real_file holds
    # the tables as they were before any of them (tests/expected_tables.py; the K-Means ones since the
    # fit reads the RFM rows in a layout of its own, ml/features.py). Built here from the real
    # file itself (a test above rebuilt the tables from its re-encoded copy), as `segments run` does.
    build(spark, settings, REAL_FILE)
    segment_and_value(spark, settings)
    different = [
        table for table, columns in STORED.items() if differences(table_rows(spark, table, columns), stored_rows(table))
    ]
    expected = stored_digests()
    different += [
        table for table, columns in DIGESTED.items() if table_digest(spark, table, columns) != expected[table]
    ]
    assert different == []


def test_every_checkpoint_passes_on_the_real_file(real_build, spark, settings):
    # after the k = 4 test above: every layer, segments included, holds the real file's tables
    checker = QualityChecker(spark, load_quality_config(settings.quality_config), settings.quality_docs_dir)
    reports = checker.check(list(LAYERS), source=get_source("online_retail"))
    assert [(r.layer, r.passed) for r in reports] == [(layer, True) for layer in LAYERS]
    assert sum(r.expectations for r in reports) >= 30


@pytest.fixture(scope="module")
def dashboard(real_build, spark, settings, tmp_path_factory):
    segment_and_value(spark, settings)
    return write_dashboard(
        spark, get_source("online_retail").dashboard, tmp_path_factory.mktemp("report") / "dashboard.html"
    )


def test_the_dashboard_is_one_offline_file_under_10_mb_with_the_real_figures(dashboard):
    with gzip.open(REAL_FILE, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    page = dashboard.read_text(encoding="utf-8")
    assert dashboard.stat().st_size < 10 * 2**20
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)  # every script and style inline
    customers = len({r["CustomerID"] for r in rows if r["CustomerID"]})
    countries = len({r["Country"] for r in rows})
    for figure in (f"<b>{len(rows):,}</b>", f"<b>{customers:,}</b>", f"<b>{countries:,}</b>", "VIP", "Champions"):
        assert figure in page


def test_every_chart_renders_in_headless_chromium(dashboard):
    screenshot = PROJECT_DIR / "artifacts" / "test" / "dashboard.png"
    with Chromium() as browser:
        browser.open_offline(dashboard)
        charts = browser.evaluate(CHART_STATE)
        browser.screenshot(screenshot)
        shared = SEGMENT_CHARTS + VALUE_CHARTS  # the value charts drawn: both models are fitted on this file
        assert [c["id"] for c in charts] == [
            f"chart-{chart.__name__}" for chart in get_source("online_retail").dashboard.charts + shared
        ]
        for chart in charts:
            assert chart["rendered"] and chart["width"] > 300 and chart["height"] > 300 and chart["traces"] >= 1, chart
        assert browser.errors() == []
        assert browser.outside_requests() == []
        rows = browser.evaluate("document.querySelectorAll('#segment-actions tr').length")
        assert rows == 1 + 4 + 11  # header, the k-means segments, the RFM segments
        fits = browser.evaluate("[...document.querySelectorAll('#value-fits td:first-child')].map(td => td.innerText)")
        assert fits == ["BG/NBD", "Gamma-Gamma"]
    assert screenshot.stat().st_size > 50_000


@pytest.fixture(scope="module")
def backtest(dashboard, settings):
    """The README's backtest of the real file: calibration to 2011-09-09, three months of holdout."""
    return run_backtest(settings, date(2011, 9, 9))


def test_the_backtest_of_the_real_file_fills_its_tables_and_passes_its_checks(backtest, rows):
    # run_backtest raises when a dbt test or an expectation fails
    assert [r.layer for r in backtest.checks] == ["backtest"] and backtest.checks[0].passed
    metrics = backtest.metrics
    assert (metrics["calibration_end"], metrics["holdout_end"]) == (date(2011, 9, 9), date(2011, 12, 9))
    customers = rows("backtest.backtest_customers", "customer_id")
    calibration = rows("backtest.backtest_calibration_rfm", "customer_id")
    assert len(customers) == len(calibration) == metrics["customers"] > 3000
    assert metrics["customers_scored"] == metrics["customers"]
    holdout = rows("backtest.backtest_holdout_purchases", "customer_id")
    bought = {r["customer_id"] for r in holdout if r["purchases"] > 0}
    assert {c["customer_id"] for c in customers if c["bought_again"]} == bought & {c["customer_id"] for c in customers}
    frequency = rows("backtest.backtest_frequency", "calibration_frequency")
    assert [r["label"] for r in frequency] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    tracking = rows("backtest.backtest_tracking", "period")
    assert tracking[-1]["period_end"] == date(2011, 12, 9) and tracking[-1]["expected_repeat_purchases"] > 0


def test_every_k_means_segments_holdout_figures_are_on_the_backtest_page(backtest, rows):
    lift = rows("backtest.backtest_segment_lift", "segment_type, segment", "segment_type = 'kmeans'")
    assert sorted(r["segment"] for r in lift) == ["Churned", "New", "Potential", "VIP"]
    with Chromium() as browser:
        browser.open_offline(backtest.page)
        charts = browser.evaluate(CHART_STATE)
        assert [c["id"] for c in charts] == ["chart-frequency", "chart-tracking"]
        assert all(c["rendered"] and c["traces"] == 2 for c in charts), charts
        assert browser.errors() == [] and browser.outside_requests() == []
        shown = browser.evaluate(
            "[...document.querySelectorAll('#backtest-segments tr')].slice(1)"
            ".map(tr => [...tr.children].map(td => td.innerText))"
        )
    table = {(row[0], row[1]): row for row in shown}
    for segment in lift:
        row = table[("kmeans", segment["segment"])]
        assert row[2] == f"{segment['customers']:,}"
        assert row[3] == f"{segment['bought_again_share']:.1%}"
        assert row[6] == f"{float(segment['holdout_revenue_per_customer']):,.2f}"


def renamed_parquet(source: Path, target: Path) -> Path:
    """The file as a user's own Parquet export: the columns renamed as the bench's generator renames
    them, typed numbers and timestamps."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {
        "InvoiceNo": pa.array([r["InvoiceNo"] for r in rows]),
        "StockCode": pa.array([r["StockCode"] for r in rows]),
        "Description": pa.array([r["Description"] or None for r in rows]),
        "Quantity": pa.array([int(r["Quantity"]) for r in rows], pa.int64()),
        "InvoiceDate": pa.array([datetime.fromisoformat(r["InvoiceDate"]) for r in rows], pa.timestamp("us")),
        "UnitPrice": pa.array([float(r["UnitPrice"]) for r in rows], pa.float64()),
        "CustomerID": pa.array([r["CustomerID"] or None for r in rows]),
        "Country": pa.array([r["Country"] for r in rows]),
    }
    pq.write_table(pa.table({RENAMED[name]: values for name, values in columns.items()}), target)
    return target


def test_the_file_renamed_through_the_transactions_source_gives_the_same_rfm(real_build, spark, settings, tmp_path):
    # last in this module: it leaves the transactions source's tables in the warehouse
    inputs = Inputs([renamed_parquet(REAL_FILE, tmp_path / "orders.parquet")], source="transactions", mapping=MAPPING)
    ingest_inputs(spark, inputs, inputs.check())
    build = run_dbt(
        settings, CLEAN_BUILD + WITHOUT_UNIT_TESTS, lambda line: None, variables={"data_source": "transactions"}
    )
    assert build.failures == []
    rfm = "analytics.fct_customer_rfm"
    assert differences(table_rows(spark, rfm, STORED[rfm]), stored_rows(rfm)) == []
    # the same lines removed by the same rules
    audit = "analytics.audit_row_reconciliation"
    stored = {row[2]: row[3] for row in stored_rows(audit)[1:] if row[1] != "rejected"}
    now = {r["reason"]: str(r["row_count"]) for r in spark.table(audit).where("outcome != 'rejected'").collect()}
    assert now == stored
