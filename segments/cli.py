"""The `segments` command line."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from segments import __version__
from segments.errors import UserError
from segments.settings import Settings, export_for_dbt, load_settings
from segments.spark.jvm import jvm_running_here, stop_embedded_session
from segments.state_lock import hold_state_folder

LAYER_NAMES = ("raw", "clean", "rfm", "segments")  # segments.quality.LAYERS, without importing GE
EPILOG = """\
Environment: SEGMENTS_HOME (state folder: warehouse, metastore, logs; default ./.segments),
SEGMENTS_DRIVER_MEMORY, SEGMENTS_SHUFFLE_PARTITIONS, SEGMENTS_SPARK_MASTER (see profiles.yml).
Plain dbt commands run from the project folder use the same warehouse: dbt build, dbt show ...
Server mode: `segments serve` in one terminal, then `segments run --target thrift` (and BI tools on
jdbc:hive2://127.0.0.1:10000/analytics); SEGMENTS_THRIFT_HOST, SEGMENTS_THRIFT_PORT,
SEGMENTS_CONNECT_PORT, SEGMENTS_THRIFT_USER / SEGMENTS_THRIFT_PASSWORD (LDAP)."""


def _variable(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), yaml.safe_load(value)


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", choices=["online_retail", "amazon_reviews"], default="online_retail",
        help="what the input files are: online_retail (default; UCI Online Retail transactions) or "
             "amazon_reviews (McAuley Lab Amazon Reviews 2023: --data names the reviews, --meta the "
             "item metadata; verified reviews count as purchases at the item's price)",
    )
    parser.add_argument(
        "--data", metavar="PATH", type=Path, action="append",
        help="input file or a folder of them (e.g. Spark part files); repeat for several. "
             "online_retail: .csv or .csv.gz (UTF-8 or ISO-8859-1) or .parquet with the same column "
             "names; default: the bundled UCI file, data/online_retail.csv.gz. amazon_reviews: the "
             "reviews as published, .jsonl / .jsonl.gz (or .json / .json.gz, .parquet)",
    )
    parser.add_argument(
        "--meta", metavar="PATH", type=Path, action="append",
        help="amazon_reviews only: the item metadata file(s) as published (meta_<Category>.jsonl.gz, "
             "or .parquet) or a folder of them; repeat for several",
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
        "run", help="ingest, clean and score RFM with dbt, segment with K-Means, check the data, "
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
        "--var", metavar="KEY=VALUE", type=_variable, action="append", default=[],
        help="override a dbt var, e.g. --var iqr_multiplier=3 --var rfm_as_of_date=2011-12-01 "
             "(see dbt_project.yml for the list)",
    )
    _segmentation_options(run)
    _quality_option(run)
    run.set_defaults(handler=_run)

    check = commands.add_parser(
        "check", help="run the Great Expectations checkpoints on the current tables",
        description="Check the tables of the last run against the data contracts of each layer "
                    "(the same checkpoints `segments run` runs between its steps): raw = the "
                    "ingested lines, clean = analytics.fct_order_lines, rfm = "
                    "analytics.fct_customer_rfm, segments = analytics.customer_segments and "
                    "ml.ml_k_selection. After an Amazon Reviews ingest, raw = raw.amazon_reviews "
                    "and raw.amazon_items, clean = analytics.fct_purchases. Exit status 1 if an expectation fails; the Data Docs "
                    "report is written to <state>/quality/data_docs/index.html.",
    )
    check.add_argument("--layer", action="append", choices=list(LAYER_NAMES), dest="layers",
                       help="check only this layer; repeat for several (default: all, in order)")
    _quality_option(check)
    _target_option(check)
    check.set_defaults(handler=_check)

    ingest = commands.add_parser(
        "ingest", help="only load input files into the raw tables",
        description="Parse the input files into raw tables: raw.online_retail_lines (unparseable "
                    "lines in raw.online_retail_rejects), or with --source amazon_reviews "
                    "raw.amazon_reviews and raw.amazon_items (rejects marked with their reason). "
                    "Replaces the previous ingest.",
    )
    _data_option(ingest)
    _target_option(ingest)
    ingest.set_defaults(handler=_ingest)

    score = commands.add_parser(
        "score", help="score customers with the last fitted model, without refitting",
        description="Load the K-Means model saved by the last `segments run` (under the state "
                    "folder's models/kmeans/), assign every customer of analytics.fct_customer_rfm "
                    "to its segment, write ml.ml_customer_clusters and rebuild the segment tables.",
    )
    score.add_argument("--model", metavar="PATH", type=Path,
                       help="a saved model folder (default: the newest under <state>/models/kmeans)")
    score.set_defaults(handler=_score)

    report = commands.add_parser(
        "report", help="write the offline HTML dashboard from the current tables",
        description="Write a self-contained HTML dashboard (no server, no internet: scripts and "
                    "styles are inline) from the tables of the last run: missing values, capping, "
                    "cancellations, countries, top products, the choice of k, segment sizes and "
                    "R/F/M per segment, the RFM grid, segment transitions and the recommended "
                    "actions. `segments run` writes it too, as its last step.",
    )
    report.add_argument("--out", metavar="PATH", type=Path,
                        help="output file (default <state>/reports/dashboard.html)")
    _target_option(report)
    report.set_defaults(handler=_report)

    export = commands.add_parser(
        "export", help="write one segment's customers to a CSV file for a campaign tool",
        description="Write the customers of one segment (from analytics.customer_segments) with "
                    "their R/F/M, scores, both segments and the recommended action.",
    )
    export.add_argument("--segment", required=True, help="segment name, e.g. VIP or 'At Risk'")
    export.add_argument("--type", choices=["kmeans", "rfm"], default="kmeans", dest="segment_type",
                        help="which segmentation the name belongs to (default kmeans)")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    export.add_argument("--out", metavar="PATH", type=Path,
                        help="output file (default <state>/exports/<type>_<segment>.csv)")
    _target_option(export)
    export.set_defaults(handler=_export)

    generate = commands.add_parser(
        "generate", help="write synthetic input data of any size (for benchmarks and tests)",
        description="Write synthetic input files whose shape follows a real data set, deterministic "
                    "for a seed. `online-retail`: lines in the UCI Online Retail schema, a folder of "
                    "part files that --data accepts as it is. `amazon-reviews`: reviews and item "
                    "metadata in the McAuley Lab Amazon Reviews 2023 schema (gzipped JSON Lines or "
                    "Parquet). `segments generate SOURCE --help` describes each.",
    )
    sources = generate.add_subparsers(dest="source", metavar="SOURCE", required=True)
    retail = sources.add_parser(
        "online-retail", help="lines in the UCI Online Retail schema",
        description="Write lines in the Online Retail schema whose shape follows the bundled UCI file "
                    "(invoices of about 21 lines, heavy-tailed invoices per customer, ~25 % without "
                    "CustomerID, ~1 % exact duplicates, ~2 % cancellations mostly of an earlier "
                    "purchase, a few zero prices, non-merchandise codes, 30 countries), deterministic "
                    "for a seed. The output is a folder of part files that --data accepts as it is.",
    )
    retail.add_argument("--rows", type=_count, required=True, help="lines to write, e.g. 5000000 or 5M")
    retail.add_argument("--customers", type=_count, default=None,
                        help="distinct customers (default: one per 124 lines, as in the real file)")
    retail.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same lines (default 42)")
    retail.add_argument("--out", type=Path, required=True, metavar="FOLDER", help="output folder")
    retail.add_argument("--format", choices=["parquet", "csv"], default="parquet",
                        help="parquet (default; types as pandas reads the published file) or csv "
                             "(the bundled file's layout)")
    retail.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    retail.set_defaults(handler=_generate)

    amazon = sources.add_parser(
        "amazon-reviews", help="reviews and item metadata in the Amazon Reviews 2023 schema",
        description="Write reviews and item metadata in the published McAuley Lab Amazon Reviews 2023 "
                    "schema (the same keys in the same order, nulls as null), shaped like the real "
                    "Electronics files: about 2.4 reviews per user, heavy-tailed (70 % of the users "
                    "write one, a few hundreds), one item per 27 reviews with heavy-tailed popularity, "
                    "ratings skewed to 5, 92 % verified purchases, helpful votes mostly 0, timestamps "
                    "2015 - Sep 2023, ~1 % exact duplicate reviews, ~0.5 % of the reviews of items "
                    "missing from the metadata, prices as strings of which only about a third parse "
                    "('None', null, ranges, 'Currently unavailable.' ...). Deterministic for --users "
                    "and --seed. The output folder holds reviews/ and meta/ (part-*.json.gz, or "
                    "part-*.parquet), which `segments run --source amazon_reviews --data OUT/reviews "
                    "--meta OUT/meta` reads. 4.2M users give about 10M reviews.",
    )
    amazon.add_argument("--users", type=_count, required=True,
                        help="reviewers to generate, e.g. 4200000 or 4.2M (about 2.4 reviews each)")
    amazon.add_argument("--seed", type=int, default=42,
                        help="random seed; the same seed gives the same reviews and items (default 42)")
    amazon.add_argument("--out", type=Path, required=True, metavar="FOLDER",
                        help="output folder; reviews/ and meta/ are written inside it")
    amazon.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl",
                        help="jsonl (default; gzipped JSON Lines like the published files) or parquet")
    amazon.add_argument("--overwrite", action="store_true", help="replace OUT/reviews and OUT/meta if they exist")
    amazon.set_defaults(handler=_generate_amazon)

    bench = commands.add_parser(
        "bench", help="measure the whole pipeline at several data sizes",
        description="Run `segments run` once per size (or --repeat times), each in a new process on a new "
                    "state folder (a cold first run), and report the wall time of each stage, lines per second, the "
                    "CPU time used, the peak memory of the JVM and of Python, and Spark's shuffle bytes. Sizes other "
                    "than the real file are generated lines (`segments generate online-retail`, "
                    "Parquet), cached in --data-dir for the next bench. Writes a JSON file and a "
                    "Markdown table (same name, .md). On 2 cores the 50M size takes 13 to 20 minutes, plus about "
                    "2 to generate its lines the first time; 100M about 25. "
                    "With --source amazon_reviews the sizes are review counts, generated by "
                    "`segments generate amazon-reviews` (JSON Lines, with matching item metadata).",
    )
    bench.add_argument("--source", choices=["online_retail", "amazon_reviews"], default="online_retail",
                       help="which source to measure (default online_retail)")
    bench.add_argument("--sizes", type=_sizes, default=None, metavar="LIST",
                       help="comma-separated: 'real' (the bundled file) and line counts such as 200k, "
                            "5M, 100M (default: real,5M,50M); for amazon_reviews review counts "
                            "(default: 10M)")
    bench.add_argument("--seed", type=int, default=42, help="seed of the generated data (default 42)")
    bench.add_argument("--out", type=Path, metavar="PATH",
                       help="JSON result (default artifacts/bench/scale.json in the project)")
    bench.add_argument("--data-dir", type=Path, metavar="FOLDER",
                       help="where generated data is kept between benches (default <state>/bench-data)")
    bench.add_argument("--keep-state", action="store_true",
                       help="keep each run's state folder (warehouse, logs, Spark event log) for inspection")
    bench.add_argument("--repeat", type=_count, default=1, metavar="N",
                       help="cold runs per size (default 1). The sizes are taken in turn (real, 5M, real, "
                            "5M, ...), so that a machine whose speed drifts weighs on every size alike; the "
                            "table shows each size's median run and lists every run's total. On a shared or "
                            "virtual machine one run can be 20-40 %% off: use 3 or 5 before comparing figures")
    bench.set_defaults(handler=_bench)

    serve = commands.add_parser(
        "serve", help="run the Spark Thrift server (dbt, BI tools) and Spark Connect (ml) until stopped",
        description="Start one long-running Spark application on the state folder's warehouse: the "
                    "Thrift JDBC/ODBC server (dbt's `thrift` target, beeline, Power BI, Tableau, "
                    "Superset, DBeaver) and a Spark Connect endpoint (the ml step of `segments run "
                    "--target thrift`), sharing one catalog. Prints the JDBC URL when ready and runs "
                    "until Ctrl-C, SIGTERM or `segments serve --stop`. Listens on loopback unless "
                    "--host says otherwise, which needs LDAP authentication (SEGMENTS_LDAP_URL and "
                    "SEGMENTS_LDAP_BASE_DN or SEGMENTS_LDAP_USER_DN_PATTERN). Spark Connect always "
                    "listens on 127.0.0.1.",
    )
    serve.add_argument("--host", default=None,
                       help="address of the JDBC/ODBC endpoint (default $SEGMENTS_THRIFT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=None,
                       help="JDBC/ODBC port (default $SEGMENTS_THRIFT_PORT or 10000)")
    serve.add_argument("--connect-port", type=_port, default=None,
                       help="Spark Connect port (default $SEGMENTS_CONNECT_PORT or 15002)")
    serve.add_argument("--master", default=None,
                       help="Spark master: local[*] (default, $SEGMENTS_SPARK_MASTER), spark://HOST:7077, "
                            "yarn, k8s://...")
    serve.add_argument("--conf", metavar="KEY=VALUE", type=_spark_setting, action="append", default=[],
                       help="extra Spark setting, e.g. --conf spark.executor.memory=8g; repeat for several")
    serve.add_argument("--stop", action="store_true", help="stop the server running on this state folder")
    serve.set_defaults(handler=_serve)
    return parser


def _target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", choices=["local", "thrift"], default="local",
        help="local = embedded Spark in this process (default); thrift = a running `segments serve`: "
             "dbt over JDBC/Thrift, Spark over Spark Connect (SEGMENTS_THRIFT_HOST, "
             "SEGMENTS_THRIFT_PORT, SEGMENTS_CONNECT_PORT)",
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return int(text)


def _count(text: str) -> int:
    """A whole number, with an optional k / M / G suffix: 200k, 5M."""
    factors = {"k": 10**3, "m": 10**6, "g": 10**9}
    digits, factor = (text[:-1], factors[text[-1].lower()]) if text[-1:].lower() in factors else (text, 1)
    try:
        value = float(digits) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 200000, 200k or 5M, got {text!r}") from None
    if value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(value)


def _sizes(text: str) -> tuple[int | None, ...]:
    return tuple(None if part.strip() == "real" else _count(part.strip()) for part in text.split(","))


def _spark_setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip().startswith("spark."):
        raise argparse.ArgumentTypeError(f"expected spark.KEY=VALUE, got {text!r}")
    return key.strip(), value


def _quality_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quality-config", metavar="PATH", type=Path,
                        help="thresholds of the data quality checks (default: quality.yml in the project)")


def _k_value(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'auto', got {text!r}") from None


def _segmentation_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("segmentation (K-Means on log-scaled, standardized RFM)")
    group.add_argument("--k", type=_k_value, default=4,
                       help="clusters to keep: a number (default 4) or 'auto' (elbow of WCSS, then "
                            "the best silhouette of the elbow and its neighbours)")
    group.add_argument("--k-min", type=int, default=2, help="smallest k fitted and recorded (default 2)")
    group.add_argument("--k-max", type=int, default=10, help="largest k fitted and recorded (default 10)")
    group.add_argument("--seed", type=int, default=42, help="K-Means seed (default 42)")


def _inputs(args: argparse.Namespace, settings: Settings):
    from segments.pipeline import Inputs

    if args.source == "amazon_reviews" and not (args.data and args.meta):
        raise UserError("--source amazon_reviews needs the reviews (--data) and the item metadata (--meta)",
                        "e.g. segments run --source amazon_reviews --data Electronics.jsonl.gz "
                        "--meta meta_Electronics.jsonl.gz")
    return Inputs(args.data or [settings.bundled_data], source=args.source, meta=args.meta)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from segments.pipeline import run_pipeline

    from ml.segmentation import SegmentationOptions

    options = SegmentationOptions(k=args.k, k_min=args.k_min, k_max=args.k_max, seed=args.seed)
    result = run_pipeline(settings, _inputs(args, settings), variables=dict(args.var), segmentation=options,
                          quality_config=args.quality_config, target=args.target)
    print(f"\nResults in {settings.state_dir}")
    facts = "analytics.fct_order_lines" if args.source == "online_retail" else "analytics.audit_amazon_items"
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
    from segments.spark.session import open_session

    from segments.ingest import current_source

    config = load_quality_config(args.quality_config or settings.quality_config)
    spark = open_session(settings, args.target)
    checker = QualityChecker(spark, config, settings.quality_docs_dir)
    reports = checker.check(args.layers or list(LAYER_NAMES), say=print, source=current_source(spark))
    print(f"{_describe_checks(reports)}; Data Docs {settings.quality_docs_dir / 'index.html'}")
    return 0


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from segments.pipeline import ingest_inputs
    from segments.spark.session import open_session

    inputs = _inputs(args, settings)
    checked = inputs.check()  # before Spark starts
    for result in ingest_inputs(open_session(settings, args.target), inputs, checked).values():
        for report in result.files:
            print(f"{report.path}: {report.status}, {report.rows_loaded:,} rows loaded, "
                  f"{report.rows_rejected:,} rejected")
        for reason, count in sorted(result.rejects_by_reason.items()):
            print(f"  rejected {reason}: {count:,}")
    return 0


def _score(args: argparse.Namespace, settings: Settings) -> int:
    from segments.scoring import score_and_rebuild

    for line in score_and_rebuild(settings, args.model):
        print(line)
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from segments.report import write_dashboard
    from segments.spark.session import open_session

    spark = open_session(settings, args.target)
    if not spark.catalog.tableExists("analytics.customer_segments"):
        raise UserError("there are no segments to report on yet", "Run `segments run` first")
    out = write_dashboard(spark, args.out or settings.dashboard_file)
    print(f"dashboard written to {out} ({out.stat().st_size / 2**20:.1f} MB); open it in any browser")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from segments.export import export_segment
    from segments.spark.session import open_session

    out = args.out or settings.state_dir / "exports" / f"{args.segment_type}_{args.segment.replace(' ', '_')}.csv"
    count = export_segment(open_session(settings, args.target), args.segment_type, args.segment, out)
    print(f"{count:,} customers of {args.segment_type} segment '{args.segment}' written to {out}")
    return 0


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from segments.generate import GenerateOptions, generate_online_retail
    from segments.spark.session import embedded_session

    options = GenerateOptions(rows=args.rows, customers=args.customers, seed=args.seed, out=args.out,
                              format=args.format, overwrite=args.overwrite)
    options.check()  # before Spark starts
    print(f"Generating {options.rows:,} Online Retail lines, {options.customer_count:,} customers, "
          f"seed {options.seed} -> {options.out} ({options.format})", flush=True)
    result = generate_online_retail(embedded_session(settings), options, say=print)
    print(f"{result.rows:,} lines in {len(result.files)} files written to {result.out} in {result.seconds:.0f} s")
    return 0


def _generate_amazon(args: argparse.Namespace, settings: Settings) -> int:
    from segments.generate import AmazonReviewsOptions, generate_amazon_reviews
    from segments.generate.amazon_reviews import default_items
    from segments.spark.session import embedded_session

    options = AmazonReviewsOptions(users=args.users, seed=args.seed, out=args.out, format=args.format,
                                   overwrite=args.overwrite)
    options.check()  # before Spark starts
    print(f"Generating Amazon reviews of {options.users:,} users on {default_items(options.users):,} items, "
          f"seed {options.seed} -> {options.out}/reviews, {options.out}/meta ({options.format})", flush=True)
    result = generate_amazon_reviews(embedded_session(settings), options, say=print)
    print(f"{result.reviews:,} reviews in {len(result.review_files)} files and {result.items:,} items in "
          f"{len(result.meta_files)} files written to {result.out} in {result.seconds:.0f} s")
    return 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from segments.bench.harness import AMAZON_DEFAULT_SIZES, DEFAULT_SIZES, BenchOptions, run_bench

    default = AMAZON_DEFAULT_SIZES if args.source == "amazon_reviews" else DEFAULT_SIZES
    run_bench(settings, BenchOptions(sizes=args.sizes or default, seed=args.seed, out=args.out, source=args.source,
                                     data_dir=args.data_dir, keep_state=args.keep_state, repeat=args.repeat))
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from segments.serve import Endpoints, ServeOptions, serve, stop_server

    if args.stop:
        stop_server(settings)
        return 0
    defaults = Endpoints.from_env()
    endpoints = Endpoints(
        host=args.host or defaults.host,
        port=args.port or defaults.port,
        connect_port=args.connect_port or defaults.connect_port,
    )
    serve(settings, ServeOptions(endpoints=endpoints, master=args.master, conf=dict(args.conf)))
    return 0


def _message(error: Exception) -> str:
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - pyspark errors need the JVM for str(), which is stopped by now
        return getattr(error, "_desc", None) or repr(error)


def _holds_state_folder(args: argparse.Namespace) -> bool:
    """Commands that open the metastore themselves hold the state folder; clients of a server (and
    `serve --stop`) do not, since the server holds it."""
    if args.command in ("generate", "bench"):  # files only; bench runs on state folders of its own
        return False
    return getattr(args, "target", "local") == "local" and not getattr(args, "stop", False)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """parse_args, with a hint when an input file was given without --data (`segments run x.csv`)."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        words = [word for word in unknown  # what looks like a file, not the value of a mistyped option
                 if not word.startswith("-") and ("/" in word or "." in word or Path(word).exists())]
        hint = (f"\ninput files are named with --data: segments {args.command} --data {words[0]}"
                if words and hasattr(args, "data") else "")
        parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
    handler: Callable[[argparse.Namespace, Settings], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    for name in ("data", "meta"):
        if getattr(args, name, None):  # before the chdir below
            setattr(args, name, [path.expanduser().resolve() for path in getattr(args, name)])
    for name in ("out", "model", "quality_config", "data_dir"):
        if getattr(args, name, None):
            setattr(args, name, getattr(args, name).expanduser().resolve())
    try:
        settings = load_settings()
        export_for_dbt(settings)
        # Relative paths in profiles.yml (log4j config) and dbt itself expect the project root.
        os.chdir(settings.project_dir)
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
            f"{os.environ.get('SEGMENTS_HOME', '.segments')}/logs",
            file=sys.stderr,
        )
        return 1
