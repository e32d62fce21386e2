"""Validation inside the store (issue 4): the compiled SPARQL engine against pySHACL.

- Full validation of ``graphkit synth --orgs 40000`` (≈1 M triples) with all shapes,
  rules included: the SPARQL engine ≥ 20× faster than pySHACL on the same data and shapes,
  with identical findings; peak memory stated.  pySHACL parses and runs a SHACL-SPARQL
  query once per focus node, so the rules carry SPARQL-based targets that select the nodes
  they can report (``shapes/rules.ttl``, "Targets"), and the synthetic graph conforms to
  the shapes.  By default pySHACL runs on ``--small`` (100 organisations) and the SPARQL
  engine on both sizes; ``--pyshacl-large`` runs pySHACL at the large size too, in a child
  process stopped after ``--pyshacl-cap`` seconds (default 3600): then its time is stated
  as "more than" the cap and the ratio as a lower bound.  ``--large 200000`` (≈5 M
  triples) runs the compiled engine there (pySHACL only with ``--pyshacl-large``).
- Validating a 1,000-triple contribution against the ≈1 M-triple store (incremental:
  only the touched context is read): < 0.5 s at the median, and the same findings about
  the contribution as a full validation of store + contribution.

Each engine runs in its own process (``--child``), so that its peak memory (``ru_maxrss``:
loading the data and validating it) is its own.

Run: ``python -m bench.validation [--small 100] [--large 40000] [--repeat 3]
[--pyshacl-large [--pyshacl-cap 3600]]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph as ox

from bench.common import (
    PROJECT,
    Timing,
    synthetic_file,
    table,
    triples_in,
    verdict,
    write_section,
)

if TYPE_CHECKING:
    from graphkit.validation import Shapes

SOURCE_GRAPH = ox.NamedNode("https://w3id.org/ogkg/graph/source/synthetic")
VOCABULARY_GRAPH = ox.NamedNode("https://w3id.org/ogkg/graph/ontology")


# ----------------------------------------------------------------------------- children

def _store(orgs: int, shapes: Shapes) -> ox.Store:
    """The synthetic graph and the vocabulary in an in-memory store, as the project lays
    them out (one source graph, the ontology and schemes beside it)."""
    store = ox.Store()
    store.bulk_load(path=str(synthetic_file(orgs)), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=SOURCE_GRAPH)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, VOCABULARY_GRAPH)
                 for t in shapes.vocabulary_triples)
    return store


def _digest(keys: set[tuple[str, str | None, str, str]]) -> str:
    text = "\n".join(repr(k) for k in sorted(keys, key=repr))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_sparql(orgs: int, repeat: int) -> dict[str, object]:
    from graphkit.validation import load_shapes
    from graphkit.validation.compile import compile_shapes
    from graphkit.validation.engine import validate_store

    shapes = load_shapes()
    start = time.perf_counter()
    store = _store(orgs, shapes)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    compile_shapes(shapes.shape_triples)
    compiled = time.perf_counter() - start
    seconds, keys = [], set()
    for _ in range(repeat):
        start = time.perf_counter()
        report = validate_store(store, shapes)
        seconds.append(time.perf_counter() - start)
        keys = report.keys()
    return {"seconds": seconds, "load": loaded, "compile": compiled, "triples": len(store),
            "findings": len(keys), "digest": _digest(keys), "peak_mib": _peak_mib()}


def child_pyshacl(orgs: int, repeat: int) -> dict[str, object]:
    from graphkit.validation import load_shapes
    from graphkit.validation.oracle import run_pyshacl, to_rdflib

    shapes = load_shapes()
    start = time.perf_counter()
    store = _store(orgs, shapes)
    graph = to_rdflib(store)
    loaded = time.perf_counter() - start
    del store
    seconds, keys = [], set()
    for _ in range(repeat):
        start = time.perf_counter()
        report = run_pyshacl(graph, shapes)
        seconds.append(time.perf_counter() - start)
        keys = report.keys()
    return {"seconds": seconds, "load": loaded, "triples": len(graph), "findings": len(keys),
            "digest": _digest(keys), "peak_mib": _peak_mib()}


def child_contribution(orgs: int, repeat: int) -> dict[str, object]:
    """Incremental validation of a ≈1,000-triple contribution against the big store."""
    from graphkit.validation import load_shapes
    from graphkit.validation.engine import validate_contribution, validate_store

    shapes = load_shapes()
    store = _store(orgs, shapes)
    contribution = _contribution()
    seconds, read, keys = [], 0, set()
    validate_contribution(contribution, store, shapes)  # compile once, outside the timing
    for _ in range(repeat):
        start = time.perf_counter()
        report, context = validate_contribution(contribution, store, shapes)
        seconds.append(time.perf_counter() - start)
        read, keys = len(context.triples), report.keys()
    focus = {f"_:{n.value}" if isinstance(n, ox.BlankNode) else getattr(n, "value", "")
             for n in context.focus}
    graph = ox.NamedNode("https://w3id.org/ogkg/graph/contribution/bench")
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in contribution)
    start = time.perf_counter()
    full = {f.key() for f in validate_store(store, shapes).findings if f.focus in focus}
    full_seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": len(store), "contribution": len(contribution),
            "read": read, "findings": len(keys), "same": keys == full,
            "full_seconds": full_seconds, "peak_mib": _peak_mib()}


def _contribution() -> list[ox.Triple]:
    """≈1,000 triples of new entities (a renamed synthetic graph of 40 organisations) that
    point into the store: its networks, sources and places."""
    from graphkit.synth import synthetic_triples

    def renamed(text: str) -> str:
        if "/synthetic-" in text and not any(k in text for k in ("/network/", "/source/",
                                                                  "/place/")):
            return text.replace("/synthetic-", "/contribution-")
        return text

    lines = "".join(f"{renamed(s)} {p} {renamed(o)} .\n"
                    for s, p, o, _g in synthetic_triples(orgs=40, seed=7))
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(lines.encode(), format=ox.RdfFormat.N_TRIPLES)]


CHILDREN = {"sparql": child_sparql, "pyshacl": child_pyshacl, "contribution": child_contribution}


def _run_child(kind: str, orgs: int, repeat: int, *, cap: float | None = None
               ) -> dict[str, Any]:
    """Run one child; with ``cap`` seconds, a child still running then is stopped and the
    result says ``capped`` (its time is more than ``cap``)."""
    command = [sys.executable, "-m", "bench.validation", "--child", kind, str(orgs), str(repeat)]
    print("  ", " ".join(command[1:]), flush=True)
    try:
        done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=PROJECT,
                              timeout=cap)
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child
        return {"capped": cap}
    return cast("dict[str, Any]", json.loads(done.stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pyshacl-repeat", type=int, default=1)
    parser.add_argument("--pyshacl-large", action="store_true",
                        help="run pySHACL at the large size too (minutes to an hour)")
    parser.add_argument("--pyshacl-cap", type=float, default=3600.0, metavar="SECONDS",
                        help="stop pySHACL at the large size after this many seconds")
    parser.add_argument("--no-contribution", action="store_true",
                        help="leave out the contribution (its target is stated at ≈1 M "
                             "triples; at ≈5 M the suite saves the time)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "ORGS", "REPEAT"))
    args = parser.parse_args(argv)
    if args.child:
        kind, orgs, repeat = args.child
        print(json.dumps(CHILDREN[kind](int(orgs), int(repeat))))
        return

    for orgs in (args.small, args.large):
        synthetic_file(orgs)
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    # the compiled engine at both sizes and the contribution first, then pySHACL (slow)
    runs[("sparql", args.small)] = _run_child("sparql", args.small, args.repeat)
    runs[("sparql", args.large)] = _run_child("sparql", args.large, args.repeat)
    incremental = None if args.no_contribution else \
        _run_child("contribution", args.large, max(args.repeat * 3, 9))
    runs[("pyshacl", args.small)] = _run_child("pyshacl", args.small, args.pyshacl_repeat)
    if args.pyshacl_large:
        runs[("pyshacl", args.large)] = _run_child("pyshacl", args.large, args.pyshacl_repeat,
                                                   cap=args.pyshacl_cap * args.pyshacl_repeat)
    _write(args, runs, incremental)


def _write(args: argparse.Namespace, runs: dict[tuple[str, int], dict[str, Any]],
           incremental: dict[str, Any] | None) -> None:
    rows = []
    for (engine, orgs), run in runs.items():
        name = "compiled SPARQL (Oxigraph)" if engine == "sparql" else "pySHACL"
        size = triples_in(synthetic_file(orgs))
        if "capped" in run:
            rows.append([name, f"{orgs:,} orgs ({size:,} data triples)",
                         f"more than {float(run['capped']):,.0f} (stopped)", "–", "0",
                         "–", "–", "–"])
            continue
        timing = Timing(engine, list(run["seconds"]))
        rows.append([name, f"{orgs:,} orgs, {run['triples']:,} triples ({size:,} data)",
                     f"{timing.median:.2f}", timing.spread, str(len(timing.seconds)),
                     f"{run['findings']:,}", str(run["digest"]), f"{run['peak_mib']:,.0f}"])
    body = [("All shapes (`shapes/*.ttl` without `dcat.ttl`, rules included) over the "
            "synthetic graph plus the vocabulary (ontology and schemes), in one in-memory "
            "store per engine process. The synthetic graph conforms to the shapes (no "
            "violation, no warning: tests inject the errors they look for), so each engine "
            "must check everything and find nothing. Times are validation only (loading "
            "excluded); peak memory is the process's maximum resident set (loading and "
            "validating).\n"),
            table(["engine", "data", "median s", "min–max s", "runs", "findings",
                   "findings digest", "peak MiB"], rows), ""]
    for orgs in (args.large, args.small):
        fast, slow = runs.get(("sparql", orgs)), runs.get(("pyshacl", orgs))
        if fast is None or slow is None:
            continue
        fast_s = statistics.median(fast["seconds"])
        if "capped" in slow:
            bound = float(slow["capped"]) / args.pyshacl_repeat / fast_s
            body.append(f"**Speed-up at {orgs:,} organisations ({fast['triples']:,} triples): "
                        f"more than {bound:.0f}× (a lower bound: pySHACL was stopped after "
                        f"{float(slow['capped']):,.0f} s) — "
                        f"{verdict(bound, 20, at_most=False)}; findings not compared "
                        f"(pySHACL did not finish).**\n")
            continue
        ratio = statistics.median(slow["seconds"]) / fast_s
        same = fast["digest"] == slow["digest"]
        body.append(f"**Speed-up at {orgs:,} organisations ({fast['triples']:,} triples), "
                    f"both engines measured: {ratio:.1f}× — {verdict(ratio, 20, at_most=False)}; "
                    f"findings {'identical' if same else 'DIFFERENT'} "
                    f"({fast['findings']:,} keys, digest {fast['digest']}).**\n")
    if ("pyshacl", args.large) not in runs:
        big = runs[("sparql", args.large)]
        small = runs[("pyshacl", args.small)]
        per_triple = statistics.median(small["seconds"]) / int(small["triples"])
        estimate = per_triple * int(big["triples"]) / 60
        body.append(f"pySHACL was not run at {args.large:,} organisations (`--pyshacl-large` "
                    f"runs it): scaled linearly from its {args.small:,}-organisation time it "
                    f"would need about {estimate:.0f} min there (an extrapolation, not a "
                    f"measurement). The compiled engine validates {big['triples']:,} triples "
                    f"in {statistics.median(big['seconds']):.1f} s "
                    f"with a peak of {big['peak_mib']:,.0f} MiB (loading included).")
    body.append(_contribution_paragraph(incremental))
    command = (f"python -m bench.validation --small {args.small} --large {args.large} "
               f"--repeat {args.repeat} --pyshacl-repeat {args.pyshacl_repeat}"
               + (" --no-contribution" if args.no_contribution else "")
               + (f" --pyshacl-large --pyshacl-cap {args.pyshacl_cap:g}"
                  if args.pyshacl_large else ""))
    # the long pySHACL comparison at the large size is a section of its own, which the
    # suite's shorter validation runs (pySHACL at the small size only) leave in place
    name, title = (("41-validation-pyshacl-large",
                    "Validation: pySHACL at the large size (issue 4)")
                   if args.pyshacl_large else
                   ("40-validation", "Validation inside the store (issue 4)"))
    write_section(name, title, command, "\n".join(body))


def _contribution_paragraph(incremental: dict[str, Any] | None) -> str:
    """The paragraph about validating a contribution incrementally."""
    if incremental is None:
        return ("\nThe contribution was not measured in this run (`--no-contribution`): "
                "its target is stated against ≈1 M triples (`--large 40000`).")
    inc = Timing("incremental", list(incremental["seconds"]))
    return (
        f"\n**Contribution of {incremental['contribution']:,} triples against a store of "
        f"{incremental['triples']:,} triples (incremental): median {inc.median:.3f} s "
        f"(min–max {inc.spread}, {len(inc.seconds)} runs) — "
        f"{'meets' if inc.median < 0.5 else 'MISSES'} (< 0.5 s).** It read "
        f"{incremental['read']:,} triples of context from the store; its "
        f"{incremental['findings']:,} findings about the contribution are "
        f"{'the same as' if incremental['same'] else 'NOT the same as'} those of a full "
        f"validation of store + contribution ({float(incremental['full_seconds']):.1f} s) "
        f"restricted to the contribution's nodes. Peak memory of that process: "
        f"{incremental['peak_mib']:,.0f} MiB.")


if __name__ == "__main__":
    main()
