"""Input nested deeply enough to crash the process, refused before a parser sees it.

pyoxigraph's recursive-descent parsers run on the calling thread's stack, and on this
machine (8 MiB stacks, pyoxigraph 0.5) they overflow it, killing the whole process with
``SIGSEGV`` (no exception, no ``finally``), on:

- SPARQL nesting ``{``, ``(``, ``[`` or ``<<`` some 2,000–4,000 levels deep (a 10 kB query);
- JSON-LD objects nested some 3,000–5,000 levels deep;
- RDF/XML elements nested some 20,000–50,000 levels deep (on a worker thread's stack).

Turtle, TriG and N-Triples nest without recursion and are left alone. :func:`check_query`
and :func:`check_rdf` measure the nesting first and raise
:class:`~graphkit.errors.QuerySyntaxError` or :class:`~graphkit.errors.RdfSyntaxError`,
with the line and column where the input goes deeper than the limits below: far above what
real data needs, far below the crash. Brackets inside strings and comments are counted too,
which can only over-count; the limits leave room for that. The service's
``NestingGuardMiddleware`` applies the same limits to request bodies.

>>> nesting_depth(b'{"a": [{"b": 1}]}', Nesting.JSON)
3
>>> try:
...     check_query("SELECT * WHERE " + "{" * 300 + "}" * 300)
... except QuerySyntaxError as error:
...     print(error.line, error.column)
1 272
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

from graphkit.errors import InputError, QuerySyntaxError, RdfSyntaxError
from graphkit.formats import RdfFormat, is_gzip_path

__all__ = [
    "JSON_LIMIT",
    "SPARQL_LIMIT",
    "XML_LIMIT",
    "Nesting",
    "Readable",
    "TooDeep",
    "check_file",
    "check_query",
    "check_rdf",
    "nesting_depth",
    "too_deep",
]

SPARQL_LIMIT = 256
JSON_LIMIT = 512
XML_LIMIT = 4096
CHUNK_BYTES = 1 << 20


class Nesting(str, Enum):
    """A kind of nested text, with its limit."""

    SPARQL = "sparql"
    JSON = "json"
    XML = "xml"

    @property
    def limit(self) -> int:
        return {Nesting.SPARQL: SPARQL_LIMIT, Nesting.JSON: JSON_LIMIT,
                Nesting.XML: XML_LIMIT}[self]

    @property
    def what(self) -> str:
        return {Nesting.SPARQL: "the SPARQL text", Nesting.JSON: "the JSON-LD",
                Nesting.XML: "the RDF/XML"}[self]

    @classmethod
    def of(cls, format: RdfFormat) -> Nesting | None:
        """The nesting to measure in ``format``; ``None`` for formats parsed without
        recursion."""
        return {RdfFormat.JSON_LD: cls.JSON, RdfFormat.RDF_XML: cls.XML}.get(format)


@dataclass(frozen=True)
class TooDeep:
    """Where a text first goes deeper than ``limit`` (line and column 1-based)."""

    kind: Nesting
    limit: int
    line: int
    column: int

    def message(self) -> str:
        return (f"{self.kind.what} nests more than {self.limit} levels deep, deeper than "
                "graphkit parses (the parser would overflow its stack); flatten it (name "
                "the nested nodes, or split the query)")


_OPEN, _CLOSE = 1, 255  # +1 and -1 once the bytes are read as signed
_TOKEN_BYTES = frozenset(b"<>/?!")  # the bytes of the two-byte tokens below
_MAX_CARRY = 1 << 16


def _table(opens: bytes, closes: bytes) -> tuple[bytes, bytes]:
    """A translation table (openers to +1, closers to -1) and the bytes to delete."""
    table = bytearray(range(256))
    for byte in opens:
        table[byte] = _OPEN
    for byte in closes:
        table[byte] = _CLOSE
    keep = set(opens) | set(closes)
    return bytes(table), bytes(b for b in range(256) if b not in keep)


_TABLES = {Nesting.SPARQL: _table(b"{([\x01", b"})]\x02"),
           Nesting.JSON: _table(b"{[", b"}]"),
           Nesting.XML: _table(b"<", b"\x02")}
# the same tokens, one at a time, to find the place (only once a text is known too deep)
_TOKENS = {Nesting.SPARQL: re.compile(rb"(?P<open><<|[{(\[])|(?P<close>>>|[})\]])"),
           Nesting.JSON: re.compile(rb"(?P<open>[{\[])|(?P<close>[}\]])"),
           Nesting.XML: re.compile(rb"<[?!]|(?P<close></|/>)|(?P<open><)")}


def _steps(data: bytes, kind: Nesting) -> memoryview:
    """+1 for each opener of ``data``, -1 for each closer, in order."""
    if kind is Nesting.SPARQL:
        data = data.replace(b"<<", b"\x01").replace(b">>", b"\x02")
    elif kind is Nesting.XML:
        data = (data.replace(b"</", b"\x02").replace(b"/>", b"\x02")
                .replace(b"<?", b"").replace(b"<!", b""))
    table, delete = _TABLES[kind]
    return memoryview(data.translate(None, delete).translate(table)).cast("b")


def nesting_depth(data: bytes, kind: Nesting | str) -> int:
    """The deepest nesting of ``data`` read as ``kind`` (``sparql``, ``json`` or ``xml``).

    >>> nesting_depth(b"SELECT * { << ?s ?p ?o >> ?q ( 1 ) }", "sparql")
    2
    """
    steps = _steps(data, Nesting(kind))
    return max(0, max(itertools.accumulate(steps))) if len(steps) else 0


def too_deep(chunks: Iterable[bytes], kind: Nesting, *,
             limit: int | None = None) -> TooDeep | None:
    """Where the text ``chunks`` make first goes deeper than ``limit`` (by default the
    kind's), or ``None``. Reads the chunks once, keeping one at a time."""
    limit = kind.limit if limit is None else limit
    depth, line, column = 0, 1, 0  # column: characters of the current line before a piece
    for piece in _pieces(chunks):
        steps = _steps(piece, kind)
        if len(steps) and max(itertools.accumulate(steps, initial=depth)) > limit:
            offset = _offset_past(piece, kind, depth, limit)
            before = piece[:offset]
            newline = before.rfind(b"\n")
            start = column if newline < 0 else 0
            return TooDeep(kind, limit, line + before.count(b"\n"),
                           start + len(before[newline + 1:].decode("utf-8", "replace")) + 1)
        if len(steps):
            depth += sum(steps)
        newline = piece.rfind(b"\n")
        line += piece.count(b"\n")
        column = (column if newline < 0 else 0) + len(
            piece[newline + 1:].decode("utf-8", "replace"))
    return None


def _pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks cut anew so that no two-byte token (``<<``, ``</``...) straddles a cut:
    each piece ends with a byte that is in none."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = len(data)
        while cut and data[cut - 1] in _TOKEN_BYTES:
            cut -= 1
        if cut == 0 and len(data) < _MAX_CARRY:
            carry = data
            continue
        cut = cut or len(data)
        carry = data[cut:]
        yield data[:cut]
    if carry:
        yield carry


def _offset_past(piece: bytes, kind: Nesting, depth: int, limit: int) -> int:
    """The offset in ``piece`` of the opener that takes ``depth`` past ``limit``."""
    for match in _TOKENS[kind].finditer(piece):
        if match["close"] is not None:
            depth -= 1
        elif match["open"] is not None:
            depth += 1
            if depth > limit:
                return match.start()
    return 0


def check_query(text: str, *, file: str | None = None) -> None:
    """Refuse SPARQL nested deeper than :data:`SPARQL_LIMIT` (query or update).

    Raises:
        QuerySyntaxError: with the line and column where it goes too deep.
    """
    if sum(text.count(c) for c in "{([<") <= SPARQL_LIMIT:
        return  # cannot be deeper than the brackets it has
    found = too_deep([text.encode("utf-8", "surrogatepass")], Nesting.SPARQL)
    if found is not None:
        raise QuerySyntaxError(found.message(), file=file, line=found.line,
                               column=found.column)


class Readable(Protocol):
    """A binary stream: a file opened ``rb``, a :class:`gzip.GzipFile`, ``BytesIO``."""

    def read(self, size: int = ..., /) -> bytes: ...


def check_rdf(source: bytes | Readable, format: RdfFormat, *, name: str) -> None:
    """Refuse JSON-LD or RDF/XML nested deeper than its limit; other formats pass.

    ``source`` is the document or a binary stream of it, read to the end in chunks;
    ``name`` (a file name) goes into the error.

    Raises:
        RdfSyntaxError: naming ``name``, the line and the column where it goes too deep.
    """
    kind = Nesting.of(format)
    if kind is None:
        return
    if isinstance(source, bytes):
        chunks: Iterable[bytes] = [source]
    else:
        stream = source
        chunks = iter(lambda: stream.read(CHUNK_BYTES), b"")
    found = too_deep(chunks, kind)
    if found is not None:
        raise RdfSyntaxError(found.message(), file=name, line=found.line,
                             column=found.column)


def check_file(path: Path, format: RdfFormat) -> None:
    """:func:`check_rdf` on the file at ``path`` (gzip-compressed when its name says so);
    only JSON-LD and RDF/XML are read.

    Raises:
        RdfSyntaxError: naming the file, line and column where it goes too deep.
        InputError: the file cannot be read (or is a corrupt gzip stream).
    """
    if Nesting.of(format) is None:
        return
    opener = gzip.open if is_gzip_path(path) else open
    try:
        with opener(path, "rb") as stream:
            check_rdf(stream, format, name=str(path))
    except OSError as error:  # unreadable, or a corrupt gzip stream
        raise InputError(f"{path}: cannot read: {error}") from error
