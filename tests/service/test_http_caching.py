"""ETag, If-None-Match and Cache-Control on the read routes (service/caching.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app
from service.caching import cacheable
from tests.support import PROJECT

TOKEN = "caching-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/ogkg/"
ORG = "/id/org/oecd"
ASK = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
JSON = {"Accept": "application/sparql-results+json"}
# one of each cacheable kind of route, with what it is asked for
READS = [("/sparql", ASK, JSON), (ORG, None, {"Accept": "text/turtle"}),
         (ORG, None, {"Accept": "text/html"}), ("/ns", None, {"Accept": "text/turtle"}),
         ("/scheme", None, {}), ("/", None, {}), ("/browse", None, {}),
         ("/search", {"q": "oecd"}, {})]
HEAD_ROUTES = (ORG, "/ns")  # the routes declared with HEAD


def make_store() -> OxigraphStore:
    store = OxigraphStore()
    for path in sorted((PROJECT / "data").glob("*.ttl"))[:3]:
        store.load(path, format=RdfFormat.TURTLE, graph=f"{BASE}graph/source/{path.stem}")
    store.load(PROJECT / "ontology" / "ogk.ttl", format=RdfFormat.TURTLE,
               graph=f"{BASE}graph/ontology")
    return store


@pytest.fixture
def client() -> Iterator[TestClient]:
    with make_store() as store, TestClient(create_app(
            Settings(store_path=None, write_token=TOKEN), store=store)) as client:
        yield client


def write(client: TestClient, name: str) -> None:
    body = (f"<{BASE}id/org/{name}> <http://www.w3.org/2000/01/rdf-schema#label> "
            f'"{name}"@en .')
    answer = client.post("/sparql", data={"update": f"INSERT DATA {{ GRAPH <{BASE}graph/"
                                                    f"source/{name}> {{ {body} }} }}"},
                         headers=AUTH)
    assert answer.status_code in (200, 204), answer.text


@pytest.mark.parametrize(("path", "params", "headers"), READS,
                         ids=[f"{p}-{h.get('Accept', 'any')}" for p, _, h in READS])
def test_reads_carry_a_stable_etag_and_answer_304(client: TestClient, path: str,
                                                 params: dict[str, str] | None,
                                                 headers: dict[str, str]) -> None:
    first = client.get(path, params=params, headers=headers)
    assert first.status_code == 200, first.text[:300]
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and tag.endswith('"')
    again = client.get(path, params=params, headers=headers)
    assert again.headers["etag"] == tag
    if path in HEAD_ROUTES:
        head = client.head(path, params=params, headers=headers)
        assert head.status_code == 200 and head.headers["etag"] == tag
    cached = client.get(path, params=params, headers={**headers, "If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == tag
    listed = client.get(path, params=params,
                        headers={**headers, "If-None-Match": f'"other", {tag}'})
    assert listed.status_code == 304
    other = client.get(path, params=params, headers={**headers, "If-None-Match": '"other"'})
    assert other.status_code == 200 and other.headers["etag"] == tag


def test_a_write_changes_every_tag(client: TestClient) -> None:
    before = {(path, str(params), str(headers)): client.get(
        path, params=params, headers=headers).headers["etag"]
        for path, params, headers in READS}
    write(client, "tag-mover")
    for path, params, headers in READS:
        answer = client.get(path, params=params, headers={
            **headers, "If-None-Match": before[(path, str(params), str(headers))]})
        assert answer.status_code == 200, path  # the old tag no longer matches
        assert answer.headers["etag"] != before[(path, str(params), str(headers))], path


def test_a_304_does_not_run_the_query(client: TestClient,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    tag = client.get("/sparql", params=ASK, headers=JSON).headers["etag"]
    store = cast(FastAPI, client.app).state.store
    ran: list[str] = []
    real_query = store.query

    def counting_query(query: str, **options: object) -> object:
        ran.append(query)
        return real_query(query, **options)

    monkeypatch.setattr(store, "query", counting_query)
    cached = client.get("/sparql", params=ASK, headers={**JSON, "If-None-Match": tag})
    assert cached.status_code == 304
    assert ran == []


def test_tags_differ_by_representation(client: TestClient) -> None:
    def tag(path: str, **headers: str) -> str:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text[:300]
        etag: str = answer.headers["etag"]
        return etag

    assert tag(ORG, Accept="text/turtle") != tag(ORG, Accept="text/html")
    assert tag(ORG, Accept="text/html", **{"Accept-Language": "fr"}) != \
        tag(ORG, Accept="text/html", **{"Accept-Language": "en"})
    assert tag("/sparql?query=ASK%7B%7D", Accept="application/sparql-results+json") != \
        tag("/sparql?query=ASK%7B%7D", Accept="application/sparql-results+xml")
    assert tag("/sparql?query=ASK%7B%7D", Accept="application/sparql-results+json") != \
        tag("/sparql?query=ASK%7B%20%7D", Accept="application/sparql-results+json")


def test_writes_and_failures_are_never_tagged(client: TestClient) -> None:
    update = client.post("/sparql", data={"update": "INSERT DATA { GRAPH <urn:x:g> "
                                                    "{ <urn:x:s> <urn:x:p> 1 } }"},
                         headers=AUTH)
    assert update.status_code in (200, 204) and "etag" not in update.headers
    posted = client.post("/sparql", data=ASK, headers=JSON)
    assert posted.status_code == 200 and "etag" not in posted.headers
    failed = client.get("/sparql", params={"query": "SELECT nonsense"})
    assert failed.status_code == 400 and "etag" not in failed.headers
    missing = client.get("/id/org/no-such-org")
    assert missing.status_code == 404 and "etag" not in missing.headers
    assert "etag" not in client.get("/health").headers


def test_cache_control_from_settings_rides_on_200_and_304() -> None:
    with make_store() as store, TestClient(create_app(
            Settings(store_path=None, write_token=TOKEN, cache_max_age=30),
            store=store)) as client:
        first = client.get(ORG, headers={"Accept": "text/turtle"})
        assert first.headers["cache-control"] == "public, max-age=30"
        cached = client.get(ORG, headers={"Accept": "text/turtle",
                                          "If-None-Match": first.headers["etag"]})
        assert cached.status_code == 304
        assert cached.headers["cache-control"] == "public, max-age=30"
        assert "cache-control" not in client.get("/health").headers


def test_without_max_age_no_cache_control_is_added(client: TestClient) -> None:
    answer = client.get("/sparql", params=ASK, headers=JSON)
    assert "etag" in answer.headers and "cache-control" not in answer.headers


@pytest.mark.parametrize(("path", "expected"), [
    ("/", True), ("/sparql", True), ("/id/org/oecd", True), ("/ns", True), ("/ns.ttl", True),
    ("/scheme", True), ("/scheme/themes", True), ("/browse", True), ("/browse/Organisation", True),
    ("/search", True), ("/api/queries/list_organisations", True), ("/health", False),
    ("/metrics", False), ("/store", False), ("/api/contributions", False),
    ("/dumps/ogkg.nt.gz", False), ("/nsfoo", False), ("/identity", False)])
def test_cacheable_routes(path: str, expected: bool) -> None:
    assert cacheable(path) is expected
