"""What only some backends do: the on-disk store's durability (reopen, a crash's journal, a
killed bulk load), the rdflib view of the embedded store, and the remote stores' own
errors, authentication and limits. The contract every backend keeps is ``test_store.py``.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
import pytest
import rdflib

from graphkit.errors import (
    AnswerCutError,
    InputError,
    QueryError,
    RemoteStoreError,
    StoreError,
)
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings
from graphkit.stores import GraphInfo, OxigraphStore, open_store
from graphkit.stores.base import QueryResult
from graphkit.stores.oxigraph import JOURNAL
from graphkit.stores.remote import HttpAuth, RemoteStore
from tests.conftest import emptied
from tests.servers import Server
from tests.store_samples import (
    DATASET,
    EX,
    G1,
    G2,
    G3,
    G4,
    SAMPLE,
    assert_same,
    dataset,
    from_graph,
    merged,
    sample,
    snapshot,
)
from tests.support import PROJECT, free_port


# -- the on-disk store ------------------------------------------------------------------
def test_reopen_keeps_the_data(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        store.load(DATASET[RdfFormat.TRIG], format=RdfFormat.TRIG)
        before = snapshot(store)
    with OxigraphStore(tmp_path / "store") as store:
        assert snapshot(store) == before
        assert store.graphs() == [GraphInfo(G1, 11), GraphInfo(G3, 2), GraphInfo(G2, 4)]


def test_journal_left_by_a_crash_is_undone_at_next_open(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        before = snapshot(store)
        # what load() does before a bulk load into the empty G2, then a "crash" mid-way
        (path / JOURNAL).write_text(json.dumps({"graphs": [G2], "started": time.time()}))
        store.raw.bulk_load(SAMPLE[RdfFormat.N_TRIPLES], format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(G2))
        assert store.graphs() != before[0]
    with OxigraphStore(path) as store:
        assert snapshot(store) == before
        assert not (path / JOURNAL).exists()


CRASHING_LOAD = """
import sys
from pathlib import Path
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
store = OxigraphStore(Path(sys.argv[1]))
print("loading", flush=True)
store.load(Path(sys.argv[2]), format=RdfFormat.N_TRIPLES, graph=sys.argv[3])
print("finished", flush=True)
"""


def test_killed_bulk_load_is_undone_at_next_open(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        before = snapshot(store)
    big = tmp_path / "big.nt"
    with open(big, "wb") as out:
        out.writelines("".join(f'<{EX}s{block}-{i}> <{EX}p{i % 7}> "value {block} {i}" .\n'
                              for i in range(2500)).encode() for block in range(80))
    loader = subprocess.Popen([sys.executable, "-c", CRASHING_LOAD, str(path), str(big), G2],
                              cwd=PROJECT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT)})
    try:
        assert loader.stdout is not None and loader.stdout.readline().strip() == "loading"
        deadline = time.monotonic() + 30
        while not (path / JOURNAL).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (path / JOURNAL).exists(), "the load never started"
        time.sleep(0.3)  # well into the 200 000 triples
        assert (path / JOURNAL).exists() and loader.poll() is None, "the load ended too soon"
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=10)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
    with OxigraphStore(path) as store:
        assert snapshot(store) == before
        assert not (path / JOURNAL).exists()


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_rdflib_view_sees_the_same_triples(tmp_path: Path, on_disk: bool) -> None:
    with OxigraphStore(tmp_path / "store" if on_disk else None) as store:
        assert store.capabilities.rdflib_view
        store.load(SAMPLE[RdfFormat.JSON_LD], format=RdfFormat.JSON_LD, graph=G1)
        store.load(DATASET[RdfFormat.TRIG], format=RdfFormat.TRIG)
        view = store.rdflib_dataset()
        assert_same(from_graph(view.graph(rdflib.URIRef(G1))), sample())
        for name, graph in dataset().items():
            assert name is not None  # the dataset's graphs are all named
            assert_same(from_graph(view.graph(rdflib.URIRef(name))), graph)
        assert len(view.graph(rdflib.URIRef(G4))) == 0


# -- errors while an answer is read (pyoxigraph evaluates lazily) ---------------------------
FAILING_SERVICE = "SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o }"  # refused at once


class _ClosedPipe:
    def write(self, data: bytes) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_query_failing_as_it_is_read_raises_query_error() -> None:
    with OxigraphStore() as store:
        select = f"SELECT * WHERE {{ {FAILING_SERVICE} }}"
        with pytest.raises(QueryError, match="^query failed: "):
            list(store.query(select))
        with pytest.raises(QueryError, match="^query failed: "):
            store.query(select).serialize(io.BytesIO(), ResultFormat.JSON)
        with pytest.raises(QueryError, match="^query failed: "):
            store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {FAILING_SERVICE} }}").serialize(
                io.BytesIO(), RdfFormat.TURTLE)


def test_an_answer_that_breaks_off_as_it_is_read_raises_query_error() -> None:
    """A remote answer is parsed as it is read: a body broken after its first row is a
    QueryError naming the place, not a SyntaxError out of the parser."""
    body = (b'{"head": {"vars": ["x"]}, "results": {"bindings": ['
            b'{"x": {"type": "uri", "value": "http://example.org/a"}}, {"x": BROKEN')
    answer = QueryResult(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
    rows = iter(answer)
    assert next(rows)[0] == ox.NamedNode("http://example.org/a")
    with pytest.raises(QueryError, match="^the answer does not parse: .*column"):
        next(rows)


def test_the_outputs_own_error_passes_unchanged() -> None:
    """A closed pipe is the reader's business (the CLI exits 0 on it), not a failed query."""
    with OxigraphStore() as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        for query, format in (("SELECT * WHERE { ?s ?p ?o }", ResultFormat.CSV),
                              ("CONSTRUCT WHERE { ?s ?p ?o }", RdfFormat.N_TRIPLES)):
            with pytest.raises(BrokenPipeError):
                store.query(query).serialize(cast("IO[bytes]", _ClosedPipe()), format)


# -- remote stores only -----------------------------------------------------------------
@pytest.fixture(params=[pytest.param("oxigraph_endpoint", id="oxigraph-server"),
                        pytest.param("virtuoso_endpoint", id="virtuoso")])
def server(request: pytest.FixtureRequest) -> Server:
    found: Server = request.getfixturevalue(request.param)
    return found


@pytest.mark.server
def test_remote_store_without_graph_store_protocol(server: Server) -> None:
    with emptied(server.store(graph_store=False)) as store:
        nt = RdfFormat.N_TRIPLES
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        store.load(f'<{EX}extra> <{EX}p> "x" .\n'.encode(), format=nt, graph=G2)
        store.load(f'<{EX}other> <{EX}p> _:b .\n'.encode(), format=nt, graph=G2, replace=True)
        assert store.graphs() == [GraphInfo(G1, 11), GraphInfo(G2, 1)]
        out = io.BytesIO()
        store.dump(out, format=RdfFormat.TURTLE, graph=G1)
        assert_same(merged(out.getvalue(), RdfFormat.TURTLE), sample())
        with pytest.raises(InputError):
            store.dump(io.BytesIO(), format=RdfFormat.TURTLE, graph=G4)


@pytest.mark.server
def test_server_errors_carry_status_and_message(server: Server) -> None:
    with server.store() as store:
        with pytest.raises(RemoteStoreError) as caught:
            store.update(f"DROP GRAPH <{EX}absent>")
        assert caught.value.status == 500 and f"{EX}absent" in str(caught.value)
        assert server.update_endpoint in str(caught.value)


@pytest.mark.server
def test_wrong_endpoint_path_is_a_404(server: Server) -> None:
    with RemoteStore(server.endpoint.rsplit("/", 1)[0] + "/no-such-endpoint") as store:
        with pytest.raises(RemoteStoreError) as caught:
            store.query("ASK {}")
        assert caught.value.status == 404


def test_unreachable_server_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with RemoteStore(url, graph_store_endpoint=url + "-store", timeout=5) as store:
        for call in (lambda: store.query("ASK {}"), lambda: store.update("CLEAR ALL"),
                     lambda: store.dump(io.BytesIO(), format=RdfFormat.TURTLE, graph=G1)):
            with pytest.raises(StoreError) as caught:
                call()
            assert type(caught.value) is StoreError and url in str(caught.value)


@pytest.mark.server
def test_remote_store_from_settings(oxigraph_endpoint: Server) -> None:
    settings = Settings(store_path=None, endpoint=oxigraph_endpoint.endpoint,
                        update_endpoint=oxigraph_endpoint.update_endpoint,
                        graph_store_endpoint=oxigraph_endpoint.graph_store_endpoint,
                        query_timeout=7)
    with open_store(settings) as store:
        assert isinstance(store, RemoteStore)
        assert (store.update_endpoint, store.timeout) == (oxigraph_endpoint.update_endpoint, 7)
        assert store.graph_parameter == "graph"
        assert store.query("ASK {}").boolean is True


@pytest.mark.server
def test_virtuoso_digest_authentication(virtuoso_endpoint: Server) -> None:
    base = virtuoso_endpoint.endpoint.rsplit("/", 1)[0]
    with emptied(RemoteStore(base + "/sparql-auth",
                             graph_store_endpoint=base + "/sparql-graph-crud-auth",
                             user="dba", password="dba")) as store:
        assert store.graph_parameter == "graph-uri"
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        store.update(f'INSERT DATA {{ GRAPH <{G2}> {{ <{EX}a> <{EX}p> "x" }} }}')
        assert store.graphs() == [GraphInfo(G1, 11), GraphInfo(G2, 1)]
    with RemoteStore(base + "/sparql-auth", user="dba", password="wrong") as store:
        with pytest.raises(RemoteStoreError) as caught:
            store.update(f"CLEAR GRAPH <{G1}>")
        assert caught.value.status == 401
    with RemoteStore(base + "/sparql-auth", user="dba", password="dba", auth=HttpAuth.BASIC,
                     graph_store_endpoint=base + "/sparql-graph-crud-auth") as store:
        with pytest.raises(RemoteStoreError) as caught:  # basic where digest is asked
            store.dump(io.BytesIO(), format=RdfFormat.N_TRIPLES, graph=G1)
        assert caught.value.status == 401


@pytest.mark.server
def test_virtuoso_cut_answers_raise(virtuoso_endpoint: Server) -> None:
    """The test instance keeps Virtuoso's ResultSetMaxRows at 1000: what it cuts raises."""
    with emptied(virtuoso_endpoint.store()) as store:
        store.load(b"".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n'.encode() for i in range(1050)),
                   format=RdfFormat.N_TRIPLES, graph=G1)
        assert store.graphs() == [GraphInfo(G1, 1050)]
        with pytest.raises(AnswerCutError, match="ResultSetMaxRows") as cut:
            store.query(f"SELECT * WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
        assert cut.value.rows == 1000
        with pytest.raises(AnswerCutError, match="ResultSetMaxRows"):
            store.dump(io.BytesIO(), format=RdfFormat.N_TRIPLES, graph=G1)
        # without a Graph Store the graph is read by CONSTRUCT, which Virtuoso cuts unmarked
        with virtuoso_endpoint.store(graph_store=False) as bare, \
                pytest.raises(AnswerCutError, match=r"sent \d+ of the 1050 triples") as cut:
            bare.dump(io.BytesIO(), format=RdfFormat.N_TRIPLES, graph=G1)
        assert cut.value.rows is not None and cut.value.rows < 1050
        assert len(list(store.query(f"SELECT * WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }} "
                                    "LIMIT 999"))) == 999


@pytest.mark.server
def test_remote_credentials_come_from_settings(virtuoso_endpoint: Server) -> None:
    base = virtuoso_endpoint.endpoint.rsplit("/", 1)[0]
    for password, allowed in (("dba", True), ("wrong", False)):
        settings = Settings(store_path=None, endpoint=base + "/sparql-auth",
                            remote_user="dba", remote_password=password)
        with open_store(settings) as store:
            assert isinstance(store, RemoteStore)
            if allowed:
                emptied(store)
                store.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> "x" }} }}')
                assert store.graphs() == [GraphInfo(G1, 1)]
                store.remove_graph(G1)
            else:
                with pytest.raises(RemoteStoreError) as caught:
                    store.update(f"CLEAR GRAPH <{G1}>")
                assert caught.value.status == 401
