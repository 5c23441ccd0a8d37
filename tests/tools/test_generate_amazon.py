"""`segments generate amazon-reviews`: the published McAuley Lab schema and its key order, the real
Electronics files' shapes on one chunk of users and on the item catalogue, determinism for a seed,
and the files Spark writes (gzipped JSON Lines with nulls written out, and Parquet)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segments.errors import UserError
from tools.cli import build_parser
from tools.generate import AmazonReviewsOptions, generate_amazon_reviews
from tools.generate.amazon_reviews import (
    META_SCHEMA,
    REVIEW_SCHEMA,
    USERS_PER_CHUNK,
    catalogue,
    default_items,
    generate_meta,
    generate_reviews,
    item_chunks,
    review_count,
)

REVIEW_KEYS = [
    "rating",
    "title",
    "text",
    "images",
    "asin",
    "parent_asin",
    "user_id",
    "timestamp",
    "helpful_vote",
    "verified_purchase",
]
REVIEW_IMAGE_KEYS = ["small_image_url", "medium_image_url", "large_image_url", "attachment_type"]
META_KEYS = [
    "main_category",
    "title",
    "average_rating",
    "rating_number",
    "features",
    "description",
    "price",
    "images",
    "videos",
    "store",
    "categories",
    "details",
    "parent_asin",
    "bought_together",
]
META_IMAGE_KEYS = ["thumb", "large", "variant", "hi_res"]
USERS = 4_200_000  # about 10 M reviews: the catalogue of the benchmark size
SEED = 42


def ms(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)


@cache
def shared(users: int = USERS, seed: int = SEED):
    return catalogue(users, seed)


@cache
def reviews():
    """One full chunk of users (about 240,000 reviews) as pandas, without the images column."""
    return generate_reviews(0, USERS_PER_CHUNK, shared(), SEED).drop_columns(["images"]).to_pandas()


@cache
def meta():
    return generate_meta(0, shared(), SEED).to_pandas()


def test_the_schemas_keep_the_published_key_order():
    assert REVIEW_SCHEMA.names == REVIEW_KEYS
    assert [f.name for f in REVIEW_SCHEMA.field("images").type.value_type] == REVIEW_IMAGE_KEYS
    assert META_SCHEMA.names == META_KEYS
    assert [f.name for f in META_SCHEMA.field("images").type.value_type] == META_IMAGE_KEYS
    assert [f.name for f in META_SCHEMA.field("videos").type.value_type] == ["title", "url", "user_id"]
    assert str(META_SCHEMA.field("price").type) == "string"


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    seven, again, eight = catalogue(20_000, 7), catalogue(20_000, 7), catalogue(20_000, 8)
    assert seven.parent_asins.equals(again.parent_asins) and not seven.parent_asins.equals(eight.parent_asins)
    first = generate_reviews(0, 5_000, seven, 7)
    assert first.equals(generate_reviews(0, 5_000, again, 7))
    assert not first.equals(generate_reviews(0, 5_000, eight, 8))
    assert not first.equals(generate_reviews(1, 5_000, seven, 7))  # chunks differ from each other
    assert generate_meta(0, seven, 7).equals(generate_meta(0, again, 7))
    assert not generate_meta(0, seven, 7).equals(generate_meta(0, eight, 8))


def test_reviews_per_user_are_heavy_tailed_around_two_point_four():
    lines = reviews()
    assert len(lines) == review_count(0, USERS_PER_CHUNK, SEED)
    per_user = lines.drop_duplicates().groupby("user_id").size()
    assert len(per_user) == USERS_PER_CHUNK
    assert 2.25 < len(lines) / USERS_PER_CHUNK < 2.55
    assert 0.65 < (per_user == 1).mean() < 0.75 and per_user.median() == 1
    assert 150 < per_user.max() <= 500
    assert lines.user_id.str.fullmatch(r"A[0-9A-Z]{27}").all()


def test_items_one_per_27_reviews_heavy_tailed_some_missing_from_the_metadata_some_variants():
    items = shared()
    assert default_items(USERS) == items.items == round(USERS * 2.4 / 27)
    assert default_items(10) == 50
    asins = items.parent_asins.to_numpy(zero_copy_only=False)
    variants = set(items.variant_asins.to_pylist())
    assert len(set(asins)) == len(asins) and not variants & set(asins)
    assert all(len(a) == 10 and a.startswith("B0") and a.isalnum() and a.upper() == a for a in asins[:1000])

    lines = reviews()
    in_meta = set(asins[: items.items])
    missing = ~lines.parent_asin.isin(in_meta)
    assert 0.003 < missing.mean() < 0.008
    per_item = lines[~missing].groupby("parent_asin").size()
    assert per_item.max() > 100 * per_item.median()  # heavy-tailed popularity
    variant = lines.asin != lines.parent_asin
    assert 0.05 < variant.mean() < 0.3 and lines.asin[variant].isin(variants).all()


def test_ratings_votes_verified_duplicates_and_dates_follow_the_real_files():
    lines = reviews()
    shares = lines.rating.value_counts(normalize=True)
    for stars, share in zip([1.0, 2.0, 3.0, 4.0, 5.0], [0.11, 0.06, 0.08, 0.15, 0.60]):
        assert abs(shares[stars] - share) < 0.01
    assert 0.65 < (lines.helpful_vote == 0).mean() < 0.75 and lines.helpful_vote.max() > 100
    assert 0.91 < lines.verified_purchase.mean() < 0.93

    repeated = lines.duplicated()
    assert 0.008 < repeated.mean() < 0.012
    same_as_previous = (lines == lines.shift()).all(axis=1)
    assert (same_as_previous == repeated).all()  # each duplicate right after its original

    assert ms(2015, 1, 1) <= lines.timestamp.min() and lines.timestamp.max() < ms(2023, 10, 1)
    years = (lines.timestamp // 1000).astype("datetime64[s]").dt.year.value_counts()
    assert years[2016] < years[2019] < years[2022]
    unique = lines.drop_duplicates()
    assert (unique.groupby("user_id").timestamp.nunique() == unique.groupby("user_id").size()).all()


def test_titles_and_texts_are_ascii_words_with_log_normal_lengths_and_a_few_placeholders():
    lines = reviews()
    lengths = lines.text.str.len()
    assert 120 < lengths.median() < 180 and lengths.mean() > 1.3 * lengths.median()
    assert (lengths > 0).all() and lines.text.map(str.isascii).all() and lines.title.map(str.isascii).all()
    assert 0.001 < (lines.title == "None").mean() < 0.006
    assert 0.0005 < (lines.title == "").mean() < 0.005
    assert (lines.title == "Five Stars").mean() > 0.02
    images = generate_reviews(0, 20_000, shared(), SEED).column("images")
    with_image = pc.list_value_length(images).to_numpy()
    assert 0.01 < (with_image > 0).mean() < 0.03 and with_image.max() == 1


def test_metadata_prices_are_strings_mostly_missing_or_unparseable():
    items = meta()
    price = items.price
    parseable = price.str.fullmatch(r"\$?\d{1,3}(,\d{3})*\.\d\d|\d+\.\d\d", na=False)
    amount = price[parseable].str.replace(r"[$,]", "", regex=True).astype(float)
    assert 0.29 < parseable.mean() < 0.37
    assert 0.45 < (price == "None").mean() < 0.55 and 0.06 < price.isna().mean() < 0.1
    for text in ("", "\u2014", "Currently unavailable.", "$0.00"):
        assert (price == text).any(), text
    assert price.str.fullmatch(r"\$\d+\.\d\d - \$[\d,]+\.\d\d", na=False).mean() > 0.02
    assert price.str.fullmatch(r"\$\d,\d{3}\.\d\d", na=False).any()  # thousands separators from $1,000
    assert price.str.fullmatch(r"\d+\.\d\d", na=False).mean() > 0.1  # and plain numbers
    assert 20 < amount[amount > 0].median() < 45 and (amount > 1000).any() and (amount <= 0).any()


def test_metadata_lines_describe_each_item_once():
    items = meta()
    assert len(items) == 50_000 and items.parent_asin.is_unique
    assert items.bought_together.isna().all()
    assert {"All Electronics", "Computers", "Cell Phones & Accessories", "Amazon Home"} <= set(items.main_category)
    assert items.average_rating.between(1, 5).all() and (items.rating_number >= 1).all()
    assert 0.02 < (items.videos.str.len() > 0).mean() < 0.06
    assert (items.categories.str.len() == 0).mean() < 0.2
    assert items.categories.map(lambda path: len(path) == 0 or path[0] == "Electronics").all()
    with_store = items.store.notna()
    assert 0.97 < with_store.mean() < 1
    assert items.details[with_store].map(lambda pairs: pairs[0][0] == "Brand").all()
    assert not items.details[~with_store].map(lambda pairs: any(key == "Brand" for key, _ in pairs)).any()
    small = catalogue(300_000, 5)
    asins = [
        a for c in range(item_chunks(small.items)) for a in generate_meta(c, small, 5).column("parent_asin").to_pylist()
    ]
    assert len(asins) == len(set(asins)) == small.items


def test_options_are_checked_before_spark_starts(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="already exists"):
        AmazonReviewsOptions(users=10, out=tmp_path / "taken").check()
    AmazonReviewsOptions(users=10, out=tmp_path / "taken", overwrite=True).check()
    with pytest.raises(UserError, match="is a file"):
        AmazonReviewsOptions(users=10, out=tmp_path / "file", overwrite=True).check()
    with pytest.raises(UserError, match="at least 1"):
        AmazonReviewsOptions(users=0, out=tmp_path / "new").check()
    with pytest.raises(UserError, match="unknown format"):
        AmazonReviewsOptions(users=10, out=tmp_path / "new", format="csv").check()


def test_the_command_explains_itself_and_reads_sizes_such_as_four_point_two_million(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["generate", "amazon-reviews", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "usage: segments-dev generate amazon-reviews" in text and "--users" in text and "--meta OUT/meta" in text
    args = build_parser().parse_args(["generate", "amazon-reviews", "--users", "4.2M", "--out", "x"])
    assert (args.users, args.seed, args.format, args.overwrite) == (4_200_000, 42, "jsonl", False)


def read_lines(files) -> list[str]:
    return [line for path in files for line in gzip.open(path, "rt", encoding="utf-8").read().splitlines()]


def test_spark_writes_the_published_json_lines_and_parquet_deterministically(spark, tmp_path):
    users = 2_000

    def generate(name: str, seed: int = 3, fmt: str = "jsonl"):
        options = AmazonReviewsOptions(users=users, out=tmp_path / name, seed=seed, format=fmt)
        return generate_amazon_reviews(spark, options)

    first, again, other = generate("a"), generate("b"), generate("c", seed=4)
    assert first.review_files and first.meta_files
    assert all(p.parent == first.out / "reviews" and p.name.endswith(".json.gz") for p in first.review_files)
    assert all(p.parent == first.out / "meta" and p.name.endswith(".json.gz") for p in first.meta_files)

    review_lines, meta_lines = read_lines(first.review_files), read_lines(first.meta_files)
    assert len(review_lines) == first.reviews > 2 * users and len(meta_lines) == first.items == default_items(users)
    records = [json.loads(line) for line in review_lines]
    assert all(list(record) == REVIEW_KEYS for record in records)
    photos = [image for record in records for image in record["images"]]
    assert photos and all(list(image) == REVIEW_IMAGE_KEYS for image in photos)
    items = [json.loads(line) for line in meta_lines]
    assert all(list(item) == META_KEYS for item in items)
    assert all(item["bought_together"] is None for item in items)
    assert all('"bought_together":null' in line for line in meta_lines)  # nulls written, not left out
    assert any('"price":null' in line for line in meta_lines) and any('"hi_res":null' in line for line in meta_lines)
    assert all(list(image) == META_IMAGE_KEYS for item in items for image in item["images"])
    assert all(isinstance(item["details"], dict) and isinstance(item["price"], (str, type(None))) for item in items)

    assert review_lines == read_lines(again.review_files) and meta_lines == read_lines(again.meta_files)
    assert review_lines != read_lines(other.review_files) and meta_lines != read_lines(other.meta_files)

    parquet = generate("d", fmt="parquet")
    assert parquet.review_files[0].name.endswith(".parquet") and parquet.meta_files[0].name.endswith(".parquet")
    review_table, meta_table = pq.read_table(parquet.out / "reviews"), pq.read_table(parquet.out / "meta")
    assert review_table.column_names == REVIEW_KEYS and meta_table.column_names == META_KEYS
    assert review_table.num_rows == first.reviews and meta_table.num_rows == first.items
    assert review_table.column("user_id").to_pylist() == [r["user_id"] for r in records]
    assert np.isclose(pc.sum(review_table.column("rating")).as_py(), sum(r["rating"] for r in records))
