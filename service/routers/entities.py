"""``/id/{kind}/{slug}``: every entity IRI answers, in a browser and in code.

- One URL per entity, content-negotiated by ``Accept`` with q-values (HTML, Turtle,
  JSON-LD, N-Triples, RDF/XML), ``Vary: Accept``; ``?format=`` and the suffixes ``.html``,
  ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf`` name one representation.
- **200, not 303**: the entity IRI answers directly with the negotiated description and
  ``Content-Location`` names the representation sent (``/id/org/oecd.ttl``), as the 2014
  TAG note on ``httpRange-14`` allows; w3id.org already redirects once, so a 303 here
  would make every look-up two round trips. ``Link: rel="alternate"`` lists every format.
- The RDF is the concise bounded description plus labels of what it links to
  (:func:`graphkit.describe.concise_description`); the page is :func:`~graphkit.describe.describe`.
- An IRI in our space that the store knows nothing about is ``404``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from graphkit.describe import (
    Description,
    Ref,
    concise_description,
    describe,
)
from graphkit.formats import RdfFormat
from graphkit.jsonld import compacted
from graphkit.namespaces import PREFIXES, prefixes_for
from graphkit.settings import Settings
from graphkit.stores import Store
from service.dependencies import get_settings, get_store
from service.linked_data import (
    ALTERNATES,
    FORMAT_NAMES,
    Page,
    header_iri,
    languages_of,
    negotiate,
    not_found,
    origin_of,
    render,
)

__all__ = ["KINDS", "alternate_links", "rdf_description", "rdf_response", "router",
           "split_suffix"]

router = APIRouter(tags=["linked data"])

#: The kinds of entity IRIs (DESIGN.md, "IRIs").
KINDS = frozenset({"org", "network", "person", "post", "membership", "initiative", "plan",
                   "commitment", "publication", "event", "agenda-item", "place", "source"})
INCOMING_PAGE = 10
#: Relations (memberships, posts, participations) read as sentences on a page; the rest
#: are among the incoming links, paged.
RELATION_PAGE = 25
RDF_FORMATS = {"ttl": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD,
               "nt": RdfFormat.N_TRIPLES, "rdf": RdfFormat.RDF_XML}
SCHEMA = PREFIXES["schema"]
SKOS = PREFIXES["skos"]


def split_suffix(name: str) -> tuple[str, str | None]:
    """``"oecd.ttl"`` → ``("oecd", "ttl")``; a name without a known suffix stays whole."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix.lower() in FORMAT_NAMES:
        return stem, suffix.lower()
    return name, None


def alternate_links(document: str) -> str:
    """The ``Link`` header listing every representation of ``document`` (a path)."""
    return ", ".join(f'<{header_iri(document)}.{suffix}>; rel="alternate"; type="{media}"'
                     for suffix, media, _ in ALTERNATES)


def rdf_response(triples: list[ox.Triple], chosen: str, headers: dict[str, str]) -> Response:
    """The triples in the chosen RDF format, with the prefixes they use where the format
    has them (JSON-LD compacted with them as its context)."""
    rdf_format = RDF_FORMATS[chosen]
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = prefixes_for(ordered)
    body = ox.serialize(ordered, format=rdf_format.oxigraph, prefixes=prefixes) or b""
    if rdf_format is RdfFormat.JSON_LD:  # pyoxigraph writes it expanded
        body = compacted(body, prefixes)
    media = rdf_format.media_type
    content_type = f"{media}; charset=utf-8" if media.startswith("text/") else media
    return Response(body, media_type=content_type, headers=headers)


def _not_acceptable(headers: dict[str, str]) -> Response:
    offered = ", ".join(media for _, media, _ in ALTERNATES)
    return PlainTextResponse(f"None of the requested formats is available; this resource "
                             f"is served as {offered}.\n", status_code=406, headers=headers)


@router.api_route("/id/{kind}/{name}", methods=["GET", "HEAD"],
                  summary="An entity: its page or its RDF description",
                  response_class=Response)
async def entity(request: Request, kind: str, name: str,
                 store: Annotated[Store, Depends(get_store)],
                 settings: Annotated[Settings, Depends(get_settings)],
                 format: Annotated[str | None, Query(
                     description="html, ttl, jsonld, nt or rdf (beats Accept)")] = None,
                 incoming: Annotated[str | None, Query(
                     alias="in", description="page through the links of this property")] = None,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    slug, suffix = split_suffix(name)
    document = f"/id/{kind}/{slug}"
    iri = f"{settings.base_iri}id/{kind}/{slug}"
    headers = {"Link": alternate_links(document)}
    if suffix is None and format is None:
        headers["Vary"] = "Accept"
    chosen = negotiate(request, format=format, suffix=suffix)
    if chosen is None:
        return _not_acceptable(headers)
    if kind not in KINDS or not slug or not _is_iri(iri):
        return not_found(request, f"There is no entity kind {kind!r} here: entity IRIs are "
                         f"{settings.base_iri}id/<kind>/<slug>.", html=chosen == "html",
                         headers=headers)
    if suffix is None:
        headers["Content-Location"] = header_iri(f"{document}.{chosen}")
    if chosen != "html":
        triples = await run_in_threadpool(rdf_description, store, iri)
        if not triples:
            return not_found(request, f"Nothing is known about <{iri}>.", html=False,
                             headers=headers)
        return rdf_response(triples, chosen, headers)
    languages = languages_of(request)
    description = await run_in_threadpool(
        describe, store, iri, languages=languages, incoming_property=incoming,
        incoming_offset=offset, incoming_limit=INCOMING_PAGE, relation_limit=RELATION_PAGE)
    if description is None:
        return not_found(request, f"Nothing is known about <{iri}>.", html=True,
                         headers=headers)
    page = Page(request, settings, languages)
    origin = origin_of(request, settings)
    return render(request, "entity.html", {
        "page": page,
        "d": description,
        "document": document,
        "alternates": ALTERNATES,
        "incoming_property": incoming,
        "incoming_limit": INCOMING_PAGE,
        "relation_groups": _grouped(description),
        "describe_query": f"DESCRIBE <{iri}>",
        "schema_org": schema_org(description, page, origin),
        "ego": ego_layout(description, page),
    }, headers=headers)


def _is_iri(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


def rdf_description(store: Store, iri: str) -> list[ox.Triple]:
    """The concise bounded description; for an IRI only ever used as an object, the
    statements that point at it (so that it still answers)."""
    triples = concise_description(store, iri)
    if triples:
        return triples
    node = ox.NamedNode(iri)
    rows = store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} LIMIT 1000").rows()
    found = []
    for row in rows:
        s, p = row["s"], row["p"]
        assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
        found.append(ox.Triple(s, p, node))
    return found


def _grouped(description: Description) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for sentence in description.relations:
        groups.setdefault(sentence.heading, []).append(sentence)
    return list(groups.items())


def schema_org(description: Description, page: Page, origin: str) -> dict[str, Any]:
    """The entity as schema.org JSON-LD for the page's ``<script type=application/ld+json>``:
    its schema.org types, names, description, sources and every ``schema:`` statement."""
    types = [t[len(SCHEMA):] for t in description.schema_types] or ["Thing"]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": types if len(types) > 1 else types[0],
        "@id": description.iri,
        "url": origin + page.href(description.iri),
        "name": description.label.text,
    }
    if description.alt_labels:
        data["alternateName"] = [label.text for label in description.alt_labels]
    if description.descriptions:
        data["description"] = description.descriptions[0].text
    same = [v.ref.iri for g in description.statements if g.property.iri == SKOS + "exactMatch"
            for v in g.values if v.ref is not None]
    if same:
        data["sameAs"] = same
    if description.sources:
        data["isBasedOn"] = [{"@id": s.iri, "name": s.label.text} for s in description.sources]
    for group in description.statements:
        if not group.property.iri.startswith(SCHEMA):
            continue
        key = group.property.iri[len(SCHEMA):]
        values: list[Any] = []
        for value in group.values:
            if value.ref is not None:
                values.append({"@id": value.ref.iri, "name": value.ref.label.text})
            elif value.text is not None:
                values.append(value.text)
        if values:
            data[key] = values[0] if len(values) == 1 else values
    return data


def ego_layout(description: Description, page: Page, *, size: int = 320
               ) -> dict[str, Any]:
    """Positions for the small network view: the entity in the middle, its neighbours on
    a circle, each a link to its page."""
    neighbours: list[Ref] = description.neighbours
    centre = size / 2
    radius = size / 2 - 50
    nodes = []
    for i, ref in enumerate(neighbours):
        angle = 2 * math.pi * i / max(1, len(neighbours)) - math.pi / 2
        text = ref.label.text
        nodes.append({
            "x": round(centre + radius * math.cos(angle), 1),
            "y": round(centre + radius * math.sin(angle), 1),
            "href": page.href(ref.iri),
            "label": text,
            "short": text if len(text) <= 22 else text[:21] + "…",
        })
    return {"size": size, "centre": centre, "nodes": nodes,
            "label": description.label.text if len(description.label.text) <= 26
            else description.label.text[:25] + "…"}
