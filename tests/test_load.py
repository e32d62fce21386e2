"""Loading files and keeping the store in step with the project's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphkit.errors import InputError, RdfSyntaxError
from graphkit.load import load_files, project_graphs, sync_project
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore

DATA = Path(__file__).parent / "data"
TTL = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/ogkg/id/org/{slug}> rdfs:label "{label}"@en .
"""


def project(root: Path) -> Settings:
    for folder in ("ontology/schemes", "shapes", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "ontology" / "ogk.ttl").write_text(TTL.format(slug="o", label="Ontology"))
    (root / "ontology" / "schemes" / "themes.ttl").write_text(TTL.format(slug="t", label="T"))
    (root / "shapes" / "core.ttl").write_text(TTL.format(slug="s", label="Shapes"))
    (root / "data" / "first.ttl").write_text(TTL.format(slug="a", label="A"))
    (root / "data" / "second.ttl").write_text(TTL.format(slug="b", label="B"))
    return Settings(store_path=None, project_root=root)


def sizes(store: OxigraphStore) -> dict[str | None, int]:
    return {g.name: g.triples for g in store.graphs()}


def test_project_files_map_to_named_graphs(tmp_path: Path) -> None:
    settings = project(tmp_path)
    plan = project_graphs(settings)
    assert set(plan) == {settings.graph_iri(n) for n in (
        "ontology", "schemes", "shapes", "source/first", "source/second")}


def test_sync_reloads_only_what_changed(tmp_path: Path) -> None:
    settings = project(tmp_path)
    store = OxigraphStore()
    first = sync_project(store, settings)
    assert len(first.loaded) == 5 and not first.unchanged
    again = sync_project(store, settings)
    assert not again.loaded and len(again.unchanged) == 5
    (tmp_path / "data" / "first.ttl").write_text(TTL.format(slug="a", label="A, renamed"))
    (tmp_path / "data" / "second.ttl").unlink()
    third = sync_project(store, settings)
    assert third.loaded == [settings.graph_iri("source/first")]
    assert third.removed == [settings.graph_iri("source/second")]
    labels = [r["l"].value for r in store.query(
        "SELECT ?l WHERE { <https://w3id.org/ogkg/id/org/a> ?p ?l }").rows()]
    assert labels == ["A, renamed"]  # replaced, not added to
    assert settings.graph_iri("source/second") not in sizes(store)


def test_sync_checks_every_changed_file_before_writing(tmp_path: Path) -> None:
    settings = project(tmp_path)
    store = OxigraphStore()
    sync_project(store, settings)
    before = sizes(store)
    (tmp_path / "data" / "first.ttl").write_text(TTL.format(slug="a", label="A2"))
    (tmp_path / "data" / "second.ttl").write_text("<broken")
    with pytest.raises(RdfSyntaxError) as caught:
        sync_project(store, settings)
    assert caught.value.file and caught.value.file.endswith("second.ttl")
    assert caught.value.line == 1
    assert sizes(store) == before


def test_sync_survives_reopen(tmp_path: Path) -> None:
    settings = project(tmp_path / "project")
    with OxigraphStore(tmp_path / "store") as store:
        sync_project(store, settings)
    with OxigraphStore(tmp_path / "store") as store:
        report = sync_project(store, settings)
    assert not report.loaded and len(report.unchanged) == 5


def test_load_files_is_all_or_nothing(tmp_path: Path) -> None:
    store = OxigraphStore()
    with pytest.raises(RdfSyntaxError):
        load_files(store, [DATA / "small.ttl", DATA / "broken.nt"])
    assert sizes(store) == {}
    with pytest.raises(InputError):
        load_files(store, [DATA / "small.ttl", tmp_path / "missing.ttl"])
    assert sizes(store) == {}
    load_files(store, [DATA / "small.ttl"], graph="https://example.org/g")
    assert sizes(store) == {"https://example.org/g": 4}


def test_load_reports_progress_for_a_stream(tmp_path: Path) -> None:
    seen: list[int] = []
    store = OxigraphStore()
    store.load(DATA / "small.ttl", format=__import__("graphkit").RdfFormat.TURTLE,
               graph="https://example.org/g", progress=seen.append)
    assert sum(seen) == (DATA / "small.ttl").stat().st_size
