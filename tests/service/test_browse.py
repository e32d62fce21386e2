"""Home, search (API and page), browsing by class and the timeline, over the curated graph."""

from __future__ import annotations

import re
from typing import cast

import pytest
from fastapi.testclient import TestClient

from graphkit.search import SearchIndex, Tier, normalise
from graphkit.stores import OxigraphStore
from tests.support import value

BASE = "https://w3id.org/ogkg/"
NS = f"{BASE}ns#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LARRAIN = f"{BASE}id/person/hernan-larrain"


def search(client: TestClient, q: str, **params: object) -> list[dict[str, object]]:
    answer = client.get("/api/search", params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    results: list[dict[str, object]] = answer.json()["results"]
    return results


# -- search ---------------------------------------------------------------------------------
def test_normalise_folds_accents_case_and_punctuation() -> None:
    assert normalise("Hernán  LARRAÍN!") == "hernan larrain"
    assert normalise("Œuvre — São Paulo") == "oeuvre sao paulo"


@pytest.mark.parametrize(("query", "tier"), [
    ("hernan larrain", "exact"),
    ("HERNÁN LARRAÍN", "exact"),
    ("hernan larr", "prefix"),
    ("larrain hernan", "words"),
    ("hernann laraín", "fuzzy"),
])
def test_accent_and_case_insensitive_search_finds_hernan_larrain(
        client: TestClient, query: str, tier: str) -> None:
    results = search(client, query)
    assert results[0]["iri"] == LARRAIN
    assert results[0]["label"] == "Hernán Larraín"
    assert results[0]["tier"] == tier
    assert results[0]["href"] == "/id/person/hernan-larrain"
    assert results[0]["type"] == "Person"


def test_ranking_exact_then_prefix_then_words_then_fuzzy(client: TestClient) -> None:
    results = search(client, "ogp", limit=20)
    tiers = [cast(str, r["tier"]) for r in results]
    order = [t.value for t in Tier]
    assert tiers == sorted(tiers, key=order.index)
    assert results[0]["iri"] == f"{BASE}id/org/ogp"  # its acronym matches whole
    assert results[0]["matched"] == "OGP"
    assert tiers.count("prefix") >= 3


def test_alternative_labels_in_other_languages_are_searched(client: TestClient) -> None:
    results = search(client, "grupo bicameral")
    assert results[0]["iri"] == f"{BASE}id/org/congress-of-chile-bicameral-transparency-group"
    assert results[0]["matched"] == "Grupo Bicameral de Transparencia"
    assert results[0]["matched_language"] == "es"
    assert results[0]["label"] == "Bicameral Transparency Group of the Congress of Chile"


def test_search_by_type_keeps_subclasses(client: TestClient) -> None:
    networks = search(client, "open", type="ogk:Network", limit=50)
    assert networks and all("ogk:Network" in cast("list[str]", r["types"]) for r in networks)
    organisations = search(client, "legislative openness working", type=f"{NS}Organisation")
    assert organisations[0]["iri"] == f"{BASE}id/org/ogp-lowg"  # a working group
    assert search(client, "hernan", type="ogk:Network") == []


def test_search_limits_and_bad_input(client: TestClient) -> None:
    assert len(search(client, "o", limit=3)) == 3
    assert search(client, "xqzzyv") == []
    assert search(client, "!!!") == []
    bad = client.get("/api/search", params={"q": "ogp", "type": "nonsense"})
    assert bad.status_code == 400 and "CURIE" in bad.json()["detail"]
    assert client.get("/api/search", params={"q": "ogp", "limit": 0}).status_code == 422
    assert client.get("/api/search").status_code == 422


def test_search_follows_the_store(client: TestClient, store: OxigraphStore) -> None:
    assert search(client, "zebulon") == []
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{BASE}id/person/zebulon> "
                 f"a <{NS}Person> ; <{LABEL}> \"Zébulon Ñandú\"@en }} }}")
    assert search(client, "zebulon nandu")[0]["iri"] == f"{BASE}id/person/zebulon"


def test_search_index_prefers_preferred_labels_within_a_tier(store: OxigraphStore) -> None:
    store.update(f"INSERT DATA {{ <{BASE}id/org/a> <{LABEL}> \"Alpha\"@en ; "
                 f"<http://www.w3.org/2004/02/skos/core#altLabel> \"Beta\"@en . "
                 f"<{BASE}id/org/b> <{LABEL}> \"Beta\"@en }}")
    hits = SearchIndex.build(store).search("beta")
    assert [h.iri for h in hits[:2]] == [f"{BASE}id/org/b", f"{BASE}id/org/a"]
    assert hits[1].label.text == "Alpha" and hits[1].matched.text == "Beta"


def test_search_page_without_javascript(client: TestClient) -> None:
    answer = client.get("/search", params={"q": "hernan larrain"})
    assert answer.status_code == 200
    assert 'href="/id/person/hernan-larrain"' in answer.text
    assert "Hernán Larraín" in answer.text
    empty = client.get("/search")
    assert empty.status_code == 200 and "<form" in empty.text


# -- home -----------------------------------------------------------------------------------
def test_home_counts_classes_and_lists_sources(client: TestClient, store: OxigraphStore) -> None:
    html = client.get("/").text
    people = len(list(store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a <{NS}Person> }}")))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert re.search(rf"Person\s*\(?{people}\b|{people}\s*Person", text)
    for source in ("open-parliament-e-network-page", "oecd-wpog-7th-meeting-draft-agenda"):
        assert f'href="/id/source/{source}"' in html
    assert 'action="/search"' in html


# -- browse ---------------------------------------------------------------------------------
def listed(html: str) -> list[str]:
    ordered = html[html.index("<ol"):html.index("</ol>")]
    return re.findall(r'<li><a href="([^"]+)"', ordered)


def test_browse_lists_classes(client: TestClient) -> None:
    html = client.get("/browse").text
    assert "/browse/ogk:Organisation" in html and "/browse/ogk:Event" in html


def test_browse_class_includes_subclasses_and_sorts(client: TestClient,
                                                    store: OxigraphStore) -> None:
    html = client.get("/browse/ogk:Organisation").text
    members = listed(html)
    assert "/id/org/ogp-lowg" in members  # an ogk:WorkingGroup
    labels = re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a>', html[html.index("<ol"):])
    assert labels == sorted(labels, key=str.casefold)
    reverse = listed(client.get("/browse/ogk:Organisation", params={"sort": "-label"}).text)
    assert reverse == list(reversed(members))


def test_browse_by_date(client: TestClient) -> None:
    html = client.get("/browse/ogk:Event", params={"sort": "date"}).text
    dates = re.findall(r'<span class="muted">([^<]+)</span></li>', html)
    assert len(dates) > 5 and dates == sorted(dates)
    newest = client.get("/browse/ogk:Event", params={"sort": "-date"}).text
    assert re.findall(r'<span class="muted">([^<]+)</span></li>', newest)[0] == max(dates)


def test_browse_pages_by_fifty(client: TestClient, store: OxigraphStore) -> None:
    extra = " ".join(f"<{BASE}id/person/p{i:03d}> a <{NS}Person> ; <{LABEL}> \"Person {i:03d}\"@en ."
                     for i in range(120))
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ {extra} }} }}")
    first = client.get("/browse/ogk:Person").text
    assert "Page 1 of 3" in first and len(listed(first)) == 50
    second = client.get("/browse/ogk:Person", params={"page": 2}).text
    third = client.get("/browse/ogk:Person", params={"page": 3}).text
    everyone = listed(first) + listed(second) + listed(third)
    assert len(everyone) == len(set(everyone)) > 120
    assert '<ol start="51">' in second
    assert 'rel="prev"' in second and 'rel="next"' in second and 'rel="next"' not in third
    assert client.get("/browse/ogk:Person", params={"page": 4}).status_code == 404


def test_browse_bad_input(client: TestClient) -> None:
    assert client.get("/browse/nonsense").status_code == 404
    assert client.get("/browse/ogk:Person", params={"sort": "colour"}).status_code == 422
    assert client.get("/browse/ogk:Person", params={"page": 0}).status_code == 422


# -- timeline -------------------------------------------------------------------------------
def test_timeline_groups_events_by_year_in_order(client: TestClient, store: OxigraphStore
                                                 ) -> None:
    html = client.get("/timeline").text
    years = re.findall(r"<h2[^>]*>(\d{4})</h2>", html)
    assert len(years) >= 3 and years == sorted(years)
    events = {value(row["e"]) for row in store.query(
        f"SELECT DISTINCT ?e WHERE {{ ?e a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* "
        f"<{NS}Event> FILTER(isIRI(?e)) }}").rows()}
    linked = set(re.findall(r'href="(/id/event/[^"#]+)"', html))
    assert {"/" + e[len(BASE):] for e in events if "/id/event/" in e} <= linked
    one_year = client.get("/timeline", params={"year": years[-1]}).text
    assert re.findall(r"<h2[^>]*>(\d{4})</h2>", one_year) == [years[-1]]
    assert client.get("/timeline", params={"year": "20x4"}).status_code == 422


def test_home_lists_the_latest_contributions(client: TestClient, store: OxigraphStore) -> None:
    assert "No contributions yet" in client.get("/").text
    for number, day in ((1, "2026-01-05"), (2, "2026-03-09")):
        graph = f"{BASE}graph/contribution/c{number}"
        store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}id/org/c{number}> <{LABEL}> "
                     f"\"C{number}\"@en }} GRAPH <{BASE}graph/meta> {{ <{graph}> "
                     f"<http://purl.org/dc/terms/created> \"{day}\" }} }}")
    html = client.get("/").text
    section = html[html.index('id="contributions-heading"'):]
    section = section[:section.index("</section>")]
    assert section.index("contribution/c2") < section.index("contribution/c1")  # newest first
    assert "2026-03-09" in section
