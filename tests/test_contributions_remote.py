"""Contributions over a remote store are atomic: data and record in one SPARQL operation.

Against the real servers of tests/servers.py: a contribution (larger than one block of
Virtuoso's SPARQL parser) appears whole with its record; a failure injected into the record
part leaves nothing, even with graphkit's own undo switched off (so it is the server's
transaction that holds, not the clean-up); readers polling while contributions are written
and withdrawn never see data without its record, or a withdrawn record with data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from graphkit import contributions
from graphkit.contributions import (
    contribution_graph,
    get_contribution,
    list_contributions,
    meta_graph,
    store_contribution,
    withdraw,
)
from graphkit.errors import GraphkitError, InputError
from graphkit.stores.remote import RemoteStore
from graphkit.stores.remote_wire import GRAPH_BLOCK
from tests.conftest import emptied
from tests.servers import Server
from tests.support import value

pytestmark = pytest.mark.server

BASE = "https://w3id.org/ogkg/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SUMMARY: dict[str, int | bool] = {"conforms": True, "violations": 0, "warnings": 0, "infos": 0}
# a literal Virtuoso refuses when it runs the insert ("SR341: Invalid integer value")
POISON = ox.Triple(ox.NamedNode(f"{BASE}id/org/poisoned"), ox.NamedNode(f"{BASE}ns#rank"),
                   ox.Literal("not a number", datatype=ox.NamedNode(XSD + "integer")))


def organisations(count: int, tag: str, *, blank: bool = False) -> list[ox.Triple]:
    """``count`` organisations, three triples each (with ``blank``, the site is a blank
    node, which takes the ``INSERT … WHERE {}`` path)."""
    found = []
    for index in range(count):
        org = ox.NamedNode(f"{BASE}id/org/{tag}-{index}")
        site = ox.BlankNode(f"site{index}") if blank else ox.NamedNode(f"{org.value}/site")
        found += [
            ox.Triple(org, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode(f"{BASE}ns#Organisation")),
            ox.Triple(org, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal(f"Organisation {tag} {index}", language="en")),
            ox.Triple(org, ox.NamedNode("http://www.w3.org/ns/org#hasSite"), site),
        ]
    return found


@pytest.fixture(params=["virtuoso", "oxigraph-server"])
def remote(request: pytest.FixtureRequest) -> Iterator[RemoteStore]:
    server: Server = request.getfixturevalue(
        "virtuoso_endpoint" if request.param == "virtuoso" else "oxigraph_endpoint")
    with emptied(server.store(timeout=60)) as store:
        yield store
        emptied(store)


def count(store: RemoteStore, graph: str) -> int:
    row = next(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                           "{ ?s ?p ?o } }").rows())
    return int(value(row["n"]))


def test_a_large_contribution_appears_whole_with_its_record(remote: RemoteStore) -> None:
    triples = organisations(2 * GRAPH_BLOCK, "large")  # 6,000 triples: beyond one block
    made = store_contribution(remote, triples, base_iri=BASE, contributor="Ada",
                              summary=SUMMARY)
    assert count(remote, made.graph) == len(triples) == made.triples
    assert get_contribution(remote, made.id, base_iri=BASE) == made
    gone = withdraw(remote, made.id, base_iri=BASE)
    assert gone.status == "withdrawn" and count(remote, made.graph) == 0
    assert [c.status for c in list_contributions(remote, base_iri=BASE)] == ["withdrawn"]


def test_blank_nodes_go_in_one_operation_up_to_the_servers_limit(remote: RemoteStore) -> None:
    small = organisations(100, "small", blank=True)
    made = store_contribution(remote, small, base_iri=BASE, contributor="Ada",
                              summary=SUMMARY)
    assert count(remote, made.graph) == len(small)
    sites = next(remote.query(f"SELECT (COUNT(DISTINCT ?site) AS ?n) WHERE {{ GRAPH "
                              f"<{made.graph}> {{ ?org <http://www.w3.org/ns/org#hasSite> "
                              "?site } }").rows())
    assert int(value(sites["n"])) == 100
    before = remote.graphs()
    large = organisations(2 * GRAPH_BLOCK, "large", blank=True)
    if remote._server_dialect().max_template_triples is None:  # Oxigraph: any size
        store_contribution(remote, large, base_iri=BASE, contributor="Ada", summary=SUMMARY)
        assert len(remote.graphs()) == len(before) + 1
        return
    with pytest.raises(InputError, match="blank nodes.*nothing was written"):
        store_contribution(remote, large, base_iri=BASE, contributor="Ada", summary=SUMMARY)
    assert remote.graphs() == before


def test_one_insert_with_an_invalid_last_part_writes_nothing(
        virtuoso_endpoint: Server) -> None:
    """Virtuoso refuses the ill-typed literal (Oxigraph would keep it as it is)."""
    remote = emptied(virtuoso_endpoint.store(timeout=60))
    graph = contribution_graph(BASE, "20260101-0000abcd")
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
             for t in organisations(1500, "atomic")]
    quads.append(ox.Quad(POISON.subject, POISON.predicate, POISON.object,
                         ox.NamedNode(meta_graph(BASE))))
    with pytest.raises(GraphkitError, match="SR341"):
        remote.insert_atomically(quads)
    assert remote.graphs() == []
    remote.close()


def test_a_failure_in_the_record_leaves_nothing_without_any_undo(
        virtuoso_endpoint: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    with emptied(virtuoso_endpoint.store(timeout=60)) as store:
        earlier = store_contribution(store, organisations(10, "earlier"), base_iri=BASE,
                                     contributor="first", summary=SUMMARY)
        before = store.graphs()
        real_record = contributions.record_triples
        monkeypatch.setattr(contributions, "record_triples",
                            lambda made: [*real_record(made), POISON])
        undone: list[str] = []
        monkeypatch.setattr(contributions, "_undo",
                            lambda store, graph, *rest, **options: undone.append(graph))
        with pytest.raises(GraphkitError, match="SR341"):
            store_contribution(store, organisations(3000, "second"), base_iri=BASE,
                               contributor="second", summary=SUMMARY)
        assert len(undone) == 1, "the failed write was not reported to the undo step"
        assert store.graphs() == before  # the server itself wrote nothing
        assert [c.id for c in list_contributions(store, base_iri=BASE)] == [earlier.id]
        emptied(store)


def test_readers_never_see_data_without_its_record(remote: RemoteStore) -> None:
    prefix = contribution_graph(BASE, "")
    meta = meta_graph(BASE)
    orphan = f"""ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}"))
        FILTER NOT EXISTS {{ GRAPH <{meta}> {{ ?g <{BASE}ns#status> "accepted"@en }} }} }}"""
    stale = f"""ASK {{ GRAPH <{meta}> {{ ?g <{BASE}ns#status> ?status }}
        FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }}
        FILTER(STR(?status) = "accepted") }}"""
    done = threading.Event()
    seen: list[str] = []
    polls = [0]
    phase = ["start"]

    def write() -> None:
        try:
            for round_ in range(4):
                phase[0] = f"storing {round_}"
                made = store_contribution(remote, organisations(800, f"round{round_}"),
                                          base_iri=BASE, contributor=f"writer {round_}",
                                          summary=SUMMARY)
                phase[0] = f"withdrawing {round_}"
                withdraw(remote, made.id, base_iri=BASE)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while not done.is_set():
            if remote.query(orphan).boolean:
                seen.append(f"data without an accepted record ({phase[0]})")
            if remote.query(stale).boolean:
                seen.append(f"an accepted record without its data ({phase[0]})")
            polls[0] += 1
    finally:
        writer.join(timeout=300)
    assert not writer.is_alive()
    assert polls[0] > 0
    assert seen == []
    assert [c.status for c in list_contributions(remote, base_iri=BASE)] == ["withdrawn"] * 4


def test_virtuoso_keeps_the_operations_before_a_failing_one(
        virtuoso_endpoint: Server) -> None:
    """Why a contribution is one operation: on Virtuoso 7.2 a request is not a transaction.
    Should this start failing, a newer Virtuoso rolls requests back and the docs
    (docs/deploy.md, Virtuoso) can say so."""
    with emptied(virtuoso_endpoint.store(timeout=60)) as store:
        graph = "https://w3id.org/ogkg/graph/contribution/20260101-0000beef"
        with pytest.raises(GraphkitError, match="has not been explicitly created"):
            store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:s> <urn:x:p> 1 }} }} ;\n"
                         "DROP GRAPH <urn:x:never-created>")
        assert count(store, graph) == 1  # the first operation stayed
        emptied(store)
