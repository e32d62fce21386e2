"""What routers get injected: the settings, the store and the query executor of the app."""

from __future__ import annotations

from fastapi import Request

from graphkit.settings import Settings
from graphkit.stores import Store
from graphkit.workers import QueryExecutor, executor_for

__all__ = ["get_executor", "get_settings", "get_store"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_executor(request: Request) -> QueryExecutor:
    """Runs queries under the time limit; every write to the store goes through its
    ``write()`` so that the query workers see it.

    The app's lifespan starts it (a pool of worker processes for an on-disk store); an app
    used without its lifespan (a ``TestClient`` outside ``with``) gets threads instead.
    """
    executor: QueryExecutor | None = getattr(request.app.state, "executor", None)
    if executor is None:
        settings = get_settings(request)
        executor = executor_for(get_store(request), workers=settings.query_workers,
                                timeout=settings.query_timeout, processes=False)
        request.app.state.executor = executor
    return executor
