"""The ontology at ``/ns`` and the SKOS schemes at ``/scheme/...``, over the curated graph:
documentation with an anchor per term, negotiation, trees, A–Z lists, concept pages."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from graphkit.stores import OxigraphStore
from tests.support import value

BASE = "https://w3id.org/ogkg/"
NS = f"{BASE}ns#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
READ = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
        "application/n-triples": ox.RdfFormat.N_TRIPLES}
SCHEMES = ("event-types", "organisation-types", "publication-types", "roles", "themes",
           "values")


def triples(answer_body: bytes, media: str) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(answer_body, format=READ[media])}


def ontology_terms(store: OxigraphStore) -> list[str]:
    rows = store.query(f"SELECT DISTINCT ?t WHERE {{ GRAPH <{BASE}graph/ontology> {{ ?t a ?k }} "
                       f"FILTER(STRSTARTS(STR(?t), \"{NS}\")) }}").rows()
    return sorted(value(row["t"]) for row in rows)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- the ontology ---------------------------------------------------------------------------
def test_ns_page_has_an_anchor_for_every_term(client: TestClient, store: OxigraphStore) -> None:
    answer = client.get("/ns", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    ids = set(re.findall(r'\bid="([^"]+)"', answer.text))
    terms = ontology_terms(store)
    assert len(terms) > 40
    missing = [t for t in terms if t[len(NS):] not in ids]
    assert missing == []
    # the anchor sits on the term's own entry: its IRI follows within the entry
    for term in (f"{NS}Organisation", f"{NS}ThematicFocus", f"{NS}coChairs"):
        local = term[len(NS):]
        start = re.search(rf'\bid="{local}"', answer.text)
        assert start is not None, local
        assert term in answer.text[start.end():start.end() + 2000], local


@pytest.mark.parametrize("media", sorted(READ))
def test_ns_negotiates_to_rdf(client: TestClient, media: str) -> None:
    answer = client.get("/ns", headers={"Accept": media})
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == media
    assert "Accept" in answer.headers["vary"]
    assert answer.headers["content-location"].startswith("/ns.")
    got = triples(answer.content, media)
    assert ox.Triple(ox.NamedNode(f"{NS}Organisation"), ox.NamedNode(RDF_TYPE),
                     ox.NamedNode(f"{OWL}Class")) in got
    assert ox.NamedNode(f"{BASE}ns") in {t.subject for t in got}


@pytest.mark.parametrize(("suffix", "media"), [("ttl", "text/turtle"),
                                               ("jsonld", "application/ld+json"),
                                               ("rdf", "application/rdf+xml")])
def test_ns_suffixes_and_the_current_version(client: TestClient, suffix: str, media: str
                                             ) -> None:
    by_suffix = client.get(f"/ns.{suffix}")
    assert by_suffix.headers["content-type"].split(";")[0] == media
    versioned = client.get(f"/ns/0.1.0.{suffix}")
    assert versioned.status_code == 200
    assert triples(versioned.content, media) == triples(by_suffix.content, media)


def test_other_versions_and_formats_are_refused(client: TestClient) -> None:
    assert client.get("/ns/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/ns.docx").status_code == 404
    assert client.get("/ns", headers={"Accept": "image/png"}).status_code == 406


# -- the schemes ----------------------------------------------------------------------------
def test_scheme_list_names_every_scheme(client: TestClient) -> None:
    answer = client.get("/scheme")
    assert answer.status_code == 200
    for name in SCHEMES:
        assert f'href="/scheme/{name}"' in answer.text


def test_scheme_page_has_tree_and_a_to_z(client: TestClient, store: OxigraphStore) -> None:
    answer = client.get("/scheme/themes", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    html = answer.text
    tree = html[html.index('id="tree-heading"'):html.index('id="az-heading"')]
    # legislative openness sits under open government in the tree
    start = tree.index('href="/scheme/themes/open-government"')
    nested = tree[start:]
    depth = 0
    inside = ""
    for token in re.finditer(r"<(/?)ul>|href=\"(/scheme/themes/[^\"]+)\"", nested):
        if token[1] == "" and token[0].startswith("<ul"):
            depth += 1
        elif token[1] == "/":
            depth -= 1
            if depth == 0:
                break
        elif token[2] and depth >= 1:
            inside += token[2] + " "
    assert "/scheme/themes/legislative-openness " in inside
    assert "/scheme/themes/biodiversity " not in inside
    # A–Z: every concept once, under its initial
    az = html[html.index('id="az-heading"'):]
    concepts = {value(row["c"]) for row in store.query(
        f"SELECT ?c WHERE {{ ?c <{SKOS}inScheme> <{BASE}scheme/themes> }}").rows()}
    listed = re.findall(r'<li><a href="(/scheme/themes/[^"]+)">', az)
    assert sorted(listed) == sorted("/" + c[len(BASE):] for c in concepts)
    letter = re.search(r'<h3 id="letter-L">L</h3>\s*<ul>(.*?)</ul>', az, re.DOTALL)
    assert letter is not None and "Legislative openness" in letter[1]


@pytest.mark.parametrize("media", ["text/turtle", "application/ld+json", "application/rdf+xml"])
def test_scheme_negotiates_to_rdf_with_its_concepts(client: TestClient, store: OxigraphStore,
                                                    media: str) -> None:
    answer = client.get("/scheme/themes", headers={"Accept": media})
    assert answer.status_code == 200
    got = triples(answer.content, media)
    members = {row["c"] for row in store.query(
        f"SELECT ?c WHERE {{ ?c <{SKOS}inScheme> <{BASE}scheme/themes> }}").rows()}
    assert members <= {t.subject for t in got}


def test_concept_page(client: TestClient) -> None:
    answer = client.get("/scheme/themes/legislative-openness", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    html, text = answer.text, text_of(answer.text)
    assert "Legislative openness" in text
    assert "parliamentary openness" in text  # alternative labels
    assert "Transparency, accountability and citizen engagement" in text  # definition
    broader = re.search(r"<dt>Broader</dt><dd>(.*?)</dd>", html)
    assert broader is not None and 'href="/scheme/themes/open-government"' in broader[1]
    assert re.search(r"<dt>related match</dt><dd><a href=\"/scheme/values/transparency\"", html)
    tagged = html[html.index('id="tagged-heading"'):]
    assert 'href="/id/org/ogp-lowg"' in tagged
    assert 'href="/id/org/congress-of-chile-bicameral-transparency-group"' in tagged


def test_concept_narrower_and_outside_mappings(client: TestClient) -> None:
    html = client.get("/scheme/themes/open-government", headers={"Accept": "text/html"}).text
    narrower = re.search(r"<dt>Narrower</dt><dd>(.*?)</dd>", html)
    assert narrower is not None and "/scheme/themes/legislative-openness" in narrower[1]
    head = client.get("/scheme/roles/head", headers={"Accept": "text/html"}).text
    assert re.search(r'<dt>exact match</dt><dd><a href="http://www.w3.org/ns/org#Head">', head)


def test_concept_related_shows_from_either_end(client: TestClient, store: OxigraphStore
                                               ) -> None:
    # themes.ttl states `freedom-of-expression skos:related right-to-information` only
    related = r"<dt>Related</dt><dd>(.*?)</dd>"
    one = client.get("/scheme/themes/freedom-of-expression", headers={"Accept": "text/html"})
    found = re.search(related, one.text)
    assert found is not None and 'href="/scheme/themes/right-to-information"' in found[1]
    other = client.get("/scheme/themes/right-to-information", headers={"Accept": "text/html"})
    found = re.search(related, other.text)
    assert found is not None and 'href="/scheme/themes/freedom-of-expression"' in found[1]
    # a narrower stated on the parent shows as broader on the child
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{BASE}scheme/themes/"
                 f"open-government> <{SKOS}narrower> <{BASE}scheme/themes/right-to-privacy> }} }}")
    child = client.get("/scheme/themes/right-to-privacy", headers={"Accept": "text/html"}).text
    broader = re.search(r"<dt>Broader</dt><dd>(.*?)</dd>", child)
    assert broader is not None
    assert 'href="/scheme/themes/open-government"' in broader[1]
    assert 'href="/scheme/themes/democratic-freedoms"' in broader[1]


def test_concept_rdf(client: TestClient) -> None:
    answer = client.get("/scheme/themes/legislative-openness.ttl")
    got = triples(answer.content, "text/turtle")
    me = ox.NamedNode(f"{BASE}scheme/themes/legislative-openness")
    assert ox.Triple(me, ox.NamedNode(f"{SKOS}broader"),
                     ox.NamedNode(f"{BASE}scheme/themes/open-government")) in got
    # the label of what it links to comes along
    assert any(t.subject == ox.NamedNode(f"{BASE}scheme/themes/open-government")
               and t.predicate.value == f"{SKOS}prefLabel" for t in got)


@pytest.mark.parametrize("path", ["/scheme/no-such-scheme", "/scheme/themes/no-such-theme",
                                  "/scheme/no-such-scheme.ttl"])
def test_unknown_schemes_and_concepts_are_404(client: TestClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 404
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404
