"""The network API keeps what it built until the store changes: a repeated request does
not read the store again, a write does, filters and parameters are part of the key, and
concurrent requests build once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphkit.analytics.snapshot import Snapshot, fetch
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app
from service.routers import network
from tests.analytics.conftest import fixture_store, iri


class Reads:
    """Counts the store reads of the network API (``fetch`` calls)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real: Callable[..., Snapshot] = fetch  # what the router imported as its ``fetch``

        def counted(*args: object, **kwargs: object) -> Snapshot:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(network, "fetch", counted)


@pytest.fixture
def store() -> OxigraphStore:
    return fixture_store()


@pytest.fixture
def client(store: OxigraphStore) -> TestClient:
    return TestClient(create_app(Settings(store_path=None), store=store))


def nodes(client: TestClient, **params: object) -> set[str]:
    answer = client.get("/api/network/view", params=params)
    assert answer.status_code == 200
    return {n["data"]["id"] for n in answer.json()["elements"]["nodes"]}


def test_a_repeated_request_does_not_read_the_store_again(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    first = client.get("/api/network/measures").json()
    assert reads.count == 1
    for path in ("/api/network/measures", "/api/network/summary", "/api/network/view",
                 "/api/network/communities"):
        assert client.get(path).status_code == 200
    assert reads.count == 1
    assert client.get("/api/network/measures").json() == first


def test_a_write_through_the_store_is_seen_at_once(
        client: TestClient, store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    before = nodes(client)
    assert iri("org/delta") not in before and reads.count == 1
    store.update(f"""PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        INSERT DATA {{ GRAPH <https://w3id.org/ogkg/graph/source/doc-one> {{
          <{iri("org/delta")}> a org:Organization ; rdfs:label "Delta Agency" ;
             org:memberOf <{iri("network/net-one")}> . }} }}""")
    after = nodes(client)
    assert reads.count == 2 and after == before | {iri("org/delta")}
    assert nodes(client) == after and reads.count == 2


def test_filters_and_parameters_are_part_of_the_key(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Reads(monkeypatch)
    everything = nodes(client)
    dated = nodes(client, as_of="2017")
    people = nodes(client, node_kind="person")
    assert dated < everything and people != dated and len(everything) == 9
    reseeded = client.get("/api/network/communities", params={"seed": 3}).json()
    assert reseeded["notes"]["seed"] == 3
    cache = cast(FastAPI, client.app).state.network_cache
    assert len(cache) == 4
    assert reads.count == 1  # one read of the store serves every filter
    assert nodes(client, as_of="2017") == dated and len(cache) == 4


def test_the_cache_keeps_a_few_entries_and_builds_once_under_load(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = network.AnalysisCache(limit=2)
    cast(FastAPI, client.app).state.network_cache = cache
    for year in ("2015", "2016", "2017", "2018"):
        nodes(client, as_of=year)
    assert len(cache) == 2
    reads = Reads(monkeypatch)
    fresh = network.AnalysisCache()
    cast(FastAPI, client.app).state.network_cache = fresh
    answers: list[int] = []

    def ask() -> None:
        answers.append(client.get("/api/network/summary").status_code)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * 6 and reads.count == 1 and len(fresh) == 1
