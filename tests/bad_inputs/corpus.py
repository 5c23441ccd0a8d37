"""A library of bad inputs, written on demand, each with the outcome a user should get.

Outcomes:
- Refused(message): the run stops before anything is replaced, with that one-line error;
- Loaded(rejected): the file is loaded; `rejected` maps reject reasons to line counts, the rest load;
- Duplicate(of): the same content as another file: loaded once, reported as a duplicate;
- StopsAtCheck(expectation): the parser accepts the lines, the raw data-quality checkpoint stops the run.
The good lines come from the first lines of the bundled real file, so every case is realistic.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import REAL_FILE

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
GOOD = "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom"


@dataclass(frozen=True)
class Refused:
    message: str


@dataclass(frozen=True)
class Loaded:
    rejected: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Duplicate:
    of: str


@dataclass(frozen=True)
class StopsAtCheck:
    expectation: str


@dataclass(frozen=True)
class Case:
    name: str  # also the file name
    write: Callable[[Path], None]
    outcome: Refused | Loaded | Duplicate | StopsAtCheck
    data_lines: int = 0  # lines that reach the raw table (loaded or rejected)


def real_lines(count: int) -> list[str]:
    with gzip.open(REAL_FILE, "rt", encoding="utf-8") as handle:
        next(handle)
        return [next(handle).rstrip("\n") for _ in range(count)]


def text(*lines: str, encoding: str = "utf-8", prefix: str = "") -> Callable[[Path], None]:
    return lambda path: path.write_bytes((prefix + "\n".join(lines) + "\n").encode(encoding))


def truncated_gzip(path: Path) -> None:
    payload = gzip.compress("\n".join([HEADER, *[GOOD] * 20000]).encode())
    path.write_bytes(payload[: len(payload) // 2])


CASES = [
    Case(
        "wrong_header.csv",
        text(HEADER.replace("InvoiceNo,StockCode", "Invoice Number,Item"), GOOD),
        Refused("is missing the required columns 'InvoiceNo', 'StockCode'"),
    ),
    Case("missing_header.csv", text(GOOD, GOOD), Refused("does not start with a header line (found: '536365,71053,")),
    Case(
        "renamed_column.csv",
        text(HEADER.replace("UnitPrice", "Price EUR"), GOOD),
        Refused("is missing the required column 'UnitPrice'"),
    ),
    Case("empty.csv", lambda path: path.write_bytes(b""), Refused("is empty")),
    Case("header_only.csv", text(HEADER), Refused("no data lines")),
    Case("truncated.csv.gz", truncated_gzip, Refused("is truncated or corrupt")),
    Case(
        "non_numeric_quantity.csv",
        text(HEADER, GOOD, GOOD.replace(",6,", ",six,")),
        Loaded({"invalid_quantity": 1}),
        data_lines=2,
    ),
    Case(
        "customer_id_with_letters.csv",
        text(HEADER, GOOD.replace("17850", "17850X")),
        Loaded({"invalid_customer_id": 1}),
        data_lines=1,
    ),
    Case(
        "thousands_separator_price.csv",
        text(HEADER, '536400,22423,REGENCY CAKESTAND 3 TIER,1,2010-12-02 10:00:00,"1,234.50",17850,United Kingdom'),
        Loaded(),
        data_lines=1,
    ),
    Case(
        "mixed_date_formats.csv",
        text(
            HEADER,
            "536401,71053,WHITE METAL LANTERN,1,12/3/2010 9:15,3.39,17850,United Kingdom",
            "536401,71053,WHITE METAL LANTERN,2,2010-12-03 09:15:00,3.39,17850,United Kingdom",
            "536401,71053,WHITE METAL LANTERN,3,2010-12-03T09:15:00,3.39,17850,United Kingdom",
        ),
        Loaded(),
        data_lines=3,
    ),
    Case(
        "iso_8859_1.csv",
        text(
            HEADER,
            "536402,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2010-12-03 10:00:00,17.02,17850,United Kingdom",
            encoding="iso-8859-1",
        ),
        Loaded(),
        data_lines=1,
    ),
    Case(
        "utf8_bom.csv",
        text(HEADER, "536403,71053,WHITE METAL LANTERN,1,2010-12-03 11:00:00,3.39,17850,EIRE", prefix="\ufeff"),
        Loaded(),
        data_lines=1,
    ),
    Case(
        "embedded_commas_and_quotes.csv",
        text(
            HEADER, '536404,22041,"RECORD FRAME 7"" SINGLE SIZE, BLACK",2,2010-12-03 12:00:00,2.55,17850,United Kingdom'
        ),
        Loaded(),
        data_lines=1,
    ),
    Case(
        "duplicate_of_utf8_bom.csv",
        text(HEADER, "536403,71053,WHITE METAL LANTERN,1,2010-12-03 11:00:00,3.39,17850,EIRE", prefix="\ufeff"),
        Duplicate("utf8_bom.csv"),
    ),
    Case(
        "absurd_dates.csv",
        text(
            HEADER,
            "536405,71053,WHITE METAL LANTERN,1,1900-01-01 10:00:00,3.39,17850,United Kingdom",
            "536406,71053,WHITE METAL LANTERN,1,2099-12-31 10:00:00,3.39,17850,United Kingdom",
        ),
        StopsAtCheck("InvoiceDate between 2000-01-01 and"),
        data_lines=2,
    ),
]
# Good lines the loadable cases ride along with: a few real customers, so the whole pipeline runs.
BASE = Case("real_first_400_lines.csv", lambda path: text(HEADER, *real_lines(400))(path), Loaded(), data_lines=400)


def write(case: Case, folder: Path) -> Path:
    path = folder / case.name
    case.write(path)
    return path
