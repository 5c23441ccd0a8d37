"""Customer segmentation on Apache Spark: dbt models, MLlib clustering and data checks."""

__version__ = "0.1.0"
