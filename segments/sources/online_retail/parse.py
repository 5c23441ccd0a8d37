"""Parse Online Retail lines with Spark: typed rows, or a reject with the raw line and a reason.

CSV lines are read as text and parsed here rather than by Spark's CSV reader so that every line keeps
its raw text (rejects need it), the field count is checked (the CSV reader silently pads or drops
fields), and the encoding is decided per line: bytes that are valid UTF-8 are read as UTF-8, others
as ISO-8859-1 (the UCI/Kaggle copies), so `£` survives either way and a mixed file works too.

Parquet columns are turned into the text a CSV field would hold and go through the same rules, so a
value is accepted or rejected alike in either format; a rejected row keeps its JSON rendering.
Files of one layout (same header, or same Parquet schema) are read by one reader, so a folder of
part files is one scan, not a union of one plan per file.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from segments.sources.files import decoded_lines, source_file_column, spread_partitions
from segments.sources.inputs import InputFile

# Accepted InvoiceDate layouts. A failed parse is costly (an exception per row), so ISO-looking
# values only try the ISO layouts and the others only the UCI/Kaggle ones.
ISO_DATE = r"^[0-9]{4}-"
ISO_DATE_FORMATS = ("yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss")
US_DATE_FORMATS = ("M/d/yyyy H:mm", "M/d/yyyy H:mm:ss")
INTEGER = r"^[+-]?[0-9]{1,9}$"
# Plain decimals or thousands-separated ones (`1,234.50`), at most 4 decimals (trailing zeros aside).
DECIMAL = r"^[+-]?(([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]*)?|\.[0-9]+)$"
MAX_DECIMALS = r"^[+-]?[0-9]*(\.[0-9]{0,4}0*)?$"  # checked after dropping the separators
CUSTOMER_ID = r"^[0-9]+(\.0*)?$"  # 17850 or 17850.0 (pandas wrote it as a float)
QUOTED_FIELD = r'"(?:[^"]|"")*+"'
OPEN_QUOTE = r'(^|,)"'  # left over once the quoted fields are removed: a quote that never closes

# Reject reasons, in the order they are checked: a line gets the first that applies.
REJECT_REASONS = (
    "malformed_quotes",
    "wrong_field_count",
    "missing_invoice_no",
    "missing_stock_code",
    "invalid_quantity",
    "invalid_unit_price",
    "invalid_invoice_date",
    "invalid_customer_id",
)

LINE_COLUMNS = (
    "invoice_no",
    "stock_code",
    "description",
    "quantity",
    "invoice_date",
    "unit_price",
    "customer_id",
    "country",
)


def _as_text(column: Column, kind: str) -> Column:
    """A Parquet value as the text of a CSV field: 2.55 not 2.5500000000, 17850 not 17850.0, NaN
    (pandas' missing number) as a missing value."""
    if kind in ("float", "decimal"):
        # %f: plain notation (a cast to string could give 1.0E-4 or 0E-10)
        text = F.format_string("%.10f", column) if kind == "float" else column.cast("string")
        if kind == "float":
            text = F.when(column.isNotNull() & ~F.isnan(column), text)  # format_string gives 'null'
        text = F.when(text.contains("."), F.regexp_replace(text, r"\.?0+$", "")).otherwise(text)
        if kind == "float":
            # a whole number below 10^15 is exact in a double: the same digits without format_string,
            # which costs a microsecond a value (pandas writes customer ids as floats)
            whole = ~F.isnan(column) & column.between(1, 1e15) & (column == F.floor(column))
            text = F.when(whole, column.cast("long").cast("string")).otherwise(text)
        return text
    if kind == "timestamp_ns":
        column = F.timestamp_micros(F.floor(column / 1000))
    if kind in ("timestamp", "timestamp_ns"):
        return F.date_format(column, "yyyy-MM-dd HH:mm:ss")
    return column.cast("string")


def _typed_value(column: Column, name: str, kind: str) -> Column | None:
    """The value a typed Parquet column gives without the round trip through text, where that round
    trip is known to be exact; elsewhere None, and the text path decides. Exact are: an integer
    quantity within the 9 digits the text rule admits; a timestamp of a 4-digit year (in UTC, the
    session time zone, format-then-parse is truncation to the second); a floating unit price below
    10^9 with at most 4 decimals at 10 places. Java's %.10f and Spark's cast to decimal both round
    the shortest decimal form of the double half up, so the text would hold the same digits."""
    if name == "quantity" and kind == "integer":
        return F.when(column.between(-999_999_999, 999_999_999), column.cast("int"))
    if name == "invoice_date" and kind in ("timestamp", "timestamp_ns"):
        if kind == "timestamp_ns":
            column = F.timestamp_micros(F.floor(column / 1000))
        instant = column.cast("timestamp")
        return F.when(F.year(instant).between(1000, 9999), F.date_trunc("second", instant))
    if name == "unit_price" and kind == "float":
        double = column.cast("double")  # a float widens exactly, as Java's formatter widens it
        at_ten_places = F.when(~F.isnan(double) & (F.abs(double) < 1e9), double.cast("decimal(20,10)"))
        return F.when(at_ten_places == F.round(at_ten_places, 4), at_ten_places.cast("decimal(18,4)"))
    return None


def _parquet_line(layout: InputFile) -> Column:
    """A Parquet row as JSON: the raw_line a rejected row keeps. Built from the record_<i> columns of
    _parquet_rows, inside the reject branch, so that accepted rows never pay for to_json."""
    return F.to_json(F.struct(*(F.col(f"record_{i}").alias(name) for i, (name, _) in enumerate(layout.columns))))


def _parquet_rows(spark: SparkSession, sources: list[InputFile]) -> DataFrame:
    """Parquet rows in the shape _split_fields gives CSV lines: text_<column> is null where
    typed_<column> (_typed_value) holds the value, and record_<i> are the columns as read."""
    layout = sources[0]
    if any(kind == "timestamp_ns" for _, kind in layout.columns):
        # Spark refuses TIMESTAMP(NANOS) columns unless told to read them as numbers
        spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
    frame = spark.read.parquet(*[str(s.path) for s in sources])
    columns = [F.col(f"`{name}`") for name, _ in layout.columns]
    typed = {name: _typed_value(columns[i], name, layout.columns[i][1]) for name, i in layout.positions.items()}

    def text(name: str, i: int) -> Column:
        as_text = _as_text(columns[i], layout.columns[i][1])
        return as_text if typed[name] is None else F.when(typed[name].isNull(), as_text)

    rows = frame.select(
        source_file_column().alias("source_file"),
        *(column.alias(f"record_{i}") for i, column in enumerate(columns)),
        F.lit(False).alias("is_latin1"),
        F.lit("data").alias("line_kind"),
        F.lit(layout.field_count).alias("field_count"),
        F.lit(False).alias("malformed_quotes"),
        *(text(name, i).alias(f"text_{name}") for name, i in layout.positions.items()),
        *(value.alias(f"typed_{name}") for name, value in typed.items() if value is not None),
    )
    return spread_partitions(spark, rows, sources)


def _blank_to_null(column: Column) -> Column:
    trimmed = F.trim(column)
    return F.when(trimmed != "", column)


def _split_fields(lines: DataFrame, source: InputFile) -> DataFrame:
    """CSV-split each line exactly once. from_csv sits inside a generator (explode of a one-element
    array) because the optimizer would otherwise inline it into every field reference and parse each
    line once per field."""
    schema = ", ".join(f"f{i} string" for i in range(source.field_count))
    line = F.col("line")
    unquoted = F.regexp_replace(line, QUOTED_FIELD, "")
    has_quote = F.instr(line, '"') > 0
    field_count = F.when(has_quote, F.size(F.split(unquoted, ",", -1))).otherwise(
        F.length(line) - F.length(F.replace(line, F.lit(","), F.lit(""))) + 1
    )
    malformed_quotes = has_quote & unquoted.rlike(OPEN_QUOTE)
    with_fields = lines.select(
        "*",
        F.explode(F.array(F.from_csv(line, schema, {"escape": '"'}))).alias("fields"),
        field_count.alias("field_count"),
        malformed_quotes.alias("malformed_quotes"),
    )
    return with_fields.select(
        *lines.columns,
        "field_count",
        "malformed_quotes",
        *(F.col(f"fields.f{index}").alias(f"text_{name}") for name, index in source.positions.items()),
    )


def _timestamp(text: Column, formats: tuple[str, ...]) -> Column:
    return F.coalesce(*(F.try_to_timestamp(text, F.lit(fmt)) for fmt in formats))


def _typed(split: DataFrame, expected_fields: int, line: Column) -> DataFrame:
    """Typed columns and the reject reason of every line; `line` is its raw text, kept for rejects."""
    raw = {name: F.col(f"text_{name}") for name in LINE_COLUMNS}
    quantity_text = F.trim(raw["quantity"])
    price_text = F.regexp_replace(F.trim(raw["unit_price"]), ",", "")
    date_text = F.trim(raw["invoice_date"])
    customer_text = F.trim(raw["customer_id"])
    invoice_date = F.when(date_text.rlike(ISO_DATE), _timestamp(date_text, ISO_DATE_FORMATS)).otherwise(
        _timestamp(date_text, US_DATE_FORMATS)
    )
    quantity = quantity_text.cast("int")
    quantity_valid = F.coalesce(quantity_text.rlike(INTEGER), F.lit(False))
    unit_price = price_text.cast("decimal(18,4)")
    unit_price_valid = F.coalesce(
        F.trim(raw["unit_price"]).rlike(DECIMAL) & price_text.rlike(MAX_DECIMALS), F.lit(False)
    )
    # typed Parquet values: the text is parsed only where the typed value is null
    if "typed_invoice_date" in split.columns:
        invoice_date = F.coalesce(F.col("typed_invoice_date"), invoice_date)
    if "typed_quantity" in split.columns:
        quantity_valid = F.col("typed_quantity").isNotNull() | quantity_valid
        quantity = F.coalesce(F.col("typed_quantity"), quantity)
    if "typed_unit_price" in split.columns:
        unit_price_valid = F.col("typed_unit_price").isNotNull() | unit_price_valid
        unit_price = F.coalesce(F.col("typed_unit_price"), unit_price)

    checks = {
        "malformed_quotes": F.col("malformed_quotes"),
        "wrong_field_count": F.col("field_count") != expected_fields,
        "missing_invoice_no": _blank_to_null(raw["invoice_no"]).isNull(),
        "missing_stock_code": _blank_to_null(raw["stock_code"]).isNull(),
        "invalid_quantity": ~quantity_valid,
        "invalid_unit_price": ~unit_price_valid,
        "invalid_invoice_date": invoice_date.isNull(),
        "invalid_customer_id": (customer_text != "") & ~customer_text.rlike(CUSTOMER_ID),
    }
    reason = F.lit(None).cast("string")
    for name in reversed(REJECT_REASONS):
        reason = F.when(F.coalesce(checks[name], F.lit(False)), F.lit(name)).otherwise(reason)

    reject_reason = F.when(F.col("line_kind") == "data", reason)
    return split.select(
        "source_file",
        "is_latin1",
        "line_kind",
        reject_reason.alias("reject_reason"),
        F.when(reject_reason.isNotNull(), line).alias("raw_line"),
        raw["invoice_no"].alias("invoice_no"),
        raw["stock_code"].alias("stock_code"),
        raw["description"].alias("description"),
        quantity.alias("quantity"),
        invoice_date.alias("invoice_date"),
        unit_price.alias("unit_price"),
        raw["customer_id"].alias("customer_id"),
        raw["country"].alias("country"),
    )


def _union(parts: list[DataFrame]) -> DataFrame:
    result = parts[0]
    for part in parts[1:]:
        result = result.unionByName(part)
    return result


def _by_layout(sources: list[InputFile]) -> list[list[InputFile]]:
    groups: dict[tuple, list[InputFile]] = {}
    for source in sources:
        groups.setdefault(source.layout, []).append(source)
    return list(groups.values())


def classify_lines(spark: SparkSession, sources: list[InputFile]) -> DataFrame:
    """Every physical line of text files, only decoded and classified (data/header/blank): a cheap
    first pass that finds empty or corrupt files before anything is written."""
    return _union(
        [
            decoded_lines(spark, group, spread=False).select("source_file", "line_kind", "is_latin1")
            for group in _by_layout(sources)
        ]
    )


def parse_files(spark: SparkSession, sources: list[InputFile]) -> DataFrame:
    """Every physical line of every file, classified (data/header/blank) and parsed or rejected."""
    return _union(
        [
            _typed(_parquet_rows(spark, group), group[0].field_count, _parquet_line(group[0]))
            if group[0].is_parquet
            else _typed(_split_fields(decoded_lines(spark, group), group[0]), group[0].field_count, F.col("line"))
            for group in _by_layout(sources)
        ]
    )
