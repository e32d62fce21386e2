"""``graphkit analyze``: each question in each output format, --write and --export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest

from graphkit.cli import main
from tests.analytics.conftest import FIXTURE, iri


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    path = str(tmp_path / "store")
    assert main(["load", str(FIXTURE), "--graph", "https://w3id.org/ogkg/graph/source/doc-one",
                 "--store", path]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_summary_as_a_table(store_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "--store", store_path)
    assert code == 0
    assert "nodes               | 9" in out and "diameter_method     | exact" in out


def test_measures_as_json_and_csv(store_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "measures", "--store", store_path, "--format", "json",
                       "--graph-kind", "organisations", "--sort", "degree")
    assert code == 0
    answer = json.loads(out)
    assert answer["rows"][0]["node"] == iri("org/alpha")  # tied to both others
    assert answer["rows"][0]["degree"] == 2 and answer["notes"]["betweenness"] == "exact"
    code, out, _ = run(capsys, "measures", "--store", store_path, "--format", "csv",
                       "--limit", "3")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 3 and "pagerank" in rows[0]


def test_communities_path_and_ego(store_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "communities", "--store", store_path, "--format", "json")
    assert code == 0 and "modularity" in json.loads(out)["notes"]
    code, out, _ = run(capsys, "path", "person/bob", "Alpha Ministry", "--store", store_path)
    assert code == 0
    assert "path: Bob Example presents at The Summit, which Alpha Ministry hosts" in out
    code, out, _ = run(capsys, "ego", "org/beta", "--radius", "1", "--store", store_path,
                       "--format", "json")
    assert code == 0
    assert {r["node"] for r in json.loads(out)["rows"]} == {
        iri("org/beta"), iri("network/net-one"), iri("event/summit"), iri("org/gamma")}


def test_filters_reach_the_graph(store_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "--store", store_path, "--as-of", "2017",
                       "--format", "json")
    figures = {r["figure"]: r["value"] for r in json.loads(out)["rows"]}
    assert code == 0 and figures["edges"] == "4"


def test_write_then_query(store_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summary", "--write", "--store", store_path)
    assert code == 0 and "graph/analytics" in err
    count = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/ogkg/graph/analytics> "
             "{ ?m <https://w3id.org/ogkg/analytics#node> ?x } }")
    assert main(["query", "--store", store_path, "--format", "json", count]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["results"]["bindings"][0]["n"]["value"] == "9"


def test_export_with_measures(store_path: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "network.gexf"
    code, _, _ = run(capsys, "summary", "--store", store_path, "--export", "gexf",
                     "--out", str(target))
    assert code == 0
    graph = nx.read_gexf(target)
    assert graph.number_of_nodes() == 9 and "pagerank" in graph.nodes[iri("org/alpha")]


@pytest.mark.parametrize("argv, message", [
    (["path", "org/alpha"], "takes 2 entities, not 1"),
    (["ego"], "takes 1 entity, not 0"),
    (["summary", "--as-of", "someday"], "'someday' is not a date"),
    (["ego", "org/omega"], "'org/omega' is no entity of the network"),
    (["summary", "--export", "gexf"], "--export FORMAT and --out FILE go together"),
    (["measures", "--sort", "fame"], "cannot sort by 'fame'"),
    (["summary", "--resolution", "0"], "resolution must be above 0"),
])
def test_bad_requests_exit_2_with_one_line(store_path: str, argv: list[str], message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv, "--store", store_path)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
