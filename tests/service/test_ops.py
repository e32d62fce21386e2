"""Operations: request ids, JSON logs, /metrics, /health and the per-client rate limit."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app
from service.observability import JsonFormatter, Metrics, count_validation_failure
from service.ratelimit import TokenBuckets

DATA = Path(__file__).parent.parent / "data"
GRAPH = "https://w3id.org/ogkg/graph/source/test"


def _store() -> OxigraphStore:
    store = OxigraphStore()
    store.load(DATA / "small.ttl", format=RdfFormat.TURTLE, graph=GRAPH)
    return store


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(Settings(store_path=None, query_timeout=5), store=_store()))


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    for line in text.splitlines():
        found = re.match(pattern, line)
        if found:
            return float(found.group(1))
    return 0.0


def test_a_request_id_is_made_and_echoed(client: TestClient) -> None:
    first = client.get("/health").headers["x-request-id"]
    second = client.get("/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_sane_request_id_is_honoured_and_a_hostile_one_replaced(client: TestClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-123.x"}).headers[
        "x-request-id"] == "abc-123.x"
    hostile = client.get("/health", headers={"X-Request-ID": "a\"b}{" + "x" * 300})
    assert hostile.headers["x-request-id"] != "a\"b}{" + "x" * 300
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])


def test_each_request_is_one_json_log_line_with_its_id(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    access = logging.getLogger("service.access")
    access.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="service.access"):
            client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                       headers={"X-Request-ID": "req-42"})
    finally:
        access.removeHandler(caplog.handler)
    records = [r for r in caplog.records if getattr(r, "request_id", None) == "req-42"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "req-42"
    assert line["route"] == "/sparql" and line["status"] == 200 and line["method"] == "GET"
    assert line["seconds"] >= 0 and line["level"] == "info"


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    client.get("/sparql", params={"query": "SELEC nonsense"})
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    assert _metric(text, "graphkit_http_requests_total",
                   route="/sparql", method="GET", status="200") == 2
    assert _metric(text, "graphkit_http_requests_total",
                   route="/sparql", method="GET", status="400") == 1
    assert _metric(text, "graphkit_http_request_duration_seconds_count", route="/sparql") == 3
    assert _metric(text, "graphkit_http_request_duration_seconds_bucket",
                   route="/sparql", le="+Inf") == 3
    assert "# TYPE graphkit_http_request_duration_seconds histogram" in text


def test_metrics_report_the_store_size(client: TestClient) -> None:
    text = client.get("/metrics").text
    store = cast(FastAPI, client.app).state.store
    assert _metric(text, "graphkit_store_up") == 1
    assert _metric(text, "graphkit_store_triples") == sum(g.triples for g in store.graphs()) > 0


def test_metrics_say_when_the_store_is_down() -> None:
    store = _store()
    client = TestClient(create_app(Settings(store_path=None), store=store))
    store.close()
    text = client.get("/metrics").text
    assert _metric(text, "graphkit_store_up") == 0
    assert "graphkit_store_triples " not in text


def test_query_timeouts_are_counted() -> None:
    store = OxigraphStore()
    store.update("INSERT DATA { " + " ".join(
        f"<http://ex/s{i}> <http://ex/p> {i} ." for i in range(300)) + " }")
    client = TestClient(create_app(Settings(store_path=None, query_timeout=0.2), store=store))
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?t ?w }")
    answer = client.get("/sparql", params={"query": slow})
    assert answer.status_code == 503, answer.text
    assert _metric(client.get("/metrics").text, "graphkit_query_timeouts_total") == 1


def test_validation_failures_can_be_counted_by_other_code(client: TestClient) -> None:
    count_validation_failure(cast(FastAPI, client.app).state.metrics, 3)
    count_validation_failure(None)  # an app without metrics: nothing to do, no error
    assert _metric(client.get("/metrics").text, "graphkit_validation_failures_total") == 3


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.record_request('/odd"\\\nroute', "GET", 200, 0.1)
    assert 'route="/odd\\"\\\\\\nroute"' in metrics.render()


def test_health_checks_the_store(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    cast(FastAPI, client.app).state.store.close()
    assert client.get("/health").status_code == 503


# -- the rate limit -----------------------------------------------------------------------
def test_no_rate_limit_by_default(client: TestClient) -> None:
    statuses = {client.get("/sparql", params={"query": "ASK {}"}).status_code
                for _ in range(40)}
    assert statuses == {200}


def test_the_rate_limit_answers_429_with_retry_after() -> None:
    settings = Settings(store_path=None, sparql_rate_limit=0.5, sparql_rate_burst=3)
    client = TestClient(create_app(settings, store=_store()))
    answers = [client.get("/sparql", params={"query": "ASK {}"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert int(refused.headers["retry-after"]) == 2  # one token takes 2 s at 0.5/s
    assert "Retry after" in refused.text and refused.headers["x-request-id"]
    assert client.get("/health").status_code == 200  # only /sparql is limited
    assert _metric(client.get("/metrics").text, "graphkit_rate_limited_total") == 2


def test_token_buckets_refill_and_are_per_client() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=1, clock=lambda: now[0])
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0
    now[0] = 0.5
    assert buckets.take("a") == 0.0


def test_token_buckets_forget_the_oldest_clients() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, max_keys=2, clock=lambda: 0.0)
    for key in ("a", "b", "c"):
        buckets.take(key)
    assert buckets.take("a") == 0.0  # forgotten, so a fresh bucket


# -- caching ------------------------------------------------------------------------------
def test_no_cache_control_by_default(client: TestClient) -> None:
    assert "cache-control" not in client.get("/sparql", params={"query": "ASK {}"}).headers


def test_cache_control_on_reads_when_configured() -> None:
    client = TestClient(create_app(Settings(store_path=None, cache_max_age=30,
                                            write_token="t"), store=_store()))
    read = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert read.headers["cache-control"] == "public, max-age=30"
    assert "cache-control" not in client.get("/health").headers  # not a cached route
    authorised = client.get("/sparql", params={"query": "ASK {}"},
                            headers={"Authorization": "Bearer t"})
    assert "cache-control" not in authorised.headers
    failed = client.get("/sparql", params={"query": "nonsense"})
    assert failed.status_code == 400 and "cache-control" not in failed.headers
    written = client.post("/sparql", data={"update": "INSERT DATA { <http://e/a> <http://e/b> 1 }"},
                          headers={"Authorization": "Bearer t"})
    assert written.status_code in (200, 204) and "cache-control" not in written.headers
