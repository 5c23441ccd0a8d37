"""RFM features for K-Means: log1p of recency, frequency and monetary, then standardized.

The log tames the heavy tails (a few customers spend 1000x the median); standardizing gives the
three features equal weight. Both are stages of the saved PipelineModel, so scoring applies exactly
the transformation the model was fitted on.
"""

from __future__ import annotations

import math

from pyspark.ml import Pipeline
from pyspark.ml.feature import SQLTransformer, StandardScaler, VectorAssembler
from pyspark.sql import DataFrame

RFM_COLUMNS = ("recency_days", "frequency", "monetary")
LOG_COLUMNS = tuple(f"log_{name}" for name in RFM_COLUMNS)
FEATURES = "features"


def feature_pipeline() -> Pipeline:
    logs = ", ".join(f"log1p(cast({name} as double)) as log_{name}" for name in RFM_COLUMNS)
    return Pipeline(
        stages=[
            SQLTransformer(statement=f"select *, {logs} from __THIS__"),
            VectorAssembler(inputCols=list(LOG_COLUMNS), outputCol="log_rfm"),
            StandardScaler(inputCol="log_rfm", outputCol=FEATURES, withMean=True, withStd=True),
        ]
    )


# Customers per partition of the canonical layout below: a few partitions at 50 M lines (400,000
# customers), enough for both cores of the k search, and one for the real file's 4,335.
CUSTOMERS_PER_PARTITION = 100_000


def canonical_layout(rfm: DataFrame, customers: int) -> DataFrame:
    """The RFM rows in a layout that depends on the customers alone: hash partitions of customer_id,
    sorted within each.

    K-Means|| seeds its sampling per partition and the scaler sums in row order, so the same
    customers read in another layout give other clusters. The layout of the RFM table follows how
    Spark happened to split its inputs upstream (even the length of the input file's path changes
    it), so fitting on it as read made the segments depend on where the project was checked out.
    """
    partitions = max(1, math.ceil(customers / CUSTOMERS_PER_PARTITION))
    return rfm.repartition(partitions, "customer_id").sortWithinPartitions("customer_id")
