"""Query executors: streaming, errors before the first chunk, the worker pool's snapshots,
time and memory limits. (The HTTP side is in tests/service/test_hostile.py.)"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
import pytest

from graphkit.errors import QueryError, QuerySyntaxError, QueryTimeoutError, UsageError
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.stores import OxigraphStore, QueryKind
from graphkit.workers import (
    CHUNK,
    QueryExecutor,
    QueryJob,
    ThreadExecutor,
    WorkerPool,
    executor_for,
    stream_from_thread,
)
from graphkit.workers.wire import BatchingSink, Wire, pack

FORMATS: dict[QueryKind, ResultFormat | RdfFormat] = {
    QueryKind.SELECT: ResultFormat.JSON, QueryKind.ASK: ResultFormat.JSON,
    QueryKind.GRAPH: RdfFormat.N_TRIPLES}
ROWS = "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(n) for n in range(20000)) + " } }"


def filled(store: OxigraphStore, n: int = 3000) -> OxigraphStore:
    store.raw.bulk_extend([ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"),
                                   ox.Literal(i)) for i in range(n)])
    return store


def test_executor_for_picks_processes_only_for_a_store_on_disk(tmp_path: Path) -> None:
    assert isinstance(executor_for(OxigraphStore(), workers=1, timeout=1), ThreadExecutor)
    on_disk = OxigraphStore(tmp_path / "s")
    assert isinstance(executor_for(on_disk, workers=1, timeout=1), WorkerPool)
    assert isinstance(executor_for(on_disk, workers=1, timeout=1, processes=False),
                      ThreadExecutor)
    on_disk.close()


def check_streaming_and_errors(executor: QueryExecutor) -> None:
    stream = executor.open(QueryJob(ROWS, formats=FORMATS))
    assert stream.kind is QueryKind.SELECT and stream.format is ResultFormat.JSON
    assert not stream.complete  # a long answer streams
    chunks = list(stream)
    assert len(chunks) > 3 and all(len(c) >= CHUNK for c in chunks[:-1])
    assert len(json.loads(b"".join(chunks))["results"]["bindings"]) == 20000
    triples = executor.open(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", formats=FORMATS))
    assert triples.format is RdfFormat.N_TRIPLES
    assert len(list(ox.parse(b"".join(triples), format=ox.RdfFormat.N_TRIPLES))) == 3000
    # errors come before the first chunk, while a caller can still choose a status
    with pytest.raises(QuerySyntaxError) as error:
        executor.open(QueryJob("SELECT * WHERE {\n ?s ?p }", formats=FORMATS))
    assert error.value.line == 2
    with pytest.raises(UsageError, match="no format"):
        executor.open(QueryJob("ASK {}", formats={QueryKind.SELECT: ResultFormat.CSV}))
    # a bug of ours (here a format that is not one) is an error at once, not a timeout
    # (a thread) or a dead worker (a process) at the deadline; no traceback in it
    bogus = cast(ResultFormat, "json")
    started = time.monotonic()
    with pytest.raises(QueryError, match=r"internal error \(AttributeError\)") as failed:
        executor.open(QueryJob("ASK {}", formats={QueryKind.ASK: bogus}))
    assert time.monotonic() - started < 3 and "Traceback" not in str(failed.value)
    # a table for an HTML page
    stream = executor.open(QueryJob("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o",
                                    table_rows=2))
    assert stream.format is None
    table = json.loads(b"".join(stream))
    assert table["truncated"] is True and table["variables"] == ["s", "o"]
    assert table["rows"][0] == ["<http://e/s0>",
                                '"0"^^<http://www.w3.org/2001/XMLSchema#integer>']
    assert b"".join(executor.open(QueryJob("ASK {}", formats=FORMATS))) == \
        b'{"head":{},"boolean":true}'  # and the executor still works


def test_threads_stream_and_report_errors() -> None:
    check_streaming_and_errors(ThreadExecutor(filled(OxigraphStore()), workers=2, timeout=5))


def test_the_pool_streams_reports_errors_and_sees_writes(tmp_path: Path) -> None:
    store = filled(OxigraphStore(tmp_path / "store"))
    pool = WorkerPool(store, workers=2, timeout=10, follow=None)  # generations: writes only
    pool.start()
    try:
        check_streaming_and_errors(pool)
        assert pool.generation == 1
        # a short answer arrives whole with its first chunk and frees its worker at once:
        # more unread answers than workers, none waits for a free one
        short = [pool.open(QueryJob("ASK { ?s ?p ?o }", formats=FORMATS)) for _ in range(5)]
        assert all(s.complete for s in short)
        assert [b"".join(s) for s in short] == [b'{"head":{},"boolean":true}'] * 5
        pool.write(lambda: store.update("INSERT DATA { <http://e/new> <http://e/p> 1 }"))
        assert pool.generation == 2
        for _ in range(3):  # whichever worker takes it sees the write
            assert b"true" in b"".join(pool.open(QueryJob("ASK { <http://e/new> ?p ?o }",
                                                          formats=FORMATS)))
        with pytest.raises(QuerySyntaxError):  # a failed write leaves a consistent state
            pool.write(lambda: store.update("INSERT DATA {"))
        snapshots = sorted(p.name for p in (tmp_path / ".store.snapshots").iterdir())
        assert snapshots[-1] == f"{pool.generation:08d}" and len(snapshots) <= 3
        # a client that goes away mid-answer: its worker is replaced, the pool goes on
        for _ in range(3):
            stream = pool.open(QueryJob(ROWS, formats=FORMATS))
            next(stream)
            stream.close()
        assert wait_for(lambda: len(pool.worker_pids()) == 2)
        assert b"true" in b"".join(pool.open(QueryJob("ASK { ?s ?p ?o }", formats=FORMATS)))
    finally:
        pool.close()
        store.close()
    assert not (tmp_path / ".store.snapshots").exists()


def test_the_pool_stops_runaway_and_greedy_queries(tmp_path: Path) -> None:
    store = filled(OxigraphStore(tmp_path / "store"))
    pool = WorkerPool(store, workers=2, timeout=3, memory_limit=200_000_000)
    pool.start()
    try:
        before = set(pool.worker_pids())
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError, match="time limit of 3 s"):
            pool.open(QueryJob("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                               formats=FORMATS))
        assert 2.9 < time.monotonic() - started < 5
        assert wait_for(lambda: len(pool.worker_pids()) == 2
                        and len(set(pool.worker_pids()) & before) == 1)
        # an ORDER BY over a product grows by hundreds of MB a second: past the limit the
        # engine aborts (here past 200 MB), the pool says why and starts another worker
        with pytest.raises(QueryError, match="more memory"):
            pool.open(QueryJob("SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
                               formats=FORMATS))
        assert wait_for(lambda: len(pool.worker_pids()) == 2)
        assert b"true" in b"".join(pool.open(QueryJob("ASK { ?s ?p ?o }", formats=FORMATS)))
    finally:
        pool.close()
        store.close()


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_pool_follows_a_compaction_with_a_new_snapshot(tmp_path: Path) -> None:
    """RocksDB compacts in the background after a load; the workers must not stay on the
    snapshot of the uncompacted tables until the next write."""
    store = filled(OxigraphStore(tmp_path / "store"))
    pool = WorkerPool(store, workers=1, timeout=10, follow=0.1)
    pool.start()
    try:
        pool.write(lambda: store.update("INSERT DATA { <http://e/late> <http://e/p> 1 }"))
        assert wait_for(lambda: pool._tables() == pool._tables_seen)  # settled
        written = pool.generation
        tables = pool._tables()
        store.raw.optimize()  # a compaction, as RocksDB runs one in the background
        assert pool._tables() != tables
        assert wait_for(lambda: pool.generation > written)
        # (a look during the compaction may see it half done: the next one catches up)
        assert wait_for(lambda: pool._tables_seen == pool._tables())
        answer = b"".join(pool.open(QueryJob("ASK { <http://e/late> ?p ?o }", formats=FORMATS)))
        assert b"true" in answer
    finally:
        pool.close()
        store.close()


def test_stream_from_thread() -> None:
    def produce(out: IO[bytes]) -> None:
        out.write(b"x" * (3 * CHUNK))

    stream = stream_from_thread(produce)
    assert b"".join(stream) == b"x" * (3 * CHUNK)

    def broken(out: IO[bytes]) -> None:
        raise QueryError("nothing to write")

    with pytest.raises(QueryError, match="nothing to write"):
        stream_from_thread(broken)


# -- the wire and the asynchronous hand-over ---------------------------------------------------
def test_the_wire_cuts_frames_out_of_any_split(tmp_path: Path) -> None:
    """Frames that arrive several in one read, or one across many reads, come out whole;
    the worker's side holds a short answer back until its end and sends it in one piece."""
    mine, theirs = socket.socketpair()
    try:
        frames = [(b"K", b'["select","json"]'), (b"D", b"x" * (CHUNK + 7)), (b"D", b"tail"),
                  (b"F", b"")]
        data = b"".join(pack(kind, payload) for kind, payload in frames)

        def send_in_pieces() -> None:  # 1, 2, 3... bytes a piece: splits everywhere
            at, size = 0, 1
            while at < len(data):
                theirs.sendall(data[at:at + size])
                at, size = at + size, size % 97 + 1

        sender = threading.Thread(target=send_in_pieces)
        sender.start()
        wire = Wire(mine)
        assert [wire.receive(timeout=5) for _ in frames] == frames
        sender.join()
        theirs.sendall(data)  # and all in one go: several frames in one read
        assert [wire.receive(timeout=5) for _ in frames] == frames
        sink = BatchingSink(theirs)
        sink.send(b"K", b"k")
        sink.send(b"D", b"short")
        mine.setblocking(False)
        with pytest.raises(BlockingIOError):  # held back: nothing sent before the end
            mine.recv(1)
        sink.send(b"F", b"")
        mine.settimeout(5)
        assert wire.buffered() == []
        assert [wire.receive(timeout=5) for _ in range(3)] == [
            (b"K", b"k"), (b"D", b"short"), (b"F", b"")]
        theirs.close()
        with pytest.raises(EOFError):
            wire.receive(timeout=5)
    finally:
        mine.close()
        theirs.close()


def test_the_pool_answers_many_queries_in_a_row_without_threads(tmp_path: Path) -> None:
    """``open_async`` hands each job to an idle worker and awaits the answer in the event
    loop: hundreds in a row from one worker, short and streamed ones mixed, errors raised."""
    store = filled(OxigraphStore(tmp_path / "store"))
    pool = WorkerPool(store, workers=1, timeout=10)
    pool.start()

    async def run() -> None:
        (pid,) = pool.worker_pids()
        for n in range(300):
            job = QueryJob(f"SELECT ?o WHERE {{ <http://e/s{n}> ?p ?o }}", formats=FORMATS)
            stream = await pool.open_async(job)
            assert stream.complete and stream.kind is QueryKind.SELECT
            body = json.loads(b"".join(stream))
            assert body["results"]["bindings"][0]["o"]["value"] == str(n)
            if n % 100 == 0:
                long = await pool.open_async(QueryJob(ROWS, formats=FORMATS))
                assert not long.complete
                assert len(json.loads(b"".join(long))["results"]["bindings"]) == 20000
                with pytest.raises(QuerySyntaxError):
                    await pool.open_async(QueryJob("SELECT * {", formats=FORMATS))
        assert pool.worker_pids() == [pid]  # the same worker answered them all

    try:
        asyncio.run(run())
    finally:
        pool.close()
        store.close()


def test_open_async_still_stops_runaway_and_cancelled_queries(tmp_path: Path) -> None:
    store = filled(OxigraphStore(tmp_path / "store"))
    pool = WorkerPool(store, workers=1, timeout=2)
    pool.start()
    runaway = QueryJob("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                       formats=FORMATS)

    async def run() -> None:
        before = pool.worker_pids()
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError, match="time limit of 2 s"):
            await pool.open_async(runaway)
        assert 1.9 < time.monotonic() - started < 4
        assert await asyncio.to_thread(
            wait_for, lambda: len(pool.worker_pids()) == 1 and pool.worker_pids() != before)
        # a caller that goes away while its query runs: the worker is killed and replaced
        replaced = pool.worker_pids()
        task = asyncio.create_task(pool.open_async(runaway))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(
            wait_for, lambda: len(pool.worker_pids()) == 1 and pool.worker_pids() != replaced)
        stream = await pool.open_async(QueryJob("ASK { ?s ?p ?o }", formats=FORMATS))
        assert b"".join(stream) == b'{"head":{},"boolean":true}'
        # with the only worker busy, the next caller waits for it (in a thread) and is served
        # (one that gives up while it waits leaves the worker to the next, unharmed)
        serving = pool.worker_pids()
        busy = await pool.open_async(QueryJob(ROWS, formats=FORMATS))
        gone = asyncio.create_task(pool.open_async(QueryJob("ASK {}", formats=FORMATS)))
        waiting = asyncio.create_task(pool.open_async(QueryJob("ASK {}", formats=FORMATS)))
        await asyncio.sleep(0.2)
        assert not waiting.done() and not gone.done()
        gone.cancel()
        assert len(await asyncio.to_thread(lambda: b"".join(busy))) > CHUNK
        assert b"".join(await waiting) == b'{"head":{},"boolean":true}'
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert pool.worker_pids() == serving

    try:
        asyncio.run(run())
    finally:
        pool.close()
        store.close()


def test_threads_answer_open_async() -> None:
    executor = ThreadExecutor(filled(OxigraphStore()), workers=1, timeout=5)

    async def run() -> bytes:
        return b"".join(await executor.open_async(QueryJob("ASK {}", formats=FORMATS)))

    assert asyncio.run(run()) == b'{"head":{},"boolean":true}'
