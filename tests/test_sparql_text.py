"""The scanner that refuses SERVICE and LOAD, checked against the engine itself.

For each text, the ground truth is whether pyoxigraph, running it on a store where every
pattern matches, really calls a local socket. Whatever the engine calls, the scanner must
refuse; what it refuses without a call is a false alarm, kept rare by the second table.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest

from graphkit.errors import ForbiddenQueryError, UsageError
from graphkit.namespaces import PREFIXES
from graphkit.sparql_text import (
    add_update_dataset,
    check_loads,
    check_services,
    declared_prefixes,
    explain_syntax_error,
    has_dataset_clause,
    query_form,
    undeclared_prefixes,
)
from graphkit.stores import QueryKind

# {url} is the probe's address, {prefix} the same without its last segment
TRICKY = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE<{url}>{{?s ?p ?o}} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICESILENT<{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX : <{prefix}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ SERVICEex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p 1SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p \"x\"SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p ?o.SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p ?o OPTIONAL{{}}SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p ex:a.SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p <x>SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{prefix}> SELECT * WHERE {{ ?s ?p _:b.SERVICE ex:x {{ ?s ?p ?o }} }}",
    "PREFIX service: <{prefix}> PREFIX : <{prefix}> SELECT * WHERE {{ service:x {{ ?s ?p ?o }} }}",
    "PREFIX service: <{prefix}> SELECT * WHERE {{ service:x {{ ?s ?p ?o }} }}",
    "BASE <{prefix}> SELECT * WHERE {{ SERVICE <x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o }} # SERVICE <{url}> {{ ?s ?p ?o }}",
    "SELECT (\"SERVICE <{url}> {{}}\" AS ?x) WHERE {{}}",
    "SELECT ('''x\n SERVICE <{url}> {{}}''' AS ?x) WHERE {{}}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?s = <{url}>) }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "DESCRIBE <{url}>",
    "SELECT * WHERE {{ BIND('x' AS ?service) ?s ?p ?o }} # SERVICE",
]
TRICKY_UPDATES = [
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <http://g>",
    "CLEAR ALL ; LOAD<{url}>",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "INSERT DATA {{ <http://s> <http://p> \"LOAD <{url}>\" }}",
]


@pytest.fixture
def probe() -> Iterator[tuple[str, list[int]]]:
    """A listening socket; yields its URL and a list that counts the connections."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.05)
    connections: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(1)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", connections
    stop.set()
    thread.join()
    sock.close()


def fill(text: str, url: str) -> str:
    prefix = url.rsplit("/", 1)[0] + "/"
    return text.format(url=url, prefix=prefix,
                       escaped=url.replace("127.0.0.1", "127.0.0.\\u0031"))


def engine_calls(text: str, connections: list[int], *, update: bool = False) -> bool:
    """Run ``text`` on pyoxigraph over data every pattern matches; did it call out?"""
    store = ox.Store()
    s, p = ox.NamedNode("http://s"), ox.NamedNode("http://p")
    for o in (ox.Literal(1), ox.Literal("x"), ox.NamedNode("http://s")):
        store.add(ox.Quad(s, p, o))
    before = len(connections)
    try:
        if update:
            store.update(text)
        else:
            answer = store.query(text, use_default_graph_as_union=True)
            if not isinstance(answer, ox.QueryBoolean):
                list(answer)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    threading.Event().wait(0.1)
    return len(connections) > before


@pytest.mark.parametrize("template", TRICKY)
def test_the_scanner_refuses_whatever_the_engine_would_call(
        probe: tuple[str, list[int]], template: str) -> None:
    url, connections = probe
    text = fill(template, url)
    refused = _refuses(lambda: check_services(text, allow=()))
    if engine_calls(text, connections):
        assert refused, f"the engine calls out but the scanner lets it through: {text}"


@pytest.mark.parametrize("template", TRICKY_UPDATES)
def test_the_scanner_refuses_loads_the_engine_would_make(
        probe: tuple[str, list[int]], template: str) -> None:
    url, connections = probe
    text = fill(template, url)
    refused = _refuses(lambda: check_services(text, allow=())) or \
        _refuses(lambda: check_loads(text, allow=()))
    if engine_calls(text, connections, update=True):
        assert refused, f"the engine calls out but the scanner lets it through: {text}"
    else:
        assert not refused, text


def test_the_probe_can_tell(probe: tuple[str, list[int]]) -> None:
    url, connections = probe
    assert engine_calls(fill(TRICKY[0], url), connections)
    assert not engine_calls("SELECT * WHERE { ?s ?p ?o }", connections)


@pytest.mark.parametrize("text", [
    "SELECT ?service WHERE { ?service a <http://e/Service> }",
    "PREFIX service: <http://e/service/> SELECT * WHERE { service:x ?p ?o }",
    "PREFIX schema: <https://schema.org/> SELECT * WHERE { ?s schema:serviceType ?o }",
    "SELECT * WHERE { ?s <http://e/SERVICE> 'SERVICE <http://e/>' } # SERVICE <x>",
    "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(?o, \"service\")) }",
    "SELECT * WHERE { _:service ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?x1service",
])
def test_innocent_texts_pass(text: str) -> None:
    check_services(text, allow=())


def test_the_allow_list_is_exact_or_a_prefix_ending_in_slash() -> None:
    text = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    check_services(text, allow=("https://query.wikidata.org/sparql",))
    check_services(text, allow=("https://query.wikidata.org/",))
    with pytest.raises(ForbiddenQueryError):
        check_services(text, allow=("https://query.wikidata.org",))  # no slash: exact only
    with pytest.raises(ForbiddenQueryError):
        check_services(text.replace("wikidata.org", "wikidata.org.evil"),
                       allow=("https://query.wikidata.org",))
    with pytest.raises(ForbiddenQueryError, match="variable"):
        check_services("SELECT * { SERVICE ?x { } }", allow=("https://query.wikidata.org/",))


def _refuses(action: Callable[[], object]) -> bool:
    try:
        action()
    except ForbiddenQueryError:
        return True
    return False


# -- the query form -----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "kind"), [
    ("SELECT * {}", QueryKind.SELECT),
    ("select * {}", QueryKind.SELECT),
    ("PREFIX ask: <http://e/> BASE <http://b/>\n# CONSTRUCT\nASK {}", QueryKind.ASK),
    ("PREFIX : <http://e/> CONSTRUCT WHERE { ?s ?p ?o }", QueryKind.GRAPH),
    ("DESCRIBE <http://e/>", QueryKind.GRAPH),
    ("PREFIX:<http://e/>SELECT*{}", QueryKind.SELECT),
    ("INSERT DATA {}", None),
    ("", None),
])
def test_query_form(text: str, kind: QueryKind | None) -> None:
    assert query_form(text) is kind


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT * FROM <http://g> {}", True),
    ("select * from named <http://g> {}", True),
    ("PREFIX ex: <http://e/> SELECT * FROM ex:g {}", True),
    ("SELECT * { ?from ?p 'FROM <x>' } # FROM <y>", False),
    ("PREFIX from: <http://e/> SELECT (from:f(?x) AS ?y) {}", False),
    ("SELECT * { { SELECT * { ?s ?p ?o } } }", False),
])
def test_has_dataset_clause(text: str, expected: bool) -> None:
    assert has_dataset_clause(text) is expected


# -- using-graph-uri into updates ---------------------------------------------------------
def run(update: str) -> set[str]:
    """What the update writes into <http://out> on a small dataset."""
    store = ox.Store()
    store.update("""INSERT DATA {
        GRAPH <http://g1> { <http://a> <http://p> 1 }
        GRAPH <http://g2> { <http://b> <http://p> 2 } }""")
    store.update(update)
    return {str(q.subject) for q in store.quads_for_pattern(None, None, None,
                                                            ox.NamedNode("http://out"))}


def test_using_is_added_to_every_modify() -> None:
    update = ("INSERT { GRAPH <http://out> { ?s <http://seen> 1 } } WHERE { ?s ?p ?o } ;\n"
              "INSERT DATA { GRAPH <http://x> { <http://c> <http://p> 3 } } ;\n"
              "INSERT { GRAPH <http://out> { ?s <http://seen> 2 } } "
              "WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }")
    assert run(add_update_dataset(update, using=["http://g2"])) == {"<http://b>"}
    assert run(add_update_dataset(update, using=["http://g1", "http://g2"])) == \
        {"<http://a>", "<http://b>"}


def test_using_named_is_added() -> None:
    update = "INSERT { GRAPH <http://out> { ?s <http://in> ?g } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert run(add_update_dataset(update, using_named=["http://g1"])) == {"<http://a>"}


def test_delete_where_takes_its_long_form() -> None:
    store = ox.Store()
    store.update("INSERT DATA { <http://a> <http://p> 1 . GRAPH <http://g> { <http://b> <http://p> 2 } }")
    rewritten = add_update_dataset("DELETE WHERE { ?s <http://p> ?o }", using=["http://g"])
    assert "USING <http://g>" in rewritten
    store.update(rewritten)  # deletes from the default graph what matches in <http://g>
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 1


def test_words_in_strings_and_comments_are_not_clauses() -> None:
    update = ("# WITH <x> USING <y>\nINSERT { ?s <http://note> \"WHERE USING\" } "
              "WHERE { ?s ?p ?o }")
    rewritten = add_update_dataset(update, using=["http://g"])
    assert rewritten.count("USING <http://g>") == 1
    assert rewritten.endswith("USING <http://g> WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("update", [
    "WITH <http://g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } USING <http://g1> WHERE { ?s ?p ?o }",
    "insert { ?s ?p ?o } using named <http://g1> where { graph ?g { ?s ?p ?o } }",
])
def test_a_dataset_in_both_places_is_refused(update: str) -> None:
    with pytest.raises(UsageError, match="forbids both"):
        add_update_dataset(update, using=["http://g2"])
    assert add_update_dataset(update) == update  # without parameters: untouched


# -- undeclared prefixes: what a syntax error names ------------------------------------------
UNDECLARED = [
    ("SELECT * { ?s a ogk:Network }", ["ogk"]),
    ("PREFIX ogk: <https://w3id.org/ogkg/ns#> SELECT * { ?s a ogk:Network }", []),
    ("SELECT * { ?s rdfs:label 'a:b' ; <http://e/p> \"c:d\" } # ex:comment", ["rdfs"]),
    ("SELECT * { _:b1 :p ?o }", [""]),
    ("SELECT ?x { ?x ?y ?z FILTER(xsd:integer(?z) > 1) }", ["xsd"]),
    ("SELECT * { ?s a.b:c ?o ; skos:prefLabel ?l ; skos:altLabel ?a }", ["a.b", "skos"]),
    ("PREFIX : <http://e/> SELECT * { :a :b:c ?o }", []),
    ("SELECT * { ?s ?p '''x:y\n z:w''' }", []),
    ("INSERT DATA { :a :b :c }", [""]),
]


@pytest.mark.parametrize(("text", "expected"), UNDECLARED)
def test_undeclared_prefixes_are_what_the_engine_misses(text: str,
                                                         expected: list[str]) -> None:
    assert undeclared_prefixes(text) == expected
    # the ground truth: declared, the text parses
    declared = "".join(f"PREFIX {name}: <{PREFIXES.get(name, f'http://example.org/{name}/')}>\n"
                       for name in expected)
    run = ox.Store().update if text.startswith("INSERT") else ox.Store().query
    run(declared + text)
    if expected:
        with pytest.raises(SyntaxError):
            run(text)


def test_a_syntax_error_names_the_prefix_to_declare() -> None:
    query = "SELECT * WHERE {\n  ?s a ogk:Network ; dcterms:title ?t ; ex:x ?y }"
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(query)
    message = explain_syntax_error(str(raised.value), query)
    assert message == ("the prefix ogk: is not declared: add PREFIX ogk: "
                       "<https://w3id.org/ogkg/ns#>; the prefix dcterms: is not declared: add "
                       "PREFIX dcterms: <http://purl.org/dc/terms/>; the prefix ex: is not "
                       "declared: add PREFIX ex: <the namespace IRI>")


def test_the_engines_character_classes_read_as_name_characters() -> None:
    query = "SELECT * WHERE { ?s ?p ?o"
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(query)
    assert "..=" in str(raised.value)  # what pyoxigraph 0.5 says
    message = explain_syntax_error(str(raised.value), query)
    assert "..=" not in message and "\\u{" not in message
    assert message.count("a name character") == 1 and '"}"' in message


def test_relative_namespaces_resolve_as_the_engine_resolves_them() -> None:
    """RFC 3986 as Oxigraph applies it: ``<ns#>`` keeps its empty fragment (``urljoin``
    drops it, and the scanner would then check ``http://e.org/nsy``, not what is called)."""
    text = "BASE <http://e.org/> PREFIX ex: <ns#> SELECT * { SERVICE ex:y { ?s ?p ?o } }"
    assert declared_prefixes(text) == {"ex": "http://e.org/ns#"}
    check_services(text, allow=["http://e.org/ns#y"])  # what the engine calls: allowed
    with pytest.raises(ForbiddenQueryError, match="http://e.org/ns#y"):
        check_services(text, allow=["http://e.org/nsy"])
