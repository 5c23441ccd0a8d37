"""`segments-dev`: the developer tools, apart from the product. `generate` writes synthetic input
of any size; `bench` measures the whole pipeline at several sizes. They import the product (its
command runner, settings and sources); the product never imports them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from segments.cli import execute
from segments.settings import Settings
from segments.sources import DEFAULT as DEFAULT_SOURCE
from segments.sources import SOURCES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segments-dev",
        description="Developer tools of segments: synthetic data and benchmarks.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    generate = commands.add_parser(
        "generate",
        help="write synthetic input data of any size (for benchmarks and tests)",
        description="Write synthetic input files whose shape follows a real data set, deterministic "
        "for a seed. `online-retail`: lines in the UCI Online Retail schema, a folder of "
        "part files that --data accepts as it is. `amazon-reviews`: reviews and item "
        "metadata in the McAuley Lab Amazon Reviews 2023 schema (gzipped JSON Lines or "
        "Parquet). `segments-dev generate SOURCE --help` describes each.",
    )
    sources = generate.add_subparsers(dest="source", metavar="SOURCE", required=True)
    retail = sources.add_parser(
        "online-retail",
        help="lines in the UCI Online Retail schema",
        description="Write lines in the Online Retail schema whose shape follows the bundled UCI file "
        "(invoices of about 21 lines, heavy-tailed invoices per customer, ~25 % without "
        "CustomerID, ~1 % exact duplicates, ~2 % cancellations mostly of an earlier "
        "purchase, a few zero prices, non-merchandise codes, 30 countries), deterministic "
        "for a seed. The output is a folder of part files that --data accepts as it is.",
    )
    retail.add_argument("--rows", type=count_argument, required=True, help="lines to write, e.g. 5000000 or 5M")
    retail.add_argument(
        "--customers",
        type=count_argument,
        default=None,
        help="distinct customers (default: one per 124 lines, as in the real file)",
    )
    retail.add_argument(
        "--seed", type=int, default=42, help="random seed; the same seed gives the same lines (default 42)"
    )
    retail.add_argument("--out", type=Path, required=True, metavar="FOLDER", help="output folder")
    retail.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default="parquet",
        help="parquet (default; types as pandas reads the published file) or csv (the bundled file's layout)",
    )
    retail.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    retail.add_argument(
        "--renamed",
        action="store_true",
        help="Parquet with the columns named cust, inv, sku, desc, qty, price, ts, ctry: input for "
        "--source transactions --mapping tools/generate/transactions_mapping.yml",
    )
    retail.set_defaults(handler=_generate)

    amazon = sources.add_parser(
        "amazon-reviews",
        help="reviews and item metadata in the Amazon Reviews 2023 schema",
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
    amazon.add_argument(
        "--users",
        type=count_argument,
        required=True,
        help="reviewers to generate, e.g. 4200000 or 4.2M (about 2.4 reviews each)",
    )
    amazon.add_argument(
        "--seed", type=int, default=42, help="random seed; the same seed gives the same reviews and items (default 42)"
    )
    amazon.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FOLDER",
        help="output folder; reviews/ and meta/ are written inside it",
    )
    amazon.add_argument(
        "--format",
        choices=["jsonl", "parquet"],
        default="jsonl",
        help="jsonl (default; gzipped JSON Lines like the published files) or parquet",
    )
    amazon.add_argument("--overwrite", action="store_true", help="replace OUT/reviews and OUT/meta if they exist")
    amazon.set_defaults(handler=_generate_amazon)

    bench = commands.add_parser(
        "bench",
        help="measure the whole pipeline at several data sizes",
        description="Run `segments run` once per size (or --repeat times), each in a new process on a new "
        "state folder (a cold first run), and report the wall time of each stage, lines per second, the "
        "CPU time used, the peak memory of the JVM and of Python, and Spark's shuffle bytes. Sizes other "
        "than the real file are generated lines (`segments-dev generate online-retail`, "
        "Parquet), cached in --data-dir for the next bench. Writes a JSON file and a "
        "Markdown table (same name, .md). On 2 cores the 50M size takes 13 to 20 minutes, plus about "
        "2 to generate its lines the first time; 100M about 25. "
        "With --source amazon_reviews the sizes are review counts, generated by "
        "`segments-dev generate amazon-reviews` (JSON Lines, with matching item metadata).",
    )
    bench.add_argument(
        "--source", choices=SOURCES, default=DEFAULT_SOURCE, help="which source to measure (default online_retail)"
    )
    bench.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        metavar="LIST",
        help="comma-separated: 'real' (the bundled file) and line counts such as 200k, "
        "5M, 100M (default: real,5M,50M); for amazon_reviews review counts "
        "(default: 10M)",
    )
    bench.add_argument("--seed", type=int, default=42, help="seed of the generated data (default 42)")
    bench.add_argument(
        "--out", type=Path, metavar="PATH", help="JSON result (default artifacts/bench/scale.json in the project)"
    )
    bench.add_argument(
        "--data-dir",
        type=Path,
        metavar="FOLDER",
        help="where generated data is kept between benches (default <state>/bench-data)",
    )
    bench.add_argument(
        "--keep-state",
        action="store_true",
        help="keep each run's state folder (warehouse, logs, Spark event log) for inspection",
    )
    bench.add_argument(
        "--repeat",
        type=count_argument,
        default=1,
        metavar="N",
        help="cold runs per size (default 1). The sizes are taken in turn (real, 5M, real, "
        "5M, ...), so that a machine whose speed drifts weighs on every size alike; the "
        "table shows each size's median run and lists every run's total. On a shared or "
        "virtual machine one run can be 20-40 %% off: use 3 or 5 before comparing figures",
    )
    bench.set_defaults(handler=_bench)
    return parser


def count_argument(text: str) -> int:
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
    return tuple(None if part.strip() == "real" else count_argument(part.strip()) for part in text.split(","))


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from segments.warehouse.session import embedded_session
    from tools.generate import GenerateOptions, generate_online_retail

    options = GenerateOptions(
        rows=args.rows,
        customers=args.customers,
        seed=args.seed,
        out=args.out,
        format=args.format,
        overwrite=args.overwrite,
        renamed=args.renamed,
    )
    options.check()  # before Spark starts
    print(
        f"Generating {options.rows:,} Online Retail lines, {options.customer_count:,} customers, "
        f"seed {options.seed} -> {options.out} ({options.format})",
        flush=True,
    )
    result = generate_online_retail(embedded_session(settings), options, say=print)
    print(f"{result.rows:,} lines in {len(result.files)} files written to {result.out} in {result.seconds:.0f} s")
    return 0


def _generate_amazon(args: argparse.Namespace, settings: Settings) -> int:
    from segments.warehouse.session import embedded_session
    from tools.generate import AmazonReviewsOptions, generate_amazon_reviews
    from tools.generate.amazon_reviews import default_items

    options = AmazonReviewsOptions(
        users=args.users, seed=args.seed, out=args.out, format=args.format, overwrite=args.overwrite
    )
    options.check()  # before Spark starts
    print(
        f"Generating Amazon reviews of {options.users:,} users on {default_items(options.users):,} items, "
        f"seed {options.seed} -> {options.out}/reviews, {options.out}/meta ({options.format})",
        flush=True,
    )
    result = generate_amazon_reviews(embedded_session(settings), options, say=print)
    print(
        f"{result.reviews:,} reviews in {len(result.review_files)} files and {result.items:,} items in "
        f"{len(result.meta_files)} files written to {result.out} in {result.seconds:.0f} s"
    )
    return 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from tools.bench.harness import BenchOptions, default_sizes, run_bench

    run_bench(
        settings,
        BenchOptions(
            sizes=args.sizes or default_sizes(args.source),
            seed=args.seed,
            out=args.out,
            source=args.source,
            data_dir=args.data_dir,
            keep_state=args.keep_state,
            repeat=args.repeat,
        ),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.stateless = True  # files only; a bench's runs get state folders of their own
    return execute(parser, args)


if __name__ == "__main__":
    sys.exit(main())
