"""The big-graph pipeline: from the store to the organisation projection's degree,
PageRank and Louvain communities and the affiliation graph's betweenness, in one call.

Issue 7's target ("building the projections plus degree, PageRank, Louvain and
betweenness (k = 500) together within 30 s" on ``graphkit synth --orgs 40000``) counts
from the store. :func:`run_pipeline` therefore

1. reads the store once (:func:`~graphkit.analytics.snapshot.fetch`);
2. builds the affiliation graph as integer arrays (:mod:`graphkit.analytics.compact`:
   no networkx attribute dictionaries);
3. on a big graph (at least :data:`CONCURRENT_EDGES` edges, two or more cores) starts
   betweenness on the affiliation graph in a second process
   (:mod:`graphkit.analytics.worker`: a plain child process, so nothing of this process,
   its threads or its store is copied), while this process builds the projection
   and computes degree, weighted degree, PageRank and Louvain on it;
4. waits for the betweenness.

The numbers are those of :func:`~graphkit.analytics.metrics.measure` on the networkx
graphs (same vertex and edge order, same seed): betweenness normalised as networkx does,
exact up to ``options.exact_limit`` nodes, else sampled from ``options.samples`` sources.

>>> from graphkit.stores import OxigraphStore
>>> run = run_pipeline(OxigraphStore(), base_iri="https://w3id.org/ogkg/")
>>> run.projection.vcount(), run.concurrent
(0, False)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import igraph as ig

from graphkit.analytics.betweenness import betweenness
from graphkit.analytics.build import GraphKind
from graphkit.analytics.compact import (
    CompactGraph,
    compact_affiliation,
    compact_projection,
)
from graphkit.analytics.metrics import Communities, Options, communities
from graphkit.analytics.snapshot import Filters, Snapshot, fetch
from graphkit.analytics.worker import WorkerError, decode_answer, encode_request
from graphkit.stores.base import Store

__all__ = ["CONCURRENT_EDGES", "NetworkRun", "affiliation_betweenness", "run_pipeline"]

#: From this many affiliation edges on, betweenness runs in a second process.
CONCURRENT_EDGES = 50_000
#: The module the second process runs (``python -m``).
WORKER = "graphkit.analytics.worker"


@dataclass
class NetworkRun:
    """What :func:`run_pipeline` computed; the per-vertex lists follow
    ``projection.vs["name"]`` (degree, weighted degree, PageRank) and
    ``affiliation.names`` (betweenness)."""

    snapshot: Snapshot
    affiliation: CompactGraph
    projection: ig.Graph
    degree: list[int]
    weighted_degree: list[float]
    pagerank: list[float]
    communities: Communities
    betweenness: list[float]
    betweenness_method: str
    #: whether betweenness ran in a second process, and why not when it did not
    concurrent: bool
    concurrency: str
    #: wall seconds of each step, in order (``betweenness`` in the second process is the
    #: time this process waited for it after its own steps)
    seconds: dict[str, float] = field(default_factory=dict)
    #: the second process's peak resident set (MiB), when it ran and could say
    worker_peak_mib: float | None = None

    def betweenness_of(self) -> dict[str, float]:
        """Betweenness by node IRI."""
        return dict(zip(self.affiliation.names, self.betweenness, strict=True))


def affiliation_betweenness(vertices: int, edges: list[tuple[int, int]],
                            options: Options) -> tuple[list[float], str]:
    """Betweenness of the graph of ``vertices`` and ``edges`` (networkx's normalisation,
    sampled with ``options`` above ``options.exact_limit`` vertices) and how it was
    computed. A plain function of plain data, so a second process can run it."""
    return betweenness(ig.Graph(n=vertices, edges=edges), samples=options.samples,
                       seed=options.seed, exact_limit=options.exact_limit)


class _Child:
    """``python -m graphkit.analytics.worker`` computing betweenness beside this process."""

    def __init__(self, process: subprocess.Popen[bytes], writer: threading.Thread,
                 vertices: int) -> None:
        self._process, self._writer, self._vertices = process, writer, vertices

    @classmethod
    def start(cls, vertices: int, edges: list[tuple[int, int]], options: Options) -> _Child:
        request = encode_request(vertices, edges, seed=options.seed, samples=options.samples,
                                 exact_limit=options.exact_limit)
        # the child finds graphkit where this process found it
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        process = subprocess.Popen([sys.executable, "-m", WORKER], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

        def send() -> None:
            assert process.stdin is not None
            try:
                process.stdin.write(request)
                process.stdin.close()
            except BrokenPipeError:
                pass  # the child died; result() reports its exit status and stderr

        writer = threading.Thread(target=send, name="betweenness-request", daemon=True)
        writer.start()
        return cls(process, writer, vertices)

    def result(self) -> tuple[list[float], str, float | None]:
        """The child's answer; :class:`WorkerError` if it failed."""
        self._writer.join()  # the request is written and stdin closed
        self._process.stdin = None  # so communicate() does not flush it again
        answer, errors = self._process.communicate()
        if self._process.returncode != 0:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise WorkerError(f"the betweenness process exited with status "
                              f"{self._process.returncode}: {last[0]}")
        return decode_answer(answer, self._vertices)

    def stop(self) -> None:
        """End the child if it still runs (the parent failed meanwhile), and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._writer.join()


def _concurrency(affiliation: CompactGraph, workers: int | None) -> tuple[bool, str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    if workers is not None:
        return workers > 1, f"{workers} process{'es' if workers > 1 else ''} as asked"
    if cores < 2:
        return False, "one core only"
    if len(affiliation.edges) < CONCURRENT_EDGES:
        return False, f"below {CONCURRENT_EDGES:,} edges a second process does not pay"
    return True, f"{len(affiliation.edges):,} edges on {cores} cores"


def run_pipeline(store: Store, *, base_iri: str, options: Options | None = None,
                 filters: Filters | None = None,
                 kind: GraphKind = GraphKind.ORGANISATIONS,
                 workers: int | None = None,
                 on_step: Callable[[str], None] | None = None) -> NetworkRun:
    """Read ``store`` and compute the measures of issue 7's target (see the module).

    ``workers``: 1 runs everything here, 2 puts betweenness in a second process; by
    default the second process is used on big graphs with two or more cores.
    ``on_step`` is called with each step's name as it ends (``fetch``, ``affiliation
    graph``, ``projection``, ``degree + weighted degree``, ``PageRank``, ``communities``,
    ``betweenness``), for benchmarks that measure each step of one run.
    """
    options = options or Options()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        if on_step is not None:
            on_step(name)
        clock = time.perf_counter()

    snapshot = fetch(store, base_iri=base_iri)
    lap("fetch")
    affiliation = compact_affiliation(snapshot, filters)
    lap("affiliation graph")
    concurrent, why = _concurrency(affiliation, workers)
    vertices = len(affiliation.names)
    if concurrent:
        try:
            child = _Child.start(vertices, affiliation.edges, options)
        except OSError as error:  # no second process to be had (a process limit)
            child, concurrent, why = None, False, f"no second process ({error})"
    else:
        child = None
    try:
        projection, degree, strength, rank, found = _projection_measures(
            affiliation, kind, options, lap)
        between: list[float] | None = None
        peak: float | None = None
        if child is not None:
            try:
                between, method, peak = child.result()
            except WorkerError as error:  # killed (out of memory?): compute it here
                concurrent, why = False, f"second process failed ({error}); computed here"
        if between is None:
            between, method = affiliation_betweenness(vertices, affiliation.edges, options)
    finally:
        if child is not None:
            child.stop()
    lap("betweenness")
    return NetworkRun(snapshot, affiliation, projection, degree, strength, rank, found,
                      between, method, concurrent, why, seconds, peak)


def _projection_measures(
        affiliation: CompactGraph, kind: GraphKind, options: Options,
        lap: Callable[[str], None],
) -> tuple[ig.Graph, list[int], list[float], list[float], Communities]:
    projection = compact_projection(affiliation, kind)
    lap("projection")
    n = projection.vcount()
    # the weights by attribute name: igraph reads them in C (no list of millions of floats)
    weights = "weight" if projection.ecount() else None
    degree = projection.degree()
    strength = projection.strength(weights=weights) if n else []
    lap("degree + weighted degree")
    rank = projection.pagerank(weights=weights, damping=0.85, implementation="arpack") \
        if n else []
    lap("PageRank")
    found = communities(projection, options)
    lap("communities")
    return projection, degree, strength, rank, found
