"""`segments score`: assign customers with the saved model, then rebuild the segment tables."""

from __future__ import annotations

from pathlib import Path

from ml.segmentation import latest_model, score_customers
from segments.errors import UserError
from segments.pipeline.run import SEGMENTS_BUILD, WITHOUT_UNIT_TESTS
from segments.settings import Settings
from segments.warehouse.dbt_runner import run_dbt
from segments.warehouse.session import embedded_session


def score_and_rebuild(settings: Settings, model: Path | None = None) -> list[str]:
    model = model or latest_model(settings.models_dir)
    if model is None:
        raise UserError(
            f"no fitted model under {settings.models_dir / 'kmeans'}", "Run `segments run` first, or give --model PATH"
        )
    if not (model / "segments.json").is_file():
        raise UserError(
            f"{model} is not a model saved by `segments run` (no segments.json)",
            "Give a folder under <state>/models/kmeans/",
        )
    spark = embedded_session(settings)
    if not spark.catalog.tableExists("analytics.fct_customer_rfm"):
        raise UserError("there is no analytics.fct_customer_rfm to score", "Run `segments run` first")
    if not spark.catalog.tableExists("ml.ml_customer_value"):
        raise UserError("there are no customer values (ml.ml_customer_value) to keep", "Run `segments run` first")
    lines: list[str] = []
    result = score_customers(spark, model, say=lines.append)
    run_dbt(settings, SEGMENTS_BUILD + WITHOUT_UNIT_TESTS, lines.append)
    lines.append(f"run {result.run_id}: " + ", ".join(f"{name} {n:,}" for name, n in sorted(result.sizes.items())))
    return lines
