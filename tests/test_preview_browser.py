"""The preview in a real headless Chromium: the email preview loads every image from the preview
itself and nothing from elsewhere, its variants look as they claim, and an open page reloads
itself after an edit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.emailfixture import TODAY
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_preview import ISSUE, Served, _free_port
from tests.test_preview import rich as rich  # noqa: F401  (the fixture)


@pytest.fixture
def served(rich: Path) -> Iterator[Served]:  # noqa: F811
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--project", str(rich), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, RUNDBRIEF_TODAY=TODAY),
    )  # fmt: skip
    server = Served(rich, port, process)
    try:
        server.wait_for("/_email/2026-02/", "Betreff")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), "Debian's chromium is needed: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


FRAME_FACTS = """(frame) => {
  const doc = frame.contentDocument;
  const images = [...doc.images];
  const container = doc.querySelector('.container') || doc.body;
  return {
    images: images.length,
    loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
    sources: images.filter(i => i.hasAttribute('src')).length,
    background: getComputedStyle(container).backgroundColor,
    styles: doc.querySelectorAll('style').length,
  };
}"""


def test_the_email_preview_loads_only_from_the_preview(served: Served, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(served.base + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(served.base + "/_email/2026-02/", wait_until="load")
    facts = {}
    for frame in page.query_selector_all("iframe"):
        src = frame.get_attribute("src") or ""
        facts[(src.rpartition("=")[2], frame.get_attribute("width"))] = frame.evaluate(FRAME_FACTS)
    page.close()
    assert not outside, outside  # nothing from site_url or any other host
    normal = facts[("normal", "602")]
    assert normal["images"] > 0 and normal["loaded"] == normal["images"], normal  # every image, from the preview
    assert facts[("normal", "377")]["loaded"] == normal["images"]
    assert facts[("ohne-style", "602")]["styles"] == 0 and normal["styles"] > 0
    assert facts[("ohne-bilder", "602")]["sources"] == 0 and facts[("ohne-bilder", "602")]["images"] == normal["images"]
    assert facts[("dunkel", "602")]["background"] == "rgb(22, 24, 31)"  # email.css: #16181f in dark mode
    assert normal["background"] != facts[("dunkel", "602")]["background"]


def test_an_open_page_reloads_itself_after_an_edit(served: Served, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(served.base + "/newsletter/2026-01/", wait_until="load")
    assert "Erste Ausgabe" in page.inner_text("h1")
    issue = served.root / ISSUE
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("title: Erste Ausgabe", "title: Neu betitelt"), encoding="utf-8"
    )
    page.wait_for_function(
        "document.querySelector('h1') && document.querySelector('h1').innerText.includes('Neu betitelt')",
        timeout=60_000,
    )
    page.close()
