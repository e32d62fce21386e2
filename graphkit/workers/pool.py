"""The worker-process pool: queries over snapshots of an on-disk store, in processes that
are killed and replaced when a query runs past its time limit (see :mod:`graphkit.workers`)."""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

from graphkit.errors import QueryError, QueryTimeoutError, StoreError, UsageError
from graphkit.processes import die_with_parent
from graphkit.stores.oxigraph import OxigraphStore
from graphkit.workers.jobs import (
    CHUNK,
    FRAME_DATA,
    FRAME_ERROR,
    FRAME_KIND,
    FRAME_READY,
    FrameReader,
    QueryJob,
    ResultStream,
    T,
    error_payload,
    run_job,
)
from graphkit.workers.wire import BatchingSink, Wire

STARTUP_TIMEOUT = 60.0
#: Seconds between looks at the store's table files (see :meth:`WorkerPool._follow`).
FOLLOW_SECONDS = 10.0


def worker_main(sock: socket.socket, memory_limit: int | None = None) -> None:
    """A worker process: run the jobs that come in over ``sock`` until it closes.

    ``memory_limit`` caps the worker's data segment (``RLIMIT_DATA``): a query that would
    need more (an ORDER BY over a huge product grows by hundreds of MB a second) makes the
    engine abort, the pool reports it and starts another worker, and the machine lives on.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    die_with_parent()
    if memory_limit:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    store: OxigraphStore | None = None
    generation: int | None = None
    sink = BatchingSink(sock)
    wire = Wire(sock)
    sink.send(FRAME_READY, b"")
    while True:
        try:
            _, message = wire.receive(timeout=None)
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
                sink.send(FRAME_ERROR, error_payload(error))
                continue
        assert store is not None  # opened above for this generation
        run_job(store, job, sink, timeout=None)




@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    wire: Wire
    generation: int | None = None
    ready: bool = False


def _primed(frames: list[tuple[bytes, int]]) -> bool:
    """Whether these frames are all :meth:`FrameReader.prime` reads: the kind and the first
    chunk (and after a short one, the end), or the error."""
    if not frames or frames[0][0] != FRAME_KIND:
        return bool(frames)
    if len(frames) < 2:
        return False
    kind, size = frames[1]
    return len(frames) >= 3 or not (kind == FRAME_DATA and size < CHUNK)


class _PoolStream(FrameReader):
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
            return self._worker.wire.receive(timeout=remaining)
        except TimeoutError:
            raise self._timed_out() from None
        except (EOFError, OSError) as error:
            self._done = True
            raise self._crashed() from error

    async def prime_async(self) -> None:
        """:meth:`prime`, waiting for the worker in the event loop instead of a thread."""
        try:
            await self._worker.wire.fill_async(_primed, deadline=self._deadline)
        except TimeoutError:
            raise self._timed_out() from None
        except (EOFError, OSError) as error:
            self._done = True
            # finding out why waits a moment for the process to end: not in the event loop
            raise await anyio.to_thread.run_sync(self._crashed) from error
        self.prime()  # all it reads is in the buffer now

    def _crashed(self) -> QueryError:
        status = self._pool._discard(self._worker, crashed=True)
        return QueryError(
            "the query worker stopped before it finished (exit status "
            f"{status}): most likely the query needed more memory than a worker may use")

    def _finished(self) -> None:
        self._pool._release(self._worker)

    def _abandon(self) -> None:
        self._pool._discard(self._worker)


class _Handoff:
    """A worker taken in a thread for a caller that may have gone away by then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._abandoned = False

    def take(self, pool: WorkerPool, deadline: float) -> _Worker | None:
        worker = pool._take(deadline)
        with self._lock:
            if not self._abandoned:
                self._worker = worker
                return worker
        pool._release(worker)
        return None

    def abandon(self, pool: WorkerPool) -> None:
        with self._lock:
            self._abandoned = True
            worker, self._worker = self._worker, None
        if worker is not None:
            pool._release(worker)


class WorkerPool:
    """``workers`` processes answering queries from snapshots of an on-disk store.

    Call :meth:`start` before the first query and :meth:`close` at the end; every write to
    the store must go through :meth:`write`, so that the workers see it.
    """

    def __init__(self, store: OxigraphStore, *, workers: int, timeout: float,
                 snapshots: Path | None = None, memory_limit: int | None = None,
                 follow: float | None = FOLLOW_SECONDS) -> None:
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
        # a new snapshot when the store compacted (``follow`` seconds between looks; None:
        # never), so that the workers read the compacted tables too
        self._follow_every = follow
        self._stopping = threading.Event()
        self._tables_seen: frozenset[str] = frozenset()

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
        if self._follow_every is not None:
            threading.Thread(target=self._follow, name="graphkit-snapshots",
                             daemon=True).start()
        for _ in range(self._size):
            self._births.put(True)
        for _ in range(self._size):
            if not self._started.acquire(timeout=STARTUP_TIMEOUT):
                raise QueryError("the query workers did not start")

    def close(self) -> None:
        self._stopping.set()
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
            stream = self._hand_over(self._take(deadline), job, deadline)
            if stream is not None:
                stream.prime()
                return stream
        raise QueryError("no query worker could take the query")

    async def open_async(self, job: QueryJob) -> ResultStream:
        """:meth:`open` for a caller in an event loop: with a worker idle, the job goes to
        it and the answer is awaited without a thread; with none, a thread waits for one.
        A caller cancelled while its query runs has the worker stopped and replaced."""
        deadline = time.monotonic() + self._timeout
        for _attempt in range(3):
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = await self._wait_for_worker(deadline)
            stream = self._hand_over(worker, job, deadline)
            if stream is None:
                continue
            primed = False
            try:
                await stream.prime_async()
                primed = True
            finally:
                if not primed:
                    stream.close()  # cancelled or failed: the worker is freed or replaced
            return stream
        raise QueryError("no query worker could take the query")

    async def _wait_for_worker(self, deadline: float) -> _Worker:
        """An idle worker, waited for in a thread; a caller cancelled meanwhile leaves at
        once, and the worker its thread takes later goes back to the idle ones unused."""
        handoff = _Handoff()
        worker: _Worker | None = None
        try:
            worker = await anyio.to_thread.run_sync(handoff.take, self, deadline,
                                                    abandon_on_cancel=True)
        finally:
            if worker is None:
                handoff.abandon(self)
        assert worker is not None  # only an abandoned handoff gives none, and that raised
        return worker

    def _hand_over(self, worker: _Worker, job: QueryJob,
                   deadline: float) -> _PoolStream | None:
        """Send ``job`` to ``worker``; ``None`` if the worker had died meanwhile."""
        with self._lock:
            generation = self._generation
            worker.generation = generation
        message = pickle.dumps((job, str(self._path_of(generation)), generation))
        try:
            worker.wire.send(FRAME_DATA, message,
                             timeout=max(0.01, deadline - time.monotonic()))
        except OSError:  # the worker died while idle: replace it, try another
            self._discard(worker)
            return None
        return _PoolStream(self, worker, self._timeout, deadline)

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
        worker = _Worker(process, Wire(mine))
        with self._lock:
            self._workers.add(worker)
        return worker

    def _wait_ready(self, worker: _Worker) -> None:
        """Wait until a new worker has started (so that no query waits for its start)."""
        try:
            kind, _ = worker.wire.receive(timeout=STARTUP_TIMEOUT)
        except (EOFError, OSError) as error:
            self._forget(worker)
            raise QueryError(f"a query worker did not start: {error}") from error
        if kind != FRAME_READY:
            self._forget(worker)
            raise QueryError(f"a query worker started badly (sent {kind!r})")

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        self._kill(worker)

    @staticmethod
    def _kill(worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.wire.sock.close()
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

    def _follow(self) -> None:
        """Take a new snapshot when the store's table files changed without a write.

        After a bulk load RocksDB compacts in the background of the process holding the
        store (≈20 s of one core for 5 M triples); a snapshot taken before that keeps the
        workers on the uncompacted tables, about twice as slow on big scans, until the next
        write. Looking costs one directory listing.
        """
        assert self._follow_every is not None
        while not self._stopping.wait(self._follow_every):
            with self._write_lock:
                if self._closed:
                    return
                if self._tables() != self._tables_seen:
                    self._snapshot()

    def _tables(self) -> frozenset[str]:
        """The names of the store's table files (RocksDB ``*.sst``)."""
        assert self._store.path is not None
        try:
            return frozenset(p.name for p in self._store.path.glob("*.sst"))
        except OSError:
            return frozenset()

    def _snapshot(self) -> None:
        generation = self._generation + 1
        self._store.backup(self._path_of(generation))
        self._tables_seen = self._tables()
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

