"""Shuffle partitions sized to the data a run loaded.

profiles.yml defaults to 8 shuffle partitions, right for the bundled file on a laptop. A line-level
shuffle of 50 M lines split 8 ways gives tasks of gigabytes that spill to disk; one partition per
million lines keeps them near 100 MB. Adaptive execution still merges the small partitions of small
shuffles, so only the large ones use the extra partitions.
"""

from __future__ import annotations

from segments.errors import UserError
from segments.settings import DEFAULT_PARTITIONS, SETTINGS

LINES_PER_PARTITION = 1_000_000


def shuffle_partitions_for(lines: int) -> int:
    return max(DEFAULT_PARTITIONS, -(-lines // LINES_PER_PARTITION))


def shuffle_partitions(lines: int, chosen: str | None) -> int:
    """The partitions a build over `lines` uses: the user's setting (`chosen`), else sized to the lines."""
    if chosen is None:
        return shuffle_partitions_for(lines)
    if not chosen.strip().isdigit() or int(chosen) < 1:
        env = SETTINGS["shuffle_partitions"].env
        raise UserError(
            f"{env}={chosen!r} is not a number of partitions",
            "Set it to a whole number of at least 1 (e.g. 8), or unset it to size the partitions to the data",
        )
    return int(chosen)
