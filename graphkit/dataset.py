"""The dataset as a whole: when it changed, what it holds, how it describes itself, its dumps.

- :class:`StoreWatch` gives a token that changes when the store does; :class:`Cached`
  keeps a value built from the store until the token moves.
- :func:`statistics` counts what the store holds (triples, entities, class and property
  partitions, vocabularies, links to outside namespaces).
- :func:`void_description` (VoID, https://www.w3.org/TR/void/) and :func:`dcat_catalog`
  (DCAT 3, https://www.w3.org/TR/vocab-dcat-3/) describe it, from those figures and the
  dumps; ``shapes/dcat.ttl`` holds the shapes both validate against.
- :class:`DumpSet` writes the dumps (N-Triples and N-Quads gzipped, Turtle, JSON-LD) as
  files with their SHA-256, streaming, each also teed to a reader while it is written.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import IO, Generic, TypeVar, cast

import pyoxigraph as ox

from graphkit.describe import select
from graphkit.formats import RdfFormat
from graphkit.namespaces import OGK, PREFIXES
from graphkit.stores.base import Store
from graphkit.stores.oxigraph import OxigraphStore

__all__ = [
    "Cached",
    "DatasetMetadata",
    "Dump",
    "DumpFormat",
    "DumpSet",
    "Statistics",
    "StoreWatch",
    "dcat_catalog",
    "statistics",
    "store_signature",
    "void_description",
]

T = TypeVar("T")

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dcterms"]
DCAT = PREFIXES["dcat"]
VOID = PREFIXES["void"]
FOAF = PREFIXES["foaf"]
SPDX = PREFIXES["spdx"]
IANA = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


# -- knowing when the store changed ---------------------------------------------------------
def store_signature(store: Store) -> str:
    """A cheap fingerprint of the store's content: its size and its graphs. It moves with
    every write that adds or removes triples or graphs; a write that swaps triples one for
    one leaves it (give :class:`StoreWatch` a ``revision`` to see those)."""
    if isinstance(store, OxigraphStore):
        raw = store.raw
        graphs = sorted(g.value for g in raw.named_graphs() if isinstance(g, ox.NamedNode))
        return f"{len(raw)}|{len(graphs)}|{hash(tuple(graphs))}"
    return "|".join(f"{g.name}={g.triples}" for g in store.graphs())


class StoreWatch:
    """A token that changes when the store does, and the time it last changed.

    With ``revision`` (a counter every write moves, like the worker pool's snapshot
    generation) or a store that counts its own writes (:attr:`OxigraphStore.writes`) the
    token is exact and free. Without either, :func:`store_signature` is read,
    at most every ``poll_factor`` times as long as reading it took (never more than
    ``max_interval`` seconds apart): on a small store at every call, on a million triples
    every few seconds.
    """

    def __init__(self, store: Store, *, revision: Callable[[], object | None] | None = None,
                 poll_factor: float = 20.0, max_interval: float = 10.0) -> None:
        self._store = store
        self._revision = revision
        self._poll_factor = poll_factor
        self._max_interval = max_interval
        self._lock = threading.Lock()
        self._token: str | None = None
        self._next_check = 0.0
        self._changed = datetime.now(UTC)

    def token(self) -> str:
        with self._lock:
            revision = self._revision() if self._revision is not None else None
            writes = getattr(self._store, "writes", None)
            if revision is not None or writes is not None:
                self._observe(f"r{revision}|w{writes}")
            elif self._token is None or time.monotonic() >= self._next_check:
                started = time.monotonic()
                signature = store_signature(self._store)
                took = time.monotonic() - started
                self._next_check = time.monotonic() + min(self._max_interval,
                                                          took * self._poll_factor)
                self._observe(f"s{signature}")
            assert self._token is not None
            return self._token

    def _observe(self, token: str) -> None:
        if token != self._token:
            if self._token is not None:
                self._changed = datetime.now(UTC)
            self._token = token

    def changed(self) -> datetime:
        """When the token last moved (the start of the watch before any change)."""
        self.token()
        return self._changed


class Cached(Generic[T]):
    """A value built from the store, rebuilt when the watch's token moves."""

    def __init__(self, watch: StoreWatch, build: Callable[[], T]) -> None:
        self._watch = watch
        self._build = build
        self._lock = threading.Lock()
        self._token: str | None = None
        self._value: T | None = None

    def get(self) -> T:
        token = self._watch.token()
        with self._lock:
            if self._token != token or self._value is None:
                self._value = self._build()
                self._token = token
            return self._value


# -- what the store holds -------------------------------------------------------------------
@dataclass(frozen=True)
class Linkset:
    """Links from our resources to one outside namespace through one property."""

    predicate: str
    namespace: str
    triples: int


@dataclass
class Statistics:
    """What the store holds, for VoID and the home page."""

    triples: int = 0
    entities: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)
    vocabularies: list[str] = field(default_factory=list)
    linksets: list[Linkset] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def namespace_of(iri: str) -> str:
    """The namespace of an IRI: up to its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut > iri.find("//") + 1 else iri


def statistics(store: Store, *, base_iri: str) -> Statistics:
    """Count what ``store`` holds. Triples are counted once however many graphs hold them;
    entities are the typed subjects under ``<base_iri>id/``."""
    stats = Statistics()
    stats.graphs = {g.name: g.triples for g in store.graphs() if g.name is not None}
    row = next(select(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                           "WHERE { ?s ?p ?o } }"))
    stats.triples = int(row["n"].value)
    entity_space = f"{base_iri}id/"
    row = next(select(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c "
                           f"FILTER(STRSTARTS(STR(?s), \"{_literal_text(entity_space)}\")) }}"
                           ))
    stats.entities = int(row["n"].value)
    stats.classes = {r["c"].value: int(r["n"].value) for r in select(store, 
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c"
    )}
    stats.properties = {r["p"].value: int(r["n"].value) for r in select(store, 
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
        "GROUP BY ?p")}
    used = {namespace_of(i) for i in (*stats.classes, *stats.properties)}
    stats.vocabularies = sorted(used)
    links: dict[tuple[str, str], int] = defaultdict(int)
    ours = " || ".join(f"STRSTARTS(STR(?s), \"{_literal_text(base_iri + space)}\")"
                       for space in ("id/", "scheme/", "ns"))
    for r in select(store, 
            f"SELECT ?p ?o WHERE {{ ?s ?p ?o FILTER(isIRI(?o) && ?p != <{RDF}type> "
            f"&& ({ours}) && !STRSTARTS(STR(?o), \"{_literal_text(base_iri)}\")) }}"):
        links[(r["p"].value, namespace_of(r["o"].value))] += 1
    stats.linksets = [Linkset(p, ns, n) for (p, ns), n in sorted(links.items())]
    stats.examples = [r["s"].value for r in select(store, 
        f"SELECT ?s WHERE {{ VALUES ?c {{ <{OGK}Network> <{OGK}Organisation> <{OGK}Meeting> "
        f"<{OGK}Person> <{OGK}Publication> }} ?s a ?c "
        f"FILTER(STRSTARTS(STR(?s), \"{_literal_text(entity_space)}\")) }} LIMIT 5")]
    return stats


def _literal_text(text: str) -> str:
    """``text`` inside a SPARQL ``"..."`` (IRIs here, which cannot hold ``"`` or ``\\``)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


# -- dumps ----------------------------------------------------------------------------------
class DumpFormat(str, Enum):
    """The dump files: name suffix, RDF format, gzipped or not."""

    NT_GZ = "nt.gz"
    NQ_GZ = "nq.gz"
    TURTLE = "ttl"
    JSON_LD = "jsonld"

    @property
    def rdf_format(self) -> RdfFormat:
        return {DumpFormat.NT_GZ: RdfFormat.N_TRIPLES, DumpFormat.NQ_GZ: RdfFormat.N_QUADS,
                DumpFormat.TURTLE: RdfFormat.TURTLE,
                DumpFormat.JSON_LD: RdfFormat.JSON_LD}[self]

    @property
    def gzipped(self) -> bool:
        return self.value.endswith(".gz")

    @property
    def media_type(self) -> str:
        """The media type of the content (before compression)."""
        return self.rdf_format.media_type

    @property
    def title(self) -> str:  # type: ignore[override]  # a label, shadowing str.title on purpose
        names = {DumpFormat.NT_GZ: "N-Triples, gzipped (all graphs merged)",
                 DumpFormat.NQ_GZ: "N-Quads, gzipped (named graphs kept)",
                 DumpFormat.TURTLE: "Turtle (all graphs merged)",
                 DumpFormat.JSON_LD: "JSON-LD (all graphs merged)"}
        return names[self]

    def file_name(self, stem: str) -> str:
        return f"{stem}.{self.value}"


@dataclass(frozen=True)
class Dump:
    """A dump file written for the store state ``token``."""

    format: DumpFormat
    path: Path
    sha256: str
    size: int
    created: datetime
    token: str


class _Tee:
    """Writes to a file, a hash and (optionally) a reader, counting bytes."""

    def __init__(self, file: IO[bytes], also: IO[bytes] | None) -> None:
        self._file = file
        self._also = also
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._file.write(data)
        self.hash.update(data)
        self.size += len(data)
        if self._also is not None:
            self._also.write(bytes(data))
        return len(data)

    def flush(self) -> None:
        self._file.flush()

    def writable(self) -> bool:
        return True


class DumpSet:
    """The dumps of one store, as files under ``directory``, one set per store state.

    :meth:`write` makes one (renamed into place when complete, so a reader never sees half
    a file); :meth:`current` says whether the one for a token is there.
    """

    def __init__(self, store: Store, directory: Path, *, stem: str = "ogkg",
                 compress_level: int = 6) -> None:
        self._store = store
        self.directory = directory
        self.stem = stem
        self._level = compress_level
        self._lock = threading.Lock()
        self._made: dict[DumpFormat, Dump] = {}
        self._writing = {format: threading.Lock() for format in DumpFormat}

    def current(self, format: DumpFormat, token: str) -> Dump | None:
        with self._lock:
            dump = self._made.get(format)
        if dump is None or dump.token != token or not dump.path.is_file():
            return None
        return dump

    def all_current(self, token: str) -> list[Dump]:
        return [d for f in DumpFormat if (d := self.current(f, token)) is not None]

    def write(self, format: DumpFormat, token: str, *, also: IO[bytes] | None = None) -> Dump:
        """Write the dump in ``format`` for the store as it is (state ``token``), copying
        every byte to ``also`` as it goes (an HTTP answer streaming while the file is made).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / format.file_name(self.stem)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                tee = _Tee(file, also)
                if format.gzipped:
                    with gzip.GzipFile(fileobj=tee, mode="wb",
                                       compresslevel=self._level, mtime=0) as packed:
                        # a binary file in all but name (typeshed: not an IO[bytes])
                        self._store.dump(cast(IO[bytes], packed), format=format.rdf_format)
                else:
                    # the writes, flush and writable() a dump makes (see _Tee)
                    self._store.dump(cast(IO[bytes], tee), format=format.rdf_format)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        dump = Dump(format, target, tee.hash.hexdigest(), tee.size, datetime.now(UTC), token)
        with self._lock:
            self._made[format] = dump
        return dump

    def ensure(self, token: str, formats: Iterable[DumpFormat] = tuple(DumpFormat)
               ) -> list[Dump]:
        """Every dump for state ``token``, writing those not there yet (one writer per
        format: a second caller waits for the file the first is writing)."""
        dumps = []
        for format in formats:
            with self._writing[format]:
                dumps.append(self.current(format, token) or self.write(format, token))
        return dumps


# -- VoID and DCAT --------------------------------------------------------------------------
@dataclass(frozen=True)
class DatasetMetadata:
    """What describes the dataset beyond its figures: identity and where to get it.

    ``base_iri`` names things (the dataset is ``<base>catalog#dataset``); ``origin`` is
    where this server answers (``https://example.org``), for endpoint and download URLs.
    """

    base_iri: str
    origin: str
    title: str = "OpenGov KG"
    description: str = ("The linked-data knowledge graph of the open-government ecosystem: "
                        "organisations, networks, working bodies, initiatives, action plans, "
                        "publications, events, people, posts and memberships, every "
                        "statement traceable to its source document and quoted sentence.")
    publisher: str = "OpenGov KG contributors"
    license: str = "https://creativecommons.org/licenses/by/4.0/"
    keywords: tuple[str, ...] = ("open government", "linked data", "networks",
                                 "organisations", "public governance")
    modified: datetime | None = None

    @property
    def catalog(self) -> str:
        return f"{self.base_iri}catalog"

    @property
    def dataset(self) -> str:
        return f"{self.base_iri}catalog#dataset"

    @property
    def service(self) -> str:
        return f"{self.base_iri}catalog#sparql"

    def distribution(self, format: DumpFormat) -> str:
        return f"{self.base_iri}catalog#dump-{format.value.replace('.', '-')}"

    @property
    def sparql_endpoint(self) -> str:
        return f"{self.origin}/sparql"

    def download(self, stem: str, format: DumpFormat) -> str:
        return f"{self.origin}/dumps/{format.file_name(stem)}"


class _Graph:
    """Triples under construction."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode | ox.BlankNode, p: str,
            o: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(s, ox.NamedNode(p), o))


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _text(value: str, language: str | None = "en") -> ox.Literal:
    return ox.Literal(value, language=language) if language else ox.Literal(value)


def _typed(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def _when(moment: datetime) -> ox.Literal:
    return _typed(moment.astimezone(UTC).replace(microsecond=0).isoformat(), "dateTime")


def _common(graph: _Graph, node: ox.NamedNode, meta: DatasetMetadata) -> None:
    graph.add(node, DCT + "title", _text(meta.title))
    graph.add(node, DCT + "description", _text(meta.description))
    graph.add(node, DCT + "license", _iri(meta.license))
    publisher = ox.BlankNode()
    graph.add(node, DCT + "publisher", publisher)
    graph.add(publisher, RDF + "type", _iri(FOAF + "Agent"))
    graph.add(publisher, FOAF + "name", _text(meta.publisher))
    if meta.modified is not None:
        graph.add(node, DCT + "modified", _when(meta.modified))


def void_description(stats: Statistics, meta: DatasetMetadata, *, dumps: Sequence[str] = ()
                     ) -> list[ox.Triple]:
    """The VoID description of the dataset: identity, licence, endpoint, dumps, URI
    space, example resources, vocabularies, counts, class and property partitions, graphs
    as subsets, and link sets to outside namespaces. ``dumps`` are download URLs."""
    g = _Graph()
    document = _iri(f"{meta.base_iri}.well-known/void")
    dataset = _iri(meta.dataset)
    g.add(document, RDF + "type", _iri(VOID + "DatasetDescription"))
    g.add(document, DCT + "title", _text(f"VoID description of {meta.title}"))
    g.add(document, FOAF + "primaryTopic", dataset)
    g.add(dataset, RDF + "type", _iri(VOID + "Dataset"))
    _common(g, dataset, meta)
    g.add(dataset, FOAF + "homepage", _iri(f"{meta.origin}/"))
    g.add(dataset, VOID + "sparqlEndpoint", _iri(meta.sparql_endpoint))
    for url in dumps:
        g.add(dataset, VOID + "dataDump", _iri(url))
    g.add(dataset, VOID + "uriSpace", _text(f"{meta.base_iri}id/", None))
    g.add(dataset, VOID + "uriRegexPattern", _text(f"^{meta.base_iri}(id|scheme)/", None))
    for example in stats.examples:
        g.add(dataset, VOID + "exampleResource", _iri(example))
    g.add(dataset, VOID + "rootResource", _iri(f"{meta.base_iri}ns"))
    for vocabulary in stats.vocabularies:
        g.add(dataset, VOID + "vocabulary", _iri(vocabulary))
    g.add(dataset, VOID + "triples", _typed(stats.triples, "integer"))
    g.add(dataset, VOID + "entities", _typed(stats.entities, "integer"))
    g.add(dataset, VOID + "classes", _typed(len(stats.classes), "integer"))
    g.add(dataset, VOID + "properties", _typed(len(stats.properties), "integer"))
    for cls, count in sorted(stats.classes.items()):
        partition = ox.BlankNode()
        g.add(dataset, VOID + "classPartition", partition)
        g.add(partition, VOID + "class", _iri(cls))
        g.add(partition, VOID + "entities", _typed(count, "integer"))
    for prop, count in sorted(stats.properties.items()):
        partition = ox.BlankNode()
        g.add(dataset, VOID + "propertyPartition", partition)
        g.add(partition, VOID + "property", _iri(prop))
        g.add(partition, VOID + "triples", _typed(count, "integer"))
    for name, count in sorted(stats.graphs.items()):
        subset = _iri(name)
        g.add(dataset, VOID + "subset", subset)
        g.add(subset, RDF + "type", _iri(VOID + "Dataset"))
        g.add(subset, VOID + "triples", _typed(count, "integer"))
    for number, linkset in enumerate(stats.linksets):
        node = _iri(f"{meta.base_iri}catalog#links-{number + 1}")
        target = ox.BlankNode()
        g.add(dataset, VOID + "subset", node)
        g.add(node, RDF + "type", _iri(VOID + "Linkset"))
        g.add(node, VOID + "subjectsTarget", dataset)
        g.add(node, VOID + "objectsTarget", target)
        g.add(node, VOID + "linkPredicate", _iri(linkset.predicate))
        g.add(node, VOID + "triples", _typed(linkset.triples, "integer"))
        g.add(target, RDF + "type", _iri(VOID + "Dataset"))
        g.add(target, VOID + "uriSpace", _text(linkset.namespace, None))
    return g.triples


def dcat_catalog(stats: Statistics, meta: DatasetMetadata, dumps: Sequence[Dump], *,
                 stem: str = "ogkg", formats: Sequence[DumpFormat] = tuple(DumpFormat),
                 ontology: str | None = None) -> list[ox.Triple]:
    """A DCAT 3 catalogue: the catalogue, the dataset, one distribution per dump format
    (media type, and size and SHA-256 checksum for the dumps already written), and the
    SPARQL endpoint as a data service with a distribution that points to it."""
    g = _Graph()
    catalog, dataset, service = _iri(meta.catalog), _iri(meta.dataset), _iri(meta.service)
    g.add(catalog, RDF + "type", _iri(DCAT + "Catalog"))
    _common(g, catalog, meta)
    g.add(catalog, FOAF + "homepage", _iri(f"{meta.origin}/"))
    g.add(catalog, DCAT + "dataset", dataset)
    g.add(catalog, DCAT + "service", service)

    g.add(dataset, RDF + "type", _iri(DCAT + "Dataset"))
    _common(g, dataset, meta)
    g.add(dataset, DCAT + "landingPage", _iri(f"{meta.origin}/"))
    for keyword in meta.keywords:
        g.add(dataset, DCAT + "keyword", _text(keyword))
    if ontology:
        g.add(dataset, DCT + "conformsTo", _iri(ontology))
    g.add(dataset, VOID + "triples", _typed(stats.triples, "integer"))
    by_format = {d.format: d for d in dumps}
    for format in formats:
        node = _iri(meta.distribution(format))
        g.add(dataset, DCAT + "distribution", node)
        g.add(node, RDF + "type", _iri(DCAT + "Distribution"))
        g.add(node, DCT + "title", _text(f"{meta.title} dump: {format.title}"))
        g.add(node, DCT + "license", _iri(meta.license))
        g.add(node, DCAT + "accessURL", _iri(f"{meta.origin}/dumps/"))
        g.add(node, DCAT + "downloadURL", _iri(meta.download(stem, format)))
        g.add(node, DCAT + "mediaType", _iri(IANA + format.media_type))
        if format.gzipped:
            g.add(node, DCAT + "compressFormat", _iri(IANA + "application/gzip"))
        dump = by_format.get(format)
        if dump is not None:
            g.add(node, DCAT + "byteSize", _typed(dump.size, "nonNegativeInteger"))
            g.add(node, DCT + "modified", _when(dump.created))
            checksum = ox.BlankNode()
            g.add(node, SPDX + "checksum", checksum)
            g.add(checksum, RDF + "type", _iri(SPDX + "Checksum"))
            g.add(checksum, SPDX + "algorithm", _iri(SPDX + "checksumAlgorithm_sha256"))
            g.add(checksum, SPDX + "checksumValue", _typed(dump.sha256, "hexBinary"))
    endpoint_distribution = _iri(f"{meta.base_iri}catalog#sparql-access")
    g.add(dataset, DCAT + "distribution", endpoint_distribution)
    g.add(endpoint_distribution, RDF + "type", _iri(DCAT + "Distribution"))
    g.add(endpoint_distribution, DCT + "title", _text(f"{meta.title} SPARQL endpoint"))
    g.add(endpoint_distribution, DCT + "license", _iri(meta.license))
    g.add(endpoint_distribution, DCAT + "accessURL", _iri(meta.sparql_endpoint))
    g.add(endpoint_distribution, DCAT + "accessService", service)

    g.add(service, RDF + "type", _iri(DCAT + "DataService"))
    g.add(service, DCT + "title", _text(f"{meta.title} SPARQL 1.1 endpoint"))
    g.add(service, DCT + "license", _iri(meta.license))
    g.add(service, DCAT + "endpointURL", _iri(meta.sparql_endpoint))
    g.add(service, DCAT + "endpointDescription", _iri(meta.sparql_endpoint))
    g.add(service, DCT + "conformsTo", _iri("https://www.w3.org/TR/sparql11-protocol/"))
    g.add(service, DCAT + "servesDataset", dataset)
    return g.triples
