"""The dbt project end to end on the hand-made fixture: every rule, the reconciliation, the RFM
arithmetic, and proof that the dbt unit tests and data tests can fail."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest

from ml.segmentation import SegmentationOptions
from segments.errors import UserError
from segments.pipeline import STEPS, run_pipeline
from segments.pipeline.export import ExportFilter, export_customers
from segments.pipeline.score import score_and_rebuild
from segments.progress import Progress
from segments.report.value_charts import VALUE_CHARTS
from segments.sources.online_retail.parse import REJECT_REASONS
from segments.warehouse.dbt_runner import DbtFailed, ParsedProject, run_dbt
from tests.helpers import FIXTURES, PROJECT_DIR

SMALL = FIXTURES / "online_retail_small.csv"

# What the fixture plants (see the comments next to each expectation below).
EXPECTED_OUTCOMES = {
    "invalid_quantity": 1,  # 536376 'abc'
    "wrong_field_count": 1,  # 536377, no Country field
    "invalid_invoice_date": 1,  # 536378, 30 February
    "missing_customer_id": 2,  # invoice 536366 has no customer on any line
    "duplicate": 1,  # 536365 85123A twice
    "negative_price": 1,  # A563185 bad-debt adjustment
    "zero_price_unresolved": 1,  # 90000X priced 0, never sold at a price
    "unmatched_cancellation": 2,  # C536371 (more than bought), C536372 (never bought by 17850)
    "kept": 20,
}
# Kept merchandise purchase lines (quantity, price) the IQR bounds are computed over.
PURCHASES = [
    (6, 2.55),
    (6, 3.39),
    (8, 2.75),
    (6, 2.10),
    (6, 2.10),
    (6, 2.10),
    (500, 1.69),
    (2, 120.00),
    (3, 4.95),
    (12, 2.55),
    (24, 1.65),
    (36, 0.65),
    (3, 5.95),
    (3, 5.95),
    (24, 0.55),
    (4, 3.75),
]


def bounds(values: list[float]) -> tuple[float, float]:
    q1, q3 = np.percentile(values, [25, 75])  # linear interpolation, like Spark's percentile
    return q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)


@pytest.fixture(scope="module")
def built_and_logged(spark, settings, fixture_quality):
    """The pipeline's result and its part of dbt.log."""
    dbt_log = settings.logs_dir / "dbt.log"
    logged_before = dbt_log.stat().st_size if dbt_log.exists() else 0
    # The fixture has 5 customers: k up to 4.
    result = run_pipeline(
        settings,
        [SMALL],
        segmentation=SegmentationOptions(k=3, k_max=4),
        progress=Progress(steps=STEPS, stream=io.StringIO()),
        unit_tests=True,
        quality_config=fixture_quality,
    )
    with open(dbt_log, encoding="utf-8") as handle:
        handle.seek(logged_before)
        return result, handle.read()


@pytest.fixture(scope="module")
def built(built_and_logged):
    return built_and_logged[0]


def test_build_runs_models_data_tests_and_unit_tests(built):
    clean, segments = built.builds
    assert clean.failures == [] and segments.failures == []
    assert clean.counts.get("unit_test pass", 0) >= 15
    assert clean.counts.get("test pass", 0) >= 68
    assert segments.counts.get("test pass", 0) >= 15
    assert segments.counts.get("model success", 0) == 4


def test_both_builds_use_the_project_parsed_in_the_background(built_and_logged):
    parse_lines = [line for line in built_and_logged[1].splitlines() if "partial parsing" in line]
    assert parse_lines, "dbt logs whether it parses the project in full or in part"
    assert all("[dbt-parse" in line for line in parse_lines), parse_lines  # not in the builds' thread


def test_a_project_dbt_cannot_parse_fails_the_build_with_the_reason(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))  # not the session's project's
    broken = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, broken, ignore=shutil.ignore_patterns(".*", "data", "artifacts", "target", "logs"))
    (broken / "models" / "staging" / "_staging__models.yml").write_text("models:\n  - name: [unclosed\n")
    settings = dataclasses.replace(settings, project_dir=broken)
    parsed = ParsedProject(settings, "local", None)
    assert parsed.manifest() is None
    with pytest.raises(DbtFailed, match="(?s)could not run: Parsing Error.*_staging__models.yml"):
        run_dbt(settings, ["build"], lambda line: None, parsed=parsed)
    with pytest.raises(ValueError, match="another target or other vars"):
        run_dbt(settings, ["build"], lambda line: None, variables={"iqr_multiplier": 3}, parsed=parsed)


def _column_encodings(spark, table: str) -> dict[str, set[str]]:
    encodings: dict[str, set[str]] = {}
    for uri in spark.table(table).inputFiles():
        metadata = pq.ParquetFile(uri.removeprefix("file:")).metadata
        for group in range(metadata.num_row_groups):
            for i in range(metadata.num_columns):
                column = metadata.row_group(group).column(i)
                encodings.setdefault(column.path_in_schema, set()).update(column.encodings)
    return encodings


def test_only_the_published_tables_are_written_with_dictionary_encoding(built, spark):
    for table in (
        "raw.online_retail_lines",
        "intermediate.int_order_lines_deduplicated",
        "intermediate.int_order_lines_cancellations_matched",
        "analytics.fct_order_lines",
    ):
        encodings = _column_encodings(spark, table)
        dictionary_encoded = {name for name, used in encodings.items() if any("DICTIONARY" in e for e in used)}
        if table.startswith("analytics."):
            assert "country" in dictionary_encoded, (table, encodings)
        else:
            assert encodings and not dictionary_encoded, (table, encodings)


def test_every_line_is_accounted_for(built, rows):
    audit = {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "reason")}
    assert {k: v for k, v in audit.items() if v} == EXPECTED_OUTCOMES
    assert sum(audit.values()) == 30


def test_every_ingest_reject_reason_is_in_the_reasons_seed():
    with open(PROJECT_DIR / "seeds" / "row_outcome_reasons.csv") as handle:
        seeded = {
            row["reason"]
            for row in csv.DictReader(handle)
            if row["outcome"] == "rejected" and row["data_source"] == "online_retail"
        }
    assert seeded == set(REJECT_REASONS)


def test_rules_show_in_the_clean_fact(built, rows):
    lines = rows("analytics.fct_order_lines", "invoice_no, stock_code")
    by_key = {(r["invoice_no"], r["stock_code"]): r for r in lines}
    filled = by_key[("536365", "84406B")]
    assert (filled["customer_id"], filled["is_customer_id_filled"]) == ("17850", True)
    imputed = by_key[("536368", "22745")]
    assert (float(imputed["unit_price"]), imputed["is_price_imputed"], float(imputed["original_unit_price"])) == (
        2.10,
        True,
        0.0,
    )
    assert by_key[("536367", "POST")]["is_merchandise"] is False
    assert by_key[("536375", "GIFT_0001_20")]["non_merchandise_category"] == "voucher"
    cancellation = by_key[("C536370", "85123A")]
    assert (float(cancellation["quantity"]), cancellation["is_matched_cancellation"]) == (-2.0, True)
    assert by_key[("C536373", "D")]["is_merchandise"] is False  # a discount: kept, never matched

    _, quantity_upper = bounds([q for q, _ in PURCHASES])
    _, price_upper = bounds([p for _, p in PURCHASES])
    bird = by_key[("536374", "84879")]
    assert bird["original_quantity"] == 500 and bird["is_quantity_capped"]
    assert float(bird["quantity"]) == pytest.approx(quantity_upper, abs=1e-4)
    cakestand = by_key[("536374", "22423")]
    assert float(cakestand["unit_price"]) == pytest.approx(price_upper, abs=1e-4)
    assert float(by_key[("536375", "22492")]["quantity"]) == pytest.approx(quantity_upper, abs=1e-4)


def test_rfm_arithmetic(built, rows):
    q_cap = bounds([q for q, _ in PURCHASES])[1]
    p_cap = bounds([p for _, p in PURCHASES])[1]
    expected = {
        # customer: (recency_days, frequency, monetary) as of 2011-12-10
        "17850": (374, 1, 6 * 2.55 + 6 * 3.39 + 8 * 2.75 - 2 * 2.55),
        "13047": (373, 2, 3 * 6 * 2.10),
        "14646": (371, 1, q_cap * 1.69 + 2 * p_cap + 3 * 4.95 + 12 * 2.55),
        "12347": (192, 2, 24 * 1.65 + q_cap * 0.65 + 3 * 5.95),
        "12348": (1, 2, 3 * 5.95 + 24 * 0.55 + 4 * 3.75),
    }
    rfm = {r["customer_id"]: r for r in rows("analytics.fct_customer_rfm", "customer_id")}
    assert set(rfm) == set(expected)
    for customer, (recency, frequency, monetary) in expected.items():
        row = rfm[customer]
        assert (row["recency_days"], row["frequency"]) == (recency, frequency), customer
        assert float(row["monetary"]) == pytest.approx(monetary, abs=0.006), customer
        assert str(row["as_of_date"]) == "2011-12-10"
    assert rfm["14646"]["country"] == "Netherlands"


def test_cancellation_audit_figures(built, rows):
    figures = rows("analytics.audit_cancellations", "invoices")[0]
    assert (
        figures["cancellation_lines"],
        figures["matched_cancellation_lines"],
        figures["unmatched_cancellation_lines"],
    ) == (3, 1, 2)
    # invoices with a line that reached rule 6: not the rejected, customerless or rule-5-removed
    # (A563185) ones; 536368 keeps its 22745 line after 90000X is removed
    assert (figures["invoices"], figures["cancellation_invoices"]) == (12, 4)


def test_unit_tests_fail_when_a_rule_changes(built, settings):
    # With a different IQR multiplier the hand-computed bounds no longer hold.
    with pytest.raises(DbtFailed, match="computes_exact_quartiles_over_purchases"):
        run_dbt(settings, ["test", "--select", "test_type:unit"], lambda line: None, variables={"iqr_multiplier": 3})


def test_reconciliation_test_fails_when_a_line_goes_missing(built, spark, settings):
    # Drop one raw line behind the audit's back: the audit no longer adds up to the raw tables.
    raw = "raw.online_retail_lines"
    spark.sql(f"create table raw.lines_backup as select * from {raw}")
    try:
        spark.sql(f"insert overwrite table {raw} select * from raw.lines_backup where stock_code != 'POST'")
        with pytest.raises(DbtFailed, match="assert_reconciliation_adds_up"):
            run_dbt(settings, ["test", "--select", "assert_reconciliation_adds_up"], lambda line: None)
    finally:
        spark.sql(f"insert overwrite table {raw} select * from raw.lines_backup")
        spark.sql("drop table raw.lines_backup")


def test_row_rules_fail_and_name_the_rules_a_row_breaks(built, spark, settings):
    # Swap the IQR bounds behind dbt's back: every row breaks bounds_ordered, and only that rule.
    table = "intermediate.int_iqr_bounds"
    spark.sql(f"create table intermediate.bounds_backup as select * from {table}")
    swapped = ", ".join(
        {"lower_bound": "upper_bound as lower_bound", "upper_bound": "lower_bound as upper_bound"}.get(c, c)
        for c in spark.table(table).columns
    )
    try:
        spark.sql(f"insert overwrite table {table} select {swapped} from intermediate.bounds_backup")
        with pytest.raises(DbtFailed, match="row_rules_int_iqr_bounds"):
            run_dbt(
                settings,
                ["test", "--select", "int_iqr_bounds,test_name:row_rules", "--store-failures"],
                lambda line: None,
            )
        stored = [
            t.name for t in spark.catalog.listTables("dbt_test__audit") if t.name.startswith("row_rules_int_iqr_bounds")
        ]
        failures = spark.sql(f"select column_name, failed_rules from dbt_test__audit.{stored[0]}").collect()
        assert sorted((r.column_name, r.failed_rules) for r in failures) == [
            ("quantity", "bounds_ordered"),
            ("unit_price", "bounds_ordered"),
        ]
    finally:
        spark.sql(f"insert overwrite table {table} select * from intermediate.bounds_backup")
        spark.sql("drop table intermediate.bounds_backup")
        spark.sql("drop database if exists dbt_test__audit cascade")


def test_export_writes_one_segment_and_names_the_valid_ones_on_a_typo(built, spark, tmp_path, rows):
    out = tmp_path / "vip.csv"
    count = export_customers(spark, ExportFilter("vip"), out)  # names match case-insensitively
    with open(out) as handle:
        exported = list(csv.DictReader(handle))
    expected = [r["customer_id"] for r in rows("analytics.customer_segments", "customer_id", "kmeans_segment = 'VIP'")]
    assert count == len(exported) == len(expected) >= 1
    assert sorted(r["customer_id"] for r in exported) == expected
    assert all(r["recommended_action"] for r in exported)
    with pytest.raises(
        UserError,
        match=r"'Champs' is not a rfm segment. Valid rfm segments: About to Sleep, At Risk, Can't Lose Them, Champions",
    ):
        export_customers(spark, ExportFilter("Champs", "rfm"), tmp_path / "x.csv")


def test_the_value_models_need_repeat_customers_and_say_so(built, spark, tmp_path, rows):
    fits = {r["model"]: r for r in rows("ml.ml_value_fits", "model", f"run_id = '{built.segmentation.run_id}'")}
    assert {model: fit["status"] for model, fit in fits.items()} == {
        "bg_nbd": "too_few_customers",
        "gamma_gamma": "too_few_customers",
    }
    assert "it needs 10" in fits["bg_nbd"]["detail"]
    assert "value model not fitted: bg_nbd (too_few_customers: " in "\n".join(built.summary.lines())
    # every customer still has a value row, without scores
    values = rows("ml.ml_customer_value", "customer_id")
    assert len(values) == len(rows("analytics.fct_customer_rfm", "customer_id"))
    assert all(r["p_alive"] is None and r["clv"] is None for r in values)
    with pytest.raises(UserError, match="the value models were not fitted"):
        export_customers(spark, ExportFilter(churn_risk="high"), tmp_path / "x.csv")


def test_the_dashboard_says_why_the_value_charts_are_missing(built):
    page = built.dashboard.read_text(encoding="utf-8")
    assert 'id="value-fits"' in page and "too_few_customers" in page
    for chart in VALUE_CHARTS:  # a note in place of each chart, with the reason
        assert f'<div class="note" id="chart-{chart.__name__}">' in page
        assert f'<div class="chart" id="chart-{chart.__name__}">' not in page
    assert "Not shown: BG/NBD not fitted (too_few_customers): " in page


def test_scoring_again_adds_a_run_to_the_history_and_counts_transitions(built, settings, spark, rows):
    before = {r["customer_id"]: r["kmeans_segment"] for r in rows("analytics.customer_segments", "customer_id")}
    history_runs = "select count(distinct run_id) from analytics.customer_segments_history"
    runs = spark.sql(history_runs).first()[0]
    score_and_rebuild(settings)
    assert spark.sql(history_runs).first()[0] == runs + 1
    transitions = rows("analytics.segment_transitions", "from_segment, to_segment")
    # The same model scores the same customers the same way: every customer stays in its segment.
    assert {(r["from_segment"], r["to_segment"]): r["customers"] for r in transitions} == {
        (segment, segment): list(before.values()).count(segment) for segment in set(before.values())
    }


def loaded_fixture_rows() -> list[dict]:
    """The fixture's lines that ingest loads, parsed here in plain Python (no Spark, no SQL)."""
    from datetime import datetime

    loaded = []
    with open(SMALL, newline="") as handle:
        for row in csv.DictReader(handle):
            if None in row.values() or None in row or not row["Quantity"].lstrip("-").isdigit():
                continue
            try:
                datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S")
            except ValueError:
                continue
            loaded.append(row)
    return loaded


def test_exploration_tables_match_the_fixture(built, rows):
    lines = loaded_fixture_rows()
    summary = rows("analytics.eda_categorical_summary", "products")[0]
    assert summary["order_lines"] == len(lines) == 27
    assert summary["products"] == len({r["StockCode"].strip().upper() for r in lines})
    assert summary["customers"] == len({r["CustomerID"].split(".")[0] for r in lines if r["CustomerID"]})
    assert summary["countries"] == len({r["Country"] for r in lines})
    assert summary["invoices"] == len({r["InvoiceNo"] for r in lines})
    assert summary["cancellation_invoices"] == len({r["InvoiceNo"] for r in lines if r["InvoiceNo"].startswith("C")})
    profile = {r["column_name"]: r for r in rows("analytics.eda_column_profile", "column_position")}
    assert profile["customer_id"]["null_count"] == sum(1 for r in lines if not r["CustomerID"])
    assert profile["quantity"]["type_class"] == "numerical" and profile["invoiced_at"]["type_class"] == "temporal"
    assert profile["quantity"]["min_value"] == str(min(int(r["Quantity"]) for r in lines))
    by_month = {
        r["breakdown_value"]: r for r in rows("analytics.eda_cancellations", "breakdown_value", "breakdown = 'month'")
    }
    december = {r["InvoiceNo"] for r in lines if r["InvoiceDate"].startswith("2010-12")}
    assert by_month["2010-12"]["base_count"] == len(december)
    assert by_month["2010-12"]["cancellation_count"] == len({i for i in december if i.startswith("C")})


def test_product_performance_adds_up_to_the_clean_fact(built, spark):
    totals = spark.sql("""
        select sum(units_sold) as sold, sum(revenue) as revenue from analytics.product_performance
    """).first()
    fact = spark.sql("""
        select sum(case when is_purchase then quantity end) as sold, sum(line_amount) as revenue
        from analytics.fct_order_lines where is_merchandise
    """).first()
    assert abs(float(totals["sold"]) - float(fact["sold"])) < 0.01  # capped quantities can be fractional
    assert abs(float(totals["revenue"]) - float(fact["revenue"])) < 0.05
