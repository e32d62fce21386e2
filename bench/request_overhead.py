"""The fixed cost of one ``/sparql`` request, and where it goes (issue 5, "Speed").

A point lookup takes the engine a fraction of a millisecond, so over HTTP it is all fixed
cost: the HTTP exchange, the middlewares and routing, handing the query to a worker process
and its answer back. For a few lookups of ``graphkit synth --orgs N``, one client, each
request timed alone and the variants interleaved (so that the machine's noise hits all
alike), median and 95th percentile of:

- **in-process**: pyoxigraph in this process on an on-disk store of the same file, query
  plus serialisation to the format the server sends (what the 1.5× target compares with);
- **worker**: the same job through the app's worker pool (``executor.open_async``, as the
  endpoint calls it): pickling, the socket to the worker, the worker's query, the frames back;
- **app**: the ASGI app called directly (no HTTP): middlewares, routing, negotiation, worker;
- **HTTP**: ``graphkit serve`` (uvicorn) over its own copy of the store, with httpx;
- **HTTP floor**: the same uvicorn and httpx serving a two-line ASGI app: the least any
  Python endpoint answering over HTTP here pays.

Run: ``python -m bench.request_overhead [--orgs 4000] [--requests 300]`` (< 2 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
from fastapi import FastAPI

from bench.common import (
    PROJECT,
    interleaved,
    synthetic_file,
    table,
    triples_in,
    write_section,
)
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, QueryKind
from graphkit.workers import QueryExecutor, QueryJob
from service.app import create_app
from service.observability import ACCESS_LOG

SECTION = "21-request-overhead"
BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
NT = "application/n-triples"
ORG = "<https://w3id.org/ogkg/id/org/synthetic-org-17>"
ORG_TYPE = "<http://www.w3.org/ns/org#classification>"
MEMBER = "<http://www.w3.org/ns/org#member>"
#: name -> (Accept, query): lookups whose engine time is well under the fixed cost
LOOKUPS: dict[str, tuple[str, str]] = {
    "point lookup": (JSON, f"SELECT ?p ?o WHERE {{ {ORG} ?p ?o }}"),
    "ask": (JSON, f"ASK {{ {ORG} {ORG_TYPE} ?kind }}"),
    "one-hop path": (JSON, (f"SELECT ?body WHERE {{ {ORG} ^{MEMBER}/"
                           "<http://www.w3.org/ns/org#organization> ?body }")),
    "describe": (NT, f"CONSTRUCT {{ {ORG} ?p ?o }} WHERE {{ {ORG} ?p ?o }}"),
}
STARTUP = 120.0


async def floor_app(scope: dict[str, object], receive: Callable[[], Awaitable[object]],
                    send: Callable[[dict[str, object]], Awaitable[None]]) -> None:
    """The least an ASGI app can answer: the HTTP floor's server."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/sparql-results+json")]})
    await send({"type": "http.response.body", "body": b'{"head":{},"boolean":true}'})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(command: list[str], url: str, log: Path,
            env: dict[str, str] | None = None) -> Iterator[str]:
    """A server process answering ``url``; stopped (SIGINT, then SIGKILL) at the end."""
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})}, cwd=PROJECT)
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}; see {log}")
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from {url} in {STARTUP:.0f} s; see {log}")
            time.sleep(0.3)
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.request_overhead",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=4000)
    parser.add_argument("--requests", type=int, default=300,
                        help="timed requests per query and variant")
    args = parser.parse_args(argv)
    if args.orgs < 20 or args.requests < 20:
        parser.error("--orgs and --requests must be at least 20")
    source = synthetic_file(args.orgs)
    scratch = Path(tempfile.mkdtemp(prefix="graphkit-overhead-"))
    started = time.perf_counter()
    load = os.getloadavg()[0]
    try:
        for name in ("served", "local"):
            subprocess.run([str(BIN / "graphkit"), "load", str(source), "--store",
                            str(scratch / name)], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        rows = measure(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    body = report(rows, args, triples_in(source), load, os.getloadavg()[0],
                  time.perf_counter() - started)
    write_section(SECTION, "SPARQL endpoint: the fixed cost of a request (issue 5)",
                  " ".join(["python -m bench.request_overhead", *(argv or [])]) or
                  "python -m bench.request_overhead", body, sized=False)
    print(body)


Row = dict[str, list[float]]


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, Row]:
    port, floor = free_port(), free_port()
    served = [str(BIN / "graphkit"), "serve", "--store", str(scratch / "served"),
              "--host", "127.0.0.1", "--port", str(port)]
    floor_command = [sys.executable, "-m", "uvicorn", "bench.request_overhead:floor_app",
                     "--host", "127.0.0.1", "--port", str(floor), "--log-level", "warning",
                     "--no-access-log"]
    with serving(served, f"http://127.0.0.1:{port}/sparql", scratch / "served.log",
                 {"GRAPHKIT_QUERY_WORKERS": "2"}) as url, \
            serving(floor_command, f"http://127.0.0.1:{floor}/", scratch / "floor.log") \
            as floor_url, httpx.Client(timeout=30) as client:
        return asyncio_bench(args, scratch / "local", url, floor_url, client)


def asyncio_bench(args: argparse.Namespace, local: Path, url: str, floor_url: str,
                  client: httpx.Client) -> dict[str, Row]:
    """The in-process variants need the app's lifespan (its worker pool) in an event loop;
    the loop runs only while a variant calls into it."""
    store = OxigraphStore(local)
    app = create_app(Settings(store_path=None, query_workers=2), store=store)
    # the app logs every request as the server does (that is part of its cost), to nowhere
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed with the loop below
    handlers = [h for h in logging.getLogger(ACCESS_LOG).handlers
                if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(quiet) for h in handlers]
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    try:
        loop.run_until_complete(stack.enter_async_context(app.router.lifespan_context(app)))
        executor: QueryExecutor = app.state.executor
        formats = {QueryKind.SELECT: ResultFormat.JSON, QueryKind.ASK: ResultFormat.JSON,
                   QueryKind.GRAPH: RdfFormat.N_TRIPLES}
        rows: dict[str, Row] = {}
        for name, (accept, query) in LOOKUPS.items():
            job = QueryJob(query, formats=formats, base_iri="https://w3id.org/ogkg/sparql")
            variants: dict[str, Callable[[], object]] = {
                "in-process": lambda q=query: in_process(store.raw, q),
                "worker": lambda j=job: loop.run_until_complete(_worker(executor, j)),
                "app": lambda a=accept, q=query: loop.run_until_complete(
                    _asgi(app, a, q)),
                "HTTP": lambda a=accept, q=query: _get(client, url, a, q),
                "HTTP floor": lambda: _get(client, floor_url, JSON, "ASK {}"),
            }
            for run in variants.values():  # warm up every path (and check it answers)
                for _ in range(10):
                    run()
            timings = interleaved(variants, repeat=args.requests)
            rows[name] = {variant: t.seconds for variant, t in timings.items()}
        return rows
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
        store.close()
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)
        quiet.close()


def in_process(store: ox.Store, query: str) -> bytes:
    """As the server answers: the union default graph, JSON results or N-Triples."""
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""


async def _worker(executor: QueryExecutor, job: QueryJob) -> bytes:
    stream = await executor.open_async(job)
    return b"".join(stream)


async def _asgi(app: FastAPI, accept: str, query: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/sparql", "raw_path": b"/sparql",
             "query_string": urlencode({"query": query}).encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"accept", accept.encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    status = 0

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    await app(scope, receive, send)
    if status != 200:
        raise RuntimeError(f"the app answered {status} to {query!r}")
    return status


def _get(client: httpx.Client, url: str, accept: str, query: str) -> bytes:
    answer = client.get(url, params={"query": query}, headers={"Accept": accept})
    answer.raise_for_status()
    return answer.content


def report(rows: dict[str, Row], args: argparse.Namespace, triples: int, load_before: float,
           load_after: float, elapsed: float) -> str:
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95) - 1] * 1000

    main_rows, parts = [], []
    for name, row in rows.items():
        local, http = ms(row["in-process"]), ms(row["HTTP"])
        main_rows.append([name, f"{local:.2f}", f"{p95(row['in-process']):.2f}",
                          f"{http:.2f}", f"{p95(row['HTTP']):.2f}", f"{http - local:.2f}",
                          f"{http / local:.1f}" if local else "–"])
        worker, app = ms(row["worker"]), ms(row["app"])
        parts.append([name, f"{local:.2f}", f"{worker - local:.2f}", f"{app - worker:.2f}",
                      f"{http - app:.2f}", f"{ms(row['HTTP floor']):.2f}"])
    return "\n\n".join([
        (f"{triples:,} triples (`graphkit synth --orgs {args.orgs}`); `graphkit serve` over an "
        "on-disk store with 2 query worker processes; one httpx client; "
        f"{args.requests} requests per query and variant, the variants interleaved."),
        ("**Per query**, ms (in-process: pyoxigraph query plus serialisation in the "
        "benchmark's process on an on-disk store of the same file):"),
        table(["query", "in-process median", "in-process p95", "HTTP median", "HTTP p95",
               "overhead (HTTP − in-process)", "HTTP ÷ in-process"], main_rows),
        ("**Where the overhead goes**, medians in ms: the worker hand-over (job to a worker "
        "process and the answer back, less the query), the app (middlewares, routing, "
        "negotiation, the response; ASGI called directly), and HTTP (uvicorn and httpx: "
        "parsing, the socket, the client). The HTTP floor is a two-line ASGI app on the "
        "same uvicorn with the same client: no Python endpoint here answers faster."),
        table(["query", "engine (in-process)", "worker hand-over", "app", "HTTP",
               "HTTP floor"], parts),
        (f"Machine load (1-minute average, other work on the shared machine included): "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end; {elapsed:.0f} s in all."),
    ])


if __name__ == "__main__":
    main(sys.argv[1:])
