"""Reading a SHACL shapes graph: an index of its triples, RDF lists, shape ids and paths.

The helpers :mod:`graphkit.validation.compile` builds its queries from: ``Graph`` (subject →
predicate → objects, in a stable order), :func:`shape_id` (the same ids the oracle gives
blank shapes), and SHACL property paths (`SHACL §2.3.1
<https://www.w3.org/TR/shacl/#property-paths>`_) as SPARQL property-path text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyoxigraph as ox

from graphkit.errors import InputError

__all__ = ["Graph", "ShapeCompileError", "inverse_predicates", "lit", "nt", "path",
           "shape_id"]

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


class ShapeCompileError(InputError):
    """A shapes graph the SPARQL engine cannot compile (malformed, or a feature it lacks).

    The message names the shape and the parameter; ``engine="pyshacl"`` validates such
    shapes with the reference engine."""


class Graph:
    """The shapes graph as subject → predicate → objects, in a stable order."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.index: dict[object, dict[str, list[object]]] = {}
        for t in sorted(triples, key=str):
            self.index.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, node: object, predicate: str) -> list[object]:
        return self.index.get(node, {}).get(predicate, [])

    def value(self, node: object, predicate: str) -> object | None:
        found = self.objects(node, predicate)
        return found[0] if found else None

    def subjects(self, predicate: str, obj: object | None = None) -> list[object]:
        return [s for s, po in self.index.items() if predicate in po
                and (obj is None or obj in po[predicate])]

    def items(self, head: object) -> list[object]:
        """The members of an RDF list."""
        out, node, seen = [], head, set()
        while node != ox.NamedNode(RDF + "nil"):
            if node in seen or self.value(node, RDF + "first") is None:
                raise ShapeCompileError(f"{nt(head)}: not a well-formed RDF list")
            seen.add(node)
            out.append(self.value(node, RDF + "first"))
            node = self.value(node, RDF + "rest")
        return out

    def is_true(self, node: object, predicate: str) -> bool:
        value = self.value(node, predicate)
        return isinstance(value, ox.Literal) and value.value in ("true", "1")


def nt(term: object) -> str:
    """A term in SPARQL/N-Triples syntax (blank nodes as ``_:id``, valid in messages only)."""
    return str(term)


def lit(text: str) -> str:
    return str(ox.Literal(text))


def shape_id(graph: Graph, node: object) -> str:
    """The shape's IRI, or ``_:`` and a digest of a blank shape's description (the same
    digest :func:`graphkit.validation.oracle.blank_shape_id` computes)."""
    if isinstance(node, ox.BlankNode):
        return "_:b" + hashlib.sha1(_describe(graph, node, 0).encode("utf-8")).hexdigest()[:16]
    return str(getattr(node, "value", node))


def _describe(graph: Graph, node: object, depth: int) -> str:
    if not isinstance(node, ox.BlankNode) or depth > 8:
        return nt(node) if not isinstance(node, ox.BlankNode) else "[]"
    lines = sorted(f"<{p}> {_describe(graph, o, depth + 1)}"
                   for p, objects in graph.index.get(node, {}).items() for o in objects)
    return "[" + " ; ".join(lines) + "]"


def path(graph: Graph, node: object) -> tuple[str, str]:
    """(finding path text, SPARQL path text) of a SHACL path node (SHACL §2.3.1)."""
    sparql = _sparqlpath(graph, node, 0)
    finding = node.value if isinstance(node, ox.NamedNode) else sparql
    return finding, sparql


def _sparqlpath(graph: Graph, node: object, depth: int) -> str:
    if depth > 16:
        raise ShapeCompileError(f"{nt(node)}: a SHACL path nested too deep (a cycle?)")
    if isinstance(node, ox.NamedNode):
        return nt(node)
    if not isinstance(node, ox.BlankNode):
        raise ShapeCompileError(f"{nt(node)}: a SHACL path must be an IRI or a blank node")

    def group(inner: object) -> str:
        text = _sparqlpath(graph, inner, depth + 1)
        return text if isinstance(inner, ox.NamedNode) or text.startswith("^<") else f"({text})"

    for key, fmt in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"),
                     ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
        inner = graph.value(node, SH + key)
        if inner is not None:
            return fmt.format(group(inner))
    alternatives = graph.value(node, SH + "alternativePath")
    if alternatives is not None:
        return "|".join(group(p) for p in graph.items(alternatives))
    if graph.value(node, RDF + "first") is not None:
        return "/".join(group(p) for p in graph.items(node))
    raise ShapeCompileError(f"{nt(node)}: not a SHACL path (SHACL §2.3.1)")


def inverse_predicates(graph: Graph, node: object, inverted: bool = False) -> set[str]:
    """Predicates a path follows backwards (those incremental validation reads inbound)."""
    if isinstance(node, ox.NamedNode):
        return {node.value} if inverted else set()
    found: set[str] = set()
    for key, flip in (("inversePath", True), ("zeroOrMorePath", False),
                      ("oneOrMorePath", False), ("zeroOrOnePath", False)):
        inner = graph.value(node, SH + key)
        if inner is not None:
            found |= inverse_predicates(graph, inner, inverted != flip)
    members: list[object] = []
    if graph.value(node, SH + "alternativePath") is not None:
        members = graph.items(graph.value(node, SH + "alternativePath"))
    elif graph.value(node, RDF + "first") is not None:
        members = graph.items(node)
    for member in members:
        found |= inverse_predicates(graph, member, inverted)
    return found
