"""`segments generate online-retail`: exact sizes, deterministic for a seed, the real file's shape,
and the generated lines through ingest (Parquet and CSV alike) and the whole pipeline."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from segments.generate import GenerateOptions, generate_online_retail
from segments.generate.online_retail import CHUNK_ROWS, catalogue, default_customers, generate_chunk
from segments.errors import UserError


def chunk(rows: int, seed: int = 7, number: int = 0):
    return generate_chunk(number, rows, catalogue(rows, default_customers(rows), seed), seed)


@pytest.mark.parametrize("rows", [1, 5, 37, 1_000, 25_001])
def test_a_chunk_holds_exactly_the_rows_asked_for(rows):
    assert chunk(rows).num_rows == rows


def test_the_same_seed_gives_the_same_lines_and_another_seed_others():
    assert chunk(5_000).equals(chunk(5_000))
    assert not chunk(5_000).equals(chunk(5_000, seed=8))
    assert not chunk(5_000, number=0).equals(chunk(5_000, number=1))  # chunks differ from each other


def test_the_shape_follows_the_real_file():
    lines = chunk(CHUNK_ROWS).to_pandas()
    purchases = lines[~lines.InvoiceNo.str.startswith("C")]
    lines_per_invoice = purchases.groupby("InvoiceNo").size()
    invoices_per_customer = purchases.dropna(subset=["CustomerID"]).groupby("CustomerID").InvoiceNo.nunique()
    assert 0.22 < lines.CustomerID.isna().mean() < 0.28
    assert 0.008 < lines.duplicated().mean() < 0.02
    assert 0.018 < lines.InvoiceNo.str.startswith("C").mean() < 0.022
    assert (lines.Quantity[lines.InvoiceNo.str.startswith("C")] < 0).all()
    assert 0.0005 < (lines.UnitPrice == 0).mean() < 0.005
    assert lines.StockCode.isin(["POST", "DOT", "M", "C2"]).mean() > 0.002
    assert 17 < lines_per_invoice.mean() < 25 and lines_per_invoice.median() < lines_per_invoice.mean()
    assert invoices_per_customer.max() > 10 * invoices_per_customer.median()  # heavy-tailed
    assert lines.Country.nunique() >= 20 and (lines.Country == "United Kingdom").mean() > 0.8
    assert lines.InvoiceDate.min().year == 2010 and lines.InvoiceDate.max().year == 2011


def test_options_are_checked_before_spark_starts(tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(UserError, match="already exists"):
        GenerateOptions(rows=10, out=tmp_path / "taken").check()
    with pytest.raises(UserError, match="at least 1"):
        GenerateOptions(rows=0, out=tmp_path / "new").check()


def test_spark_writes_exact_deterministic_parquet_and_csv_that_ingest_reads_alike(spark, tmp_path):
    from segments.ingest import ingest

    rows = CHUNK_ROWS + 1  # two chunks, the second of one line
    first = generate_online_retail(spark, GenerateOptions(rows=rows, out=tmp_path / "a", seed=3))
    again = generate_online_retail(spark, GenerateOptions(rows=rows, out=tmp_path / "b", seed=3))
    as_csv = generate_online_retail(spark, GenerateOptions(rows=rows, out=tmp_path / "c", seed=3, format="csv"))
    assert first.rows == rows and len(first.files) == 1 and len(as_csv.files) == 1
    assert pq.read_table(first.files[0]).num_rows == rows
    assert pq.read_table(first.files[0]).equals(pq.read_table(again.files[0]))

    totals = "select count(*), count(nullif(trim(customer_id), '')), sum(unit_price), sum(quantity) from raw.online_retail_lines"
    parquet_result = ingest(spark, [first.out])
    from_parquet = spark.sql(totals).first()
    csv_result = ingest(spark, [as_csv.out])
    assert (parquet_result.rows_loaded, csv_result.rows_loaded) == (rows, rows)
    assert spark.sql(totals).first() == from_parquet
