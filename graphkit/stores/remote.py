"""The remote backend: any SPARQL 1.1 Query/Update + Graph Store Protocol server.

Queries and updates go through SPARQLWrapper (the `SPARQL 1.1 Protocol
<https://www.w3.org/TR/sparql11-protocol/>`_, form-encoded POST); graphs are read and
written with the `Graph Store HTTP Protocol <https://www.w3.org/TR/sparql11-http-rdf-update/>`_
through httpx. Answers are parsed by pyoxigraph, so results are pyoxigraph terms whichever
server produced them.

A load is parsed locally first, so bad input never reaches the server and fails with
:class:`~graphkit.errors.RdfSyntaxError` naming file, line and column. Then it is sent in
one request:

- a triples format into one graph: Graph Store ``POST`` (``PUT`` with ``replace=True``) of
  N-Triples, atomic where the server applies a request in one transaction (Oxigraph does);
- TriG or N-Quads: one SPARQL ``INSERT DATA`` with a ``GRAPH`` block per graph, atomic
  where updates are (Oxigraph). Virtuoso's SPARQL compiler gives up on updates of a few
  thousand triples, so there it is one Graph Store ``POST`` per graph: each graph atomic,
  the set not (after a failure the graphs the load created are dropped again, best effort).
  :meth:`RemoteStore.insert_atomically` is one ``INSERT DATA`` operation on every server
  (named graphs in ``GRAPH`` blocks of 1,000 triples, which Virtuoso's parser takes).

Server quirks handled (seen on Virtuoso 7.2): ASK answered as a one-column SELECT
(``__ASK_RETVAL``); blank nodes named ``nodeID://…``; DESCRIBE finding nothing without a
dataset (so it is asked in CBD mode, like Oxigraph's); partial answers at the time limit
(``X-SQL-State: S1TAT``) or cut at ``ResultSetMaxRows`` (``X-SPARQL-MaxRows``, sent also
when an answer has exactly that many rows; a graph read by Graph Store ``GET`` or
``CONSTRUCT`` is cut silently, so it is counted) raised instead of returned (a cut as
:class:`~graphkit.errors.AnswerCutError`); every named graph kept in a dataset
that lists only default graphs; ``DROP GRAPH`` refusing graphs never ``CREATE``\\ d (we use
``DROP SILENT``); no default graph of its own; empty graphs not kept; the Graph Store at
``/sparql-graph-crud?graph-uri=``; digest authentication on ``/sparql-auth``. The server's
own graphs (``system_graphs`` prefixes) are hidden from :meth:`RemoteStore.graphs` and
:meth:`RemoteStore.dump`, though a union-default-graph query still sees them.

>>> store = RemoteStore("http://127.0.0.1:7878/query",
...                     update_endpoint="http://127.0.0.1:7878/update",
...                     graph_store_endpoint="http://127.0.0.1:7878/store")
>>> store.graph_parameter
'graph'
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING, Self, cast

import httpx
import pyoxigraph as ox
from SPARQLWrapper import BASIC, DIGEST, INSERT, POST, XML, SPARQLWrapper

from graphkit.errors import (
    AnswerCutError,
    GraphkitError,
    InputError,
    RemoteStoreError,
    StoreError,
    UsageError,
)
from graphkit.formats import RdfFormat
from graphkit.nesting import check_rdf
from graphkit.settings import DEFAULT_REMOTE_SYSTEM_GRAPHS
from graphkit.stores.base import (
    Capabilities,
    GraphInfo,
    LoadSource,
    Progress,
    QueryResult,
)
from graphkit.stores.oxigraph import _rdf_syntax_error
from graphkit.stores.remote_wire import (
    _GENERIC,
    _OXIGRAPH,
    _VIRTUOSO,
    ACCEPT,
    EMPTY_GRAPH,
    NT,
    HttpAuth,
    _Dialect,
    _graph_ref,
    _header,
    _insert_data,
    _query_form,
    _read,
    _read_all,
    _server_message,
    _text,
    _tls_context,
    parse_answer,
    retry_deadlocks,
    sparql_errors,
)

if TYPE_CHECKING:
    from graphkit.settings import Settings

__all__ = ["HttpAuth", "RemoteStore"]


class RemoteStore:
    """A SPARQL 1.1 server as a :class:`~graphkit.stores.base.Store`.

    Args:
        endpoint: the query endpoint, e.g. ``http://host:8890/sparql``.
        update_endpoint: the update endpoint (default: ``endpoint``).
        graph_store_endpoint: the Graph Store Protocol endpoint (``/store`` on Oxigraph,
            ``/sparql-graph-crud`` on Virtuoso). Without it loads and dumps use SPARQL.
        user: user name for HTTP authentication.
        password: its password.
        auth: basic or digest; ``None`` asks the server once (its 401 challenge). For
            digest, SPARQLWrapper installs a process-wide urllib opener that answers this
            endpoint's challenges.
        graph_parameter: the Graph Store's graph parameter; ``None`` picks ``graph-uri``
            for Virtuoso's ``sparql-graph-crud`` and ``graph`` (the standard) otherwise.
        system_graphs: IRI prefixes of the server's own graphs, hidden from
            :meth:`graphs` and :meth:`dump`.
        timeout: seconds a query may take unless :meth:`query` is given one.
        write_timeout: seconds to wait for the answer to an update, load or graph request.
    """

    def __init__(self, endpoint: str, *, update_endpoint: str | None = None,
                 graph_store_endpoint: str | None = None, user: str | None = None,
                 password: str | None = None, auth: HttpAuth | None = None,
                 graph_parameter: str | None = None,
                 system_graphs: Sequence[str] = DEFAULT_REMOTE_SYSTEM_GRAPHS,
                 timeout: float = 30.0, write_timeout: float = 300.0) -> None:
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store_endpoint = graph_store_endpoint
        self.graph_parameter = graph_parameter or (
            "graph-uri" if graph_store_endpoint and "sparql-graph-crud" in graph_store_endpoint
            else "graph")
        self.system_graphs = tuple(system_graphs)
        self.timeout = timeout
        self.write_timeout = write_timeout
        self._user = user
        self._password = password
        self._auth = auth
        self._realm: str | None = None
        self._dialect: _Dialect | None = None
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The remote store the settings name (``GRAPHKIT_ENDPOINT`` and friends)."""
        if not settings.endpoint:
            raise UsageError("no remote SPARQL endpoint is configured (GRAPHKIT_ENDPOINT)")
        password = (settings.remote_password.get_secret_value()
                    if settings.remote_password is not None else None)
        return cls(settings.endpoint, update_endpoint=settings.update_endpoint,
                   graph_store_endpoint=settings.graph_store_endpoint,
                   user=settings.remote_user, password=password,
                   system_graphs=settings.remote_system_graphs,
                   timeout=settings.query_timeout)

    @property
    def capabilities(self) -> Capabilities:
        dialect = self._server_dialect()
        return Capabilities(persistent=True, backup=False, rdflib_view=False,
                            hard_timeout=True, atomic_update=dialect.atomic_update,
                            empty_graphs=dialect.empty_graphs,
                            default_graph=dialect.default_graph)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    # -- queries ----------------------------------------------------------------------
    def query(self, query: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None,
              base_iri: str | None = None) -> QueryResult:
        """Run a query; the whole answer is read (within ``timeout``) and parsed."""
        return self._query(query, default_graphs=default_graphs, named_graphs=named_graphs,
                           timeout=timeout, base_iri=base_iri, union=True)

    def _query(self, query: str, *, default_graphs: Sequence[str] | None = None,
               named_graphs: Sequence[str] | None = None, timeout: float | None = None,
               base_iri: str | None = None, union: bool) -> QueryResult:
        self._check_open()
        limit = timeout or self.timeout
        deadline = time.monotonic() + limit
        dialect = self._server_dialect()
        form = _query_form(query)
        prologue = f"BASE <{base_iri}>\n" if base_iri else ""
        if form == "DESCRIBE":
            prologue = dialect.describe_prefix + prologue
        sparql = self._sparql(prologue + query, form=form)
        if default_graphs is not None or named_graphs is not None:
            for graph in default_graphs or [EMPTY_GRAPH]:
                sparql.addDefaultGraph(graph)
            named = list(named_graphs or ())
            if not named and dialect.keeps_named_graphs:
                named = [EMPTY_GRAPH]
            for graph in named:
                sparql.addNamedGraph(graph)
        elif union and dialect.union_parameter:
            sparql.addParameter(dialect.union_parameter, "")
        if dialect.timeout_parameter:
            sparql.addParameter(dialect.timeout_parameter, str(max(1, int(limit * 1000))))
        def run() -> QueryResult:
            with sparql_errors(self.endpoint, limit, lines_added=prologue.count("\n")):
                # the attribute, not setTimeout(), which truncates to whole seconds (0.5 -> 0,
                # meaning no timeout at all); SPARQLWrapper types it int, urlopen takes a float
                sparql.timeout = max(deadline - time.monotonic(),  # type: ignore[assignment]
                                     0.001)
                answer = sparql.query()
                headers = answer.info()
                self._note_server(headers)
                try:
                    body = _read_all(answer.response, deadline, f"{self.endpoint}: the answer "
                                     f"took longer than {limit:g} s to arrive; the query was "
                                     "abandoned")
                finally:
                    answer.response.close()
            return parse_answer(self.endpoint, body, headers)

        return retry_deadlocks(run, deadline=deadline)

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Run an update; all or nothing only where the server promises it
        (``capabilities.atomic_update``)."""
        self._check_open()
        prologue = f"BASE <{base_iri}>\n" if base_iri else ""
        self._run_update(prologue + update, lines_added=prologue.count("\n"))

    def _run_update(self, update: str, *, lines_added: int = 0) -> None:
        def run() -> None:
            sparql = self._sparql(update, form=INSERT)
            with sparql_errors(self.update_endpoint, self.write_timeout,
                               lines_added=lines_added, update=True):
                # typed int by SPARQLWrapper; urlopen takes the float
                sparql.timeout = self.write_timeout  # type: ignore[assignment]
                answer = sparql.query()
                try:
                    self._note_server(answer.info())
                    answer.response.read()
                finally:
                    answer.response.close()

        retry_deadlocks(run)

    def _sparql(self, text: str, *, form: str) -> SPARQLWrapper:
        """A fresh SPARQLWrapper (they hold per-request state) for one request."""
        sparql = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint,
                               returnFormat=XML)
        sparql.setQuery(text)
        sparql.queryType = form  # ours: SPARQLWrapper's guess is a bare regex search
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)
        sparql.addCustomHttpHeader("Accept", ACCEPT)
        scheme = self._auth_scheme()
        if scheme is not None:
            # digest: SPARQLWrapper installs a urllib opener answering this URL's challenge
            sparql.setCredentials(self._user, self._password, realm=self._realm or "SPARQL")
            sparql.setHTTPAuth(DIGEST if scheme is HttpAuth.DIGEST else BASIC)
        return sparql

    # -- graphs -----------------------------------------------------------------------
    def add_graph(self, graph: str) -> None:
        """Create an empty graph (Virtuoso does not keep or list empty graphs)."""
        self._check_open()
        self._run_update(f"CREATE SILENT GRAPH <{graph}>")

    def remove_graph(self, graph: str) -> None:
        self._check_open()
        self._run_update(f"DROP SILENT GRAPH <{graph}>")

    def graphs(self) -> list[GraphInfo]:
        self._check_open()
        sizes: dict[str, int] = {}
        for row in self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                              "GROUP BY ?g", timeout=self.write_timeout).rows():
            sizes[_text(row["g"])] = int(_text(row["n"]))
        for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
                              timeout=self.write_timeout).rows():
            if "g" in row:  # Virtuoso answers one row, unbound
                sizes.setdefault(_text(row["g"]), 0)
        found = [GraphInfo(name, size) for name, size in sizes.items()
                 if not self._is_system(name)]
        default = self._default_graph_size()
        if default:
            found.append(GraphInfo(None, default))
        return sorted(found, key=lambda info: info.name or "")

    def _default_graph_size(self) -> int:
        dialect = self._server_dialect()
        if not dialect.default_graph:
            return 0
        if dialect.union_parameter:  # without it, queries see the default graph alone
            row = next(self._query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                   timeout=self.write_timeout, union=False).rows())
            return int(_text(row["n"]))
        return len(self._fetch_graph(None) or ())

    def _is_system(self, graph: str) -> bool:
        return graph == EMPTY_GRAPH or graph.startswith(self.system_graphs)

    def _fetch_graph(self, graph: str | None) -> list[ox.Triple] | None:
        """The triples of one graph (``None``: the default graph); ``None`` if absent."""
        if self.graph_store_endpoint is None:
            if graph is None:
                return None  # a union default graph hides the real one from queries
            if not any(info.name == graph for info in self.graphs()):
                return None
            constructed = cast(list[ox.Triple], list(self.query(  # a CONSTRUCT: triples
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                timeout=self.write_timeout)))
            if self._server_dialect().cuts_graph_reads:  # a CONSTRUCT is cut unmarked
                self._check_complete(graph, len(set(constructed)), self.endpoint)
            return constructed
        response = self._graph_store("GET", graph, accept=NT.media_type, missing_ok=True)
        if response is None:
            return None
        media = response.headers.get("Content-Type", NT.media_type).split(";")[0].strip()
        format = RdfFormat.from_media_type(media) or NT
        try:
            triples = [quad.triple for quad in ox.parse(response.content, format=format.oxigraph)]
        except SyntaxError as error:
            raise RemoteStoreError(f"{self.graph_store_endpoint}: graph {graph or 'default'} "
                                   f"came back as {media} that does not parse: {error}"
                                   ) from error
        if graph is not None and self._server_dialect().cuts_graph_reads:
            self._check_complete(graph, len(triples), self.graph_store_endpoint)
        return triples

    def _check_complete(self, graph: str, received: int, source: str) -> None:
        """Raise :class:`AnswerCutError` if ``source`` sent fewer triples of ``graph`` than
        the graph holds (Virtuoso cuts graph reads at ResultSetMaxRows without a word)."""
        row = next(self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                              "{ ?s ?p ?o } }", timeout=self.write_timeout).rows())
        expected = int(_text(row["n"]))
        if received < expected:
            raise AnswerCutError(
                f"{source}: the server sent {received} of the {expected} "
                f"triples of {graph} (Virtuoso cuts reads at ResultSetMaxRows; raise it)",
                rows=received)

    # -- load -------------------------------------------------------------------------
    def load(self, source: LoadSource, *, format: RdfFormat, graph: str | None = None,
             base_iri: str | None = None, replace: bool = False,
             progress: Progress | None = None) -> None:
        """Parse ``source`` locally, then send it in one request (see the module's notes)."""
        self._check_open()
        if format.supports_datasets and replace:
            raise UsageError("replace needs a triples format (Turtle, N-Triples, JSON-LD, "
                             "RDF/XML); TriG and N-Quads name their own graphs")
        data, name = _read(source, progress)
        check_rdf(data, format, name=name)  # parsed here: refuse a nesting that would crash
        try:  # a triples format naming graphs (JSON-LD can) fails rather than lose them
            quads = list(ox.parse(data, format=format.oxigraph, base_iri=base_iri,
                                  without_named_graphs=not format.supports_datasets))
        except SyntaxError as error:
            raise _rdf_syntax_error(error, name) from error
        except (ValueError, OSError) as error:
            raise InputError(f"{name}: cannot load: {error}") from error
        by_graph = _by_graph(quads, default=graph, name=f"{name}: ")
        if not format.supports_datasets:
            self._write_graph(graph, by_graph.get(graph, []), replace=replace)
        elif by_graph and self._server_dialect().dataset_loads_by_graph \
                and self.graph_store_endpoint is not None:
            self._load_graph_by_graph(by_graph)
        elif by_graph:
            self._check_default_graph(by_graph)
            self._run_update(_insert_data(by_graph))

    def insert_atomically(self, quads: Sequence[ox.Quad]) -> None:
        """Add ``quads`` in one SPARQL ``INSERT DATA`` operation, one request, whatever
        the server: all or nothing, and readers see none or all of it, where the server
        runs an operation in one transaction (Oxigraph, Virtuoso). This is how a
        contribution and its record are written; :meth:`load` may use several requests.
        """
        self._check_open()
        by_graph = _by_graph(quads, default=None, name="")
        if not by_graph:
            return
        self._check_default_graph(by_graph)
        limit = self._server_dialect().max_template_triples
        size = sum(len(triples) for triples in by_graph.values())
        if limit is not None and size > limit and any(
                isinstance(term, ox.BlankNode) for triples in by_graph.values()
                for t in triples for term in (t.subject, t.object)):
            raise InputError(
                f"{self.update_endpoint} cannot insert {size} triples with blank nodes in one "
                f"operation (at most {limit} on {self._server_dialect().name}: its SPARQL "
                "compiler's limit); nothing was written. Name the blank nodes with IRIs, "
                "or hand the data in smaller parts")
        self._run_update(_insert_data(by_graph))

    def _write_graph(self, graph: str | None, triples: list[ox.Triple], *,
                     replace: bool) -> None:
        self._check_default_graph({graph: triples})
        if not triples:
            if replace:
                self._run_update(f"CLEAR SILENT {_graph_ref(graph)}")
            return
        if self.graph_store_endpoint is None:
            clear = f"CLEAR SILENT {_graph_ref(graph)} ;\n" if replace else ""
            self._run_update(clear + _insert_data({graph: triples}))
            return
        self._graph_store("PUT" if replace else "POST", graph,
                          content=ox.serialize(triples, format=NT.oxigraph),
                          media_type=NT.media_type)

    def _load_graph_by_graph(self, by_graph: dict[str | None, list[ox.Triple]]) -> None:
        self._check_default_graph(by_graph)
        before = {info.name for info in self.graphs()}
        written: list[str | None] = []
        try:
            for graph, triples in sorted(by_graph.items(), key=lambda item: item[0] or ""):
                self._write_graph(graph, triples, replace=False)
                written.append(graph)
        except GraphkitError:
            for graph in written:
                if graph is not None and graph not in before:
                    with contextlib.suppress(GraphkitError):
                        self.remove_graph(graph)
            raise

    def _check_default_graph(self, by_graph: Mapping[str | None, object]) -> None:
        if None in by_graph and not self._server_dialect().default_graph:
            raise UsageError(f"{self.endpoint} keeps every triple in a named graph (Virtuoso); "
                             "give the graph to load into")

    # -- dump -------------------------------------------------------------------------
    def dump(self, output: IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        """Write one graph or everything; the server's system graphs are left out."""
        self._check_open()
        if graph is not None:
            triples = self._fetch_graph(graph)
            if triples is None:
                raise InputError(f"no graph {graph} in the store")
            ox.serialize(triples, output, format.oxigraph)
        elif format.supports_datasets:
            ox.serialize(self._all_quads(), output, format.oxigraph)
        else:
            ox.serialize(self._union(), output, format.oxigraph)

    def _all_quads(self) -> Iterator[ox.Quad]:
        for info in self.graphs():
            name = ox.NamedNode(info.name) if info.name is not None else ox.DefaultGraph()
            for triple in self._fetch_graph(info.name) or ():
                yield ox.Quad(triple.subject, triple.predicate, triple.object, name)

    def _union(self) -> Iterator[ox.Triple]:
        seen: set[ox.Triple] = set()
        for quad in self._all_quads():
            if quad.triple not in seen:
                seen.add(quad.triple)
                yield quad.triple

    # -- HTTP plumbing ----------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def _graph_store(self, method: str, graph: str | None, *, content: bytes | None = None,
                     media_type: str | None = None, accept: str | None = None,
                     missing_ok: bool = False) -> httpx.Response | None:
        url = self.graph_store_endpoint
        assert url is not None
        params = {self.graph_parameter: graph} if graph is not None else {"default": ""}
        headers = {k: v for k, v in (("Content-Type", media_type), ("Accept", accept)) if v}
        try:
            response = self._http().request(method, url, params=params, content=content,
                                             headers=headers, auth=self._httpx_auth())
        except httpx.TimeoutException as error:
            raise RemoteStoreError(f"{url}: no answer to {method} of graph "
                                   f"{graph or 'default'} within {self.write_timeout:g} s; "
                                   "the server may still apply it") from error
        except httpx.TransportError as error:
            raise StoreError(f"cannot reach the Graph Store {url}: {error}") from error
        self._note_server(response.headers)
        if missing_ok and response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise RemoteStoreError(
                f"{url}: {method} of graph {graph or 'default'} failed ({response.status_code} "
                f"{response.reason_phrase}): {_server_message(response.content)}",
                status=response.status_code)
        return response

    def _http(self) -> httpx.Client:
        with self._lock:  # a service shares one store between its worker threads
            if self._client is None:
                self._client = httpx.Client(verify=_tls_context(), timeout=httpx.Timeout(
                    self.write_timeout, connect=min(self.timeout, 30.0)))
            return self._client

    def _httpx_auth(self) -> httpx.Auth | None:
        scheme = self._auth_scheme()
        if scheme is HttpAuth.DIGEST:
            return httpx.DigestAuth(self._user or "", self._password or "")
        if scheme is HttpAuth.BASIC:
            return httpx.BasicAuth(self._user or "", self._password or "")
        return None

    def _auth_scheme(self) -> HttpAuth | None:
        """Basic or digest: as given, else as the update endpoint's 401 challenge asks."""
        if self._user is None:
            return None
        if self._auth is None or (self._auth is HttpAuth.DIGEST and self._realm is None):
            try:
                response = self._http().get(self.update_endpoint, timeout=self.timeout)
            except httpx.TransportError as error:
                raise StoreError(f"cannot reach {self.update_endpoint}: {error}") from error
            self._note_server(response.headers)
            challenge = response.headers.get("WWW-Authenticate", "")
            realm = re.search(r'realm="([^"]*)"', challenge)
            self._realm = realm.group(1) if realm else self._realm
            if self._auth is None:
                digest = response.status_code == 401 and challenge.lower().startswith("digest")
                self._auth = HttpAuth.DIGEST if digest else HttpAuth.BASIC
        return self._auth

    def _server_dialect(self) -> _Dialect:
        """Which server this is, from its ``Server`` header (asked once if need be)."""
        if self._dialect is None:
            with contextlib.suppress(httpx.TransportError):
                response = self._http().get(self.endpoint, params={"query": "ASK {}"},
                                            headers={"Accept": ACCEPT}, timeout=self.timeout)
                self._note_server(response.headers)
        return self._dialect or _GENERIC

    def _note_server(self, headers: Mapping[str, str]) -> None:
        if self._dialect is None:
            server = _header(headers, "Server")
            if server is not None:
                name = server.lower()
                self._dialect = (_VIRTUOSO if "virtuoso" in name else
                                 _OXIGRAPH if "oxigraph" in name else _GENERIC)


def _by_graph(quads: Iterable[ox.Quad], *, default: str | None,
              name: str) -> dict[str | None, list[ox.Triple]]:
    """The triples of ``quads`` by graph name (``default`` for the default graph); a blank
    node as graph name, which a remote store cannot address, is an :class:`InputError`
    (``name`` prefixes its message)."""
    by_graph: dict[str | None, list[ox.Triple]] = {}
    for quad in quads:
        target = quad.graph_name
        if isinstance(target, ox.BlankNode):
            raise InputError(f"{name}graph {target} is a blank node, which a remote store "
                             "cannot address; name it with an IRI")
        key = target.value if isinstance(target, ox.NamedNode) else default
        by_graph.setdefault(key, []).append(quad.triple)
    return by_graph
