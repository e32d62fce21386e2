"""Incremental validation over a remote SPARQL store gives the embedded store's findings.

Against the real servers of tests/servers.py (Virtuoso, whose session instance cuts answers
at 1,000 rows, and the Oxigraph server): a small synthetic graph laid out as the project's
(data in a source graph, vocabulary beside it) and a contribution with errors that involve
the store (a second chair, a cycle, an early membership, a dangling reference). The
context read by batched SPARQL (graphkit.validation.remote_context) is the one the
embedded path reads, and the findings are identical; answers over a row cap are split or
refused by name, never cut; a remote store too big to read whole is refused with its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox
import pytest

import graphkit.validation
import graphkit.validation.remote_context as remote_context_module
from graphkit.errors import RemoteStoreError, StoreError
from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from graphkit.stores.remote import RemoteStore
from graphkit.validation import Shapes, load_shapes, validate
from graphkit.validation.command import OutputFormat, run_validate
from graphkit.validation.engine import touched_context
from graphkit.validation.remote_context import remote_context, validate_remote
from tests.conftest import emptied
from tests.servers import Server
from tests.test_validation_engine import canonical, contribution_for, store_of, synth

pytestmark = pytest.mark.server

ORGS = 40
SEED = 2
T = TypeVar("T")
Case = tuple[ox.Store, list[ox.Triple]]  # the store's content, a contribution


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    return load_shapes()


@pytest.fixture(scope="module")
def case(shapes: Shapes) -> Case:
    """The store's content (data and vocabulary) and a contribution with errors."""
    existing = synth(ORGS, SEED)
    contribution = contribution_for(existing, SEED)
    return store_of(canonical(existing), shapes), _own_blank_nodes(contribution)


def _own_blank_nodes(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples with blank nodes of their own: synth names the evidence nodes of the
    store and of the contribution alike (``_:synthetic-evidence-0``), and an embedded
    store would take the two for one node, as no remote store (or parsed upload) does."""
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def own(term: T) -> T:
        return cast(T, fresh.setdefault(term, ox.BlankNode())) if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(own(t.subject), t.predicate, own(t.object)) for t in triples]


@pytest.fixture(params=["virtuoso", "oxigraph-server"])
def remote(request: pytest.FixtureRequest, case: tuple[ox.Store, list[ox.Triple]],
           tmp_path: Path) -> Iterator[RemoteStore]:
    """A remote store holding the case's store, emptied again afterwards."""
    server: Server = request.getfixturevalue(
        "virtuoso_endpoint" if request.param == "virtuoso" else "oxigraph_endpoint")
    dump = tmp_path / "case.nq"
    with dump.open("wb") as out:
        case[0].dump(out, format=ox.RdfFormat.N_QUADS)
    with emptied(server.store()) as store:
        store.load(dump, format=RdfFormat.N_QUADS)
        yield store
        emptied(store)


def _embedded(case: tuple[ox.Store, list[ox.Triple]]) -> OxigraphStore:
    store = OxigraphStore()
    store.raw.extend(case[0])
    return store


def _ground(triples: Iterable[ox.Triple]) -> set[str]:
    """Triples as text with blank nodes unnamed (each store names them its own way)."""
    def text(term: object) -> str:
        return "_:" if isinstance(term, ox.BlankNode) else str(term)

    return {f"{text(t.subject)} {t.predicate} {text(t.object)}" for t in triples}


def test_the_remote_context_is_the_embedded_one(remote: RemoteStore, case: Case,
                                                 shapes: Shapes) -> None:
    _, contribution = case
    with _embedded(case) as embedded:
        local = touched_context(contribution, embedded.raw, shapes)
    over_sparql = remote_context(contribution, remote, shapes)
    assert _ground(over_sparql.triples) == _ground(local.triples)
    assert over_sparql.focus == local.focus  # the contribution's nodes and the chains
    assert len(local.triples) < len(case[0]) / 2  # only what the contribution touches


def test_findings_over_a_remote_store_are_the_embedded_ones(remote: RemoteStore, case: Case,
                                                             shapes: Shapes) -> None:
    _, contribution = case
    with _embedded(case) as embedded:
        expected = validate(contribution, context=embedded, engine="sparql", shapes=shapes)
    found = validate(contribution, context=remote, engine="sparql", shapes=shapes)
    assert found.keys() == expected.keys()
    assert found.labels == expected.labels
    assert not found.conforms
    rules = {f.shape.rsplit("#", 1)[-1] for f in found.findings}
    assert {"MeetingChairRule", "ReferenceRules"} <= rules


def test_pyshacl_over_a_remote_store_reads_the_touched_context(remote: RemoteStore, case: Case,
                                                               shapes: Shapes) -> None:
    _, contribution = case
    fast = validate(contribution, context=remote, engine="sparql", shapes=shapes)
    oracle = validate(contribution, context=remote, engine="pyshacl", shapes=shapes)
    assert oracle.keys() == fast.keys()


def test_answers_over_the_row_cap_are_split(remote: RemoteStore, case: Case,
                                            shapes: Shapes) -> None:
    _, contribution = case
    whole, context = validate_remote(contribution, remote, shapes)
    split, small = validate_remote(contribution, remote, shapes, max_rows=40, batch=1000)
    assert split.keys() == whole.keys()
    assert _ground(small.triples) == _ground(context.triples)


def test_a_node_over_the_row_cap_is_read_in_pages(remote: RemoteStore, case: Case,
                                                  shapes: Shapes) -> None:
    _, contribution = case
    whole, context = validate_remote(contribution, remote, shapes)
    paged, small = validate_remote(contribution, remote, shapes, max_rows=2)
    assert paged.keys() == whole.keys()
    assert _ground(small.triples) == _ground(context.triples)


def test_a_node_over_every_page_is_refused_by_name(remote: RemoteStore, case: Case, shapes: Shapes,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_context_module, "MAX_PAGES", 1)
    _, contribution = case
    with pytest.raises(RemoteStoreError, match=r"<https://w3id.org/ogkg/[^ ]+> has more than "
                                               r"2 .*ResultSetMaxRows"):
        validate_remote(contribution, remote, shapes, max_rows=2)


def test_virtuosos_own_cut_is_split(virtuoso_endpoint: Server, shapes: Shapes,
                                    tmp_path: Path) -> None:
    """The session's Virtuoso cuts at 1,000 rows: a batch of 400 organisations answers
    more, is cut by the server (and says so), and is split; nothing is lost."""
    existing = canonical(synth(400, 5))
    ours = ox.NamedNode("https://w3id.org/ogkg/ns#Organisation")
    organisations = sorted({t.subject for t in existing if t.object == ours}, key=str)
    mentions = [ox.Triple(o, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                          ox.Literal("seen", language="en")) for o in organisations]
    content = store_of(existing, shapes)
    dump = tmp_path / "big.nq"
    with dump.open("wb") as out:
        content.dump(out, format=ox.RdfFormat.N_QUADS)
    with emptied(virtuoso_endpoint.store()) as store:
        try:
            store.load(dump, format=RdfFormat.N_QUADS)
            over_sparql = remote_context(mentions, store, shapes, batch=len(organisations),
                                         max_rows=100_000)
        finally:
            emptied(store)
    local = touched_context(mentions, content, shapes)
    assert len(local.triples) > 1000
    assert _ground(over_sparql.triples) == _ground(local.triples)


def test_a_remote_store_too_big_to_read_whole_is_refused(remote: RemoteStore,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         case: Case) -> None:
    monkeypatch.setattr(graphkit.validation, "WHOLE_STORE_LIMIT", 100)
    with pytest.raises(StoreError, match=r"holds [\d,]+ triples, more than the 100 .*--against-store"):
        validate(remote)


def test_validate_against_a_remote_store_from_the_command(remote: RemoteStore, case: Case,
                                                          shapes: Shapes, tmp_path: Path) -> None:
    _, contribution = case
    data = tmp_path / "contribution.nt"
    triples = ox.serialize([ox.Quad(t.subject, t.predicate, t.object)
                            for t in contribution], format=ox.RdfFormat.N_TRIPLES)
    assert triples is not None  # without an output, serialize returns the bytes
    data.write_bytes(triples)
    settings = Settings(endpoint=remote.endpoint, update_endpoint=remote.update_endpoint,
                        store_path=None)
    text, code = run_validate([data], settings=settings, against_store=True,
                              output=OutputFormat.JSON)
    with _embedded(case) as embedded:
        expected = validate(contribution, context=embedded, shapes=shapes)
    assert code == 1
    for finding in expected.findings:
        assert finding.focus in text


def test_a_remote_store_read_whole_comes_whole_or_not_at_all(remote: RemoteStore,
                                                             case: Case, shapes: Shapes) -> None:
    """The session's Virtuoso cuts a CONSTRUCT at 1,000 rows without saying so: the
    count beside it shows the cut, and the read is refused; Oxigraph answers whole."""
    if remote.capabilities.atomic_update:  # the Oxigraph server (Virtuoso: not atomic)
        report = validate(remote, shapes=shapes)
        assert report.keys() == validate(case[0], shapes=shapes).keys()
    else:
        with pytest.raises(StoreError, match=r"holds [\d,]+ triples but answered 1,00"):
            validate(remote, shapes=shapes)
