"""The contribution workflow: validate data, hand it in, list and withdraw it, and the
``/contribute`` page that does the same from a browser without JavaScript.

- ``POST /api/validate``: the body (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML, or
  a CSV template as ``text/csv``; its ``charset`` honoured) validated against the shapes,
  with the store as context. Answers the report as JSON, or as a SHACL results graph
  (Turtle, JSON-LD, N-Triples) by ``Accept``.
- ``POST /api/contributions`` (write token): validates against the current store and, with
  no violation, stores the data in ``<base>graph/contribution/<id>`` with its PROV record
  (:mod:`graphkit.contributions`): ``201`` and ``Location``; otherwise ``422`` with the
  report and nothing stored. ``contributor``, ``source`` and ``comment`` are query
  parameters.
- ``GET /api/contributions``, ``GET /api/contributions/{id}``, ``DELETE
  /api/contributions/{id}`` (write token: the graph goes, the record stays).

Errors are RFC 9457 (RFC 7807) problem details, ``application/problem+json``: ``400`` for
input that does not parse (with line and column, or row and column for CSV), ``413`` over
``GRAPHKIT_MAX_BODY_BYTES``, ``415`` for a media type we do not read, ``500`` when the
store fails (nothing of the contribution is left behind).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from graphkit.contributions import (
    Contribution,
    RejectedContribution,
    UnknownContribution,
    get_contribution,
    list_contributions,
    submit,
    withdraw,
)
from graphkit.errors import (
    ConversionError,
    GraphkitError,
    InputError,
    RdfSyntaxError,
    StoreError,
)
from graphkit.formats import RdfFormat
from graphkit.importers import Vocabulary
from graphkit.importers.csv_templates import TEMPLATES, template_dir
from graphkit.importers.media import (
    CSV_MEDIA_TYPES,
    UnsupportedMediaType,
    read_upload,
    supported_media_types,
)
from graphkit.settings import Settings
from graphkit.stores import Store
from graphkit.validation import Report, Severity, validate
from graphkit.workers import QueryExecutor
from service.dependencies import get_executor, get_settings, get_store
from service.negotiation import Offer, choose
from service.observability import count_validation_failure
from service.problems import Problem
from service.security import read_body, require_write_token
from service.templates import templates

__all__ = ["router"]

router = APIRouter(tags=["contributions"])

PROBLEM = "application/problem+json"
REPORT_OFFERS = (
    Offer("application/json", "json"),
    Offer("text/turtle", RdfFormat.TURTLE),
    Offer("application/ld+json", RdfFormat.JSON_LD),
    Offer("application/n-triples", RdfFormat.N_TRIPLES),
)
_TITLES = {400: "Bad input", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           406: "Not acceptable", 413: "Body too large", 415: "Unsupported media type",
           422: "Does not conform", 500: "The store failed"}


# -- problems -----------------------------------------------------------------------------
class ApiProblem(Exception):
    """A problem-details answer (RFC 9457), with extra members."""

    def __init__(self, status: int, detail: str, *, headers: Mapping[str, str] | None = None,
                 **extra: object) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> JSONResponse:
        body = {"type": "about:blank", "title": _TITLES.get(self.status, "Error"),
                "status": self.status, "detail": self.detail, **self.extra}
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM,
                            headers=self.headers)


def _from_error(error: GraphkitError | Problem) -> ApiProblem:
    if isinstance(error, Problem):
        return ApiProblem(error.status, error.message, headers=error.headers)
    if isinstance(error, UnsupportedMediaType):
        return ApiProblem(415, str(error), accepted=supported_media_types())
    if isinstance(error, RdfSyntaxError):
        where = {"line": error.line, "column": error.column}
        place = f" at line {error.line}, column {error.column}" if error.line else ""
        return ApiProblem(400, f"The data does not parse{place}: {error.message}",
                          problems=[{k: v for k, v in where.items() if v is not None}
                                    | {"message": error.message}])
    if isinstance(error, ConversionError):
        return ApiProblem(400, str(error), problems=[p.as_dict() for p in error.problems])
    if isinstance(error, UnknownContribution):
        return ApiProblem(404, str(error))
    if isinstance(error, InputError):
        return ApiProblem(400, str(error))
    if isinstance(error, StoreError):
        return ApiProblem(500, f"The store failed; nothing was stored: {error}")
    return ApiProblem(500, f"The request failed; nothing was stored: {error}")


# -- reading the data ---------------------------------------------------------------------
def _vocabulary(store: Store, settings: Settings) -> Vocabulary | None:
    """The schemes' concepts in the store, to check CSV codes; ``None`` when it has none."""
    vocabulary = Vocabulary.from_store(store, base_iri=settings.base_iri)
    return vocabulary if vocabulary.concepts else None


def _parse(body: bytes, content_type: str, *, name: str, template: str | None,
           store: Store, settings: Settings) -> list[ox.Triple]:
    media, _, parameters = content_type.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"')
    csv = media.strip().lower() in CSV_MEDIA_TYPES
    return read_upload(body, media, charset=charset, name=name, base_iri=settings.base_iri,
                       template=template,
                       vocabulary=_vocabulary(store, settings) if csv else None)


async def _body_triples(request: Request, store: Store, settings: Settings
                        ) -> list[ox.Triple]:
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media not in supported_media_types() and \
            RdfFormat.from_media_type(media) is None and media != "application/csv":
        raise ApiProblem(415, f"Cannot read {media or 'a body without Content-Type'}; send "
                         "one of " + ", ".join(supported_media_types()) + ".",
                         accepted=supported_media_types())
    body = await read_body(request, settings)
    if not body.strip():
        raise ApiProblem(400, "The body is empty: send the data to check (Turtle, JSON-LD, "
                         "a CSV template...).")
    return await run_in_threadpool(_parse, body, content_type, name="the body",
                                   template=request.query_params.get("template"),
                                   store=store, settings=settings)


def _validated(triples: list[ox.Triple], store: Store) -> Report:
    return validate(triples, context=store)


def _count_rejection(request: Request, report: Report) -> None:
    """Count a refused contribution's violations in the app's metrics (``/metrics``)."""
    count_validation_failure(getattr(request.app.state, "metrics", None),
                             report.count(Severity.VIOLATION))


# -- rendering the report -----------------------------------------------------------------
def href(iri: str, settings: Settings) -> str | None:
    """The page of an entity of ours on this server (``/id/org/oecd``), else ``None``."""
    if iri.startswith(settings.base_iri + "id/"):
        return "/" + iri[len(settings.base_iri):]
    return None


def report_data(report: Report, settings: Settings) -> dict[str, object]:
    data = report.to_dict()
    findings = data["findings"]
    assert isinstance(findings, list)
    for item in findings:
        item["href"] = href(str(item["focus"]), settings)
    return data


def _report_response(request: Request, report: Report, settings: Settings,
                     status: int = 200) -> Response:
    offer = choose(request.headers.get("accept"), REPORT_OFFERS)
    if offer is None:
        raise ApiProblem(406, "The report is written as " + ", ".join(
            o.media_type for o in REPORT_OFFERS) + "; Accept none of them.")
    if isinstance(offer.format, RdfFormat):
        data = ox.serialize(report.to_quads(), format=offer.format.oxigraph) or b""
        return Response(data, status_code=status, media_type=offer.content_type,
                        headers={"Vary": "Accept"})
    return JSONResponse(report_data(report, settings), status_code=status,
                        headers={"Vary": "Accept"})


def _record(contribution: Contribution, request: Request) -> dict[str, object]:
    data = contribution.as_dict()
    data["href"] = str(request.url_for("get_one", contribution_id=contribution.id))
    return data


# -- the API ------------------------------------------------------------------------------
@router.post("/api/validate", summary="Validate data against the shapes (nothing stored)",
             response_class=Response)
async def validate_data(request: Request, store: Annotated[Store, Depends(get_store)],
                        settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    try:
        triples = await _body_triples(request, store, settings)
        report = await run_in_threadpool(_validated, triples, store)
        return _report_response(request, report, settings)
    except (GraphkitError, Problem) as error:
        return _from_error(error).response()
    except ApiProblem as problem:
        return problem.response()


@router.post("/api/contributions", summary="Hand in data: stored in its own graph if it "
             "conforms", status_code=201, response_class=Response)
async def contribute(request: Request, store: Annotated[Store, Depends(get_store)],
                     settings: Annotated[Settings, Depends(get_settings)],
                     executor: Annotated[QueryExecutor, Depends(get_executor)]) -> Response:
    try:
        require_write_token(request, settings)
        triples = await _body_triples(request, store, settings)
        params = request.query_params
        contribution, report = await run_in_threadpool(
            executor.write, lambda: submit(
                store, triples, base_iri=settings.base_iri,
                contributor=params.get("contributor", ""), source=params.get("source"),
                comment=params.get("comment"), validator=_validated))
    except RejectedContribution as rejected:
        assert isinstance(rejected.report, Report)
        _count_rejection(request, rejected.report)
        return ApiProblem(422, "The data does not conform to the shapes; nothing was "
                          "stored. Fix the violations listed in the report and send it "
                          "again.", report=report_data(rejected.report, settings)).response()
    except (GraphkitError, Problem) as error:
        return _from_error(error).response()
    except ApiProblem as problem:
        return problem.response()
    assert isinstance(report, Report)
    location = str(request.url_for("get_one", contribution_id=contribution.id))
    return JSONResponse({**_record(contribution, request),
                         "report": report_data(report, settings)},
                        status_code=201, headers={"Location": location})


@router.get("/api/contributions", summary="Every contribution, newest first")
async def get_all(request: Request, store: Annotated[Store, Depends(get_store)],
                  settings: Annotated[Settings, Depends(get_settings)]) -> JSONResponse:
    found = await run_in_threadpool(list_contributions, store, base_iri=settings.base_iri)
    return JSONResponse({"contributions": [_record(c, request) for c in found]})


@router.get("/api/contributions/{contribution_id}", summary="One contribution's record",
            name="get_one", response_class=Response)
async def get_one(request: Request, contribution_id: str,
                  store: Annotated[Store, Depends(get_store)],
                  settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    try:
        found = await run_in_threadpool(get_contribution, store, contribution_id,
                                        base_iri=settings.base_iri)
    except GraphkitError as error:
        return _from_error(error).response()
    return JSONResponse(_record(found, request))


@router.delete("/api/contributions/{contribution_id}", summary="Withdraw a contribution: "
               "its graph goes, its record stays", response_class=Response)
async def withdraw_one(request: Request, contribution_id: str,
                       store: Annotated[Store, Depends(get_store)],
                       settings: Annotated[Settings, Depends(get_settings)],
                       executor: Annotated[QueryExecutor, Depends(get_executor)]) -> Response:
    try:
        require_write_token(request, settings)
        found = await run_in_threadpool(executor.write, lambda: withdraw(
            store, contribution_id, base_iri=settings.base_iri))
    except (GraphkitError, Problem) as error:
        return _from_error(error).response()
    return JSONResponse(_record(found, request))


# -- the page -----------------------------------------------------------------------------
@router.get("/contribute", summary="The contribution page", include_in_schema=False)
async def page(request: Request, store: Annotated[Store, Depends(get_store)],
               settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    recent = await run_in_threadpool(list_contributions, store, base_iri=settings.base_iri)
    return _page(request, recent=recent[:20])


@router.get("/contribute/templates/{name}.csv", summary="An empty CSV template",
            response_class=Response)
async def csv_template(name: str) -> Response:
    path = template_dir() / f"{name}.csv"
    if name not in TEMPLATES or not path.is_file():
        return ApiProblem(404, f"There is no CSV template {name!r}; there are "
                          + ", ".join(TEMPLATES) + ".").response()
    return FileResponse(path, media_type="text/csv; charset=utf-8",
                        filename=f"{name}.csv")


@router.post("/contribute", summary="Validate or hand in an uploaded file (HTML form)",
             include_in_schema=False)
async def page_upload(request: Request, store: Annotated[Store, Depends(get_store)],
                      settings: Annotated[Settings, Depends(get_settings)],
                      executor: Annotated[QueryExecutor, Depends(get_executor)]) -> Response:
    form: dict[str, str | UploadFile] = {}
    try:
        form = await _form(request, settings)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page(request, status=400, error="Choose a file to upload.", form=form)
        contributing = form.get("action") == "contribute"
        if contributing:
            require_write_token(_with_token(request, str(form.get("token") or "")),
                                settings)
        body = await upload.read()
        if not body.strip():
            return _page(request, status=400, error=f"{upload.filename} is empty.",
                         form=form)
        content_type = _upload_type(upload)
        triples = await run_in_threadpool(
            _parse, body, content_type, name=upload.filename,
            template=str(form.get("template") or "") or None, store=store,
            settings=settings)
        if not contributing:
            report = await run_in_threadpool(_validated, triples, store)
            return _page(request, report=report, form=form, settings=settings)
        contribution, outcome = await run_in_threadpool(
            executor.write, lambda: submit(
                store, triples, base_iri=settings.base_iri,
                contributor=str(form.get("contributor") or ""),
                source=str(form.get("source") or "") or None,
                comment=str(form.get("comment") or "") or None, validator=_validated))
        assert isinstance(outcome, Report)  # what _validated gives
        return _page(request, report=outcome, form=form, settings=settings,
                     contribution=contribution, status=201)
    except RejectedContribution as rejected:
        assert isinstance(rejected.report, Report)
        _count_rejection(request, rejected.report)
        return _page(request, report=rejected.report, form=form, settings=settings,
                     status=422, error="The data does not conform; nothing was stored.")
    except (GraphkitError, Problem) as error:
        problem = _from_error(error)
        return _page(request, status=problem.status, error=problem.detail,
                     problems=problem.extra.get("problems"), form=form)
    except ApiProblem as problem:
        return _page(request, status=problem.status, error=problem.detail, form=form)


def _with_token(request: Request, token: str) -> Request:
    """The request as the token check sees it: the form's token as a Bearer header."""
    if not token:
        return request
    scope = dict(request.scope)
    scope["headers"] = [(k, v) for k, v in request.scope["headers"]
                        if k.lower() != b"authorization"]
    scope["headers"].append((b"authorization", f"Bearer {token}".encode()))
    return Request(scope)


async def _form(request: Request, settings: Settings) -> dict[str, str | UploadFile]:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiProblem(415, "Send the form as multipart/form-data (the page's form does).")
    body = await read_body(request, settings)

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        parsed = await MultiPartParser(request.headers, stream(), max_files=1,
                                       max_fields=16).parse()
    except MultiPartException as error:
        raise ApiProblem(400, f"The form does not parse: {error.message}") from None
    return {key: value for key, value in parsed.multi_items()}


def _upload_type(upload: UploadFile) -> str:
    """The media type of an uploaded file: as sent, or from its extension when the
    browser sent none or a generic one."""
    sent = (upload.content_type or "").split(";")[0].strip().lower()
    if sent and (RdfFormat.from_media_type(sent) is not None or sent in ("text/csv",)):
        return upload.content_type or sent
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix == ".csv":
        return "text/csv"
    try:
        return RdfFormat.from_path(upload.filename or "").media_type
    except InputError:
        return sent or "application/octet-stream"


def _page(request: Request, *, status: int = 200, report: Report | None = None,
          error: str | None = None, problems: object = None,
          form: Mapping[str, object] | None = None, settings: Settings | None = None,
          contribution: Contribution | None = None,
          recent: list[Contribution] | None = None) -> Response:
    rows = []
    if report is not None and settings is not None:
        for finding in report.findings:
            rows.append({"severity": Severity.of(finding.severity).label,
                         "focus": finding.focus, "label": report.labels.get(finding.focus),
                         "href": href(finding.focus, settings), "path": finding.path,
                         "value": finding.value, "message": finding.message})
    fields = {k: v for k, v in (form or {}).items()
              if isinstance(v, str) and k not in ("token", "file")}
    return templates.TemplateResponse(request, "contribute.html", {
        "templates": list(TEMPLATES.values()), "report": report, "rows": rows,
        "summary": report.summary() if report is not None else None, "error": error,
        "problems": problems if isinstance(problems, list) else [], "form": fields,
        "contribution": contribution, "media_types": supported_media_types(),
        "recent": recent or [],
    }, status_code=status)
