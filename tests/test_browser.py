"""What a person sees, in a real headless Chromium: no outside requests, no accessibility findings.

Every page of the built example is loaded from a server on loopback at desktop and phone width;
every request the page makes is intercepted: one to another host, one that fails or gets an HTTP
error, and any console message fail the test. axe-core (from npm, see package.json) checks WCAG
2.1 A and AA rules on each page, and on the emails in light and dark mode, with their <style>
block and without it. Screenshots land in tests/artifacts/screenshots/ (docs/screenshots/ holds
chosen ones, converted to JPEG).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
AXE_RUN = (
    "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
)
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
BROKEN_IMAGES = "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"


def watch(page: Page, problems: list[str]) -> None:
    """Every failed request, every HTTP error and every console message or script error of the
    page becomes a problem: a public page has none of them."""
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))


def visit(
    browser: Browser, url: str, origin: str, width: str = "desktop", scheme: str = "light", before: str = ""
) -> tuple[Page, list[str]]:
    """The page loaded and scrolled through as a reader would, and the problems it had;
    ``before``: a script run before the page's own (an older browser's lack)."""
    problems: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(origin + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            problems.append(f"outside host: {route.request.url}")
            route.abort()

    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h}, color_scheme=scheme)  # type: ignore[arg-type]
    watch(page, problems)
    page.route("**/*", guard)
    if before:
        page.add_init_script(before)
    page.goto(url, wait_until="networkidle")
    page.evaluate(SCROLL_THROUGH)  # lazy images load as a reader scrolls
    page.wait_for_load_state("networkidle")
    return page, problems


def axe_findings(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    return [
        f"{v['id']}: {v['help']} {[', '.join(node['target']) for node in v['nodes']][:3]}" for v in result["violations"]
    ]


def test_the_checks_fail_on_a_bad_page(server: str, browser: Browser, example_site: Path) -> None:
    """The harness itself: a missing file, a console message and a contrast failure are caught."""
    bad = example_site / "kaputt-test.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="de"><head><title>x</title></head><body><main>'
        '<p style="color:#999;background:#fff">blass</p><img src="fehlt.png" alt="fehlt">'
        "<script>console.log('hallo')</script></main></body></html>",
        encoding="utf-8",
    )
    try:
        page, problems = visit(browser, f"{server}/kaputt-test.html", server)
        findings = axe_findings(page)
        page.close()
    finally:
        bad.unlink()
    assert any(p.startswith("HTTP 404: ") and p.endswith("/fehlt.png") for p in problems)
    assert "console log: hallo" in problems
    assert any(f.startswith("color-contrast: ") for f in findings)


def test_every_page_at_desktop_and_phone_width(example_site: Path, server: str, browser: Browser) -> None:
    """Each page: no failed or outside request, no console message, no axe-core finding (WCAG 2.1
    A and AA), no sideways scrolling, no broken image, German."""
    pages = site_pages(example_site)
    assert len(pages) >= 15
    findings: dict[str, list[str]] = {}
    for path in pages:
        for width in WIDTHS:
            page, problems = visit(browser, f"{server}/{path.lstrip('/')}", server, width)
            problems += axe_findings(page)
            if (overflow := page.evaluate(OVERFLOW)) > 0:
                problems.append(f"scrolls sideways by {overflow} px")
            if broken := page.evaluate(BROKEN_IMAGES):
                problems.append(f"broken images: {broken}")
            if (lang := page.evaluate("document.documentElement.lang")) != "de":
                problems.append(f"lang is {lang!r}")
            page.close()
            if problems:
                findings[f"{path} ({width})"] = problems
    assert findings == {}


def test_a_browser_without_resize_observer_asks_no_other_host(server: str, browser: Browser) -> None:
    """Where a browser lacks ResizeObserver (Safari before 13.1), Material's script fetched a
    polyfill from unpkg.com: the site's own is loaded instead, before that script asks."""
    requested: list[str] = []
    for path in ("", "newsletter/2026-02/"):
        page, problems = visit(browser, f"{server}/{path}", server, before="delete window.ResizeObserver;")
        assert problems == [], problems
        assert page.evaluate("typeof ResizeObserver") == "function"
        assert "[native code]" not in page.evaluate("ResizeObserver.toString()")  # the polyfill's
        requested += page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        page.close()
    assert sum(url.endswith("/assets/javascripts/resize-observer-polyfill.js") for url in requested) == 2
    page, problems = visit(browser, f"{server}/", server)  # a browser that has it loads nothing more
    assert problems == [] and not any("resize-observer" in url for url in page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"
    ))  # fmt: skip
    page.close()


SCREENSHOTS = {"start": "", "newsletter-2026-02": "newsletter/2026-02/", "termine": "termine/", "stimmen": "stimmen/"}


@pytest.mark.parametrize("name", list(SCREENSHOTS))
@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots(server: str, browser: Browser, name: str, width: str) -> None:
    page, problems = visit(browser, f"{server}/{SCREENSHOTS[name]}", server, width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    page.close()
    assert problems == []
    assert target.stat().st_size > 10_000


# -- the emails --------------------------------------------------------------------------
EMAIL_HOST = "zukunftswerkstatt.example.org"
EMAILS = ["2026-02", "2026-03"]
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)


def open_email(
    browser: Browser, site: Path, html: str, width: int, scheme: str, site_url: str = f"https://{EMAIL_HOST}/"
) -> tuple[Page, list[str]]:
    """The built email as a browser-based mail client shows it; its images come from the site."""
    problems: list[str] = []

    def serve(route: Route) -> None:
        url = route.request.url
        path = url[len(site_url) :] if url.startswith(site_url) else None
        target = site / path if path else None
        if target is not None and target.is_file():
            route.fulfill(path=str(target))
        else:
            problems.append(f"not on the site: {url}")
            route.abort()

    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
    watch(page, problems)
    page.route("**/*", serve)
    page.set_content(html, wait_until="networkidle")
    return page, problems


@pytest.mark.parametrize("slug", EMAILS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("client", ["style", "no-style"], ids=["with-style", "inline-only"])
@pytest.mark.parametrize("width", [600, 375])
def test_email(example_site: Path, browser: Browser, slug: str, scheme: str, client: str, width: int) -> None:
    """Light and dark (prefers-color-scheme, as Apple Mail and iOS apply it), with the <style>
    block and without it (GMX and WEB.DE drop it: the inline styles must hold alone): no axe-core
    finding, no sideways scrolling, every image from the site."""
    html = (example_site.parent / "newsletter" / slug / "email.html").read_text(encoding="utf-8")
    if client == "no-style":
        html = _STYLE_BLOCK.sub("", html)
    page, problems = open_email(browser, example_site, html, width, scheme)
    if client == "style":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"email-{slug}-{width}-{scheme}.png"), full_page=True)
    problems += axe_findings(page)
    overflow = page.evaluate(OVERFLOW)
    broken = page.evaluate(BROKEN_IMAGES)
    page.close()
    assert problems == []
    assert overflow <= 0, f"the email scrolls sideways by {overflow} px"
    assert broken == []


# What a visitor types -> a page that shows it. (Material searches the last word typed as a
# prefix; in a trial, "Regionalkonferenzen" did not find the singular "Regionalkonferenz".)
SEARCHES = {
    "Regionalkonferenz": "termine/#regionalkonferenz-nordost",  # an event's title
    "Gelbensande": "termine/#regionalkonferenz-nordost",  # a place
    "Sandra Lindner": "stimmen/#stimme-2026-02-1",  # a person's name
    "Sozialplanerin": "newsletter/2026-02/#kontakt-1",  # a contact's role
    "Lüchow": "termine/#regionalkonferenz-suedost",  # a place with an umlaut, of a postponed event
}


def search(page: Page, query: str) -> None:
    """Types the query into Material's search box until its worker, which builds the index after
    the page has loaded, answers (at most 15 s)."""
    page.click("input.md-search__input")  # opens the search as a visitor does
    for _ in range(30):
        page.fill("input.md-search__input", "")
        page.type("input.md-search__input", query)
        try:
            page.wait_for_selector(".md-search-result__item", timeout=500)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"no search results for {query!r}")


def test_the_statement_cards_of_a_row_are_equally_wide(tmp_path: Path, browser: Browser) -> None:
    """An editor's trial: a card whose quote and name were short was narrower than its column
    (Material makes a figure as wide as its content)."""
    root = tmp_path / "projekt"
    shutil.copytree(SECOND, root)
    issue = root / "content" / "newsletter" / "2027-02-ideenmarkt.md"
    long_quote = "quote: Selten so viele Ideenkarten an einem Abend gesehen – 96 Stück, von der Boulebahn bis zum Bürgerbus."
    text = issue.read_text(encoding="utf-8")
    assert long_quote in text
    issue.write_text(text.replace(long_quote, "quote: Toll!"), encoding="utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--project", str(root)], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY="2027-06-20"), timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    handler = functools.partial(_QuietHandler, directory=str(root / "public"))  # its site_dir
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        page, problems = visit(browser, f"{origin}/stimmen/", origin)
        widths = page.eval_on_selector_all(".rb-statement", "cards => cards.map(c => c.getBoundingClientRect().width)")
        columns = page.eval_on_selector(".rb-statements", "grid => getComputedStyle(grid).gridTemplateColumns.split(' ').length")
        short = page.evaluate("[...document.querySelectorAll('.rb-statement')].some(c => c.textContent.includes('Toll!'))")
        page.close()
    finally:
        httpd.shutdown()
    assert problems == [] and short
    assert len(widths) >= 3 and columns >= 2, (widths, columns)
    assert max(widths) - min(widths) < 1, widths


@pytest.mark.parametrize("query", list(SEARCHES))
def test_search_finds_what_the_pages_show(server: str, browser: Browser, query: str) -> None:
    page, problems = visit(browser, f"{server}/", server)
    search(page, query)
    found = page.eval_on_selector_all(
        ".md-search-result__item a.md-search-result__link", "links => links.map(a => a.href)"
    )
    page.close()
    assert problems == []
    assert f"{server}/{SEARCHES[query]}" in found, found


SECOND = REPO / "tests" / "projects" / "zukunftswerkstatt"  # a small town's process, never tuned for
SECOND_URL = "https://beteiligung.example.net/hollerbrueck/"


@pytest.fixture(scope="module")
def second_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("second") / "projekt"
    shutil.copytree(SECOND, root)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--project", str(root)], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY="2027-06-20"), timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("client", ["style", "no-style"], ids=["with-style", "inline-only"])
def test_emails_of_another_project_at_phone_width(
    second_project: Path, browser: Browser, scheme: str, client: str
) -> None:
    """Every email of the second project (long addresses and compounds, tables, a hybrid and a
    postponed event) at 375 px: no axe-core finding, no sideways scrolling, with or without <style>."""
    findings: dict[str, list[str]] = {}
    emails = sorted((second_project / "newsletter").glob("*/email.html"))
    assert len(emails) == 5
    for path in emails:
        html = path.read_text(encoding="utf-8")
        if client == "no-style":
            html = _STYLE_BLOCK.sub("", html)
        page, problems = open_email(browser, second_project / "public", html, 375, scheme, SECOND_URL)
        problems += axe_findings(page)
        if (overflow := page.evaluate(OVERFLOW)) > 0:
            problems.append(f"scrolls sideways by {overflow} px")
        if broken := page.evaluate(BROKEN_IMAGES):
            problems.append(f"broken images: {broken}")
        page.close()
        if problems:
            findings[path.parent.name] = problems
    assert findings == {}


LONG_URL = "https://docs.google.com/document/d/1aBcD3fGhIjKlMnOpQrStUvWxYz0123456789abcdefgh/edit?usp=sharing"
LONG_PATH = "https://www.example.org/" + "Abschnitt" * 20
LONG_CODE = "Kreisentwicklungskonzept_" + "x" * 44


@pytest.mark.parametrize("client", ["style", "no-style"], ids=["with-style", "inline-only"])
def test_an_email_with_long_addresses_and_code_fits_a_phone(tmp_path: Path, browser: Browser, client: str) -> None:
    """One unbreakable token (a document's ID, a long path, a line of code) must not widen the
    email beyond 375 px, with or without <style>; the addresses copy whole (no U+200B in them)."""
    root = tmp_path / "projekt"
    shutil.copytree(SECOND, root)
    issue = root / "content" / "newsletter" / "2027-06-zukunftsplan.md"
    issue.write_text(
        issue.read_text(encoding="utf-8")
        + f"\n\nDas Protokoll: {LONG_URL}\n\nDer Pfad: <{LONG_PATH}>\n\n```\n{LONG_CODE}\n```\n\n"
        f"Schreiben Sie an [kreisentwicklungskonzept@example.org](mailto:kreisentwicklungskonzept@example.org).\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--project", str(root)], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY="2027-06-20"), timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = (root / "newsletter" / "2027-06-zukunftsplan" / "email.html").read_text(encoding="utf-8")
    if client == "no-style":
        html = _STYLE_BLOCK.sub("", html)
    page, problems = open_email(browser, root / "public", html, 375, "light", SECOND_URL)
    overflow = page.evaluate(OVERFLOW)
    copied = page.evaluate(
        """() => [...document.querySelectorAll('a, pre, p')].filter(e => /@|https?:|Kreisentw/.test(e.textContent)).map(e => {
             const r = document.createRange(); r.selectNodeContents(e); const s = getSelection();
             s.removeAllRanges(); s.addRange(r); return s.toString(); })"""
    )
    page.close()
    assert problems == []
    assert overflow <= 0, f"the email scrolls sideways by {overflow} px"
    for token in (LONG_URL, LONG_PATH, LONG_CODE, "kreisentwicklungskonzept@example.org"):
        assert any(token in text for text in copied), (token, copied)
    assert not any("\u200b" in text for text in copied), copied
