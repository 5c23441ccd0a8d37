"""The command line: help, argument errors, and user mistakes reported in one line."""

from __future__ import annotations

import re
from datetime import date

import pytest

from segments.cli import build_parser, main
from segments.errors import UserError
from segments.pipeline.backtest import check_periods


@pytest.mark.parametrize("command", [[], ["run"], ["ingest"], ["backtest"]])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "usage: segments" in text
    if command:
        assert ("--calibration-end" if command == ["backtest"] else "--data") in text


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_a_malformed_var_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--var", "iqr_multiplier"])
    assert exit_info.value.code == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["ingest", "sales.csv"], "input files are named with --data: segments ingest --data sales.csv"),
        (["run", "--k", "4", "a.parquet", "b.parquet"], "segments run --data a.parquet"),
        (["run", "--kk", "4"], None),  # a mistyped option: argparse's message alone
        (["check", "sales.csv"], None),  # check reads no input files
    ],
)
def test_an_unknown_argument_is_a_usage_error_with_a_hint_for_input_files(argv, hint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments:" in err
    assert (hint in err) if hint else ("--data" not in err)


def test_vars_are_parsed_as_yaml_values():
    args = build_parser().parse_args(["run", "--var", "iqr_multiplier=3", "--var", "iqr_capped_columns=[quantity]"])
    assert dict(args.var) == {"iqr_multiplier": 3, "iqr_capped_columns": ["quantity"]}


def test_a_missing_input_file_is_one_clear_line(settings, tmp_path, capsys):
    assert main(["run", "--data", str(tmp_path / "nope.csv")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: input file {tmp_path / 'nope.csv'} does not exist. Check the path given to --data"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["export", "--clv-decile", "0"], "deciles run from 1 (the highest CLV) to 10, got '0'"),
        (["export", "--clv-decile", "3-1"], "deciles run from 1 (the highest CLV) to 10, got '3-1'"),
        (["export", "--clv-decile", "top"], "expected a decile N or a range N-M, got 'top'"),
        (["export", "--churn-risk", "huge"], "invalid choice: 'huge'"),
    ],
)
def test_export_filters_are_checked_when_parsed(argv, said, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert said in capsys.readouterr().err


def test_an_export_without_a_filter_says_which_to_give(settings, capsys):
    assert main(["export"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: nothing to select. Give --segment, --churn-risk or --clv-decile (or several)"
    )
    assert build_parser().parse_args(["export", "--clv-decile", "1-3"]).clv_decile == (1, 3)


def test_a_value_var_is_checked_before_spark_starts(settings, capsys):
    assert main(["run", "--var", "value_time_unit=fortnights"]) == 1
    assert "value_time_unit is 'fortnights'. Use one of days, weeks, months" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["backtest"], "the following arguments are required: --calibration-end"),
        (["backtest", "--calibration-end", "2011-13-01"], "expected a date yyyy-mm-dd, got '2011-13-01'"),
        (["backtest", "--calibration-end", "2011-09-09", "--holdout-end", "soon"], "got 'soon'"),
    ],
)
def test_backtest_dates_are_checked_when_parsed(argv, said, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(
    ("var", "said"),
    [
        ("backtest_holdout_end=2011-12-01", "--var backtest_holdout_end is set by `segments backtest` itself"),
        ("value_horizon=0", "value_horizon = 0.0 is not a positive number"),
    ],
)
def test_backtest_vars_are_checked_before_spark_starts(settings, var, said, capsys):
    assert main(["backtest", "--calibration-end", "2011-09-09", "--var", var]) == 1
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(
    ("calibration_end", "holdout_end", "said"),
    [
        (date(2010, 11, 30), None, "the calibration end 2010-11-30 is not within the purchases (2010-12-01 to"),
        (date(2011, 12, 9), None, "Give a --calibration-end on or after 2010-12-01 and before 2011-12-09"),
        (date(2011, 9, 9), date(2011, 9, 1), "the holdout end 2011-09-01 is not after the calibration end"),
        (date(2011, 9, 9), date(2012, 1, 1), "would count days without data as days without purchases"),
    ],
)
def test_backtest_periods_must_fit_the_purchases(calibration_end, holdout_end, said):
    with pytest.raises(UserError, match=re.escape(said)):
        check_periods(date(2010, 12, 1), date(2011, 12, 9), calibration_end, holdout_end)
    assert check_periods(date(2010, 12, 1), date(2011, 12, 9), date(2011, 9, 9), None) == date(2011, 12, 9)
