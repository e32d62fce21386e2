"""Backups of a store, taken while it is in use, and restores from them.

A backup is a directory with a ``manifest.json`` (what was backed up, when, and the size
of every graph) and the data:

- an on-disk Oxigraph store: ``oxigraph/``, a consistent copy made by RocksDB's
  checkpoints (:meth:`pyoxigraph.Store.backup`), fast and cheap (hard links where it can);
- an in-memory or remote store: ``dataset.nq.gz``, a dump in N-Quads (a remote store is
  read graph by graph, so each graph is consistent but writes landing between two graphs
  may be half in; stop writers, or back up the remote server with its own tool, when that
  matters).

The directory appears only when complete (written beside it, then renamed), so a crash or
a full disk never leaves something that looks like a backup.

A restore makes the store hold exactly what the backup holds. On disk it builds the new
store beside the old one, checks every graph's size against the manifest, then swaps the
directories, so the old store stays whole until the new one is there (the store must not
be open elsewhere: stop the server first). A remote store is restored online, graph by
graph, each graph replaced in one Graph Store ``PUT``; graphs the backup does not have
are dropped.

>>> import tempfile, pathlib
>>> from graphkit.stores import OxigraphStore
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with OxigraphStore(root / "store") as store:
...     store.update("INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> 1 } }")
...     backup(store, root / "backup").triples
1
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from graphkit.errors import InputError, StoreError, UsageError
from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, Store, open_store

__all__ = ["BackupKind", "Manifest", "backup", "read_manifest", "restore"]

FORMAT = "graphkit-backup/1"
MANIFEST = "manifest.json"
OXIGRAPH_DIR = "oxigraph"
DUMP = "dataset.nq.gz"
DEFAULT_GRAPH_KEY = ""  # the default graph's key in the manifest's sizes


class BackupKind(str, Enum):
    OXIGRAPH = "oxigraph"
    NQUADS = "nquads"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: its kind, when it was taken, from where, and graph sizes
    (the default graph under ``""``)."""

    kind: BackupKind
    created: float
    source: str
    graphs: dict[str, int]

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "kind": self.kind.value, "created": self.created,
                           "source": self.source, "graphs": self.graphs,
                           "triples": self.triples}, indent=2, sort_keys=True)


def backup(store: Store, directory: Path) -> Manifest:
    """Back ``store`` up into ``directory`` (which must not exist, or be empty)."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory}: already exists and is not an empty directory; "
                         "back up into a new directory")
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.partial-"))
    try:
        if isinstance(store, OxigraphStore) and store.path is not None:
            kind = BackupKind.OXIGRAPH
            store.backup(partial / OXIGRAPH_DIR)
            with _read_only(partial / OXIGRAPH_DIR) as copy:
                graphs = _sizes_of(copy)
        else:
            kind = BackupKind.NQUADS
            with gzip.open(partial / DUMP, "wb", compresslevel=6) as sink:
                # a binary file in all but name (typeshed: not an IO[bytes])
                store.dump(cast(IO[bytes], sink), format=RdfFormat.N_QUADS)
            graphs = _sizes_of_dump(partial / DUMP)
        manifest = Manifest(kind, time.time(), _describe(store), graphs)
        (partial / MANIFEST).write_text(manifest.to_json() + "\n")
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.replace(partial, directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def read_manifest(directory: Path) -> Manifest:
    """The manifest of the backup in ``directory``, checked."""
    path = Path(directory) / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise InputError(f"{directory}: not a graphkit backup (no {MANIFEST})") from error
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read the backup's manifest: {error}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: not a {FORMAT} manifest")
    try:
        manifest = Manifest(BackupKind(data["kind"]), float(data["created"]),
                            str(data["source"]),
                            {str(k): int(v) for k, v in dict(data["graphs"]).items()})
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{path}: the manifest is damaged: {error!r}") from error
    data_path = Path(directory) / (OXIGRAPH_DIR if manifest.kind is BackupKind.OXIGRAPH
                                   else DUMP)
    if not data_path.exists():
        raise InputError(f"{directory}: the backup's data ({data_path.name}) is missing")
    return manifest


def restore(directory: Path, settings: Settings) -> Manifest:
    """Make the store that ``settings`` names hold exactly what the backup holds."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if settings.endpoint:
        with open_store(settings) as store:
            _restore_online(directory, manifest, store)
        return manifest
    if settings.store_path is None:
        raise UsageError("an in-memory store cannot be restored into (it would vanish on "
                         "exit); give --store PATH or --endpoint URL")
    _restore_on_disk(directory, manifest, Path(settings.store_path))
    return manifest


# -- on disk ------------------------------------------------------------------------------
def _restore_on_disk(directory: Path, manifest: Manifest, target: Path) -> None:
    if target.exists():  # fails now, with the reason, when a server holds it open
        OxigraphStore(target).close()
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.parent / f".{target.name}.restoring-{uuid.uuid4().hex[:8]}"
    try:
        if manifest.kind is BackupKind.OXIGRAPH:
            shutil.copytree(directory / OXIGRAPH_DIR, building)
        else:
            with OxigraphStore(building) as fresh:
                fresh.load(directory / DUMP, format=RdfFormat.N_QUADS)
        with OxigraphStore(building) as check:
            _check_sizes(manifest, _sizes_of(check.raw), building)
        replaced = target.parent / f".{target.name}.replaced-{uuid.uuid4().hex[:8]}"
        if target.exists():
            os.replace(target, replaced)
        os.replace(building, target)
        shutil.rmtree(replaced, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


# -- remote -------------------------------------------------------------------------------
def _restore_online(directory: Path, manifest: Manifest, store: Store) -> None:
    by_graph = _graphs_of_backup(directory, manifest)
    if "" in by_graph and not store.capabilities.default_graph:
        raise UsageError(f"the backup has triples in the default graph, which {store!r} "
                         "does not keep (Virtuoso); restore into a store that has one")
    for name, triples in sorted(by_graph.items()):
        # with no output, serialize returns the bytes (the stubs say bytes | None)
        data = cast(bytes, ox.serialize(triples, format=RdfFormat.N_TRIPLES.oxigraph))
        store.load(data, format=RdfFormat.N_TRIPLES, graph=name or None, replace=True)
    for info in store.graphs():
        if (info.name or "") not in by_graph:
            if info.name is None:
                store.update("CLEAR SILENT DEFAULT")
            else:
                store.remove_graph(info.name)
    _check_sizes(manifest, {info.name or "": info.triples for info in store.graphs()},
                 store)


def _graphs_of_backup(directory: Path, manifest: Manifest) -> dict[str, list[ox.Triple]]:
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in _quads_of_backup(directory, manifest):
        graph = quad.graph_name
        key = graph.value if isinstance(graph, ox.NamedNode) else ""
        by_graph.setdefault(key, []).append(quad.triple)
    for name, size in manifest.graphs.items():
        if size == 0:
            by_graph.setdefault(name, [])
    return by_graph


def _quads_of_backup(directory: Path, manifest: Manifest) -> Iterator[ox.Quad]:
    if manifest.kind is BackupKind.OXIGRAPH:
        with _read_only(directory / OXIGRAPH_DIR) as copy:
            yield from copy
        return
    with gzip.open(directory / DUMP, "rb") as stream:
        try:
            # GzipFile is a binary file in all but name (typeshed does not make it an IO[bytes])
            yield from ox.parse(cast(IO[bytes], stream), format=ox.RdfFormat.N_QUADS)
        except SyntaxError as error:
            raise InputError(f"{directory / DUMP}: the backup is damaged: {error}") from error


# -- sizes --------------------------------------------------------------------------------
def _sizes_of(store: ox.Store) -> dict[str, int]:
    """Triples per graph, counted by the engine (the default graph under ``""``)."""
    sizes: dict[str, int] = {}
    for row in cast(ox.QuerySolutions, store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")):
        sizes[row["g"].value] = int(row["n"].value)
    default = next(iter(cast(ox.QuerySolutions,
                             store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))))
    if int(default["n"].value):
        sizes[DEFAULT_GRAPH_KEY] = int(default["n"].value)
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode):
            sizes.setdefault(graph.value, 0)
    return sizes


def _sizes_of_dump(path: Path) -> dict[str, int]:
    sizes: dict[str, int] = {}
    with gzip.open(path, "rb") as stream:
        for quad in ox.parse(cast(IO[bytes], stream), format=ox.RdfFormat.N_QUADS):
            name = quad.graph_name
            key = name.value if isinstance(name, ox.NamedNode) else DEFAULT_GRAPH_KEY
            sizes[key] = sizes.get(key, 0) + 1
    return sizes


def _check_sizes(manifest: Manifest, found: dict[str, int], where: object) -> None:
    expected = {k: v for k, v in manifest.graphs.items() if v}
    got = {k: v for k, v in found.items() if v}
    if expected != got:
        differ = sorted(k for k in expected.keys() | got.keys()
                        if expected.get(k) != got.get(k))
        raise StoreError(f"{where}: the restored graphs differ from the backup's manifest "
                         f"({len(differ)} graphs, e.g. {differ[:3]}); nothing was replaced"
                         if isinstance(where, Path) else
                         f"{where}: after the restore {len(differ)} graphs differ from the "
                         f"backup's manifest, e.g. {differ[:3]}")


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[ox.Store]:
    try:
        store = ox.Store.read_only(str(path))
    except OSError as error:
        raise InputError(f"{path}: cannot open the backed-up store: {error}") from error
    try:
        yield store
    finally:
        del store


def _describe(store: Store) -> str:
    if isinstance(store, OxigraphStore):
        return f"oxigraph:{store.path.resolve()}" if store.path else "oxigraph:memory"
    return repr(store)
