"""Load test on loopback: a mixed read workload at 8, 32 and 64 concurrent clients while
contributions are written, against the real service (uvicorn, on-disk store, query
workers) holding a synthetic graph.

Readers mix SPARQL queries, entity pages and the health check; one writer meanwhile PUTs
contribution graphs of exactly ``BATCH`` triples through the Graph Store Protocol (new
graphs, and replacements of earlier ones with other triples of the same count). Every
reader also asks for the size of a contribution graph already written: any size but ``BATCH``
would be half a write. Reported: requests, throughput, p50/p95/p99 latency, failed
requests (any non-2xx answer or transport error), half writes seen.

Run: ``python -m bench.load_test [--orgs 4000] [--seconds 60] [--clients 8 32 64]``;
``GRAPHKIT_LOAD_SECONDS`` shortens every level (``make bench`` in CI).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import httpx
import pyoxigraph as ox

from bench.common import (
    PROJECT,
    WORK,
    synthetic_file,
    table,
    triples_in,
    write_data,
    write_section,
)
from graphkit.cli import KEEP_ALIVE_SECONDS
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore

TOKEN = "load-test-token"
BASE = "https://w3id.org/ogkg/"
PREFIX = f"{BASE}graph/contribution/load-"
BATCH = 40
JSON = {"Accept": "application/sparql-results+json"}
READS = [
    ("labels", ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
                "?label } LIMIT 20 OFFSET %d")),
    ("count by class", "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"),
    ("one entity", "SELECT ?p ?o WHERE { <%s> ?p ?o }"),
]
CONTRIBUTION = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <" + PREFIX + "%d> { ?s ?p ?o } }"


@dataclass
class Level:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    half_writes: int = 0
    writes: int = 0
    write_failures: int = 0
    committed: int = 0  # contribution graphs 0..committed-1 are written (and stay whole)

    def fail(self, what: str) -> None:
        self.failed += 1
        if len(self.failures) < 5:
            self.failures.append(what)


@contextlib.contextmanager
def service(store: Path, log: Path) -> Iterator[str]:
    """The service as a uvicorn process (its own session); stopped, workers and all."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHKIT_")}
    env.update(GRAPHKIT_STORE_PATH=str(store), GRAPHKIT_WRITE_TOKEN=TOKEN)
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.app:app_from_environment", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
             "--no-access-log", "--backlog", "1024",
             "--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)],  # as `graphkit serve`
            cwd=PROJECT, env=env, stdout=sink, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start; see {log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _reader(client: httpx.AsyncClient, base: str, level: Level, deadline: float,
                  entities: list[str], rng: random.Random) -> None:
    while time.monotonic() < deadline:
        pick = rng.randrange(10)
        if pick < 3:
            url, params = "/sparql", {"query": READS[0][1] % rng.randrange(0, 2000)}
        elif pick < 4:
            url, params = "/sparql", {"query": READS[1][1]}
        elif pick < 6:
            url, params = "/sparql", {"query": READS[2][1] % rng.choice(entities)}
        elif pick < 8:
            url, params = rng.choice(entities).replace(BASE, "/"), {}
        elif pick < 9:
            url, params = "/health", {}
        elif level.committed:  # a graph whose first write has been answered
            checked = rng.randrange(level.committed)
            url, params = "/sparql", {"query": CONTRIBUTION % checked}
        else:
            continue
        started = time.perf_counter()
        try:
            response = await client.get(base + url, params=params,
                                        headers=JSON if url == "/sparql" else {})
        except httpx.HTTPError as error:
            level.fail(f"{url}: {error!r}")
            continue
        level.latencies.append(time.perf_counter() - started)
        if response.status_code >= 300:
            level.fail(f"{url} {params}: {response.status_code} {response.text[:200]}")
        elif pick == 9 and int(response.json()["results"]["bindings"][0]["n"]["value"]) \
                != BATCH:
            level.half_writes += 1


def _batch(number: int, variant: int) -> bytes:
    subject = f"{BASE}id/org/load-{number}"
    return "".join(f'<{subject}> <{BASE}ns#note{i}> "write {number}.{variant} #{i}" .\n'
                   for i in range(BATCH)).encode()


async def _writer(client: httpx.AsyncClient, base: str, level: Level, deadline: float,
                  first: int, rng: random.Random) -> int:
    number = first
    while time.monotonic() < deadline:
        replace = number > first and rng.random() < 0.3
        target = rng.randrange(first, number) if replace else number
        try:
            response = await client.put(
                f"{base}/store", params={"graph": f"{PREFIX}{target}"},
                content=_batch(target, number), headers={
                    "Content-Type": "application/n-triples",
                    "Authorization": f"Bearer {TOKEN}"})
        except httpx.HTTPError as error:
            level.write_failures += 1
            level.fail(f"PUT: {error!r}")
            continue
        if response.status_code not in (201, 204):
            level.write_failures += 1
            level.fail(f"PUT: {response.status_code} {response.text[:200]}")
        else:
            level.writes += 1
            if not replace:
                level.committed = number + 1
        number += 0 if replace else 1
        await asyncio.sleep(0.05)
    return number


async def _run_level(base: str, level: Level, entities: list[str], first: int) -> int:
    limits = httpx.Limits(max_connections=level.clients + 4,
                          max_keepalive_connections=level.clients + 4)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        deadline = time.monotonic() + level.seconds
        rng = random.Random(level.clients)
        readers = [_reader(client, base, level, deadline, entities, random.Random(i))
                   for i in range(level.clients)]
        results = await asyncio.gather(_writer(client, base, level, deadline, first, rng),
                                       *readers)
    # the writer's count: gather's stubs type the list as the join of int and the readers' None
    return int(cast(int, results[0]))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=4000)
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("GRAPHKIT_LOAD_SECONDS", "60")))
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    args = parser.parse_args(argv)
    source = synthetic_file(args.orgs)
    scratch = Path(tempfile.mkdtemp(dir=WORK, prefix="load-test-"))
    try:
        with OxigraphStore(scratch / "store") as store:
            store.load(source, format=RdfFormat.N_TRIPLES,
                       graph=f"{BASE}graph/source/synthetic")
            entities = [cast(ox.NamedNode, row["s"]).value for row in store.query(
                "SELECT ?s WHERE { ?s a <https://w3id.org/ogkg/ns#Organisation> } "
                "LIMIT 500").rows()]
        levels = [Level(clients, args.seconds) for clients in args.clients]
        with service(scratch / "store", WORK / "load-test-service.log") as base:
            first = 0
            for level in levels:
                print(f"  {level.clients} clients for {level.seconds:g} s", flush=True)
                level.committed = first
                first = asyncio.run(_run_level(base, level, entities, first))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _report(levels, args, triples_in(source))


def _report(levels: list[Level], args: argparse.Namespace, size: int) -> None:
    rows = []
    for level in levels:
        n = len(level.latencies)
        rows.append([str(level.clients), f"{level.seconds:g} s", str(n),
                     f"{n / level.seconds:.0f}",
                     f"{_percentile(level.latencies, 0.50) * 1000:.1f}",
                     f"{_percentile(level.latencies, 0.95) * 1000:.1f}",
                     f"{_percentile(level.latencies, 0.99) * 1000:.1f}",
                     f"{statistics.fmean(level.latencies) * 1000:.1f}" if n else "–",
                     str(level.writes), str(level.failed), str(level.half_writes)])
    ok = all(level.failed == 0 and level.half_writes == 0 for level in levels)
    shortened = args.seconds < 60
    failures = [f for level in levels for f in level.failures]
    body = (
        f"The service (uvicorn, on-disk store, default query workers) over "
        f"{size:,} synthetic triples ({args.orgs} organisations), on loopback. Readers: "
        "SPARQL (labels page, count by class, one entity), entity pages `/id/…`, `/health`, "
        "and the size of a contribution graph already written; one writer PUTs graphs of "
        f"{BATCH} "
        "triples meanwhile (new ones, and replacements of earlier ones). Latencies in ms "
        "over all reads.\n\n"
        + table(["clients", "duration", "reads", "reads/s", "p50", "p95", "p99", "mean",
                 "writes", "failed", "half writes seen"], rows)
        + f"\n\n**{'Zero failed requests and no half write seen' if ok else 'FAILED'}**"
        + (f" — durations shortened from 60 s to {args.seconds:g} s per level "
           "(`GRAPHKIT_LOAD_SECONDS`)." if shortened else ".")
        + ("\n\nFirst failures:\n" + "\n".join(f"- `{f}`" for f in failures)
           if failures else ""))
    command = "python -m bench.load_test " + " ".join(
        [f"--orgs {args.orgs}", f"--seconds {args.seconds:g}",
         "--clients " + " ".join(str(c) for c in args.clients)])
    write_data("80-load-test", {
        "orgs": args.orgs, "triples": size, "command": command, "ok": ok,
        "levels": [{"clients": level.clients, "seconds": level.seconds,
                    "reads": len(level.latencies),
                    "reads_per_s": len(level.latencies) / level.seconds,
                    **({"p50_s": _percentile(level.latencies, 0.50),
                        "p95_s": _percentile(level.latencies, 0.95),
                        "p99_s": _percentile(level.latencies, 0.99),
                        "mean_s": statistics.fmean(level.latencies)}
                       if level.latencies else {}),
                    "writes": level.writes, "failed": level.failed,
                    "half_writes": level.half_writes} for level in levels]})
    write_section("80-load-test", "Load: mixed reads at 8/32/64 clients with writes",
                  command, body)


if __name__ == "__main__":
    main()
