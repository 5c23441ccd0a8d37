"""Ingest on a real SparkSession: every accepted file shape, every reject reason, idempotence."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

import segments.sources.online_retail.ingest
from segments.sources.files import FILES_TABLE
from segments.sources.inputs import inspect_file
from segments.sources.online_retail.ingest import LINES_TABLE, REJECTS_TABLE, ingest
from segments.sources.online_retail.parse import classify_lines
from tests.helpers import FIXTURES

SMALL = FIXTURES / "online_retail_small.csv"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
# Raw strings stay as published ('17850.0'); staging standardizes them, so compare them that way.
TYPED_COLUMNS = (
    "invoice_no, stock_code, description, quantity, invoice_date, unit_price, "
    "regexp_replace(customer_id, '[.]0$', '') as customer_id, country"
)


def to_uci_layout(text: str) -> str:
    """The file as UCI/Kaggle publish it: dates M/d/yyyy H:mm, customer ids as floats."""
    import csv
    import io
    from datetime import datetime

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        if len(row) == 8:
            try:
                moment = datetime.strptime(row[4], "%Y-%m-%d %H:%M:%S")
                row[4] = f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"
            except ValueError:  # the planted impossible date: keep it impossible
                row[4] = "2/30/2011 10:00"
            if row[6].isdigit():
                row[6] += ".0"
        writer.writerow(row)
    return out.getvalue()


def typed_rows(spark) -> list[tuple]:
    return [
        tuple(r)
        for r in spark.sql(
            f"select {TYPED_COLUMNS} from {LINES_TABLE} where reject_reason is null order by 1, 2, 3, 4, 5, 6, 7, 8"
        ).collect()
    ]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_fixture_lines_are_loaded_or_rejected_with_a_reason(spark):
    result = ingest(spark, [SMALL])
    assert (result.rows_loaded, result.rows_rejected) == (27, 3)
    assert result.rejects_by_reason == {"invalid_quantity": 1, "wrong_field_count": 1, "invalid_invoice_date": 1}
    rejects = {r["reject_reason"]: r["raw_line"] for r in spark.table(REJECTS_TABLE).collect()}
    assert rejects["invalid_quantity"].startswith("536376,22111,SCOTTIE DOG HOT WATER BOTTLE,abc,")
    assert rejects["wrong_field_count"] == "536377,22112,CHOCOLATE HOT WATER BOTTLE,3,2010-12-05 13:00:00,4.95,12347"
    files = spark.table(FILES_TABLE).first()
    assert (files["lines"], files["header_lines"], files["rows_loaded"], files["rows_rejected"]) == (31, 1, 27, 3)


def test_quoted_fields_and_the_pound_sign_survive(spark):
    ingest(spark, [SMALL])
    descriptions = {r[0] for r in spark.sql(f"select description from {LINES_TABLE}").collect()}
    assert "BAKING SET 9 PIECE RETROSPOT , " in descriptions
    assert 'RECORD FRAME 7" SINGLE SIZE ' in descriptions
    assert "Dotcomgiftshop Gift Voucher £20.00" in descriptions


def _classified_counts(spark, paths: list[Path]) -> dict[str, tuple[int, int, int, int]]:
    """(lines, header, blank, latin1) per file, by classifying every line apart."""
    counts: dict[str, list[int]] = {}
    for row in (
        classify_lines(spark, [inspect_file(p) for p in paths])
        .groupBy("source_file", "line_kind", "is_latin1")
        .count()
        .collect()
    ):
        file = counts.setdefault(row["source_file"], [0, 0, 0, 0])
        file[0] += row["count"]
        file[1] += row["count"] if row["line_kind"] == "header" else 0
        file[2] += row["count"] if row["line_kind"] == "blank" else 0
        file[3] += row["count"] if row["is_latin1"] else 0
    return {path: tuple(values) for path, values in counts.items()}


def test_plain_files_are_read_once_and_counted_as_a_full_classification_counts_them(spark, tmp_path, monkeypatch):
    other = write(tmp_path / "second.csv.gz", "")
    other.write_bytes(gzip.compress((HEADER + "\n" + "\n".join(SMALL.read_text().splitlines()[1:6]) + "\n").encode()))
    expected = _classified_counts(spark, [SMALL, other])

    def classified_again(*args):
        raise AssertionError("the lines were classified in a pass of their own")

    monkeypatch.setattr(segments.sources.online_retail.ingest, "classify_lines", classified_again)
    result = ingest(spark, [SMALL, other])
    counted = {str(r.path): (r.lines, r.header_lines, r.blank_lines, r.latin1_lines) for r in result.files}
    assert counted == expected == {str(SMALL): (31, 1, 0, 0), str(other): (6, 1, 0, 0)}


def test_uci_layout_in_iso_8859_1_gzip_gives_identical_rows(spark, tmp_path):
    ingest(spark, [SMALL])
    expected = typed_rows(spark)
    variant = tmp_path / "online_retail_uci.csv.gz"
    variant.write_bytes(gzip.compress(to_uci_layout(SMALL.read_text()).encode("iso-8859-1")))
    result = ingest(spark, [variant])
    assert result.files[0].latin1_lines == 1  # the voucher line: the only non-ASCII one
    assert result.rejects_by_reason == {"invalid_quantity": 1, "wrong_field_count": 1, "invalid_invoice_date": 1}
    assert typed_rows(spark) == expected


def test_reingesting_the_same_file_does_not_duplicate_rows(spark):
    ingest(spark, [SMALL])
    ingest(spark, [SMALL])
    assert spark.table(LINES_TABLE).count() == 30
    assert spark.table(REJECTS_TABLE).count() == 3


def test_the_same_content_twice_is_loaded_once(spark, tmp_path):
    copy = shutil.copy(SMALL, tmp_path / "copy_of_small.csv")
    result = ingest(spark, [SMALL, Path(copy), SMALL])
    assert spark.table(LINES_TABLE).count() == 30
    assert [f.status for f in result.files] == ["loaded", "duplicate", "duplicate"]
    assert result.files[1].duplicate_of == str(SMALL)
    # the lines are counted once, on the file that was loaded
    assert [(f.rows_loaded, f.rows_rejected) for f in result.files] == [(27, 3), (0, 0), (0, 0)]


def test_mixed_date_formats_bom_crlf_blank_and_repeated_header_lines(spark, tmp_path):
    text = (
        "\ufeff" + HEADER + "\r\n"
        "1,A,X,1,12/1/2010 8:26,1.0,17850,UK\r\n"
        "2,A,X,1,2010-12-01 08:26:00,1.0,17850.0,UK\r\n"
        "\r\n" + HEADER + "\r\n"
        "3,A,X,1,2010-12-01T08:26:00,1.0,,UK\r\n"
    )
    mixed = write(tmp_path / "mixed.csv", text)
    result = ingest(spark, [mixed])
    report = result.files[0]
    assert (report.rows_loaded, report.rows_rejected, report.header_lines, report.blank_lines) == (3, 0, 2, 1)
    assert _classified_counts(spark, [mixed]) == {str(mixed): (report.lines, 2, 1, 0)}
    dates = {str(r[0]) for r in spark.sql(f"select invoice_date from {LINES_TABLE}").collect()}
    assert dates == {"2010-12-01 08:26:00"}


def test_old_mac_line_endings(spark, tmp_path):
    # a lone CR ends a line, for the header read before Spark starts as for Spark's own reader
    result = ingest(
        spark,
        [
            write(
                tmp_path / "mac.csv",
                HEADER + "\r1,A,X,1,2010-12-01 08:26:00,1.0,17850,UK\r2,A,X,2,2010-12-01 08:26:00,1.0,17850,UK\r",
            )
        ],
    )
    report = result.files[0]
    assert (report.lines, report.header_lines, report.rows_loaded, report.rows_rejected) == (3, 1, 2, 0)


def test_columns_are_mapped_by_name_not_position(spark, tmp_path):
    text = "Country,CustomerID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo\nFrance,12345,2.5,2011-01-02 10:00:00,4,MUG,22222,536999\n"
    ingest(spark, [write(tmp_path / "reordered.csv", text)])
    row = spark.table(LINES_TABLE).first()
    assert (row["invoice_no"], row["stock_code"], row["quantity"], row["country"]) == ("536999", "22222", 4, "France")
    assert float(row["unit_price"]) == 2.5


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1,A,X,1,2010-12-01 08:26:00,1.0,17850A,UK", "invalid_customer_id"),
        ("1,A,X,1.5,2010-12-01 08:26:00,1.0,17850,UK", "invalid_quantity"),
        ("1,A,X,1,2010-12-01 08:26:00,one,17850,UK", "invalid_unit_price"),
        ("1,A,X,1,2010-12-01 08:26:00,1.23456,17850,UK", "invalid_unit_price"),
        ("1,A,X,1,yesterday,1.0,17850,UK", "invalid_invoice_date"),
        (",A,X,1,2010-12-01 08:26:00,1.0,17850,UK", "missing_invoice_no"),
        ("1, ,X,1,2010-12-01 08:26:00,1.0,17850,UK", "missing_stock_code"),
        ('1,A,"unterminated,1,2010-12-01 08:26:00,1.0,17850,UK', "malformed_quotes"),
        ('1,A,"X,1,2010-12-01 08:26:00,1.0,17850,UK', "malformed_quotes"),
        ("1,A,X,1,2010-12-01 08:26:00,1.0,17850,UK,extra", "wrong_field_count"),
    ],
)
def test_unparseable_lines_are_rejected_with_their_reason(spark, tmp_path, line, reason):
    good = "2,A,X,1,2010-12-01 08:26:00,1.0,17850,UK"
    result = ingest(spark, [write(tmp_path / "bad.csv", f"{HEADER}\n{good}\n{line}\n")])
    assert (result.rows_loaded, result.rejects_by_reason) == (1, {reason: 1})
    assert spark.table(REJECTS_TABLE).first()["raw_line"] == line
