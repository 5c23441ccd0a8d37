"""The transactions source's bench input: the Online Retail generator's lines as Parquet with renamed
columns (`segments-dev generate online-retail --renamed`), read through transactions_mapping.yml.
The same seed gives the same lines as the online_retail bench input, so the two sources' runs
differ only by the source."""

from __future__ import annotations

from pathlib import Path

from tools.generate.online_retail import BENCH_SIZES, complete

MAPPING = Path(__file__).with_name("transactions_mapping.yml")
__all__ = ["BENCH_SIZES", "MAPPING", "complete", "generate_arguments", "run_arguments"]


def generate_arguments(size: int) -> list[str]:
    """`segments-dev generate` arguments for about `size` data lines."""
    return ["online-retail", "--rows", str(size), "--renamed"]


def run_arguments(folder: Path) -> list[str]:
    """`segments run` arguments that read the generated folder."""
    return ["--data", str(folder), "--mapping", str(MAPPING)]
