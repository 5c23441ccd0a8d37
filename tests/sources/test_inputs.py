"""Input checks that run before Spark: headers, containers, encodings."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from segments.errors import UserError
from segments.sources.inputs import decode_line, expand_paths, inspect_file, parse_header

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_header_positions_follow_the_file_order():
    count, positions = parse_header(
        Path("x.csv"), "Country,CustomerID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo,Extra"
    )
    assert count == 9
    assert positions["country"] == 0 and positions["invoice_no"] == 7


def test_online_retail_ii_names_are_accepted():
    _, positions = parse_header(
        Path("x.csv"), "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"
    )
    assert positions["unit_price"] == 5 and positions["customer_id"] == 6


@pytest.mark.parametrize("missing", ["UnitPrice", "CustomerID", "InvoiceDate"])
def test_a_missing_column_is_named(missing):
    header = HEADER.replace(missing + ",", "").replace("," + missing, "")
    with pytest.raises(UserError, match=f"missing the required column '{missing}'"):
        parse_header(Path("x.csv"), header)


def test_a_renamed_column_is_reported_with_the_header_found():
    with pytest.raises(UserError, match=r"'Quantity'.*its header has: .*Qty"):
        parse_header(Path("x.csv"), HEADER.replace("Quantity", "Qty"))


def test_a_file_without_header_is_told_so():
    with pytest.raises(UserError, match="does not start with a header line"):
        parse_header(Path("x.csv"), "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom")


def test_duplicate_header_names_are_refused():
    with pytest.raises(UserError, match="twice"):
        parse_header(Path("x.csv"), HEADER + ",country")


def test_decode_line_handles_bom_latin1_and_crlf():
    assert decode_line(b"\xef\xbb\xbfInvoiceNo,X\r\n") == "InvoiceNo,X"
    assert decode_line("Voucher £20\n".encode("iso-8859-1")) == "Voucher £20"
    assert decode_line("Voucher £20\n".encode()) == "Voucher £20"


def test_empty_file(tmp_path):
    with pytest.raises(UserError, match="is empty"):
        inspect_file(write(tmp_path / "empty.csv", ""))


def test_empty_gzip(tmp_path):
    path = tmp_path / "empty.csv.gz"
    with gzip.open(path, "wb"):
        pass
    with pytest.raises(UserError, match="is empty"):
        inspect_file(path)


@pytest.mark.parametrize(
    "body",
    [
        "",  # the header alone
        "\n   \r\n\n",  # blank lines: empty or spaces only, any line ending
        "\r  \r\r",  # old Mac line endings (a lone CR ends a line, as in Spark)
        "\n" + HEADER + "\n\ufeff" + HEADER + "\n",  # the header repeated, with or without a BOM
    ],
)
@pytest.mark.parametrize("name", ["only_header.csv", "only_header.csv.gz"])
def test_a_file_without_data_lines_is_refused_before_spark_starts(tmp_path, name, body):
    content = (HEADER + body).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    with pytest.raises(UserError, match=f"no data lines in {path}"):
        inspect_file(path)


@pytest.mark.parametrize("body", ["\n,,,,,,,", "\r\n\r\n1,2,3,4,5,6,7,8\r\n", "\r  \r\tx", "\n" + "é" * 3])
def test_any_other_line_is_data_even_a_bad_one(tmp_path, body):
    inspect_file(write(tmp_path / "data.csv", HEADER + body))  # loaded or rejected with a reason, not refused


def test_a_truncated_or_corrupt_gzip_is_refused_before_spark_starts(tmp_path):
    payload = gzip.compress((HEADER + "\n" + "1,2,3,4,5,6,7,8\n" * 50000).encode())
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(payload[: len(payload) // 2])
    bad_checksum = tmp_path / "bad_checksum.csv.gz"
    bad_checksum.write_bytes(payload[:-8] + bytes(b ^ 0xFF for b in payload[-8:-4]) + payload[-4:])
    for path in (truncated, bad_checksum):
        with pytest.raises(UserError, match="is truncated or corrupt"):
            inspect_file(path)


def test_gzip_without_gz_suffix(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(gzip.compress((HEADER + "\n").encode()))
    with pytest.raises(UserError, match="does not end in .gz"):
        inspect_file(path)


def test_gz_suffix_without_gzip(tmp_path):
    with pytest.raises(UserError, match="not gzip-compressed"):
        inspect_file(write(tmp_path / "data.csv.gz", HEADER + "\n"))


def test_xlsx_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "Online Retail.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UserError, match="Export the sheet as CSV"):
        inspect_file(path)


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        expand_paths([tmp_path / "nope.csv"])
    with pytest.raises(UserError, match="holds no"):
        expand_paths([tmp_path])


def test_folder_expands_to_its_data_files_in_order(tmp_path):
    for name in ["b.csv", "a.csv.gz", "notes.md"]:
        write(tmp_path / name, HEADER + "\n")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.csv.gz", "b.csv"]


def test_inspect_reads_header_and_checksum(tmp_path):
    path = write(tmp_path / "x.csv", "\ufeff" + HEADER + "\r\n1,2,3,4,5,6,7,8\r\n")
    inspected = inspect_file(path)
    assert inspected.header_line == HEADER
    assert inspected.field_count == 8
    assert len(inspected.sha256) == 64
