"""SKOS concept schemes read from the store: the list of schemes, one scheme as an A–Z list
and a hierarchy, one concept with its broader, narrower and related concepts and its
mappings to other vocabularies (https://www.w3.org/TR/skos-reference/).

>>> from graphkit.stores import OxigraphStore
>>> store = OxigraphStore()
>>> store.update('PREFIX skos: <http://www.w3.org/2004/02/skos/core#> INSERT DATA { '
...              '<http://ex/s> a skos:ConceptScheme ; skos:prefLabel "S"@en . '
...              '<http://ex/c> skos:inScheme <http://ex/s> ; skos:prefLabel "C"@en ; '
...              'skos:topConceptOf <http://ex/s> }')
>>> [node.ref.label.text for node in scheme(store, "http://ex/s").tree]
['C']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from graphkit.describe import Label, Ref, ask, pick_label, select
from graphkit.errors import UsageError
from graphkit.namespaces import PREFIXES
from graphkit.stores.base import Store

__all__ = ["Concept", "ConceptNode", "Scheme", "concept", "scheme", "schemes"]

SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
RDFS = PREFIXES["rdfs"]
MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
_NAMES = (SKOS + "prefLabel", RDFS + "label", DCT + "title")


@dataclass
class ConceptNode:
    """A concept in the hierarchy with the concepts under it."""

    ref: Ref
    children: list[ConceptNode] = field(default_factory=list)


@dataclass
class Scheme:
    """A concept scheme: its concepts A–Z and as a tree (top concepts first)."""

    ref: Ref
    description: Label | None
    concepts: list[Ref]
    tree: list[ConceptNode]


@dataclass
class Concept:
    """One concept: names, definition, place in its scheme, mappings."""

    ref: Ref
    alt_labels: list[Label]
    definition: Label | None
    schemes: list[Ref]
    broader: list[Ref]
    narrower: list[Ref]
    related: list[Ref]
    mappings: list[tuple[str, str]]  # (SKOS mapping property local name, target IRI)
    notes: list[Label]


def _term(iri: str) -> str:
    try:
        return str(ox.NamedNode(iri))
    except ValueError as error:
        raise UsageError(f"{iri!r} is not an IRI: {error}") from None


def _best(literals: list[ox.Literal], languages: Sequence[str]) -> Label | None:
    chosen = pick_label(literals, languages)
    return Label(chosen.value, chosen.language) if chosen is not None else None


def _names(store: Store, iris: Sequence[str], languages: Sequence[str]) -> dict[str, Label]:
    found: dict[str, list[ox.Literal]] = defaultdict(list)
    for start in range(0, len(iris), 400):
        chunk = " ".join(_term(i) for i in iris[start:start + 400])
        names = ", ".join(f"<{p}>" for p in _NAMES)
        for row in select(store, f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {chunk} }} ?x ?p ?l "
                               f"FILTER(?p IN ({names}) && isLiteral(?l)) }}"):
            literal = row["l"]
            assert isinstance(literal, ox.Literal)
            found[row["x"].value].append(literal)
    return {iri: _best(found[iri], languages) or Label(iri.rsplit("/", 1)[-1])
            for iri in iris}


def schemes(store: Store, *, languages: Sequence[str] = ("en",)) -> list[tuple[Ref, int]]:
    """Every ``skos:ConceptScheme`` with its number of concepts, by label."""
    counts: dict[str, int] = {}
    for row in select(store, 
            f"SELECT ?s (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?s a <{SKOS}ConceptScheme> "
            f"OPTIONAL {{ ?c <{SKOS}inScheme> ?s }} FILTER(isIRI(?s)) }} GROUP BY ?s"):
        counts[row["s"].value] = int(row["n"].value)
    names = _names(store, sorted(counts), languages)
    return sorted(((Ref(iri, names[iri]), n) for iri, n in counts.items()),
                  key=lambda pair: pair[0].label.text.lower())


def scheme(store: Store, iri: str, *, languages: Sequence[str] = ("en",)) -> Scheme | None:
    """The scheme ``iri`` with its concepts, or ``None`` if the store has no such scheme."""
    s = _term(iri)
    if not ask(store, f"ASK {{ {s} a <{SKOS}ConceptScheme> }}"):
        return None
    descriptions = [row["d"] for row in select(store, 
        f"SELECT ?d WHERE {{ {s} ?p ?d FILTER(?p IN (<{DCT}description>, "
        f"<{SKOS}definition>, <{RDFS}comment>) && isLiteral(?d)) }}")]
    broader: dict[str, set[str]] = defaultdict(set)
    top: set[str] = set()
    members: set[str] = set()
    for row in select(store, 
            f"SELECT ?c ?b ?t WHERE {{ {{ ?c <{SKOS}inScheme> {s} }} UNION "
            f"{{ ?c <{SKOS}topConceptOf> {s} }} UNION {{ {s} <{SKOS}hasTopConcept> ?c }} "
            f"FILTER(isIRI(?c)) "
            f"OPTIONAL {{ ?c <{SKOS}broader> ?b }} OPTIONAL {{ {{ ?c <{SKOS}topConceptOf> ?t "
            f"FILTER(?t = {s}) }} UNION {{ {s} <{SKOS}hasTopConcept> ?c BIND({s} AS ?t) }} }} "
            f"}}"):
        concept_iri = row["c"].value
        members.add(concept_iri)
        if row["b"] is not None:
            broader[concept_iri].add(row["b"].value)
        if row["t"] is not None:
            top.add(concept_iri)
    ordered = sorted(members)
    names = _names(store, sorted(members | {iri}), languages)
    refs = {c: Ref(c, names[c]) for c in ordered}
    narrower: dict[str, list[str]] = defaultdict(list)
    for child, parents in broader.items():
        for parent in parents:
            if parent in members:
                narrower[parent].append(child)
    roots = sorted(top | {c for c in members if not (broader[c] & members)},
                   key=lambda c: names[c].text.lower())

    def grow(node: str, path: frozenset[str]) -> ConceptNode:
        children = sorted((c for c in narrower.get(node, []) if c not in path),
                          key=lambda c: names[c].text.lower())
        return ConceptNode(refs[node], [grow(c, path | {c}) for c in children])

    chosen = pick_label([d for d in descriptions if isinstance(d, ox.Literal)], languages)
    return Scheme(Ref(iri, names[iri]),
                  Label(chosen.value, chosen.language) if chosen is not None else None,
                  sorted(refs.values(), key=lambda r: r.label.text.lower()),
                  [grow(r, frozenset({r})) for r in roots])


def concept(store: Store, iri: str, *, languages: Sequence[str] = ("en",)) -> Concept | None:
    """The concept ``iri``, or ``None`` if the store has nothing on it as a concept."""
    fields: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]] = defaultdict(list)
    for row in select(store, f"SELECT ?p ?o WHERE {{ {_term(iri)} ?p ?o }}"):
        term = row["o"]
        assert isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal)
        if term not in fields[row["p"].value]:
            fields[row["p"].value].append(term)
    if not fields:
        return None

    def literals(p: str) -> list[ox.Literal]:
        return [t for t in fields.get(SKOS + p, []) if isinstance(t, ox.Literal)]

    def iris(p: str) -> list[str]:
        return [t.value for t in fields.get(SKOS + p, []) if isinstance(t, ox.NamedNode)]

    # each link read from either end: skos:broader and skos:narrower are inverses and
    # skos:related is symmetric (https://www.w3.org/TR/skos-reference/#semantic-relations)
    pointing: dict[str, set[str]] = defaultdict(set)
    for row in select(store, f"SELECT ?p ?c WHERE {{ ?c ?p {_term(iri)} FILTER(isIRI(?c) && "
                             f"?p IN (<{SKOS}broader>, <{SKOS}narrower>, <{SKOS}related>)) }}"):
        pointing[row["p"].value].add(row["c"].value)
    narrower_found = set(iris("narrower")) | pointing[SKOS + "broader"]
    broader_found = set(iris("broader")) | pointing[SKOS + "narrower"]
    related_found = set(iris("related")) | pointing[SKOS + "related"]
    schemes_of = sorted(set(iris("inScheme")) | set(iris("topConceptOf")))
    linked = sorted(broader_found | narrower_found | related_found | set(schemes_of) | {iri})
    names = _names(store, linked, languages)

    def refs(values: Sequence[str]) -> list[Ref]:
        return sorted((Ref(v, names[v]) for v in set(values)),
                      key=lambda r: r.label.text.lower())

    preferred = _best(literals("prefLabel"), languages)
    return Concept(
        ref=Ref(iri, preferred or names[iri]),
        alt_labels=sorted({Label(lit.value, lit.language) for lit in literals("altLabel")}
                          | {Label(lit.value, lit.language) for lit in literals("prefLabel")
                             if preferred is None or lit.value != preferred.text},
                          key=lambda label: (label.language or "", label.text)),
        definition=_best(literals("definition"), languages),
        schemes=refs(schemes_of),
        broader=refs(sorted(broader_found)),
        narrower=refs(sorted(narrower_found)),
        related=refs(sorted(related_found)),
        mappings=sorted((m, t) for m in MAPPINGS for t in iris(m)),
        notes=[Label(lit.value, lit.language) for p in ("scopeNote", "note", "example")
               for lit in literals(p)],
    )
