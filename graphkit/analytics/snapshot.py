"""Reading the store: every node and tie of the network, once, into a :class:`Snapshot`.

:func:`fetch` reads the ties with a handful of plain SPARQL queries (fast on any store: no
long OPTIONAL chains). :class:`Filters` says which part of the snapshot a graph is built
from (:mod:`graphkit.analytics.build`).

Qualified relations (``org:Membership``, ``org:Post``, participations) become ties whose
relation comes from their role (:func:`~graphkit.analytics.relations.relation_for_role`);
plain properties (``ogk:convenes``, ``dcterms:creator``...) become ties directly. Each tie
keeps its roles, period (as the sources give it: ``2013``, ``2013-03``, ``2013-03-04``),
source documents and the qualified nodes it came from.

>>> from graphkit.stores import OxigraphStore
>>> len(fetch(OxigraphStore(), base_iri="https://w3id.org/ogkg/").nodes)
0
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, cast

import pyoxigraph as ox

from graphkit.analytics import remote_read
from graphkit.analytics.dates import Window, earliest, first_date, latest
from graphkit.analytics.relations import RELATIONS, Family, relation_for_role
from graphkit.analytics.remote_read import DEFAULT_PAGE_SIZE, paged_rows
from graphkit.errors import UsageError
from graphkit.namespaces import OGK, PREFIXES, sparql_prefixes
from graphkit.stores.base import Store

__all__ = [
    "AGENT_KINDS",
    "NODE_KINDS",
    "ONE_OFF_KINDS",
    "Filters",
    "Node",
    "Snapshot",
    "Tie",
    "fetch",
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
DERIVED_FROM = PREFIXES["prov"] + "wasDerivedFrom"



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
    """What :func:`fetch` read: the nodes by IRI, the (merged) ties, and the titles of
    the source documents the ties cite."""

    base_iri: str
    nodes: dict[str, Node]
    ties: list[Tie]
    source_labels: dict[str, str] = field(default_factory=dict)

    def labels(self) -> dict[str, str]:
        """The label of every node and source document, by IRI."""
        found = dict(self.source_labels)
        found.update((iri, node.label) for iri, node in self.nodes.items() if node.label)
        return found

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
            raise UsageError(f"unknown relation {min(unknown)!r}; known: "
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
#: Sources of everything (qualified nodes, subjects of links outside a source graph): one
#: plain pattern, much faster than asking for the subjects of each kind in a UNION
Q_DERIVED = _PREFIXES + "SELECT ?s ?src WHERE { ?s prov:wasDerivedFrom ?src }"
Q_LINKS = f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {_LINK_VALUES} }} ?s ?p ?o }}"
Q_LINK_GRAPHS = (f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?p {{ {_LINK_VALUES} }} "
                 "GRAPH ?g { ?s ?p ?o } }")
Q_MEMBERSHIPS = _PREFIXES + "SELECT ?q ?a ?c WHERE { ?q org:member ?a ; org:organization ?c }"
Q_POSTS = _PREFIXES + "SELECT ?q ?a ?c WHERE { ?q org:postIn ?c ; org:heldBy ?a }"
Q_PARTICIPATIONS = (_PREFIXES
                    + "SELECT ?q ?a ?c WHERE { ?q ogk:participant ?a ; ogk:context ?c }")


if TYPE_CHECKING:
    class _PlainQuad(Protocol):
        """A quad as graphkit stores write them: no quoted triples (RDF-star)."""

        subject: ox.NamedNode | ox.BlankNode
        object: ox.NamedNode | ox.BlankNode | ox.Literal
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class _Reader:
    """The rows of :func:`fetch`'s queries. From an embedded Oxigraph store the
    single-pattern ones are read straight from its indexes (``quads_for_pattern``, one
    predicate after the other: the rows and the order of the SPARQL answer over the union
    graph, in half the time), and the joins by SPARQL; from any other store every query
    is read in pages of at most ``page_size`` rows and sorted
    (:func:`~graphkit.analytics.remote_read.paged_rows`)."""

    def __init__(self, store: Store, page_size: int | None = DEFAULT_PAGE_SIZE) -> None:
        from graphkit.stores.oxigraph import OxigraphStore

        self.store = store
        self.raw = store.raw if isinstance(store, OxigraphStore) else None
        self.paged = self.raw is None  # the embedded store has no row cap: its SPARQL order
        self.page_size = page_size

    def _remote(self, query: str,
                predicates: list[str] | None = None) -> Iterator[tuple[str, ...]]:
        """The rows by SPARQL; from a remote store in pages, predicate by predicate (a
        bucket is a scan of its whole relation: smaller relations, fewer rows scanned)."""
        names = _variables(query)
        if not self.paged:
            return remote_read.values(self.store, query, names)
        parts = [_VALUES_P.sub(f"VALUES ?p {{ <{p}> }}", query) for p in predicates or ()] \
            if predicates and _VALUES_P.search(query) else [query]
        rows = [row for part in parts
                for row in paged_rows(self.store, part, names, page_size=self.page_size)]
        if len(parts) > 1:
            rows.sort()
        return iter(rows)

    def pairs(self, query: str, predicate: str) -> Iterator[tuple[str, str]]:
        """``?s ?o`` of ``?s <predicate> ?o`` (the query's variables in that order)."""
        if self.raw is None:
            yield from cast("Iterator[tuple[str, str]]", self._remote(query))  # ?s ?o
            return
        for quad in cast("Iterator[_PlainQuad]", self.raw.quads_for_pattern(
                None, ox.NamedNode(predicate), None)):
            yield quad.subject.value, quad.object.value

    def triples(self, query: str, predicates: list[str], *,
                distinct: bool = False) -> Iterator[tuple[str, str, str]]:
        """``?s ?p ?o`` with ``VALUES ?p { predicates }`` (``distinct``: SELECT DISTINCT)."""
        if self.raw is None:
            yield from cast("Iterator[tuple[str, str, str]]",  # ?s ?p ?o
                            self._remote(query, predicates))
            return
        for predicate in predicates:
            seen: set[tuple[str, str]] = set()
            for quad in cast("Iterator[_PlainQuad]", self.raw.quads_for_pattern(
                None, ox.NamedNode(predicate), None)):
                row = (quad.subject.value, quad.object.value)
                if distinct:
                    if row in seen:
                        continue
                    seen.add(row)
                yield row[0], predicate, row[1]

    def in_graphs(self, query: str,
                  predicates: list[str]) -> Iterator[tuple[str, str, str, str]]:
        """``?s ?p ?o ?g`` of ``GRAPH ?g { ?s ?p ?o }`` (named graphs only)."""
        if self.raw is None:
            yield from cast("Iterator[tuple[str, str, str, str]]",  # ?s ?p ?o ?g
                            self._remote(query, predicates))
            return
        for predicate in predicates:
            for quad in cast("Iterator[_PlainQuad]", self.raw.quads_for_pattern(
                None, ox.NamedNode(predicate), None)):
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode | ox.BlankNode):
                    yield quad.subject.value, predicate, quad.object.value, graph.value

    def rows(self, query: str) -> Iterator[tuple[str, ...]]:
        return self._remote(query)


_VALUES_P = re.compile(r"VALUES \?p \{[^}]*\}")


def _variables(query: str) -> list[str]:
    """The projected variables of one of :func:`fetch`'s SELECT queries, in order."""
    head = query[query.index("SELECT"):query.index("WHERE")]
    return [word[1:] for word in head.split() if word.startswith("?")]


def fetch(store: Store, *, base_iri: str,
          page_size: int | None = DEFAULT_PAGE_SIZE) -> Snapshot:
    """Read every node and tie of the network from ``store``.

    From a store other than the embedded one each query is read in pages of at most
    ``page_size`` rows (``None``: in one request each) and its rows sorted, so the
    snapshot is the same however it was paged (:mod:`graphkit.analytics.remote_read`).
    """
    reader = _Reader(store, page_size)
    entity = base_iri + "id/"
    source_graph = base_iri + "graph/source/"
    attrs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in reader.triples(Q_ATTRIBUTES, ATTRIBUTES):
        attrs[s][p].append(o)
    derived: dict[str, set[str]] = defaultdict(set)
    for s, src in reader.pairs(Q_DERIVED, DERIVED_FROM):
        derived[s].add(src)

    nodes: dict[str, Node] = {}

    def kind_of(iri: str) -> str | None:
        if not iri.startswith(entity) or "#" in iri:
            return None
        kind = iri[len(entity):].split("/", 1)[0]
        return kind if kind in NODE_KINDS else None

    for s, t in reader.pairs(Q_TYPES, RDF_TYPE):
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
        tie.start = earliest(tie.start, start)
        tie.end = latest(tie.end, end)

    def qualified_ties(query: str, role_property: str, default: str) -> None:
        for q, agent, context in reader.rows(query):
            own = attrs.get(q, {})
            roles = own.get(role_property) or [""]
            start = first_date(own.get(SCHEMA + "startDate"))
            end = first_date(own.get(SCHEMA + "endDate"))
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
    for s, p, o, g in reader.in_graphs(Q_LINK_GRAPHS, list(LINK_PREDICATES)):
        if g.startswith(source_graph):
            graphs[(s, p, o)].add(entity + "source/" + g[len(source_graph):])
    for s, p, o in reader.triples(Q_LINKS, list(LINK_PREDICATES), distinct=True):
        relation = LINK_PREDICATES[p]
        subject, obj = (o, s) if relation.inverse else (s, o)
        add(subject, relation.key, obj, sources=graphs.get((s, p, o)) or derived.get(s, set()))

    for iri, found in nodes.items():
        _describe(found, attrs.get(iri, {}))
    source_labels: dict[str, str] = {}
    for s, p, label in reader.triples(Q_LABELS, [LABEL, ALT_LABEL]):
        if p == LABEL and s.startswith(entity + "source/"):
            source_labels.setdefault(s, label)
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
    return Snapshot(base_iri, nodes, merged, source_labels)


def _describe(node: Node, own: dict[str, list[str]]) -> None:
    node.countries = {_slug(c) for c in own.get(OGK + "country", [])}
    node.org_types = {_slug(c) for c in own.get(ORG + "classification", [])}
    node.themes = {_slug(t) for t in own.get(OGK + "theme", [])}
    if node.kind == "publication":
        node.start = earliest(None, first_date(own.get(DCT + "issued")))
        node.end = node.start
        return
    for name in ("foundingDate", "startDate"):
        node.start = node.start or first_date(own.get(SCHEMA + name))
    for name in ("dissolutionDate", "endDate"):
        node.end = node.end or first_date(own.get(SCHEMA + name))
    if node.kind == "plan" and node.start is None:
        node.start = first_date(own.get(OGK + "dateAdopted"))
    if node.kind in ONE_OFF_KINDS and node.end is None:
        node.end = node.start


def _date_one_off(tie: Tie, target: Node, own: dict[str, list[str]]) -> None:
    if tie.start or tie.end:
        return
    if tie.relation == "adopts":
        adopted = first_date(own.get(OGK + "dateAdopted"))
        if adopted:
            tie.start = tie.end = adopted
            tie.one_off = True
    elif target.kind in ONE_OFF_KINDS and target.start and tie.family is Family.AFFILIATION:
        tie.start, tie.end = target.start, target.end
        tie.one_off = True


def _slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


