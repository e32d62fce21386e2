"""The store contract: one suite, run on every backend (``any_store`` in conftest.py).

Oxigraph in memory and on disk, and RemoteStore on an Oxigraph server and on Virtuoso, must
answer with pyoxigraph terms, load every format atomically, and list and dump their graphs
alike. Where a backend may differ it says so in ``store.capabilities`` and the test checks
that claim. RDF is compared as graphs (``rdflib.compare``), never as text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graphkit.errors import (
    GraphkitError,
    InputError,
    QuerySyntaxError,
    QueryTimeoutError,
    RdfSyntaxError,
    RemoteStoreError,
    StoreError,
    UsageError,
)
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.settings import Settings
from graphkit.stores import GraphInfo, OxigraphStore, QueryKind, Store, graph_exists, open_store
from graphkit.stores.base import LoadSource
from graphkit.stores.oxigraph import JOURNAL
from graphkit.stores.remote import HttpAuth, RemoteStore
from tests.conftest import emptied
from tests.servers import Server
from tests.support import PROJECT, free_port

EX = "http://example.org/"
G1, G2, G3, G4 = (f"{EX}graph/{name}" for name in ("one", "two", "three", "four"))
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIX = f"PREFIX ex: <{EX}>\n"

# -- fixtures: one graph in four triples formats, one dataset in two ----------------------
SAMPLE: dict[RdfFormat, bytes] = {
    RdfFormat.TURTLE: textwrap.dedent("""\
        @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

        ex:oecd a ex:Organisation ;
            ex:label "OECD"@en , "OCDE"@fr ;
            ex:founded "1961-09-30"^^xsd:date ;
            ex:members 38 ;
            ex:note "line one\\nline \\"two\\" — ünïcødé" ;
            ex:seat [ ex:city "Paris" ; ex:country "FR" ] .
        ex:ogp a ex:Network ;
            ex:member ex:oecd .
        """).encode(),
    RdfFormat.N_TRIPLES: textwrap.dedent(r"""
        <http://example.org/oecd> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Organisation> .
        <http://example.org/oecd> <http://example.org/label> "OECD"@en .
        <http://example.org/oecd> <http://example.org/label> "OCDE"@fr .
        <http://example.org/oecd> <http://example.org/founded> "1961-09-30"^^<http://www.w3.org/2001/XMLSchema#date> .
        <http://example.org/oecd> <http://example.org/members> "38"^^<http://www.w3.org/2001/XMLSchema#integer> .
        <http://example.org/oecd> <http://example.org/note> "line one\nline \"two\" \u2014 \u00FCn\u00EFc\u00F8d\u00E9" .
        <http://example.org/oecd> <http://example.org/seat> _:seat .
        _:seat <http://example.org/city> "Paris" .
        _:seat <http://example.org/country> "FR" .
        <http://example.org/ogp> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Network> .
        <http://example.org/ogp> <http://example.org/member> <http://example.org/oecd> .
        """).encode(),  # noqa: E501
    RdfFormat.JSON_LD: textwrap.dedent(r"""
        {
          "@context": {"ex": "http://example.org/", "xsd": "http://www.w3.org/2001/XMLSchema#"},
          "@graph": [
            {"@id": "ex:oecd", "@type": "ex:Organisation",
             "ex:label": [{"@value": "OECD", "@language": "en"},
                          {"@value": "OCDE", "@language": "fr"}],
             "ex:founded": {"@value": "1961-09-30", "@type": "xsd:date"},
             "ex:members": 38,
             "ex:note": "line one\nline \"two\" \u2014 ünïcødé",
             "ex:seat": {"ex:city": "Paris", "ex:country": "FR"}},
            {"@id": "ex:ogp", "@type": "ex:Network", "ex:member": {"@id": "ex:oecd"}}
          ]
        }
        """).encode(),
    RdfFormat.RDF_XML: textwrap.dedent("""\
        <?xml version="1.0" encoding="utf-8"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
                 xmlns:ex="http://example.org/">
          <ex:Organisation rdf:about="http://example.org/oecd">
            <ex:label xml:lang="en">OECD</ex:label>
            <ex:label xml:lang="fr">OCDE</ex:label>
            <ex:founded rdf:datatype="http://www.w3.org/2001/XMLSchema#date">1961-09-30</ex:founded>
            <ex:members rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">38</ex:members>
            <ex:note>line one
        line "two" — ünïcødé</ex:note>
            <ex:seat rdf:parseType="Resource">
              <ex:city>Paris</ex:city>
              <ex:country>FR</ex:country>
            </ex:seat>
          </ex:Organisation>
          <ex:Network rdf:about="http://example.org/ogp">
            <ex:member rdf:resource="http://example.org/oecd"/>
          </ex:Network>
        </rdf:RDF>
        """).encode(),
}
DATASET: dict[RdfFormat, bytes] = {
    RdfFormat.TRIG: textwrap.dedent("""\
        @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

        ex:graph\\/two {
            ex:ogp ex:label "Open Government Partnership"@en ;
                ex:founded "2011"^^xsd:gYear ;
                ex:seat [ ex:city "Washington" ] .
        }
        GRAPH <http://example.org/graph/three> {
            ex:ogp ex:label "Partenariat pour un gouvernement ouvert"@fr ;
                ex:member ex:oecd .
        }
        """).encode(),
    RdfFormat.N_QUADS: textwrap.dedent("""
        <http://example.org/ogp> <http://example.org/label> "Open Government Partnership"@en <http://example.org/graph/two> .
        <http://example.org/ogp> <http://example.org/founded> "2011"^^<http://www.w3.org/2001/XMLSchema#gYear> <http://example.org/graph/two> .
        <http://example.org/ogp> <http://example.org/seat> _:dc <http://example.org/graph/two> .
        _:dc <http://example.org/city> "Washington" <http://example.org/graph/two> .
        <http://example.org/ogp> <http://example.org/label> "Partenariat pour un gouvernement ouvert"@fr <http://example.org/graph/three> .
        <http://example.org/ogp> <http://example.org/member> <http://example.org/oecd> <http://example.org/graph/three> .
        """).encode(),  # noqa: E501
}
TRIPLE_FORMATS = list(SAMPLE)
DATASET_FORMATS = list(DATASET)
RDFLIB = {RdfFormat.TURTLE: "turtle", RdfFormat.TRIG: "trig", RdfFormat.N_TRIPLES: "nt",
          RdfFormat.N_QUADS: "nquads", RdfFormat.JSON_LD: "json-ld", RdfFormat.RDF_XML: "xml"}


# -- helpers ----------------------------------------------------------------------------
def parsed(data: bytes, format: RdfFormat) -> dict[str | None, rdflib.Graph]:
    """A document read by rdflib (not pyoxigraph): its graphs by name (default: None)."""
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=RDFLIB[format])
    graphs: dict[str | None, rdflib.Graph] = {}
    for s, p, o, g in dataset.quads():
        name = None if g is None or g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else str(g)
        graphs.setdefault(name, rdflib.Graph()).add((s, p, o))
    return graphs


def merged(data: bytes, format: RdfFormat) -> rdflib.Graph:
    """Every triple of a document, whatever graph it is in."""
    union = rdflib.Graph()
    for graph in parsed(data, format).values():
        union += graph
    return union


def from_terms(triples: Iterable[object]) -> rdflib.Graph:
    items = list(triples)
    assert all(isinstance(t, ox.Triple) for t in items), items[:3]
    return merged(ox.serialize(items, format=ox.RdfFormat.N_TRIPLES), RdfFormat.N_TRIPLES)


def content(store: Store, graph: str) -> rdflib.Graph:
    return from_terms(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> "
                                  "{ ?s ?p ?o } }"))


def assert_same(actual: rdflib.Graph, expected: rdflib.Graph) -> None:
    if isomorphic(actual, expected):
        return
    _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    pytest.fail("the graphs differ\n-- only in the store's:\n"
                f"{only_actual.serialize(format='nt')}\n-- only in the expected:\n"
                f"{only_expected.serialize(format='nt')}")


def sample() -> rdflib.Graph:
    return merged(SAMPLE[RdfFormat.N_TRIPLES], RdfFormat.N_TRIPLES)


def dataset() -> dict[str | None, rdflib.Graph]:
    return parsed(DATASET[RdfFormat.N_QUADS], RdfFormat.N_QUADS)


def snapshot(store: Store) -> tuple[list[GraphInfo], dict[str, object]]:
    """What a store holds: its graphs, sizes and contents (compared up to blank nodes)."""
    infos = store.graphs()
    return infos, {info.name: to_isomorphic(content(store, info.name))
                   for info in infos if info.name is not None}


def source(kind: str, data: bytes, tmp_path: Path, format: RdfFormat) -> LoadSource:
    if kind == "path":
        path = tmp_path / f"input.{format.extension}"
        path.write_bytes(data)
        return path
    if kind == "stream":
        return io.BytesIO(data)
    return data


@pytest.fixture
def loaded(any_store: Store) -> Store:
    """A store holding the sample in G1 and the dataset in G2 and G3."""
    any_store.load(SAMPLE[RdfFormat.N_TRIPLES], format=RdfFormat.N_TRIPLES, graph=G1)
    any_store.load(DATASET[RdfFormat.N_QUADS], format=RdfFormat.N_QUADS)
    return any_store


def test_every_backend_is_a_store(any_store: Store) -> None:
    assert isinstance(any_store, Store)
    assert any_store.graphs() == []
    assert any_store.capabilities.hard_timeout is isinstance(any_store, RemoteStore)


# -- queries ----------------------------------------------------------------------------
def test_select_answers_pyoxigraph_terms(loaded: Store) -> None:
    result = loaded.query(PREFIX + """
        SELECT ?label ?founded ?members ?seat ?city ?note ?missing WHERE {
          ex:oecd ex:label ?label ; ex:founded ?founded ; ex:members ?members ;
                  ex:note ?note ; ex:seat ?seat .
          ?seat ex:city ?city .
          OPTIONAL { ex:oecd ex:nothing ?missing }
        } ORDER BY STR(?label)""")
    assert result.kind is QueryKind.SELECT
    assert result.variables == ["label", "founded", "members", "seat", "city", "note",
                                "missing"]
    rows = list(result.rows())
    assert [row["label"] for row in rows] == [ox.Literal("OCDE", language="fr"),
                                              ox.Literal("OECD", language="en")]
    first = rows[0]
    assert "missing" not in first
    assert first["founded"] == ox.Literal("1961-09-30", datatype=ox.NamedNode(XSD + "date"))
    assert first["members"] == ox.Literal("38", datatype=ox.NamedNode(XSD + "integer"))
    assert first["note"] == ox.Literal('line one\nline "two" — ünïcødé')
    assert first["city"] == ox.Literal("Paris")
    assert isinstance(first["seat"], ox.BlankNode)
    assert rows[1]["seat"] == first["seat"]


def test_select_rows_are_query_solutions(loaded: Store) -> None:
    solutions = list(loaded.query(PREFIX + "SELECT ?type WHERE { ex:ogp a ?type }"))
    assert len(solutions) == 1 and isinstance(solutions[0], ox.QuerySolution)
    assert solutions[0]["type"] == ox.NamedNode(EX + "Network")


def test_ask(loaded: Store) -> None:
    yes = loaded.query(PREFIX + "ASK { ex:ogp ex:member ex:oecd }")
    no = loaded.query(PREFIX + "ASK { ex:oecd ex:member ex:ogp }")
    assert yes.kind is QueryKind.ASK and no.kind is QueryKind.ASK
    assert yes.boolean is True and no.boolean is False
    with pytest.raises(UsageError):
        list(loaded.query("ASK {}"))


def test_construct_answers_triples(loaded: Store) -> None:
    result = loaded.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert result.kind is QueryKind.GRAPH
    assert_same(from_terms(result), sample())
    with pytest.raises(UsageError):
        loaded.query("ASK {}").serialize(io.BytesIO(), RdfFormat.TURTLE)


def test_describe_gives_the_concise_bounded_description(loaded: Store) -> None:
    result = loaded.query(f"DESCRIBE <{EX}oecd>", default_graphs=[G1])
    expected = rdflib.Graph()
    for triple in sample():
        if triple[0] != rdflib.URIRef(EX + "ogp"):
            expected.add(triple)
    assert_same(from_terms(result), expected)


def test_describe_over_the_union_default_graph(loaded: Store) -> None:
    described = from_terms(loaded.query(f"DESCRIBE <{EX}ogp>"))
    labels = {str(o) for o in described.objects(rdflib.URIRef(EX + "ogp"),
                                                 rdflib.URIRef(EX + "label"))}
    assert labels == {"Open Government Partnership", "Partenariat pour un gouvernement ouvert"}
    assert (None, rdflib.URIRef(EX + "city"), rdflib.Literal("Washington")) in described


SELECT_LABELS = PREFIX + "SELECT ?s ?label WHERE { ?s ex:label ?label } ORDER BY STR(?label)"


def test_select_serializes_to_every_result_format(loaded: Store) -> None:
    expected = [(row["s"], row["label"]) for row in loaded.query(SELECT_LABELS).rows()]
    assert len(expected) == 4
    for format in ResultFormat:
        out = io.BytesIO()
        loaded.query(SELECT_LABELS).serialize(out, format)
        if format is ResultFormat.CSV:  # lossy by design: lexical forms only
            lines = list(csv.reader(io.StringIO(out.getvalue().decode())))
            assert lines == [["s", "label"]] + [[s.value, label.value] for s, label in expected]
            continue
        back = ox.parse_query_results(out.getvalue(), format=format.oxigraph)
        assert isinstance(back, ox.QuerySolutions), format
        assert [(row["s"], row["label"]) for row in back] == expected, format
        with pytest.raises(UsageError):
            loaded.query(SELECT_LABELS).serialize(io.BytesIO(), RdfFormat.TURTLE)


@pytest.mark.parametrize("answer", [True, False])
def test_ask_serializes_to_every_result_format(loaded: Store, answer: bool) -> None:
    query = PREFIX + ("ASK { ex:ogp a ex:Network }" if answer else "ASK { ex:ogp a ex:Nope }")
    for format in ResultFormat:
        out = io.BytesIO()
        loaded.query(query).serialize(out, format)
        if format is ResultFormat.CSV:
            assert out.getvalue().strip().decode() == str(answer).lower()
            continue
        back = ox.parse_query_results(out.getvalue(), format=format.oxigraph)
        assert isinstance(back, ox.QueryBoolean) and bool(back) is answer, format


def test_graph_answer_serializes_to_every_rdf_format(loaded: Store) -> None:
    for format in RdfFormat:
        out = io.BytesIO()
        loaded.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
                     ).serialize(out, format)
        assert_same(merged(out.getvalue(), format), sample())
        with pytest.raises(UsageError):
            loaded.query(SELECT_LABELS).serialize(io.BytesIO(), format)


LABELS_BY_GRAPH = PREFIX + """
    SELECT ?g ?label WHERE {
      { ex:ogp ex:label ?label } UNION { GRAPH ?g { ex:ogp ex:label ?label } }
    }"""
EN, FR = "Open Government Partnership", "Partenariat pour un gouvernement ouvert"


DATASETS: list[tuple[list[str] | None, list[str] | None, set[tuple[str | None, str]]]] = [
    (None, None, {(None, EN), (None, FR), (G2, EN), (G3, FR)}),  # the union
    ([G2], None, {(None, EN)}),
    ([G2, G3], None, {(None, EN), (None, FR)}),  # merged into the default graph
    (None, [G3], {(G3, FR)}),
    ([G2], [G3], {(None, EN), (G3, FR)}),
    ([], [G2, G3], {(G2, EN), (G3, FR)}),
    ([G1], [], set()),
]


def test_dataset_is_exactly_what_is_listed(loaded: Store) -> None:
    for default_graphs, named_graphs, expected in DATASETS:
        result = loaded.query(LABELS_BY_GRAPH, default_graphs=default_graphs,
                              named_graphs=named_graphs)
        found = {(row["g"].value if "g" in row else None,  # type: ignore[union-attr]
                  row["label"].value) for row in result.rows()}  # type: ignore[union-attr]
        assert found == expected, (default_graphs, named_graphs)


def test_default_graph_is_the_union_of_all_graphs(loaded: Store) -> None:
    rows = loaded.query(PREFIX + "SELECT ?city WHERE { ?place ex:city ?city } ORDER BY ?city")
    assert [row["city"] for row in rows.rows()] == [ox.Literal("Paris"),
                                                    ox.Literal("Washington")]


def test_base_iri_resolves_relative_iris(loaded: Store) -> None:
    assert loaded.query("ASK { <ogp> <member> <oecd> }", base_iri=EX).boolean is True
    loaded.update(f'INSERT DATA {{ GRAPH <{G4}> {{ <a> <b> "c" }} }}', base_iri=EX)
    assert loaded.query(f'ASK {{ GRAPH <{G4}> {{ <{EX}a> <{EX}b> "c" }} }}').boolean is True


SYNTAX_ERRORS = [  # where Oxigraph and Virtuoso agree on the line
    ("SELECT *\nWHERE {\n  ?s ?p ?o .\n  BIND (1 AS )\n}", 4),
    ("PREFIX ex: <http://example.org/>\nSELECT *\nWHERE { ?s ?p ?o }\nLIMIT x", 4),
]


def test_query_syntax_error_says_where(any_store: Store) -> None:
    for text, line in SYNTAX_ERRORS:
        for base_iri in (None, EX):  # a BASE the store adds must not shift the lines
            with pytest.raises(QuerySyntaxError) as caught:
                list(any_store.query(text, base_iri=base_iri))
            error = caught.value
            assert error.line == line, str(error)
            assert error.column is None or error.column > 0
            assert isinstance(error, SyntaxError) and str(error).startswith(f"{line}:")


def test_update_syntax_error(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        any_store.update(f"INSERT DATA {{\n  GRAPH <{G1}> {{ <{EX}a> <{EX}b> }}\n}}")
    assert caught.value.line == 2, str(caught.value)
    assert any_store.graphs() == []


def test_query_stops_at_its_timeout(any_store: Store) -> None:
    any_store.load(b"".join(f"<{EX}s{i}> <{EX}p> <{EX}o{i}> .\n".encode() for i in range(100)),
                   format=RdfFormat.N_TRIPLES, graph=G1)
    if any_store.capabilities.hard_timeout:
        # no answer row for a long while: the request itself must give up in time
        heavy = (f"SELECT ?a WHERE {{ GRAPH <{G1}> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }} "
                 "FILTER(STRLEN(CONCAT(STR(?a), STR(?d), STR(?f))) < 10) }")
    else:
        heavy = f"SELECT * WHERE {{ GRAPH <{G1}> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }} }}"
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        list(any_store.query(heavy, timeout=0.5))
    assert time.monotonic() - started < 5


# -- updates ----------------------------------------------------------------------------
def test_graph_exists_only_for_graphs_that_are_there(loaded: Store) -> None:
    assert graph_exists(loaded, G1)
    assert not graph_exists(loaded, EX + "never-made")  # Virtuoso says yes to any IRI if asked naively
    loaded.remove_graph(G1)
    assert not graph_exists(loaded, G1)


def test_insert_and_delete(any_store: Store) -> None:
    any_store.update(PREFIX + f'INSERT DATA {{ GRAPH <{G1}> {{ ex:a ex:p "1", "2" }} }}')
    any_store.update(PREFIX + f'DELETE DATA {{ GRAPH <{G1}> {{ ex:a ex:p "1" }} }}')
    any_store.update(PREFIX + f"WITH <{G1}> DELETE {{ ?s ex:p ?o }} INSERT {{ ?s ex:q ?o }} "
                     "WHERE { ?s ex:p ?o }")
    expected = rdflib.Graph()
    expected.add((rdflib.URIRef(EX + "a"), rdflib.URIRef(EX + "q"), rdflib.Literal("2")))
    assert_same(content(any_store, G1), expected)
    assert any_store.graphs() == [GraphInfo(G1, 1)]


def test_failing_update_is_all_or_nothing_where_promised(loaded: Store) -> None:
    before = snapshot(loaded)
    with pytest.raises(GraphkitError) as caught:
        loaded.update(PREFIX + f'INSERT DATA {{ GRAPH <{G1}> {{ ex:a ex:p "new" }} }} ;\n'
                      f"DROP GRAPH <{EX}absent>")
    assert f"{EX}absent" in str(caught.value)
    if loaded.capabilities.atomic_update:
        assert snapshot(loaded) == before
    else:  # the claim that it is not atomic holds too: the first operation stayed
        assert loaded.query(PREFIX + f'ASK {{ GRAPH <{G1}> {{ ex:a ex:p "new" }} }}').boolean


# -- loads ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["path", "bytes", "stream"])
def test_load_each_triples_format_into_a_named_graph(any_store: Store, tmp_path: Path,
                                                     kind: str) -> None:
    graphs = {format: f"{EX}graph/{format.value}" for format in TRIPLE_FORMATS}
    for format, graph in graphs.items():
        any_store.load(source(kind, SAMPLE[format], tmp_path, format), format=format,
                       graph=graph)
    assert any_store.graphs() == [GraphInfo(graph, 11) for graph in sorted(graphs.values())]
    for graph in graphs.values():
        assert_same(content(any_store, graph), sample())


@pytest.mark.parametrize("format", DATASET_FORMATS, ids=lambda f: f.value)
def test_load_a_dataset(any_store: Store, tmp_path: Path, format: RdfFormat) -> None:
    for kind in ("path", "bytes", "stream"):
        any_store.load(source(kind, DATASET[format], tmp_path, format), format=format)
        assert any_store.graphs() == [GraphInfo(G3, 2), GraphInfo(G2, 4)], kind
        for name, graph in dataset().items():
            assert name is not None
            assert_same(content(any_store, name), graph)
        for name in (G2, G3):
            any_store.remove_graph(name)


def test_load_a_dataset_beside_data(loaded: Store) -> None:
    extra = f'<{EX}x> <{EX}p> "x" <{G4}> .\n<{EX}y> <{EX}p> _:b <{G2}> .\n'.encode()
    loaded.load(extra, format=RdfFormat.N_QUADS)
    assert loaded.graphs() == [GraphInfo(G4, 1), GraphInfo(G1, 11), GraphInfo(G3, 2),
                               GraphInfo(G2, 5)]


def test_load_gzipped_file_with_base_iri(any_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "relative.ttl.gz"
    path.write_bytes(gzip.compress(b'<ogp> <member> <oecd> .\n<oecd> <label> "OECD" .\n'))
    any_store.load(path, format=RdfFormat.TURTLE, graph=G1, base_iri=EX)
    assert any_store.query(f"ASK {{ GRAPH <{G1}> {{ <{EX}ogp> <{EX}member> <{EX}oecd> }} }}"
                           ).boolean is True
    assert any_store.graphs() == [GraphInfo(G1, 2)]


def test_load_adds_and_replace_replaces(any_store: Store) -> None:
    nt = RdfFormat.N_TRIPLES
    any_store.load(SAMPLE[nt], format=nt, graph=G1)
    any_store.load(f'<{EX}extra> <{EX}p> "x" .\n'.encode(), format=nt, graph=G1)
    any_store.load(f'<{EX}other> <{EX}p> "y" .\n'.encode(), format=nt, graph=G2)
    assert any_store.graphs() == [GraphInfo(G1, 12), GraphInfo(G2, 1)]
    any_store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1, replace=True)
    assert any_store.graphs() == [GraphInfo(G1, 11), GraphInfo(G2, 1)]
    assert_same(content(any_store, G1), sample())
    any_store.load(b"", format=nt, graph=G2, replace=True)
    emptied = [GraphInfo(G2, 0)] if any_store.capabilities.empty_graphs else []
    assert any_store.graphs() == [GraphInfo(G1, 11), *emptied]


def test_replace_needs_a_triples_format(any_store: Store) -> None:
    with pytest.raises(UsageError):
        any_store.load(DATASET[RdfFormat.TRIG], format=RdfFormat.TRIG, replace=True)
    assert any_store.graphs() == []


def test_load_into_the_default_graph(any_store: Store) -> None:
    nt = RdfFormat.N_TRIPLES
    if not any_store.capabilities.default_graph:
        with pytest.raises(UsageError):
            any_store.load(SAMPLE[nt], format=nt)
        assert any_store.graphs() == []
        return
    any_store.load(SAMPLE[nt], format=nt)
    any_store.load(DATASET[RdfFormat.N_QUADS], format=RdfFormat.N_QUADS)
    assert any_store.graphs() == [GraphInfo(None, 11), GraphInfo(G3, 2), GraphInfo(G2, 4)]
    out = io.BytesIO()
    any_store.dump(out, format=RdfFormat.N_QUADS)
    assert_same(parsed(out.getvalue(), RdfFormat.N_QUADS)[None], sample())


BAD: dict[RdfFormat, tuple[bytes, int | None, int | None]] = {
    RdfFormat.TURTLE: (b'@prefix ex: <http://example.org/> .\nex:a ex:p "x" .\n'
                       b'ex:b ex:p "y" ;\n   ex:q ]\n', 4, 9),
    # a long valid head, so a streaming loader has written a lot before it fails
    RdfFormat.N_TRIPLES: (b"".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n'.encode()
                                   for i in range(3000)) + b'<http://example.org/b> "y" .\n',
                          3001, 24),
    RdfFormat.N_QUADS: (f'<{EX}a> <{EX}p> "x" <{G4}> .\n<{EX}b> <{EX}p> <{G4}> <{EX}h> '
                        f"<{EX}i> .\n".encode(), 2, 102),
    RdfFormat.TRIG: (b"@prefix ex: <http://example.org/> .\nex:g {\n ex:a ex:p \"x\" .\n"
                     b" ex:b ex:p .\n}\n", 4, 12),
    RdfFormat.JSON_LD: (b'{\n  "@id": "http://example.org/a",\n  "http://example.org/p": "x",\n'
                        b'  "http://example.org/q": [1, 2,\n}\n', 5, 1),
    # pyoxigraph 0.5 gives no position for RDF/XML errors
    RdfFormat.RDF_XML: (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                        b'22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n <rdf:Description'
                        b' rdf:about="http://example.org/a">\n  <ex:p>x</ex:q>\n'
                        b" </rdf:Description>\n</rdf:RDF>\n", None, None),
}


def test_bad_input_raises_and_changes_nothing(loaded: Store, tmp_path: Path) -> None:
    before = snapshot(loaded)
    for format, (data, line, column) in BAD.items():
        path = tmp_path / f"bad.{format.extension}"
        path.write_bytes(data)
        targets = [None] if format.supports_datasets else [G1, G4]  # with data, and new
        for target in targets:
            for given in (path, data):
                with pytest.raises(RdfSyntaxError) as caught:
                    loaded.load(given, format=format, graph=target)
                error = caught.value
                assert error.file == (str(path) if given is path else "<bytes>")
                assert (error.line, error.column) == (line, column), str(error)
                assert isinstance(error, SyntaxError) and isinstance(error, InputError)
        assert snapshot(loaded) == before, format


def test_missing_file_is_an_input_error(any_store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        any_store.load(tmp_path / "absent.ttl", format=RdfFormat.TURTLE, graph=G1)


# -- graphs -----------------------------------------------------------------------------
def test_add_remove_and_list_graphs(any_store: Store) -> None:
    nt = RdfFormat.N_TRIPLES
    any_store.add_graph(G1)
    empty = [GraphInfo(G1, 0)] if any_store.capabilities.empty_graphs else []
    assert any_store.graphs() == empty
    any_store.load(SAMPLE[nt], format=nt, graph=G2)
    any_store.load(f'<{EX}a> <{EX}p> "x" .\n'.encode(), format=nt, graph=G3)
    any_store.add_graph(G2)  # already there: nothing changes
    assert any_store.graphs() == [*empty, GraphInfo(G3, 1), GraphInfo(G2, 11)]
    any_store.remove_graph(G2)
    assert any_store.graphs() == [*empty, GraphInfo(G3, 1)]
    assert any_store.query(f"ASK {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}").boolean is False
    any_store.remove_graph(G2)  # absent: no error
    any_store.remove_graph(G1)
    assert any_store.graphs() == [GraphInfo(G3, 1)]


# -- dumps ------------------------------------------------------------------------------
def test_dump_one_graph(loaded: Store) -> None:
    for format in RdfFormat:
        out = io.BytesIO()
        loaded.dump(out, format=format, graph=G1)
        assert_same(merged(out.getvalue(), format), sample())


def test_dump_everything(loaded: Store) -> None:
    expected = {G1: sample(), **dataset()}
    union = rdflib.Graph()
    for graph in expected.values():
        union += graph
    for format in RdfFormat:
        out = io.BytesIO()
        loaded.dump(out, format=format)
        if format.supports_datasets:
            graphs = parsed(out.getvalue(), format)
            assert set(graphs) == set(expected), format
            for name, graph in expected.items():
                assert_same(graphs[name], graph)
        else:
            assert_same(merged(out.getvalue(), format), union)


def test_dump_of_an_absent_graph(any_store: Store) -> None:
    with pytest.raises(InputError):
        any_store.dump(io.BytesIO(), format=RdfFormat.TURTLE, graph=G4)


def test_closed_store_refuses_work(any_store: Store) -> None:
    any_store.close()
    with pytest.raises(StoreError):
        any_store.graphs()


# -- the on-disk store ------------------------------------------------------------------
def test_reopen_keeps_the_data(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        store.load(DATASET[RdfFormat.TRIG], format=RdfFormat.TRIG)
        before = snapshot(store)
    with OxigraphStore(tmp_path / "store") as store:
        assert snapshot(store) == before
        assert store.graphs() == [GraphInfo(G1, 11), GraphInfo(G3, 2), GraphInfo(G2, 4)]


def test_journal_left_by_a_crash_is_undone_at_next_open(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        before = snapshot(store)
        # what load() does before a bulk load into the empty G2, then a "crash" mid-way
        (path / JOURNAL).write_text(json.dumps({"graphs": [G2], "started": time.time()}))
        store.raw.bulk_load(SAMPLE[RdfFormat.N_TRIPLES], format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(G2))
        assert store.graphs() != before[0]
    with OxigraphStore(path) as store:
        assert snapshot(store) == before
        assert not (path / JOURNAL).exists()


CRASHING_LOAD = """
import sys
from pathlib import Path
from graphkit.formats import RdfFormat
from graphkit.stores import OxigraphStore
store = OxigraphStore(Path(sys.argv[1]))
print("loading", flush=True)
store.load(Path(sys.argv[2]), format=RdfFormat.N_TRIPLES, graph=sys.argv[3])
print("finished", flush=True)
"""


def test_killed_bulk_load_is_undone_at_next_open(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        before = snapshot(store)
    big = tmp_path / "big.nt"
    with open(big, "wb") as out:
        for block in range(80):
            out.write("".join(f'<{EX}s{block}-{i}> <{EX}p{i % 7}> "value {block} {i}" .\n'
                              for i in range(2500)).encode())
    loader = subprocess.Popen([sys.executable, "-c", CRASHING_LOAD, str(path), str(big), G2],
                              cwd=PROJECT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT)})
    try:
        assert loader.stdout is not None and loader.stdout.readline().strip() == "loading"
        deadline = time.monotonic() + 30
        while not (path / JOURNAL).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (path / JOURNAL).exists(), "the load never started"
        time.sleep(0.3)  # well into the 200 000 triples
        assert (path / JOURNAL).exists() and loader.poll() is None, "the load ended too soon"
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=10)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
    with OxigraphStore(path) as store:
        assert snapshot(store) == before
        assert not (path / JOURNAL).exists()


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_rdflib_view_sees_the_same_triples(tmp_path: Path, on_disk: bool) -> None:
    with OxigraphStore(tmp_path / "store" if on_disk else None) as store:
        assert store.capabilities.rdflib_view
        store.load(SAMPLE[RdfFormat.JSON_LD], format=RdfFormat.JSON_LD, graph=G1)
        store.load(DATASET[RdfFormat.TRIG], format=RdfFormat.TRIG)
        view = store.rdflib_dataset()
        assert_same(from_graph(view.graph(rdflib.URIRef(G1))), sample())
        for name, graph in dataset().items():
            assert_same(from_graph(view.graph(rdflib.URIRef(name))), graph)
        assert len(view.graph(rdflib.URIRef(G4))) == 0


def from_graph(graph: rdflib.Graph) -> rdflib.Graph:
    """A copy, with oxrdflib's ``"x"^^xsd:string`` written ``"x"`` as rdflib parsers do
    (the same RDF 1.1 term, but not equal in rdflib)."""
    copy = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and o.datatype == rdflib.XSD.string:
            o = rdflib.Literal(str(o))
        copy.add((s, p, o))
    return copy


# -- remote stores only -----------------------------------------------------------------
@pytest.fixture(params=[pytest.param("oxigraph_endpoint", id="oxigraph-server"),
                        pytest.param("virtuoso_endpoint", id="virtuoso")])
def server(request: pytest.FixtureRequest) -> Server:
    found: Server = request.getfixturevalue(request.param)
    return found


@pytest.mark.server
def test_remote_store_without_graph_store_protocol(server: Server) -> None:
    with emptied(server.store(graph_store=False)) as store:
        nt = RdfFormat.N_TRIPLES
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        store.load(f'<{EX}extra> <{EX}p> "x" .\n'.encode(), format=nt, graph=G2)
        store.load(f'<{EX}other> <{EX}p> _:b .\n'.encode(), format=nt, graph=G2, replace=True)
        assert store.graphs() == [GraphInfo(G1, 11), GraphInfo(G2, 1)]
        out = io.BytesIO()
        store.dump(out, format=RdfFormat.TURTLE, graph=G1)
        assert_same(merged(out.getvalue(), RdfFormat.TURTLE), sample())
        with pytest.raises(InputError):
            store.dump(io.BytesIO(), format=RdfFormat.TURTLE, graph=G4)


@pytest.mark.server
def test_server_errors_carry_status_and_message(server: Server) -> None:
    with server.store() as store:
        with pytest.raises(RemoteStoreError) as caught:
            store.update(f"DROP GRAPH <{EX}absent>")
        assert caught.value.status == 500 and f"{EX}absent" in str(caught.value)
        assert server.update_endpoint in str(caught.value)


@pytest.mark.server
def test_wrong_endpoint_path_is_a_404(server: Server) -> None:
    with RemoteStore(server.endpoint.rsplit("/", 1)[0] + "/no-such-endpoint") as store:
        with pytest.raises(RemoteStoreError) as caught:
            store.query("ASK {}")
        assert caught.value.status == 404


def test_unreachable_server_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with RemoteStore(url, graph_store_endpoint=url + "-store", timeout=5) as store:
        for call in (lambda: store.query("ASK {}"), lambda: store.update("CLEAR ALL"),
                     lambda: store.dump(io.BytesIO(), format=RdfFormat.TURTLE, graph=G1)):
            with pytest.raises(StoreError) as caught:
                call()
            assert type(caught.value) is StoreError and url in str(caught.value)


@pytest.mark.server
def test_remote_store_from_settings(oxigraph_endpoint: Server) -> None:
    settings = Settings(store_path=None, endpoint=oxigraph_endpoint.endpoint,
                        update_endpoint=oxigraph_endpoint.update_endpoint,
                        graph_store_endpoint=oxigraph_endpoint.graph_store_endpoint,
                        query_timeout=7)
    with open_store(settings) as store:
        assert isinstance(store, RemoteStore)
        assert (store.update_endpoint, store.timeout) == (oxigraph_endpoint.update_endpoint, 7)
        assert store.graph_parameter == "graph"
        assert store.query("ASK {}").boolean is True


@pytest.mark.server
def test_virtuoso_digest_authentication(virtuoso_endpoint: Server) -> None:
    base = virtuoso_endpoint.endpoint.rsplit("/", 1)[0]
    with emptied(RemoteStore(base + "/sparql-auth",
                             graph_store_endpoint=base + "/sparql-graph-crud-auth",
                             user="dba", password="dba")) as store:
        assert store.graph_parameter == "graph-uri"
        store.load(SAMPLE[RdfFormat.TURTLE], format=RdfFormat.TURTLE, graph=G1)
        store.update(f'INSERT DATA {{ GRAPH <{G2}> {{ <{EX}a> <{EX}p> "x" }} }}')
        assert store.graphs() == [GraphInfo(G1, 11), GraphInfo(G2, 1)]
    with RemoteStore(base + "/sparql-auth", user="dba", password="wrong") as store:
        with pytest.raises(RemoteStoreError) as caught:
            store.update(f"CLEAR GRAPH <{G1}>")
        assert caught.value.status == 401
    with RemoteStore(base + "/sparql-auth", user="dba", password="dba", auth=HttpAuth.BASIC,
                     graph_store_endpoint=base + "/sparql-graph-crud-auth") as store:
        with pytest.raises(RemoteStoreError) as caught:  # basic where digest is asked
            store.dump(io.BytesIO(), format=RdfFormat.N_TRIPLES, graph=G1)
        assert caught.value.status == 401


@pytest.mark.server
def test_virtuoso_cut_answers_raise(virtuoso_endpoint: Server) -> None:
    """The test instance keeps Virtuoso's ResultSetMaxRows at 1000: what it cuts raises."""
    with emptied(virtuoso_endpoint.store()) as store:
        store.load(b"".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n'.encode() for i in range(1050)),
                   format=RdfFormat.N_TRIPLES, graph=G1)
        assert store.graphs() == [GraphInfo(G1, 1050)]
        with pytest.raises(RemoteStoreError, match="ResultSetMaxRows"):
            store.query(f"SELECT * WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
        with pytest.raises(RemoteStoreError, match="ResultSetMaxRows"):
            store.dump(io.BytesIO(), format=RdfFormat.N_TRIPLES, graph=G1)
        assert len(list(store.query(f"SELECT * WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }} "
                                    "LIMIT 999"))) == 999
