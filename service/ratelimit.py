"""A per-client rate limit for the query endpoint, off unless configured.

``GRAPHKIT_SPARQL_RATE_LIMIT`` requests per second per client (the peer address), with
bursts of up to ``GRAPHKIT_SPARQL_RATE_BURST``: a token bucket per client. A request over
the limit is answered ``429 Too Many Requests`` with ``Retry-After`` (whole seconds, as
RFC 9110 §10.2.3 asks) before its body is read, so a flood costs little.
The peer address is what the server sees: behind a proxy, limit there or make the proxy
pass the client's address to uvicorn (``--proxy-headers``).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RateLimitMiddleware", "TokenBuckets"]

MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first


class TokenBuckets:
    """One token bucket per key: ``rate`` tokens per second, at most ``burst`` saved.

    >>> buckets = TokenBuckets(rate=1.0, burst=2, clock=lambda: 0.0)
    >>> [buckets.take("a") for _ in range(3)]
    [0.0, 0.0, 1.0]
    """

    def __init__(self, *, rate: float, burst: int, max_keys: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is there."""
        now = self._clock()
        tokens, then = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


class RateLimitMiddleware:
    """Refuse requests to ``paths`` over the per-client rate (pure ASGI; the event loop is
    one thread, so the buckets need no lock)."""

    def __init__(self, app: ASGIApp, *, rate: float, burst: int,
                 paths: Sequence[str] = ("/sparql",)) -> None:
        self.app = app
        self.paths = tuple(paths)
        self.buckets = TokenBuckets(rate=rate, burst=burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.buckets.take(client[0] if client else "unknown")
        if wait <= 0.0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        body = (f"Too many queries from this client: at most {self.buckets.rate:g} per second "
                f"(bursts of {self.buckets.burst}). Retry after {retry} s.\n").encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry).encode())]})
        await send({"type": "http.response.body", "body": body})
