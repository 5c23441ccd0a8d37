"""The transactions source's column mapping and file checks, before Spark starts: every mistake a
user can make is one clear line, and the rules that run follow from what is mapped."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segments.cli import main
from segments.errors import UserError
from segments.sources.base import Inputs
from segments.sources.transactions.inputs import check_files
from segments.sources.transactions.mapping import RULES, load_mapping, parses_any
from tests.helpers import lifetimes_dataset

LINES = "order,customer,when,sku,qty,price\nA1,c1,2024-01-05,P1,2,3.50\nA2,c2,2024-01-06,P2,1,9.99\n"


def _mapping(text: str | None = None, yaml_text: str | None = None, tmp_path=None, **options):
    path = None
    if yaml_text is not None:
        path = tmp_path / "mapping.yml"
        path.write_text(yaml_text)
    return load_mapping(path, text, options.get("delimiter"), options.get("header"))


def _csv(tmp_path, text: str = LINES, name: str = "orders.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


LINE_MAP = "customer_id=customer,ordered_at=when:yyyy-MM-dd,quantity=qty,unit_price=price"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("customer_id=customer,when=x", "--map: unknown target 'when'. Map some of: customer_id, ordered_at"),
        ("customer_id=a,customer_id=b,ordered_at=c,amount=d", "--map: customer_id is mapped twice"),
        ("customer_id=a,amount=d", "--map: ordered_at must be mapped"),
        ("customer_id=a,ordered_at=b,quantity=c", "--map: map either amount, or quantity and unit_price"),
        ("customer_id=a,ordered_at=b,amount=c,unit_price=d", "--map: map amount or unit_price, not both"),
        ("customer_id=a,ordered_at=b:yyyy-QQ,amount=c", "the date format 'yyyy-QQ' has the letter 'Q'"),
        ("customer_id,ordered_at=b,amount=c", "--map: expected TARGET=COLUMN, got 'customer_id'"),
    ],
)
def test_every_mistake_in_map_is_one_clear_error(text, message):
    with pytest.raises(UserError) as error:
        _mapping(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_no_mapping_at_all_says_how_to_give_one():
    with pytest.raises(UserError, match="needs a column mapping. Give --mapping FILE.yml or --map"):
        _mapping(None)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("columns: [a, b]", "columns must be a mapping of names to values"),
        ("colums: {customer_id: a}", "unknown section 'colums'. Use columns, csv and rules"),
        ("columns: {customer_id: a, ordered_at: b, amount: c}\nrules: {dedupe: false}", "unknown rule 'dedupe'"),
        ("columns: {customer_id: a, ordered_at: b, amount: c}\nrules: {remove_duplicates: no way}", "true or false"),
        (
            "columns: {customer_id: a, ordered_at: b, amount: c}\ncsv: {delimiter: ';;'}",
            "one character or 'whitespace'",
        ),
        ("columns: {customer_id: a, ordered_at: b, amount: c}\ncsv: {header: false}", "name columns by position"),
        ("columns: {customer_id: a, ordered_at: {column: b, fmt: x}, amount: c}", "{column: NAME, format: PATTERN}"),
        ("columns: {customer_id: '', ordered_at: b, amount: c}", "customer_id names no column"),
        (
            "columns: {customer_id: {column: a, format: yyyy}, ordered_at: b, amount: c}",
            "only ordered_at takes a date format, not customer_id",
        ),
        ("columns: {customer_id: a\n", "cannot read the mapping file"),
    ],
)
def test_every_mistake_in_a_mapping_file_is_one_clear_error(tmp_path, yaml_text, message):
    with pytest.raises(UserError) as error:
        _mapping(yaml_text=yaml_text, tmp_path=tmp_path)
    assert message in str(error.value)


def test_a_missing_mapping_file_is_named(tmp_path):
    with pytest.raises(UserError, match="mapping file .*nope.yml does not exist"):
        load_mapping(tmp_path / "nope.yml", None, None, None)


def test_the_command_line_adds_to_the_file_and_overrides_its_csv_options(tmp_path):
    mapping = _mapping(
        "country=5",
        "columns: {customer_id: '1', ordered_at: '2:yyyyMMdd', amount: 4}\ncsv: {delimiter: ',', header: true}",
        tmp_path,
        delimiter="whitespace",
        header=False,
    )
    assert {t: c.name for t, c in mapping.columns.items()} == {
        "customer_id": "1",
        "ordered_at": "2",
        "amount": "4",
        "country": "5",
    }
    assert mapping.columns["ordered_at"].date_format == "yyyyMMdd"
    assert (mapping.delimiter, mapping.header) == ("whitespace", False)


def test_the_rules_that_run_follow_from_the_mapping_and_the_switches(tmp_path):
    everything = _mapping(LINE_MAP + ",order_id=order,product_id=sku")
    assert everything.rules() == dict.fromkeys(RULES)
    orders_only = _mapping("customer_id=a,ordered_at=b,amount=c")
    assert orders_only.rules() == {
        "fill_customer_from_order": "order_id not mapped",
        "remove_duplicates": None,
        "flag_non_merchandise": "product_id not mapped",
        "impute_zero_prices": "product_id and unit_price not mapped",
        "match_cancellations": None,
        "cap_outliers": None,
    }
    priced_products = _mapping(LINE_MAP + ",product_id=sku")
    assert priced_products.rules()["impute_zero_prices"] is None
    switched = _mapping(
        yaml_text="columns: {customer_id: a, ordered_at: b, amount: c, product_id: d}\n"
        "rules: {remove_duplicates: false, cap_outliers: false, flag_non_merchandise: true}",
        tmp_path=tmp_path,
    )
    skipped = {rule: why for rule, why in switched.rules().items() if why}
    assert skipped == {
        "fill_customer_from_order": "order_id not mapped",
        "remove_duplicates": "switched off in the mapping",
        "impute_zero_prices": "unit_price not mapped",
        "cap_outliers": "switched off in the mapping",
    }


def test_a_mapped_column_missing_from_a_file_is_named_with_the_columns_present(tmp_path):
    mapping = _mapping(LINE_MAP + ",country=land")
    with pytest.raises(UserError) as error:
        check_files([_csv(tmp_path)], mapping)
    assert str(error.value) == (
        f"{tmp_path / 'orders.csv'} has no column 'land' (mapped to country); "
        "its header has: order, customer, when, sku, qty, price"
    )


def test_column_names_match_exactly_or_by_case(tmp_path):
    checked = check_files([_csv(tmp_path)], _mapping(LINE_MAP.replace("customer_id=customer", "customer_id=CUSTOMER")))
    assert checked.sources[0].positions == {"customer_id": 1, "ordered_at": 2, "quantity": 4, "unit_price": 5}


def test_a_date_format_that_parses_none_of_the_first_rows_is_refused(tmp_path):
    with pytest.raises(UserError) as error:
        check_files([_csv(tmp_path)], _mapping(LINE_MAP.replace("yyyy-MM-dd", "dd/MM/yyyy")))
    assert "the date format 'dd/MM/yyyy' of ordered_at parses none of the first 2 values of column 'when'" in str(
        error.value
    )
    assert "(e.g. '2024-01-05')" in str(error.value)


def test_the_date_check_reads_parquet_text_columns_too(tmp_path):
    table = pa.table({"c": ["x", "y"], "d": ["20240105", "20240106"], "a": [1.5, 2.0]})
    pq.write_table(table, tmp_path / "orders.parquet")
    with pytest.raises(UserError, match="parses none of the first 2 values of column 'd'"):
        check_files([tmp_path / "orders.parquet"], _mapping("customer_id=c,ordered_at=d:yyyy-MM-dd,amount=a"))
    checked = check_files([tmp_path / "orders.parquet"], _mapping("customer_id=c,ordered_at=d:yyyyMMdd,amount=a"))
    assert checked.sources[0].rows == 2 and checked.sources[0].positions == {
        "customer_id": 0,
        "ordered_at": 1,
        "amount": 2,
    }


def test_a_nanosecond_parquet_timestamp_is_refused_with_the_fix(tmp_path):
    table = pa.table({"c": ["x"], "t": pa.array([1_700_000_000_000_000_000], pa.timestamp("ns")), "a": [1.0]})
    pq.write_table(table, tmp_path / "orders.parquet")
    with pytest.raises(UserError, match="nanosecond timestamps.*coerce_timestamps='us'"):
        check_files([tmp_path / "orders.parquet"], _mapping("customer_id=c,ordered_at=t,amount=a"))


def test_without_a_header_columns_are_positions_of_the_first_line(tmp_path):
    sample = lifetimes_dataset("CDNOW_sample.txt")
    mapping = _mapping("customer_id=2,ordered_at=3:yyyyMMdd,quantity=4,amount=5", delimiter="whitespace", header=False)
    checked = check_files([sample], mapping)
    assert checked.sources[0].field_count == 5 and checked.sources[0].header_line == ""
    with pytest.raises(UserError) as error:
        check_files([sample], _mapping("customer_id=2,ordered_at=3,amount=6", delimiter="whitespace", header=False))
    assert "has no column '6' (mapped to amount); its first line has fields: 1, 2, 3, 4, 5" in str(error.value)


def test_the_cdnow_example_mapping_checks_against_the_master_file():
    from tests.helpers import PROJECT_DIR

    mapping = load_mapping(PROJECT_DIR / "examples" / "cdnow.yml", None, None, None)
    checked = check_files([lifetimes_dataset("CDNOW_master.txt")], mapping)
    assert checked.sources[0].positions == {"customer_id": 0, "ordered_at": 1, "quantity": 2, "amount": 3}
    assert mapping.rules()["remove_duplicates"] == "switched off in the mapping"


def test_gzipped_and_semicolon_files_are_read_before_spark(tmp_path):
    path = tmp_path / "orders.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(LINES.replace(",", ";"))
    checked = check_files([path], _mapping(LINE_MAP, delimiter=";"))
    assert checked.sources[0].positions["unit_price"] == 5


def test_a_file_with_only_a_header_is_refused(tmp_path):
    with pytest.raises(UserError, match="no data lines in"):
        check_files([_csv(tmp_path, LINES.splitlines()[0] + "\n")], _mapping(LINE_MAP))


def test_date_patterns_translate_for_the_check():
    assert parses_any(["12/1/2010 8:26"], "M/d/yyyy H:mm")
    assert parses_any(["2010-12-01T08:26:00"], "yyyy-MM-dd'T'HH:mm:ss")
    assert not parses_any(["2010-12-01"], "yyyyMMdd")


def test_options_of_another_source_are_refused_by_name(tmp_path):
    with pytest.raises(UserError, match="--map is read only by --source transactions"):
        Inputs([_csv(tmp_path)], map_text="customer_id=a").check()
    with pytest.raises(UserError, match="give either --data or --table, not both"):
        Inputs([_csv(tmp_path)], source="transactions", map_text=LINE_MAP, table="db.orders").check()
    with pytest.raises(UserError, match="--table 'orders': name it as database.table"):
        Inputs([], source="transactions", map_text=LINE_MAP, table="orders").check()


def test_the_command_line_reports_a_mapping_mistake_in_one_line(settings, tmp_path, capsys):
    path = _csv(tmp_path)
    assert main(["ingest", "--source", "transactions", "--data", str(path), "--map", "customer_id=nope"]) == 1
    err = capsys.readouterr().err
    assert "ordered_at must be mapped" in err and "Traceback" not in err
