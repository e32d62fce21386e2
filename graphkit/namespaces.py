"""The namespaces the graph uses, with their preferred prefixes.

>>> compact("https://w3id.org/ogkg/ns#Network")
'ogk:Network'
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

__all__ = ["DATA_PREFIXES", "OGK", "OUTPUT_PREFIXES", "PREFIXES", "compact", "plain_local",
           "prefixes_for", "sparql_prefixes"]

OGK = "https://w3id.org/ogkg/ns#"

PREFIXES: dict[str, str] = {
    "ogk": OGK,
    "id": "https://w3id.org/ogkg/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "cv": "http://data.europa.eu/m8g/",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "spdx": "http://spdx.org/rdf/terms#",
}


#: The prefixes of the curated data (docs/modelling.md §1): one per kind of entity under
#: ``https://w3id.org/ogkg/id/``, one per concept scheme, and the EU authority tables.
DATA_PREFIXES: dict[str, str] = {
    "kgorg": "https://w3id.org/ogkg/id/org/",
    "kgnet": "https://w3id.org/ogkg/id/network/",
    "kginit": "https://w3id.org/ogkg/id/initiative/",
    "kgplan": "https://w3id.org/ogkg/id/plan/",
    "kgcommit": "https://w3id.org/ogkg/id/commitment/",
    "kgpub": "https://w3id.org/ogkg/id/publication/",
    "kgevent": "https://w3id.org/ogkg/id/event/",
    "kgitem": "https://w3id.org/ogkg/id/agenda-item/",
    "kgperson": "https://w3id.org/ogkg/id/person/",
    "kgpost": "https://w3id.org/ogkg/id/post/",
    "kgmember": "https://w3id.org/ogkg/id/membership/",
    "kgplace": "https://w3id.org/ogkg/id/place/",
    "kgsrc": "https://w3id.org/ogkg/id/source/",
    "theme": "https://w3id.org/ogkg/scheme/themes/",
    "role": "https://w3id.org/ogkg/scheme/roles/",
    "orgtype": "https://w3id.org/ogkg/scheme/organisation-types/",
    "pubtype": "https://w3id.org/ogkg/scheme/publication-types/",
    "eventtype": "https://w3id.org/ogkg/scheme/event-types/",
    "value": "https://w3id.org/ogkg/scheme/values/",
    "country": "http://publications.europa.eu/resource/authority/country/",
    "lang": "http://publications.europa.eu/resource/authority/language/",
}

#: What RDF written for people (linked-data pages) may declare: the vocabularies and the
#: data's own prefixes; not ``id:``, under which ``id:org/oecd`` would need an escape.
OUTPUT_PREFIXES: dict[str, str] = {
    **{p: ns for p, ns in PREFIXES.items() if p != "id"}, **DATA_PREFIXES}


#: IRIs Turtle writes without a name: ``a`` for rdf:type, no datatype for xsd:string, and
#: bare numbers and booleans (``3``, ``true``)
_UNWRITTEN = frozenset({"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"} | {
    f"http://www.w3.org/2001/XMLSchema#{name}"
    for name in ("string", "integer", "decimal", "double", "boolean")})


def plain_local(local: str) -> bool:
    """Whether ``local`` is a Turtle local name without escapes (and an XML name's tail)."""
    return bool(local) and local[0] not in "-." and local[-1] != "." and \
        all(c.isalnum() or c in "-_." for c in local)


def prefixes_for(triples: Iterable[ox.Triple],
                 prefixes: dict[str, str] = OUTPUT_PREFIXES) -> dict[str, str]:
    """The ``prefixes`` the triples' IRIs use, in their order: a namespace is declared only
    when every IRI in it has a plain local name, so that the output is free of unused
    declarations and of escaped names (``kginit:x\\#part``); the others stay whole IRIs.

    >>> t = ox.Triple(ox.NamedNode(OGK + "x"), ox.NamedNode(PREFIXES["rdfs"] + "label"),
    ...               ox.Literal("x"))
    >>> sorted(prefixes_for([t]))
    ['ogk', 'rdfs']
    """
    used: dict[str, bool] = {}
    namespaces = list(prefixes.items())
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.Literal) and not term.language:
                term = term.datatype  # written as a name too
            if not isinstance(term, ox.NamedNode) or term.value in _UNWRITTEN:
                continue
            iri = term.value
            for prefix, namespace in namespaces:
                if iri.startswith(namespace):
                    plain = plain_local(iri[len(namespace):])
                    used[prefix] = used.get(prefix, True) and plain
    return {p: ns for p, ns in namespaces if used.get(p)}


def compact(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """``prefix:local`` for an IRI in a known namespace, else ``<iri>``."""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if plain_local(local):
                return f"{prefix}:{local}"
    return f"<{iri}>"


def sparql_prefixes(prefixes: dict[str, str] = PREFIXES) -> str:
    """``PREFIX`` lines for a SPARQL query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
