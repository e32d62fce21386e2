"""The answers of ``graphkit analyze`` and ``/api/network/...``: summary, measures,
communities, path and ego network as tables, rendered as text, JSON or CSV.

:class:`Analysis` reads the store once (:func:`~graphkit.analytics.snapshot.fetch`),
builds the graph asked for, and answers each question as a :class:`Table`.

>>> from graphkit.stores import OxigraphStore
>>> Analysis.from_store(OxigraphStore(), base_iri="https://w3id.org/ogkg/").summary().rows[0]
['nodes', '0']
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from functools import cached_property

import networkx as nx

from graphkit.analytics.build import (
    PROJECTED,
    GraphKind,
    Weighting,
    affiliation_graph,
    collaboration_graph,
    project,
    project_compact,
)
from graphkit.analytics.metrics import (
    MEASURES,
    Measures,
    Options,
    Summary,
    measure,
    summary,
)
from graphkit.analytics.paths import Connection, ego_graph, path_between
from graphkit.analytics.snapshot import Filters, Snapshot, fetch
from graphkit.analytics.views import explorer_view
from graphkit.analytics.write import write_results
from graphkit.errors import UsageError
from graphkit.stores.base import Store
from graphkit.tables import format_table

__all__ = ["Analysis", "OutputFormat", "Table"]


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@dataclass
class Table:
    """Columns and rows of plain values, plus what a reader should know (``notes``)."""

    columns: list[str]
    rows: list[list[object]]
    notes: dict[str, object] = field(default_factory=dict)

    def records(self) -> list[dict[str, object]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def render(self, fmt: OutputFormat) -> str:
        if fmt is OutputFormat.JSON:
            return json.dumps({"columns": self.columns, "rows": self.records(),
                               "notes": self.notes}, ensure_ascii=False, indent=1)
        if fmt is OutputFormat.CSV:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(self.columns)
            writer.writerows([_cell(v) for v in row] for row in self.rows)
            return out.getvalue()
        text = format_table(self.columns, ([_cell(v) for v in row] for row in self.rows))
        notes = "".join(f"\n{k}: {v}" for k, v in self.notes.items())
        return text + notes


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


@dataclass
class Analysis:
    """One graph of the store, built once, asked several questions."""

    snapshot: Snapshot
    kind: GraphKind = GraphKind.AFFILIATION
    filters: Filters = field(default_factory=Filters)
    options: Options = field(default_factory=Options)
    weighting: Weighting = Weighting.COUNT
    #: when the analysis began (the start of its provenance record)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: for callers that share one analysis between threads (the HTTP API's cache): its
    #: graphs and measures are computed when first asked, once under this lock
    lock: threading.RLock = field(default_factory=threading.RLock, compare=False,
                                  repr=False)
    _views: dict[int, dict[str, object] | None] = field(default_factory=dict, init=False,
                                                        compare=False, repr=False)

    @classmethod
    def from_store(cls, store: Store, *, base_iri: str, kind: GraphKind = GraphKind.AFFILIATION,
                   filters: Filters | None = None, options: Options | None = None,
                   weighting: Weighting = Weighting.COUNT) -> Analysis:
        return cls(fetch(store, base_iri=base_iri), kind, filters or Filters(),
                   options or Options(), weighting)

    @cached_property
    def affiliation(self) -> nx.Graph:
        return affiliation_graph(self.snapshot, self.filters)

    @cached_property
    def graph(self) -> nx.Graph:
        if self.kind is GraphKind.AFFILIATION:
            return self.affiliation
        if self.kind is GraphKind.COLLABORATION:
            return collaboration_graph(self.affiliation)
        return project(self.affiliation, self.kind, weighting=self.weighting)

    def compact_view(self, max_nodes: int) -> dict[str, object] | None:
        """The communities of a projection too big to draw, found on igraph's compact
        projection without building the networkx one (``None`` if it is small enough);
        kept per ``max_nodes``."""
        if max_nodes not in self._views:
            self._views[max_nodes] = self._compact_view(max_nodes)
        return self._views[max_nodes]

    def _compact_view(self, max_nodes: int) -> dict[str, object] | None:
        if self.kind not in PROJECTED:
            return None
        keep = PROJECTED[self.kind]
        if sum(1 for _, k in self.affiliation.nodes(data="kind") if k in keep) <= max_nodes:
            return None
        compact = project_compact(self.affiliation, self.kind)
        light = measure(compact, self.options, include=("degree", "pagerank"))
        return explorer_view(compact, light, max_nodes=max_nodes, nodes=self.affiliation.nodes)

    @cached_property
    def measures(self) -> Measures:
        return measure(self.graph, self.options)

    @cached_property
    def light_measures(self) -> Measures:
        """Degree, PageRank and communities only: what a view of a big graph needs."""
        return measure(self.graph, self.options,
                       include=("degree", "weighted_degree", "pagerank", "core"))

    def view_measures(self, max_nodes: int) -> Measures:
        """Every measure for a graph the explorer can draw, the light ones above that."""
        return self.measures if self.graph.number_of_nodes() <= max_nodes \
            else self.light_measures

    @cached_property
    def figures(self) -> Summary:
        return summary(self.graph, self.options)

    def _label(self, node: str) -> str:
        return str(self.graph.nodes[node].get("label", node))

    def summary(self) -> Table:
        figures = self.figures.figures()
        rows: list[list[object]] = [[k, str(v)] for k, v in figures.items()]
        return Table(["figure", "value"], rows,
                     {"graph": self.kind.value, "filters": self.filters.describe()})

    def measure_table(self, *, sort: str = "betweenness", limit: int | None = None,
                      kinds: frozenset[str] = frozenset()) -> Table:
        if sort not in MEASURES:
            raise UsageError(f"cannot sort by {sort!r}; use one of {', '.join(MEASURES)}")
        rows = []
        for node, data in self.graph.nodes(data=True):
            if kinds and data.get("kind") not in kinds:
                continue
            rows.append([node, data.get("label"), data.get("kind"),
                         *self.measures.row(node).values()])
        position = 3 + MEASURES.index(sort)
        ascending = sort in ("constraint", "community")
        rows.sort(key=lambda r: (r[position] is None,
                                 (r[position] or 0) * (1 if ascending else -1), r[0]))
        notes: dict[str, object] = dict(self.measures.notes)
        notes.update(graph=self.kind.value, sorted_by=sort, **self.options.describe())
        return Table(["node", "label", "kind", *MEASURES], rows[:limit], notes)

    def community_table(self, *, members: int = 5) -> Table:
        found = self.measures.communities
        rank = self.measures.values["pagerank"]
        rows: list[list[object]] = []
        for number, group in enumerate(found.groups()):
            leading = sorted(group, key=lambda n: (-rank.get(n, 0.0), str(n)))[:members]
            rows.append([number, len(group), "; ".join(self._label(str(n)) for n in leading)])
        return Table(["community", "size", "leading members"], rows,
                     {"modularity": round(found.modularity, 6), "method": found.method.value,
                      "resolution": found.resolution, "seed": found.seed})

    def path(self, start: str, end: str) -> Connection | None:
        return path_between(self.graph, self.snapshot.node_for(start),
                            self.snapshot.node_for(end), labels=self.snapshot.labels())

    def path_table(self, start: str, end: str) -> Table:
        found = self.path(start, end)
        columns = ["step", "tie", "relation", "role", "period", "sources"]
        if found is None:
            return Table(columns, [],
                         {"path": "no path: the two are not connected in this graph"})
        rows: list[list[object]] = [
            [number, s.text, s.relation, s.role,
             "–".join(d for d in (s.start_date, s.end_date) if d) if s.start_date != s.end_date
             else s.start_date, "; ".join(s.source_labels)]
            for number, s in enumerate(found.steps, 1)]
        return Table(columns, rows, {"path": found.text})

    def ego(self, center: str, *, radius: int = 1) -> nx.Graph:
        return ego_graph(self.graph, self.snapshot.node_for(center), radius=radius)

    def ego_table(self, center: str, *, radius: int = 1) -> Table:
        node = self.snapshot.node_for(center)
        ego = self.ego(center, radius=radius)
        distance = nx.single_source_shortest_path_length(ego, node)
        rows: list[list[object]] = sorted(
            ([n, d.get("label"), d.get("kind"), distance[n], ego.degree(n)]
             for n, d in ego.nodes(data=True)), key=lambda r: (r[3], str(r[1])))
        return Table(["node", "label", "kind", "distance", "ties"], rows,
                     {"center": node, "radius": radius, "nodes": ego.number_of_nodes(),
                      "edges": ego.number_of_edges()})

    def write(self, store: Store, graph_iri: str) -> int:
        """Store the measures and communities in ``graph_iri`` (with provenance)."""
        measures, figures = self.measures, self.figures
        return write_results(store, graph_iri, measures, figures, kind=self.kind.value,
                             filters=self.filters.describe(), started=self.started)
