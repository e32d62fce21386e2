"""From a :class:`~graphkit.analytics.snapshot.Snapshot` to networkx graphs.

* :func:`affiliation_graph`: the two-mode graph of agents (organisations, people) and the
  networks, bodies, events, initiatives, plans and publications they belong to, chair,
  host, fund, create or take part in, plus the part-of links between those things;
* :func:`project`: its weighted one-mode projections (organisation–organisation through
  shared networks, bodies, events and people; person–person through shared bodies and
  events; direct ties between the projected nodes are kept);
* :func:`collaboration_graph`: agents that co-host, co-fund, co-author or co-lead the same
  thing, plus declared partnerships;
* :func:`project_compact`: the projection as a weights-only igraph graph, built in C, for
  graphs whose projection runs into millions of edges.

Each edge keeps its relation types, roles, period and sources as plain attributes
(strings and numbers, so every export format keeps them):

``relation``   relation keys (:mod:`graphkit.analytics.relations`), space-separated, the
               preferred first; ``^key`` is a tie that runs from ``target`` to ``subject``
``subject``    the node the first relation runs from (the edge's acting end)
``role``       role slugs (``co-chair``), ``start_date`` / ``end_date`` (as in the
               sources: ``2013``, ``2013-03``, ``2013-03-04``), ``sources`` (IRIs of source
               documents), ``qualified`` (membership, post or participation IRIs),
               ``weight`` (float), ``family`` (affiliation, partnership or structure)

Nodes are entity IRIs with ``label``, ``kind`` (the ``/id/<kind>/`` of the IRI), ``mode``
(``agent`` or ``context``), ``bipartite`` (0 agents, 1 contexts: networkx's convention)
and, where known, ``alt_labels`` (``|``-separated), ``org_types``, ``countries``,
``themes`` (space-separated slugs), ``start_date`` and ``end_date``.

>>> from graphkit.stores import OxigraphStore
>>> snapshot = fetch(OxigraphStore(), base_iri="https://w3id.org/ogkg/")
>>> affiliation_graph(snapshot).number_of_nodes()
0
"""

from __future__ import annotations

from collections import defaultdict
from enum import Enum
from typing import cast

import networkx as nx

from graphkit.analytics.dates import earliest, latest, sort_key
from graphkit.analytics.relations import COLLABORATION, PRIORITY, RELATIONS, Family
from graphkit.analytics.snapshot import Filters, Node, Snapshot, Tie, fetch
from graphkit.errors import UsageError

__all__ = [
    "GraphKind",
    "Weighting",
    "affiliation_graph",
    "build_graph",
    "collaboration_graph",
    "fetch",
    "project",
    "project_compact",
]


class GraphKind(str, Enum):
    """The graphs :func:`build_graph` makes."""

    AFFILIATION = "affiliation"
    ORGANISATIONS = "organisations"
    PEOPLE = "people"
    COLLABORATION = "collaboration"


class Weighting(str, Enum):
    """Edge weights of a projection: shared contexts counted, or Newman's collaboration
    weighting (each shared context adds 1/(n-1), n its projected members)."""

    COUNT = "count"
    NEWMAN = "newman"


# -- building graphs ----------------------------------------------------------------------
def filtered(snapshot: Snapshot, filters: Filters | None = None
             ) -> tuple[dict[str, Node], list[Tie]]:
    """The nodes and ties of ``snapshot`` that ``filters`` keep (a tie only between kept
    nodes)."""
    filters = filters or Filters()
    if not filters.active:
        return snapshot.nodes, snapshot.ties
    nodes = {iri: n for iri, n in snapshot.nodes.items() if filters.keeps_node(n)}
    ties = [t for t in snapshot.ties if t.subject in nodes and t.object in nodes
            and filters.keeps_tie(t)]
    return nodes, ties


def affiliation_graph(snapshot: Snapshot, filters: Filters | None = None) -> nx.Graph:
    """The two-mode graph (agents and what they are tied to), filtered."""
    filters = filters or Filters()
    nodes, ties = filtered(snapshot, filters)
    by_pair: dict[tuple[str, str], list[Tie]] = defaultdict(list)
    for tie in ties:
        pair = (tie.subject, tie.object) if tie.subject < tie.object \
            else (tie.object, tie.subject)
        by_pair[pair].append(tie)
    graph = nx.Graph(kind=GraphKind.AFFILIATION.value, filters=filters.describe())
    tied = {iri for pair in by_pair for iri in pair} if filters.active else nodes
    graph.add_nodes_from((iri, nodes[iri].attributes()) for iri in sorted(nodes)
                         if iri in tied)
    graph.add_edges_from((u, v, _edge_attributes(group)) for (u, v), group in by_pair.items())
    return graph


def _edge_attributes(ties: list[Tie]) -> dict[str, object]:
    if len(ties) == 1:
        return _tie_attributes(ties[0])
    ties = sorted(ties, key=lambda t: (PRIORITY[t.relation], t.subject))
    subject = ties[0].subject
    relations: list[str] = []
    for tie in ties:
        token = tie.relation if tie.subject == subject else "^" + tie.relation
        if token not in relations:
            relations.append(token)
    data: dict[str, object] = {
        "relation": " ".join(relations),
        "subject": subject,
        "family": ties[0].family.value,
        "weight": float(len(ties)),
    }
    roles = sorted({r for t in ties for r in t.roles})
    if roles:
        data["role"] = " ".join(roles)
    start = end = None
    open_end = False
    for tie in ties:
        start = earliest(start, tie.start)
        end = latest(end, tie.end)
        open_end = open_end or (tie.end is None and not tie.one_off)
    if start:
        data["start_date"] = start
    if end and not open_end:
        data["end_date"] = end
    sources = sorted({s for t in ties for s in t.sources})
    if sources:
        data["sources"] = " ".join(sources)
    qualified = sorted({q for t in ties for q in t.qualified})
    if qualified:
        data["qualified"] = " ".join(qualified)
    return data


def _tie_attributes(tie: Tie) -> dict[str, object]:
    data: dict[str, object] = {"relation": tie.relation, "subject": tie.subject,
                               "family": RELATIONS[tie.relation].family.value, "weight": 1.0}
    if tie.roles:
        data["role"] = " ".join(sorted(tie.roles))
    if tie.start:
        data["start_date"] = tie.start
    if tie.end:
        data["end_date"] = tie.end
    if tie.sources:
        data["sources"] = " ".join(sorted(tie.sources))
    if tie.qualified:
        data["qualified"] = " ".join(sorted(tie.qualified))
    return data


PROJECTED = {GraphKind.ORGANISATIONS: frozenset({"org"}),
             GraphKind.PEOPLE: frozenset({"person"})}


def project(affiliation: nx.Graph, kind: GraphKind = GraphKind.ORGANISATIONS, *,
            weighting: Weighting = Weighting.COUNT) -> nx.Graph:
    """The one-mode projection of ``affiliation`` onto organisations or people.

    Two projected nodes are tied when they share a neighbour of another kind (a network,
    body, event, or, for organisations, a person holding posts in both); the weight counts
    the shared neighbours (or sums 1/(n-1) with Newman's weighting) plus any direct ties.
    ``via`` lists the shared neighbours; ``relation`` the relations through which the two
    are tied; the period is when both ties were in force (the overlap).
    """
    if kind not in PROJECTED:
        raise UsageError(f"a projection is onto organisations or people, not {kind.value}")
    keep = PROJECTED[kind]
    chosen = {n for n, k in affiliation.nodes(data="kind") if k in keep}
    projection = nx.Graph(kind=kind.value, filters=affiliation.graph.get("filters", ""),
                          weighting=weighting.value)
    projection.add_nodes_from((n, affiliation.nodes[n]) for n in sorted(chosen))
    pairs: dict[tuple[str, str], _Pair] = {}
    for middle in affiliation:
        if middle in chosen:
            continue
        members = sorted(n for n in affiliation[middle] if n in chosen)
        if len(members) < 2:
            continue
        share = 1.0 / (len(members) - 1) if weighting is Weighting.NEWMAN else 1.0
        ties = [affiliation[middle][n] for n in members]
        for i, u in enumerate(members):
            for j in range(i + 1, len(members)):
                pair = pairs.get((u, members[j]))
                if pair is None:
                    pair = pairs[(u, members[j])] = _Pair()
                pair.add_shared(middle, share, ties[i], ties[j])
    for u, v, data in affiliation.edges(data=True):
        if u in chosen and v in chosen:
            key = (u, v) if u < v else (v, u)
            pair = pairs.get(key)
            if pair is None:
                pair = pairs[key] = _Pair()
            pair.add_direct(data)
    projection.add_edges_from((u, v, pair.attributes()) for (u, v), pair in pairs.items())
    return projection


class _Pair:
    """What two projected nodes share, gathered context by context."""

    __slots__ = ("direct", "end", "open_end", "relations", "shared", "sources", "start",
                 "via", "weight")

    def __init__(self) -> None:
        self.weight = 0.0
        self.shared = 0
        self.via: list[str] = []
        self.relations: set[str] = set()
        self.sources: set[str] = set()
        self.start: str | None = None
        self.end: str | None = None
        self.open_end = False
        self.direct = ""

    def add_shared(self, middle: str, share: float, one: dict[str, object],
                   other: dict[str, object]) -> None:
        self.weight += share
        self.shared += 1
        self.via.append(middle)
        for tie in (one, other):
            self.relations.update(str(tie["relation"]).replace("^", "").split())
            if "sources" in tie:
                self.sources.update(str(tie["sources"]).split())
        # both ties in force: from the later start to the earlier end
        starts = [str(t["start_date"]) for t in (one, other) if "start_date" in t]
        ends = [str(t["end_date"]) for t in (one, other) if "end_date" in t]
        start = max(starts, key=sort_key) if starts else None
        end = min(ends, key=sort_key) if ends else None
        self._widen(start, end)

    def add_direct(self, data: dict[str, object]) -> None:
        self.weight += float(cast(float, data.get("weight", 1.0)))
        self.direct = str(data["relation"])
        self.relations.update(self.direct.replace("^", "").split())
        if "sources" in data:
            self.sources.update(str(data["sources"]).split())
        # the edge data this module writes: dates as text, a float weight
        self._widen(cast("str | None", data.get("start_date")),
                    cast("str | None", data.get("end_date")))

    def _widen(self, start: str | None, end: str | None) -> None:
        self.start = earliest(self.start, start)
        if end is None:
            self.open_end = True
        else:
            self.end = latest(self.end, end)

    def attributes(self) -> dict[str, object]:
        data: dict[str, object] = {
            "weight": round(self.weight, 12),
            "shared": self.shared,
            "relation": " ".join(sorted(self.relations, key=lambda r: PRIORITY.get(r, 99))),
        }
        if self.via:
            data["via"] = " ".join(self.via)
        if self.direct:
            data["direct"] = self.direct
        if self.sources:
            data["sources"] = " ".join(sorted(self.sources))
        if self.start:
            data["start_date"] = self.start
        if self.end and not self.open_end:
            data["end_date"] = self.end
        return data


def collaboration_graph(affiliation: nx.Graph) -> nx.Graph:
    """Agents that collaborate: co-hosting, co-funding, co-authoring or co-leading the same
    thing (:data:`~graphkit.analytics.relations.COLLABORATION`), or declared partners.

    ``relation`` names the kinds of collaboration; ``via`` the shared things; ``weight``
    counts shared things plus partnership ties.
    """
    agents = {n for n, mode in affiliation.nodes(data="mode") if mode == "agent"}
    graph = nx.Graph(kind=GraphKind.COLLABORATION.value,
                     filters=affiliation.graph.get("filters", ""))
    pairs: dict[tuple[str, str], _Pair] = {}
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for middle in affiliation:
        groups: dict[str, list[str]] = defaultdict(list)
        for agent, data in affiliation[middle].items():
            if agent not in agents:
                continue
            tokens = str(data["relation"]).split()
            acting = {t for t in tokens if not t.startswith("^")} \
                if data.get("subject") == agent else {t[1:] for t in tokens if t[0] == "^"}
            for name, relations in COLLABORATION.items():
                if acting & relations:
                    groups[name].append(agent)
        for name, members in groups.items():
            members.sort()
            for i, u in enumerate(members):
                for v in members[i + 1:]:
                    pair = pairs.setdefault((u, v), _Pair())
                    if middle not in pair.via:
                        pair.add_shared(middle, 1.0, affiliation[middle][u],
                                        affiliation[middle][v])
                    kinds[(u, v)].add(name)
    for u, v, data in affiliation.edges(data=True):
        if u in agents and v in agents and data.get("family") == Family.PARTNERSHIP.value:
            key = (u, v) if u < v else (v, u)
            pairs.setdefault(key, _Pair()).add_direct(data)
            kinds[key].add("partnership")
    involved = {n for pair in pairs for n in pair}
    graph.add_nodes_from((n, affiliation.nodes[n]) for n in sorted(involved))
    for key, pair in pairs.items():
        data = pair.attributes()
        data["relation"] = " ".join(sorted(kinds[key]))
        graph.add_edge(*key, **data)
    return graph


def build_graph(snapshot: Snapshot, kind: GraphKind = GraphKind.AFFILIATION, *,
                filters: Filters | None = None,
                weighting: Weighting = Weighting.COUNT) -> nx.Graph:
    """The graph of ``kind`` from ``snapshot``, filtered."""
    affiliation = affiliation_graph(snapshot, filters)
    if kind is GraphKind.AFFILIATION:
        return affiliation
    if kind is GraphKind.COLLABORATION:
        return collaboration_graph(affiliation)
    return project(affiliation, kind, weighting=weighting)


def project_compact(affiliation: nx.Graph,
                    kind: GraphKind = GraphKind.ORGANISATIONS) -> object:
    """The projection as an :class:`igraph.Graph` (vertex ``name``, edge ``weight`` = shared
    neighbours plus direct ties), made by igraph's C bipartite projection.

    Same nodes, edges and weights as :func:`project` with count weighting, without the
    per-edge attributes: the form for projections of millions of edges (analyse them with
    igraph, or take a part of them into networkx).
    """
    if kind not in PROJECTED:
        raise UsageError(f"a projection is onto organisations or people, not {kind.value}")
    keep = PROJECTED[kind]
    chosen = sorted(n for n, k in affiliation.nodes(data="kind") if k in keep)
    index = {n: i for i, n in enumerate(chosen)}
    others: dict[str, int] = {}
    across: list[tuple[int, int]] = []
    direct: list[tuple[int, int]] = []
    direct_weights: list[float] = []
    for u, v, data in affiliation.edges(data=True):
        iu, iv = index.get(u), index.get(v)
        if iu is not None and iv is not None:
            direct.append((iu, iv))
            direct_weights.append(float(data.get("weight", 1.0)))
        elif iu is not None:
            across.append((iu, len(chosen) + others.setdefault(v, len(others))))
        elif iv is not None:
            across.append((iv, len(chosen) + others.setdefault(u, len(others))))
    return one_mode_of(chosen, len(others), across, direct, direct_weights)


def one_mode_of(chosen: list[str], others: int, across: list[tuple[int, int]],
                direct: list[tuple[int, int]], direct_weights: list[float]) -> object:
    """The one-mode :class:`igraph.Graph` onto ``chosen`` (vertices ``0..len(chosen)-1``,
    named) of the two-mode edges ``across`` (to vertices ``len(chosen)..``, ``others`` of
    them): weight = shared neighbours, plus the ``direct`` ties between chosen vertices with
    their weights."""
    import igraph as ig

    two_mode = ig.Graph(n=len(chosen) + others, edges=across)
    types = [False] * len(chosen) + [True] * others
    one_mode = two_mode.bipartite_projection(types=types, multiplicity=True, which=0)
    one_mode.vs["name"] = chosen
    if "weight" not in one_mode.es.attributes():
        one_mode.es["weight"] = []
    one_mode.es["weight"] = [float(w) for w in one_mode.es["weight"]]
    if direct:
        one_mode.add_edges(direct, attributes={"weight": direct_weights})
        one_mode.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    return one_mode
