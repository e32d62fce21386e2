"""Results back into the graph: measures and communities in the ``analytics`` named graph.

The vocabulary is ``https://w3id.org/ogkg/analytics#`` (prefix ``oga:``, documented in
``docs/analytics.md`` and described inside the graph itself); provenance is PROV-O
(https://www.w3.org/TR/prov-o/): the run is an ``oga:Analysis`` (a ``prov:Activity``) with
its start and end times, the named graphs it read (``prov:used``), the software
(``prov:wasAssociatedWith``) and its parameters; every result ``prov:wasGeneratedBy`` it.

One writing replaces the whole analytics graph, atomically: it holds the latest run.

Ask it, for example, for the ten most central networks::

    PREFIX oga: <https://w3id.org/ogkg/analytics#>
    SELECT ?network ?betweenness WHERE {
      ?result oga:node ?network ; oga:betweenness ?betweenness .
      ?network a <https://w3id.org/ogkg/ns#Network> .
    } ORDER BY DESC(?betweenness) LIMIT 10
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import cast

import pyoxigraph as ox

from graphkit.analytics.metrics import Measures, Summary
from graphkit.formats import RdfFormat
from graphkit.namespaces import PREFIXES
from graphkit.stores.base import Store

__all__ = ["OGA", "Run", "analytics_triples", "write_results"]

OGA = "https://w3id.org/ogkg/analytics#"
PROV = PREFIXES["prov"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]

#: Per-node measures: attribute name → (oga: local name, datatype, description).
NODE_TERMS = {
    "degree": ("degree", "integer", "Number of ties."),
    "weighted_degree": ("weightedDegree", "double", "Sum of the weights of the ties."),
    "betweenness": ("betweenness", "double",
                    "Normalised betweenness centrality (see oga:betweennessMethod)."),
    "closeness": ("closeness", "double", "Wasserman-Faust closeness centrality."),
    "harmonic": ("harmonic", "double", "Harmonic centrality: sum of 1/distance."),
    "eigenvector": ("eigenvector", "double",
                    "Eigenvector centrality within the node's connected component."),
    "pagerank": ("pagerank", "double", "PageRank (damping 0.85)."),
    "constraint": ("constraint", "double", "Burt's constraint."),
    "effective_size": ("effectiveSize", "double", "Burt's effective size."),
    "core": ("coreNumber", "integer", "k-core number."),
}
RUN_TERMS = {
    "networkKind": "Which graph was measured: affiliation, organisations, people or "
                   "collaboration.",
    "filters": "The filters the graph was built with (name=value pairs).",
    "seed": "Seed of the random choices (community detection, sampling).",
    "resolution": "Resolution of the community detection.",
    "communityMethod": "louvain or leiden.",
    "betweennessMethod": "exact, or sampled with the number of sources and the seed.",
    "samples": "Sources sampled for betweenness on large graphs.",
    "modularity": "Modularity of the communities found.",
    "nodeCount": "Nodes of the graph measured.", "edgeCount": "Edges of the graph measured.",
    "density": "Density of the graph.", "components": "Connected components.",
    "averageClustering": "Average local clustering coefficient.",
    "transitivity": "Global clustering coefficient.",
    "diameter": "Diameter of the largest component (see oga:diameterMethod).",
    "diameterMethod": "exact, or a double-sweep lower bound.",
}


@dataclass(frozen=True)
class Run:
    """What was measured and when: the graph kind, its filters and the times."""

    kind: str
    filters: str
    started: datetime
    ended: datetime


def _version() -> str:
    try:
        return metadata.version("opengov-kg")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))


def _literal(value: object, datatype: str | None = None) -> str:
    if isinstance(value, bool):
        return str(ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean")))
    if datatype is None:
        datatype = "integer" if isinstance(value, int) else \
            "double" if isinstance(value, float) else "string"
    if datatype == "integer":
        text = str(int(cast(float, value)))  # a number (an int, or a float measure)
    elif datatype == "double":
        text = repr(float(cast(float, value)))
    elif datatype == "dateTime":
        text = value.isoformat() if isinstance(value, datetime) else str(value)
    else:
        text = str(value)
    return str(ox.Literal(text, datatype=ox.NamedNode(XSD + datatype)))


def analytics_triples(graph_iri: str, measures: Measures, figures: Summary, run: Run,
                      used: list[str]) -> list[str]:
    """The analytics graph as N-Triples lines."""
    activity = f"{graph_iri}#run"
    software = f"{graph_iri}#graphkit"  # graphkit itself, a prov:SoftwareAgent
    lines: list[str] = []

    def add(subject: str, predicate: str, obj: str) -> None:
        lines.append(f"{_iri(subject)} {_iri(predicate)} {obj} .")

    _describe_vocabulary(add)
    add(activity, RDF + "type", _iri(OGA + "Analysis"))
    add(activity, RDF + "type", _iri(PROV + "Activity"))
    add(activity, RDFS + "label", _literal(f"Network analysis of the {run.kind} graph"))
    add(activity, PROV + "startedAtTime", _literal(run.started, "dateTime"))
    add(activity, PROV + "endedAtTime", _literal(run.ended, "dateTime"))
    add(activity, PROV + "wasAssociatedWith", _iri(software))
    add(software, RDF + "type", _iri(PROV + "SoftwareAgent"))
    add(software, RDFS + "label", _literal(f"graphkit {_version()}"))
    for name in used:
        add(activity, PROV + "used", _iri(name))
    options = measures.options
    for key, value in (("networkKind", run.kind), ("filters", run.filters),
                       ("seed", options.seed), ("resolution", float(options.resolution)),
                       ("communityMethod", options.method.value),
                       ("betweennessMethod", measures.notes.get("betweenness", "")),
                       ("samples", options.samples),
                       ("modularity", float(measures.communities.modularity))):
        add(activity, OGA + key, _literal(value))
    for key, value in (("nodeCount", figures.nodes), ("edgeCount", figures.edges),
                       ("density", float(figures.density)), ("components", figures.components),
                       ("averageClustering", float(figures.average_clustering)),
                       ("transitivity", float(figures.transitivity)),
                       ("diameter", figures.diameter),
                       ("diameterMethod", figures.diameter_method)):
        add(activity, OGA + key, _literal(value))
    sizes = Counter(measures.communities.membership.values())
    for number, size in sorted(sizes.items()):
        community = f"{graph_iri}#community-{number}"
        add(community, RDF + "type", _iri(OGA + "Community"))
        add(community, RDFS + "label", _literal(f"Community {number}"))
        add(community, OGA + "size", _literal(size))
        add(community, PROV + "wasGeneratedBy", _iri(activity))
    cut = set(figures.articulation_points)
    for index, node in enumerate(sorted(measures.values["degree"], key=str)):
        result = f"{graph_iri}#node-{index}"
        add(result, RDF + "type", _iri(OGA + "NodeMeasures"))
        add(result, OGA + "node", _iri(str(node)))
        add(result, PROV + "wasGeneratedBy", _iri(activity))
        for name, (local, datatype, _) in NODE_TERMS.items():
            measure = measures.values[name].get(node)
            if measure is not None and not math.isnan(measure):
                add(result, OGA + local, _literal(measure, datatype))
        member_of = measures.communities.membership.get(node)
        if member_of is not None:
            add(result, OGA + "community", _iri(f"{graph_iri}#community-{member_of}"))
        add(result, OGA + "articulationPoint", _literal(node in cut))
    return lines


def _describe_vocabulary(emit: Callable[[str, str, str], None]) -> None:
    """Labels and comments of the oga: terms, so the graph explains itself."""
    for local, label, comment in (
            ("Analysis", "analysis", "A run of graphkit analyze --write (a prov:Activity)."),
            ("NodeMeasures", "node measures", "The measures of one node in one analysis."),
            ("Community", "community", "A community found by an analysis.")):
        emit(OGA + local, RDF + "type", _iri(PREFIXES["owl"] + "Class"))
        emit(OGA + local, RDFS + "label", _literal(label))
        emit(OGA + local, RDFS + "comment", _literal(comment))
    emit(OGA + "Analysis", RDFS + "subClassOf", _iri(PROV + "Activity"))
    terms = {local: comment for local, _, comment in NODE_TERMS.values()}
    terms.update(RUN_TERMS)
    terms.update({"node": "The entity measured.", "community": "The node's community.",
                  "size": "Members of a community.",
                  "articulationPoint": "Whether removing the node disconnects its component."})
    for local, comment in terms.items():
        emit(OGA + local, RDF + "type", _iri(RDF + "Property"))
        emit(OGA + local, RDFS + "comment", _literal(comment))


def write_results(store: Store, graph_iri: str, measures: Measures, figures: Summary, *,
                  kind: str, filters: str, started: datetime) -> int:
    """Replace the analytics graph with these results; returns the number of triples."""
    used = sorted(info.name for info in store.graphs()
                  if info.name is not None and info.name != graph_iri)
    run = Run(kind, filters, started, datetime.now(UTC))
    lines = analytics_triples(graph_iri, measures, figures, run, used)
    store.load(("\n".join(lines) + "\n").encode(), format=RdfFormat.N_TRIPLES,
               graph=graph_iri, replace=True)
    return len(lines)
