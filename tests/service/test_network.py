"""The network API under /api/network/... and the explorer page, over the fixture network."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from graphkit.settings import Settings
from service.app import create_app
from tests.analytics.conftest import fixture_store, iri


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(Settings(store_path=None), store=fixture_store()))


def test_the_explorer_page_uses_the_vendored_cytoscape(client: TestClient) -> None:
    page = client.get("/network")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/vendor/cytoscape/cytoscape.min.js">' in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/static/network/network.js").status_code == 200


def test_view_has_elements_with_measures(client: TestClient) -> None:
    answer = client.get("/api/network/view")
    assert answer.status_code == 200
    body = answer.json()
    nodes = {n["data"]["id"]: n["data"] for n in body["elements"]["nodes"]}
    assert len(nodes) == 9 and len(body["elements"]["edges"]) == 11
    alpha = nodes[iri("org/alpha")]
    assert alpha["label"] == "Alpha Ministry" and alpha["degree"] == 4
    assert {"betweenness", "pagerank", "community", "core"} <= set(alpha)
    assert body["stats"]["aggregated"] is False and body["stats"]["betweenness"] == "exact"
    edge = next(e["data"] for e in body["elements"]["edges"] if e["data"]["relation"] == "chairs"
                and iri("org/alpha") in (e["data"]["source"], e["data"]["target"]))
    assert edge["role"] == "chair" and edge["start_date"] == "2019-03"


def test_filters_and_ego_views(client: TestClient) -> None:
    dated = client.get("/api/network/view", params={"as_of": "2017"}).json()
    assert len(dated["elements"]["edges"]) == 4 and dated["filters"] == "as_of=2017"
    people = client.get("/api/network/view", params=[("node_kind", "person"),
                                                     ("node_kind", "network")]).json()
    assert {n["data"]["kind"] for n in people["elements"]["nodes"]} == {"person", "network"}
    ego = client.get("/api/network/view", params={"node": "org/beta", "radius": 1}).json()
    assert {n["data"]["id"] for n in ego["elements"]["nodes"]} == {
        iri("org/beta"), iri("network/net-one"), iri("event/summit"), iri("org/gamma")}
    assert ego["center"] == iri("org/beta")


def test_big_views_are_aggregated_to_communities(client: TestClient) -> None:
    body = client.get("/api/network/view", params={"max_nodes": 3}).json()
    assert body["stats"]["aggregated"] is True and body["stats"]["nodes"] == 9
    communities = [n["data"] for n in body["elements"]["nodes"]]
    assert all(n["kind"] == "community" for n in communities)
    assert sum(n["members"] for n in communities) == 9


def test_answers_match_the_command_line(client: TestClient) -> None:
    summary = client.get("/api/network/summary").json()
    assert {r["figure"]: r["value"] for r in summary["rows"]}["nodes"] == "9"
    measures = client.get("/api/network/measures", params={"sort": "degree", "limit": 1}).json()
    assert measures["rows"][0]["node"] == iri("org/alpha")
    path = client.get("/api/network/path", params={"from": "person/bob", "to": "org/alpha"})
    assert path.json()["path"]["text"] == ("Bob Example presents at The Summit, which Alpha "
                                           "Ministry hosts")
    assert path.json()["path"]["steps"][0]["sources"][0]["label"] == "Document one"
    communities = client.get("/api/network/communities").json()
    assert "modularity" in communities["notes"]
    ego = client.get("/api/network/ego", params={"node": "org/beta", "format": "csv"})
    assert ego.headers["content-type"].startswith("text/csv")
    assert ego.text.splitlines()[0] == "node,label,kind,distance,ties"


def test_export_downloads_re_import(client: TestClient) -> None:
    answer = client.get("/api/network/export", params={"format": "gexf", "kind": "organisations"})
    assert answer.status_code == 200
    assert 'filename="network-organisations.gexf"' in answer.headers["content-disposition"]
    graph = nx.read_gexf(io.BytesIO(answer.content))
    assert sorted(graph) == [iri("org/alpha"), iri("org/beta"), iri("org/gamma")]


@pytest.mark.parametrize("params, message", [
    ({"as_of": "soon"}, "'soon' is not a date"),
    ({"relation": "likes"}, "unknown relation 'likes'"),
    ({"node": "org/omega"}, "'org/omega' is no entity"),
])
def test_bad_requests_are_400_saying_what_to_fix(client: TestClient, params: dict[str, str],
                                                 message: str) -> None:
    answer = client.get("/api/network/view", params=params)
    assert answer.status_code == 400 and message in answer.json()["detail"]


def test_bad_path_and_export_requests(client: TestClient) -> None:
    assert client.get("/api/network/path", params={"from": "org/alpha"}).status_code == 422
    answer = client.get("/api/network/export", params={"format": "dot"})
    assert answer.status_code == 400 and "unknown export format" in answer.json()["detail"]
    answer = client.get("/api/network/measures", params={"sort": "fame"})
    assert answer.status_code == 400 and "cannot sort by 'fame'" in answer.json()["detail"]


def test_big_projections_are_aggregated_without_building_them(client: TestClient) -> None:
    body = client.get("/api/network/view", params={"kind": "organisations",
                                                   "max_nodes": 2}).json()
    assert body["stats"]["aggregated"] is True and body["stats"]["nodes"] == 3
    communities = [n["data"] for n in body["elements"]["nodes"]]
    assert sum(n["members"] for n in communities) == 3
    assert all(n["composition"].endswith("org") for n in communities)
    assert body["filters"] == "" and body["center"] is None
