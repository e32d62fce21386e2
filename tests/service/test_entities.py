"""``/id/{kind}/{slug}`` over the curated graph: negotiation, headers, the RDF answer (the
concise bounded description plus labels) and the entity page.

The store holds what ``make run`` loads (``ontology/``, its schemes, ``shapes/`` and
``data/``), in memory, fresh for every test.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import cast

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from graphkit.stores import OxigraphStore
from tests.support import value

BASE = "https://w3id.org/ogkg/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NDI = f"{BASE}id/org/ndi"
LOWG = f"{BASE}id/org/ogp-lowg"

#: media type → pyoxigraph format to read the answer back
FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
SUFFIXES = {"ttl": "text/turtle", "jsonld": "application/ld+json",
            "nt": "application/n-triples", "rdf": "application/rdf+xml"}


def entity_iris(store: OxigraphStore) -> list[str]:
    """Every typed entity IRI of the curated graph (documents, not their hash parts)."""
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "
                       f"\"{BASE}id/\")) }}").rows()
    return sorted({value(row["s"]).split("#")[0] for row in rows})


def path_of(iri: str) -> str:
    return "/" + iri[len(BASE):]


def parsed(body: bytes, media: str) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=FORMATS[media])}


# -- every entity, every format -------------------------------------------------------------
def test_the_curated_graph_has_entities_of_every_kind(store: OxigraphStore) -> None:
    kinds = {iri[len(BASE):].split("/")[1] for iri in entity_iris(store)}
    assert {"org", "network", "person", "event", "publication", "source"} <= kinds


@pytest.mark.parametrize("media", sorted(FORMATS))
def test_every_entity_answers_in_every_rdf_format(client: TestClient, store: OxigraphStore,
                                                  media: str) -> None:
    iris = entity_iris(store)
    assert len(iris) > 150
    for iri in iris:
        answer = client.get(path_of(iri), headers={"Accept": media})
        assert answer.status_code == 200, (iri, answer.text)
        assert answer.headers["content-type"].split(";")[0] == media
        subjects = {t.subject for t in parsed(answer.content, media)}
        assert ox.NamedNode(iri) in subjects, iri


PREFIX_LINE = re.compile(r"^@prefix ([A-Za-z][\w-]*): <([^>]*)> \.$", re.MULTILINE)


def test_turtle_declares_the_data_prefixes_it_uses_and_escapes_nothing(
        client: TestClient, store: OxigraphStore) -> None:
    """Every entity's Turtle names things as the curated files do (``kgorg:oecd``, not the
    escaped ``id:org\\/oecd``), declares no prefix it does not use, and reads back whole."""
    declared_anywhere: set[str] = set()
    for iri in entity_iris(store):
        answer = client.get(path_of(iri), headers={"Accept": "text/turtle"})
        text = answer.text
        declared = dict(PREFIX_LINE.findall(text))
        body = PREFIX_LINE.sub("", text)
        literals = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)  # names only, not texts
        assert "\\" not in literals, (iri, text)
        assert "id" not in declared, iri
        for prefix in declared:
            assert re.search(rf"(?<![\w-]){re.escape(prefix)}:", literals), (iri, prefix)
        assert parsed(answer.content, "text/turtle") == \
            parsed(client.get(path_of(iri), headers={"Accept": "application/n-triples"}).content,
                   "application/n-triples"), iri
        declared_anywhere |= set(declared)
    assert {"kgorg", "kgnet", "kgevent", "kgsrc", "theme", "ogk", "org"} <= declared_anywhere


def test_json_ld_is_compacted_with_the_prefixes_it_uses(client: TestClient) -> None:
    """JSON-LD as a linked-data client reads it: a ``@context`` of the prefixes the answer
    uses and compact IRIs; pyoxigraph and rdflib (two independent JSON-LD readers) read
    the same triples as from N-Triples."""
    answer = client.get("/id/org/oecd-opsi", headers={"Accept": "application/ld+json"})
    document = json.loads(answer.content)
    assert {"kgorg", "rdfs", "org", "ogk"} <= set(document["@context"])
    assert "id" not in document["@context"]
    entity = next(n for n in document["@graph"] if n["@id"] == "kgorg:oecd-opsi")
    assert entity["@type"] == ["ogk:Organisation"]
    assert entity["rdfs:label"] == [{"@value": "OECD Observatory of Public Sector Innovation",
                                     "@language": "en"}]
    assert {"@id": "kgorg:oecd-public-governance-directorate"} in \
        entity["org:subOrganizationOf"]
    expected = parsed(client.get("/id/org/oecd-opsi.nt").content, "application/n-triples")
    assert parsed(answer.content, "application/ld+json") == expected
    read = rdflib.Graph().parse(data=answer.content, format="json-ld")
    nt = read.serialize(format="nt", encoding="utf-8")
    as_read = {q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)}
    assert canonical(as_read) == canonical(expected)


def canonical(triples: set[ox.Triple]) -> set[ox.Triple]:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {q.triple for q in dataset}


def test_every_entity_answers_as_a_page(client: TestClient, store: OxigraphStore) -> None:
    for iri in entity_iris(store):
        answer = client.get(path_of(iri), headers={"Accept": "text/html"})
        assert answer.status_code == 200, iri
        assert answer.headers["content-type"].startswith("text/html")
        assert f'<code id="entity-iri">{iri}</code>' in answer.text


# -- negotiation ----------------------------------------------------------------------------
@pytest.mark.parametrize(("accept", "expected"), [
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html", "text/html"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/rdf+xml;q=0.9, text/html", "text/html"),
    ("text/html;q=0.1, application/n-triples;q=0.2", "application/n-triples"),
    ("text/html;q=0, */*", "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/*, text/turtle;q=0.3", "application/n-triples"),  # text/plain; HTML only by name
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/json", "application/ld+json"),
])
def test_accept_with_q_values(client: TestClient, accept: str, expected: str) -> None:
    answer = client.get("/id/org/ndi", headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == expected
    assert "Accept" in answer.headers["vary"]


def test_no_accept_header_gets_turtle(client: TestClient) -> None:
    answer = client.get("/id/org/ndi", headers={"Accept": ""})
    assert answer.headers["content-type"].startswith("text/turtle")


def test_nothing_acceptable_is_406_and_says_what_is(client: TestClient) -> None:
    answer = client.get("/id/org/ndi", headers={"Accept": "image/png"})
    assert answer.status_code == 406
    assert "text/turtle" in answer.text and "application/ld+json" in answer.text


@pytest.mark.parametrize("suffix", [*SUFFIXES, "html"])
def test_suffixes_and_format_name_one_representation(client: TestClient, suffix: str) -> None:
    by_suffix = client.get(f"/id/org/ndi.{suffix}", headers={"Accept": "text/html"})
    by_format = client.get(f"/id/org/ndi?format={suffix}", headers={"Accept": "text/html"})
    media = SUFFIXES.get(suffix, "text/html")
    for answer in (by_suffix, by_format):
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] == media
        assert "vary" not in answer.headers  # the URL alone decides
    if suffix != "html":
        assert parsed(by_suffix.content, media) == parsed(by_format.content, media)


def test_unknown_format_name_is_406(client: TestClient) -> None:
    assert client.get("/id/org/ndi?format=docx").status_code == 406


def test_answers_200_with_content_location_not_303(client: TestClient) -> None:
    answer = client.get("/id/org/ndi", headers={"Accept": "application/ld+json"},
                        follow_redirects=False)
    assert answer.status_code == 200
    assert answer.headers["content-location"] == "/id/org/ndi.jsonld"
    page = client.get("/id/org/ndi", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 200
    assert page.headers["content-location"] == "/id/org/ndi.html"


def test_link_header_lists_every_alternate(client: TestClient) -> None:
    answer = client.get("/id/org/ndi", headers={"Accept": "text/turtle"})
    links = dict(re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"',
                            answer.headers["link"]))
    assert links == {"/id/org/ndi.html": "text/html", "/id/org/ndi.ttl": "text/turtle",
                     "/id/org/ndi.jsonld": "application/ld+json",
                     "/id/org/ndi.nt": "application/n-triples",
                     "/id/org/ndi.rdf": "application/rdf+xml"}


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    answer = client.head("/id/org/ndi", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/turtle")
    assert answer.content == b""


# -- 404 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/id/org/no-such-org", "/id/person/nobody",
                                  "/id/widget/ndi", "/id/org/no-such-org.ttl"])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_unknown_iris_in_our_space_are_404(client: TestClient, path: str, accept: str) -> None:
    answer = client.get(path, headers={"Accept": accept})
    assert answer.status_code == 404
    if accept == "text/html" and not path.endswith(".ttl"):
        assert answer.headers["content-type"].startswith("text/html")
        assert "<main" in answer.text
    assert "id/" in answer.text


# -- the RDF answer -------------------------------------------------------------------------
def test_rdf_is_the_concise_bounded_description_plus_labels(client: TestClient,
                                                             store: OxigraphStore) -> None:
    answer = client.get("/id/org/ogp-lowg.nt")
    got = parsed(answer.content, "application/n-triples")
    me = ox.NamedNode(LOWG)
    own = {ox.Triple(me, cast(ox.NamedNode, r["p"]), r["o"]) for r in store.query(
        f"SELECT DISTINCT ?p ?o WHERE {{ <{LOWG}> ?p ?o FILTER(!isBlank(?o)) }}").rows()}
    assert own and own <= got
    # the blank nodes: the qualified derivation with its quotes
    quotes = {value(t.object) for t in got if t.predicate.value.endswith("ns#quote")}
    assert any(q.startswith("Co-chaired by the National Democratic Institute") for q in quotes)
    # the labels of everything it links to, its classes included, and nothing about them
    # beyond
    linked = {t.object for t in own if isinstance(t.object, ox.NamedNode)}
    labelled = {t.subject for t in got if t.predicate.value == RDFS_LABEL and t.subject != me}
    expected = {ox.NamedNode(value(r["x"])) for r in store.query(
        f"SELECT DISTINCT ?x WHERE {{ <{LOWG}> ?p ?x FILTER(isIRI(?x)) "
        f"?x <{RDFS_LABEL}> ?l }}").rows()}
    assert ox.NamedNode(f"{BASE}ns#WorkingGroup") in expected
    assert expected and expected <= labelled <= linked | {
        t.predicate for t in got}
    oecd_facts = {t for t in got if t.subject == ox.NamedNode(f"{BASE}id/org/ogp")
                  and t.predicate.value not in (RDFS_LABEL,
                                                "http://www.w3.org/2004/02/skos/core#prefLabel")}
    assert oecd_facts == set()


def test_formats_carry_the_same_graph(client: TestClient) -> None:
    graphs = []
    for suffix, media in SUFFIXES.items():
        dataset = ox.Dataset(ox.parse(client.get(f"/id/org/ndi.{suffix}").content,
                                      format=FORMATS[media]))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        graphs.append({q.triple for q in dataset})
    assert all(g == graphs[0] for g in graphs[1:])


def test_iri_only_used_as_object_still_answers(client: TestClient,
                                               store: OxigraphStore) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{NDI}> "
                 f"<http://www.w3.org/2000/01/rdf-schema#seeAlso> <{BASE}id/place/atlantis> }} }}")
    answer = client.get("/id/place/atlantis.nt")
    assert answer.status_code == 200
    assert ox.Triple(ox.NamedNode(NDI), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                     ox.NamedNode(f"{BASE}id/place/atlantis")) in parsed(
        answer.content, "application/n-triples")


# -- the page -------------------------------------------------------------------------------
class _Text(HTMLParser):
    """The text of a page and its JSON-LD scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script: str | None = None
        self.headings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = dict(attrs).get("type") or "text/javascript"
        if tag in ("main", "nav", "header", "footer"):
            self.headings.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script == "application/ld+json":
            self.scripts.append(data)
        elif self._in_script is None:
            self.text.append(data)


def page_of(client: TestClient, path: str, **headers: str) -> tuple[str, _Text]:
    answer = client.get(path, headers={"Accept": "text/html", **headers})
    assert answer.status_code == 200, answer.text
    reader = _Text()
    reader.feed(answer.text)
    return answer.text, reader


def flat(reader: _Text) -> str:
    return re.sub(r"\s+", " ", "".join(reader.text))


def test_page_shows_labels_types_and_statements(client: TestClient) -> None:
    html, reader = page_of(client, "/id/org/ogp-lowg")
    text = flat(reader)
    assert "<h1" in html and "OGP Legislative Openness Working Group" in text
    assert "LOWG" in text  # an alternative label
    assert "Launched in 2013" in text  # the description
    assert re.search(r'<a class="badge" href="/ns#WorkingGroup"[^>]*>Working group</a>', html)
    # statements show labels, not IRIs, and link to our pages
    assert 'href="/id/org/ogp"' in html
    assert "Legislative openness" in text or "legislative openness" in text.lower()
    assert "https://w3id.org/ogkg/scheme/theme/legislative-openness</a>" not in html
    # the dates in words
    assert "2013" in text and "2016" in text
    # landmarks
    assert {"main", "nav", "header"} <= set(reader.headings)


def test_page_quotes_the_evidence_with_its_source(client: TestClient) -> None:
    html, reader = page_of(client, "/id/org/ndi")
    assert "Sources and evidence" in flat(reader)
    assert re.search(r'<blockquote class="evidence" cite="/id/source/open-parliament-e-network-page"'
                     r'[^>]*>“Co-chaired by the National Democratic Institute', html)


def test_page_reads_reified_relations_as_sentences(client: TestClient) -> None:
    _, reader = page_of(client, "/id/org/ndi")
    text = flat(reader)
    assert "member of OGP Legislative Openness Working Group as co-chair" in text
    _, reader = page_of(client, "/id/org/ogp-lowg")
    text = flat(reader)
    assert "Members" in text
    assert "National Democratic Institute as co-chair" in text


@pytest.mark.parametrize(("dates", "period"), [
    ('schema:startDate "2013"^^xsd:gYear ; schema:endDate "2016"^^xsd:gYear', ", 2013–2016"),
    ('schema:startDate "2014-03-05"^^xsd:date', ", since 5 March 2014"),
    ('schema:endDate "2016-06"^^xsd:gYearMonth', ", until June 2016"),
])
def test_relation_sentences_carry_their_period(client: TestClient, store: OxigraphStore,
                                               dates: str, period: str) -> None:
    store.update("PREFIX schema: <https://schema.org/> "
                 "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
                 f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ "
                 f"<{BASE}id/membership/ndi-in-ogp-lowg> {dates} }} }}")
    _, reader = page_of(client, "/id/org/ndi")
    assert f"member of OGP Legislative Openness Working Group as co-chair{period}" in flat(reader)
    _, reader = page_of(client, "/id/org/ogp-lowg")
    assert f"National Democratic Institute as co-chair{period}" in flat(reader)


def test_page_label_follows_accept_language(client: TestClient, store: OxigraphStore) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{NDI}> <{RDFS_LABEL}> "
                 f"\"Instituto Nacional Demócrata\"@es }} }}")
    _, spanish = page_of(client, "/id/org/ndi", **{"Accept-Language": "es-CL, en;q=0.5"})
    _, english = page_of(client, "/id/org/ndi", **{"Accept-Language": "en"})
    _, german = page_of(client, "/id/org/ndi", **{"Accept-Language": "de"})
    assert "Instituto Nacional Demócrata · OpenGov KG" in flat(spanish)
    assert "National Democratic Institute · OpenGov KG" in flat(english)
    assert "National Democratic Institute · OpenGov KG" in flat(german)  # English fallback
    # the other label is still shown, as an alternative
    assert "National Democratic Institute" in flat(spanish)


def test_page_embeds_schema_org_json_ld(client: TestClient) -> None:
    _, reader = page_of(client, "/id/org/ndi")
    (script,) = reader.scripts
    data = json.loads(script)
    assert data["@context"] == "https://schema.org"
    assert data["@id"] == NDI
    assert data["name"] == "National Democratic Institute"
    assert "Organization" in (data["@type"] if isinstance(data["@type"], list)
                              else [data["@type"]])
    assert data["alternateName"] == ["NDI"]
    assert data["isBasedOn"][0]["@id"] == f"{BASE}id/source/open-parliament-e-network-page"


def test_page_links_alternates_query_and_network(client: TestClient) -> None:
    html, _ = page_of(client, "/id/org/ndi")
    for suffix in SUFFIXES:
        assert f'href="/id/org/ndi.{suffix}"' in html
    assert "/query?query=DESCRIBE+%3Chttps%3A%2F%2Fw3id.org%2Fogkg%2Fid%2Forg%2Fndi%3E" in html
    assert "/network?focus=" in html
    assert 'data-copy="https://w3id.org/ogkg/id/org/ndi"' in html


def incoming_section(html: str) -> str:
    start = html.index('<section id="incoming"')
    return html[start:html.index("</section>", start)]


def test_incoming_links_are_grouped_and_paged(client: TestClient, store: OxigraphStore) -> None:
    people = " ".join(f"<{BASE}id/person/tester-{i:02d}> <{BASE}ns#coChairs> <{NDI}> ; "
                      f"<{RDFS_LABEL}> \"Tester {i:02d}\"@en ."
                      for i in range(25))
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ {people} }} }}")
    html, reader = page_of(client, "/id/org/ndi")
    assert "Linked from" in flat(reader)
    section = incoming_section(html)
    shown = re.findall(r">(Tester \d\d)</a>", section)
    assert len(shown) == 10
    assert "1–10 of 25" in section
    next_link = re.search(r'<a rel="next" href="([^"]+)"', section)
    assert next_link is not None
    url = next_link[1].replace("&amp;", "&").split("#")[0]
    assert "offset=10" in url
    html2, _ = page_of(client, url)
    second = re.findall(r">(Tester \d\d)</a>", incoming_section(html2))
    assert len(second) == 10 and not set(second) & set(shown)
    assert 'rel="prev"' in incoming_section(html2)
    html3, _ = page_of(client, url.replace("offset=10", "offset=20"))
    last = incoming_section(html3)
    assert len(re.findall(r">(Tester \d\d)</a>", last)) == 5
    assert 'rel="next"' not in last
    assert len(set(shown) | set(second) | set(re.findall(r">(Tester \d\d)</a>", last))) == 25


def test_every_value_is_escaped(client: TestClient, store: OxigraphStore) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ "
                 f"<{BASE}id/org/evil> a <{BASE}ns#Organisation> ; <{RDFS_LABEL}> "
                 f"{json.dumps(evil)}@en ; <http://purl.org/dc/terms/description> "
                 f"{json.dumps(evil + ' </script>')}@en . "
                 f"<{NDI}> <{BASE}ns#coChairs> <{BASE}id/org/evil> }} }}")
    for path in ("/id/org/evil", "/id/org/ndi"):
        html, reader = page_of(client, path)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert" in html
        for script in reader.scripts:
            json.loads(script)  # the JSON-LD is still whole
        if path == "/id/org/evil":
            assert json.loads(reader.scripts[0])["name"] == evil


def test_properties_and_types_show_their_definition_on_hover(client: TestClient) -> None:
    html, _ = page_of(client, "/id/org/ndi")
    statements = html[html.index('id="statements-heading"'):]
    hover = re.search(r'<dt><a href="/ns#coChairs" title="([^"]+)">([^<]+)</a></dt>', statements)
    assert hover is not None
    assert hover[1] and hover[1] != "ogk:coChairs" and hover[2] != "coChairs"
    badge = re.search(r'<a class="badge" href="/ns#Organisation" title="([^"]+)">', html)
    assert badge is not None and len(badge[1]) > 20


def test_many_relations_are_capped_and_the_rest_paged(client: TestClient,
                                                      store: OxigraphStore) -> None:
    members = " ".join(
        f"<{BASE}id/membership/m{i:02d}> a <http://www.w3.org/ns/org#Membership> ; "
        f"<http://www.w3.org/ns/org#member> <{BASE}id/org/o{i:02d}> ; "
        f"<http://www.w3.org/ns/org#organization> <{LOWG}> . "
        f"<{BASE}id/org/o{i:02d}> <{RDFS_LABEL}> \"Member {i:02d}\"@en ."
        for i in range(40))
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ {members} }} }}")
    html, _ = page_of(client, "/id/org/ogp-lowg")
    start = html.index('id="relations-heading"')
    relations = html[start:html.index("</section>", start)]
    assert relations.count("<li>") == 25
    assert "More relations are listed among the incoming links below" in relations
    section = incoming_section(html)
    assert re.search(r"organisation</a> <span class=\"muted\">\(4[0-9]\)</span>", section)
