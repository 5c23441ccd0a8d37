"""The transactions source's files, checked against the mapping before Spark starts: every mapped
column is in every file, and a text date's format parses at least one of the first rows."""

from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path

from segments.errors import UserError
from segments.sources.files import CheckedInputs, check_inputs
from segments.sources.inputs import (
    ACCEPTED_TYPES,
    GZIP_MAGIC,
    PARQUET_MAGIC,
    InputFile,
    arrow_type,
    check_container,
    decode_line,
    parquet_schema,
    sha256_of,
    unreadable,
)
from segments.sources.transactions.mapping import WHITESPACE, Mapping, parses_any

SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz", ".parquet")
SAMPLE_ROWS = 20  # the first data rows a date format must parse at least one of
DATASET = "transactions"


def split_fields(line: str, delimiter: str) -> list[str]:
    if delimiter == WHITESPACE:
        return line.split()
    return next(csv.reader([line], delimiter=delimiter), [])


def _head_lines(path: Path, head: bytes, count: int) -> list[str]:
    """The first `count` lines that are not blank, decoded."""
    lines: list[str] = []
    try:
        with (gzip.open if head.startswith(GZIP_MAGIC) else open)(path, "rb") as handle:
            for raw in handle:
                text = decode_line(raw)
                if text.strip():
                    lines.append(text)
                    if len(lines) == count:
                        break
    except (OSError, EOFError, zlib.error) as exc:
        raise unreadable(path, exc) from exc
    return lines


def find_columns(where: str, mapping: Mapping, names: list[str], has: str) -> dict[str, int]:
    """Target -> index among `names`: by exact name, else by a name that differs only in case."""
    positions: dict[str, int] = {}
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        folded.setdefault(name.casefold(), []).append(index)
    for target, column in mapping.columns.items():
        if column.name in names:
            positions[target] = names.index(column.name)
        elif len(folded.get(column.name.casefold(), [])) == 1:
            positions[target] = folded[column.name.casefold()][0]
        else:
            shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
            raise UserError(f"{where} has no column {column.name!r} (mapped to {target}); {has}: {shown}")
    return positions


def check_dates(where: str, mapping: Mapping, values: list[str]) -> None:
    """A text date's format must parse at least one of the first values."""
    column = mapping.columns["ordered_at"]
    values = [v for v in values if v and v.strip()]
    if column.date_format and values and not parses_any(values, column.date_format):
        raise UserError(
            f"{where}: the date format {column.date_format!r} of ordered_at parses none of the first "
            f"{len(values)} values of column {column.name!r} (e.g. {values[0]!r})",
            "Give the format the column is written in, e.g. ordered_at=date:yyyy-MM-dd",
        )


def _inspect_text(path: Path, head: bytes, mapping: Mapping) -> InputFile:
    lines = _head_lines(path, head, SAMPLE_ROWS + 1)
    first = split_fields(lines[0], mapping.delimiter) if lines else []
    if mapping.header:
        names, data, has = [name.strip() for name in first], lines[1:], "its header has"
    else:
        names, data, has = [str(i) for i in range(1, len(first) + 1)], lines, "its first line has fields"
    if not data:
        raise UserError(f"no data lines in {path}", "Check that the right file was given")
    positions = find_columns(str(path), mapping, names, has)
    at = positions["ordered_at"]
    check_dates(str(path), mapping, [f[at] for f in (split_fields(d, mapping.delimiter) for d in data) if len(f) > at])
    return InputFile(
        path=path,
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        header_line=lines[0] if mapping.header else "",
        field_count=len(names),
        positions=positions,
    )


def _inspect_parquet(path: Path, mapping: Mapping) -> InputFile:
    import pyarrow.parquet as pq

    kinds, rows = parquet_schema(path)
    if rows == 0:
        raise UserError(
            f"no data lines in {path} (the Parquet file has no rows)", "Check that the right file was given"
        )
    positions = find_columns(str(path), mapping, [name for name, _ in kinds], "its schema has")
    for target, index in positions.items():
        name, kind = kinds[index]
        if kind is None:
            raise UserError(
                f"{path}: column {name!r} ({target}) has the type {arrow_type(path, index)}", ACCEPTED_TYPES
            )
        if kind == "timestamp_ns":
            raise UserError(
                f"{path}: column {name!r} holds nanosecond timestamps, which Spark cannot read",
                "Write it with microseconds (pandas: to_parquet(..., coerce_timestamps='us'))",
            )
    date_name, date_kind = kinds[positions["ordered_at"]]
    if date_kind == "text":
        batch = next(pq.ParquetFile(path).iter_batches(batch_size=SAMPLE_ROWS, columns=[date_name]))
        check_dates(str(path), mapping, [v for v in batch.column(0).to_pylist() if v is not None])
    return InputFile(
        path=path,
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        header_line="",
        field_count=len(kinds),
        positions=positions,
        columns=tuple((name, kind or "other") for name, kind in kinds),
        rows=rows,
    )


def inspect_file(path: Path, mapping: Mapping) -> InputFile:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise UserError(f"cannot open {path}: {exc.strerror}") from exc
    check_container(path, head)
    if head.startswith(PARQUET_MAGIC):
        return _inspect_parquet(path, mapping)
    return _inspect_text(path, head, mapping)


def check_files(paths: list[Path], mapping: Mapping) -> CheckedInputs:
    return check_inputs(paths, lambda path: inspect_file(path, mapping), DATASET, SUFFIXES)
