"""The store protocol: one small interface, two backends (embedded Oxigraph, remote SPARQL).

A backend answers SPARQL queries and updates over a dataset of named graphs, loads RDF
into a named graph atomically, lists graphs with their sizes and dumps them. Results are
pyoxigraph terms whichever backend produced them, and are serialised by pyoxigraph.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol, Self, cast, runtime_checkable

import pyoxigraph as ox

from graphkit.errors import GraphkitError, QueryError, QueryTimeoutError, UsageError
from graphkit.formats import RdfFormat, ResultFormat

__all__ = [
    "Capabilities",
    "GraphInfo",
    "LoadSource",
    "QueryKind",
    "QueryResult",
    "Store",
    "graph_exists",
]

#: What :meth:`Store.load` reads: a path, an open binary stream or the bytes themselves.
LoadSource = Path | IO[bytes] | bytes
Row = ox.QuerySolution
Progress = Callable[[int], None]


class QueryKind(str, Enum):
    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE


@dataclass(frozen=True)
class GraphInfo:
    """A graph of the store: its IRI (``None`` for the default graph) and its size."""

    name: str | None
    triples: int


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond the protocol, and where it differs within it.

    ``atomic_update``: a failing update request leaves nothing of its earlier operations.
    ``empty_graphs``: an empty named graph (:meth:`Store.add_graph`) is kept and listed.
    ``default_graph``: there is a default graph of its own beside the named graphs (Virtuoso
    keeps every triple in a named graph).
    """

    persistent: bool
    backup: bool
    rdflib_view: bool
    hard_timeout: bool
    atomic_update: bool = True
    empty_graphs: bool = True
    default_graph: bool = True


class QueryResult:
    """The answer to a query: solutions, a boolean, or triples, read once.

    Iterating gives :class:`pyoxigraph.QuerySolution` rows (SELECT) or
    :class:`pyoxigraph.Triple` (CONSTRUCT/DESCRIBE); :attr:`boolean` holds an ASK answer.
    :meth:`serialize` writes the whole answer in a standard format, streaming.
    A ``deadline`` (a :func:`time.monotonic` value) stops a long read cooperatively.
    ``raw`` is what pyoxigraph's ``Store.query`` or ``parse_query_results`` returned, a
    ``bool``, or any iterable of :class:`pyoxigraph.Triple` (a parsed CONSTRUCT answer).
    """

    def __init__(self, raw: ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean | bool
                 | Iterable[ox.Triple], *, deadline: float | None = None) -> None:
        self._raw = raw
        self._deadline = deadline
        if isinstance(raw, ox.QuerySolutions):
            self.kind = QueryKind.SELECT
            self.variables: list[str] = [v.value for v in raw.variables]
        elif isinstance(raw, ox.QueryBoolean | bool):
            self.kind = QueryKind.ASK
            self.variables = []
        else:
            self.kind = QueryKind.GRAPH
            self.variables = []

    @property
    def boolean(self) -> bool:
        if self.kind is not QueryKind.ASK:
            raise UsageError("only an ASK query has a boolean answer")
        return bool(self._raw)

    def __iter__(self) -> Iterator[ox.QuerySolution | ox.Triple]:
        if self.kind is QueryKind.ASK:
            raise UsageError("an ASK query has no rows; read .boolean")
        raw = self._raw
        assert not isinstance(raw, ox.QueryBoolean | bool)
        try:
            if self._deadline is None:
                yield from raw
                return
            for count, item in enumerate(raw):
                if count % 1024 == 0:
                    self._check_deadline()
                yield item
        except GraphkitError:
            raise
        except SyntaxError as error:  # an answer read from a server, parsed as it is read
            raise QueryError(f"the answer does not parse: {error}") from error
        except (OSError, RuntimeError) as error:
            raise _evaluation_error(error) from error

    def rows(self) -> Iterator[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]:
        """SELECT rows as ``{variable: term}`` dicts, unbound variables left out."""
        if self.kind is not QueryKind.SELECT:
            raise UsageError("only a SELECT query has rows of bindings")
        names = self.variables
        for solution in self:
            assert isinstance(solution, ox.QuerySolution)
            yield {n: solution[n] for n in names if solution[n] is not None}

    def serialize(self, output: IO[bytes], format: ResultFormat | RdfFormat, *,
                  prefixes: Mapping[str, str] | None = None) -> None:
        """Write the answer to ``output`` with pyoxigraph's serialiser.

        SELECT/ASK take a :class:`ResultFormat`, CONSTRUCT/DESCRIBE an :class:`RdfFormat`;
        in a format with prefixes (Turtle, TriG, RDF/XML) a graph names things with
        ``prefixes`` (a query's own PREFIX lines, as Jena's endpoints do).
        """
        if self.kind is QueryKind.GRAPH and not isinstance(format, RdfFormat):
            raise UsageError(f"a CONSTRUCT/DESCRIBE answer is RDF, not {format.value}")
        if self.kind is not QueryKind.GRAPH and not isinstance(format, ResultFormat):
            raise UsageError(f"a {self.kind.value.upper()} answer is a result set, "
                             f"not RDF ({format.value})")
        sink = _DeadlineWriter(output, self._deadline)
        try:
            self._serialize_to(sink, format, prefixes)
        except GraphkitError:
            raise
        except (OSError, RuntimeError) as error:
            if sink.failed:  # the output's own error (a closed pipe...), not the query's
                raise
            raise _evaluation_error(error) from error

    def _serialize_to(self, sink: _DeadlineWriter, format: ResultFormat | RdfFormat,
                      prefixes: Mapping[str, str] | None) -> None:
        # serialize() checked the format against the kind. The ignores: pyoxigraph writes to
        # any object with write(), its stubs name only IO[bytes]
        raw = self._raw
        if self.kind is QueryKind.GRAPH:
            graph_format = cast(RdfFormat, format)
            named = dict(prefixes) if prefixes and graph_format.supports_prefixes else None
            if isinstance(raw, ox.QueryTriples) and named is None:
                raw.serialize(sink, graph_format.oxigraph)  # type: ignore[arg-type]
            else:  # QueryTriples.serialize takes no prefixes; this way is ~25 % slower
                triples = raw if isinstance(raw, ox.QueryTriples) else \
                    cast(Iterable[ox.Triple], self)
                ox.serialize(triples, sink, graph_format.oxigraph,  # type: ignore[arg-type]
                             prefixes=named)
            return
        if isinstance(raw, bool):
            raw = _boolean_result(raw)
        assert isinstance(raw, ox.QuerySolutions | ox.QueryBoolean)
        raw.serialize(sink, cast(ResultFormat, format).oxigraph)  # type: ignore[arg-type]

    def _check_deadline(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise QueryTimeoutError("the query ran past its time limit and was stopped")


def _boolean_result(value: bool) -> ox.QueryBoolean:
    answer = ox.Store().query("ASK {}" if value else "ASK { FILTER(false) }")
    assert isinstance(answer, ox.QueryBoolean)
    return answer


def _evaluation_error(error: OSError | RuntimeError) -> QueryError:
    """pyoxigraph evaluates lazily: a query that fails on the data (a SERVICE call that
    fails, an evaluation error) raises while its answer is read, not when it is asked."""
    return QueryError(f"query failed: {error}")


class _DeadlineWriter:
    """A binary sink that stops a serialisation once its deadline (if any) has passed and
    remembers whether the sink itself failed (``failed``)."""

    def __init__(self, inner: IO[bytes], deadline: float | None) -> None:
        self._inner = inner
        self._deadline = deadline
        self.failed = False

    def write(self, data: bytes) -> int:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise QueryTimeoutError("the query ran past its time limit and was stopped")
        self.failed = True  # until the write has gone through
        written = self._inner.write(data)
        self.failed = False
        return written

    def flush(self) -> None:
        self.failed = True
        self._inner.flush()
        self.failed = False


@runtime_checkable
class Store(Protocol):
    """The protocol every backend implements. Graph names are IRIs as strings."""

    @property
    def capabilities(self) -> Capabilities:
        """What the backend can do; an attribute or a (read-only) property."""
        ...

    def query(self, query: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None,
              base_iri: str | None = None) -> QueryResult:
        """Run a SPARQL query. Without a dataset the default graph is the union of all graphs.

        With ``default_graphs`` and/or ``named_graphs`` the dataset is exactly what they list,
        as the SPARQL 1.1 Protocol's ``default-graph-uri``/``named-graph-uri`` build it
        (https://www.w3.org/TR/sparql11-query/#specifyingDataset): a list left out is empty.
        """
        ...

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update, all or nothing."""
        ...

    def load(self, source: LoadSource, *, format: RdfFormat, graph: str | None = None,
             base_iri: str | None = None, replace: bool = False,
             progress: Progress | None = None) -> None:
        """Load RDF atomically: into ``graph`` (triples formats), or into the graphs the
        data names (TriG, N-Quads). ``replace`` empties the target graph first."""
        ...

    def add_graph(self, graph: str) -> None: ...

    def remove_graph(self, graph: str) -> None:
        """Remove a named graph and its triples; removing an absent graph is no error."""
        ...

    def graphs(self) -> list[GraphInfo]:
        """The named graphs with their sizes, plus the default graph when it holds triples."""
        ...

    def dump(self, output: IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        """Write one graph (triples formats) or everything (TriG, N-Quads) to ``output``."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None: ...


def graph_exists(store: Store, graph: str) -> bool:
    """Whether the named graph ``graph`` is in ``store``.

    ``ASK { GRAPH <g> {} }`` answers that where empty graphs are kept; Virtuoso keeps none
    and answers that pattern true for any IRI, so where empty graphs are not kept
    (``Capabilities.empty_graphs``) a graph is there when it holds a triple.
    """
    pattern = "" if store.capabilities.empty_graphs else "?s ?p ?o"
    return store.query(f"ASK {{ GRAPH <{graph}> {{ {pattern} }} }}").boolean
