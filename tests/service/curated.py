"""The curated graph as ``make run`` loads it (``ontology/``, its schemes, ``shapes/`` and
``data/``), in a fresh in-memory store, and an app over it; the ``store`` and ``client``
fixtures of ``conftest.py`` use these."""

from __future__ import annotations

from pathlib import Path

from graphkit.load import sync_project
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore

__all__ = ["PROJECT", "curated_settings", "curated_store"]

PROJECT = Path(__file__).resolve().parent.parent.parent


def curated_settings() -> Settings:
    return Settings(store_path=None, project_root=PROJECT)


def curated_store() -> OxigraphStore:
    """A fresh in-memory store holding the curated graph, as ``make run`` loads it."""
    store = OxigraphStore()
    sync_project(store, curated_settings())
    return store
