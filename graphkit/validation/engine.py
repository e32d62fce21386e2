"""The SPARQL validation engine: compiled shapes (:mod:`graphkit.validation.compile`) run
inside Oxigraph, full-graph or incrementally.

- :func:`validate_store` validates everything in a pyoxigraph store (the union of its
  graphs) with one query per compiled constraint.
- :func:`validate_contribution` validates a contribution against a store while reading
  only what the contribution touches (:func:`touched_context`): the descriptions of the
  nodes it mentions and of the nodes those point to, the triples that point *at* them by
  the predicates the shapes read inbound, and the chains of the predicates the rules follow
  transitively.  Its findings about the contribution's nodes are those a full validation of
  store + contribution gives about them.
- :func:`validate_with_sparql` is what :func:`graphkit.validation.validate` calls for
  ``engine="sparql"``.

>>> from graphkit.validation.shapes import load_shapes
>>> validate_with_sparql([], context=[], shapes=load_shapes()).conforms  # doctest: +SKIP
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar, cast, overload

import pyoxigraph as ox

from graphkit.blank_nodes import FreshBlankNodes
from graphkit.errors import QueryError, UsageError
from graphkit.validation.compile import RDFS, Check, CompiledShapes, compile_shapes
from graphkit.validation.report import Finding, Report
from graphkit.validation.shapes import Shapes

__all__ = ["Context", "own_blank_nodes", "own_context", "run_check", "touched_context",
           "validate_contribution", "validate_store", "validate_with_sparql"]

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# what a store can be asked about: any term but a literal (a subject, or an object bound)
_Resource = ox.NamedNode | ox.BlankNode | ox.Triple
_T = TypeVar("_T", bound=ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple)
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")

_DEFAULT_MESSAGES = {
    "MinCountConstraintComponent": "Fewer values than allowed for {$path}.",
    "MaxCountConstraintComponent": "More values than allowed for {$path}.",
    "ClassConstraintComponent": "{?value} is not of the required class.",
    "DatatypeConstraintComponent": "{?value} does not have the required datatype.",
    "NodeKindConstraintComponent": "{?value} is not of the required node kind.",
    "PatternConstraintComponent": "{?value} does not match the required pattern.",
    "InConstraintComponent": "{?value} is not one of the allowed values.",
    "HasValueConstraintComponent": "The required value is missing.",
    "LanguageInConstraintComponent": "{?value} is not in an allowed language.",
    "UniqueLangConstraintComponent": "Two values share a language tag.",
    "NodeConstraintComponent": "{?value} does not conform to the required shape.",
    "NotConstraintComponent": "{?value} conforms to a shape it must not conform to.",
    "OrConstraintComponent": "{?value} conforms to none of the allowed shapes.",
    "AndConstraintComponent": "{?value} does not conform to all of the required shapes.",
    "XoneConstraintComponent": "{?value} does not conform to exactly one of the shapes.",
    "EqualsConstraintComponent": "{?value} is not in both properties.",
    "DisjointConstraintComponent": "{?value} is in both properties.",
    "LessThanConstraintComponent": "{?value} is not less than the compared value.",
    "LessThanOrEqualsConstraintComponent": "{?value} is greater than the compared value.",
    "SPARQLConstraintComponent": "{?value} breaks a rule.",
}


def _compiled(shapes: Shapes | CompiledShapes) -> CompiledShapes:
    return shapes if isinstance(shapes, CompiledShapes) else compile_shapes(shapes.shape_triples)


# ----------------------------------------------------------------------------- full

def validate_store(store: ox.Store, shapes: Shapes | CompiledShapes) -> Report:
    """Validate the union of the store's graphs.

    The store must hold the vocabulary (ontology and schemes) the shapes read, as the
    project's stores do (``graphkit load`` puts it in ``graph/ontology`` and
    ``graph/schemes``).
    """
    compiled = _compiled(shapes)
    findings: list[Finding] = []
    reached: dict[str, bool] = {}  # SPARQL-based target → has a focus node
    for check in compiled.checks:
        if check.target:
            if check.target not in reached:
                reached[check.target] = _ask(store, check)
            if not reached[check.target]:
                continue
        findings.extend(run_check(store, check))
    return Report(findings)


def _ask(store: ox.Store, check: Check) -> bool:
    try:
        return bool(store.query(check.target, use_default_graph_as_union=True))
    except (SyntaxError, ValueError, RuntimeError) as error:
        raise QueryError(f"shape {check.shape}: its compiled target failed: {error}") from error


def run_check(store: ox.Store, check: Check) -> list[Finding]:
    """The results of one compiled constraint over the union of the store's graphs."""
    try:
        rows = store.query(check.query, use_default_graph_as_union=True)
    except (SyntaxError, ValueError, RuntimeError) as error:
        raise QueryError(f"shape {check.shape}: its compiled query failed: {error}") from error
    return [_finding(check, row) for row in cast(ox.QuerySolutions, rows)]  # a SELECT


def _finding(check: Check, row: ox.QuerySolution) -> Finding:
    focus = row["this"]
    value = _bound(row, "value")
    if value is None and check.value_is_focus:
        value = focus
    path = check.path
    bound_path = _bound(row, "path") if check.sparql else None
    if isinstance(bound_path, ox.NamedNode):
        path = bound_path.value
    bindings = {"this": focus, "focusNode": focus, "value": value}
    if path is not None:
        bindings["path"] = ox.NamedNode(path) if "<" not in path else ox.Literal(path)
    if check.sparql:
        for variable in _variables(check.query):
            term = _bound(row, variable)
            if term is not None:
                bindings.setdefault(variable, term)
    component = check.component.rsplit("#", 1)[1]
    template = check.messages[0] if check.messages else _DEFAULT_MESSAGES.get(component, "")
    bound_message = _bound(row, "message") if check.sparql else None
    if isinstance(bound_message, ox.Literal) and not check.messages:
        template = bound_message.value  # SHACL §5.3.2: ?message when no sh:message
    return Finding(focus=_node_text(focus), path=path, component=check.component,
                   severity=check.severity, shape=check.shape,
                   value=None if value is None else str(value),
                   message=_fill(template, bindings))


def _bound(row: ox.QuerySolution, name: str) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    try:
        return cast("ox.NamedNode | ox.BlankNode | ox.Literal | None", row[name])
    except (KeyError, IndexError):
        return None


@lru_cache(maxsize=1024)
def _variables(query: str) -> tuple[str, ...]:
    """The variables of a SHACL-SPARQL query that a message may name."""
    return tuple(sorted(set(re.findall(r"[?$]([A-Za-z][A-Za-z0-9_]*)", query))
                        - {"this", "value", "path"}))


def _fill(template: str, bindings: dict[str, object]) -> str:
    """``{$var}`` and ``{?var}`` replaced by the bound terms (SHACL §5.3.2)."""
    def one(match: re.Match[str]) -> str:
        term = bindings.get(match.group(1))
        if term is None:
            return match.group(0)
        if isinstance(term, ox.NamedNode):
            return f"<{term.value}>"
        return str(term)

    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", one, template)


def _node_text(term: object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    # IRIs and literals by their value, as the oracle names them
    return str(getattr(term, "value", term))


# ----------------------------------------------------------------------------- incremental

@dataclass
class Context:
    """What :func:`touched_context` read from the store for a contribution.

    ``focus``: the nodes whose findings are reported (the contribution's subjects and
    objects, plus nodes on the transitive chains the rules follow); ``triples``: the
    triples read from the store."""

    focus: set[ox.NamedNode | ox.BlankNode | ox.Literal]
    triples: set[ox.Triple]


def touched_context(contribution: Sequence[ox.Triple], store: ox.Store,
                    shapes: Shapes | CompiledShapes) -> Context:
    """Read from ``store`` only what validating ``contribution`` needs (see module doc).

    Only :meth:`pyoxigraph.Store.quads_for_pattern` is called, always with a bound subject
    or object: the store is never scanned.
    """
    compiled = _compiled(shapes)
    read: set[ox.Triple] = set()
    described: dict[object, list[ox.Triple]] = {}
    hierarchy: dict[object, set[object]] = {}
    if isinstance(shapes, Shapes):
        for t in shapes.vocabulary_triples:
            if t.predicate == _SUBCLASS:
                hierarchy.setdefault(t.subject, set()).add(t.object)

    contribution, back = own_blank_nodes(contribution)

    def describe(node: object) -> list[ox.Triple]:
        if isinstance(node, ox.Literal):
            return []
        if node not in described:
            found = [ox.Triple(q.subject, q.predicate, q.object)
                     for q in store.quads_for_pattern(cast(_Resource, node), None, None)]
            described[node] = found
            read.update(found)
        return described[node]

    def superclasses(classes: Iterable[object]) -> set[str]:
        return class_closure(classes, hierarchy, describe)

    focus: set[object] = {t.subject for t in contribution} | {t.object for t in contribution}
    for predicate in sorted(compiled.transitive):  # the chains rules follow, validated again
        p = ox.NamedNode(predicate)
        frontier = [n for n in focus if not isinstance(n, ox.Literal)]
        seen: set[object] = set()
        while frontier:
            node = frontier.pop()
            if node in seen or isinstance(node, ox.Literal):
                continue
            seen.add(node)
            for q in store.quads_for_pattern(cast(_Resource, node), p, None):
                read.add(ox.Triple(q.subject, q.predicate, q.object))
                frontier.append(q.object)
        focus |= seen
    nodes = sorted((n for n in focus if not isinstance(n, ox.Literal)), key=str)
    own: dict[object, list[ox.Triple]] = {}
    for t in contribution:
        own.setdefault(t.subject, []).append(t)
    outgoing: list[ox.Triple] = []
    for node in nodes:  # the focus nodes' own descriptions
        outgoing.extend(own.get(node, []))
        outgoing.extend(describe(node))
    for node in nodes:  # what points at them by the predicates the shapes read inbound
        types = [t.object for t in (*own.get(node, []), *described[node]) if t.predicate == _TYPE]
        kinds = superclasses(types) if compiled.inbound else set()
        for predicate, classes in compiled.inbound:
            if classes is not None and not classes & kinds:
                continue
            for q in store.quads_for_pattern(None, ox.NamedNode(predicate), cast(_Resource, node)):
                read.add(ox.Triple(q.subject, q.predicate, q.object))
                outgoing.extend(describe(q.subject))
    for t in outgoing:  # one step further: what their triples point to
        describe(t.predicate)
        describe(t.object)
    # the class hierarchy above every type met, for targets and sh:class
    superclasses([t.object for t in (*read, *contribution) if t.predicate == _TYPE])
    return own_context(focus, read, back)


def own_blank_nodes(contribution: Sequence[ox.Triple],
                    ) -> tuple[list[ox.Triple], dict[object, object]]:
    """A contribution's blank nodes are its own (RDF scopes them to their document), not
    the store's nodes that happen to carry the same labels: ``contribution`` with each of
    them renamed to a fresh node for reading the store, and the way back (fresh →
    original)."""
    apart = FreshBlankNodes()
    renamed = [apart.triple(t) for t in contribution]
    return renamed, {new: old for old, new in apart.fresh.items()}


def own_context(focus: set[object], read: set[ox.Triple], back: dict[object, object]) -> Context:
    """The :class:`Context` in the contribution's own labels: its blank nodes named as it
    names them again, and every store blank node labelled like one of them renamed apart,
    so that validating the contribution with the context never merges the two."""
    apart: dict[object, ox.BlankNode] = {original: ox.BlankNode() for original in back.values()}

    @overload
    def stored(term: _T) -> _T | ox.BlankNode: ...
    @overload
    def stored(term: object) -> object: ...
    def stored(term: object) -> object:
        return apart.get(term, term)

    triples = {ox.Triple(stored(t.subject), t.predicate, stored(t.object))
               for t in read} if apart else read
    # the focus is the contribution's subjects and objects (and nodes on chains): terms
    return Context(focus=cast(set[ox.NamedNode | ox.BlankNode | ox.Literal],
                              {back.get(n, stored(n)) for n in focus}),
                   triples=triples)


def validate_contribution(contribution: Sequence[ox.Triple], store: ox.Store,
                          shapes: Shapes, *, vocabulary: bool = True) -> tuple[Report, Context]:
    """Validate ``contribution`` against ``store`` incrementally.

    Returns the report about the contribution's nodes and the :class:`Context` read.
    ``vocabulary``: add the ontology and schemes of ``shapes`` to what is validated (the
    store usually holds them too; they are small and constant).
    """
    context = touched_context(contribution, store, shapes)
    scratch = ox.Store()
    scratch.extend(_quads(contribution))
    scratch.extend(_quads(context.triples))
    if vocabulary:
        scratch.extend(_quads(shapes.vocabulary_triples))
    report = validate_store(scratch, shapes)
    focus = {_node_text(n) for n in context.focus}
    return Report([f for f in report.findings if f.focus in focus]), context


def validate_with_sparql(triples: Sequence[ox.Triple], *, context: object,
                         shapes: Shapes) -> Report:
    """The ``engine="sparql"`` side of :func:`graphkit.validation.validate`.

    ``context`` is either triples (validated together with ``triples`` and the
    vocabulary) or a store (pyoxigraph ``Store`` or graphkit ``OxigraphStore``), which is
    then read incrementally (:func:`validate_contribution`).
    """
    store = _as_store(context)
    if store is not None:
        return validate_contribution(triples, store, shapes)[0]
    if not isinstance(context, Iterable):
        raise UsageError(f"cannot use a {type(context).__name__} as validation context")
    scratch = ox.Store()
    scratch.extend(_quads(shapes.vocabulary_triples))
    scratch.extend(_quads(context))
    scratch.extend(_quads(triples))
    return validate_store(scratch, shapes)


def _as_store(context: object) -> ox.Store | None:
    if isinstance(context, ox.Store):
        return context
    raw = getattr(context, "raw", None)
    return raw if isinstance(raw, ox.Store) else None


def _quads(triples: Iterable[ox.Triple | ox.Quad]) -> Iterable[ox.Quad]:
    return (ox.Quad(t.subject, t.predicate, t.object) for t in triples)


def class_closure(classes: Iterable[object], hierarchy: dict[object, set[object]],
                  triples_of: Callable[[object], Iterable[ox.Triple]]) -> set[str]:
    """The IRIs of ``classes`` and of every class above them, through ``hierarchy`` (the
    vocabulary's ``rdfs:subClassOf``) and the ``rdfs:subClassOf`` triples ``triples_of``
    gives for a node (what the store says)."""
    seen: set[object] = set()
    todo = list(classes)
    while todo:
        node = todo.pop()
        if node in seen or isinstance(node, ox.Literal):
            continue
        seen.add(node)
        todo.extend(hierarchy.get(node, ()))
        todo.extend(t.object for t in triples_of(node) if t.predicate == _SUBCLASS)
    return {getattr(c, "value", "") for c in seen}
