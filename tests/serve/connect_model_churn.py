"""Run as `python -m tests.connect_model_churn sc://HOST:PORT`: fit and drop K-Means models over Spark
Connect inside `models_released_at_exit`, with the garbage collector running on almost every
allocation, so that an unguarded finaliser would fire inside an RPC. Prints one JSON line: the model
ids dropped, those queued inside the block, those still on the server inside it and after it."""

from __future__ import annotations

import gc
import json
import sys

from pyspark.ml.clustering import KMeans
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession

from ml.connect_release import models_released_at_exit


def cached_ids(spark: SparkSession) -> list[str]:
    # each entry reads "id: <uuid>, obj: class ..., size: ..."
    return [entry.split(",")[0].removeprefix("id: ") for entry in spark.client._get_ml_cache_info()]


def main(url: str, fits: int = 10) -> None:
    spark = SparkSession.builder.remote(url).getOrCreate()
    points = spark.createDataFrame([(Vectors.dense([float(i % 7), float(i % 3)]),) for i in range(60)], ["features"])
    dropped: list[str] = []
    with models_released_at_exit(spark) as queued:
        gc.set_threshold(1)
        for _ in range(fits):
            model = KMeans(k=2, seed=1).fit(points)
            model.cycle = model  # garbage that only the cyclic collector frees, at a moment it chooses
            dropped.append(str(model._java_obj))
            del model
            spark.range(10).collect()
        gc.collect()
        inside = {"queued": list(queued), "on_server": cached_ids(spark)}
    print(json.dumps({"dropped": dropped, **inside, "after": cached_ids(spark)}))


if __name__ == "__main__":
    main(sys.argv[1])
