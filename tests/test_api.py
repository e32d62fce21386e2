"""The public API is what graphkit/__init__.py lists; this pins that list."""

from __future__ import annotations

import graphkit


def test_public_api_is_pinned() -> None:
    assert sorted(graphkit.__all__) == sorted([
        "AnswerCutError", "ConformanceError", "ForbiddenQueryError", "GraphInfo", "GraphkitError", "InputError",
        "OxigraphStore", "QueryError", "QueryKind", "QueryResult", "QuerySyntaxError",
        "QueryTimeoutError", "RdfFormat", "RdfSyntaxError", "RemoteStoreError", "ResultFormat",
        "Settings", "Store", "StoreError", "SyncReport", "UsageError", "__version__",
        "load_files", "load_settings", "open_store", "sync_project",
    ])
    for name in graphkit.__all__:
        assert hasattr(graphkit, name), name


def test_graphkit_never_imports_service() -> None:
    from pathlib import Path

    for path in Path(graphkit.__file__).parent.rglob("*.py"):
        text = path.read_text()
        assert "from service" not in text and "import service" not in text, path
