"""SPARQL-based targets that select only the nodes a rule can report (shapes/rules.ttl,
"Targets") give the same results as the rule's natural targets.

Both engines read the same ``sh:target``, so the differential test against pySHACL cannot
see a target that misses a node; this test validates every shapes case, and synthetic
graphs with every injected error, once with the shapes as they are and once with each
SPARQL-based target replaced by the natural targets its shape keeps as annotations
(``ogksh:naturalTargetClass``, ``ogksh:naturalTargetSubjectsOf``), and requires the same
findings.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest

from graphkit.validation import Shapes, load_shapes, validate
from tests.shapes.cases import Case, load_cases
from tests.support import PROJECT
from tests.test_validation_engine import differences, with_every_error

SH = "http://www.w3.org/ns/shacl#"
OGKSH = "https://w3id.org/ogkg/shapes#"
NATURAL = {OGKSH + "naturalTargetClass": SH + "targetClass",
           OGKSH + "naturalTargetSubjectsOf": SH + "targetSubjectsOf"}


def with_natural_targets(shapes: Shapes) -> Shapes:
    """The shapes with every sh:target (and its description) replaced by the natural targets."""
    triples = shapes.shape_triples
    custom = {t.object for t in triples if t.predicate.value == SH + "target"}
    kept = [t for t in triples
            if t.predicate.value != SH + "target" and t.subject not in custom]
    kept += [ox.Triple(t.subject, ox.NamedNode(NATURAL[t.predicate.value]), t.object)
             for t in triples if t.predicate.value in NATURAL]
    return dataclasses.replace(shapes, shape_triples=tuple(kept))


@pytest.fixture(scope="module")
def both() -> tuple[Shapes, Shapes]:
    shapes = load_shapes(PROJECT)
    return shapes, with_natural_targets(shapes)


def test_every_sparql_target_has_natural_targets(both: tuple[Shapes, Shapes]) -> None:
    shapes, natural = both
    targeted = {t.subject for t in shapes.shape_triples if t.predicate.value == SH + "target"}
    annotated = {t.subject for t in shapes.shape_triples if t.predicate.value in NATURAL}
    assert targeted and targeted == annotated
    assert not any(t.predicate.value == SH + "target" for t in natural.shape_triples)


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.name)
def test_case_findings_are_those_of_the_natural_targets(
        case: Case, both: tuple[Shapes, Shapes]) -> None:
    shapes, natural = both
    found = validate(case.path, engine="sparql", shapes=shapes)
    assert found.keys() == validate(case.path, engine="sparql", shapes=natural).keys()
    assert found.keys() == case.expected  # the cases' own expectations still hold


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_injected_errors_are_found_with_either_targets(
        seed: int, both: tuple[Shapes, Shapes]) -> None:
    shapes, natural = both
    triples = with_every_error(30, seed)
    found = validate(triples, engine="sparql", shapes=shapes)
    expected = validate(triples, engine="sparql", shapes=natural)
    assert found.keys() == expected.keys(), differences(found, expected)
    rules = {f.shape for f in found.findings if f.component == SH + "SPARQLConstraintComponent"}
    assert len(rules) >= 5  # the rules behind SPARQL-based targets did report
