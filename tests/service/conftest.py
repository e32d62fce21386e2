"""Fixtures of the service tests: by default, ``store`` is a fresh in-memory store holding
the curated graph and ``client`` a ``TestClient`` of the app over it. A module that needs
other data defines its own ``store`` or ``client``, which takes precedence."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from graphkit.stores import OxigraphStore
from service.app import create_app
from tests.service.curated import curated_settings, curated_store


@pytest.fixture
def store() -> OxigraphStore:
    return curated_store()


@pytest.fixture
def client(store: OxigraphStore) -> TestClient:
    return TestClient(create_app(curated_settings(), store=store))
