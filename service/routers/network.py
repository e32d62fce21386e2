"""The network: the explorer page and its JSON API over :mod:`graphkit.analytics`.

- ``/network``: the explorer (Cytoscape.js from ``/static/vendor/cytoscape``, no CDN).
- ``/api/network/view``: the graph as Cytoscape.js elements with every node's measures,
  aggregated to communities above ``max_nodes`` nodes (default 5,000), or the ego network
  of ``node`` within ``radius`` steps.
- ``/api/network/{summary,measures,communities,path,ego}``: the answers of
  ``graphkit analyze``, as JSON (``format=csv`` for a CSV table).
- ``/api/network/export?format=gexf|graphml|json|cytoscape|nodes.csv|edges.csv``: the graph
  (or ego network) with its measures, as a download.

Every endpoint takes the filters: ``kind`` (affiliation, organisations, people,
collaboration), ``as_of`` or ``start``/``end``, and repeatable ``theme``, ``country``,
``org_type``, ``relation``, ``node_kind``; and the parameters ``seed``, ``resolution``,
``method``. A bad value is a 400 saying which and how to fix it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from graphkit.analytics.build import GraphKind
from graphkit.analytics.export import ExportFormat, export, with_measures
from graphkit.analytics.metrics import CommunityMethod, Options
from graphkit.analytics.report import Analysis, OutputFormat, Table
from graphkit.analytics.snapshot import NODE_KINDS, Filters, fetch
from graphkit.analytics.views import DEFAULT_MAX_NODES, explorer_view
from graphkit.errors import GraphkitError
from graphkit.settings import Settings
from graphkit.stores import Store
from service.dependencies import get_settings, get_store
from service.linked_data import render
from service.problems import problem_for

__all__ = ["install", "router"]

router = APIRouter(tags=["network"])
STATIC = Path(__file__).resolve().parent.parent / "static"
Many = Annotated[list[str], Query()]
T = TypeVar("T")


def install(app: FastAPI) -> None:
    """Add the routes, and serve ``service/static`` at ``/static`` unless already served."""
    app.include_router(router)
    if not any(isinstance(r, Mount) and r.path == "/static" for r in app.routes):
        app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")


def get_analysis(
    store: Annotated[Store, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
    kind: GraphKind = GraphKind.AFFILIATION,
    as_of: str | None = None, start: str | None = None, end: str | None = None,
    theme: Many = [], country: Many = [], org_type: Many = [],  # noqa: B006 -- FastAPI query lists
    relation: Many = [], node_kind: Many = [],  # noqa: B006
    seed: int = 42, resolution: float = 1.0,
    method: CommunityMethod = CommunityMethod.LOUVAIN,
) -> Analysis:
    """The analysis the query parameters ask for."""
    try:
        filters = Filters(as_of=as_of or None, start=start or None, end=end or None,
                          themes=frozenset(theme), countries=frozenset(country),
                          org_types=frozenset(org_type), relations=frozenset(relation),
                          kinds=frozenset(node_kind))
        options = Options(seed=seed, resolution=resolution, method=method)
        return Analysis(fetch(store, base_iri=settings.base_iri), kind, filters, options)
    except GraphkitError as error:
        raise _http(error) from error


AnalysisDep = Annotated[Analysis, Depends(get_analysis)]


def _answer(table: Table, fmt: OutputFormat, extra: dict[str, object] | None = None) -> Response:
    if fmt is OutputFormat.CSV:
        return PlainTextResponse(table.render(fmt), media_type="text/csv; charset=utf-8")
    body: dict[str, object] = {"columns": table.columns, "rows": table.records(),
                               "notes": table.notes}
    body.update(extra or {})
    return JSONResponse(body)


def _http(error: GraphkitError) -> HTTPException:
    """A graphkit error as an HTTP error: 400 for the client's mistakes, with its message."""
    problem = problem_for(error, what="Network request")
    return HTTPException(problem.status, problem.message, headers=problem.headers or None)


def _guard(action: Callable[[], T]) -> T:
    """Run ``action``; a graphkit error becomes an HTTP error saying what to fix."""
    try:
        return action()
    except GraphkitError as error:
        raise _http(error) from error


@router.get("/network", response_class=HTMLResponse, summary="The network explorer")
def explorer(request: Request) -> HTMLResponse:
    return render(request, "network.html", {
        "kinds": [k.value for k in GraphKind], "node_kinds": NODE_KINDS,
        "max_nodes": DEFAULT_MAX_NODES})


@router.get("/api/network/view", summary="The graph as Cytoscape.js elements")
def view(analysis: AnalysisDep, node: str | None = None, radius: int = 1,
         max_nodes: Annotated[int, Query(ge=1, le=50_000)] = DEFAULT_MAX_NODES) -> JSONResponse:
    def build() -> dict[str, object]:
        compact = None if node else analysis.compact_view(max_nodes)
        if compact is not None:
            compact.update(filters=analysis.filters.describe(), center=None)
            return compact
        graph = analysis.graph
        measures = analysis.view_measures(max_nodes)
        if node:
            graph = analysis.ego(node, radius=radius)
        answer = explorer_view(graph, measures, max_nodes=max_nodes)
        answer["filters"] = analysis.filters.describe()
        answer["center"] = analysis.snapshot.node_for(node) if node else None
        return answer

    return JSONResponse(_guard(build))


@router.get("/api/network/summary", summary="Whole-network figures")
def summary(analysis: AnalysisDep, format: OutputFormat = OutputFormat.JSON) -> Response:
    return _answer(_guard(analysis.summary), format)


@router.get("/api/network/measures", summary="Measures of every node")
def measures(analysis: AnalysisDep, sort: str = "betweenness",
             limit: Annotated[int | None, Query(ge=1)] = None,
             format: OutputFormat = OutputFormat.JSON) -> Response:
    table = _guard(lambda: analysis.measure_table(sort=sort, limit=limit))
    return _answer(table, format)


@router.get("/api/network/communities", summary="Communities and their modularity")
def communities(analysis: AnalysisDep, format: OutputFormat = OutputFormat.JSON) -> Response:
    return _answer(_guard(analysis.community_table), format)


@router.get("/api/network/path", summary="How two entities are connected")
def path(analysis: AnalysisDep, source: Annotated[str, Query(alias="from")],
         target: Annotated[str, Query(alias="to")],
         format: OutputFormat = OutputFormat.JSON) -> Response:
    table = _guard(lambda: analysis.path_table(source, target))
    found = _guard(lambda: analysis.path(source, target))
    return _answer(table, format, {"path": found.as_dict() if found else None})


@router.get("/api/network/ego", summary="The entities within some steps of one")
def ego(analysis: AnalysisDep, node: str, radius: Annotated[int, Query(ge=0, le=6)] = 1,
        format: OutputFormat = OutputFormat.JSON) -> Response:
    table = _guard(lambda: analysis.ego_table(node, radius=radius))
    return _answer(table, format)


@router.get("/api/network/export", summary="The graph with its measures, as a file")
def download(analysis: AnalysisDep, format: str = "gexf", node: str | None = None,
             radius: Annotated[int, Query(ge=0, le=6)] = 1) -> Response:
    def build() -> tuple[bytes, ExportFormat]:
        fmt = ExportFormat.parse(format)
        graph = analysis.ego(node, radius=radius) if node else analysis.graph
        out = io.BytesIO()
        export(with_measures(graph, analysis.measures), fmt, out)
        return out.getvalue(), fmt

    body, fmt = _guard(build)
    name = f"network-{analysis.kind.value}{fmt.suffix}"
    return Response(body, media_type=fmt.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
