"""``/sparql``: the SPARQL 1.1 Protocol as clients use it, beyond the W3C records."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app

TOKEN = "protocol-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G1, G2 = "http://example.org/g1", "http://example.org/g2"
DATA = f"""
INSERT DATA {{
  GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> "one"@en , 1 . }}
  GRAPH <{G2}> {{ <http://example.org/b> <http://example.org/p> <http://example.org/a> . }}
}}"""
SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s ?o"
CONSTRUCT = "CONSTRUCT WHERE { ?s <http://example.org/p> ?o }"


def make_client(**settings: object) -> TestClient:
    store = OxigraphStore()
    store.update(DATA)
    options: dict[str, Any] = {"store_path": None, "write_token": TOKEN, **settings}
    return TestClient(create_app(Settings(**options), store=store))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with make_client() as client:
        yield client


def solutions(body: bytes, format: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON
              ) -> list[dict[str, str]]:
    answer = ox.parse_query_results(body, format=format)
    assert isinstance(answer, ox.QuerySolutions)
    names = [v.value for v in answer.variables]
    return [{n: str(row[n]) for n in names if row[n] is not None} for row in answer]


# -- the three ways to send a query -------------------------------------------------------
def test_get_form_post_and_direct_post_give_the_same_answer(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": SELECT})
    by_form = client.post("/sparql", data={"query": SELECT})
    by_direct = client.post("/sparql", content=SELECT,
                            headers={"Content-Type": "application/sparql-query"})
    assert by_get.status_code == by_form.status_code == by_direct.status_code == 200
    assert solutions(by_get.content) == solutions(by_form.content) \
        == solutions(by_direct.content)
    assert len(solutions(by_get.content)) == 3  # the default graph is the union


def test_direct_post_with_charset_utf8_is_fine(client: TestClient) -> None:
    answer = client.post("/sparql", content=b"ASK { ?s ?p \"one\"@en }",
                         headers={"Content-Type": "application/sparql-query; charset=UTF-8"})
    assert answer.status_code == 200 and answer.json()["boolean"] is True


@pytest.mark.parametrize(("content_type", "status"), [
    ("text/plain", 415), ("application/sparql-query; charset=utf-16", 415),
    ("application/json", 415), (None, 415)])
def test_a_post_must_say_what_it_carries(client: TestClient, content_type: str | None,
                                         status: int) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert answer.status_code == status


def test_two_queries_are_refused(client: TestClient) -> None:
    answer = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert answer.status_code == 400 and "exactly one" in answer.text


def test_other_methods_are_refused(client: TestClient) -> None:
    assert client.put("/sparql?query=ASK%20%7B%7D").status_code == 405
    assert client.delete("/sparql").status_code == 405


# -- the dataset --------------------------------------------------------------------------
def test_default_graph_uri_makes_the_default_graph(client: TestClient) -> None:
    answer = client.get("/sparql", params={"query": SELECT, "default-graph-uri": G2})
    assert [r["s"] for r in solutions(answer.content)] == ["<http://example.org/b>"]


def test_named_graph_uri_lists_the_named_graphs(client: TestClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = client.get("/sparql", params={"query": query, "named-graph-uri": G1})
    assert solutions(answer.content) == [{"g": f"<{G1}>"}]
    # only default-graph-uri: no named graphs at all (SPARQL 1.1 Query 13.2)
    answer = client.get("/sparql", params={"query": query, "default-graph-uri": G1})
    assert solutions(answer.content) == []


def test_protocol_dataset_overrides_from(client: TestClient) -> None:
    query = f"SELECT ?s FROM <{G1}> WHERE {{ ?s ?p ?o }}"
    alone = solutions(client.get("/sparql", params={"query": query}).content)
    assert {r["s"] for r in alone} == {"<http://example.org/a>"}
    overridden = client.get("/sparql", params={"query": query, "default-graph-uri": G2})
    assert solutions(overridden.content) == [{"s": "<http://example.org/b>"}]


def test_a_bad_graph_iri_is_a_400(client: TestClient) -> None:
    answer = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert answer.status_code == 400 and "default-graph-uri" in answer.text


def test_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    answer = client.get("/sparql", params={"query": "SELECT (<id/org/oecd> AS ?x) {}"})
    assert solutions(answer.content) == [{"x": "<https://w3id.org/ogkg/id/org/oecd>"}]


# -- content negotiation ------------------------------------------------------------------
@pytest.mark.parametrize(("accept", "media_type"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/json"),
    ("text/csv;q=0.9, application/sparql-results+xml;q=0.5", "text/csv"),
    ("application/sparql-results+xml;q=0.2, text/*;q=0.8", "text/csv"),
    ("text/csv;q=0, */*;q=0.1", "application/sparql-results+json"),
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "text/html"),
])
def test_select_is_negotiated(client: TestClient, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = client.get("/sparql", params={"query": SELECT}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == media_type
    assert "accept" in answer.headers["vary"].lower()


@pytest.mark.parametrize(("accept", "declaration", "rdflib_format"), [
    ("text/turtle", "@prefix ex: <http://example.org/> .", "turtle"),
    ("application/trig", "@prefix ex: <http://example.org/> .", "trig"),
    ("application/rdf+xml", 'xmlns:ex="http://example.org/"', "xml")])
def test_construct_names_things_with_the_query_prefixes(
        client: TestClient, accept: str, declaration: str, rdflib_format: str) -> None:
    """As Jena's endpoints do: the graph of a CONSTRUCT is written with the PREFIX lines of
    the query (resolved against its BASE), in the formats that have prefixes."""
    query = "BASE <http://example.org/q> PREFIX ex: <./> CONSTRUCT WHERE { ?s ex:p ?o }"
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 200
    assert declaration in answer.text and "ex:p" in answer.text
    plain = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert "example.org/>" not in plain.text.split("<http://example.org/a>")[0] or \
        rdflib_format == "xml"  # a query without PREFIX: whole IRIs, as before
    as_read = rdflib.Dataset().parse(data=answer.content, format=rdflib_format) \
        if rdflib_format == "trig" else \
        rdflib.Graph().parse(data=answer.content, format=rdflib_format)
    graph = rdflib.Graph()
    for triple in as_read.triples((None, None, None)):
        graph.add(triple)
    plain_graph = rdflib.Graph()
    parsed = rdflib.Dataset().parse(data=plain.content, format=rdflib_format) \
        if rdflib_format == "trig" else \
        rdflib.Graph().parse(data=plain.content, format=rdflib_format)
    for triple in parsed.triples((None, None, None)):
        plain_graph.add(triple)
    assert len(graph) == 3 and isomorphic(graph, plain_graph)


@pytest.mark.parametrize("format", [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                    ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV])
def test_every_result_format_parses(client: TestClient, format: ox.QueryResultsFormat) -> None:
    answer = client.get("/sparql", params={"query": SELECT},
                        headers={"Accept": format.media_type})
    if format is ox.QueryResultsFormat.CSV:  # lossy: pyoxigraph does not read it back
        rows = list(csv.DictReader(io.StringIO(answer.text)))
    else:
        rows = solutions(answer.content, format)
    assert len(rows) == 3 and {"s", "o"} <= set(rows[0])


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    (None, "turtle"), ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ("application/trig", "trig"), ("application/n-quads", "nquads"),
    ("text/plain", "nt")])
def test_construct_is_negotiated(client: TestClient, accept: str | None,
                                 rdflib_format: str) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == (accept or "text/turtle")
    expected = rdflib.Graph().parse(data="""
        <http://example.org/a> <http://example.org/p> "one"@en , 1 .
        <http://example.org/b> <http://example.org/p> <http://example.org/a> .""",
        format="turtle")
    if rdflib_format in ("trig", "nquads"):
        got = rdflib.Dataset().parse(data=answer.content, format=rdflib_format)
        graph = rdflib.Graph()
        for s, p, o, _ in got.quads():
            graph.add((s, p, o))
    else:
        graph = rdflib.Graph().parse(data=answer.content, format=rdflib_format)
    assert isomorphic(graph, expected)


def test_ask_is_negotiated(client: TestClient) -> None:
    xml = client.get("/sparql", params={"query": "ASK {}"},
                     headers={"Accept": "application/sparql-results+xml"})
    assert xml.headers["content-type"].startswith("application/sparql-results+xml")
    assert bool(ox.parse_query_results(xml.content, format=ox.QueryResultsFormat.XML))


@pytest.mark.parametrize(("query", "accept"), [
    (SELECT, "image/png"), (SELECT, "text/turtle"), (CONSTRUCT, "text/csv"),
    ("ASK {}", "application/n-triples")])
def test_nothing_acceptable_is_406(client: TestClient, query: str, accept: str) -> None:
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 406
    assert "writes" in answer.text


@pytest.mark.parametrize(("query", "format", "media_type"), [
    (SELECT, "csv", "text/csv"), (SELECT, "xml", "application/sparql-results+xml"),
    (CONSTRUCT, "json", "application/ld+json"), (CONSTRUCT, "nt", "application/n-triples"),
    (SELECT, "text/tab-separated-values", "text/tab-separated-values")])
def test_format_parameter_overrides_accept(client: TestClient, query: str, format: str,
                                           media_type: str) -> None:
    answer = client.get("/sparql", params={"query": query, "format": format},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.headers["content-type"].split(";")[0] == media_type


def test_html_results_are_limited() -> None:
    with make_client(max_html_rows=2) as client:
        answer = client.get("/sparql", params={"query": SELECT},
                            headers={"Accept": "text/html"})
        assert answer.status_code == 200
        assert answer.text.count("<tr><td>") == 2
        assert "only the first 2" in answer.text
        # a machine format gets everything
        full = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
        assert len(full.text.strip().splitlines()) == 4


def test_html_escapes_what_the_data_says() -> None:
    with make_client() as client:
        query = 'SELECT ("<script>alert(1)</script>" AS ?x) {}'
        page = client.get("/sparql", params={"query": query}, headers={"Accept": "text/html"})
        assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


# -- the service description --------------------------------------------------------------
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    (None, "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ("application/n-triples", "nt")])
def test_service_description(client: TestClient, accept: str | None,
                             rdflib_format: str) -> None:
    answer = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200
    graph = rdflib.Graph().parse(data=answer.content, format=rdflib_format)
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://testserver/sparql")
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query, SD.SPARQL11Update}
    assert SD.UnionDefaultGraph in set(graph.objects(service, SD.feature))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in set(
        graph.objects(service, SD.resultFormat))


def test_service_description_of_a_read_only_server() -> None:
    with make_client(write_token=None, public_origin="https://kg.example.org") as client:
        graph = rdflib.Graph().parse(data=client.get("/sparql").content, format="turtle")
        service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
        assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
        assert graph.value(service, SD.endpoint) == \
            rdflib.URIRef("https://kg.example.org/sparql")


def test_a_browser_gets_the_query_page(client: TestClient) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and "<form" in page.text


def test_the_query_page_is_a_hook(client: TestClient) -> None:
    from fastapi.responses import PlainTextResponse

    cast(FastAPI, client.app).state.query_page = (
        lambda request, settings: PlainTextResponse("the query UI"))
    assert client.get("/sparql", headers={"Accept": "text/html"}).text == "the query UI"
    assert client.get("/sparql").headers["content-type"].startswith("text/turtle")


# -- errors -------------------------------------------------------------------------------
def test_syntax_errors_say_where(client: TestClient) -> None:
    answer = client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert answer.status_code == 400
    assert re.match(r"Query syntax error at line 3, column \d+: expected", answer.text)
    assert answer.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in answer.text


def test_an_undeclared_prefix_is_named_with_its_declaration(client: TestClient) -> None:
    """The mistake researchers make most: a prefixed name without its PREFIX line."""
    answer = client.get("/sparql", params={
        "query": "SELECT ?n WHERE {\n  ?n a ogk:Network }"})
    assert answer.status_code == 400
    assert answer.text == ("Query syntax error at line 2, column 19: the prefix ogk: is not "
                           "declared: add PREFIX ogk: <https://w3id.org/ogkg/ns#>\n")


def test_update_syntax_errors_say_where(client: TestClient) -> None:
    answer = client.post("/sparql", data={"update": "CLEAR XYZ"}, headers=AUTH)
    assert answer.status_code == 400
    assert answer.text.startswith("Update syntax error at line 1, column")


def test_evaluation_errors_are_answered_plainly(client: TestClient) -> None:
    answer = client.get("/sparql", params={
        "query": "SELECT * { BIND(<http://e/x> AS ?u) SERVICE ?u { ?s ?p ?o } }"})
    assert answer.status_code == 400 and "not allowed" in answer.text
    # the engine's refusal at evaluation: its words, once ("Query failed: query failed: ...")
    answer = client.get("/sparql", params={"query": "SELECT * { BIND(<http://e/f>(1) AS ?x) }"})
    assert answer.status_code == 500
    assert answer.text == "Query failed: The custom function <http://e/f> is not supported\n"


def test_limits_on_query_length() -> None:
    with make_client(max_query_length=100) as client:
        long = "ASK {}" + " " * 200
        assert client.get("/sparql", params={"query": long}).status_code == 414
        assert client.post("/sparql", data={"query": long}).status_code == 413
        assert client.post("/sparql", content=long, headers={
            "Content-Type": "application/sparql-query"}).status_code == 413
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_limits_on_body_size() -> None:
    with make_client(max_body_bytes=1000) as client:
        big = "ASK {}" + "#" * 2000
        answer = client.post("/sparql", content=big,
                             headers={"Content-Type": "application/sparql-query"})
        assert answer.status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
            for _ in range(20):
                yield b"#" * 100

        answer = client.post("/sparql", content=chunks(),
                             headers={"Content-Type": "application/sparql-query"})
        assert answer.status_code == 413


# -- updates ------------------------------------------------------------------------------
ADD = "INSERT DATA { GRAPH <http://example.org/g3> { <http://example.org/c> <http://example.org/p> 3 } }"
ASK_ADDED = "ASK { <http://example.org/c> ?p 3 }"


def asks(client: TestClient, query: str) -> bool:
    answer = client.get("/sparql", params={"query": query})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def test_update_by_form_and_by_direct_post(client: TestClient) -> None:
    answer = client.post("/sparql", data={"update": ADD}, headers=AUTH)
    assert answer.status_code == 204
    assert asks(client, ASK_ADDED)
    answer = client.post("/sparql", content="CLEAR GRAPH <http://example.org/g3>",
                         headers={"Content-Type": "application/sparql-update", **AUTH})
    assert answer.status_code == 204
    assert not asks(client, ASK_ADDED)


def test_update_needs_the_token(client: TestClient) -> None:
    missing = client.post("/sparql", data={"update": ADD})
    assert missing.status_code == 401 and "Bearer" in missing.headers["www-authenticate"]
    wrong = client.post("/sparql", data={"update": ADD},
                        headers={"Authorization": f"Bearer {TOKEN}x"})
    assert wrong.status_code == 401
    prefix = client.post("/sparql", data={"update": ADD},
                         headers={"Authorization": f"Bearer {TOKEN[:-1]}"})
    assert prefix.status_code == 401
    assert not asks(client, ASK_ADDED)


def test_basic_auth_with_the_token_as_password(client: TestClient) -> None:
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    answer = client.post("/sparql", data={"update": ADD},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 204 and asks(client, ASK_ADDED)


def test_without_a_token_the_server_is_read_only() -> None:
    with make_client(write_token=None) as client:
        answer = client.post("/sparql", data={"update": ADD}, headers=AUTH)
        assert answer.status_code == 403 and "read-only" in answer.text
        assert not asks(client, ASK_ADDED)


def test_update_by_get_is_refused(client: TestClient) -> None:
    answer = client.get("/sparql", params={"update": ADD}, headers=AUTH)
    assert answer.status_code == 400
    assert not asks(client, ASK_ADDED)


def test_using_graph_uri_sets_the_where_dataset(client: TestClient) -> None:
    update = ("INSERT { GRAPH <http://example.org/out> { ?s a <http://example.org/Seen> } } "
              "WHERE { ?s ?p ?o }")
    answer = client.post(f"/sparql?using-graph-uri={quote(G2, safe='')}", content=update,
                         headers={"Content-Type": "application/sparql-update", **AUTH})
    assert answer.status_code == 204
    seen = solutions(client.get("/sparql", params={
        "query": "SELECT ?s { GRAPH <http://example.org/out> { ?s a ?c } }"}).content)
    assert seen == [{"s": "<http://example.org/b>"}]


def test_using_graph_uri_with_using_in_the_update_is_refused(client: TestClient) -> None:
    update = f"DELETE {{ ?s ?p ?o }} USING <{G1}> WHERE {{ ?s ?p ?o }}"
    answer = client.post("/sparql", data={"update": update, "using-graph-uri": G2},
                         headers=AUTH)
    assert answer.status_code == 400 and "USING" in answer.text
    assert asks(client, 'ASK { ?s ?p "one"@en }')
