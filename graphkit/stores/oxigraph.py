"""The embedded backend: Oxigraph through pyoxigraph, in memory or on disk.

Loads use pyoxigraph's bulk loader when the target graphs are empty (the fast path, made
atomic by a journal that a crash leaves behind and the next open undoes) and a staging
graph plus one transactional ``ADD`` otherwise. Results and dumps are serialised by
pyoxigraph. :meth:`OxigraphStore.rdflib_dataset` gives an rdflib view of the same data.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import json
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Self, TypedDict, cast

import pyoxigraph as ox

from graphkit.errors import (
    InputError,
    QueryError,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreError,
    UsageError,
    position_of,
)
from graphkit.formats import RdfFormat, is_gzip_path
from graphkit.nesting import Nesting, check_file, check_query, check_rdf
from graphkit.sparql_text import explain_syntax_error, has_dataset_clause
from graphkit.stores.base import (
    Capabilities,
    GraphInfo,
    LoadSource,
    Progress,
    QueryResult,
)

if TYPE_CHECKING:
    import rdflib

__all__ = ["OxigraphStore"]

JOURNAL = "graphkit-load.journal"
STAGING_PREFIX = "urn:graphkit:staging:"


class _DatasetOptions(TypedDict, total=False):
    """The dataset keywords of pyoxigraph's ``Store.query`` that :meth:`OxigraphStore.query`
    passes."""

    use_default_graph_as_union: bool
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]


class OxigraphStore:
    """Oxigraph, in memory (``path=None``) or on disk under ``path``.

    >>> store = OxigraphStore()
    >>> store.update('INSERT DATA { GRAPH <http://ex/g> { <http://ex/a> <http://ex/p> 1 } }')
    >>> [g.triples for g in store.graphs()]
    [1]
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        # read_only: for query worker processes over a snapshot (graphkit.workers); opening
        # a store read-only while another process writes it is undefined behaviour
        self.read_only = read_only
        self._writes = 0
        if read_only and self.path is None:
            raise UsageError("only an on-disk store can be opened read-only")
        try:
            if self.path is not None and not read_only:
                self.path.mkdir(parents=True, exist_ok=True)
            self._store: ox.Store | None = (
                ox.Store.read_only(str(self.path)) if read_only and self.path
                else ox.Store(str(self.path)) if self.path else ox.Store())
        except OSError as error:
            hint = " (another process has it open: stop it or use another --store)" \
                if "lock" in str(error).lower() else ""
            raise StoreError(f"{self.path}: cannot open the Oxigraph store: {error}{hint}"
                             ) from error
        self.capabilities = Capabilities(persistent=self.path is not None,
                                         backup=self.path is not None,
                                         rdflib_view=True, hard_timeout=False)
        if not read_only:
            self._recover()

    # -- plumbing ---------------------------------------------------------------------
    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for hot paths that need it directly."""
        if self._store is None:
            raise StoreError("the store is closed")
        return self._store

    @property
    def writes(self) -> int:
        """How many writes (updates, loads, graph additions and removals) went through this
        object: a token that moves with every change made here (writes through :attr:`raw`
        or :meth:`rdflib_dataset` do not count)."""
        return self._writes

    def rdflib_dataset(self) -> rdflib.Dataset:
        """An :class:`rdflib.Dataset` over the same data (through oxrdflib)."""
        import oxrdflib
        import rdflib

        return rdflib.Dataset(store=oxrdflib.OxigraphStore(store=self.raw))

    def close(self) -> None:
        if self._store is not None:
            if not self.read_only:  # a read-only store has nothing to flush (and refuses)
                with contextlib.suppress(OSError):
                    self._store.flush()
            self._store = None
            gc.collect()  # RocksDB releases its lock when the last reference goes

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def backup(self, target: Path) -> None:
        """A consistent copy of the on-disk store, taken while it is in use."""
        if self.path is None:
            raise UsageError("only an on-disk store can be backed up; use dump instead")
        try:
            self.raw.backup(str(target))
        except OSError as error:
            raise StoreError(f"{target}: backup failed: {error}") from error

    # -- queries ----------------------------------------------------------------------
    def query(self, query: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None,
              base_iri: str | None = None) -> QueryResult:
        check_query(query)  # pyoxigraph's parser would overflow the stack (SIGSEGV)
        options: _DatasetOptions = {}
        if default_graphs is None and named_graphs is None:
            # the union, unless the query names its dataset (FROM), which pyoxigraph's
            # union option would override
            options["use_default_graph_as_union"] = not has_dataset_clause(query)
        else:
            # a dataset as SPARQL 1.1 Query 13.2 and the Protocol build it: what is not
            # listed is not in it (no named graphs unless named_graphs lists them)
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        deadline = time.monotonic() + timeout if timeout else None
        try:
            raw = self.raw.query(query, base_iri=base_iri, **options)
        except SyntaxError as error:
            line, column = position_of(error)
            raise QuerySyntaxError(_explained(error, query), line=line,
                                   column=column) from error
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from error
        except OSError as error:
            raise StoreError(f"query failed: {error}") from error
        except RuntimeError as error:  # pyoxigraph's evaluation errors
            raise QueryError(f"query failed: {error}") from error
        return QueryResult(raw, deadline=deadline)

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        check_query(update)
        self._writes += 1
        try:
            self.raw.update(update, base_iri=base_iri)
        except SyntaxError as error:
            line, column = position_of(error)
            raise QuerySyntaxError(_explained(error, update), line=line,
                                   column=column) from error
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from error
        except OSError as error:
            raise StoreError(f"update failed: {error}") from error
        except RuntimeError as error:  # e.g. DROP GRAPH of a graph that does not exist
            raise QueryError(f"update failed: {error}") from error

    # -- graphs -----------------------------------------------------------------------
    def add_graph(self, graph: str) -> None:
        self._writes += 1
        self.raw.add_graph(ox.NamedNode(graph))

    def remove_graph(self, graph: str) -> None:
        node = ox.NamedNode(graph)
        self._writes += 1
        if self.raw.contains_named_graph(node):
            self.raw.remove_graph(node)

    def graphs(self) -> list[GraphInfo]:
        sizes = {
            row["g"].value: int(row["n"].value)
            for row in cast(ox.QuerySolutions, self.raw.query(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
        }
        found = [GraphInfo(g.value, sizes.get(g.value, 0)) for g in self.raw.named_graphs()
                 if isinstance(g, ox.NamedNode)]
        default = next(iter(cast(ox.QuerySolutions,
                                 self.raw.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))))
        default_size = int(default["n"].value)
        if default_size:
            found.append(GraphInfo(None, default_size))
        return sorted(found, key=lambda info: info.name or "")

    def _is_empty(self, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
        return next(iter(self.raw.quads_for_pattern(None, None, None, graph)), None) is None

    # -- load -------------------------------------------------------------------------
    def load(self, source: LoadSource, *, format: RdfFormat, graph: str | None = None,
             base_iri: str | None = None, replace: bool = False,
             progress: Progress | None = None) -> None:
        source = _not_too_deep(source, format)
        self._writes += 1
        target: ox.NamedNode | ox.DefaultGraph = (
            ox.NamedNode(graph) if graph else ox.DefaultGraph())
        if format.supports_datasets:
            if replace:
                raise UsageError("replace needs a triples format (Turtle, N-Triples, JSON-LD, "
                                 "RDF/XML); TriG and N-Quads name their own graphs")
            self._load_dataset(source, format=format, target=target, base_iri=base_iri,
                               progress=progress)
            return
        if self._is_empty(target):  # nothing to keep: the fast path, replace or not
            self._bulk_load_journaled(source, format=format, to_graph=target,
                                      base_iri=base_iri, progress=progress,
                                      undo=[target])
            return
        staging = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
        self._bulk_load_journaled(source, format=format, to_graph=staging, base_iri=base_iri,
                                  progress=progress, undo=[staging])
        target_sparql = "DEFAULT" if isinstance(target, ox.DefaultGraph) else str(target)
        clear = f"CLEAR SILENT {'DEFAULT' if target_sparql == 'DEFAULT' else 'GRAPH ' + target_sparql} ;\n" if replace else ""
        try:
            self.raw.update(f"{clear}ADD SILENT {staging} TO {target_sparql} ; "
                            f"DROP SILENT GRAPH {staging}")
        finally:
            self.remove_graph(staging.value)

    def _load_dataset(self, source: LoadSource, *, format: RdfFormat,
                      target: ox.NamedNode | ox.DefaultGraph, base_iri: str | None,
                      progress: Progress | None) -> None:
        if next(iter(self.raw), None) is None:
            # an empty store: the bulk loader, undone by emptying the store on failure
            self._bulk_load_journaled(source, format=format, to_graph=target,
                                      base_iri=base_iri, progress=progress, undo=None)
            return
        with _opened(source, progress) as (stream, path, name):
            try:
                self.raw.load(input=stream, path=path, format=format.oxigraph,
                              base_iri=base_iri, to_graph=target)
            except SyntaxError as error:
                raise _rdf_syntax_error(error, name) from error
            except (ValueError, OSError) as error:
                raise InputError(f"{name}: cannot load: {error}") from error

    def _bulk_load_journaled(self, source: LoadSource, *, format: RdfFormat,
                             to_graph: ox.NamedNode | ox.DefaultGraph, base_iri: str | None,
                             progress: Progress | None,
                             undo: list[ox.NamedNode | ox.DefaultGraph] | None) -> None:
        """Bulk-load; on failure (or a crash, at the next open) clear what it wrote.

        ``undo`` lists the graphs that were empty before the load, ``None`` meaning that
        the whole store was.
        """
        self._write_journal(undo)
        with _opened(source, progress) as (stream, path, name):
            try:
                self.raw.bulk_load(input=stream, path=path, format=format.oxigraph,
                                   base_iri=base_iri, to_graph=to_graph)
            except BaseException as error:
                self._undo(undo)
                self._clear_journal()
                if isinstance(error, SyntaxError):
                    raise _rdf_syntax_error(error, name) from error
                if isinstance(error, ValueError | OSError):
                    raise InputError(f"{name}: cannot load: {error}") from error
                raise
        self._clear_journal()

    def _undo(self, undo: list[ox.NamedNode | ox.DefaultGraph] | None) -> None:
        self._writes += 1
        if undo is None:
            self.raw.clear()
            return
        for graph in undo:
            if isinstance(graph, ox.NamedNode):
                self.remove_graph(graph.value)
            else:
                self.raw.clear_graph(graph)

    def _journal_path(self) -> Path | None:
        return self.path / JOURNAL if self.path is not None else None

    def _write_journal(self, undo: list[ox.NamedNode | ox.DefaultGraph] | None) -> None:
        journal = self._journal_path()
        if journal is None:
            return
        graphs = None if undo is None else [
            g.value if isinstance(g, ox.NamedNode) else "" for g in undo]
        journal.write_text(json.dumps({"graphs": graphs, "started": time.time()}))

    def _clear_journal(self) -> None:
        journal = self._journal_path()
        if journal is not None:
            journal.unlink(missing_ok=True)

    def _recover(self) -> None:
        """Undo a bulk load that a crash interrupted (its journal is still there)."""
        journal = self._journal_path()
        if journal is None or not journal.exists():
            return
        graphs = json.loads(journal.read_text())["graphs"]
        self._undo(None if graphs is None else [
            ox.NamedNode(g) if g else ox.DefaultGraph() for g in graphs])
        self.raw.flush()
        self._clear_journal()

    # -- dump -------------------------------------------------------------------------
    def dump(self, output: IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        try:
            if graph is not None:
                node = ox.NamedNode(graph)
                if not self.raw.contains_named_graph(node):
                    raise InputError(f"no graph {graph} in the store")
                if format.supports_datasets:
                    cast(ox.QueryTriples, self.raw.query(
                        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> "
                        "{ ?s ?p ?o } }")).serialize(
                        output, RdfFormat.N_TRIPLES.oxigraph
                        if format is RdfFormat.N_QUADS else RdfFormat.TURTLE.oxigraph)
                    return
                self.raw.dump(output, format.oxigraph, from_graph=node)
            elif format.supports_datasets:
                self.raw.dump(output, format.oxigraph)
            else:
                self._dump_union(output, format)
        except OSError as error:
            raise StoreError(f"dump failed: {error}") from error

    def _dump_union(self, output: IO[bytes], format: RdfFormat) -> None:
        """All graphs merged into one, for a triples-only format."""
        candidates: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph()]
        candidates += [g for g in self.raw.named_graphs() if isinstance(g, ox.NamedNode)]
        holding = [g for g in candidates if not self._is_empty(g)]
        if len(holding) == 1:
            self.raw.dump(output, format.oxigraph, from_graph=holding[0])
            return
        triples = cast(ox.QueryTriples,
                       self.raw.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                      use_default_graph_as_union=True))
        triples.serialize(output, format.oxigraph)


def _not_too_deep(source: LoadSource, format: RdfFormat) -> LoadSource:
    """``source``, once JSON-LD or RDF/XML has been found to nest no deeper than pyoxigraph's
    parsers survive (:mod:`graphkit.nesting`; deeper kills the process). A stream is read
    back from where it was; one that cannot seek is read into memory (these formats are
    parsed whole anyway). Raises :class:`RdfSyntaxError` naming the line and column."""
    if Nesting.of(format) is None:
        return source
    if isinstance(source, bytes):
        check_rdf(source, format, name="<bytes>")
        return source
    if isinstance(source, Path):
        if source.is_file():  # a missing file is said by the load itself
            check_file(source, format)
        return source
    name = str(getattr(source, "name", "<stream>"))
    if source.seekable():
        start = source.tell()
        check_rdf(source, format, name=name)
        source.seek(start)
        return source
    whole = source.read()
    check_rdf(whole, format, name=name)
    return whole


@contextlib.contextmanager
def _opened(source: LoadSource, progress: Progress | None
            ) -> Iterator[tuple[IO[bytes] | bytes | None, str | None, str]]:
    """``(input, path, name)`` for pyoxigraph: a path when it can read the file itself."""
    if isinstance(source, bytes):
        yield source, None, "<bytes>"
        return
    if isinstance(source, Path):
        if not source.is_file():
            raise InputError(f"{source}: no such file")
        if not is_gzip_path(source) and progress is None:
            yield None, str(source), str(source)
            return
        with open(source, "rb") as raw:
            # GzipFile is a binary file in all but name (typeshed does not make it an IO[bytes])
            stream: IO[bytes] = (cast(IO[bytes], gzip.GzipFile(fileobj=raw))
                                 if is_gzip_path(source) else raw)
            yield (_Counting.io(stream, progress, raw) if progress else stream), None, str(source)
        return
    name = getattr(source, "name", "<stream>")
    yield (_Counting.io(source, progress, source) if progress else source), None, str(name)


class _Counting:
    """A reader that reports how many bytes of the underlying file have been read."""

    def __init__(self, inner: IO[bytes], progress: Progress, position_of: IO[bytes]) -> None:
        self._inner = inner
        self._progress = progress
        self._position_of = position_of
        self._last = 0

    @classmethod
    def io(cls, inner: IO[bytes], progress: Progress, position_of: IO[bytes]) -> IO[bytes]:
        """A new one, typed as what pyoxigraph reads: it only ever calls ``read``."""
        return cast(IO[bytes], cls(inner, progress, position_of))

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        try:
            position = self._position_of.tell()
        except (OSError, ValueError):
            position = self._last + len(data)
        if position != self._last:
            self._progress(position - self._last)
            self._last = position
        return data

    def readable(self) -> bool:
        return True


def _explained(error: SyntaxError, text: str) -> str:
    """The engine's message without its position (the error carries it), made readable
    (:func:`graphkit.sparql_text.explain_syntax_error`)."""
    return explain_syntax_error(re.sub(r"^error at \d+:\d+: ", "", str(error)), text)


def _rdf_syntax_error(error: SyntaxError, name: str) -> RdfSyntaxError:
    line, column = position_of(error)
    message = getattr(error, "msg", None) or str(error)
    message = message.split(": ", 1)[1] if message.startswith("Parser error") else message
    return RdfSyntaxError(message, file=name, line=line, column=column)
