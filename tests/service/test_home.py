"""The home page and the health check."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def client() -> TestClient:
    store = OxigraphStore()
    store.load(DATA / "small.ttl", format=RdfFormat.TURTLE,
               graph="https://w3id.org/ogkg/graph/source/test")
    return TestClient(create_app(Settings(store_path=None), store=store))


def test_home_says_what_is_there(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "https://w3id.org/ogkg/graph/source/test" in page.text
    assert "ogk:Network" in page.text and "ogk:Organisation" in page.text


def test_health_checks_the_store(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_health_is_503_when_the_store_is_gone(client: TestClient) -> None:
    cast(FastAPI, client.app).state.store.close()
    answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.json()["status"] == "error"


def test_the_openapi_document_has_one_id_per_operation(client: TestClient) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI's duplicate-id warning would fail here
        paths = client.get("/api/openapi.json").json()["paths"]
    ids = [(path, method, operation["operationId"])
           for path, operations in paths.items() for method, operation in operations.items()]
    assert len({op for _, _, op in ids}) == len(ids)
    assert all(op.endswith(f"_{method}") for _, method, op in ids)
    # the Graph Store Protocol's methods are separate operations; HEAD is implied by GET
    assert {"get", "put", "post", "delete"} <= set(paths["/store"])
    assert "head" not in paths["/store"]
