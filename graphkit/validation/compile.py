"""Compile a SHACL shapes graph into SPARQL SELECT queries that Oxigraph evaluates.

Each constraint of each shape that has targets becomes one :class:`Check`: a query whose
solutions are the validation results (``?this`` the focus node, ``?value`` the value node,
``?path`` the result path where a SHACL-SPARQL constraint binds it).  Shapes reached only
through ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or`` and ``sh:xone`` are compiled into a
boolean SPARQL expression "the node has a result for this shape" and inlined into the
query of the shape that refers to them.  The rules followed are those of
`SHACL §4 <https://www.w3.org/TR/shacl/#core-components>`_ (core components),
`§2.1.3 <https://www.w3.org/TR/shacl/#targets>`_ (targets, ``rdfs:subClassOf*`` for class
targets), `§5 <https://www.w3.org/TR/shacl/#sparql-constraints>`_ (SHACL-SPARQL) and
`SHACL-AF §5.1 <https://www.w3.org/TR/shacl-af/#SPARQLTarget>`_ (SPARQL-based targets,
``sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this ..." ]``, a sub-select here;
their checks carry an ASK query so that a target without focus nodes skips them).

Pre-binding of ``$this`` (`SHACL §5.2.1 <https://www.w3.org/TR/shacl/#pre-binding>`_) is
done by joining the query's WHERE clause with the shape's targets, so that one query finds
the results of every focus node at once; within the restrictions §5.2.1 places on such
queries (no MINUS, VALUES, SERVICE) that gives the same solutions.

Compiling is pure and cached per shapes graph: :func:`compile_shapes` takes the shape
triples and returns a :class:`CompiledShapes`.

>>> import pyoxigraph as ox
>>> compile_shapes(()).checks
()
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import cast

import pyoxigraph as ox

from graphkit.validation.shapegraph import (
    Graph,
    ShapeCompileError,
    inverse_predicates,
    lit,
    nt,
    shape_id,
)
from graphkit.validation.shapegraph import path as shacl_path

__all__ = ["Check", "CompiledShapes", "ShapeCompileError", "compile_shapes"]

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OGKSH = "https://w3id.org/ogkg/shapes#"
_TYPE = RDF + "type"

#: The datatypes whose ill-formed literals sh:datatype reports (SHACL §4.1.2 leaves the set
#: of recognised datatypes to the processor): those whose lexical space both Oxigraph and
#: rdflib (so pySHACL) check.  A literal of one of them is well-formed exactly when
#: casting it to its own datatype gives it back.  rdflib does not check xsd:gYear and
#: xsd:gYearMonth, so neither engine does; the project's shapes add an sh:pattern there.
CHECKED_DATATYPES = frozenset(XSD + name for name in (
    "integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time",
    "duration", "dayTimeDuration", "yearMonthDuration"))

#: Parameters of the core components compiled here; any other sh: parameter on a shape
#: is refused rather than silently ignored.
_NODE_KINDS = {
    SH + "IRI": "isIRI({v})",
    SH + "BlankNode": "isBlank({v})",
    SH + "Literal": "isLiteral({v})",
    SH + "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))",
    SH + "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    SH + "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
_RANGES = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
_PAIRS = {"lessThan": "<", "lessThanOrEquals": "<="}
_UNSUPPORTED = ("qualifiedValueShape", "rule", "shapesGraph")


@dataclass(frozen=True)
class Check:
    """One compiled constraint: run :attr:`query`, each solution is one result.

    ``value_is_focus``: results have the focus node as value (node-shape constraints and
    SHACL-SPARQL on node shapes without ``?value``).  ``sparql``: a SHACL-SPARQL constraint
    (``?path`` and ``?value`` come from its solutions when bound).  ``target``: for a shape
    with a SPARQL-based target, an ASK query true when the target has a focus node; when it
    is false the check has no result and need not run (several checks share one target)."""

    shape: str
    component: str
    severity: str
    path: str | None
    query: str
    messages: tuple[str, ...]
    value_is_focus: bool = False
    sparql: bool = False
    target: str = ""


@dataclass(frozen=True)
class CompiledShapes:
    """The checks of a shapes graph and what incremental validation must fetch for them.

    ``inbound``: predicates some constraint or target reads *towards* a focus node
    (inverse paths, ``sh:targetObjectsOf``, ``ogksh:inboundContext``), each with the classes
    whose instances need them (``None``: any node, e.g. a shape with other targets than
    ``sh:targetClass``); ``transitive``:
    predicates a rule follows any number of steps (``ogksh:transitiveContext``)."""

    checks: tuple[Check, ...]
    inbound: tuple[tuple[str, frozenset[str] | None], ...]
    transitive: frozenset[str]


def compile_shapes(triples: Iterable[ox.Triple]) -> CompiledShapes:
    """Compile the shapes graph given as triples (cached on the exact set of triples)."""
    return _compile(frozenset(triples))


@lru_cache(maxsize=8)
def _compile(triples: frozenset[ox.Triple]) -> CompiledShapes:
    return _Compiler(Graph(triples)).run()


# ----------------------------------------------------------------------------- compiler

class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.counter = 0
        self.inbound: dict[str, set[str] | None] = {}
        self.classes: set[str] | None = None  # targetClass-only classes of the shape compiled
        self.transitive: set[str] = set()
        self.checks: list[Check] = []
        self.prologue = ""  # PREFIX lines the target of the shape compiled needs

    def fresh(self) -> str:
        self.counter += 1
        return f"?_v{self.counter}"

    # -- which nodes are shapes, and their targets ------------------------------------
    def run(self) -> CompiledShapes:
        g = self.g
        for node in g.subjects(OGKSH + "transitiveContext"):
            self.transitive.update(o.value for o in g.objects(node, OGKSH + "transitiveContext")
                                   if isinstance(o, ox.NamedNode))
        for node in g.subjects(OGKSH + "inboundContext"):
            self.classes = self._only_classes(node)
            self.read_inbound(o.value for o in g.objects(node, OGKSH + "inboundContext")
                              if isinstance(o, ox.NamedNode))
        for shape in self._targeted_shapes():
            if g.is_true(shape, SH + "deactivated"):
                continue
            self.classes = self._only_classes(shape)
            target = self._targets(shape)
            self.checks.extend(self._shape_checks(shape, target))
            self.classes = None
        self.checks.sort(key=lambda c: (c.shape, c.component, c.path or "", c.query))
        inbound = tuple((p, None if c is None else frozenset(c))
                        for p, c in sorted(self.inbound.items()))
        return CompiledShapes(tuple(self.checks), inbound,
                              frozenset(self.transitive))

    def _targeted_shapes(self) -> list[object]:
        g = self.g
        shapes: set[object] = set()
        for key in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            shapes.update(g.subjects(SH + key))
        shapes.update(g.subjects(SH + "target"))
        for kind in (SH + "NodeShape", SH + "PropertyShape"):
            for shape in g.subjects(_TYPE, ox.NamedNode(kind)):
                if self._implicit_class(shape):
                    shapes.add(shape)
        return sorted(shapes, key=str)

    def read_inbound(self, predicates: Iterable[str]) -> None:
        """Note predicates read towards focus nodes of the shape being compiled."""
        for predicate in predicates:
            if predicate in self.inbound and self.inbound[predicate] is None:
                continue
            if self.classes is None:
                self.inbound[predicate] = None
            else:
                # a None entry was skipped above: this one is a set, or new
                cast(set[str], self.inbound.setdefault(predicate, set())).update(self.classes)

    def _only_classes(self, shape: object) -> set[str] | None:
        """The target classes of a shape targeted by sh:targetClass only, else None."""
        g = self.g
        if any(g.objects(shape, SH + k) for k in ("targetNode", "targetSubjectsOf",
                                                  "targetObjectsOf", "target")) \
                or self._implicit_class(shape):
            return None
        classes = {c.value for c in g.objects(shape, SH + "targetClass")
                   if isinstance(c, ox.NamedNode)}
        return classes or None

    def _implicit_class(self, shape: object) -> bool:
        types = {t.value for t in self.g.objects(shape, _TYPE) if isinstance(t, ox.NamedNode)}
        return bool(types & {RDFS + "Class", "http://www.w3.org/2002/07/owl#Class"})

    def _targets(self, shape: object) -> str:
        """A group pattern binding ``?this`` to every focus node of ``shape``, once each."""
        g = self.g
        parts = []
        for c in g.objects(shape, SH + "targetClass"):
            parts.append(f"?this <{RDF}type>/<{RDFS}subClassOf>* {nt(c)} .")
        if self._implicit_class(shape):
            parts.append(f"?this <{RDF}type>/<{RDFS}subClassOf>* {nt(shape)} .")
        nodes = g.objects(shape, SH + "targetNode")
        if nodes:
            parts.append("VALUES ?this { " + " ".join(nt(n) for n in nodes) + " }")
        for p in g.objects(shape, SH + "targetSubjectsOf"):
            parts.append(f"?this {nt(p)} [] .")
        for p in g.objects(shape, SH + "targetObjectsOf"):
            parts.append(f"[] {nt(p)} ?this .")
            self.inbound[cast(ox.NamedNode, p).value] = None  # sh:targetObjectsOf is a predicate IRI
        for custom in g.objects(shape, SH + "target"):
            parts.append(self._sparql_target(shape, custom))
        union = " UNION ".join("{ " + p + " }" for p in parts)
        return "{ SELECT DISTINCT ?this WHERE { " + union + " } }"

    def _sparql_target(self, shape: object, custom: object) -> str:
        """A SPARQL-based target (`SHACL-AF §5.1 <https://www.w3.org/TR/shacl-af/#SPARQLTarget>`_)
        as a sub-select binding ``?this``; its prefixes go in front of the shape's queries."""
        g, sid = self.g, shape_id(self.g, shape)
        select = g.objects(custom, SH + "select")
        if len(select) != 1 or not isinstance(select[0], ox.Literal):
            raise ShapeCompileError(f"{sid}: only SPARQL-based targets (sh:target with one "
                                    "sh:select) are compiled; validate with engine='pyshacl'")
        text = select[0].value
        if re.search(r"[$]\w", text) or re.search(r"\bSERVICE\b", text, re.IGNORECASE):
            raise ShapeCompileError(f"{sid}: a SPARQL-based target with pre-bound variables "
                                    "or SERVICE is not compiled")
        if not re.match(r"\s*SELECT\b[^{]*\?this\b[^{]*\bWHERE\s*\{", text, re.IGNORECASE):
            raise ShapeCompileError(f"{sid}: a SPARQL-based target must be SELECT ... ?this ... "
                                    "WHERE { } (SHACL-AF §5.1)")
        self.prologue += self._prefixes(custom)
        return text

    # -- the checks of one targeted shape ---------------------------------------------
    def _shape_checks(self, shape: object, target: str) -> list[Check]:
        if self.prologue:
            prologue, self.prologue = self.prologue, ""
            ask = f"{prologue}ASK {{ {target} }}"
            return [replace(c, query=prologue + c.query, target=ask)
                    for c in self._shape_checks(shape, target)]
        g = self.g
        checks: list[Check] = []
        is_property = g.value(shape, SH + "path") is not None
        checks.extend(self._constraint_checks(shape, target, is_property))
        if not is_property:
            for prop in g.objects(shape, SH + "property"):
                if g.value(prop, SH + "path") is None:
                    raise ShapeCompileError(f"{shape_id(g, prop)}: a property shape "
                                            "without sh:path (SHACL §2.3)")
                if not g.is_true(prop, SH + "deactivated"):
                    checks.extend(self._constraint_checks(prop, target, True))
        return checks

    def _severity(self, shape: object) -> str:
        value = self.g.value(shape, SH + "severity")
        return value.value if isinstance(value, ox.NamedNode) else SH + "Violation"

    def _messages(self, node: object) -> tuple[str, ...]:
        found = [m for m in self.g.objects(node, SH + "message") if isinstance(m, ox.Literal)]
        english = [m.value for m in found if m.language in (None, "", "en")]
        return tuple(english or [m.value for m in found])

    def _constraint_checks(self, shape: object, target: str, is_property: bool) -> list[Check]:
        g = self.g
        sid, severity, messages = shape_id(g, shape), self._severity(shape), self._messages(shape)
        path_text, path = (None, "")
        if is_property:
            path_text, path = shacl_path(g, g.value(shape, SH + "path"))
            self.read_inbound(inverse_predicates(g, g.value(shape, SH + "path")))
        if g.is_true(shape, SH + "closed"):
            raise ShapeCompileError(f"{sid}: sh:closed is not compiled; validate with "
                                    "engine='pyshacl'")
        for key in _UNSUPPORTED:
            if g.objects(shape, SH + key):
                raise ShapeCompileError(f"{sid}: sh:{key} is not compiled; validate with "
                                        "engine='pyshacl'")
        checks = []

        def add(component: str, body: str, *, has_value: bool = True,
                distinct_focus: bool = False) -> None:
            variables = "?this ?value" if has_value and is_property else "?this"
            query = f"SELECT DISTINCT {variables} WHERE {{ {body} }}"
            checks.append(Check(sid, SH + component, severity, path_text, query, messages,
                                value_is_focus=not is_property and not distinct_focus))

        for component, expression in self._value_expressions(shape, "?value" if is_property
                                                             else "?this"):
            if is_property:
                add(component, f"{target} ?this {path} ?value . FILTER ({expression})")
            else:
                add(component, f"{target} FILTER ({expression})")
        if is_property:
            for component, body, has_value in self._focus_bodies(shape, path):
                add(component, target + " " + body, has_value=has_value)
        else:
            for component, body in self._node_pair_bodies(shape):
                checks.append(Check(sid, SH + component, severity, None,
                                    f"SELECT DISTINCT ?this ?value WHERE {{ {target} {body} }}",
                                    messages))
        for constraint in g.objects(shape, SH + "sparql"):
            if not g.is_true(constraint, SH + "deactivated"):
                checks.append(self._sparql_check(shape, constraint, target, path,
                                                 path_text, is_property))
        return checks

    # -- value-node constraints: one boolean "violates" expression per constraint -----
    def _value_expressions(self, shape: object, v: str) -> list[tuple[str, str]]:
        g = self.g
        out: list[tuple[str, str]] = []
        for c in g.objects(shape, SH + "class"):
            out.append(("ClassConstraintComponent",
                        f"!EXISTS {{ {v} <{RDF}type>/<{RDFS}subClassOf>* {nt(c)} }}"))
        for d in g.objects(shape, SH + "datatype"):
            out.append(("DatatypeConstraintComponent", "!" + _datatype_ok(v, d)))
        for kind in g.objects(shape, SH + "nodeKind"):
            kind_iri = getattr(kind, "value", None)
            if kind_iri not in _NODE_KINDS:
                raise ShapeCompileError(f"{shape_id(g, shape)}: unknown sh:nodeKind {nt(kind)}")
            out.append(("NodeKindConstraintComponent",
                        "!" + _NODE_KINDS[kind_iri].format(v=v)))
        flags = g.value(shape, SH + "flags")
        for pattern in g.objects(shape, SH + "pattern"):
            args = lit(getattr(pattern, "value", ""))
            if isinstance(flags, ox.Literal):
                args += ", " + lit(flags.value)
            out.append(("PatternConstraintComponent",
                        f"(isBlank({v}) || !REGEX(STR({v}), {args}))"))
        for head in g.objects(shape, SH + "in"):
            members = " || ".join(f"sameTerm({v}, {nt(m)})" for m in g.items(head))
            out.append(("InConstraintComponent", f"!({members or 'false'})"))
        for key, op in _RANGES.items():
            for bound in g.objects(shape, SH + key):
                component = key[0].upper() + key[1:] + "ConstraintComponent"
                out.append((component, f"!COALESCE({v} {op} {nt(bound)}, false)"))
        for key, op in (("minLength", "<"), ("maxLength", ">")):
            for bound in g.objects(shape, SH + key):
                component = key[0].upper() + key[1:] + "ConstraintComponent"
                out.append((component, f"(isBlank({v}) || STRLEN(STR({v})) {op} {nt(bound)})"))
        for head in g.objects(shape, SH + "languageIn"):
            tags = " || ".join(f"langMatches(LANG({v}), {nt(t)})" for t in g.items(head))
            out.append(("LanguageInConstraintComponent",
                        f"(!isLiteral({v}) || !({tags or 'false'}))"))
        for other in g.objects(shape, SH + "node"):
            out.append(("NodeConstraintComponent", self.violates(other, v)))
        for other in g.objects(shape, SH + "not"):
            out.append(("NotConstraintComponent", f"!{self.violates(other, v)}"))
        for head in g.objects(shape, SH + "and"):
            parts = [self.violates(s, v) for s in g.items(head)]
            out.append(("AndConstraintComponent", "(" + (" || ".join(parts) or "false") + ")"))
        for head in g.objects(shape, SH + "or"):
            parts = [self.violates(s, v) for s in g.items(head)]
            out.append(("OrConstraintComponent", "(" + (" && ".join(parts) or "true") + ")"))
        for head in g.objects(shape, SH + "xone"):
            parts = [f"IF({self.violates(s, v)}, 0, 1)" for s in g.items(head)]
            out.append(("XoneConstraintComponent", "((" + (" + ".join(parts) or "0") + ") != 1)"))
        if g.value(shape, SH + "path") is None:
            for value in g.objects(shape, SH + "hasValue"):
                out.append(("HasValueConstraintComponent", f"!sameTerm({v}, {nt(value)})"))
        return out

    # -- constraints on the set of value nodes of a property shape --------------------
    def _focus_bodies(self, shape: object, path: str) -> list[tuple[str, str, bool]]:
        g = self.g
        out: list[tuple[str, str, bool]] = []
        x = self.fresh()
        for bound in g.objects(shape, SH + "minCount"):
            n = _count(bound, shape_id(g, shape))
            if n == 1:
                out.append(("MinCountConstraintComponent",
                            f"FILTER NOT EXISTS {{ ?this {path} {x} }}", False))
            elif n > 1:
                out.append(("MinCountConstraintComponent",
                            (f"OPTIONAL {{ SELECT ?this (COUNT(DISTINCT {x}) AS ?_n) WHERE "
                            f"{{ ?this {path} {x} }} GROUP BY ?this }} "
                            f"FILTER (COALESCE(?_n, 0) < {n})"), False))
        for bound in g.objects(shape, SH + "maxCount"):
            n = _count(bound, shape_id(g, shape))
            if n == 0:
                out.append(("MaxCountConstraintComponent", f"?this {path} {x} .", False))
            else:
                out.append(("MaxCountConstraintComponent",
                            (f"{{ SELECT ?this (COUNT(DISTINCT {x}) AS ?_n) WHERE "
                            f"{{ ?this {path} {x} }} GROUP BY ?this }} FILTER (?_n > {n})"),
                            False))
        for value in g.objects(shape, SH + "hasValue"):
            out.append(("HasValueConstraintComponent",
                        f"FILTER NOT EXISTS {{ ?this {path} {nt(value)} }}", False))
        if g.is_true(shape, SH + "uniqueLang"):
            out.append(("UniqueLangConstraintComponent",
                        (f"{{ SELECT ?this WHERE {{ ?this {path} {x} FILTER (LANG({x}) != \"\") }}"
                        f" GROUP BY ?this (LANG({x})) HAVING (COUNT(DISTINCT {x}) > 1) }}"),
                        False))
        for other in g.objects(shape, SH + "equals"):
            out.append(("EqualsConstraintComponent",
                        (f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this {nt(other)} ?value }} }}"
                        f" UNION {{ ?this {nt(other)} ?value "
                        f"FILTER NOT EXISTS {{ ?this {path} ?value }} }}"), True))
        for other in g.objects(shape, SH + "disjoint"):
            out.append(("DisjointConstraintComponent",
                        f"?this {path} ?value . ?this {nt(other)} ?value .", True))
        for key, op in _PAIRS.items():
            for other in g.objects(shape, SH + key):
                component = key[0].upper() + key[1:] + "ConstraintComponent"
                out.append((component, (f"?this {path} ?value . ?this {nt(other)} {x} . "
                                       f"FILTER (!COALESCE(?value {op} {x}, false))"), True))
        return out

    def _node_pair_bodies(self, shape: object) -> list[tuple[str, str]]:
        """sh:equals / sh:disjoint / sh:lessThan(OrEquals) on a node shape: the value node
        is the focus node itself (SHACL §4.4)."""
        g = self.g
        out = []
        for other in g.objects(shape, SH + "equals"):
            out.append(("EqualsConstraintComponent",
                        (f"{{ ?this {nt(other)} ?value FILTER (!sameTerm(?value, ?this)) }} UNION "
                        f"{{ BIND (?this AS ?value) FILTER NOT EXISTS {{ ?this {nt(other)} ?this }} }}")))
        for other in g.objects(shape, SH + "disjoint"):
            out.append(("DisjointConstraintComponent",
                        f"?this {nt(other)} ?this . BIND (?this AS ?value)"))
        for key, op in _PAIRS.items():
            for other in g.objects(shape, SH + key):
                out.append((key[0].upper() + key[1:] + "ConstraintComponent",
                            (f"?this {nt(other)} ?_o . BIND (?this AS ?value) "
                            f"FILTER (!COALESCE(?this {op} ?_o, false))")))
        return out

    # -- nested shapes: "has a result" as one boolean expression -----------------------
    def violates(self, shape: object, v: str, depth: int = 0) -> str:
        """A SPARQL expression true when ``v`` does not conform to ``shape``."""
        g = self.g
        if depth > 12:
            raise ShapeCompileError(f"{shape_id(g, shape)}: shapes nested too deep "
                                    "(recursive shapes are not defined by SHACL)")
        if g.is_true(shape, SH + "deactivated"):
            return "false"
        if g.objects(shape, SH + "sparql"):
            raise ShapeCompileError(f"{shape_id(g, shape)}: SHACL-SPARQL inside sh:node, "
                                    "sh:not, sh:and, sh:or or sh:xone is not compiled")
        parts: list[str] = []
        path_node = g.value(shape, SH + "path")
        shapes = [(shape, path_node)] + [(p, g.value(p, SH + "path"))
                                         for p in (g.objects(shape, SH + "property")
                                                   if path_node is None else [])]
        for node, path_value in shapes:
            if node is not shape and g.is_true(node, SH + "deactivated"):
                continue
            if path_value is None:
                parts += [e for _c, e in self._nested_value(node, v, depth)]
                continue
            path = shacl_path(g, path_value)[1]
            saved, self.classes = self.classes, None  # a nested shape: any value node
            self.read_inbound(inverse_predicates(g, path_value))
            self.classes = saved
            x = self.fresh()
            for _c, e in self._nested_value(node, x, depth):
                parts.append(f"EXISTS {{ {v} {path} {x} FILTER ({e}) }}")
            parts += self._nested_counts(node, v, path)
        return "(" + (" || ".join(parts) or "false") + ")"

    def _nested_value(self, node: object, v: str, depth: int) -> list[tuple[str, str]]:
        saved = self.violates
        deeper = depth + 1

        def nested(shape: object, v: str, depth: int = 0) -> str:
            return saved(shape, v, deeper)

        self.violates = nested  # type: ignore[method-assign]  # deeper for the nested shape's calls
        try:
            return self._value_expressions(node, v)
        finally:
            self.violates = saved  # type: ignore[method-assign]  # the method back

    def _nested_counts(self, node: object, v: str, path: str) -> list[str]:
        g, sid, parts = self.g, shape_id(self.g, node), []
        for bound in g.objects(node, SH + "minCount"):
            n = _count(bound, sid)
            if n > 0:
                xs = [self.fresh() for _ in range(n)]
                parts.append(f"NOT EXISTS {{ {_distinct(v, path, xs)} }}")
        for bound in g.objects(node, SH + "maxCount"):
            xs = [self.fresh() for _ in range(_count(bound, sid) + 1)]
            parts.append(f"EXISTS {{ {_distinct(v, path, xs)} }}")
        for value in g.objects(node, SH + "hasValue"):
            parts.append(f"NOT EXISTS {{ {v} {path} {nt(value)} }}")
        for other in g.objects(node, SH + "disjoint"):
            x = self.fresh()
            parts.append(f"EXISTS {{ {v} {path} {x} . {v} {nt(other)} {x} }}")
        for key in ("equals", "lessThan", "lessThanOrEquals", "uniqueLang"):
            if g.objects(node, SH + key):
                raise ShapeCompileError(f"{sid}: sh:{key} inside a nested shape is not compiled")
        return parts

    # -- SHACL-SPARQL ------------------------------------------------------------------
    def _sparql_check(self, shape: object, constraint: object, target: str, path: str,
                      path_text: str | None, is_property: bool) -> Check:
        g = self.g
        sid = shape_id(g, shape)
        select = g.value(constraint, SH + "select")
        if not isinstance(select, ox.Literal):
            raise ShapeCompileError(f"{sid}: a sh:SPARQLConstraint needs one sh:select "
                                    "(SHACL §5.1)")
        text = select.value
        if re.search(r"\$shapesGraph\b", text) or re.search(r"\bMINUS\b|\bSERVICE\b|\bVALUES\b",
                                                            text, re.IGNORECASE):
            raise ShapeCompileError(f"{sid}: its SPARQL uses $shapesGraph, MINUS, SERVICE or "
                                    "VALUES, which SHACL §5.2.1 does not allow with pre-binding")
        if re.search(r"\$PATH\b", text):
            if not is_property:
                raise ShapeCompileError(f"{sid}: $PATH used in a node shape's SPARQL")
            text = re.sub(r"\$PATH\b", lambda _m: path, text)
        if re.search(r"\$currentShape\b", text):
            if isinstance(shape, ox.BlankNode):
                raise ShapeCompileError(f"{sid}: $currentShape of a blank shape")
            text = re.sub(r"\$currentShape\b", lambda _m: nt(shape), text)
        head = re.search(r"\bSELECT\b\s*(DISTINCT\b|REDUCED\b)?(.*?)\bWHERE\s*\{",
                         text, re.IGNORECASE | re.DOTALL)
        if head is None:
            raise ShapeCompileError(f"{sid}: sh:select is not a SELECT ... WHERE {{ }} query")
        projection = head.group(2)
        if "*" not in projection and not re.search(r"[?$]this\b", projection):
            projection = " ?this " + projection
        query = (text[:head.start()] + "SELECT " + (head.group(1) or "") + projection
                 + " WHERE { " + target + " " + text[head.end():])
        messages = self._messages(constraint) or self._messages(shape)
        return Check(sid, SH + "SPARQLConstraintComponent", self._severity(shape), path_text,
                     self._prefixes(constraint) + query, messages,
                     value_is_focus=not is_property, sparql=True)

    def _prefixes(self, constraint: object) -> str:
        g, lines = self.g, {}
        for ontology in g.objects(constraint, SH + "prefixes"):
            for declaration in g.objects(ontology, SH + "declare"):
                prefix = g.value(declaration, SH + "prefix")
                namespace = g.value(declaration, SH + "namespace")
                if isinstance(prefix, ox.Literal) and isinstance(namespace, ox.Literal | ox.NamedNode):
                    lines[prefix.value] = f"PREFIX {prefix.value}: <{namespace.value}>\n"
        return "".join(lines[p] for p in sorted(lines))


def _count(bound: object, sid: str) -> int:
    try:
        return int(getattr(bound, "value", ""))
    except ValueError:
        raise ShapeCompileError(f"{sid}: a count must be an integer, not {nt(bound)}") from None


def _distinct(v: str, path: str, xs: Sequence[str]) -> str:
    """``v`` has values ``xs`` along ``path``, pairwise different terms."""
    pattern = " ".join(f"{v} {path} {x} ." for x in xs)
    pairs = [f"!sameTerm({a}, {b})" for i, a in enumerate(xs) for b in xs[i + 1:]]
    return pattern + (f" FILTER ({' && '.join(pairs)})" if pairs else "")


def _datatype_ok(v: str, datatype: object) -> str:
    """An expression true when ``v`` is a well-formed literal of ``datatype`` (SHACL §4.1.2)."""
    d = getattr(datatype, "value", "")
    if d == RDFS + "Literal":
        return f"isLiteral({v})"
    if d == RDF + "langString":
        return f"(isLiteral({v}) && LANG({v}) != \"\")"
    check = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), <{d}>)"
    if d in CHECKED_DATATYPES:
        check += f" && COALESCE(sameTerm(<{d}>({v}), {v}), false)"
    return check + ")"
