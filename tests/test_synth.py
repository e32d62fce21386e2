"""The synthetic graph: size, determinism, shape, and flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pyoxigraph as ox

from graphkit.synth import write_synthetic


def test_about_25_triples_per_organisation_and_parses(tmp_path: Path) -> None:
    path = tmp_path / "s.nt"
    count = write_synthetic(path, orgs=400, seed=3)
    assert 22 * 400 <= count <= 28 * 400
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == count  # every line a distinct triple


def test_seed_changes_the_graph(tmp_path: Path) -> None:
    write_synthetic(tmp_path / "a.nt", orgs=50, seed=1)
    write_synthetic(tmp_path / "b.nt", orgs=50, seed=2)
    assert (tmp_path / "a.nt").read_bytes() != (tmp_path / "b.nt").read_bytes()


def test_shape_matches_the_real_data(tmp_path: Path) -> None:
    path = tmp_path / "s.nq"
    write_synthetic(path, orgs=200, seed=1)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    counts = {row["c"].value.rsplit("#", 1)[-1]: int(row["n"].value) for row in store.query(
        "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
        use_default_graph_as_union=True)}
    assert counts["Organisation"] == 200
    assert counts["Membership"] > 200 and counts["Post"] == 50
    assert counts["Meeting"] == 20 and counts["AgendaItem"] == 40
    assert counts["Commitment"] == 30 and counts["Network"] == 2
    graphs = {g.value for g in store.named_graphs()}
    assert "https://w3id.org/ogkg/graph/source/synthetic-0" in graphs
    # every entity cites a source
    missing = store.query("""
        SELECT ?s WHERE { ?s a ?c FILTER NOT EXISTS {
            ?s <http://www.w3.org/ns/prov#wasDerivedFrom> ?src } }""",
                          use_default_graph_as_union=True)
    assert [row["s"].value for row in missing if "source/" not in row["s"].value] == []


def test_memory_stays_flat(tmp_path: Path) -> None:
    peaks = []
    for orgs in (2_000, 8_000):
        tracemalloc.start()
        write_synthetic(tmp_path / f"{orgs}.nt", orgs=orgs, seed=1)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5  # four times the data, not four times the memory
