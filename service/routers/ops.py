"""Operations: ``/metrics`` (Prometheus text format), and :func:`install`, which puts the
request-id/metrics/logging middleware and the optional rate limit on an app.

``/health`` (the store check) is in :mod:`service.routers.home`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphkit.settings import Settings
from graphkit.stores import Store
from service.caching import ETagMiddleware, cacheable
from service.guards import NestingGuardMiddleware
from service.observability import (
    Metrics,
    ObservabilityMiddleware,
    configure_json_logging,
)
from service.ratelimit import RateLimitMiddleware

__all__ = ["install", "router"]

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Service metrics in the Prometheus text format",
            response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    found: Metrics = request.app.state.metrics
    return PlainTextResponse(found.render(), media_type=PROMETHEUS_TEXT)


def install(app: FastAPI, settings: Settings) -> None:
    """Add ``/metrics``, the observability middleware (outermost, so it sees every answer,
    429s included), when ``settings.sparql_rate_limit`` is set the rate limit, and the
    guard against crashingly deep input (:mod:`service.guards`), the ETag and 304 of
    cacheable reads (:mod:`service.caching`); with ``settings.cache_max_age`` a
    ``Cache-Control`` on them."""

    def store_size() -> int:
        store: Store | None = getattr(app.state, "store", None)
        return sum(info.triples for info in store.graphs()) if store is not None else 0

    app.state.metrics = Metrics(store_size=store_size)
    configure_json_logging()
    app.include_router(router)
    app.add_middleware(NestingGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ETagMiddleware)
    if settings.cache_max_age > 0:  # outside the ETag, so that a 304 carries it too
        app.add_middleware(CacheControlMiddleware, max_age=settings.cache_max_age)
    if settings.sparql_rate_limit > 0:
        app.add_middleware(RateLimitMiddleware, rate=settings.sparql_rate_limit,
                           burst=settings.sparql_rate_burst)
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)


class CacheControlMiddleware:
    """``Cache-Control: public, max-age=N`` on successful ``GET``/``HEAD`` answers (200, and
    the 304 of a revalidation) of the read routes (:func:`service.caching.cacheable`) that
    set none themselves; never on a request that carries ``Authorization`` (RFC 9111
    §3.5), never on other methods. Headers only: streamed answers pass through as they
    are."""

    def __init__(self, app: ASGIApp, *, max_age: int) -> None:
        self.app = app
        self.value = f"public, max-age={max_age}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (not cacheable(path) or scope.get("method") not in ("GET", "HEAD")
                or any(k.lower() == b"authorization" for k, _ in scope.get("headers", []))):
            await self.app(scope, receive, send)
            return

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", self.value))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_cached)
