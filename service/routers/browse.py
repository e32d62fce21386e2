"""Finding one's way: the home page, search (page and type-ahead API), browsing by class,
and the timeline of events.

- ``/`` says what the graph holds: entities by class, sources, latest contributions, graphs.
- ``/api/search?q=&type=&limit=`` answers JSON for type-ahead: labels and alternative
  labels in every language, ranked exact → prefix → words → fuzzy, accent- and
  case-insensitive (:mod:`graphkit.search`); ``/search`` is the same as a page.
- ``/browse`` lists the classes; ``/browse/{class}`` (a CURIE such as ``ogk:Network``) lists
  their members, sorted by label or date, 50 a page.
- ``/timeline`` lists the events by date, grouped by year.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from graphkit.describe import Label, Labels, format_date, pick_label, select
from graphkit.namespaces import OGK, PREFIXES, compact
from graphkit.search import Hit
from graphkit.settings import Settings
from graphkit.stores import Store
from service.dependencies import get_settings, get_store
from service.linked_data import (
    LinkedData,
    Page,
    get_linked_data,
    languages_of,
    not_found,
    render,
)

__all__ = ["resolve_class", "router"]

router = APIRouter(tags=["browse"])

PAGE_SIZE = 50
TIMELINE_PAGE = 100
SORTS = {"label": "label, A–Z", "-label": "label, Z–A", "date": "date, oldest first",
         "-date": "date, newest first"}
#: Which date a member of a class is sorted by: the first of these it has.
DATES = (PREFIXES["schema"] + "startDate", PREFIXES["schema"] + "foundingDate",
         PREFIXES["dcterms"] + "issued", OGK + "dateAdopted")
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel")


def resolve_class(name: str) -> str | None:
    """``ogk:Network`` (a CURIE of a known prefix) or a full IRI → the IRI."""
    if name.startswith(("http://", "https://")):
        return name
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES and local:
        return PREFIXES[prefix] + local
    return None


# -- home -----------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse, summary="What the graph holds")
async def home(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)]
               ) -> Response:
    summary = await run_in_threadpool(ld.overview)
    return render(request, "home.html", {"o": summary})


# -- search ---------------------------------------------------------------------------------
def _hit_json(hit: Hit, page: Page, labels: dict[str, str]) -> dict[str, Any]:
    main = _main_type(hit.types)
    return {
        "iri": hit.iri,
        "href": page.href(hit.iri),
        "label": hit.label.text,
        "language": hit.label.language,
        "matched": hit.matched.text,
        "matched_language": hit.matched.language,
        "types": [compact(t) for t in hit.types],
        "type": labels.get(main, compact(main)) if main else None,
        "tier": hit.tier.value,
        "score": round(hit.score, 1),
    }


def _main_type(types: tuple[str, ...]) -> str | None:
    main = ([t for t in types if t.startswith(OGK)]
            or [t for t in types if t.startswith(PREFIXES["org"])]
            or [t for t in types if t.startswith(PREFIXES["skos"])])
    return main[0] if main else None


def _search(ld: LinkedData, q: str, type: str | None, limit: int,
            languages: list[str]) -> tuple[list[Hit], dict[str, str]]:
    hits = ld.search_index().search(q, type=type, limit=limit, languages=languages)
    names = {t for hit in hits if (t := _main_type(hit.types))}
    labels = Labels(ld.store, names, languages)
    return hits, {t: labels.label(t).text for t in names}


@router.get("/api/search", summary="Search labels and alternative labels (type-ahead)")
async def search_api(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)],
                     settings: Annotated[Settings, Depends(get_settings)],
                     q: Annotated[str, Query(max_length=200, description="what to look for")],
                     type: Annotated[str | None, Query(
                         description="a class, as CURIE (ogk:Network) or IRI")] = None,
                     limit: Annotated[int, Query(ge=1, le=50)] = 10) -> JSONResponse:
    cls = resolve_class(type) if type else None
    if type and cls is None:
        return JSONResponse({"detail": f"unknown class {type!r}: give a CURIE such as "
                                       "ogk:Network or a full IRI"}, status_code=400)
    languages = languages_of(request)
    hits, labels = await run_in_threadpool(_search, ld, q, cls, limit, languages)
    page = Page(request, settings, languages)
    return JSONResponse({"query": q, "type": cls,
                         "results": [_hit_json(h, page, labels) for h in hits]})


@router.get("/search", response_class=HTMLResponse, summary="Search, as a page")
async def search_page(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)],
                      settings: Annotated[Settings, Depends(get_settings)],
                      q: Annotated[str, Query(max_length=200)] = "",
                      type: Annotated[str | None, Query()] = None) -> Response:
    cls = resolve_class(type) if type else None
    languages = languages_of(request)
    hits: list[Hit] = []
    labels: dict[str, str] = {}
    if q.strip():
        hits, labels = await run_in_threadpool(_search, ld, q, cls, 50, languages)
    summary = await run_in_threadpool(ld.overview)
    page = Page(request, settings, languages)
    return render(request, "search.html", {
        "page": page, "q": q, "type": type or "", "classes": summary.classes,
        "results": [_hit_json(h, page, labels) for h in hits],
    })


# -- browse ---------------------------------------------------------------------------------
@router.get("/browse", response_class=HTMLResponse, summary="The classes to browse")
async def browse(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)]
                 ) -> Response:
    summary = await run_in_threadpool(ld.overview)
    return render(request, "browse.html", {"o": summary})


def _members(store: Store, classes: list[str], sort: str, languages: list[str]
             ) -> list[tuple[str, Label, str | None]]:
    values = " ".join(f"<{c}>" for c in classes)
    labels: dict[str, list[Any]] = {}
    dates: dict[str, str] = {}
    for row in select(store, f"SELECT DISTINCT ?s WHERE {{ VALUES ?t {{ {values} }} "
                             "?s a ?t FILTER(isIRI(?s)) }"):
        labels[row["s"].value] = []
    listed = ", ".join(f"<{p}>" for p in LABELS)
    for row in select(store, f"SELECT ?s ?l WHERE {{ VALUES ?t {{ {values} }} ?s a ?t . "
                             f"?s ?p ?l FILTER(?p IN ({listed}) && isLiteral(?l)) }}"):
        labels.setdefault(row["s"].value, []).append(row["l"])
    if sort.lstrip("-") == "date":
        ranked = ", ".join(f"<{p}>" for p in DATES)
        for row in select(store, f"SELECT ?s ?p ?d WHERE {{ VALUES ?t {{ {values} }} ?s a ?t . "
                                 f"?s ?p ?d FILTER(?p IN ({ranked})) }}"):
            iri, prop, value = row["s"].value, row["p"].value, row["d"].value
            known = dates.get(iri)
            if known is None or DATES.index(prop) < DATES.index(known.split("|", 1)[0]):
                dates[iri] = f"{prop}|{value}"
    members = []
    for iri, literals in labels.items():
        chosen = pick_label(literals, languages)
        label = Label(chosen.value, chosen.language) if chosen else Label(iri.rsplit("/", 1)[-1])
        date = dates[iri].split("|", 1)[1] if iri in dates else None
        members.append((iri, label, date))
    if sort.lstrip("-") == "date":
        dated = sorted((m for m in members if m[2]), key=lambda m: (m[2] or "", m[1].text),
                       reverse=sort.startswith("-"))
        members = dated + sorted((m for m in members if not m[2]), key=lambda m: m[1].text)
    else:
        members.sort(key=lambda m: (m[1].text.casefold(), m[0]), reverse=sort.startswith("-"))
    return members


@router.get("/browse/{name}", response_class=HTMLResponse,
            summary="The members of a class, sorted and paged")
async def browse_class(request: Request, name: str,
                       ld: Annotated[LinkedData, Depends(get_linked_data)],
                       store: Annotated[Store, Depends(get_store)],
                       sort: Annotated[str, Query(pattern="^-?(label|date)$")] = "label",
                       page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1
                       ) -> Response:
    cls = resolve_class(name)
    if cls is None:
        return not_found(request, f"{name!r} names no class: use a CURIE such as "
                         "ogk:Network.", html=True)
    languages = languages_of(request)
    classes = await run_in_threadpool(ld.subclasses_of, cls)
    members = await run_in_threadpool(
        ld.listing, f"members|{cls}|{sort}|{','.join(languages)}",
        lambda: _members(store, classes, sort, languages))
    labels = await run_in_threadpool(Labels, store, classes, languages)
    pages = max(1, -(-len(members) // PAGE_SIZE))
    if page_number > pages:
        return not_found(request, f"There are only {pages} pages.", html=True)
    start = (page_number - 1) * PAGE_SIZE
    return render(request, "browse_class.html", {
        "cls": labels.ref(cls, define=True), "name": name,
        "subclasses": [labels.ref(c) for c in classes if c != cls],
        "members": members[start:start + PAGE_SIZE], "total": len(members),
        "start": start, "page_number": page_number, "pages": pages, "sort": sort,
        "sorts": SORTS,
    })


# -- timeline -------------------------------------------------------------------------------
def _events(store: Store, classes: list[str], languages: list[str]) -> list[dict[str, Any]]:
    values = " ".join(f"<{c}>" for c in classes)
    schema = PREFIXES["schema"]
    events: dict[str, dict[str, Any]] = {}
    for row in select(store, f"SELECT ?e ?start ?end ?where WHERE {{ VALUES ?t {{ {values} }} "
                             f"?e a ?t FILTER(isIRI(?e)) "
                             f"OPTIONAL {{ ?e <{schema}startDate> ?start }} "
                             f"OPTIONAL {{ ?e <{schema}endDate> ?end }} "
                             f"OPTIONAL {{ ?e <{schema}location> ?where }} }}"):
        event = events.setdefault(row["e"].value, {"iri": row["e"].value, "start": None,
                                                   "end": None, "where": set()})
        for key in ("start", "end"):
            if row[key] is not None and (event[key] is None or row[key].value < event[key].value):
                event[key] = row[key]
        if row["where"] is not None:
            event["where"].add(row["where"].value)
    labels = Labels(store, [*events, *(w for e in events.values() for w in e["where"])],
                    languages)
    listed: list[dict[str, Any]] = []
    for event in events.values():
        start, end = event["start"], event["end"]
        listed.append({
            "ref": labels.ref(event["iri"]),
            "start": start.value if start is not None else None,
            "when": (format_date(start) + (f" – {format_date(end)}" if end is not None
                                           and end.value != start.value else ""))
            if start is not None else "undated",
            "year": start.value[:4] if start is not None else None,
            "where": sorted((labels.ref(w) for w in event["where"]),
                            key=lambda r: r.label.text),
        })
    listed.sort(key=lambda e: (e["start"] is None, e["start"] or "", e["ref"].label.text))
    return listed


@router.get("/timeline", response_class=HTMLResponse, summary="Events by date")
async def timeline(request: Request, ld: Annotated[LinkedData, Depends(get_linked_data)],
                   store: Annotated[Store, Depends(get_store)],
                   year: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
                   page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1
                   ) -> Response:
    languages = languages_of(request)
    classes = await run_in_threadpool(ld.subclasses_of, OGK + "Event")
    events = await run_in_threadpool(
        ld.listing, f"timeline|{','.join(languages)}", lambda: _events(store, classes, languages))
    years = sorted({e["year"] for e in events if e["year"]})
    if year is not None:
        events = [e for e in events if e["year"] == year]
    pages = max(1, -(-len(events) // TIMELINE_PAGE))
    start = (min(page_number, pages) - 1) * TIMELINE_PAGE
    shown = events[start:start + TIMELINE_PAGE]
    groups: dict[str, list[Any]] = {}
    for event in shown:
        groups.setdefault(event["year"] or "Undated", []).append(event)
    return render(request, "timeline.html", {
        "groups": groups, "years": years, "year": year, "total": len(events),
        "page_number": min(page_number, pages), "pages": pages,
    })
