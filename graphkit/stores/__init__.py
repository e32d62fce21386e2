"""Store backends behind one protocol: :class:`OxigraphStore` (embedded, the default) and
:class:`RemoteStore` (any SPARQL 1.1 Query/Update + Graph Store Protocol server)."""

from __future__ import annotations

from graphkit.settings import Settings
from graphkit.stores.base import (
    Capabilities,
    GraphInfo,
    QueryKind,
    QueryResult,
    Store,
    graph_exists,
)
from graphkit.stores.oxigraph import OxigraphStore

__all__ = [
    "Capabilities",
    "GraphInfo",
    "OxigraphStore",
    "QueryKind",
    "QueryResult",
    "Store",
    "graph_exists",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings name: remote when an endpoint is set, else embedded."""
    if settings.endpoint:
        from graphkit.stores.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    return OxigraphStore(settings.store_path)
