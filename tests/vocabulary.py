"""What the ontology and data tests share: the vocabulary files, the reused vocabularies' terms
and axioms, OWL 2 RL closures and the quote normalisation of docs/modelling.md, section 5.

Used by ``tests/test_ontology.py`` (ontology, schemes, curators' guide) and ``tests/test_data.py``
(the curated graph in ``data/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import owlrl
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VANN
from rdflib.term import _toPythonMapping

from tests.support import PROJECT

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
    """The OWL 2 RL closure of ``graph``, in place.

    owlrl swaps rdflib's process-wide lexical conversions for its own (which, unlike
    rdflib's, reject an ill-formed ``xsd:gYear``) and leaves them so; that would change what
    pySHACL, the validation oracle, reports in every later test. They are put back.
    """
    saved = dict(_toPythonMapping)
    try:
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    finally:
        _toPythonMapping.clear()
        _toPythonMapping.update(saved)
    return graph


# Documentation-only predicates: no OWL 2 RL rule reads them, so a probe closure may leave them
# out (about 40 % of the vocabulary's triples, more than halving each closure's time).  The full
# vocabulary, annotations included, is closed once per session by ``vocabulary_closure``.
ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.isDefinedBy, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel,
               SKOS.definition, SKOS.scopeNote, SKOS.example, DCTERMS.title, DCTERMS.description,
               DCTERMS.created, DCTERMS.modified, DCTERMS.license, DCTERMS.creator, OWL.versionInfo,
               VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri}


def logical(graph: Graph) -> Graph:
    """``graph`` without its documentation triples (see ``ANNOTATIONS``)."""
    kept = Graph()
    for triple in graph:
        if triple[1] not in ANNOTATIONS:
            kept.add(triple)
    return kept


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
    return re.findall(r"```turtle\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)


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
    text = re.sub(r"^\s*#+\s*", "", text, flags=re.MULTILINE)
    text = text.replace("**", "").replace("*", "")
    return re.sub(r"\s+", " ", text).strip()
