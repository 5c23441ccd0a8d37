"""Fit, name, score and write back: the ml step of `segments run`, and `segments score`.

Tables (schema `ml`, declared as the dbt source `ml`):
  ml_k_selection(run_id, k, wcss, silhouette, is_chosen)   every run's k search, history kept
  ml_clusters(run_id, cluster_id, segment, customers, mean/median recency, frequency, monetary,
              centroid_* in scaled units)                  the chosen model's clusters
  ml_customer_clusters(run_id, customer_id, cluster_id, segment, distance_to_centroid, scored_at)
The fitted PipelineModel is saved under <state>/models/kmeans/<run_id>/ with its segment names.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.ml import PipelineModel
from pyspark.ml.functions import vector_to_array
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ml.connect_release import models_released_at_exit
from ml.features import FEATURES, RFM_COLUMNS, canonical_layout, feature_pipeline
from ml.k_selection import KResult, choose_k, evaluate_k
from ml.labels import SEGMENT_NAMES, Centroid, name_clusters
from segments.errors import UserError
from segments.warehouse.publish import publish
from segments.warehouse.session import is_connect

RFM_TABLE = "analytics.fct_customer_rfm"
ML_SCHEMA = "ml"  # ml.<name> views; their versions in ml_versions (segments/warehouse/publish.py)
NAMES_FILE = "segments.json"


@dataclass
class SegmentationResult:
    run_id: str
    k: int
    k_results: list[KResult]
    names: dict[int, str]
    model_path: Path
    sizes: dict[str, int] = field(default_factory=dict)
    k_search_seconds: float = 0.0  # wall time of all the fits (they run side by side)


@dataclass(frozen=True)
class SegmentationOptions:
    """k: a number, or "auto" for the rule in ml/k_selection.py; every k in k_min..k_max is fitted."""

    k: int | str = 4
    k_min: int = 2
    k_max: int = 10
    seed: int = 42

    def check(self) -> None:
        if not 2 <= self.k_min <= self.k_max <= len(SEGMENT_NAMES):
            raise UserError(
                f"the k range {self.k_min}..{self.k_max} is not valid",
                f"Use 2 <= k-min <= k-max <= {len(SEGMENT_NAMES)} (there are {len(SEGMENT_NAMES)} segment names)",
            )
        if self.k != "auto" and not (isinstance(self.k, int) and self.k_min <= self.k <= self.k_max):
            raise UserError(
                f"k = {self.k} is not in the k range {self.k_min}..{self.k_max}",
                "Give --k inside --k-min..--k-max, or --k auto",
            )


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _distance(centers: list[list[float]]) -> Column:
    """Euclidean distance from each row's scaled features to its own cluster's centre, in Spark."""
    table = F.array(*(F.array(*(F.lit(float(x)) for x in centre)) for centre in centers))
    centre = F.element_at(table, F.col("cluster_id") + 1)
    squares = F.zip_with(vector_to_array(F.col(FEATURES)), centre, lambda x, c: (x - c) * (x - c))
    return F.sqrt(F.aggregate(squares, F.lit(0.0), lambda acc, x: acc + x))


def _assign(scored: DataFrame, centers: list[list[float]], names: dict[int, str], run_id: str) -> DataFrame:
    segment = F.element_at(
        F.create_map(*(x for cid, name in sorted(names.items()) for x in (F.lit(cid), F.lit(name)))),
        F.col("cluster_id"),
    )
    return scored.select(
        F.lit(run_id).alias("run_id"),
        "customer_id",
        F.col("cluster_id").cast("int").alias("cluster_id"),
        segment.alias("segment"),
        F.round(_distance(centers), 6).alias("distance_to_centroid"),
        F.current_timestamp().alias("scored_at"),
    )


def _cluster_profile(assigned: DataFrame, rfm: DataFrame, centers: list[list[float]], run_id: str) -> DataFrame:
    joined = assigned.join(rfm, "customer_id")
    stats = joined.groupBy("cluster_id", "segment").agg(
        F.count("*").alias("customers"),
        *(F.round(F.avg(c), 2).alias(f"mean_{c}") for c in RFM_COLUMNS),
        *(F.percentile(c, 0.5).alias(f"median_{c}") for c in RFM_COLUMNS),
    )
    centre_rows = F.array(
        *(
            F.struct(
                F.lit(i).alias("cid"), *(F.lit(float(x)).alias(f"centroid_{c}") for x, c in zip(centre, RFM_COLUMNS))
            )
            for i, centre in enumerate(centers)
        )
    )
    centres = assigned.sparkSession.range(1).select(F.inline(centre_rows))
    return (
        stats.join(centres, stats.cluster_id == centres.cid)
        .drop("cid")
        .select(F.lit(run_id).alias("run_id"), "*")
        .orderBy("cluster_id")
    )


def segment_customers(
    spark: SparkSession,
    models_dir: Path,
    options: SegmentationOptions = SegmentationOptions(),
    say: Callable[[str], None] = lambda _: None,
    source: str = RFM_TABLE,
    schema: str = ML_SCHEMA,
) -> SegmentationResult:
    """Fit K-Means for every k in the range, keep k (or the `auto` choice), name, score, write back
    (the backtest reads another RFM table and writes to its own schema)."""
    options.check()
    with models_released_at_exit(spark):  # the fitted models die when _fit_and_publish returns
        return _fit_and_publish(spark, models_dir, options, say, source, schema)


def _fit_and_publish(
    spark: SparkSession,
    models_dir: Path,
    options: SegmentationOptions,
    say: Callable[[str], None],
    source: str,
    schema: str,
) -> SegmentationResult:
    seed = options.seed
    run_id = new_run_id()
    rfm = spark.table(source)
    customers = rfm.count()
    if customers <= options.k_max:
        raise UserError(
            f"{source} has {customers} customers: too few for k up to {options.k_max}",
            f"Use --k-max {max(2, customers - 1)} or fewer (and --k within it), or give more data",
        )
    canonical = canonical_layout(rfm, customers)
    features_model = feature_pipeline().fit(canonical)
    features = features_model.transform(canonical).select("customer_id", FEATURES).cache()
    try:
        features.count()  # fills the cache before the k search's fits read it in parallel
        search_started = time.monotonic()
        results, models = evaluate_k(features, customers, list(range(options.k_min, options.k_max + 1)), seed, say)
        search_seconds = time.monotonic() - search_started
        chosen = choose_k(results) if options.k == "auto" else int(options.k)
        kmeans_model = models[chosen]
        centers = [list(map(float, c)) for c in kmeans_model.clusterCenters()]
        names = name_clusters([Centroid(i, *c) for i, c in enumerate(centers)])
        assigned = _assign(kmeans_model.transform(features), centers, names, run_id)
        publish(spark, assigned, schema, "ml_customer_clusters")
    finally:
        features.unpersist()
    model_path = models_dir / "kmeans" / run_id

    def save_model() -> None:
        PipelineModel(stages=[*features_model.stages, kmeans_model]).write().overwrite().save(str(model_path))
        (model_path / NAMES_FILE).write_text(
            json.dumps(
                {"run_id": run_id, "k": chosen, "seed": seed, "names": {str(c): n for c, n in names.items()}}, indent=2
            )
        )

    profile, _, _ = _side_by_side(
        spark,
        lambda: publish(
            spark,
            _cluster_profile(spark.table(f"{schema}.ml_customer_clusters"), rfm, centers, run_id),
            schema,
            "ml_clusters",
        ),
        lambda: _publish_k_selection(spark, results, chosen, run_id, schema),
        save_model,
    )
    # the cluster profile already counts each segment's customers: no second pass over them
    sizes = {r["segment"]: r["customers"] for r in spark.table(profile).collect()}
    return SegmentationResult(run_id, chosen, results, names, model_path, sizes, search_seconds)


def _side_by_side(spark: SparkSession, *steps: Callable[[], Any]) -> list[Any]:
    """Run independent steps and return their results in order. Each is a chain of small Spark jobs
    and metastore calls that keeps about one core busy: in an embedded session they run at once, in
    threads; over Spark Connect one after the other, as the k search's fits do."""
    if is_connect(spark):
        return [step() for step in steps]
    with ThreadPoolExecutor(max_workers=len(steps), thread_name_prefix="ml-publish") as pool:
        futures = [pool.submit(step) for step in steps]
        return [future.result() for future in futures]


def _publish_k_selection(spark: SparkSession, results: list[KResult], chosen: int, run_id: str, schema: str) -> None:
    rows = F.array(
        *(
            F.struct(
                F.lit(run_id).alias("run_id"),
                F.lit(r.k).alias("k"),
                F.lit(r.wcss).alias("wcss"),
                F.lit(r.silhouette).alias("silhouette"),
                F.lit(r.k == chosen).alias("is_chosen"),
            )
            for r in results
        )
    )
    new = spark.range(1).select(F.inline(rows))
    if spark.catalog.tableExists(f"{schema}.ml_k_selection"):
        new = spark.table(f"{schema}.ml_k_selection").unionByName(new)
    publish(spark, new, schema, "ml_k_selection")


def _segment_sizes(clusters: DataFrame) -> dict[str, int]:
    return {
        r["segment"]: r["customers"] for r in clusters.groupBy("segment").agg(F.count("*").alias("customers")).collect()
    }


def latest_model(models_dir: Path) -> Path | None:
    runs = sorted(p for p in (models_dir / "kmeans").glob("*") if (p / NAMES_FILE).is_file())
    return runs[-1] if runs else None


def score_customers(
    spark: SparkSession,
    model_path: Path,
    say: Callable[[str], None] = lambda _: None,
    source: str = RFM_TABLE,
) -> SegmentationResult:
    """Score every RFM customer with a saved model, without refitting."""
    with models_released_at_exit(spark):
        return _score(spark, model_path, say, source)


def _score(spark: SparkSession, model_path: Path, say: Callable[[str], None], source: str) -> SegmentationResult:
    info = json.loads((model_path / NAMES_FILE).read_text())
    names = {int(c): n for c, n in info["names"].items()}
    model = PipelineModel.load(str(model_path))
    centers = [list(map(float, c)) for c in model.stages[-1].clusterCenters()]
    run_id = new_run_id()
    assigned = _assign(model.transform(spark.table(source)), centers, names, run_id)
    publish(spark, assigned, ML_SCHEMA, "ml_customer_clusters")
    sizes = _segment_sizes(spark.table("ml.ml_customer_clusters"))
    say(f"      scored with the model of run {info['run_id']} (k={info['k']})")
    return SegmentationResult(run_id, info["k"], [], names, model_path, sizes)
