"""Content negotiation: the ``Accept`` header with its q-values, against what we can write.

:func:`choose` picks, among the server's offers (in the server's order of preference), the
one the client rates highest: each offer gets the q-value of the most specific media range
that matches it (``text/turtle`` before ``text/*`` before ``*/*``, RFC 9110 section
12.5.1); ``q=0`` refuses; ties go to the server's order. No ``Accept`` header means
``*/*``.

>>> choose("text/csv;q=0.5, application/sparql-results+json", SELECT_OFFERS).media_type
'application/sparql-results+json'
>>> choose("image/png", SELECT_OFFERS) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graphkit.formats import RdfFormat, ResultFormat
from graphkit.stores import QueryKind

__all__ = [
    "GRAPH_OFFERS",
    "HTML",
    "SELECT_OFFERS",
    "MediaRange",
    "Offer",
    "choose",
    "format_parameter",
    "offers_for",
    "parse_accept",
]

#: Stands for an HTML page (results table, query UI): never the answer to ``*/*``.
HTML = "html"


@dataclass(frozen=True)
class Offer:
    """A media type we can answer with, the format behind it, and the Content-Type sent."""

    media_type: str
    format: ResultFormat | RdfFormat | str

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


_HTML_OFFERS = (Offer("text/html", HTML), Offer("application/xhtml+xml", HTML))

#: SELECT and ASK answers, the default first (https://www.w3.org/TR/sparql11-protocol/#query-success).
SELECT_OFFERS: tuple[Offer, ...] = (
    Offer("application/sparql-results+json", ResultFormat.JSON),
    Offer("application/sparql-results+xml", ResultFormat.XML),
    Offer("text/csv", ResultFormat.CSV),
    Offer("text/tab-separated-values", ResultFormat.TSV),
    Offer("application/json", ResultFormat.JSON),
    Offer("application/xml", ResultFormat.XML),
    Offer("text/xml", ResultFormat.XML),
    *_HTML_OFFERS,
)

#: CONSTRUCT and DESCRIBE answers, service descriptions and graphs, the default first.
GRAPH_OFFERS: tuple[Offer, ...] = (
    Offer("text/turtle", RdfFormat.TURTLE),
    Offer("application/n-triples", RdfFormat.N_TRIPLES),
    Offer("application/ld+json", RdfFormat.JSON_LD),
    Offer("application/rdf+xml", RdfFormat.RDF_XML),
    Offer("application/trig", RdfFormat.TRIG),
    Offer("application/n-quads", RdfFormat.N_QUADS),
    Offer("application/x-turtle", RdfFormat.TURTLE),
    Offer("text/plain", RdfFormat.N_TRIPLES),
    Offer("application/xml", RdfFormat.RDF_XML),
    Offer("text/xml", RdfFormat.RDF_XML),
    Offer("application/json", RdfFormat.JSON_LD),
    *_HTML_OFFERS,
)

# the short names clients put into `format=` or `output=` (SPARQLWrapper, Fuseki, Virtuoso)
_SHORT_NAMES: dict[str, tuple[ResultFormat | None, RdfFormat | None]] = {
    "json": (ResultFormat.JSON, RdfFormat.JSON_LD),
    "xml": (ResultFormat.XML, RdfFormat.RDF_XML),
    "csv": (ResultFormat.CSV, None),
    "tsv": (ResultFormat.TSV, None),
    "turtle": (None, RdfFormat.TURTLE), "ttl": (None, RdfFormat.TURTLE),
    "n3": (None, RdfFormat.TURTLE),
    "nt": (None, RdfFormat.N_TRIPLES), "ntriples": (None, RdfFormat.N_TRIPLES),
    "n-triples": (None, RdfFormat.N_TRIPLES),
    "jsonld": (None, RdfFormat.JSON_LD), "json-ld": (None, RdfFormat.JSON_LD),
    "rdf": (None, RdfFormat.RDF_XML), "rdfxml": (None, RdfFormat.RDF_XML),
    "rdf+xml": (None, RdfFormat.RDF_XML),
    "trig": (None, RdfFormat.TRIG), "nq": (None, RdfFormat.N_QUADS),
    "nquads": (None, RdfFormat.N_QUADS), "n-quads": (None, RdfFormat.N_QUADS),
}


def offers_for(kind: QueryKind) -> tuple[Offer, ...]:
    return GRAPH_OFFERS if kind is QueryKind.GRAPH else SELECT_OFFERS


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; unreadable parts are left out."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        media, *parameters = (p.strip() for p in part.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q))
    return ranges


def choose(header: str | None, offers: Sequence[Offer]) -> Offer | None:
    """The offer the client rates highest (ties: the first offered), ``None`` if none."""
    ranges = parse_accept(header)
    best: Offer | None = None
    best_q = 0.0
    for offer in offers:
        matching = [r for r in ranges if r.matches(offer.media_type)]
        if not matching:
            continue
        most_specific = max(r.specificity for r in matching)
        q = max(r.q for r in matching if r.specificity == most_specific)
        if offer.format == HTML and most_specific < 2:
            continue  # a page only for clients that ask for HTML by name
        if q > best_q:
            best, best_q = offer, q
    return best


def format_parameter(value: str, kind: QueryKind) -> Offer | None:
    """The offer a ``format=``/``output=`` parameter names (``json``, ``csv``, ``ttl``, or a
    media type), ``None`` when it names nothing we write for this kind of answer."""
    key = value.strip().lower()
    if "/" in key:
        return choose(key, offers_for(kind))
    pair = _SHORT_NAMES.get(key)
    if pair is None:
        return None
    found = pair[1] if kind is QueryKind.GRAPH else pair[0]
    if found is None:
        return None
    return next(o for o in offers_for(kind) if o.format == found)
