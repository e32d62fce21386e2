"""graphkit: the library behind OpenGov KG — stores, loading, queries, validation,
analytics. It never imports the ``service`` package."""

from __future__ import annotations

from graphkit.errors import (
    AnswerCutError,
    ConformanceError,
    ForbiddenQueryError,
    GraphkitError,
    InputError,
    QueryError,
    QuerySyntaxError,
    QueryTimeoutError,
    RdfSyntaxError,
    RemoteStoreError,
    StoreError,
    UsageError,
)
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.load import SyncReport, load_files, sync_project
from graphkit.settings import Settings, load_settings
from graphkit.stores import (
    GraphInfo,
    OxigraphStore,
    QueryKind,
    QueryResult,
    Store,
    open_store,
)

__version__ = "0.1.0"

__all__ = [
    "AnswerCutError",
    "ConformanceError",
    "ForbiddenQueryError",
    "GraphInfo",
    "GraphkitError",
    "InputError",
    "OxigraphStore",
    "QueryError",
    "QueryKind",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "RdfFormat",
    "RdfSyntaxError",
    "RemoteStoreError",
    "ResultFormat",
    "Settings",
    "Store",
    "StoreError",
    "SyncReport",
    "UsageError",
    "__version__",
    "load_files",
    "load_settings",
    "open_store",
    "sync_project",
]
