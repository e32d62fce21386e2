"""The shapes graph and the vocabulary beside it, loaded once per set of files.

The shapes are ``shapes/*.ttl`` of the project (``dcat.ttl`` only when asked for). Next to
them :class:`Shapes` carries the *vocabulary*: the ontology (``ontology/ogk.ttl``) and the
SKOS schemes (``ontology/schemes/*.ttl``).  SHACL reads ``rdfs:subClassOf`` and scheme
membership from the data graph (`SHACL §3.2 <https://www.w3.org/TR/shacl/#dfn-shacl-instance>`_),
so every engine validates *data ∪ context ∪ vocabulary* and reports only findings whose
focus node occurs in the data (see :func:`graphkit.validation.validate`).

>>> from graphkit.settings import Settings
>>> shapes = load_shapes(Settings(store_path=None).project_root)  # doctest: +SKIP
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import pyoxigraph as ox

from graphkit.errors import InputError
from graphkit.formats import RdfFormat, is_gzip_path
from graphkit.nesting import check_rdf
from graphkit.stores.oxigraph import _rdf_syntax_error

if TYPE_CHECKING:
    import rdflib

__all__ = ["OPTIONAL_SHAPE_FILES", "Shapes", "as_triples", "default_root", "load_shapes",
           "parse_file"]

#: Shape files left out unless named: the DCAT profile for the catalogue (linked-data work).
OPTIONAL_SHAPE_FILES = frozenset({"dcat.ttl"})


@dataclass(frozen=True)
class Shapes:
    """Shape files and vocabulary files, parsed into triples (graph names dropped)."""

    shape_files: tuple[Path, ...]
    vocabulary_files: tuple[Path, ...]
    shape_triples: tuple[ox.Triple, ...] = field(repr=False)
    vocabulary_triples: tuple[ox.Triple, ...] = field(repr=False)

    @cached_property
    def rdflib_shapes(self) -> rdflib.Graph:
        """The shapes as an :class:`rdflib.Graph` (for pyshacl), built once."""
        return _to_rdflib(self.shape_triples)

    @cached_property
    def rdflib_vocabulary(self) -> rdflib.Graph:
        """The ontology and schemes as an :class:`rdflib.Graph`, built once."""
        return _to_rdflib(self.vocabulary_triples)

    def store(self) -> ox.Store:
        """A fresh in-memory pyoxigraph store holding the shapes (default graph)."""
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in self.shape_triples)
        return store


def default_root() -> Path:
    """The project checkout this package sits in (``graphkit/..``)."""
    return Path(__file__).resolve().parent.parent.parent


def load_shapes(root: Path | None = None, *, include: Iterable[str] = (),
                files: Sequence[Path] | None = None) -> Shapes:
    """The shapes of the project at ``root`` (default: :func:`default_root`).

    ``include`` names optional shape files to add (e.g. ``"dcat.ttl"``); ``files`` replaces
    the shape files altogether (the vocabulary still comes from ``root``).  Cached on the
    files' paths and modification times, so an edited shape file is read again.
    """
    base = (root or default_root()).resolve()
    if files is None:
        shapes_dir = base / "shapes"
        if not shapes_dir.is_dir():
            raise InputError(f"{shapes_dir}: no shapes directory; set GRAPHKIT_PROJECT_ROOT "
                             "to the project checkout")
        wanted = set(include)
        files = [p for p in sorted(shapes_dir.glob("*.ttl"))
                 if p.name not in OPTIONAL_SHAPE_FILES or p.name in wanted]
    vocabulary = [base / "ontology" / "ogk.ttl",
                  *sorted((base / "ontology" / "schemes").glob("*.ttl"))]
    vocabulary = [p for p in vocabulary if p.is_file()]
    shape_files = tuple(Path(p).resolve() for p in files)
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in (*shape_files, *vocabulary))
    return _load(shape_files, tuple(vocabulary), stamp)


@lru_cache(maxsize=8)
def _load(shape_files: tuple[Path, ...], vocabulary: tuple[Path, ...],
          stamp: tuple[tuple[str, int], ...]) -> Shapes:
    del stamp  # part of the cache key only
    shape_triples = tuple(t for p in shape_files for t in parse_file(p))
    vocabulary_triples = tuple(t for p in vocabulary for t in parse_file(p))
    return Shapes(shape_files, vocabulary, shape_triples, vocabulary_triples)


def parse_file(path: Path, format: RdfFormat | None = None) -> list[ox.Triple]:
    """All triples of an RDF file (quads lose their graph name).

    Raises :class:`InputError` for a missing file or unknown extension and
    :class:`RdfSyntaxError` (file, line, column) for text that does not parse.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = format or RdfFormat.from_path(path)
    opener = gzip.open if is_gzip_path(path) else open
    with opener(path, "rb") as stream:
        check_rdf(stream, fmt, name=str(path))  # deep JSON-LD/RDF-XML crashes the parser
        stream.seek(0)
        try:
            return [ox.Triple(q.subject, q.predicate, q.object)
                    for q in ox.parse(cast(IO[bytes], stream), fmt.oxigraph, base_iri=path.resolve().as_uri())]
        except SyntaxError as error:
            raise _rdf_syntax_error(error, str(path)) from error


def as_triples(data: object) -> list[ox.Triple]:
    """Triples from what :func:`~graphkit.validation.validate` accepts as data or context:
    a pyoxigraph ``Store``, a graphkit store (``raw`` or a CONSTRUCT over everything), a
    path (or ``str`` path), or an iterable of pyoxigraph ``Quad``/``Triple``."""
    if data is None:
        return []
    if isinstance(data, ox.Store):
        return [ox.Triple(q.subject, q.predicate, q.object) for q in data]
    if isinstance(data, str | Path):
        return parse_file(Path(data))
    raw = getattr(data, "raw", None)
    if isinstance(raw, ox.Store):
        return as_triples(raw)
    query = getattr(data, "query", None)
    if callable(query) and not isinstance(data, list | tuple):
        result = query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        return [ox.Triple(t.subject, t.predicate, t.object) for t in result]
    triples = []
    for item in cast(Iterable[object], data):  # what is left: an iterable of items
        if isinstance(item, ox.Quad | ox.Triple):
            triples.append(ox.Triple(item.subject, item.predicate, item.object))
        elif isinstance(item, str | Path):
            triples.extend(parse_file(Path(item)))
        else:
            raise InputError(f"cannot validate a {type(item).__name__}; give pyoxigraph "
                             "Quads or Triples, a pyoxigraph Store or RDF file paths")
    return triples


def _to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib Graph with the triples, through N-Triples (exact for every term)."""
    import rdflib

    graph = rdflib.Graph()
    data = ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in triples),
                        format=ox.RdfFormat.N_TRIPLES)
    graph.parse(data=data.decode("utf-8") if isinstance(data, bytes) else data, format="nt")
    return graph
