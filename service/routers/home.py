"""The home page and the health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from graphkit.errors import GraphkitError
from graphkit.namespaces import compact
from graphkit.settings import Settings
from graphkit.stores import Store
from service.dependencies import get_settings, get_store
from service.templates import templates

router = APIRouter(tags=["home"])

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class .
  FILTER(STRSTARTS(STR(?s), STR(<%sid/>)))
} GROUP BY ?class ORDER BY DESC(?n) ?class
"""


@router.get("/", response_class=HTMLResponse, summary="What the graph holds")
def home(request: Request, store: Annotated[Store, Depends(get_store)],
         settings: Annotated[Settings, Depends(get_settings)]) -> HTMLResponse:
    graphs = store.graphs()
    classes = [(compact(row["class"].value), int(row["n"].value))
               for row in store.query(CLASS_COUNTS % settings.base_iri).rows()]
    return templates.TemplateResponse(request, "home.html", {
        "graphs": [(g.name or "(default graph)", g.triples) for g in graphs],
        "total": sum(g.triples for g in graphs),
        "classes": classes,
    })


@router.get("/health", summary="Is the service up and its store readable?")
def health(store: Annotated[Store, Depends(get_store)]) -> JSONResponse:
    try:
        alive = store.query("ASK { ?s ?p ?o }").boolean
    except (GraphkitError, OSError) as error:
        return JSONResponse({"status": "error", "store": str(error)}, status_code=503)
    return JSONResponse({"status": "ok", "store": "reachable", "has_data": alive})
