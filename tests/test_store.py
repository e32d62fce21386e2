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
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from graphkit.errors import (
    GraphkitError,
    InputError,
    QuerySyntaxError,
    QueryTimeoutError,
    RdfSyntaxError,
    StoreError,
    UsageError,
)
from graphkit.formats import RdfFormat, ResultFormat
from graphkit.stores import GraphInfo, QueryKind, Store, graph_exists
from graphkit.stores.remote import RemoteStore
from tests.store_samples import (
    DATASET,
    DATASET_FORMATS,
    EX,
    G1,
    G2,
    G3,
    G4,
    PREFIX,
    SAMPLE,
    TRIPLE_FORMATS,
    XSD,
    assert_same,
    content,
    dataset,
    from_terms,
    merged,
    parsed,
    sample,
    snapshot,
    source,
)
from tests.support import value


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
            assert lines == [["s", "label"]] + [[value(s), value(label)] for s, label in expected]
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
        found = {(value(row["g"]) if "g" in row else None,
                  value(row["label"])) for row in result.rows()}
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
    RdfFormat.TURTLE: ((b'@prefix ex: <http://example.org/> .\nex:a ex:p "x" .\n'
                       b'ex:b ex:p "y" ;\n   ex:q ]\n'), 4, 9),
    # a long valid head, so a streaming loader has written a lot before it fails
    RdfFormat.N_TRIPLES: (b"".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n'.encode()
                                   for i in range(3000)) + b'<http://example.org/b> "y" .\n',
                          3001, 24),
    RdfFormat.N_QUADS: (f'<{EX}a> <{EX}p> "x" <{G4}> .\n<{EX}b> <{EX}p> <{G4}> <{EX}h> '
                        f"<{EX}i> .\n".encode(), 2, 102),
    RdfFormat.TRIG: ((b"@prefix ex: <http://example.org/> .\nex:g {\n ex:a ex:p \"x\" .\n"
                     b" ex:b ex:p .\n}\n"), 4, 12),
    RdfFormat.JSON_LD: ((b'{\n  "@id": "http://example.org/a",\n  "http://example.org/p": "x",\n'
                        b'  "http://example.org/q": [1, 2,\n}\n'), 5, 1),
    # pyoxigraph 0.5 gives no position for RDF/XML errors
    RdfFormat.RDF_XML: ((b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                        b'22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n <rdf:Description'
                        b' rdf:about="http://example.org/a">\n  <ex:p>x</ex:q>\n'
                        b" </rdf:Description>\n</rdf:RDF>\n"), None, None),
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
