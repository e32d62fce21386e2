"""Reading a contribution by its media type: RDF in any syntax we parse, or a CSV template.

:func:`read_upload` gives the triples of an uploaded document (graph names of TriG and
N-Quads dropped: a contribution goes into a graph of its own; blank nodes renamed fresh, so
that ``_:b0`` here is not ``_:b0`` of another document), decoding the text with the
``charset`` the client declared. Unreadable input raises an :class:`~graphkit.errors.InputError`
that says where: :class:`~graphkit.errors.RdfSyntaxError` with line and column for RDF,
:class:`~graphkit.errors.ConversionError` with row and column for a CSV template.

>>> triples = read_upload(b'<http://ex/a> <http://ex/p> "\\xe9t\\xe9" .', "application/n-triples",
...                       charset="iso-8859-1")
>>> triples[0].object.value
'été'
"""

from __future__ import annotations

import codecs

import pyoxigraph as ox

from graphkit.blank_nodes import FreshBlankNodes
from graphkit.errors import (
    ConversionError,
    InputError,
    InputProblem,
    RdfSyntaxError,
    position_of,
)
from graphkit.formats import RdfFormat

__all__ = ["CSV_MEDIA_TYPES", "UnsupportedMediaType", "read_upload", "supported_media_types"]

CSV_MEDIA_TYPES = ("text/csv", "application/csv")


class UnsupportedMediaType(InputError):
    """A media type that is neither RDF we parse nor a CSV template."""


def supported_media_types() -> list[str]:
    """The media types :func:`read_upload` reads, RDF first."""
    return [f.media_type for f in RdfFormat] + ["text/csv"]


def read_upload(body: bytes, media_type: str, *, charset: str | None = None,
                name: str = "the body", base_iri: str = "https://w3id.org/ogkg/",
                template: str | None = None, vocabulary: object = None) -> list[ox.Triple]:
    """The triples of an uploaded document.

    Args:
        body: the bytes as received.
        media_type: its media type (parameters are ignored; give ``charset`` apart).
        charset: the declared character encoding; UTF-8 when ``None``.
        name: what to call the document in error messages.
        base_iri: the base for relative IRIs and for entities a CSV template mints.
        template: the CSV template's name (``organisations``...), else told by its header.
        vocabulary: a :class:`~graphkit.importers.Vocabulary` for CSV codes.
    """
    media = media_type.split(";")[0].strip().lower()
    if media in CSV_MEDIA_TYPES:
        from graphkit.importers.csv import import_csv

        text = _decoded(body, charset, name)
        result = import_csv(text, template=template, base_iri=base_iri, name=name,
                            vocabulary=vocabulary)
        return list(result.triples)
    format = RdfFormat.from_media_type(media) if media else None
    if format is None:
        raise UnsupportedMediaType(
            f"{name}: cannot read {media or 'a body without Content-Type'}; send one of "
            + ", ".join(supported_media_types()))
    data = body
    if charset and codecs.lookup(_codec(charset, name)).name != "utf-8":
        data = _decoded(body, charset, name).encode("utf-8")
    apart = FreshBlankNodes()  # labels such as _:b0 stay apart from other contributions'
    try:
        return [apart.triple(q)
                for q in ox.parse(data, format=format.oxigraph, base_iri=base_iri)]
    except SyntaxError as error:
        line, column = position_of(error)
        message = str(error.msg if hasattr(error, "msg") and error.msg else error)
        raise RdfSyntaxError(message, file=name, line=line, column=column) from None
    except ValueError as error:
        raise InputError(f"{name}: cannot read it as {format.media_type}: {error}") from None


def _codec(charset: str, name: str) -> str:
    try:
        return codecs.lookup(charset.strip().strip('"')).name
    except LookupError:
        raise InputError(f"{name}: unknown charset {charset!r}; send UTF-8 "
                         "(charset=utf-8)") from None


def _decoded(body: bytes, charset: str | None, name: str) -> str:
    codec = _codec(charset, name) if charset else "utf-8-sig"
    if codec == "utf-8":
        codec = "utf-8-sig"
    try:
        return body.decode(codec)
    except UnicodeDecodeError as error:
        line = body[:error.start].count(b"\n") + 1
        column = error.start - (body.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConversionError("not text in the declared encoding", file=name, problems=[
            InputProblem(f"the bytes are not {codec} text ({error.reason}); save the file "
                         "as UTF-8 or declare its charset", line=line, column=column)]
        ) from None
