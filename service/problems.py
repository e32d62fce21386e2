"""Errors the SPARQL and Graph Store routers answer with: a status and one readable line.

Clients of these protocols (SPARQLWrapper, rdflib, Jena, curl) show the body of an error
response to their user, so it is plain text saying what went wrong and, for a syntax
error, where. Never a stack trace.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import PlainTextResponse

from graphkit.errors import (
    ForbiddenQueryError,
    GraphkitError,
    InputError,
    QuerySyntaxError,
    QueryTimeoutError,
    RdfSyntaxError,
    StoreError,
    UsageError,
)

__all__ = ["Problem", "problem_for"]


class Problem(Exception):
    """An HTTP error answer: status, message, extra headers."""

    def __init__(self, status: int, message: str, *,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> PlainTextResponse:
        return PlainTextResponse(self.message + "\n", status_code=self.status,
                                 headers=self.headers)


def problem_for(error: GraphkitError, *, what: str = "Query") -> Problem:
    """The answer for a graphkit error: 400 for the client's mistakes, 503 for a timeout,
    500 for a failure on our side."""
    if isinstance(error, QuerySyntaxError):
        where = ""
        if error.line is not None:
            where = f" at line {error.line}" + (
                f", column {error.column}" if error.column is not None else "")
        return Problem(400, f"{what} syntax error{where}: {error.message}")
    if isinstance(error, RdfSyntaxError):
        where = ""
        if error.line is not None:
            where = f" at line {error.line}" + (
                f", column {error.column}" if error.column is not None else "")
        return Problem(400, f"RDF syntax error{where}: {error.message}")
    if isinstance(error, ForbiddenQueryError):
        return Problem(400, f"{what} refused: {error}")
    if isinstance(error, QueryTimeoutError):
        return Problem(503, f"{what} timed out: {error}", headers={"Retry-After": "10"})
    if isinstance(error, UsageError | InputError):
        return Problem(400, f"{what} refused: {error}")
    if isinstance(error, StoreError):
        return Problem(500, f"The store failed: {error}")
    text = str(error)  # the store says "query failed: ..." itself
    if text.lower().startswith(f"{what.lower()} failed: "):
        text = text[len(what) + len(" failed: "):]
    return Problem(500, f"{what} failed: {text}")
