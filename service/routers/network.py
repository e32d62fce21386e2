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
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
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
from graphkit.analytics.snapshot import NODE_KINDS, Filters, Snapshot, fetch
from graphkit.analytics.views import DEFAULT_MAX_NODES, explorer_view
from graphkit.errors import GraphkitError
from graphkit.settings import Settings
from graphkit.stores import Store
from service.dependencies import get_settings, get_store
from service.linked_data import get_linked_data, render
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


class AnalysisCache:
    """The analyses the API built, kept while the store does not change.

    Keyed on the store's change token (:attr:`service.linked_data.LinkedData.watch`, which
    moves with every write) and the request's graph kind, filters and parameters; at most
    ``limit`` analyses, the least recently used dropped first. The store is read once per
    token (the snapshot is shared by every filter), and one build runs at a time. An
    :class:`Analysis` computes its graphs and measures when first asked, under its own lock.
    """

    def __init__(self, *, limit: int = 8) -> None:
        self.limit = limit
        self._build = threading.Lock()  # one build at a time
        self._lock = threading.Lock()  # guards the two dicts (held briefly)
        self._snapshot: tuple[str, Snapshot] | None = None
        self._entries: OrderedDict[tuple[str, Hashable], Analysis] = OrderedDict()

    def get(self, token: str, key: tuple[GraphKind, Filters, Options],
            read: Callable[[], Snapshot]) -> Analysis:
        """The analysis of ``key`` for the store state ``token``, built when missing."""
        full = (token, key)
        found = self._find(full)
        if found is not None:
            return found
        with self._build:
            found = self._find(full)  # built by the request we waited for
            if found is not None:
                return found
            snapshot = self._snapshot[1] if self._snapshot and self._snapshot[0] == token \
                else read()
            kind, filters, options = key
            analysis = Analysis(snapshot, kind, filters, options)
            with self._lock:
                self._snapshot = (token, snapshot)
                for stale in [k for k in self._entries if k[0] != token]:
                    del self._entries[stale]
                self._entries[full] = analysis
                while len(self._entries) > self.limit:
                    self._entries.popitem(last=False)
            return analysis

    def _find(self, full: tuple[str, Hashable]) -> Analysis | None:
        with self._lock:
            found = self._entries.get(full)
            if found is not None:
                self._entries.move_to_end(full)
            return found

    def __len__(self) -> int:
        return len(self._entries)


_CREATE = threading.Lock()


def analysis_cache(request: Request) -> AnalysisCache:
    """The app's :class:`AnalysisCache`, made at the first request that needs it."""
    state = request.app.state
    with _CREATE:
        found: AnalysisCache | None = getattr(state, "network_cache", None)
        if found is None:
            found = state.network_cache = AnalysisCache()
    return found


def get_analysis(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
    kind: GraphKind = GraphKind.AFFILIATION,
    as_of: str | None = None, start: str | None = None, end: str | None = None,
    theme: Many = [], country: Many = [], org_type: Many = [],  # noqa: B006 -- FastAPI query lists
    relation: Many = [], node_kind: Many = [],  # noqa: B006
    seed: int = 42, resolution: float = 1.0,
    method: CommunityMethod = CommunityMethod.LOUVAIN,
) -> Analysis:
    """The analysis the query parameters ask for, from the cache while the store holds."""
    try:
        filters = Filters(as_of=as_of or None, start=start or None, end=end or None,
                          themes=frozenset(theme), countries=frozenset(country),
                          org_types=frozenset(org_type), relations=frozenset(relation),
                          kinds=frozenset(node_kind))
        options = Options(seed=seed, resolution=resolution, method=method)
        token = get_linked_data(request).watch.token()
        return analysis_cache(request).get(
            token, (kind, filters, options),
            lambda: fetch(store, base_iri=settings.base_iri))
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


def _guard(action: Callable[[], T], analysis: Analysis) -> T:
    """Run ``action`` on the (shared, cached) ``analysis`` under its lock; a graphkit
    error becomes an HTTP error saying what to fix."""
    try:
        with analysis.lock:
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
            return {**compact, "filters": analysis.filters.describe(), "center": None}
        graph = analysis.graph
        measures = analysis.view_measures(max_nodes)
        if node:
            graph = analysis.ego(node, radius=radius)
        answer = explorer_view(graph, measures, max_nodes=max_nodes)
        answer["filters"] = analysis.filters.describe()
        answer["center"] = analysis.snapshot.node_for(node) if node else None
        return answer

    return JSONResponse(_guard(build, analysis))


@router.get("/api/network/summary", summary="Whole-network figures")
def summary(analysis: AnalysisDep, format: OutputFormat = OutputFormat.JSON) -> Response:
    return _answer(_guard(analysis.summary, analysis), format)


@router.get("/api/network/measures", summary="Measures of every node")
def measures(analysis: AnalysisDep, sort: str = "betweenness",
             limit: Annotated[int | None, Query(ge=1)] = None,
             format: OutputFormat = OutputFormat.JSON) -> Response:
    table = _guard(lambda: analysis.measure_table(sort=sort, limit=limit), analysis)
    return _answer(table, format)


@router.get("/api/network/communities", summary="Communities and their modularity")
def communities(analysis: AnalysisDep, format: OutputFormat = OutputFormat.JSON) -> Response:
    return _answer(_guard(analysis.community_table, analysis), format)


@router.get("/api/network/path", summary="How two entities are connected")
def path(analysis: AnalysisDep, source: Annotated[str, Query(alias="from")],
         target: Annotated[str, Query(alias="to")],
         format: OutputFormat = OutputFormat.JSON) -> Response:
    table = _guard(lambda: analysis.path_table(source, target), analysis)
    found = _guard(lambda: analysis.path(source, target), analysis)
    return _answer(table, format, {"path": found.as_dict() if found else None})


@router.get("/api/network/ego", summary="The entities within some steps of one")
def ego(analysis: AnalysisDep, node: str, radius: Annotated[int, Query(ge=0, le=6)] = 1,
        format: OutputFormat = OutputFormat.JSON) -> Response:
    table = _guard(lambda: analysis.ego_table(node, radius=radius), analysis)
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

    body, fmt = _guard(build, analysis)
    name = f"network-{analysis.kind.value}{fmt.suffix}"
    return Response(body, media_type=fmt.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
