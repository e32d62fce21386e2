"""The OpenAPI document with one operation id per operation.

FastAPI gives a route that answers several methods one operation id for all of them, so a
``GET``/``HEAD`` route or a Graph Store route answering ``PUT``/``POST``/``DELETE`` yields
duplicate ids, which code generators reject. Here every operation's id ends with its own
method, and ``HEAD`` is left out where the path documents ``GET``: it answers as ``GET``
without the body (RFC 9110, section 9.3.2).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

__all__ = ["install", "one_id_per_operation"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def one_id_per_operation(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI dict, changed in place) with ``HEAD`` dropped beside ``GET``
    and every operation id ending in its own method."""
    for operations in document.get("paths", {}).values():
        if "get" in operations:
            operations.pop("head", None)
        for method, operation in operations.items():
            if method not in _METHODS or "operationId" not in operation:
                continue
            stem = operation["operationId"]
            for suffix in _METHODS:
                if stem.endswith(f"_{suffix}"):
                    stem = stem[: -len(suffix) - 1]
                    break
            operation["operationId"] = f"{stem}_{method}"
    return document


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer :func:`one_id_per_operation` of FastAPI's document."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():
                # the duplicates FastAPI warns about are the ones renamed here
                warnings.filterwarnings("ignore", message="Duplicate Operation ID")
                app.openapi_schema = one_id_per_operation(build())
        return app.openapi_schema

    # FastAPI's documented way to customise the schema; mypy forbids assigning to a method
    app.openapi = openapi  # type: ignore[method-assign]
