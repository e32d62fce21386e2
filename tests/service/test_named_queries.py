"""Named queries (``sparql/*.rq``): every query answers what the source texts say, over
``/api/queries/{name}``; parameters are bound as RDF terms, so what a caller sends can
never change the query; bad headers are errors with file and line; the OpenAPI document
and the CLI carry every query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from graphkit.cli import main
from graphkit.errors import InputError, UsageError
from graphkit.load import sync_project
from graphkit.named_queries import load_named_queries, parse_named_query_text
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app

PROJECT = Path(__file__).resolve().parent.parent.parent
QUERIES = sorted((PROJECT / "sparql").glob("*.rq"))
ID = "https://w3id.org/ogkg/id/"
THEME = "https://w3id.org/ogkg/scheme/themes/"
OGK = "https://w3id.org/ogkg/ns#"

# name -> (parameters, variable, expected values, exact?) — each answer as the seeds state
# it: "exact" when the texts give the whole answer, otherwise the values must be among the
# answers. For ASK the expected value is the boolean; for CONSTRUCT, triples that must be in.
KNOWN: dict[str, tuple[dict[str, str], str, Any, bool]] = {
    "ask_is_member": ({}, "", True, True),
    "construct_source_graph": ({}, "", {(ID + "network/open-democracy-network",
                                         "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                                         OGK + "Network")}, False),
    "count_entities_by_class": ({}, "class", {OGK + "Network", OGK + "Meeting",
                                              OGK + "WorkingParty"}, False),
    "describe_entity": ({}, "value", {"OECD",
                                      "Organisation for Economic Co-operation and Development"},
                        False),
    "find_events": ({"theme": THEME + "trust", "year": "2024"}, "event",
                    {ID + "event/oecd-wpog-7th-meeting",
                     ID + "event/global-forum-building-trust-reinforcing-democracy-2024"}, True),
    "find_unsourced_entities": ({}, "entity", set(), True),
    "list_agenda": ({}, "itemLabel", {"Item 1. Opening remarks"}, False),
    "list_event_participants": ({}, "participant", {ID + "person/lee-sang-min",
                                                    ID + "person/katju-holkeri"}, False),
    "list_events_of_organisation": ({}, "event",
                                    {ID + "event/open-government-symposium-seoul-2024"}, False),
    "list_initiative_plans": ({"initiative": ID + "initiative/oecd-reinforcing-democracy-initiative"},
                              "plan", {ID + "plan/oecd-action-plan-digital-democracy",
                                       ID + "plan/oecd-action-plan-enhancing-participation"},
                              False),
    "list_members": ({}, "member", {ID + "org/congress-of-chile", ID + "org/ndi"}, True),
    "list_memberships_of_agent": ({}, "body", {ID + "org/ogp-lowg"}, False),
    "list_network_themes": ({"network": ID + "network/open-democracy-network"}, "theme",
                            {THEME + "ai-and-openness"}, False),
    "list_organisations_by_country": ({}, "agent", {ID + "org/finland-ministry-of-finance"},
                                      False),
    "list_partners": ({}, "partner", {ID + "org/ogp", ID + "org/ogp-support-unit"}, False),
    "list_posts": ({"organisation": ID + "org/oecd-wpog"}, "holder",
                   {ID + "person/katju-holkeri"}, True),
    "list_posts_of_person": ({}, "post", {ID + "post/oecd-wpog-chair",
                                          ID + "post/finland-governance-policy-unit-head"}, False),
    "list_predecessors": ({}, "earlier", {ID + "org/ogp-lowg"}, False),
    "list_publications_by_organisation": ({}, "publication",
                                          {ID + "publication/oecd-luxembourg-declaration"}, False),
    "list_publications_by_theme": ({}, "publication",
                                   {ID + "publication/oecd-practical-guide-civic-space",
                                    ID + "publication/oecd-report-protection-promotion-civic-space"},
                                   False),
    "list_scheme_concepts": ({}, "concept", {THEME + "trust"}, False),
    "list_shared_organisations": ({}, "organisation", {ID + "org/ogp"}, True),
    "list_source_statements": ({}, "quote",
                               {"The theme for 2024 is “artificial intelligence and openness”."},
                               False),
    "list_sub_organisations": ({}, "unit", {ID + "org/oecd-wpog"}, False),
    "search_labels": ({"text": "wpog"}, "entity", {ID + "org/oecd-wpog"}, False),
}


@pytest.fixture(scope="module")
def curated() -> OxigraphStore:
    """The ontology, schemes and data/ in memory (read-only for every test of this file)."""
    store = OxigraphStore()
    sync_project(store, Settings(store_path=None, project_root=PROJECT))
    return store


@pytest.fixture
def client(curated: OxigraphStore) -> Iterator[TestClient]:
    app = create_app(Settings(store_path=None, project_root=PROJECT), store=curated)
    with TestClient(app) as test_client:
        yield test_client


def values_of(answer: dict[str, Any], variable: str) -> list[str]:
    return [row[variable]["value"] for row in answer["results"]["bindings"] if variable in row]


def test_there_are_at_least_20_named_queries_each_with_a_known_answer() -> None:
    assert len(QUERIES) >= 20
    assert sorted(KNOWN) == sorted(p.stem for p in QUERIES)
    catalogue = load_named_queries(PROJECT / "sparql")
    for query in catalogue.values():
        assert query.summary and query.tags, query.name


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_every_named_query_gives_the_answer_of_the_sources(client: TestClient,
                                                           path: Path) -> None:
    parameters, variable, expected, exact = KNOWN[path.stem]
    query = load_named_queries(PROJECT / "sparql")[path.stem]
    if query.kind.value == "graph":
        response = client.get(f"/api/queries/{path.stem}", params=parameters,
                              headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, response.text
        triples = {(str(t.subject.value), str(t.predicate.value), str(t.object.value))
                   for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)}
        assert expected <= triples
        return
    response = client.get(f"/api/queries/{path.stem}", params=parameters)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/sparql-results+json"
    answer = response.json()
    if query.kind.value == "ask":
        assert answer["boolean"] is expected
        return
    found = set(values_of(answer, variable))
    if exact:
        assert found == expected
    else:
        assert expected <= found, f"missing {expected - found}"


def test_search_puts_the_exact_match_first(client: TestClient) -> None:
    answer = client.get("/api/queries/search_labels", params={"text": "WPOG"}).json()
    assert values_of(answer, "entity")[0] == ID + "org/oecd-wpog"


def test_an_entity_without_source_is_found(curated: OxigraphStore) -> None:
    store = OxigraphStore()
    store.raw.extend(curated.raw)
    store.update(f"INSERT DATA {{ GRAPH <urn:test> {{ <{ID}org/nowhere> a <{OGK}Organisation> }} }}")
    app = create_app(Settings(store_path=None, project_root=PROJECT), store=store)
    with TestClient(app) as test_client:
        answer = test_client.get("/api/queries/find_unsourced_entities").json()
    assert values_of(answer, "entity") == [ID + "org/nowhere"]


# -- parameters are RDF terms, never text -----------------------------------------------
HOSTILE_TEXT = [
    '") } } DELETE WHERE { ?s ?p ?o } #',
    "wpog' } UNION { ?entity ?p ?matched } #",
    "\\\" . } SELECT * WHERE { ?s ?p ?o } #",
    "}\nDROP ALL",
]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_a_string_parameter_is_one_literal_whatever_it_holds(client: TestClient,
                                                             curated: OxigraphStore,
                                                             text: str) -> None:
    before = len(curated.raw)
    response = client.get("/api/queries/search_labels", params={"text": text})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []
    assert len(curated.raw) == before


@pytest.mark.parametrize("value", [
    ID + "org/ogp-lowg> } UNION { ?member ?p ?o } #",
    f"{ID}org/ogp-lowg>",
    "<" + ID + "org/ogp-lowg>",
    "ogp-lowg",
    f"{ID}org/ogp lowg",
])
def test_an_iri_parameter_that_is_not_an_iri_is_refused(client: TestClient, value: str) -> None:
    response = client.get("/api/queries/list_members", params={"body": value})
    assert response.status_code == 400
    assert "parameter body" in response.text and "IRI" in response.text


@pytest.mark.parametrize("value", ["2024) || true", "2024 } UNION { ?e ?p ?o }", "twenty", ""])
def test_a_typed_parameter_must_be_of_its_type(client: TestClient, value: str) -> None:
    response = client.get("/api/queries/find_events", params={"year": value})
    assert response.status_code == 400
    assert "xsd:integer" in response.text


def test_unknown_missing_and_repeated_parameters(client: TestClient) -> None:
    response = client.get("/api/queries/list_members", params={"colour": "red"})
    assert response.status_code == 400 and "no parameter colour" in response.text
    response = client.get("/api/queries/list_members?body=a:b&body=c:d")
    assert response.status_code == 400 and "more than once" in response.text
    response = client.get("/api/queries/nothing_like_this")
    assert response.status_code == 404 and "/api/queries" in response.text


def test_pages_and_their_links(client: TestClient) -> None:
    first = client.get("/api/queries/list_scheme_concepts")
    assert first.status_code == 200  # not paginated: no Link
    assert "link" not in first.headers
    page_one = client.get("/api/queries/list_members")
    assert 'rel="next"' in page_one.headers["link"]
    assert "page=2" in page_one.headers["link"]
    page_two = client.get("/api/queries/list_members", params={"page": "2"})
    assert page_two.json()["results"]["bindings"] == []
    assert 'rel="prev"' in page_two.headers["link"]
    assert client.get("/api/queries/list_members", params={"page": "0"}).status_code == 400
    assert client.get("/api/queries/list_scheme_concepts",
                      params={"page": "2"}).status_code == 400


def test_answers_are_negotiated(client: TestClient) -> None:
    csv = client.get("/api/queries/list_members", headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.text.startswith("member,memberLabel")
    turtle = client.get("/api/queries/construct_source_graph",
                        headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    refused = client.get("/api/queries/list_members", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_the_catalogue_and_the_openapi_document_list_every_query(client: TestClient) -> None:
    listed = client.get("/api/queries").json()
    assert [q["name"] for q in listed] == [p.stem for p in QUERIES]
    members = next(q for q in listed if q["name"] == "list_members")
    assert members["parameters"] == [{"name": "body", "type": "iri", "required": True,
                                      "default": ID + "org/ogp-lowg"}]
    assert members["pagination"] == 100
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in QUERIES:
        operation = paths[f"/api/queries/{path.stem}"]["get"]
        assert operation["summary"]
    events = paths["/api/queries/find_events"]["get"]["parameters"]
    assert {p["name"]: p["schema"]["type"] for p in events} == {
        "theme": "string", "place": "string", "year": "integer", "page": "integer"}


# -- headers --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("SELECT * WHERE { ?s ?p ?o }", r"no #\+ header"),
    ("#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }", "not YAML"),
    ("#+ summary: s\n#+ colour: red\nSELECT * WHERE { ?s ?p ?o }", "unknown decorator colour"),
    ("#+ tags: [a]\nSELECT * WHERE { ?s ?p ?o }", "needs a summary"),
    ("#+ summary: s\n#+ defaults:\n#+   - x: 1\nSELECT * WHERE { ?s ?p ?_y_iri }",
     "default is given for x"),
    ("#+ summary: s\nSELECT * WHERE { ?s ?p ?_y_colour }", "unknown parameter type"),
    ("#+ summary: s\n#+ pagination: 10\nSELECT * WHERE { ?s ?p ?o } LIMIT 5", "own LIMIT"),
    ("#+ summary: s\n#+ pagination: -1\nSELECT * WHERE { ?s ?p ?o }", "positive"),
    ("#+ summary: s\n#+ defaults:\n#+   - y: seven\nSELECT * WHERE { ?s ?p ?_y_integer }",
     "bad default"),
    ("#+ summary: s\nINSERT DATA { <a:b> <a:b> <a:b> }", "not a SELECT"),
])
def test_a_bad_named_query_is_an_error_with_its_place(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as raised:
        parse_named_query_text("bad_query", text, file=Path("sparql/bad_query.rq"))
    assert str(raised.value).startswith("sparql/bad_query.rq")


def test_a_header_error_names_its_line() -> None:
    with pytest.raises(InputError, match=r"^sparql/q\.rq:3: unknown decorator"):
        parse_named_query_text("q", "#+ summary: s\n#+ tags: [a]\n#+ colour: red\nASK {}",
                               file=Path("sparql/q.rq"))
    with pytest.raises(InputError, match=r"^sparql/q\.rq:3: .*unknown parameter type"):
        parse_named_query_text("q", "#+ summary: s\nSELECT * WHERE {\n ?s ?p ?_y_colour }",
                               file=Path("sparql/q.rq"))


def test_parameter_types_follow_grlc() -> None:
    query = parse_named_query_text("typed", """#+ summary: typed
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT * WHERE { ?s ?p ?_org_iri , ?_name_en , ?_day_xsd_date , ?__label , ?_n_integer }""")
    kinds = {p.name: (p.type_name, p.required) for p in query.parameters}
    assert kinds == {"org": ("iri", True), "name": ("@en", True), "day": ("xsd:date", True),
                     "label": ("string", False), "n": ("xsd:integer", True)}
    text = query.bind({"org": "http://e/x", "name": 'a "b"', "day": "2024-09-04", "n": "7"})
    assert '"a \\"b\\""@en' in text
    assert '"2024-09-04"^^<http://www.w3.org/2001/XMLSchema#date>' in text
    with pytest.raises(UsageError, match="needs the parameter org"):
        query.bind({"name": "x", "day": "2024-09-04", "n": "7"})
    with pytest.raises(UsageError, match="xsd:date"):
        query.bind({"org": "http://e/x", "name": "x", "day": "2024-13-40", "n": "7"})


# -- the command line ---------------------------------------------------------------------
def test_the_cli_runs_a_named_query(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store = OxigraphStore(tmp_path / "store")
    sync_project(store, Settings(store_path=None, project_root=PROJECT))
    store.close()
    monkeypatch.setenv("GRAPHKIT_PROJECT_ROOT", str(PROJECT))
    code = main(["query", "--store", str(tmp_path / "store"), "--named", "list_members",
                 "--param", f"body={ID}org/ogp-lowg", "--format", "json"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(values_of(answer, "member")) == {ID + "org/congress-of-chile", ID + "org/ndi"}
    assert main(["query", "--store", str(tmp_path / "store"), "--named", "list_members",
                 "--param", "body=not-an-iri"]) == 2
    assert "parameter body" in capsys.readouterr().err
    assert main(["query", "--store", str(tmp_path / "store"), "--named", "no_such"]) == 2
    assert main(["query", "--store", str(tmp_path / "store")]) == 2
