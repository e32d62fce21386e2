"""What routers get injected: the settings and the store of the running app."""

from __future__ import annotations

from fastapi import Request

from graphkit.settings import Settings
from graphkit.stores import Store

__all__ = ["get_settings", "get_store"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store
