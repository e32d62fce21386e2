"""The application factory: ``create_app(settings)`` builds the FastAPI app over one store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from graphkit.settings import Settings, load_settings
from graphkit.stores import Store, open_store
from graphkit.workers import WorkerPool, executor_for
from service.openapi import install as install_openapi
from service.routers import (
    browse,
    contributions,
    dataset,
    entities,
    graph_store,
    home,
    network,
    ops,
    queries,
    sparql,
    vocab,
)
from service.security import add_cors

__all__ = ["app_from_environment", "create_app"]


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The service over ``store`` (or the store the settings name, opened at start-up).

    A store passed in stays the caller's to close; one opened here is closed at shutdown.
    Queries run on ``app.state.executor`` (:mod:`graphkit.workers`): for an on-disk store a
    pool of worker processes started here and stopped at shutdown. Whatever writes to the
    store goes through ``app.state.executor.write(...)``, so that the workers see it.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store if store is not None else open_store(settings)
        executor = executor_for(app.state.store, workers=settings.query_workers,
                                timeout=settings.query_timeout)
        if isinstance(executor, WorkerPool):
            executor.start()
        app.state.executor = executor
        try:
            yield
        finally:
            executor.close()
            app.state.executor = None
            if owned:
                app.state.store.close()

    app = FastAPI(title="OpenGov KG", version="0.1.0", lifespan=lifespan,
                  docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None)
    app.state.settings = settings
    if store is not None:
        app.state.store = store
    app.include_router(home.router)
    app.include_router(sparql.router)
    app.include_router(graph_store.router)
    app.include_router(entities.router)
    app.include_router(browse.router)
    app.include_router(vocab.router)
    network.install(app)  # /network, /api/network/...
    queries.install(app, settings)  # /api/queries, /query, /static
    app.include_router(dataset.router)
    app.include_router(contributions.router)
    install_openapi(app)  # one operation id per method
    add_cors(app, settings)
    ops.install(app, settings)  # outermost: request ids, logs, metrics, rate limit
    return app


def app_from_environment() -> FastAPI:
    """The app over the settings of the environment (uvicorn's ``--factory`` entry)."""
    return create_app(load_settings())
