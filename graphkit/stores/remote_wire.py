"""The wire side of :class:`~graphkit.stores.remote.RemoteStore`: what each kind of server
does differently, how its answers and errors are read, and the text of the requests.

Split from :mod:`graphkit.stores.remote` (the store itself); nothing here holds state.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gzip
import html
import http.client
import re
import ssl
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, TypeVar, cast

import httpx
import pyoxigraph as ox
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from graphkit.errors import (
    AnswerCutError,
    GraphkitError,
    InputError,
    QuerySyntaxError,
    QueryTimeoutError,
    RemoteStoreError,
    StoreError,
    position_of,
)
from graphkit.formats import RdfFormat, ResultFormat, is_gzip_path
from graphkit.stores.base import LoadSource, Progress, QueryResult

#: Stands for "no graph" in a dataset: the Protocol cannot say "empty" any other way.
EMPTY_GRAPH = "urn:graphkit:empty-graph"
ACCEPT = ("application/sparql-results+xml, application/n-triples;q=0.9, "
          "text/turtle;q=0.8, application/sparql-results+json;q=0.5, "
          "application/rdf+xml;q=0.5")
NT = RdfFormat.N_TRIPLES
_CHUNK = 64 * 1024


class HttpAuth(str, Enum):
    """How credentials are sent; ``None`` in :class:`RemoteStore` asks the server's 401."""

    BASIC = "basic"
    DIGEST = "digest"


@dataclass(frozen=True)
class _Dialect:
    """What one kind of server does differently."""

    name: str
    atomic_update: bool = True
    empty_graphs: bool = True
    default_graph: bool = True
    describe_prefix: str = ""
    dataset_loads_by_graph: bool = False  # updates too small for a whole file
    keeps_named_graphs: bool = False  # default-graph-uri alone leaves every named graph in
    timeout_parameter: str | None = None  # milliseconds, so the server stops working too
    cuts_graph_reads: bool = False  # Graph Store GET and CONSTRUCT silently cut at a row cap
    union_parameter: str | None = None  # asks for the union default graph, per query
    max_template_triples: int | None = None  # INSERT {…} WHERE {} (blank nodes) at most


_GENERIC = _Dialect("generic")
# Oxigraph's --union-default-graph flag makes it refuse updates with WITH or USING, so the
# union is asked for query by query instead, and the default graph stays its own.
_OXIGRAPH = _Dialect("oxigraph", union_parameter="union-default-graph")
_VIRTUOSO = _Dialect("virtuoso", atomic_update=False, empty_graphs=False, default_graph=False,
                     describe_prefix='define sql:describe-mode "CBD"\n',
                     dataset_loads_by_graph=True, keeps_named_graphs=True,
                     timeout_parameter="timeout", cuts_graph_reads=True,
                     # its SQL compiler stops at 10,000 lines (SP031), about 1,200 triples
                     max_template_triples=1000)



@contextlib.contextmanager
def sparql_errors(url: str, timeout: float, *, lines_added: int = 0,
                  update: bool = False) -> Iterator[None]:
    """SPARQLWrapper's and urllib's exceptions as graphkit's, naming the URL."""
    what = "update" if update else "query"
    try:
        yield
    except GraphkitError:
        raise
    except QueryBadFormed as error:
        message = _server_message(_body_of(error))
        line, column = position_of(SyntaxError(message))
        if line is not None:
            line = line - lines_added if line > lines_added else None
            column = column if line is not None else None
        message = re.sub(r"^error at \d+:\d+: ", "", message)
        raise QuerySyntaxError(message, line=line, column=column) from error
    except Unauthorized as error:
        raise RemoteStoreError(f"{url}: the server refused the credentials (401): "
                               f"{_server_message(_body_of(error))}", status=401) from error
    except EndPointNotFound as error:
        raise RemoteStoreError(f"{url}: no SPARQL endpoint there (404)", status=404) from error
    except URITooLong as error:
        raise RemoteStoreError(f"{url}: the request is too long (414)", status=414) from error
    except EndPointInternalError as error:
        message = _server_message(_body_of(error))
        if "S1TAT" in message or "interrupted by result timeout" in message:
            raise QueryTimeoutError(f"{url}: the server stopped the {what} at its time "
                                    f"limit: {message}") from error
        raise RemoteStoreError(f"{url}: the {what} failed (500): {message}",
                               status=500) from error
    except SPARQLWrapperException as error:
        raise RemoteStoreError(f"{url}: {error}") from error
    except urllib.error.HTTPError as error:
        message = _server_message(error.read())
        raise RemoteStoreError(f"{url}: the {what} failed ({error.code} {error.reason}): "
                               f"{message}", status=error.code) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timed_out(url, what, timeout) from error
        raise StoreError(f"cannot reach the SPARQL endpoint {url}: {error.reason}") from error
    except TimeoutError as error:
        raise _timed_out(url, what, timeout) from error
    except (http.client.HTTPException, OSError) as error:
        raise StoreError(f"{url}: the connection failed: {error!r}") from error


# -- helpers ------------------------------------------------------------------------------
@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once: loading the CA bundle takes ~0.1 s."""
    return httpx.create_ssl_context()


_LEXICAL = re.compile(r'<[^<>"{}|^`\\\s]*>|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''
                      r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def _query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside IRIs, strings
    and comments (SELECT when none, and the server will say what is wrong)."""
    found = _FORM.search(_LEXICAL.sub(" ", query))
    return found.group(1).upper() if found else "SELECT"


def _read_all(response: IO[bytes], deadline: float, late: str) -> bytes:
    chunks = []
    while chunk := response.read(_CHUNK):
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise QueryTimeoutError(late)
    return b"".join(chunks)


def _timed_out(url: str, what: str, timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(f"{url}: no answer within {timeout:g} s; the {what} was "
                             "abandoned (the server may still be working on it)")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


_XML_BNODE = re.compile(rb"<bnode>nodeID://")
_JSON_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')


def _plain_blank_nodes(body: bytes, format: ResultFormat) -> bytes:
    """Virtuoso names blank nodes ``nodeID://b1``, which no parser takes as a label."""
    if b"nodeID://" not in body:
        return body
    if format is ResultFormat.XML:
        return _XML_BNODE.sub(b"<bnode>", body)
    if format is ResultFormat.JSON:
        return _JSON_BNODE.sub(rb"\1", body)
    return body


def _text(term: object) -> str:
    """The lexical value of an IRI, blank node or literal."""
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    raise RemoteStoreError(f"expected an IRI or a literal, got {term!r}")


def _truthy(term: object) -> bool:
    return isinstance(term, ox.Literal) and term.value not in ("0", "false")


def _body_of(error: SPARQLWrapperException) -> bytes:
    """The server's answer, which SPARQLWrapper keeps only as a repr in its message."""
    text = str(error)
    marker = "\n\nResponse:\n"
    if marker in text:
        with contextlib.suppress(ValueError, SyntaxError):
            body = ast.literal_eval(text.split(marker, 1)[1])
            if isinstance(body, bytes):
                return body
    return text.encode()


def _server_message(body: bytes) -> str:
    """A server's error answer as one readable line (HTML stripped, echoed query cut)."""
    text = body.decode("utf-8", "replace")
    if re.search(r"<(html|!doctype|body)\b", text, re.IGNORECASE):
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.split(r"\n\s*SPARQL query:", text, maxsplit=1)[0]
    text = " ".join(text.split())
    return text[:1000] or "(no message)"


def _graph_ref(graph: str | None) -> str:
    return f"GRAPH <{graph}>" if graph is not None else "DEFAULT"


GRAPH_BLOCK = 1000  # triples per GRAPH block of an INSERT DATA (see _insert_data)


def _insert_data(by_graph: Mapping[str | None, list[ox.Triple]]) -> str:
    """One update operation inserting every graph; N-Triples lines are valid SPARQL triples.

    ``INSERT DATA``, or with blank nodes ``INSERT {…} WHERE {}``: the same data (one
    solution, so one fresh node per label), and Virtuoso refuses blank nodes in
    ``INSERT DATA``. A named graph's triples go in ``GRAPH`` blocks of at most
    :data:`GRAPH_BLOCK` triples: Virtuoso 7.2's SPARQL parser runs out of stack ("SP030 …
    memory exhausted") on one block of about 5,000 triples, but takes 100,000 triples in one
    operation as blocks of 1,000. One operation, not several joined by ``;``: Virtuoso
    keeps the operations of a request that ran before a failing one.
    """
    parts = []
    blank = False
    for graph, triples in sorted(by_graph.items(), key=lambda item: item[0] is not None):
        blank = blank or any(isinstance(term, ox.BlankNode)
                             for t in triples for term in (t.subject, t.object))
        if graph is None:  # one block: only servers with a default graph of their own
            # with no output, serialize returns the bytes (the stubs say bytes | None)
            parts.append(cast(bytes, ox.serialize(triples, format=NT.oxigraph)).decode("utf-8"))
            continue
        for start in range(0, max(len(triples), 1), GRAPH_BLOCK):
            body = cast(bytes, ox.serialize(triples[start:start + GRAPH_BLOCK],
                                            format=NT.oxigraph)).decode("utf-8")
            parts.append(f"GRAPH <{graph}> {{\n{body}}}")
    data = "\n".join(parts)
    return f"INSERT {{\n{data}\n}} WHERE {{}}" if blank else f"INSERT DATA {{\n{data}\n}}"


def _read(source: LoadSource, progress: Progress | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        data, name = source, "<bytes>"
    elif isinstance(source, Path):
        if not source.is_file():
            raise InputError(f"{source}: no such file")
        opener = gzip.open if is_gzip_path(source) else open
        try:
            with opener(source, "rb") as stream:
                data = stream.read()
        except OSError as error:
            raise InputError(f"{source}: cannot read: {error}") from error
        name = str(source)
    else:
        data, name = source.read(), str(getattr(source, "name", "<stream>"))
    if progress is not None:
        progress(len(data))
    return data, name


T = TypeVar("T")

#: A server that resolves a deadlock by rolling one transaction back (Virtuoso: SQLSTATE
#: 40001, "SR172: Transaction deadlocked", frequent under REPEATABLE READ) asks the client
#: to run it again: so many more times, after DEADLOCK_PAUSE seconds, doubling.
DEADLOCK_RETRIES = 5
DEADLOCK_PAUSE = 0.05


def deadlocked(error: RemoteStoreError) -> bool:
    """Whether the server rolled the request back as a deadlock victim."""
    text = str(error)
    return "40001" in text or "deadlock" in text.lower()


def retry_deadlocks(action: Callable[[], T], *, deadline: float | None = None) -> T:
    """``action()``, run again (after a pause that doubles) while the server answers that
    it rolled it back as a deadlock victim, at most :data:`DEADLOCK_RETRIES` more times and
    not past ``deadline`` (``time.monotonic()``). The victim's transaction was undone whole,
    so running it again is safe."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return action()
        except RemoteStoreError as error:
            pause = DEADLOCK_PAUSE * 2 ** attempt
            if not deadlocked(error) or (deadline is not None
                                         and time.monotonic() + pause >= deadline):
                raise
            time.sleep(pause)
    return action()


def parse_answer(endpoint: str, body: bytes, headers: Mapping[str, str]) -> QueryResult:
    """A query's answer from ``endpoint``, or the error its headers report (a partial
    answer at the time limit, one cut at the row cap) or its body makes (no parse)."""
    state = _header(headers, "X-SQL-State")
    if state:
        message = _header(headers, "X-SQL-Message") or state
        if state == "S1TAT":
            raise QueryTimeoutError(f"{endpoint}: the server stopped the query at its "
                                    f"time limit and answered in part: {message}")
        raise RemoteStoreError(f"{endpoint}: the server answered in part: {message}")
    cut = _header(headers, "X-SPARQL-MaxRows")
    if cut:
        raise AnswerCutError(
            f"{endpoint}: the server cut the answer at {cut} rows (Virtuoso's "
            "ResultSetMaxRows); page it with LIMIT/OFFSET or raise the limit",
            rows=int(cut) if cut.strip().isdigit() else None)
    media = (_header(headers, "Content-Type") or "").split(";")[0].strip().lower()
    results = ResultFormat.from_media_type(media)
    rdf = RdfFormat.from_media_type(media)
    try:
        if results is not None:
            parsed = ox.parse_query_results(_plain_blank_nodes(body, results),
                                            format=results.oxigraph)
            if isinstance(parsed, ox.QuerySolutions):
                if [v.value for v in parsed.variables] == ["__ASK_RETVAL"]:
                    # Virtuoso's ASK: one row holding 1 for true, no row for false
                    return QueryResult(any(_truthy(row[0]) for row in parsed))
                return QueryResult(parsed)
            return QueryResult(parsed)
        if rdf is not None:
            return QueryResult([quad.triple for quad in ox.parse(body, format=rdf.oxigraph)])
    except SyntaxError as error:
        raise RemoteStoreError(f"{endpoint}: the answer ({media}) does not parse: "
                               f"{error}") from error
    raise RemoteStoreError(f"{endpoint}: the answer is {media or 'untyped'}, neither "
                           "a SPARQL result format nor RDF")
