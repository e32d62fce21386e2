"""Who may write, who may call from a browser, and how much a request may carry.

- Writes need ``Authorization: Bearer <GRAPHKIT_WRITE_TOKEN>`` (HTTP Basic with the token as
  password works too, for clients that only do Basic). The token is compared in constant
  time (:func:`hmac.compare_digest`). Without a configured token the server is read-only:
  writes get ``403``; a missing or wrong token gets ``401`` with ``WWW-Authenticate``.
- CORS only when ``GRAPHKIT_CORS_ORIGINS`` lists origins, and read-only even then: browsers
  elsewhere may query (GET, POST of a query) but not send credentials or write.
- Bodies are read up to ``GRAPHKIT_MAX_BODY_BYTES``; beyond, ``413``.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from graphkit.settings import Settings
from service.problems import Problem

__all__ = ["add_cors", "read_body", "require_write_token"]


def require_write_token(request: Request, settings: Settings) -> None:
    """Raise a :class:`Problem` (403 or 401) unless the request carries the write token."""
    if settings.write_token is None or not settings.write_token.get_secret_value():
        raise Problem(403, "This endpoint is read-only: the server has no write token "
                           "configured (GRAPHKIT_WRITE_TOKEN), so it refuses every write.")
    expected = settings.write_token.get_secret_value().encode()
    given = _presented_token(request.headers.get("authorization", ""))
    # compare_digest takes the same time whatever the bytes; a missing token is compared too
    if not hmac.compare_digest(given or b"\0" * len(expected), expected) or given is None:
        raise Problem(401, "Writing needs the write token: send "
                           "'Authorization: Bearer <token>'.",
                      headers={"WWW-Authenticate": 'Bearer realm="graphkit"'})


def _presented_token(header: str) -> bytes | None:
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value.encode()
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        _, colon, password = decoded.partition(b":")
        return password if colon else None
    return None


async def read_body(request: Request, settings: Settings) -> bytes:
    """The request body, refusing (413) one larger than ``max_body_bytes`` before reading
    it all when Content-Length says so, and while reading otherwise."""
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"The request body is larger than this endpoint accepts "
                           f"({limit:,} bytes).")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise Problem(413, f"The request body is larger than this endpoint accepts "
                               f"({limit:,} bytes).")
    return bytes(chunks)


def add_cors(app: FastAPI, settings: Settings) -> None:
    """Allow the configured origins to read (GET, HEAD, POST of queries), nothing more."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type"],
        allow_credentials=False,
        expose_headers=["Location", "Content-Type"],
        max_age=600,
    )
