"""K-Means segmentation on planted clusters: names, reproducibility, write-back, model reload."""

from __future__ import annotations

import collections

import pytest
from pyspark.sql import functions as F

from ml.segmentation import SegmentationOptions, latest_model, score_customers, segment_customers
from segments.errors import UserError

PLANTED = "test_ml.planted_rfm"
# group -> (recency range, frequency range, monetary range), compact and well apart in log space
GROUPS = {
    "VIP": ((5, 10), (25, 35), (8000, 12000)),
    "Potential": ((40, 60), (5, 7), (1000, 1500)),
    "New": ((10, 20), (1, 1), (80, 120)),
    "Churned": ((250, 350), (1, 1), (80, 120)),
}
PER_GROUP = 150


def _between(low: float, high: float, seed: int):
    return F.lit(low) + F.rand(seed) * F.lit(high - low)


@pytest.fixture(scope="module")
def planted(spark):
    spark.sql("create database if not exists test_ml")
    parts = []
    for index, (name, (recency, frequency, monetary)) in enumerate(GROUPS.items()):
        parts.append(
            spark.range(PER_GROUP).select(
                F.concat(F.lit(f"{index}-"), F.col("id").cast("string")).alias("customer_id"),
                F.lit(name).alias("planted_segment"),
                F.round(_between(*recency, seed=10 + index)).cast("int").alias("recency_days"),
                F.round(_between(*frequency, seed=20 + index)).cast("int").alias("frequency"),
                F.round(_between(*monetary, seed=30 + index), 2).alias("monetary"),
            )
        )
    frame = parts[0]
    for part in parts[1:]:
        frame = frame.unionByName(part)
    frame.write.mode("overwrite").saveAsTable(PLANTED)
    return PLANTED


@pytest.fixture(scope="module")
def segmented(spark, settings, planted):
    result = segment_customers(spark, settings.models_dir, SegmentationOptions(k=4, k_min=2, k_max=6), source=planted)
    rows = spark.sql(f"""
        select c.*, p.planted_segment from ml.ml_customer_clusters c join {planted} p using (customer_id)
    """).collect()
    return result, [r.asDict() for r in rows]


def test_planted_clusters_get_their_business_names(segmented):
    result, rows = segmented
    assert sorted(result.names.values()) == sorted(GROUPS)
    assert len(rows) == PER_GROUP * len(GROUPS)
    mismatches = collections.Counter(
        (r["planted_segment"], r["segment"]) for r in rows if r["segment"] != r["planted_segment"]
    )
    assert not mismatches


def test_write_back_schema_and_k_selection(spark, segmented):
    result, _ = segmented
    clusters = spark.table("ml.ml_customer_clusters")
    assert [(f.name, f.dataType.simpleString()) for f in clusters.schema] == [
        ("run_id", "string"),
        ("customer_id", "string"),
        ("cluster_id", "int"),
        ("segment", "string"),
        ("distance_to_centroid", "double"),
        ("scored_at", "timestamp"),
    ]
    selection = spark.sql(f"select * from ml.ml_k_selection where run_id = '{result.run_id}' order by k").collect()
    assert [r["k"] for r in selection] == [2, 3, 4, 5, 6]
    assert [r["k"] for r in selection if r["is_chosen"]] == [4]
    assert all(r["wcss"] > 0 and -1 <= r["silhouette"] <= 1 for r in selection)
    assert selection[2]["wcss"] < selection[0]["wcss"]


def test_same_seed_same_labels_other_seed_same_customers(spark, settings, planted, segmented):
    _, first = segmented
    before = {r["customer_id"]: (r["cluster_id"], r["segment"], r["distance_to_centroid"]) for r in first}
    segment_customers(spark, settings.models_dir, SegmentationOptions(k=4, k_max=6), source=planted)
    again = {
        r["customer_id"]: (r["cluster_id"], r["segment"], r["distance_to_centroid"])
        for r in spark.table("ml.ml_customer_clusters").collect()
    }
    assert again == before
    segment_customers(spark, settings.models_dir, SegmentationOptions(k=4, k_max=6, seed=7), source=planted)
    other = {r["customer_id"]: r["segment"] for r in spark.table("ml.ml_customer_clusters").collect()}
    same = sum(other[c] == before[c][1] for c in before)
    assert same / len(before) >= 0.99


def test_the_same_customers_in_another_layout_get_the_same_clusters(spark, settings):
    # Customers without cluster structure, so K-Means ends where its start puts it; the start follows
    # the input's partitions and row order unless the fit puts the rows in a layout of its own.
    spark.sql("create database if not exists test_ml")
    shapeless = spark.range(3000).select(
        F.format_string("c%05d", "id").alias("customer_id"),
        (F.rand(1) * 365).cast("int").alias("recency_days"),
        (F.rand(2) * 40 + 1).cast("int").alias("frequency"),
        F.round(F.rand(3) * 5000, 2).alias("monetary"),
    )
    shapeless.coalesce(1).write.mode("overwrite").saveAsTable("test_ml.shapeless_one_file")
    shapeless.repartition(5, "monetary").write.mode("overwrite").saveAsTable("test_ml.shapeless_five_files")
    clusters = []
    for table in ("test_ml.shapeless_one_file", "test_ml.shapeless_five_files"):
        segment_customers(spark, settings.models_dir, SegmentationOptions(k=6, k_min=5, k_max=6), source=table)
        clusters.append(
            {
                r["customer_id"]: (r["cluster_id"], r["distance_to_centroid"])
                for r in spark.table("ml.ml_customer_clusters").collect()
            }
        )
    assert len(clusters[0]) == 3000
    assert clusters[0] == clusters[1]


def test_the_saved_model_scores_like_the_fitted_one(spark, settings, planted):
    fitted = segment_customers(spark, settings.models_dir, SegmentationOptions(k=4, k_max=5), source=planted)
    expected = {
        r["customer_id"]: (r["segment"], r["distance_to_centroid"])
        for r in spark.table("ml.ml_customer_clusters").collect()
    }
    assert latest_model(settings.models_dir) == fitted.model_path
    rescored = score_customers(spark, fitted.model_path, source=planted)
    assert rescored.run_id != fitted.run_id
    assert {
        r["customer_id"]: (r["segment"], r["distance_to_centroid"])
        for r in spark.table("ml.ml_customer_clusters").collect()
    } == expected


def test_readers_see_a_view_on_the_latest_complete_version(spark):
    published = {r["tableName"] for r in spark.sql("show tables in ml").collect()}
    assert not [t for t in published if "__" in t]  # BI users see the published names only
    tables = {r["tableName"] for r in spark.sql("show tables in ml_versions").collect()}
    versions = sorted(t for t in tables if t.startswith("ml_customer_clusters__v"))
    assert len(versions) == 2  # the latest and the one before it; older ones are dropped
    definition = spark.sql("show create table ml.ml_customer_clusters").first()[0]
    assert versions[-1] in definition.lower()


def test_too_few_customers_for_the_k_range_is_a_clear_error(spark, settings, planted):
    spark.sql(f"create or replace temporary view few as select * from {planted} limit 5")
    with pytest.raises(UserError, match="has 5 customers: too few for k up to 10.*--k-max 4"):
        segment_customers(spark, settings.models_dir, SegmentationOptions(), source="few")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SegmentationOptions(k=11), "k = 11 is not in the k range 2..10"),
        (SegmentationOptions(k_min=1), "the k range 1..10 is not valid"),
        (SegmentationOptions(k_max=12), "the k range 2..12 is not valid"),
    ],
)
def test_invalid_options_are_refused(options, message):
    with pytest.raises(UserError, match=message):
        options.check()


def test_k_fits_in_parallel_give_the_results_of_one_at_a_time(spark, planted):
    from ml.features import FEATURES, feature_pipeline
    from ml.k_selection import evaluate_k

    rfm = spark.table(planted)
    features = feature_pipeline().fit(rfm).transform(rfm).select("customer_id", FEATURES).cache()
    rows = features.count()
    said: list[str] = []
    try:
        alone, _ = evaluate_k(features, rows, [2, 3, 4, 5], seed=42, threads=1)
        # the default in an embedded session: every fit at once
        parallel, models = evaluate_k(features, rows, [2, 3, 4, 5], seed=42, say=said.append)
    finally:
        features.unpersist()
    assert [(r.k, r.wcss, r.silhouette) for r in parallel] == [(r.k, r.wcss, r.silhouette) for r in alone]
    assert sorted(models) == [2, 3, 4, 5]
    assert [line.split()[0] for line in said] == ["k=2", "k=3", "k=4", "k=5"]  # progress in k order
