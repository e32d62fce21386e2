"""``/sparql`` with less fixed cost per request: the worker pool answers many short queries
in a row from the event loop, negotiation answers are kept without keeping refusals, and the
nesting guard skips parsing query strings that cannot nest deep while still refusing those
that do."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, quote, urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphkit.formats import RdfFormat
from graphkit.nesting import SPARQL_LIMIT
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from graphkit.synth import write_synthetic
from graphkit.workers import WorkerPool
from service.app import create_app
from service.guards import _brackets_at_most

ORG = "https://w3id.org/ogkg/id/org/synthetic-org-{n}"
JSON = "application/sparql-results+json"


@pytest.fixture
def disk_client(tmp_path: Path) -> Iterator[TestClient]:
    data = tmp_path / "synthetic.nt"
    write_synthetic(data, orgs=60, seed=1)
    store = OxigraphStore(tmp_path / "store")
    store.load(data, format=RdfFormat.N_TRIPLES)
    app = create_app(Settings(store_path=None, query_workers=2, query_timeout=20), store=store)
    with TestClient(app) as client:
        yield client
    store.close()


def test_many_point_lookups_in_a_row_through_the_worker_pool(disk_client: TestClient) -> None:
    pool = cast(FastAPI, disk_client.app).state.executor
    assert isinstance(pool, WorkerPool)
    workers = sorted(pool.worker_pids())
    for n in range(200):
        org = ORG.format(n=n % 60)
        answer = disk_client.get("/sparql", params={
            "query": f"SELECT ?label WHERE {{ <{org}> <http://www.w3.org/2000/01/rdf-schema#label>"
                     " ?label }"}, headers={"Accept": JSON})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(JSON)
        assert answer.headers["x-request-id"]
        labels = [b["label"]["value"] for b in answer.json()["results"]["bindings"]]
        assert labels and all(str(n % 60) in label for label in labels)
        if n % 50 == 0:  # a streamed answer and an error between them change nothing
            rows = disk_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"},
                                   headers={"Accept": "text/csv"})
            assert rows.status_code == 200 and rows.text.count("\n") > 1000
            broken = disk_client.get("/sparql", params={"query": "SELECT * {"})
            assert broken.status_code == 400
    assert sorted(pool.worker_pids()) == workers  # no worker was lost or replaced


def test_negotiation_keeps_answers_but_not_refusals(disk_client: TestClient) -> None:
    select = {"query": "SELECT ?s { ?s ?p ?o } LIMIT 1"}
    construct = {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"}
    csv = {"Accept": "text/csv"}
    for _ in range(2):  # the same Accept again: the kept answer, then the same refusal
        ok = disk_client.get("/sparql", params=select, headers=csv)
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/csv")
        refused = disk_client.get("/sparql", params=construct, headers=csv)
        assert refused.status_code == 406 and "CONSTRUCT" in refused.text
    turtle = disk_client.get("/sparql", params={**construct, "format": "ttl"}, headers=csv)
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    json_answer = disk_client.get("/sparql", params=select, headers={"Accept": JSON})
    assert json.loads(json_answer.content)["head"]["vars"] == ["s"]


def test_deep_query_strings_are_still_refused(disk_client: TestClient) -> None:
    deep = "ASK { " + "{ " * (SPARQL_LIMIT + 10) + "}" * (SPARQL_LIMIT + 10) + " }"
    for encode in (quote, lambda text: quote(text).lower(), lambda text: text):
        raw = f"query={encode(deep)}"
        answer = disk_client.get(f"/sparql?{raw}")
        assert answer.status_code == 400 and "levels deep" in answer.text
    shallow = "ASK { " + "{ " * 20 + "}" * 20 + " }"
    assert disk_client.get("/sparql", params={"query": shallow}).status_code == 200


def test_the_bracket_bound_never_undercounts() -> None:
    """The guard parses a query string only when it may hold more brackets than the limit:
    the bound must never be below what parsing finds."""
    pieces = ["{", "[", "(", "<", "%7B", "%7b", "%5B", "%28", "%3C", "%3c", "%25", "+", "a",
              " ", "&", "=", "query=", "%", "%7", "%E2%9D%B4", "update="]
    generator = random.Random(5)
    for _ in range(2000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 60)))
        raw = text.encode()
        fields = parse_qs(raw.decode("latin-1"))
        found = sum(value.encode("utf-8", "replace").count(b)
                    for value in fields.get("query", []) + fields.get("update", [])
                    for b in (b"{", b"[", b"(", b"<"))
        assert _brackets_at_most(raw) >= found, text
    assert _brackets_at_most(b"") == 0
    assert _brackets_at_most(urlencode({"query": "SELECT * { ?s ?p ?o }"}).encode()) == 1
