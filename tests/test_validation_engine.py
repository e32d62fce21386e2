"""The SPARQL validation engine against pySHACL, the oracle.

Differential: on synthetic graphs (``graphkit.synth``) with errors injected by a seeded
random injector, on the curated ``data/`` and on every shapes case of ``tests/shapes/``,
both engines must find the same set of :meth:`Finding.key`.  Incremental: validating a
contribution against a store gives the findings a full validation of store + contribution
gives about the contribution's nodes, while reading only the touched context.

Data goes through an Oxigraph store before either engine sees it, so that both validate
the same terms (Oxigraph stores numbers, booleans and date-times in canonical form).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox
import pytest

from graphkit.synth import synthetic_triples
from graphkit.validation import Shapes, load_shapes, validate
from graphkit.validation.compile import ShapeCompileError, compile_shapes
from graphkit.validation.engine import (
    touched_context,
    validate_contribution,
    validate_store,
)
from graphkit.validation.report import SH, Report
from tests.support import scaled

PROJECT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/ogkg/id/"
OGK = "https://w3id.org/ogkg/ns#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SOURCE = ox.NamedNode("https://w3id.org/ogkg/graph/source/synthetic")
T = TypeVar("T")


# ----------------------------------------------------------------------------- helpers

def synth(orgs: int, seed: int = 1) -> list[ox.Triple]:
    """The synthetic graph as pyoxigraph triples."""
    lines = "".join(f"{s} {p} {o} .\n" for s, p, o, _g in synthetic_triples(orgs=orgs, seed=seed))
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(lines.encode(), format=ox.RdfFormat.N_TRIPLES)]


def canonical(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples as an Oxigraph store keeps them."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in store]


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=n(XSD + datatype))


def of_type(triples: list[ox.Triple], cls: str) -> list[ox.NamedNode]:
    # the entities of the classes asked for are IRIs
    return sorted({cast(ox.NamedNode, t.subject) for t in triples
                   if t.predicate == RDF_TYPE and t.object == n(cls)}, key=str)


Injector = Callable[[random.Random, list[ox.Triple]], None]


def _drop(rng: random.Random, triples: list[ox.Triple], predicate: ox.NamedNode) -> None:
    candidates = [i for i, t in enumerate(triples) if t.predicate == predicate]
    if candidates:
        del triples[rng.choice(candidates)]


def _retype(rng: random.Random, triples: list[ox.Triple], predicate: str,
            value: ox.Literal) -> None:
    candidates = [i for i, t in enumerate(triples) if t.predicate == n(predicate)]
    if candidates:
        i = rng.choice(candidates)
        triples[i] = ox.Triple(triples[i].subject, triples[i].predicate, value)


def _pick(rng: random.Random, triples: list[ox.Triple], cls: str) -> ox.NamedNode:
    return rng.choice(of_type(triples, cls))


INJECTORS: dict[str, Injector] = {
    "delete label": lambda rng, ts: _drop(rng, ts, LABEL),
    "delete source": lambda rng, ts: _drop(rng, ts, DERIVED),
    "second label": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, OGK + "Organisation"), LABEL, ox.Literal("Another name", language="en"))),
    "untagged label": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, OGK + "Person"), LABEL, ox.Literal("No language"))),
    "bad year": lambda rng, ts: _retype(rng, ts, SCHEMA + "foundingDate", typed("20x4", "gYear")),
    "bad month": lambda rng, ts: _retype(rng, ts, SCHEMA + "startDate",
                                         typed("2024-13", "gYearMonth")),
    "date as text": lambda rng, ts: _retype(rng, ts, SCHEMA + "startDate", ox.Literal("2019")),
    "end before start": lambda rng, ts: _retype(rng, ts, SCHEMA + "endDate",
                                                typed("1999", "gYear")),
    "position text": lambda rng, ts: _retype(rng, ts, SCHEMA + "position", ox.Literal("one")),
    "position zero": lambda rng, ts: _retype(rng, ts, SCHEMA + "position", typed("0", "integer")),
    "dangling org": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, ORG + "Membership"), n(ORG + "organization"),
        n(ID + "network/no-such-network"))),
    "dangling theme": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, OGK + "Organisation"), n(OGK + "theme"),
        n("https://w3id.org/ogkg/scheme/themes/no-such-theme"))),
    "self membership": lambda rng, ts: _self_membership(rng, ts),
    "sub-organisation cycle": lambda rng, ts: _cycle(rng, ts),
    "two chairs": lambda rng, ts: _two_chairs(rng, ts),
    "bad slug": lambda rng, ts: ts.extend([
        ox.Triple(n(ID + "org/Bad_Slug"), RDF_TYPE, n(OGK + "Organisation")),
        ox.Triple(n(ID + "org/Bad_Slug"), LABEL, ox.Literal("Bad slug", language="en"))]),
    "http schema.org": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, OGK + "Organisation"), n("http://schema.org/url"), ox.Literal("x"))),
    "unknown ogk property": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, OGK + "Organisation"), n(OGK + "noSuchProperty"), ox.Literal("x"))),
    "organisation heads": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, OGK + "Organisation"), n(ORG + "headOf"),
        _pick(rng, ts, OGK + "Organisation"))),
    "role not a role": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, ORG + "Membership"), n(ORG + "role"),
        n("https://w3id.org/ogkg/scheme/themes/trust"))),
    "member before founding": lambda rng, ts: _early_member(rng, ts),
    "blank evidence without quote": lambda rng, ts: _blank_evidence(rng, ts),
    "literal class value": lambda rng, ts: ts.append(ox.Triple(
        _pick(rng, ts, ORG + "Post"), n(ORG + "postIn"), ox.Literal("an organisation"))),
}


def _self_membership(rng: random.Random, ts: list[ox.Triple]) -> None:
    membership = _pick(rng, ts, ORG + "Membership")
    organisation = next(t.object for t in ts if t.subject == membership
                        and t.predicate == n(ORG + "organization"))
    ts.append(ox.Triple(membership, n(ORG + "member"), organisation))


def _cycle(rng: random.Random, ts: list[ox.Triple]) -> None:
    a, b, c = rng.sample(of_type(ts, OGK + "Organisation"), 3)
    sub = n(ORG + "subOrganizationOf")
    ts.extend([ox.Triple(a, sub, b), ox.Triple(b, sub, c), ox.Triple(c, sub, a)])


def _two_chairs(rng: random.Random, ts: list[ox.Triple]) -> None:
    meeting = _pick(rng, ts, OGK + "Meeting")
    for chair in rng.sample(of_type(ts, OGK + "Organisation"), 2):
        ts.append(ox.Triple(chair, n(OGK + "chairs"), meeting))


def _early_member(rng: random.Random, ts: list[ox.Triple]) -> None:
    membership = _pick(rng, ts, ORG + "Membership")
    organisation = next(t.object for t in ts if t.subject == membership
                        and t.predicate == n(ORG + "organization"))
    assert not isinstance(organisation, ox.Literal)  # a subject below
    ts.append(ox.Triple(organisation, n(SCHEMA + "foundingDate"), typed("2023", "gYear")))


def _blank_evidence(rng: random.Random, ts: list[ox.Triple]) -> None:
    entity = _pick(rng, ts, OGK + "Person")
    derivation = ox.BlankNode("evidence1")
    ts.extend([ox.Triple(entity, n("http://www.w3.org/ns/prov#qualifiedDerivation"), derivation),
               ox.Triple(derivation, RDF_TYPE, n("http://www.w3.org/ns/prov#Derivation")),
               ox.Triple(derivation, n("http://www.w3.org/ns/prov#entity"),
                         n(ID + "source/synthetic-0"))])


def injected(seed: int, orgs: int = 40, count: int = 8) -> tuple[list[ox.Triple], list[str]]:
    rng = random.Random(seed)
    triples = synth(orgs, seed)
    names = rng.sample(sorted(INJECTORS), count)
    for name in names:
        INJECTORS[name](rng, triples)
    return canonical(triples), names


def differences(a: Report, b: Report) -> str:
    only_a, only_b = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
    return f"only sparql: {only_a[:10]}\nonly pyshacl: {only_b[:10]}"


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    return load_shapes()


# ----------------------------------------------------------------------------- tests

def test_every_constraint_of_the_project_shapes_compiles(shapes: Shapes) -> None:
    compiled = compile_shapes(shapes.shape_triples)
    used = {t.predicate.value[len(SH):] for t in shapes.shape_triples
            if t.predicate.value.startswith(SH)}
    expected = {name[0].upper() + name[1:] + "ConstraintComponent" for name in used
                if name in PARAMETERS} | ({"SPARQLConstraintComponent"} if "sparql" in used else set())
    components = {c.component[len(SH):] for c in compiled.checks}
    assert expected and expected <= components
    assert compile_shapes(shapes.shape_triples) is compiled  # cached per shapes graph
    store = ox.Store()
    for check in compiled.checks:  # every query parses and runs
        list(cast(ox.QuerySolutions, store.query(check.query)))  # each check is a SELECT


PARAMETERS = {"minCount", "maxCount", "datatype", "class", "nodeKind", "pattern", "in",
              "hasValue", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
              "minLength", "maxLength", "languageIn", "uniqueLang", "equals", "disjoint",
              "lessThan", "lessThanOrEquals", "node", "not", "and", "or", "xone"}


def with_every_error(orgs: int, seed: int) -> list[ox.Triple]:
    """The synthetic graph of ``orgs`` organisations with every injector applied once."""
    rng = random.Random(seed)
    triples = synth(orgs, seed)
    for name in sorted(INJECTORS):
        INJECTORS[name](rng, triples)
    return canonical(triples)

def test_synthetic_graph_with_every_injected_error_agrees_with_pyshacl(shapes: Shapes) -> None:
    triples = with_every_error(20, 11)
    fast = validate(triples, engine="sparql", shapes=shapes)
    oracle = validate(triples, engine="pyshacl", shapes=shapes)
    assert fast.keys() == oracle.keys(), differences(fast, oracle)
    assert not fast.conforms and len(fast.keys()) > len(INJECTORS)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 1 + scaled(4, 1)))
def test_random_injected_errors_agree_with_pyshacl(shapes: Shapes, seed: int) -> None:
    triples, names = injected(seed, orgs=scaled(40, 12))
    fast = validate(triples, engine="sparql", shapes=shapes)
    oracle = validate(triples, engine="pyshacl", shapes=shapes)
    assert fast.keys() == oracle.keys(), f"injected {names}\n{differences(fast, oracle)}"
    assert not fast.conforms  # the injected errors were found


def test_every_injected_error_is_found(shapes: Shapes) -> None:
    clean = validate(canonical(synth(40, 7)), engine="sparql", shapes=shapes).keys()
    for name, inject in sorted(INJECTORS.items()):
        triples = synth(40, 7)
        inject(random.Random(3), triples)
        found = validate(canonical(triples), engine="sparql", shapes=shapes).keys()
        assert found - clean, f"{name}: no new finding"


@pytest.mark.slow
def test_curated_data_agrees_with_pyshacl(shapes: Shapes) -> None:
    files = sorted((PROJECT / "data").glob("*.ttl"))
    triples = canonical([ox.Triple(q.subject, q.predicate, q.object) for f in files
                         for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)])
    fast = validate(triples, engine="sparql", shapes=shapes)
    oracle = validate(triples, engine="pyshacl", shapes=shapes)
    assert fast.keys() == oracle.keys(), differences(fast, oracle)


# ----------------------------------------------------------------------------- incremental

class RecordingStore:
    """A pyoxigraph store that records every read, and refuses whole-store scans (the
    engine calls nothing but ``quads_for_pattern``: pass it through :meth:`as_store`)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.patterns: list[tuple[object, object, object]] = []
        self.triples = 0
        self.data_triples = 0  # read from the data graph (not the vocabulary)

    def quads_for_pattern(self, subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
                          predicate: ox.NamedNode | None,
                          obj: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
                          graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
                          ) -> list[ox.Quad]:
        assert subject is not None or obj is not None, "a scan over a whole predicate"
        self.patterns.append((subject, predicate, obj))
        found = list(self.store.quads_for_pattern(subject, predicate, obj, graph))
        self.triples += len(found)
        self.data_triples += sum(1 for q in found if q.graph_name == SOURCE)
        return found

    def as_store(self) -> ox.Store:
        return cast(ox.Store, self)


def store_of(triples: list[ox.Triple], shapes: Shapes) -> ox.Store:
    """A store laid out as the project's: data in a source graph, vocabulary beside it."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, SOURCE) for t in triples)
    vocabulary = n("https://w3id.org/ogkg/graph/ontology")
    store.extend(ox.Quad(t.subject, t.predicate, t.object, vocabulary)
                 for t in shapes.vocabulary_triples)
    return store


def contribution_for(existing: list[ox.Triple], seed: int) -> list[ox.Triple]:
    """New entities (a renamed synthetic graph) that point into ``existing``, with errors
    that involve the store: a second chair for an existing meeting, a cycle through
    existing organisations, a membership older than an existing organisation, a second
    label for an existing organisation, a dangling reference."""
    rng = random.Random(seed)
    new = [ox.Triple(_renamed(t.subject), _renamed(t.predicate), _renamed(t.object))
           for t in synth(12, seed + 100)]
    orgs = of_type(existing, OGK + "Organisation")
    meeting = rng.choice(of_type(existing, OGK + "Meeting"))
    a, b, c = rng.sample(orgs, 3)
    sub = n(ORG + "subOrganizationOf")
    existing.extend([ox.Triple(b, sub, c), ox.Triple(c, sub, a)])  # in the store already
    membership = n(ID + "membership/contrib-early")
    new += [
        ox.Triple(rng.choice(orgs), n(OGK + "chairs"), meeting),
        ox.Triple(rng.choice(orgs), n(OGK + "chairs"), meeting),
        ox.Triple(a, sub, b),
        ox.Triple(membership, RDF_TYPE, n(ORG + "Membership")),
        ox.Triple(membership, LABEL, ox.Literal("Early membership", language="en")),
        ox.Triple(membership, DERIVED, n(ID + "source/synthetic-0")),
        ox.Triple(membership, n(ORG + "member"), rng.choice(orgs)),
        ox.Triple(membership, n(ORG + "organization"), a),
        ox.Triple(membership, n(SCHEMA + "startDate"), typed("1801", "gYear")),
        ox.Triple(rng.choice(orgs), LABEL, ox.Literal("A second name", language="en")),
        ox.Triple(rng.choice(orgs), n(OGK + "theme"), n(ID + "org/nobody-defined-this")),
    ]
    return canonical(new)


def _renamed(term: T) -> T:
    if isinstance(term, ox.NamedNode) and "/synthetic-" in term.value and not any(
            kind in term.value for kind in ("/network/", "/source/", "/place/")):
        return cast(T, ox.NamedNode(term.value.replace("/synthetic-", "/contrib-")))
    return term


@pytest.mark.parametrize("seed", range(3))
def test_incremental_equals_full_validation_about_the_contribution(shapes: Shapes, seed: int) -> None:
    existing = synth(400, seed)
    contribution = contribution_for(existing, seed)
    existing = canonical(existing)
    recording = RecordingStore(store_of(existing, shapes))
    incremental, context = validate_contribution(contribution, recording.as_store(), shapes)

    # the store's blank nodes stay apart from the contribution's (synth labels them alike)
    combined = store_of(stored_apart(existing) + contribution, shapes)
    focus = {f"_:{t.value}" if isinstance(t, ox.BlankNode) else getattr(t, "value", "")
             for t in context.focus}
    full = {f.key() for f in validate_store(combined, shapes).findings if f.focus in focus}
    assert incremental.keys() == full
    components = {k[2].rsplit("#", 1)[1] for k in incremental.keys()}  # noqa: SIM118 (a method)
    assert {"SPARQLConstraintComponent", "MaxCountConstraintComponent"} <= components
    rules = {f.shape.rsplit("#", 1)[-1] for f in incremental.findings}
    assert {"MeetingChairRule", "ReferenceRules"} <= rules
    # only the touched context was read: a small share of the store, never a scan
    assert recording.patterns and recording.data_triples < len(existing) / 10
    assert len(context.triples) == len({t for t in context.triples})


def stored_apart(triples: list[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with every blank node relabelled ``stored-…``: what keeping a store's
    blank nodes apart from a contribution's means."""
    def apart(term: T) -> T:
        if isinstance(term, ox.BlankNode):
            return cast(T, ox.BlankNode(f"stored-{term.value}"))
        return term

    return [ox.Triple(apart(t.subject), t.predicate, apart(t.object)) for t in triples]


def blanks_of(triples: Iterable[ox.Triple]) -> set[ox.BlankNode]:
    return {n for t in triples for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)}


def test_a_contributions_blank_nodes_are_its_own(shapes: Shapes) -> None:
    """A contribution's ``_:x`` is not the store's ``_:x``: the context read for it holds
    none of the store's triples about a node labelled alike, and the findings are those of
    validating against a store whose blank nodes carry other labels."""
    existing = canonical(synth(40, 5))
    contribution = contribution_for(list(existing), 5)
    shared = blanks_of(contribution) & blanks_of(existing)
    assert shared, "the case needs blank nodes labelled alike in the store and the contribution"
    store = store_of(existing, shapes)
    context = touched_context(contribution, RecordingStore(store).as_store(), shapes)
    assert not blanks_of(context.triples) & shared
    assert any(t.subject in shared for t in existing)  # the store does describe them
    alike = validate(contribution, context=store, engine="sparql", shapes=shapes)
    other = validate(contribution, context=store_of(stored_apart(existing), shapes),
                     engine="sparql", shapes=shapes)
    assert alike.keys() == other.keys(), differences(alike, other)
    assert alike.findings


def test_incremental_agrees_with_pyshacl_on_the_same_context(shapes: Shapes) -> None:
    existing = synth(40, 5)
    contribution = contribution_for(existing, 5)
    store = store_of(canonical(existing), shapes)
    context = touched_context(contribution, store, shapes)
    fast = validate(contribution, context=store, engine="sparql", shapes=shapes)
    oracle = validate(contribution, context=sorted(context.triples, key=str),
                      engine="pyshacl", shapes=shapes)
    assert fast.keys() == oracle.keys(), differences(fast, oracle)
    assert not fast.conforms


def test_validate_against_a_store_equals_validating_against_all_of_it(shapes: Shapes) -> None:
    """The public API: ``validate(data, context=store)`` reads the touched context only,
    and finds what validating against every triple of the store finds."""
    existing = synth(200, 9)
    contribution = contribution_for(existing, 9)
    store = store_of(canonical(existing), shapes)
    incremental = validate(contribution, context=store, engine="sparql", shapes=shapes)
    everything = [ox.Triple(q.subject, q.predicate, q.object) for q in store]
    full = validate(contribution, context=everything, engine="sparql", shapes=shapes)
    assert incremental.keys() == full.keys()
    assert incremental.findings and not incremental.conforms


def test_every_compiled_component_agrees_with_pyshacl() -> None:
    """A hand-made shapes graph using every component, target and path kind compiled
    (the project's shapes use only some), over data that breaks each of them."""
    from graphkit.validation import Shapes

    path = PROJECT / "tests" / "data" / "validation" / "components.ttl"
    triples = canonical([ox.Triple(q.subject, q.predicate, q.object)
                         for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)])
    shapes = Shapes((), (), tuple(triples), ())
    fast = validate(triples, engine="sparql", shapes=shapes)
    oracle = validate(triples, engine="pyshacl", shapes=shapes)
    assert fast.keys() == oracle.keys(), differences(fast, oracle)
    found = {k[2][len(SH):-len("ConstraintComponent")] for k in fast.keys()}  # noqa: SIM118 (a method)
    assert found >= {"MinCount", "MaxCount", "MinLength", "MaxLength", "UniqueLang",
                     "MinExclusive", "MaxInclusive", "MaxExclusive", "Datatype", "LessThan",
                     "LessThanOrEquals", "Equals", "Disjoint", "NodeKind", "Class", "In",
                     "HasValue", "Node", "Not", "Xone", "Pattern", "LanguageIn", "And", "Or",
                     "SPARQL"}, found
    messages = {f.message for f in fast.findings if f.component == SH + "SPARQLConstraintComponent"}
    assert any(m.startswith("too big: ") and "{" not in m for m in messages)


def test_unsupported_shapes_are_refused_with_the_shape_named() -> None:
    shapes = ox.parse(b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://example.org/S> sh:targetNode <http://example.org/x> ;
            sh:property [ sh:path <http://example.org/p> ;
                          sh:qualifiedValueShape [ sh:class <http://example.org/C> ] ;
                          sh:qualifiedMinCount 1 ] .""", format=ox.RdfFormat.TURTLE)
    with pytest.raises(ShapeCompileError, match="qualifiedValueShape"):
        compile_shapes(ox.Triple(q.subject, q.predicate, q.object) for q in shapes)


SPARQL_TARGET_SHAPES = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix ex: <http://example.org/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
    ex:S a sh:NodeShape ;
        sh:target [ a sh:SPARQLTarget ; sh:prefixes ex:prefixes ;
                    sh:select "SELECT ?this WHERE { ?this a ex:Thing ; ex:size ?size FILTER (?size > 2) }" ] ;
        sh:property [ sh:path ex:label ; sh:minCount 1 ] ;
        sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex:prefixes ; sh:message "too big" ;
                    sh:select "SELECT $this ?value WHERE { $this ex:size ?value FILTER (?value > 5) }" ] .
    """


def test_sparql_based_targets_agree_with_pyshacl() -> None:
    """SHACL-AF §5.1 targets: the query's ?this are the focus nodes, for core and SPARQL
    constraints alike; a target without focus nodes skips its checks."""
    from graphkit.validation import Shapes

    shape_triples = tuple(ox.Triple(q.subject, q.predicate, q.object) for q in
                          ox.parse(SPARQL_TARGET_SHAPES, format=ox.RdfFormat.TURTLE))
    shapes = Shapes((), (), shape_triples, ())
    data = canonical([ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(b"""
        @prefix ex: <http://example.org/> .
        ex:a a ex:Thing ; ex:size 1 .
        ex:b a ex:Thing ; ex:size 3 .
        ex:c a ex:Thing ; ex:size 9 ; ex:label "c" .
        ex:d ex:size 9 .""", format=ox.RdfFormat.TURTLE)])
    fast = validate(data, engine="sparql", shapes=shapes)
    oracle = validate(data, engine="pyshacl", shapes=shapes)
    assert fast.keys() == oracle.keys(), differences(fast, oracle)
    assert {(k[0], k[2][len(SH):]) for k in fast.keys()} == {  # noqa: SIM118 (a method)
        ("http://example.org/b", "MinCountConstraintComponent"),
        ("http://example.org/c", "SPARQLConstraintComponent")}
    compiled = compile_shapes(shape_triples)
    assert all(c.target.lstrip().startswith("PREFIX") for c in compiled.checks)
    store = ox.Store()  # no focus node: the target is asked once and no check runs
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in data
                 if t.subject == n("http://example.org/a"))
    assert len(store) == 2
    assert validate_store(store, compiled).findings == []


@pytest.mark.parametrize("target", [
    b'[ a sh:JSTarget ; sh:jsFunctionName "f" ]',
    b'[ a sh:SPARQLTarget ; sh:select "SELECT ?x WHERE { ?x ?p ?o }" ]',
    b'[ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { $this ?p ?o }" ]'])
def test_unsupported_targets_are_refused_with_the_shape_named(target: bytes) -> None:
    shapes = ox.parse(b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://example.org/S> sh:target """ + target + b""" ;
            sh:property [ sh:path <http://example.org/p> ; sh:minCount 1 ] .""",
                      format=ox.RdfFormat.TURTLE)
    with pytest.raises(ShapeCompileError, match="http://example.org/S"):
        compile_shapes(ox.Triple(q.subject, q.predicate, q.object) for q in shapes)
