"""Contributions: data handed in, validated against the store, kept in a graph of its own.

A contribution that conforms (no SHACL violation; warnings are kept as advice) is stored in
the named graph ``<base>graph/contribution/<id>``; its record, in the ``<base>graph/meta``
graph, describes that graph with PROV-O (https://www.w3.org/TR/prov-o/):

.. code-block:: turtle

    <…/graph/contribution/20261123-1a2b3c4d> a prov:Entity , void:Dataset ;
        rdfs:label "Contribution 20261123-1a2b3c4d"@en ;
        ogk:status "accepted"@en ;                       # "withdrawn" once withdrawn
        prov:generatedAtTime "2026-11-23T18:00:00Z"^^xsd:dateTime ;
        dcterms:created "2026-11-23T18:00:00Z"^^xsd:dateTime ;
        prov:wasAttributedTo <…#contributor> ;           # a prov:Agent with its name
        prov:wasGeneratedBy <…#submission> ;             # a prov:Activity by that agent
        prov:hadPrimarySource <https://example.org/list> ;  # or dcterms:source "text"
        rdfs:comment "what the contributor said"@en ;
        void:triples 42 ;
        prov:wasInvalidatedBy <…#withdrawal> ;           # once withdrawn
        prov:invalidatedAtTime "…"^^xsd:dateTime .
    <…#validation> a sh:ValidationReport ; sh:conforms true ;
        prov:wasGeneratedBy <…#submission> ;
        rdfs:comment "0 violations, 2 warnings, 0 infos"@en ;
        rdf:value "{\\"conforms\\": true, \\"violations\\": 0, …}"^^rdf:JSON .

Writing is all or nothing: the data and its record go to the store together, so that no
crash can leave the data without its record. On :class:`~graphkit.stores.OxigraphStore`
that is one N-Quads :meth:`~graphkit.stores.base.Store.load`, one pyoxigraph transaction
(or, into an empty store, the journalled bulk load that the next open undoes after a
crash). On :class:`~graphkit.stores.RemoteStore` it is
:meth:`~graphkit.stores.RemoteStore.insert_atomically`: one request holding one SPARQL
``INSERT DATA`` operation with both graphs, never the Graph Store (one request per graph).
Oxigraph and Virtuoso run one operation as one transaction: a failure anywhere in it
(tested on Virtuoso 7.2 with an invalid literal in the record part) leaves nothing, and
readers see the data and its record together or neither. With blank nodes the operation
is ``INSERT {…} WHERE {}``, which Virtuoso compiles only up to about 1,000 triples: a larger
one is refused there before anything is sent (:class:`~graphkit.errors.InputError`). A
write that fails is still undone, best effort: whatever part of it reached the store is
removed.

Withdrawing is one SPARQL ``DELETE``/``INSERT`` operation that empties the graph and marks
the record withdrawn together (the record stays), followed in the same request by a
``DROP SILENT`` of the emptied graph. One operation, because Virtuoso keeps the operations
of a request that ran before a failing one.
"""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol, cast

import pyoxigraph as ox

from graphkit.errors import ConformanceError, GraphkitError, InputError
from graphkit.formats import RdfFormat
from graphkit.stores.base import Store, graph_exists
from graphkit.stores.remote import RemoteStore

__all__ = [
    "Contribution",
    "RejectedContribution",
    "UnknownContribution",
    "contribution_graph",
    "get_contribution",
    "list_contributions",
    "meta_graph",
    "new_id",
    "store_contribution",
    "submit",
    "withdraw",
]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"
OGK = "https://w3id.org/ogkg/ns#"

ACCEPTED = "accepted"
WITHDRAWN = "withdrawn"
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class RejectedContribution(ConformanceError):
    """The contribution has SHACL violations; nothing was stored. ``report`` says why."""

    def __init__(self, report: object) -> None:
        summary: dict[str, int | bool] = getattr(report, "summary", dict)()
        shown = [f for f in getattr(report, "findings", [])
                 if str(getattr(f, "severity", "")).endswith("Violation")][:5]
        details = "".join(f"; <{f.focus}> {f.path or ''}: {f.message}" for f in shown)
        super().__init__(f"the contribution does not conform: {summary.get('violations', '?')} "
                         f"violation(s); nothing was stored{details}")
        self.report = report


class UnknownContribution(GraphkitError, LookupError):
    """No contribution has that id."""


@dataclass(frozen=True)
class Contribution:
    """The record of one contribution, as kept in the meta graph."""

    id: str
    graph: str
    status: str
    contributor: str
    submitted: str
    triples: int
    summary: dict[str, int | bool]
    source: str | None = None
    comment: str | None = None
    withdrawn: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def meta_graph(base_iri: str) -> str:
    return f"{base_iri}graph/meta"


def contribution_graph(base_iri: str, contribution_id: str) -> str:
    return f"{base_iri}graph/contribution/{contribution_id}"


def new_id(now: datetime.datetime | None = None) -> str:
    """A fresh id: the UTC date and eight random hex digits (``20261123-1a2b3c4d``)."""
    now = now or datetime.datetime.now(datetime.UTC)
    return f"{now:%Y%m%d}-{secrets.token_hex(4)}"


def check_id(contribution_id: str) -> str:
    """``contribution_id`` if it could be an id (lower-case letters, digits, ``-``)."""
    if not contribution_id or not set(contribution_id) <= _ID_CHARS or \
            len(contribution_id) > 64:
        raise UnknownContribution(f"{contribution_id!r} is not a contribution id "
                                  "(ids look like 20261123-1a2b3c4d)")
    return contribution_id


# -- submitting ---------------------------------------------------------------------------
Validator = Callable[[list[ox.Triple], Store], object]


class _Report(Protocol):
    """What :func:`submit` reads of a validator's report (a validation ``Report``)."""

    @property
    def conforms(self) -> bool: ...

    def summary(self) -> dict[str, int | bool]: ...


def submit(store: Store, triples: Sequence[ox.Triple], *, base_iri: str, contributor: str,
           source: str | None = None, comment: str | None = None,
           validator: Validator | None = None) -> tuple[Contribution, object]:
    """Validate ``triples`` against the store and, if they conform, store them.

    ``validator`` defaults to :func:`graphkit.validation.validate` with the store as
    context (only what the contribution touches is reported). Returns the record and the
    report; raises :class:`RejectedContribution` (nothing stored) on a violation.
    Call it inside the store's write lock so that nothing changes between the check
    and the write.
    """
    data = list(triples)
    if not data:
        raise InputError("the contribution holds no triples")
    report = (validator or _validate)(data, store)
    checked = cast(_Report, report)
    if not bool(checked.conforms):
        raise RejectedContribution(report)
    summary = dict(checked.summary())
    contribution = store_contribution(store, data, base_iri=base_iri, contributor=contributor,
                                      source=source, comment=comment, summary=summary)
    return contribution, report


def _validate(data: list[ox.Triple], store: Store) -> object:
    from graphkit.validation import validate

    return validate(data, context=store)


def store_contribution(store: Store, triples: Sequence[ox.Triple], *, base_iri: str,
                       contributor: str, summary: dict[str, int | bool],
                       source: str | None = None, comment: str | None = None,
                       contribution_id: str | None = None,
                       now: datetime.datetime | None = None) -> Contribution:
    """Write the triples into a new contribution graph and their record into the meta
    graph, all or nothing (no validation here: see :func:`submit`)."""
    now = now or datetime.datetime.now(datetime.UTC)
    contribution_id = check_id(contribution_id or new_id(now))
    graph = contribution_graph(base_iri, contribution_id)
    contribution = Contribution(
        id=contribution_id, graph=graph, status=ACCEPTED,
        contributor=contributor.strip() or "anonymous", submitted=_timestamp(now),
        triples=len(set(triples)), summary=summary, source=(source or "").strip() or None,
        comment=(comment or "").strip() or None)
    record = record_triples(contribution)
    meta = meta_graph(base_iri)
    meta_existed = graph_exists(store, meta)
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples]
    quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(meta)) for t in record]
    try:  # see "Writing is all or nothing" in the module's docstring
        if isinstance(store, RemoteStore):
            store.insert_atomically(quads)
        else:
            store.load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"",
                       format=RdfFormat.N_QUADS)
    except BaseException:
        _undo(store, graph, meta, record, drop_meta=not meta_existed)
        raise
    return contribution


def _undo(store: Store, graph: str, meta: str, record: list[ox.Triple], *,
          drop_meta: bool) -> None:
    """Take back whatever part of a failed write reached the store."""
    store.remove_graph(graph)
    if drop_meta:
        store.remove_graph(meta)
        return
    body = (ox.serialize(record, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    store.update(f"DELETE DATA {{ GRAPH <{meta}> {{ {body} }} }}")


def _timestamp(now: datetime.datetime) -> str:
    return now.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _summary_text(summary: dict[str, int | bool]) -> str:
    return (f"{summary.get('violations', 0)} violations, {summary.get('warnings', 0)} "
            f"warnings, {summary.get('infos', 0)} infos")


def record_triples(contribution: Contribution) -> list[ox.Triple]:
    """The PROV record of a contribution (see the module docstring)."""
    g = ox.NamedNode(contribution.graph)
    agent = ox.NamedNode(contribution.graph + "#contributor")
    submission = ox.NamedNode(contribution.graph + "#submission")
    validation = ox.NamedNode(contribution.graph + "#validation")
    when = ox.Literal(contribution.submitted, datatype=ox.NamedNode(XSD + "dateTime"))
    t: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        t.append(ox.Triple(s, ox.NamedNode(p), o))

    def en(text: str) -> ox.Literal:
        return ox.Literal(text, language="en")

    add(g, RDF + "type", ox.NamedNode(PROV + "Entity"))
    add(g, RDF + "type", ox.NamedNode(VOID + "Dataset"))
    add(g, RDFS + "label", en(f"Contribution {contribution.id}"))
    add(g, OGK + "status", en(contribution.status))
    add(g, PROV + "generatedAtTime", when)
    add(g, DCTERMS + "created", when)  # what the home page's list of graphs shows
    add(g, PROV + "wasAttributedTo", agent)
    add(g, PROV + "wasGeneratedBy", submission)
    add(g, VOID + "triples", ox.Literal(str(contribution.triples),
                                        datatype=ox.NamedNode(XSD + "integer")))
    if contribution.source:
        if contribution.source.startswith(("http://", "https://")) and _is_iri(
                contribution.source):
            add(g, PROV + "hadPrimarySource", ox.NamedNode(contribution.source))
        else:
            add(g, DCTERMS + "source", ox.Literal(contribution.source))
    if contribution.comment:
        add(g, RDFS + "comment", en(contribution.comment))
    add(agent, RDF + "type", ox.NamedNode(PROV + "Agent"))
    add(agent, RDFS + "label", en(contribution.contributor))
    add(submission, RDF + "type", ox.NamedNode(PROV + "Activity"))
    add(submission, RDFS + "label", en(f"Submission of contribution {contribution.id}"))
    add(submission, PROV + "wasAssociatedWith", agent)
    add(submission, PROV + "endedAtTime", when)
    add(validation, RDF + "type", ox.NamedNode(SH + "ValidationReport"))
    add(validation, SH + "conforms", ox.Literal(
        str(bool(contribution.summary.get("conforms", True))).lower(),
        datatype=ox.NamedNode(XSD + "boolean")))
    add(validation, PROV + "wasGeneratedBy", submission)
    add(validation, RDFS + "comment", en(_summary_text(contribution.summary)))
    add(validation, RDF + "value", ox.Literal(json.dumps(contribution.summary, sort_keys=True),
                                              datatype=ox.NamedNode(RDF + "JSON")))
    return t


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return not any(c in text for c in " <>\"{}|\\^`")


# -- reading ------------------------------------------------------------------------------
_RECORDS = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX ogk: <https://w3id.org/ogkg/ns#>
SELECT ?g ?status ?when ?who ?triples ?summary ?source ?comment ?withdrawn WHERE {
  GRAPH <%(meta)s> {
    ?g a prov:Entity ; ogk:status ?status ; prov:generatedAtTime ?when ;
       prov:wasAttributedTo ?agent ; void:triples ?triples .
    ?agent rdfs:label ?who .
    OPTIONAL { ?report prov:wasGeneratedBy ?activity ; rdf:value ?summary .
               ?g prov:wasGeneratedBy ?activity . }
    OPTIONAL { ?g prov:hadPrimarySource ?primary }
    OPTIONAL { ?g dcterms:source ?cited }
    BIND(COALESCE(STR(?primary), STR(?cited)) AS ?source)
    OPTIONAL { ?g rdfs:comment ?comment }
    OPTIONAL { ?g prov:invalidatedAtTime ?withdrawn }
    FILTER(STRSTARTS(STR(?g), "%(prefix)s") %(only)s)
  }
} ORDER BY DESC(?when) ?g
"""


def _read(store: Store, base_iri: str, graph: str | None = None) -> list[Contribution]:
    prefix = contribution_graph(base_iri, "")
    only = f"&& ?g = <{graph}>" if graph else ""
    query = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + _RECORDS % {
        "meta": meta_graph(base_iri), "prefix": prefix, "only": only}
    found: list[Contribution] = []
    for row in store.query(query).rows():
        # the query's pattern fixes the terms: ?g an IRI (STRSTARTS on our prefix), the rest
        # literals (a label, a status, a count, a time, a JSON text)
        iri = cast(ox.NamedNode, row["g"]).value
        summary_text = cast(ox.Literal | None, row.get("summary"))
        summary = json.loads(summary_text.value) if summary_text is not None else {}
        found.append(Contribution(
            id=iri[len(prefix):], graph=iri,
            status=cast(ox.Literal, row["status"]).value,
            contributor=cast(ox.Literal, row["who"]).value,
            submitted=cast(ox.Literal, row["when"]).value,
            triples=int(cast(ox.Literal, row["triples"]).value),
            summary=summary,
            source=_value(row.get("source")), comment=_value(row.get("comment")),
            withdrawn=_value(row.get("withdrawn"))))
    return found


def _value(term: object) -> str | None:
    return getattr(term, "value", None) if term is not None else None


def list_contributions(store: Store, *, base_iri: str) -> list[Contribution]:
    """Every contribution record, newest first."""
    return _read(store, base_iri)


def get_contribution(store: Store, contribution_id: str, *, base_iri: str) -> Contribution:
    """One record; :class:`UnknownContribution` if there is none with that id."""
    graph = contribution_graph(base_iri, check_id(contribution_id))
    found = _read(store, base_iri, graph)
    if not found:
        raise UnknownContribution(f"there is no contribution {contribution_id!r}")
    return found[0]


def withdraw(store: Store, contribution_id: str, *, base_iri: str,
             now: datetime.datetime | None = None) -> Contribution:
    """Empty the contribution's graph and mark its record withdrawn, in one update
    operation (see the module docstring). Withdrawing again changes nothing."""
    current = get_contribution(store, contribution_id, base_iri=base_iri)
    if current.status == WITHDRAWN:
        return current
    when = _timestamp(now or datetime.datetime.now(datetime.UTC))
    g, meta = current.graph, meta_graph(base_iri)
    store.update(f"""
PREFIX prov: <{PROV}>
PREFIX rdfs: <{RDFS}>
PREFIX ogk: <{OGK}>
DELETE {{ GRAPH <{g}> {{ ?s ?p ?o }}
          GRAPH <{meta}> {{ <{g}> ogk:status ?status }} }}
INSERT {{ GRAPH <{meta}> {{
           <{g}> ogk:status "{WITHDRAWN}"@en ;
             prov:invalidatedAtTime "{when}"^^<{XSD}dateTime> ;
             prov:wasInvalidatedBy <{g}#withdrawal> .
           <{g}#withdrawal> a prov:Activity ;
             rdfs:label "Withdrawal of contribution {current.id}"@en ;
             prov:endedAtTime "{when}"^^<{XSD}dateTime> . }} }}
WHERE {{ GRAPH <{meta}> {{ <{g}> ogk:status ?status }}
        OPTIONAL {{ GRAPH <{g}> {{ ?s ?p ?o }} }} }} ;
DROP SILENT GRAPH <{g}>""")
    return get_contribution(store, contribution_id, base_iri=base_iri)
