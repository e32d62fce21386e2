"""Exports re-import with networkx without loss: nodes, edges and every attribute."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest

from graphkit.analytics.build import GraphKind, build_graph
from graphkit.analytics.export import (
    ExportFormat,
    export,
    read_csv_tables,
    with_measures,
    write_export,
)
from graphkit.analytics.metrics import measure
from graphkit.analytics.snapshot import Snapshot
from graphkit.errors import UsageError


def written(graph: nx.Graph, fmt: ExportFormat) -> bytes:
    out = io.BytesIO()
    export(graph, fmt, out)
    return out.getvalue()


def same(found: nx.Graph, expected: nx.Graph) -> None:
    assert dict(found.nodes(data=True)) == dict(expected.nodes(data=True))
    assert {frozenset((u, v)): d for u, v, d in found.edges(data=True)} == \
        {frozenset((u, v)): d for u, v, d in expected.edges(data=True)}


def read_back(graph: nx.Graph, fmt: ExportFormat) -> nx.Graph:
    data = written(graph, fmt)
    if fmt is ExportFormat.GEXF:
        found = nx.read_gexf(io.BytesIO(data))
        for _, _, attributes in found.edges(data=True):
            attributes.pop("id", None)  # GEXF's own edge ids
        return found
    if fmt is ExportFormat.GRAPHML:
        return nx.read_graphml(io.BytesIO(data))
    if fmt is ExportFormat.NODE_LINK:
        return nx.node_link_graph(json.loads(data), edges="edges")
    found = nx.cytoscape_graph(json.loads(data))
    for node, attributes in found.nodes(data=True):  # Cytoscape's own id/value/name keys
        for key in ("id", "value", "name"):
            attributes.pop(key, None)
        assert node
    for _, _, attributes in found.edges(data=True):
        attributes.pop("source"), attributes.pop("target")
    return found


@pytest.mark.parametrize("kind", [GraphKind.AFFILIATION, GraphKind.ORGANISATIONS])
@pytest.mark.parametrize("fmt", [ExportFormat.GEXF, ExportFormat.GRAPHML,
                                 ExportFormat.NODE_LINK, ExportFormat.CYTOSCAPE])
def test_exports_re_import_without_loss(curated: Snapshot, kind: GraphKind,
                                        fmt: ExportFormat) -> None:
    graph = with_measures(build_graph(curated, kind), measure(build_graph(curated, kind)))
    same(read_back(graph, fmt), graph)


def test_csv_tables_re_import_without_loss(curated: Snapshot) -> None:
    graph = build_graph(curated)
    graph = with_measures(graph, measure(graph))
    nodes = written(graph, ExportFormat.CSV_NODES).decode()
    edges = written(graph, ExportFormat.CSV_EDGES).decode()
    assert nodes.splitlines()[0].startswith("id,label,kind")
    assert edges.splitlines()[0].startswith("source,target,relation")
    same(read_csv_tables(io.StringIO(nodes), io.StringIO(edges)), graph)


def test_measures_ride_along_and_undefined_ones_are_left_out() -> None:
    graph = nx.Graph()
    graph.add_edge("a", "b", weight=1.0)
    graph.add_node("c", label="alone")
    result = with_measures(graph, measure(graph))
    assert result.nodes["a"]["degree"] == 1 and "community" in result.nodes["a"]
    assert "constraint" not in result.nodes["c"]  # undefined without ties
    assert "degree" not in graph.nodes["a"]  # the original is untouched


def test_a_file_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out" / "network.gexf"
    graph = nx.Graph()
    graph.add_edge("a", "b", bad=object())  # GEXF cannot write this attribute
    with pytest.raises(TypeError):
        write_export(graph, ExportFormat.GEXF, target)
    assert not target.exists() and list(target.parent.iterdir()) == []
    write_export(nx.path_graph(3), ExportFormat.GRAPHML, target)
    assert nx.read_graphml(target).number_of_edges() == 2


def test_format_names() -> None:
    assert ExportFormat.parse("gexf") is ExportFormat.GEXF
    assert ExportFormat.parse("cyjs") is ExportFormat.CYTOSCAPE
    with pytest.raises(UsageError, match="unknown export format 'dot'"):
        ExportFormat.parse("dot")
