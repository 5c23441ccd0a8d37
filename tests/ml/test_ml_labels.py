"""Segment names from centroids and the k-selection rule: plain Python, no Spark."""

from __future__ import annotations

import itertools
import random

import pytest

from ml.k_selection import KResult, choose_k, elbow
from ml.labels import SEGMENT_NAMES, Centroid, name_clusters

# (recency z, frequency z, monetary z) of four clusters shaped like the real data's
FOUR = {
    "VIP": (-1.3, 1.6, 1.3),
    "Potential": (0.1, 0.3, 0.5),
    "New": (-0.7, -0.5, -0.4),
    "Churned": (1.0, -0.8, -0.8),
}


def test_four_clusters_get_the_four_business_names_whatever_their_ids():
    for order in itertools.permutations(FOUR):
        centroids = [Centroid(i, *FOUR[name]) for i, name in enumerate(order)]
        assert name_clusters(centroids) == dict(enumerate(order))


@pytest.mark.parametrize("k", range(2, 11))
def test_every_k_gets_unique_known_names(k):
    generator = random.Random(k)
    centroids = [Centroid(i, *(generator.uniform(-2, 2) for _ in range(3))) for i in range(k)]
    names = name_clusters(centroids)
    assert sorted(names) == list(range(k))
    assert len(set(names.values())) == k
    assert set(names.values()) <= set(SEGMENT_NAMES)
    assert "VIP" in names.values() and "Churned" in names.values()


def test_extra_clusters_are_named_by_their_quadrant():
    centroids = [Centroid(i, *FOUR[name]) for i, name in enumerate(FOUR)]
    centroids.append(Centroid(4, -0.5, 0.9, 0.8))  # recent and valuable, below the VIPs
    centroids.append(Centroid(5, 0.6, 0.5, 0.6))  # valuable but lapsing
    names = name_clusters(centroids)
    # Cluster 4 now has the highest value after the VIPs: Potential. The rest by their quadrant:
    # 5 (valuable, lapsing) At Risk; 1 (the former Potential, also lapsing) the next name of its list.
    assert (names[4], names[5], names[1]) == ("Potential", "At Risk", "Need Attention")


def test_more_clusters_than_names_is_refused():
    with pytest.raises(ValueError):
        name_clusters([Centroid(i, 0.0, 0.0, float(i)) for i in range(len(SEGMENT_NAMES) + 1)])


def curve(silhouettes: list[float]) -> list[KResult]:
    wcss = [1000, 500, 250, 200, 170, 150, 135, 125, 118]  # a clear elbow at k = 4
    return [KResult(k, w, s) for k, w, s in zip(range(2, 11), wcss, silhouettes)]


def test_auto_k_is_the_elbow_when_its_silhouette_is_best():
    results = curve([0.50, 0.52, 0.60, 0.51, 0.45, 0.44, 0.40, 0.41, 0.39])
    assert elbow(results) == 4
    assert choose_k(results) == 4


def test_auto_k_takes_a_neighbour_of_the_elbow_with_a_better_silhouette():
    results = curve([0.70, 0.52, 0.50, 0.58, 0.45, 0.44, 0.40, 0.41, 0.39])
    assert choose_k(results) == 5  # k = 2 has the best silhouette but is no neighbour of the elbow


def test_auto_k_without_an_elbow_takes_the_best_silhouette():
    results = [KResult(2, 100, 0.3), KResult(3, 90, 0.5)]
    assert elbow(results) is None
    assert choose_k(results) == 3
