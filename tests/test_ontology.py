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
from collections.abc import Iterable
from pathlib import Path

import owlrl
import pyoxigraph
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VANN

from tests.support import PROJECT, shared_path

ONTOLOGY = PROJECT / "ontology" / "ogk.ttl"
SCHEME_DIR = PROJECT / "ontology" / "schemes"
GUIDE = PROJECT / "docs" / "modelling.md"

OGK = Namespace("https://w3id.org/ogkg/ns#")
ONTOLOGY_IRI = URIRef("https://w3id.org/ogkg/ns")
VERSION_IRI = URIRef("https://w3id.org/ogkg/ns/0.1.0")
OWN_BASE = "https://w3id.org/ogkg/"
SCHEME_BASE = OWN_BASE + "scheme/"
ID_BASE = OWN_BASE + "id/"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")  # owlrl's error vocabulary
CV = Namespace("http://data.europa.eu/m8g/")
PROBE = Namespace("https://example.org/probe/")

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
EXPECTED_SCHEMES = {"themes", "values", "roles", "organisation-types", "publication-types", "event-types"}
ENTITY_KINDS = {"org", "network", "person", "post", "membership", "initiative", "plan", "commitment",
                "publication", "event", "agenda-item", "place", "source"}

# Vocabularies an external IRI may come from.  Where rdflib ships the vocabulary as a closed
# namespace the term must exist in it; for the SEMIC core vocabularies and Popolo the terms used
# were checked by hand in their own files (CPEV 1.1.0 core-public-event.ttl, CPOV 2.1.1
# core-public-organisation.ttl, popolo-spec contexts/membership.jsonld).
ALLOWED_VOCABULARIES: dict[str, type[ns.DefinedNamespace] | frozenset[str]] = {
    str(RDF): RDF, str(RDFS): RDFS, str(OWL): OWL, str(ns.XSD): ns.XSD, str(SKOS): SKOS,
    str(DCTERMS): DCTERMS, str(VANN): VANN, str(ORG): ORG, str(FOAF): FOAF, str(PROV): PROV,
    str(ns.DCAT): ns.DCAT, str(ns.SDO): ns.SDO,
    str(CV): frozenset({"Participation", "role", "PublicEvent", "PublicOrganisation", "eventNumber",
                        "expectedNumberOfParticipants", "ContactPoint"}),
    "http://www.w3.org/ns/opengov#": frozenset({"post", "onBehalfOf"}),
}
ALLOWED_OTHER_IRIS = {CC_BY}
ALIGNMENT_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
                        OWL.equivalentProperty, OWL.inverseOf, SKOS.exactMatch, SKOS.closeMatch,
                        SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}
PROPERTY_TYPES = {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                  OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.FunctionalProperty,
                  OWL.InverseFunctionalProperty}

# Axioms of the reused vocabularies that can interact with ours, transcribed from their own files
# (W3C ORG org.ttl, PROV-O prov-o.ttl, FOAF 0.1, SEMIC CPOV/CPEV).  Kept to what matters for
# consistency: class hierarchy, domains, ranges and disjointness.
EXTERNAL_AXIOMS = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix cv:   <http://data.europa.eu/m8g/> .

org:Organization rdfs:subClassOf foaf:Agent ; owl:equivalentClass foaf:Organization ;
    owl:disjointWith org:Role , org:Membership , org:Site , org:ChangeEvent .
org:FormalOrganization rdfs:subClassOf org:Organization .
org:OrganizationalUnit rdfs:subClassOf org:Organization .
org:Role rdfs:subClassOf skos:Concept ; owl:disjointWith org:Membership , org:Site , org:ChangeEvent .
org:Membership owl:disjointWith org:Site , org:ChangeEvent .
org:ChangeEvent rdfs:subClassOf prov:Activity .
org:member rdfs:domain org:Membership ; rdfs:range foaf:Agent .
org:organization rdfs:domain org:Membership ; rdfs:range org:Organization .
org:role rdfs:domain [ a owl:Class ; owl:unionOf ( org:Membership org:Post ) ] ; rdfs:range org:Role .
org:heldBy rdfs:domain org:Post ; rdfs:range foaf:Agent .
org:holds rdfs:domain foaf:Agent ; rdfs:range org:Post ; owl:inverseOf org:heldBy .
org:postIn rdfs:domain org:Post ; rdfs:range org:Organization .
org:subOrganizationOf rdfs:domain org:Organization ; rdfs:range org:Organization .
org:classification rdfs:domain org:Organization ; rdfs:range skos:Concept .
org:memberOf rdfs:domain foaf:Agent ; rdfs:range org:Organization .
org:headOf rdfs:domain foaf:Person ; rdfs:range org:Organization ; rdfs:subPropertyOf org:memberOf .
org:reportsTo rdfs:domain foaf:Agent ; rdfs:range foaf:Agent .
org:purpose rdfs:domain org:Organization .
org:linkedTo rdfs:domain org:Organization ; rdfs:range org:Organization .

prov:Activity owl:disjointWith prov:Entity .
prov:Entity owl:disjointWith prov:InstantaneousEvent .
prov:Agent owl:disjointWith prov:InstantaneousEvent .
prov:ActivityInfluence rdfs:subClassOf prov:Influence ; owl:disjointWith prov:EntityInfluence .
prov:EntityInfluence rdfs:subClassOf prov:Influence .
prov:AgentInfluence rdfs:subClassOf prov:Influence .
prov:Derivation rdfs:subClassOf prov:EntityInfluence .
prov:Plan rdfs:subClassOf prov:Entity .
prov:wasDerivedFrom rdfs:domain prov:Entity ; rdfs:range prov:Entity ;
    rdfs:subPropertyOf prov:wasInfluencedBy .
prov:qualifiedDerivation rdfs:domain prov:Entity ; rdfs:range prov:Derivation .
prov:entity rdfs:domain prov:EntityInfluence ; rdfs:range prov:Entity .
prov:agent rdfs:domain prov:AgentInfluence ; rdfs:range prov:Agent .
prov:wasAttributedTo rdfs:domain prov:Entity ; rdfs:range prov:Agent ;
    rdfs:subPropertyOf prov:wasInfluencedBy .
prov:value rdfs:domain prov:Entity .
prov:influenced owl:inverseOf prov:wasInfluencedBy .
prov:wasInfluencedBy
    rdfs:domain [ a owl:Class ; owl:unionOf ( prov:Activity prov:Agent prov:Entity ) ] ;
    rdfs:range [ a owl:Class ; owl:unionOf ( prov:Activity prov:Agent prov:Entity ) ] .

foaf:Person rdfs:subClassOf foaf:Agent ; owl:disjointWith foaf:Organization , foaf:Project .
foaf:Organization rdfs:subClassOf foaf:Agent ; owl:disjointWith foaf:Person , foaf:Document .
foaf:Project owl:disjointWith foaf:Person , foaf:Document .
foaf:Document owl:disjointWith foaf:Organization , foaf:Project .

cv:PublicOrganisation rdfs:subClassOf org:Organization .
cv:role rdfs:domain cv:Participation ; rdfs:range skos:Concept .
"""


# ----------------------------------------------------------------------------- helpers


def vocabulary_files() -> list[Path]:
    return [ONTOLOGY, *sorted(SCHEME_DIR.glob("*.ttl"))]


def load(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def ontology() -> Graph:
    return load([ONTOLOGY])


def vocabulary() -> Graph:
    """Ontology and every scheme in one graph."""
    return load(vocabulary_files())


def schemes() -> Graph:
    return load(sorted(SCHEME_DIR.glob("*.ttl")))


def closure(graph: Graph) -> Graph:
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def problems(graph: Graph) -> list[str]:
    """Members of owl:Nothing and owlrl's inconsistency messages, after a closure."""
    found = [f"{s} is a member of owl:Nothing" for s in graph.subjects(RDF.type, OWL.Nothing)]
    for message in graph.subjects(RDF.type, ERR.ErrorMessage):
        found.extend(str(text) for text in graph.objects(message, ERR.error))
    return sorted(found)


def own_terms(graph: Graph) -> set[URIRef]:
    """Every ogk: IRI declared as a class or property in the ontology."""
    declared = set(graph.subjects(RDF.type, OWL.Class))
    for kind in PROPERTY_TYPES:
        declared |= set(graph.subjects(RDF.type, kind))
    return {t for t in declared if isinstance(t, URIRef) and t.startswith(str(OGK))}


def english(values: Iterable[object]) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal) and v.language == "en"]


def concepts(graph: Graph) -> set[URIRef]:
    return {c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)}


def guide_blocks() -> list[str]:
    return re.findall(r"```turtle\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def guide_prefixes() -> str:
    return guide_blocks()[0]


def guide_examples() -> list[str]:
    return guide_blocks()[1:]


def guide_graph() -> Graph:
    graph = Graph()
    for block in guide_examples():
        graph.parse(data=guide_prefixes() + block, format="turtle")
    return graph


def normalise(text: str) -> str:
    """Seed text as quotes may cite it: markup removed, white space collapsed (guide section 5)."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*#+\s*", "", text, flags=re.M)
    text = text.replace("**", "").replace("*", "")
    return re.sub(r"\s+", " ", text).strip()


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


def test_owl_rl_closure_of_vocabulary_is_consistent() -> None:
    graph = closure(vocabulary())
    assert problems(graph) == []


def test_owl_rl_closure_has_no_punning() -> None:
    graph = closure(vocabulary())
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
    graph = ontology()  # the schemes add nothing that these probes could clash with
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
    graph.add((node, RDF.type, cls))
    if cls != SKOS.Concept:
        graph.add((node, PROV.wasDerivedFrom, PROBE["source"]))  # every entity carries evidence
    return node


def _probe_literal(graph: Graph, prop: URIRef) -> Literal:
    rng = graph.value(prop, RDFS.range)
    if rng == RDF.langString:
        return Literal("probe", lang="en")
    if rng in (ns.XSD.positiveInteger, ns.XSD.nonNegativeInteger):
        return Literal(7, datatype=rng)
    if rng == ns.XSD.string:
        return Literal("probe")
    return Literal("2024", datatype=ns.XSD.gYear)


def test_every_property_can_be_used_as_documented_without_inconsistency() -> None:
    onto = ontology()
    graph = ontology()
    graph.parse(data=EXTERNAL_AXIOMS, format="turtle")
    count = 0
    for prop in sorted(own_terms(onto)):
        if (prop, RDF.type, OWL.Class) in onto:
            continue
        literal = (prop, RDF.type, OWL.DatatypeProperty) in onto
        subjects = set(onto.objects(prop, RDFS.domain)) | set(onto.objects(prop, ns.SDO.domainIncludes))
        objects = set(onto.objects(prop, RDFS.range)) | set(onto.objects(prop, ns.SDO.rangeIncludes))
        for s_cls in sorted(subjects or UNDOCUMENTED):
            for o_cls in [None] if literal else sorted(objects or UNDOCUMENTED):
                for s_type in _instances_for(s_cls):
                    for o_type in [None] if literal else _instances_for(o_cls):
                        count += 1
                        subject = _probe_node(graph, s_type, f"s{count}")
                        value = (_probe_literal(onto, prop) if o_type is None
                                 else _probe_node(graph, o_type, f"o{count}"))
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

    def aligned(term: URIRef, seen: frozenset[URIRef] = frozenset()) -> bool:
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


def test_design_traps_are_avoided() -> None:
    graph = ontology()
    closed = closure(ontology())
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


# ----------------------------------------------------------------------------- the guide


def test_guide_prefix_block_is_only_prefixes() -> None:
    lines = [line for line in guide_prefixes().splitlines() if line.strip()]
    assert lines and all(line.startswith("@prefix ") for line in lines)


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
    graph = vocabulary() + guide_graph()
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
    rows = re.findall(r"^\| `(https://w3id\.org/ogkg/id/source/[^`]+)` \|[^|]*\| `([^`]+)` \|", section, flags=re.M)
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
        iris = re.findall(r"^\| `(https://w3id\.org/ogkg/id/[^`]+)`", table, flags=re.M)
        assert len(iris) == len(set(iris)), "an IRI is listed twice in one registry table"
        labels = re.findall(r"^\| `https://w3id\.org/ogkg/id/[^`]+` \| ([^|]+) \|", table, flags=re.M)
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
