"""Input files: find them, check them and read their header before Spark touches them.

A CSV file is read up to its first data line (a gzip file to its end, which checks the stream), a
Parquet file's schema and row count come from its footer, and every file gets a streaming checksum:
a bad file is refused with one clear message before any Spark job starts.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from segments.errors import UserError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"
BOM = "\ufeff"
# Where Spark's text reader (Hadoop's LineRecordReader) ends a line
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
BLOCK = 1 << 20
DATA_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".parquet")

# Canonical column -> accepted header spellings, compared after lower-casing and dropping everything
# that is not a letter or digit. The UCI "Online Retail II" names (Invoice, Price, Customer ID) are
# accepted as well.
COLUMNS: dict[str, tuple[str, ...]] = {
    "invoice_no": ("invoiceno", "invoice"),
    "stock_code": ("stockcode",),
    "description": ("description",),
    "quantity": ("quantity",),
    "invoice_date": ("invoicedate",),
    "unit_price": ("unitprice", "price"),
    "customer_id": ("customerid",),
    "country": ("country",),
}
PUBLISHED_NAMES = {
    "invoice_no": "InvoiceNo",
    "stock_code": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "invoice_date": "InvoiceDate",
    "unit_price": "UnitPrice",
    "customer_id": "CustomerID",
    "country": "Country",
}


@dataclass(frozen=True)
class InputFile:
    path: Path
    size_bytes: int
    sha256: str
    header_line: str
    field_count: int
    positions: dict[str, int]  # canonical column -> 0-based field index in the file
    # Parquet only: every column's name and kind (text, integer, float, decimal, timestamp or
    # timestamp_ns; see parquet_kind), in file order
    columns: tuple[tuple[str, str], ...] = ()
    rows: int = 0  # Parquet only: the row count its footer records

    @property
    def is_gzip(self) -> bool:
        return self.path.name.endswith(".gz")

    @property
    def is_parquet(self) -> bool:
        return bool(self.columns)

    @property
    def layout(self) -> tuple:
        """Files with the same layout are read by one Spark reader."""
        return (self.is_parquet, self.header_line, self.field_count, tuple(self.positions.items()), self.columns)


def _normalize(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def expand_paths(paths: list[Path], suffixes: tuple[str, ...] = DATA_SUFFIXES, option: str = "--data") -> list[Path]:
    """Files as given; a folder stands for the data files directly inside it, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(suffixes))
            if not found:
                raise UserError(f"the folder {path} holds no {', '.join(suffixes)} files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"input file {path} does not exist", f"Check the path given to {option}")
    return [f.resolve() for f in files]


def unreadable(path: Path, exc: Exception) -> UserError:
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return UserError(
            f"{path} is truncated or corrupt (it cannot be decompressed: {exc})", "Copy or download the file again"
        )
    return UserError(f"cannot read {path}: {exc}", "Check that the file is complete (re-download it)")


def _first_line(path: Path, head: bytes) -> bytes:
    """The first line (at most 1 MB) as Spark's reader ends it: at a LF, a CR or a CR LF (old Mac
    exports end lines with a lone CR)."""
    opener = gzip.open if head.startswith(GZIP_MAGIC) else open
    start = b""
    try:
        with opener(path, "rb") as handle:
            while len(start) < BLOCK and not LINE_BREAK.search(start):
                block = handle.read(1 << 16)
                if not block:
                    break
                start += block
    except (OSError, EOFError, zlib.error) as exc:
        raise unreadable(path, exc) from exc
    line_break = LINE_BREAK.search(start)
    return start[: line_break.end()] if line_break else start


def check_container(path: Path, head: bytes, expected: str = "CSV") -> None:
    """The bytes agree with the name: Parquet, gzip, or plain text (never a zip/xlsx)."""
    if not head:
        raise UserError(f"input file {path} is empty")
    if path.name.endswith(".parquet") != head.startswith(PARQUET_MAGIC):
        found = "is not a Parquet file" if path.name.endswith(".parquet") else "is a Parquet file"
        raise UserError(f"{path} {found}, but its name says otherwise", "Name Parquet files *.parquet, and only them")
    if head.startswith(ZIP_MAGIC):
        raise UserError(
            f"{path} is a zip/xlsx file, not {expected}",
            "Export the sheet as CSV (UTF-8 or ISO-8859-1), optionally gzip-compressed"
            if expected == "CSV"
            else f"Unzip it: give the {expected} files themselves",
        )
    is_gzip = head.startswith(GZIP_MAGIC)
    if is_gzip and not path.name.endswith(".gz"):
        raise UserError(f"{path} is gzip-compressed but its name does not end in .gz", "Rename it to end in .gz")
    if path.name.endswith(".gz") and not is_gzip:
        raise UserError(f"{path} ends in .gz but is not gzip-compressed", "Rename it without .gz")


def decode_line(raw: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else ISO-8859-1 (the UCI/Kaggle encoding)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    return text.removeprefix(BOM).rstrip("\r\n")


def parse_header(path: Path, header_line: str) -> tuple[int, dict[str, int]]:
    """Field count and the position of every required column; a clear error for anything missing."""
    if not header_line.strip():
        raise UserError(
            f"{path} has no header line", f"The first line must name the columns: {', '.join(PUBLISHED_NAMES.values())}"
        )
    names = next(csv.reader(io.StringIO(header_line)))
    positions = match_columns(path, names, "its header")
    if positions is None:
        raise UserError(
            f"{path} does not start with a header line (found: {header_line[:80]!r})",
            f"Add the header: {','.join(PUBLISHED_NAMES.values())}",
        )
    return len(names), positions


def match_columns(path: Path, names: list[str], where: str) -> dict[str, int] | None:
    """The position of every required column among `names`; None when none of them is there."""
    by_normalized: dict[str, int] = {}
    for index, name in enumerate(names):
        key = _normalize(name)
        if key in by_normalized:
            raise UserError(f"{path} names the column '{name.strip()}' twice in {where}")
        by_normalized[key] = index
    positions: dict[str, int] = {}
    missing: list[str] = []
    for column, spellings in COLUMNS.items():
        index = next((by_normalized[s] for s in spellings if s in by_normalized), None)
        if index is None:
            missing.append(PUBLISHED_NAMES[column])
        else:
            positions[column] = index
    if len(missing) == len(COLUMNS):
        return None
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise UserError(
            f"{path} is missing the required column{plural} {', '.join(repr(m) for m in missing)} "
            f"({where} has: {', '.join(n.strip() for n in names)})",
            "Add or rename the column in the file" + (" header" if where == "its header" else ""),
        )
    return positions


def parquet_kind(arrow_type, physical_type: str, logical_type: str) -> str | None:
    import pyarrow.types as t

    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_null(arrow_type):
        return "text"
    if t.is_integer(arrow_type):
        return "integer"
    if t.is_floating(arrow_type):
        return "float"
    if t.is_decimal(arrow_type):
        return "decimal"
    if t.is_timestamp(arrow_type) and physical_type == "INT64" and "nanoseconds" in logical_type:
        return "timestamp_ns"  # pandas' default, which Spark reads only as a number of nanoseconds
    if t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        return "timestamp"  # INT96 (Spark's default) reads as timestamp[ns] in Arrow, but Spark reads it
    return None


def parquet_schema(path: Path) -> tuple[tuple[tuple[str, str | None], ...], int]:
    """Name and kind of every column (see parquet_kind), from the file's footer, and its row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise UserError(f"{path} is not a readable Parquet file ({exc})", "Copy or write the file again") from exc
    leaves = {parquet.schema.column(i).path: parquet.schema.column(i) for i in range(len(parquet.schema))}
    columns = tuple(
        (
            field.name,
            parquet_kind(
                field.type,
                getattr(leaves.get(field.name), "physical_type", ""),
                str(getattr(leaves.get(field.name), "logical_type", "")),
            ),
        )
        for field in schema
    )
    return columns, parquet.metadata.num_rows


ACCEPTED_TYPES = "Use text, a number or a timestamp"


def arrow_type(path: Path, index: int) -> str:
    import pyarrow.parquet as pq

    return str(pq.read_schema(path).field(index).type)


def _parquet_columns(path: Path) -> tuple[tuple[tuple[str, str], ...], dict[str, int], int]:
    """Name and kind of every column, the required columns' positions and the number of rows."""
    columns, rows = parquet_schema(path)
    names = [name for name, _ in columns]
    positions = match_columns(path, names, "its schema")
    if positions is None:
        raise UserError(
            f"{path} has none of the Online Retail columns (it has: {', '.join(names)})",
            f"The columns must be: {', '.join(PUBLISHED_NAMES.values())}",
        )
    for index in positions.values():
        name, kind = columns[index]
        if kind is None:
            raise UserError(f"{path}: column {name!r} has the type {arrow_type(path, index)}", ACCEPTED_TYPES)
    return columns, positions, rows


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_data_line(raw: bytes, header_line: str) -> bool:
    """Not blank and not a header, as the ingest classifies a line (segments/ingest/online_retail.py):
    decoded as UTF-8 when valid, else ISO-8859-1; blank when only spaces; a header when it equals the
    first line's header, with or without a byte-order mark."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    return text.strip(" ") != "" and text not in (header_line, BOM + header_line)


def check_text_body(path: Path, header_line: str) -> None:
    """Refuse, before Spark starts, a text file without a data line (only a header and blank lines) or
    whose gzip stream is truncated or corrupt. A plain file is read up to its first data line; a gzip
    file to its end, which checks the stream and its CRC."""
    gzipped = path.name.endswith(".gz")
    found, rest = False, b""
    try:
        with (gzip.open if gzipped else open)(path, "rb") as handle:
            for block in iter(lambda: handle.read(BLOCK), b""):
                if found:
                    continue  # a gzip stream: decompressed to its end
                lines = LINE_BREAK.split(rest + block)
                rest = lines.pop()  # the last line may go on in the next block
                found = any(_is_data_line(line, header_line) for line in lines)
                if found and not gzipped:
                    return
    except (OSError, EOFError, zlib.error) as exc:
        raise unreadable(path, exc) from exc
    if not found and not _is_data_line(rest, header_line):
        raise UserError(
            f"no data lines in {path} (only a header or blank lines)", "Check that the right file was given"
        )


def inspect_file(path: Path) -> InputFile:
    """Check one input file and read its header."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise UserError(f"cannot open {path}: {exc.strerror}") from exc
    check_container(path, head)
    if head.startswith(PARQUET_MAGIC):
        columns, positions, rows = _parquet_columns(path)
        if rows == 0:
            raise UserError(
                f"no data lines in {path} (the Parquet file has no rows)", "Check that the right file was given"
            )
        return InputFile(
            path=path,
            size_bytes=path.stat().st_size,
            sha256=sha256_of(path),
            header_line="",
            field_count=len(columns),
            positions=positions,
            columns=columns,
            rows=rows,
        )
    first = _first_line(path, head)
    if not first:
        raise UserError(f"input file {path} is empty")
    header_line = decode_line(first)
    field_count, positions = parse_header(path, header_line)
    check_text_body(path, header_line)
    return InputFile(
        path=path,
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        header_line=header_line,
        field_count=field_count,
        positions=positions,
    )
