"""Queries in threads: the executor for in-memory and remote stores (cooperative time
limit), and :func:`stream_from_thread` for dumps."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import IO, cast

import anyio.to_thread

from graphkit.errors import QueryTimeoutError
from graphkit.stores.base import QueryKind, Store
from graphkit.workers.jobs import (
    BUGS,
    FRAME_END,
    FRAME_ERROR,
    FRAME_KIND,
    QUERY_FAILURES,
    Chunks,
    FrameReader,
    QueryJob,
    ResultStream,
    T,
    error_payload,
    internal_error_payload,
    run_job,
)


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


class _ThreadStream(FrameReader):
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

    async def open_async(self, job: QueryJob) -> ResultStream:
        """:meth:`open` in a worker thread (the query runs in a thread of its own anyway)."""
        stream: ResultStream = await anyio.to_thread.run_sync(self.open, job)
        return stream

    def _produce(self, job: QueryJob, channel: _Channel, timeout: float) -> None:
        try:
            run_job(self._store, job, channel, timeout=timeout)
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
        chunks = Chunks(channel)
        try:
            channel.send(FRAME_KIND, json.dumps([QueryKind.GRAPH.value, None]).encode())
            produce(cast(IO[bytes], chunks))  # a binary file for the serialisers
            chunks.finish()
        except _Abandoned:
            return
        except QUERY_FAILURES as error:
            with contextlib.suppress(_Abandoned):
                channel.send(FRAME_ERROR, error_payload(error))
            return
        except BUGS as error:  # answered now, not as a timeout at the deadline
            with contextlib.suppress(_Abandoned):
                channel.send(FRAME_ERROR, internal_error_payload(error))
            return
        with contextlib.suppress(_Abandoned):
            channel.send(FRAME_END, b"")

    threading.Thread(target=run, name="graphkit-dump", daemon=True).start()
    stream.prime()
    return stream

