"""The column mapping of the transactions source: which input column is which, how the input is laid
out, and which cleaning rules run. From `--map` (columns only) and a YAML file (`--mapping`):

    columns:
      customer_id: cust_no           # a column name, or its position (1, 2, ...) without a header
      ordered_at: date:yyyyMMdd      # or {column: date, format: yyyyMMdd}; a Spark datetime pattern
      amount: dollars                # or quantity + unit_price
    csv: {delimiter: whitespace, header: false}
    rules: {remove_duplicates: false}

Everything here is checked without Spark: every mistake is one UserError line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from segments.errors import UserError

REQUIRED = ("customer_id", "ordered_at")
VALUES = ("amount", "quantity", "unit_price")
OPTIONAL = ("order_id", "product_id", "description", "country")
TARGETS = REQUIRED + VALUES + OPTIONAL

# rule -> the targets it needs mapped. Each can be switched off in the mapping file's `rules:`.
RULES: dict[str, tuple[str, ...]] = {
    "fill_customer_from_order": ("order_id",),  # a line without customer takes its order's customer
    "remove_duplicates": (),  # exact copies of a line: one kept
    "flag_non_merchandise": ("product_id",),  # seed non_merchandise_stock_codes: never counted in RFM
    "impute_zero_prices": ("product_id", "unit_price"),  # price 0: the product's most frequent price
    "match_cancellations": (),  # negative lines matched to an earlier purchase, unmatched removed
    "cap_outliers": (),  # IQR capping of quantity and unit price, or of the amount
}
WHITESPACE = "whitespace"
# Spark datetime pattern letters -> strptime, for checking a format on the first rows before Spark
PATTERN_LETTERS = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%m",
    "dd": "%d",
    "d": "%d",
    "HH": "%H",
    "H": "%H",
    "hh": "%I",
    "h": "%I",
    "mm": "%M",
    "m": "%M",
    "ss": "%S",
    "s": "%S",
    "SSSSSS": "%f",
    "SSS": "%f",
    "a": "%p",
    "EEEE": "%A",
    "EEE": "%a",
}
PATTERN_TOKEN = re.compile("|".join(sorted(PATTERN_LETTERS, key=len, reverse=True)) + r"|'[^']*'|[A-Za-z]|.")


@dataclass(frozen=True)
class Column:
    name: str  # the input's column name, or its 1-based position as text when the input has no header
    date_format: str | None = None  # ordered_at only: a Spark datetime pattern for text dates

    @property
    def position(self) -> int | None:
        return int(self.name) if self.name.isdigit() else None


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, Column]
    delimiter: str = ","  # one character, or "whitespace" (runs of spaces and tabs)
    header: bool = True
    switched_off: frozenset[str] = field(default_factory=frozenset)

    @property
    def amount_mode(self) -> bool:
        """Whole orders (or lines) with an amount, rather than quantity x unit price."""
        return "amount" in self.columns

    def rules(self) -> dict[str, str | None]:
        """Every rule -> None when it runs, else why it does not."""
        reasons: dict[str, str | None] = {}
        for rule, needs in RULES.items():
            missing = [t for t in needs if t not in self.columns]
            if rule == "impute_zero_prices" and self.amount_mode:
                missing = missing or ["unit_price"]
            if rule in self.switched_off:
                reasons[rule] = "switched off in the mapping"
            elif missing:
                reasons[rule] = f"{' and '.join(missing)} not mapped"
            else:
                reasons[rule] = None
        return reasons

    def describe(self) -> str:
        return ", ".join(
            f"{t}={c.name}" + (f":{c.date_format}" if c.date_format else "") for t, c in self.columns.items()
        )


def _column(target: str, value: object, where: str) -> Column:
    if isinstance(value, dict):
        unknown = set(value) - {"column", "format"}
        if unknown or "column" not in value:
            raise UserError(f"{where}: {target} takes {{column: NAME, format: PATTERN}}, got {value!r}")
        name, date_format = value["column"], value.get("format")
    else:
        name, date_format = value, None
        if target == "ordered_at" and isinstance(value, str) and ":" in value:
            name, date_format = value.split(":", 1)
    if isinstance(name, bool) or not isinstance(name, (str, int)) or not str(name).strip():
        raise UserError(f"{where}: {target} names no column (got {value!r})")
    if date_format is not None and target != "ordered_at":
        raise UserError(f"{where}: only ordered_at takes a date format, not {target}")
    if date_format is not None:
        check_pattern(str(date_format), where)
    return Column(str(name).strip(), str(date_format) if date_format else None)


def _columns(pairs: list[tuple[str, object]], where: str) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for target, value in pairs:
        if target not in TARGETS:
            raise UserError(f"{where}: unknown target {target!r}", f"Map some of: {', '.join(TARGETS)}")
        if target in columns:
            raise UserError(f"{where}: {target} is mapped twice")
        columns[target] = _column(target, value, where)
    return columns


def parse_map_option(text: str) -> dict[str, Column]:
    """`customer_id=cust_no,ordered_at=date:yyyyMMdd,amount=dollars`"""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        target, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise UserError(f"--map: expected TARGET=COLUMN, got {item!r}", "e.g. --map customer_id=cust_no")
        pairs.append((target.strip(), value.strip()))
    return _columns(pairs, "--map")


def _read_yaml(path: Path) -> dict:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"mapping file {path} does not exist", "Check the path given to --mapping") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read the mapping file {path}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise UserError(f"{path} is not a mapping file", "It needs a `columns:` section")
    unknown = set(loaded) - {"columns", "csv", "rules"}
    if unknown:
        raise UserError(f"{path}: unknown section {sorted(unknown)[0]!r}", "Use columns, csv and rules")
    return loaded


def _section(loaded: dict, key: str, path: Path) -> dict:
    section = loaded.get(key) or {}
    if not isinstance(section, dict):
        raise UserError(f"{path}: {key} must be a mapping of names to values")
    return section


def _csv_options(section: dict, where: str) -> tuple[str, bool]:
    unknown = set(section) - {"delimiter", "header"}
    if unknown:
        raise UserError(f"{where}: unknown csv option {sorted(unknown)[0]!r}", "Use delimiter and header")
    delimiter = section.get("delimiter", ",")
    if delimiter == "\\t":
        delimiter = "\t"
    if not isinstance(delimiter, str) or (delimiter != WHITESPACE and len(delimiter) != 1):
        raise UserError(f"{where}: delimiter must be one character or 'whitespace', got {delimiter!r}")
    header = section.get("header", True)
    if not isinstance(header, bool):
        raise UserError(f"{where}: header must be true or false, got {header!r}")
    return delimiter, header


def _switched_off(section: dict, where: str) -> frozenset[str]:
    off = set()
    for rule, enabled in section.items():
        if rule not in RULES:
            raise UserError(f"{where}: unknown rule {rule!r}", f"Rules: {', '.join(RULES)}")
        if not isinstance(enabled, bool):
            raise UserError(f"{where}: rule {rule} must be true or false, got {enabled!r}")
        if not enabled:
            off.add(rule)
    return frozenset(off)


def load_mapping(path: Path | None, map_text: str | None, delimiter: str | None, header: bool | None) -> Mapping:
    """The file's mapping, with `--map` columns and the CSV options of the command line on top."""
    loaded = _read_yaml(path) if path else {}
    where = str(path) if path else "--map"
    columns = _columns(list(_section(loaded, "columns", path).items()), where) if path else {}
    if map_text:
        columns.update(parse_map_option(map_text))
    csv = {**_section(loaded, "csv", path), **({"delimiter": delimiter} if delimiter is not None else {})}
    if header is not None:
        csv["header"] = header
    delimiter, header = _csv_options(csv, where if path else "--delimiter")
    mapping = Mapping(columns, delimiter, header, _switched_off(_section(loaded, "rules", path), where))
    check_complete(mapping, where)
    return mapping


def check_complete(mapping: Mapping, where: str) -> None:
    if not mapping.columns:
        raise UserError(
            "the transactions source needs a column mapping",
            "Give --mapping FILE.yml or --map customer_id=COLUMN,ordered_at=COLUMN,amount=COLUMN",
        )
    missing = [t for t in REQUIRED if t not in mapping.columns]
    if missing:
        raise UserError(f"{where}: {' and '.join(missing)} must be mapped", f"Mapped: {mapping.describe()}")
    has_lines = "quantity" in mapping.columns and "unit_price" in mapping.columns
    if "amount" not in mapping.columns and not has_lines:
        raise UserError(f"{where}: map either amount, or quantity and unit_price", f"Mapped: {mapping.describe()}")
    if "amount" in mapping.columns and "unit_price" in mapping.columns:
        raise UserError(f"{where}: map amount or unit_price, not both", "amount is the line's or order's total")
    positions = [c.position is not None for c in mapping.columns.values()]
    if not mapping.header and not all(positions):
        raise UserError(f"{where}: without a header, name columns by position (1, 2, ...)", mapping.describe())


def check_pattern(pattern: str, where: str = "--map") -> str:
    """The strptime equivalent of a Spark datetime pattern; an error for letters it cannot check."""
    parts = []
    for token in PATTERN_TOKEN.findall(pattern):
        if token in PATTERN_LETTERS:
            parts.append(PATTERN_LETTERS[token])
        elif token.startswith("'"):
            parts.append(token.strip("'").replace("%", "%%") or "'")
        elif token.isalpha():
            raise UserError(
                f"{where}: the date format {pattern!r} has the letter {token!r}, which is not supported",
                "Use y, M, d, H, h, m, s, S, a and E (Spark datetime patterns), e.g. yyyy-MM-dd HH:mm:ss",
            )
        else:
            parts.append(token.replace("%", "%%"))
    return "".join(parts)


def parses_any(values: list[str], pattern: str) -> bool:
    python_format = check_pattern(pattern)
    for value in values:
        try:
            datetime.strptime(value.strip(), python_format)
        except ValueError:
            continue
        return True
    return False
