"""The snapshot read in pages (graphkit.analytics.remote_read) is the snapshot read in one
go: same nodes in the same order, same ties, roles, periods and sources. Checked against
the real servers (Oxigraph server and the session's Virtuoso, which cuts answers at 1,000
rows) with pages forced tiny, and on the embedded store; a page a server cut without
saying so, and a bucket that cannot be split under the page size, raise StoreError."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import pytest

from graphkit.analytics import snapshot as snapshot_module
from graphkit.analytics.remote_read import bucket_filter, paged_rows
from graphkit.analytics.snapshot import Snapshot, fetch
from graphkit.errors import AnswerCutError, StoreError, UsageError
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore, Store
from graphkit.stores.base import QueryResult
from graphkit.stores.remote import RemoteStore
from graphkit.synth import write_synthetic
from tests.analytics.conftest import BASE, FIXTURE
from tests.conftest import emptied
from tests.servers import Server
from tests.support import PROJECT, value

CURATED = sorted((PROJECT / "data").glob("*.ttl"))
#: every query fetch() sends, with its variables
QUERIES = [snapshot_module.Q_TYPES, snapshot_module.Q_LABELS, snapshot_module.Q_ATTRIBUTES,
           snapshot_module.Q_DERIVED, snapshot_module.Q_LINKS, snapshot_module.Q_LINK_GRAPHS,
           snapshot_module.Q_MEMBERSHIPS, snapshot_module.Q_POSTS,
           snapshot_module.Q_PARTICIPATIONS]


def _fill(store: Store, synthetic: Path | None = None) -> None:
    store.load(FIXTURE, format=RdfFormat.TURTLE, graph=BASE + "graph/source/doc-one")
    for path in CURATED:
        store.load(path, format=RdfFormat.TURTLE, graph=f"{BASE}graph/source/{path.stem}")
    if synthetic is not None:
        store.load(synthetic, format=RdfFormat.N_QUADS)


def _shape(snapshot: Snapshot) -> tuple[object, ...]:
    """Everything of a snapshot, in its order (a dict's == ignores order)."""
    return (list(snapshot.nodes.items()), snapshot.ties, list(snapshot.source_labels.items()))


def _unordered(snapshot: Snapshot) -> tuple[object, ...]:
    """A snapshot's content whatever its order (the embedded store reads its indexes)."""
    nodes = {iri: (n.kind, n.label, sorted(n.alt_labels), n.org_types, n.countries, n.themes,
                   n.start, n.end) for iri, n in snapshot.nodes.items()}
    ties = sorted((t.subject, t.relation, t.object, sorted(t.roles), t.start, t.end,
                   sorted(t.sources), sorted(t.qualified), t.one_off) for t in snapshot.ties)
    return nodes, ties, snapshot.source_labels


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "synthetic.nq"
    write_synthetic(path, orgs=60, seed=3)
    return path


@pytest.fixture(scope="module")
def over_the_cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic organisations enough for some relations to pass 1,000 rows."""
    path = tmp_path_factory.mktemp("pages") / "over-the-cap.nq"
    write_synthetic(path, orgs=300, seed=5)
    return path


@pytest.fixture(scope="module")
def embedded(synthetic: Path) -> Iterator[OxigraphStore]:
    with OxigraphStore() as store:
        _fill(store, synthetic)
        yield store


@pytest.fixture
def on_oxigraph_server(oxigraph_endpoint: Server, synthetic: Path) -> Iterator[RemoteStore]:
    with emptied(oxigraph_endpoint.store(timeout=60)) as store:
        _fill(store, synthetic)
        yield store
        emptied(store)


@pytest.fixture
def on_virtuoso(virtuoso_endpoint: Server) -> Iterator[RemoteStore]:
    # the session's Virtuoso cuts answers at 1,000 rows: the curated data stays under it
    with emptied(virtuoso_endpoint.store(timeout=60)) as store:
        _fill(store)
        yield store
        emptied(store)


@pytest.mark.server
def test_pages_make_the_one_go_snapshot_on_the_oxigraph_server(
        on_oxigraph_server: RemoteStore, embedded: OxigraphStore) -> None:
    whole = fetch(on_oxigraph_server, base_iri=BASE, page_size=None)
    assert len(whole.nodes) > 60 and len(whole.ties) > 100
    for page_size in (7, 150):
        paged = fetch(on_oxigraph_server, base_iri=BASE, page_size=page_size)
        assert _shape(paged) == _shape(whole), page_size
    assert _shape(fetch(on_oxigraph_server, base_iri=BASE)) == _shape(whole)
    # the embedded store reads its indexes in their own order: the same content
    assert _unordered(fetch(embedded, base_iri=BASE)) == _unordered(whole)


@pytest.mark.server
def test_pages_make_the_one_go_snapshot_on_virtuoso(
        on_virtuoso: RemoteStore, oxigraph_endpoint: Server) -> None:
    whole = fetch(on_virtuoso, base_iri=BASE, page_size=None)
    assert len(whole.nodes) > 20 and whole.ties
    paged = fetch(on_virtuoso, base_iri=BASE, page_size=5)
    assert _shape(paged) == _shape(whole)
    # and the same, in the same order, as the Oxigraph server holding the same data
    with emptied(oxigraph_endpoint.store(timeout=60)) as other:
        try:
            _fill(other)
            assert _shape(fetch(other, base_iri=BASE, page_size=5)) == _shape(whole)
        finally:
            emptied(other)


@pytest.mark.server
def test_pages_read_what_virtuoso_refuses_in_one_go(
        virtuoso_endpoint: Server, over_the_cap: Path) -> None:
    # some relations exceed the session Virtuoso's 1,000 rows
    with emptied(virtuoso_endpoint.store(timeout=60)) as store:
        try:
            store.load(over_the_cap, format=RdfFormat.N_QUADS)
            with pytest.raises(AnswerCutError, match="ResultSetMaxRows"):
                fetch(store, base_iri=BASE, page_size=None)
            paged = fetch(store, base_iri=BASE, page_size=400)
            reference = OxigraphStore()
            reference.load(over_the_cap, format=RdfFormat.N_QUADS)
            assert _unordered(paged) == _unordered(fetch(reference, base_iri=BASE))
            assert len(paged.nodes) > 300
            # pages over the server's cap: the answers it marks as cut are split further
            assert _shape(fetch(store, base_iri=BASE, page_size=5000)) == _shape(paged)
        finally:
            emptied(store)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.split("WHERE")[1][:40])
def test_every_query_pages_to_its_one_go_rows(embedded: OxigraphStore, query: str) -> None:
    names = snapshot_module._variables(query)
    whole = paged_rows(embedded, query, names, page_size=None)
    assert whole == sorted(whole)
    for page_size in (3, 40, len(whole) + 1):
        assert paged_rows(embedded, query, names, page_size=page_size) == whole


def test_the_buckets_share_out_every_subject() -> None:
    store = OxigraphStore()
    store.load(b'<http://e/a> <http://e/p> "1" .\n<http://e/b> <http://e/p> "2" .\n'
               b'_:x <http://e/p> "3" .\n<http://e/c> <http://e/p> "4" .\n',
               format=RdfFormat.N_TRIPLES, graph="http://e/g")
    query = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o "
    seen = []
    for low, high in ((0, 20_000), (20_000, 40_000), (40_000, 65_536)):
        seen += [value(row["o"]) for row in store.query(
            query + bucket_filter("s", low, high) + " }").rows()]
    assert sorted(seen) == ["1", "2", "3", "4"]


class _Capped:
    """A store whose answers are cut at ``cap`` rows without a word (as some servers do)."""

    def __init__(self, store: Store, cap: int) -> None:
        self.store, self.cap = store, cap

    def query(self, query: str) -> QueryResult:
        solutions = self.store.query(query)
        answer = {"head": {"vars": solutions.variables}, "results": {"bindings": [
            {name: _json_term(term) for name, term in zip(solutions.variables, row)
             if term is not None} for row in itertools.islice(solutions, self.cap)]}}
        return QueryResult(ox.parse_query_results(json.dumps(answer).encode(),
                                                  format=ox.QueryResultsFormat.JSON))

    def __repr__(self) -> str:
        return f"Capped({self.cap})"


def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    return {"type": "literal", "value": term.value}


def test_a_page_cut_without_a_word_raises(embedded: OxigraphStore) -> None:
    names = snapshot_module._variables(snapshot_module.Q_TYPES)
    capped = cast(Store, _Capped(embedded, 25))  # a Store as far as paged_rows goes
    with pytest.raises(StoreError, match="cut a page without saying so"):
        paged_rows(capped, snapshot_module.Q_TYPES, names, page_size=100)


def test_rows_no_hash_can_part_are_read_in_order() -> None:
    # the same row from two graphs (the union default graph), and rows that differ in blank
    # nodes alone, hash alike: their bucket is read with ORDER BY and LIMIT/OFFSET
    typed = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/T>"
    store = OxigraphStore()
    store.load((f"<http://e/a> {typed} <http://e/g1> .\n<http://e/a> {typed} <http://e/g2> .\n"
                + "".join(f"_:b{n} {typed} <http://e/g1> .\n" for n in range(5))).encode(),
               format=RdfFormat.N_QUADS)
    names = ["s", "t"]
    whole = paged_rows(store, snapshot_module.Q_TYPES, names, page_size=None)
    assert len(whole) == 7
    for page_size in (1, 2, 3):
        assert paged_rows(store, snapshot_module.Q_TYPES, names, page_size=page_size) == whole


def test_a_page_size_below_one_is_refused(embedded: OxigraphStore) -> None:
    with pytest.raises(UsageError, match="page_size"):
        paged_rows(embedded, snapshot_module.Q_TYPES, ["s", "t"], page_size=0)
