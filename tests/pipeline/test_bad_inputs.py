"""The bad-input corpus (tests/bad_inputs) through the whole pipeline, checkpoints included: each
file gets its outcome, and the reconciliation still accounts for every line."""

from __future__ import annotations

import io

import pytest

from ml.segmentation import SegmentationOptions
from segments.errors import UserError
from segments.pipeline import STEPS, run_pipeline
from segments.progress import Progress
from segments.quality import QualityCheckFailed
from segments.sources.online_retail.ingest import LINES_TABLE, REJECTS_TABLE
from tests.bad_inputs.corpus import BASE, CASES, Duplicate, Loaded, Refused, StopsAtCheck, write

SEGMENTATION = SegmentationOptions(k=3, k_max=4)


def run(settings, paths, stream=None):
    return run_pipeline(
        settings, paths, segmentation=SEGMENTATION, progress=Progress(steps=STEPS, stream=stream or io.StringIO())
    )


def cases(kind):
    return [c for c in CASES if isinstance(c.outcome, kind)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_inputs")
    return folder, {case.name: write(case, folder) for case in [BASE, *CASES]}


@pytest.mark.parametrize("case", cases(Refused), ids=lambda c: c.name)
def test_a_refused_file_stops_the_run_with_one_clear_line(spark, settings, corpus, case):
    folder, paths = corpus
    with pytest.raises(UserError) as refused:
        run(settings, [paths[BASE.name], paths[case.name]])
    message = str(refused.value)
    assert case.outcome.message in message and case.name in message
    assert "\n" not in message


@pytest.fixture(scope="module")
def loaded_run(spark, settings, corpus):
    folder, paths = corpus
    loadable = [BASE, *cases(Loaded), *cases(Duplicate)]
    return run(settings, [paths[c.name] for c in loadable])


def test_every_loadable_file_gets_its_outcome(loaded_run, corpus, spark):
    folder, paths = corpus
    reports = {r.path.name: r for r in loaded_run.ingest.files}
    for case in [BASE, *cases(Loaded)]:
        report = reports[case.name]
        rejected = sum(case.outcome.rejected.values())
        assert (report.status, report.rows_loaded, report.rows_rejected) == (
            "loaded",
            case.data_lines - rejected,
            rejected,
        ), case.name
        reasons = spark.sql(
            f"select reject_reason, count(*) n from {REJECTS_TABLE} where source_file = '{paths[case.name]}' group by 1"
        ).collect()
        assert {r["reject_reason"]: r["n"] for r in reasons} == case.outcome.rejected, case.name
    for case in cases(Duplicate):
        assert reports[case.name].status == "duplicate"
        assert reports[case.name].duplicate_of == str(paths[case.outcome.of])


def test_the_reconciliation_accounts_for_every_line(loaded_run, rows):
    audit = {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "reason")}
    expected = sum(c.data_lines for c in [BASE, *cases(Loaded)])
    assert sum(audit.values()) == loaded_run.ingest.data_lines == expected
    assert audit["invalid_quantity"] == audit["invalid_customer_id"] == 1


def test_every_checkpoint_passes_on_the_loadable_corpus(loaded_run):
    assert [r.layer for r in loaded_run.checks] == ["raw", "clean", "rfm", "segments"]
    assert all(r.passed for r in loaded_run.checks)


def line_values(spark, file_name: str, column: str) -> list:
    query = f"select {column} from {LINES_TABLE} where source_file like '%/{file_name}' order by quantity"
    return [r[0] for r in spark.sql(query).collect()]


def test_accepted_oddities_are_read_as_meant(loaded_run, spark):
    assert [float(v) for v in line_values(spark, "thousands_separator_price.csv", "unit_price")] == [1234.5]
    assert len(set(line_values(spark, "mixed_date_formats.csv", "invoice_date"))) == 1
    assert line_values(spark, "iso_8859_1.csv", "description") == ["Dotcomgiftshop Gift Voucher £20.00"]
    assert line_values(spark, "utf8_bom.csv", "invoice_no") == ["536403"]
    assert line_values(spark, "embedded_commas_and_quotes.csv", "description") == ['RECORD FRAME 7" SINGLE SIZE, BLACK']


@pytest.mark.parametrize("case", cases(StopsAtCheck), ids=lambda c: c.name)
def test_implausible_values_stop_the_run_at_the_raw_checkpoint(spark, settings, corpus, case):
    folder, paths = corpus
    stream = io.StringIO()
    with pytest.raises(QualityCheckFailed) as stopped:
        run(settings, [paths[BASE.name], paths[case.name]], stream)
    message = str(stopped.value)
    assert case.outcome.expectation in message
    assert f"{case.data_lines} of {BASE.data_lines + case.data_lines} rows" in message
    assert "dbt build" not in stream.getvalue()  # stopped before the cleaning build
    # nothing lost: the lines stay in the raw table for inspection
    assert spark.table(LINES_TABLE).where(f"source_file like '%/{case.name}'").count() == case.data_lines
