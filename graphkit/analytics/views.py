"""What the network explorer shows: a graph and its measures as Cytoscape.js elements,
aggregated to communities when the graph is too big to draw.

Above ``max_nodes`` nodes a view is the graph of its communities: one node per community
(sized by its members, labelled by its leading member) and one edge per pair of
communities with ties between them (weighted by those ties). Filters or an ego view bring
the detail back.

>>> import networkx as nx
>>> from graphkit.analytics.metrics import measure
>>> graph = nx.path_graph(3)
>>> explorer_view(graph, measure(graph))["stats"]["aggregated"]
False
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import igraph as ig
import networkx as nx

from graphkit.analytics.metrics import Measures

__all__ = ["DEFAULT_MAX_NODES", "aggregate", "explorer_view"]

DEFAULT_MAX_NODES = 5_000
#: Node attributes passed to the explorer (with the measures).
NODE_FIELDS = ("label", "kind", "mode", "alt_labels", "themes", "countries", "org_types",
               "start_date", "end_date")
EDGE_FIELDS = ("relation", "subject", "role", "start_date", "end_date", "sources", "weight",
               "family", "via", "shared")


def _clean(value: object) -> object:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def explorer_view(graph: nx.Graph | ig.Graph, measures: Measures, *,
                  max_nodes: int = DEFAULT_MAX_NODES,
                  nodes: Mapping[str, Mapping[str, object]] | None = None) -> dict[str, object]:
    """``graph`` as Cytoscape.js elements with each node's measures, or its communities
    when it has more than ``max_nodes`` nodes. An igraph graph (a compact projection) is
    always aggregated; ``nodes`` then gives the labels and kinds of its vertices."""
    if isinstance(graph, ig.Graph):
        size, ties = graph.vcount(), graph.ecount()
        data = nodes or {}
        kinds = Counter(str(data.get(n, {}).get("kind")) for n in graph.vs["name"])
    else:
        size, ties = graph.number_of_nodes(), graph.number_of_edges()
        kinds = Counter(str(k) for _, k in graph.nodes(data="kind"))
    stats: dict[str, object] = {
        "nodes": size, "edges": ties, "aggregated": False,
        "modularity": round(measures.communities.modularity, 6),
        "betweenness": measures.notes.get("betweenness", ""), "kinds": dict(kinds),
    }
    if size > max_nodes or isinstance(graph, ig.Graph):
        stats["aggregated"] = True
        return {"elements": _elements(aggregate(graph, measures, nodes=nodes), None),
                "stats": stats}
    return {"elements": _elements(graph, measures), "stats": stats}


def _elements(graph: nx.Graph, measures: Measures | None) -> dict[str, list[dict[str, object]]]:
    nodes: list[dict[str, object]] = []
    for node, data in graph.nodes(data=True):
        item: dict[str, object] = {"id": str(node)}
        item.update((k, data[k]) for k in NODE_FIELDS if k in data)
        if measures is not None:
            item.update((k, _clean(v)) for k, v in measures.row(node).items())
        else:
            item.update((k, data[k]) for k in ("size", "community", "members", "composition")
                        if k in data)
        nodes.append({"data": item})
    edges: list[dict[str, object]] = []
    for number, (u, v, data) in enumerate(graph.edges(data=True)):
        item = {"id": f"e{number}", "source": str(u), "target": str(v)}
        item.update((k, _clean(data[k])) for k in EDGE_FIELDS if k in data)
        edges.append({"data": item})
    return {"nodes": nodes, "edges": edges}


def aggregate(graph: nx.Graph | ig.Graph, measures: Measures, *,
              nodes: Mapping[str, Mapping[str, object]] | None = None) -> nx.Graph:
    """The graph of the communities of ``graph``: members and ties between communities.

    For an igraph graph, ``nodes`` gives the label and kind of each vertex name."""
    membership = measures.communities.membership
    rank = measures.values.get("pagerank", {})
    if isinstance(graph, ig.Graph):
        names = graph.vs["name"] if graph.vcount() else []
        data: Mapping[str, Mapping[str, object]] = nodes or {}
        pairs: Iterable[tuple[str, str]] = ((names[a], names[b])
                                           for a, b in graph.get_edgelist())
        kind = ""
    else:
        names, data, pairs = list(graph), graph.nodes, graph.edges()
        kind = graph.graph.get("kind", "")
    groups: dict[int, list[str]] = defaultdict(list)
    for node in names:
        groups[membership[node]].append(node)
    result = nx.Graph(kind=kind, aggregated=True)
    for number, members in groups.items():
        leader = max(members, key=lambda n: (rank.get(n, 0.0), str(n)))
        kinds = Counter(str(data.get(n, {}).get("kind")) for n in members)
        result.add_node(f"community-{number}", community=number, size=len(members),
                        members=len(members), kind="community",
                        label=f"{data.get(leader, {}).get('label', leader)} and "
                              f"{len(members) - 1} more",
                        composition=", ".join(f"{c} {k}" for k, c in kinds.most_common(3)))
    weights: Counter[tuple[int, int]] = Counter()
    for u, v in pairs:
        a, b = membership[u], membership[v]
        if a != b:
            weights[(min(a, b), max(a, b))] += 1
    result.add_edges_from((f"community-{a}", f"community-{b}", {"weight": float(w)})
                          for (a, b), w in weights.items())
    return result
