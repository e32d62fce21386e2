"""One query job and its answer as frames: what runs in a worker process or a thread
(:func:`run_job`), and the reading side common to both executors (:class:`FrameReader`)."""

from __future__ import annotations

import json
import logging
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol, TypeVar, cast

import pyoxigraph as ox

from graphkit.errors import (
    GraphkitError,
    QueryError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
    UsageError,
)
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.sparql_text import declared_prefixes
from graphkit.stores.base import QueryKind, QueryResult, Store

_log = logging.getLogger(__name__)

CHUNK = 64 * 1024
T = TypeVar("T")
Format = ResultFormat | RdfFormat

# the frames of an answer: one type byte and a payload (see graphkit.workers.pool for the wire)
FRAME_KIND, FRAME_DATA, FRAME_END, FRAME_ERROR, FRAME_READY = b"K", b"D", b"F", b"E", b"R"
# what an engine may raise while it evaluates or serialises, reported to the caller
QUERY_FAILURES = (GraphkitError, SyntaxError, ValueError, OSError, RuntimeError, MemoryError)
#: What a bug of ours raises, not a failure of the query: answered at once as an internal
#: error (:func:`internal_error_payload`), not left to surface as a timeout or a dead worker
BUGS = (AttributeError, TypeError, LookupError, AssertionError, ArithmeticError, NameError)


@dataclass(frozen=True)
class QueryJob:
    """A query to run and how to write its answer.

    ``formats`` gives the serialisation for each kind of answer (the caller negotiated them
    before knowing for sure which kind the query gives). With ``table_rows`` the answer is
    instead a JSON table of at most that many rows, for an HTML page: ``{"kind",
    "variables", "rows": [[term or null]], "truncated", "boolean"}``, terms in N-Triples
    syntax.
    """

    query: str
    formats: Mapping[QueryKind, Format] = field(default_factory=dict)
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    table_rows: int | None = None


class ResultStream(Iterator[bytes]):
    """The chunks of one answer; ``kind`` and ``format`` say what they are.

    ``complete`` is true when the whole answer arrived with the first chunk (an answer
    shorter than ``CHUNK``): the caller may send it in one piece, and the worker behind it
    is already free for the next query.
    """

    kind: QueryKind
    format: Format | None
    complete: bool = False

    def close(self) -> None:
        """Stop early (the client went away); the work behind it is stopped too."""


class QueryExecutor(Protocol):
    """Runs queries under the time limit and writes under one lock."""

    @property
    def hard_timeout(self) -> bool:
        """Whether a query past its time limit is really stopped (not just abandoned)."""
        ...

    def open(self, job: QueryJob) -> ResultStream:
        """Start ``job``; return when its first chunk is ready, or raise its error
        (:class:`QuerySyntaxError`, :class:`QueryTimeoutError`, :class:`QueryError`...)."""
        ...

    async def open_async(self, job: QueryJob) -> ResultStream:
        """:meth:`open` for a caller in an asyncio event loop (uvicorn's, uvloop too): the
        same answer and errors, without blocking the loop."""
        ...

    def write(self, action: Callable[[], T]) -> T:
        """Run a write on the store, one at a time; queries opened after it returns see it."""
        ...

    def close(self) -> None: ...



# -- running one job, in a worker process or a thread -------------------------------------
class Sink(Protocol):
    def send(self, kind: bytes, payload: bytes) -> None: ...


class Chunks:
    """A binary file for pyoxigraph's serialisers that sends ``CHUNK``-sized frames."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self._sink.send(FRAME_DATA, bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes once, at the end; the frames keep their size until then."""

    def finish(self) -> None:
        if self._buffer:
            self._sink.send(FRAME_DATA, bytes(self._buffer))
            self._buffer.clear()


def run_job(store: Store, job: QueryJob, sink: Sink, *, timeout: float | None) -> None:
    """Run ``job`` and send its frames: the kind, the data, the end (or an error)."""
    try:
        result = store.query(job.query, default_graphs=job.default_graphs,
                             named_graphs=job.named_graphs, base_iri=job.base_iri,
                             timeout=timeout)
        format = None if job.table_rows is not None else job.formats.get(result.kind)
        if job.table_rows is None and format is None:
            raise UsageError(f"no format was given for a {result.kind.value} answer")
        sink.send(FRAME_KIND, json.dumps([result.kind.value,
                                     format.value if format else None]).encode())
        chunks = Chunks(sink)
        if job.table_rows is not None:
            chunks.write(_table(result, job.table_rows))
        else:
            assert format is not None
            prefixes = declared_prefixes(job.query, base_iri=job.base_iri) \
                if isinstance(format, RdfFormat) and format.supports_prefixes else None
            result.serialize(cast(IO[bytes], chunks), format,  # a binary file for them
                             prefixes=prefixes)
        chunks.finish()
    except QUERY_FAILURES as error:
        sink.send(FRAME_ERROR, error_payload(error))
        return
    except BUGS as error:
        sink.send(FRAME_ERROR, internal_error_payload(error))
        return
    sink.send(FRAME_END, b"")


def _table(result: QueryResult, limit: int) -> bytes:
    table: dict[str, object] = {"kind": result.kind.value, "variables": result.variables,
                                "rows": [], "truncated": False, "boolean": None}
    rows: list[list[str | None]] = []
    if result.kind is QueryKind.ASK:
        table["boolean"] = result.boolean
    else:
        if result.kind is QueryKind.GRAPH:
            table["variables"] = ["subject", "predicate", "object"]
        for item in result:
            if len(rows) == limit:
                table["truncated"] = True
                break
            if isinstance(item, ox.Triple):
                rows.append([str(item.subject), str(item.predicate), str(item.object)])
            else:
                rows.append([None if item[v] is None else str(item[v])
                             for v in result.variables])
    table["rows"] = rows
    return json.dumps(table).encode()


def internal_error_payload(error: Exception) -> bytes:
    """The error frame for a failure that is not the query's (a bug of ours), logged with
    its traceback: the caller gets it at once as an error, not at its deadline as a
    timeout, and no traceback in the answer."""
    _log.error("the query job failed", exc_info=error)
    return error_payload(QueryError(
        f"internal error ({type(error).__name__}); the server log has the details"))


def error_payload(error: BaseException) -> bytes:
    if isinstance(error, QuerySyntaxError):
        kind = "syntax"
    elif isinstance(error, QueryTimeoutError):
        kind = "timeout"
    elif isinstance(error, StoreError):
        kind = "store"
    elif isinstance(error, UsageError):
        kind = "usage"
    else:
        kind = "query"
    message = error.message if isinstance(error, QuerySyntaxError) else str(error)
    return json.dumps({"kind": kind, "message": message,
                       "line": getattr(error, "line", None),
                       "column": getattr(error, "column", None)}).encode()


def _error_from(payload: bytes) -> GraphkitError:
    data = json.loads(payload)
    kind, message = data["kind"], data["message"]
    if kind == "syntax":
        return QuerySyntaxError(message, line=data["line"], column=data["column"])
    if kind == "timeout":
        return QueryTimeoutError(message)
    if kind == "store":
        return StoreError(message)
    if kind == "usage":
        return UsageError(message)
    return QueryError(message)


class FrameReader(ResultStream):
    """The common part of both streams: frames in, chunks out, errors raised."""

    def __init__(self, timeout: float, deadline: float) -> None:
        self._timeout = timeout
        self._deadline = deadline
        self._first: bytes | None = None
        self._done = False
        self.kind = QueryKind.SELECT
        self.format: Format | None = None

    @abstractmethod
    def _frame(self) -> tuple[bytes, bytes]:
        """The next frame from the producer (thread or worker process)."""

    def _finished(self) -> None:
        """The answer is complete, or its error arrived: the work is over."""

    def _abandon(self) -> None:
        """Stop the work (a timeout, or the reader went away)."""

    def _timed_out(self) -> QueryTimeoutError:
        self._done = True
        self._abandon()
        return QueryTimeoutError(
            f"the query ran past the time limit of {self._timeout:g} s and was stopped")

    def prime(self) -> None:
        """Wait for the kind and the first chunk (or the end, or the error)."""
        kind, payload = self._frame()
        if kind == FRAME_KIND:
            name, format = json.loads(payload)
            self.kind = QueryKind(name)
            self.format = _format_named(self.kind, format)
            self._first = self._next_chunk() or b""
            # the engine sends a frame shorter than CHUNK only as its last one, so the end
            # follows at once: read it now and free the producer
            if len(self._first) < CHUNK and not self._done \
                    and self._next_chunk() is not None:
                raise QueryError("the query runner sent data after its last chunk")
            self.complete = self._done
        else:
            self._handle(kind, payload)

    def _next_chunk(self) -> bytes | None:
        if self._done:
            return None
        kind, payload = self._frame()
        return self._handle(kind, payload)

    def _handle(self, kind: bytes, payload: bytes) -> bytes | None:
        if kind == FRAME_DATA:
            return payload
        self._done = True
        self._finished()
        if kind == FRAME_ERROR:
            raise _error_from(payload)
        if kind != FRAME_END:
            raise QueryError(f"unexpected frame {kind!r} from the query runner")
        return None

    def __next__(self) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            if first:
                return first
        chunk = self._next_chunk()
        if chunk is None:
            raise StopIteration
        return chunk

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._abandon()

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()


def _format_named(kind: QueryKind, value: str | None) -> Format | None:
    if value is None:
        return None
    return RdfFormat(value) if kind is QueryKind.GRAPH else ResultFormat(value)
