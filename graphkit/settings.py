"""One settings object, built at start-up from ``GRAPHKIT_*`` environment variables.

Nothing here reads the environment at import time: call :func:`load_settings` (or build
:class:`Settings` directly in tests) and pass the object to whoever needs it.

>>> Settings(store_path=None).base_iri
'https://w3id.org/ogkg/'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings"]

DEFAULT_REMOTE_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "http://localhost:8890/",
    "urn:activitystreams-owl:map",
    "urn:core:services:sparql",
)


class Settings(BaseSettings):
    """Everything configurable, each field from ``GRAPHKIT_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="GRAPHKIT_", extra="ignore", frozen=True)

    # the store: embedded (path, or in memory when None) or remote (endpoint)
    store_path: Path | None = Field(default=Path("var/store"),
                                    description="On-disk Oxigraph store; empty for in-memory.")
    endpoint: str | None = Field(default=None, description="Remote SPARQL 1.1 query endpoint.")
    update_endpoint: str | None = Field(default=None,
                                        description="Remote update endpoint (default: endpoint).")
    graph_store_endpoint: str | None = Field(
        default=None, description="Remote Graph Store Protocol endpoint (e.g. .../store).")
    remote_user: str | None = None
    remote_password: SecretStr | None = None
    remote_system_graphs: tuple[str, ...] = Field(
        default=DEFAULT_REMOTE_SYSTEM_GRAPHS,
        description="IRI prefixes of a remote server's own graphs, hidden from lists and dumps.")

    # identity
    base_iri: str = "https://w3id.org/ogkg/"
    public_origin: str | None = Field(
        default=None, description="Origin the server is reached at; mapped onto base_iri.")

    # the service
    host: str = "127.0.0.1"
    port: int = 8000
    write_token: SecretStr | None = None
    query_timeout: float = Field(default=30.0, gt=0)
    max_query_length: int = Field(default=100_000, gt=0)
    max_body_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_html_rows: int = Field(default=1_000, gt=0)
    query_workers: int = Field(default=2, ge=1)
    sparql_rate_limit: float = Field(
        default=0.0, ge=0, description="Queries per second per client on /sparql; 0: no limit.")
    sparql_rate_burst: int = Field(default=20, ge=1,
                                   description="Queries a client may send at once.")
    cache_max_age: int = Field(
        default=0, ge=0, description="Seconds caches may keep GET answers of the read routes "
        "(/sparql, /id/, /ns, /scheme, /, /browse, /search, /api/queries; Cache-Control: "
        "public, max-age); 0: no header added, answers are revalidated by their ETag.")
    cors_origins: tuple[str, ...] = ()
    service_allow_list: tuple[str, ...] = ()

    # where the curated material lives (for `make run` and `graphkit serve --sync`)
    project_root: Path = Path(".")

    @field_validator("store_path", mode="before")
    @classmethod
    def _empty_path_is_memory(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.endswith(("/", "#")):
            raise ValueError("base_iri must end with '/' or '#', e.g. https://w3id.org/ogkg/")
        return value

    @property
    def is_remote(self) -> bool:
        return self.endpoint is not None

    def graph_iri(self, name: str) -> str:
        """IRI of one of our named graphs, e.g. ``graph_iri("ontology")``."""
        return f"{self.base_iri}graph/{name}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)
