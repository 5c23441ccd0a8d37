"""What the dashboard shows, read from the warehouse as small aggregates.

Every query returns at most a few hundred rows (per column, month, country, k, segment, score
cell or P(alive) map cell; products and countries are cut to the top N in Spark), so the driver
never collects a table that grows with lines or customers.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from pyspark.sql import SparkSession

from segments.report.sections import DashboardData, Sections

CURRENT_RUN = "(select distinct run_id from ml.ml_customer_clusters)"
# The run whose customer values are published: the current run after `segments run`; `segments score`
# assigns segments again (a new run id) but keeps the values and the fits they came from.
VALUE_RUN = "(select distinct run_id from ml.ml_customer_value)"
VALUE_FITS = "ml.ml_value_fits"
FREQUENCY_CAP = 20  # the P(alive) map's last row: this many repeat purchase days or more
RECENCY_BUCKETS = 20  # the P(alive) map's columns: equal buckets of whole time units up to the largest T

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

# Customer value (BG/NBD, Gamma-Gamma): read only where the value step has written its tables.
VALUE_QUERIES = {
    "value_fits": "select model, status, detail, parameters, log_likelihood, customers, customers_left_out, "
    f"frequency_spend_correlation, time_unit, horizon from {VALUE_FITS} where run_id in {VALUE_RUN} order by model",
    "value_by_segment": """
        select kmeans_segment as segment, measure, count(*) as customers,
               min(value) as min_value, percentile_approx(value, 0.05) as p05, percentile_approx(value, 0.25) as q1,
               percentile_approx(value, 0.5) as median, percentile_approx(value, 0.75) as q3,
               percentile_approx(value, 0.95) as p95, max(value) as max_value, avg(value) as mean_value
        from analytics.customer_segments
        lateral view stack(2, 'p_alive', p_alive, 'clv', clv) measures as measure, value
        where value is not null
        group by 1, 2 order by 1, 2""",
    "p_alive_map": f"""
        with bucket as (select greatest(ceil(max(t) / {RECENCY_BUCKETS}), 1) as width from ml.ml_customer_value),
        cells as (
            select least(frequency, {FREQUENCY_CAP}) as frequency, floor(recency / width) * width as recency_from,
                   width, p_alive
            from ml.ml_customer_value cross join bucket
            where p_alive is not null)
        select frequency, recency_from, max(width) as width, avg(p_alive) as mean_p_alive, count(*) as customers
        from cells group by 1, 2 order by 1, 2""",
}


def plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark decimals arrive as Decimal objects, which charts cannot serialize: make them floats."""
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


def read_dashboard_data(spark: SparkSession, sections: Sections) -> DashboardData:
    """The source's queries and the shared segment queries, each a small aggregate (see above). The
    customer value queries are left out for a warehouse built before the value step existed."""
    queries = {**sections.queries, **SEGMENT_QUERIES}
    if spark.catalog.tableExists(VALUE_FITS):
        queries.update(VALUE_QUERIES)
    data = {name: plain_numbers(spark.sql(query).toPandas()) for name, query in queries.items()}
    data["run"] = pd.DataFrame([{"currency": sections.currency}])
    return data


def currency(data: DashboardData) -> str:
    return data["run"]["currency"].iloc[0]
