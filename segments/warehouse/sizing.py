"""Shuffle partitions sized to the data a run loaded.

profiles.yml defaults to 8 shuffle partitions, right for the bundled file on a laptop. A line-level
shuffle of 50 M lines split 8 ways gives tasks of gigabytes that spill to disk; one partition per
million lines keeps them near 100 MB. Adaptive execution still merges the small partitions of small
shuffles, so only the large ones use the extra partitions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from segments.errors import UserError

SHUFFLE_PARTITIONS_ENV = "SEGMENTS_SHUFFLE_PARTITIONS"
DEFAULT_PARTITIONS = 8
LINES_PER_PARTITION = 1_000_000


def shuffle_partitions_for(lines: int) -> int:
    return max(DEFAULT_PARTITIONS, -(-lines // LINES_PER_PARTITION))


def shuffle_partitions(lines: int) -> int:
    """The partitions a run over `lines` uses: the user's SEGMENTS_SHUFFLE_PARTITIONS, else sized."""
    chosen = os.environ.get(SHUFFLE_PARTITIONS_ENV)
    if chosen is None:
        return shuffle_partitions_for(lines)
    if not chosen.strip().isdigit() or int(chosen) < 1:
        raise UserError(
            f"{SHUFFLE_PARTITIONS_ENV}={chosen!r} is not a number of partitions",
            "Set it to a whole number of at least 1 (e.g. 8), or unset it to size the partitions to the data",
        )
    return int(chosen)


@contextmanager
def shuffle_partitions_sized_to(lines: int) -> Iterator[int]:
    """Within the block, dbt's profile (rendered from the environment at each invocation) asks for
    partitions sized to `lines`, unless the user set SEGMENTS_SHUFFLE_PARTITIONS; yields the number."""
    partitions = shuffle_partitions(lines)
    if SHUFFLE_PARTITIONS_ENV in os.environ:
        yield partitions
        return
    os.environ[SHUFFLE_PARTITIONS_ENV] = str(partitions)
    try:
        yield partitions
    finally:
        del os.environ[SHUFFLE_PARTITIONS_ENV]
