"""What the dashboard shows, read from the warehouse as small aggregates.

Every query returns at most a few hundred rows (per column, month, country, k, segment or score
cell; products and countries are cut to the top N in Spark), so the driver never collects a table
that grows with lines or customers.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from pyspark.sql import SparkSession

from segments.ingest import current_source

TOP = 15
CURRENT_RUN = "(select distinct run_id from ml.ml_customer_clusters)"

# The Online Retail source's exploration (the eda_* and audit tables); an Amazon Reviews run shows
# its review and item audits instead. Both show the segment queries.
EXPLORATION_QUERIES = {
    "profile": "select column_name, type_class, row_count, null_count, null_share, distinct_count "
               "from analytics.eda_column_profile order by column_position",
    "summary": "select * from analytics.eda_categorical_summary",
    "capping": "select * from analytics.eda_capping_effect order by column_name, stage desc",
    "iqr_bounds": "select column_name, lower_bound, upper_bound, capped_lines from analytics.audit_iqr_bounds",
    "cancellations_by_month": "select breakdown_value as month, base_count as invoices, cancellation_count, share "
                              "from analytics.eda_cancellations where breakdown = 'month' order by 1",
    "cancellations_by_country": "select breakdown_value as country, base_count as invoices, cancellation_count, share "
                                f"from analytics.eda_cancellations where breakdown = 'country' "
                                f"order by cancellation_count desc limit {TOP}",
    "assumptions": "select breakdown_value as assumption, base_count, cancellation_count, share "
                   "from analytics.eda_cancellations where breakdown = 'assumption'",
    "countries": f"select * from analytics.eda_country_customers order by revenue desc limit {TOP}",
    "products": f"select stock_code, description, units_sold, revenue, customers, cancellation_rate "
                f"from analytics.product_performance order by revenue desc limit {TOP}",
    "monthly": "select * from analytics.eda_monthly_revenue order by invoice_month",
}
AMAZON_QUERIES = {
    "purchases": "select count(*) as purchases, count(distinct customer_id) as customers, "
                 "count(distinct product_id) as products, min(event_at) as first_at, max(event_at) as last_at "
                 "from analytics.fct_purchases",
    "reconciliation": "select outcome, reason, row_count, description from analytics.audit_row_reconciliation "
                      "order by rule_order, reason",
    "items_audit": "select outcome, reason, items, example from analytics.audit_amazon_items order by outcome, reason",
}
SEGMENT_QUERIES = {
    "k_selection": f"select k, wcss, silhouette, is_chosen from ml.ml_k_selection "
                   f"where run_id in {CURRENT_RUN} order by k",
    "segments": "select summary.*, playbook.recommended_action from analytics.segment_summary summary "
                "left join reference.segment_playbook playbook "
                "on summary.segment_type = playbook.segment_type and summary.segment = playbook.segment "
                "order by summary.segment_type, summary.revenue desc",
    "rfm_by_segment": """
        select kmeans_segment as segment, measure,
               min(value) as min_value, percentile_approx(value, 0.25) as q1,
               percentile_approx(value, 0.5) as median, percentile_approx(value, 0.75) as q3,
               max(value) as max_value
        from analytics.customer_segments
        lateral view stack(3, 'recency_days', cast(recency_days as double), 'frequency', cast(frequency as double),
                              'monetary', cast(monetary as double)) measures as measure, value
        group by 1, 2 order by 1, 2""",
    "rfm_grid": """
        select r_score, f_score, sum(n) as customers, max_by(rfm_segment, n) as main_segment
        from (select r_score, f_score, rfm_segment, count(*) as n from analytics.customer_segments group by 1, 2, 3)
        group by 1, 2 order by 1, 2""",
    "transitions": "select from_segment, to_segment, customers from analytics.segment_transitions",
}


DashboardData = dict[str, pd.DataFrame]  # query name (QUERIES) -> its result


def _plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark decimals arrive as Decimal objects, which charts cannot serialize: make them floats."""
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


CURRENCY = {"online_retail": "£", "amazon_reviews": "$"}


def read_dashboard_data(spark: SparkSession) -> DashboardData:
    source = current_source(spark)
    queries = {**(AMAZON_QUERIES if source == "amazon_reviews" else EXPLORATION_QUERIES), **SEGMENT_QUERIES}
    # toPandas on aggregates only: see the module docstring
    data = {name: _plain_numbers(spark.sql(query).toPandas()) for name, query in queries.items()}
    data["run"] = pd.DataFrame([{"source": source, "currency": CURRENCY[source]}])
    return data


def currency(data: DashboardData) -> str:
    return data["run"]["currency"].iloc[0]
