"""The affiliation graph and its projection as integer arrays, without networkx.

For big graphs (a million triples and up) the per-edge attribute dictionaries of
:func:`~graphkit.analytics.build.affiliation_graph` cost more than the measures. A
:class:`CompactGraph` keeps what the measures need: vertex names, kinds, and the edges as
pairs of integers with their weights, **in the order networkx would give them** (nodes
sorted by IRI; each edge listed at its first endpoint, neighbours in the order the ties
were added). The igraph graphs made from it are therefore vertex for vertex and edge for
edge those of :func:`~graphkit.analytics.metrics.to_igraph` and
:func:`~graphkit.analytics.build.project_compact` over the networkx graph, so every seeded
measure (Louvain, sampled betweenness) gives the same numbers
(``tests/analytics/test_compact.py`` checks it).

>>> from graphkit.stores import OxigraphStore
>>> from graphkit.analytics.snapshot import fetch
>>> compact_affiliation(fetch(OxigraphStore(), base_iri="https://w3id.org/ogkg/")).names
[]
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig

from graphkit.analytics.build import PROJECTED, GraphKind, filtered, one_mode_of
from graphkit.analytics.snapshot import Filters, Snapshot
from graphkit.errors import UsageError

__all__ = ["CompactGraph", "compact_affiliation", "compact_projection"]


@dataclass
class CompactGraph:
    """Vertices (``names``, ``kinds``) and edges (``edges`` as index pairs, ``weights``)."""

    names: list[str]
    kinds: list[str]
    edges: list[tuple[int, int]]
    weights: list[float]

    def to_igraph(self) -> ig.Graph:
        """The graph as igraph's: vertex ``name``, edge ``weight``."""
        graph = ig.Graph(n=len(self.names), edges=self.edges)
        graph.vs["name"] = self.names
        graph.es["weight"] = self.weights
        return graph


def compact_affiliation(snapshot: Snapshot, filters: Filters | None = None) -> CompactGraph:
    """The two-mode graph of :func:`~graphkit.analytics.build.affiliation_graph`, as
    arrays: same nodes, edges, weights (ties merged per pair) and order."""
    filters = filters or Filters()
    nodes, ties = filtered(snapshot, filters)
    counts: dict[tuple[str, str], int] = {}
    for tie in ties:
        subject, obj = tie.subject, tie.object
        pair = (subject, obj) if subject < obj else (obj, subject)
        counts[pair] = counts.get(pair, 0) + 1
    if filters.active:
        tied = {iri for pair in counts for iri in pair}
        names = sorted(iri for iri in nodes if iri in tied)
    else:
        names = sorted(nodes)
    index = {iri: i for i, iri in enumerate(names)}
    adjacency: list[list[tuple[int, float]]] = [[] for _ in names]
    for (u, v), count in counts.items():
        iu, iv, weight = index[u], index[v], float(count)
        adjacency[iu].append((iv, weight))
        adjacency[iv].append((iu, weight))
    edges: list[tuple[int, int]] = []
    weights: list[float] = []
    for i, neighbours in enumerate(adjacency):
        for j, weight in neighbours:
            if j > i:  # networkx lists an edge at the endpoint it meets first
                edges.append((i, j))
                weights.append(weight)
    return CompactGraph(names, [snapshot.nodes[n].kind for n in names], edges, weights)


def compact_projection(affiliation: CompactGraph,
                       kind: GraphKind = GraphKind.ORGANISATIONS) -> ig.Graph:
    """What :func:`~graphkit.analytics.build.project_compact` makes of the networkx form
    of ``affiliation``: the one-mode projection by igraph's C bipartite projection,
    vertex ``name``, edge ``weight`` = shared neighbours plus direct ties."""
    if kind not in PROJECTED:
        raise UsageError(f"a projection is onto organisations or people, not {kind.value}")
    keep = PROJECTED[kind]
    # names are sorted already, so the chosen ones are too
    position = [-1] * len(affiliation.names)
    chosen: list[str] = []
    for i, (name, node_kind) in enumerate(zip(affiliation.names, affiliation.kinds,
                                              strict=True)):
        if node_kind in keep:
            position[i] = len(chosen)
            chosen.append(name)
    size = len(chosen)
    others: dict[int, int] = {}
    across: list[tuple[int, int]] = []
    direct: list[tuple[int, int]] = []
    direct_weights: list[float] = []
    for (u, v), weight in zip(affiliation.edges, affiliation.weights, strict=True):
        iu, iv = position[u], position[v]
        if iu >= 0 and iv >= 0:
            direct.append((iu, iv))
            direct_weights.append(weight)
        elif iu >= 0:
            across.append((iu, size + others.setdefault(v, len(others))))
        elif iv >= 0:
            across.append((iv, size + others.setdefault(u, len(others))))
    projection: ig.Graph = one_mode_of(chosen, len(others), across, direct, direct_weights)
    return projection
