"""Structural checks of the shapes graph, shared by the tests: which constraint components
are used, which shapes lack a name, description or message, which ontology classes lack a
node shape.  Each function returns the list of problems (empty when all is well)."""

from __future__ import annotations

from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
OGK = "https://w3id.org/ogkg/ns#"

#: Parameters of the constraint components the shapes may use: what the SPARQL compiler
#: (graphkit/validation/compile.py) handles.  Keep in step with the header of core.ttl.
ALLOWED_PARAMETERS = frozenset(SH[p] for p in (
    "minCount", "maxCount", "datatype", "class", "nodeKind", "pattern", "flags", "in",
    "hasValue", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "equals",
    "disjoint", "lessThan", "languageIn", "uniqueLang", "or", "sparql"))
#: Every parameter of SHACL Core and SHACL-SPARQL constraint components.
ALL_PARAMETERS = ALLOWED_PARAMETERS | frozenset(SH[p] for p in (
    "node", "not", "and", "xone", "property", "qualifiedValueShape", "qualifiedMinCount",
    "qualifiedMaxCount", "closed", "ignoredProperties", "lessThanOrEquals", "minLength",
    "maxLength"))
CONSTRAINT_PARAMETERS = ALL_PARAMETERS - {SH.property}


def shape_graph(files: list[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def components_outside_list(graph: rdflib.Graph) -> list[str]:
    problems = []
    for s, p, _o in graph:
        if p in ALL_PARAMETERS and p not in ALLOWED_PARAMETERS and p != SH.property:
            problems.append(f"{s} uses {p}, which the SPARQL compiler does not handle")
    for s, members in graph.subject_objects(SH["or"]):
        for member in rdflib.collection.Collection(graph, members):
            params = {p for p in graph.predicates(member) if p in CONSTRAINT_PARAMETERS}
            if len(params) != 1 or not params <= {SH.datatype, SH["class"]}:
                problems.append(f"{s}: sh:or members must each be one sh:datatype or sh:class")
    return problems


def _text(graph: rdflib.Graph, node: rdflib.term.Node, predicate: rdflib.URIRef) -> bool:
    return any(str(v).strip() for v in graph.objects(node, predicate))


def undocumented(graph: rdflib.Graph) -> list[str]:
    """Shapes and SPARQL constraints without sh:name/sh:description, constraints without a
    sh:message telling the contributor what to do."""
    problems = []
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(SH.path, None))
    for shape in shapes:
        for predicate in (SH.name, SH.description):
            if not _text(graph, shape, predicate):
                problems.append(f"{shape} has no {predicate}")
        constrains = any(p in CONSTRAINT_PARAMETERS and p != SH.sparql
                         for p in graph.predicates(shape))
        if constrains and not _text(graph, shape, SH.message):
            problems.append(f"{shape} constrains values but has no sh:message")
        if any("{?" in str(m) or "{$" in str(m) for m in graph.objects(shape, SH.message)):
            problems.append(f"{shape}: only SHACL-SPARQL messages fill in {{?var}} templates")
    for constraint in graph.objects(None, SH.sparql):
        if not _text(graph, constraint, SH.message):
            problems.append(f"SPARQL constraint {constraint} has no sh:message")
        holder = next(iter(graph.subjects(SH.sparql, constraint)))
        for predicate in (SH.name, SH.description):
            if not (_text(graph, constraint, predicate) or _text(graph, holder, predicate)):
                problems.append(f"SPARQL constraint {constraint} has no {predicate}")
    return problems


def classes_without_shape(graph: rdflib.Graph, ontology: Path) -> list[str]:
    onto = rdflib.Graph().parse(ontology, format="turtle")
    targeted = set(graph.objects(None, SH.targetClass))
    return sorted(str(c) for c in onto.subjects(RDF.type, OWL.Class)
                  if str(c).startswith(OGK) and c not in targeted)

OGKSH = "https://w3id.org/ogkg/shapes#"
CASES = Path(__file__).parent / "cases"
#: The annotations that keep the natural targets of a shape whose sh:target is a SPARQL-based
#: target selecting the nodes it can report (shapes/rules.ttl, "Targets").
NATURAL_TARGETS = {rdflib.URIRef(OGKSH + "naturalTargetClass"): SH.targetClass,
                   rdflib.URIRef(OGKSH + "naturalTargetSubjectsOf"): SH.targetSubjectsOf}


def natural_targets(graph: rdflib.Graph, shape: rdflib.term.Node
                    ) -> list[tuple[rdflib.URIRef, rdflib.term.Node]]:
    """(target parameter, value) of a shape: its core targets and its natural targets."""
    kinds = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    found = [(kind, value) for kind in kinds for value in graph.objects(shape, kind)]
    found += [(NATURAL_TARGETS[annotation], value) for annotation in NATURAL_TARGETS
              for value in graph.objects(shape, annotation)]
    return found
