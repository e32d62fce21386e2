"""The graphkit command line: exit codes, one-line errors, all-or-nothing loads."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from graphkit.cli import main

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
