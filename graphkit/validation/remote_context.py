"""Incremental validation over any SPARQL store: the context a contribution touches, read
by batched SPARQL queries into a local Oxigraph store.

:func:`graphkit.validation.engine.touched_context` reads that context from an embedded
pyoxigraph store with ``quads_for_pattern``, one node at a time.  Over a remote store
(:class:`~graphkit.stores.remote.RemoteStore`: Virtuoso, Oxigraph server, Fuseki, …) one
request per node would be thousands of round trips, and reading the whole store (millions
of triples) is what servers refuse ("result vector too large", Virtuoso's cap of 1,048,576
rows).  :func:`remote_context` reads *the same triples* level by level instead, a few
hundred IRIs per ``SELECT … VALUES`` request:

1. the chains of the predicates the rules follow transitively, from every node the
   contribution mentions;
2. the descriptions (outgoing triples) of those nodes;
3. the triples pointing *at* them by the predicates the shapes read inbound (only for
   nodes whose classes need them), and the descriptions of their subjects;
4. the descriptions of every predicate and object met in 2 and 3;
5. the class hierarchy above every type met (``rdfs:subClassOf``, with the vocabulary's).

A blank node of the store cannot be named in a query, so it is read with the node that
points at it (one level: the qualified relations of the data); a blank node reached any
other way reads as undescribed.

Row caps: each request asks for at most ``max_rows`` + 1 rows; an answer over
``max_rows``, or one the server says it cut (:class:`~graphkit.errors.AnswerCutError`),
is split in halves and asked again, down to one node; a single node over the cap (a hub:
a council with thousands of memberships) is read in ordered pages of ``max_rows``, up to
:data:`MAX_PAGES`; past that, or when the server cuts a page, it raises
:class:`~graphkit.errors.RemoteStoreError` naming the node.  Nothing is ever silently
truncated.

>>> import pyoxigraph as ox
>>> values_block([ox.NamedNode("https://w3id.org/ogkg/id/org/oecd")])
'VALUES ?n { <https://w3id.org/ogkg/id/org/oecd> }'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox

from graphkit.errors import AnswerCutError, RemoteStoreError, StoreError
from graphkit.validation.compile import RDFS, CompiledShapes, compile_shapes
from graphkit.validation.engine import (
    Context,
    class_closure,
    own_blank_nodes,
    own_context,
    validate_store,
)
from graphkit.validation.report import Report
from graphkit.validation.shapes import Shapes

if TYPE_CHECKING:
    from graphkit.stores.base import Store

__all__ = ["BATCH", "MAX_PAGES", "MAX_ROWS", "is_query_store", "remote_context", "validate_remote",
           "values_block"]

#: IRIs per request.
BATCH = 250
#: Rows a request may answer before it is split (below Virtuoso's default ResultSetMaxRows).
MAX_ROWS = 10_000
#: Pages of ``max_rows`` read for one node over the cap before it is refused.
MAX_PAGES = 20

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
_Node = ox.NamedNode | ox.BlankNode | ox.Literal


def is_query_store(context: object) -> bool:
    """A graphkit store answered by SPARQL only (no pyoxigraph store behind it)."""
    if isinstance(context, ox.Store | list | tuple | set | str) or context is None:
        return False
    if isinstance(getattr(context, "raw", None), ox.Store):
        return False
    return callable(getattr(context, "query", None)) and hasattr(context, "capabilities")


def values_block(nodes: Sequence[ox.NamedNode], variable: str = "n") -> str:
    """A SPARQL ``VALUES`` block binding ``?variable`` to the IRIs."""
    return f"VALUES ?{variable} {{ " + " ".join(str(n) for n in nodes) + " }"


class _Reader:
    """Batched reads from a store answering SPARQL, with the row-cap rule of the module."""

    def __init__(self, store: object, *, batch: int, max_rows: int) -> None:
        if batch < 1 or max_rows < 1:
            raise ValueError(f"batch and max_rows must be >= 1, got {batch} and {max_rows}")
        self.store = cast("Store", store)  # a query store (is_query_store), as callers check
        self.batch = batch
        self.max_rows = max_rows
        self.requests = 0
        self.described: dict[object, list[ox.Triple]] = {}
        self.blank: dict[object, list[ox.Triple]] = {}  # read with their parent, not yet used
        self.read: set[ox.Triple] = set()

    # -- one pattern, many nodes ---------------------------------------------------------
    def _select(self, nodes: list[ox.NamedNode], pattern: str, what: str) -> list[ox.QuerySolution]:
        """Rows of ``SELECT * { VALUES ?n {nodes} pattern }``, split while over the cap."""
        query = f"SELECT * WHERE {{ {values_block(nodes)} {pattern} }} LIMIT {self.max_rows + 1}"
        self.requests += 1
        try:
            rows = cast(list[ox.QuerySolution], list(self.store.query(query)))  # a SELECT
            over = len(rows) > self.max_rows
        except AnswerCutError:
            over = True
        if not over:
            return rows
        if len(nodes) == 1:
            return self._pages(nodes[0], pattern, what)
        half = len(nodes) // 2
        return (self._select(nodes[:half], pattern, what)
                + self._select(nodes[half:], pattern, what))

    def _pages(self, node: ox.NamedNode, pattern: str, what: str) -> list[ox.QuerySolution]:
        """One node's rows over the cap, in ordered pages of ``max_rows`` (up to
        :data:`MAX_PAGES`); a page the server cuts, or more pages, is refused by name."""
        found: list[ox.QuerySolution] = []
        for page in range(MAX_PAGES):
            query = (f"SELECT * WHERE {{ {values_block([node])} {pattern} }} ORDER BY "
                     + _total_order(pattern)
                     + f" LIMIT {self.max_rows} OFFSET {page * self.max_rows}")
            self.requests += 1
            try:
                rows = cast(list[ox.QuerySolution], list(self.store.query(query)))  # a SELECT
            except AnswerCutError:
                break
            found.extend(rows)
            if len(rows) < self.max_rows:
                return found
        raise RemoteStoreError(
            f"{getattr(self.store, 'endpoint', self.store)!s}: {node} has more than "
            f"{self.max_rows * MAX_PAGES} {what}, or more than the server answers in one "
            f"result (pages of {self.max_rows}), so the context of this contribution "
            "cannot be read whole; raise the server's row limit (Virtuoso: "
            "ResultSetMaxRows) and max_rows, or validate against an embedded store")

    def _batched(self, nodes: Iterable[object], pattern: str, what: str) -> list[ox.QuerySolution]:
        iris = sorted({n for n in nodes if isinstance(n, ox.NamedNode)}, key=str)
        rows: list[ox.QuerySolution] = []
        for start in range(0, len(iris), self.batch):
            rows.extend(self._select(iris[start:start + self.batch], pattern, what))
        return rows

    # -- what touched_context reads ----------------------------------------------------
    def describe(self, nodes: Iterable[object]) -> None:
        """Read the outgoing triples of every node not read yet (blank nodes of the store
        come from what was read with their parents)."""
        todo = [n for n in dict.fromkeys(nodes) if n not in self.described]
        for node in todo:
            if not isinstance(node, ox.NamedNode):
                self.described[node] = self.blank.pop(node, [])
                self.read.update(self.described[node])
        iris = [n for n in todo if isinstance(n, ox.NamedNode)]
        if not iris:
            return
        found: dict[object, list[ox.Triple]] = {n: [] for n in iris}
        for row in self._batched(iris, "?n ?p ?o", "triples"):
            found[row["n"]].append(ox.Triple(row["n"], row["p"], row["o"]))
        parents = [n for n, ts in found.items() if any(isinstance(t.object, ox.BlankNode)
                                                         for t in ts)]
        blanks: dict[object, set[ox.Triple]] = {}
        for row in self._batched(parents, "?n ?p ?b FILTER(isBlank(?b)) ?b ?q ?v",
                                 "triples through blank nodes"):
            blanks.setdefault(row["b"], set()).add(
                ox.Triple(row["b"], row["q"], row["v"]))
        for node, triples in blanks.items():
            if node not in self.described:
                self.blank[node] = sorted(triples, key=str)
        for node, node_triples in found.items():
            self.described[node] = node_triples
            self.read.update(node_triples)

    def follow(self, nodes: Iterable[object], predicate: ox.NamedNode) -> list[ox.Triple]:
        """``node predicate ?o`` for every node."""
        rows = self._batched(nodes, f"?n {predicate} ?o", f"values of {predicate}")
        found = [ox.Triple(r["n"], predicate, r["o"]) for r in rows]
        self.read.update(found)
        return found

    def inbound(self, nodes: Iterable[object], predicate: ox.NamedNode) -> list[ox.Triple]:
        """``?s predicate node`` for every node."""
        rows = self._batched(nodes, f"?s {predicate} ?n", f"subjects pointing at it by {predicate}")
        found = [ox.Triple(r["s"], predicate, r["n"]) for r in rows]
        self.read.update(found)
        return found

    def close_classes(self, classes: Iterable[object],
                      hierarchy: dict[object, set[object]]) -> set[object]:
        """Every class above ``classes`` (themselves included), their descriptions read."""
        seen: set[object] = set()
        todo = list(classes)
        while todo:
            level = [n for n in dict.fromkeys(todo)
                     if n not in seen and not isinstance(n, ox.Literal)]
            seen.update(level)
            self.describe(level)
            todo = []
            for node in level:
                todo.extend(hierarchy.get(node, ()))
                todo.extend(t.object for t in self.described[node] if t.predicate == _SUBCLASS)
        return seen

    def supers(self, classes: Iterable[object], hierarchy: dict[object, set[object]]) -> set[str]:
        """Like :meth:`close_classes` from what is read already (no request)."""
        return class_closure(classes, hierarchy, lambda node: self.described.get(node, ()))


def _total_order(pattern: str) -> str:
    """ORDER BY keys that tell every two distinct rows of ``pattern`` apart: the lexical
    form, language and datatype of each variable, then the terms (Virtuoso orders IRIs
    and blank nodes by internal ids, differently with and without LIMIT, so pages by the
    terms alone overlap)."""
    variables = sorted(set(re.findall(r"\?[a-z]\b", pattern)) - {"?n"})
    keys = []
    for variable in variables:
        keys += [f"STR({variable})", f"LANG({variable})", f"STR(DATATYPE({variable}))"]
    return " ".join(keys + variables)  # the terms last: blank nodes have no STR()


def _compiled(shapes: Shapes | CompiledShapes) -> CompiledShapes:
    return shapes if isinstance(shapes, CompiledShapes) else compile_shapes(shapes.shape_triples)


def remote_context(contribution: Sequence[ox.Triple], store: object, shapes: Shapes, *,
                   batch: int = BATCH, max_rows: int = MAX_ROWS) -> Context:
    """What :func:`~graphkit.validation.engine.touched_context` reads, read by SPARQL.

    ``store`` is anything with graphkit's ``query(text)`` (its default graph the union of
    the graphs). Raises :class:`~graphkit.errors.RemoteStoreError` when one node's triples
    pass the row cap (see the module doc) and what the store raises for a failed request.
    """
    compiled = _compiled(shapes)
    contribution, back = own_blank_nodes(contribution)
    reader = _Reader(store, batch=batch, max_rows=max_rows)
    hierarchy: dict[object, set[object]] = {}
    for t in shapes.vocabulary_triples:
        if t.predicate == _SUBCLASS:
            hierarchy.setdefault(t.subject, set()).add(t.object)
    focus: set[object] = {t.subject for t in contribution} | {t.object for t in contribution}
    for predicate in sorted(compiled.transitive):  # the chains rules follow
        p = ox.NamedNode(predicate)
        seen: set[object] = set()
        frontier = [n for n in focus if not isinstance(n, ox.Literal)]
        while frontier:
            level = [n for n in dict.fromkeys(frontier)
                     if n not in seen and not isinstance(n, ox.Literal)]
            seen.update(level)
            frontier = [t.object for t in reader.follow(level, p)]
        focus |= seen
    nodes = sorted((n for n in focus if not isinstance(n, ox.Literal)), key=str)
    own: dict[object, list[ox.Triple]] = {}
    for t in contribution:
        own.setdefault(t.subject, []).append(t)
    reader.describe(nodes)
    outgoing = [t for node in nodes for t in (*own.get(node, []), *reader.described[node])]
    types = {node: [t.object for t in (*own.get(node, []), *reader.described[node])
                    if t.predicate == _TYPE] for node in nodes}
    if compiled.inbound:
        reader.close_classes({c for cs in types.values() for c in cs}, hierarchy)
    wanted: dict[str, list[object]] = {}
    for node in nodes:
        kinds = reader.supers(types[node], hierarchy) if compiled.inbound else set()
        for predicate, classes in compiled.inbound:
            if classes is None or classes & kinds:
                wanted.setdefault(predicate, []).append(node)
    for predicate, targets in wanted.items():
        subjects = [t.subject for t in reader.inbound(targets, ox.NamedNode(predicate))]
        reader.describe(subjects)
        outgoing.extend(t for s in dict.fromkeys(subjects) for t in reader.described[s])
    reader.describe([t.predicate for t in outgoing] + [t.object for t in outgoing])
    reader.close_classes([t.object for t in (*reader.read, *contribution) if t.predicate == _TYPE],
                         hierarchy)
    return own_context(focus, reader.read, back)


def validate_remote(contribution: Sequence[ox.Triple], store: object, shapes: Shapes, *,
                    batch: int = BATCH, max_rows: int = MAX_ROWS) -> tuple[Report, Context]:
    """:func:`~graphkit.validation.engine.validate_contribution` over a SPARQL store: the
    context read by :func:`remote_context` into a local Oxigraph store with the
    contribution and the vocabulary, validated there, the findings kept about the
    contribution's nodes."""
    context = remote_context(contribution, store, shapes, batch=batch, max_rows=max_rows)
    scratch = ox.Store()
    for triples in (contribution, context.triples, shapes.vocabulary_triples):
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    report = validate_store(scratch, shapes)
    focus = {f"_:{n.value}" if isinstance(n, ox.BlankNode) else str(getattr(n, "value", n))
             for n in context.focus}
    return Report([f for f in report.findings if f.focus in focus]), context


def store_size(store: object) -> int:
    """The number of distinct triples in the union default graph of a SPARQL store."""
    rows = cast(list[ox.QuerySolution], list(cast("Store", store).query(  # a query store
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")))
    try:
        return int(cast(ox.Literal, rows[0]["n"]).value)
    except (IndexError, KeyError, ValueError) as error:
        raise StoreError(f"{getattr(store, 'endpoint', store)!s}: counting its triples "
                         f"gave no number ({rows!r})") from error
