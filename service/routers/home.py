"""The health check (the home page is in :mod:`service.routers.browse`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from graphkit.errors import GraphkitError
from graphkit.stores import Store
from service.dependencies import get_store

router = APIRouter(tags=["home"])


@router.get("/health", summary="Is the service up and its store readable?")
def health(store: Annotated[Store, Depends(get_store)]) -> JSONResponse:
    try:
        alive = store.query("ASK { ?s ?p ?o }").boolean
    except (GraphkitError, OSError) as error:
        return JSONResponse({"status": "error", "store": str(error)}, status_code=503)
    return JSONResponse({"status": "ok", "store": "reachable", "has_data": alive})
