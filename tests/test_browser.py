"""What a person sees, in a real headless Chromium: no outside requests, no accessibility findings.

Every page of the built example is loaded from a server on loopback; every request the page
makes is intercepted, and any to another host fails the test. axe-core (from npm, see
package.json) checks WCAG 2.1 A and AA rules on each page. Screenshots of the start page and
an issue page at desktop and phone widths land in tests/artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.conftest import REPO
from tests.emailfixture import built_example

CHROMIUM = "/usr/bin/chromium"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    example = built_example(tmp_path_factory.mktemp("browser"))
    return example / "site"


@pytest.fixture(scope="module")
def server(example_site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(example_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), "Debian's chromium is needed: `make test` installs it (apt-get install chromium)"
    assert AXE.is_file(), "axe-core is needed: `make test` installs it (npm ci)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def site_pages(site: Path) -> list[str]:
    return sorted(
        str(p.relative_to(site).parent).replace(".", "") + "/" if p.name == "index.html" else str(p.relative_to(site))
        for p in site.rglob("*.html")
    )


SCROLL_THROUGH = """async () => {
  for (let y = 0; y < document.body.scrollHeight; y += 500) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20)); }
  window.scrollTo(0, 0);
}"""


def visit(browser: Browser, url: str, origin: str, width: str = "desktop") -> tuple[Any, list[str]]:
    outside: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(origin + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    page.route("**/*", guard)
    page.goto(url, wait_until="networkidle")
    page.evaluate(SCROLL_THROUGH)  # lazy images load as a reader scrolls
    page.wait_for_load_state("networkidle")
    return page, outside


def test_no_page_requests_another_host(example_site: Path, server: str, browser: Browser) -> None:
    pages = site_pages(example_site)
    assert len(pages) >= 15
    offenders = {}
    for path in pages:
        page, outside = visit(browser, f"{server}/{path.lstrip('/')}", server)
        page.close()
        if outside:
            offenders[path] = outside
    assert offenders == {}


def test_accessibility_findings(example_site: Path, server: str, browser: Browser) -> None:
    findings: dict[str, list[str]] = {}
    for path in site_pages(example_site):
        for width in WIDTHS:
            page, _ = visit(browser, f"{server}/{path.lstrip('/')}", server, width)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
            )
            page.close()
            for violation in result["violations"]:
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
                findings.setdefault(f"{path} ({width})", []).append(f"{violation['id']}: {violation['help']} {targets}")
    assert findings == {}


@pytest.mark.parametrize("path", ["", "newsletter/2026-02/"], ids=["start", "issue"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots(server: str, browser: Browser, path: str, width: str) -> None:
    page, outside = visit(browser, f"{server}/{path}", server, width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{(path.strip('/').replace('/', '-') or 'start')}-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    lang = page.evaluate("document.documentElement.lang")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    page.close()
    assert outside == []
    assert lang == "de"
    assert overflow <= 0, "the page scrolls sideways"
    assert broken == []
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("width", [600, 375])
def test_email_screenshots(example_site: Path, browser: Browser, width: int) -> None:
    """The built email as a browser-based mail client shows it; its images come from the site."""
    html = (example_site.parent / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    host = "zukunftswerkstatt.example.org"
    requested: list[str] = []

    def serve(route: Route) -> None:
        url = route.request.url
        requested.append(url)
        path = url.split(host, 1)[1].lstrip("/") if f"https://{host}/" in url else None
        target = example_site / path if path else None
        if target is not None and target.is_file():
            route.fulfill(path=str(target))
        else:
            route.abort()

    page = browser.new_page(viewport={"width": width, "height": 900})
    page.route("**/*", serve)
    page.set_content(html, wait_until="networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"email-2026-02-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    page.close()
    assert overflow <= 0, "the email scrolls sideways"
    assert broken == []
    assert requested and all(url.startswith(f"https://{host}/") for url in requested)
