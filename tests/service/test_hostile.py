"""Safe under hostile queries: a time limit that really stops the work, SERVICE refused
without a request leaving the process, results that stream in flat memory, limits, CORS,
no stack traces."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import httpx
import psutil
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from graphkit.synth import write_synthetic
from graphkit.workers import WorkerPool
from service.app import create_app
from tests.service.live import live_server

TOKEN = "hostile-test-token"
# ~2,500 triples: a product of three patterns is 1.6e10 rows, hours of work
FOREVER_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FOREVER_ORDER = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
FOREVER_STREAM = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
QUICK = "SELECT ?s WHERE { ?s a ?type } LIMIT 5"


def synthetic_store(path: Path, orgs: int = 100) -> OxigraphStore:
    data = path / "synthetic.nt"
    write_synthetic(data, orgs=orgs, seed=1)
    store = OxigraphStore(path / "store")
    store.load(data, format=RdfFormat.N_TRIPLES)
    return store


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[OxigraphStore]:
    store = synthetic_store(tmp_path)
    yield store
    store.close()


def pool_of(app: FastAPI) -> WorkerPool:
    executor = app.state.executor
    assert isinstance(executor, WorkerPool)
    return executor


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    try:
        living: bool = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # psutil is untyped
        return living
    except psutil.NoSuchProcess:
        return False


# -- the time limit -----------------------------------------------------------------------
def test_runaway_queries_are_stopped_at_the_timeout(disk_store: OxigraphStore) -> None:
    app = create_app(Settings(store_path=None, query_timeout=2, query_workers=2),
                     store=disk_store)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        pool = pool_of(app)
        assert client.get("/sparql", params={"query": QUICK}).status_code == 200
        for query in (FOREVER_COUNT, FOREVER_ORDER):  # an aggregate, an ORDER BY
            assert wait_for(lambda: len(pool.worker_pids()) == 2)
            before = set(pool.worker_pids())
            answer: dict[str, object] = {}

            def hostile(query: str = query, answer: dict[str, object] = answer) -> None:
                started = time.monotonic()
                with httpx.Client(base_url=base, timeout=30) as own:
                    response = own.get("/sparql", params={"query": query})
                answer.update(status=response.status_code, text=response.text,
                              elapsed=time.monotonic() - started)

            thread = threading.Thread(target=hostile)
            thread.start()
            time.sleep(0.3)
            # meanwhile the server answers other clients, quickly
            latencies: list[float] = []
            while thread.is_alive() and len(latencies) < 20:
                started = time.monotonic()
                quick = client.get("/sparql", params={"query": QUICK})
                latencies.append(time.monotonic() - started)
                assert quick.status_code == 200, quick.text
                assert client.get("/health").status_code == 200
                time.sleep(0.05)
            thread.join(timeout=30)
            assert answer["status"] == 503, answer
            assert "time limit of 2 s" in str(answer["text"])
            assert 1.8 < cast(float, answer["elapsed"]) < 5.0, answer
            assert len(latencies) >= 3 and max(latencies) < 1.5, latencies
            # the work really stopped: the worker that ran it is gone, another took its place
            def one_killed(before: set[int] = before) -> bool:
                return sum(not alive(pid) for pid in before) == 1

            assert wait_for(one_killed), \
                "exactly the worker that ran the hostile query should have been killed"
            assert wait_for(lambda: len(pool.worker_pids()) == 2)
            assert len(set(pool.worker_pids()) - before) == 1
        assert client.get("/sparql", params={"query": QUICK}).status_code == 200


def test_an_endless_stream_is_cut_off_at_the_timeout(disk_store: OxigraphStore) -> None:
    app = create_app(Settings(store_path=None, query_timeout=1.5), store=disk_store)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        started = time.monotonic()
        received = 0
        # the body ends without its last chunk
        with pytest.raises(httpx.RemoteProtocolError), client.stream(
                "GET", "/sparql", params={"query": FOREVER_STREAM},
                headers={"Accept": "text/tab-separated-values"}) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += len(chunk)
        assert received > 0
        assert 1.3 < time.monotonic() - started < 4.0
        assert wait_for(lambda: len(pool_of(app).worker_pids()) == 2)
        assert client.get("/sparql", params={"query": QUICK}).status_code == 200


def test_the_in_memory_store_answers_at_the_timeout(tmp_path: Path) -> None:
    """Threads, not processes: the caller gets its answer at the deadline; the engine's
    thread stops at its next row (here in about two seconds, when the count is done)."""
    data = tmp_path / "synthetic.nt"
    write_synthetic(data, orgs=100, seed=1)
    store = OxigraphStore()
    store.load(data, format=RdfFormat.N_TRIPLES)
    app = create_app(Settings(store_path=None, query_timeout=0.5), store=store)
    with TestClient(app) as client:
        started = time.monotonic()
        answer = client.get("/sparql", params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"})
        assert answer.status_code == 503
        assert time.monotonic() - started < 1.5


def test_writes_reach_the_workers_and_old_snapshots_go(disk_store: OxigraphStore) -> None:
    app = create_app(Settings(store_path=None, write_token=TOKEN, query_workers=2),
                     store=disk_store)
    with TestClient(app) as client:
        pool = pool_of(app)
        assert disk_store.path is not None
        snapshots = disk_store.path.parent / f".{disk_store.path.name}.snapshots"
        for n in range(5):
            update = f"INSERT DATA {{ <http://e/s> <http://e/p> {n} }}"
            assert client.post("/sparql", data={"update": update}, headers={
                "Authorization": f"Bearer {TOKEN}"}).status_code == 204
            for _ in range(3):  # every worker, whichever takes the query, sees the write
                seen = client.get("/sparql", params={"query": f"ASK {{ ?s ?p {n} }}"})
                assert seen.json()["boolean"] is True
        # one snapshot per write (more if the store compacted meanwhile: the pool follows)
        assert pool.generation >= 6
        kept = sorted(int(p.name) for p in snapshots.iterdir())
        assert kept[-1] == pool.generation and len(kept) <= 3, kept  # the latest, and held
    assert not snapshots.exists()  # the pool cleans up when the app stops


# -- streaming ----------------------------------------------------------------------------
def test_a_million_rows_stream_in_flat_memory(disk_store: OxigraphStore) -> None:
    """1,000,000 rows of SPARQL JSON (180 MB): the first bytes come at once, and neither
    the server nor its query worker holds the answer (read here by a plain socket, the
    cheapest client there is)."""
    values = " ".join(str(n) for n in range(1000))
    query = f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}"
    app = create_app(Settings(store_path=None, query_timeout=120), store=disk_store)
    with live_server(app) as base:
        server = psutil.Process()
        workers = [psutil.Process(pid) for pid in pool_of(app).worker_pids()]

        def memory() -> int:
            rss: int = server.memory_info().rss + sum(w.memory_info().rss for w in workers)
            return rss

        baseline = peak = memory()
        host, port = base.removeprefix("http://").split(":")
        request = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                   "Content-Type: application/sparql-query\r\n"
                   "Accept: application/sparql-results+json\r\n"
                   f"Content-Length: {len(query)}\r\n\r\n{query}").encode()
        received, first_byte, head = 0, None, b""
        started = time.monotonic()
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(request)
            while data := sock.recv(1 << 20):
                if first_byte is None:
                    first_byte = time.monotonic() - started
                    head = data[:4096].split(b"\r\n\r\n", 1)[0]  # the headers
                received += len(data)
                if received % (8 << 20) < (1 << 20):
                    peak = max(peak, memory())
        total = time.monotonic() - started
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower()
    assert received > 150_000_000  # a million JSON rows
    assert first_byte is not None and first_byte < 1.0 and first_byte < total / 5, \
        (first_byte, total)
    assert peak - baseline < 80_000_000, (baseline, peak)  # well under the answer's size


# -- SERVICE and LOAD ---------------------------------------------------------------------
class Listener:
    """A local socket a SERVICE call would reach: it records every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def service_queries(url: str) -> list[str]:
    prefix = url.rsplit("/", 1)[0] + "/"
    declare = f"PREFIX ex: <{prefix}> PREFIX : <{prefix}> "
    escaped = url.replace("127.0.0.1", "127.0.0.\\u0031")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE<{url}>{{?s ?p ?o}} }}",
        f"SELECT * WHERE {{ SERVICESILENT<{url}> {{ ?s ?p ?o }} }}",
        declare + "SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }",
        declare + "SELECT * WHERE { SERVICE:sparql { ?s ?p ?o } }",
        declare + "SELECT * WHERE { SERVICEex:sparql { ?s ?p ?o } }",
        declare + "SELECT * WHERE { ?s ?p 1SERVICE ex:sparql { ?s ?p ?o } }",
        declare + "SELECT * WHERE { ?s ?p \"x\"SERVICE ex:sparql { ?s ?p ?o } }",
        declare + "SELECT * WHERE { ?s ?p ?o.SERVICE ex:sparql { ?s ?p ?o } }",
        f"BASE <{prefix}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
        f"# a comment\nSELECT * WHERE {{ ?s ?p 'SERVICE' # <x>\n SERVICE <{url}> {{ }} }}",
    ]


def test_service_is_refused_and_nothing_leaves(listener: Listener) -> None:
    store = OxigraphStore()
    store.update("INSERT DATA { <http://e/s> <http://e/p> 1, 'x' }")
    app = create_app(Settings(store_path=None, write_token=TOKEN,
                              service_allow_list=("http://allowed.example/sparql",)),
                     store=store)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        send: Callable[[str], httpx.Response]
        for query in service_queries(listener.url):
            for send in (lambda q: client.get("/sparql", params={"query": q}),
                         lambda q: client.post("/sparql", content=q, headers={
                             "Content-Type": "application/sparql-query"})):
                answer = send(query)
                assert answer.status_code == 400, (query, answer.text)
                assert "not allowed" in answer.text, query
        for update in (f"LOAD <{listener.url}>", f"LOAD SILENT <{listener.url}> INTO GRAPH <http://g>",
                       f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"):
            answer = client.post("/sparql", data={"update": update},
                                 headers={"Authorization": f"Bearer {TOKEN}"})
            assert answer.status_code == 400 and "not allowed" in answer.text, update
        time.sleep(0.3)
    assert listener.connections == 0


def test_the_allow_list_lets_a_service_through(listener: Listener) -> None:
    """The control: the same probe does see a SERVICE call once the address is allowed."""
    app = create_app(Settings(store_path=None, service_allow_list=(listener.url,)),
                     store=OxigraphStore())
    with TestClient(app) as client:
        answer = client.get("/sparql", params={
            "query": f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}"})
        assert answer.status_code == 200
    assert wait_for(lambda: listener.connections > 0, timeout=3)


def test_innocent_queries_are_not_refused() -> None:
    with TestClient(create_app(Settings(store_path=None), store=OxigraphStore())) as client:
        for query in [
            "SELECT ?service WHERE { ?service a <http://e/Service> }",
            "PREFIX service: <http://e/service/> SELECT * WHERE { service:x ?p ?o }",
            "SELECT * WHERE { ?s <http://e/SERVICE> 'SERVICE <http://e/>' } # SERVICE <x>",
            "PREFIX schema: <https://schema.org/> SELECT * WHERE { ?s schema:serviceType ?o }",
            "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(?o, \"service\")) }",
        ]:
            answer = client.get("/sparql", params={"query": query})
            assert answer.status_code == 200, (query, answer.text)


# -- CORS, tokens and stack traces --------------------------------------------------------
def test_no_cors_unless_configured() -> None:
    with TestClient(create_app(Settings(store_path=None), store=OxigraphStore())) as client:
        answer = client.get("/sparql", params={"query": "ASK {}"},
                            headers={"Origin": "https://yasgui.example"})
        assert "access-control-allow-origin" not in answer.headers


def test_cors_is_read_only() -> None:
    settings = Settings(store_path=None, write_token=TOKEN,
                        cors_origins=("https://yasgui.example",))
    with TestClient(create_app(settings, store=OxigraphStore())) as client:
        origin = {"Origin": "https://yasgui.example"}
        answer = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
        assert answer.headers["access-control-allow-origin"] == "https://yasgui.example"
        query = client.options("/sparql", headers={
            **origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert query.status_code == 200
        for method, headers in (("PUT", "content-type"), ("POST", "authorization")):
            write = client.options("/store", headers={
                **origin, "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers})
            assert write.status_code == 400, (method, headers)
        other = client.get("/sparql", params={"query": "ASK {}"},
                           headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def test_tokens_that_almost_match_are_refused() -> None:
    with TestClient(create_app(Settings(store_path=None, write_token=TOKEN),
                               store=OxigraphStore())) as client:
        for header in (f"Bearer {TOKEN}x", f"Bearer {TOKEN.upper()}", f"Bearer {TOKEN}\0",
                       f"Token {TOKEN}", TOKEN, "Bearer", "Basic !!!", f"Bearer {TOKEN[:-1]}é"):
            answer = client.post("/sparql", data={"update": "CLEAR ALL"},
                                 headers={"Authorization": header.encode("latin-1")})
            assert answer.status_code == 401, header


@pytest.mark.parametrize(("method", "url", "headers", "body"), [
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"\xff\xfe\x00garbage"),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=%ff%fe"),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"%%%&&&==="),
    ("GET", "/sparql?query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%22%5Cu", {}, b""),
    ("GET", "/sparql?query=ASK%20%7B%7D", {"Accept": "text/csv;q=abc, */*;q=" + "9" * 500}, b""),
    ("GET", "/sparql?query=" + "%7B" * 5000, {}, b""),
    ("PUT", "/store?graph=http%3A%2F%2Fg", {"Content-Type": "application/rdf+xml",
                                           "Authorization": f"Bearer {TOKEN}"}, b"<rdf:RDF"),
    ("POST", "/store", {"Content-Type": "multipart/form-data; boundary=",
                        "Authorization": f"Bearer {TOKEN}"}, b"--\r\n\r\n--"),
    ("GET", "/store?graph=%00", {}, b""),
    ("GET", "/store/%ff%fe", {}, b""),
])
def test_no_stack_traces(method: str, url: str, headers: dict[str, str], body: bytes) -> None:
    with TestClient(create_app(Settings(store_path=None, write_token=TOKEN),
                               store=OxigraphStore()), raise_server_exceptions=False) as client:
        answer = client.request(method, url, headers=headers, content=body)
        assert 400 <= answer.status_code < 500 or answer.status_code == 200, answer.text
        assert "Traceback" not in answer.text and 'File "' not in answer.text
