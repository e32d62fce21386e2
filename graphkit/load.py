"""Loading RDF files into a store, and keeping the store in step with the project's files.

:func:`load_files` loads files all-or-nothing; :func:`sync_project` loads ``ontology/``,
``shapes/`` and ``data/`` into their named graphs, reloading only the files whose content
changed since the last sync (their SHA-256 is kept in the ``meta`` graph).
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from graphkit.errors import InputError
from graphkit.formats import RdfFormat, is_gzip_path
from graphkit.nesting import check_file
from graphkit.settings import Settings
from graphkit.stores.base import Store
from graphkit.stores.oxigraph import _rdf_syntax_error

__all__ = ["SyncReport", "check_syntax", "load_files", "project_graphs",
           "sync_project"]

SPDX = "http://spdx.org/rdf/terms#"
DCTERMS = "http://purl.org/dc/terms/"
PROGRESS_MIN_BYTES = 8 * 1024 * 1024


def check_syntax(path: Path, format: RdfFormat) -> None:
    """Parse ``path`` completely, raising :class:`RdfSyntaxError` at the first error (or
    where JSON-LD or RDF/XML nests deeper than the parser can go, :mod:`graphkit.nesting`)."""
    check_file(path, format)
    opener = gzip.open if is_gzip_path(path) else open
    with opener(path, "rb") as stream:
        try:
            # GzipFile is a binary file in all but name (typeshed does not make it an IO[bytes])
            for _ in ox.parse(cast(IO[bytes], stream), format.oxigraph):
                pass
        except SyntaxError as error:
            raise _rdf_syntax_error(error, str(path)) from error


def load_files(store: Store, paths: Sequence[Path], *, graph: str | None = None,
               format: RdfFormat | None = None, replace: bool = False,
               show_progress: bool = False) -> None:
    """Load files into ``store``: each one atomically, and none at all if any is unreadable.

    With more than one file every file is parsed once before the first is loaded, so a
    syntax error in the last file leaves the store as it was.
    """
    if replace and len(paths) > 1 and graph is not None:
        raise InputError("--replace with several files would keep only the last; "
                         "concatenate them or load them without --replace")
    formats = []
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        formats.append(format or RdfFormat.from_path(path))
    if len(paths) > 1:  # (a single file: the store's load refuses a crashing nesting itself)
        for path, fmt in zip(paths, formats, strict=True):
            check_syntax(path, fmt)
    for path, fmt in zip(paths, formats, strict=True):
        with _progress_bar(path, show_progress) as progress:
            store.load(path, format=fmt, graph=graph, replace=replace, progress=progress)


class _progress_bar:
    """A tqdm bar on stderr for a large file, when stderr is a terminal."""

    def __init__(self, path: Path, enabled: bool) -> None:
        size = path.stat().st_size
        self._bar = None
        if enabled and size >= PROGRESS_MIN_BYTES and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=size, unit="B", unit_scale=True, desc=path.name,
                             file=sys.stderr, leave=False)

    def __enter__(self) -> Callable[[int], None] | None:
        return self._bar.update if self._bar is not None else None

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


@dataclass
class SyncReport:
    """What :func:`sync_project` did, graph IRI by graph IRI."""

    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def project_graphs(settings: Settings) -> dict[str, list[Path]]:
    """Which project files go into which named graph.

    ``ontology/*.ttl`` → ``graph/ontology``, ``ontology/schemes/*.ttl`` → ``graph/schemes``,
    ``shapes/*.ttl`` → ``graph/shapes``, ``data/<name>.ttl`` → ``graph/source/<name>``.
    """
    root = settings.project_root
    plan: dict[str, list[Path]] = {}
    for folder, name in (("ontology", "ontology"), ("ontology/schemes", "schemes"),
                         ("shapes", "shapes")):
        files = sorted((root / folder).glob("*.ttl"))
        if files:
            plan[settings.graph_iri(name)] = files
    for path in sorted((root / "data").glob("*.ttl")):
        plan[settings.graph_iri(f"source/{path.stem}")] = [path]
    return plan


def _fingerprint(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _recorded_fingerprints(store: Store, meta: str) -> dict[str, str]:
    result = store.query(
        f"SELECT ?g ?v WHERE {{ GRAPH <{meta}> {{ ?g <{SPDX}checksum> ?c . "
        f"?c <{SPDX}checksumValue> ?v }} }}")
    # ?g names a graph, ?v is a literal: neither is a quoted triple
    return {cast(ox.NamedNode, row["g"]).value: cast(ox.Literal, row["v"]).value
            for row in result.rows()}


def sync_project(store: Store, settings: Settings) -> SyncReport:
    """Bring the store in step with ``ontology/``, ``shapes/`` and ``data/``.

    A graph is reloaded (atomically replaced) only when its files changed; graphs of
    files that are gone are removed. Every file is parsed before anything is written.
    """
    meta = settings.graph_iri("meta")
    plan = project_graphs(settings)
    recorded = _recorded_fingerprints(store, meta)
    wanted = {graph: _fingerprint(files) for graph, files in plan.items()}
    changed = [g for g, fp in wanted.items() if recorded.get(g) != fp]
    for graph in changed:
        for path in plan[graph]:
            check_syntax(path, RdfFormat.from_path(path))
    report = SyncReport()
    for graph in plan:
        if graph not in changed:
            report.unchanged.append(graph)
            continue
        files = plan[graph]
        store.load(files[0], format=RdfFormat.from_path(files[0]), graph=graph, replace=True)
        for path in files[1:]:
            store.load(path, format=RdfFormat.from_path(path), graph=graph)
        _record(store, meta, graph, wanted[graph], files, settings.project_root)
        report.loaded.append(graph)
    prefix = settings.graph_iri("")
    for graph in recorded:
        if graph not in plan and graph.startswith(prefix):
            store.remove_graph(graph)
            store.update(f"DELETE WHERE {{ GRAPH <{meta}> {{ <{graph}> ?p ?o }} }} ;\n"
                         f"DELETE WHERE {{ GRAPH <{meta}> {{ <{graph}#sha256> ?p ?o }} }}")
            report.removed.append(graph)
    return report


def _record(store: Store, meta: str, graph: str, fingerprint: str, files: Sequence[Path],
            root: Path) -> None:
    checksum = f"{graph}#sha256"
    sources = " ".join(
        f'"{_relative(path, root)}"' for path in files)
    store.update(
        f"DELETE WHERE {{ GRAPH <{meta}> {{ <{graph}> ?p ?o }} }} ;\n"
        f"DELETE WHERE {{ GRAPH <{meta}> {{ <{checksum}> ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{meta}> {{\n"
        f"  <{graph}> <{SPDX}checksum> <{checksum}> ; <{DCTERMS}source> {sources.replace(' ', ', ')} .\n"
        f"  <{checksum}> <{SPDX}algorithm> <{SPDX}checksumAlgorithm_sha256> ;\n"
        f"    <{SPDX}checksumValue> \"{fingerprint}\" .\n"
        f"}} }}")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
