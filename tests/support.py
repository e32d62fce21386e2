"""Helpers the tests share: skip-or-fail for what a test needs from outside the project.

On a user's machine a test that needs a server, a browser or ``../shared`` skips with the
reason; with ``GRAPHKIT_REQUIRE_ALL=1`` (CI) it fails instead, so that nothing is silently
left out.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"


def require_all() -> bool:
    return os.environ.get("GRAPHKIT_REQUIRE_ALL", "") not in ("", "0", "false", "no")


def need(condition: object, reason: str) -> None:
    """Skip (or, under GRAPHKIT_REQUIRE_ALL=1, fail) unless ``condition`` holds."""
    if condition:
        return
    if require_all():
        pytest.fail(f"GRAPHKIT_REQUIRE_ALL is set but {reason}", pytrace=False)
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping (or failing in CI) when it is absent."""
    path = SHARED.joinpath(*parts)
    need(path.exists(), f"{path} is not here (the shared material sits beside the project)")
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def long_run() -> bool:
    """``GRAPHKIT_LONG=1``: the long variants of the ``slow`` tests (more seeds, bigger
    graphs, the pySHACL oracle over everything). Without it, ``make test`` and CI run the
    shortened variants, which check the same properties on less data."""
    return os.environ.get("GRAPHKIT_LONG", "") not in ("", "0", "false", "no")


def scaled(long: int, short: int) -> int:
    """``long`` in a long run, else ``short``."""
    return long if long_run() else short


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, *,
                 timeout: float = 120.0) -> None:
    """Wait until ``graphkit serve`` at ``base`` answers ``/health`` with 200; fail with
    the tail of its ``log`` if it exits or does not come up within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"graphkit serve did not come up (exit {process.poll()}):\n"
                         f"{log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def serving_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A stand-in HTTP server on 127.0.0.1 (a free port) answering with ``handler``, in a
    thread; yields its base URL (``http://127.0.0.1:PORT``) and stops at the end."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The ``.value`` of an IRI, blank node or literal; the data the tests read holds no
    RDF-star triple (which has no ``.value``)."""
    assert not isinstance(term, ox.Triple), term
    return term.value
