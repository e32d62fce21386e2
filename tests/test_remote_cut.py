"""An answer the remote server cut at its row cap is an :class:`AnswerCutError` (a
:class:`RemoteStoreError`), and the readers that page their requests split on that type,
not on the wording of its message."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import cast

import pytest

from graphkit.analytics import remote_read
from graphkit.errors import AnswerCutError, RemoteStoreError
from graphkit.stores import Store
from graphkit.stores.remote import RemoteStore
from tests.support import serving_handler

TWO_ROWS = (b'{"head": {"vars": ["s"]}, "results": {"bindings": ['
            b'{"s": {"type": "uri", "value": "http://example.org/a"}},'
            b'{"s": {"type": "uri", "value": "http://example.org/b"}}]}}')


class _CuttingServer(BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers every query with two rows, marked as cut at two
    (Virtuoso's ``X-SPARQL-MaxRows``)."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("X-SPARQL-MaxRows", "2")
        self.send_header("Content-Length", str(len(TWO_ROWS)))
        self.end_headers()
        self.wfile.write(TWO_ROWS)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def cutting_endpoint() -> Iterator[str]:
    with serving_handler(_CuttingServer) as base:
        yield f"{base}/sparql"


def test_a_cut_answer_raises_answer_cut_error_with_the_row_cap(cutting_endpoint: str) -> None:
    with RemoteStore(cutting_endpoint) as store, pytest.raises(AnswerCutError) as raised:
        list(store.query("SELECT ?s WHERE { ?s ?p ?o }"))
    assert raised.value.rows == 2
    assert isinstance(raised.value, RemoteStoreError)  # callers of the wider type still see it
    assert "cut the answer at 2 rows" in str(raised.value)
    assert "ResultSetMaxRows" in str(raised.value)


class _Refusing:
    """A store whose every query fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(self, text: str) -> object:
        raise self.error


def test_a_page_the_server_cut_is_split_further_any_other_failure_raises() -> None:
    cut = cast("Store", _Refusing(AnswerCutError("cut", rows=10)))
    assert remote_read._page(cut, "SELECT ?s WHERE { ?s ?p ?o }", ["s"], 100) is None
    # a failure that merely mentions cutting is not a cut
    other = cast("Store", _Refusing(RemoteStoreError("the server cut the answer at 10 rows, "
                                                     "it says")))
    with pytest.raises(RemoteStoreError):
        remote_read._page(other, "SELECT ?s WHERE { ?s ?p ?o }", ["s"], 100)
