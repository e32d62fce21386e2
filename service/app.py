"""The application factory: ``create_app(settings)`` builds the FastAPI app over one store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from graphkit.settings import Settings, load_settings
from graphkit.stores import Store, open_store
from service.routers import home, sparql

__all__ = ["app_from_environment", "create_app"]


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The service over ``store`` (or the store the settings name, opened at start-up).

    A store passed in stays the caller's to close; one opened here is closed at shutdown.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store if store is not None else open_store(settings)
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    app = FastAPI(title="OpenGov KG", version="0.1.0", lifespan=lifespan,
                  docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None)
    app.state.settings = settings
    if store is not None:
        app.state.store = store
    app.include_router(home.router)
    app.include_router(sparql.router)
    return app


def app_from_environment() -> FastAPI:
    """The app over the settings of the environment (uvicorn's ``--factory`` entry)."""
    return create_app(load_settings())
