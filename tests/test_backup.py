"""`graphkit backup` / `graphkit restore`: online, consistent, compared as graphs."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from graphkit.backup import MANIFEST, BackupKind, backup, read_manifest, restore
from graphkit.cli import main
from graphkit.errors import InputError, StoreError, UsageError
from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, Store
from tests.conftest import emptied
from tests.servers import Server

DATA = Path(__file__).parent / "data"
G1 = "https://w3id.org/ogkg/graph/source/test"
G2 = "https://w3id.org/ogkg/graph/contribution/c1"


def _fill(store: Store, *, default: bool = True) -> None:
    store.load(DATA / "small.ttl", format=RdfFormat.TURTLE, graph=G1)
    store.update(f'INSERT DATA {{ GRAPH <{G2}> {{ <http://ex/a> <http://ex/p> "é ü 😀"@fr . '
                 '<http://ex/a> <http://ex/q> 3 } }')
    store.update(f"INSERT {{ GRAPH <{G2}> {{ <http://ex/a> <http://ex/r> _:b . "
                 "_:b <http://ex/s> 'blank' }} WHERE {}")
    if default:
        store.update("INSERT DATA { <http://ex/d> <http://ex/p> <http://ex/o> }")


def _dataset(store: Store) -> dict[str, rdflib.Graph]:
    """Every graph of the store as an rdflib graph (default graph under ""), from a dump."""
    buffer = io.BytesIO()
    store.dump(buffer, format=RdfFormat.N_QUADS)
    dataset = rdflib.Dataset()
    dataset.parse(data=buffer.getvalue().decode(), format="nquads")
    graphs: dict[str, rdflib.Graph] = {}
    for context in dataset.graphs():
        name = "" if context.identifier == DATASET_DEFAULT_GRAPH_ID \
            else str(context.identifier)
        if len(context):
            graphs[name] = rdflib.Graph()
            for triple in context:
                graphs[name].add(triple)
    return graphs


def _same(left: dict[str, rdflib.Graph], right: dict[str, rdflib.Graph]) -> None:
    assert sorted(left) == sorted(right)
    for name, graph in left.items():
        assert isomorphic(graph, right[name]), f"graph {name or 'default'} differs"


def test_backup_and_restore_an_on_disk_store(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        _fill(store)
        before = _dataset(store)
        assert sorted(before) == ["", G2, G1]  # the default graph too
        manifest = backup(store, tmp_path / "backup")
        store.update(f"DROP GRAPH <{G1}> ; INSERT DATA {{ GRAPH <http://ex/new> "
                     "{ <http://ex/x> <http://ex/y> 1 } }")
        assert _dataset(store) != before
    assert manifest.kind is BackupKind.OXIGRAPH and (tmp_path / "backup" / "oxigraph").is_dir()
    assert manifest.graphs == {name: len(graph) for name, graph in before.items()}
    restore(tmp_path / "backup", Settings(store_path=path))
    with OxigraphStore(path) as store:
        _same(_dataset(store), before)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left over


def test_a_backup_taken_during_writes_holds_whole_writes(tmp_path: Path) -> None:
    """Writers insert ten triples per update; the backup sees each update whole or not."""
    with OxigraphStore(tmp_path / "store") as store:
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.is_set() and n < 5000:
                triples = " ".join(f"<http://ex/s{n}> <http://ex/p{i}> {i} ." for i in range(10))
                store.update(f"INSERT DATA {{ GRAPH <http://ex/g{n}> {{ {triples} }} }}")
                n += 1

        writer = threading.Thread(target=write)
        writer.start()
        try:
            manifests = [backup(store, tmp_path / f"backup{i}") for i in range(3)]
        finally:
            stop.set()
            writer.join()
    sizes = [size for manifest in manifests for size in manifest.graphs.values()]
    assert sizes and set(sizes) == {10}
    restored = tmp_path / "restored"
    restore(tmp_path / "backup2", Settings(store_path=restored))
    with OxigraphStore(restored) as store:
        assert {g.triples for g in store.graphs()} == {10}
        assert len(store.graphs()) == len(manifests[2].graphs)


def test_an_in_memory_store_is_backed_up_as_a_dump(tmp_path: Path) -> None:
    with OxigraphStore() as store:
        _fill(store)
        before = _dataset(store)
        manifest = backup(store, tmp_path / "backup")
    assert manifest.kind is BackupKind.NQUADS and (tmp_path / "backup" / "dataset.nq.gz").exists()
    assert read_manifest(tmp_path / "backup") == manifest
    restore(tmp_path / "backup", Settings(store_path=tmp_path / "store"))
    with OxigraphStore(tmp_path / "store") as store:
        _same(_dataset(store), before)


def test_restore_replaces_an_existing_store_and_refuses_memory(tmp_path: Path) -> None:
    with OxigraphStore() as store:
        _fill(store, default=False)
        backup(store, tmp_path / "backup")
    with OxigraphStore(tmp_path / "store") as other:
        other.update("INSERT DATA { GRAPH <http://ex/old> { <http://ex/a> <http://ex/b> 1 } }")
    restore(tmp_path / "backup", Settings(store_path=tmp_path / "store"))
    with OxigraphStore(tmp_path / "store") as store:
        assert {g.name for g in store.graphs()} == {G1, G2}
    with pytest.raises(UsageError, match="in-memory"):
        restore(tmp_path / "backup", Settings(store_path=None))


def test_restore_refuses_a_store_in_use_and_keeps_it(tmp_path: Path) -> None:
    with OxigraphStore() as store:
        _fill(store)
        backup(store, tmp_path / "backup")
    with OxigraphStore(tmp_path / "store") as open_one:
        open_one.update("INSERT DATA { <http://ex/keep> <http://ex/p> 1 }")
        with pytest.raises(StoreError, match="cannot open"):
            restore(tmp_path / "backup", Settings(store_path=tmp_path / "store"))
        assert [g.triples for g in open_one.graphs()] == [1]


def test_bad_backups_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a graphkit backup"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(InputError, match="cannot read the backup's manifest"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "graphkit-backup/1",
                                                  "kind": "nquads", "created": 1,
                                                  "source": "x", "graphs": {}}))
    with pytest.raises(InputError, match="dataset.nq.gz"):
        read_manifest(tmp_path)
    with OxigraphStore() as store, pytest.raises(UsageError, match="not an empty directory"):
        backup(store, tmp_path)


def test_a_damaged_dump_restores_nothing(tmp_path: Path) -> None:
    with OxigraphStore() as store:
        _fill(store)
        backup(store, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    manifest["graphs"][G1] += 1  # the data no longer matches what the manifest promises
    (tmp_path / "backup" / MANIFEST).write_text(json.dumps(manifest))
    with OxigraphStore(tmp_path / "store") as other:
        other.update("INSERT DATA { <http://ex/keep> <http://ex/p> 1 }")
    with pytest.raises(StoreError, match="nothing was replaced"):
        restore(tmp_path / "backup", Settings(store_path=tmp_path / "store"))
    with OxigraphStore(tmp_path / "store") as other:
        assert [g.triples for g in other.graphs()] == [1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_cli_backs_up_and_restores(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    store_path = tmp_path / "store"
    assert main(["load", str(DATA / "small.ttl"), "--graph", G1, "--store", str(store_path)]) == 0
    with OxigraphStore(store_path) as store:
        before = _dataset(store)
    assert main(["backup", str(tmp_path / "b"), "--store", str(store_path)]) == 0
    assert "triples in 1 graphs (oxigraph)" in capsys.readouterr().err
    assert main(["load", str(DATA / "small.ttl"), "--graph", G2, "--store", str(store_path)]) == 0
    assert main(["restore", str(tmp_path / "b"), "--store", str(store_path)]) == 0
    assert "restored" in capsys.readouterr().err
    with OxigraphStore(store_path) as store:
        _same(_dataset(store), before)
    assert main(["backup", str(tmp_path / "b"), "--store", str(store_path)]) == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert main(["restore", str(tmp_path), "--store", str(store_path)]) == 2
    assert "not a graphkit backup" in capsys.readouterr().err


@pytest.mark.server
def test_a_remote_store_is_backed_up_and_restored_online(
        tmp_path: Path, oxigraph_endpoint: Server) -> None:
    with emptied(oxigraph_endpoint.store()) as store:
        _fill(store)
        before = _dataset(store)
        manifest = backup(store, tmp_path / "backup")
        assert manifest.kind is BackupKind.NQUADS
        store.update(f"DROP GRAPH <{G2}> ; INSERT DATA {{ GRAPH <http://ex/new> "
                     "{ <http://ex/x> <http://ex/y> 1 } }")
        settings = Settings(endpoint=oxigraph_endpoint.endpoint,
                            update_endpoint=oxigraph_endpoint.update_endpoint,
                            graph_store_endpoint=oxigraph_endpoint.graph_store_endpoint)
        restore(tmp_path / "backup", settings)
        _same(_dataset(store), before)
