"""Parquet input: the columns are found by name, typed values become the text a CSV field would hold
and go through the same rules; schema mistakes are refused before Spark starts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segments.errors import UserError
from segments.sources.inputs import inspect_file

COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def write(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def pandas_like(path: Path) -> Path:
    """What `pandas.read_excel(...).to_parquet()` gives: float CustomerID with NaN, int Quantity."""
    return write(
        path,
        {
            "InvoiceNo": pa.array(["536365", "536366", "C536367", "536368", "536369"]),
            "StockCode": pa.array(["85123A", "71053", "85123A", "POST", "22423"]),
            "Description": pa.array(
                ["WHITE HANGING HEART", None, "WHITE HANGING HEART", "POSTAGE", "REGENCY CAKESTAND"]
            ),
            "Quantity": pa.array([6, 2, -1, 1, 3], pa.int64()),
            "InvoiceDate": pa.array([datetime(2010, 12, 1, 8, 26)] * 5, pa.timestamp("ns")),
            "UnitPrice": pa.array([2.55, 0.0, 2.55, 18.0, 0.12345], pa.float64()),
            "CustomerID": pa.array([17850.0, float("nan"), 17850.0, None, 13047.0], pa.float64()),
            "Country": pa.array(["United Kingdom"] * 5),
        },
    )


def test_columns_are_found_by_name_in_any_order(tmp_path):
    table = pq.read_table(pandas_like(tmp_path / "a.parquet"))
    shuffled = write(tmp_path / "b.parquet", {name: table[name] for name in reversed(COLUMNS)})
    source = inspect_file(shuffled)
    assert source.is_parquet and source.columns[source.positions["invoice_no"]][0] == "InvoiceNo"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.drop_columns(["Country"]), "missing the required column 'Country'"),
        (lambda t: t.set_column(3, "Quantity", pa.array([[1]] * 5)), "column 'Quantity' has the type list"),
        (lambda t: pa.table({"a": [1]}), "none of the Online Retail columns"),
    ],
)
def test_schema_mistakes_are_refused_with_the_reason(tmp_path, change, message):
    table = change(pq.read_table(pandas_like(tmp_path / "ok.parquet")))
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path)
    with pytest.raises(UserError, match=message):
        inspect_file(path)


def test_a_file_without_rows_is_refused(tmp_path):
    empty = write(
        tmp_path / "empty.parquet",
        {name: pq.read_table(pandas_like(tmp_path / "ok.parquet"))[name].slice(0, 0) for name in COLUMNS},
    )
    with pytest.raises(UserError, match="no data lines in .*empty.parquet"):
        inspect_file(empty)


def test_a_name_that_lies_about_the_format_is_refused(tmp_path):
    fake = tmp_path / "lines.parquet"
    fake.write_text("InvoiceNo,StockCode\n")
    with pytest.raises(UserError, match="is not a Parquet file"):
        inspect_file(fake)
    real = pandas_like(tmp_path / "real.parquet")
    renamed = real.rename(tmp_path / "lines.csv")
    with pytest.raises(UserError, match="is a Parquet file"):
        inspect_file(renamed)


def test_typed_values_follow_the_csv_rules(spark, tmp_path):
    from segments.sources.online_retail.ingest import ingest

    result = ingest(spark, [pandas_like(tmp_path / "lines.parquet")])
    rows = {r["invoice_no"]: r for r in spark.table("raw.online_retail_lines").collect()}
    assert (result.rows_loaded, result.rows_rejected) == (4, 1)
    assert result.files[0].lines == 5  # from the footer: every Parquet row is a data line
    assert str(rows["536365"]["unit_price"]) == "2.5500" and rows["536365"]["customer_id"] == "17850"
    assert rows["536366"]["customer_id"] is None  # NaN is pandas' missing value
    assert rows["536368"]["customer_id"] is None
    assert rows["C536367"]["quantity"] == -1
    assert rows["536365"]["invoice_date"] == datetime(2010, 12, 1, 8, 26)
    # five decimals: rejected as in a CSV file, and the row kept as JSON
    assert rows["536369"]["reject_reason"] == "invalid_unit_price"
    assert '"UnitPrice":0.12345' in rows["536369"]["raw_line"]


def test_parquet_rows_are_not_observed(spark, tmp_path, monkeypatch):
    """The line-kind totals concern text files; observed on every Parquet row they only cost time."""
    import segments.sources.online_retail.ingest
    from segments.sources.online_retail.ingest import ingest

    def observed(name):
        raise AssertionError("the Parquet rows were observed")

    monkeypatch.setattr(segments.sources.online_retail.ingest, "Observation", observed)
    result = ingest(spark, [pandas_like(tmp_path / "lines.parquet")])
    assert (result.files[0].lines, result.rows_loaded) == (5, 4)


# Edge values of the typed shortcuts, and the text a CSV field would hold for each (what Java's %.10f
# prints, trailing zeros dropped). Prices: 4 decimals at most, 10^9, 5 decimals, .30000000000000004
# (4 decimals at 10 places), a value whose binary form sits just below its decimal one, NaN, infinity.
# Customer ids: whole numbers around 10^15, -0.0, 0, a fraction, NaN.
PRICES = [
    (1.5, "1.5"),
    (999999999.9999, "999999999.9999"),
    (1e9, "1000000000"),
    (1.00005, "1.00005"),
    (0.1 + 0.2, "0.3"),
    (2.675, "2.675"),
    (-3.25, "-3.25"),
    (float("nan"), ""),
    (float("inf"), "Infinity"),
]
CUSTOMERS = [
    (17850.0, "17850"),
    (1e15, "1000000000000000"),
    (1e15 + 2, "1000000000000002"),
    (-0.0, "-0"),
    (0.0, "0"),
    (12.5, "12.5"),
    (float("nan"), ""),
    (999999999999999.0, "999999999999999"),
    (1.0, "1"),
]


@pytest.mark.parametrize("unit", ["us", "ns"])
def test_typed_shortcuts_give_what_the_text_would(spark, tmp_path, unit):
    # Integer quantities, timestamps, float prices and whole-number float customer ids skip the round
    # trip through text where it is exact: at the edges a Parquet file must load exactly as the CSV
    # holding the text of its values.
    from segments.sources.online_retail.ingest import ingest

    years = [2010, 2011, 2262, 2000] if unit == "ns" else [2010, 500, 9999, 2000]
    dates = [
        datetime(years[0], 12, 1, 8, 26, 0, 999_999),
        datetime(years[1], 1, 2, 3, 4, 5),
        datetime(years[2], 1, 1, 23, 59, 59, 500_000),
        None,
    ]
    quantities = [999_999_999, -1_000_000_000, -5, 7]
    rows = [(q, d, 1.5, "1.5", 17850.0, "17850") for q, d in zip(quantities, dates)]
    rows += [(1, dates[0], price, text, 17850.0, "17850") for price, text in PRICES]
    rows += [(1, dates[0], 1.5, "1.5", customer, text) for customer, text in CUSTOMERS]
    parquet = write(
        tmp_path / "typed.parquet",
        {
            "InvoiceNo": pa.array([str(i + 1) for i in range(len(rows))]),
            "StockCode": pa.array(["A"] * len(rows)),
            "Description": pa.array(["X"] * len(rows)),
            "Quantity": pa.array([r[0] for r in rows], pa.int64()),
            "InvoiceDate": pa.array([r[1] for r in rows], pa.timestamp(unit)),
            "UnitPrice": pa.array([r[2] for r in rows], pa.float64()),
            "CustomerID": pa.array([r[4] for r in rows], pa.float64()),
            "Country": pa.array(["UK"] * len(rows)),
        },
    )
    csv = tmp_path / "typed.csv"
    csv.write_text(
        ",".join(COLUMNS)
        + "\n"
        + "".join(
            f"{i + 1},A,X,{q},{d.isoformat(' ', 'seconds') if d else ''},{price},{customer},UK\n"
            for i, (q, d, _, price, _, customer) in enumerate(rows)
        )
    )

    def outcomes(path: Path) -> list[tuple]:
        ingest(spark, [path])
        return sorted(
            tuple(r)
            for r in spark.sql(
                "select cast(invoice_no as int), quantity, invoice_date, unit_price, customer_id, reject_reason "
                "from raw.online_retail_lines"
            ).collect()
        )

    from_parquet, from_csv = outcomes(parquet), outcomes(csv)
    assert from_parquet == from_csv
    reasons = [r[-1] for r in from_csv]
    assert reasons[:4] == [None, "invalid_quantity", None, "invalid_invoice_date"]
    assert reasons[4 : 4 + len(PRICES)] == [
        None,
        None,
        None,
        "invalid_unit_price",
        None,
        None,
        None,
        "invalid_unit_price",
        "invalid_unit_price",
    ]
    assert reasons[-len(CUSTOMERS) :] == [
        None,
        None,
        None,
        "invalid_customer_id",
        None,
        "invalid_customer_id",
        None,
        None,
        None,
    ]
