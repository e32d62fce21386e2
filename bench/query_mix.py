"""The SPARQL endpoint under a query mix (issue 5's speed targets), side by side in one run.

Same data (``graphkit synth --orgs N``, ≈ 1 M triples at 40 000) and the same queries on:

- **ours**: ``graphkit serve`` over the on-disk store (the worker-process pool, as deployed);
- **Oxigraph server**: ``oxigraph serve`` (same engine, in Rust) over its own on-disk copy;
- **rdflib-endpoint 0.6.3**: ``rdflib-endpoint serve data.nt`` (FastAPI + rdflib, in memory).

Measured:

1. throughput with 8 concurrent clients cycling through the mix (each client its own
   rotation), for a fixed time (ours and Oxigraph server in alternating rounds); targets
   ≥ 5× rdflib-endpoint and ≥ 0.7× Oxigraph server;
2. per-query median latency over HTTP (one client) against the same query run and serialised
   by pyoxigraph in this process (an on-disk store of the same file, as ours uses; in memory
   for reference), interleaved; target ≤ 1.5×;
3. memory of the server (process and its workers) while it streams a 1 M-row SELECT, sampled
   every 0.1 s: it should stay flat.

Run: ``python -m bench.query_mix [--orgs 40000] [--seconds 30] [--rounds 3] [--repeat 7]
[--workers 4]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox

from bench.common import (
    WORK,
    interleaved,
    synthetic_file,
    table,
    triples_in,
    verdict,
    write_section,
)

BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
NT = "application/n-triples"
P = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX ogk: <https://w3id.org/ogkg/ns#>
PREFIX id: <https://w3id.org/ogkg/id/>
"""
ORG = "<https://w3id.org/ogkg/id/org/synthetic-org-17>"
NET = "<https://w3id.org/ogkg/id/network/synthetic-network-7>"
FIN = "<https://w3id.org/ogkg/id/place/fin>"

#: name -> (kind of query, Accept, text)
MIX: dict[str, tuple[str, str, str]] = {
    "point lookup": ("point lookup", JSON, P + f"SELECT ?p ?o WHERE {{ {ORG} ?p ?o }}"),
    "ask": ("point lookup", JSON, P + f"ASK {{ {ORG} org:classification ?kind }}"),
    "label search": ("label search", JSON, P + """SELECT ?entity ?label WHERE {
  ?entity rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "organisation 1234"))
} ORDER BY ?label"""),
    "network members": ("2-hop join", JSON, P + f"""SELECT ?member ?label ?country WHERE {{
  ?m org:organization {NET} ; org:member ?member .
  ?member rdfs:label ?label ; ogk:country ?country }}"""),
    "posts in Finland": ("2-hop join", JSON, P + f"""SELECT ?post ?person ?name WHERE {{
  ?post org:postIn ?o ; org:heldBy ?person . ?o ogk:country {FIN} .
  ?person rdfs:label ?name }}"""),
    "organisations per country": ("aggregate", JSON, P + """SELECT ?country (COUNT(?o) AS ?n)
WHERE { ?o a ogk:Organisation ; ogk:country ?country } GROUP BY ?country ORDER BY DESC(?n)"""),
    "memberships per role": ("aggregate", JSON, P + """SELECT ?role (COUNT(*) AS ?n)
WHERE { ?m a org:Membership ; org:role ?role } GROUP BY ?role"""),
    "oldest in Finland": ("OPTIONAL + ORDER BY", JSON, P + f"""SELECT ?o ?label ?founded WHERE {{
  ?o ogk:country {FIN} ; rdfs:label ?label . OPTIONAL {{ ?o schema:foundingDate ?founded }}
}} ORDER BY ?founded ?label LIMIT 50"""),
    "publications by date": ("OPTIONAL + ORDER BY", JSON, P + """SELECT ?pub ?issued ?creator
WHERE { ?pub a ogk:Publication . OPTIONAL { ?pub dcterms:issued ?issued }
  OPTIONAL { ?pub dcterms:creator ?creator } } ORDER BY DESC(?issued) ?pub LIMIT 100"""),
    "networks of an organisation": ("property path", JSON, P + f"""SELECT ?body ?label WHERE {{
  {ORG} ^org:member/org:organization ?body . ?body rdfs:label|skos:altLabel ?label }}"""),
    "agenda of hosted meetings": ("property path", JSON, P + """SELECT ?item WHERE {
  <https://w3id.org/ogkg/id/org/synthetic-org-10> ogk:hosts/^ogk:agendaItemOf ?item }"""),
    "describe with memberships": ("CONSTRUCT", NT, P + f"""CONSTRUCT {{ {ORG} ?p ?o . ?m ?mp ?mo }}
WHERE {{ {{ {ORG} ?p ?o }} UNION {{ ?m org:member {ORG} ; ?mp ?mo }} }}"""),
}
STREAM = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    startup: float = 0.0
    log: Path | None = None

    def rss(self) -> int:
        """Resident memory of the server and its child processes (the query workers)."""
        try:
            root = psutil.Process(self.process.pid)
            total: int = root.memory_info().rss
            for child in root.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            return total
        except psutil.Error:
            return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, command: list[str], url: str, *, probe: str, timeout: float,
          log: Path, env: dict[str, str] | None = None) -> Server:
    """Start a server and wait until it answers ``probe`` (its startup includes loading)."""
    began = time.perf_counter()
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
    server = Server(name, url, process, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            answer = httpx.get(url, params={"query": probe}, headers={"Accept": JSON},
                               timeout=5)
            if answer.status_code == 200:
                server.startup = time.perf_counter() - began
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise TimeoutError(f"{name} did not answer within {timeout:.0f} s; see {log}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ask(client: httpx.Client, url: str, accept: str, query: str) -> bytes:
    answer = client.get(url, params={"query": query}, headers={"Accept": accept})
    answer.raise_for_status()
    return answer.content


def rows_in(body: bytes, accept: str) -> int:
    if accept == NT:
        return body.count(b"\n")
    data = json.loads(body)
    return 1 if "boolean" in data else len(data["results"]["bindings"])


# -- 1. throughput ----------------------------------------------------------------------------
@dataclass
class Load:
    completed: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def per_second(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0


def throughput(server: Server, *, clients: int, seconds: float) -> Load:
    """``clients`` threads cycle through the mix (each from its own offset) until time is
    up; queries under way then finish and count. Elapsed time runs to the last answer."""
    load = Load()
    lock = threading.Lock()
    names = list(MIX)
    began = time.perf_counter()
    stop_at = began + seconds

    def client(offset: int) -> None:
        with httpx.Client(timeout=600) as http:
            turn = offset
            while time.perf_counter() < stop_at:
                _, accept, query = MIX[names[turn % len(names)]]
                turn += 1
                start_q = time.perf_counter()
                try:
                    ask(http, server.url, accept, query)
                except httpx.HTTPError as error:
                    with lock:
                        load.errors.append(f"{type(error).__name__}: {error}"[:200])
                    continue
                with lock:
                    load.completed += 1
                    load.latencies.append(time.perf_counter() - start_q)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.elapsed = time.perf_counter() - began
    return load


# -- 2. latency against pyoxigraph in-process -------------------------------------------------
def in_process(store: ox.Store, accept: str, query: str) -> Callable[[], object]:
    """Run and serialise the answer as the server would (JSON results, N-Triples)."""
    def run() -> bytes:
        result = store.query(query, use_default_graph_as_union=True)  # as ours queries
        if isinstance(result, ox.QueryTriples):
            return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        return result.serialize(format=ox.QueryResultsFormat.JSON) or b""
    return run


def over_http(client: httpx.Client, url: str, accept: str, query: str) -> Callable[[], object]:
    def run() -> bytes:
        return ask(client, url, accept, query)
    return run


# -- 3. memory while streaming ----------------------------------------------------------------
@dataclass
class Stream:
    bytes: int = 0
    rows: int = 0
    first_byte: float = 0.0
    seconds: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (bytes so far, rss)
    before: int = 0

    def rss_at(self, fraction: float) -> int:
        goal = self.bytes * fraction
        return next((rss for done, rss in self.samples if done >= goal), self.samples[-1][1])

    @property
    def peak(self) -> int:
        return max(rss for _, rss in self.samples)


def stream_memory(server: Server) -> Stream:
    """Stream the whole graph as SELECT rows (CSV: one line a row) and sample the server's
    memory every 0.1 s while the client reads and discards the chunks."""
    result = Stream(before=server.rss())
    done = threading.Event()
    received = [0]

    def sample() -> None:
        while not done.is_set():
            result.samples.append((received[0], server.rss()))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    began = time.perf_counter()
    sampler.start()
    try:
        with httpx.stream("GET", server.url, params={"query": STREAM},
                          headers={"Accept": "text/csv"}, timeout=900) as answer:
            answer.raise_for_status()
            for chunk in answer.iter_raw(1 << 16):
                if not received[0]:
                    result.first_byte = time.perf_counter() - began
                received[0] += len(chunk)
                result.rows += chunk.count(b"\n")
    finally:
        done.set()
        sampler.join()
    result.samples.append((received[0], server.rss()))
    result.bytes = received[0]
    result.rows -= 1  # the header line
    result.seconds = time.perf_counter() - began
    return result


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f}"


# -- the run ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=40_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rdflib-timeout", type=float, default=1200.0,
                        help="seconds rdflib-endpoint may take to load the file")
    args = parser.parse_args(argv)
    source = synthetic_file(args.orgs)
    size = triples_in(source)
    scratch = Path(tempfile.mkdtemp(dir=WORK, prefix="query-mix-"))
    servers: dict[str, Server] = {}
    notes: list[str] = []
    load_before = os.getloadavg()
    try:
        servers = start_servers(args, source, scratch, notes)
        body = run_all(args, source, size, servers, notes, scratch)
        load_after = os.getloadavg()
        body += ("\n\nMachine load (1-minute load average, other work on the shared machine "
                 f"included): {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the "
                 "end; the ratios compare servers measured in the same run.")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    write_section("20-query-mix", "SPARQL endpoint: query mix, concurrency, latency, streaming "
                  "(issue 5)",
                  f"python -m bench.query_mix --orgs {args.orgs} --seconds {args.seconds:g} "
                  f"--repeat {args.repeat} --clients {args.clients} --rounds {args.rounds} "
                  f"--workers {args.workers}",
                  body)
    print(body)


def start_servers(args: argparse.Namespace, source: Path, scratch: Path,
                  notes: list[str]) -> dict[str, Server]:
    servers: dict[str, Server] = {}
    probe = "ASK { ?s ?p ?o }"
    # ours: load into an on-disk store with the CLI, then serve it (worker pool)
    began = time.perf_counter()
    subprocess.run([str(BIN / "graphkit"), "load", str(source), "--store",
                    str(scratch / "ours")], check=True, stdout=subprocess.DEVNULL)
    loaded = time.perf_counter() - began
    port = free_port()
    servers["ours"] = start(
        "ours", [str(BIN / "graphkit"), "serve", "--store", str(scratch / "ours"),
                 "--host", "127.0.0.1", "--port", str(port)],
        f"http://127.0.0.1:{port}/sparql", probe=probe, timeout=300,
        log=scratch / "ours.log",
        env={"GRAPHKIT_QUERY_WORKERS": str(args.workers), "GRAPHKIT_QUERY_TIMEOUT": "900"})
    servers["ours"].startup += loaded
    # Oxigraph server: its own loader into its own directory, then serve
    began = time.perf_counter()
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(scratch / "oxigraph"),
                    "--file", str(source)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    loaded = time.perf_counter() - began
    port = free_port()
    servers["oxigraph"] = start(
        "Oxigraph server", [str(BIN / "oxigraph"), "serve", "--location",
                            str(scratch / "oxigraph"), "--bind", f"127.0.0.1:{port}",
                            "--union-default-graph"],
        f"http://127.0.0.1:{port}/query", probe=probe, timeout=300,
        log=scratch / "oxigraph.log")
    servers["oxigraph"].startup += loaded
    # rdflib-endpoint: parses the file into memory at start-up
    port = free_port()
    try:
        servers["rdflib"] = start(
            "rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", str(source),
                                "--host", "127.0.0.1", "--port", str(port)],
            f"http://127.0.0.1:{port}/", probe=probe, timeout=args.rdflib_timeout,
            log=scratch / "rdflib.log")
    except (TimeoutError, RuntimeError) as error:
        notes.append(f"rdflib-endpoint could not be measured: {error}")
    return servers


def run_all(args: argparse.Namespace, source: Path, size: int, servers: dict[str, Server],
            notes: list[str], scratch: Path) -> str:
    parts = [(f"{size:,} triples (`graphkit synth --orgs {args.orgs}`), the same N-Triples "
             f"file for every server. Ours: `graphkit serve` over the on-disk store, "
             f"{args.workers} query worker processes (`GRAPHKIT_QUERY_WORKERS`), query timeout "
             "raised to 900 s for the 1 M-row stream. Every query is sent as `GET ?query=`, "
             "SELECT/ASK answered as SPARQL JSON, CONSTRUCT as N-Triples.\n")]
    parts.append(table(["server", "start-up incl. loading, s", "memory after start, MiB"],
                       [[s.name, f"{s.startup:.1f}", mib(s.rss())] for s in servers.values()]))
    # the answers agree (and every server is warm)
    check_rows: list[list[str]] = []
    with httpx.Client(timeout=900) as client:
        for name, (kind, accept, query) in MIX.items():
            counts = []
            for server in servers.values():
                try:
                    counts.append(str(rows_in(ask(client, server.url, accept, query), accept)))
                except httpx.HTTPError as error:
                    counts.append(f"error: {error}"[:60])
            check_rows.append([name, kind, *counts])
    parts.append("\n**The mix** (rows in each server's answer; they must agree):\n\n"
                 + table(["query", "kind", *[s.name for s in servers.values()]], check_rows))
    # 1. throughput: ours and Oxigraph server in alternating rounds, so that the load of a
    # shared machine falls on both alike; rdflib-endpoint, far slower, in one window
    loads = {key: Load() for key in servers}
    fast = [key for key in servers if key != "rdflib"]
    for _ in range(args.rounds):
        for key in fast:
            part = throughput(servers[key], clients=args.clients,
                              seconds=args.seconds / args.rounds)
            loads[key].completed += part.completed
            loads[key].elapsed += part.elapsed
            loads[key].errors += part.errors
            loads[key].latencies += part.latencies
    if "rdflib" in servers:
        loads["rdflib"] = throughput(servers["rdflib"], clients=args.clients,
                                     seconds=args.seconds)
    rows = []
    for key, load in loads.items():
        median = statistics.median(load.latencies) if load.latencies else float("nan")
        rows.append([servers[key].name, str(load.completed), f"{load.elapsed:.1f}",
                     f"{load.per_second:.2f}", f"{median * 1000:.0f}", str(len(load.errors))])
    parts.append(f"\n**Throughput**, {args.clients} concurrent clients for {args.seconds:g} s "
                 f"per server (ours and Oxigraph server alternating in {args.rounds} rounds; "
                 "queries under way at the end of a round finish and count):\n\n"
                 + table(["server", "queries", "elapsed s", "queries/s", "median latency ms",
                          "errors"], rows))
    ours = loads["ours"].per_second
    ratios = []
    if "rdflib" in loads and loads["rdflib"].per_second:
        ratio = ours / loads["rdflib"].per_second
        ratios.append(f"- ours ÷ rdflib-endpoint: **{ratio:.1f}×** — "
                      f"{verdict(ratio, 5.0, at_most=False)}")
    elif "rdflib" in loads:
        ratios.append("- ours ÷ rdflib-endpoint: rdflib-endpoint completed no query in the time")
    if loads["oxigraph"].per_second:
        ratio = ours / loads["oxigraph"].per_second
        ratios.append(f"- ours ÷ Oxigraph server: **{ratio:.2f}×** — "
                      f"{verdict(ratio, 0.7, at_most=False)}")
    parts.append("\n" + "\n".join(ratios))
    for key, load in loads.items():
        if load.errors:
            notes.append(f"{servers[key].name}: {len(load.errors)} errors, first: "
                         f"{load.errors[0]}")
    # 2. latency over HTTP against in-process pyoxigraph
    parts.append(latency_section(args, source, servers["ours"], scratch))
    # 3. memory while streaming
    parts.append(memory_section({k: s for k, s in servers.items() if k != "rdflib"}))
    if notes:
        parts.append("\nNotes:\n\n" + "\n".join(f"- {note}" for note in notes))
    return "\n".join(parts)


def latency_section(args: argparse.Namespace, source: Path, ours: Server,
                    scratch: Path) -> str:
    """Ours over HTTP against pyoxigraph in this process on the same kind of store (on
    disk, loaded from the same file), and in memory for reference."""
    disk = ox.Store(str(scratch / "in-process"))
    disk.bulk_load(path=str(source), format=ox.RdfFormat.N_TRIPLES)
    memory = ox.Store()
    memory.bulk_load(path=str(source), format=ox.RdfFormat.N_TRIPLES)
    rows = []
    met = 0
    with httpx.Client(timeout=900) as client:
        for name, (_, accept, query) in MIX.items():
            timings = interleaved({"disk": in_process(disk, accept, query),
                                   "memory": in_process(memory, accept, query),
                                   "http": over_http(client, ours.url, accept, query)},
                                  repeat=args.repeat)
            local, remote = timings["disk"], timings["http"]
            ratio = remote.median / local.median
            met += ratio <= 1.5
            rows.append([name, f"{timings['memory'].median * 1000:.2f}",
                         f"{local.median * 1000:.2f}", f"{remote.median * 1000:.2f}",
                         f"{(remote.median - local.median) * 1000:.1f}", f"{ratio:.2f}",
                         verdict(ratio, 1.5)])
    del disk, memory
    return (f"\n**Latency per query**, one client, {args.repeat} interleaved runs, median ms: "
            "pyoxigraph called in this process (query + serialisation to the same format) "
            "on an on-disk store of the same file, as ours uses, and on an in-memory one "
            "for reference, against a request to ours:\n\n"
            + table(["query", "in-process, memory", "in-process, disk", "HTTP (ours)",
                     "HTTP overhead", "× in-process (disk)", "target"], rows)
            + f"\n\n{met} of {len(MIX)} queries within 1.5×. The overhead column is the "
              "fixed cost of a request (HTTP, routing, handing the query to a worker process "
              "and its answer back); a query that takes the engine well under that cost "
              "cannot be within 1.5× of an in-process call. A negative overhead means the "
              "worker process ran the query faster than this process, which also runs the "
              "benchmark's clients.")


def memory_section(servers: dict[str, Server]) -> str:
    rows = []
    for server in servers.values():
        result = stream_memory(server)
        rows.append([server.name, f"{result.rows:,}", mib(result.bytes),
                     f"{result.first_byte:.2f}", f"{result.seconds:.1f}", mib(result.before),
                     mib(result.rss_at(0.1)), mib(result.rss_at(0.5)), mib(result.rss_at(1.0)),
                     mib(result.peak), mib(result.peak - result.before)])
    return ("\n**Memory while streaming** `" + STREAM + "` as CSV (server process plus its "
            "workers, resident MiB, sampled every 0.1 s; the client reads and drops the "
            "chunks):\n\n"
            + table(["server", "rows", "MiB sent", "first byte s", "total s", "before",
                     "at 10 %", "at 50 %", "at 100 %", "peak", "peak − before"], rows))


if __name__ == "__main__":
    main()
