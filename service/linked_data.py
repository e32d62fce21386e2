"""What the linked-data routers (entities, vocab, browse, dataset) share.

:class:`LinkedData` lives on ``app.state.linked_data`` (made at the first request that
needs it): the :class:`~graphkit.dataset.StoreWatch` of the app's store and what is cached
until the store changes (the search index, the figures of the home page and of VoID, the
dumps, the ontology's HTML documentation). :class:`Page` gives templates what they need to
link and to speak the reader's language.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from graphkit.dataset import (
    Cached,
    DatasetMetadata,
    DumpSet,
    Statistics,
    StoreWatch,
    statistics,
)
from graphkit.describe import Label, Labels, Ref, select
from graphkit.namespaces import OGK, PREFIXES, compact
from graphkit.search import SearchIndex, superclasses
from graphkit.settings import Settings
from graphkit.stores import Store
from service.negotiation import HTML, Offer, choose
from service.templates import templates

__all__ = ["LinkedData", "Page", "get_linked_data", "header_iri", "languages_of", "negotiate",
           "origin_of"]

_CREATE = threading.Lock()
T = TypeVar("T")

#: The RDF formats an entity, the ontology and the dataset descriptions answer in, by
#: suffix and ``?format=`` name; the first is the answer to ``*/*``.
RDF_OFFERS: tuple[Offer, ...] = (
    Offer("text/html", HTML),
    Offer("application/xhtml+xml", HTML),
    *(Offer(media, fmt) for media, fmt in (
        ("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"), ("application/rdf+xml", "rdf"),
        ("application/x-turtle", "ttl"), ("application/json", "jsonld"),
        ("text/plain", "nt"), ("application/xml", "rdf"), ("text/xml", "rdf"))),
)
#: ``suffix or format name → (format, media type)``; ``html`` is the page.
FORMAT_NAMES: dict[str, tuple[str, str]] = {
    "html": ("html", "text/html"),
    "ttl": ("ttl", "text/turtle"), "turtle": ("ttl", "text/turtle"),
    "jsonld": ("jsonld", "application/ld+json"), "json-ld": ("jsonld", "application/ld+json"),
    "json": ("jsonld", "application/ld+json"),
    "nt": ("nt", "application/n-triples"), "ntriples": ("nt", "application/n-triples"),
    "n-triples": ("nt", "application/n-triples"),
    "rdf": ("rdf", "application/rdf+xml"), "xml": ("rdf", "application/rdf+xml"),
    "rdfxml": ("rdf", "application/rdf+xml"),
}
#: The alternates a resource lists (``Link: rel="alternate"``), suffix and media type.
ALTERNATES: tuple[tuple[str, str, str], ...] = (
    ("html", "text/html", "HTML page"),
    ("ttl", "text/turtle", "Turtle"),
    ("jsonld", "application/ld+json", "JSON-LD"),
    ("nt", "application/n-triples", "N-Triples"),
    ("rdf", "application/rdf+xml", "RDF/XML"),
)


#: What an IRI keeps as it is in a header: RFC 3986's reserved characters and ``%`` (the
#: escapes already there; ``quote`` keeps the unreserved ones).
_URI_SAFE = ":/?#[]@!$&'()*+,;=%"


def header_iri(iri: str) -> str:
    """``iri`` as a URI, fit for a header (``Link``, ``Content-Location``): every other
    character percent-encoded as UTF-8, as RFC 3987 section 3.1 maps IRIs to URIs
    (https://www.rfc-editor.org/rfc/rfc3987#section-3.1). Header values are Latin-1, and
    ``<``, ``>``, ``"`` and spaces would break a ``Link`` header.

    >>> header_iri("/id/org/caf\u00e9 <x>")
    '/id/org/caf%C3%A9%20%3Cx%3E'
    """
    return quote(iri, safe=_URI_SAFE)


def negotiate(request: Request, *, format: str | None, suffix: str | None) -> str | None:
    """Which representation to send: ``html``, ``ttl``, ``jsonld``, ``nt`` or ``rdf``;
    ``None`` when the client accepts none. ``format=`` and a suffix beat ``Accept``."""
    for given in (suffix, format):
        if given:
            found = FORMAT_NAMES.get(given.strip().lower())
            if found is None and "/" in given:
                offer = choose(given, RDF_OFFERS)
                return str(offer.format) if offer is not None else None
            return found[0] if found is not None else None
    offer = choose(request.headers.get("accept"), RDF_OFFERS)
    return str(offer.format) if offer is not None else None


def languages_of(request: Request) -> list[str]:
    """The reader's languages, best first: ``?lang=`` then ``Accept-Language`` (q-values,
    RFC 9110 section 12.5.4), English last as the fallback."""
    ranked: list[tuple[float, int, str]] = []
    chosen = request.query_params.get("lang")
    header = request.headers.get("accept-language", "")
    for position, part in enumerate(header.split(",")):
        tag, *parameters = (p.strip() for p in part.split(";"))
        if not tag or tag == "*" or len(tag) > 35:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, position, tag.lower()))
    languages = [tag for _, _, tag in sorted(ranked)]
    if chosen:
        languages.insert(0, chosen.lower()[:35])
    return list(dict.fromkeys([*languages, "en"]))


def origin_of(request: Request, settings: Settings) -> str:
    """Where this server answers: the configured public origin or the request's own."""
    return (settings.public_origin or str(request.base_url)).rstrip("/")


class _DocsCache:
    """The ontology's and schemes' HTML documentation (pyLODE, via :mod:`graphkit.docs`),
    written once per content of ``ontology/`` into a directory kept between runs."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        try:
            digest.update(metadata.version("pylode").encode())
        except metadata.PackageNotFoundError:
            digest.update(b"no pylode")
        for path in sorted((self._root / "ontology").rglob("*.ttl")):
            digest.update(path.relative_to(self._root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        return digest.hexdigest()[:16]

    def directory(self) -> Path:
        """Where the pages are, writing them first if they are not there yet."""
        from graphkit.docs import write_docs

        target = Path(tempfile.gettempdir()) / "ogkg-docs" / self._fingerprint()
        with self._lock:
            if not (target / "index.html").is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
                try:
                    write_docs(self._root, staging)
                    try:
                        staging.rename(target)
                    except OSError:  # another process wrote the same pages meanwhile
                        shutil.rmtree(staging, ignore_errors=True)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
        return target


@dataclass(frozen=True)
class Overview:
    """The figures of the home page: entities by class, named graphs with their sizes, the
    source documents with how many resources cite each, the latest contributions."""

    classes: list[tuple[Ref, int]]
    graphs: list[tuple[str, int]]
    sources: list[tuple[Ref, str | None, int]]
    contributions: list[tuple[str, int, str | None]]

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)


def overview(store: Store, settings: Settings) -> Overview:
    """Count what the home page shows (cached by :class:`LinkedData` until the store
    changes)."""
    base = settings.base_iri
    entities = f"{base}id/"
    counts = {row["c"].value: int(row["n"].value) for row in select(
        store, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c "
               f"FILTER(isIRI(?c) && STRSTARTS(STR(?s), \"{entities}\")) }} GROUP BY ?c")}
    sources = {row["s"].value: (row["d"].value if row["d"] is not None else None,
                                int(row["n"].value)) for row in select(
        store, f"SELECT ?s (SAMPLE(?issued) AS ?d) (COUNT(DISTINCT ?x) AS ?n) WHERE {{ "
               f"?s a <{OGK}SourceDocument> "
               f"OPTIONAL {{ ?s <{PREFIXES['dcterms']}issued> ?issued }} "
               f"OPTIONAL {{ ?x <{PREFIXES['prov']}wasDerivedFrom> ?s }} }} GROUP BY ?s")}
    graphs = [(g.name, g.triples) for g in store.graphs() if g.name is not None]
    contribution_space = f"{base}graph/contribution/"
    dates = {row["g"].value: row["d"].value for row in select(
        store, f"SELECT ?g (MAX(STR(?date)) AS ?d) WHERE {{ ?g ?p ?date "
               f"FILTER(?p IN (<{PREFIXES['dcterms']}created>, <{PREFIXES['dcterms']}modified>, "
               f"<{PREFIXES['dcterms']}issued>) && STRSTARTS(STR(?g), \"{contribution_space}\")) }} "
               "GROUP BY ?g")}
    contributions = sorted(((g, n, dates.get(g)) for g, n in graphs
                            if g.startswith(contribution_space)),
                           key=lambda item: (item[2] or "", item[0]), reverse=True)
    labels = Labels(store, [*counts, *sources], ("en",))
    return Overview(
        classes=sorted(((labels.ref(c, define=True), n) for c, n in counts.items()),
                       key=lambda pair: (-pair[1], pair[0].label.text.lower())),
        graphs=sorted(graphs),
        sources=sorted(((labels.ref(s), d, n) for s, (d, n) in sources.items()),
                       key=lambda item: item[0].label.text.lower()),
        contributions=contributions[:10],
    )


class LinkedData:
    """The watch over the app's store and the caches built from it."""

    def __init__(self, store: Store, settings: Settings, *, revision: Any = None) -> None:
        self.store = store
        self.settings = settings
        self.watch = StoreWatch(store, revision=revision)
        self._search = Cached(self.watch, self._build_search)
        self._stats = Cached(self.watch, lambda: statistics(store, base_iri=settings.base_iri))
        self._classes = Cached(self.watch, lambda: superclasses(store))
        self._overview = Cached(self.watch, lambda: overview(store, settings))
        self._listings: dict[tuple[str, str], Any] = {}
        if settings.store_path is not None and not settings.is_remote:
            dumps_dir = settings.store_path.parent / f"{settings.store_path.name}-dumps"
        else:
            dumps_dir = Path(tempfile.mkdtemp(prefix="ogkg-dumps-"))
            weakref.finalize(self, shutil.rmtree, str(dumps_dir), True)
        self.dumps = DumpSet(store, dumps_dir)
        self.docs = _DocsCache(settings.project_root)

    # -- caches ---------------------------------------------------------------------------
    def _build_search(self) -> SearchIndex:
        base = self.settings.base_iri
        ontology = f"{base}ns#"

        def include(iri: str) -> bool:
            return iri.startswith(base) and ("#" not in iri or iri.startswith(ontology)) \
                and not iri.startswith(f"{base}graph/")

        return SearchIndex.build(self.store, include=include, classes_of=self.superclasses())

    def search_index(self) -> SearchIndex:
        return self._search.get()

    def statistics(self) -> Statistics:
        return self._stats.get()

    def overview(self) -> Overview:
        return self._overview.get()

    def listing(self, key: str, build: Callable[[], T]) -> T:
        """What ``build()`` gives, kept under ``key`` for the current store state (the
        few latest are kept): sorted member lists for browsing, the timeline."""
        full = (self.watch.token(), key)
        found = self._listings.get(full)
        if found is None:
            found = build()
            if len(self._listings) >= 16:
                self._listings.clear()
            self._listings[full] = found
        return found

    def superclasses(self) -> dict[str, frozenset[str]]:
        return self._classes.get()

    def subclasses_of(self, cls: str) -> list[str]:
        """``cls`` and every class below it."""
        return sorted({cls} | {c for c, supers in self.superclasses().items() if cls in supers})

    def metadata(self, request: Request) -> DatasetMetadata:
        return DatasetMetadata(base_iri=self.settings.base_iri,
                               origin=origin_of(request, self.settings),
                               modified=self.watch.changed())


def get_linked_data(request: Request) -> LinkedData:
    """The app's :class:`LinkedData`, made at the first request that needs it."""
    state = request.app.state
    found: LinkedData | None = getattr(state, "linked_data", None)
    if found is not None and found.store is state.store:
        return found
    with _CREATE:
        found = getattr(state, "linked_data", None)
        if found is None or found.store is not state.store:

            def revision() -> object | None:
                # the worker pool's snapshot generation moves with every write
                return getattr(getattr(state, "executor", None), "generation", None)

            found = LinkedData(state.store, state.settings, revision=revision)
            state.linked_data = found
    return found


class Page:
    """What templates use to link and label: ``page.href(iri)`` maps our IRIs onto this
    server's paths, ``page.curie(iri)`` shortens, ``page.url(path, **query)`` builds links."""

    def __init__(self, request: Request, settings: Settings, languages: Sequence[str]) -> None:
        self.request = request
        self.settings = settings
        self.languages = list(languages)
        self.base = settings.base_iri
        self.ns = OGK

    def href(self, iri: str) -> str:
        """The link for ``iri``: a path on this server for our IRIs, the IRI otherwise."""
        if iri.startswith(self.base):
            return "/" + iri[len(self.base):]
        return iri

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base)

    @staticmethod
    def curie(iri: str) -> str:
        return compact(iri)

    @staticmethod
    def url(path: str, **query: object) -> str:
        params = {k: v for k, v in query.items() if v is not None and v != ""}
        return f"{path}?{urlencode(params)}" if params else path

    @staticmethod
    def quote(text: str) -> str:
        return quote(text, safe="")

    @staticmethod
    def lang(label: Label | None) -> str:
        """The ``lang`` attribute for a label (empty when it has no language tag)."""
        return label.language or "" if label is not None else ""

    @staticmethod
    def json_script(data: object) -> str:
        """JSON for a ``<script>`` element: ``<``, ``>`` and ``&`` escaped so that no
        value can close the element (https://html.spec.whatwg.org/#restrictions-for-contents-of-script-elements)."""
        text = json.dumps(data, ensure_ascii=False, indent=1)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    def prefixes(self) -> dict[str, str]:
        return PREFIXES


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page from ``template`` with ``page`` (a :class:`Page`) in its context."""
    settings: Settings = request.app.state.settings
    context.setdefault("page", Page(request, settings, languages_of(request)))
    response = templates.TemplateResponse(request, template, context, status_code=status,
                                          headers=headers)
    assert isinstance(response, HTMLResponse)
    return response


def not_found(request: Request, message: str, *, html: bool,
              headers: dict[str, str] | None = None) -> Response:
    """A 404: a page for a browser, a line of text otherwise."""
    if html:
        return render(request, "not_found.html", {"message": message}, status=404,
                      headers=headers)
    return PlainTextResponse(message + "\n", status_code=404, headers=headers)
