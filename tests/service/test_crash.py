"""Crashes: SIGKILL in the middle of a bulk load and of a write to a live server, restart,
and check that the on-disk store opens with nothing partial in it.

The service runs as a real uvicorn process (its own session, so that the kill takes its
query workers too, as a machine crash would) over an on-disk store under ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
from graphkit.stores.oxigraph import JOURNAL, STAGING_PREFIX
from graphkit.synth import write_synthetic
from tests.support import PROJECT, free_port, value, wait_healthy

pytestmark = [pytest.mark.server, pytest.mark.slow]

TOKEN = "crash-test-token"
KEEP = "https://w3id.org/ogkg/graph/source/keep"
BIG = "https://w3id.org/ogkg/graph/source/big"
SMALL = Path(__file__).parent.parent / "data" / "small.ttl"
ORGS = 8000  # ≈ 200 000 triples: a load of several seconds, long enough to be cut
STARTUP = 60.0


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "big.nt"
    write_synthetic(path, orgs=ORGS, seed=3)
    return path


@contextlib.contextmanager
def server(store: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The service over ``store`` in a uvicorn process of its own session; stopped (the
    whole session killed) afterwards whatever happened."""
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("GRAPHKIT_")}  # the embedded store, whatever is set
    env.update(GRAPHKIT_STORE_PATH=str(store), GRAPHKIT_WRITE_TOKEN=TOKEN,
               GRAPHKIT_QUERY_WORKERS="1")
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.app:app_from_environment", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=PROJECT, env=env, stdout=sink, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log, timeout=STARTUP)
        yield base, process
    finally:
        kill_session(process)


def kill_session(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and everything in its session (its query workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _count(base: str, graph: str) -> int:
    answer = httpx.get(f"{base}/sparql", timeout=30, headers={
        "Accept": "application/sparql-results+json"}, params={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def _graphs(base: str) -> set[str]:
    answer = httpx.get(f"{base}/sparql", timeout=30, headers={
        "Accept": "application/sparql-results+json"}, params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert answer.status_code == 200, answer.text
    return {row["g"]["value"] for row in answer.json()["results"]["bindings"]}


def _seeded(store: Path) -> int:
    with OxigraphStore(store) as seeded:
        seeded.load(SMALL.read_bytes(), format=RdfFormat.TURTLE, graph=KEEP)
        return next(g.triples for g in seeded.graphs() if g.name == KEEP)


def test_sigkill_during_a_bulk_load_leaves_nothing_of_it(tmp_path: Path, big_file: Path) -> None:
    store = tmp_path / "store"
    kept = _seeded(store)
    loader = subprocess.Popen(
        [str(Path(sys.executable).parent / "graphkit"), "load", str(big_file), "--graph", BIG,
         "--store", str(store)], cwd=PROJECT, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(lambda: (store / JOURNAL).exists() or loader.poll() is not None,
                  "the load to start")
        time.sleep(0.5)  # well into the bulk load
        assert loader.poll() is None, "the load finished before it could be killed"
    finally:
        kill_session(loader)
    assert (store / JOURNAL).exists(), "the kill came after the load had finished"
    with server(store, tmp_path / "server.log") as (base, _):
        assert _count(base, BIG) == 0
        assert _count(base, KEEP) == kept
        assert not any(g.startswith(STAGING_PREFIX) for g in _graphs(base))
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
    assert not (store / JOURNAL).exists()  # recovered at open, and the journal cleared
    # and the store takes the same load whole afterwards
    done = subprocess.run([str(Path(sys.executable).parent / "graphkit"), "load",
                           str(big_file), "--graph", BIG, "--store", str(store)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with OxigraphStore(store) as reopened:
        sizes = {g.name: g.triples for g in reopened.graphs()}
    assert sizes[BIG] == sum(1 for _ in big_file.open("rb")) and sizes[KEEP] == kept


@pytest.mark.parametrize("existing", [False, True], ids=["new-graph", "replaced-graph"])
def test_sigkill_of_the_server_during_a_graph_store_put(
        tmp_path: Path, big_file: Path, existing: bool) -> None:
    """A ``PUT /store`` of a big graph, the server killed mid-write: after the restart the
    graph is as before the PUT (absent, or its old content), never part of the new one."""
    store = tmp_path / "store"
    kept = _seeded(store)
    body = big_file.read_bytes()
    target = KEEP if existing else BIG
    outcome: list[object] = []

    def put(base: str) -> None:
        try:
            outcome.append(httpx.put(f"{base}/store", params={"graph": target}, content=body,
                                     headers={"Content-Type": "application/n-triples",
                                              "Authorization": f"Bearer {TOKEN}"},
                                     timeout=120).status_code)
        except httpx.TransportError as error:  # the server died under it: expected
            outcome.append(error)

    with server(store, tmp_path / "server.log") as (base, process):
        writer = threading.Thread(target=put, args=(base,))
        writer.start()
        _wait_for(lambda: (store / JOURNAL).exists() or bool(outcome), "the write to start")
        time.sleep(0.3)
        in_flight = (store / JOURNAL).exists()
        kill_session(process)
        writer.join(timeout=60)
    assert in_flight and outcome and isinstance(outcome[0], httpx.TransportError), outcome
    with server(store, tmp_path / "server2.log") as (base, _):
        assert _count(base, KEEP) == kept  # the old content, whole
        if not existing:
            assert _count(base, BIG) == 0
        assert not any(g.startswith(STAGING_PREFIX) for g in _graphs(base))
        # the same PUT now goes through whole
        answer = httpx.put(f"{base}/store", params={"graph": target}, content=body,
                           headers={"Content-Type": "application/n-triples",
                                    "Authorization": f"Bearer {TOKEN}"}, timeout=300)
        assert answer.status_code in (201, 204), answer.text
        assert _count(base, target) == sum(1 for _ in big_file.open("rb"))


# -- contributions ------------------------------------------------------------------------
CONTRIBUTION = PROJECT / "data" / "ogp-democratic-freedoms-learning-network-page.ttl"
PREFIX = "https://w3id.org/ogkg/graph/contribution/"
CONTRIBUTION_SIZE = len(set(ox.parse(CONTRIBUTION.read_bytes(), format=ox.RdfFormat.TURTLE)))
STATE = """
SELECT ?g ?size ?status ?triples WHERE {
  { SELECT ?g (COUNT(*) AS ?size) WHERE { GRAPH ?g { ?s ?p ?o }
      FILTER(STRSTARTS(STR(?g), "PREFIX")) } GROUP BY ?g }
  UNION
  { GRAPH <https://w3id.org/ogkg/graph/meta> {
      ?g <https://w3id.org/ogkg/ns#status> ?status ; <http://rdfs.org/ns/void#triples> ?triples }
    FILTER(STRSTARTS(STR(?g), "PREFIX")) }
}""".replace("PREFIX", PREFIX)


def contribution_state(store: Path) -> dict[str, dict[str, str]]:
    """Per contribution graph: its size in the store, and what its record says."""
    state: dict[str, dict[str, str]] = {}
    with OxigraphStore(store) as opened:
        for row in opened.query(STATE).rows():
            entry = state.setdefault(value(row["g"]), {})
            entry.update({k: value(v) for k, v in row.items() if k != "g"})
    return state


def assert_whole(state: dict[str, dict[str, str]]) -> None:
    """Every contribution graph has its record, every accepted record its whole graph."""
    for graph, entry in state.items():
        assert "status" in entry, f"{graph}: data without a record (a partial contribution)"
        if entry["status"].startswith("accepted"):
            assert entry.get("size") == entry["triples"], f"{graph}: {entry}"
        else:
            assert "size" not in entry, f"{graph}: withdrawn but its data is there: {entry}"


def _contribute(base: str) -> httpx.Response:
    return httpx.post(f"{base}/api/contributions", params={
        "contributor": "crash test", "source": "https://example.org/crash"},
        content=CONTRIBUTION.read_bytes(), timeout=120, headers={
            "Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})


def test_sigkill_during_contributions_leaves_them_whole_or_absent(tmp_path: Path) -> None:
    """Kill the server at several points of a contribution; after each restart every
    contribution is whole with its record, or absent with none."""
    store = tmp_path / "store"
    _seeded(store)
    with server(store, tmp_path / "server.log") as (base, _):
        started = time.monotonic()
        first = _contribute(base)
        took = time.monotonic() - started
    assert first.status_code == 201, first.text
    for fraction in (0.3, 0.7, 0.95):
        outcome: list[object] = []
        with server(store, tmp_path / "server.log") as (base, process):
            def send(base: str = base, outcome: list[object] = outcome) -> None:
                try:
                    outcome.append(_contribute(base).status_code)
                except httpx.TransportError as error:
                    outcome.append(error)
            writer = threading.Thread(target=send)
            writer.start()
            time.sleep(took * fraction)
            kill_session(process)
            writer.join(timeout=60)
        state = contribution_state(store)
        # the data of each contribution is whole or absent, and a record says what it holds
        assert_whole(state)
        for graph, entry in state.items():
            assert entry.get("size") in (None, str(CONTRIBUTION_SIZE)), (graph, entry)
        assert first.json()["graph"] in state  # the earlier one is untouched
        accepted = [g for g, e in state.items() if e.get("status", "").startswith("accepted")]
        if outcome and outcome[0] == 201:
            assert len(accepted) >= 2
    with server(store, tmp_path / "server.log") as (base, _):
        listed = httpx.get(f"{base}/api/contributions", timeout=30)
        assert listed.status_code == 200
        assert first.json()["id"] in listed.text


KILL_AROUND_THE_WRITE = """
import os, signal, sys
import pyoxigraph as ox
from graphkit.contributions import store_contribution
from graphkit.stores import OxigraphStore

store = OxigraphStore(sys.argv[1])
load, when = store.load, sys.argv[3]

def load_then_die(*args, **kwargs):
    # the power goes just before the first write reaches the store, or just after it: a
    # contribution written in more than one load is caught half-written by "after"
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    load(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

store.load = load_then_die
triples = list(ox.parse(open(sys.argv[2], "rb").read(), format=ox.RdfFormat.TURTLE))
store_contribution(store, triples, base_iri="https://w3id.org/ogkg/", contributor="crash",
                   summary={"conforms": True, "violations": 0})
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_crash_between_data_and_record_leaves_no_partial_contribution(
        tmp_path: Path, when: str) -> None:
    """SIGKILL just before or just after the contribution's write: after the restart it is
    absent, or whole with its record."""
    store = tmp_path / "store"
    _seeded(store)
    done = subprocess.run([sys.executable, "-c", KILL_AROUND_THE_WRITE, str(store),
                           str(CONTRIBUTION), when], cwd=PROJECT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    state = contribution_state(store)
    assert_whole(state)
    assert len(state) == (1 if when == "after" else 0), state
