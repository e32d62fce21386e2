"""``/store``: the Graph Store HTTP Protocol, direct and indirect, beyond the W3C records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app

TOKEN = "graph-store-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle", **AUTH}
GRAPH = "http://example.org/graph/people"
ALICE = '@prefix foaf: <http://xmlns.com/foaf/0.1/> . [] a foaf:Person ; foaf:name "Alice" .'
BOB = '<http://example.org/bob> <http://xmlns.com/foaf/0.1/name> "Bob" .'


def make_client(**settings: object) -> TestClient:
    options: dict[str, Any] = {"store_path": None, "write_token": TOKEN, **settings}
    return TestClient(create_app(Settings(**options),
                                 store=OxigraphStore()))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with make_client() as client:
        yield client


def graph_of(answer: httpx.Response, format: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=answer.content, format=format)


def turtle(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle")


def asks(client: TestClient, query: str) -> bool:
    return bool(client.get("/sparql", params={"query": query}).json()["boolean"])


def test_put_get_head_delete_indirect(client: TestClient) -> None:
    url = f"/store?graph={quote(GRAPH, safe='')}"
    created = client.put(url, content=ALICE, headers=TURTLE)
    assert created.status_code == 201
    assert created.headers["location"] == f"http://testserver{url}"
    got = client.get(url, headers={"Accept": "text/turtle"})
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/turtle; charset=utf-8"
    assert isomorphic(graph_of(got), turtle(ALICE))
    replaced = client.put(url, content=BOB, headers=TURTLE)
    assert replaced.status_code == 204
    assert isomorphic(graph_of(client.get(url)), turtle(BOB))
    head = client.head(url, headers={"Accept": "application/n-triples"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "application/n-triples"
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url).status_code == 404
    assert client.head(url).status_code == 404
    assert client.delete(url, headers=AUTH).status_code == 404


def test_post_merges_and_creates(client: TestClient) -> None:
    url = f"/store?graph={quote(GRAPH, safe='')}"
    assert client.post(url, content=ALICE, headers=TURTLE).status_code == 201
    assert client.post(url, content=BOB, headers=TURTLE).status_code == 204
    assert isomorphic(graph_of(client.get(url)), turtle(ALICE + "\n" + BOB))


def test_direct_identification_names_graphs_under_the_base(client: TestClient) -> None:
    created = client.put("/store/team/notes", content=BOB, headers=TURTLE)
    assert created.status_code == 201
    assert created.headers["location"] == "http://testserver/store/team/notes"
    assert asks(client, "ASK { GRAPH <https://w3id.org/ogkg/store/team/notes> "
                        "{ <http://example.org/bob> ?p ?o } }")
    assert isomorphic(graph_of(client.get("/store/team/notes")), turtle(BOB))
    # the same graph, named indirectly by its URL on this server or by its IRI
    for name in ("http://testserver/store/team/notes",
                 "https://w3id.org/ogkg/store/team/notes"):
        got = client.get("/store", params={"graph": name})
        assert got.status_code == 200 and isomorphic(graph_of(got), turtle(BOB))
    assert client.get("/store/team/other").status_code == 404


def test_public_origin_maps_onto_the_base() -> None:
    with make_client(public_origin="https://kg.example.org") as client:
        client.put("/store?graph=https%3A%2F%2Fkg.example.org%2Fid%2Forg%2Fx",
                   content=BOB, headers=TURTLE)
        assert asks(client, "ASK { GRAPH <https://w3id.org/ogkg/id/org/x> { ?s ?p ?o } }")
        created = client.post("/store", content=BOB, headers=TURTLE)
        assert created.headers["location"].startswith("https://kg.example.org/store/")


def test_post_to_the_store_creates_a_new_graph(client: TestClient) -> None:
    first = client.post("/store", content=ALICE, headers=TURTLE)
    second = client.post("/store", content=BOB, headers=TURTLE)
    assert first.status_code == second.status_code == 201
    assert first.headers["location"] != second.headers["location"]
    location = first.headers["location"]
    assert location.startswith("http://testserver/store/")
    assert isomorphic(graph_of(client.get(location)), turtle(ALICE))
    indirect = client.get("/store", params={"graph": location})
    assert isomorphic(graph_of(indirect), turtle(ALICE))


def test_multipart_post_merges_every_part_blank_nodes_apart(client: TestClient) -> None:
    boundary = "b0undary"
    parts = [("a.ttl", "text/turtle", "_:x <http://e/p> 1 ."),
             ("b.nt", "application/n-triples", '_:x <http://e/p> "2" .'),
             ("c.jsonld", "application/ld+json",
              '{"@id": "http://e/c", "http://e/p": 3}')]
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                   f"filename=\"{name}\"\r\nContent-Type: {media}\r\n\r\n{text}\r\n"
                   for name, media, text in parts) + f"--{boundary}--\r\n"
    answer = client.post(f"/store?graph={quote(GRAPH, safe='')}", content=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH})
    assert answer.status_code == 201
    graph = graph_of(client.get(f"/store?graph={quote(GRAPH, safe='')}"))
    assert len(graph) == 3
    assert len({s for s in graph.subjects() if isinstance(s, rdflib.BNode)}) == 2


def test_the_default_graph_is_the_stores_own(client: TestClient) -> None:
    client.put(f"/store?graph={quote(GRAPH, safe='')}", content=ALICE, headers=TURTLE)
    assert client.put("/store?default", content=BOB, headers=TURTLE).status_code == 204
    assert isomorphic(graph_of(client.get("/store?default")), turtle(BOB))
    assert client.delete("/store?default", headers=AUTH).status_code == 204
    assert len(graph_of(client.get("/store?default"))) == 0
    assert asks(client, 'ASK { ?s ?p "Alice" }')  # the named graph is untouched


def test_get_the_whole_store(client: TestClient) -> None:
    client.put(f"/store?graph={quote(GRAPH, safe='')}", content=BOB, headers=TURTLE)
    client.put("/store?default", content=ALICE, headers=TURTLE)
    answer = client.get("/store")
    assert answer.headers["content-type"].startswith("application/trig")
    dataset = rdflib.Dataset().parse(data=answer.content, format="trig")
    assert len(dataset.graph(rdflib.URIRef(GRAPH))) == 1


def test_an_empty_graph_is_created_once_and_kept(client: TestClient) -> None:
    # the embedded store keeps empty graphs (Virtuoso does not: tests/test_remote_scale.py)
    url = f"/store?graph={quote(GRAPH, safe='')}"
    assert client.put(url, content=b"", headers=TURTLE).status_code == 201
    assert client.put(url, content=b"", headers=TURTLE).status_code == 204
    got = client.get(url, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.content.strip() == b""
    assert client.put("/store?graph=http://example.org/graph/other", content=BOB,
                      headers=TURTLE).status_code == 201


@pytest.mark.parametrize(("media", "body", "rdflib_format"), [
    ("application/n-triples", BOB, "nt"),
    ("application/ld+json", ('{"@id": "http://example.org/bob", '
                            '"http://xmlns.com/foaf/0.1/name": "Bob"}'), "json-ld"),
    ("application/rdf+xml", ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                            ' xmlns:foaf="http://xmlns.com/foaf/0.1/"><rdf:Description '
                            'rdf:about="http://example.org/bob"><foaf:name>Bob</foaf:name>'
                            '</rdf:Description></rdf:RDF>'), "xml")])
def test_every_graph_format_goes_in_and_out(client: TestClient, media: str, body: str,
                                            rdflib_format: str) -> None:
    url = f"/store?graph={quote(GRAPH, safe='')}"
    assert client.put(url, content=body, headers={"Content-Type": media, **AUTH}
                      ).status_code == 201
    got = client.get(url, headers={"Accept": media})
    assert got.headers["content-type"].split(";")[0] == media
    assert isomorphic(graph_of(got, rdflib_format), turtle(BOB))


def test_relative_iris_in_a_body_resolve_against_the_graph(client: TestClient) -> None:
    client.put("/store/team/notes", content="<#me> <http://e/p> 1 .", headers=TURTLE)
    assert asks(client, "ASK { <https://w3id.org/ogkg/store/team/notes#me> ?p 1 }")


def test_writes_need_the_token(client: TestClient) -> None:
    url = f"/store?graph={quote(GRAPH, safe='')}"
    assert client.put(url, content=BOB, headers={"Content-Type": "text/turtle"}
                      ).status_code == 401
    assert client.post("/store", content=BOB, headers={
        "Content-Type": "text/turtle", "Authorization": "Bearer nope"}).status_code == 401
    assert client.delete(url).status_code == 401
    assert client.get(url).status_code == 404


def test_a_read_only_server_refuses_writes() -> None:
    with make_client(write_token=None) as client:
        assert client.put("/store?default", content=BOB, headers=TURTLE).status_code == 403


@pytest.mark.parametrize(("headers", "body", "status", "says"), [
    ({"Content-Type": "text/plain"}, BOB, 415, "must be a graph"),
    ({"Content-Type": "application/trig"}, BOB, 415, "must be a graph"),
    ({}, BOB, 415, "no Content-Type"),
    ({"Content-Type": "text/turtle"}, "<http://a> <http://b> .", 400, "line 1"),
    ({"Content-Type": "multipart/form-data; boundary=zz"},
     "--zz\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n" + BOB + "\r\n--zz--\r\n",
     415, "no Content-Type"),
])
def test_bad_bodies(client: TestClient, headers: dict[str, str], body: str, status: int,
                    says: str) -> None:
    answer = client.put if "multipart" not in headers.get("Content-Type", "") else client.post
    response = answer(f"/store?graph={quote(GRAPH, safe='')}", content=body,
                      headers={**headers, **AUTH})
    assert response.status_code == status and says in response.text
    assert "Traceback" not in response.text
    assert client.get(f"/store?graph={quote(GRAPH, safe='')}").status_code == 404


@pytest.mark.parametrize(("url", "status"), [
    ("/store?graph=http%3A%2F%2Fa&default", 400),
    ("/store?graph=http%3A%2F%2Fa&graph=http%3A%2F%2Fb", 400),
    ("/store?graph=not%20an%20iri", 400),
    ("/store/x?graph=http%3A%2F%2Fa", 400),
])
def test_bad_graph_names(client: TestClient, url: str, status: int) -> None:
    assert client.get(url).status_code == status


def test_nothing_acceptable_is_406(client: TestClient) -> None:
    client.put("/store?default", content=BOB, headers=TURTLE)
    assert client.get("/store?default", headers={"Accept": "image/png"}).status_code == 406


def test_body_limit() -> None:
    with make_client(max_body_bytes=100) as client:
        answer = client.put("/store?default", content=BOB * 10, headers=TURTLE)
        assert answer.status_code == 413


def test_put_and_delete_need_a_graph(client: TestClient) -> None:
    assert client.put("/store", content=BOB, headers=TURTLE).status_code == 400
    assert client.delete("/store", headers=AUTH).status_code == 400
