"""What the dashboard shows, read from the warehouse as small aggregates.

Every query returns at most a few hundred rows (per column, month, country, k, segment or score
cell; products and countries are cut to the top N in Spark), so the driver never collects a table
that grows with lines or customers.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from pyspark.sql import SparkSession

from segments.report.sections import DashboardData, Sections

CURRENT_RUN = "(select distinct run_id from ml.ml_customer_clusters)"

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


def _plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark decimals arrive as Decimal objects, which charts cannot serialize: make them floats."""
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


def read_dashboard_data(spark: SparkSession, sections: Sections) -> DashboardData:
    """The source's queries and the shared segment queries, each a small aggregate (see above)."""
    queries = {**sections.queries, **SEGMENT_QUERIES}
    data = {name: _plain_numbers(spark.sql(query).toPandas()) for name, query in queries.items()}
    data["run"] = pd.DataFrame([{"currency": sections.currency}])
    return data


def currency(data: DashboardData) -> str:
    return data["run"]["currency"].iloc[0]
