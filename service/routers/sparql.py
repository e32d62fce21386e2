"""``/sparql``: the SPARQL 1.1 Protocol endpoint (queries; the full protocol comes with
the endpoint issue)."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from graphkit.errors import QueryError, QuerySyntaxError
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings
from graphkit.stores import QueryKind, Store
from service.dependencies import get_settings, get_store

router = APIRouter(tags=["sparql"])


async def _query_text(request: Request) -> str | None:
    if request.method == "GET":
        return request.query_params.get("query")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/sparql-query":
        return (await request.body()).decode("utf-8")
    form = await request.form()
    value = form.get("query")
    return value if isinstance(value, str) else None


@router.api_route("/sparql", methods=["GET", "POST"], summary="SPARQL 1.1 query endpoint")
async def sparql(request: Request, store: Annotated[Store, Depends(get_store)],
                 settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    query = await _query_text(request)
    if not query:
        return PlainTextResponse("Give a SPARQL query in the 'query' parameter.",
                                 status_code=400)
    if len(query) > settings.max_query_length:
        return PlainTextResponse("The query is longer than this endpoint accepts.",
                                 status_code=413)
    try:
        result = store.query(query, timeout=settings.query_timeout)
        accept = request.headers.get("accept", "")
        body = io.BytesIO()
        if result.kind is QueryKind.GRAPH:
            rdf = next((f for f in RdfFormat if f.media_type in accept), RdfFormat.TURTLE)
            result.serialize(body, rdf)
            media_type = rdf.media_type
        else:
            fmt = next((f for f in ResultFormat if f.media_type in accept), ResultFormat.JSON)
            result.serialize(body, fmt)
            media_type = fmt.media_type
    except QuerySyntaxError as error:
        return PlainTextResponse(f"Query syntax error: {error}", status_code=400)
    except QueryError as error:
        return PlainTextResponse(f"Query failed: {error}", status_code=500)
    return Response(body.getvalue(), media_type=media_type)
