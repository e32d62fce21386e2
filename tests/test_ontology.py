"""The ontology (``ontology/ogk.ttl``), its SKOS schemes and the curators' guide.

What is checked, and why each check can fail:

* every file parses with rdflib and with pyoxigraph;
* an OWL 2 RL closure (owlrl) of ontology + schemes derives no member of ``owl:Nothing``, no
  inconsistency and no punning (an IRI both class and property);
* together with the verified axioms of the reused vocabularies (``EXTERNAL_AXIOMS``), every ogk:
  class has a consistent instance and every ogk: property can be used on the subjects and objects
  it is documented for (``schema:domainIncludes`` / ``schema:rangeIncludes``), so no domain or
  range mis-types a valid use;
* every ogk: term is labelled, commented, defined by the ontology and aligned to an external
  vocabulary; every external IRI belongs to an allow-listed vocabulary and exists in it;
* every concept sits in exactly one scheme under a slug IRI, with one English preferred label, a
  definition and a well-formed hierarchy; every theme maps to a value;
* the Turtle examples of ``docs/modelling.md`` parse, use only defined terms, are consistent with
  the ontology, and quote the seed texts verbatim; the registry mints well-formed, unique IRIs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VANN
from rdflib.term import Identifier, Node

from graphkit.namespaces import OUTPUT_PREFIXES
from tests.support import shared_path
from tests.vocabulary import (
    ALIGNMENT_PREDICATES,
    ALLOWED_OTHER_IRIS,
    ALLOWED_VOCABULARIES,
    CC_BY,
    ENTITY_KINDS,
    EXPECTED_SCHEMES,
    EXTERNAL_AXIOMS,
    GUIDE,
    ID_BASE,
    OGK,
    ONTOLOGY_IRI,
    OWN_BASE,
    PROBE,
    PROPERTY_TYPES,
    SCHEME_BASE,
    SCHEME_DIR,
    SLUG,
    VERSION_IRI,
    closure,
    concepts,
    english,
    guide_examples,
    guide_graph,
    guide_prefixes,
    logical,
    normalise,
    ontology,
    own_terms,
    problems,
    schemes,
    vocabulary,
    vocabulary_files,
)


@pytest.fixture(scope="session")
def vocabulary_closure() -> Graph:
    """The OWL 2 RL closure of ontology + schemes, computed once for the session (read-only)."""
    return closure(vocabulary())


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("path", vocabulary_files(), ids=lambda p: p.name)
def test_vocabulary_file_parses_with_rdflib(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 0


@pytest.mark.parametrize("path", vocabulary_files(), ids=lambda p: p.name)
def test_vocabulary_file_parses_with_pyoxigraph(path: Path) -> None:
    triples = list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) == len(Graph().parse(path, format="turtle"))


def test_every_expected_scheme_file_is_present() -> None:
    assert {p.stem for p in SCHEME_DIR.glob("*.ttl")} == EXPECTED_SCHEMES


# ----------------------------------------------------------------------------- metadata


def test_ontology_header() -> None:
    graph = ontology()
    assert set(graph.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY_IRI}
    assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == VERSION_IRI
    version = graph.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert version is not None and str(VERSION_IRI).endswith("/" + str(version))
    for prop in (DCTERMS.title, DCTERMS.description):
        assert english(graph.objects(ONTOLOGY_IRI, prop)), f"no English {prop}"
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == CC_BY
    assert graph.value(ONTOLOGY_IRI, DCTERMS.creator) is not None
    for prop in (DCTERMS.created, DCTERMS.modified):
        value = graph.value(ONTOLOGY_IRI, prop)
        assert isinstance(value, Literal) and value.datatype == ns.XSD.date, prop
    assert str(graph.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "ogk"
    assert str(graph.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == str(OGK)
    assert not graph.value(ONTOLOGY_IRI, OWL.imports), "external vocabularies are referenced, not imported"


@pytest.mark.parametrize("path", sorted(SCHEME_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_scheme_file_starts_with_its_metadata(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    scheme = URIRef(SCHEME_BASE + path.stem)
    assert set(graph.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme}
    assert english(graph.objects(scheme, DCTERMS.title))
    assert english(graph.objects(scheme, DCTERMS.description))
    assert graph.value(scheme, DCTERMS.license) == CC_BY
    assert graph.value(scheme, OWL.versionInfo) is not None
    assert graph.value(scheme, DCTERMS.created) is not None
    first_statement = next(line for line in path.read_text(encoding="utf-8").splitlines()
                           if line.strip() and not line.startswith(("#", "@prefix")))
    assert first_statement.strip() == f"<{scheme}>", "the scheme's own description comes first"


# ----------------------------------------------------------------------------- reasoning


def test_owl_rl_closure_of_vocabulary_is_consistent(vocabulary_closure: Graph) -> None:
    assert problems(vocabulary_closure) == []


def test_owl_rl_closure_has_no_punning(vocabulary_closure: Graph) -> None:
    graph = vocabulary_closure
    classes = {s for s in graph.subjects(RDF.type, OWL.Class)} | {s for s in graph.subjects(RDF.type, RDFS.Class)}
    for s, o in graph.subject_objects(RDFS.subClassOf):
        classes |= {s, o}
    properties: set[object] = set()
    for kind in PROPERTY_TYPES:
        properties |= set(graph.subjects(RDF.type, kind))
    for predicate in (RDFS.subPropertyOf, OWL.inverseOf, OWL.equivalentProperty):
        for s, o in graph.subject_objects(predicate):
            properties |= {s, o}
    punned = {t for t in classes & properties if isinstance(t, URIRef)}
    assert punned == set()


def test_every_class_has_a_consistent_instance_under_the_reused_vocabularies() -> None:
    graph = logical(ontology())  # the schemes add nothing that these probes could clash with
    graph.parse(data=EXTERNAL_AXIOMS, format="turtle")
    source = PROBE["source"]
    for cls in sorted(own_terms(graph)):
        if (cls, RDF.type, OWL.Class) in graph:
            individual = PROBE[cls.split("#")[1]]
            graph.add((individual, RDF.type, cls))
            graph.add((individual, PROV.wasDerivedFrom, source))  # every entity carries evidence
    assert problems(closure(graph)) == []


AGENTS = (OGK.Person, OGK.Organisation, OGK.Network)
UNDOCUMENTED = (OGK.Organisation, OGK.Network, OGK.Initiative, OGK.Publication, OGK.Event)


def _instances_for(cls: object) -> tuple[object, ...]:
    """Classes to instantiate for a documented subject or object type."""
    if cls == FOAF.Agent:
        return AGENTS
    if cls == ORG.Organization:
        return (OGK.Organisation, OGK.Network)
    return (cls,)


def _probe_node(graph: Graph, cls: object, name: str) -> URIRef:
    node = PROBE[name]
    graph.add((node, RDF.type, cast(Node, cls)))  # a class of the ontology
    if cls != SKOS.Concept:
        graph.add((node, PROV.wasDerivedFrom, PROBE["source"]))  # every entity carries evidence
    return node


def _probe_name(cls: object) -> str:
    """One probe individual per class, shared by every documented use of every property.

    Sharing is stricter than one pair of individuals per use: the shared graph is a homomorphic
    image of the per-use graph, so every clash of a single use still shows, and so does a clash
    between two documented uses on the same kind of subject (a person using both properties).  It
    also keeps the closure small (about 20 individuals instead of 800), which is what makes this
    test quick.  Functional properties get individuals of their own, since sharing would merge
    their values through owl:sameAs.
    """
    return re.sub(r"[^A-Za-z0-9]+", "-", str(cls)).strip("-")


def _probe_literal(graph: Graph, prop: URIRef) -> Literal:
    rng = graph.value(prop, RDFS.range)
    if rng == RDF.langString:
        return Literal("probe", lang="en")
    if rng in (ns.XSD.positiveInteger, ns.XSD.nonNegativeInteger):
        return Literal(7, datatype=cast(URIRef, rng))
    if rng == ns.XSD.string:
        return Literal("probe")
    return Literal("2024", datatype=ns.XSD.gYear)


def test_every_property_can_be_used_as_documented_without_inconsistency() -> None:
    onto = ontology()
    graph = logical(onto)
    graph.parse(data=EXTERNAL_AXIOMS, format="turtle")
    count = 0
    functional = {p for kind in (OWL.FunctionalProperty, OWL.InverseFunctionalProperty)
                  for p in onto.subjects(RDF.type, kind)}
    for prop in sorted(own_terms(onto)):
        if (prop, RDF.type, OWL.Class) in onto:
            continue
        literal = (prop, RDF.type, OWL.DatatypeProperty) in onto
        shared = prop not in functional  # values of a functional property would be merged
        # (the terms of a parsed graph are Identifiers, which sort)
        subjects = cast("set[Identifier]", set(onto.objects(prop, RDFS.domain))
                        | set(onto.objects(prop, ns.SDO.domainIncludes)))
        objects = cast("set[Identifier]", set(onto.objects(prop, RDFS.range))
                       | set(onto.objects(prop, ns.SDO.rangeIncludes)))
        for s_cls in sorted(subjects or UNDOCUMENTED):
            for o_cls in [None] if literal else sorted(objects or UNDOCUMENTED):
                for s_type in _instances_for(s_cls):
                    for o_type in [None] if literal else _instances_for(o_cls):
                        count += 1
                        subject = _probe_node(graph, s_type, _probe_name(s_type) if shared else f"s{count}")
                        value = (_probe_literal(onto, prop) if o_type is None
                                 else _probe_node(graph, o_type, _probe_name(o_type) if shared else f"o{count}"))
                        graph.add((subject, prop, value))
    assert count > 100
    assert problems(closure(graph)) == []


# ----------------------------------------------------------------------------- terms


def test_every_ogk_term_is_declared_labelled_commented_and_defined_by_the_ontology() -> None:
    graph = ontology()
    used = {t for triple in graph for t in triple if isinstance(t, URIRef) and t.startswith(str(OGK))}
    terms = own_terms(graph)
    assert used <= terms, f"used but not declared: {sorted(used - terms)}"
    assert len(terms) > 60
    for term in sorted(terms):
        assert len(english(graph.objects(term, RDFS.label))) == 1, f"{term}: one English label"
        assert english(graph.objects(term, RDFS.comment)), f"{term}: English comment"
        assert graph.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI, f"{term}: rdfs:isDefinedBy"


def test_every_ogk_term_is_aligned_to_an_external_vocabulary() -> None:
    graph = ontology()
    terms = own_terms(graph)

    def aligned(term: Node, seen: frozenset[Node] = frozenset()) -> bool:
        for predicate in ALIGNMENT_PREDICATES:
            for target in graph.objects(term, predicate):
                if isinstance(target, URIRef) and not target.startswith(OWN_BASE):
                    return True
                if target in terms and target not in seen and aligned(target, seen | {term}):
                    return True
        return False

    assert [t for t in sorted(terms) if not aligned(t)] == []


def test_every_external_iri_is_from_an_allowed_vocabulary_and_exists_there() -> None:
    graph = vocabulary()
    bad: list[str] = []
    for iri in sorted({t for triple in graph for t in triple if isinstance(t, URIRef)}):
        if iri.startswith(OWN_BASE) or iri in ALLOWED_OTHER_IRIS:
            continue
        namespace = max((base for base in ALLOWED_VOCABULARIES if iri.startswith(base)), key=len, default=None)
        if namespace is None:
            bad.append(f"{iri}: not from an allowed vocabulary")
            continue
        vocabulary_terms = ALLOWED_VOCABULARIES[namespace]
        known = (iri[len(namespace):] in vocabulary_terms if isinstance(vocabulary_terms, frozenset)
                 else iri in vocabulary_terms)
        if not known:
            bad.append(f"{iri}: not a term of {namespace}")
    assert bad == []


@pytest.mark.parametrize("path", [*vocabulary_files(), GUIDE], ids=lambda p: p.name)
def test_schema_org_is_always_https(path: Path) -> None:
    assert "http://schema.org" not in path.read_text(encoding="utf-8")


def test_design_traps_are_avoided(vocabulary_closure: Graph) -> None:
    graph = ontology()
    closed = vocabulary_closure  # ontology + schemes: a trap absent here is absent from the ontology's
    for cls in (OGK.Network, OGK.WorkingBody):
        assert (cls, RDFS.subClassOf, ORG.OrganizationalCollaboration) not in closed
    for cls in (OGK.Event, OGK.Meeting, OGK.AgendaItem, OGK.EventSeries, OGK.Initiative):
        assert (cls, RDFS.subClassOf, PROV.Activity) not in closed, cls
    assert not set(graph.subject_objects(ns.DCAT.startDate))
    assert (OGK.quote, RDFS.subPropertyOf, PROV.value) not in closed


# ----------------------------------------------------------------------------- schemes


def test_every_concept_is_in_exactly_one_scheme_under_a_slug_iri() -> None:
    graph = schemes()
    declared = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert {str(s).removeprefix(SCHEME_BASE) for s in declared} == EXPECTED_SCHEMES
    for concept in sorted(concepts(graph)):
        in_schemes = set(graph.objects(concept, SKOS.inScheme))
        assert len(in_schemes) == 1 and in_schemes <= declared, concept
        scheme = str(next(iter(in_schemes)))
        assert concept.startswith(scheme + "/"), f"{concept} is not under {scheme}/"
        assert SLUG.fullmatch(concept[len(scheme) + 1:]), f"{concept}: slug rule"


def test_every_concept_has_one_english_preferred_label_and_a_definition() -> None:
    graph = schemes()
    for concept in sorted(concepts(graph)):
        labels = list(graph.objects(concept, SKOS.prefLabel))
        assert len(english(labels)) == 1, f"{concept}: exactly one English prefLabel"
        languages = [lab.language for lab in labels if isinstance(lab, Literal)]
        assert len(languages) == len(set(languages)), f"{concept}: one prefLabel per language"
        assert english(graph.objects(concept, SKOS.definition)), f"{concept}: English definition"
        alternatives = set(graph.objects(concept, SKOS.altLabel)) | set(graph.objects(concept, SKOS.hiddenLabel))
        assert not alternatives & set(labels), f"{concept}: preferred and alternative labels overlap"


def test_preferred_labels_are_unique_within_each_scheme() -> None:
    graph = schemes()
    seen: dict[tuple[object, str], URIRef] = {}
    for concept in sorted(concepts(graph)):
        scheme = graph.value(concept, SKOS.inScheme)
        for label in english(graph.objects(concept, SKOS.prefLabel)):
            key = (scheme, str(label).casefold())
            assert key not in seen, f"{concept} and {seen.get(key)} share the label {label}"
            seen[key] = concept


def test_scheme_hierarchies_are_well_formed() -> None:
    graph = schemes()
    for concept in sorted(concepts(graph)):
        scheme = graph.value(concept, SKOS.inScheme)
        broader = set(graph.objects(concept, SKOS.broader))
        tops = set(graph.objects(concept, SKOS.topConceptOf))
        assert bool(broader) != bool(tops), f"{concept}: either a top concept or has a broader one"
        assert tops <= {scheme}
        assert (scheme, SKOS.hasTopConcept, concept) in graph if tops else (
            (scheme, SKOS.hasTopConcept, concept) not in graph), concept
        for parent in broader:
            assert graph.value(parent, SKOS.inScheme) == scheme, f"{concept} -> {parent} crosses schemes"
            assert (parent, SKOS.narrower, concept) in graph, f"{parent} lacks skos:narrower {concept}"
        ancestors, frontier = set(), set(broader)
        while frontier:
            parent = frontier.pop()
            assert parent != concept, f"{concept} is its own ancestor"
            if parent not in ancestors:
                ancestors.add(parent)
                frontier |= set(graph.objects(parent, SKOS.broader))
        assert not set(graph.objects(concept, SKOS.related)) & ancestors, f"{concept}: related to an ancestor"
    for parent, child in graph.subject_objects(SKOS.narrower):
        assert (child, SKOS.broader, parent) in graph


def test_every_theme_maps_to_an_open_government_value() -> None:
    graph = schemes()
    themes_scheme = URIRef(SCHEME_BASE + "themes")
    values = {c for c in concepts(graph) if graph.value(c, SKOS.inScheme) == URIRef(SCHEME_BASE + "values")}
    assert {str(v).rsplit("/", 1)[1] for v in values} >= {
        "transparency", "participation", "accountability", "inclusion", "technology-and-innovation"}
    themes = [c for c in concepts(graph) if graph.value(c, SKOS.inScheme) == themes_scheme]
    assert len(themes) > 40
    for theme in themes:
        targets = set(graph.objects(theme, SKOS.relatedMatch))
        assert targets and targets <= values, f"{theme}: skos:relatedMatch to values only"
        assert not set(graph.objects(theme, SKOS.broadMatch)), f"{theme}: one mapping property only"


def test_role_concepts_are_org_roles() -> None:
    graph = schemes()
    roles = [c for c in concepts(graph) if graph.value(c, SKOS.inScheme) == URIRef(SCHEME_BASE + "roles")]
    assert roles
    for role in roles:
        assert (role, RDF.type, ORG.Role) in graph, role
    wanted = {"chair", "co-chair", "vice-chair", "member", "secretariat", "coordinator", "host", "funder",
              "speaker", "moderator", "contact-point", "adviser", "delegate", "observer", "organiser"}
    assert wanted <= {str(r).rsplit("/", 1)[1] for r in roles}


# ----------------------------------------------------------------------------- what issue 3 asks for

# Every class the issue lists, as the ontology models it: an ogk: class, or a reused ORG class
# (org:Post, org:Membership, org:Role) that the ontology's own axioms or schemes refer to.
ISSUE_CLASSES = {
    "organisation": OGK.Organisation, "network": OGK.Network, "working body": OGK.WorkingBody,
    "working party": OGK.WorkingParty, "working group": OGK.WorkingGroup, "committee": OGK.Committee,
    "person": OGK.Person, "post": ORG.Post, "membership": ORG.Membership, "participation": OGK.Participation,
    "role": ORG.Role, "initiative": OGK.Initiative, "action plan": OGK.ActionPlan, "commitment": OGK.Commitment,
    "publication": OGK.Publication, "event": OGK.Event, "meeting": OGK.Meeting, "agenda item": OGK.AgendaItem,
    "place": OGK.Place, "country": OGK.Country, "source document": OGK.SourceDocument,
}
# Every relation the issue lists: an ogk: property, or a reused one the curators' guide prescribes.
ISSUE_RELATIONS = {
    "convenes": [OGK.convenes], "coordinates": [OGK.coordinates], "chairs": [OGK.chairs],
    "co-chairs": [OGK.coChairs], "hosts": [OGK.hosts], "funds": [OGK.funds],
    "part of": [ORG.subOrganizationOf, OGK.actionPlanOf, OGK.commitmentIn],
    "predecessor": [OGK.predecessor], "builds on": [OGK.buildsOn], "leads": [OGK.leads],
    "delivers": [OGK.delivers], "presents at": [OGK.presentsAt], "adopted": [OGK.adopts],
    "trained": [OGK.trains], "contact point": [OGK.contactPoint],
    "language": [OGK.workingLanguage, DCTERMS.language], "theme": [OGK.theme],
}
# Organisation kinds (org:classification concepts, see ogk:Organisation's scope note) and
# publication kinds the issue names.
ISSUE_CONCEPTS = {
    "organisation-types": {"public-organisation", "parliament", "civil-society-organisation",
                           "international-organisation", "company"},
    "publication-types": {"report", "handbook", "guidebook", "paper", "agenda", "policy-brief"},
}
# Every topic the issue names for the themes scheme, as a preferred or alternative label.
ISSUE_THEMES = {
    "artificial intelligence and openness", "accessibility", "equality", "civil society",
    "information security", "data protection", "communications", "trust", "civic space",
    "democratic freedoms", "disinformation", "digital id", "right to information",
    "legislative openness", "citizen participation", "deliberative democracy", "public communication",
    "green governance", "digital democracy", "gender equality", "access to information",
}
# The parts of the democratic freedoms the seed names ("the rights of citizens and civil society to
# freely associate, assemble and express their views"; "rights of assembly, association,
# expression, and privacy").
DEMOCRATIC_FREEDOMS_PARTS = {"freedom of expression", "freedom of assembly", "freedom of association",
                             "right to privacy"}


def test_every_class_the_issue_lists_is_modelled() -> None:
    graph = vocabulary()
    missing = []
    for name, cls in ISSUE_CLASSES.items():
        if cls.startswith(str(OGK)):
            if (cls, RDF.type, OWL.Class) not in graph:
                missing.append(f"{name}: {cls} is not an owl:Class")
        elif (None, None, cls) not in graph:
            missing.append(f"{name}: the reused {cls} is referred to nowhere")
    for cls in (OGK.WorkingParty, OGK.WorkingGroup, OGK.Committee):
        assert (cls, RDFS.subClassOf, OGK.WorkingBody) in graph, cls
    assert (OGK.Meeting, RDFS.subClassOf, OGK.Event) in graph
    assert (OGK.Country, RDFS.subClassOf, OGK.Place) in graph
    assert missing == []


def test_every_relation_the_issue_lists_is_modelled() -> None:
    onto = ontology()
    guide = {p for _, p, _ in guide_graph()}
    missing = []
    for name, candidates in ISSUE_RELATIONS.items():
        for prop in candidates:
            declared = (prop, RDF.type, OWL.ObjectProperty) in onto
            if not (declared if prop.startswith(str(OGK)) else prop in guide):
                missing.append(f"{name}: {prop}")
    assert missing == []


def test_the_organisation_and_publication_kinds_the_issue_names_are_concepts() -> None:
    graph = schemes()
    for scheme, slugs in ISSUE_CONCEPTS.items():
        for slug in sorted(slugs):
            concept = URIRef(f"{SCHEME_BASE}{scheme}/{slug}")
            assert (concept, RDF.type, SKOS.Concept) in graph, concept
    assert "org:classification" in str(ontology().value(OGK.Organisation, SKOS.scopeNote)), (
        "ogk:Organisation justifies classification over subclasses")


def test_every_topic_the_issue_names_is_a_theme() -> None:
    graph = schemes()
    themes = URIRef(SCHEME_BASE + "themes")
    labels: dict[str, URIRef] = {}
    for concept in concepts(graph):
        if graph.value(concept, SKOS.inScheme) == themes:
            for prop in (SKOS.prefLabel, SKOS.altLabel):
                for label in english(graph.objects(concept, prop)):
                    labels[str(label).casefold()] = concept
    assert sorted(ISSUE_THEMES - set(labels)) == []
    freedoms = labels["democratic freedoms"]
    parts = {str(label).casefold() for part in graph.objects(freedoms, SKOS.narrower)
             for label in english(graph.objects(part, SKOS.prefLabel))}
    assert DEMOCRATIC_FREEDOMS_PARTS <= parts


# ----------------------------------------------------------------------------- the guide


def test_guide_prefix_block_is_only_prefixes() -> None:
    lines = [line for line in guide_prefixes().splitlines() if line.strip()]
    assert lines and all(line.startswith("@prefix ") for line in lines)


def test_the_service_writes_the_guide_prefixes() -> None:
    """Linked-data answers name things with the prefixes curators write (graphkit.namespaces
    OUTPUT_PREFIXES): every prefix of the guide but the illustrative ``ex:``, the same
    namespace under the same name."""
    declared = dict(re.findall(r"@prefix (\w+): +<([^>]+)>", guide_prefixes()))
    declared.pop("ex")  # illustrative only
    assert {p: OUTPUT_PREFIXES.get(p) for p in declared} == declared


@pytest.mark.parametrize("number", range(len(guide_examples())), ids=lambda n: f"example-{n + 1}")
def test_guide_example_parses_with_the_prefix_block(number: int) -> None:
    graph = Graph().parse(data=guide_prefixes() + guide_examples()[number], format="turtle")
    assert len(graph) > 0


def test_guide_uses_only_defined_terms_and_concepts() -> None:
    guide = guide_graph()
    vocab = vocabulary()
    defined = own_terms(vocab) | {s for s in vocab.subjects() if isinstance(s, URIRef)}
    used = {t for triple in guide for t in triple if isinstance(t, URIRef)}
    own = {t for t in used if str(t).startswith((str(OGK), SCHEME_BASE))}
    assert own <= defined, sorted(own - defined)
    assert not {t for t in used if str(t).startswith(OWN_BASE)
                and not str(t).startswith((str(OGK), SCHEME_BASE, ID_BASE))}


def test_guide_examples_are_consistent_with_the_ontology() -> None:
    graph = logical(vocabulary()) + guide_graph()  # the guide's own annotations are kept
    graph.parse(data=EXTERNAL_AXIOMS, format="turtle")
    closed = closure(graph)
    assert problems(closed) == []
    participations = set(closed.subjects(RDF.type, OGK.Participation))
    assert participations
    assert not {p for p in participations if (p, RDF.type, ORG.Membership) in closed}
    assert not {e for e in closed.subjects(RDF.type, OGK.Event) if (e, RDF.type, PROV.Activity) in closed}
    assert not {p for p in closed.subjects(RDF.type, OGK.Person) if (p, RDF.type, ORG.Organization) in closed}
    assert not {c for c in closed.subjects(RDF.type, SKOS.Concept) if (c, RDF.type, PROV.Entity) in closed}


def test_guide_entity_iris_follow_the_pattern() -> None:
    guide = guide_graph()
    text = GUIDE.read_text(encoding="utf-8")
    iris = {str(t) for triple in guide for t in triple if isinstance(t, URIRef) and t.startswith(ID_BASE)}
    iris |= {iri for iri in re.findall(r"`(https://w3id\.org/ogkg/id/[^`]+)`", text) if "<" not in iri}
    assert iris
    for iri in iris:
        path, _, fragment = iri.removeprefix(ID_BASE).partition("#")
        kind, _, slug = path.partition("/")
        assert kind in ENTITY_KINDS and SLUG.fullmatch(slug), iri
        assert not fragment or SLUG.fullmatch(fragment), iri


def test_guide_every_described_iri_has_one_english_label_and_evidence() -> None:
    guide = guide_graph()
    for node in {s for s in guide.subjects(RDF.type) if isinstance(s, URIRef) and s.startswith(ID_BASE)}:
        assert len(english(guide.objects(node, RDFS.label))) == 1, node
        if (node, RDF.type, OGK.SourceDocument) in guide:
            continue
        sources = set(guide.objects(node, PROV.wasDerivedFrom))
        assert sources, f"{node}: prov:wasDerivedFrom"
        qualified = {guide.value(d, PROV.entity) for d in guide.objects(node, PROV.qualifiedDerivation)}
        assert sources <= qualified, f"{node}: a qualified derivation per source"


def registry_sources() -> dict[str, str]:
    """Source IRI -> seed file stem, from the guide's table of source documents (section 9.3)."""
    section = GUIDE.read_text(encoding="utf-8").split("### 9.3", 1)[1]
    rows = re.findall(r"^\| `(https://w3id\.org/ogkg/id/source/[^`]+)` \|[^|]*\| `([^`]+)` \|", section, flags=re.MULTILINE)
    return dict(rows)


def test_guide_registry_lists_every_seed_once() -> None:
    seeds = sorted(p.stem for p in shared_path("seeds").glob("*.txt"))
    sources = registry_sources()
    assert sorted(sources.values()) == seeds
    guide = guide_graph()
    for iri, stem in sources.items():
        identifier = guide.value(URIRef(iri), DCTERMS.identifier)
        assert identifier is None or str(identifier) == stem, iri
    registry = GUIDE.read_text(encoding="utf-8").split("## 9. Registry", 1)[1]
    for table in registry.split("### ")[1:]:
        iris = re.findall(r"^\| `(https://w3id\.org/ogkg/id/[^`]+)`", table, flags=re.MULTILINE)
        assert len(iris) == len(set(iris)), "an IRI is listed twice in one registry table"
        labels = re.findall(r"^\| `https://w3id\.org/ogkg/id/[^`]+` \| ([^|]+) \|", table, flags=re.MULTILINE)
        assert len(labels) == len({label.strip() for label in labels}), "two IRIs share a label"


def test_guide_quotes_are_verbatim_from_the_seeds() -> None:
    seeds = {path.stem: normalise(path.read_text(encoding="utf-8"))
             for path in shared_path("seeds").glob("*.txt")}
    sources = registry_sources()
    guide = guide_graph()
    checked = 0
    for derivation in set(guide.subjects(OGK.quote)):
        stem = sources[str(guide.value(derivation, PROV.entity))]
        for quote in guide.objects(derivation, OGK.quote):
            checked += 1
            assert normalise(str(quote)) in seeds[stem], f"not verbatim in {stem}: {quote}"
    assert checked > 30
