"""A guard against input nested deeply enough to crash the process.

pyoxigraph's recursive-descent parsers overflow the stack, killing the whole server with
``SIGSEGV``, on SPARQL, JSON-LD and RDF/XML nested a few thousand levels deep (a 10 kB
``GET /sparql`` anyone may send); :mod:`graphkit.nesting` has the details, the limits and
the measure. This middleware applies them to query strings and request bodies before any
router sees them and answers ``400`` when the input is deeper than the limits.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphkit.nesting import JSON_LIMIT, SPARQL_LIMIT, XML_LIMIT, nesting_depth

__all__ = ["JSON_LIMIT", "SPARQL_LIMIT", "XML_LIMIT", "NestingGuardMiddleware",
           "nesting_depth"]

_JSON = {"application/ld+json", "application/json", "application/activity+json"}
_XML = {"application/rdf+xml", "application/xml", "text/xml"}
_SPARQL = {"application/sparql-query", "application/sparql-update"}
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_QUERY_PATHS = ("/sparql",)


class NestingGuardMiddleware:
    """Refuse (400) SPARQL, JSON-LD and RDF/XML input nested deeper than the limits.

    Bodies up to ``max_body_bytes`` are read here and handed on unchanged; a larger one
    is handed on unread, for the router to refuse (413).
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in _QUERY_PATHS and _brackets_at_most(scope.get("query_string", b"")) \
                > SPARQL_LIMIT:
            fields = parse_qs(scope["query_string"].decode("latin-1"))
            for text in fields.get("query", []) + fields.get("update", []):
                if await self._refused(send, text.encode("utf-8", "replace"), "sparql"):
                    return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        media = _header(scope, b"content-type").split(";")[0].strip().lower()
        kinds = (["json"] if media in _JSON else ["xml"] if media in _XML
                 else ["sparql"] if media in _SPARQL
                 else ["form"] if media == _FORM and path in _QUERY_PATHS
                 else ["json", "xml"] if media == _MULTIPART else [])
        declared = _header(scope, b"content-length")
        if not kinds or (declared.isdigit() and int(declared) > self.max_body_bytes):
            await self.app(scope, receive, send)
            return
        body, more, replay = await self._read(receive)
        if not more:
            for kind in kinds:
                if kind == "form":
                    fields = parse_qs(body.decode("utf-8", "replace"))
                    texts = fields.get("query", []) + fields.get("update", [])
                    for text in texts:
                        if await self._refused(send, text.encode(), "sparql"):
                            return
                elif await self._refused(send, body, kind):
                    return
        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool, Receive]:
        """Read the body (up to the limit); a ``receive`` that gives it again."""
        chunks: list[bytes] = []
        size, more, last = 0, True, None
        while more and size <= self.max_body_bytes:
            message = await receive()
            if message["type"] != "http.request":
                last = message
                more = False
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                if last is not None and not body:
                    return last
                return {"type": "http.request", "body": body, "more_body": more}
            if last is not None:
                return last
            return await receive()

        return body, more, replay

    async def _refused(self, send: Send, data: bytes, kind: str) -> bool:
        limit = {"sparql": SPARQL_LIMIT, "json": JSON_LIMIT, "xml": XML_LIMIT}[kind]
        if data.count(b"{") + data.count(b"[") + data.count(b"(") + data.count(b"<") <= limit:
            return False  # cannot be deeper than the brackets it has
        depth = nesting_depth(data, kind)
        if depth <= limit:
            return False
        what = {"sparql": "The SPARQL text nests", "json": "The JSON-LD nests",
                "xml": "The RDF/XML nests"}[kind]
        body = (f"{what} {depth} levels deep; this server accepts at most {limit}. "
                "Flatten it (name the nested nodes, or split the query).\n").encode()
        await send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return True


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


_BRACKETS = (b"{", b"[", b"(", b"<")
_ENCODED_BRACKETS = (b"%7b", b"%5b", b"%28", b"%3c")


def _brackets_at_most(query_string: bytes) -> int:
    """An upper bound of the opening brackets in the decoded parameters of a query string
    (plain or percent-encoded; a string with fewer than the limit cannot nest deeper, and
    needs no parsing)."""
    if not query_string:
        return 0
    lower = query_string.lower()
    return sum(query_string.count(b) for b in _BRACKETS) + \
        sum(lower.count(e) for e in _ENCODED_BRACKETS)
