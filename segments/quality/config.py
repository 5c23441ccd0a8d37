"""The checkpoint thresholds from quality.yml: every key present, every value of the right type."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from segments.errors import UserError


@dataclass(frozen=True)
class RawThresholds:
    earliest_invoice_date: dt.date
    latest_days_ahead: int
    max_missing_customer_id_share: float
    max_rejected_share: float
    max_abs_quantity: int
    invoice_no_pattern: str
    stock_code_pattern: str


@dataclass(frozen=True)
class AmazonRawThresholds:
    earliest_review_date: dt.date
    latest_days_ahead: int
    max_rejected_share: float
    max_rejected_items_share: float


@dataclass(frozen=True)
class TransactionsRawThresholds:
    earliest_order_date: dt.date
    latest_days_ahead: int
    max_rejected_share: float
    max_missing_customer_id_share: float


@dataclass(frozen=True)
class SegmentThresholds:
    min_silhouette_of_chosen_k: float


@dataclass(frozen=True)
class BacktestThresholds:
    min_purchases_correlation: float
    max_purchase_probability_brier: float
    min_purchase_probability_auc: float
    min_p_alive_auc: float
    min_top_decile_lift: float


@dataclass(frozen=True)
class QualityConfig:
    path: Path
    raw: RawThresholds
    segments: SegmentThresholds
    amazon_raw: AmazonRawThresholds | None = None  # optional: only an Amazon Reviews run needs it
    transactions_raw: TransactionsRawThresholds | None = None  # optional: only a transactions run
    backtest: BacktestThresholds | None = None  # optional: only `segments backtest` needs it


def _share(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _pattern(value: Any) -> bool:
    try:
        re.compile(value)
    except (re.error, TypeError):
        return False
    return isinstance(value, str)


def _date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# key -> (check, what a valid value looks like)
RAW_KEYS = {
    "earliest_invoice_date": (_date, "a date, yyyy-mm-dd"),
    "latest_days_ahead": (_count, "a whole number of days >= 0"),
    "max_missing_customer_id_share": (_share, "a share between 0 and 1"),
    "max_rejected_share": (_share, "a share between 0 and 1"),
    "max_abs_quantity": (_count, "a whole number >= 0"),
    "invoice_no_pattern": (_pattern, "a regular expression"),
    "stock_code_pattern": (_pattern, "a regular expression"),
}
AMAZON_RAW_KEYS = {
    "earliest_review_date": (_date, "a date, yyyy-mm-dd"),
    "latest_days_ahead": (_count, "a whole number of days >= 0"),
    "max_rejected_share": (_share, "a share between 0 and 1"),
    "max_rejected_items_share": (_share, "a share between 0 and 1"),
}
TRANSACTIONS_RAW_KEYS = {
    "earliest_order_date": (_date, "a date, yyyy-mm-dd"),
    "latest_days_ahead": (_count, "a whole number of days >= 0"),
    "max_rejected_share": (_share, "a share between 0 and 1"),
    "max_missing_customer_id_share": (_share, "a share between 0 and 1"),
}
BACKTEST_KEYS = {
    "min_purchases_correlation": (lambda v: _number(v) and -1 <= v <= 1, "a number between -1 and 1"),
    "max_purchase_probability_brier": (_share, "a number between 0 and 1"),
    "min_purchase_probability_auc": (_share, "a number between 0 and 1"),
    "min_p_alive_auc": (_share, "a number between 0 and 1"),
    "min_top_decile_lift": (lambda v: _number(v) and v >= 0, "a number >= 0"),
}
SEGMENT_KEYS = {"min_silhouette_of_chosen_k": (lambda v: _number(v) and -1 <= v <= 1, "a number between -1 and 1")}


def _section(document: dict, name: str, keys: dict, path: Path) -> dict[str, Any]:
    section = document.get(name)
    if not isinstance(section, dict):
        raise UserError(f"{path}: section '{name}' is missing", "Copy it from the project's quality.yml")
    unknown = sorted(set(section) - set(keys))
    if unknown:
        raise UserError(f"{path}: unknown key {name}.{unknown[0]}", f"Known keys: {', '.join(keys)}")
    values = {}
    for key, (valid, expected) in keys.items():
        if key not in section:
            raise UserError(f"{path}: {name}.{key} is missing", f"Set it to {expected}")
        if not valid(section[key]):
            raise UserError(f"{path}: {name}.{key} = {section[key]!r} is not {expected}")
        values[key] = section[key]
    return values


def load_quality_config(path: Path) -> QualityConfig:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"quality config {path} does not exist", "Pass an existing file to --quality-config") from None
    except yaml.YAMLError as error:
        raise UserError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise UserError(f"{path} must hold the sections 'raw' and 'segments'")
    raw = _section(document, "raw", RAW_KEYS, path)
    raw["earliest_invoice_date"] = dt.date.fromisoformat(str(raw["earliest_invoice_date"]))
    segments = _section(document, "segments", SEGMENT_KEYS, path)
    amazon_raw = None
    if "amazon_raw" in document:
        amazon_raw = _section(document, "amazon_raw", AMAZON_RAW_KEYS, path)
        amazon_raw["earliest_review_date"] = dt.date.fromisoformat(str(amazon_raw["earliest_review_date"]))
        amazon_raw = AmazonRawThresholds(**amazon_raw)
    transactions_raw = None
    if "transactions_raw" in document:
        transactions_raw = _section(document, "transactions_raw", TRANSACTIONS_RAW_KEYS, path)
        transactions_raw["earliest_order_date"] = dt.date.fromisoformat(str(transactions_raw["earliest_order_date"]))
        transactions_raw = TransactionsRawThresholds(**transactions_raw)
    backtest = None
    if "backtest" in document:
        backtest = BacktestThresholds(**_section(document, "backtest", BACKTEST_KEYS, path))
    return QualityConfig(
        path=path,
        raw=RawThresholds(**raw),
        segments=SegmentThresholds(**segments),
        amazon_raw=amazon_raw,
        transactions_raw=transactions_raw,
        backtest=backtest,
    )
