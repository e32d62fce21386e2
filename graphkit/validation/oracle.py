"""The reference engine: pySHACL over rdflib graphs built from pyoxigraph terms.

Slow but standard; the SPARQL engine (:mod:`graphkit.validation.engine`) must agree with it
on every :meth:`~graphkit.validation.report.Finding.key`.  Terms are converted one by one
(not re-parsed), so blank-node ids and literal lexical forms survive the round trip and
findings name the data's own terms.  Inference is off; SHACL-SPARQL (``advanced``) is on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import cast

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Identifier, Literal, Node, URIRef

from graphkit.validation.report import SH, Finding, Report, path_text
from graphkit.validation.shapes import Shapes

__all__ = ["run_pyshacl", "to_rdflib"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SH = rdflib.Namespace(SH)


def to_rdflib(triples: Iterable[ox.Triple | ox.Quad], graph: rdflib.Graph | None = None
              ) -> rdflib.Graph:
    """An rdflib graph holding ``triples``, term for term (blank ids and lexical forms kept)."""
    graph = graph if graph is not None else rdflib.Graph()
    add = graph.add
    cache: dict[object, Node] = {}
    for t in triples:
        add((_term(t.subject, cache), _term(t.predicate, cache), _term(t.object, cache)))
    return graph


def _term(term: object, cache: dict[object, Node]) -> Node:
    found = cache.get(term)
    if found is not None:
        return found
    node: Node
    if isinstance(term, ox.NamedNode):
        node = URIRef(term.value)
    elif isinstance(term, ox.BlankNode):
        node = BNode(term.value)
    elif isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if term.language:
            node = Literal(term.value, lang=term.language, normalize=False)
        elif datatype in (_XSD_STRING, _LANG_STRING):
            node = Literal(term.value, normalize=False)
        else:
            node = Literal(term.value, datatype=URIRef(datatype), normalize=False)
    else:
        raise TypeError(f"RDF-star triple terms are not supported here: {term}")
    cache[term] = node
    return node


def nt(term: Node) -> str:
    """N-Triples text of an rdflib term, written by pyoxigraph (one canonical escaping)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype is not None:
            return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        return str(ox.Literal(str(term)))
    raise TypeError(f"unexpected term {term!r}")


def run_pyshacl(data: rdflib.Graph, shapes: Shapes) -> Report:
    """Validate ``data`` (already holding context and vocabulary) against ``shapes``."""
    import pyshacl

    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes.rdflib_shapes, inference="none", advanced=True,
        allow_infos=True, allow_warnings=True, abort_on_first=False, meta_shacl=False,
        iterate_rules=False)
    shapes_graph = shapes.rdflib_shapes
    findings = []
    # the report's own results; nested ones (sh:detail of an sh:node result) are not findings
    for result in results.objects(None, _SH.result):
        findings.append(_finding(results, result, shapes_graph))
    return Report(findings)


def _finding(results: rdflib.Graph, result: Node, shapes_graph: rdflib.Graph) -> Finding:
    focus = results.value(result, _SH.focusNode)
    path = results.value(result, _SH.resultPath)
    value = results.value(result, _SH.value)
    shape = results.value(result, _SH.sourceShape)
    # graph terms are Identifiers (ordered); rdflib types them as Node
    messages = cast("list[Identifier]", list(results.objects(result, _SH.resultMessage)))
    english = [m for m in messages if isinstance(m, Literal) and m.language in (None, "en")]
    message = str(min(english or messages)) if messages else ""
    return Finding(
        focus=_node_text(focus),
        path=None if path is None else path_text(_path_value(results, path)),
        component=str(results.value(result, _SH.sourceConstraintComponent)),
        severity=str(results.value(result, _SH.resultSeverity)),
        shape=_shape_text(shape, shapes_graph),
        value=None if value is None else nt(value),
        message=message,
    )


def _node_text(node: Node | None) -> str:
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _path_value(graph: rdflib.Graph, node: Node) -> object:
    """A SHACL path node as the nested values :func:`path_text` takes (SHACL §2.3.1)."""
    if isinstance(node, URIRef):
        return str(node)
    for key, kind in ((_SH.inversePath, "inverse"), (_SH.zeroOrMorePath, "zeroOrMore"),
                      (_SH.oneOrMorePath, "oneOrMore"), (_SH.zeroOrOnePath, "zeroOrOne")):
        inner = graph.value(node, key)
        if inner is not None:
            return (kind, _path_value(graph, inner))
    alternatives = graph.value(node, _SH.alternativePath)
    if alternatives is not None:
        return ("alternative", [_path_value(graph, p)
                                for p in rdflib.collection.Collection(graph, alternatives)])
    return ("sequence", [_path_value(graph, p) for p in rdflib.collection.Collection(graph, node)])


def _shape_text(shape: Node | None, shapes_graph: rdflib.Graph) -> str:
    if isinstance(shape, BNode):
        return "_:" + blank_shape_id(shapes_graph, shape)
    return str(shape)


def blank_shape_id(graph: rdflib.Graph, node: BNode) -> str:
    """A stable id for a blank shape: a digest of its description, blank objects described
    recursively, so the same shapes file gives the same id in every run."""
    return "b" + hashlib.sha1(_describe(graph, node, 0).encode("utf-8")).hexdigest()[:16]


def _describe(graph: rdflib.Graph, node: Node, depth: int) -> str:
    if not isinstance(node, BNode) or depth > 8:
        return nt(node) if not isinstance(node, BNode) else "[]"
    lines = sorted(f"{nt(p)} {_describe(graph, o, depth + 1)}"
                   for p, o in graph.predicate_objects(node))
    return "[" + " ; ".join(lines) + "]"
