"""``graphkit analyze``: its options, and the command over :mod:`graphkit.analytics.report`.

The heavy modules (networkx, igraph) are imported when the command runs, not when the
command line is parsed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphkit.errors import UsageError
from graphkit.settings import Settings
from graphkit.stores.base import Store

__all__ = ["add_arguments", "run_analyze"]

QUESTIONS = ("summary", "measures", "communities", "path", "ego")
GRAPH_KINDS = ("affiliation", "organisations", "people", "collaboration")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", choices=QUESTIONS, help="what to ask of the network")
    parser.add_argument("entities", nargs="*", metavar="ENTITY",
                        help="path: two entities; ego: one (IRI, org/oecd or a label)")
    parser.add_argument("--graph-kind", default="affiliation", choices=GRAPH_KINDS,
                        help="which network (default affiliation: agents and what they "
                             "belong to)")
    parser.add_argument("--format", default="table", choices=("table", "json", "csv"))
    parser.add_argument("--radius", type=int, default=1, help="ego: steps from the entity")
    parser.add_argument("--sort", default="betweenness", help="measures: sort by this measure")
    parser.add_argument("--limit", type=int, default=None, help="measures: first N rows")
    when = parser.add_argument_group("filters")
    when.add_argument("--as-of", metavar="DATE", help="the network on YYYY[-MM[-DD]]")
    when.add_argument("--start", metavar="DATE", help="ties in force from this date ...")
    when.add_argument("--end", metavar="DATE", help="... to this date")
    for name, meta in (("theme", "SLUG"), ("country", "SLUG"), ("org-type", "SLUG"),
                       ("relation", "KEY"), ("node-kind", "KIND")):
        when.add_argument(f"--{name}", action="append", default=[], metavar=meta,
                          help="repeatable")
    how = parser.add_argument_group("parameters")
    how.add_argument("--seed", type=int, default=42)
    how.add_argument("--resolution", type=float, default=1.0)
    how.add_argument("--method", default="louvain", choices=("louvain", "leiden"))
    how.add_argument("--samples", type=int, default=500,
                     help="betweenness sources sampled on graphs above --exact-limit nodes")
    how.add_argument("--exact-limit", type=int, default=5000)
    out = parser.add_argument_group("output")
    out.add_argument("--write", action="store_true",
                     help="store measures and communities in the analytics named graph")
    out.add_argument("--export", metavar="FORMAT",
                     help="also write the graph (with its measures): gexf, graphml, json, "
                          "cytoscape, nodes.csv or edges.csv; needs --out")
    out.add_argument("--out", type=Path, metavar="FILE", help="file for --export")


def run_analyze(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    """Answer ``args.question``; print it on stdout; write or export when asked."""
    from graphkit.analytics.build import GraphKind
    from graphkit.analytics.export import ExportFormat, with_measures, write_export
    from graphkit.analytics.metrics import CommunityMethod, Options
    from graphkit.analytics.report import Analysis, OutputFormat
    from graphkit.analytics.snapshot import Filters

    wanted = {"path": 2, "ego": 1}.get(args.question, 0)
    if len(args.entities) != wanted:
        raise UsageError(f"analyze {args.question} takes {wanted} "
                         f"entit{'y' if wanted == 1 else 'ies'}, not {len(args.entities)}")
    if bool(args.export) != bool(args.out):
        raise UsageError("--export FORMAT and --out FILE go together")
    fmt = ExportFormat.parse(args.export) if args.export else None
    filters = Filters(as_of=args.as_of, start=args.start, end=args.end,
                      themes=frozenset(args.theme), countries=frozenset(args.country),
                      org_types=frozenset(args.org_type), relations=frozenset(args.relation),
                      kinds=frozenset(args.node_kind))
    options = Options(seed=args.seed, resolution=args.resolution,
                      method=CommunityMethod(args.method), samples=args.samples,
                      exact_limit=args.exact_limit)
    analysis = Analysis.from_store(store, base_iri=settings.base_iri,
                                   kind=GraphKind(args.graph_kind), filters=filters,
                                   options=options)
    if args.question == "summary":
        table = analysis.summary()
    elif args.question == "measures":
        table = analysis.measure_table(sort=args.sort, limit=args.limit)
    elif args.question == "communities":
        table = analysis.community_table()
    elif args.question == "path":
        table = analysis.path_table(*args.entities)
    else:
        table = analysis.ego_table(args.entities[0], radius=args.radius)
    print(table.render(OutputFormat(args.format)))
    if args.write:
        count = analysis.write(store, settings.graph_iri("analytics"))
        print(f"{settings.graph_iri('analytics')}: {count} triples written", file=sys.stderr)
    if fmt is not None:
        graph = analysis.ego(args.entities[0], radius=args.radius) \
            if args.question == "ego" else analysis.graph
        write_export(with_measures(graph, analysis.measures), fmt, args.out)
        print(f"{args.out}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} "
              "edges", file=sys.stderr)
    return 0
