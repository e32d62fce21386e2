"""The namespaces the graph uses, with their preferred prefixes.

>>> compact("https://w3id.org/ogkg/ns#Network")
'ogk:Network'
"""

from __future__ import annotations

__all__ = ["OGK", "PREFIXES", "compact", "sparql_prefixes"]

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


def compact(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """``prefix:local`` for an IRI in a known namespace, else ``<iri>``."""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if local and all(c.isalnum() or c in "-_." for c in local) and local[-1] != ".":
                return f"{prefix}:{local}"
    return f"<{iri}>"


def sparql_prefixes(prefixes: dict[str, str] = PREFIXES) -> str:
    """``PREFIX`` lines for a SPARQL query."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
