"""The latency benchmarks' lean client (:class:`bench.mix.KeepAlive`) and the request-overhead
benchmark end to end at a tiny size."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bench import common
from bench.mix import JSON, KeepAlive
from tests.support import serving_handler


class _Echo(BaseHTTPRequestHandler):
    """Answers ``/sparql?query=Q`` with Q and the Accept header; ``/gone`` with 404;
    ``/once`` closes the connection after its answer. Counts the connections it saw."""

    protocol_version = "HTTP/1.1"
    connections: ClassVar[list[int]] = []  # one entry per connection accepted

    def setup(self) -> None:
        super().setup()
        type(self).connections.append(1)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/gone":
            self._answer(404, b"no such thing")
            return
        query = parse_qs(parts.query)["query"][0]
        body = f"{query}|{self.headers['Accept']}".encode()
        self._answer(200, body, close=parts.path == "/once")

    def _answer(self, status: int, body: bytes, *, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    _Echo.connections = []
    with serving_handler(_Echo) as base:
        yield base


def test_keep_alive_sends_the_query_and_accept_over_one_connection(echo: str) -> None:
    with KeepAlive(timeout=5) as client:
        answers = [client.ask(f"{echo}/sparql", JSON, f"ASK {{ <a:{n}> ?p ?o }}")
                   for n in range(3)]
    assert answers == [f"ASK {{ <a:{n}> ?p ?o }}|{JSON}".encode() for n in range(3)]
    assert len(_Echo.connections) == 1


def test_keep_alive_opens_a_new_connection_when_the_server_closed_one(echo: str) -> None:
    with KeepAlive(timeout=5) as client:
        for _ in range(3):
            assert client.ask(f"{echo}/once", JSON, "ASK {}") == f"ASK {{}}|{JSON}".encode()
    assert len(_Echo.connections) == 3


def test_keep_alive_raises_on_an_error_status(echo: str) -> None:
    with KeepAlive(timeout=5) as client, pytest.raises(httpx.HTTPStatusError) as raised:
        client.ask(f"{echo}/gone", JSON, "ASK {}")
    assert raised.value.response.status_code == 404
    assert "404" in str(raised.value)


@pytest.mark.slow
def test_the_request_overhead_bench_writes_its_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a tiny size: every variant answers, and the section holds both tables."""
    monkeypatch.setenv(common.OUT_VARIABLE, str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "bench.request_overhead", "--orgs", "30",
                           "--requests", "20"], cwd=common.PROJECT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    section = (tmp_path / "results" / "21-request-overhead.md").read_text()
    assert "| query | in-process | ours, httpx | ours, lean client |" in section
    assert "| query | engine (in-process) | worker hand-over | app |" in section
    rows = [line for line in section.splitlines() if line.startswith("| ask |")]
    assert len(rows) == 2
    medians = [float(cell) for cell in rows[0].strip("|").split("|")[1:5]]
    assert all(value > 0 for value in medians)
