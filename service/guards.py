"""A guard against input nested deeply enough to crash the process.

pyoxigraph's recursive-descent parsers run on the calling thread's stack, and on this
machine (8 MiB stacks, pyoxigraph 0.5) they overflow it, killing the whole server with
``SIGSEGV``, on:

- SPARQL nesting ``{``, ``(``, ``[`` or ``<<`` some 2,000–4,000 levels deep (a 10 kB
  ``GET /sparql`` anyone may send);
- JSON-LD objects or arrays nested some 3,000–5,000 levels deep;
- RDF/XML elements nested some 20,000–50,000 levels deep.

Turtle, TriG and N-Triples nest without recursion and are left alone. This middleware
measures the nesting of such input before any router sees it and answers ``400`` when it
is deeper than the limits below, far above what real data needs and far below the crash.
Brackets inside strings are counted too, which can only over-count; the limits leave room
for that.
"""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["NestingGuardMiddleware", "nesting_depth"]

SPARQL_LIMIT = 256
JSON_LIMIT = 512
XML_LIMIT = 4096

_JSON = {"application/ld+json", "application/json", "application/activity+json"}
_XML = {"application/rdf+xml", "application/xml", "text/xml"}
_SPARQL = {"application/sparql-query", "application/sparql-update"}
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_QUERY_PATHS = ("/sparql",)

_OPEN, _CLOSE = 1, 255  # +1 and -1 once the bytes are read as signed


def _table(opens: bytes, closes: bytes) -> tuple[bytes, bytes]:
    """A translation table (openers to +1, closers to -1) and the bytes to delete."""
    table = bytearray(range(256))
    for byte in opens:
        table[byte] = _OPEN
    for byte in closes:
        table[byte] = _CLOSE
    keep = set(opens) | set(closes)
    return bytes(table), bytes(b for b in range(256) if b not in keep)


_SPARQL_TABLE = _table(b"{([\x01", b"})]\x02")
_JSON_TABLE = _table(b"{[", b"}]")
_XML_TABLE = _table(b"<", b"\x02")


def nesting_depth(data: bytes, kind: str) -> int:
    """The deepest nesting of ``data`` read as ``kind`` (``sparql``, ``json`` or ``xml``).

    >>> nesting_depth(b'{"a": [{"b": 1}]}', "json")
    3
    >>> nesting_depth(b"SELECT * { << ?s ?p ?o >> ?q ( 1 ) }", "sparql")
    2
    """
    if kind == "sparql":
        table, delete = _SPARQL_TABLE
        data = data.replace(b"<<", b"\x01").replace(b">>", b"\x02")
    elif kind == "json":
        table, delete = _JSON_TABLE
    else:
        table, delete = _XML_TABLE
        data = (data.replace(b"</", b"\x02").replace(b"/>", b"\x02")
                .replace(b"<?", b"").replace(b"<!", b""))
    steps = data.translate(None, delete)
    if not steps:
        return 0
    signed = memoryview(steps.translate(table)).cast("b")
    return max(0, max(itertools.accumulate(signed)))


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
        if path in _QUERY_PATHS and scope.get("query_string"):
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
