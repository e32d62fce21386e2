"""The big-graph path: the store read from Oxigraph's indexes, the affiliation graph and
projection as arrays, and the one-call pipeline give what the networkx path gives (same
snapshot, same vertices and edges in the same order, same seeded measures)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

import igraph as ig
import pytest

from graphkit.analytics import pipeline, snapshot
from graphkit.analytics.build import GraphKind, affiliation_graph, project_compact
from graphkit.analytics.compact import compact_affiliation, compact_projection
from graphkit.analytics.metrics import Options, communities, measure, to_igraph
from graphkit.analytics.pipeline import run_pipeline
from graphkit.analytics.snapshot import Filters, Snapshot, fetch
from graphkit.analytics.worker import WorkerError, decode_answer, encode_request, main
from graphkit.errors import UsageError
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
from graphkit.synth import write_synthetic
from tests.analytics.conftest import BASE, fixture_store
from tests.service.curated import curated_store

SAMPLED = Options(seed=7, samples=20, exact_limit=50)


def synthetic_store(tmp_path: Path, *, orgs: int = 300, quads: bool = False) -> OxigraphStore:
    """``graphkit synth`` data; as N-Quads every statement sits in its source's graph."""
    path = tmp_path / f"synth-{orgs}.{'nq' if quads else 'nt'}"
    write_synthetic(path, orgs=orgs, seed=1)
    store = OxigraphStore()
    if quads:
        store.load(path, format=RdfFormat.N_QUADS)
    else:
        store.load(path, format=RdfFormat.N_TRIPLES, graph=BASE + "graph/source/synth")
    return store


class _BySparql(snapshot._Reader):
    """The reader with the index shortcut off: every row by SPARQL."""

    def __init__(self, store: OxigraphStore, page_size: int | None = None) -> None:
        super().__init__(store, page_size)
        self.raw = None


def by_sparql(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    with monkeypatch.context() as patch:
        patch.setattr(snapshot, "_Reader", _BySparql)
        return fetch(store, base_iri=BASE)


def assert_same_snapshot(one: Snapshot, other: Snapshot) -> None:
    assert list(one.nodes) == list(other.nodes) and one.nodes == other.nodes
    assert one.ties == other.ties  # same ties, same order (the edge order follows it)
    assert list(one.source_labels.items()) == list(other.source_labels.items())


@pytest.mark.parametrize("quads", [False, True], ids=["one graph", "graph per source"])
def test_reading_the_indexes_gives_the_sparql_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quads: bool) -> None:
    store = synthetic_store(tmp_path, quads=quads)
    fast = fetch(store, base_iri=BASE)
    assert len(fast.ties) > 500 and any(t.sources for t in fast.ties)
    assert_same_snapshot(fast, by_sparql(store, monkeypatch))


def test_the_same_triples_in_several_graphs_read_alike(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "synth.nt"
    write_synthetic(path, orgs=60, seed=3)
    store = OxigraphStore()
    for graph in ("graph/source/a", "graph/source/b"):
        store.load(path, format=RdfFormat.N_TRIPLES, graph=BASE + graph)
    store.load(path, format=RdfFormat.N_TRIPLES)  # and the default graph
    fast = fetch(store, base_iri=BASE)
    assert {len(t.sources) for t in fast.ties if t.relation == "convenes"} >= {2}
    assert_same_snapshot(fast, by_sparql(store, monkeypatch))


def test_curated_data_reads_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    store = curated_store()
    assert_same_snapshot(fetch(store, base_iri=BASE), by_sparql(store, monkeypatch))


@pytest.mark.parametrize("filters", [
    Filters(), Filters(as_of="2019"), Filters(relations=frozenset({"memberOf", "chairs"})),
    Filters(kinds=frozenset({"org", "network"})),
], ids=["all", "as of 2019", "two relations", "two kinds"])
def test_arrays_are_the_networkx_graphs_edge_for_edge(tmp_path: Path,
                                                      filters: Filters) -> None:
    taken = fetch(synthetic_store(tmp_path), base_iri=BASE)
    networkx_form = affiliation_graph(taken, filters)
    compact = compact_affiliation(taken, filters)
    reference = to_igraph(networkx_form)
    built = compact.to_igraph()
    assert built.vs["name"] == reference.vs["name"] and built.vcount() > 0
    assert built.get_edgelist() == reference.get_edgelist()
    assert built.es["weight"] == reference.es["weight"]
    assert compact.kinds == [networkx_form.nodes[n]["kind"] for n in compact.names]
    old, new = cast(ig.Graph, project_compact(networkx_form)), compact_projection(compact)
    assert new.vs["name"] == old.vs["name"]
    assert new.get_edgelist() == old.get_edgelist() and new.es["weight"] == old.es["weight"]


def test_people_projection_and_bad_kinds(small: Snapshot) -> None:
    compact = compact_affiliation(small)
    people = compact_projection(compact, GraphKind.PEOPLE)
    assert people.vs["name"] == cast(ig.Graph, project_compact(affiliation_graph(small),
                                                             GraphKind.PEOPLE)).vs["name"]
    with pytest.raises(UsageError, match="onto organisations or people"):
        compact_projection(compact, GraphKind.AFFILIATION)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_pipeline_gives_the_measures_of_the_networkx_path(tmp_path: Path,
                                                              workers: int) -> None:
    store = synthetic_store(tmp_path)
    steps: list[str] = []
    run = run_pipeline(store, base_iri=BASE, options=SAMPLED, workers=workers,
                       on_step=steps.append)
    assert run.concurrent is (workers == 2)
    assert (run.worker_peak_mib is not None) is (workers == 2)
    assert steps == ["fetch", "affiliation graph", "projection", "degree + weighted degree",
                     "PageRank", "communities", "betweenness"] == list(run.seconds)
    networkx_form = affiliation_graph(fetch(store, base_iri=BASE))
    reference = measure(networkx_form, SAMPLED, include=("betweenness",))
    assert run.betweenness_of() == reference.values["betweenness"]  # exactly
    assert run.betweenness_method == reference.notes["betweenness"] \
        == "sampled from 20 sources, seed 7"
    projected = project_compact(networkx_form)
    assert run.communities.membership == communities(projected, SAMPLED).membership
    light = measure(projected, SAMPLED, include=("degree", "weighted_degree", "pagerank"))
    names = run.projection.vs["name"]
    assert dict(zip(names, run.degree, strict=True)) == light.values["degree"]
    assert dict(zip(names, run.weighted_degree, strict=True)) == light.values["weighted_degree"]
    assert dict(zip(names, run.pagerank, strict=True)) == pytest.approx(light.values["pagerank"])


def test_the_pipeline_on_an_empty_store_and_by_default() -> None:
    run = run_pipeline(OxigraphStore(), base_iri=BASE)
    assert run.projection.vcount() == 0 and run.betweenness == [] and not run.concurrent
    run = run_pipeline(fixture_store(), base_iri=BASE)
    assert not run.concurrent and "does not pay" in run.concurrency
    assert run.betweenness_method == "exact" and len(run.communities.membership) == 3


def test_without_a_second_process_betweenness_is_computed_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise OSError("process limit reached")

    monkeypatch.setattr(pipeline._Child, "start", refuse)
    run = run_pipeline(fixture_store(), base_iri=BASE, workers=2)
    assert not run.concurrent and "process limit reached" in run.concurrency
    alone = run_pipeline(fixture_store(), base_iri=BASE, workers=1)
    assert run.betweenness == alone.betweenness and max(run.betweenness) > 0


def test_a_failing_second_process_is_replaced_by_computing_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "WORKER", "graphkit.analytics.no_such_worker")
    run = run_pipeline(fixture_store(), base_iri=BASE, workers=2)
    assert not run.concurrent and run.worker_peak_mib is None
    assert "exited with status 1" in run.concurrency and "no_such_worker" in run.concurrency
    assert run.betweenness == run_pipeline(fixture_store(), base_iri=BASE,
                                           workers=1).betweenness


def test_the_worker_protocol_round_trip() -> None:
    request = encode_request(4, [(0, 1), (1, 2), (2, 3)], seed=1, samples=2, exact_limit=10)
    out = io.BytesIO()
    assert main(io.BytesIO(request), out) == 0
    values, method, peak = decode_answer(out.getvalue(), 4)
    assert method == "exact" and values == pytest.approx([0.0, 2 / 3, 2 / 3, 0.0])
    assert peak is None or peak > 0
    with pytest.raises(WorkerError, match="expected 32"):
        decode_answer(out.getvalue()[:10], 4)
    with pytest.raises(WorkerError, match="ended 8 bytes early"):
        main(io.BytesIO(request[:-8]), io.BytesIO())
