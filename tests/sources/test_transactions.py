"""The transactions source end to end on Spark: a hand-written order-line file through three
mappings (every rule on, rules switched off, whole orders without order or product ids, read from a
catalog table). The CDNOW sample log end to end is in tests/ml/test_customer_value.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from segments.pipeline import CLEAN_BUILD, ingest_inputs
from segments.sources.base import Inputs
from segments.warehouse.dbt_runner import run_dbt
from tests.helpers import FIXTURES

pytestmark = pytest.mark.integration

ORDERS = FIXTURES / "transactions" / "orders.csv"
EVERY_COLUMN = (
    "customer_id=customer,ordered_at=when:yyyy-MM-dd HH:mm,quantity=qty,unit_price=price,"
    "order_id=order,product_id=sku,description=item,country=land"
)
REJECTS = {"invalid_ordered_at": 1, "invalid_quantity": 1, "wrong_field_count": 1}
RULES_OFF = (
    "rules: {fill_customer_from_order: false, remove_duplicates: false, flag_non_merchandise: false, "
    "impute_zero_prices: false, match_cancellations: false}\n"
)


def _build(spark, settings, inputs: Inputs):
    ingested = ingest_inputs(spark, inputs, inputs.check())["transactions"]
    build = run_dbt(settings, CLEAN_BUILD, lambda line: None, variables={"data_source": "transactions"})
    assert build.failures == []
    return ingested


def _outcomes(rows) -> dict[str, int]:
    return {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "reason") if r["row_count"]}


def _skipped(rows) -> dict[str, str]:
    return {
        r["rule"]: r["skipped_because"] for r in rows("analytics.audit_cleaning_rules", "rule") if not r["is_applied"]
    }


def _lines(rows) -> dict[str, list[dict]]:
    by_order: dict[str, list[dict]] = {}
    for row in rows("analytics.fct_order_lines", "invoice_no, stock_code, customer_id"):
        by_order.setdefault(row["invoice_no"], []).append(row)
    return by_order


def test_every_rule_runs_when_its_columns_are_mapped(spark, settings, rows):
    ingested = _build(spark, settings, Inputs([ORDERS], source="transactions", map_text=EVERY_COLUMN, delimiter=";"))
    assert (ingested.data_lines, ingested.files[0].header_lines, ingested.files[0].blank_lines) == (13, 1, 1)
    assert _outcomes(rows) == {
        **REJECTS,
        "duplicate": 1,
        "missing_customer_id": 1,
        "zero_price_unresolved": 1,
        "unmatched_cancellation": 1,
        "kept": 6,
    }
    assert _skipped(rows) == {}
    lines = _lines(rows)
    filled = [line for line in lines["O1"] if line["stock_code"] == "P2"]
    assert filled[0]["customer_id"] == "c1" and filled[0]["is_customer_id_filled"]
    assert lines["O3"][0]["is_price_imputed"] and lines["O3"][0]["original_unit_price"] == 0
    assert not lines["O5"][0]["is_merchandise"]
    assert lines["O6"][0]["is_matched_cancellation"] and lines["O6"][0]["quantity"] == -1
    assert lines["O11"][0]["description"] == "Mug; large"  # a quoted delimiter stays in its field


def test_a_rule_switched_off_in_the_mapping_file_keeps_what_it_would_remove(spark, settings, rows, tmp_path):
    mapping = tmp_path / "orders.yml"
    mapping.write_text(RULES_OFF)
    inputs = Inputs([ORDERS], source="transactions", mapping=mapping, map_text=EVERY_COLUMN, delimiter=";")
    _build(spark, settings, inputs)
    # the copy of O1 stays, O1's customer-less line is not filled, the zero prices stay, the
    # cancellation without a purchase stays
    assert _outcomes(rows) == {**REJECTS, "missing_customer_id": 2, "kept": 8}
    assert set(_skipped(rows)) == {
        "fill_customer_from_order",
        "remove_duplicates",
        "flag_non_merchandise",
        "impute_zero_prices",
        "match_cancellations",
    }
    lines = _lines(rows)
    assert len([line for line in lines["O1"] if line["stock_code"] == "P1"]) == 2
    assert lines["O4"][0]["unit_price"] == 0 and lines["O5"][0]["is_merchandise"]
    assert lines["O7"][0]["quantity"] == -1 and not lines["O7"][0]["is_matched_cancellation"]


def test_whole_orders_from_a_catalog_table_skip_the_rules_their_columns_lack(spark, settings, rows):
    spark.sql("create database if not exists shop")
    spark.createDataFrame(
        [
            ("c1", date(2024, 1, 5), 10.0),
            ("c1", date(2024, 1, 5), 10.0),  # same customer and day: one order, the copy removed
            ("c1", date(2024, 2, 1), -4.0),  # a return, matched to the earlier purchase
            ("c2", date(2024, 1, 7), -2.5),  # a return without a purchase
            ("c2", date(2024, 1, 9), 30.0),
            (None, date(2024, 1, 9), 3.0),
        ],
        "buyer string, day date, total double",
    ).write.mode("overwrite").saveAsTable("shop.orders")
    inputs = Inputs(
        [], source="transactions", map_text="customer_id=buyer,ordered_at=day,amount=total", table="shop.orders"
    )
    ingested = _build(spark, settings, inputs)
    assert ingested.files[0].path.name == "shop.orders" and ingested.data_lines == 6
    assert _outcomes(rows) == {"duplicate": 1, "missing_customer_id": 1, "unmatched_cancellation": 1, "kept": 3}
    assert _skipped(rows) == {
        "fill_customer_from_order": "order_id not mapped",
        "flag_non_merchandise": "product_id not mapped",
        "impute_zero_prices": "product_id and unit_price not mapped",
    }
    orders = {
        (r["customer_id"], r["invoice_no"], r["line_amount"]) for r in rows("analytics.fct_order_lines", "invoice_no")
    }
    assert orders == {("c1", "c1@2024-01-05", 10), ("c1", "c1@2024-02-01", -4), ("c2", "c2@2024-01-09", 30)}
    rfm = {r["customer_id"]: (r["frequency"], r["monetary"]) for r in rows("analytics.fct_customer_rfm", "customer_id")}
    assert rfm == {"c1": (1, Decimal("6.00")), "c2": (1, Decimal("30.00"))}
