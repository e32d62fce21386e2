"""The store test material: one graph in four triples formats, one dataset in two, and the
helpers that compare what a store holds with them as graphs (``rdflib.compare``), never as
text. Shared by ``tests/test_store.py`` (the contract on every backend) and
``tests/test_store_backends.py`` (what only some backends do)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graphkit.formats import RdfFormat
from graphkit.stores import GraphInfo, Store
from graphkit.stores.base import LoadSource

EX = "http://example.org/"
G1, G2, G3, G4 = (f"{EX}graph/{name}" for name in ("one", "two", "three", "four"))
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIX = f"PREFIX ex: <{EX}>\n"

# -- fixtures: one graph in four triples formats, one dataset in two ----------------------
SAMPLE: dict[RdfFormat, bytes] = {
    RdfFormat.TURTLE: textwrap.dedent("""\
        @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

        ex:oecd a ex:Organisation ;
            ex:label "OECD"@en , "OCDE"@fr ;
            ex:founded "1961-09-30"^^xsd:date ;
            ex:members 38 ;
            ex:note "line one\\nline \\"two\\" — ünïcødé" ;
            ex:seat [ ex:city "Paris" ; ex:country "FR" ] .
        ex:ogp a ex:Network ;
            ex:member ex:oecd .
        """).encode(),
    RdfFormat.N_TRIPLES: textwrap.dedent(r"""
        <http://example.org/oecd> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Organisation> .
        <http://example.org/oecd> <http://example.org/label> "OECD"@en .
        <http://example.org/oecd> <http://example.org/label> "OCDE"@fr .
        <http://example.org/oecd> <http://example.org/founded> "1961-09-30"^^<http://www.w3.org/2001/XMLSchema#date> .
        <http://example.org/oecd> <http://example.org/members> "38"^^<http://www.w3.org/2001/XMLSchema#integer> .
        <http://example.org/oecd> <http://example.org/note> "line one\nline \"two\" \u2014 \u00FCn\u00EFc\u00F8d\u00E9" .
        <http://example.org/oecd> <http://example.org/seat> _:seat .
        _:seat <http://example.org/city> "Paris" .
        _:seat <http://example.org/country> "FR" .
        <http://example.org/ogp> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Network> .
        <http://example.org/ogp> <http://example.org/member> <http://example.org/oecd> .
        """).encode(),
    RdfFormat.JSON_LD: textwrap.dedent(r"""
        {
          "@context": {"ex": "http://example.org/", "xsd": "http://www.w3.org/2001/XMLSchema#"},
          "@graph": [
            {"@id": "ex:oecd", "@type": "ex:Organisation",
             "ex:label": [{"@value": "OECD", "@language": "en"},
                          {"@value": "OCDE", "@language": "fr"}],
             "ex:founded": {"@value": "1961-09-30", "@type": "xsd:date"},
             "ex:members": 38,
             "ex:note": "line one\nline \"two\" \u2014 ünïcødé",
             "ex:seat": {"ex:city": "Paris", "ex:country": "FR"}},
            {"@id": "ex:ogp", "@type": "ex:Network", "ex:member": {"@id": "ex:oecd"}}
          ]
        }
        """).encode(),
    RdfFormat.RDF_XML: textwrap.dedent("""\
        <?xml version="1.0" encoding="utf-8"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
                 xmlns:ex="http://example.org/">
          <ex:Organisation rdf:about="http://example.org/oecd">
            <ex:label xml:lang="en">OECD</ex:label>
            <ex:label xml:lang="fr">OCDE</ex:label>
            <ex:founded rdf:datatype="http://www.w3.org/2001/XMLSchema#date">1961-09-30</ex:founded>
            <ex:members rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">38</ex:members>
            <ex:note>line one
        line "two" — ünïcødé</ex:note>
            <ex:seat rdf:parseType="Resource">
              <ex:city>Paris</ex:city>
              <ex:country>FR</ex:country>
            </ex:seat>
          </ex:Organisation>
          <ex:Network rdf:about="http://example.org/ogp">
            <ex:member rdf:resource="http://example.org/oecd"/>
          </ex:Network>
        </rdf:RDF>
        """).encode(),
}
DATASET: dict[RdfFormat, bytes] = {
    RdfFormat.TRIG: textwrap.dedent("""\
        @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

        ex:graph\\/two {
            ex:ogp ex:label "Open Government Partnership"@en ;
                ex:founded "2011"^^xsd:gYear ;
                ex:seat [ ex:city "Washington" ] .
        }
        GRAPH <http://example.org/graph/three> {
            ex:ogp ex:label "Partenariat pour un gouvernement ouvert"@fr ;
                ex:member ex:oecd .
        }
        """).encode(),
    RdfFormat.N_QUADS: textwrap.dedent("""
        <http://example.org/ogp> <http://example.org/label> "Open Government Partnership"@en <http://example.org/graph/two> .
        <http://example.org/ogp> <http://example.org/founded> "2011"^^<http://www.w3.org/2001/XMLSchema#gYear> <http://example.org/graph/two> .
        <http://example.org/ogp> <http://example.org/seat> _:dc <http://example.org/graph/two> .
        _:dc <http://example.org/city> "Washington" <http://example.org/graph/two> .
        <http://example.org/ogp> <http://example.org/label> "Partenariat pour un gouvernement ouvert"@fr <http://example.org/graph/three> .
        <http://example.org/ogp> <http://example.org/member> <http://example.org/oecd> <http://example.org/graph/three> .
        """).encode(),
}
TRIPLE_FORMATS = list(SAMPLE)
DATASET_FORMATS = list(DATASET)
RDFLIB = {RdfFormat.TURTLE: "turtle", RdfFormat.TRIG: "trig", RdfFormat.N_TRIPLES: "nt",
          RdfFormat.N_QUADS: "nquads", RdfFormat.JSON_LD: "json-ld", RdfFormat.RDF_XML: "xml"}


# -- helpers ----------------------------------------------------------------------------
def parsed(data: bytes, format: RdfFormat) -> dict[str | None, rdflib.Graph]:
    """A document read by rdflib (not pyoxigraph): its graphs by name (default: None)."""
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=RDFLIB[format])
    graphs: dict[str | None, rdflib.Graph] = {}
    for s, p, o, g in dataset.quads():
        name = None if g is None or g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else str(g)
        graphs.setdefault(name, rdflib.Graph()).add((s, p, o))
    return graphs


def merged(data: bytes, format: RdfFormat) -> rdflib.Graph:
    """Every triple of a document, whatever graph it is in."""
    union = rdflib.Graph()
    for graph in parsed(data, format).values():
        union += graph
    return union


def from_terms(triples: Iterable[object]) -> rdflib.Graph:
    items = list(triples)
    assert all(isinstance(t, ox.Triple) for t in items), items[:3]
    data = ox.serialize(cast("list[ox.Triple]", items), format=ox.RdfFormat.N_TRIPLES)
    assert data is not None  # without an output, serialize returns the bytes
    return merged(data, RdfFormat.N_TRIPLES)


def content(store: Store, graph: str) -> rdflib.Graph:
    return from_terms(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> "
                                  "{ ?s ?p ?o } }"))


def assert_same(actual: rdflib.Graph, expected: rdflib.Graph) -> None:
    if isomorphic(actual, expected):
        return
    _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    pytest.fail("the graphs differ\n-- only in the store's:\n"
                f"{only_actual.serialize(format='nt')}\n-- only in the expected:\n"
                f"{only_expected.serialize(format='nt')}")


def sample() -> rdflib.Graph:
    return merged(SAMPLE[RdfFormat.N_TRIPLES], RdfFormat.N_TRIPLES)


def dataset() -> dict[str | None, rdflib.Graph]:
    return parsed(DATASET[RdfFormat.N_QUADS], RdfFormat.N_QUADS)


def snapshot(store: Store) -> tuple[list[GraphInfo], dict[str, object]]:
    """What a store holds: its graphs, sizes and contents (compared up to blank nodes)."""
    infos = store.graphs()
    return infos, {info.name: to_isomorphic(content(store, info.name))
                   for info in infos if info.name is not None}


def source(kind: str, data: bytes, tmp_path: Path, format: RdfFormat) -> LoadSource:
    if kind == "path":
        path = tmp_path / f"input.{format.extension}"
        path.write_bytes(data)
        return path
    if kind == "stream":
        return io.BytesIO(data)
    return data


def from_graph(graph: rdflib.Graph) -> rdflib.Graph:
    """A copy, with oxrdflib's ``"x"^^xsd:string`` written ``"x"`` as rdflib parsers do
    (the same RDF 1.1 term, but not equal in rdflib)."""
    copy = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and o.datatype == rdflib.XSD.string:
            o = rdflib.Literal(str(o))
        copy.add((s, p, o))
    return copy

