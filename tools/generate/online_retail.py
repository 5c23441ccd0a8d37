"""Synthetic Online Retail lines at any size, shaped like the real UCI file, deterministic for a seed.

Spark runs the generation: the lines are cut into chunks of CHUNK_ROWS, and each chunk is generated
by numpy in a Python worker (mapInArrow) from a random stream seeded by (seed, chunk number). The
output therefore depends only on --rows, --customers and --seed, never on the machine or on how Spark
schedules the chunks. The product catalogue and the customers' countries come from the seed alone, so
every chunk agrees on them.

Shapes taken from the real file (541,909 lines, 25,900 invoices, 4,372 customers, 4,070 products):
- invoices of about 21 lines on average, heavy-tailed (log-normal), dated over Dec 2010 - Dec 2011
  with more trade towards the end of the year, during shop hours;
- invoices per customer heavy-tailed (a few wholesalers place hundreds, most customers one or two);
- about 25 % of lines without CustomerID (guest invoices), plus a few blanks inside named invoices;
- product popularity heavy-tailed, each product with its own list price and pack size, a few
  discounted or zero prices and missing descriptions;
- about 1 % exact duplicate lines, about 2 % cancellation lines (invoice 'C...', negative quantity),
  most of them cancelling part of an earlier purchase of the same customer and product;
- about 0.5 % non-merchandise lines (postage, manual entries, fees) and 30 countries, mostly the UK.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

CHUNK_ROWS = 250_000
# Invoice numbers per chunk: a chunk of 250,000 lines holds about 12,000 invoices (21 lines each), so
# up to 5 M lines the numbers keep the real file's six digits.
INVOICE_STRIDE = 20_000
FILE_ROWS = 2_000_000  # lines per output file
FIRST_INVOICE = 536_365
FIRST_CUSTOMER = 12_346
PERIOD = (datetime(2010, 12, 1, tzinfo=UTC), datetime(2011, 12, 10, tzinfo=UTC))

# Real-file shares
GUEST_INVOICE_SHARE = 0.25
BLANK_CUSTOMER_SHARE = 0.003  # lines without CustomerID inside an invoice that names one
DUPLICATE_SHARE = 0.007  # plus about 0.4 % that repeat by chance (a popular product twice in an invoice)
CANCELLATION_SHARE = 0.02
MATCHED_CANCELLATION_SHARE = 0.8
NON_MERCHANDISE_SHARE = 0.005
ZERO_PRICE_SHARE = 0.002
MISSING_DESCRIPTION_SHARE = 0.002

COUNTRIES = (  # share of customers, from the real file
    ("United Kingdom", 0.90),
    ("Germany", 0.022),
    ("France", 0.02),
    ("Spain", 0.007),
    ("Belgium", 0.006),
    ("Switzerland", 0.005),
    ("Portugal", 0.004),
    ("Italy", 0.0035),
    ("Finland", 0.003),
    ("Austria", 0.0025),
    ("Norway", 0.0023),
    ("Netherlands", 0.002),
    ("Australia", 0.002),
    ("Denmark", 0.002),
    ("Channel Islands", 0.002),
    ("Cyprus", 0.0018),
    ("Sweden", 0.0018),
    ("Japan", 0.0018),
    ("Poland", 0.0014),
    ("EIRE", 0.001),
    ("USA", 0.001),
    ("Canada", 0.001),
    ("Greece", 0.001),
    ("Israel", 0.001),
    ("Unspecified", 0.001),
    ("Iceland", 0.0005),
    ("Singapore", 0.0005),
    ("Lithuania", 0.0005),
    ("Brazil", 0.0005),
    ("Hong Kong", 0.0005),
)
# stock code, description, typical unit price, share of the non-merchandise lines
NON_MERCHANDISE = (
    ("POST", "POSTAGE", 18.0, 0.45),
    ("DOT", "DOTCOM POSTAGE", 250.0, 0.2),
    ("M", "Manual", 3.0, 0.18),
    ("C2", "CARRIAGE", 50.0, 0.05),
    ("D", "Discount", 30.0, 0.03),
    ("BANK CHARGES", "Bank Charges", 15.0, 0.03),
    ("PADS", "PADS TO MATCH ALL CUSHIONS", 0.001, 0.02),
    ("CRUK", "CRUK Commission", 10.0, 0.02),
    ("AMAZONFEE", "AMAZON FEE", 2000.0, 0.02),
)
COLOURS = (
    "WHITE",
    "RED",
    "PINK",
    "BLUE",
    "GREEN",
    "IVORY",
    "BLACK",
    "SILVER",
    "GOLD",
    "PAPER",
    "WOODEN",
    "GLASS",
    "VINTAGE",
    "RETRO",
    "HANGING",
    "HEART",
    "STAR",
    "SPOTTY",
    "FLORAL",
    "REGENCY",
    "ZINC",
    "ENAMEL",
)
ITEMS = (
    "T-LIGHT HOLDER",
    "LANTERN",
    "MUG",
    "JUMBO BAG",
    "LUNCH BOX",
    "CAKE STAND",
    "DOORSTOP",
    "CUSHION COVER",
    "TEA TOWEL",
    "BUNTING",
    "PHOTO FRAME",
    "NAPKINS",
    "CANDLE",
    "CLOCK",
    "STORAGE TIN",
    "GIFT WRAP",
    "HOT WATER BOTTLE",
    "CHILDRENS APRON",
    "PICNIC BASKET",
    "WATER CAN",
    "NOTEBOOK",
    "BIRD ORNAMENT",
)
PACK_SIZES = np.array([1, 1, 2, 3, 4, 6, 6, 12, 12, 12, 24, 25, 48])

SCHEMA = pa.schema(
    [
        ("InvoiceNo", pa.string()),
        ("StockCode", pa.string()),
        ("Description", pa.string()),
        ("Quantity", pa.int64()),
        ("InvoiceDate", pa.timestamp("us", tz="UTC")),
        ("UnitPrice", pa.float64()),
        # float, as pandas reads the published file (NaN for the missing ones), here as nulls
        ("CustomerID", pa.float64()),
        ("Country", pa.string()),
    ]
)
SPARK_SCHEMA = (
    "InvoiceNo string, StockCode string, Description string, Quantity bigint, InvoiceDate timestamp, "
    "UnitPrice double, CustomerID double, Country string"
)


@dataclass(frozen=True)
class Catalogue:
    """What every chunk shares: products and the customers' countries, from the seed alone."""

    stock_codes: np.ndarray
    descriptions: np.ndarray
    prices: np.ndarray
    packs: np.ndarray
    popularity: np.ndarray  # cumulative, for inverse-CDF sampling
    customer_ids: np.ndarray  # activity rank -> CustomerID (the busiest customers are not the lowest ids)
    customer_countries: np.ndarray  # index into COUNTRIES, per activity rank


def default_customers(rows: int) -> int:
    """About as many lines per customer as the real file (124)."""
    return max(10, rows // 124)


def catalogue(rows: int, customers: int, seed: int) -> Catalogue:
    rng = np.random.default_rng([seed, 0xCA7])
    products = int(np.clip(rows // 133, 50, 20_000))
    numbers = rng.choice(np.arange(10_000, 100_000), size=products, replace=False)
    suffix = np.where(rng.random(products) < 0.15, rng.choice(list("ABCDEFG"), size=products), "")
    stock_codes = np.char.add(numbers.astype(str), suffix)
    descriptions = np.char.add(np.char.add(rng.choice(COLOURS, size=products), " "), rng.choice(ITEMS, size=products))
    descriptions = np.char.add(descriptions, np.char.add(" ", np.char.mod("%d", numbers % 97)))
    prices = np.maximum(0.04, np.round(rng.lognormal(np.log(2.4), 0.9, products) * 20) / 20)
    weights = rng.lognormal(0.0, 1.0, products)  # the top product: about 0.5 % of the lines
    countries = rng.choice(len(COUNTRIES), size=customers, p=_normalized([w for _, w in COUNTRIES]))
    return Catalogue(
        stock_codes=stock_codes,
        descriptions=descriptions,
        prices=prices,
        packs=rng.choice(PACK_SIZES, size=products),
        popularity=np.cumsum(weights) / weights.sum(),
        customer_ids=(FIRST_CUSTOMER + rng.permutation(customers)).astype(np.float64),
        customer_countries=countries,
    )


def _normalized(weights: list[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def _invoice_sizes(rng: np.random.Generator, lines: int) -> np.ndarray:
    """Lines per invoice until `lines` are covered (the last invoice is cut to fit)."""
    sizes = np.empty(0, dtype=np.int64)
    while sizes.sum() < lines:
        more = 1 + rng.lognormal(np.log(12), 1.0, max(16, lines // 15)).astype(np.int64)
        sizes = np.concatenate([sizes, np.minimum(more, 600)])
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, lines)) + 1
    sizes = sizes[:count]
    sizes[-1] -= ends[count - 1] - lines
    return sizes


def _timestamps(rng: np.random.Generator, count: int) -> np.ndarray:
    """Microseconds since the epoch: more trade late in the year, shop hours 8:00-19:59."""
    start, end = (int(moment.timestamp()) for moment in PERIOD)
    days = (end - start) // 86_400
    day = np.floor(days * rng.random(count) ** 0.8).astype(np.int64)
    seconds = day * 86_400 + rng.integers(8 * 3600, 20 * 3600, count) // 60 * 60
    return (start + seconds) * 1_000_000


def generate_chunk(chunk: int, rows: int, catalogue: Catalogue, seed: int) -> pa.RecordBatch:
    """`rows` lines: invoices, then duplicates next to their originals, then cancellations."""
    rng = np.random.default_rng([seed, chunk])
    cancellations = int(round(rows * CANCELLATION_SHARE))
    duplicates = int(round(rows * DUPLICATE_SHARE))
    base = rows - cancellations - duplicates
    if base < 1:  # a handful of rows: plain invoices only
        base, cancellations, duplicates = rows, 0, 0

    sizes = _invoice_sizes(rng, base)
    invoices = len(sizes)
    if invoices > INVOICE_STRIDE:  # cannot happen with 21 lines per invoice on average; never reuse a number
        raise ValueError(f"chunk {chunk} has {invoices} invoices, more than {INVOICE_STRIDE}")
    invoice_numbers = FIRST_INVOICE + chunk * INVOICE_STRIDE + np.arange(invoices)
    customers = len(catalogue.customer_ids)
    # activity rank ~ u^1.8: with the real file's 4,372 customers the busiest places about 1 % of the
    # invoices (the real file: 248 of 25,900), most customers a handful
    rank = np.minimum((customers * rng.random(invoices) ** 1.8).astype(np.int64), customers - 1)
    guest = rng.random(invoices) < GUEST_INVOICE_SHARE
    invoice_time = _timestamps(rng, invoices)

    line_invoice = np.repeat(np.arange(invoices), sizes)
    product = np.searchsorted(catalogue.popularity, rng.random(base))
    product = np.minimum(product, len(catalogue.prices) - 1)
    quantity = catalogue.packs[product] * rng.geometric(0.55, base)
    price = catalogue.prices[product] * np.where(rng.random(base) < 0.15, rng.choice([0.85, 1.15, 1.25], base), 1.0)
    price = np.round(price, 2)
    price[rng.random(base) < ZERO_PRICE_SHARE] = 0.0
    stock = catalogue.stock_codes[product].astype(object)
    description = catalogue.descriptions[product].astype(object)
    description[rng.random(base) < MISSING_DESCRIPTION_SHARE] = None

    special = np.flatnonzero(rng.random(base) < NON_MERCHANDISE_SHARE)
    kind = rng.choice(len(NON_MERCHANDISE), size=len(special), p=_normalized([s for *_, s in NON_MERCHANDISE]))
    stock[special] = [NON_MERCHANDISE[k][0] for k in kind]
    description[special] = [NON_MERCHANDISE[k][1] for k in kind]
    price[special] = np.round([NON_MERCHANDISE[k][2] * rng.uniform(0.5, 1.5) for k in kind], 3)
    quantity[special] = 1

    customer_id = np.where(guest[line_invoice], np.nan, catalogue.customer_ids[rank[line_invoice]])
    customer_id[rng.random(base) < BLANK_CUSTOMER_SHARE] = np.nan
    country = np.array([name for name, _ in COUNTRIES], dtype=object)[catalogue.customer_countries[rank[line_invoice]]]
    invoice_no = invoice_numbers[line_invoice].astype(str).astype(object)
    when = invoice_time[line_invoice]

    # cancellations: a later 'C' invoice of the same customer; most cancel at most what was bought
    merchandise = np.ones(base, dtype=bool)
    merchandise[special] = False
    named = np.flatnonzero(~np.isnan(customer_id) & (price > 0) & merchandise)
    if len(named) == 0:  # nothing to cancel: the lines go to duplicates instead
        cancellations, duplicates = 0, duplicates + cancellations
    source = rng.choice(named, size=cancellations) if cancellations else np.empty(0, dtype=np.int64)
    matched = rng.random(len(source)) < MATCHED_CANCELLATION_SHARE
    cancel_quantity = np.where(
        matched,
        np.maximum(1, (quantity[source] * rng.uniform(0.2, 1.0, len(source))).astype(np.int64)),
        quantity[source] + 1 + rng.integers(0, 12, len(source)),
    )
    # one cancellation invoice per cancelled invoice ('C' + its number), some days later
    end = int(PERIOD[1].timestamp()) * 1_000_000 - 4 * 3600 * 1_000_000  # 20:00 on the last day
    later = rng.integers(1, 30, invoices) * 86_400 + rng.integers(1, 60, invoices) * 60
    cancel_time = np.minimum(when[source] + later[line_invoice[source]] * 1_000_000, end)
    cancel_invoice = np.char.add("C", invoice_no[source].astype(str))

    # duplicates sit right after their original, as in the real file
    copies = np.ones(base, dtype=np.int64)
    np.add.at(copies, rng.choice(base, size=duplicates, replace=duplicates > base), 1)

    def lines(values: np.ndarray, cancelled: np.ndarray) -> np.ndarray:
        return np.concatenate([np.repeat(values, copies), cancelled])

    columns = [
        lines(invoice_no, cancel_invoice.astype(object)),
        lines(stock, stock[source]),
        lines(description, description[source]),
        lines(quantity, -cancel_quantity),
        lines(when, cancel_time),
        lines(price, price[source]),
        lines(customer_id, customer_id[source]),
        lines(country, country[source]),
    ]
    arrays = [pa.array(values, type=field.type, from_pandas=True) for values, field in zip(columns, SCHEMA)]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def chunk_batches(rows: int, customers: int, seed: int):
    """The mapInArrow function: chunk numbers in, their lines out."""

    def generate(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        shared = catalogue(rows, customers, seed)
        for batch in batches:
            for chunk in batch.column(0).to_pylist():
                yield generate_chunk(chunk, min(CHUNK_ROWS, rows - chunk * CHUNK_ROWS), shared, seed)

    return generate


# -- what `segments-dev bench` needs of this generator (Source.bench_generator) -----------------

BENCH_SIZES: tuple[int | None, ...] = (5_000_000, 50_000_000)


def complete(folder: Path) -> bool:
    """Whether `folder` holds a finished output (its last file is written last)."""
    return (folder / "_SUCCESS").is_file()


def generate_arguments(size: int) -> list[str]:
    """`segments-dev generate` arguments for about `size` data lines."""
    return ["online-retail", "--rows", str(size)]


def run_arguments(folder: Path) -> list[str]:
    """`segments run` arguments that read the generated folder."""
    return ["--data", str(folder)]
