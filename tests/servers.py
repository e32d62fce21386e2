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
import ctypes
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from graphkit.stores.remote import RemoteStore
from tests.support import free_port, need

__all__ = ["Server", "oxigraph_server", "virtuoso_server"]

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
def virtuoso_server(tmp_dir: Path) -> Iterator[Server]:
    """A private Virtuoso: own database directory, ISQL and HTTP ports on 127.0.0.1.

    Anonymous SPARQL updates are granted through ``isql-vt`` once it is online.
    """
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    need(binary and isql, "Virtuoso (`virtuoso-t` and `isql-vt`, Debian package "
                          "virtuoso-opensource) is not installed")
    assert binary is not None and isql is not None
    isql_port, http_port = free_port(), free_port()
    while http_port == isql_port:
        http_port = free_port()
    directory = tmp_dir.resolve()
    config = directory / "virtuoso.ini"
    config.write_text(_virtuoso_ini(directory, isql_port, http_port))
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
                         f"{base}/sparql-graph-crud", log)
        finally:
            # a clean shutdown writes a checkpoint; terminate/kill in _process is the backstop
            with contextlib.suppress(subprocess.SubprocessError, OSError, RuntimeError):
                _isql(isql, isql_port, "shutdown;", timeout=STOP_TIMEOUT)
                process.wait(timeout=STOP_TIMEOUT)


def _virtuoso_ini(directory: Path, isql_port: int, http_port: int) -> str:
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
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {VIRTUOSO_VSP}
ServerThreads = 10
[URIQA]
; as Debian's virtuoso.ini: names its own graph http://localhost:8890/sparql, a system graph
DefaultHost = localhost:8890
[SPARQL]
; low, so that tests can see what RemoteStore does with an answer cut at this limit
ResultSetMaxRows = 1000
MaxQueryExecutionTime = 60
"""


def _isql(isql: str, port: int, statements: str, *, timeout: float = 30.0) -> None:
    done = subprocess.run([isql, str(port), "dba", "dba", f"exec={statements}"],
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt {statements!r} failed:\n{done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def _process(command: list[str], output: Path, *,
             cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` with its output in ``output``; always stop it afterwards."""
    with open(output, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd,
                                   stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        try:
            yield process
        finally:
            _stop(process)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, be killed if the test process dies (a killed
    pytest runs no ``finally``)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


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
    command = " ".join(str(arg) for arg in process.args)  # type: ignore[union-attr]
    print(f"{name} {state}; its logs:\n{text}", file=sys.stderr)
    raise RuntimeError(f"{name} {state} ({command}); logs:\n{text}")
