"""The SPARQL endpoint under a query mix (issue 5's speed targets), with every peer of
issue 8 side by side in one run: the same N-Triples file and the same queries
(:mod:`bench.mix`) on

- servers (:mod:`bench.peers`): **ours** (``graphkit serve``, embedded on-disk store, worker
  pool), **ours over Virtuoso** (``graphkit serve --endpoint``, RemoteStore), **Oxigraph
  server**, **Virtuoso**'s own ``/sparql``, **rdflib-endpoint 0.6.3**;
- in this process (:mod:`bench.inprocess`): raw **pyoxigraph** on disk and in memory, and
  **rdflib**'s memory store (``Dataset``).

Measured:

1. the answers agree (rows per query and peer);
2. throughput by concurrency: 1, 8 and 32 clients cycling through the mix, a fixed time per
   server and level in alternating rounds; targets at 8 clients: ours ≥ 5× rdflib-endpoint
   and ≥ 0.7× Oxigraph server. rdflib-endpoint, one process answering in seconds, runs up
   to ``--slow-clients``;
3. per-query latency, one client (:class:`bench.mix.KeepAlive`), interleaved over every
   peer; target: ours over HTTP within 1.5× of pyoxigraph in-process on disk. rdflib's
   peers get ``--slow-repeat`` runs, fewer when a query has already taken ``--slow-cap``
   seconds;
4. memory of ours and Oxigraph server while they stream a 1 M-row SELECT (flat?).

rdflib's two peers are skipped above ``--rdflib-max-orgs`` (their load time and memory at
the smaller size are quoted as the reason). Figures go to the section and, for the charts,
to its JSON (:func:`bench.common.write_data`).

Run: ``python -m bench.query_mix [--orgs 40000] [--seconds 10] [--clients 1 8 32]
[--repeat 5] [--workers 4]``
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx

from bench.common import (
    WORK,
    read_data,
    synthetic_file,
    table,
    triples_in,
    verdict,
    write_data,
    write_section,
)
from bench.inprocess import Local, pyoxigraph, rdflib_memory
from bench.mix import MIX, KeepAlive, ask, rows_in
from bench.peers import Server, start_all
from bench.query_stream import memory_section

SECTION = "20-query-mix"
SERVERS = ["ours", "ours-virtuoso", "oxigraph", "virtuoso", "rdflib-endpoint"]
LOCALS = ["pyoxigraph-disk", "pyoxigraph-memory", "rdflib"]
SLOW = {"rdflib", "rdflib-endpoint"}


@dataclass
class Load:
    completed: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def per_second(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    def add(self, other: Load) -> None:
        self.completed += other.completed
        self.elapsed += other.elapsed
        self.errors += other.errors
        self.latencies += other.latencies


def throughput(server: Server, *, clients: int, seconds: float) -> Load:
    """``clients`` threads cycle through the mix (each from its own offset) until time is
    up; queries under way then finish and count. Elapsed time runs to the last answer.
    The HTTP clients are made before the clock starts (making one costs milliseconds)."""
    load = Load()
    lock = threading.Lock()
    names = list(MIX)
    ready = threading.Barrier(clients + 1)
    https = [httpx.Client(timeout=900) for _ in range(clients)]

    def client(offset: int) -> None:
        http, turn = https[offset], offset
        ready.wait()
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
    began = time.perf_counter()
    stop_at = began + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    load.elapsed = time.perf_counter() - began
    for http in https:
        http.close()
    return load


def latencies(runners: dict[str, Callable[[], object]], *, repeat: int, slow_repeat: int,
              slow_cap: float, first: dict[str, float]) -> dict[str, list[float]]:
    """Round-robin runs of one query on every peer (noise hits all alike). A slow peer
    starts from its timed run of the agreement check (``first``) and stops after
    ``slow_repeat`` runs or once it has spent ``slow_cap`` seconds."""
    seconds: dict[str, list[float]] = {key: [first[key]] if key in SLOW and key in first
                                       else [] for key in runners}
    for _ in range(repeat):
        for key, run in runners.items():
            if key in SLOW and (len(seconds[key]) >= slow_repeat
                                or sum(seconds[key]) >= slow_cap):
                continue
            began = time.perf_counter()
            run()
            seconds[key].append(time.perf_counter() - began)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=40_000)
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="seconds per server and concurrency level")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--slow-clients", type=int, default=8,
                        help="highest concurrency for rdflib-endpoint")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--slow-repeat", type=int, default=3)
    parser.add_argument("--slow-cap", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--peers", nargs="+", choices=SERVERS + LOCALS,
                        default=SERVERS + LOCALS)
    parser.add_argument("--rdflib-max-orgs", type=int, default=100_000,
                        help="above this size rdflib's peers are skipped (time, memory)")
    parser.add_argument("--rdflib-timeout", type=float, default=1200.0,
                        help="seconds rdflib-endpoint may take to load the file")
    parser.add_argument("--no-stream", action="store_true",
                        help="leave out the memory-while-streaming measurement")
    args = parser.parse_args(argv)
    if "ours" not in args.peers:
        parser.error("--peers must include ours (every ratio is ours against a peer)")
    source = synthetic_file(args.orgs)
    size = triples_in(source)
    scratch = Path(tempfile.mkdtemp(dir=WORK, prefix="query-mix-"))
    skipped: dict[str, str] = {}
    if args.orgs > args.rdflib_max_orgs:
        for key in SLOW:
            skipped[key] = _rdflib_reason(key, args)
    load_before = os.getloadavg()
    try:
        with contextlib.ExitStack() as stack:
            servers = start_all(stack, source, scratch, workers=args.workers,
                                rdflib_timeout=args.rdflib_timeout, wanted=set(args.peers),
                                skipped=skipped)
            locals_ = _start_locals(args, source, scratch, skipped)
            data, body = run_all(args, size, servers, locals_, skipped)
            del locals_
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()
    body += ("\n\nMachine load (1-minute load average, other work on the machine included): "
             f"{load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end; the ratios "
             "compare peers measured in the same run.")
    command = (f"python -m bench.query_mix --orgs {args.orgs} --seconds {args.seconds:g} "
               f"--rounds {args.rounds} --clients {' '.join(map(str, args.clients))} "
               f"--repeat {args.repeat} --slow-repeat {args.slow_repeat} "
               f"--slow-cap {args.slow_cap:g} --workers {args.workers}"
               + (f" --peers {' '.join(args.peers)}" if args.peers != SERVERS + LOCALS
                  else "") + (" --no-stream" if args.no_stream else ""))
    write_data(SECTION, {"orgs": args.orgs, "triples": size, "command": command, **data})
    write_section(SECTION, "SPARQL endpoint and peers: query mix, concurrency, latency, "
                  "streaming (issues 5 and 8)", command, body)
    print(body)


def _rdflib_reason(key: str, args: argparse.Namespace) -> str:
    """Why rdflib's peer ``key`` is skipped at this size, with what it cost at a smaller one
    (from that size's JSON, when the suite has run it)."""
    reason = (f"skipped above {args.rdflib_max_orgs:,} organisations (`--rdflib-max-orgs`): "
              "it parses the whole file into Python objects")
    smaller: list[dict[str, Any]] = [
        data for tag, data in cast(dict[str, dict[str, Any]], read_data(SECTION)).items()
        if tag and 0 < int(data.get("orgs") or 0) <= args.rdflib_max_orgs]
    for data in reversed(smaller):
        peer = data.get("peers", {}).get(key)
        if peer:
            scale = args.orgs / int(data["orgs"])
            one_pass = sum(runs.get(key, 0.0) for runs in data.get("first_run_s", {}).values())
            reason += (f"; at {int(data['triples']):,} triples it took "
                       f"{peer['loading_s']:.0f} s to load and {peer['memory_mib']:,.0f} MiB, "
                       f"and {one_pass:.0f} s for one pass of the mix, so about "
                       f"{peer['loading_s'] * scale / 60:.0f} min and "
                       f"{peer['memory_mib'] * scale / 1024:.1f} GiB here (scaled linearly, "
                       "not measured)")
            break
    return reason


def _start_locals(args: argparse.Namespace, source: Path, scratch: Path,
                  skipped: dict[str, str]) -> dict[str, Local]:
    locals_: dict[str, Local] = {}
    if "pyoxigraph-disk" in args.peers:
        print("  loading pyoxigraph-disk", flush=True)
        locals_["pyoxigraph-disk"] = pyoxigraph(source, directory=scratch / "in-process")
    if "pyoxigraph-memory" in args.peers:
        print("  loading pyoxigraph-memory", flush=True)
        locals_["pyoxigraph-memory"] = pyoxigraph(source, directory=None)
    if "rdflib" in args.peers and "rdflib" not in skipped:
        print("  loading rdflib", flush=True)
        locals_["rdflib"] = rdflib_memory(source)
    return locals_


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f}"


def run_all(args: argparse.Namespace, size: int, servers: dict[str, Server],
            locals_: dict[str, Local], skipped: dict[str, str]) -> tuple[dict[str, object], str]:
    names = {**{k: s.name for k, s in servers.items()}, **{k: x.name for k, x in locals_.items()}}
    order = [k for k in SERVERS + LOCALS if k in names]
    peers: dict[str, dict[str, Any]] = {
        k: {"name": s.name, "kind": "server", "startup_s": s.startup,
            "loading_s": s.loading, "memory_mib": s.rss() / 2**20}
        for k, s in servers.items()}
    peers |= {k: {"name": x.name, "kind": "in-process", "startup_s": x.loading,
                  "loading_s": x.loading, "memory_mib": x.memory / 2**20}
              for k, x in locals_.items()}
    data: dict[str, object] = {"peers": peers, "order": order, "skipped": skipped,
                               "workers": args.workers,
                               "kinds": {name: kind for name, (kind, _, _) in MIX.items()}}
    parts = [(f"{size:,} triples (`graphkit synth --orgs {args.orgs}`), the same N-Triples "
              f"file for every peer. Ours: `graphkit serve` over the on-disk store, "
              f"{args.workers} query worker processes (`GRAPHKIT_QUERY_WORKERS`); ours over "
              "Virtuoso: `graphkit serve --endpoint` on the Virtuoso peer. Every query is "
              "sent as `GET ?query=`, SELECT/ASK answered as SPARQL JSON, CONSTRUCT as "
              "N-Triples; in-process peers serialise to the same formats.\n"),
             table(["peer", "kind", "start-up incl. loading, s", "of which loading, s",
                    "memory, MiB"],
                   [[p["name"], p["kind"], f"{p['startup_s']:.1f}", f"{p['loading_s']:.1f}",
                     f"{p['memory_mib']:,.0f}"] for p in (peers[k] for k in order)])]
    if skipped:
        parts.append("\nNot measured here:\n\n" + "\n".join(
            f"- {key}: {reason}" for key, reason in skipped.items()))
    parts.append(_agreement(servers, locals_, order, names, data))
    parts.append(_throughput(args, servers, data))
    parts.append(_latency(args, servers, locals_, order, names, data))
    if not args.no_stream:
        streamed: dict[str, Server] = {k: servers[k] for k in ("ours", "oxigraph")
                                       if k in servers}
        text, stream = memory_section(streamed)
        parts.append(text)
        data["stream"] = stream
    return data, "\n".join(parts)


def _agreement(servers: dict[str, Server], locals_: dict[str, Local], order: list[str],
               names: dict[str, str], data: dict[str, object]) -> str:
    """Rows of every peer's answer to every query (and every peer warm)."""
    rows: dict[str, dict[str, int | str]] = {}
    timed: dict[str, dict[str, float]] = {}
    lines, disagree = [], []
    with httpx.Client(timeout=900) as client:
        for name, (kind, accept, query) in MIX.items():
            rows[name], timed[name] = {}, {}
            for key in order:
                began = time.perf_counter()
                try:
                    body = (ask(client, servers[key].url, accept, query) if key in servers
                            else locals_[key].run(accept, query))
                    rows[name][key] = rows_in(body, accept)
                    timed[name][key] = time.perf_counter() - began
                except httpx.HTTPError as error:
                    rows[name][key] = f"error: {error}"[:80]
            if len({str(v) for v in rows[name].values()}) > 1:
                disagree.append(name)
            lines.append([name, kind, *[str(rows[name][k]) for k in order]])
    data["rows"] = rows
    data["disagree"] = disagree
    data["first_run_s"] = timed
    verdict_line = ("All peers give the same number of rows for every query." if not disagree
                    else f"**Answers DIFFER** for: {', '.join(disagree)}.")
    return ("\n**The mix** (rows in each peer's answer; they must agree):\n\n"
            + table(["query", "kind", *[names[k] for k in order]], lines)
            + f"\n\n{verdict_line}")


def _throughput(args: argparse.Namespace, servers: dict[str, Server],
                data: dict[str, object]) -> str:
    results: dict[str, dict[str, dict[str, float | int]]] = {}
    rows = []
    for clients in args.clients:
        fast = [k for k in SERVERS if k in servers and k not in SLOW]
        slow = [k for k in SERVERS if k in servers and k in SLOW and clients <= args.slow_clients]
        loads = {key: Load() for key in fast + slow}
        print(f"  throughput at {clients} clients", flush=True)
        for _ in range(args.rounds):  # alternating rounds: the machine's load hits all alike
            for key in fast:
                loads[key].add(throughput(servers[key], clients=clients,
                                          seconds=args.seconds / args.rounds))
        for key in slow:
            loads[key] = throughput(servers[key], clients=clients, seconds=args.seconds)
        results[str(clients)] = {}
        for key, load in loads.items():
            median = statistics.median(load.latencies) if load.latencies else float("nan")
            results[str(clients)][key] = {
                "qps": load.per_second, "completed": load.completed,
                "elapsed_s": load.elapsed, "errors": len(load.errors),
                **({"median_latency_s": median} if load.latencies else {})}
            rows.append([str(clients), servers[key].name, str(load.completed),
                         f"{load.elapsed:.1f}", f"{load.per_second:.2f}",
                         f"{median * 1000:.0f}", str(len(load.errors))
                         + (f" (first: `{load.errors[0][:80]}`)" if load.errors else "")])
    data["throughput"] = results
    text = (f"\n**Throughput by concurrency**: each level runs {args.seconds:g} s per server "
            f"(the fast servers alternating in {args.rounds} rounds; queries under way at the "
            "end of a round finish and count); rdflib-endpoint up to "
            f"{args.slow_clients} clients, in one window:\n\n"
            + table(["clients", "server", "queries", "elapsed s", "queries/s",
                     "median latency ms", "errors"], rows))
    at8 = results.get("8", {})
    ratios: dict[str, float] = {}
    lines = []
    ours = at8.get("ours", {}).get("qps", 0.0)
    for key, limit, label in (("rdflib-endpoint", 5.0, "rdflib-endpoint"),
                              ("oxigraph", 0.7, "Oxigraph server")):
        peer = at8.get(key, {}).get("qps", 0.0)
        if peer and ours:
            ratio = float(ours) / float(peer)
            ratios[key] = ratio
            lines.append(f"- at 8 clients, ours ÷ {label}: **{ratio:.2f}×** — "
                         f"{verdict(ratio, limit, at_most=False)}")
        elif key in servers and "8" in results:
            lines.append(f"- at 8 clients, ours ÷ {label}: not measurable (no query "
                         "completed)")
    data["throughput_ratios"] = ratios
    return text + ("\n\n" + "\n".join(lines) if lines else "")


def _latency(args: argparse.Namespace, servers: dict[str, Server], locals_: dict[str, Local],
             order: list[str], names: dict[str, str], data: dict[str, object]) -> str:
    results: dict[str, dict[str, dict[str, float | int]]] = {}
    first_runs = cast(dict[str, dict[str, float]], data.get("first_run_s", {}))
    rows, met, compared = [], 0, 0
    peer_met, peer_compared = 0, 0  # Oxigraph's own server, by the same measure
    with KeepAlive() as client:
        for name, (_, accept, query) in MIX.items():
            print(f"  latency: {name}", flush=True)
            runners: dict[str, Callable[[], object]] = {}
            for key in order:
                if key in servers:
                    url = servers[key].url
                    runners[key] = functools.partial(client.ask, url, accept, query)
                else:
                    runners[key] = locals_[key].runner(accept, query)
            seconds = latencies(runners, repeat=args.repeat, slow_repeat=args.slow_repeat,
                                slow_cap=args.slow_cap, first=first_runs.get(name, {}))
            results[name] = {k: {"median_s": statistics.median(v), "min_s": min(v),
                                 "max_s": max(v), "runs": len(v)}
                             for k, v in seconds.items() if v}
            line = [name] + [f"{results[name][k]['median_s'] * 1000:.2f}"
                             if k in results[name] else "–" for k in order]
            base = results[name].get("pyoxigraph-disk")
            if base and "oxigraph" in results[name]:
                peer_compared += 1
                peer_met += results[name]["oxigraph"]["median_s"] / base["median_s"] <= 1.5
            if base and "ours" in results[name]:
                ratio = results[name]["ours"]["median_s"] / base["median_s"]
                compared += 1
                met += ratio <= 1.5
                line += [f"{ratio:.2f}", verdict(ratio, 1.5)]
            else:
                line += ["–", ""]
            rows.append(line)
    data["latency"] = results
    data["latency_met"] = {"within": met, "of": compared, "limit": 1.5}
    peer_line = (f" Oxigraph's own server (Rust, the same engine) is within 1.5× for "
                 f"{peer_met} of {peer_compared}." if peer_compared else "")
    return (f"\n**Latency per query**, one client (a keep-alive connection per server with "
            "Python's `http.client`, the leanest client: httpx adds about a millisecond per "
            f"request), median ms of {args.repeat} interleaved runs "
            f"({args.slow_repeat} for rdflib's peers, the run of the agreement check "
            f"included, fewer once a query has taken them {args.slow_cap:g} s); in-process "
            "peers include serialising the answer:\n\n"
            + table(["query", *[names[k] for k in order], "ours × pyoxigraph disk",
                     "target"], rows)
            + f"\n\n{met} of {compared} queries within 1.5× of pyoxigraph in-process on disk."
            + peer_line + " "
              "A query that takes the engine well under the fixed cost of a request (HTTP, "
              "routing, handing the query to a worker process and its answer back) cannot be "
              "within 1.5× of an in-process call; a ratio under 1 means the worker process "
              "ran the query faster than this process, which also runs the clients.")


if __name__ == "__main__":
    main()
