"""RFM features for K-Means: log1p of recency, frequency and monetary, then standardized.

The log tames the heavy tails (a few customers spend 1000x the median); standardizing gives the
three features equal weight. Both are stages of the saved PipelineModel, so scoring applies exactly
the transformation the model was fitted on.
"""

from __future__ import annotations

from pyspark.ml import Pipeline
from pyspark.ml.feature import SQLTransformer, StandardScaler, VectorAssembler

RFM_COLUMNS = ("recency_days", "frequency", "monetary")
LOG_COLUMNS = tuple(f"log_{name}" for name in RFM_COLUMNS)
FEATURES = "features"


def feature_pipeline() -> Pipeline:
    logs = ", ".join(f"log1p(cast({name} as double)) as log_{name}" for name in RFM_COLUMNS)
    return Pipeline(stages=[
        SQLTransformer(statement=f"select *, {logs} from __THIS__"),
        VectorAssembler(inputCols=list(LOG_COLUMNS), outputCol="log_rfm"),
        StandardScaler(inputCol="log_rfm", outputCol=FEATURES, withMean=True, withStd=True),
    ])
