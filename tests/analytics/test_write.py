"""Results back into the graph: the analytics named graph, its vocabulary and PROV."""

from __future__ import annotations

from graphkit.analytics.report import Analysis
from graphkit.analytics.write import OGA
from graphkit.namespaces import PREFIXES
from tests.analytics.conftest import BASE, fixture_store, iri
from tests.service.curated import curated_store
from tests.support import value

ANALYTICS = BASE + "graph/analytics"
TOP_NETWORKS = f"""PREFIX oga: <{OGA}>
PREFIX ogk: <https://w3id.org/ogkg/ns#>
PREFIX rdfs: <{PREFIXES['rdfs']}>
SELECT ?network (SAMPLE(?name) AS ?label) (MAX(?score) AS ?betweenness) WHERE {{
  GRAPH <{ANALYTICS}> {{ ?result oga:node ?network ; oga:betweenness ?score }}
  ?network a ogk:Network ; rdfs:label ?name .
}} GROUP BY ?network ORDER BY DESC(?betweenness) ?network LIMIT 10"""


def test_ten_most_central_networks_after_writing() -> None:
    store = curated_store()
    analysis = Analysis.from_store(store, base_iri=BASE)
    count = analysis.write(store, ANALYTICS)
    assert count > 1000
    rows = list(store.query(TOP_NETWORKS).rows())
    networks = [n for n, k in analysis.graph.nodes(data="kind") if k == "network"]
    assert len(rows) == min(10, len(networks)) > 0
    scores = [float(value(r["betweenness"])) for r in rows]
    assert scores == sorted(scores, reverse=True)
    expected = max(networks, key=lambda n: (analysis.measures.values["betweenness"][n], n))
    assert value(rows[0]["network"]) == expected or \
        scores[0] == analysis.measures.values["betweenness"][expected]


def test_the_run_carries_its_provenance_and_parameters() -> None:
    store = fixture_store()
    analysis = Analysis.from_store(store, base_iri=BASE)
    analysis.write(store, ANALYTICS)
    answer = store.query(f"""PREFIX prov: <{PREFIXES['prov']}>
        PREFIX oga: <{OGA}>
        SELECT * WHERE {{ GRAPH <{ANALYTICS}> {{
          ?run a oga:Analysis, prov:Activity ; prov:startedAtTime ?start ;
               prov:endedAtTime ?end ; prov:used ?used ; oga:seed ?seed ;
               oga:resolution ?resolution ; oga:communityMethod ?method ;
               oga:betweennessMethod ?betweenness ; oga:modularity ?modularity ;
               oga:networkKind ?kind ; prov:wasAssociatedWith ?software }} }}""")
    rows = list(answer.rows())
    assert len(rows) == 1
    row = rows[0]
    assert value(row["used"]) == BASE + "graph/source/doc-one"
    assert (value(row["seed"]), value(row["method"]), value(row["kind"])) == \
        ("42", "louvain", "affiliation")
    assert value(row["betweenness"]) == "exact"
    assert value(row["start"]) <= value(row["end"])


def test_each_node_has_its_measures_and_community() -> None:
    store = fixture_store()
    analysis = Analysis.from_store(store, base_iri=BASE)
    analysis.write(store, ANALYTICS)
    rows = list(store.query(f"""PREFIX oga: <{OGA}>
        SELECT ?degree ?community ?size WHERE {{ GRAPH <{ANALYTICS}> {{
          ?m oga:node <{iri('org/alpha')}> ; oga:degree ?degree ; oga:community ?community .
          ?community oga:size ?size }} }}""").rows())
    assert len(rows) == 1
    assert int(value(rows[0]["degree"])) == analysis.graph.degree(iri("org/alpha"))
    members = analysis.measures.communities.membership
    assert int(value(rows[0]["size"])) == sum(
        1 for c in members.values() if c == members[iri("org/alpha")])


def test_writing_again_replaces_the_previous_run() -> None:
    store = fixture_store()
    analysis = Analysis.from_store(store, base_iri=BASE)
    first = analysis.write(store, ANALYTICS)
    second = analysis.write(store, ANALYTICS)
    sizes = {info.name: info.triples for info in store.graphs()}
    assert first == second == sizes[ANALYTICS]
    runs = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ANALYTICS}> "
                       f"{{ ?run a <{OGA}Analysis> }} }}")
    assert value(next(iter(runs.rows()))["n"]) == "1"
