"""Fixtures the test files share: stores over every backend, each test with a clean one.

``any_store`` runs a test on the four backends: Oxigraph in memory and on disk, and
:class:`~graphkit.stores.remote.RemoteStore` on an Oxigraph server and on Virtuoso. The
servers are started once per session (``tests/servers.py``); every test gets them emptied
of all but their system graphs, and checked empty, so no test depends on another.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphkit.stores import OxigraphStore, Store
from graphkit.stores.remote import RemoteStore
from tests.servers import Server, oxigraph_server, virtuoso_server

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("disk", id="disk"),
    pytest.param("oxigraph-server", id="oxigraph-server", marks=pytest.mark.server),
    pytest.param("virtuoso", id="virtuoso", marks=pytest.mark.server),
]


@pytest.fixture(scope="session")
def oxigraph_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An Oxigraph server for the session (union default graph, on disk)."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-server")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A private Virtuoso for the session, anonymous updates granted."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend in turn."""
    store: Store
    if request.param == "memory":
        store = OxigraphStore()
    elif request.param == "disk":
        store = OxigraphStore(tmp_path / "store")
    else:
        server: Server = request.getfixturevalue(
            "oxigraph_endpoint" if request.param == "oxigraph-server" else "virtuoso_endpoint")
        store = server.store()
        emptied(store)
    with store:
        yield store


def emptied(store: RemoteStore) -> RemoteStore:
    """``store`` with every graph but the server's own removed, and checked empty."""
    for info in store.graphs():
        if info.name is None:
            store.update("CLEAR SILENT DEFAULT")
        else:
            store.remove_graph(info.name)
    left = store.graphs()
    assert left == [], f"{store} could not be emptied between tests: {left}"
    return store
