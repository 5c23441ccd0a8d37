"""McAuley Lab Amazon Reviews 2023: the reviews (--data) and the item metadata (--meta) as published
(JSON Lines, gzipped or not, or Parquet); a verified review counts as a purchase at the item's
price. Models: models/sources/amazon_reviews/."""

from __future__ import annotations

from segments.errors import UserError
from segments.sources.amazon_reviews import dashboard, quality
from segments.sources.amazon_reviews.ingest import ITEMS, REVIEWS, check_amazon_inputs, ingest_amazon_reviews
from segments.sources.base import Inputs, Source
from segments.sources.files import CheckedInputs


def _check(inputs: Inputs) -> tuple[CheckedInputs, CheckedInputs]:
    data, meta = inputs.data, inputs.meta
    if not (data and meta):
        raise UserError(
            "--source amazon_reviews needs the reviews (--data) and the item metadata (--meta)",
            "e.g. segments run --source amazon_reviews --data Electronics.jsonl.gz --meta meta_Electronics.jsonl.gz",
        )
    return check_amazon_inputs(REVIEWS, data), check_amazon_inputs(ITEMS, meta)


SOURCE = Source(
    name="amazon_reviews",
    help="McAuley Lab Amazon Reviews 2023: --data names the reviews, --meta the item metadata; "
    "verified reviews count as purchases at the item's price",
    datasets=frozenset({REVIEWS.name, ITEMS.name}),
    lines_dataset=REVIEWS.name,
    check_inputs=_check,
    ingest=lambda spark, checked: ingest_amazon_reviews(spark, *checked),
    quality_layers=quality.LAYERS,
    quality_tables=quality.TABLES,
    dashboard=dashboard.SECTIONS,
    result_tables=("analytics.audit_amazon_items",),
    bench_generator="tools.generate.amazon_reviews",
    options=frozenset({"meta"}),
)
