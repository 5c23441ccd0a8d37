"""Fit K-Means for a range of k, record WCSS and silhouette, and choose k.

`--k auto` rule: the elbow of the WCSS curve (Kneedle, via the `kneed` library: convex, decreasing)
gives a candidate; of the elbow and its two neighbours, the k with the highest silhouette wins (ties:
the smaller k). Without a detectable elbow, the k with the highest silhouette wins.

Silhouette is quadratic in the rows it scores, so above SILHOUETTE_SAMPLE_ROWS customers it is
computed on a deterministic sample of about that many rows (Bernoulli sample with the run's seed).
WCSS always covers every customer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from kneed import KneeLocator
from pyspark.ml.clustering import KMeans, KMeansModel
from pyspark.ml.evaluation import ClusteringEvaluator
from pyspark.sql import DataFrame

from ml.features import FEATURES

SILHOUETTE_SAMPLE_ROWS = 50_000


@dataclass(frozen=True)
class KResult:
    k: int
    wcss: float
    silhouette: float
    seconds: float = 0.0  # fit + silhouette wall time


def kmeans(k: int, seed: int) -> KMeans:
    return KMeans(k=k, seed=seed, featuresCol=FEATURES, predictionCol="cluster_id",
                  initMode="k-means||", maxIter=30, tol=1e-4)


def silhouette_sample(features: DataFrame, rows: int, seed: int) -> DataFrame:
    if rows <= SILHOUETTE_SAMPLE_ROWS:
        return features
    return features.sample(fraction=SILHOUETTE_SAMPLE_ROWS / rows, seed=seed)


def evaluate_k(
    features: DataFrame, rows: int, ks: list[int], seed: int, say: Callable[[str], None] = lambda _: None,
) -> tuple[list[KResult], dict[int, KMeansModel]]:
    """Fit every k on the (cached) scaled features of `rows` customers; WCSS on all rows,
    silhouette on the sample."""
    sample = silhouette_sample(features, rows, seed).cache()
    evaluator = ClusteringEvaluator(featuresCol=FEATURES, predictionCol="cluster_id",
                                    metricName="silhouette", distanceMeasure="squaredEuclidean")
    results, models = [], {}
    try:
        for k in ks:
            started = time.monotonic()
            model = kmeans(k, seed).fit(features)
            silhouette = evaluator.evaluate(model.transform(sample))
            results.append(KResult(k, model.summary.trainingCost, silhouette, time.monotonic() - started))
            models[k] = model
            say(f"      k={k:<3} WCSS {model.summary.trainingCost:>12,.1f}   silhouette {silhouette:.4f}")
    finally:
        sample.unpersist()
    return results, models


def elbow(results: list[KResult]) -> int | None:
    if len(results) < 3:
        return None
    locator = KneeLocator([r.k for r in results], [r.wcss for r in results],
                          curve="convex", direction="decreasing")
    return int(locator.knee) if locator.knee is not None else None


def choose_k(results: list[KResult]) -> int:
    """The `auto` rule described in the module docstring."""
    knee = elbow(results)
    candidates = [r for r in results if knee is None or abs(r.k - knee) <= 1]
    return max(candidates, key=lambda r: (r.silhouette, -r.k)).k
