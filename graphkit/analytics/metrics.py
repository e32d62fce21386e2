"""Measures of a network: who is central, who brokers, which communities it falls into.

networkx is the API (graphs come and go as :class:`networkx.Graph`) and the reference;
the heavy measures run on igraph and leidenalg (compiled), with networkx's conventions, so
that the numbers are those networkx would give (``tests/analytics`` checks they agree):

=================  ================================================================
``degree``         ties; ``weighted_degree`` the sum of their weights
``betweenness``    share of shortest paths through the node, normalised as networkx
                   does; exact up to ``exact_limit`` nodes, else estimated from ``samples``
                   sources drawn with ``seed`` (networkx's ``k``/``seed``), see ``notes``
``closeness``      Wasserman–Faust closeness (networkx's ``wf_improved``), hop distances;
                   like ``harmonic`` (sum of 1/distance to every other node) exact up to
                   ``exact_limit`` nodes, else estimated from the sampled sources
``eigenvector``    eigenvector centrality within the node's connected component (unit
                   length per component, as networkx within a connected graph), weighted
``pagerank``       PageRank, damping 0.85, weighted
``constraint``     Burt's constraint (weighted; empty for a node without ties)
``effective_size`` Burt's effective size (Borgatti's form for unweighted ties)
``core``           k-core number
``community``      Louvain community (igraph's multilevel, seeded) or Leiden (leidenalg)
=================  ================================================================

Shortest paths count hops: weights are strengths, not distances.

>>> import networkx as nx
>>> result = measure(nx.path_graph(3))
>>> result.values["betweenness"][1]
1.0
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from enum import Enum

import igraph as ig
import networkx as nx

from graphkit.analytics.betweenness import betweenness
from graphkit.errors import UsageError

__all__ = [
    "MEASURES",
    "Communities",
    "CommunityMethod",
    "Measures",
    "Options",
    "Summary",
    "communities",
    "measure",
    "summary",
    "to_igraph",
]

#: The per-node measures, in the order tables show them.
MEASURES = ("degree", "weighted_degree", "betweenness", "closeness", "harmonic",
            "eigenvector", "pagerank", "constraint", "effective_size", "core", "community")

#: igraph draws its random numbers from a module-wide generator; seeded runs take turns.
_RNG_LOCK = threading.Lock()


class CommunityMethod(str, Enum):
    LOUVAIN = "louvain"
    LEIDEN = "leiden"


@dataclass(frozen=True)
class Options:
    """Parameters of a run (they go into the provenance of written results)."""

    seed: int = 42
    resolution: float = 1.0
    method: CommunityMethod = CommunityMethod.LOUVAIN
    samples: int = 500
    exact_limit: int = 5_000
    weight: str = "weight"

    def __post_init__(self) -> None:
        if self.resolution <= 0:
            raise UsageError(f"the resolution must be above 0, not {self.resolution}")
        if self.samples < 2:
            raise UsageError(f"sampled betweenness needs at least 2 sources, not {self.samples}")
        if self.exact_limit < 0:
            raise UsageError("the exact-betweenness limit cannot be negative")

    def describe(self) -> dict[str, str]:
        return {"seed": str(self.seed), "resolution": str(self.resolution),
                "method": self.method.value, "samples": str(self.samples),
                "exact_limit": str(self.exact_limit)}


@dataclass
class Communities:
    """A partition: community number by node (0 the largest), and its modularity."""

    membership: dict[Hashable, int]
    modularity: float
    method: CommunityMethod
    resolution: float
    seed: int

    def groups(self) -> list[list[Hashable]]:
        found: list[list[Hashable]] = [[] for _ in range(1 + max(self.membership.values(),
                                                                 default=-1))]
        for node, number in self.membership.items():
            found[number].append(node)
        return found


@dataclass
class Measures:
    """Every measure by name, then by node; how betweenness was computed is in ``notes``."""

    values: dict[str, dict[Hashable, float]]
    communities: Communities
    notes: dict[str, str] = field(default_factory=dict)
    options: Options = field(default_factory=Options)

    def row(self, node: Hashable) -> dict[str, float | int | None]:
        row: dict[str, float | int | None] = {}
        for name in MEASURES:
            if name == "community":
                row[name] = self.communities.membership.get(node)
            else:
                value = self.values.get(name, {}).get(node)
                row[name] = None if value is None or math.isnan(value) else value
        return row


def to_igraph(graph: nx.Graph, *, weight: str = "weight") -> ig.Graph:
    """``graph`` as an undirected igraph graph: vertex ``name`` the node, edge ``weight``
    (1.0 where missing), in networkx's node order."""
    if graph.is_directed() or graph.is_multigraph():
        raise UsageError("the measures are for simple undirected graphs")
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in graph.edges()]
    result = ig.Graph(n=len(nodes), edges=edges)
    result.vs["name"] = nodes
    result.es["weight"] = [float(w) for *_, w in graph.edges(data=weight, default=1.0)]
    return result


def measure(graph: nx.Graph | ig.Graph, options: Options | None = None, *,
            include: Collection[str] = MEASURES) -> Measures:
    """The per-node measures of ``graph`` (networkx, or igraph with ``name``/``weight``)
    named in ``include`` (all by default; ``community`` is always computed).

    Above ``options.exact_limit`` nodes betweenness, closeness and harmonic centrality are
    estimated from ``options.samples`` sources drawn with ``options.seed`` (``notes`` says
    so), as exact all-pairs distances no longer fit in the time of a request.
    """
    options = options or Options()
    unknown = set(include) - set(MEASURES)
    if unknown:
        raise UsageError(f"unknown measure {min(unknown)!r}; known: {', '.join(MEASURES)}")
    g = graph if isinstance(graph, ig.Graph) else to_igraph(graph, weight=options.weight)
    names = g.vs["name"] if g.vcount() else []
    weights = g.es["weight"] if g.ecount() else None
    n = g.vcount()

    def by_node(values: list[float]) -> dict[Hashable, float]:
        return dict(zip(names, (float(v) for v in values), strict=True))

    notes: dict[str, str] = {}
    computed: dict[str, Callable[[], list[float]]] = {
        "degree": lambda: g.degree(),
        "weighted_degree": lambda: g.strength(weights=weights) if n else [],
        "eigenvector": lambda: _eigenvector(g),
        "pagerank": lambda: g.pagerank(weights=weights, damping=0.85,
                                       implementation="arpack") if n else [],
        "constraint": lambda: g.constraint(weights=weights) if n else [],
        "effective_size": lambda: _effective_size(g),
        "core": lambda: g.coreness() if n else [],
    }
    values: dict[str, dict[Hashable, float]] = {}
    for name, compute in computed.items():
        if name in include:
            values[name] = by_node(compute())
    if "betweenness" in include:
        found, notes["betweenness"] = _betweenness(g, options)
        values["betweenness"] = by_node(found)
    if {"closeness", "harmonic"} & set(include):
        closeness, harmonic, notes["closeness"] = _distances(g, options)
        values["closeness"], values["harmonic"] = by_node(closeness), by_node(harmonic)
    if "eigenvector" in include:
        notes["eigenvector"] = "per connected component, unit length"
    return Measures(values, communities(g, options), notes, options)


def _effective_size(g: ig.Graph) -> list[float]:
    """Burt's effective size, Borgatti's form: degree - 2 * ties among neighbours / degree."""
    degree = g.degree()
    share = g.transitivity_local_undirected(mode="zero") if g.vcount() else []
    return [float("nan") if d == 0 else d - (t * (d - 1)) for d, t in
            zip(degree, share, strict=True)]


def _distances(g: ig.Graph, options: Options) -> tuple[list[float], list[float], str]:
    """Closeness (Wasserman-Faust) and harmonic centrality, exact or from sampled sources."""
    n = g.vcount()
    if n < 2:
        return [0.0] * n, [0.0] * n, "exact"
    parts = g.connected_components()
    sizes, component = parts.sizes(), parts.membership
    if n <= options.exact_limit or options.samples >= n - 1:
        closeness = [0.0 if math.isnan(c) else c * (sizes[component[i]] - 1) / (n - 1)
                     for i, c in enumerate(g.closeness(normalized=True))]
        return closeness, g.harmonic_centrality(normalized=False), \
            "Wasserman-Faust, hop distances, exact"
    k = options.samples
    sources = random.Random(options.seed).sample(range(n), k)
    total = [0.0] * n
    inverse = [0.0] * n
    hits = [0] * n
    for first in range(0, k, 50):
        for row in g.distances(source=sources[first:first + 50]):
            for v, d in enumerate(row):
                if 0 < d < math.inf:
                    total[v] += d
                    inverse[v] += 1.0 / d
                    hits[v] += 1
    harmonic = [s * (n - 1) / k for s in inverse]
    closeness = []
    for v in range(n):
        reach = sizes[component[v]] - 1
        if hits[v] == 0 or reach == 0:
            closeness.append(0.0)
            continue
        mean = total[v] / hits[v]  # mean distance to the sampled nodes it reaches
        closeness.append((reach / (n - 1)) / mean)
    return closeness, harmonic, (f"Wasserman-Faust, hop distances, estimated from {k} "
                                 f"sources, seed {options.seed}")


def _betweenness(g: ig.Graph, options: Options) -> tuple[list[float], str]:
    return betweenness(g, samples=options.samples, seed=options.seed,
                       exact_limit=options.exact_limit)


def _eigenvector(g: ig.Graph) -> list[float]:
    result = [0.0] * g.vcount()
    for members in g.connected_components():
        if len(members) < 2:
            continue
        sub = g.induced_subgraph(members)
        values = sub.eigenvector_centrality(scale=True, weights="weight")
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        for vertex, value in zip(members, values, strict=True):
            result[vertex] = value / norm
    return result


def communities(graph: nx.Graph | ig.Graph, options: Options | None = None) -> Communities:
    """Louvain (or Leiden) communities of ``graph``, seeded, at ``options.resolution``;
    numbered by size, largest first (ties by first member), with their modularity."""
    options = options or Options()
    g = graph if isinstance(graph, ig.Graph) else to_igraph(graph, weight=options.weight)
    if g.vcount() == 0:
        return Communities({}, 0.0, options.method, options.resolution, options.seed)
    weights = g.es["weight"] if g.ecount() else None
    if options.method is CommunityMethod.LEIDEN:
        import leidenalg

        partition = leidenalg.find_partition(
            g, leidenalg.RBConfigurationVertexPartition, weights=weights,
            resolution_parameter=options.resolution, seed=options.seed)
        raw = list(partition.membership)
    else:
        with _RNG_LOCK:
            ig.set_random_number_generator(random.Random(options.seed))
            try:
                raw = list(g.community_multilevel(weights=weights,
                                                  resolution=options.resolution).membership)
            finally:
                ig.set_random_number_generator(random)
    order = sorted(set(raw), key=lambda c: (-raw.count(c), raw.index(c)))
    renumber = {old: new for new, old in enumerate(order)}
    membership = [renumber[c] for c in raw]
    quality = g.modularity(membership, weights=weights, resolution=options.resolution) \
        if g.ecount() else 0.0
    return Communities(dict(zip(g.vs["name"], membership, strict=True)), float(quality),
                       options.method, options.resolution, options.seed)


@dataclass
class Summary:
    """Whole-network figures, with the bridges and articulation points (cut vertices)."""

    nodes: int
    edges: int
    density: float
    components: int
    largest_component: int
    average_clustering: float
    transitivity: float
    diameter: int
    diameter_method: str
    bridges: list[tuple[Hashable, Hashable]]
    articulation_points: list[Hashable]

    def figures(self) -> dict[str, float | int | str]:
        """The scalar figures, by name."""
        return {"nodes": self.nodes, "edges": self.edges, "density": self.density,
                "components": self.components, "largest_component": self.largest_component,
                "average_clustering": self.average_clustering,
                "transitivity": self.transitivity, "diameter": self.diameter,
                "diameter_method": self.diameter_method, "bridges": len(self.bridges),
                "articulation_points": len(self.articulation_points)}


def summary(graph: nx.Graph | ig.Graph, options: Options | None = None) -> Summary:
    """Density, components, clustering (networkx's average, zeros counted, and global
    transitivity), the diameter of the largest component (exact up to
    ``options.exact_limit`` nodes, else a double-sweep lower bound), bridges and
    articulation points."""
    options = options or Options()
    g = graph if isinstance(graph, ig.Graph) else to_igraph(graph, weight=options.weight)
    n, m = g.vcount(), g.ecount()
    names = g.vs["name"] if n else []
    parts = g.connected_components() if n else None
    largest = parts.giant() if parts is not None else ig.Graph()
    if largest.vcount() <= options.exact_limit:
        diameter, method = (largest.diameter(directed=False) if largest.vcount() else 0), "exact"
    else:
        diameter, method = _double_sweep(largest, options.seed), "lower bound (double sweep)"
    bridges = sorted((names[e.source], names[e.target]) for e in g.es[g.bridges()]) if m else []
    return Summary(
        nodes=n, edges=m, density=g.density() if n > 1 else 0.0,
        components=len(parts) if parts is not None else 0,
        largest_component=largest.vcount(),
        average_clustering=g.transitivity_avglocal_undirected(mode="zero") if n else 0.0,
        transitivity=_nan_zero(g.transitivity_undirected()) if n else 0.0,
        diameter=int(diameter), diameter_method=method, bridges=bridges,
        articulation_points=sorted(names[v] for v in g.articulation_points()))


def _nan_zero(value: float) -> float:
    return 0.0 if math.isnan(value) else float(value)


def _double_sweep(g: ig.Graph, seed: int, rounds: int = 4) -> int:
    """A lower bound of the diameter of connected ``g``: from a start, the farthest node,
    then the farthest from that, repeated from seeded random starts."""
    chooser = random.Random(seed)
    best = 0
    for _ in range(rounds):
        start = chooser.randrange(g.vcount())
        first = g.distances(source=start)[0]
        far = max(range(len(first)), key=first.__getitem__)
        second = g.distances(source=far)[0]
        best = max(best, int(max(second)))
    return best
