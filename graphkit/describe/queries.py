"""Reading descriptions from a store: SELECT and ASK over the union of all graphs, the
concise bounded description (https://www.w3.org/submissions/CBD/) of an IRI with its hash
parts and the labels of what it links to, and :class:`Labels` for a page's IRIs.

IRIs are put into query text only as validated N-Triples terms (:func:`_term`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, cast

import pyoxigraph as ox

from graphkit.describe.model import (
    DEFINITIONS,
    KNOWN_TERMS,
    LABELS,
    NAMES,
    QUALIFYING,
    Label,
    Ref,
    Term,
    _label_of,
    local_name,
    pick_label,
)
from graphkit.errors import UsageError
from graphkit.namespaces import OGK
from graphkit.namespaces import compact as _compact
from graphkit.stores.base import Store
from graphkit.stores.oxigraph import OxigraphStore


@functools.lru_cache(maxsize=65_536)
def compact(iri: str) -> str:
    """:func:`graphkit.namespaces.compact` with our prefixes, remembered (a page of 100
    relations asks for the same few IRIs hundreds of times)."""
    return _compact(iri)


class Row(Protocol):
    """A solution as :func:`select` gives it: ``row["x"]``, ``None`` when ``?x`` is unbound
    (a :class:`pyoxigraph.QuerySolution` or a :class:`_Bindings`)."""

    def __getitem__(self, key: str, /) -> Any: ...


class _Bindings(dict[str, Term | ox.Triple]):
    """A row of bindings where an unbound variable reads as ``None``, as in pyoxigraph."""

    def __missing__(self, key: str) -> None:
        return None


def select(store: Store, query: str) -> Iterator[Row]:
    """The solutions of a SELECT over the union of all graphs; ``row["x"]`` is ``None``
    when ``?x`` is unbound. The embedded store answers straight from pyoxigraph: these
    queries are generated here, never name a dataset, and a page runs a dozen of them."""
    if isinstance(store, OxigraphStore):
        yield from cast(ox.QuerySolutions,  # a SELECT
                        store.raw.query(query, use_default_graph_as_union=True))
        return
    for row in store.query(query).rows():
        yield _Bindings(row)


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
              if isinstance(t.object, ox.NamedNode) and t.object.value not in described} | {
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
