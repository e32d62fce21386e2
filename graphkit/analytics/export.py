"""Writing a network out: GEXF (Gephi), GraphML, node-link JSON, Cytoscape JSON, and CSV
node and edge tables, every node and edge attribute kept.

Attributes are strings and numbers only (:mod:`graphkit.analytics.build` keeps them so),
so each format carries them whole and networkx reads them back as written: GEXF and
GraphML with their declared types, JSON as JSON, CSV as text (:func:`read_csv_tables`
turns the numeric columns back into numbers).

>>> import io, networkx as nx
>>> out = io.BytesIO()
>>> export(nx.path_graph(2), ExportFormat.NODE_LINK, out)
>>> b'"edges"' in out.getvalue()
True
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Hashable, Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import IO, Any

import networkx as nx

from graphkit.analytics.metrics import Measures
from graphkit.errors import UsageError

__all__ = ["ExportFormat", "export", "read_csv_tables", "with_measures", "write_export"]

#: Columns of the CSV tables that hold numbers.
NUMERIC = frozenset({"weight", "shared", "bipartite", "degree", "weighted_degree",
                     "betweenness", "closeness", "harmonic", "eigenvector", "pagerank",
                     "constraint", "effective_size", "core", "community"})


class ExportFormat(str, Enum):
    GEXF = "gexf"
    GRAPHML = "graphml"
    NODE_LINK = "json"
    CYTOSCAPE = "cytoscape"
    CSV_NODES = "nodes.csv"
    CSV_EDGES = "edges.csv"

    @property
    def media_type(self) -> str:
        return {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml",
                "json": "application/json", "cytoscape": "application/json",
                "nodes.csv": "text/csv", "edges.csv": "text/csv"}[self.value]

    @property
    def suffix(self) -> str:
        return {"json": ".json", "cytoscape": ".cyjs"}.get(self.value, "." + self.value)

    @classmethod
    def parse(cls, name: str) -> ExportFormat:
        for member in cls:
            if name in (member.value, member.name.lower(), member.suffix.lstrip(".")):
                return member
        raise UsageError(f"unknown export format {name!r}; use one of "
                         + ", ".join(m.value for m in cls))


def with_measures(graph: nx.Graph, measures: Measures) -> nx.Graph:
    """A copy of ``graph`` whose nodes also carry every measure and their community
    (undefined values, such as the constraint of a node without ties, left out)."""
    result = graph.copy()
    for node in result:
        for name, value in measures.row(node).items():
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                result.nodes[node][name] = value
    result.graph["modularity"] = measures.communities.modularity
    return result


def export(graph: nx.Graph, fmt: ExportFormat, out: IO[bytes]) -> None:
    """Write ``graph`` to the binary stream ``out`` in ``fmt``."""
    if fmt is ExportFormat.GEXF:
        nx.write_gexf(_plain(graph), out)
    elif fmt is ExportFormat.GRAPHML:
        nx.write_graphml(_plain(graph), out)
    elif fmt is ExportFormat.NODE_LINK:
        out.write(json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False,
                             allow_nan=False).encode())
    elif fmt is ExportFormat.CYTOSCAPE:
        out.write(json.dumps(nx.cytoscape_data(graph), ensure_ascii=False,
                             allow_nan=False).encode())
    else:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        try:
            if fmt is ExportFormat.CSV_NODES:
                _write_table(text, "id", ((n, d) for n, d in graph.nodes(data=True)))
            else:
                _write_table(text, "source", (((u, v), d) for u, v, d in
                                              graph.edges(data=True)), second="target")
        finally:
            text.flush()
            text.detach()


def _plain(graph: nx.Graph) -> nx.Graph:
    """GEXF and GraphML take graph attributes of plain types only."""
    result = graph.copy()
    result.graph = {k: v for k, v in graph.graph.items() if isinstance(v, str | int | float)}
    return result


def _write_table(text: IO[str], first: str, rows: Iterable[tuple[Any, Mapping[str, object]]], *,
                 second: str | None = None) -> None:
    rows = list(rows)
    columns: list[str] = []
    for _, data in rows:
        columns.extend(c for c in data if c not in columns)
    header = [first, second, *columns] if second else [first, *columns]
    writer = csv.writer(text)
    writer.writerow(header)
    for key, data in rows:
        ends = list(key) if second else [key]
        writer.writerow([*ends, *("" if data.get(c) is None else data[c] for c in columns)])


def write_export(graph: nx.Graph, fmt: ExportFormat, path: Path) -> None:
    """Write ``graph`` to ``path``; the file appears only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".network-")
    try:
        with os.fdopen(handle, "wb") as out:
            export(graph, fmt, out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_csv_tables(nodes: IO[str], edges: IO[str]) -> nx.Graph:
    """The graph of a CSV node table and edge table (as :func:`export` writes them)."""
    graph = nx.Graph()
    for row in csv.DictReader(nodes):
        node = row.pop("id")
        graph.add_node(node, **_typed(row))
    for row in csv.DictReader(edges):
        source, target = row.pop("source"), row.pop("target")
        graph.add_edge(source, target, **_typed(row))
    return graph


def _typed(row: dict[str, str]) -> dict[str, Hashable]:
    data: dict[str, Hashable] = {}
    for name, value in row.items():
        if value == "":
            continue
        if name in NUMERIC:
            number = float(value)
            data[name] = int(number) if number.is_integer() and "." not in value else number
        else:
            data[name] = value
    return data
