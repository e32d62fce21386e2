"""How two entities are connected, as readable steps with the relation and its source.

:func:`path_between` finds a shortest path in a graph made by
:mod:`graphkit.analytics.build` (the affiliation graph reads best: every step is a tie of
the sources) and tells it as a sentence: "Organisation for Economic Co-operation and
Development includes the Public Governance Committee, which includes the Working Party on
Open Government, which Katju Holkeri chairs". Among the shortest paths the one whose
steps have the most preferred relations (:data:`~graphkit.analytics.relations.PRIORITY`)
is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice, pairwise

import networkx as nx

from graphkit.analytics.relations import PRIORITY, RELATIONS
from graphkit.errors import UsageError

__all__ = ["Connection", "Step", "ego_graph", "path_between"]

#: How many shortest paths are compared before one is told.
MAX_CANDIDATES = 500
_PREPOSITIONS = ("at", "of", "to", "for", "in", "on", "with", "by")


@dataclass(frozen=True)
class Step:
    """One step of a path: from ``source`` to ``target`` through ``relation``, whose acting
    end is ``subject``; ``text`` is the step on its own as a sentence."""

    source: str
    target: str
    relation: str
    subject: str
    text: str
    role: str | None
    start_date: str | None
    end_date: str | None
    sources: tuple[str, ...]
    source_labels: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"from": self.source, "to": self.target, "relation": self.relation,
                "subject": self.subject, "text": self.text, "role": self.role,
                "start_date": self.start_date, "end_date": self.end_date,
                "sources": [{"iri": iri, "label": label} for iri, label
                            in zip(self.sources, self.source_labels, strict=True)]}


@dataclass(frozen=True)
class Connection:
    """A path: its nodes, its steps and the whole of it as one sentence."""

    nodes: tuple[str, ...]
    labels: tuple[str, ...]
    steps: tuple[Step, ...]
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"nodes": [{"iri": n, "label": label} for n, label
                          in zip(self.nodes, self.labels, strict=True)],
                "steps": [s.as_dict() for s in self.steps], "text": self.text,
                "length": len(self.steps)}


def path_between(graph: nx.Graph, start: str, end: str, *,
                 labels: dict[str, str] | None = None) -> Connection | None:
    """The best-reading shortest path from ``start`` to ``end`` (node IRIs), or ``None``
    when they are not connected. ``labels`` names what lies outside ``graph`` (source
    documents, the shared contexts of a projection): :meth:`Snapshot.labels`."""
    for node in (start, end):
        if node not in graph:
            raise UsageError(f"{node} is not in the graph (check the filters)")
    if start == end:
        raise UsageError("a path needs two different entities")
    try:
        candidates = list(islice(nx.all_shortest_paths(graph, start, end), MAX_CANDIDATES))
    except nx.NetworkXNoPath:
        return None
    best = min(candidates, key=lambda nodes: (_cost(graph, nodes), nodes))
    return _tell(graph, best, labels or {})


def _first_relation(data: dict[str, object]) -> str:
    return str(data.get("relation", "")).split()[0].lstrip("^") if data.get("relation") else ""


def _cost(graph: nx.Graph, nodes: list[str]) -> int:
    return sum(PRIORITY.get(_first_relation(graph[u][v]), len(PRIORITY))
               for u, v in pairwise(nodes))


def _label(graph: nx.Graph, node: str) -> str:
    return str(graph.nodes[node].get("label") or node.rsplit("/", 1)[-1])


def _tell(graph: nx.Graph, nodes: list[str], labels: dict[str, str]) -> Connection:
    steps: list[Step] = []
    parts: list[str] = []
    for index, (u, v) in enumerate(pairwise(nodes)):
        data = graph[u][v]
        relation = _first_relation(data)
        subject = str(data.get("subject", u))
        here, there = _label(graph, u), _label(graph, v)
        wording = RELATIONS.get(relation) if "subject" in data else None
        if wording is None:  # a projected or collaboration edge: no verb of its own
            through = _through(graph, data, labels)
            alone = f"{here} is tied to {there} through {through}"
            chained = f", which is tied to {there} through {through}"
        elif subject == u:
            alone = f"{here} {wording.active} {there}"
            chained = f", which {wording.active} {there}"
        else:
            alone = f"{here} {wording.passive} {there}"
            chained = (f", which {wording.passive} {there}"
                       if wording.active.endswith(_PREPOSITIONS)
                       else f", which {there} {wording.active}")
        parts.append(alone if index == 0 else chained)
        sources = tuple(str(data.get("sources", "")).split())
        steps.append(Step(
            source=u, target=v, relation=relation, subject=subject, text=alone,
            role=data.get("role"), start_date=data.get("start_date"),
            end_date=data.get("end_date"), sources=sources,
            source_labels=tuple(labels.get(s) or _source_label(graph, s)
                                for s in sources)))
    return Connection(tuple(nodes), tuple(_label(graph, n) for n in nodes), tuple(steps),
                      "".join(parts))


def _through(graph: nx.Graph, data: dict[str, object], labels: dict[str, str]) -> str:
    """What a projected edge goes through: its shared contexts, or its kinds of tie."""
    via = str(data.get("via", "")).split()
    if via:
        names = [_label(graph, v) if v in graph else labels.get(v, v.rsplit("/", 1)[-1])
                 for v in via[:3]]
        more = f" and {len(via) - 3} more" if len(via) > 3 else ""
        return ", ".join(names) + more
    return str(data.get("direct") or data.get("relation") or "a direct tie")


def _source_label(graph: nx.Graph, iri: str) -> str:
    if iri in graph:
        return _label(graph, iri)
    return iri.rsplit("/", 1)[-1]


def ego_graph(graph: nx.Graph, center: str, *, radius: int = 1) -> nx.Graph:
    """The nodes within ``radius`` steps of ``center``, with the ties among them."""
    if center not in graph:
        raise UsageError(f"{center} is not in the graph (check the filters)")
    if not 0 <= radius <= 6:
        raise UsageError(f"the radius is 0 to 6 steps, not {radius}")
    return nx.ego_graph(graph, center, radius=radius)
