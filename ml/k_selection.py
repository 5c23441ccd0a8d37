"""Fit K-Means for a range of k, record WCSS and silhouette, and choose k.

`--k auto` rule: the elbow of the WCSS curve (Kneedle, via the `kneed` library: convex, decreasing)
gives a candidate; of the elbow and its two neighbours, the k with the highest silhouette wins (ties:
the smaller k). Without a detectable elbow, the k with the highest silhouette wins.

In an embedded session every fit runs at once, each in its own thread: at a few thousand customers a
fit is mostly Spark job scheduling and driver work (about 1.5 s each, one small job per iteration),
and the fits are independent, with the same results in any order (each is seeded). All nine at once
finished the real file's search 0.3-1.7 s sooner than three at a time, with less CPU, in a warm
session, and 1.5-3.3 s sooner from a cold one: no thread waits behind a long fit while a core idles.
Over Spark Connect they run one at a time: with fits in threads, a model's server-side cache entry
outlived ml/connect_release.py's block and its finalizer later deadlocked the client (seen in CI).

Silhouette is quadratic in the rows it scores, so above SILHOUETTE_SAMPLE_ROWS customers it is
computed on a deterministic sample of about that many rows (Bernoulli sample with the run's seed).
WCSS always covers every customer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kneed import KneeLocator
from pyspark.ml.clustering import KMeans, KMeansModel
from pyspark.ml.evaluation import ClusteringEvaluator
from pyspark.sql import DataFrame

from ml.features import FEATURES
from segments.warehouse.session import is_connect

SILHOUETTE_SAMPLE_ROWS = 50_000


@dataclass(frozen=True)
class KResult:
    k: int
    wcss: float
    silhouette: float
    seconds: float = 0.0  # fit + silhouette wall time


def kmeans(k: int, seed: int) -> KMeans:
    return KMeans(
        k=k, seed=seed, featuresCol=FEATURES, predictionCol="cluster_id", initMode="k-means||", maxIter=30, tol=1e-4
    )


def silhouette_sample(features: DataFrame, rows: int, seed: int) -> DataFrame:
    if rows <= SILHOUETTE_SAMPLE_ROWS:
        return features
    return features.sample(fraction=SILHOUETTE_SAMPLE_ROWS / rows, seed=seed)


def evaluate_k(
    features: DataFrame,
    rows: int,
    ks: list[int],
    seed: int,
    say: Callable[[str], None] = lambda _: None,
    threads: int | None = None,
) -> tuple[list[KResult], dict[int, KMeansModel]]:
    """Fit every k on the (cached) scaled features of `rows` customers, `threads` fits at a time
    (default: all of them embedded, 1 over Spark Connect); WCSS on all rows, silhouette on the
    sample."""
    if threads is None:
        threads = 1 if is_connect(features.sparkSession) else len(ks)
    sample = silhouette_sample(features, rows, seed).cache()

    def fit(k: int) -> tuple[KResult, KMeansModel]:
        started = time.monotonic()
        model = kmeans(k, seed).fit(features)
        evaluator = ClusteringEvaluator(
            featuresCol=FEATURES,
            predictionCol="cluster_id",
            metricName="silhouette",
            distanceMeasure="squaredEuclidean",
        )
        silhouette = evaluator.evaluate(model.transform(sample))
        return KResult(k, model.summary.trainingCost, silhouette, time.monotonic() - started), model

    results, models = [], {}
    # one at a time: in the calling thread, as Spark Connect needs it
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="k-search") if threads > 1 else None
    try:
        # in k order, each as soon as it and those before are done
        for result, model in pool.map(fit, ks) if pool else map(fit, ks):
            results.append(result)
            models[result.k] = model
            say(f"      k={result.k:<3} WCSS {result.wcss:>12,.1f}   silhouette {result.silhouette:.4f}")
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)  # after an error or Ctrl-C, no fit that has not started
        sample.unpersist()
    return results, models


def elbow(results: list[KResult]) -> int | None:
    if len(results) < 3:
        return None
    locator = KneeLocator([r.k for r in results], [r.wcss for r in results], curve="convex", direction="decreasing")
    return int(locator.knee) if locator.knee is not None else None


def choose_k(results: list[KResult]) -> int:
    """The `auto` rule described in the module docstring."""
    knee = elbow(results)
    candidates = [r for r in results if knee is None or abs(r.k - knee) <= 1]
    return max(candidates, key=lambda r: (r.silhouette, -r.k)).k
