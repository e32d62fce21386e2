"""The dataset describing itself and downloadable whole.

- ``/.well-known/void``: the VoID description (https://www.w3.org/TR/void/#well-known),
  counted from the live store, content-negotiated (Turtle for ``*/*``; a page for browsers).
- ``/catalog``: a DCAT 3 catalogue (https://www.w3.org/TR/vocab-dcat-3/): the catalogue,
  the dataset, one distribution per dump with media type, size and SHA-256, and the
  SPARQL endpoint as a data service. Both validate against ``shapes/dcat.ttl``.
- ``/dumps/``: the list of dumps; ``/dumps/<file>`` one dump (N-Triples and N-Quads gzipped,
  Turtle, JSON-LD), ``/dumps/<file>.sha256`` its checksum in ``sha256sum`` format. A dump is
  written to a file (streaming from the store, never held in memory) the first time it is
  asked for after the store changed, then served from that file with ``ETag`` (its SHA-256)
  and ``Last-Modified``; ``If-None-Match`` and ``If-Modified-Since`` answer ``304``.
"""

from __future__ import annotations

import base64
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from graphkit.dataset import Dump, DumpFormat, dcat_catalog, void_description
from graphkit.namespaces import PREFIXES
from service.linked_data import (
    LinkedData,
    get_linked_data,
    negotiate,
    not_found,
    render,
)
from service.routers.entities import alternate_links, rdf_response

__all__ = ["router"]

router = APIRouter(tags=["dataset"])

#: What a dump file is sent as: gzipped dumps as gzip (the checksum is of those bytes).
_SENT_AS = {DumpFormat.NT_GZ: "application/gzip", DumpFormat.NQ_GZ: "application/gzip",
            DumpFormat.TURTLE: "text/turtle; charset=utf-8",
            DumpFormat.JSON_LD: "application/ld+json"}


def _by_file_name(ld: LinkedData) -> dict[str, DumpFormat]:
    return {f.file_name(ld.dumps.stem): f for f in DumpFormat}


def _void(ld: LinkedData, request: Request) -> list[ox.Triple]:
    meta = ld.metadata(request)
    urls = [meta.download(ld.dumps.stem, f) for f in DumpFormat]
    return void_description(ld.statistics(), meta, dumps=urls)


def _catalog(ld: LinkedData, request: Request) -> list[ox.Triple]:
    meta = ld.metadata(request)
    dumps = ld.dumps.ensure(ld.watch.token())
    return dcat_catalog(ld.statistics(), meta, dumps, stem=ld.dumps.stem,
                        ontology=PREFIXES["ogk"].rstrip("#"))


async def _described(request: Request, ld: LinkedData, document: str, title: str,
                     build: str, format: str | None, suffix: str | None = None) -> Response:
    headers = {"Link": alternate_links(document)}
    if format is None and suffix is None:
        headers["Vary"] = "Accept"
    chosen = negotiate(request, format=format, suffix=suffix)
    if chosen is None:
        return PlainTextResponse(f"{title} is served as HTML, Turtle, JSON-LD, N-Triples "
                                 "and RDF/XML.\n", status_code=406, headers=headers)
    maker = _void if build == "void" else _catalog
    triples = await run_in_threadpool(maker, ld, request)
    if chosen != "html":
        return rdf_response(triples, chosen, headers)
    turtle = rdf_response(triples, "ttl", {}).body
    return render(request, "dataset.html", {
        "title": title, "document": document, "turtle": bytes(turtle).decode("utf-8"),
        "dumps": await run_in_threadpool(ld.dumps.all_current, ld.watch.token()),
    }, headers=headers)


@router.api_route("/.well-known/void", methods=["GET", "HEAD"], response_class=Response,
                  summary="The VoID description of the dataset")
async def void(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)],
               format: Annotated[str | None, Query(
                   description="html, ttl, jsonld, nt or rdf (beats Accept)")] = None
               ) -> Response:
    return await _described(request, ld, "/.well-known/void", "The VoID description",
                            "void", format)


@router.api_route("/.well-known/void.{suffix}", methods=["GET", "HEAD"],
                  response_class=Response, summary="The VoID description in one format")
async def void_file(request: Request, suffix: str,
                    ld: Annotated[LinkedData, Depends(get_linked_data)]) -> Response:
    return await _described(request, ld, "/.well-known/void", "The VoID description",
                            "void", None, suffix)


@router.api_route("/catalog", methods=["GET", "HEAD"], response_class=Response,
                  summary="The DCAT 3 catalogue of the dataset")
async def catalog(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)],
                  format: Annotated[str | None, Query(
                      description="html, ttl, jsonld, nt or rdf (beats Accept)")] = None
                  ) -> Response:
    return await _described(request, ld, "/catalog", "The DCAT catalogue", "catalog", format)


@router.api_route("/catalog.{suffix}", methods=["GET", "HEAD"], response_class=Response,
                  summary="The DCAT 3 catalogue in one format")
async def catalog_file(request: Request, suffix: str,
                       ld: Annotated[LinkedData, Depends(get_linked_data)]) -> Response:
    return await _described(request, ld, "/catalog", "The DCAT catalogue", "catalog", None,
                            suffix)


@router.get("/dumps", include_in_schema=False)
async def dumps_slash() -> Response:
    return Response(status_code=308, headers={"Location": "/dumps/"})


@router.get("/dumps/", summary="The dumps: formats, sizes, SHA-256 checksums")
async def dumps(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)]
                ) -> Response:
    written = await run_in_threadpool(ld.dumps.ensure, ld.watch.token())
    return render(request, "dumps.html", {
        "dumps": [(d, d.path.name) for d in written],
        "titles": {f: f.title for f in DumpFormat},
    })


def _not_modified(request: Request, dump: Dump, etag: str) -> bool:
    """RFC 9110 section 13.1.2 and 13.1.3: If-None-Match wins over If-Modified-Since."""
    none_match = request.headers.get("if-none-match")
    if none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in none_match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and dump.created.replace(microsecond=0) <= when


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"], response_class=Response,
                  summary="One dump file, or its .sha256 checksum")
async def dump_file(request: Request, name: str,
                    ld: Annotated[LinkedData, Depends(get_linked_data)]) -> Response:
    files = _by_file_name(ld)
    checksum = name.endswith(".sha256")
    format = files.get(name.removesuffix(".sha256"))
    if format is None:
        return not_found(request, f"There is no dump {name!r}; the dumps are "
                         f"{', '.join(sorted(files))} (see /dumps/).",
                         html="text/html" in request.headers.get("accept", ""))
    (dump,) = await run_in_threadpool(ld.dumps.ensure, ld.watch.token(), (format,))
    etag = f'"{dump.sha256}{".sha256" if checksum else ""}"'
    headers = {"ETag": etag, "Last-Modified": format_datetime(dump.created, usegmt=True),
               "Cache-Control": "no-cache"}
    if _not_modified(request, dump, etag):
        return Response(status_code=304, headers=headers)
    if checksum:
        return PlainTextResponse(f"{dump.sha256}  {dump.path.name}\n", headers=headers)
    # RFC 9530: the digest of the bytes sent, as a structured-field byte sequence
    headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(dump.sha256)).decode()}:"
    return FileResponse(dump.path, media_type=_SENT_AS[format], headers=headers,
                        filename=dump.path.name, content_disposition_type="inline")
