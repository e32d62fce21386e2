"""From the store to networkx graphs: who is tied to what, with role, period and source.

:func:`fetch` reads the ties once with a handful of plain SPARQL queries (fast on any
store: no long OPTIONAL chains) into a :class:`Snapshot`. From a snapshot:

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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from enum import Enum

import networkx as nx

from graphkit.analytics.dates import Window, bounds
from graphkit.analytics.relations import (
    COLLABORATION,
    PRIORITY,
    RELATIONS,
    Family,
    relation_for_role,
)
from graphkit.errors import UsageError
from graphkit.namespaces import OGK, PREFIXES, sparql_prefixes
from graphkit.stores.base import Store

__all__ = [
    "AGENT_KINDS",
    "NODE_KINDS",
    "Filters",
    "GraphKind",
    "Node",
    "Snapshot",
    "Tie",
    "Weighting",
    "affiliation_graph",
    "build_graph",
    "collaboration_graph",
    "fetch",
    "project",
    "project_compact",
]

#: Kinds of entity that become nodes, in the order the explorer lists them.
NODE_KINDS = ("org", "network", "person", "initiative", "plan", "commitment", "publication",
              "event", "agenda-item")
AGENT_KINDS = frozenset({"org", "person"})
#: Kinds that happen once: a tie to them without its own dates takes their date.
ONE_OFF_KINDS = frozenset({"event", "agenda-item", "publication"})

RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL = PREFIXES["rdfs"] + "label"
ALT_LABEL = PREFIXES["skos"] + "altLabel"
ORG = PREFIXES["org"]
SCHEMA = PREFIXES["schema"]
DCT = PREFIXES["dcterms"]
CV_ROLE = PREFIXES["cv"] + "role"
PUBLICATION = OGK + "Publication"


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


@dataclass
class Node:
    """An entity of the graph, with what the filters and the explorer need."""

    iri: str
    kind: str
    label: str | None = None
    alt_labels: list[str] = field(default_factory=list)
    org_types: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    themes: set[str] = field(default_factory=set)
    start: str | None = None
    end: str | None = None

    @property
    def is_agent(self) -> bool:
        return self.kind in AGENT_KINDS

    def attributes(self) -> dict[str, object]:
        data: dict[str, object] = {
            "label": self.label or self.iri.rsplit("/", 1)[-1],
            "kind": self.kind,
            "mode": "agent" if self.is_agent else "context",
            "bipartite": 0 if self.is_agent else 1,
        }
        if self.alt_labels:
            data["alt_labels"] = "|".join(self.alt_labels)
        for name, values in (("org_types", self.org_types), ("countries", self.countries),
                             ("themes", self.themes)):
            if values:
                data[name] = " ".join(sorted(values))
        if self.start:
            data["start_date"] = self.start
        if self.end:
            data["end_date"] = self.end
        return data


@dataclass
class Tie:
    """One tie: ``subject`` ``relation`` ``object`` with roles, period and evidence.

    ``one_off`` ties (a tie to an event or a publication without dates of its own) carry
    the date of their object and count as having happened from that date on.
    """

    subject: str
    relation: str
    object: str
    roles: set[str] = field(default_factory=set)
    start: str | None = None
    end: str | None = None
    sources: set[str] = field(default_factory=set)
    qualified: set[str] = field(default_factory=set)
    one_off: bool = False

    @property
    def family(self) -> Family:
        return RELATIONS[self.relation].family


@dataclass
class Snapshot:
    """What :func:`fetch` read: the nodes by IRI and the (merged) ties."""

    base_iri: str
    nodes: dict[str, Node]
    ties: list[Tie]

    def node_for(self, text: str) -> str:
        """The node IRI that ``text`` names: an IRI, ``org/oecd`` (under ``id/``), or a
        label or alternative label (case-insensitive, when it names one node only)."""
        text = text.strip()
        if text in self.nodes:
            return text
        relative = f"{self.base_iri}id/{text.strip('/')}"
        if relative in self.nodes:
            return relative
        folded = text.casefold()
        found = {iri for iri, node in self.nodes.items()
                 if (node.label or "").casefold() == folded
                 or any(a.casefold() == folded for a in node.alt_labels)}
        if len(found) == 1:
            return found.pop()
        if found:
            raise UsageError(f"{text!r} names {len(found)} entities: "
                             + ", ".join(sorted(found)[:5]))
        raise UsageError(f"{text!r} is no entity of the network "
                         "(give an IRI, a path such as org/oecd, or a label)")


@dataclass(frozen=True)
class Filters:
    """Which part of the network to build.

    ``as_of``: the network on that day (or month, or year): ties in force then and one-off
    ties (events, publications, adoptions) that had happened by then. ``start``/``end``:
    ties in force at some time in that range and one-off ties inside it. ``themes``
    keeps the networks, events, initiatives, plans and publications on those themes;
    ``countries`` the organisations and people of those countries; ``org_types`` the
    organisations of those kinds; each keeps the other nodes tied to what it keeps.
    ``relations`` (relation keys or family names) and ``kinds`` (node kinds) restrict
    ties and nodes. With any filter set, nodes left without ties are dropped.
    """

    as_of: str | None = None
    start: str | None = None
    end: str | None = None
    themes: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    org_types: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.as_of and (self.start or self.end):
            raise UsageError("give either an as-of date or a start/end range, not both")
        self.window  # noqa: B018 -- validates the dates
        families = {f.value for f in Family}
        unknown = [r for r in self.relations if r not in RELATIONS and r not in families]
        if unknown:
            raise UsageError(f"unknown relation {sorted(unknown)[0]!r}; known: "
                             + ", ".join([*families, *RELATIONS]))
        bad_kinds = [k for k in self.kinds if k not in NODE_KINDS]
        if bad_kinds:
            raise UsageError(f"unknown kind {bad_kinds[0]!r}; known: {', '.join(NODE_KINDS)}")

    @cached_property
    def window(self) -> Window:
        if self.as_of:
            return Window.parse(self.as_of)
        return Window.parse(self.start, self.end)

    @property
    def active(self) -> bool:
        return any((self.as_of, self.start, self.end, self.themes, self.countries,
                    self.org_types, self.relations, self.kinds))

    def describe(self) -> str:
        """The filters as ``name=value`` pairs, for graph metadata and provenance."""
        parts = []
        for name in ("as_of", "start", "end"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value}")
        for name in ("themes", "countries", "org_types", "relations", "kinds"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}={','.join(sorted(values))}")
        return " ".join(parts)

    def keeps_tie(self, tie: Tie) -> bool:
        if self.relations and tie.relation not in self.relations \
                and tie.family.value not in self.relations:
            return False
        window = self.window
        if window.is_open:
            return True
        if tie.one_off:
            return window.reached(tie.start) if self.as_of else window.within(tie.start)
        return window.overlaps(tie.start, tie.end)

    def keeps_node(self, node: Node) -> bool:
        if self.kinds and node.kind not in self.kinds:
            return False
        window = self.window
        if not window.is_open:
            if node.kind in ONE_OFF_KINDS:
                kept = window.reached(node.start) if self.as_of else window.within(node.start)
            else:
                kept = window.overlaps(node.start, node.end)
            if not kept:
                return False
        if self.countries and node.is_agent and not node.countries & self.countries:
            return False
        if self.org_types and node.kind == "org" and not node.org_types & self.org_types:
            return False
        return not (self.themes and not node.is_agent and not node.themes & self.themes)


# -- reading the store --------------------------------------------------------------------
_PREFIXES = sparql_prefixes()
Q_TYPES = "SELECT ?s ?t WHERE { ?s a ?t }"
Q_LABELS = _PREFIXES + "SELECT ?s ?p ?l WHERE { VALUES ?p { rdfs:label skos:altLabel } ?s ?p ?l }"
ATTRIBUTES = [OGK + "country", ORG + "classification", OGK + "theme", SCHEMA + "foundingDate",
              SCHEMA + "dissolutionDate", SCHEMA + "startDate", SCHEMA + "endDate",
              DCT + "issued", OGK + "dateAdopted", ORG + "role", CV_ROLE, OGK + "onBehalfOf"]
Q_ATTRIBUTES = ("SELECT ?s ?p ?o WHERE { VALUES ?p { "
                + " ".join(f"<{p}>" for p in ATTRIBUTES) + " } ?s ?p ?o }")
LINK_PREDICATES = {r.predicate: r for r in RELATIONS.values() if r.predicate}
_LINK_VALUES = " ".join(f"<{p}>" for p in LINK_PREDICATES)
#: Sources of qualified nodes, and of the subjects of links (for links outside a source graph)
Q_DERIVED = _PREFIXES + """SELECT DISTINCT ?s ?src WHERE {
  { ?s org:member ?x } UNION { ?s org:heldBy ?x } UNION { ?s ogk:participant ?x }
  UNION { VALUES ?p { %s } ?s ?p ?x }
  ?s prov:wasDerivedFrom ?src }""" % _LINK_VALUES
Q_LINKS = f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {_LINK_VALUES} }} ?s ?p ?o }}"
Q_LINK_GRAPHS = (f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?p {{ {_LINK_VALUES} }} "
                 "GRAPH ?g { ?s ?p ?o } }")
Q_MEMBERSHIPS = _PREFIXES + "SELECT ?q ?a ?c WHERE { ?q org:member ?a ; org:organization ?c }"
Q_POSTS = _PREFIXES + "SELECT ?q ?a ?c WHERE { ?q org:postIn ?c ; org:heldBy ?a }"
Q_PARTICIPATIONS = (_PREFIXES
                    + "SELECT ?q ?a ?c WHERE { ?q ogk:participant ?a ; ogk:context ?c }")


def _values(store: Store, query: str, *names: str) -> Iterator[tuple[str, ...]]:
    """Rows of a SELECT as tuples of lexical values (unbound: empty string).

    Solutions are read by position, which is several times faster than by name.
    """
    result = store.query(query)
    positions = [result.variables.index(n) for n in names]
    for solution in result:
        terms = [solution[i] for i in positions]  # type: ignore[index]
        yield tuple("" if term is None else term.value for term in terms)


def fetch(store: Store, *, base_iri: str) -> Snapshot:
    """Read every node and tie of the network from ``store``."""
    entity = base_iri + "id/"
    source_graph = base_iri + "graph/source/"
    attrs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in _values(store, Q_ATTRIBUTES, "s", "p", "o"):
        attrs[s][p].append(o)
    derived: dict[str, set[str]] = defaultdict(set)
    for s, src in _values(store, Q_DERIVED, "s", "src"):
        derived[s].add(src)

    nodes: dict[str, Node] = {}

    def kind_of(iri: str) -> str | None:
        if not iri.startswith(entity) or "#" in iri:
            return None
        kind = iri[len(entity):].split("/", 1)[0]
        return kind if kind in NODE_KINDS else None

    for s, t in _values(store, Q_TYPES, "s", "t"):
        kind = kind_of(s)
        if kind is None and t == PUBLICATION and s.startswith(entity + "source/"):
            kind = "publication"  # a source document that is also a publication
        if kind is not None and s not in nodes:
            nodes[s] = Node(s, kind)

    def node(iri: str) -> Node | None:
        found = nodes.get(iri)
        if found is None and (kind := kind_of(iri)) is not None:
            found = nodes[iri] = Node(iri, kind)
        return found

    ties: dict[tuple[str, str, str], Tie] = {}

    def add(subject: str, relation: str, obj: str, *, roles: Iterable[str] = (),
            start: str | None = None, end: str | None = None,
            sources: Iterable[str] = (), qualified: str | None = None) -> None:
        if subject == obj or node(subject) is None or node(obj) is None:
            return
        key = (subject, relation, obj)
        tie = ties.get(key)
        if tie is None:
            tie = ties[key] = Tie(subject, relation, obj)
        tie.roles.update(_slug(r) for r in roles)
        tie.sources.update(sources)
        if qualified:
            tie.qualified.add(qualified)
        tie.start = _earliest(tie.start, start)
        tie.end = _latest(tie.end, end)

    def qualified_ties(query: str, role_property: str, default: str) -> None:
        for q, agent, context in _values(store, query, "q", "a", "c"):
            own = attrs.get(q, {})
            roles = own.get(role_property) or [""]
            start = _first(own.get(SCHEMA + "startDate"))
            end = _first(own.get(SCHEMA + "endDate"))
            for role in roles:
                add(agent, relation_for_role(role, default), context,
                    roles=[role] if role else [], start=start, end=end,
                    sources=derived.get(q, ()), qualified=q)
            for principal in own.get(OGK + "onBehalfOf", []):
                add(agent, "represents", principal, sources=derived.get(q, ()), qualified=q)

    qualified_ties(Q_MEMBERSHIPS, ORG + "role", "memberOf")
    qualified_ties(Q_POSTS, ORG + "role", "holdsPost")
    qualified_ties(Q_PARTICIPATIONS, CV_ROLE, "participatesIn")

    graphs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s, p, o, g in _values(store, Q_LINK_GRAPHS, "s", "p", "o", "g"):
        if g.startswith(source_graph):
            graphs[(s, p, o)].add(entity + "source/" + g[len(source_graph):])
    for s, p, o in _values(store, Q_LINKS, "s", "p", "o"):
        relation = LINK_PREDICATES[p]
        subject, obj = (o, s) if relation.inverse else (s, o)
        add(subject, relation.key, obj, sources=graphs.get((s, p, o)) or derived.get(s, ()))

    for iri, found in nodes.items():
        _describe(found, attrs.get(iri, {}))
    for s, p, label in _values(store, Q_LABELS, "s", "p", "l"):
        target = nodes.get(s)
        if target is None:
            continue
        if p == LABEL:
            if target.label is None:
                target.label = label
        elif label not in target.alt_labels:
            target.alt_labels.append(label)
    merged = list(ties.values())
    for tie in merged:
        _date_one_off(tie, nodes[tie.object], attrs.get(tie.object, {}))
    return Snapshot(base_iri, nodes, merged)


def _describe(node: Node, own: dict[str, list[str]]) -> None:
    node.countries = {_slug(c) for c in own.get(OGK + "country", [])}
    node.org_types = {_slug(c) for c in own.get(ORG + "classification", [])}
    node.themes = {_slug(t) for t in own.get(OGK + "theme", [])}
    if node.kind == "publication":
        node.start = _earliest(None, _first(own.get(DCT + "issued")))
        node.end = node.start
        return
    for name in ("foundingDate", "startDate"):
        node.start = node.start or _first(own.get(SCHEMA + name))
    for name in ("dissolutionDate", "endDate"):
        node.end = node.end or _first(own.get(SCHEMA + name))
    if node.kind == "plan" and node.start is None:
        node.start = _first(own.get(OGK + "dateAdopted"))
    if node.kind in ONE_OFF_KINDS and node.end is None:
        node.end = node.start


def _date_one_off(tie: Tie, target: Node, own: dict[str, list[str]]) -> None:
    if tie.start or tie.end:
        return
    if tie.relation == "adopts":
        adopted = _first(own.get(OGK + "dateAdopted"))
        if adopted:
            tie.start = tie.end = adopted
            tie.one_off = True
    elif target.kind in ONE_OFF_KINDS and target.start and tie.family is Family.AFFILIATION:
        tie.start, tie.end = target.start, target.end
        tie.one_off = True


def _slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _first(values: list[str] | None) -> str | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else min(values, key=_sort_key)


@lru_cache(maxsize=1 << 16)
def _sort_key(text: str) -> tuple[int, str]:
    found = bounds(text)
    return (found[0].toordinal() if found else 0, text)


def _earliest(current: str | None, other: str | None) -> str | None:
    if current is None or other is None or current == other:
        return current or other
    return min(current, other, key=_sort_key)


def _latest(current: str | None, other: str | None) -> str | None:
    if current is None or other is None or current == other:
        return current or other
    found = [(bounds(t), t) for t in (current, other)]
    return max(found, key=lambda pair: (pair[0][1].toordinal() if pair[0] else 0,
                                        pair[1]))[1]


# -- building graphs ----------------------------------------------------------------------
def affiliation_graph(snapshot: Snapshot, filters: Filters | None = None) -> nx.Graph:
    """The two-mode graph (agents and what they are tied to), filtered."""
    filters = filters or Filters()
    if filters.active:
        nodes = {iri: n for iri, n in snapshot.nodes.items() if filters.keeps_node(n)}
        ties = [t for t in snapshot.ties if t.subject in nodes and t.object in nodes
                and filters.keeps_tie(t)]
    else:
        nodes, ties = snapshot.nodes, snapshot.ties
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
        start = _earliest(start, tie.start)
        end = _latest(end, tie.end)
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
        start = max(starts, key=_sort_key) if starts else None
        end = min(ends, key=lambda e: _sort_key(e)) if ends else None
        self._widen(start, end)

    def add_direct(self, data: dict[str, object]) -> None:
        self.weight += float(data.get("weight", 1.0))  # type: ignore[arg-type]
        self.direct = str(data["relation"])
        self.relations.update(self.direct.replace("^", "").split())
        if "sources" in data:
            self.sources.update(str(data["sources"]).split())
        self._widen(data.get("start_date"), data.get("end_date"))  # type: ignore[arg-type]

    def _widen(self, start: str | None, end: str | None) -> None:
        self.start = _earliest(self.start, start)
        if end is None:
            self.open_end = True
        else:
            self.end = _latest(self.end, end)

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
    import igraph as ig

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
    two_mode = ig.Graph(n=len(chosen) + len(others), edges=across)
    types = [False] * len(chosen) + [True] * len(others)
    one_mode = two_mode.bipartite_projection(types=types, multiplicity=True, which=0)
    one_mode.vs["name"] = chosen
    if "weight" not in one_mode.es.attributes():
        one_mode.es["weight"] = []
    one_mode.es["weight"] = [float(w) for w in one_mode.es["weight"]]
    if direct:
        one_mode.add_edges(direct, attributes={"weight": direct_weights})
        one_mode.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    return one_mode
