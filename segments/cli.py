"""The `segments` command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import yaml

from segments import __version__
from segments.errors import UserError
from segments.settings import Settings, describe_settings, load_settings
from segments.sources import DEFAULT as DEFAULT_SOURCE
from segments.sources import SOURCES, get_source
from segments.warehouse.jvm import jvm_running_here, stop_embedded_session
from segments.warehouse.state_lock import hold_state_folder

LAYER_NAMES = ("raw", "clean", "rfm", "segments")  # segments.quality.LAYERS, without importing GE
CHECK_LAYERS = (*LAYER_NAMES, "backtest")  # the backtest layer only on demand, after `segments backtest`
EPILOG = f"""\
Settings (a command's option wins over its environment variable, which wins over the default):
{describe_settings()}
Plain dbt commands run from the project folder use the same warehouse: dbt build, dbt show ...
Server mode: `segments serve` in one terminal, then `segments run --target thrift` (and BI tools on
jdbc:hive2://127.0.0.1:10000/analytics)."""
# command-line options that set a setting (segments/settings.py)
SETTING_OPTIONS = {
    "host": "thrift_host",
    "port": "thrift_port",
    "connect_port": "connect_port",
    "master": "spark_master",
}


def _variable(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), yaml.safe_load(value)


def _deciles(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    try:
        deciles = (int(first), int(last or first))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a decile N or a range N-M, got {text!r}") from None
    if not 1 <= deciles[0] <= deciles[1] <= 10:
        raise argparse.ArgumentTypeError(f"deciles run from 1 (the highest CLV) to 10, got {text!r}")
    return deciles


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date yyyy-mm-dd, got {text!r}") from None


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default=DEFAULT_SOURCE,
        help=f"what the input is (default {DEFAULT_SOURCE}): online_retail = UCI Online Retail "
        "transactions; transactions = your own orders or order lines through a column mapping "
        "(--mapping or --map); amazon_reviews = McAuley Lab Amazon Reviews 2023 (--data names the "
        "reviews, --meta the item metadata; verified reviews count as purchases at the item's price)",
    )
    parser.add_argument(
        "--data",
        metavar="PATH",
        type=Path,
        action="append",
        help="input file or a folder of them (e.g. Spark part files); repeat for several. "
        "online_retail: .csv or .csv.gz (UTF-8 or ISO-8859-1) or .parquet with the same column "
        "names; default: the bundled UCI file, data/online_retail.csv.gz. transactions: .csv, .txt, "
        ".tsv (gzipped or not) or .parquet. amazon_reviews: the reviews as published, .jsonl / "
        ".jsonl.gz (or .json / .json.gz, .parquet)",
    )
    parser.add_argument(
        "--meta",
        metavar="PATH",
        type=Path,
        action="append",
        help="amazon_reviews only: the item metadata file(s) as published (meta_<Category>.jsonl.gz, "
        "or .parquet) or a folder of them; repeat for several",
    )
    mapping = parser.add_argument_group("transactions source: which input column is which")
    mapping.add_argument(
        "--mapping",
        metavar="FILE.yml",
        type=Path,
        help="a YAML file with `columns:` (target: input column, or its position 1, 2, ... without "
        "a header), optional `csv: {delimiter: ',', header: true}` and `rules:` to switch cleaning "
        "rules off; see examples/cdnow.yml",
    )
    mapping.add_argument(
        "--map",
        dest="map_text",
        metavar="TARGET=COLUMN,...",
        help="the columns on the command line (added to --mapping's): customer_id and ordered_at "
        "(with its format when it is text: ordered_at=date:yyyyMMdd), and amount or quantity and "
        "unit_price; optional order_id, product_id, description, country",
    )
    mapping.add_argument(
        "--delimiter",
        help="the text files' field delimiter: one character (default ','), '\\t', or 'whitespace' "
        "for columns aligned with spaces",
    )
    mapping.add_argument(
        "--no-header",
        dest="header",
        action="store_const",
        const=False,
        help="the text files have no header line: --map names columns by position (1, 2, ...)",
    )
    mapping.add_argument(
        "--table",
        metavar="DATABASE.TABLE",
        help="read a table of the Spark catalog instead of files (one a dbt model or a Spark job "
        "built, or an external table over files on HDFS or S3)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segments",
        description="Customer segmentation on Apache Spark: ingest retail transactions, clean them "
        "and compute RFM with dbt, in an embedded Spark warehouse.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"segments {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="ingest, clean and score RFM with dbt, segment with K-Means, check the data, "
        "write the dashboard, print a summary",
        description="The whole pipeline: ingest the input files into raw tables, `dbt build` the "
        "staging, cleaning, RFM and exploration models with their data tests, fit K-Means "
        "on RFM (every k in the range is recorded in ml.ml_k_selection), write the "
        "segments back, `dbt build` customer_segments, segment_summary and the segment "
        "history, write the offline dashboard and print a summary (rows in, kept, removed "
        "per reason, customers per segment). Great Expectations checkpoints run after "
        "each layer (see `segments check`) and stop the run on a broken contract.",
    )
    _data_option(run)
    _target_option(run)
    run.add_argument(
        "--var",
        metavar="KEY=VALUE",
        type=_variable,
        action="append",
        default=[],
        help="override a dbt var, e.g. --var iqr_multiplier=3 --var rfm_as_of_date=2011-12-01 "
        "(see dbt_project.yml for the list)",
    )
    _segmentation_options(run)
    _quality_option(run)
    run.set_defaults(handler=_run)

    check = commands.add_parser(
        "check",
        help="run the Great Expectations checkpoints on the current tables",
        description="Check the tables of the last run against the data contracts of each layer "
        "(the same checkpoints `segments run` runs between its steps): raw = the "
        "ingested lines, clean = analytics.fct_order_lines, rfm = "
        "analytics.fct_customer_rfm, segments = analytics.customer_segments and "
        "ml.ml_k_selection. After an Amazon Reviews ingest, raw = raw.amazon_reviews "
        "and raw.amazon_items, clean = analytics.fct_purchases. Exit status 1 if an expectation fails; the Data Docs "
        "report is written to <state>/quality/data_docs/index.html.",
    )
    check.add_argument(
        "--layer",
        action="append",
        choices=list(CHECK_LAYERS),
        dest="layers",
        help="check only this layer; repeat for several (default: all but backtest, in order)",
    )
    _quality_option(check)
    _target_option(check)
    check.set_defaults(handler=_check)

    backtest = commands.add_parser(
        "backtest",
        help="fit the segments and value models on the past, compare with what customers did next",
        description="Backtest the last `segments run`'s cleaned purchases: compute the RFM, the "
        "K-Means and RFM segments and the value models (BG/NBD, Gamma-Gamma) on the purchases up to "
        "--calibration-end only, then compare them with what each customer did in the holdout after it "
        "(up to --holdout-end). Writes the schema backtest (backtest_customers, backtest_frequency, "
        "backtest_tracking, backtest_metrics, backtest_segment_lift), checks the metrics against the "
        "floors in quality.yml (section backtest; exit status 1 below them) and writes "
        "<state>/reports/backtest.html.",
    )
    backtest.add_argument(
        "--calibration-end",
        metavar="DATE",
        type=_date,
        required=True,
        help="last day of the calibration period, yyyy-mm-dd (e.g. 2011-09-09)",
    )
    backtest.add_argument(
        "--holdout-end",
        metavar="DATE",
        type=_date,
        help="last day of the holdout, yyyy-mm-dd (default: the last purchase day)",
    )
    backtest.add_argument(
        "--var",
        metavar="KEY=VALUE",
        type=_variable,
        action="append",
        default=[],
        help="override a dbt var, e.g. --var value_time_unit=days (see dbt_project.yml)",
    )
    _segmentation_options(backtest)
    _quality_option(backtest)
    _target_option(backtest)
    backtest.set_defaults(handler=_backtest)

    ingest = commands.add_parser(
        "ingest",
        help="only load input files into the raw tables",
        description="Parse the input files into raw tables: raw.online_retail_lines (unparseable "
        "lines in raw.online_retail_rejects), or with --source amazon_reviews "
        "raw.amazon_reviews and raw.amazon_items (rejects marked with their reason). "
        "Replaces the previous ingest.",
    )
    _data_option(ingest)
    _target_option(ingest)
    ingest.set_defaults(handler=_ingest)

    score = commands.add_parser(
        "score",
        help="score customers with the last fitted model, without refitting",
        description="Load the K-Means model saved by the last `segments run` (under the state "
        "folder's models/kmeans/), assign every customer of analytics.fct_customer_rfm "
        "to its segment, write ml.ml_customer_clusters and rebuild the segment tables.",
    )
    score.add_argument(
        "--model",
        metavar="PATH",
        type=Path,
        help="a saved model folder (default: the newest under <state>/models/kmeans)",
    )
    score.set_defaults(handler=_score)

    report = commands.add_parser(
        "report",
        help="write the offline HTML dashboard from the current tables",
        description="Write a self-contained HTML dashboard (no server, no internet: scripts and "
        "styles are inline) from the tables of the last run: missing values, capping, "
        "cancellations, countries, top products, the choice of k, segment sizes and "
        "R/F/M per segment, the RFM grid, segment transitions and the recommended "
        "actions. `segments run` writes it too, as its last step.",
    )
    report.add_argument("--out", metavar="PATH", type=Path, help="output file (default <state>/reports/dashboard.html)")
    _target_option(report)
    report.set_defaults(handler=_report)

    export = commands.add_parser(
        "export",
        help="write the customers of a segment, a churn-risk band or CLV deciles to a CSV file",
        description="Write customers from analytics.customer_segments with their R/F/M, scores, both "
        "segments, customer value (P(alive), churn risk, expected purchases and spend, CLV and its "
        "decile) and the recommended action. Filters combine: --segment VIP --churn-risk high is "
        "the VIPs likely to have left.",
    )
    export.add_argument("--segment", help="segment name, e.g. VIP or 'At Risk'")
    export.add_argument(
        "--type",
        choices=["kmeans", "rfm"],
        default="kmeans",
        dest="segment_type",
        help="which segmentation --segment belongs to (default kmeans)",
    )
    export.add_argument(
        "--churn-risk",
        choices=["high", "medium", "low"],
        help="only customers in this churn-risk band (from P(alive): high below 0.33, low above 0.66)",
    )
    export.add_argument(
        "--clv-decile",
        metavar="N[-M]",
        type=_deciles,
        help="only customers in these CLV deciles, 1 = the tenth with the highest CLV (e.g. 1, or 1-3)",
    )
    export.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    export.add_argument("--out", metavar="PATH", type=Path, help="output file (default <state>/exports/<filters>.csv)")
    _target_option(export)
    export.set_defaults(handler=_export)

    serve = commands.add_parser(
        "serve",
        help="run the Spark Thrift server (dbt, BI tools) and Spark Connect (ml) until stopped",
        description="Start one long-running Spark application on the state folder's warehouse: the "
        "Thrift JDBC/ODBC server (dbt's `thrift` target, beeline, Power BI, Tableau, "
        "Superset, DBeaver) and a Spark Connect endpoint (the ml step of `segments run "
        "--target thrift`), sharing one catalog. Prints the JDBC URL when ready and runs "
        "until Ctrl-C, SIGTERM or `segments serve --stop`. Listens on loopback unless "
        "--host says otherwise, which needs LDAP authentication (SEGMENTS_LDAP_URL and "
        "SEGMENTS_LDAP_BASE_DN or SEGMENTS_LDAP_USER_DN_PATTERN). Spark Connect always "
        "listens on 127.0.0.1.",
    )
    serve.add_argument(
        "--host", default=None, help="address of the JDBC/ODBC endpoint (default $SEGMENTS_THRIFT_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=_port, default=None, help="JDBC/ODBC port (default $SEGMENTS_THRIFT_PORT or 10000)"
    )
    serve.add_argument(
        "--connect-port", type=_port, default=None, help="Spark Connect port (default $SEGMENTS_CONNECT_PORT or 15002)"
    )
    serve.add_argument(
        "--master",
        default=None,
        help="Spark master: local[*] (default, $SEGMENTS_SPARK_MASTER), spark://HOST:7077, yarn, k8s://...",
    )
    serve.add_argument(
        "--conf",
        metavar="KEY=VALUE",
        type=_spark_setting,
        action="append",
        default=[],
        help="extra Spark setting, e.g. --conf spark.executor.memory=8g; repeat for several",
    )
    serve.add_argument("--stop", action="store_true", help="stop the server running on this state folder")
    serve.set_defaults(handler=_serve)
    return parser


def _target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=["local", "thrift"],
        default="local",
        help="local = embedded Spark in this process (default); thrift = a running `segments serve`: "
        "dbt over JDBC/Thrift, Spark over Spark Connect (SEGMENTS_THRIFT_HOST, "
        "SEGMENTS_THRIFT_PORT, SEGMENTS_CONNECT_PORT)",
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return int(text)


def _spark_setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip().startswith("spark."):
        raise argparse.ArgumentTypeError(f"expected spark.KEY=VALUE, got {text!r}")
    return key.strip(), value


def _quality_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quality-config",
        metavar="PATH",
        type=Path,
        help="thresholds of the data quality checks (default: quality.yml in the project)",
    )


def _k_value(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'auto', got {text!r}") from None


def _segmentation_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("segmentation (K-Means on log-scaled, standardized RFM)")
    group.add_argument(
        "--k",
        type=_k_value,
        default=4,
        help="clusters to keep: a number (default 4) or 'auto' (elbow of WCSS, then "
        "the best silhouette of the elbow and its neighbours)",
    )
    group.add_argument("--k-min", type=int, default=2, help="smallest k fitted and recorded (default 2)")
    group.add_argument("--k-max", type=int, default=10, help="largest k fitted and recorded (default 10)")
    group.add_argument("--seed", type=int, default=42, help="K-Means seed (default 42)")


def _inputs(args: argparse.Namespace, settings: Settings):
    from segments.sources.base import Inputs

    bundled = get_source(args.source).default_data
    data = args.data or ([settings.project_dir / bundled] if bundled else [])
    return Inputs(
        data,
        source=args.source,
        meta=args.meta,
        mapping=args.mapping,
        map_text=args.map_text,
        delimiter=args.delimiter,
        header=args.header,
        table=args.table,
    )


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from ml.segmentation import SegmentationOptions
    from segments.pipeline import run_pipeline

    options = SegmentationOptions(k=args.k, k_min=args.k_min, k_max=args.k_max, seed=args.seed)
    result = run_pipeline(
        settings,
        _inputs(args, settings),
        variables=dict(args.var),
        segmentation=options,
        quality_config=args.quality_config,
        target=args.target,
    )
    print(f"\nResults in {settings.state_dir}")
    facts = ", ".join(get_source(args.source).result_tables)
    print("  tables: analytics.customer_segments, analytics.segment_summary, analytics.fct_customer_rfm,")
    print(f"          analytics.fct_purchases, {facts}, analytics.audit_row_reconciliation, ml.ml_k_selection")
    print(f"  model:  {result.segmentation.model_path}")
    print('  query:  dbt show --inline "select * from analytics.fct_customer_rfm" (from the project folder)')
    print(f"  checks: {_describe_checks(result.checks)}; Data Docs {settings.quality_docs_dir / 'index.html'}")
    print(f"  dashboard: {result.dashboard}")
    for line in result.summary.lines():
        print(line)
    return 0


def _describe_checks(reports: list) -> str:
    met = sum(r.expectations - len(r.failures) for r in reports)
    total = sum(r.expectations for r in reports)
    return f"{met}/{total} expectations met on {', '.join(r.layer for r in reports)}"


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from segments.quality import QualityChecker, load_quality_config
    from segments.sources import loaded_source
    from segments.warehouse.session import open_session

    config = load_quality_config(args.quality_config or settings.quality_config)
    spark = open_session(settings, args.target)
    checker = QualityChecker(spark, config, settings.quality_docs_dir)
    reports = checker.check(args.layers or list(LAYER_NAMES), say=print, source=loaded_source(spark))
    print(f"{_describe_checks(reports)}; Data Docs {settings.quality_docs_dir / 'index.html'}")
    return 0


def _backtest(args: argparse.Namespace, settings: Settings) -> int:
    from ml.segmentation import SegmentationOptions
    from segments.pipeline.backtest import describe_metrics, run_backtest

    result = run_backtest(
        settings,
        args.calibration_end,
        args.holdout_end,
        variables=dict(args.var),
        segmentation=SegmentationOptions(k=args.k, k_min=args.k_min, k_max=args.k_max, seed=args.seed),
        quality_config=args.quality_config,
        target=args.target,
    )
    metrics = result.metrics
    print(f"\nBacktest: calibration to {metrics['calibration_end']}, holdout to {metrics['holdout_end']}")
    for line in describe_metrics(metrics):
        print(f"  {line}")
    print(f"  checks: {_describe_checks(result.checks)}")
    print(f"  tables: backtest.backtest_metrics, backtest_customers, backtest_segment_lift ...; page {result.page}")
    return 0


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from segments.pipeline import ingest_inputs
    from segments.warehouse.session import open_session

    inputs = _inputs(args, settings)
    checked = inputs.check()  # before Spark starts
    for result in ingest_inputs(open_session(settings, args.target), inputs, checked).values():
        for report in result.files:
            print(
                f"{report.path}: {report.status}, {report.rows_loaded:,} rows loaded, {report.rows_rejected:,} rejected"
            )
        for reason, count in sorted(result.rejects_by_reason.items()):
            print(f"  rejected {reason}: {count:,}")
    return 0


def _score(args: argparse.Namespace, settings: Settings) -> int:
    from segments.pipeline.score import score_and_rebuild

    for line in score_and_rebuild(settings, args.model):
        print(line)
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from segments.report import write_dashboard
    from segments.sources import loaded_source
    from segments.warehouse.session import open_session

    spark = open_session(settings, args.target)
    if not spark.catalog.tableExists("analytics.customer_segments"):
        raise UserError("there are no segments to report on yet", "Run `segments run` first")
    out = write_dashboard(spark, loaded_source(spark).dashboard, args.out or settings.dashboard_file)
    print(f"dashboard written to {out} ({out.stat().st_size / 2**20:.1f} MB); open it in any browser")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from segments.pipeline.export import ExportFilter, export_customers
    from segments.warehouse.session import open_session

    selection = ExportFilter(args.segment, args.segment_type, args.churn_risk, args.clv_decile)
    selection.check()  # before Spark starts
    out = args.out or settings.state_dir / "exports" / selection.file_name()
    count = export_customers(open_session(settings, args.target), selection, out)
    print(f"{count:,} customers ({selection.describe()}) written to {out}")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from segments.serve import Endpoints, ServeOptions, serve, stop_server

    if args.stop:
        stop_server(settings)
        return 0
    endpoints = Endpoints.from_settings(settings)  # --host, --port, --connect-port over the environment
    serve(settings, ServeOptions(endpoints=endpoints, master=args.master, conf=dict(args.conf)))
    return 0


def _setting_options(args: argparse.Namespace) -> dict[str, str | None]:
    """The settings this command's options set (None: not given)."""
    return {
        setting: None if getattr(args, option, None) is None else str(getattr(args, option))
        for option, setting in SETTING_OPTIONS.items()
    }


def _message(error: Exception) -> str:
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - pyspark errors need the JVM for str(), which is stopped by now
        return getattr(error, "_desc", None) or repr(error)


def _holds_state_folder(args: argparse.Namespace) -> bool:
    """Commands that open the metastore themselves hold the state folder; clients of a server (and
    `serve --stop`) do not, since the server holds it."""
    if getattr(args, "stateless", False):  # files only (segments-dev generate, bench: state folders of its own)
        return False
    return getattr(args, "target", "local") == "local" and not getattr(args, "stop", False)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """parse_args, with a hint when an input file was given without --data (`segments run x.csv`)."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        words = [
            word
            for word in unknown  # what looks like a file, not the value of a mistyped option
            if not word.startswith("-") and ("/" in word or "." in word or Path(word).exists())
        ]
        hint = (
            f"\ninput files are named with --data: segments {args.command} --data {words[0]}"
            if words and hasattr(args, "data")
            else ""
        )
        parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    return execute(parser, _parse(parser, argv))


def execute(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the parsed command's handler: settings resolved, the state folder held when the command
    opens the metastore, and every error one line (a traceback with --debug)."""
    handler: Callable[[argparse.Namespace, Settings], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    for name in ("data", "meta"):
        if getattr(args, name, None):
            setattr(args, name, [path.expanduser().resolve() for path in getattr(args, name)])
    for name in ("out", "model", "quality_config", "data_dir"):
        if getattr(args, name, None):
            setattr(args, name, getattr(args, name).expanduser().resolve())
    settings: Settings | None = None
    try:
        settings = load_settings(_setting_options(args))
        settings.logs_dir.mkdir(parents=True, exist_ok=True)
        with hold_state_folder(settings) if _holds_state_folder(args) else nullcontext():
            jvm_was_running = jvm_running_here()
            try:
                return handler(args, settings)
            finally:
                if not jvm_was_running:  # free the metastore before the next command starts
                    stop_embedded_session()
    except UserError as error:
        if args.debug:
            traceback.print_exc()
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last resort: one line, details with --debug
        if args.debug:
            traceback.print_exc()
        first_line = (_message(error).strip().splitlines() or [""])[0]
        print(
            f"error: unexpected failure: {type(error).__name__}: {first_line[:300]}\n"
            f"Run again with --debug for the traceback; Spark and dbt logs are in "
            f"{settings.logs_dir if settings else 'the logs folder of the state folder'}",
            file=sys.stderr,
        )
        return 1
