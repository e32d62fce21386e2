"""The vocabulary: the ontology at ``/ns`` and the SKOS schemes at ``/scheme/...``.

- ``/ns`` (and ``/ns/<version>`` for the current ``owl:versionInfo``) is content-negotiated:
  HTML is pyLODE's documentation (:mod:`graphkit.docs`, written at the first request and
  kept per content of ``ontology/``), with an anchor for every term's local name so that
  hash IRIs (``/ns#ThematicFocus``) land on their entry; Turtle, JSON-LD, N-Triples and
  RDF/XML are the ontology graph of the store. Suffixes ``/ns.ttl`` etc. name a format.
- ``/scheme`` lists the schemes; ``/scheme/{name}`` shows one (hierarchy tree and A–Z
  list), ``/scheme/{name}/{concept}`` one concept (broader, narrower, related, mappings,
  and every entity tagged with it), each also in the RDF formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from graphkit.describe import ask, bounded_descriptions, describe, select
from graphkit.errors import GraphkitError
from graphkit.namespaces import OGK, PREFIXES
from graphkit.schemes import concept, scheme, schemes
from graphkit.settings import Settings
from graphkit.stores import Store
from service.dependencies import get_settings, get_store
from service.linked_data import (
    ALTERNATES,
    LinkedData,
    get_linked_data,
    languages_of,
    negotiate,
    not_found,
    render,
)
from service.routers.entities import (
    alternate_links,
    rdf_description,
    rdf_response,
    split_suffix,
)

__all__ = ["add_term_anchors", "router"]

router = APIRouter(tags=["vocabulary"])
SKOS = PREFIXES["skos"]
OWL = PREFIXES["owl"]


def add_term_anchors(html: str, namespace: str) -> str:
    """pyLODE gives each term an id made from its label (``Thematicfocus``); add one made
    from the local name (``ThematicFocus``) where they differ, so ``/ns#ThematicFocus``
    lands on the term."""
    pattern = re.compile(
        r'(<div class="[^"]*\bentity\b[^"]*" id="(?P<id>[^"]+)">)(?P<body>.{0,800}?)'
        r'<code>(?P<iri>' + re.escape(namespace) + r'[^<]*)</code>', re.DOTALL)
    taken = set(re.findall(r'\bid="([^"]+)"', html))

    def anchor(match: re.Match[str]) -> str:
        local = match["iri"][len(namespace):]
        if not local or local == match["id"] or local in taken:
            return match[0]
        taken.add(local)
        return f'{match[1]}<span id="{local}"></span>{match["body"]}<code>{match["iri"]}</code>'

    return pattern.sub(anchor, html)


async def _ontology(request: Request, store: Store, settings: Settings, ld: LinkedData,
                    suffix: str | None, format: str | None) -> Response:
    headers = {"Link": alternate_links("/ns")}
    if suffix is None and format is None:
        headers["Vary"] = "Accept"
    chosen = negotiate(request, format=format, suffix=suffix)
    if chosen is None:
        return PlainTextResponse("The ontology is served as HTML, Turtle, JSON-LD, "
                                 "N-Triples and RDF/XML.\n", status_code=406, headers=headers)
    if suffix is None:
        headers["Content-Location"] = f"/ns.{chosen}"
    if chosen == "html":
        try:
            directory = await run_in_threadpool(ld.docs.directory)
        except (GraphkitError, OSError) as error:
            return PlainTextResponse(f"The ontology's documentation could not be made: "
                                     f"{error}\n", status_code=500)
        page = (directory / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(add_term_anchors(page, OGK), headers=headers)
    graph = settings.graph_iri("ontology")
    triples = await run_in_threadpool(_graph_triples, store, graph)
    if not triples:
        return not_found(request, "The store holds no ontology graph.", html=False)
    return rdf_response(triples, chosen, headers)


def _graph_triples(store: Store, graph: str) -> list[ox.Triple]:
    triples = []
    for row in select(store, f"SELECT ?s ?p ?o WHERE {{ GRAPH {ox.NamedNode(graph)} "
                             "{ ?s ?p ?o } }"):
        triples.append(ox.Triple(row["s"], row["p"], row["o"]))
    return triples


@router.api_route("/ns", methods=["GET", "HEAD"], response_class=Response,
                  summary="The ontology: documentation or RDF")
async def ontology(request: Request, store: Annotated[Store, Depends(get_store)],
                   settings: Annotated[Settings, Depends(get_settings)],
                   ld: Annotated[LinkedData, Depends(get_linked_data)],
                   format: Annotated[str | None, Query()] = None) -> Response:
    return await _ontology(request, store, settings, ld, None, format)


@router.api_route("/ns.{suffix}", methods=["GET", "HEAD"], response_class=Response,
                  summary="The ontology in one format")
async def ontology_file(request: Request, suffix: str,
                        store: Annotated[Store, Depends(get_store)],
                        settings: Annotated[Settings, Depends(get_settings)],
                        ld: Annotated[LinkedData, Depends(get_linked_data)]) -> Response:
    name, found = split_suffix(f"ns.{suffix}")
    if found is None or name != "ns":
        return not_found(request, f"No format {suffix!r} for the ontology.", html=False)
    return await _ontology(request, store, settings, ld, found, None)


@router.api_route("/ns/{version}", methods=["GET", "HEAD"], response_class=Response,
                  summary="The ontology at a version (only the current one is served)")
async def ontology_version(request: Request, version: str,
                           store: Annotated[Store, Depends(get_store)],
                           settings: Annotated[Settings, Depends(get_settings)],
                           ld: Annotated[LinkedData, Depends(get_linked_data)],
                           format: Annotated[str | None, Query()] = None) -> Response:
    number, suffix = split_suffix(version)
    iri = ox.NamedNode(f"{settings.base_iri}ns/{number}") if re.fullmatch(
        r"[0-9A-Za-z.+-]+", number) else None
    current = iri is not None and await run_in_threadpool(
        ask, store, f"ASK {{ ?o <{OWL}versionIRI> {iri} }}")
    if not current:
        return not_found(request, f"Version {number!r} of the ontology is not served here; "
                         "/ns is the current one.", html="text/html" in
                         request.headers.get("accept", ""))
    return await _ontology(request, store, settings, ld, suffix, format)


# -- schemes --------------------------------------------------------------------------------
@router.get("/scheme", response_class=HTMLResponse, summary="The SKOS concept schemes")
async def scheme_list(request: Request, store: Annotated[Store, Depends(get_store)]
                      ) -> Response:
    found = await run_in_threadpool(schemes, store, languages=languages_of(request))
    return render(request, "schemes.html", {"schemes": found})


@router.api_route("/scheme/{name}", methods=["GET", "HEAD"], response_class=Response,
                  summary="A concept scheme: hierarchy, A–Z list, or its RDF")
async def scheme_page(request: Request, name: str, store: Annotated[Store, Depends(get_store)],
                      settings: Annotated[Settings, Depends(get_settings)],
                      format: Annotated[str | None, Query()] = None) -> Response:
    slug, suffix = split_suffix(name)
    document = f"/scheme/{slug}"
    iri = f"{settings.base_iri}scheme/{slug}"
    outcome = await _answer_rdf(request, store, _scheme_triples, iri=iri, what="scheme",
                                document=document, suffix=suffix, format=format)
    if isinstance(outcome, Response):
        return outcome
    headers = outcome
    found = await run_in_threadpool(scheme, store, iri, languages=languages_of(request))
    if found is None:
        return not_found(request, f"There is no scheme <{iri}>.", html=True, headers=headers)
    letters: dict[str, list[object]] = {}
    for ref in found.concepts:
        initial = (ref.label.text[:1] or "#").upper()
        letters.setdefault(initial if initial.isalpha() else "#", []).append(ref)
    return render(request, "scheme.html", {"scheme": found, "letters": letters,
                                           "document": document, "alternates": ALTERNATES},
                  headers=headers)


async def _answer_rdf(request: Request, store: Store,
                      describe: Callable[[Store, str], list[ox.Triple]], *, iri: str, what: str,
                      document: str, suffix: str | None, format: str | None
                      ) -> Response | dict[str, str]:
    """The answer for a scheme or concept when it is not its HTML page (406, 404 or its RDF,
    ``describe(store, iri)``); for the page, the headers to send it with."""
    headers = _headers(document, suffix, format)
    chosen = negotiate(request, format=format, suffix=suffix)
    if chosen is None:
        return PlainTextResponse("Not available in the requested format.\n", status_code=406,
                                 headers=headers)
    if not _valid(iri):
        return not_found(request, f"No such {what}.", html=chosen == "html", headers=headers)
    if chosen == "html":
        return headers
    triples = await run_in_threadpool(describe, store, iri)
    if not triples:
        return not_found(request, f"There is no {what} <{iri}>.", html=False, headers=headers)
    return rdf_response(triples, chosen, headers)


def _scheme_triples(store: Store, iri: str) -> list[ox.Triple]:
    members = [row["c"].value for row in select(
        store, f"SELECT DISTINCT ?c WHERE {{ ?c <{SKOS}inScheme> {ox.NamedNode(iri)} "
               "FILTER(isIRI(?c)) }")]
    if not members and not ask(store, f"ASK {{ {ox.NamedNode(iri)} ?p ?o }}"):
        return []
    return bounded_descriptions(store, [iri, *members])


@router.api_route("/scheme/{name}/{slug}", methods=["GET", "HEAD"], response_class=Response,
                  summary="A concept: its page or its RDF")
async def concept_page(request: Request, name: str, slug: str,
                       store: Annotated[Store, Depends(get_store)],
                       settings: Annotated[Settings, Depends(get_settings)],
                       format: Annotated[str | None, Query()] = None,
                       incoming: Annotated[str | None, Query(alias="in")] = None,
                       offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    concept_slug, suffix = split_suffix(slug)
    document = f"/scheme/{name}/{concept_slug}"
    iri = f"{settings.base_iri}scheme/{name}/{concept_slug}"
    outcome = await _answer_rdf(request, store, rdf_description, iri=iri, what="concept",
                                document=document, suffix=suffix, format=format)
    if isinstance(outcome, Response):
        return outcome
    headers = outcome
    languages = languages_of(request)
    found = await run_in_threadpool(concept, store, iri, languages=languages)
    if found is None:
        return not_found(request, f"There is no concept <{iri}>.", html=True, headers=headers)
    description = await run_in_threadpool(
        describe, store, iri, languages=languages, incoming_property=incoming,
        incoming_offset=offset, incoming_limit=20)
    tagged = [group for group in (description.incoming if description else [])
              if not group.property.iri.startswith(SKOS)]
    return render(request, "concept.html", {
        "concept": found, "tagged": tagged, "document": document, "alternates": ALTERNATES,
        "incoming_property": incoming, "incoming_limit": 20,
        "mapping_labels": {"exactMatch": "exact match", "closeMatch": "close match",
                           "broadMatch": "broader match", "narrowMatch": "narrower match",
                           "relatedMatch": "related match"},
    }, headers=headers)


def _headers(document: str, suffix: str | None, format: str | None) -> dict[str, str]:
    headers = {"Link": alternate_links(document)}
    if suffix is None and format is None:
        headers["Vary"] = "Accept"
    return headers


def _valid(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True
