"""The measures: hand-computed values on a small fixture, and agreement with networkx
(the reference) on random graphs, for every measure computed on igraph/leidenalg."""

from __future__ import annotations

import math
from typing import TypedDict, cast

import networkx as nx
import pytest

from graphkit.analytics.metrics import (
    CommunityMethod,
    Options,
    communities,
    measure,
    summary,
)
from graphkit.errors import UsageError


def bowtie() -> nx.Graph:
    """Two triangles A-B-C and D-E-F joined by the bridge C-D."""
    graph = nx.Graph()
    graph.add_edges_from([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D"),
                          ("D", "E"), ("E", "F"), ("D", "F")], weight=1.0)
    return graph


def test_hand_computed_values_on_the_bowtie() -> None:
    result = measure(bowtie())
    values = result.values
    assert values["degree"] == {"A": 2, "B": 2, "C": 3, "D": 3, "E": 2, "F": 2}
    # C lies on the paths between {A,B} and {D,E,F}: 6 of the 10 pairs not involving C
    assert values["betweenness"]["C"] == pytest.approx(0.6)
    assert values["betweenness"]["A"] == 0.0
    assert values["closeness"]["C"] == pytest.approx(5 / 7)
    assert values["closeness"]["A"] == pytest.approx(5 / 10)
    assert values["harmonic"]["A"] == pytest.approx(1 + 1 + 1 / 2 + 1 / 3 + 1 / 3)
    # Burt: c_A = (1/2 + 1/2*1/3)^2 + (1/2 + 1/2*1/2)^2 = 4/9 + 9/16
    assert values["constraint"]["A"] == pytest.approx(4 / 9 + 9 / 16)
    # effective size n - 2t/n: C has 3 ties, 1 among its neighbours
    assert values["effective_size"]["C"] == pytest.approx(3 - 2 / 3)
    assert values["effective_size"]["A"] == pytest.approx(1.0)
    assert set(values["core"].values()) == {2}
    assert sum(values["pagerank"].values()) == pytest.approx(1.0)
    assert values["pagerank"]["C"] > values["pagerank"]["A"]
    assert result.notes["betweenness"] == "exact"
    groups = sorted(sorted(cast(list[str], g)) for g in result.communities.groups())
    assert groups == [["A", "B", "C"], ["D", "E", "F"]]
    # Q = 2 * (3/7 - (7/14)^2)
    assert result.communities.modularity == pytest.approx(5 / 14)


def test_hand_computed_summary_of_the_bowtie() -> None:
    found = summary(bowtie())
    assert (found.nodes, found.edges, found.components, found.largest_component) == (6, 7, 1, 6)
    assert found.density == pytest.approx(7 / 15)
    assert found.diameter == 3 and found.diameter_method == "exact"
    assert found.average_clustering == pytest.approx((4 + 2 / 3) / 6)
    assert found.transitivity == pytest.approx(6 / 10)
    assert found.bridges == [("C", "D")]
    assert found.articulation_points == ["C", "D"]


def random_graph(seed: int) -> nx.Graph:
    """A weighted graph of three components (so per-component measures are exercised)."""
    graph = nx.Graph()
    offset = 0
    for size, edges in ((30, 70), (12, 20), (5, 6)):
        part = nx.gnm_random_graph(size, edges, seed=seed + size)
        graph.add_edges_from((u + offset, v + offset) for u, v in part.edges())
        offset += size
    for number, (u, v) in enumerate(graph.edges()):
        graph[u][v]["weight"] = 1.0 + (number * 7 + seed) % 5
    graph.add_node(offset)  # an isolated node
    return graph


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_measures_agree_with_networkx(seed: int) -> None:
    graph = random_graph(seed)
    values = measure(graph).values
    expected = {
        "degree": dict(graph.degree()),
        "weighted_degree": dict(graph.degree(weight="weight")),
        "betweenness": nx.betweenness_centrality(graph),
        "closeness": nx.closeness_centrality(graph),
        "harmonic": nx.harmonic_centrality(graph),
        "pagerank": nx.pagerank(graph, weight="weight", tol=1e-12),
        "constraint": nx.constraint(graph, weight="weight"),
        "effective_size": nx.effective_size(graph),
        "core": nx.core_number(graph),
    }
    for name, reference in expected.items():
        for node, value in reference.items():
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(values[name][node]), (name, node)
            else:
                assert values[name][node] == pytest.approx(value, rel=1e-6, abs=1e-9), \
                    (name, node)


def test_eigenvector_is_computed_per_component_as_networkx_does() -> None:
    graph = random_graph(4)
    values = measure(graph).values["eigenvector"]
    for members in nx.connected_components(graph):
        if len(members) < 2:
            assert all(values[n] == 0.0 for n in members)
            continue
        reference = nx.eigenvector_centrality_numpy(graph.subgraph(members), weight="weight")
        for node in members:
            assert values[node] == pytest.approx(reference[node], abs=1e-6)


def test_sampled_betweenness_matches_networkx_with_the_same_seed() -> None:
    graph = nx.gnm_random_graph(80, 200, seed=5)
    options = Options(samples=12, seed=9, exact_limit=10)
    result = measure(graph, options)
    reference = nx.betweenness_centrality(graph, k=12, seed=9)
    assert result.notes["betweenness"] == "sampled from 12 sources, seed 9"
    for node, value in reference.items():
        assert result.values["betweenness"][node] == pytest.approx(value, rel=1e-9)


def test_large_graphs_estimate_distance_measures_from_samples() -> None:
    graph = nx.connected_watts_strogatz_graph(400, 6, 0.2, seed=3)
    result = measure(graph, Options(exact_limit=100, samples=200, seed=1))
    assert result.notes["closeness"].endswith("estimated from 200 sources, seed 1")
    closeness, harmonic = nx.closeness_centrality(graph), nx.harmonic_centrality(graph)
    for node in graph:
        assert result.values["closeness"][node] == pytest.approx(closeness[node], rel=0.1)
        assert result.values["harmonic"][node] == pytest.approx(harmonic[node], rel=0.15)


def test_only_the_measures_asked_for_are_computed() -> None:
    result = measure(bowtie(), include=("degree", "pagerank"))
    assert set(result.values) == {"degree", "pagerank"}
    assert result.row("A")["betweenness"] is None and result.row("A")["community"] == 0
    with pytest.raises(UsageError, match="unknown measure 'fame'"):
        measure(bowtie(), include=("fame",))


def test_summary_agrees_with_networkx() -> None:
    graph = random_graph(6)
    found = summary(graph)
    largest = graph.subgraph(max(nx.connected_components(graph), key=len))
    assert found.density == pytest.approx(nx.density(graph))
    assert found.components == nx.number_connected_components(graph)
    assert found.average_clustering == pytest.approx(nx.average_clustering(graph))
    assert found.transitivity == pytest.approx(nx.transitivity(graph))
    assert found.diameter == nx.diameter(largest)
    assert set(found.bridges) == {tuple(sorted(e)) for e in nx.bridges(graph)}
    assert set(found.articulation_points) == set(nx.articulation_points(graph))


def test_large_diameter_is_a_stated_lower_bound() -> None:
    graph = nx.path_graph(40)
    found = summary(graph, Options(exact_limit=10))
    assert found.diameter_method == "lower bound (double sweep)"
    assert found.diameter == 39  # a path's double sweep is exact


@pytest.mark.parametrize("method", list(CommunityMethod))
def test_communities_are_seeded_and_their_modularity_is_networkx_s(
        method: CommunityMethod) -> None:
    graph = nx.connected_caveman_graph(6, 5)
    nx.set_edge_attributes(graph, 1.0, "weight")
    options = Options(method=method, seed=3)
    first, second = communities(graph, options), communities(graph, options)
    assert first.membership == second.membership
    groups = [set(g) for g in first.groups()]
    assert first.modularity == pytest.approx(nx.community.modularity(graph, groups))
    reference = nx.community.louvain_communities(graph, seed=3)
    assert first.modularity >= nx.community.modularity(graph, reference) - 0.02
    assert len(groups) == 6  # one community per cave


def test_resolution_changes_the_partition() -> None:
    graph = nx.connected_caveman_graph(6, 5)
    coarse = communities(graph, Options(resolution=0.05))
    fine = communities(graph, Options(resolution=1.0))
    assert len(coarse.groups()) < len(fine.groups())
    assert coarse.resolution == 0.05


class _OptionArguments(TypedDict, total=False):
    resolution: float
    samples: int
    exact_limit: int


@pytest.mark.parametrize("options", [{"resolution": 0}, {"samples": 1},
                                     {"exact_limit": -1}])
def test_bad_options_are_refused(options: _OptionArguments) -> None:
    with pytest.raises(UsageError):
        Options(**options)


def test_empty_graph_has_no_measures() -> None:
    result = measure(nx.Graph())
    assert result.values["degree"] == {} and result.communities.modularity == 0.0
    assert summary(nx.Graph()).nodes == 0
