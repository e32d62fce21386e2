"""The linked-data pages in a real browser: headless Chromium (Playwright) against a live
uvicorn on 127.0.0.1, serving the curated graph from memory.

Skips without Playwright or ``/usr/bin/chromium`` (fails instead under
``GRAPHKIT_REQUIRE_ALL=1``, as in CI).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from graphkit.stores import OxigraphStore
from service.app import create_app
from tests.service.browser import chromium_tab
from tests.service.curated import curated_settings, curated_store
from tests.service.live import live_server

pytestmark = pytest.mark.browser

BASE = "https://w3id.org/ogkg/"
EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture
def site() -> Iterator[tuple[str, OxigraphStore]]:
    store = curated_store()
    store.update(f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{BASE}id/org/evil> a "
                 f"<{BASE}ns#Organisation> ; <http://www.w3.org/2000/01/rdf-schema#label> "
                 f"{json.dumps(EVIL)}@en ; <http://purl.org/dc/terms/description> "
                 f"{json.dumps('Before </script><script>window.__pwned = 3</script> after')}@en "
                 f"}} }}")
    with live_server(create_app(curated_settings(), store=store)) as url:
        yield url, store


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_tab(timeout_ms=15_000) as tab:
        yield tab


def test_entity_page_renders_links_and_evidence(site: tuple[str, OxigraphStore], page: Any
                                                ) -> None:
    url, _ = site
    answer = page.goto(f"{url}/id/org/ndi")
    assert answer is not None and answer.status == 200
    assert page.locator("h1#entity-title").inner_text() == "National Democratic Institute"
    relations = page.locator("ul.relations").first.inner_text()
    assert "member of OGP Legislative Openness Working Group as co-chair" in relations
    evidence = page.locator("blockquote.evidence").first.inner_text()
    assert evidence.startswith("“Co-chaired by the National Democratic Institute")
    # the copy button shows once the script runs; the landmarks are there
    assert page.locator("button[data-copy]").is_visible()
    assert page.locator("main").count() == 1 and page.locator("nav").count() >= 2
    # a link goes to the linked entity's page
    page.get_by_role("link", name="OGP Legislative Openness Working Group").first.click()
    page.wait_for_url(f"{url}/id/org/ogp-lowg")
    assert page.locator("h1#entity-title").inner_text() == "OGP Legislative Openness Working Group"
    schema = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert schema["@id"] == f"{BASE}id/org/ogp-lowg"


def test_type_ahead_finds_a_partial_accent_free_name(site: tuple[str, OxigraphStore],
                                                     page: Any) -> None:
    url, _ = site
    page.goto(f"{url}/")
    box = page.locator("#home-search")
    # one input event, so one suggestion list: keys typed one by one on a busy machine can
    # come slower than the debounce, and a later list would replace the one navigated in
    box.fill("hernan larr")
    first = page.locator("#home-search-list [role=option]").first
    first.wait_for(state="visible")
    assert first.inner_text().startswith("Hernán Larraín")
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url(f"{url}/id/person/hernan-larrain")
    assert page.locator("h1#entity-title").inner_text() == "Hernán Larraín"


def test_search_works_without_javascript(site: tuple[str, OxigraphStore], page: Any) -> None:
    url, _ = site
    page.context.close()
    context = page.context.browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{url}/browse")
    tab.locator("#site-search").fill("larrain")
    tab.locator("form[role=search] button[type=submit]").click()
    tab.wait_for_url(f"{url}/search?q=larrain")
    assert tab.get_by_role("link", name="Hernán Larraín").first.is_visible()


def test_a_label_with_script_arrives_as_text(site: tuple[str, OxigraphStore], page: Any
                                             ) -> None:
    url, _ = site
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(f"{url}/id/org/evil")
    assert page.locator("h1#entity-title").inner_text() == EVIL
    assert page.locator("h1#entity-title script, h1#entity-title img").count() == 0
    assert "</script><script>window.__pwned = 3</script>" in page.locator(
        "p.description").inner_text()
    assert page.evaluate("window.__pwned") is None
    schema = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert schema["name"] == EVIL
    # the type-ahead shows it as text too
    page.goto(f"{url}/browse")
    page.locator("#site-search").press_sequentially("script window", delay=30)
    option = page.locator("#site-search-list [role=option]").first
    option.wait_for(state="visible")
    assert EVIL in option.inner_text()
    assert page.locator("#site-search-list img, #site-search-list script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
