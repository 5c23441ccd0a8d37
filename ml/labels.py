"""Segment names from cluster centroids, never from cluster ids.

A centroid of the scaled features is a z-score per feature: how far the cluster's customers sit from
the average customer in log recency, log frequency and log monetary. Two numbers decide the name:
  value = (frequency z + monetary z) / 2     how much and how often they buy
  age   = recency z                          how long since they last bought (high = long ago)
Names are given in this order, each to one cluster:
  1. VIP        the highest value
  2. Churned    the highest age among the others
  3. New        the lowest age among the others (bought recently, not yet much)
  4. Potential  the highest value among the others
  5. any further cluster (k > 4), by descending value, the first free name of its quadrant's list:
       value >= 0, age <  0  Loyal, Promising, Need Attention
       value >= 0, age >= 0  At Risk, Need Attention, About to Sleep
       value <  0, age >= 0  Hibernating, About to Sleep, Need Attention
       value <  0, age <  0  Promising, Need Attention, About to Sleep
     and if all of those are taken, the first free one of EXTRA_NAMES.
The rule depends only on where the centroids are, so the same data gives the same names whatever
the cluster numbering, and a different seed that finds the same clusters gives the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

FIXED_ORDER = ("VIP", "Churned", "New", "Potential")
EXTRA_NAMES = ("Loyal", "At Risk", "Hibernating", "Promising", "Need Attention", "About to Sleep")
SEGMENT_NAMES = FIXED_ORDER + EXTRA_NAMES


@dataclass(frozen=True)
class Centroid:
    cluster_id: int
    recency_z: float
    frequency_z: float
    monetary_z: float

    @property
    def value(self) -> float:
        return (self.frequency_z + self.monetary_z) / 2

    @property
    def age(self) -> float:
        return self.recency_z


def _preferred_names(centroid: Centroid) -> tuple[str, ...]:
    if centroid.value >= 0:
        if centroid.age < 0:
            return ("Loyal", "Promising", "Need Attention")
        return ("At Risk", "Need Attention", "About to Sleep")
    if centroid.age >= 0:
        return ("Hibernating", "About to Sleep", "Need Attention")
    return ("Promising", "Need Attention", "About to Sleep")


def name_clusters(centroids: list[Centroid]) -> dict[int, str]:
    """cluster id -> segment name, unique, for 2 <= k <= 10 clusters."""
    if not 2 <= len(centroids) <= len(SEGMENT_NAMES):
        raise ValueError(f"can name 2 to {len(SEGMENT_NAMES)} clusters, got {len(centroids)}")
    left = sorted(centroids, key=lambda c: c.cluster_id)
    names: dict[int, str] = {}

    def take(name: str, chosen: Centroid) -> None:
        names[chosen.cluster_id] = name
        left.remove(chosen)

    pickers = {
        "VIP": lambda: max(left, key=lambda c: c.value),
        "Churned": lambda: max(left, key=lambda c: c.age),
        "New": lambda: min(left, key=lambda c: c.age),
        "Potential": lambda: max(left, key=lambda c: c.value),
    }
    for name in FIXED_ORDER:
        if not left:
            break
        take(name, pickers[name]())
    for centroid in sorted(left, key=lambda c: -c.value):
        free = [n for n in (*_preferred_names(centroid), *EXTRA_NAMES) if n not in names.values()]
        take(free[0], centroid)
    return names
