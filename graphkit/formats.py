"""RDF and query-result formats: names, file extensions, media types.

Our enums are the vocabulary of the CLI and the API; :meth:`RdfFormat.oxigraph` and
:meth:`ResultFormat.oxigraph` map them onto pyoxigraph's, whose serialisers do the work.

>>> RdfFormat.from_path("data/seed.ttl.gz")
<RdfFormat.TURTLE: 'ttl'>
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from graphkit.errors import InputError

__all__ = ["RdfFormat", "ResultFormat", "is_gzip_path"]


class RdfFormat(str, Enum):
    """RDF serialisations graphkit reads and writes."""

    TURTLE = "ttl"
    TRIG = "trig"
    N_TRIPLES = "nt"
    N_QUADS = "nq"
    JSON_LD = "jsonld"
    RDF_XML = "rdf"

    @property
    def oxigraph(self) -> ox.RdfFormat:
        return _OX_RDF[self]

    @property
    def media_type(self) -> str:
        return str(self.oxigraph.media_type)

    @property
    def extension(self) -> str:
        return self.value

    @property
    def supports_prefixes(self) -> bool:
        """Whether documents name things with declared prefixes: Turtle, TriG, RDF/XML."""
        return self in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML)

    @property
    def supports_datasets(self) -> bool:
        """Whether documents name their own graphs: TriG and N-Quads. JSON-LD could, but
        graphkit reads and writes it as one graph, like Turtle (pyoxigraph says True)."""
        return self in (RdfFormat.TRIG, RdfFormat.N_QUADS)

    @classmethod
    def parse_name(cls, name: str) -> RdfFormat:
        """A format from its short name, extension or media type (``turtle``, ``.ttl``...)."""
        key = name.strip().lower().lstrip(".").split(";")[0].strip()
        found = _ALIASES.get(key)
        if found is None:
            known = ", ".join(sorted({f.value for f in cls}))
            raise InputError(f"unknown RDF format {name!r}; use one of {known}")
        return found

    @classmethod
    def from_media_type(cls, media_type: str) -> RdfFormat | None:
        return _ALIASES.get(media_type.split(";")[0].strip().lower())

    @classmethod
    def from_path(cls, path: str | Path) -> RdfFormat:
        """Guess the format from a file name, looking through a ``.gz`` suffix."""
        suffixes = [s.lower() for s in Path(path).suffixes]
        if suffixes and suffixes[-1] == ".gz":
            suffixes = suffixes[:-1]
        if not suffixes:
            raise InputError(f"{path}: cannot tell the RDF format from the file name; "
                             "give --format (ttl, trig, nt, nq, jsonld, rdf)")
        found = _ALIASES.get(suffixes[-1].lstrip("."))
        if found is None:
            raise InputError(f"{path}: unknown RDF file extension {suffixes[-1]!r}; "
                             "give --format (ttl, trig, nt, nq, jsonld, rdf)")
        return found


class ResultFormat(str, Enum):
    """SPARQL SELECT/ASK result serialisations."""

    JSON = "json"
    XML = "xml"
    CSV = "csv"
    TSV = "tsv"

    @property
    def oxigraph(self) -> ox.QueryResultsFormat:
        return _OX_RESULTS[self]

    @property
    def media_type(self) -> str:
        return str(self.oxigraph.media_type)

    @classmethod
    def from_media_type(cls, media_type: str) -> ResultFormat | None:
        return _RESULT_ALIASES.get(media_type.split(";")[0].strip().lower())


def is_gzip_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ".gz"


_OX_RDF = {
    RdfFormat.TURTLE: ox.RdfFormat.TURTLE,
    RdfFormat.TRIG: ox.RdfFormat.TRIG,
    RdfFormat.N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    RdfFormat.N_QUADS: ox.RdfFormat.N_QUADS,
    RdfFormat.JSON_LD: ox.RdfFormat.JSON_LD,
    RdfFormat.RDF_XML: ox.RdfFormat.RDF_XML,
}
_OX_RESULTS = {
    ResultFormat.JSON: ox.QueryResultsFormat.JSON,
    ResultFormat.XML: ox.QueryResultsFormat.XML,
    ResultFormat.CSV: ox.QueryResultsFormat.CSV,
    ResultFormat.TSV: ox.QueryResultsFormat.TSV,
}
_ALIASES: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE, "turtle": RdfFormat.TURTLE, "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "trig": RdfFormat.TRIG, "application/trig": RdfFormat.TRIG,
    "nt": RdfFormat.N_TRIPLES, "ntriples": RdfFormat.N_TRIPLES, "n-triples": RdfFormat.N_TRIPLES,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS, "nquads": RdfFormat.N_QUADS, "n-quads": RdfFormat.N_QUADS,
    "application/n-quads": RdfFormat.N_QUADS,
    "jsonld": RdfFormat.JSON_LD, "json-ld": RdfFormat.JSON_LD, "json": RdfFormat.JSON_LD,
    "application/ld+json": RdfFormat.JSON_LD,
    "rdf": RdfFormat.RDF_XML, "xml": RdfFormat.RDF_XML, "owl": RdfFormat.RDF_XML,
    "rdfxml": RdfFormat.RDF_XML, "rdf/xml": RdfFormat.RDF_XML,
    "application/rdf+xml": RdfFormat.RDF_XML,
}
_RESULT_ALIASES: dict[str, ResultFormat] = {
    "application/sparql-results+json": ResultFormat.JSON,
    "application/json": ResultFormat.JSON,
    "application/sparql-results+xml": ResultFormat.XML,
    "application/xml": ResultFormat.XML,
    "text/csv": ResultFormat.CSV,
    "text/tab-separated-values": ResultFormat.TSV,
}
