"""Importers: CSV templates and Popolo JSON, mapped to RDF that validates."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from graphkit.cli import main
from graphkit.errors import ConversionError, InputError
from graphkit.importers import ImportResult, Vocabulary, date_literal, slugify
from graphkit.importers.csv import import_csv, import_csv_file
from graphkit.importers.csv_templates import TEMPLATES, template_dir
from graphkit.importers.popolo import SourceInfo, import_popolo, popolo_to_rdf
from graphkit.stores import OxigraphStore
from graphkit.validation import validate
from tests.support import PROJECT, shared_path, value

BASE = "https://w3id.org/ogkg/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
IDENTIFIER = "http://purl.org/dc/terms/identifier"
DATA = sorted((PROJECT / "data").glob("*.ttl"))
EXAMPLES = ("external-data", "popolo", "popolo-spec-examples", "examples")
#: The Popolo classes the importer reads, by example file.
READ = {"person": "ogk:Person", "organization": "ogk:Organisation", "post": "org:Post",
        "membership": "org:Membership", "event": "ogk:Event", "area": "ogk:Place",
        "metadata": "ogk:Person", "name-component": "ogk:Person"}
NOT_READ = {"contact_detail": "ContactDetail", "count": "Count", "motion": "Motion",
            "speech": "Speech", "vote": "Vote", "vote_event": "VoteEvent"}


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_files(PROJECT / "ontology" / "schemes", base_iri=BASE)


def violations(result: ImportResult, context: object = None) -> list[str]:
    report = validate(result.triples, context=context)
    return [f"{f.focus} {f.path}: {f.message}" for f in report.findings
            if f.severity.endswith("Violation")]


def subjects_of(result: ImportResult, cls: str) -> set[str]:
    return {value(t.subject) for t in result.triples
            if t.predicate.value == RDF_TYPE and value(t.object) == cls}


# -- shared helpers -------------------------------------------------------------------------
@pytest.mark.parametrize("name,slug", [
    ("Break O'Day Council", "break-oday-council"), ("Hernán Larraín", "hernan-larrain"),
    ("OECD Working Party on Open Government (WPOG)", "oecd-working-party-on-open-government-wpog"),
    ("Straße & Søn", "strasse-and-son"), ("7th Meeting", "7th-meeting"), ("東京", ""),
])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize("text,datatype", [
    ("2019", "gYear"), ("2019-07", "gYearMonth"), ("2019-07-22", "date"),
    ("2019-07-22T10:00:00Z", "dateTime"), ("2019-07-22 10:00", "date"),
    ("2019-02-30", None), ("2019-13", None), ("July 2019", None),
])
def test_date_literal(text: str, datatype: str | None) -> None:
    literal = date_literal(text)
    if datatype is None:
        assert literal is None
    else:
        assert literal is not None and literal.datatype.value.endswith("#" + datatype)


# -- CSV templates --------------------------------------------------------------------------
def example_row(name: str) -> dict[str, str]:
    """The template's documented examples, with ids and names of our own (the examples
    name curated entities, which the context already defines)."""
    row = {c.name: c.example for c in TEMPLATES[name].columns}
    if "id" in row:
        row["id"] = f"csv-test-{name}"
    for column in ("name", "title"):
        if column in row:
            row[column] = f"CSV test {name}"
    if name == "memberships":
        row.update({"member": "person/katju-holkeri", "organisation": "org/oecd-wpog",
                    "role": "member", "label": "Katju Holkeri, member of the OECD WPOG"})
    if name == "people":
        row.update({"post": "CSV test vice-chair", "post_role": "vice-chair"})
    return row


def as_csv(rows: list[dict[str, str]], header: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_documented_example_row_maps_and_validates(name: str, vocabulary: Vocabulary) -> None:
    text = as_csv([example_row(name)], TEMPLATES[name].headers)
    result = import_csv(text, template=name, vocabulary=vocabulary)
    assert result.counts["ogk:SourceDocument"] == 1
    assert violations(result, context=DATA) == []


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_is_told_by_its_header(name: str) -> None:
    text = as_csv([example_row(name)], TEMPLATES[name].headers)
    assert len(import_csv(text)) == len(import_csv(text, template=name))


def test_organisation_row_maps_to_the_curated_properties(vocabulary: Vocabulary) -> None:
    text = ("id,name,acronym,class,classification,parent,country,founded,themes,source,"
            "source_title,quote\n"
            "test-wp,Test Working Party,TWP,working-party,intergovernmental-organisation,"
            "org/oecd,place/france,2019-05,open-government,https://example.org/twp,"
            "TWP page,The TWP was created in May 2019.\n")
    result = import_csv(text, template="organisations", vocabulary=vocabulary)
    expected = rdflib.Graph().parse(format="turtle", data="""
@prefix ogk: <https://w3id.org/ogkg/ns#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/ogkg/id/org/test-wp> a ogk:WorkingParty ;
  rdfs:label "Test Working Party"@en ; skos:altLabel "TWP"@en ;
  org:classification <https://w3id.org/ogkg/scheme/organisation-types/intergovernmental-organisation> ;
  org:subOrganizationOf <https://w3id.org/ogkg/id/org/oecd> ;
  ogk:country <https://w3id.org/ogkg/id/place/france> ;
  schema:foundingDate "2019-05"^^xsd:gYearMonth ;
  ogk:theme <https://w3id.org/ogkg/scheme/themes/open-government> ;
  prov:wasDerivedFrom <https://w3id.org/ogkg/id/source/twp-page> ;
  prov:qualifiedDerivation [ a prov:Derivation ;
    prov:entity <https://w3id.org/ogkg/id/source/twp-page> ;
    ogk:quote "The TWP was created in May 2019."@en ] .
<https://w3id.org/ogkg/id/source/twp-page> a ogk:SourceDocument ;
  rdfs:label "TWP page"@en ; dcterms:title "TWP page"@en ;
  schema:url <https://example.org/twp> .
""")
    got = rdflib.Graph().parse(data=result.serialize().decode(), format="turtle")
    assert isomorphic(got, expected)


def test_membership_row_asserts_the_role_shortcut(vocabulary: Vocabulary) -> None:
    text = ("member,organisation,role,start,source,source_title\n"
            "org/ndi,org/ogp-lowg,co-chair,2013,https://example.org/lowg,LOWG page\n")
    result = import_csv(text, template="memberships", vocabulary=vocabulary)
    pairs = {(value(t.subject), t.predicate.value, value(t.object)) for t in result.triples}
    assert (f"{BASE}id/org/ndi", "https://w3id.org/ogkg/ns#coChairs",
            f"{BASE}id/org/ogp-lowg") in pairs
    assert (f"{BASE}id/org/ndi", "http://www.w3.org/ns/org#memberOf",
            f"{BASE}id/org/ogp-lowg") in pairs
    assert subjects_of(result, "http://www.w3.org/ns/org#Membership") == {
        f"{BASE}id/membership/ndi-in-ogp-lowg"}


def test_csv_errors_are_reported_by_row_and_column(vocabulary: Vocabulary) -> None:
    text = ("name,class,founded,themes,parent,source,source_title\n"
            "Good One,,2019,,,https://example.org/a,A page\n"
            ",committee,2019,,,https://example.org/a,A page\n"
            "Bad Dates,,2019-13,no-such-theme,org/Not A Slug,https://example.org/a,\n"
            "Bad Class,club,,,,ftp://example.org/x,X\n")
    with pytest.raises(ConversionError) as caught:
        import_csv(text, template="organisations", vocabulary=vocabulary)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(3, "name"), (4, "founded"), (4, "themes"), (4, "parent"),
                     (5, "class")}
    assert all(p.message for p in caught.value.problems)
    assert "row 3, column 'name'" in str(caught.value)


def test_csv_header_problems_name_the_column() -> None:
    with pytest.raises(ConversionError) as caught:
        import_csv("name,colour\nX,red\n", template="organisations")
    assert {(p.row, p.column) for p in caught.value.problems} == {(1, "colour"),
                                                                  (1, "source")}
    with pytest.raises(ConversionError, match="which template"):
        import_csv("colour\nred\n")
    with pytest.raises(InputError, match="unknown CSV template"):
        import_csv("name\nX\n", template="animals")


def test_csv_rows_with_new_source_need_its_title() -> None:
    with pytest.raises(ConversionError) as caught:
        import_csv("name,source\nX,https://example.org/x\n", template="people")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "source_title")]


def test_csv_duplicate_ids_are_refused() -> None:
    text = ("id,name,source,source_title\nsame,A,https://e.org/a,A\n"
            "same,B,https://e.org/a,A\n")
    with pytest.raises(ConversionError) as caught:
        import_csv(text, template="organisations")
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "id")]


def test_downloadable_templates_match_the_table() -> None:
    for name, template in TEMPLATES.items():
        path = template_dir() / f"{name}.csv"
        with path.open(encoding="utf-8") as stream:
            assert next(csv.reader(stream)) == template.headers, path


def test_docs_describe_every_column() -> None:
    text = (PROJECT / "docs" / "csv-templates.md").read_text(encoding="utf-8")
    for name, template in TEMPLATES.items():
        section = text.split(f"## {name}", 1)[1].split("\n## ", 1)[0]
        for column in template.columns:
            assert f"| `{column.name}` |" in section, (name, column.name)


def test_csv_file_takes_its_template_from_its_name(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,source,source_title\nJane Doe,https://e.org/p,People\n",
                    encoding="utf-8")
    result = import_csv_file(path, base_iri=BASE)
    assert subjects_of(result, "https://w3id.org/ogkg/ns#Person") == {
        f"{BASE}id/person/jane-doe"}
    (tmp_path / "latin.csv").write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        import_csv_file(tmp_path / "latin.csv", base_iri=BASE)


# -- Popolo ---------------------------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(READ))
def test_popolo_spec_example_arrives(name: str, vocabulary: Vocabulary) -> None:
    path = shared_path(*EXAMPLES, f"{name}.json")
    document = json.loads(path.read_text())
    result = import_popolo(path, base_iri=BASE, vocabulary=vocabulary)
    cls = READ[name]
    assert result.counts[cls] >= 1
    arrived = {(value(t.subject), value(t.object)) for t in result.triples
               if t.predicate.value == IDENTIFIER}
    if "id" in document:
        assert any(value == document["id"] for _, value in arrived)
    # every reference the example makes to an object it does not hold is reported
    for key in ("organization_id", "person_id", "parent_id", "post_id"):
        if key in document and name not in ("metadata",):
            assert any(repr(document[key]) in w for w in result.warnings), key


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(NOT_READ))
def test_popolo_classes_not_read_are_refused_clearly(name: str) -> None:
    path = shared_path(*EXAMPLES, f"{name}.json")
    with pytest.raises(ConversionError, match=NOT_READ[name]):
        import_popolo(path, base_iri=BASE)


@pytest.mark.shared
def test_popolo_spec_examples_together_validate(vocabulary: Vocabulary) -> None:
    folder = shared_path(*EXAMPLES)
    document = {plural: [json.loads((folder / f"{single}.json").read_text())]
                for single, plural in (("person", "persons"), ("organization", "organizations"),
                                       ("post", "posts"), ("membership", "memberships"),
                                       ("event", "events"), ("area", "areas"))}
    result = popolo_to_rdf(document, base_iri=BASE, vocabulary=vocabulary,
                           info=SourceInfo(slug="popolo-spec-examples", title="Popolo examples"))
    assert {k: result.counts[k] for k in ("ogk:Person", "ogk:Organisation", "org:Post",
                                          "org:Membership", "ogk:Event")} == {
        "ogk:Person": 1, "ogk:Organisation": 1, "org:Post": 1, "org:Membership": 1,
        "ogk:Event": 1}
    membership = subjects_of(result, "http://www.w3.org/ns/org#Membership").pop()
    links = {t.predicate.value: value(t.object) for t in result.triples
             if value(t.subject) == membership}
    assert links["http://www.w3.org/ns/org#member"] in subjects_of(
        result, "https://w3id.org/ogkg/ns#Person")
    assert links["http://www.w3.org/ns/org#organization"] == f"{BASE}id/org/abc-inc"
    assert violations(result) == []


@pytest.mark.shared
def test_tasmanian_councillors_all_arrive_and_validate(vocabulary: Vocabulary) -> None:
    path = shared_path("external-data", "popolo", "au-tas-councillors", "local_councillor_popolo.json")
    document = json.loads(path.read_text())
    result = import_popolo(path, base_iri=BASE, vocabulary=vocabulary)
    assert (len(document["persons"]), len(document["organizations"]),
            len(document["memberships"])) == (263, 33, 317)
    ids: dict[str, set[str]] = {}
    for t in result.triples:
        if t.predicate.value == IDENTIFIER:
            ids.setdefault(value(t.object), set()).add(value(t.subject))
    persons = subjects_of(result, "https://w3id.org/ogkg/ns#Person")
    organisations = subjects_of(result, "https://w3id.org/ogkg/ns#Organisation")
    memberships = subjects_of(result, "http://www.w3.org/ns/org#Membership")
    assert (len(persons), len(organisations), len(memberships)) == (263, 33, 317)
    for person in document["persons"]:
        assert ids[person["id"]] & persons, person["id"]
    for organisation in document["organizations"]:
        assert ids[organisation["id"]] & organisations, organisation["id"]
    member_of = Counter(value(t.subject) for t in result.triples
                        if t.predicate.value in ("http://www.w3.org/ns/org#member",
                                                 "http://www.w3.org/ns/org#organization"))
    assert all(member_of[m] == 2 for m in memberships)
    assert violations(result) == []


def test_popolo_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"persons": [\n  {"id": "a", "name": "A"},\n  {"id": }\n]}\n')
    with pytest.raises(ConversionError) as caught:
        import_popolo(path, base_iri=BASE)
    assert (caught.value.problems[0].line, caught.value.problems[0].column) == (3, 10)


def test_popolo_bad_date_is_refused_with_its_place() -> None:
    document = {"persons": [{"id": "p", "name": "P", "birth_date": "1st May"}]}
    with pytest.raises(ConversionError) as caught:
        popolo_to_rdf(document, base_iri=BASE, info=SourceInfo(slug="t", title="T"))
    assert caught.value.problems[0].path == "persons[0].birth_date"


# -- the command ----------------------------------------------------------------------------
def test_cli_import_csv_out_writes_turtle(tmp_path: Path) -> None:
    source = tmp_path / "organisations.csv"
    source.write_text("name,source,source_title\nTest Org,https://e.org/t,T page\n",
                      encoding="utf-8")
    out = tmp_path / "out" / "orgs.ttl"
    assert main(["import", "csv", str(source), "--out", str(out)]) == 0
    graph = rdflib.Graph().parse(out, format="turtle")
    assert (rdflib.URIRef(f"{BASE}id/org/test-org"), rdflib.RDFS.label,
            rdflib.Literal("Test Org", lang="en")) in graph


def test_cli_import_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"persons": [}')
    assert main(["import", "popolo", str(broken)]) == 2
    error = capsys.readouterr().err
    assert "line 1" in error and "column 14" in error and len(error.splitlines()) == 1


def test_cli_import_load_stores_a_contribution(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name,source,source_title\nJane Doe,https://e.org/p,People\n",
                      encoding="utf-8")
    store_path = tmp_path / "store"
    assert main(["import", "csv", str(source), "--load", "--store", str(store_path)]) == 0
    with OxigraphStore(store_path) as store:
        graphs = [g.name for g in store.graphs()]
        assert any(g and g.startswith(f"{BASE}graph/contribution/") for g in graphs)
        assert store.query(f"ASK {{ GRAPH ?g {{ <{BASE}id/person/jane-doe> ?p ?o }} }}").boolean
    assert "stored as contribution" in capsys.readouterr().err
    bad = tmp_path / "memberships.csv"
    bad.write_text("member,organisation,source,source_title\n"
                   "person/nobody,org/nowhere,https://e.org/m,M\n", encoding="utf-8")
    assert main(["import", "csv", str(bad), "--load", "--store", str(store_path)]) == 1
    error = capsys.readouterr().err
    assert "does not conform" in error and "person/nobody" in error
    assert len(error.splitlines()) == 1
    with OxigraphStore(store_path) as store:
        assert not store.query(f"ASK {{ ?m <http://www.w3.org/ns/org#member> "
                               f"<{BASE}id/person/nobody> }}").boolean


def test_import_result_serialises_as_rdf(vocabulary: Vocabulary) -> None:
    result = import_csv("name,source,source_title\nA,https://e.org/a,A\n",
                        template="people", vocabulary=vocabulary)
    parsed = list(ox.parse(result.serialize(), format=ox.RdfFormat.TURTLE))
    assert len(parsed) == len(set(result.triples))
