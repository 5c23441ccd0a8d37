"""The Amazon Reviews source's part of the dashboard: the purchases read, and where every review line
and item went."""

from __future__ import annotations

from segments.report.sections import DashboardData, Sections, html_table

QUERIES = {
    "purchases": "select count(*) as purchases, count(distinct customer_id) as customers, "
    "count(distinct product_id) as products, min(event_at) as first_at, max(event_at) as last_at "
    "from analytics.fct_purchases",
    "reconciliation": "select outcome, reason, row_count, description from analytics.audit_row_reconciliation "
    "order by rule_order, reason",
    "items_audit": "select outcome, reason, items, example from analytics.audit_amazon_items order by outcome, reason",
}


def cards(data: DashboardData) -> list[tuple[str, str]]:
    purchases = data["purchases"].iloc[0]
    read = int(data["reconciliation"]["row_count"].sum())
    return [
        ("review lines read", f"{read:,}"),
        ("purchases (kept reviews)", f"{purchases['purchases']:,}"),
        ("customers", f"{purchases['customers']:,}"),
        ("products", f"{purchases['products']:,}"),
        ("period", f"{purchases['first_at']:%Y-%m-%d} to {purchases['last_at']:%Y-%m-%d}"),
    ]


def tables(data: DashboardData) -> str:
    return (
        "<h2>Where every review line went</h2>"
        + html_table("review-reconciliation", data["reconciliation"], ["outcome", "reason", "row_count", "description"])
        + "<h2>Item metadata and prices</h2>"
        + html_table("item-prices", data["items_audit"], ["outcome", "reason", "items", "example"])
    )


SECTIONS = Sections(currency="$", queries=QUERIES, cards=cards, tables=tables)
