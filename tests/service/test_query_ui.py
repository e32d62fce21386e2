"""The query UI (YASGUI) in a real browser: headless Chromium (Playwright) against a live
uvicorn on 127.0.0.1 serving the curated graph; the page runs queries on /sparql, shows the
rows, has the named queries as tabs and the ontology's prefixes, and calls nothing outside
the server.

Skips without Playwright, ``/usr/bin/chromium`` or the built assets (``make assets``);
fails instead under ``GRAPHKIT_REQUIRE_ALL=1``, as in CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from graphkit.load import sync_project
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore
from service.app import create_app
from tests.service.browser import chromium_tab
from tests.service.live import live_server
from tests.support import need

PROJECT = Path(__file__).resolve().parent.parent.parent
YASGUI = PROJECT / "service" / "static" / "vendor" / "yasgui" / "yasgui.min.js"
NDI_LABEL = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
             "SELECT ?label WHERE { <https://w3id.org/ogkg/id/org/ndi> rdfs:label ?label }")


def curated_app() -> Any:
    settings = Settings(store_path=None, project_root=PROJECT)
    store = OxigraphStore()
    sync_project(store, settings)
    return create_app(settings, store=store)


def test_the_page_is_served_at_query_and_to_browsers_at_sparql() -> None:
    with TestClient(curated_app()) as client:
        page = client.get("/query")
        assert page.status_code == 200
        assert "/static/vendor/yasgui/yasgui.min.js" in page.text
        assert '"name": "list_members"' in page.text
        assert "PREFIX ogk: <https://w3id.org/ogkg/ns#>" in page.text.replace("\\n", "\n")
        browser = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
        assert browser.status_code == 200 and "yasgui.min.js" in browser.text
        assert client.get("/sparql", headers={"Accept": "text/turtle"}).text.count("sd:") > 0


def test_query_parameter_opens_the_first_tab_with_it_escaped() -> None:
    describe = "DESCRIBE <https://w3id.org/ogkg/id/org/oecd> # </script><b>"
    with TestClient(curated_app()) as client:
        page = client.get("/query", params={"query": describe})
        assert page.status_code == 200
        config = page.text.split('id="query-config" type="application/json">', 1)[1]
        config = json.loads(config.split("</script>", 1)[0].replace("<\\/", "</"))
        assert config["tabs"][0]["query"] == describe
        assert "</script><b>" not in page.text.split("query-config", 1)[1].split("</script>", 1)[0]


@pytest.fixture
def site() -> Iterator[str]:
    with live_server(curated_app()) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Any]:
    need(YASGUI.exists(), f"{YASGUI} is missing: run `make assets` (npm ci + npm run build)")
    with chromium_tab(timeout_ms=20_000) as tab:
        yield tab


def outside_requests(page: Any) -> list[str]:
    """Abort and record every request that would leave 127.0.0.1."""
    outside: list[str] = []

    def check(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", check)
    return outside


@pytest.mark.browser
def test_yasgui_runs_a_query_and_shows_the_rows(site: str, page: Any) -> None:
    outside = outside_requests(page)
    answer = page.goto(f"{site}/query")
    assert answer is not None and answer.status == 200
    page.wait_for_selector(".yasqe .CodeMirror")
    tabs = page.evaluate("Array.from(document.querySelectorAll('.tabsList .tab'))"
                         ".map(t => t.innerText.replace('✖', '').trim())")
    named = sorted(p.stem for p in (PROJECT / "sparql").glob("*.rq"))
    assert tabs == ["Query", *named]
    first = page.evaluate("window.ogkgYasgui.getTab().getYasqe().getValue()")
    assert "PREFIX ogk: <https://w3id.org/ogkg/ns#>" in first
    assert "PREFIX org: <http://www.w3.org/ns/org#>" in first
    completers = page.evaluate("window.ogkgYasgui.getTab().getYasqe().config.autocompleters")
    assert completers == ["variables"]
    # a query typed by the user
    page.evaluate("text => window.ogkgYasgui.getTab().getYasqe().setValue(text)", NDI_LABEL)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr")
    assert "National Democratic Institute" in page.inner_text(".yasr table tbody")
    # an example tab: the named query with its default parameters bound
    page.get_by_text("list_members", exact=True).click()
    page.wait_for_function("window.ogkgYasgui.getTab().getName() === 'list_members'")
    text = page.evaluate("window.ogkgYasgui.getTab().getYasqe().getValue()")
    assert "VALUES (?_body_iri) { (<https://w3id.org/ogkg/id/org/ogp-lowg>) }" in text
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    page.wait_for_selector(".tabPanel.active .yasr table tbody tr")
    rows = page.inner_text(".tabPanel.active .yasr table tbody")
    assert "Congress of Chile" in rows and "National Democratic Institute" in rows
    assert outside == []


@pytest.mark.browser
def test_a_browser_at_sparql_gets_the_query_ui(site: str, page: Any) -> None:
    outside = outside_requests(page)
    answer = page.goto(f"{site}/sparql")
    assert answer is not None and answer.status == 200
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click(".yasqe_queryButton")  # the first tab's query: entities by class
    page.wait_for_selector(".yasr table tbody tr")
    assert "https://w3id.org/ogkg/ns#Organisation" in page.inner_text(".yasr table tbody") \
        or "ogk:Organisation" in page.inner_text(".yasr table tbody")
    assert outside == []
