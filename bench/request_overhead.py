"""The fixed cost of one ``/sparql`` request, and where it goes (issue 5, "Speed").

The lookups of the query mix (:mod:`bench.mix`) take the engine a fraction of a millisecond,
so over HTTP they are mostly fixed cost: the HTTP exchange, the middlewares and routing,
handing the query to a worker process and its answer back. For those queries on
``graphkit synth --orgs N``, one client, each request timed alone and the variants
interleaved (so that the machine's noise hits all alike), median and 95th percentile of:

- **in-process**: pyoxigraph in this process on an on-disk store of the same file, query
  plus serialisation to the format the server sends (what the 1.5× target compares with);
- **worker**: the same job through the app's worker pool (``executor.open_async``, as the
  endpoint calls it): the job to the worker, the worker's query, the frames back;
- **app**: the ASGI app called directly (no HTTP): middlewares, routing, negotiation, worker;
- **HTTP**: ``graphkit serve`` (uvicorn) over its own copy of the store, with httpx and with
  the leanest client (:class:`bench.mix.KeepAlive`, ``http.client``);
- **Oxigraph server**: Oxigraph's own server (Rust, the same engine) over the same file, with
  the lean client: what an endpoint without Python pays;
- **HTTP floor**: the same uvicorn serving a two-line ASGI app, with either client: the least
  any Python endpoint answering over HTTP here pays.

Run: ``python -m bench.request_overhead [--orgs 40000] [--requests 300]`` (2–3 minutes).
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
from starlette.types import Message

from bench.common import (
    PROJECT,
    interleaved,
    synthetic_file,
    table,
    triples_in,
    write_section,
)
from bench.mix import MIX, KeepAlive
from bench.peers import Unavailable, start_oxigraph
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, QueryKind
from graphkit.workers import QueryExecutor, QueryJob
from service.app import create_app
from service.observability import ACCESS_LOG

SECTION = "21-request-overhead"
BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
#: name -> (Accept, query): the queries of the mix whose engine time is well under the fixed
#: cost of a request
LOOKUPS: dict[str, tuple[str, str]] = {
    name: (MIX[name][1], MIX[name][2])
    for name in ("point lookup", "ask", "networks of an organisation",
                 "agenda of hosted meetings", "describe with memberships")}
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
    parser.add_argument("--orgs", type=int, default=40000)
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
        rows, absent = measure(args, source, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    body = report(rows, args, triples_in(source), load, os.getloadavg()[0],
                  time.perf_counter() - started, absent)
    write_section(SECTION, "SPARQL endpoint: the fixed cost of a request (issue 5)",
                  " ".join(["python -m bench.request_overhead", *(argv or [])]) or
                  "python -m bench.request_overhead", body, sized=False)
    print(body)


Row = dict[str, list[float]]


def measure(args: argparse.Namespace, source: Path,
            scratch: Path) -> tuple[dict[str, Row], str | None]:
    """The timings, and why Oxigraph's server is absent (``None`` when it took part)."""
    port, floor = free_port(), free_port()
    served = [str(BIN / "graphkit"), "serve", "--store", str(scratch / "served"),
              "--host", "127.0.0.1", "--port", str(port)]
    floor_command = [sys.executable, "-m", "uvicorn", "bench.request_overhead:floor_app",
                     "--host", "127.0.0.1", "--port", str(floor), "--log-level", "warning",
                     "--no-access-log"]
    with contextlib.ExitStack() as stack:
        urls = {
            "ours": stack.enter_context(serving(served, f"http://127.0.0.1:{port}/sparql",
                                                scratch / "served.log",
                                                {"GRAPHKIT_QUERY_WORKERS": "2"})),
            "floor": stack.enter_context(serving(floor_command, f"http://127.0.0.1:{floor}/",
                                                 scratch / "floor.log")),
        }
        absent = None
        try:
            urls["oxigraph"] = stack.enter_context(start_oxigraph(source, scratch)).url
        except Unavailable as reason:
            absent = str(reason)
        client = stack.enter_context(httpx.Client(timeout=30))
        lean = stack.enter_context(KeepAlive(timeout=30))
        return asyncio_bench(args, scratch / "local", urls, client, lean), absent


def asyncio_bench(args: argparse.Namespace, local: Path, urls: dict[str, str],
                  client: httpx.Client, lean: KeepAlive) -> dict[str, Row]:
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
        formats: dict[QueryKind, ResultFormat | RdfFormat] = {
            QueryKind.SELECT: ResultFormat.JSON, QueryKind.ASK: ResultFormat.JSON,
            QueryKind.GRAPH: RdfFormat.N_TRIPLES}
        rows: dict[str, Row] = {}
        for name, (accept, query) in LOOKUPS.items():
            job = QueryJob(query, formats=formats, base_iri="https://w3id.org/ogkg/sparql")
            # called with no argument; the lambdas' defaults bind this iteration's values
            variants: dict[str, Callable[..., object]] = {
                "in-process": lambda q=query: in_process(store.raw, q),
                "worker": lambda j=job: loop.run_until_complete(_worker(executor, j)),
                "app": lambda a=accept, q=query: loop.run_until_complete(
                    _asgi(app, a, q)),
                "HTTP": lambda a=accept, q=query: _get(client, urls["ours"], a, q),
                "HTTP lean": lambda a=accept, q=query: lean.ask(urls["ours"], a, q),
                "HTTP floor": lambda: _get(client, urls["floor"], JSON, "ASK {}"),
                "HTTP floor lean": lambda: lean.ask(urls["floor"], JSON, "ASK {}"),
            }
            if "oxigraph" in urls:
                variants["Oxigraph lean"] = (
                    lambda a=accept, q=query: lean.ask(urls["oxigraph"], a, q))
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

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    if status != 200:
        raise RuntimeError(f"the app answered {status} to {query!r}")
    return status


def _get(client: httpx.Client, url: str, accept: str, query: str) -> bytes:
    answer = client.get(url, params={"query": query}, headers={"Accept": accept})
    answer.raise_for_status()
    return answer.content


def report(rows: dict[str, Row], args: argparse.Namespace, triples: int, load_before: float,
           load_after: float, elapsed: float, absent: str | None) -> str:
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95) - 1] * 1000

    def times(value: float, local: float) -> str:
        return f"{value / local:.1f}×" if local else "–"

    main_rows, parts = [], []
    for name, row in rows.items():
        local, lean = ms(row["in-process"]), ms(row["HTTP lean"])
        floor = ms(row["HTTP floor lean"])
        oxigraph = ms(row["Oxigraph lean"]) if "Oxigraph lean" in row else None
        main_rows.append([
            name, f"{local:.2f}", f"{ms(row['HTTP']):.2f}", f"{lean:.2f}",
            f"{p95(row['HTTP lean']):.2f}",
            f"{oxigraph:.2f}" if oxigraph is not None else "–", f"{floor:.2f}",
            times(lean, local), times(oxigraph, local) if oxigraph is not None else "–",
            times(local + floor, local)])
        worker, app, http = ms(row["worker"]), ms(row["app"]), ms(row["HTTP"])
        parts.append([name, f"{local:.2f}", f"{worker - local:.2f}", f"{app - worker:.2f}",
                      f"{http - app:.2f}", f"{ms(row['HTTP floor']):.2f}",
                      f"{lean - app:.2f}", f"{floor:.2f}"])
    oxigraph_note = ("" if absent is None else
                     f" Oxigraph's server did not take part: {absent}.")
    return "\n\n".join([
        (f"{triples:,} triples (`graphkit synth --orgs {args.orgs}`); `graphkit serve` over an "
         "on-disk store with 2 query worker processes; one client at a time, httpx or the "
         "lean one (`http.client`, one keep-alive connection, `bench.mix.KeepAlive`); "
         f"{args.requests} requests per query and variant, the variants interleaved."
         + oxigraph_note),
        ("**Per query**, median ms (in-process: pyoxigraph query plus serialisation in the "
         "benchmark's process on an on-disk store of the same file; the HTTP floor answers a "
         "constant, so it is the least any Python endpoint pays on top of the engine):"),
        table(["query", "in-process", "ours, httpx", "ours, lean client", "ours p95",
               "Oxigraph server (Rust), lean", "HTTP floor, lean",
               "ours ÷ in-process", "Oxigraph server ÷ in-process",
               "(in-process + floor) ÷ in-process"], main_rows),
        ("**Where the overhead goes**, medians in ms: the worker hand-over (job to a worker "
         "process and the answer back, less the query), the app (middlewares, routing, "
         "negotiation, the response; ASGI called directly), and HTTP (uvicorn and the client: "
         "parsing, the socket), with httpx and with the lean client, beside the floor of each."),
        table(["query", "engine (in-process)", "worker hand-over", "app", "HTTP, httpx",
               "HTTP floor, httpx", "HTTP, lean", "HTTP floor, lean"], parts),
        (f"Machine load (1-minute average, other work on the shared machine included): "
         f"{load_before:.1f} at the start, {load_after:.1f} at the end; {elapsed:.0f} s in all."),
    ])


if __name__ == "__main__":
    main(sys.argv[1:])
