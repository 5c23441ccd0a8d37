"""The Amazon Reviews source on hand-written fixture files: every ingest reject, every cleaning rule
and its var, the price parsing, the item audit, the reconciliation and the RFM arithmetic; the file
checks made before Spark starts; Parquet input read like JSON Lines."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segments.cli import main
from segments.errors import UserError
from segments.pipeline import CLEAN_BUILD, Inputs, ingest_inputs
from segments.sources.amazon_reviews.ingest import ITEMS, REVIEWS, check_amazon_inputs
from segments.warehouse.dbt_runner import run_dbt
from tests.helpers import FIXTURES, write_quality_config

AMAZON = FIXTURES / "amazon_reviews"
REVIEW_FILE, META_FILE = AMAZON / "reviews.jsonl", AMAZON / "meta.jsonl"
# The outcome each fixture line was written to produce, in file order (blank lines aside).
EXPECTED = json.loads((AMAZON / "expected_outcomes.json").read_text())
VARS = {"data_source": "amazon_reviews"}
CLASSIFIED = "intermediate.int_amazon_reviews__reviews_classified"


def _ingest(spark, reviews=REVIEW_FILE, meta=META_FILE):
    inputs = Inputs([reviews], source="amazon_reviews", meta=[meta])
    return ingest_inputs(spark, inputs, inputs.check())


@pytest.fixture(scope="module")
def built(spark, settings):
    ingested = _ingest(spark)
    build = run_dbt(settings, CLEAN_BUILD, lambda line: None, variables=VARS)
    return ingested, build


def _outcomes(spark) -> Counter:
    """Every review line's outcome: its ingest reject, the rule that removed it, or kept."""
    rejected = spark.sql("select reject_reason as outcome from raw.amazon_reviews where reject_reason is not null")
    classified = spark.sql(f"select coalesce(removal_reason, 'kept') as outcome from {CLASSIFIED}")
    return Counter(row["outcome"] for row in rejected.union(classified).collect())


def test_the_build_passes_its_data_tests_and_unit_tests(built):
    _, build = built
    assert build.failures == []
    # each model's row-level checks are one row_rules test: 37 data tests in all
    assert build.counts.get("test pass", 0) > 30 and build.counts.get("unit_test pass", 0) >= 3


def test_every_review_line_gets_the_outcome_it_was_written_for(built, spark):
    ingested, _ = built
    assert _outcomes(spark) == Counter(EXPECTED["reviews"])
    reviews = ingested["reviews"]
    assert reviews.data_lines == len(EXPECTED["reviews"])  # the blank line is not a data line
    assert reviews.files[0].blank_lines == 1 and reviews.files[0].dataset == "reviews"


def test_prices_parse_with_dollar_signs_separators_and_spaces(built, rows):
    kept = {(r["parent_asin"], r["unit_price"]) for r in rows(CLASSIFIED, "review_id", "removal_reason is null")}
    assert kept == {
        ("B0PRICECOMMA", Decimal("1299.99")),
        ("B0PRICEPLAIN", Decimal("29.99")),
        ("B0PRICESPACE", Decimal("45.00")),
        ("B0PRICETHOUSAND", Decimal("1000.00")),
        ("B0LISTEDTWICE", Decimal("5.00")),
    }


def test_every_metadata_line_is_accounted_for_in_the_item_audit(built, rows):
    audit = {r["reason"]: r["items"] for r in rows("analytics.audit_amazon_items", "reason")}
    expected = Counter(EXPECTED["items"])
    # an item listed twice is one item (its priced listing) and one extra listing
    assert audit == {reason: expected[reason] for reason in expected}
    assert sum(audit.values()) == len(EXPECTED["items"])
    examples = {r["reason"]: r["example"] for r in rows("analytics.audit_amazon_items", "reason")}
    assert examples["price_range"] == "$10.99 - $15.99"


def test_the_reconciliation_adds_up_to_the_review_lines(built, rows):
    audit = {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "rule_order, reason")}
    expected = Counter(EXPECTED["reviews"])
    assert {reason: count for reason, count in audit.items() if count} == dict(expected)
    assert sum(audit.values()) == len(EXPECTED["reviews"])


def test_rfm_counts_reviews_as_purchases_at_the_item_price(built, rows):
    rfm = {r["customer_id"]: r for r in rows("analytics.fct_customer_rfm", "customer_id")}
    assert set(rfm) == {"AKEPT1", "AKEPT2", "AKEPT3", "AOLD"}
    # AKEPT1: '$1,299.99' on the latest day, '29.99' twice 20 days earlier (the exact copy dropped)
    assert rfm["AKEPT1"]["frequency"] == 3 and rfm["AKEPT1"]["monetary"] == Decimal("1359.97")
    assert rfm["AKEPT1"]["recency_days"] == 1 and rfm["AKEPT1"]["country"] is None
    assert rfm["AOLD"]["recency_days"] == 365  # 364 days before the latest review: inside the window
    assert rfm["AKEPT2"]["monetary"] == Decimal("1045.00")


def test_the_rules_follow_their_vars(built, spark, settings):
    overrides = {**VARS, "amazon_verified_only": False, "amazon_window_months": None, "amazon_placeholders": ["None"]}
    rebuild = ["build", "--select", "stg_amazon_reviews__reviews", "int_amazon_reviews__reviews_classified"]
    run_dbt(settings, rebuild, lambda line: None, variables=overrides)
    outcomes = _outcomes(spark)
    expected = Counter(EXPECTED["reviews"])
    assert outcomes["not_verified"] == 0 and outcomes["before_window"] == 0
    # ' n/a ' is no placeholder any more: a parent_asin no metadata names
    assert outcomes["placeholder_key"] == expected["placeholder_key"] - 1
    assert outcomes["item_not_found"] == expected["item_not_found"] + 1
    assert outcomes["kept"] == expected["kept"] + expected["not_verified"] + expected["before_window"]
    run_dbt(settings, rebuild, lambda line: None, variables=VARS)


def test_parquet_files_are_read_like_json_lines(built, spark, tmp_path):
    columns = "rating, title, text, asin, parent_asin, user_id, timestamp, helpful_vote, verified_purchase"
    from_json = spark.sql(f"select {columns} from raw.amazon_reviews where reject_reason is null").collect()
    lines = [line for line in REVIEW_FILE.read_text().splitlines() if line.strip()]
    loaded = [
        json.loads(line) for line, outcome in zip(lines, EXPECTED["reviews"]) if outcome not in REVIEWS.reject_reasons
    ]
    pq.write_table(
        pa.Table.from_pylist([{k: v for k, v in r.items() if k != "images"} for r in loaded]),
        tmp_path / "reviews.parquet",
    )
    _ingest(spark, reviews=tmp_path / "reviews.parquet")
    from_parquet = spark.sql(f"select {columns} from raw.amazon_reviews").collect()
    assert sorted(map(tuple, from_parquet)) == sorted(map(tuple, from_json))


# -- before Spark ---------------------------------------------------------------------------------


def test_every_reject_and_removal_reason_is_in_the_outcome_seed():
    seed = (FIXTURES.parent.parent / "seeds" / "row_outcome_reasons.csv").read_text()
    amazon = {line.split(",")[0] for line in seed.splitlines() if line.endswith(",amazon_reviews")}
    assert set(REVIEWS.reject_reasons) | set(EXPECTED["reviews"]) <= amazon


@pytest.mark.parametrize(
    "content, message",
    [
        (
            '{"rating": 5.0, "asin": "B01"}\n',
            "lacks the fields 'user_id', 'parent_asin', 'timestamp', 'verified_purchase'",
        ),
        ('{"main_category": "All Electronics", "parent_asin": "B01", "price": "1"}\n', "give it with --meta"),
        ("rating,title\n5,ok\n", "does not start with a JSON object"),
        ("\n\n", "holds no JSON lines"),
    ],
)
def test_a_wrong_reviews_file_is_refused_before_spark_starts(tmp_path, content, message):
    path = tmp_path / "reviews.jsonl"
    path.write_text(content)
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        check_amazon_inputs(REVIEWS, [path])


def test_metadata_given_as_reviews_and_a_misnamed_gzip_are_clear_errors(tmp_path):
    with pytest.raises(UserError, match="lacks the field 'price'.*It looks like reviews data: give it with --data"):
        check_amazon_inputs(ITEMS, [REVIEW_FILE])
    (tmp_path / "meta.jsonl.gz").write_bytes(META_FILE.read_bytes())
    with pytest.raises(UserError, match="ends in .gz but is not gzip-compressed"):
        check_amazon_inputs(ITEMS, [tmp_path / "meta.jsonl.gz"])
    with pytest.raises(UserError, match="no items files given"):
        check_amazon_inputs(ITEMS, [])


def test_the_command_line_needs_both_files_and_meta_only_with_amazon(settings, capsys):
    assert main(["run", "--source", "amazon_reviews", "--data", str(REVIEW_FILE)]) == 1
    assert "needs the reviews (--data) and the item metadata (--meta)" in capsys.readouterr().err
    assert main(["ingest", "--meta", str(META_FILE)]) == 1
    assert "--meta is read only by --source amazon_reviews" in capsys.readouterr().err


def test_an_amazon_run_needs_the_amazon_raw_section_of_the_quality_config(tmp_path):
    from segments.quality.config import load_quality_config

    config = load_quality_config(write_quality_config(tmp_path / "q.yml", {}))
    assert config.amazon_raw is not None and config.amazon_raw.max_rejected_share == 0.05
