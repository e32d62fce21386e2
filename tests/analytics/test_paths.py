"""Paths as readable steps, on the curated data and the fixture."""

from __future__ import annotations

from typing import cast

import pytest

from graphkit.analytics.build import GraphKind, affiliation_graph, build_graph
from graphkit.analytics.paths import ego_graph, path_between
from graphkit.analytics.snapshot import Filters, Snapshot
from graphkit.errors import UsageError
from tests.analytics.conftest import iri

AGENDA = "https://w3id.org/ogkg/id/source/oecd-wpog-7th-meeting-draft-agenda"


def test_the_path_from_the_oecd_to_the_chair_of_its_working_party(curated: Snapshot) -> None:
    graph = affiliation_graph(curated, Filters(relations=frozenset({"structure", "chairs"})))
    found = path_between(graph, iri("org/oecd"), iri("person/katju-holkeri"),
                         labels=curated.labels())
    assert found is not None
    assert found.text == ("Organisation for Economic Co-operation and Development includes "
                          "OECD Public Governance Committee, which includes OECD Working "
                          "Party on Open Government, which Katju Holkeri chairs")
    last = found.steps[-1]
    assert (last.relation, last.subject, last.role) == ("chairs", iri("person/katju-holkeri"),
                                                        "chair")
    assert last.text == "OECD Working Party on Open Government is chaired by Katju Holkeri"
    assert AGENDA in last.sources
    assert "Working Party on Open Government" in last.source_labels[0]
    nodes = cast(list[dict[str, str]], found.as_dict()["nodes"])
    assert next(s["label"] for s in nodes).startswith("Organisation")


def test_every_step_of_a_curated_path_names_its_relation_and_source(curated: Snapshot) -> None:
    graph = affiliation_graph(curated)
    found = path_between(graph, iri("org/oecd"), iri("person/katju-holkeri"),
                         labels=curated.labels())
    assert found is not None and len(found.steps) == 2
    first, _second = found.steps
    assert first.text == ("Organisation for Economic Co-operation and Development presents "
                          "at Item 1. Opening remarks")
    assert found.text == first.text + ", which has as a speaker Katju Holkeri"
    assert all(step.sources and step.relation for step in found.steps)


def test_unconnected_entities_have_no_path(small: Snapshot) -> None:
    graph = affiliation_graph(small, Filters(relations=frozenset({"hosts"})))
    graph.add_node(iri("person/ann"), label="Ann Example")
    assert path_between(graph, iri("org/alpha"), iri("person/ann")) is None


def test_path_in_a_projection_is_told_plainly(small: Snapshot) -> None:
    graph = build_graph(small, GraphKind.ORGANISATIONS)
    found = path_between(graph, iri("org/alpha"), iri("org/gamma"), labels=small.labels())
    assert found is not None
    assert found.text == "Alpha Ministry is tied to Gamma Agency through Network Two"


def test_bad_path_requests(small: Snapshot) -> None:
    graph = affiliation_graph(small)
    with pytest.raises(UsageError, match="not in the graph"):
        path_between(graph, iri("org/alpha"), iri("org/omega"))
    with pytest.raises(UsageError, match="two different"):
        path_between(graph, iri("org/alpha"), iri("org/alpha"))


def test_ego_graph_grows_with_the_radius(small: Snapshot) -> None:
    graph = affiliation_graph(small)
    one = ego_graph(graph, iri("org/beta"), radius=1)
    two = ego_graph(graph, iri("org/beta"), radius=2)
    assert set(one) == {iri("org/beta"), iri("network/net-one"), iri("event/summit"),
                        iri("org/gamma")}
    assert set(one) < set(two) and iri("person/ann") in two
    with pytest.raises(UsageError, match="radius"):
        ego_graph(graph, iri("org/beta"), radius=9)
