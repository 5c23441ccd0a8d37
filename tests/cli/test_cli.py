"""The command line: help, argument errors, and user mistakes reported in one line."""

from __future__ import annotations

import pytest

from segments.cli import build_parser, main


@pytest.mark.parametrize("command", [[], ["run"], ["ingest"]])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "usage: segments" in text
    if command:
        assert "--data" in text


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
