"""The shapes: every case in tests/shapes/cases on every engine, and checks of the shapes
themselves (components the compiler handles, documentation, one node shape per class,
a positive and a negative case per shape, the curated data conforms)."""

from __future__ import annotations

from typing import cast

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS

from graphkit.validation import Report, Shapes, load_shapes, validate
from graphkit.validation.oracle import blank_shape_id
from tests.shapes import lint
from tests.shapes.cases import Case, load_cases
from tests.shapes.engines import ENGINES
from tests.support import PROJECT, long_run

SH = lint.SH
CASES = load_cases()  # a malformed case file fails collection, naming the file
SHAPE_FILES = [PROJECT / "shapes" / f"{name}.ttl"
               for name in ("core", "recommended", "ranges", "rules")]
#: Shapes that forbid a term: any node they target fails, so their positive case is data
#: without the term (checked below: each holds only ``sh:maxCount 0`` constraints).
PROHIBITIONS = frozenset(lint.OGKSH + name for name in (
    "NoDcatStartDateShape", "NoMemberDuringShape", "NoOrganizationalCollaborationShape"))


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    return load_shapes(PROJECT)


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return lint.shape_graph(SHAPE_FILES)


def targeted_shapes(graph: rdflib.Graph) -> list[rdflib.URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, SH.NodeShape)
                  if isinstance(s, rdflib.URIRef)
                  and (lint.natural_targets(graph, s) or (s, SH.target, None) in graph))


def shape_ids(graph: rdflib.Graph, shape: rdflib.URIRef) -> set[str]:
    """The ``Finding.shape`` values a node shape's own constraints report."""
    ids = {str(shape)}
    for prop in graph.objects(shape, SH.property):
        ids.add("_:" + blank_shape_id(graph, prop) if isinstance(prop, rdflib.BNode)
                else str(prop))
    return ids


def _explain(report: Report, case: Case) -> str:
    actual = report.keys()
    lines = [f"{case.path.name}: {case.title}"]
    lines += [f"  missing    {k}" for k in sorted(case.expected - actual, key=str)]
    lines += [f"  unexpected {f.key()}  {f.message}" for f in report.findings
              if f.key() not in case.expected]
    return "\n".join(lines)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case: Case, engine: str, shapes: Shapes, graph: rdflib.Graph) -> None:
    report = validate(case.path, engine=engine, shapes=shapes)
    assert report.keys() == case.expected, _explain(report, case)
    assert report.conforms == (not any(k[3] == str(SH.Violation) for k in case.expected))
    if engine == "pyshacl" and not case.positive:
        reported = {f.shape for f in report.findings}
        for shape in case.shapes:
            assert shape_ids(graph, rdflib.URIRef(shape)) & reported, (
                f"{case.path.name} names {shape} but nothing it checks fails there")


def test_cases_cover_every_shape_both_ways(graph: rdflib.Graph) -> None:
    shapes = {str(s) for s in targeted_shapes(graph)}
    negative = {s for c in CASES if not c.positive for s in c.shapes}
    positive = {s for c in CASES if c.positive for s in c.shapes}
    assert "all" in positive
    assert sorted(shapes - negative) == []
    assert not negative - shapes, "cases name shapes that do not exist"


def test_positive_base_reaches_every_shape(graph: rdflib.Graph, shapes: Shapes) -> None:
    """Every shape has nodes to check in the positive base (else its positive case would
    prove nothing), except the prohibitions, whose positive case is their absence.  For a
    shape with a SPARQL-based target that selects only the nodes it can report, the nodes
    of its natural targets (tests/shapes/test_targets.py shows both give the same results)."""
    data = rdflib.Graph().parse(lint.CASES / "positive-base.ttl", format="turtle")
    data += shapes.rdflib_vocabulary
    unreached = []
    for shape in targeted_shapes(graph):
        if str(shape) in PROHIBITIONS:
            continue
        if not any(_targets(data, kind, value)
                   for kind, value in lint.natural_targets(graph, shape)):
            unreached.append(str(shape))
    assert unreached == []
    for prohibition in PROHIBITIONS:
        params = {p for prop in graph.objects(rdflib.URIRef(prohibition), SH.property)
                  for p in graph.predicates(prop) if p in lint.CONSTRAINT_PARAMETERS}
        counts = {int(cast(rdflib.Literal, v))
                  for prop in graph.objects(rdflib.URIRef(prohibition), SH.property)
                  for v in graph.objects(prop, SH.maxCount)}
        assert params == {SH.maxCount} and counts == {0}, prohibition


def _targets(data: rdflib.Graph, kind: rdflib.URIRef, value: rdflib.term.Node) -> bool:
    if kind == SH.targetNode:
        return (value, None, None) in data or (None, None, value) in data
    if kind == SH.targetSubjectsOf:
        return (None, value, None) in data
    if kind == SH.targetObjectsOf:
        return any(True for _ in data.objects(None, value))
    classes = set(data.transitive_subjects(RDFS.subClassOf, value))
    return any((None, RDF.type, c) in data for c in classes)


def test_shapes_use_only_components_the_compiler_handles(graph: rdflib.Graph) -> None:
    assert lint.components_outside_list(graph) == []


def test_every_shape_and_constraint_is_documented(graph: rdflib.Graph) -> None:
    assert lint.undocumented(graph) == []


def test_every_ontology_class_has_a_node_shape(graph: rdflib.Graph) -> None:
    assert lint.classes_without_shape(graph, PROJECT / "ontology" / "ogk.ttl") == []


def test_shape_files_carry_their_metadata() -> None:
    for path in SHAPE_FILES:
        g = rdflib.Graph().parse(path, format="turtle")
        ontology = rdflib.URIRef(f"https://w3id.org/ogkg/shapes/{path.stem}")
        dcterms = rdflib.Namespace("http://purl.org/dc/terms/")
        for predicate in (dcterms.title, dcterms.license, rdflib.OWL.versionInfo):
            assert g.value(ontology, predicate) is not None, (path.name, predicate)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES if long_run() else ["sparql"])
def test_curated_data_has_no_violation(engine: str, shapes: Shapes) -> None:
    """The ontology, the schemes and data/*.ttl together: warnings allowed, no violation.

    pySHACL needs minutes here, so it runs in long runs only (``GRAPHKIT_LONG=1``); the
    shortened run still compares both engines on data/ in tests/test_validation_engine.py.
    """
    files = sorted((PROJECT / "data").glob("*.ttl"))
    assert files, "the curated data is missing"
    files += [PROJECT / "ontology" / "ogk.ttl",
              *sorted((PROJECT / "ontology" / "schemes").glob("*.ttl"))]
    report = validate(files, engine=engine, shapes=shapes)
    violations = [f"{f.focus} {f.path} {f.component} {f.value}: {f.message}"
                  for f in report.findings if f.severity == str(SH.Violation)]
    assert violations == []
    assert report.conforms
