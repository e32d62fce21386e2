"""Real SPARQL servers for the tests, on 127.0.0.1 and free ports, stopped by themselves.

:func:`oxigraph_server` runs the Oxigraph server from the ``oxigraph`` PyPI package
(``.venv/bin/oxigraph``); :func:`virtuoso_server` runs a private Virtuoso instance (Debian's
``virtuoso-opensource``) with its own database directory and ports, as
``../shared/VIRTUOSO.md`` describes. Each is a context manager yielding a :class:`Server`;
the process is terminated (then killed) in ``finally``, whatever happened. A missing binary
calls :func:`tests.support.need`: a skip on a user's machine, a failure in CI.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx

from graphkit.processes import die_with_parent
from graphkit.stores.remote import RemoteStore
from tests.support import free_port, need

__all__ = ["Server", "oxigraph_server", "virtuoso_bulk_load", "virtuoso_server"]

STARTUP_TIMEOUT = 90.0  # Virtuoso takes 4 s alone, 20 s on a busy machine
STOP_TIMEOUT = 10.0
VIRTUOSO_VSP = Path("/usr/share/virtuoso-opensource-7/vsp")


@dataclass(frozen=True)
class Server:
    """A running server: where to send queries, updates and Graph Store requests."""

    name: str
    endpoint: str
    update_endpoint: str
    graph_store_endpoint: str
    log: Path
    isql: str | None = None  # Virtuoso only: the admin shell, its port and the database directory
    isql_port: int | None = None
    directory: Path | None = None

    def store(self, *, graph_store: bool = True, timeout: float = 30.0) -> RemoteStore:
        """A :class:`RemoteStore` on this server (without its Graph Store if asked)."""
        return RemoteStore(self.endpoint, update_endpoint=self.update_endpoint,
                           graph_store_endpoint=self.graph_store_endpoint if graph_store
                           else None, timeout=timeout)


def oxigraph_binary() -> str | None:
    """``oxigraph`` beside the running Python (the venv), else on ``PATH``."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


@contextlib.contextmanager
def oxigraph_server(tmp_dir: Path) -> Iterator[Server]:
    """Oxigraph server on disk under ``tmp_dir``.

    Not ``--union-default-graph``: with it the server refuses updates with ``WITH`` or
    ``USING``; RemoteStore asks for the union query by query instead. ``--timeout-s`` stops
    a runaway test query that the client has already given up on.
    """
    binary = oxigraph_binary()
    need(binary, "the Oxigraph server (`oxigraph`, from the `oxigraph` PyPI package of the "
                 "test extra) is not installed")
    assert binary is not None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_dir / "oxigraph.log"
    command = [binary, "serve", "--location", str(tmp_dir / "data"),
               "--bind", f"127.0.0.1:{port}", "--timeout-s", "5"]
    with _process(command, log, cwd=tmp_dir) as process:
        _wait_until(lambda: _answers(f"{base}/query"), process, log, "Oxigraph server")
        yield Server("oxigraph-server", f"{base}/query", f"{base}/update", f"{base}/store", log)


@contextlib.contextmanager
def virtuoso_server(tmp_dir: Path, *, result_rows: int = 1000, buffers: int = 10000,
                    query_seconds: int = 60) -> Iterator[Server]:
    """A private Virtuoso: own database directory, ISQL and HTTP ports on 127.0.0.1.

    Anonymous SPARQL updates are granted through ``isql-vt`` once it is online.
    ``result_rows`` is ``ResultSetMaxRows`` (low by default, so that tests see what
    RemoteStore does with a cut answer; raise it for graphs of millions of triples);
    ``buffers`` is ``NumberOfBuffers`` (8 KB pages held in memory; ``MaxDirtyBuffers`` is
    three quarters of it). Virtuoso's guide: about 85,000 buffers per GB of RAM to spare.
    ``query_seconds`` is ``MaxQueryExecutionTime``: the most any query may take, whatever
    time limit the client asks for.
    """
    if result_rows < 1 or buffers < 100 or query_seconds < 1:
        raise ValueError(f"virtuoso_server: result_rows must be >= 1, buffers >= 100 and "
                         f"query_seconds >= 1, got result_rows={result_rows}, "
                         f"buffers={buffers}, query_seconds={query_seconds}")
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    need(binary and isql, "Virtuoso (`virtuoso-t` and `isql-vt`, Debian package "
                          "virtuoso-opensource) is not installed")
    assert binary is not None and isql is not None
    isql_port, http_port = free_port(), free_port()
    while http_port == isql_port:
        http_port = free_port()
    directory = tmp_dir.resolve()
    config = directory / "virtuoso.ini"
    config.write_text(_virtuoso_ini(directory, isql_port, http_port, result_rows=result_rows,
                                    buffers=buffers, query_seconds=query_seconds))
    log = directory / "virtuoso.out"  # in the foreground its log goes to stdout
    base = f"http://127.0.0.1:{http_port}"
    command = [binary, "+configfile", str(config), "+foreground"]
    with _process(command, log, cwd=directory) as process:
        _wait_until(lambda: _answers(f"{base}/sparql"), process, log, "Virtuoso",
                    extra_log=directory / "virtuoso.log")
        _isql(isql, isql_port, 'GRANT SPARQL_UPDATE TO "SPARQL"; '
                               "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")
        try:
            yield Server("virtuoso", f"{base}/sparql", f"{base}/sparql",
                         f"{base}/sparql-graph-crud", log, isql=isql, isql_port=isql_port,
                         directory=directory)
        finally:
            # a clean shutdown writes a checkpoint; terminate/kill in _process is the backstop
            with contextlib.suppress(subprocess.SubprocessError, OSError, RuntimeError):
                _isql(isql, isql_port, "shutdown;", timeout=STOP_TIMEOUT)
                process.wait(timeout=STOP_TIMEOUT)


def _virtuoso_ini(directory: Path, isql_port: int, http_port: int, *, result_rows: int,
                  buffers: int, query_seconds: int) -> str:
    return f"""\
[Database]
DatabaseFile = {directory}/virtuoso.db
ErrorLogFile = {directory}/virtuoso.log
LockFile = {directory}/virtuoso.lck
TransactionFile = {directory}/virtuoso.trx
xa_persistent_file = {directory}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {directory}/virtuoso-temp.db
TransactionFile = {directory}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DirsAllowed = ., {directory}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
; REPEATABLE READ: under the default READ COMMITTED a query that runs across the commit of
; an update can see part of it (data of a contribution without its record); SPARQL cannot
; set the isolation per session, so it is set for the server (docs/deploy.md)
DefaultIsolation = 4
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {VIRTUOSO_VSP}
ServerThreads = 10
[URIQA]
; as Debian's virtuoso.ini: names its own graph http://localhost:8890/sparql, a system graph
DefaultHost = localhost:8890
[SPARQL]
; 1000 by default: low, so that tests can see what RemoteStore does with a cut answer
ResultSetMaxRows = {result_rows}
MaxQueryExecutionTime = {query_seconds}
"""


_BULK_SUFFIXES = frozenset({".nt", ".nq", ".ttl", ".n3", ".owl", ".rdf", ".trig", ".gz"})
_bulk_batches = itertools.count(1)


def virtuoso_bulk_load(server: Server, files: Sequence[Path], graph: str | None = None, *,
                       timeout: float = 3600.0) -> None:
    """Load RDF files into ``server`` through Virtuoso's bulk loader, then checkpoint.

    The files (N-Triples ``.nt``, N-Quads ``.nq``, Turtle ``.ttl``, TriG, RDF/XML, each
    possibly ``.gz``) are hard-linked (copied across file systems) into a fresh folder under
    the server's directory, which is in ``DirsAllowed``, registered with ``ld_add`` and loaded
    by ``rdf_loader_run()``. Quads keep their graph; triples go to ``graph``, which is
    needed unless every file is N-Quads or TriG. Raises ``RuntimeError`` with the loader's
    own message when a file fails (``DB.DBA.LOAD_LIST.ll_error``), ``ValueError`` on a
    missing file or graph.

    The bulk loader commits as it goes (a file that fails may be in part loaded) and bypasses
    the transaction log (the checkpoint then makes it durable): for test and benchmark
    set-up, never for contributions.
    """
    if server.isql is None or server.isql_port is None or server.directory is None:
        raise ValueError(f"virtuoso_bulk_load: {server.name} is not a Virtuoso from "
                         "virtuoso_server() (no isql port or database directory)")
    paths = [Path(file).resolve() for file in files]
    for path in paths:
        if not path.is_file():
            raise ValueError(f"virtuoso_bulk_load: {path} is not a file")
        if path.suffix.lower() not in _BULK_SUFFIXES:
            raise ValueError(f"virtuoso_bulk_load: {path}: unknown extension; use one of "
                             f"{', '.join(sorted(_BULK_SUFFIXES))}")
        plain = path.name.lower().removesuffix(".gz")
        if graph is None and not plain.endswith((".nq", ".trig")):
            raise ValueError(f"virtuoso_bulk_load: {path} holds triples; pass graph= to say "
                             "which named graph they go to")
    folder = server.directory / f"bulk-{os.getpid()}-{next(_bulk_batches)}"
    folder.mkdir()
    staged = []
    for index, path in enumerate(paths):
        target = folder / f"{index:05d}-{path.name}"
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        staged.append(target)
    # the graph for triples; the loader wants an IRI even for quads (it is then unused)
    target_graph = _sql_string(graph or "https://w3id.org/ogkg/graph/bulk")
    adds = " ".join(f"ld_add({_sql_string(str(path))}, {target_graph});" for path in staged)
    try:
        _isql(server.isql, server.isql_port,
              f"{adds} rdf_loader_run(); checkpoint;", timeout=timeout)
        errors = _isql(server.isql, server.isql_port,
                       "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file LIKE "
                       f"{_sql_string(str(folder) + '/%')} AND (ll_state <> 2 OR ll_error IS "
                       "NOT NULL);", timeout=60.0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if str(folder) in errors:
        raise RuntimeError(f"virtuoso_bulk_load: the bulk loader failed on some of "
                           f"{[str(p) for p in paths]}:\n{errors}")


def _sql_string(text: str) -> str:
    """``text`` as a Virtuoso SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _isql(isql: str, port: int, statements: str, *, timeout: float = 30.0) -> str:
    done = subprocess.run([isql, str(port), "dba", "dba", f"exec={statements}"],
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt {statements[:300]!r} failed:\n{done.stdout}\n"
                           f"{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def _process(command: list[str], output: Path, *,
             cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` with its output in ``output``; always stop it afterwards."""
    with open(output, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
                                   stdin=subprocess.DEVNULL,
                                   preexec_fn=die_with_parent)  # noqa: PLW1509 (one prctl call)
        try:
            yield process
        finally:
            _stop(process)




def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _answers(url: str) -> bool:
    try:
        response = httpx.get(url, params={"query": "ASK {}"}, timeout=2.0,
                             headers={"Accept": "application/sparql-results+xml"})
    except httpx.TransportError:
        return False
    return response.status_code == 200


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], output: Path,
                name: str, *, extra_log: Path | None = None) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if ready():
            return
        time.sleep(0.2)
    state = (f"exited with {process.returncode}" if process.poll() is not None
             else f"did not answer within {STARTUP_TIMEOUT:.0f} s")
    logs = [output] + ([extra_log] if extra_log else [])
    text = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-4000:]}"
                     for p in logs if p.exists())
    command = " ".join(str(arg) for arg in cast("list[str]", process.args))  # see _process
    print(f"{name} {state}; its logs:\n{text}", file=sys.stderr)
    raise RuntimeError(f"{name} {state} ({command}); logs:\n{text}")
