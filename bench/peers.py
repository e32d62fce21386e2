"""The SPARQL servers of the query mix, each started over the same N-Triples file on
127.0.0.1 and a free port, and always stopped: every ``start_*`` is a context manager
yielding a :class:`Server` (start-up includes loading the data), or raising
:class:`Unavailable` with the reason when that peer cannot run here.

- ``ours``: ``graphkit load`` into an on-disk store, then ``graphkit serve`` (worker pool);
- ``ours-virtuoso``: ``graphkit serve --endpoint`` over the Virtuoso peer (RemoteStore);
- ``oxigraph``: ``oxigraph load`` then ``oxigraph serve --union-default-graph``;
- ``virtuoso``: a private Virtuoso (:func:`tests.servers.virtuoso_server`), bulk-loaded;
- ``rdflib-endpoint``: ``rdflib-endpoint serve data.nt`` (parses the file into memory).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bench.mix import JSON
from graphkit.processes import die_with_parent

BIN = Path(sys.executable).parent
PROBE = "ASK { ?s ?p ?o }"
GRAPH = "https://w3id.org/ogkg/graph/source/synthetic"
#: Virtuoso's answers may be as long as the 1 M/5 M-row stream; 8 KB pages in memory
#: (about 2.6 GiB: Virtuoso's guide gives 85,000 buffers per GB to spare).
VIRTUOSO_ROWS = 20_000_000
VIRTUOSO_BUFFERS = 340_000


class Unavailable(RuntimeError):
    """A peer that cannot run here; the message says why (and is written in the section)."""


@dataclass
class Server:
    key: str
    name: str
    url: str
    pid: int
    startup: float = 0.0  # seconds from nothing to answering, loading included
    loading: float = 0.0  # of which loading the data
    notes: list[str] = field(default_factory=list)

    def rss(self) -> int:
        """Resident memory of the server and its child processes (the query workers)."""
        try:
            root = psutil.Process(self.pid)
            total: int = root.memory_info().rss
            for child in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            return total
        except psutil.Error:
            return 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        answer = httpx.get(url, params={"query": PROBE}, headers={"Accept": JSON}, timeout=5)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


@contextlib.contextmanager
def _process(key: str, name: str, command: list[str], url: str, *, timeout: float,
             log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``command`` (its own process group) until it answers at ``url``; stop it after."""
    began = time.perf_counter()
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=die_with_parent,  # noqa: PLW1509 (no threads yet)
                                   env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if process.poll() is not None:
                raise Unavailable(f"{name} exited with {process.returncode} at start-up; "
                                  f"see {log}")
            if time.monotonic() > deadline:
                raise Unavailable(f"{name} did not answer within {timeout:.0f} s; see {log}")
            time.sleep(0.5)
        yield Server(key, name, url, process.pid, startup=time.perf_counter() - began)
    finally:
        _stop(process)




def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _timed(command: list[str], what: str) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    if done.returncode != 0:
        raise Unavailable(f"{what} failed ({done.returncode}): "
                          f"{done.stderr.decode(errors='replace').strip()[-300:]}")
    return time.perf_counter() - began


@contextlib.contextmanager
def start_ours(source: Path, scratch: Path, *, workers: int,
               env: dict[str, str] | None = None) -> Iterator[Server]:
    loading = _timed([str(BIN / "graphkit"), "load", str(source), "--graph", GRAPH,
                      "--store", str(scratch / "ours")], "graphkit load")
    port = free_port()
    with _process("ours", "ours (embedded, disk)",
                  [str(BIN / "graphkit"), "serve", "--store", str(scratch / "ours"),
                   "--host", "127.0.0.1", "--port", str(port)],
                  f"http://127.0.0.1:{port}/sparql", timeout=300, log=scratch / "ours.log",
                  env={"GRAPHKIT_QUERY_WORKERS": str(workers),
                       "GRAPHKIT_QUERY_TIMEOUT": "900", **(env or {})}) as server:
        server.loading = loading
        server.startup += loading
        yield server


@contextlib.contextmanager
def start_oxigraph(source: Path, scratch: Path) -> Iterator[Server]:
    binary = BIN / "oxigraph"
    if not binary.is_file():
        raise Unavailable("the Oxigraph server (`oxigraph`, bench extra) is not installed")
    loading = _timed([str(binary), "load", "--location", str(scratch / "oxigraph"),
                      "--file", str(source)], "oxigraph load")
    port = free_port()
    with _process("oxigraph", "Oxigraph server",
                  [str(binary), "serve", "--location", str(scratch / "oxigraph"),
                   "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                  f"http://127.0.0.1:{port}/query", timeout=300,
                  log=scratch / "oxigraph.log") as server:
        server.loading = loading
        server.startup += loading
        yield server


@contextlib.contextmanager
def start_rdflib_endpoint(source: Path, scratch: Path, *, timeout: float) -> Iterator[Server]:
    binary = BIN / "rdflib-endpoint"
    if not binary.is_file():
        raise Unavailable("rdflib-endpoint (bench extra) is not installed")
    port = free_port()
    with _process("rdflib-endpoint", "rdflib-endpoint",
                  [str(binary), "serve", str(source), "--host", "127.0.0.1", "--port",
                   str(port)],
                  f"http://127.0.0.1:{port}/", timeout=timeout,
                  log=scratch / "rdflib-endpoint.log") as server:
        server.loading = server.startup  # it parses the file at start-up
        yield server


@contextlib.contextmanager
def start_virtuoso(source: Path, scratch: Path) -> Iterator[Server]:
    if not (shutil.which("virtuoso-t") and shutil.which("isql-vt")):
        raise Unavailable("Virtuoso (`virtuoso-t`, `isql-vt`: Debian package "
                          "virtuoso-opensource) is not installed")
    from tests.servers import virtuoso_bulk_load, virtuoso_server

    directory = scratch / "virtuoso"
    directory.mkdir()
    began = time.perf_counter()
    with contextlib.ExitStack() as stack:
        try:
            remote = stack.enter_context(virtuoso_server(
                directory, result_rows=VIRTUOSO_ROWS, buffers=VIRTUOSO_BUFFERS))
            online = time.perf_counter()
            virtuoso_bulk_load(remote, [source], graph=GRAPH)
        except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as error:
            raise Unavailable(f"Virtuoso could not be started or loaded: {error}"[:600]) \
                from error
        loaded = time.perf_counter()
        yield Server("virtuoso", "Virtuoso /sparql", remote.endpoint,
                     _pid_of("virtuoso-t", directory), startup=loaded - began,
                     loading=loaded - online)


def _pid_of(binary: str, directory: Path) -> int:
    """The process of ours running ``binary`` with ``directory`` on its command line."""
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if child.name() == binary and any(str(directory) in a for a in child.cmdline()):
                return int(child.pid)
    return 0


@contextlib.contextmanager
def start_ours_remote(virtuoso: Server, scratch: Path) -> Iterator[Server]:
    """The service as ``graphkit serve`` runs it, its store the remote Virtuoso endpoint."""
    port = free_port()
    with _process("ours-virtuoso", "ours over Virtuoso",
                  [str(BIN / "graphkit"), "serve", "--endpoint", virtuoso.url,
                   "--host", "127.0.0.1", "--port", str(port)],
                  f"http://127.0.0.1:{port}/sparql", timeout=120,
                  log=scratch / "ours-virtuoso.log",
                  env={"GRAPHKIT_QUERY_TIMEOUT": "900"}) as server:
        yield server


def start_all(stack: contextlib.ExitStack, source: Path, scratch: Path, *, workers: int,
              rdflib_timeout: float, wanted: set[str],
              skipped: dict[str, str]) -> dict[str, Server]:
    """Every wanted peer that can run, in the order of the tables; the others in ``skipped``."""
    servers: dict[str, Server] = {}
    starters: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Server]]]] = [
        ("ours", lambda: start_ours(source, scratch, workers=workers)),
        ("virtuoso", lambda: start_virtuoso(source, scratch)),
        ("ours-virtuoso", lambda: start_ours_remote(servers["virtuoso"], scratch)),
        ("oxigraph", lambda: start_oxigraph(source, scratch)),
        ("rdflib-endpoint", lambda: start_rdflib_endpoint(source, scratch,
                                                          timeout=rdflib_timeout)),
    ]
    for key, starter in starters:
        if key not in wanted or key in skipped:
            continue
        if key == "ours-virtuoso" and "virtuoso" not in servers:
            skipped[key] = "needs the Virtuoso peer, which did not run"
            continue
        print(f"  starting {key}", flush=True)
        try:
            servers[key] = stack.enter_context(starter())
        except Unavailable as error:
            if key == "ours":
                raise
            skipped[key] = str(error)
    return servers
