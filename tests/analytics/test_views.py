"""What the explorer draws: elements with measures, and communities above the limit."""

from __future__ import annotations

import json
from typing import cast

import networkx as nx

from graphkit.analytics.metrics import measure, to_igraph
from graphkit.analytics.views import aggregate, explorer_view


def caves() -> nx.Graph:
    graph = nx.connected_caveman_graph(4, 5)
    for node in graph:
        graph.nodes[node].update(label=f"node {node}", kind="org")
    return graph


def test_elements_carry_attributes_and_measures() -> None:
    graph = caves()
    view = explorer_view(graph, measure(graph))
    elements = cast("dict[str, list[dict[str, dict[str, object]]]]", view["elements"])
    nodes = elements["nodes"]
    assert len(nodes) == 20 and nodes[0]["data"]["label"] == "node 0"
    assert {"degree", "pagerank", "community"} <= set(nodes[0]["data"])
    assert len(elements["edges"]) == graph.number_of_edges()
    json.dumps(view, allow_nan=False)  # no NaN reaches the browser


def test_above_the_limit_communities_are_drawn() -> None:
    graph = caves()
    measures = measure(graph)
    view = explorer_view(graph, measures, max_nodes=10)
    assert cast("dict[str, object]", view["stats"])["aggregated"] is True
    summary = aggregate(graph, measures)
    assert summary.number_of_nodes() == 4
    assert sorted(d["members"] for _, d in summary.nodes(data=True)) == [5, 5, 5, 5]
    assert summary.number_of_edges() == 4  # the caves form a ring
    assert all(d["weight"] == 1.0 for *_, d in summary.edges(data=True))
    assert all(d["composition"] == "5 org" for _, d in summary.nodes(data=True))


def test_a_compact_igraph_projection_aggregates_like_networkx() -> None:
    graph = caves()
    measures = measure(graph)
    compact = to_igraph(graph)
    from_networkx = aggregate(graph, measures)
    from_igraph = aggregate(compact, measure(compact), nodes=graph.nodes)
    assert dict(from_igraph.nodes(data="members")) == dict(from_networkx.nodes(data="members"))
    assert sorted(from_igraph.edges()) == sorted(from_networkx.edges())
    view = explorer_view(compact, measure(compact), nodes=graph.nodes)
    assert cast("dict[str, object]", view["stats"])["aggregated"] is True
