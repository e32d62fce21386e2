"""The network explorer in a real browser: headless Chromium (Playwright) against a live
uvicorn on 127.0.0.1 serving the curated graph from memory. It loads, filters, opens and
expands an ego view, highlights a path, and its screenshot is checked not to be blank.

Skips without Playwright or ``/usr/bin/chromium`` (fails instead under
``GRAPHKIT_REQUIRE_ALL=1``, as in CI).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from graphkit.settings import Settings
from service.app import create_app
from tests.service.browser import chromium_tab
from tests.service.curated import PROJECT, curated_store
from tests.service.live import live_server

pytestmark = pytest.mark.browser

WPOG = "https://w3id.org/ogkg/id/org/oecd-wpog"

#: Counts the pixels of a PNG (a data URL) that differ from its corner pixel.
COUNT_INK = """async (url) => {
  const image = new Image();
  image.src = url;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (Math.abs(pixels[i] - pixels[0]) + Math.abs(pixels[i + 1] - pixels[1])
        + Math.abs(pixels[i + 2] - pixels[2]) > 30) { ink += 1; }
  }
  return {ink: ink, total: pixels.length / 4};
}"""


@pytest.fixture
def site() -> Iterator[str]:
    settings = Settings(store_path=None, project_root=PROJECT)
    with live_server(create_app(settings, store=curated_store())) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_tab(timeout_ms=20_000, viewport={"width": 1400, "height": 900}) as tab:
        yield tab


def count(page: Any, selector: str) -> int:
    return int(page.evaluate(f"window.networkExplorer.cy().nodes({selector!r}).length"))


def reloaded(page: Any, action: Any) -> None:
    """Do ``action`` and wait for the view it asks for to be drawn."""
    page.evaluate("delete document.body.dataset.networkReady")
    action()
    page.wait_for_selector("body[data-network-ready=true]", state="attached")


def test_explorer_loads_filters_opens_an_ego_view_and_draws(site: str, page: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site}/network")
    page.wait_for_selector("body[data-network-ready=true]", state="attached")
    total = count(page, "")
    assert total > 100 and count(page, "[kind = 'publication']") > 0
    legend = page.locator("#legend-items li")
    kinds = page.evaluate("new Set(window.networkExplorer.cy().nodes().map(n => n.data('kind'))).size")
    assert legend.count() == kinds

    # filter: no publications
    reloaded(page, lambda: page.uncheck("input[name=node_kind][value=publication]"))
    assert count(page, "[kind = 'publication']") == 0 and 0 < count(page, "") < total
    assert "node_kind=" in page.url

    # colour by community: the legend follows
    page.select_option("#color", "community")
    first = page.locator("#legend-items li").first
    assert first.inner_text().startswith("community ")

    # search, zoom, details with a link to the entity page
    page.fill("#search", "OECD Working Party on Open Government")
    page.click("#zoom")
    assert page.locator("#details h3").inner_text() == "OECD Working Party on Open Government"
    assert page.locator("#entity-link").get_attribute("href") == "/id/org/oecd-wpog"

    # ego view, then one step further
    reloaded(page, lambda: page.click("#ego"))
    one = count(page, "")
    assert 1 < one < total and count(page, f"[id = '{WPOG}']") == 1
    query = parse_qs(urlparse(page.url).query)
    assert query["ego"] == [WPOG] and query["radius"] == ["1"]
    reloaded(page, lambda: page.click("#expand"))
    assert count(page, "") > one and "radius=2" in page.url

    # the path between two entities is highlighted
    page.fill("#path-from", "OECD Working Party on Open Government")
    page.fill("#path-to", "Katju Holkeri")
    page.click("#find-path")
    page.wait_for_function("document.getElementById('path-text').textContent.length > 0")
    assert "Katju Holkeri" in page.locator("#path-text").inner_text()
    assert count(page, ".on-path") == 2

    # the screenshot of the map is not blank
    shot = page.locator("#cy").screenshot()
    found = page.evaluate(COUNT_INK, "data:image/png;base64," + base64.b64encode(shot).decode())
    assert found["ink"] > 0.01 * found["total"], found
    assert errors == []


def test_state_in_the_url_restores_the_view(site: str, page: Any) -> None:
    page.goto(f"{site}/network?kind=organisations&color=community&size=pagerank"
              f"&ego={WPOG}&radius=1&focus={WPOG}")
    page.wait_for_selector("body[data-network-ready=true]", state="attached")
    assert page.input_value("#kind") == "organisations"
    assert page.input_value("#color") == "community" and page.input_value("#size") == "pagerank"
    assert all(k == "org" for k in page.evaluate(
        "window.networkExplorer.cy().nodes().map(n => n.data('kind'))"))
    assert page.locator("#details h3").inner_text() == "OECD Working Party on Open Government"
    assert "Ego view of" in page.locator("#status").inner_text()


def test_png_and_view_data_exports(site: str, page: Any) -> None:
    page.goto(f"{site}/network?as_of=2020")
    page.wait_for_selector("body[data-network-ready=true]", state="attached")
    assert page.locator("#as-of-value").inner_text() == "2020"
    with page.expect_download() as png:
        page.click("#png")
    assert png.value.suggested_filename == "network.png"
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as data:
        page.click("#data")
    text = Path(data.value.path()).read_text()
    assert '"filters": "as_of=2020"' in text and '"group": "nodes"' in text
