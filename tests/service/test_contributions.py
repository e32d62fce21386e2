"""The contribution workflow over HTTP: /api/validate, /api/contributions, /contribute."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from graphkit.contributions import list_contributions
from graphkit.errors import StoreError
from graphkit.formats import RdfFormat
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, Store
from graphkit.stores.remote import RemoteStore
from service.app import create_app
from tests.service.browser import chromium_tab
from tests.service.live import live_server
from tests.support import PROJECT, value

if TYPE_CHECKING:
    from schemathesis.core.result import Ok

TOKEN = "contribution-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/ogkg/"
PREFIXES = """@prefix ogk: <https://w3id.org/ogkg/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix id: <https://w3id.org/ogkg/id/> .
"""
# a source document, and an organisation that cites it: no violation
GOOD = PREFIXES + """
<https://w3id.org/ogkg/id/source/test-page> a ogk:SourceDocument ;
    rdfs:label "Test page"@en ; dcterms:title "Test page"@en .
<https://w3id.org/ogkg/id/org/test-council> a ogk:Organisation ;
    rdfs:label "Test Council"@en ;
    prov:wasDerivedFrom <https://w3id.org/ogkg/id/source/test-page> .
"""
# no source, and a parent that is defined nowhere: violations
BAD = PREFIXES + """
<https://w3id.org/ogkg/id/org/lonely-council> a ogk:Organisation ;
    rdfs:label "Lonely Council"@en ;
    org:subOrganizationOf <https://w3id.org/ogkg/id/org/nowhere-at-all> .
"""
ORGANISATIONS_CSV = (
    "name,acronym,source,source_title,quote\n"
    "Test Network Council,TNC,https://example.org/tnc,TNC home page,"
    "The Test Network Council was set up.\n")


def make_store() -> OxigraphStore:
    """A store holding the schemes, so references to concepts resolve."""
    store = OxigraphStore()
    for path in sorted((PROJECT / "ontology" / "schemes").glob("*.ttl")):
        store.load(path, format=RdfFormat.TURTLE, graph=f"{BASE}graph/schemes/{path.stem}")
    return store


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    with make_store() as store:
        yield store


@pytest.fixture
def client(store: OxigraphStore) -> Iterator[TestClient]:
    settings = Settings(store_path=None, write_token=TOKEN, max_body_bytes=64_000)
    with TestClient(create_app(settings, store=store)) as client:
        yield client


def dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(out, format=RdfFormat.N_QUADS)
    return b"\n".join(sorted(out.getvalue().splitlines()))


def graph_names(store: OxigraphStore) -> set[str | None]:
    return {info.name for info in store.graphs()}


# -- /api/validate --------------------------------------------------------------------------
def test_validate_conforming_turtle_answers_json_report(client: TestClient) -> None:
    answer = client.post("/api/validate", content=GOOD,
                         headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["conforms"] is True
    assert report["violations"] == 0


def test_validate_violations_name_entity_and_link_it(client: TestClient) -> None:
    answer = client.post("/api/validate", content=BAD,
                         headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 200
    report = answer.json()
    assert report["conforms"] is False and report["violations"] >= 2
    lonely = [f for f in report["findings"]
              if f["focus"] == f"{BASE}id/org/lonely-council"]
    assert {f["path"] for f in lonely} >= {"http://www.w3.org/ns/prov#wasDerivedFrom",
                                           "http://www.w3.org/ns/org#subOrganizationOf"}
    assert all(f["href"] == "/id/org/lonely-council" for f in lonely)
    assert all(f["message"] for f in lonely)


@pytest.mark.parametrize("accept,format", [("text/turtle", "turtle"),
                                           ("application/ld+json", "json-ld")])
def test_validate_answers_shacl_results_graph_by_accept(client: TestClient, accept: str,
                                                        format: str) -> None:
    answer = client.post("/api/validate", content=BAD,
                         headers={"Content-Type": "text/turtle", "Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=answer.content, format=format)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    reports = list(graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert len(reports) == 1
    assert graph.value(reports[0], sh.conforms) == rdflib.Literal(False)
    focus = set(graph.objects(None, sh.focusNode))
    assert rdflib.URIRef(f"{BASE}id/org/lonely-council") in focus


@pytest.mark.parametrize("content_type,body", [
    ("application/n-triples", ('<https://w3id.org/ogkg/id/org/x> '
     '<http://www.w3.org/2000/01/rdf-schema#label> "X"@en .')),
    ("application/ld+json", ('{"@id": "https://w3id.org/ogkg/id/org/x", '
     '"http://www.w3.org/2000/01/rdf-schema#label": {"@value": "X", "@language": "en"}}')),
    ("application/rdf+xml", ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
     ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description '
     'rdf:about="https://w3id.org/ogkg/id/org/x"><rdfs:label xml:lang="en">X</rdfs:label>'
     '</rdf:Description></rdf:RDF>')),
    ("application/trig", ('<https://example.org/g> { <https://w3id.org/ogkg/id/org/x> '
     '<http://www.w3.org/2000/01/rdf-schema#label> "X"@en . }')),
])
def test_validate_reads_every_rdf_syntax(client: TestClient, content_type: str,
                                         body: str) -> None:
    answer = client.post("/api/validate", content=body,
                         headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text
    assert answer.json()["conforms"] is True


def test_validate_honours_charset(client: TestClient) -> None:
    text = BAD.replace('"Lonely Council"@en', '"Conseil d\'\u00e9t\u00e9"@en')
    answer = client.post("/api/validate", content=text.encode("iso-8859-1"),
                         headers={"Content-Type": "text/turtle; charset=ISO-8859-1"})
    assert answer.status_code == 200, answer.text
    labels = {f.get("label") for f in answer.json()["findings"]}
    assert "Conseil d'\u00e9t\u00e9" in labels
    wrong = client.post("/api/validate", content=text.encode("iso-8859-1"),
                        headers={"Content-Type": "text/turtle"})
    assert wrong.status_code == 400


def test_validate_reads_a_csv_template(client: TestClient) -> None:
    answer = client.post("/api/validate", content=ORGANISATIONS_CSV,
                         headers={"Content-Type": "text/csv; charset=utf-8"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["conforms"] is True


def test_bad_csv_is_400_with_row_and_column(client: TestClient) -> None:
    body = "name,founded,source,source_title\nX,2019-13,https://example.org/x,X page\n"
    answer = client.post("/api/validate?template=organisations", content=body,
                         headers={"Content-Type": "text/csv"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problems = answer.json()["problems"]
    assert {"row": 2, "column": "founded"}.items() <= problems[0].items()


def test_unparseable_is_400_naming_line_and_column(client: TestClient) -> None:
    body = PREFIXES + '<https://w3id.org/ogkg/id/org/x> rdfs:label "X"@en ;\n  rdfs:label "Y .\n'
    answer = client.post("/api/validate", content=body, headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["problems"][0]["line"] == PREFIXES.count("\n") + 2
    assert problem["problems"][0]["column"] >= 1
    assert "line" in problem["detail"] and "column" in problem["detail"]


def test_empty_body_is_400(client: TestClient) -> None:
    for path, headers in (("/api/validate", {}), ("/api/contributions", AUTH)):
        answer = client.post(path, content=b"  \n",
                             headers={"Content-Type": "text/turtle", **headers})
        assert answer.status_code == 400, path
        assert "empty" in answer.json()["detail"]


def test_unsupported_media_type_is_415(client: TestClient) -> None:
    answer = client.post("/api/validate", content=b"\x89PNG",
                         headers={"Content-Type": "image/png"})
    assert answer.status_code == 415
    assert "text/turtle" in answer.json()["accepted"]


def test_body_over_the_limit_is_413(client: TestClient, store: OxigraphStore) -> None:
    before = dump(store)
    big = GOOD + "#" + "x" * 70_000 + "\n"
    for path, headers in (("/api/validate", {}), ("/api/contributions", AUTH)):
        answer = client.post(path, content=big,
                             headers={"Content-Type": "text/turtle", **headers})
        assert answer.status_code == 413, path
    assert dump(store) == before


# -- /api/contributions ---------------------------------------------------------------------
def test_contribute_stores_graph_and_prov_record(client: TestClient,
                                                 store: OxigraphStore) -> None:
    answer = client.post("/api/contributions?contributor=Ada%20Lovelace&comment=first"
                         "&source=https://example.org/list", content=GOOD,
                         headers={"Content-Type": "text/turtle", **AUTH})
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert answer.headers["location"].endswith(f"/api/contributions/{record['id']}")
    graph = f"{BASE}graph/contribution/{record['id']}"
    assert record["graph"] == graph and record["status"] == "accepted"
    stored = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    expected = {ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(GOOD.encode(), format=ox.RdfFormat.TURTLE)}
    assert set(stored) == expected
    assert record["triples"] == len(expected)
    prov = "http://www.w3.org/ns/prov#"
    assert store.query(f"""ASK {{ GRAPH <{BASE}graph/meta> {{
        <{graph}> a <{prov}Entity> ; <{prov}wasAttributedTo> ?who ;
            <{prov}generatedAtTime> ?t ; <{prov}hadPrimarySource> <https://example.org/list> ;
            <http://www.w3.org/2000/01/rdf-schema#comment> "first"@en .
        ?who <http://www.w3.org/2000/01/rdf-schema#label> "Ada Lovelace"@en . }} }}""").boolean
    one = client.get(answer.headers["location"]).json()
    assert one["contributor"] == "Ada Lovelace" and one["source"] == "https://example.org/list"
    assert one["summary"]["violations"] == 0 and one["summary"]["conforms"] is True
    listed = client.get("/api/contributions").json()["contributions"]
    assert [c["id"] for c in listed] == [record["id"]]


def test_non_conforming_contribution_is_422_and_nothing_stored(
        client: TestClient, store: OxigraphStore) -> None:
    before = dump(store)
    answer = client.post("/api/contributions", content=BAD,
                         headers={"Content-Type": "text/turtle", **AUTH})
    assert answer.status_code == 422
    report = answer.json()["report"]
    assert report["conforms"] is False and report["violations"] >= 2
    assert dump(store) == before
    assert client.get("/api/contributions").json()["contributions"] == []


def _validation_failures(client: TestClient) -> int:
    """``graphkit_validation_failures_total`` as ``/metrics`` shows it."""
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("graphkit_validation_failures_total "):
            return int(float(line.split()[1]))
    raise AssertionError("/metrics shows no graphkit_validation_failures_total")


def test_a_refused_contribution_counts_its_violations_in_the_metrics(
        client: TestClient) -> None:
    assert _validation_failures(client) == 0
    turtle = {"Content-Type": "text/turtle", **AUTH}
    assert client.post("/api/contributions", content=GOOD, headers=turtle).status_code == 201
    assert _validation_failures(client) == 0
    refused = client.post("/api/contributions", content=BAD, headers=turtle)
    assert refused.status_code == 422
    violations = refused.json()["report"]["violations"]
    assert violations >= 2 and _validation_failures(client) == violations
    page = client.post("/contribute", data={"action": "contribute", "token": TOKEN},
                       files={"file": ("bad.ttl", BAD.encode(), "text/turtle")})
    assert page.status_code == 422
    assert _validation_failures(client) == 2 * violations


def test_contribution_validates_against_the_store(client: TestClient) -> None:
    parent = GOOD.replace("test-council", "test-parent").replace("Test Council",
                                                                "Test Parent")
    child = PREFIXES + """
<https://w3id.org/ogkg/id/org/test-child> a ogk:Organisation ; rdfs:label "Test Child"@en ;
    org:subOrganizationOf <https://w3id.org/ogkg/id/org/test-parent> ;
    prov:wasDerivedFrom <https://w3id.org/ogkg/id/source/test-page> .
"""
    turtle = {"Content-Type": "text/turtle", **AUTH}
    assert client.post("/api/contributions", content=child, headers=turtle).status_code == 422
    assert client.post("/api/contributions", content=parent, headers=turtle).status_code == 201
    assert client.post("/api/contributions", content=child, headers=turtle).status_code == 201


def test_contributions_need_the_token(client: TestClient, store: OxigraphStore) -> None:
    before = dump(store)
    answer = client.post("/api/contributions", content=GOOD,
                         headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 401
    wrong = client.post("/api/contributions", content=GOOD,
                        headers={"Content-Type": "text/turtle",
                                 "Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert dump(store) == before


def test_withdraw_removes_graph_and_keeps_record(client: TestClient,
                                                store: OxigraphStore) -> None:
    created = client.post("/api/contributions?contributor=Ada", content=GOOD,
                          headers={"Content-Type": "text/turtle", **AUTH}).json()
    graph = created["graph"]
    assert graph in graph_names(store)
    url = f"/api/contributions/{created['id']}"
    assert client.delete(url).status_code == 401
    withdrawn = client.delete(url, headers=AUTH)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["withdrawn"]
    assert graph not in graph_names(store)
    assert not store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").boolean
    record = client.get(url).json()
    assert record["status"] == "withdrawn" and record["contributor"] == "Ada"
    assert client.delete(url, headers=AUTH).json()["status"] == "withdrawn"


def test_unknown_contribution_is_404(client: TestClient) -> None:
    assert client.get("/api/contributions/20260101-00000000").status_code == 404
    assert client.get("/api/contributions/NOT%20AN%20ID").status_code == 404
    assert client.delete("/api/contributions/20260101-00000000",
                         headers=AUTH).status_code == 404


def test_failure_half_way_leaves_the_store_as_before(
        client: TestClient, store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    client.post("/api/contributions", content=GOOD.replace("test-council", "earlier"),
                headers={"Content-Type": "text/turtle", **AUTH})
    before, names = dump(store), graph_names(store)
    real_load = store.load
    calls = []

    def failing_load(source: bytes, **options: Any) -> None:  # Store.load's options
        calls.append(options.get("format"))
        # the one write of data and record fails half-way (a store whose load is not
        # atomic): what reached the store must be taken back
        lines = source.splitlines(keepends=True)
        real_load(b"".join(lines[: len(lines) // 2]), **options)
        raise StoreError("disk full (injected)")

    monkeypatch.setattr(store, "load", failing_load)
    answer = client.post("/api/contributions", content=GOOD,
                         headers={"Content-Type": "text/turtle", **AUTH})
    assert answer.status_code == 500
    assert "nothing was stored" in answer.json()["detail"]
    assert calls == [RdfFormat.N_QUADS]  # data and record in one load
    assert dump(store) == before
    assert graph_names(store) == names


# -- the page -------------------------------------------------------------------------------
def test_page_validates_an_upload_into_a_linked_table(client: TestClient) -> None:
    page = client.get("/contribute")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    answer = client.post("/contribute", data={"action": "validate"},
                         files={"file": ("bad.ttl", BAD.encode(), "application/octet-stream")})
    assert answer.status_code == 200
    assert '<table id="report">' in answer.text
    assert 'href="/id/org/lonely-council"' in answer.text


def test_page_hands_in_with_the_token(client: TestClient) -> None:
    files = {"file": ("orgs.csv", ORGANISATIONS_CSV.encode(), "text/csv")}
    refused = client.post("/contribute", data={"action": "contribute"}, files=files)
    assert refused.status_code == 401
    answer = client.post("/contribute", files=files,
                         data={"action": "contribute", "token": TOKEN, "contributor": "Ada"})
    assert answer.status_code == 201, answer.text
    listed = client.get("/api/contributions").json()["contributions"]
    assert len(listed) == 1 and listed[0]["contributor"] == "Ada"
    page = client.get("/contribute").text
    assert f'href="/api/contributions/{listed[0]["id"]}"' in page and "Ada" in page


def test_page_refuses_an_upload_over_the_limit(client: TestClient,
                                               store: OxigraphStore) -> None:
    before = dump(store)
    big = (GOOD + "#" + "x" * 70_000 + "\n").encode()
    answer = client.post("/contribute", data={"action": "contribute", "token": TOKEN},
                         files={"file": ("big.ttl", big, "text/turtle")})
    assert answer.status_code == 413
    assert "larger than" in answer.text
    assert dump(store) == before


def test_page_shows_where_a_file_does_not_parse(client: TestClient) -> None:
    answer = client.post("/contribute", data={"action": "validate"},
                         files={"file": ("bad.ttl", b"<a> <b> .", "text/turtle")})
    assert answer.status_code == 400
    assert "line 1" in answer.text
    empty = client.post("/contribute", data={"action": "validate"},
                        files={"file": ("empty.ttl", b"\n", "text/turtle")})
    assert empty.status_code == 400 and "empty.ttl is empty" in empty.text


@pytest.mark.parametrize("name", ["organisations", "people", "memberships", "events",
                                  "publications"])
def test_templates_download(client: TestClient, name: str) -> None:
    page = client.get("/contribute")
    assert f'href="/contribute/templates/{name}.csv"' in page.text
    answer = client.get(f"/contribute/templates/{name}.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    header = answer.text.splitlines()[0].split(",")
    assert "source" in header


def test_blank_nodes_of_two_contributions_stay_apart(client: TestClient,
                                                      store: OxigraphStore) -> None:
    evidence = """<https://w3id.org/ogkg/id/org/{slug}> prov:qualifiedDerivation _:d0 .
_:d0 a prov:Derivation ; prov:entity <https://w3id.org/ogkg/id/source/test-page> ;
    ogk:quote "{quote}"@en .
"""
    first = GOOD + evidence.format(slug="test-council", quote="A")
    second = GOOD.replace("test-council", "other-council").replace(
        "Test Council", "Other Council") + evidence.format(slug="other-council", quote="B")
    for body in (first, second):
        answer = client.post("/api/contributions", content=body,
                             headers={"Content-Type": "text/turtle", **AUTH})
        assert answer.status_code == 201, answer.text
    rows = list(store.query("SELECT ?d (COUNT(?q) AS ?n) WHERE { "
                            "?d <https://w3id.org/ogkg/ns#quote> ?q } GROUP BY ?d").rows())
    assert sorted(int(value(row["n"])) for row in rows) == [1, 1]


@pytest.mark.browser
def test_page_works_in_a_browser_without_javascript(tmp_path: Path) -> None:
    (tmp_path / "bad.ttl").write_text(BAD, encoding="utf-8")
    (tmp_path / "orgs.csv").write_text(ORGANISATIONS_CSV, encoding="utf-8")
    settings = Settings(store_path=None, write_token=TOKEN)
    with make_store() as store, live_server(create_app(settings, store=store)) as url, \
            chromium_tab(timeout_ms=15_000, javascript=False) as tab:
        tab.goto(f"{url}/contribute")
        tab.set_input_files("#file", str(tmp_path / "bad.ttl"))
        tab.click("button[value=validate]")
        link = tab.locator("#report a[href='/id/org/lonely-council']").first
        assert link.inner_text() == "Lonely Council"
        assert "does not fit" in tab.locator("#report-heading").inner_text()
        tab.set_input_files("#file", str(tmp_path / "orgs.csv"))
        tab.fill("#contributor", "Ada")
        tab.fill("#token", TOKEN)
        tab.click("button[value=contribute]")
        assert "Stored" in tab.locator("#stored-heading").inner_text()
        assert [c.contributor for c in list_contributions(store, base_iri=BASE)] == ["Ada"]


# -- the records on every backend -----------------------------------------------------------
def test_records_and_withdrawal_on_every_backend(any_store: Store) -> None:
    from graphkit.contributions import get_contribution, store_contribution, withdraw

    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(GOOD.encode(), format=ox.RdfFormat.TURTLE)]
    summary: dict[str, int | bool] = {"conforms": True, "violations": 0, "warnings": 1,
                                      "infos": 0}
    made = store_contribution(any_store, triples, base_iri=BASE, contributor="Ada",
                              summary=summary, source="a list", comment="hello")
    assert get_contribution(any_store, made.id, base_iri=BASE) == made
    assert made.triples == len(triples) and made.summary == summary
    assert any_store.query(f"ASK {{ GRAPH <{made.graph}> {{ ?s ?p ?o }} }}").boolean
    gone = withdraw(any_store, made.id, base_iri=BASE)
    assert gone.status == "withdrawn" and gone.withdrawn is not None
    assert not any_store.query(f"ASK {{ GRAPH <{made.graph}> {{ ?s ?p ?o }} }}").boolean
    assert [c.id for c in list_contributions(any_store, base_iri=BASE)] == [made.id]


def test_failed_write_is_undone_on_every_backend(any_store: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from graphkit.contributions import store_contribution

    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(GOOD.encode(), format=ox.RdfFormat.TURTLE)]
    summary: dict[str, int | bool] = {"conforms": True, "violations": 0}
    store_contribution(any_store, triples, base_iri=BASE, contributor="first", summary=summary)
    before = {(info.name, info.triples) for info in any_store.graphs()}
    real_load = any_store.load

    def failing_load(source: bytes, **options: Any) -> None:  # Store.load's options
        lines = source.splitlines(keepends=True)  # data and record, cut half-way
        real_load(b"".join(lines[: len(lines) // 2]), **options)
        raise StoreError("connection lost (injected)")

    monkeypatch.setattr(any_store, "load", failing_load)
    if isinstance(any_store, RemoteStore):  # one INSERT DATA there, not load: cut it too
        real_insert = any_store.insert_atomically

        def failing_insert(quads: list[ox.Quad]) -> None:
            real_insert(quads[: len(quads) // 2])
            raise StoreError("connection lost (injected)")

        monkeypatch.setattr(any_store, "insert_atomically", failing_insert)
    with pytest.raises(StoreError):
        store_contribution(any_store, triples, base_iri=BASE, contributor="second",
                           summary=summary)
    assert {(info.name, info.triples) for info in any_store.graphs()} == before


# -- hostile input on these routes ---------------------------------------------------------
def test_routes_survive_generated_requests() -> None:
    """schemathesis over the OpenAPI operations of these routes: no 5xx, nothing stored
    without the token."""
    import schemathesis

    with make_store() as store:
        app = create_app(Settings(store_path=None, write_token=TOKEN, max_body_bytes=64_000),
                         store=store)
        before = dump(store)
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        # the app's own schema parses: every result is an Ok (an Err has no .ok())
        operations = [cast("Ok[Any]", result).ok() for result in schema.get_all_operations()]
        mine = [op for op in operations
                if op.path.startswith(("/api/validate", "/api/contributions", "/contribute"))]
        assert len(mine) == 6
        for operation in mine:
            _sweep(operation)
        assert dump(store) == before


def _sweep(operation: Any) -> None:
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.generation import GenerationMode

    @hypothesis_settings(max_examples=10, deadline=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def call(case: Any) -> None:
        response = case.call()
        assert response.status_code < 500, (operation.label, response.text[:300])
        assert "Traceback" not in response.text

    call()


MEDIA_TYPES = ["text/turtle", "application/trig", "application/n-triples",
               "application/ld+json", "application/rdf+xml", "text/csv",
               "text/turtle; charset=utf-16", "text/csv; charset=latin-1",
               "text/turtle; charset=nonsense"]


def test_random_bodies_are_stored_whole_or_refused_clearly() -> None:
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    with make_store() as store:
        app = create_app(Settings(store_path=None, write_token=TOKEN, max_body_bytes=64_000),
                         store=store)
        client = TestClient(app, raise_server_exceptions=False)
        state = {"dump": dump(store)}

        @hypothesis_settings(max_examples=60, deadline=None, derandomize=True,
                             suppress_health_check=list(HealthCheck))
        @given(body=st.one_of(st.binary(max_size=300),
                              st.text(alphabet="<>\"@;,._:[]{}()#/\n aéz01-", max_size=200
                                      ).map(str.encode)),
               media=st.sampled_from(MEDIA_TYPES))
        def call(body: bytes, media: str) -> None:
            answer = client.post("/api/contributions", content=body,
                                 headers={"Content-Type": media, **AUTH})
            assert answer.status_code in (201, 400, 415, 422), (media, body, answer.text[:300])
            if answer.status_code == 201:  # it happened to be conforming RDF
                state["dump"] = dump(store)
                return
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert dump(store) == state["dump"]  # refused: nothing written

        call()
