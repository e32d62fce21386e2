"""Betweenness on igraph with networkx's conventions: exact, or sampled from seeded
sources (networkx's ``k``/``seed``). Kept apart from :mod:`graphkit.analytics.metrics` so
that the second process of :mod:`graphkit.analytics.pipeline` imports igraph only.

>>> import igraph as ig
>>> betweenness(ig.Graph(n=3, edges=[(0, 1), (1, 2)]), samples=500, seed=42,
...             exact_limit=5000)
([0.0, 1.0, 0.0], 'exact')
"""

from __future__ import annotations

import random

import igraph as ig

__all__ = ["betweenness"]


def betweenness(g: ig.Graph, *, samples: int, seed: int,
                exact_limit: int) -> tuple[list[float], str]:
    """Betweenness of every vertex of ``g`` (undirected, hop distances) normalised as
    networkx does, and how it was computed: exact up to ``exact_limit`` vertices (or when
    ``samples`` covers them), else estimated from ``samples`` sources drawn with ``seed``
    exactly as networkx draws them."""
    n = g.vcount()
    if n <= 2:
        return [0.0] * n, "exact"
    scale = 2.0 / ((n - 1) * (n - 2))  # networkx's normalisation for undirected graphs
    if n <= exact_limit or samples >= n - 1:
        return [b * scale for b in g.betweenness(directed=False)], "exact"
    k = samples
    sources = random.Random(seed).sample(range(n), k)  # networkx draws the same
    # igraph gives half the summed dependencies of the sources; networkx (3.6) scales a
    # sampled source by 1/((k-1)(n-2)), any other node by 1/(k(n-2))
    raw = g.betweenness(directed=False, sources=sources)
    sampled = set(sources)
    estimate = [2.0 * r / ((k - (1 if i in sampled else 0)) * (n - 2))
                for i, r in enumerate(raw)]
    return estimate, f"sampled from {samples} sources, seed {seed}"
