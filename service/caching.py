"""HTTP caching of the read routes: ``ETag`` / ``If-None-Match`` (RFC 9110 §8.8.3, §13.1.2).

:class:`ETagMiddleware` gives every successful ``GET``/``HEAD`` answer of a cacheable route
(:func:`cacheable`: ``/sparql`` query results, entity pages under ``/id/``, ``/ns``,
``/scheme``, the home page ``/``, ``/browse``, ``/search``, ``/api/search``,
``/api/queries``) a weak entity
tag made of the store-change token (:meth:`graphkit.dataset.StoreWatch.token`, which moves
with every write through the embedded store and is polled on a remote one) and of what
selects the representation: the path and query string, ``Accept``, ``Accept-Language``,
``Host`` and whether the request carries credentials. A request whose ``If-None-Match``
names the current tag is answered ``304 Not Modified`` at once, without running the query
or building the page. Other methods (the writes) pass through untouched.

Weak (``W/"…"``), because two answers with the same tag carry the same data but not always
the same bytes (HTML with a fresh request id, JSON key order of another process).
``Cache-Control`` is :class:`service.routers.ops.CacheControlMiddleware`'s, from settings.
"""

from __future__ import annotations

import hashlib

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.linked_data import get_linked_data

__all__ = ["ETagMiddleware", "cacheable", "entity_tag"]

EXACT = frozenset({"/", "/sparql", "/ns", "/scheme", "/browse", "/search", "/api/search"})
PREFIXES = ("/id/", "/ns/", "/ns.", "/scheme/", "/browse/", "/api/queries")
# the request headers that choose among representations of one URL
SELECTING = (b"accept", b"accept-language", b"host")


def cacheable(path: str) -> bool:
    """Whether ``GET`` answers of ``path`` may carry an ETag and ``Cache-Control``."""
    return path in EXACT or path.startswith(PREFIXES)


def entity_tag(token: str, scope: Scope) -> str:
    """The weak ETag of the answer ``scope`` asks for while the store's token is ``token``."""
    headers = dict(scope.get("headers", []))
    parts = [token.encode(), scope.get("root_path", "").encode(),
             scope.get("path", "").encode(), scope.get("query_string", b"")]
    parts += [headers.get(name, b"") for name in SELECTING]
    parts.append(b"auth" if b"authorization" in headers else b"")
    digest = hashlib.sha256(b"\x00".join(parts)).hexdigest()[:32]
    return f'W/"{digest}"'


def _matches(header: str, tag: str) -> bool:
    """``If-None-Match`` against ``tag``, weak comparison (RFC 9110 §13.1.2)."""
    opaque = tag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


class ETagMiddleware:
    """ETag on cacheable reads, and 304 for a matching ``If-None-Match`` (see module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not cacheable(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        tag = entity_tag(await self._token(scope), scope)
        asked = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                      if k.lower() == b"if-none-match"), None)
        if asked is not None and _matches(asked, tag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", tag.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"etag" for k, _ in headers):
                    headers.append((b"etag", tag.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_tagged)

    @staticmethod
    async def _token(scope: Scope) -> str:
        """The store's change token: at once where the store counts its writes, else in a
        worker thread (a remote store's token may be a round trip to the server)."""
        linked = get_linked_data(Request(scope))
        if getattr(linked.store, "writes", None) is not None:
            return linked.watch.token()
        return await anyio.to_thread.run_sync(linked.watch.token)
