"""The published tables of a run on the bundled real file, stored so that an optimisation can prove
it changed nothing: tests/expected/real_file/<table>.csv.gz for every table of customers, products or
aggregates, and a row count plus an order-independent checksum for the two line-level tables.

Columns that name the run rather than the data (run ids, timestamps, the input's path) are left out.
Refresh after an intended change of the outputs, from a state folder that ran the real file:

    SEGMENTS_HOME=<state> python -m tests.expected_tables --write
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import sys
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

EXPECTED_DIR = Path(__file__).resolve().parent / "expected" / "real_file"
DIGESTS_FILE = EXPECTED_DIR / "line_tables.json"
NULL = "\\N"

# table -> the columns compared (`* except (...)` leaves out what names the run or the input path)
STORED = {
    "analytics.fct_customer_rfm": "*",
    "analytics.customer_rfm_scores": "*",
    "analytics.dim_customers": "*",
    "analytics.dim_products": "*",
    "analytics.audit_row_reconciliation": "*",
    "analytics.audit_cancellations": "*",
    "analytics.audit_iqr_bounds": "*",
    "analytics.eda_cancellations": "*",
    "analytics.eda_capping_effect": "*",
    "analytics.eda_categorical_summary": "*",
    # q1, median and q3 are percentile_approx: their merge order, hence the last bits, follows the partitioning
    "analytics.eda_column_profile": "* except (q1, median, q3)",
    "analytics.eda_country_customers": "*",
    "analytics.eda_monthly_revenue": "*",
    "analytics.eda_product_customers": "*",
    "analytics.product_performance": "*",
    # the customer values are doubles from an optimiser: tested against published figures instead
    # (tests/ml/), here only the bands and actions they lead to
    "analytics.customer_segments": "* except (run_id, scored_at, p_alive, expected_purchases, expected_spend, clv, "
    "clv_decile)",
    "analytics.segment_summary": "* except (mean_p_alive, mean_expected_purchases, expected_revenue, clv)",
}
DIGESTED = {
    "analytics.fct_order_lines": "* except (source_file)",
    "analytics.removed_order_lines": "* except (source_file)",
}


def table_rows(spark: SparkSession, table: str, columns: str) -> list[list[str]]:
    """Header, then every row as text (nulls as \\N), sorted: a stable rendering of the table."""
    frame = spark.sql(f"select {columns} from {table}")
    texts = [F.coalesce(F.col(f"`{name}`").cast("string"), F.lit(NULL)) for name in frame.columns]
    rows = sorted(list(row) for row in frame.select(*texts).collect())
    return [frame.columns, *rows]


def table_digest(spark: SparkSession, table: str, columns: str) -> dict[str, object]:
    """Row count and the sum of a 64-bit hash of every row: equal tables, equal digests."""
    row = spark.sql(
        f"select count(*) as rows, cast(sum(cast(xxhash64(*) as decimal(38, 0))) as string) as checksum "
        f"from (select {columns} from {table})"
    ).first()
    return {"rows": row["rows"], "checksum": row["checksum"]}


def stored_rows(table: str) -> list[list[str]]:
    with gzip.open(EXPECTED_DIR / f"{table}.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _same_cell(now: str, stored: str) -> bool:
    """Equal text, or equal doubles up to the last digits: a stddev or mean over doubles depends on
    the order Spark adds them in, which follows the partitioning, not the data."""
    if now == stored:
        return True
    try:
        return math.isclose(float(now), float(stored), rel_tol=1e-12)
    except ValueError:
        return False


def differences(now: list[list[str]], stored: list[list[str]]) -> list[tuple[list[str], list[str]]]:
    """(row now, row stored) for every row that differs; every row when the counts differ."""
    if len(now) != len(stored):
        return list(zip(now, stored)) or [(now, stored)]
    return [(a, b) for a, b in zip(now, stored) if len(a) != len(b) or not all(_same_cell(x, y) for x, y in zip(a, b))]


def stored_digests() -> dict[str, dict[str, object]]:
    return json.loads(DIGESTS_FILE.read_text())


def write(spark: SparkSession) -> None:
    EXPECTED_DIR.mkdir(parents=True, exist_ok=True)
    for table, columns in STORED.items():
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(table_rows(spark, table, columns))
        # mtime 0: the same tables give the same bytes
        with gzip.GzipFile(EXPECTED_DIR / f"{table}.csv.gz", "wb", mtime=0) as handle:
            handle.write(text.getvalue().encode("utf-8"))
    digests = {table: table_digest(spark, table, columns) for table, columns in DIGESTED.items()}
    DIGESTS_FILE.write_text(json.dumps(digests, indent=2) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    from segments.settings import load_settings
    from segments.warehouse.session import embedded_session

    write(embedded_session(load_settings()))
    print(f"written to {EXPECTED_DIR}")
