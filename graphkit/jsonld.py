"""JSON-LD people can read: pyoxigraph writes expanded JSON-LD (every name a whole IRI);
:func:`compacted` gives the same graph with a ``@context`` of prefixes and compact IRIs
(``kgorg:oecd``, ``rdfs:label``), as a linked-data client expects to see it.

It is the compaction of flattened, expanded JSON-LD against a context made of prefix
definitions only (JSON-LD 1.1 §4.1.4, compact IRIs): keys, ``@id``, ``@type`` and literal
datatypes are shortened where a prefix covers the IRI with a plain local name, and
``rdf:type`` becomes ``@type`` (as JSON-LD's own conversion from RDF writes it); blank node
ids, values and languages stay as they are. Every namespace ends with ``/`` or ``#``, so
each prefix may be used to expand a compact IRI (JSON-LD 1.1 §4.2.2).

>>> doc = b'[{"@id":"https://w3id.org/ogkg/id/org/x","http://www.w3.org/2000/01/rdf-schema#label":[{"@value":"X","@language":"en"}]}]'
>>> print(compacted(doc, {"kgorg": "https://w3id.org/ogkg/id/org/",
...                       "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}).decode())
{"@context":{"kgorg":"https://w3id.org/ogkg/id/org/","rdfs":"http://www.w3.org/2000/01/rdf-schema#"},"@graph":[{"@id":"kgorg:x","rdfs:label":[{"@value":"X","@language":"en"}]}]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graphkit.namespaces import compact

__all__ = ["compacted"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def compacted(expanded: bytes, prefixes: Mapping[str, str]) -> bytes:
    """``expanded`` (a JSON-LD array of node objects, as pyoxigraph writes it) with
    ``prefixes`` as its ``@context`` and the IRIs they cover written as compact IRIs."""
    nodes = json.loads(expanded)
    if not isinstance(nodes, list):
        raise TypeError("expected expanded JSON-LD: an array of node objects")
    # longest namespace first, so that a nested namespace wins over the one around it
    namespaces = dict(sorted(prefixes.items(), key=lambda item: -len(item[1])))

    def name(iri: str) -> str:
        written = compact(iri, namespaces)
        return written[1:-1] if written.startswith("<") else written

    def reference(iri: str) -> str:
        return iri if iri.startswith("_:") else name(iri)

    def value(item: dict[str, Any]) -> dict[str, Any]:
        if "@id" in item:
            return {**item, "@id": reference(item["@id"])}
        if "@type" in item:
            return {**item, "@type": name(item["@type"])}
        return item

    def node(item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in item.items():
            if key == "@id":
                out[key] = reference(values)
            elif key == "@type":
                out[key] = [reference(t) for t in values]
            elif key == "@graph":
                out[key] = [node(n) for n in values]
            elif key.startswith("@"):
                out[key] = values
            elif key == _RDF_TYPE and all(set(v) == {"@id"} for v in values):
                out["@type"] = [reference(v["@id"]) for v in values]
            else:
                out[name(key)] = [value(v) for v in values]
        return out

    document = {"@context": dict(prefixes), "@graph": [node(n) for n in nodes]}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
