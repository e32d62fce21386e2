"""The synthetic graph: size, determinism, shape, and flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from graphkit.synth import synthetic_triples, write_synthetic
from graphkit.validation import load_shapes, validate


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
    counts = {row["c"].value.rsplit("#", 1)[-1]: int(row["n"].value) for row in cast(
        ox.QuerySolutions, store.query("SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
                                       use_default_graph_as_union=True))}
    assert counts["Organisation"] == 200
    assert counts["Membership"] > 200 and counts["Post"] == 50
    assert counts["Meeting"] == 20 and counts["AgendaItem"] == 40
    assert counts["Commitment"] == 30 and counts["Network"] == 2
    graphs = {g.value for g in store.named_graphs()}
    assert "https://w3id.org/ogkg/graph/source/synthetic-0" in graphs
    # every entity cites a source (the blank nodes are the sources' qualified derivations)
    missing = cast(ox.QuerySolutions, store.query("""
        SELECT ?s WHERE { ?s a ?c FILTER (isIRI(?s)) FILTER NOT EXISTS {
            ?s <http://www.w3.org/ns/prov#wasDerivedFrom> ?src } }""",
                          use_default_graph_as_union=True))
    assert [row["s"].value for row in missing if "source/" not in row["s"].value] == []


def test_memory_stays_flat(tmp_path: Path) -> None:
    peaks = []
    for orgs in (2_000, 8_000):
        tracemalloc.start()
        write_synthetic(tmp_path / f"{orgs}.nt", orgs=orgs, seed=1)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5  # four times the data, not four times the memory


def test_conforms_to_the_shapes_without_any_finding() -> None:
    """Benchmarks validate data shaped like accepted contributions: not one violation or
    warning (tests inject the errors they look for)."""
    lines = "".join(f"{s} {p} {o} .\n" for s, p, o, _g in synthetic_triples(orgs=300, seed=4))
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(lines.encode(), format=ox.RdfFormat.N_TRIPLES)]
    report = validate(triples, engine="sparql", shapes=load_shapes())
    assert [f"{f.focus} {f.path} {f.message}" for f in report.findings][:5] == []
    assert report.conforms


def test_every_kind_carries_its_links(tmp_path: Path) -> None:
    """Organisations with types and countries, memberships with roles and dates, people
    holding posts, events with agenda items, publications with creators, action plans with
    commitments, themes: each entity of a kind has every one of its kind's links."""
    path = tmp_path / "s.nt"
    write_synthetic(path, orgs=200, seed=5)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    prefixes = """PREFIX ogk: <https://w3id.org/ogkg/ns#> PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX schema: <https://schema.org/> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"""
    needs = {  # kind: (how many, the links each one must have)
        "ogk:Organisation": (200, ["org:classification", "ogk:country", "ogk:theme"]),
        "org:Membership": (240, ["org:member", "org:organization", "org:role",
                                 "schema:startDate"]),
        "ogk:Person": (50, ["^org:heldBy"]),
        "org:Post": (50, ["org:postIn", "org:heldBy", "org:role"]),
        "ogk:Meeting": (20, ["ogk:meetingOf", "schema:startDate", "^ogk:agendaItemOf"]),
        "ogk:Publication": (20, ["dcterms:creator", "ogk:theme"]),
        "ogk:ActionPlan": (10, ["^ogk:commitmentIn", "ogk:actionPlanOf"]),
        "ogk:Commitment": (30, ["ogk:commitmentIn", "ogk:committedBy"]),
        "ogk:Network": (2, ["ogk:theme", "^org:organization"]),
    }
    for kind, (count, links) in needs.items():
        found = cast(ox.QuerySolutions,
                     store.query(f"{prefixes}SELECT (COUNT(?s) AS ?n) {{ ?s a {kind} }}"))
        assert int(next(iter(found))["n"].value) == count, kind
        for link in links:
            lacking = cast(ox.QuerySolutions,
                           store.query(f"{prefixes}SELECT ?s {{ ?s a {kind} "
                                       f"FILTER NOT EXISTS {{ ?s {link} ?o }} }} LIMIT 3"))
            assert [row["s"].value for row in lacking] == [], (kind, link)
    themes = cast(ox.QuerySolutions, store.query(
        f"{prefixes}SELECT (COUNT(DISTINCT ?t) AS ?n) {{ ?s ogk:theme ?t }}"))
    assert int(next(iter(themes))["n"].value) >= 10
