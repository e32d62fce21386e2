"""Describing one resource, for programs (RDF) and for people (a page's worth of data).

:func:`concise_description` is the RDF answer for an entity IRI: its concise bounded
description (https://www.w3.org/submissions/CBD/: every triple with the IRI as subject,
and recursively the descriptions of the blank nodes among their objects, three levels
deep), the same for the hash IRIs of the same document that it links to or that link to
it through :data:`QUALIFYING` properties (``<x#speaker-...>`` participations,
``<x#focus-2024>``), and the labels of everything they link to.

:func:`describe` gives what an entity page shows: labels in the reader's language, type
badges, outgoing statements grouped by property with labels and definitions, reified
relations (memberships, posts, participations) as :class:`Sentence` objects, incoming
links grouped and paged, sources with the quoted evidence, the schema.org types.

Everything goes through :meth:`Store.query`, so both backends answer; IRIs are put into
query text only as validated N-Triples terms.

>>> from graphkit.stores import OxigraphStore
>>> store = OxigraphStore()
>>> store.update('INSERT DATA { <https://w3id.org/ogkg/id/org/a> '
...              '<http://www.w3.org/2000/01/rdf-schema#label> "A"@en }')
>>> describe(store, "https://w3id.org/ogkg/id/org/a").label.text
'A'
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from graphkit.errors import UsageError
from graphkit.namespaces import OGK, PREFIXES, compact
from graphkit.stores.base import Store
from graphkit.stores.oxigraph import OxigraphStore

__all__ = [
    "Description",
    "Evidence",
    "Incoming",
    "Label",
    "Labels",
    "Part",
    "PropertyValues",
    "Ref",
    "Sentence",
    "Value",
    "ask",
    "bounded_descriptions",
    "concise_description",
    "describe",
    "exists",
    "format_date",
    "pick_label",
    "select",
]

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
ORG = PREFIXES["org"]
SCHEMA = PREFIXES["schema"]
FOAF = PREFIXES["foaf"]
CV = PREFIXES["cv"]
XSD = PREFIXES["xsd"]

TYPE = RDF + "type"
LABEL = RDFS + "label"
PREF_LABEL = SKOS + "prefLabel"
ALT_LABEL = SKOS + "altLabel"
DERIVED = PROV + "wasDerivedFrom"
QUALIFIED = PROV + "qualifiedDerivation"
QUOTE = OGK + "quote"

#: Properties whose values name a resource, best first.
LABELS = (LABEL, PREF_LABEL)
#: Read when a resource has no label.
NAMES = (DCT + "title", FOAF + "name", SCHEMA + "name")
#: The definition shown when hovering over a property or class.
DEFINITIONS = (SKOS + "definition", RDFS + "comment")
DESCRIPTIONS = (DCT + "description",)
#: Incoming properties through which a hash IRI joins its context's description.
QUALIFYING = (OGK + "context",)
#: Shown in their own places on a page, not among the statements.
SHOWN_APART = frozenset({TYPE, LABEL, PREF_LABEL, ALT_LABEL, DERIVED, QUALIFIED,
                         *DESCRIPTIONS})

# the reified relations: which property points from the node to which end
_AGENT = (ORG + "member", ORG + "heldBy", OGK + "participant")
_TARGET = (ORG + "organization", ORG + "postIn", OGK + "context")
_ROLE = (ORG + "role", CV + "role")
_RELATION_LINKS = (*_AGENT, *_TARGET, OGK + "onBehalfOf", OGK + "post")
_RELATION_FIELDS = (TYPE, LABEL, *_AGENT, *_TARGET, *_ROLE, OGK + "onBehalfOf",
                    OGK + "post", SCHEMA + "startDate", SCHEMA + "endDate")
MEMBERSHIP = ORG + "Membership"
POST = ORG + "Post"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


# -- the data a page shows ------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    """A text in a language (``None``: no language tag)."""

    text: str
    language: str | None = None


@dataclass(frozen=True)
class Ref:
    """A resource as a page links to it: its IRI, the label to show and, for properties and
    classes, their definition."""

    iri: str
    label: Label
    definition: str | None = None

    @property
    def compact(self) -> str:
        return compact(self.iri)


@dataclass(frozen=True)
class Value:
    """One object of a statement: a resource (``ref``), a literal (``text``) or a blank
    node described in place (``nested``)."""

    ref: Ref | None = None
    text: str | None = None
    language: str | None = None
    datatype: str | None = None
    display: str | None = None
    nested: tuple[PropertyValues, ...] = ()


@dataclass(frozen=True)
class PropertyValues:
    """The values of one property, in a stable order."""

    property: Ref
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Sentence:
    """A reified relation as a phrase: text and links, in order. ``node`` is the relation's
    own IRI (a membership, post or participation), ``heading`` the group it goes in."""

    heading: str
    node: Ref
    parts: tuple[str | Ref, ...]

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.label.text for p in self.parts)


@dataclass(frozen=True)
class Evidence:
    """A source of a description and the sentences quoted from it."""

    source: Ref
    quotes: tuple[Label, ...]


@dataclass(frozen=True)
class Incoming:
    """Resources that link to the described one through ``property``: ``total`` of them,
    ``items`` from ``offset`` on."""

    property: Ref
    total: int
    offset: int
    items: tuple[Ref, ...]


@dataclass(frozen=True)
class Part:
    """A hash IRI described on the same page (``<x#speaker-y>``)."""

    ref: Ref
    fragment: str
    types: tuple[Ref, ...]
    statements: tuple[PropertyValues, ...]
    evidence: tuple[Evidence, ...]


@dataclass
class Description:
    """Everything an entity page shows about ``iri``."""

    iri: str
    label: Label
    alt_labels: list[Label] = field(default_factory=list)
    descriptions: list[Label] = field(default_factory=list)
    types: list[Ref] = field(default_factory=list)
    schema_types: list[str] = field(default_factory=list)
    statements: list[PropertyValues] = field(default_factory=list)
    summary: Sentence | None = None
    relations: list[Sentence] = field(default_factory=list)
    relations_truncated: bool = False
    incoming: list[Incoming] = field(default_factory=list)
    sources: list[Ref] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    neighbours: list[Ref] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)

    @property
    def incoming_total(self) -> int:
        return sum(group.total for group in self.incoming)


# -- languages and labels -------------------------------------------------------------------
def pick_label(literals: Iterable[ox.Literal], languages: Sequence[str] = ("en",)
               ) -> ox.Literal | None:
    """The literal best suited to a reader of ``languages`` (best first, like the ranges of
    an Accept-Language header): an exact tag, then the same primary language, then English,
    then no tag, then anything; ties go to the lexically smallest, for stable pages."""
    wanted = [lang.lower() for lang in languages if lang and lang != "*"]

    def rank(literal: ox.Literal) -> tuple[int, str]:
        tag = (literal.language or "").lower()
        for position, lang in enumerate(wanted):
            if tag == lang:
                return 4 * position, literal.value
            if tag and (tag.split("-")[0] == lang.split("-")[0]):
                return 4 * position + 1, literal.value
        if tag == "en" or tag.startswith("en-"):
            return 4 * len(wanted) + 1, literal.value
        if not tag:
            return 4 * len(wanted) + 2, literal.value
        return 4 * len(wanted) + 3, literal.value

    return min(literals, key=rank, default=None)


def _label_of(literal: ox.Literal) -> Label:
    return Label(literal.value, literal.language)


def local_name(iri: str) -> str:
    """The readable end of an IRI: after ``#`` or the last ``/``, dashes as spaces."""
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return tail.replace("-", " ").replace("_", " ")


#: Labels and definitions of the common outside terms a page shows, for stores that do not
#: hold those vocabularies (the ontology graph has every ``ogk:`` term).
KNOWN_TERMS: dict[str, tuple[str, str]] = {
    TYPE: ("type", "The class of the resource."),
    LABEL: ("label", "A human-readable name of the resource."),
    RDFS + "comment": ("comment", "A note about the resource."),
    RDFS + "seeAlso": ("see also", "A resource with more information."),
    RDFS + "subClassOf": ("subclass of", "Every instance of this class is also one of that."),
    PREF_LABEL: ("preferred label", "The preferred name of the concept in a language."),
    ALT_LABEL: ("also known as", "An alternative name: acronym, other spelling or language."),
    SKOS + "hiddenLabel": ("hidden label", "A spelling kept for search, never shown."),
    SKOS + "definition": ("definition", "What the concept means."),
    SKOS + "exactMatch": ("exact match", "The same resource in another dataset."),
    SKOS + "closeMatch": ("close match", "A similar resource in another dataset."),
    SKOS + "broader": ("broader", "A more general concept."),
    SKOS + "narrower": ("narrower", "A more specific concept."),
    SKOS + "related": ("related", "An associated concept."),
    SKOS + "inScheme": ("in scheme", "The concept scheme the concept belongs to."),
    SKOS + "topConceptOf": ("top concept of", "The scheme the concept heads."),
    DCT + "title": ("title", "The title as printed."),
    DCT + "description": ("description", "An account of the resource."),
    DCT + "publisher": ("publisher", "Who made the resource available."),
    DCT + "creator": ("creator", "Who made the resource."),
    DCT + "contributor": ("contributor", "Who contributed to the resource."),
    DCT + "issued": ("issued", "When the resource was published."),
    DCT + "language": ("language", "The language of the resource."),
    DCT + "identifier": ("identifier", "An identifier of the resource."),
    DCT + "license": ("licence", "The licence the resource is published under."),
    DCT + "isPartOf": ("part of", "A resource this one is part of."),
    DCT + "source": ("source", "A resource this one comes from."),
    DERIVED: ("derived from", "The source document the description comes from."),
    QUALIFIED: ("qualified derivation", "The source and the quoted evidence."),
    PROV + "entity": ("source", "The source document of a derivation."),
    ORG + "member": ("member", "The agent that is a member."),
    ORG + "organization": ("organisation", "The organisation the membership is in."),
    ORG + "role": ("role", "The role in the membership or post."),
    ORG + "memberOf": ("member of", "An organisation the agent is a member of."),
    ORG + "hasMember": ("has member", "An agent that is a member of the organisation."),
    ORG + "subOrganizationOf": ("part of organisation", "The organisation this is a part of."),
    ORG + "hasSubOrganization": ("has part", "An organisation that is part of this one."),
    ORG + "classification": ("kind", "The kind of organisation."),
    ORG + "heldBy": ("held by", "The person who holds the post."),
    ORG + "holds": ("holds", "A post the person holds."),
    ORG + "postIn": ("post in", "The organisation the post belongs to."),
    ORG + "headOf": ("head of", "An organisation the person heads."),
    CV + "role": ("role", "The role in the participation."),
    FOAF + "name": ("name", "A name of the agent."),
    FOAF + "homepage": ("home page", "The home page."),
    SCHEMA + "startDate": ("start date", "When it starts or started."),
    SCHEMA + "endDate": ("end date", "When it ends or ended."),
    SCHEMA + "location": ("location", "Where it takes place."),
    SCHEMA + "email": ("e-mail", "A contact e-mail address."),
    SCHEMA + "url": ("web page", "A web page about it."),
    SCHEMA + "foundingDate": ("founded", "When the organisation was founded."),
    SCHEMA + "dissolutionDate": ("dissolved", "When the organisation was dissolved."),
    SCHEMA + "superEvent": ("part of event", "The event this one is part of."),
    SCHEMA + "subEvent": ("sub-event", "An event that is part of this one."),
    SCHEMA + "containedInPlace": ("in place", "The place this one lies in."),
    SCHEMA + "position": ("position", "The order among its siblings."),
    SCHEMA + "workFeatured": ("features", "A work presented or discussed."),
    SCHEMA + "about": ("about", "What it is about."),
    SCHEMA + "eventAttendanceMode": ("attendance", "Online, in person or mixed."),
    SCHEMA + "isAccessibleForFree": ("free of charge", "Whether taking part is free."),
    SCHEMA + "slogan": ("motto", "The motto or slogan."),
    SCHEMA + "translationOfWork": ("translation of", "The work this one translates."),
}


# -- queries --------------------------------------------------------------------------------
class _Bindings(dict[str, Term]):
    """A row of bindings where an unbound variable reads as ``None``, as in pyoxigraph."""

    def __missing__(self, key: str) -> None:
        return None


def select(store: Store, query: str) -> Iterator[Mapping[str, Any]]:
    """The solutions of a SELECT over the union of all graphs; ``row["x"]`` is ``None``
    when ``?x`` is unbound. The embedded store answers straight from pyoxigraph: these
    queries are generated here, never name a dataset, and a page runs a dozen of them."""
    if isinstance(store, OxigraphStore):
        yield from store.raw.query(query, use_default_graph_as_union=True)  # type: ignore[misc]
        return
    for row in store.query(query).rows():
        yield _Bindings(row)  # type: ignore[arg-type]


def ask(store: Store, query: str) -> bool:
    """The answer to an ASK over the union of all graphs."""
    if isinstance(store, OxigraphStore):
        return bool(store.raw.query(query, use_default_graph_as_union=True))
    return store.query(query).boolean


def _term(iri: str) -> str:
    """``<iri>`` for query text, after checking it is an IRI (nothing can break out)."""
    try:
        return str(ox.NamedNode(iri))
    except ValueError as error:
        raise UsageError(f"{iri!r} is not an IRI: {error}") from None


def _values(iris: Iterable[str]) -> str:
    return " ".join(_term(i) for i in iris)


def _listed(iris: Iterable[str]) -> str:
    # a FILTER(?p IN (...)) rather than a second VALUES block: Oxigraph joins two VALUES
    # blocks with the triple pattern by scanning it, hundreds of milliseconds at 1 M triples
    return ", ".join(_term(i) for i in iris)


def exists(store: Store, iri: str) -> bool:
    """Whether the store says anything with ``iri`` as subject or object."""
    x = _term(iri)
    return ask(store, f"ASK {{ {{ {x} ?p ?o }} UNION {{ ?s ?p {x} }} }}")


def bounded_descriptions(store: Store, roots: Sequence[str]) -> list[ox.Triple]:
    """The concise bounded descriptions of ``roots`` together: every triple with one of
    them as subject, and those of the blank nodes among the objects, three levels deep."""
    if not roots:
        return []
    values = _values(roots)
    query = f"""SELECT DISTINCT ?s ?p ?o WHERE {{
  {{ VALUES ?s {{ {values} }} ?s ?p ?o }}
  UNION {{ VALUES ?r {{ {values} }} ?r ?p0 ?s FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ VALUES ?r {{ {values} }} ?r ?p0 ?b FILTER(isBlank(?b))
           ?b ?p1 ?s FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ VALUES ?r {{ {values} }} ?r ?p0 ?b FILTER(isBlank(?b)) ?b ?p1 ?c FILTER(isBlank(?c))
           ?c ?p2 ?s FILTER(isBlank(?s)) ?s ?p ?o }}
}}"""
    triples = []
    for row in select(store, query):
        s, p, o = row["s"], row["p"], row["o"]
        assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
        assert isinstance(o, ox.NamedNode | ox.BlankNode | ox.Literal)
        triples.append(ox.Triple(s, p, o))
    return triples


def _hash_parts(store: Store, iri: str, core: Sequence[ox.Triple]) -> list[str]:
    """Hash IRIs of ``iri``'s document that it links to, or that link to it by a
    :data:`QUALIFYING` property."""
    prefix = iri + "#"
    found = {t.object.value for t in core
             if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(prefix)}
    query = (f"SELECT DISTINCT ?r WHERE {{ VALUES ?q {{ {_values(QUALIFYING)} }} "
             f"?r ?q {_term(iri)} FILTER(isIRI(?r)) }}")
    for row in select(store, query):
        value = row["r"].value
        if value.startswith(prefix):
            found.add(value)
    return sorted(found)


def _literals_of(store: Store, iris: Iterable[str], properties: Sequence[str]
                 ) -> dict[str, dict[str, list[ox.Literal]]]:
    """``{iri: {property: [literal]}}`` for the given properties."""
    wanted = sorted(set(iris))
    found: dict[str, dict[str, list[ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(wanted), 400):
        chunk = wanted[start:start + 400]
        query = (f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {_values(chunk)} }} ?x ?p ?l "
                 f"FILTER(?p IN ({_listed(properties)}) && isLiteral(?l)) }}")
        for row in select(store, query):
            literal = row["l"]
            assert isinstance(literal, ox.Literal)
            found[row["x"].value][row["p"].value].append(literal)
    return found


def concise_description(store: Store, iri: str) -> list[ox.Triple]:
    """The RDF answer for ``iri``: its concise bounded description, those of its hash
    parts, and the labels (``rdfs:label``, ``skos:prefLabel``) of what they link to.
    Empty when the store says nothing about ``iri`` as a subject."""
    core = bounded_descriptions(store, [iri])
    parts = _hash_parts(store, iri, core)
    triples = core + bounded_descriptions(store, parts)
    return _deduplicated(triples + _label_triples(store, triples))


def _label_triples(store: Store, triples: Sequence[ox.Triple]) -> list[ox.Triple]:
    described = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    linked = {t.object.value for t in triples
              if isinstance(t.object, ox.NamedNode) and t.object.value not in described
              and t.predicate.value != TYPE} | {
        t.predicate.value for t in triples if t.predicate.value.startswith(OGK)}
    labels = _literals_of(store, linked, LABELS)
    return [ox.Triple(ox.NamedNode(x), ox.NamedNode(p), literal)
            for x, by_property in labels.items() for p, literals in by_property.items()
            for literal in literals]


def _deduplicated(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


# -- the page's data ------------------------------------------------------------------------
class Labels:
    """Labels and definitions of the IRIs a page shows, fetched in one go, then
    :meth:`label`, :meth:`definition` and :meth:`ref` in the reader's ``languages``."""

    def __init__(self, store: Store, iris: Iterable[str], languages: Sequence[str]) -> None:
        self._languages = languages
        self._found = _literals_of(store, iris, (*LABELS, *NAMES, *DEFINITIONS))

    def label(self, iri: str) -> Label:
        by_property = self._found.get(iri, {})
        for properties in (LABELS, NAMES):
            chosen = pick_label([lit for p in properties for lit in by_property.get(p, [])],
                                self._languages)
            if chosen is not None:
                return _label_of(chosen)
        known = KNOWN_TERMS.get(iri)
        if known is not None:
            return Label(known[0], "en")
        shown = compact(iri)
        return Label(shown if not shown.startswith("<") else local_name(iri))

    def definition(self, iri: str) -> str | None:
        by_property = self._found.get(iri, {})
        chosen = pick_label([lit for p in DEFINITIONS for lit in by_property.get(p, [])],
                            self._languages)
        if chosen is not None:
            return chosen.value
        known = KNOWN_TERMS.get(iri)
        return known[1] if known else None

    def ref(self, iri: str, *, define: bool = False) -> Ref:
        return Ref(iri, self.label(iri), self.definition(iri) if define else None)


def describe(store: Store, iri: str, *, languages: Sequence[str] = ("en",),
             incoming_property: str | None = None, incoming_offset: int = 0,
             incoming_limit: int = 10, relation_limit: int = 100) -> Description | None:
    """What a page shows about ``iri``, or ``None`` when the store has nothing on it.

    Incoming links come grouped by property, ``incoming_limit`` of each; with
    ``incoming_property`` only that group, from ``incoming_offset`` on.
    """
    x = _term(iri)
    core = bounded_descriptions(store, [iri])
    relation_rows, relations_truncated = _relation_rows(store, iri, relation_limit)
    counts = _incoming_counts(store, iri)
    if not core and not counts:
        return None
    prefix = iri + "#"
    parts = sorted({t.object.value for t in core if isinstance(t.object, ox.NamedNode)
                    and t.object.value.startswith(prefix)}
                   | {n for n in relation_rows if n.startswith(prefix)})
    part_triples = bounded_descriptions(store, parts)
    incoming = _incoming_page(store, iri, counts, property=incoming_property,
                              offset=incoming_offset, limit=incoming_limit)
    graphs = sorted(row["g"].value for row in select(store, 
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {x} ?p ?o }} }}"))

    everything = core + part_triples
    wanted: set[str] = {iri}
    for t in everything:
        wanted.add(t.predicate.value)
        if isinstance(t.object, ox.NamedNode):
            wanted.add(t.object.value)
    for fields in relation_rows.values():
        for p, terms in fields.items():
            wanted.add(p)
            wanted.update(term.value for term in terms if isinstance(term, ox.NamedNode))
    wanted.update(relation_rows)
    wanted.update(counts)
    for items in incoming.values():
        wanted.update(items)
    labels = Labels(store, wanted, languages)

    by_subject = _group(everything)
    own = by_subject.get(ox.NamedNode(iri), {})
    own_labels = [lit for p in LABELS for lit in _literals(own.get(p, []))]
    chosen = pick_label(own_labels, languages)
    description = Description(iri=iri, label=_label_of(chosen) if chosen else labels.label(iri))
    description.triples = _deduplicated(everything)
    description.alt_labels = sorted(
        {_label_of(lit) for lit in _literals(own.get(ALT_LABEL, []))}
        | {_label_of(lit) for lit in own_labels if chosen is not None and lit != chosen},
        key=lambda label: (label.language or "", label.text))
    description.descriptions = _in_language(
        [lit for p in DESCRIPTIONS for lit in _literals(own.get(p, []))], languages)
    description.types = sorted((labels.ref(t.value, define=True)
                                for t in own.get(TYPE, []) if isinstance(t, ox.NamedNode)),
                               key=lambda ref: ref.label.text.lower())
    description.schema_types = _schema_types(store, [t.iri for t in description.types])
    description.statements = _statements(own, by_subject, labels)
    description.sources = sorted(
        (labels.ref(t.value) for t in own.get(DERIVED, []) if isinstance(t, ox.NamedNode)),
        key=lambda ref: ref.label.text.lower())
    description.evidence = _evidence(own, by_subject, labels, languages)
    description.parts = [
        _part(part, by_subject.get(ox.NamedNode(part), {}), by_subject, labels, languages)
        for part in parts]
    description.graphs = graphs
    description.incoming = [
        Incoming(labels.ref(p, define=True), counts[p],
                 incoming_offset if p == incoming_property else 0,
                 tuple(sorted((labels.ref(s) for s in incoming.get(p, [])),
                              key=lambda ref: ref.label.text.lower())))
        for p in sorted(counts, key=lambda p: labels.label(p).text.lower())
        if incoming_property is None or p == incoming_property]
    description.relations = _sentences(iri, relation_rows, labels)
    description.relations_truncated = relations_truncated
    if own.get(TYPE):
        description.summary = _summary(iri, own, labels)
    description.neighbours = _neighbours(description)
    return description


def _literals(terms: Iterable[Term]) -> list[ox.Literal]:
    return [t for t in terms if isinstance(t, ox.Literal)]


def _in_language(literals: list[ox.Literal], languages: Sequence[str]) -> list[Label]:
    """One text per distinct statement, the reader's language preferred when the same
    text exists in several (the same ``@en`` text repeated by two sources counts once)."""
    chosen = pick_label(literals, languages)
    if chosen is None:
        return []
    same_language = [lit for lit in literals if lit.language == chosen.language]
    return [_label_of(lit) for lit in dict.fromkeys(same_language)]


def _group(triples: Iterable[ox.Triple]
           ) -> dict[ox.NamedNode | ox.BlankNode, dict[str, list[Term]]]:
    grouped: dict[ox.NamedNode | ox.BlankNode, dict[str, list[Term]]] = defaultdict(
        lambda: defaultdict(list))
    for t in _deduplicated(triples):
        subject = t.subject
        assert isinstance(subject, ox.NamedNode | ox.BlankNode)
        obj = t.object
        assert isinstance(obj, ox.NamedNode | ox.BlankNode | ox.Literal)
        grouped[subject][t.predicate.value].append(obj)
    return grouped


def _statements(own: dict[str, list[Term]],
                by_subject: dict[ox.NamedNode | ox.BlankNode, dict[str, list[Term]]],
                labels: Labels, *, depth: int = 0) -> list[PropertyValues]:
    groups = []
    for p, terms in own.items():
        if p in SHOWN_APART:
            continue
        values = [_value(t, by_subject, labels, depth) for t in terms]
        values.sort(key=lambda v: ((v.ref.label.text.lower() if v.ref else None)
                                   or v.display or v.text or "").lower())
        groups.append(PropertyValues(labels.ref(p, define=True),
                                     tuple(dict.fromkeys(values))))
    groups.sort(key=lambda g: (not g.property.iri.startswith(OGK) and
                               g.property.iri not in _FIRST, g.property.label.text.lower()))
    return groups


_FIRST = frozenset({SCHEMA + "startDate", SCHEMA + "endDate", SCHEMA + "location",
                    ORG + "classification", ORG + "subOrganizationOf"})


def _value(term: Term, by_subject: dict[ox.NamedNode | ox.BlankNode, dict[str, list[Term]]],
           labels: Labels, depth: int) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value(ref=labels.ref(term.value))
    if isinstance(term, ox.BlankNode):
        inner = by_subject.get(term, {})
        nested = _statements(inner, by_subject, labels, depth=depth + 1) if depth < 3 else []
        names = _literals(inner.get(LABEL, []) + inner.get(FOAF + "name", []))
        return Value(text=names[0].value if names else None, nested=tuple(nested))
    datatype = term.datatype.value if term.language is None else None
    return Value(text=term.value, language=term.language,
                 datatype=compact(datatype) if datatype and datatype != XSD + "string"
                 else None, display=format_literal(term))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def format_date(literal: ox.Literal) -> str:
    """A date, month, year or date-time the way people write it (``4 September 2024``)."""
    value, datatype = literal.value, literal.datatype.value
    match = re.fullmatch(r"(-?\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}).*)?", value)
    if datatype in (XSD + "date", XSD + "dateTime") and match:
        year, month, day, hour, minute = match.groups()
        if not 1 <= int(month) <= 12:
            return value
        text = f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
        return f"{text}, {hour}:{minute}" if hour is not None else text
    match = re.fullmatch(r"(-?\d{4})-(\d{2})", value)
    if datatype == XSD + "gYearMonth" and match and 1 <= int(match[2]) <= 12:
        return f"{_MONTHS[int(match[2]) - 1]} {match[1]}"
    return value


def format_literal(literal: ox.Literal) -> str | None:
    """How a typed literal reads on a page (``None``: as it is)."""
    datatype = literal.datatype.value
    if datatype in (XSD + "date", XSD + "dateTime", XSD + "gYearMonth", XSD + "gYear"):
        return format_date(literal)
    if datatype == XSD + "boolean":
        return "yes" if literal.value in ("true", "1") else "no"
    return None


def _evidence(own: dict[str, list[Term]],
              by_subject: dict[ox.NamedNode | ox.BlankNode, dict[str, list[Term]]],
              labels: Labels, languages: Sequence[str]) -> list[Evidence]:
    quotes: dict[str, list[Label]] = defaultdict(list)
    for node in own.get(QUALIFIED, []):
        if isinstance(node, ox.Literal):
            continue
        fields = by_subject.get(node, {})
        for source in fields.get(PROV + "entity", []):
            if isinstance(source, ox.NamedNode):
                quotes[source.value].extend(_label_of(q) for q in _literals(fields.get(QUOTE, [])))
    for source in own.get(DERIVED, []):
        if isinstance(source, ox.NamedNode):
            quotes.setdefault(source.value, [])
    return sorted((Evidence(labels.ref(s), tuple(dict.fromkeys(q))) for s, q in quotes.items()),
                  key=lambda e: e.source.label.text.lower())


def _part(iri: str, own: dict[str, list[Term]],
          by_subject: dict[ox.NamedNode | ox.BlankNode, dict[str, list[Term]]],
          labels: Labels, languages: Sequence[str]) -> Part:
    chosen = pick_label([lit for p in LABELS for lit in _literals(own.get(p, []))], languages)
    ref = Ref(iri, _label_of(chosen) if chosen else labels.label(iri))
    types = tuple(labels.ref(t.value, define=True) for t in own.get(TYPE, [])
                  if isinstance(t, ox.NamedNode))
    return Part(ref, iri.split("#", 1)[1], types, tuple(_statements(own, by_subject, labels)),
                tuple(_evidence(own, by_subject, labels, languages)))


def _schema_types(store: Store, types: Sequence[str]) -> list[str]:
    """The schema.org classes the given classes are (``rdfs:subClassOf*`` in the store)."""
    if not types:
        return []
    query = (f"SELECT DISTINCT ?super WHERE {{ VALUES ?t {{ {_values(types)} }} "
             f"?t <{RDFS}subClassOf>* ?super FILTER(STRSTARTS(STR(?super), \"{SCHEMA}\")) }}")
    found = {row["super"].value for row in select(store, query)}
    found.update(t for t in types if t.startswith(SCHEMA))
    return sorted(found)


# -- incoming links -------------------------------------------------------------------------
def _incoming_counts(store: Store, iri: str) -> dict[str, int]:
    query = (f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {_term(iri)} "
             f"FILTER(isIRI(?s)) }} GROUP BY ?p")
    return {row["p"].value: int(row["n"].value) for row in select(store, query)}


def _incoming_page(store: Store, iri: str, counts: dict[str, int], *, property: str | None,
                   offset: int, limit: int) -> dict[str, list[str]]:
    """The subjects linking to ``iri``, ``limit`` per property (or of one property from
    ``offset``), in the store's order (an ``ORDER BY`` costs half a second on a source
    that 100,000 entities cite); each page is then sorted for display."""
    if offset < 0 or limit < 1:
        raise UsageError("incoming links: offset must be ≥ 0 and limit ≥ 1")
    chosen = [property] if property is not None else list(counts)
    chosen = [p for p in chosen if p in counts]
    if not chosen:
        return {}
    x = _term(iri)
    branches = " UNION ".join(
        f"{{ SELECT DISTINCT ?s (<{p}> AS ?p) WHERE {{ ?s <{p}> {x} FILTER(isIRI(?s)) }} "
        f"LIMIT {limit} OFFSET {offset if p == property else 0} }}"
        for p in (ox.NamedNode(p).value for p in chosen))
    found: dict[str, list[str]] = defaultdict(list)
    for row in select(store, f"SELECT ?s ?p WHERE {{ {branches} }}"):
        found[row["p"].value].append(row["s"].value)
    return {p: list(dict.fromkeys(subjects)) for p, subjects in found.items()}


# -- reified relations as sentences ---------------------------------------------------------
def _relation_rows(store: Store, iri: str, limit: int
                   ) -> tuple[dict[str, dict[str, list[Term]]], bool]:
    """``{node: {property: [term]}}`` of the memberships, posts and participations that
    link to ``iri``; whether there were more than ``limit``."""
    x = _term(iri)
    nodes_query = (f"SELECT DISTINCT ?node WHERE {{ VALUES ?link {{ {_values(_RELATION_LINKS)} }} "
                   f"?node ?link {x} FILTER(isIRI(?node)) }} LIMIT {limit + 1}")
    nodes = [row["node"].value for row in select(store, nodes_query)]
    truncated = len(nodes) > limit
    nodes = nodes[:limit]
    if not nodes:
        return {}, False
    query = (f"SELECT ?node ?p ?o WHERE {{ VALUES ?node {{ {_values(nodes)} }} ?node ?p ?o "
             f"FILTER(?p IN ({_listed(_RELATION_FIELDS)})) }}")
    rows: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in select(store, query):
        term = row["o"]
        assert isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal)
        if term not in rows[row["node"].value][row["p"].value]:
            rows[row["node"].value][row["p"].value].append(term)
    return rows, truncated


def _first(fields: dict[str, list[Term]], properties: Sequence[str]) -> ox.NamedNode | None:
    for p in properties:
        for term in fields.get(p, []):
            if isinstance(term, ox.NamedNode):
                return term
    return None


def _period(fields: dict[str, list[Term]]) -> str:
    start = next(iter(_literals(fields.get(SCHEMA + "startDate", []))), None)
    end = next(iter(_literals(fields.get(SCHEMA + "endDate", []))), None)
    if start is not None and end is not None:
        a, b = format_date(start), format_date(end)
        return a if a == b else f"{a}–{b}"
    if start is not None:
        return f"since {format_date(start)}"
    if end is not None:
        return f"until {format_date(end)}"
    return ""


def _role_text(label: Label) -> Label:
    """``Co-chair`` → ``co-chair`` inside a sentence (acronyms stay as they are)."""
    text = label.text
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return Label(text, label.language)


def _sentences(iri: str, rows: dict[str, dict[str, list[Term]]], labels: Labels
               ) -> list[Sentence]:
    sentences = []
    for node, fields in rows.items():
        sentence = _sentence(iri, node, fields, labels)
        if sentence is not None:
            sentences.append(sentence)
    order = {h: i for i, h in enumerate(_HEADINGS)}
    sentences.sort(key=lambda s: (order.get(s.heading, len(order)), s.text.lower()))
    return sentences


_HEADINGS = ("Memberships", "Members", "Posts held", "Posts", "Holders", "Takes part in",
             "Participants", "On behalf of")


def _sentence(iri: str, node: str, fields: dict[str, list[Term]], labels: Labels
              ) -> Sentence | None:
    """The relation ``node`` seen from ``iri``; ``None`` if it is not one we can phrase."""
    types = {t.value for t in fields.get(TYPE, [])}
    agent = _first(fields, _AGENT)
    target = _first(fields, _TARGET)
    role = _first(fields, _ROLE)
    behalf = _first(fields, (OGK + "onBehalfOf",))
    post = _first(fields, (OGK + "post",))
    period = _period(fields)
    me = ox.NamedNode(iri)

    def ref(term: ox.NamedNode | None) -> Ref | None:
        return labels.ref(term.value) if term is not None else None

    role_ref = ref(role)
    role_part: list[str | Ref] = []
    if role_ref is not None and role is not None and role.value.rsplit("/", 1)[-1] != "member":
        role_part = [" as ", Ref(role_ref.iri, _role_text(role_ref.label))]
    tail: list[str | Ref] = [f", {period}"] if period else []
    node_ref = labels.ref(node)
    heading: str
    parts: list[str | Ref]
    is_post = POST in types or ORG + "heldBy" in fields or ORG + "postIn" in fields
    is_membership = MEMBERSHIP in types or ORG + "member" in fields
    if is_post:
        holder, where = ref(_first(fields, (ORG + "heldBy",))), ref(
            _first(fields, (ORG + "postIn",)))
        if agent == me:
            heading, parts = "Posts held", ["holds ", node_ref]
            if where is not None:
                parts += [" in ", where]
        elif target == me:
            heading, parts = "Posts", [node_ref]
            if holder is not None:
                parts += [", held by ", holder]
        else:
            return None
    elif is_membership:
        if agent == me:
            heading, parts = "Memberships", ["member of ", *_opt(ref(target))]
        elif target == me:
            heading, parts = "Members", [*_opt(ref(agent))]
        elif post == me:
            heading, parts = "Holders", [*_opt(ref(agent))]
        elif behalf == me:
            heading, parts = "On behalf of", [*_opt(ref(agent)), " in ", *_opt(ref(target))]
        else:
            return None
        parts += role_part
        if post is not None and post != me:
            parts += [" (post: ", labels.ref(post.value), ")"]
    elif agent is not None or target is not None:  # a participation
        if agent == me:
            heading = "Takes part in"
            parts = [*(role_part[1:] if role_part else ["participant"]), " at ",
                     *_opt(ref(target))]
        elif target == me:
            heading, parts = "Participants", [*_opt(ref(agent)), *role_part]
        elif behalf == me:
            heading, parts = "On behalf of", [*_opt(ref(agent)), *role_part, " at ",
                                              *_opt(ref(target))]
        else:
            return None
        if behalf is not None and behalf != me:
            parts += [" on behalf of ", labels.ref(behalf.value)]
    else:
        return None
    parts += tail
    return Sentence(heading, node_ref, tuple(parts))


def _opt(ref: Ref | None) -> list[str | Ref]:
    return [ref] if ref is not None else ["someone"]


def _summary(iri: str, own: dict[str, list[Term]], labels: Labels) -> Sentence | None:
    """The relation an entity is (a membership, post or participation), in third person."""
    fields = {p: v for p, v in own.items() if p in _RELATION_FIELDS}
    agent = _first(fields, _AGENT)
    target = _first(fields, _TARGET)
    if agent is None and target is None:
        return None
    # seen from its agent, with the agent named first
    if agent is None:
        return None
    sentence = _sentence(agent.value, iri, fields, labels)
    if sentence is None:
        return None
    return Sentence("Summary", sentence.node, (labels.ref(agent.value), ": ", *sentence.parts))


def _neighbours(description: Description, limit: int = 12) -> list[Ref]:
    """Resources around the entity for a small network view: what it links to and what
    links to it, entities before concepts."""
    seen: dict[str, Ref] = {}
    for group in description.statements:
        for value in group.values:
            if value.ref is not None and "/id/" in value.ref.iri:
                seen.setdefault(value.ref.iri, value.ref)
    for sentence in description.relations:
        for part in sentence.parts:
            if isinstance(part, Ref) and "/id/" in part.iri and part.iri != description.iri:
                seen.setdefault(part.iri, part)
    for incoming in description.incoming:
        for ref in incoming.items:
            if "#" not in ref.iri:
                seen.setdefault(ref.iri, ref)
    seen.pop(description.iri, None)
    return list(seen.values())[:limit]
