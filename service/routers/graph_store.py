"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

Graphs are named two ways (section 4):

- indirectly, ``/store?graph=<IRI>`` for a named graph and ``/store?default`` for the
  default graph; an IRI on this server's own origin (the request's, or
  ``GRAPHKIT_PUBLIC_ORIGIN``) stands for the same path under the base IRI, as everywhere
  on this server;
- directly, the request IRI itself: ``/store/<path>`` is the graph ``<base_iri>store/<path>``
  (``http://127.0.0.1:8000/store/team/notes`` is ``https://w3id.org/ogkg/store/team/notes``).

``GET``/``HEAD`` read a graph (content-negotiated, streamed; ``GET /store`` alone gives the
whole dataset), ``PUT`` replaces it, ``POST`` merges into it (a ``multipart/form-data``
body merges every part, each with its own ``Content-Type``), ``DELETE`` removes it;
``POST /store`` creates a graph ``<base_iri>store/<uuid>`` and answers ``201 Created``
with its ``Location``. Status codes as section 5 gives them: ``201`` when a write created
the graph, ``204`` when it changed an existing one, ``404`` for a graph that is not there.
Writes need the write token. The default graph here is the store's own default graph (a
query's default graph is the union of all graphs).
"""

from __future__ import annotations

import email.parser
import email.policy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Annotated
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from graphkit.blank_nodes import FreshBlankNodes
from graphkit.errors import GraphkitError, position_of
from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, Store, graph_exists
from graphkit.workers import QueryExecutor, stream_from_thread
from service.dependencies import get_executor, get_settings, get_store
from service.negotiation import GRAPH_OFFERS, HTML, choose
from service.problems import Problem, problem_for
from service.routers.sparql import stream_body
from service.security import read_body, require_write_token

__all__ = ["Target", "router"]

router = APIRouter(tags=["graph store"])

METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
_GRAPH_OFFERS = tuple(o for o in GRAPH_OFFERS if o.format != HTML)
_DATASET_OFFERS = tuple(sorted(_GRAPH_OFFERS, key=lambda o: o.format not in (
    RdfFormat.TRIG, RdfFormat.N_QUADS)))  # the whole store: TriG first
VARY = {"Vary": "Accept"}


@dataclass(frozen=True)
class Target:
    """The graph a request names: an IRI, ``None`` for the default graph, or, with
    ``whole_store``, the graph store itself."""

    graph: str | None
    whole_store: bool = False


@router.api_route("/store", methods=METHODS, summary="Graph Store Protocol, indirect "
                  "identification (?graph=IRI, ?default)", response_class=Response)
async def indirect(request: Request, store: Annotated[Store, Depends(get_store)],
                   settings: Annotated[Settings, Depends(get_settings)],
                   executor: Annotated[QueryExecutor, Depends(get_executor)]) -> Response:
    try:
        return await _handle(request, _indirect_target(request, settings), store, settings,
                             executor)
    except Problem as problem:
        return problem.response()


@router.api_route("/store/{path:path}", methods=METHODS, summary="Graph Store Protocol, "
                  "direct identification (the request IRI names the graph)",
                  response_class=Response)
async def direct(request: Request, path: str, store: Annotated[Store, Depends(get_store)],
                 settings: Annotated[Settings, Depends(get_settings)],
                 executor: Annotated[QueryExecutor, Depends(get_executor)]) -> Response:
    try:
        return await _handle(request, _direct_target(request, settings), store, settings,
                             executor)
    except Problem as problem:
        return problem.response()


# -- which graph --------------------------------------------------------------------------
def _indirect_target(request: Request, settings: Settings) -> Target:
    graphs = request.query_params.getlist("graph")
    default = "default" in request.query_params
    if graphs and default:
        raise Problem(400, "Name either a graph (?graph=IRI) or the default graph "
                           "(?default), not both.")
    if len(graphs) > 1:
        raise Problem(400, "Name one graph (?graph=IRI), not several.")
    if default:
        return Target(None)
    if not graphs:
        return Target(None, whole_store=True)
    return Target(_checked(_from_own_origin(graphs[0], request, settings)))


def _direct_target(request: Request, settings: Settings) -> Target:
    if "graph" in request.query_params or "default" in request.query_params:
        raise Problem(400, "A graph named by its own URL (/store/...) takes no ?graph or "
                           "?default parameter.")
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    prefix = request.scope.get("root_path", "") + "/store/"
    rest = path[len(prefix):] if path.startswith(prefix) else path.rsplit("/store/", 1)[-1]
    return Target(_checked(f"{settings.base_iri}store/{rest}"))


def _checked(iri: str) -> str:
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise Problem(400, f"{iri!r} is not an absolute IRI: {error}") from None
    return iri


def _origins(request: Request, settings: Settings) -> list[str]:
    origins = [str(request.base_url).rstrip("/")]
    if settings.public_origin:
        origins.insert(0, settings.public_origin.rstrip("/"))
    return origins


def _from_own_origin(iri: str, request: Request, settings: Settings) -> str:
    """An IRI on this server's origin stands for the same path under the base IRI."""
    for origin in _origins(request, settings):
        if iri.startswith(origin + "/"):
            return settings.base_iri + iri[len(origin) + 1:]
    return iri


def graph_url(graph: str, request: Request, settings: Settings) -> str:
    """A URL on this server that names ``graph`` (for ``Location``)."""
    origin = _origins(request, settings)[0]
    direct = f"{settings.base_iri}store/"
    if graph.startswith(direct):
        return f"{origin}/store/{graph[len(direct):]}"
    return f"{origin}/store?graph={quote(graph, safe='')}"


# -- the methods --------------------------------------------------------------------------
async def _handle(request: Request, target: Target, store: Store, settings: Settings,
                  executor: QueryExecutor) -> Response:
    try:
        if request.method in ("GET", "HEAD"):
            return await _read(request, target, store)
        require_write_token(request, settings)
        if request.method == "DELETE":
            return await _delete(target, store, executor)
        return await _write(request, target, store, settings, executor)
    except GraphkitError as error:
        raise problem_for(error, what="Request") from None


async def _read(request: Request, target: Target, store: Store) -> Response:
    offers = _DATASET_OFFERS if target.whole_store else _GRAPH_OFFERS
    offer = choose(request.headers.get("accept"), offers)
    if offer is None:
        listed = ", ".join(dict.fromkeys(o.media_type for o in offers))
        raise Problem(406, f"None of the media types in Accept can carry a graph; this "
                           f"endpoint writes {listed}.", headers=VARY)
    if target.graph is not None and not await run_in_threadpool(
            graph_exists, store, target.graph):
        raise Problem(404, f"There is no graph <{target.graph}> in the store.")
    if request.method == "HEAD":
        return Response(status_code=200, media_type=offer.content_type, headers=VARY)
    assert isinstance(offer.format, RdfFormat)
    stream = await run_in_threadpool(stream_from_thread,
                                     _writer(store, target, offer.format))
    return StreamingResponse(stream_body(stream), media_type=offer.content_type,
                             headers=VARY)


def _writer(store: Store, target: Target, format: RdfFormat) -> Callable[[IO[bytes]], None]:
    if target.whole_store:
        return lambda output: store.dump(output, format=format)
    if target.graph is not None:
        # the store's dump, not a CONSTRUCT, which Virtuoso cuts at ResultSetMaxRows without
        # a word; RemoteStore counts the graph and raises rather than send a part of it
        graph = target.graph
        return lambda output: store.dump(output, format=format, graph=graph)
    if isinstance(store, OxigraphStore):  # the store's own default graph, not the union
        triples_format = {RdfFormat.TRIG: RdfFormat.TURTLE,
                          RdfFormat.N_QUADS: RdfFormat.N_TRIPLES}.get(format, format)
        raw = store.raw

        def own_default_graph(output: IO[bytes]) -> None:
            raw.dump(output, triples_format.oxigraph, from_graph=ox.DefaultGraph())

        return own_default_graph
    # another backend: its default graph as its own SPARQL service sees it
    return lambda output: store.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(
        output, format)


async def _delete(target: Target, store: Store, executor: QueryExecutor) -> Response:
    if target.whole_store:
        raise Problem(400, "DELETE needs a graph: /store?graph=IRI, /store?default or "
                           "/store/<path>.")
    if target.graph is None:
        await run_in_threadpool(executor.write, lambda: store.update("CLEAR DEFAULT"))
        return Response(status_code=204)
    graph = target.graph
    if not await run_in_threadpool(graph_exists, store, graph):
        raise Problem(404, f"There is no graph <{graph}> in the store.")
    await run_in_threadpool(executor.write, lambda: store.remove_graph(graph))
    return Response(status_code=204)


async def _write(request: Request, target: Target, store: Store, settings: Settings,
                 executor: QueryExecutor) -> Response:
    replace = request.method == "PUT"
    if target.whole_store and replace:
        raise Problem(400, "PUT needs a graph: /store?graph=IRI, /store?default or "
                           "/store/<path>.")
    body = await read_body(request, settings)
    content_type = request.headers.get("content-type", "")
    graph = f"{settings.base_iri}store/{uuid.uuid4().hex}" if target.whole_store \
        else target.graph
    base = graph or f"{settings.base_iri}store"
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        data, format = _as_ntriples(_parts(body, content_type), base), RdfFormat.N_TRIPLES
    else:
        data, format = body, _body_format(content_type)
        if format is RdfFormat.JSON_LD:  # a dataset format to the loader: its triples
            data, format = _as_ntriples([("the body", format, body)], base), \
                RdfFormat.N_TRIPLES
    created = graph is not None and not await run_in_threadpool(graph_exists, store, graph)

    def write() -> None:
        store.load(data, format=format, graph=graph, base_iri=base, replace=replace)
        if graph is not None:
            store.add_graph(graph)  # a graph PUT with no triples still exists

    await run_in_threadpool(executor.write, write)
    if created:
        assert graph is not None
        return Response(status_code=201,
                        headers={"Location": graph_url(graph, request, settings)})
    return Response(status_code=204)


def _body_format(content_type: str, *, what: str = "The body") -> RdfFormat:
    media = content_type.split(";")[0].strip().lower()
    format = RdfFormat.from_media_type(media) if media else None
    if format is None or format in (RdfFormat.TRIG, RdfFormat.N_QUADS):
        listed = ", ".join(f.media_type for f in RdfFormat
                           if f not in (RdfFormat.TRIG, RdfFormat.N_QUADS))
        raise Problem(415, f"{what} must be a graph in one of {listed} "
                           f"(got {media or 'no Content-Type'}).")
    return format


def _parts(body: bytes, content_type: str) -> list[tuple[str, RdfFormat, bytes]]:
    """The parts of a multipart/form-data body: name, format, content."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise Problem(400, "The multipart/form-data body has no parts (is the boundary "
                           "right?).")
    parts = []
    for number, part in enumerate(message.iter_parts(), start=1):
        name = str(part.get_filename() or part.get_param("name", header="content-disposition")
                   or f"part {number}")
        if part["content-type"] is None:
            raise Problem(415, f"Part {name} has no Content-Type.")
        format = _body_format(str(part["content-type"]), what=f"Part {name}")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append((name, format, payload))
    return parts


def _as_ntriples(parts: list[tuple[str, RdfFormat, bytes]], base_iri: str) -> bytes:
    """RDF documents as one N-Triples document, the blank nodes of each kept apart."""
    triples: list[ox.Triple] = []
    for name, format, payload in parts:
        apart = FreshBlankNodes()
        try:
            triples.extend(apart.triple(quad)
                           for quad in ox.parse(payload, format=format.oxigraph,
                                                base_iri=base_iri))
        except SyntaxError as error:
            line, column = position_of(error)
            where = f" at line {line}, column {column}" if line else ""
            raise Problem(400, f"RDF syntax error in {name}{where}: {error}") from None
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
