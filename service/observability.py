"""Operations: a request id on every request, one JSON log line per request, and metrics.

- **Request id**: ``X-Request-ID`` is honoured when the client sends a sane one (up to 128
  characters of ``A-Z a-z 0-9 . _ : -``), otherwise a fresh one is made; it is echoed in
  the response and put on every log record written while the request runs
  (:func:`current_request_id`).
- **Logs**: the ``service.access`` logger writes one JSON object per request (time, level,
  request id, method, path, route, status, seconds, client). :class:`JsonFormatter` formats
  any record that way; :func:`configure_json_logging` installs it.
- **Metrics** (:class:`Metrics`, kept on ``app.state.metrics``) in the Prometheus text
  exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/):
  requests by route, method and status; a latency histogram by route; query timeouts
  (a ``503`` with ``Retry-After`` on a query route, which is how
  :func:`service.problems.problem_for` answers a timeout); validation failures, which any
  router counts with :func:`count_validation_failure`; the store's size, read at scrape.

Written by hand rather than with ``prometheus_client``: a handful of counters and one
histogram, per app (so tests build fresh apps without a process-wide registry).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphkit.errors import GraphkitError

__all__ = [
    "JsonFormatter",
    "Metrics",
    "ObservabilityMiddleware",
    "configure_json_logging",
    "count_validation_failure",
    "current_request_id",
]

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
#: Latency buckets in seconds (upper bounds), as Prometheus' client library picks them.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
QUERY_ROUTES = ("/sparql", "/api/queries")
ACCESS_LOG = "service.access"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "graphkit_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context (``None`` outside one)."""
    return _request_id.get()


# -- metrics ------------------------------------------------------------------------------
@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    observations: int = 0

    def observe(self, seconds: float) -> None:
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.counts[index] += 1
        self.total += seconds
        self.observations += 1


class Metrics:
    """The service's counters and latency histogram; :meth:`render` writes them out.

    ``store_size`` is called at scrape time and may raise ``OSError`` or a graphkit error,
    which is reported as ``graphkit_store_up 0``.

    >>> metrics = Metrics()
    >>> metrics.record_request("/sparql", "GET", 200, 0.02)
    >>> 'graphkit_http_requests_total{route="/sparql",method="GET",status="200"} 1' in \
metrics.render()
    True
    """

    def __init__(self, *, store_size: Callable[[], int] | None = None,
                 store_size_ttl: float = 15.0) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[str, _Histogram] = {}
        self.query_timeouts = 0
        self.validation_failures = 0
        self.rate_limited = 0
        self._store_size = store_size
        self._store_size_ttl = store_size_ttl
        self._size_cache: tuple[float, int | None] | None = None

    def record_request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (route, method, str(status))
            self._requests[key] = self._requests.get(key, 0) + 1
            self._latency.setdefault(route, _Histogram()).observe(seconds)
            if status == 503 and route.startswith(QUERY_ROUTES):
                self.query_timeouts += 1
            if status == 429:
                self.rate_limited += 1

    def count_query_timeout(self) -> None:
        with self._lock:
            self.query_timeouts += 1

    def count_validation_failure(self, results: int = 1) -> None:
        """Count a rejected contribution or validation run (``results`` failures)."""
        with self._lock:
            self.validation_failures += results

    def requests(self, route: str, status: int) -> int:
        """Requests seen on ``route`` answered with ``status`` (all methods)."""
        with self._lock:
            return sum(n for (r, _, s), n in self._requests.items()
                       if r == route and s == str(status))

    def _size(self) -> int | None:
        if self._store_size is None:
            return None
        now = time.monotonic()
        if self._size_cache is not None and now - self._size_cache[0] < self._store_size_ttl:
            return self._size_cache[1]
        try:
            size: int | None = self._store_size()
        except (GraphkitError, OSError):
            size = None
        self._size_cache = (now, size)
        return size

    def render(self) -> str:
        """The metrics in the Prometheus text format, version 0.0.4."""
        size = self._size()
        out: list[str] = []
        with self._lock:
            out += _family("graphkit_http_requests_total", "counter",
                           "HTTP requests by route template, method and status.")
            for (route, method, status), count in sorted(self._requests.items()):
                labels = _labels(route=route, method=method, status=status)
                out.append(f"graphkit_http_requests_total{labels} {count}")
            out += _family("graphkit_http_request_duration_seconds", "histogram",
                           "Time to the end of the response, by route template.")
            for route, histogram in sorted(self._latency.items()):
                for bound, count in zip(BUCKETS, histogram.counts, strict=True):
                    out.append("graphkit_http_request_duration_seconds_bucket"
                               f"{_labels(route=route, le=_number(bound))} {count}")
                out.append("graphkit_http_request_duration_seconds_bucket"
                           f"{_labels(route=route, le='+Inf')} {histogram.observations}")
                out.append(f"graphkit_http_request_duration_seconds_sum{_labels(route=route)}"
                           f" {histogram.total:.6f}")
                out.append(f"graphkit_http_request_duration_seconds_count"
                           f"{_labels(route=route)} {histogram.observations}")
            for name, value, text in (
                    ("graphkit_query_timeouts_total", self.query_timeouts,
                     "Queries stopped at the time limit."),
                    ("graphkit_validation_failures_total", self.validation_failures,
                     "Contributions or validation runs that did not conform."),
                    ("graphkit_rate_limited_total", self.rate_limited,
                     "Requests refused by the per-client rate limit (429).")):
                out += _family(name, "counter", text)
                out.append(f"{name} {value}")
        out += _family("graphkit_store_up", "gauge", "1 when the store answered at scrape.")
        out.append(f"graphkit_store_up {0 if size is None else 1}")
        if size is not None:
            out += _family("graphkit_store_triples", "gauge",
                           "Triples in the store, all graphs (cached for a few seconds).")
            out.append(f"graphkit_store_triples {size}")
        return "\n".join(out) + "\n"


def _family(name: str, kind: str, text: str) -> list[str]:
    return [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]


def _labels(**labels: str) -> str:
    """``{a="x",b="y"}`` with values escaped as the text format asks (\\, ", newline)."""
    parts = []
    for key, value in labels.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'{key}="{escaped}"')
    return "{" + ",".join(parts) + "}"


def _number(value: float) -> str:
    return repr(float(value))


def count_validation_failure(metrics: Metrics | None, results: int = 1) -> None:
    """For routers: ``count_validation_failure(getattr(request.app.state, "metrics", None))``."""
    if metrics is not None:
        metrics.count_validation_failure(results)


# -- logs ---------------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras."""

    _STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
        "message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_json_logging(names: Sequence[str] = (ACCESS_LOG,), *,
                           level: int = logging.INFO) -> None:
    """Give each named logger a JSON handler on stderr (once; idempotent) that it keeps to
    itself (no propagation, so the lines are not written twice by the server's own
    handlers). Other loggers are left as the host process configured them."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            logger.addHandler(handler)
            logger.propagate = False
        logger.setLevel(level)


# -- the middleware -----------------------------------------------------------------------
class ObservabilityMiddleware:
    """Pure ASGI (streamed answers pass through untouched): request id, timing, metrics,
    one access-log line."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger(ACCESS_LOG)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_of(scope)
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != REQUEST_ID_HEADER.encode()]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_of(scope)
            self.metrics.record_request(route, scope.get("method", ""), status, seconds)
            client = scope.get("client")
            self.log.info("%s %s %s", scope.get("method", ""), scope.get("path", ""), status,
                          extra={"request_id": request_id, "method": scope.get("method"),
                                 "path": scope.get("path"), "route": route,
                                 "status": status, "seconds": round(seconds, 6),
                                 "client": client[0] if client else None})
            _request_id.reset(token)


def _request_id_of(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == REQUEST_ID_HEADER.encode():
            given: str = value.decode("latin-1").strip()
            if _SANE_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def _route_of(scope: Scope) -> str:
    """The matched route's template (``/id/{kind}/{slug}``), so that labels stay few."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    mount = scope.get("root_path", "")
    if mount:  # a mounted app (static files): one label for all it serves
        return f"{mount}/*"
    if "endpoint" in scope:  # a plain Starlette route: a fixed path
        return str(scope.get("path", "unmatched"))
    return "unmatched"
