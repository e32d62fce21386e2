"""``/api/queries``: the named queries of ``sparql/*.rq`` as a JSON API, and ``/query``:
the query UI (YASGUI) with those queries as example tabs.

- ``GET /api/queries`` lists the catalogue (name, summary, description, tags, typed
  parameters with their defaults, pagination, the query text).
- ``GET /api/queries/{name}?param=value&page=N`` runs one query, its parameters bound as
  RDF terms (:mod:`graphkit.named_queries`), under the endpoint's time limit; the answer is
  negotiated like ``/sparql`` (SPARQL JSON by default; XML, CSV, TSV; RDF formats for a
  CONSTRUCT). Each query is its own operation in the OpenAPI document, with its parameters.
- ``GET /query``, and ``GET /sparql`` for a browser, give the YASGUI page (``service/static/
  vendor/yasgui``, built by ``make assets``): the ontology's prefixes declared, the named
  queries as tabs, completion of variables only (YASGUI's other completers call outside
  services).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from graphkit.errors import GraphkitError, UsageError
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.named_queries import NamedQuery, ParameterType, load_named_queries
from graphkit.namespaces import PREFIXES, sparql_prefixes
from graphkit.settings import Settings
from graphkit.workers import QueryJob
from service.dependencies import executor_of, settings_of
from service.negotiation import HTML, choose, offers_for
from service.problems import Problem, problem_for
from service.routers.sparql import endpoint_iri, stream_body
from service.templates import templates

__all__ = ["install", "query_ui"]

log = logging.getLogger("graphkit.queries")
STATIC = Path(__file__).resolve().parent.parent / "static"
VARY = {"Vary": "Accept"}
_PARAMETER_SCHEMA = {
    ParameterType.IRI: {"type": "string", "format": "uri"},
    ParameterType.STRING: {"type": "string"},
    ParameterType.LANGUAGE: {"type": "string"},
}
_DATATYPE_SCHEMA = {"integer": {"type": "integer"}, "decimal": {"type": "number"},
                    "double": {"type": "number"}, "boolean": {"type": "boolean"},
                    "date": {"type": "string", "format": "date"},
                    "dateTime": {"type": "string", "format": "date-time"}}


def install(app: FastAPI, settings: Settings) -> None:
    """Add the named-query API and the query UI to ``app``; the catalogue is read now from
    ``<project_root>/sparql`` (a bad query file stops the start with its file and line)."""
    directory = settings.project_root / "sparql"
    if not directory.is_dir():
        log.warning("no named queries: %s is not a directory (set GRAPHKIT_PROJECT_ROOT)",
                    directory.resolve())
    catalogue = load_named_queries(directory)
    app.state.named_queries = catalogue
    app.state.query_page = query_ui
    router = APIRouter(prefix="/api/queries", tags=["named queries"])
    router.add_api_route("", list_queries, methods=["GET"], summary="List the named queries")
    for query in catalogue.values():
        router.add_api_route(
            f"/{query.name}", _runner(query), methods=["GET"], name=f"query_{query.name}",
            summary=query.summary, description=query.description or query.summary,
            tags=["named queries", *query.tags], response_class=Response,
            openapi_extra={"parameters": _openapi_parameters(query),
                           "responses": _openapi_responses(query)})
    router.add_api_route("/{name}", unknown_query, methods=["GET"], include_in_schema=False)
    app.include_router(router)
    app.add_api_route("/query", query_ui_route, methods=["GET"], tags=["sparql"],
                      summary="The query UI (YASGUI)", response_class=Response)
    if not any(isinstance(route, Mount) and route.path == "/static" for route in app.routes):
        app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")


# -- the API ------------------------------------------------------------------------------
async def list_queries(request: Request) -> JSONResponse:
    """Every named query with its parameters, and the path that runs it."""
    catalogue: dict[str, NamedQuery] = request.app.state.named_queries
    return JSONResponse([{**query.describe(), "path": f"/api/queries/{query.name}"}
                         for query in catalogue.values()])


async def unknown_query(request: Request, name: str) -> Response:
    catalogue: dict[str, NamedQuery] = request.app.state.named_queries
    return Problem(404, f"There is no named query {name!r}; GET /api/queries lists the "
                        f"{len(catalogue)} there are.").response()


def _runner(query: NamedQuery) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await run_query(request, query)
        except Problem as problem:
            return problem.response()
    run.__doc__ = query.description or query.summary
    return run


async def run_query(request: Request, query: NamedQuery) -> Response:
    """Bind the request's parameters, negotiate the format, and stream the answer."""
    settings = settings_of(request)
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            raise Problem(400, f"The parameter {key} is given more than once.")
        values[key] = value
    page = _page(values.pop("page", None))
    try:
        text = query.bind(values, page=page)
    except UsageError as error:
        raise Problem(400, f"Query {query.name}: {error}") from None
    offers = [offer for offer in offers_for(query.kind) if offer.format != HTML]
    accept = request.headers.get("accept")
    offer = choose(accept, offers)
    if offer is None:
        acceptable = ", ".join(dict.fromkeys(o.media_type for o in offers))
        raise Problem(406, f"None of the media types in Accept ({accept}) can carry the "
                           f"answer of {query.name}; it is written as {acceptable}.",
                      headers=VARY)
    assert isinstance(offer.format, ResultFormat | RdfFormat)
    job = QueryJob(text, formats={query.kind: offer.format}, base_iri=endpoint_iri(settings))
    try:
        stream = await executor_of(request).open_async(job)
    except GraphkitError as error:
        raise problem_for(error) from None
    headers = dict(VARY)
    if query.pagination is not None:
        headers["Link"] = _links(request, page or 1)
    if stream.complete:  # a short answer, already whole
        return Response(b"".join(stream), media_type=offer.content_type, headers=headers)
    return StreamingResponse(stream_body(stream), media_type=offer.content_type,
                             headers=headers)


def _page(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise Problem(400, f"page must be a whole number from 1 (got {value!r}).")
    return int(value)


def _links(request: Request, page: int) -> str:
    """RFC 8288 links to the neighbouring pages, as grlc gives them."""
    others = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def url(number: int) -> str:
        return f"<{request.url.path}?{urlencode([*others, ('page', str(number))])}>"

    links = [f'{url(page + 1)}; rel="next"', f'{url(1)}; rel="first"']
    if page > 1:
        links.append(f'{url(page - 1)}; rel="prev"')
    return ", ".join(links)


def _openapi_parameters(query: NamedQuery) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for parameter in query.parameters:
        if parameter.type is ParameterType.DATATYPE:
            local = (parameter.datatype or "").rsplit("#", 1)[-1]
            schema: dict[str, Any] = dict(_DATATYPE_SCHEMA.get(local, {"type": "string"}))
        else:
            schema = dict(_PARAMETER_SCHEMA[parameter.type])
        if parameter.default is not None:
            schema["default"] = parameter.default
        parameters.append({
            "name": parameter.name, "in": "query", "required": False if
            parameter.default is not None else parameter.required, "schema": schema,
            "description": f"{parameter.type_name} (bound to ?{parameter.variable})",
        })
    if query.pagination is not None:
        parameters.append({"name": "page", "in": "query", "required": False,
                           "schema": {"type": "integer", "minimum": 1, "default": 1},
                           "description": f"page of {query.pagination} rows"})
    return parameters


def _openapi_responses(query: NamedQuery) -> dict[str, Any]:
    content: dict[str, Any] = {offer.media_type: {} for offer in offers_for(query.kind)
               if offer.format != HTML}
    return {"200": {"description": f"the {query.kind.value.upper()} answer",
                    "content": content},
            "400": {"description": "a parameter missing or not of its type"},
            "406": {"description": "no acceptable media type"},
            "503": {"description": "the query ran past the time limit"}}


# -- the query UI -------------------------------------------------------------------------
async def query_ui_route(request: Request) -> Response:
    return query_ui(request, settings_of(request))


def query_ui(request: Request, settings: Settings) -> Response:
    """The YASGUI page: ``GET /query``, and ``GET /sparql`` for a browser.

    ``?query=`` (the entity pages' "query this" link) opens the first tab with that query
    (ignored when longer than ``GRAPHKIT_MAX_QUERY_LENGTH``, like any query).
    """
    catalogue: dict[str, NamedQuery] = getattr(request.app.state, "named_queries", {})
    given = request.query_params.get("query", "")
    first = given if given.strip() and len(given) <= settings.max_query_length else _starter()
    tabs = [{"name": "Query", "query": first}]
    for query in catalogue.values():
        try:
            text = query.bind({})
        except UsageError:  # a required parameter without a default: show the template
            text = query.text
        tabs.append({"name": query.name, "query": f"# {query.summary}\n{text.strip()}\n"})
    config = {"endpoint": "/sparql", "tabs": tabs,
              "prefixes": PREFIXES}
    return templates.TemplateResponse(request, "query.html", {
        "config": json.dumps(config).replace("</", "<\\/"),
        "vendor": "/static/vendor/yasgui",
    }, headers=VARY)


def _starter() -> str:
    return (sparql_prefixes() + "\nSELECT ?class (COUNT(?entity) AS ?entities) WHERE {\n"
            "  ?entity a ?class .\n  FILTER(STRSTARTS(STR(?entity), STR(id:)))\n}\n"
            "GROUP BY ?class\nORDER BY DESC(?entities)\n")
