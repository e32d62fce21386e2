"""Graph building: the affiliation graph, projections, collaboration graph and filters,
on the hand-written fixture (every value below is read off tests/data/analytics-network.ttl)
and on the curated data."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, cast

import networkx as nx
import pytest

from graphkit.analytics.build import (
    GraphKind,
    Weighting,
    affiliation_graph,
    build_graph,
    project,
    project_compact,
)
from graphkit.analytics.snapshot import Filters, Snapshot
from graphkit.errors import UsageError
from tests.analytics.conftest import iri

if TYPE_CHECKING:
    import igraph as ig

SOURCE = "https://w3id.org/ogkg/id/source/doc-one"


def edge(graph: nx.Graph, a: str, b: str) -> dict[str, object]:
    return dict(graph[iri(a)][iri(b)])


def test_affiliation_edges_keep_relation_role_period_and_source(small: Snapshot) -> None:
    graph = affiliation_graph(small)
    assert graph.number_of_nodes() == 9
    assert graph.number_of_edges() == 11
    chair = edge(graph, "org/alpha", "network/net-two")
    assert chair["relation"] == "chairs" and chair["role"] == "chair"
    assert chair["start_date"] == "2019-03" and "end_date" not in chair
    assert chair["subject"] == iri("org/alpha") and chair["sources"] == SOURCE
    assert chair["qualified"] == iri("membership/alpha-net-two")
    member = edge(graph, "org/alpha", "network/net-one")
    assert (member["relation"], member["start_date"], member["end_date"]) == \
        ("memberOf", "2015", "2018-06")
    post = edge(graph, "person/ann", "network/net-one")
    assert post["relation"] == "chairs" and post["start_date"] == "2017-01-01"
    speaker = edge(graph, "person/bob", "event/summit")
    assert speaker["relation"] == "presentsAt" and speaker["role"] == "speaker"
    assert speaker["start_date"] == "2020-05-10"  # a one-off tie takes its event's date
    created = edge(graph, "org/alpha", "publication/report")
    assert created["relation"] == "created" and created["subject"] == iri("org/alpha")
    assert edge(graph, "org/beta", "org/gamma")["family"] == "partnership"


def test_nodes_carry_what_filters_and_the_explorer_need(small: Snapshot) -> None:
    graph = affiliation_graph(small)
    alpha = graph.nodes[iri("org/alpha")]
    assert alpha["label"] == "Alpha Ministry" and alpha["alt_labels"] == "AM"
    assert (alpha["kind"], alpha["mode"], alpha["bipartite"]) == ("org", "agent", 0)
    assert alpha["countries"] == "france" and alpha["org_types"] == "government"
    assert graph.nodes[iri("network/net-one")]["themes"] == "open-data"
    assert graph.nodes[iri("network/net-one")]["bipartite"] == 1
    assert small.source_labels[SOURCE] == "Document one"


def test_organisation_projection_counts_shared_contexts(small: Snapshot) -> None:
    graph = project(affiliation_graph(small), GraphKind.ORGANISATIONS)
    assert sorted(graph) == [iri("org/alpha"), iri("org/beta"), iri("org/gamma")]
    ab = edge(graph, "org/alpha", "org/beta")
    assert ab["weight"] == 2.0 and ab["shared"] == 2  # Network One and the Summit
    assert set(str(ab["via"]).split()) == {iri("network/net-one"), iri("event/summit")}
    assert set(str(ab["relation"]).split()) == {"memberOf", "hosts"}
    # both in Network One from 2016 (Beta joins) to 2018-06 (Alpha leaves), then the Summit
    assert (ab["start_date"], ab["end_date"]) == ("2016", "2020-05-10")
    assert edge(graph, "org/alpha", "org/gamma")["weight"] == 1.0
    direct = edge(graph, "org/beta", "org/gamma")
    assert direct["direct"] == "collaboratesWith" and direct["shared"] == 0


def test_newman_weighting_and_compact_projection(small: Snapshot) -> None:
    affiliation = affiliation_graph(small)
    newman = project(affiliation, weighting=Weighting.NEWMAN)
    assert newman[iri("org/alpha")][iri("org/beta")]["weight"] == pytest.approx(2.0)
    counted = project(affiliation)
    compact = cast("ig.Graph", project_compact(affiliation))
    found = {frozenset((compact.vs[e.source]["name"], compact.vs[e.target]["name"])):
             e["weight"] for e in compact.es}
    assert found == {frozenset((u, v)): w for u, v, w in counted.edges(data="weight")}


def test_people_projection_and_collaboration_graph(small: Snapshot) -> None:
    people = build_graph(small, GraphKind.PEOPLE)
    assert sorted(people) == [iri("person/ann"), iri("person/bob")]
    assert people.number_of_edges() == 0
    collaboration = build_graph(small, GraphKind.COLLABORATION)
    kinds = {frozenset((u, v)): d["relation"] for u, v, d in collaboration.edges(data=True)}
    assert kinds == {
        frozenset((iri("org/alpha"), iri("org/beta"))): "co-hosting",
        frozenset((iri("org/alpha"), iri("person/ann"))): "co-authoring",
        frozenset((iri("org/beta"), iri("org/gamma"))): "partnership",
    }


def pairs(graph: nx.Graph) -> set[frozenset[str]]:
    prefix = len(iri(""))
    return {frozenset((u[prefix:], v[prefix:])) for u, v in graph.edges()}


def test_as_of_keeps_the_ties_in_force_that_day(small: Snapshot) -> None:
    in_2017 = pairs(affiliation_graph(small, Filters(as_of="2017")))
    assert in_2017 == {frozenset(p) for p in [
        ("org/alpha", "network/net-one"), ("org/beta", "network/net-one"),
        ("person/ann", "network/net-one"), ("org/beta", "org/gamma")]}
    in_2020 = pairs(affiliation_graph(small, Filters(as_of="2020-06")))
    assert frozenset(("org/alpha", "network/net-one")) not in in_2020  # ended 2018-06
    assert frozenset(("org/alpha", "event/summit")) in in_2020  # hosted in May
    assert frozenset(("org/alpha", "publication/report")) not in in_2020  # issued 2021


def test_a_range_keeps_ties_in_force_at_some_time_in_it(small: Snapshot) -> None:
    found = pairs(affiliation_graph(small, Filters(start="2019", end="2019-12")))
    assert frozenset(("org/alpha", "network/net-two")) in found
    assert frozenset(("org/alpha", "network/net-one")) not in found
    assert frozenset(("person/bob", "event/summit")) not in found


def test_theme_country_type_and_relation_filters(small: Snapshot) -> None:
    themed = affiliation_graph(small, Filters(themes=frozenset({"open-data"})))
    assert iri("network/net-two") not in themed and iri("network/net-one") in themed
    spanish = affiliation_graph(small, Filters(countries=frozenset({"spain"})))
    assert {n for n, k in spanish.nodes(data="mode") if k == "agent"} == \
        {iri("org/beta"), iri("org/gamma")}
    governments = affiliation_graph(small, Filters(org_types=frozenset({"government"})))
    assert iri("org/beta") not in governments and iri("org/gamma") in governments
    hosting = affiliation_graph(small, Filters(relations=frozenset({"hosts"})))
    assert pairs(hosting) == {frozenset(("org/alpha", "event/summit")),
                              frozenset(("org/beta", "event/summit"))}
    partners = affiliation_graph(small, Filters(relations=frozenset({"partnership"})))
    assert pairs(partners) == {frozenset(("org/beta", "org/gamma"))}
    assert "relations=hosts" in hosting.graph["filters"]


class _FilterArguments(TypedDict, total=False):
    as_of: str
    start: str
    end: str
    relations: frozenset[str]
    kinds: frozenset[str]


@pytest.mark.parametrize("arguments, message", [
    ({"as_of": "2017", "start": "2015"}, "either an as-of date"),
    ({"as_of": "last year"}, "is not a date"),
    ({"start": "2019", "end": "2018"}, "ends before it starts"),
    ({"relations": frozenset({"likes"})}, "unknown relation 'likes'"),
    ({"kinds": frozenset({"planet"})}, "unknown kind 'planet'"),
])
def test_bad_filters_say_what_is_wrong(arguments: _FilterArguments, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Filters(**arguments)


def test_names_resolve_by_iri_path_and_label(small: Snapshot) -> None:
    assert small.node_for("org/alpha") == iri("org/alpha")
    assert small.node_for("alpha ministry") == iri("org/alpha")
    assert small.node_for("AM") == iri("org/alpha")
    with pytest.raises(UsageError, match="no entity of the network"):
        small.node_for("org/omega")


def test_curated_data_builds_into_connected_graphs(curated: Snapshot) -> None:
    graph = affiliation_graph(curated)
    kinds = {k for _, k in graph.nodes(data="kind")}
    assert {"org", "network", "person", "event", "publication"} <= kinds
    assert all(d.get("sources") for *_, d in graph.edges(data=True)), "every tie is sourced"
    wpog = graph[iri("org/oecd-wpog")][iri("person/katju-holkeri")]
    assert wpog["relation"] == "chairs" and wpog["subject"] == iri("person/katju-holkeri")
    organisations = build_graph(curated, GraphKind.ORGANISATIONS)
    assert organisations.number_of_nodes() >= 40 and organisations.number_of_edges() > 0
    assert all(k == "org" for _, k in organisations.nodes(data="kind"))
    collaboration = build_graph(curated, GraphKind.COLLABORATION)
    assert collaboration.number_of_edges() > 0
    before = affiliation_graph(curated, Filters(as_of="2010"))
    assert before.number_of_edges() < graph.number_of_edges()
