"""``/sparql``: the SPARQL 1.1 Protocol endpoint (https://www.w3.org/TR/sparql11-protocol/).

- Query by ``GET ?query=``, by URL-encoded ``POST`` (``query=``) and by direct ``POST``
  (``Content-Type: application/sparql-query``); ``default-graph-uri`` and
  ``named-graph-uri`` give the dataset, and override ``FROM``/``FROM NAMED`` (section 2.1.4).
  Without them the default graph is the union of all graphs.
- Update by URL-encoded ``POST`` (``update=``) or direct ``POST``
  (``application/sparql-update``), with the write token; ``using-graph-uri`` and
  ``using-named-graph-uri`` become ``USING``/``USING NAMED`` of every DELETE/INSERT … WHERE
  operation, and an update naming its own dataset beside them is refused (section 2.2.3).
- Answers are content-negotiated (q-values; ``format=``/``output=`` override ``Accept``)
  and stream as the engine writes them. ``GET /sparql`` without a query gives the service
  description (https://www.w3.org/TR/sparql11-service-description/), or, for a browser
  (``Accept: text/html``), the query page: :func:`query_page`, the hook the query UI takes.
- Refused before they run: ``SERVICE`` (and ``LOAD``) to anything off
  ``GRAPHKIT_SERVICE_ALLOW_LIST``, texts longer than ``GRAPHKIT_MAX_QUERY_LENGTH``, bodies
  larger than ``GRAPHKIT_MAX_BODY_BYTES``. Queries run under ``GRAPHKIT_QUERY_TIMEOUT``
  (see :mod:`graphkit.workers`).

Relative IRIs in queries and updates resolve against ``<base_iri>sparql``, this endpoint's
IRI under the base the server's origin maps onto.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from graphkit.errors import GraphkitError
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings
from graphkit.sparql_text import (
    add_update_dataset,
    check_loads,
    check_services,
    query_form,
)
from graphkit.stores import QueryKind, Store
from graphkit.workers import QueryExecutor, QueryJob, ResultStream
from service.dependencies import executor_of, settings_of, store_of
from service.negotiation import (
    GRAPH_OFFERS,
    HTML,
    Offer,
    choose,
    format_parameter,
    offers_for,
)
from service.problems import Problem, problem_for
from service.security import read_body, require_write_token
from service.templates import templates

__all__ = ["QueryPage", "query_page", "router", "stream_body"]

router = APIRouter(tags=["sparql"])
log = logging.getLogger("graphkit.sparql")

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
_RESULT_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                       "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML",
                       "TriG", "N-Quads"]
VARY = {"Vary": "Accept"}

#: ``(request, settings) -> Response``: the page for ``GET /sparql`` with ``Accept:
#: text/html`` and no query. The query UI (YASGUI, issue 5) sets ``app.state.query_page``;
#: until then :func:`query_page` serves a plain form.
QueryPage = Callable[[Request, Settings], Response]


@dataclass
class Operation:
    """What one request asks: a query or an update, and its dataset."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    format: str | None = None


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 Protocol endpoint",
                  response_class=Response)
async def sparql(request: Request) -> Response:
    """Queries (GET, POST) and updates (POST, with the write token)."""
    # the app's objects are read here rather than injected with Depends: FastAPI runs a
    # plain ``def`` dependency in a worker thread, and three thread hops per request were
    # most of this endpoint's fixed cost
    settings, store, executor = settings_of(request), store_of(request), \
        executor_of(request)
    try:
        operation = await _read_operation(request, settings)
        if operation.update is not None:
            return await _update(request, operation, store, settings, executor)
        if operation.query is None:
            return _describe(request, settings)
        return await _query(request, operation, settings, executor)
    except Problem as problem:
        return problem.response()


# -- reading the request ------------------------------------------------------------------
async def _read_operation(request: Request, settings: Settings) -> Operation:
    parameters = list(request.query_params.multi_items())
    text: str | None = None
    direct: str | None = None
    if request.method == "POST":
        media, charset = _content_type(request)
        if media not in (FORM_TYPE, QUERY_TYPE, UPDATE_TYPE):
            raise Problem(415, "Send a query or an update as application/sparql-query, "
                               "application/sparql-update or application/x-www-form-urlencoded"
                               f" (got {media or 'no Content-Type'}).")
        if charset not in (None, "utf-8", "utf8"):
            raise Problem(415, f"The body must be UTF-8 (got charset={charset}).")
        body = await read_body(request, settings)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Problem(400, f"The body is not UTF-8: {error}") from None
        if media == FORM_TYPE:
            try:
                parameters += parse_qsl(text, keep_blank_values=True, errors="strict")
            except (UnicodeDecodeError, ValueError) as error:
                raise Problem(400, f"The form is not UTF-8: {error}") from None
        else:
            direct = "query" if media == QUERY_TYPE else "update"
    operation = Operation()
    found: dict[str, list[str]] = {}
    for name, value in parameters:
        found.setdefault(name, []).append(value)
    for name in ("query", "update"):
        if len(found.get(name, [])) > 1:
            raise Problem(400, f"Give exactly one '{name}' parameter (got "
                               f"{len(found[name])}).")
    if direct is not None:
        if "query" in found or "update" in found:
            raise Problem(400, f"A direct POST carries the {direct} in its body; do not "
                               "also give a 'query' or 'update' parameter.")
        found[direct] = [text or ""]
    if "query" in found and "update" in found:
        raise Problem(400, "Give a query or an update, not both.")
    if "update" in found and request.method != "POST":
        raise Problem(400, "An update must be sent by POST (SPARQL 1.1 Protocol 2.2).")
    operation.query = found.get("query", [None])[0]
    operation.update = found.get("update", [None])[0]
    operation.default_graphs = _iris(found, "default-graph-uri")
    operation.named_graphs = _iris(found, "named-graph-uri")
    operation.using = _iris(found, "using-graph-uri")
    operation.using_named = _iris(found, "using-named-graph-uri")
    for name in ("format", "output"):
        if found.get(name):
            operation.format = found[name][0]
    text = operation.query if operation.query is not None else operation.update
    if text is not None and len(text) > settings.max_query_length:
        status = 414 if request.method == "GET" else 413
        raise Problem(status, f"The {'query' if operation.query is not None else 'update'} "
                              f"is longer than this endpoint accepts "
                              f"({settings.max_query_length:,} characters).")
    return operation


def _content_type(request: Request) -> tuple[str, str | None]:
    header = request.headers.get("content-type", "")
    media, *parameters = (part.strip() for part in header.split(";"))
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


def _iris(found: dict[str, list[str]], name: str) -> list[str]:
    values = found.get(name, [])
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError as error:
            raise Problem(400, f"{name} {value!r} is not an absolute IRI: {error}") from None
    return values


def endpoint_iri(settings: Settings) -> str:
    """This endpoint's IRI under the base IRI: the base for relative IRIs in queries."""
    return f"{settings.base_iri}sparql"


# -- queries ------------------------------------------------------------------------------
async def _query(request: Request, operation: Operation, settings: Settings,
                 executor: QueryExecutor) -> Response:
    assert operation.query is not None
    query = operation.query
    try:
        check_services(query, allow=settings.service_allow_list,
                       base_iri=endpoint_iri(settings))
    except GraphkitError as error:
        raise problem_for(error) from None
    offers = _negotiate(request, operation, query_form(query))
    html = any(offer.format == HTML for offer in offers.values())
    dataset = bool(operation.default_graphs or operation.named_graphs)
    job = QueryJob(
        query,
        formats={kind: offer.format for kind, offer in offers.items()
                 if isinstance(offer.format, ResultFormat | RdfFormat)},
        base_iri=endpoint_iri(settings),
        default_graphs=tuple(operation.default_graphs) if dataset else None,
        named_graphs=tuple(operation.named_graphs) if dataset else None,
        table_rows=settings.max_html_rows if html else None,
    )
    try:
        stream = await executor.open_async(job)
    except GraphkitError as error:
        raise problem_for(error) from None
    offer = offers[stream.kind]
    if stream.format is None:  # an HTML table
        try:
            chunks = list(stream) if stream.complete else await run_in_threadpool(list, stream)
            table = json.loads(b"".join(chunks))
        except GraphkitError as error:
            raise problem_for(error) from None
        return templates.TemplateResponse(request, "sparql_results.html", {
            "query": query, "table": table, "limit": settings.max_html_rows,
        }, headers=VARY)
    if stream.complete:  # a short answer, already whole: one piece, no streaming
        return Response(b"".join(stream), media_type=offer.content_type, headers=VARY)
    return StreamingResponse(stream_body(stream), media_type=offer.content_type,
                             headers=VARY)


def _negotiate(request: Request, operation: Operation,
               kind: QueryKind | None) -> dict[QueryKind, Offer]:
    """The offer for each kind of answer; 406 if the query's kind has none acceptable."""
    return dict(_offers(request.headers.get("accept"), operation.format, kind))


@functools.lru_cache(maxsize=128)
def _offers(accept: str | None, format: str | None,
            kind: QueryKind | None) -> tuple[tuple[QueryKind, Offer], ...]:
    """:func:`_negotiate` for one Accept header and ``format=`` (a client sends the same
    ones again and again, so the answers are kept; a refusal is not)."""
    chosen: list[tuple[QueryKind, Offer]] = []
    for each in QueryKind:
        offer = None
        if format is not None:
            offer = format_parameter(format, each)
        if offer is None:
            offer = choose(accept, offers_for(each))
        if offer is None:
            if each is kind:
                acceptable = ", ".join(dict.fromkeys(
                    o.media_type for o in offers_for(each) if o.format != HTML))
                what = {QueryKind.SELECT: "a SELECT", QueryKind.ASK: "an ASK",
                        QueryKind.GRAPH: "a CONSTRUCT or DESCRIBE"}[each]
                raise Problem(406, f"None of the media types in Accept ({accept}) can "
                                   f"carry {what} answer; this endpoint writes "
                                   f"{acceptable}.", headers=VARY)
            offer = offers_for(each)[0]
        chosen.append((each, offer))
    return tuple(chosen)


async def stream_body(stream: ResultStream) -> AsyncIterator[bytes]:
    """The chunks of ``stream`` for a StreamingResponse, read in a worker thread each.

    An error after the first chunk cannot change the status any more: it is logged and the
    response is cut off (the connection closes without the last chunk), which every HTTP
    client reports as an incomplete answer rather than taking the part for the whole.
    """
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(_next_chunk, stream,
                                                   abandon_on_cancel=True)
            if chunk is None:
                return
            yield chunk
    except GraphkitError as error:
        log.warning("answer cut off: %s", error)
        raise
    finally:
        stream.close()


def _next_chunk(stream: ResultStream) -> bytes | None:
    return next(stream, None)


# -- updates ------------------------------------------------------------------------------
async def _update(request: Request, operation: Operation, store: Store, settings: Settings,
                  executor: QueryExecutor) -> Response:
    assert operation.update is not None
    require_write_token(request, settings)
    base = endpoint_iri(settings)
    try:
        check_services(operation.update, allow=settings.service_allow_list, base_iri=base)
        check_loads(operation.update, allow=settings.service_allow_list, base_iri=base)
        text = add_update_dataset(operation.update, using=operation.using,
                                  using_named=operation.using_named)
        await run_in_threadpool(executor.write, lambda: store.update(text, base_iri=base))
    except GraphkitError as error:
        raise problem_for(error, what="Update") from None
    return Response(status_code=204)


# -- the service description and the query page --------------------------------------------
def _describe(request: Request, settings: Settings) -> Response:
    offer = choose(request.headers.get("accept"), GRAPH_OFFERS)
    if offer is None:
        raise Problem(406, "The service description is RDF: ask for text/turtle, "
                           "application/ld+json, application/rdf+xml, application/n-triples, "
                           "or text/html for the query page.", headers=VARY)
    if offer.format == HTML:
        page: QueryPage = getattr(request.app.state, "query_page", None) or query_page
        return page(request, settings)
    assert isinstance(offer.format, RdfFormat)
    body = ox.serialize(service_description(request, settings), format=offer.format.oxigraph,
                        prefixes={"sd": SD, "formats": FORMATS,
                                  "dcterms": "http://purl.org/dc/terms/"})
    return Response(body, media_type=offer.content_type, headers=VARY)


def service_description(request: Request, settings: Settings) -> list[ox.Triple]:
    """The ``sd:Service`` this endpoint is: endpoint, languages, formats, features."""
    origin = settings.public_origin.rstrip("/") if settings.public_origin \
        else str(request.base_url).rstrip("/")
    service = ox.BlankNode()
    dataset, default = ox.BlankNode(), ox.BlankNode()

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(f"{origin}/sparql")),
        ox.Triple(service, ox.NamedNode("http://purl.org/dc/terms/title"),
                  ox.Literal("OpenGov KG SPARQL endpoint", language="en")),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("feature"), sd("EmptyGraphs")),
        ox.Triple(service, sd("defaultEntailmentRegime"),
                  ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    if settings.write_token is not None and settings.write_token.get_secret_value():
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    if settings.service_allow_list:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + name))
                for name in _RESULT_FORMAT_IRIS]
    return triples


def query_page(request: Request, settings: Settings) -> Response:
    """A plain query form: what a browser gets at ``GET /sparql`` until the query UI
    (``app.state.query_page``) is installed."""
    return templates.TemplateResponse(request, "sparql_form.html", {
        "limit": settings.max_html_rows,
    }, headers=VARY)
