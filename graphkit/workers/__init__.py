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

>>> from graphkit.formats import ResultFormat
>>> from graphkit.stores import OxigraphStore, QueryKind
>>> executor = executor_for(OxigraphStore(), workers=1, timeout=5)
>>> stream = executor.open(QueryJob("ASK {}", formats={QueryKind.ASK: ResultFormat.JSON}))
>>> b"".join(stream)
b'{"head":{},"boolean":true}'

An ``async`` caller (the HTTP service) uses :meth:`QueryExecutor.open_async`: the pool hands
the job to an idle worker and awaits the answer in the asyncio event loop, so a short answer
costs no thread hop at all (a thread waits only when every worker is busy).

The package splits by concern: :mod:`~graphkit.workers.jobs` (a job and its answer as
frames), :mod:`~graphkit.workers.threads` (the thread executor, dumps),
:mod:`~graphkit.workers.wire` (frames over a worker's socket, batched and buffered) and
:mod:`~graphkit.workers.pool` (the worker processes; ``python -m graphkit.workers`` is one).
"""

from __future__ import annotations

from graphkit.stores.base import Store
from graphkit.stores.oxigraph import OxigraphStore
from graphkit.workers.jobs import CHUNK, QueryExecutor, QueryJob, ResultStream
from graphkit.workers.pool import WorkerPool
from graphkit.workers.threads import ThreadExecutor, stream_from_thread

__all__ = [
    "CHUNK",
    "QueryExecutor",
    "QueryJob",
    "ResultStream",
    "ThreadExecutor",
    "WorkerPool",
    "executor_for",
    "stream_from_thread",
]


def executor_for(store: Store, *, workers: int, timeout: float,
                 processes: bool = True) -> QueryExecutor:
    """A :class:`WorkerPool` for an on-disk Oxigraph store (when ``processes``), else a
    :class:`ThreadExecutor`. Start a pool with :meth:`WorkerPool.start`."""
    if processes and isinstance(store, OxigraphStore) and store.path is not None \
            and not store.read_only:
        return WorkerPool(store, workers=workers, timeout=timeout)
    return ThreadExecutor(store, workers=workers, timeout=timeout)
