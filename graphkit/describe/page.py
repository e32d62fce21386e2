"""What an entity page shows (:func:`describe`): labels in the reader's language, type
badges, statements grouped by property, reified relations as sentences, incoming links
grouped and paged, sources with the quoted evidence, the schema.org types, neighbours."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from graphkit.describe.model import (
    ALT_LABEL,
    DERIVED,
    DESCRIPTIONS,
    FOAF,
    LABEL,
    LABELS,
    ORG,
    PROV,
    QUALIFIED,
    QUOTE,
    RDFS,
    SCHEMA,
    SHOWN_APART,
    TYPE,
    XSD,
    Description,
    Evidence,
    Incoming,
    Label,
    Part,
    PropertyValues,
    Ref,
    Term,
    Value,
    _label_of,
    _literals,
    format_literal,
    pick_label,
)
from graphkit.describe.queries import (
    Labels,
    _deduplicated,
    _term,
    bounded_descriptions,
    select,
)
from graphkit.describe.relations import _relation_rows, _sentences, _summary
from graphkit.errors import UsageError
from graphkit.namespaces import OGK, compact
from graphkit.stores.base import Store


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
    # one branch per class, its start written in: Virtuoso 7.2 refuses a transitive path
    # whose start comes from VALUES ("transitive start not given")
    branches = " UNION ".join(f"{{ {_term(t)} <{RDFS}subClassOf>* ?super }}" for t in types)
    query = (f"SELECT DISTINCT ?super WHERE {{ {branches} "
             f"FILTER(STRSTARTS(STR(?super), \"{SCHEMA}\")) }}")
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
