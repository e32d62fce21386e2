"""Fixtures of the analytics tests: the hand-written network and the curated data, each
loaded into a fresh in-memory store."""

from __future__ import annotations

import pytest

from graphkit.analytics.snapshot import Snapshot, fetch
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
from tests.service.curated import PROJECT, curated_store

FIXTURE = PROJECT / "tests" / "data" / "analytics-network.ttl"
BASE = "https://w3id.org/ogkg/"


def fixture_store() -> OxigraphStore:
    store = OxigraphStore()
    store.load(FIXTURE, format=RdfFormat.TURTLE, graph=BASE + "graph/source/doc-one")
    return store


@pytest.fixture
def small() -> Snapshot:
    return fetch(fixture_store(), base_iri=BASE)


@pytest.fixture
def curated() -> Snapshot:
    return fetch(curated_store(), base_iri=BASE)


def iri(path: str) -> str:
    return f"{BASE}id/{path}"
