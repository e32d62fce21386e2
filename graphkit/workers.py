"""Queries with a time limit that really stops the work, and results that stream.

pyoxigraph's ``Store.query`` cannot be interrupted: an aggregate or an ``ORDER BY`` blocks
inside one call for as long as it takes. So the embedded on-disk store answers queries from
a :class:`WorkerPool` of processes that are killed and replaced when a query runs past the
limit. The main process keeps the one read-write store; after every committed write
(:meth:`WorkerPool.write`) it takes a hard-link snapshot with ``Store.backup`` under a new
generation number, and each worker opens the latest generation with ``Store.read_only``
when it takes its next query (pyoxigraph 0.5 has no secondary instances, and opening a
store read-only while another process writes it is undefined behaviour; a snapshot is
never written). Snapshots no worker holds any more are deleted.

An in-memory store cannot be shared with another process, and a remote store is another
server: both get a :class:`ThreadExecutor`, whose limit is cooperative (the caller gets
its error at the deadline; an in-memory evaluation blocked in an aggregate runs on in its
thread until it yields a row, a remote one until the HTTP timeout of the remote store).

Both executors stream: :meth:`open` returns once the first chunk (64 KiB) or the whole
answer is there, or raises the query's error while a caller can still turn it into a
status code, then the chunks come as the engine serialises them, through a bounded
channel, so a million-row answer never sits whole in memory.

>>> from graphkit.stores import OxigraphStore
>>> executor = executor_for(OxigraphStore(), workers=1, timeout=5)
>>> stream = executor.open(QueryJob("ASK {}", formats={QueryKind.ASK: ResultFormat.JSON}))
>>> b"".join(stream)
b'{"head":{},"boolean":true}'
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pickle
import queue
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, TypeVar

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
from graphkit.stores.base import QueryKind, QueryResult, Store
from graphkit.stores.oxigraph import OxigraphStore

__all__ = [
    "CHUNK",
    "QueryExecutor",
    "QueryJob",
    "ResultStream",
    "ThreadExecutor",
    "WorkerPool",
    "executor_for",
]

CHUNK = 64 * 1024
T = TypeVar("T")
Format = ResultFormat | RdfFormat

# frames between a worker and the main process: one type byte, a 4-byte length, the payload
_HEAD = struct.Struct(">cI")
_KIND, _DATA, _END, _ERROR, _READY = b"K", b"D", b"F", b"E", b"R"
STARTUP_TIMEOUT = 60.0
# what an engine may raise while it evaluates or serialises, reported to the caller
_QUERY_FAILURES = (GraphkitError, SyntaxError, ValueError, OSError, RuntimeError, MemoryError)


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
    """The chunks of one answer; ``kind`` and ``format`` say what they are."""

    kind: QueryKind
    format: Format | None

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

    def write(self, action: Callable[[], T]) -> T:
        """Run a write on the store, one at a time; queries opened after it returns see it."""
        ...

    def close(self) -> None: ...


def executor_for(store: Store, *, workers: int, timeout: float,
                 processes: bool = True) -> QueryExecutor:
    """A :class:`WorkerPool` for an on-disk Oxigraph store (when ``processes``), else a
    :class:`ThreadExecutor`. Start a pool with :meth:`WorkerPool.start`."""
    if processes and isinstance(store, OxigraphStore) and store.path is not None \
            and not store.read_only:
        return WorkerPool(store, workers=workers, timeout=timeout)
    return ThreadExecutor(store, workers=workers, timeout=timeout)


# -- running one job, in a worker process or a thread -------------------------------------
class _Sink(Protocol):
    def send(self, kind: bytes, payload: bytes) -> None: ...


class _Chunks:
    """A binary file for pyoxigraph's serialisers that sends ``CHUNK``-sized frames."""

    def __init__(self, sink: _Sink) -> None:
        self._sink = sink
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self._sink.send(_DATA, bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes once, at the end; the frames keep their size until then."""

    def finish(self) -> None:
        if self._buffer:
            self._sink.send(_DATA, bytes(self._buffer))
            self._buffer.clear()


def _run_job(store: Store, job: QueryJob, sink: _Sink, *, timeout: float | None) -> None:
    """Run ``job`` and send its frames: the kind, the data, the end (or an error)."""
    try:
        result = store.query(job.query, default_graphs=job.default_graphs,
                             named_graphs=job.named_graphs, base_iri=job.base_iri,
                             timeout=timeout)
        format = None if job.table_rows is not None else job.formats.get(result.kind)
        if job.table_rows is None and format is None:
            raise UsageError(f"no format was given for a {result.kind.value} answer")
        sink.send(_KIND, json.dumps([result.kind.value,
                                     format.value if format else None]).encode())
        chunks = _Chunks(sink)
        if job.table_rows is not None:
            chunks.write(_table(result, job.table_rows))
        else:
            assert format is not None
            result.serialize(chunks, format)  # type: ignore[arg-type]
        chunks.finish()
    except _QUERY_FAILURES as error:
        sink.send(_ERROR, _error_payload(error))
        return
    sink.send(_END, b"")


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


def _error_payload(error: BaseException) -> bytes:
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


class _Reader(ResultStream):
    """The common part of both streams: frames in, chunks out, errors raised."""

    def __init__(self, timeout: float, deadline: float) -> None:
        self._timeout = timeout
        self._deadline = deadline
        self._first: bytes | None = None
        self._done = False
        self.kind = QueryKind.SELECT
        self.format: Format | None = None

    def _frame(self) -> tuple[bytes, bytes]:
        raise NotImplementedError

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
        if kind == _KIND:
            name, format = json.loads(payload)
            self.kind = QueryKind(name)
            self.format = _format_named(self.kind, format)
            self._first = self._next_chunk() or b""
        else:
            self._handle(kind, payload)

    def _next_chunk(self) -> bytes | None:
        if self._done:
            return None
        kind, payload = self._frame()
        return self._handle(kind, payload)

    def _handle(self, kind: bytes, payload: bytes) -> bytes | None:
        if kind == _DATA:
            return payload
        self._done = True
        self._finished()
        if kind == _ERROR:
            raise _error_from(payload)
        if kind != _END:
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


# -- threads ------------------------------------------------------------------------------
class _Abandoned(Exception):
    """The reader went away: the producing thread stops at its next write."""


class _Channel:
    """A bounded queue of frames from a producing thread to the reader."""

    def __init__(self) -> None:
        self.frames: queue.Queue[tuple[bytes, bytes]] = queue.Queue(maxsize=8)
        self.abandoned = threading.Event()

    def send(self, kind: bytes, payload: bytes) -> None:
        while True:
            if self.abandoned.is_set():
                raise _Abandoned
            try:
                self.frames.put((kind, payload), timeout=0.2)
                return
            except queue.Full:
                continue


class _ThreadStream(_Reader):
    def __init__(self, channel: _Channel, timeout: float, deadline: float) -> None:
        super().__init__(timeout, deadline)
        self._channel = channel

    def _frame(self) -> tuple[bytes, bytes]:
        remaining = self._remaining()
        if remaining <= 0:
            raise self._timed_out()
        try:
            return self._channel.frames.get(timeout=remaining)
        except queue.Empty:
            raise self._timed_out() from None

    def _abandon(self) -> None:
        self._channel.abandoned.set()


class ThreadExecutor:
    """Each query in a thread of its own, at most ``workers`` at once; cooperative timeout.

    A query whose time is up is answered with :class:`QueryTimeoutError` at once; its thread
    stops at its next row or write (in-memory store) or at the HTTP timeout (remote store),
    and holds its slot until then.
    """

    def __init__(self, store: Store, *, workers: int, timeout: float) -> None:
        self._store = store
        self._timeout = timeout
        self._workers = workers
        self._slots = threading.BoundedSemaphore(workers)
        self._write_lock = threading.Lock()

    @property
    def hard_timeout(self) -> bool:
        return bool(self._store.capabilities.hard_timeout)

    def open(self, job: QueryJob) -> ResultStream:
        deadline = time.monotonic() + self._timeout
        if not self._slots.acquire(timeout=self._timeout):
            raise QueryTimeoutError(f"all {self._workers} query slots stayed busy for "
                                    f"{self._timeout:g} s; try again later")
        channel = _Channel()
        stream = _ThreadStream(channel, self._timeout, deadline)
        remaining = max(0.001, deadline - time.monotonic())
        thread = threading.Thread(target=self._produce, args=(job, channel, remaining),
                                  name="graphkit-query", daemon=True)
        thread.start()
        stream.prime()
        return stream

    def _produce(self, job: QueryJob, channel: _Channel, timeout: float) -> None:
        try:
            _run_job(self._store, job, channel, timeout=timeout)
        except _Abandoned:
            pass
        finally:
            self._slots.release()

    def write(self, action: Callable[[], T]) -> T:
        with self._write_lock:
            return action()

    def close(self) -> None:
        """Nothing to stop: the threads end with their queries."""


def stream_from_thread(produce: Callable[[IO[bytes]], None], *,
                       timeout: float | None = None) -> ResultStream:
    """Run ``produce(output)`` in a thread and read what it writes, chunk by chunk.

    Returns once the first chunk is there (or raises what ``produce`` raised before it
    wrote anything), like :meth:`QueryExecutor.open`. For dumps: ``store.dump`` writes to
    ``output``.
    """
    channel = _Channel()
    limit = timeout if timeout is not None else 365 * 86400.0
    stream = _ThreadStream(channel, limit, time.monotonic() + limit)

    def run() -> None:
        chunks = _Chunks(channel)
        try:
            channel.send(_KIND, json.dumps([QueryKind.GRAPH.value, None]).encode())
            produce(chunks)  # type: ignore[arg-type]
            chunks.finish()
        except _Abandoned:
            return
        except _QUERY_FAILURES as error:
            with contextlib.suppress(_Abandoned):
                channel.send(_ERROR, _error_payload(error))
            return
        with contextlib.suppress(_Abandoned):
            channel.send(_END, b"")

    threading.Thread(target=run, name="graphkit-dump", daemon=True).start()
    stream.prime()
    return stream


# -- worker processes ---------------------------------------------------------------------
def _send_frame(sock: socket.socket, kind: bytes, payload: bytes) -> None:
    sock.sendall(_HEAD.pack(kind, len(payload)) + payload)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        part = sock.recv(min(size - len(data), 1 << 20))
        if not part:
            raise EOFError("the other end closed the connection")
        data += part
    return bytes(data)


def _receive_frame(sock: socket.socket) -> tuple[bytes, bytes]:
    kind, size = _HEAD.unpack(_receive_exactly(sock, _HEAD.size))
    return kind, _receive_exactly(sock, size) if size else b""


class _SocketSink:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def send(self, kind: bytes, payload: bytes) -> None:
        _send_frame(self._sock, kind, payload)


def _worker_main(sock: socket.socket, memory_limit: int | None = None) -> None:
    """A worker process: run the jobs that come in over ``sock`` until it closes.

    ``memory_limit`` caps the worker's data segment (``RLIMIT_DATA``): a query that would
    need more (an ORDER BY over a huge product grows by hundreds of MB a second) makes the
    engine abort, the pool reports it and starts another worker, and the machine lives on.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _die_with_parent()
    if memory_limit:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    store: OxigraphStore | None = None
    generation: int | None = None
    sink = _SocketSink(sock)
    sink.send(_READY, b"")
    while True:
        try:
            _, message = _receive_frame(sock)
        except (EOFError, OSError):
            return
        job, snapshot, wanted = pickle.loads(message)
        if wanted != generation:
            if store is not None:
                store.close()
            store, generation = None, None
            try:
                store, generation = OxigraphStore(snapshot, read_only=True), wanted
            except StoreError as error:
                sink.send(_ERROR, _error_payload(error))
                continue
        _run_job(store, job, sink, timeout=None)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the server that started it dies (PR_SET_PDEATHSIG);
    elsewhere the worker ends when its socket closes, after its current query."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    sock: socket.socket
    generation: int | None = None
    ready: bool = False


class _PoolStream(_Reader):
    def __init__(self, pool: WorkerPool, worker: _Worker, timeout: float,
                 deadline: float) -> None:
        super().__init__(timeout, deadline)
        self._pool = pool
        self._worker = worker

    def _frame(self) -> tuple[bytes, bytes]:
        remaining = self._remaining()
        if remaining <= 0:
            raise self._timed_out()
        try:
            self._worker.sock.settimeout(remaining)
            return _receive_frame(self._worker.sock)
        except TimeoutError:
            raise self._timed_out() from None
        except (EOFError, OSError) as error:
            self._done = True
            status = self._pool._discard(self._worker, crashed=True)
            raise QueryError(
                "the query worker stopped before it finished (exit status "
                f"{status}): most likely the query needed more memory than a worker may "
                "use") from error

    def _finished(self) -> None:
        self._pool._release(self._worker)

    def _abandon(self) -> None:
        self._pool._discard(self._worker)


class WorkerPool:
    """``workers`` processes answering queries from snapshots of an on-disk store.

    Call :meth:`start` before the first query and :meth:`close` at the end; every write to
    the store must go through :meth:`write`, so that the workers see it.
    """

    def __init__(self, store: OxigraphStore, *, workers: int, timeout: float,
                 snapshots: Path | None = None, memory_limit: int | None = None) -> None:
        if store.path is None:
            raise UsageError("a worker pool needs an on-disk store")
        self._store = store
        self._size = workers
        self._timeout = timeout
        # by default the workers together may take all the memory but one worker's share
        self._memory_limit = memory_limit if memory_limit is not None else \
            _physical_memory() // (workers + 1)
        self._root = snapshots or store.path.parent / f".{store.path.name}.snapshots"
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._generation = 0
        self._on_disk: set[int] = set()
        self._closed = False
        # one long-lived thread starts every worker: Linux sends the parent-death signal
        # when the *thread* that started a process ends (prctl(2)), so not a passing one
        self._births: queue.Queue[bool] = queue.Queue()
        self._started = threading.Semaphore(0)
        self._keeper: threading.Thread | None = None

    @property
    def hard_timeout(self) -> bool:
        return True

    @property
    def generation(self) -> int:
        """The number of the snapshot new queries read."""
        return self._generation

    def start(self) -> None:
        """Take the first snapshot and start the workers; return when they are ready."""
        shutil.rmtree(self._root, ignore_errors=True)
        self._root.mkdir(parents=True)
        self._snapshot()
        self._keeper = threading.Thread(target=self._keep, name="graphkit-workers",
                                        daemon=True)
        self._keeper.start()
        for _ in range(self._size):
            self._births.put(True)
        for _ in range(self._size):
            if not self._started.acquire(timeout=STARTUP_TIMEOUT):
                raise QueryError("the query workers did not start")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        self._births.put(False)
        for worker in workers:
            self._kill(worker)
        if self._keeper is not None:
            self._keeper.join(timeout=STARTUP_TIMEOUT)
        shutil.rmtree(self._root, ignore_errors=True)

    def worker_pids(self) -> list[int]:
        """The process ids of the workers that have started (busy or idle), for tests and
        monitoring; one being started in the place of another is not counted yet."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.ready]

    # -- queries --------------------------------------------------------------------------
    def open(self, job: QueryJob) -> ResultStream:
        deadline = time.monotonic() + self._timeout
        for _attempt in range(3):
            worker = self._take(deadline)
            with self._lock:
                generation = self._generation
                worker.generation = generation
            message = pickle.dumps((job, str(self._path_of(generation)), generation))
            try:
                worker.sock.settimeout(max(0.01, deadline - time.monotonic()))
                _send_frame(worker.sock, _DATA, message)
            except OSError:  # the worker died while idle: replace it, try another
                self._discard(worker)
                continue
            stream = _PoolStream(self, worker, self._timeout, deadline)
            stream.prime()
            return stream
        raise QueryError("no query worker could take the query")

    def _take(self, deadline: float) -> _Worker:
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryTimeoutError(
                f"all {self._size} query workers stayed busy for {self._timeout:g} s; "
                "try again later") from None

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed or worker not in self._workers:
                return
        self._idle.put(worker)
        self._collect()

    def _discard(self, worker: _Worker, *, crashed: bool = False) -> int | None:
        """Kill a worker (past its time, or gone) and have another started in its place;
        for one that ``crashed``, its exit status."""
        status = worker.process.poll()
        if status is None and crashed:
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = worker.process.wait(timeout=0.5)  # let it finish dying
        with self._lock:
            if worker not in self._workers:
                return status
            self._workers.discard(worker)
            closed = self._closed
        self._kill(worker)
        if not closed:
            self._births.put(True)
        return status

    def _keep(self) -> None:
        """The keeper thread: start a worker for every request, until told to stop; each
        new worker joins the idle ones once it says it is ready."""
        while self._births.get():
            with self._lock:
                if self._closed:
                    return
            try:
                worker = self._spawn()
            except OSError:
                time.sleep(0.5)
                self._births.put(True)
                continue
            threading.Thread(target=self._welcome, args=(worker,), name="graphkit-ready",
                             daemon=True).start()

    def _welcome(self, worker: _Worker) -> None:
        try:
            self._wait_ready(worker)
        except QueryError:
            time.sleep(0.5)  # and try again, unless the pool is closing
            with self._lock:
                if not self._closed:
                    self._births.put(True)
            return
        with self._lock:
            if self._closed:
                self._kill(worker)
                return
            worker.ready = True
        self._idle.put(worker)
        self._started.release()
        self._collect()

    def _spawn(self) -> _Worker:
        """A fresh interpreter running ``python -m graphkit.workers FD``: nothing of this
        process (threads, the open store, the caller's ``__main__``) is carried over."""
        mine, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "graphkit.workers", str(theirs.fileno()),
                 str(self._memory_limit or 0)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, close_fds=True)
        finally:
            theirs.close()
        worker = _Worker(process, mine)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _wait_ready(self, worker: _Worker) -> None:
        """Wait until a new worker has started (so that no query waits for its start)."""
        try:
            worker.sock.settimeout(STARTUP_TIMEOUT)
            kind, _ = _receive_frame(worker.sock)
        except (EOFError, OSError) as error:
            self._forget(worker)
            raise QueryError(f"a query worker did not start: {error}") from error
        if kind != _READY:
            self._forget(worker)
            raise QueryError(f"a query worker started badly (sent {kind!r})")

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        self._kill(worker)

    @staticmethod
    def _kill(worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.sock.close()
        with contextlib.suppress(ProcessLookupError, OSError):
            worker.process.kill()
        threading.Thread(target=worker.process.wait, name="graphkit-reap",
                         daemon=True).start()

    # -- writes and snapshots -------------------------------------------------------------
    def write(self, action: Callable[[], T]) -> T:
        with self._write_lock:
            try:
                return action()
            finally:
                self._snapshot()

    def _path_of(self, generation: int) -> Path:
        return self._root / f"{generation:08d}"

    def _snapshot(self) -> None:
        generation = self._generation + 1
        self._store.backup(self._path_of(generation))
        with self._lock:
            self._generation = generation
            self._on_disk.add(generation)
        self._collect()

    def _collect(self) -> None:
        """Delete the snapshots that are neither the latest nor open in a worker."""
        with self._lock:
            if len(self._on_disk) == 1:
                return
            keep = {self._generation} | {w.generation for w in self._workers}
            for generation in self._on_disk - keep:
                shutil.rmtree(self._path_of(generation), ignore_errors=True)
            self._on_disk &= keep


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


if __name__ == "__main__":  # a worker process, started by WorkerPool._spawn
    _worker_main(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]) or None)
