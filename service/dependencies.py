"""What routers get injected: the settings, the store and the query executor of the app."""

from __future__ import annotations

from fastapi import Request

from graphkit.settings import Settings
from graphkit.stores import Store
from graphkit.workers import QueryExecutor, executor_for

__all__ = ["executor_of", "get_executor", "get_settings", "get_store", "settings_of",
           "store_of"]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def executor_of(request: Request) -> QueryExecutor:
    """Runs queries under the time limit; every write to the store goes through its
    ``write()`` so that the query workers see it.

    The app's lifespan starts it (a pool of worker processes for an on-disk store); an app
    used without its lifespan (a ``TestClient`` outside ``with``) gets threads instead.
    """
    executor: QueryExecutor | None = getattr(request.app.state, "executor", None)
    if executor is None:
        settings = settings_of(request)
        executor = executor_for(store_of(request), workers=settings.query_workers,
                                timeout=settings.query_timeout, processes=False)
        request.app.state.executor = executor
    return executor


# The dependencies are coroutines: FastAPI runs a plain ``def`` dependency in its thread
# pool, a thread hop per dependency on every request for a few attribute reads.
async def get_settings(request: Request) -> Settings:
    return settings_of(request)


async def get_store(request: Request) -> Store:
    return store_of(request)


async def get_executor(request: Request) -> QueryExecutor:
    return executor_of(request)
