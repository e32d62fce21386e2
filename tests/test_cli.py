"""The graphkit command line: exit codes, one-line errors, all-or-nothing loads."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from graphkit.cli import main
from tests.conftest import emptied
from tests.servers import Server
from tests.support import PROJECT, free_port, need, wait_healthy

DATA = Path(__file__).parent / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_load_query_and_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    store = str(tmp_path / "store")
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), "--graph",
                       "https://w3id.org/ogkg/graph/test", "--store", store)
    assert code == 0, err
    assert "0 → 4 triples" in err
    code, out, _ = run(capsys, "query", "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s",
                       "--store", store, "--format", "json")
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    assert [r["s"]["value"] for r in rows] == [
        "https://w3id.org/ogkg/id/network/open-democracy-network",
        "https://w3id.org/ogkg/id/org/oecd"]
    out_file = tmp_path / "dump.nq.gz"
    code, _, _ = run(capsys, "export", "--format", "nq", "--gzip", "--out", str(out_file),
                     "--store", store)
    assert code == 0
    exported = Dataset()
    exported.parse(data=gzip.decompress(out_file.read_bytes()), format="nquads")
    graph = exported.graph("https://w3id.org/ogkg/graph/test")
    assert isomorphic(graph, Graph().parse(DATA / "small.ttl"))


def test_query_table_and_ask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    run(capsys, "load", str(DATA / "small.ttl"), "--store", store)
    code, out, _ = run(capsys, "query", "SELECT ?s ?label WHERE { ?s rdfs:label ?label }"
                       .replace("rdfs:", "<http://www.w3.org/2000/01/rdf-schema#>")
                       .replace("<http://www.w3.org/2000/01/rdf-schema#>label",
                                "<http://www.w3.org/2000/01/rdf-schema#label>"),
                       "--store", store)
    assert code == 0
    assert "id:org/oecd" in out or "<https://w3id.org/ogkg/id/org/oecd>" in out
    assert "(2 rows)" in out
    code, out, _ = run(capsys, "query", "ASK { ?s ?p ?o }", "--store", store)
    assert (code, out.strip()) == (0, "yes")


def test_query_file_and_construct(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    run(capsys, "load", str(DATA / "small.ttl"), "--store", store)
    query = tmp_path / "all.rq"
    query.write_text("CONSTRUCT WHERE { ?s ?p ?o }")
    code, out, _ = run(capsys, "query", str(query), "--format", "nt", "--store", store)
    assert code == 0
    assert isomorphic(Graph().parse(data=out, format="nt"), Graph().parse(DATA / "small.ttl"))
    # Turtle names things with the query's own prefixes
    code, out, _ = run(capsys, "query", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                       "CONSTRUCT WHERE { ?s rdfs:label ?o }", "--store", store)
    assert code == 0 and "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ." in out
    assert " rdfs:label " in out and len(Graph().parse(data=out, format="turtle")) > 0


def test_syntax_error_is_one_line_with_position_and_nothing_is_loaded(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), str(DATA / "broken.nt"),
                       "--store", store)
    assert code == 2
    assert err.count("\n") == 1
    assert f"{DATA / 'broken.nt'}:2:" in err
    code, out, _ = run(capsys, "query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                       "--store", store, "--format", "csv")
    assert out.splitlines()[1] == "0"  # the good first file was not loaded either


def test_query_errors_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    store = str(tmp_path / "store")
    code, _, err = run(capsys, "query", "SELECT * WHERE { ?s ?p }", "--store", store)
    assert code == 2 and "1:" in err and err.startswith("graphkit query: error:")
    code, _, err = run(capsys, "load", str(tmp_path / "missing.ttl"), "--store", store)
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), "--format", "docx",
                       "--store", store)
    assert code == 2
    code, _, err = run(capsys, "query", "ASK {}", "--format", "ttl", "--store", store)
    assert code == 2 and "CONSTRUCT" in err
    assert main([]) == 2


def test_gzip_and_explicit_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "data.gz"
    source.write_bytes(gzip.compress((DATA / "small.ttl").read_bytes()))
    store = str(tmp_path / "store")
    code, _, err = run(capsys, "load", str(source), "--format", "ttl", "--store", store)
    assert code == 0, err
    reopened = ox.Store(str(tmp_path / "store"))
    assert len(reopened) == 4


def test_export_failure_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    out_file = tmp_path / "one.ttl"
    code, _, err = run(capsys, "export", "--graph", "https://example.org/absent",
                       "--format", "ttl", "--out", str(out_file), "--store", "")
    assert code == 2 and "no graph" in err
    assert not out_file.exists() and not list(tmp_path.glob(".export-*"))


def test_synth_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt.gz"
    assert run(capsys, "synth", "--orgs", "40", "--seed", "7", "--out", str(first))[0] == 0
    assert run(capsys, "synth", "--orgs", "40", "--seed", "7", "--out", str(second))[0] == 0
    assert first.read_bytes() == gzip.decompress(second.read_bytes())
    assert run(capsys, "synth", "--orgs", "0", "--out", str(first))[0] == 2


def test_serve_keeps_idle_connections_longer_than_clients_do(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """httpx (like many clients and proxies) drops an idle connection after 5 s, uvicorn's
    default too: with equal limits the server may close a connection just as a request goes
    out on it, which the client sees as a failed request (the load test did, at 64 clients)."""
    import uvicorn

    from graphkit.cli import KEEP_ALIVE_SECONDS

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setenv("GRAPHKIT_STORE_PATH", str(tmp_path / "store"))
    assert main(["serve", "--port", "8765"]) == 0
    assert seen["timeout_keep_alive"] == KEEP_ALIVE_SECONDS > 5 * 2
    assert seen["port"] == 8765 and seen["access_log"] is False


# -- every format, every option of load, query and export ---------------------------------
LABELS = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
          "ORDER BY ?s")
RESULT_PARSERS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                  "tsv": ox.QueryResultsFormat.TSV}  # pyoxigraph writes CSV, does not read it
RDFLIB_NAMES = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig",
                "nq": "nquads", "rdf": "xml"}


@pytest.fixture
def small_store(tmp_path: Path) -> str:
    store = str(tmp_path / "store")
    assert main(["load", str(DATA / "small.ttl"), "--graph", GRAPH, "--store", store]) == 0
    return store


GRAPH = "https://w3id.org/ogkg/graph/test"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_query_writes_each_result_format(small_store: str, fmt: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "query", LABELS, "--format", fmt, "--store", small_store)
    assert code == 0, err
    if fmt == "csv":
        got = [tuple(row) for row in csv.reader(io.StringIO(out))]
        assert got.pop(0) == ("s", "label")
    else:
        rows = ox.parse_query_results(out.encode(), format=RESULT_PARSERS[fmt])
        assert isinstance(rows, ox.QuerySolutions)
        got = [(str(row["s"].value), str(row["label"].value)) for row in rows]
    assert got == [("https://w3id.org/ogkg/id/network/open-democracy-network",
                    "Open Democracy Network"),
                   ("https://w3id.org/ogkg/id/org/oecd",
                    "Organisation for Economic Co-operation and Development")]


def test_query_table_lists_the_rows(small_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", LABELS, "--format", "table", "--store", small_store)
    assert code == 0
    assert "Open Democracy Network" in out and "(2 rows)" in out


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_query_writes_each_rdf_format(small_store: str, fmt: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", fmt,
                         "--store", small_store)
    assert code == 0, err
    assert isomorphic(Graph().parse(data=out, format=RDFLIB_NAMES[fmt]),
                      Graph().parse(DATA / "small.ttl"))


@pytest.mark.parametrize("fmt", ["nt", "nq", "ttl", "trig", "jsonld"])
@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzip"])
def test_export_writes_each_format(small_store: str, tmp_path: Path, fmt: str, zipped: bool,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / f"export.{fmt}{'.gz' if zipped else ''}"
    code, _, err = run(capsys, "export", "--format", fmt, "--out", str(out_file),
                       *(["--gzip"] if zipped else []), "--store", small_store)
    assert code == 0, err
    data = out_file.read_bytes()
    data = gzip.decompress(data) if zipped else data
    expected = Graph().parse(DATA / "small.ttl")
    if fmt in ("nq", "trig"):  # the graphs keep their names
        exported = Dataset()
        exported.parse(data=data, format=RDFLIB_NAMES[fmt])
        assert isomorphic(exported.graph(GRAPH), expected)
    else:  # all graphs merged
        assert isomorphic(Graph().parse(data=data, format=RDFLIB_NAMES[fmt]), expected)


def test_export_to_stdout(small_store: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "--format", "nt", "--gzip", "--store", small_store]) == 0
    out, _ = capsysbinary.readouterr()
    assert isomorphic(Graph().parse(data=gzip.decompress(out), format="nt"),
                      Graph().parse(DATA / "small.ttl"))


@pytest.mark.parametrize("fmt", ["ttl", "trig", "nt", "nq", "jsonld", "rdf"])
@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzip"])
def test_load_reads_each_format_by_extension(tmp_path: Path, fmt: str, zipped: bool,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    expected = Graph().parse(DATA / "small.ttl")
    if fmt in ("trig", "nq"):  # the data names its graph
        holder = Dataset()
        holder.graph(GRAPH).parse(DATA / "small.ttl")
        text = holder.serialize(format=RDFLIB_NAMES[fmt]).encode()
    else:
        text = expected.serialize(format=RDFLIB_NAMES[fmt]).encode()
    source = tmp_path / f"data.{fmt}{'.gz' if zipped else ''}"
    source.write_bytes(gzip.compress(text) if zipped else text)
    store = str(tmp_path / "store")
    graph = [] if fmt in ("trig", "nq") else ["--graph", GRAPH]
    code, _, err = run(capsys, "load", str(source), *graph, "--store", store)
    assert code == 0, err
    code, out, _ = run(capsys, "query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> "
                       "{ ?s ?p ?o } }", "--format", "nt", "--store", store)
    assert code == 0 and isomorphic(Graph().parse(data=out, format="nt"), expected)


def test_progress_bar_for_a_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import graphkit.load

    monkeypatch.setattr(graphkit.load, "PROGRESS_MIN_BYTES", 1)  # small.ttl counts as large
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a terminal
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), "--store", str(tmp_path / "s"))
    assert code == 0, err
    size = (DATA / "small.ttl").stat().st_size
    assert "\rsmall.ttl: " in err and f"/{size} [" in err  # tqdm's bar: name, total bytes


def test_no_progress_bar_when_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import graphkit.load

    monkeypatch.setattr(graphkit.load, "PROGRESS_MIN_BYTES", 1)
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), "--store", str(tmp_path / "s"))
    assert code == 0 and err.strip() == "default graph: 0 → 4 triples"


# -- exit codes and one-line errors ---------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_query_failing_on_the_data_exits_1_with_one_line(small_store: str, fmt: str,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """pyoxigraph evaluates lazily: the failure comes while the answer is read (here a
    SERVICE call it refuses), and is still one line and exit 1, never a traceback."""
    failing = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    code, _, err = run(capsys, "query", failing, "--format", fmt, "--store", small_store)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("graphkit query: error: query failed:")


def test_query_past_its_timeout_exits_1(small_store: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "SELECT * WHERE { ?s ?p ?o }", "--timeout", "1e-9",
                       "--store", small_store)
    assert code == 1 and err.count("\n") == 1 and "time limit" in err, err


@pytest.mark.parametrize("argv", [["load"], ["query", "ASK {}", "--format", "docx"],
                                  ["export", "--gzip", "--store", "a", "--endpoint", "b"],
                                  ["synth", "--orgs", "many", "--out", "x.nt"], ["no-such"]])
def test_usage_errors_exit_2_with_one_line(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("graphkit") and ": error: " in err and "--help" in err


def test_bad_settings_exit_2_with_one_line(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GRAPHKIT_BASE_IRI", "https://example.org/no-slash")
    code, _, err = run(capsys, "query", "ASK {}", "--store", "")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("graphkit query: error: GRAPHKIT_BASE_IRI: ") and "end with" in err


# -- a remote store: --endpoint, the other endpoints from GRAPHKIT_* -------------------------
@pytest.mark.server
def test_load_query_export_through_an_endpoint(oxigraph_endpoint: Server, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    emptied(oxigraph_endpoint.store()).close()
    monkeypatch.setenv("GRAPHKIT_UPDATE_ENDPOINT", oxigraph_endpoint.update_endpoint)
    monkeypatch.setenv("GRAPHKIT_GRAPH_STORE_ENDPOINT", oxigraph_endpoint.graph_store_endpoint)
    remote = ["--endpoint", oxigraph_endpoint.endpoint]
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), "--graph", GRAPH, *remote)
    assert code == 0 and f"{GRAPH}: 0 → 4 triples" in err, err
    code, _, err = run(capsys, "load", str(DATA / "small.ttl"), str(DATA / "broken.nt"),
                       "--graph", GRAPH + "-2", *remote)
    assert code == 2 and f"{DATA / 'broken.nt'}:2:" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "query", LABELS, "--format", "tsv", *remote)
    assert code == 0 and len(out.splitlines()) == 3  # header and two rows: nothing else
    out_file = tmp_path / "remote.nq"
    code, _, err = run(capsys, "export", "--format", "nq", "--out", str(out_file), *remote)
    assert code == 0, err
    exported = Dataset()
    exported.parse(out_file, format="nquads")
    assert isomorphic(exported.graph(GRAPH), Graph().parse(DATA / "small.ttl"))
    assert {str(g.identifier) for g in exported.graphs() if len(g)} == {GRAPH}


# -- `make run`: graphkit serve --sync, as a process of its own ------------------------------
def _serve(store: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).parent / "graphkit"  # the console script of the package
    need(script.is_file(), f"{script} is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHKIT_")}
    with open(log, "ab") as sink:
        return subprocess.Popen([str(script), "serve", "--sync", "--store", str(store),
                                 "--host", "127.0.0.1", "--port", str(port)], cwd=PROJECT,
                                env=env, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def test_serve_sync_loads_the_project_then_only_what_changed(tmp_path: Path) -> None:
    """What `make run` does: load ontology/, shapes/ and data/ into the on-disk store, serve
    a page saying what is there, /health and /sparql; the next start reloads nothing."""
    store, log = tmp_path / "store", tmp_path / "serve.log"
    for start in ("first", "second"):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = _serve(store, port, log)
        try:
            wait_healthy(base, process, log)
            health = httpx.get(f"{base}/health", timeout=30).json()
            assert health["status"] == "ok" and health["has_data"] is True
            home = httpx.get(f"{base}/", timeout=30)
            assert home.status_code == 200 and "/graph/ontology" in home.text
            answer = httpx.get(f"{base}/sparql", timeout=30, params={
                "query": "ASK { GRAPH <https://w3id.org/ogkg/graph/ontology> { ?s ?p ?o } }"},
                headers={"Accept": "application/sparql-results+json"})
            assert answer.json()["boolean"] is True
        finally:
            _stop(process)
        synced = [line for line in log.read_text().splitlines()
                  if line.startswith("graphkit serve: ")]
        assert len(synced) == (1 if start == "first" else 2), synced
    first, second = synced
    assert not first.startswith("graphkit serve: 0 graphs loaded")
    assert second.startswith("graphkit serve: 0 graphs loaded, ") and " 0 unchanged" not in second


NO_RDFLIB = """
import sys
from graphkit.cli import main
store, out = sys.argv[1], sys.argv[2]
assert main(["load", "tests/data/small.ttl", "--graph", "https://example.org/g", "--store", store]) == 0
assert main(["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "json", "--store", store]) == 0
assert main(["export", "--format", "nt", "--out", out, "--store", store]) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] in ("rdflib", "oxrdflib")),
      file=sys.stderr)
"""


def test_rdflib_is_not_on_the_load_query_or_export_path(tmp_path: Path) -> None:
    """pyoxigraph parses, stores and serialises; rdflib (10x slower at parsing) is not even
    imported by load, query and export."""
    done = subprocess.run([sys.executable, "-c", NO_RDFLIB, str(tmp_path / "s"),
                           str(tmp_path / "out.nt")], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.splitlines()[-1] == "[]"
