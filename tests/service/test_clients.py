"""Real SPARQL clients against a live server: SPARQLWrapper, rdflib's SPARQLStore and
SPARQLUpdateStore, as researchers point them at the endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast
from xml.dom.minidom import Document

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from rdflib.query import ResultRow
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app
from tests.service.live import live_server

TOKEN = "client-test-token"
GRAPH = "http://example.org/graph/orgs"
DATA = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA {{ GRAPH <{GRAPH}> {{
  <https://w3id.org/ogkg/id/org/oecd> a <https://w3id.org/ogkg/ns#Organisation> ;
      rdfs:label "OECD"@en .
  <https://w3id.org/ogkg/id/org/ogp> a <https://w3id.org/ogkg/ns#Organisation> ;
      rdfs:label "Open Government Partnership"@en .
}} }}"""
LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?org ?label WHERE { ?org rdfs:label ?label } ORDER BY ?label"""


@pytest.fixture
def endpoint() -> Iterator[str]:
    store = OxigraphStore()
    store.update(DATA)
    app = create_app(Settings(store_path=None, write_token=TOKEN), store=store)
    with live_server(app) as base:
        yield f"{base}/sparql"


def wrapper(endpoint: str) -> SPARQLWrapper:
    return SPARQLWrapper(endpoint, agent="graphkit-tests")


# -- SPARQLWrapper ------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(endpoint: str, method: str) -> None:
    sparql = wrapper(endpoint)
    sparql.setQuery(LABELS)
    sparql.setReturnFormat(JSON)
    sparql.setMethod(method)
    rows = cast(dict[str, Any], sparql.queryAndConvert())["results"]["bindings"]  # JSON
    assert [r["label"]["value"] for r in rows] == ["OECD", "Open Government Partnership"]
    assert rows[0]["label"]["xml:lang"] == "en"


def test_sparqlwrapper_select_xml_and_csv(endpoint: str) -> None:
    sparql = wrapper(endpoint)
    sparql.setQuery(LABELS)
    sparql.setReturnFormat(XML)
    document = cast(Document, sparql.queryAndConvert())  # XML: a DOM document
    assert len(document.getElementsByTagName("result")) == 2
    sparql.setReturnFormat(CSV)
    text = cast(bytes, sparql.queryAndConvert()).decode()  # CSV: the body
    assert text.splitlines()[0] == "org,label" and "OECD" in text


def test_sparqlwrapper_ask_and_construct(endpoint: str) -> None:
    sparql = wrapper(endpoint)
    sparql.setQuery("ASK { ?s ?p 'OECD'@en }")
    sparql.setReturnFormat(JSON)
    assert cast(dict[str, Any], sparql.queryAndConvert())["boolean"] is True  # JSON
    sparql.setQuery("CONSTRUCT WHERE { ?s a ?type }")
    sparql.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=cast(bytes, sparql.queryAndConvert()), format="turtle")
    assert len(graph) == 2
    sparql.setReturnFormat(XML)  # SPARQLWrapper parses RDF/XML into an rdflib Graph
    assert len(cast(rdflib.Graph, sparql.queryAndConvert())) == 2


def test_sparqlwrapper_update_with_the_token(endpoint: str) -> None:
    sparql = wrapper(endpoint)
    sparql.setMethod(POST)
    sparql.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    sparql.setQuery(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://e/new> <http://e/p> 1 }} }}")
    sparql.query()
    check = wrapper(endpoint)
    check.setQuery("ASK { <http://e/new> <http://e/p> 1 }")
    check.setReturnFormat(JSON)
    assert cast(dict[str, Any], check.queryAndConvert())["boolean"] is True  # JSON


def test_sparqlwrapper_sees_errors(endpoint: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

    sparql = wrapper(endpoint)
    sparql.setQuery("SELECT * WHERE { ?s ?p }")
    sparql.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="line 1"):
        sparql.query()
    sparql = wrapper(endpoint)
    sparql.setMethod(POST)
    sparql.setQuery("CLEAR ALL")
    with pytest.raises(Unauthorized):
        sparql.query()


# -- rdflib -------------------------------------------------------------------------------
def test_rdflib_sparqlstore_reads(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="xml"))
    labels = sorted(str(cast(ResultRow, row).label) for row in graph.query(LABELS))  # SELECT
    assert labels == ["OECD", "Open Government Partnership"]
    assert (rdflib.URIRef("https://w3id.org/ogkg/id/org/oecd"), rdflib.RDFS.label,
            rdflib.Literal("OECD", lang="en")) in graph
    assert len(list(graph.triples((None, rdflib.RDF.type, None)))) == 2
    json_graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    assert len(list(json_graph.query(LABELS))) == 2


def test_rdflib_sparqlstore_named_graph(endpoint: str) -> None:
    # a graph with an identifier reads that graph (rdflib sends default-graph-uri)
    named = rdflib.Graph(store=SPARQLStore(endpoint), identifier=rdflib.URIRef(GRAPH))
    assert len(list(named.triples((None, rdflib.RDFS.label, None)))) == 2
    other = rdflib.Graph(store=SPARQLStore(endpoint), identifier=rdflib.URIRef("http://e/no"))
    assert list(other.triples((None, None, None))) == []
    contexts = SPARQLStore(endpoint).contexts()
    assert rdflib.URIRef(GRAPH) in {getattr(g, "identifier", g) for g in contexts}


def test_rdflib_sparqlupdatestore_writes(endpoint: str) -> None:
    store = SPARQLUpdateStore(endpoint, endpoint,
                              headers={"Authorization": f"Bearer {TOKEN}"})
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef(GRAPH))
    subject = rdflib.URIRef("https://w3id.org/ogkg/id/org/new")
    graph.add((subject, rdflib.RDFS.label, rdflib.Literal("New body", lang="en")))
    assert (subject, rdflib.RDFS.label, rdflib.Literal("New body", lang="en")) in graph
    graph.update(f"DELETE WHERE {{ <{subject}> ?p ?o }}")  # rdflib adds GRAPH <{GRAPH}>
    assert (subject, None, None) not in graph
    store.close()


def test_rdflib_sparqlupdatestore_without_token_is_refused(endpoint: str) -> None:
    from urllib.error import HTTPError

    graph = rdflib.Graph(store=SPARQLUpdateStore(endpoint, endpoint),
                         identifier=rdflib.URIRef(GRAPH))
    with pytest.raises(HTTPError) as refused:
        graph.add((rdflib.URIRef("http://e/x"), rdflib.RDFS.label, rdflib.Literal("x")))
    assert refused.value.code == 401
