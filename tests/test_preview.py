"""`rundbrief serve`: the preview over real HTTP (a server in a subprocess on a free loopback
port, stopped in teardown), its email variants, and drafts that never reach a normal build."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.synthetic import make_project as synthetic_project
from generator.diagnostics import UNKNOWN_FIELD, Diagnostics, Level, Location
from generator.preview.build import PreviewBuild, _strict_for_editors, rebuild
from generator.preview.emailview import local_addresses, variant
from generator.preview.pages import GUIDE_ERRORS, error_page, site_additions
from generator.preview.server import Preview, _inside
from tests.conftest import REPO, make_project, write_images
from tests.emailfixture import TODAY, run
from tests.sitefixture import make_rich

ISSUE = Path("content/newsletter/2026-01.md")
BAD_DATE = ("date: 2026-05-12", "date: 2026-13-12")
HOSTILE = "<script>alert(1)</script> \"Zitat\" & 'mehr'"


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    write_images(tmp_path / "images")
    return make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    def __init__(self, root: Path, port: int, process: subprocess.Popen[str]) -> None:
        self.root, self.port, self.process = root, port, process
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
        """One raw GET: the path exactly as given (urllib would not send ``/../`` as it is)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest("GET", path, skip_host=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            connection.endheaders()
            response = connection.getresponse()
            # soft hyphens and break opportunities (generator/hyphenation.py) are invisible: the
            # assertions read the words as a person sees them
            body = response.read().decode("utf-8", "replace").replace("\u00ad", "").replace("<wbr>", "")
            return response.status, body, dict(response.getheaders())
        finally:
            connection.close()

    def page(self, path: str) -> str:
        """A page as the build wrote it: without what the preview adds (its build's number)."""
        _, answer, _ = self.get("/_rundbrief/reload?build=-1")
        status, body, _ = self.get(path)
        assert status == 200, (path, status)
        return body.replace(site_additions(json.loads(answer)["build"]), "")

    def wait_for(self, path: str, wanted: str, seconds: float = 90) -> str:
        deadline = time.monotonic() + seconds
        last = ""
        while time.monotonic() < deadline:
            try:
                status, last, _ = self.get(path)
            except (ConnectionError, OSError):
                status = 0
            if status == 200 and wanted in last:
                return last
            time.sleep(0.2)
        raise AssertionError(f"{path} did not show {wanted!r} within {seconds} s; last answer: {last[:500]!r}")


@contextmanager
def serving(root: Path) -> Iterator[Served]:
    """`rundbrief serve` of ``root`` on a free port, stopped as an editor stops it (SIGTERM)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--project", str(root), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, RUNDBRIEF_TODAY=TODAY),
    )  # fmt: skip
    try:
        yield Served(root, port, process)
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors, errors
    assert not list((root / ".rundbrief" / "preview").glob(f"{process.pid}-*"))  # its builds are removed


@pytest.fixture
def served(rich: Path) -> Iterator[Served]:
    with serving(rich) as server:
        server.wait_for("/newsletter/2026-01/", "Erste Ausgabe")
        yield server


def test_serve_shows_the_site_and_drafts_marked(served: Served) -> None:
    page = served.wait_for("/newsletter/2026-01/", "Erste Ausgabe")
    assert "/_rundbrief/reload" in page  # live reload
    draft = served.wait_for("/newsletter/2026-03/", "Geheimer Entwurf")
    assert "Entwurf – nur in der Vorschau, nicht veröffentlicht" in draft
    archive = served.wait_for("/newsletter/", "Geheimer Entwurf")
    assert re.search(r"Geheimer Entwurf</a> <span class=\"rb-draft\">Entwurf</span>", archive)
    assert 'class="rb-draft"' not in served.wait_for("/newsletter/2026-02/", "Regionalkonferenzen")
    # the preview builds into a folder of its own: what gets published stays untouched
    assert not (served.root / "site").exists() and not (served.root / "newsletter").exists()


def test_serve_shows_every_email_with_local_images(served: Served) -> None:
    index = served.wait_for("/_email/", "E-Mails aller Ausgaben")
    assert "Geheimer Entwurf" in index and "/_email/2026-03/" in index and "Leitfaden" in index
    page = served.wait_for("/_email/2026-02/", "Betreff")
    assert "Newsletter 02.2026: Regionalkonferenzen &amp; mehr" in page
    assert "Testprozess &lt;test@example.org&gt;" in page  # the sender as the message carries it
    assert re.search(r"\d+,\d KB von höchstens 100 KB", page)  # German: a decimal comma
    for name, width in (("normal", 602), ("normal", 377), ("ohne-style", 602), ("dunkel", 602), ("ohne-bilder", 602)):
        assert f'src="/_email/2026-02/email.html?ansicht={name}" width="{width}"' in page
    assert "Textfassung" in page and "Newsletter 02.2026" in page
    status, html, headers = served.get("/_email/2026-02/email.html?ansicht=normal")
    images = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert status == 200 and images and all(src.startswith("/media/_r/") for src in images), images
    assert "https://test.example.org/" not in html  # nothing from the public site
    assert headers["Content-Security-Policy"] == "script-src 'none'"
    for src in images:  # the header logo (PNG), the photos (JPEG): each served as what it is
        status, _, headers = served.get(src)
        assert status == 200 and headers["Content-Type"] == ("image/png" if src.endswith(".png") else "image/jpeg")
    _, blocked, _ = served.get("/_email/2026-02/email.html?ansicht=ohne-bilder")
    assert "<img" in blocked and not re.search(r"<img[^>]* src=", blocked)
    _, plain, _ = served.get("/_email/2026-02/email.html?ansicht=ohne-style")
    assert "<style" not in plain and "<style" in html
    draft = served.wait_for("/_email/2026-03/", "Betreff")
    assert "Newsletter 03.2026: Geheimer Entwurf" in draft and 'class="draft"' in draft
    assert served.get("/_email/keine-ausgabe/")[0] == 404
    guide = served.wait_for("/_guide/", "Leitfaden für die Redaktion")
    assert f'id="{GUIDE_ERRORS}"' in guide and "rundbrief new" in guide  # the error page links there


def test_serve_shows_content_errors_on_every_page_and_recovers(served: Served) -> None:
    issue = served.root / ISSUE
    good = issue.read_text(encoding="utf-8")
    _, answer, _ = served.get("/_rundbrief/reload?build=-1")  # a page's script: which build is this?
    seen = json.loads(answer)["build"]
    issue.write_text(good.replace(*BAD_DATE), encoding="utf-8")
    _, answer, _ = served.get(f"/_rundbrief/reload?build={seen}")  # waits for the next build
    assert json.loads(answer)["build"] > seen
    for path in ("/newsletter/2026-01/", "/newsletter/2026-02/", "/", "/_email/", "/_email/2026-02/"):
        page = served.wait_for(path, "The content has errors", seconds=30)
        assert "content/newsletter/2026-01.md:4: error: date:" in page
    status, _, headers = served.get("/assets/stylesheets/rundbrief.css")  # styles of the last good build
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    issue.write_text(good, encoding="utf-8")  # fixed: the pages come back by themselves
    page = served.wait_for("/newsletter/2026-01/", "Erste Ausgabe", seconds=30)
    assert "The content has errors" not in page
    assert "The content has errors" not in served.wait_for("/_email/2026-01/", "Betreff", seconds=30)


def test_serve_refuses_paths_outside_the_preview_and_foreign_hosts(served: Served, tmp_path: Path) -> None:
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/newsletter/..%2f..%2f..%2fmkdocs.yml",
                 "/_email/..%2f..%2fsite/", "/_email/2026-01/../../../mkdocs.yml", "/..\\..\\mkdocs.yml"):  # fmt: skip
        status, body, _ = served.get(path)
        assert status in (302, 400, 404), (path, status)
        assert "root:" not in body and "site_name" not in body, path
    status, body, _ = served.get("/", host="attacker.example")
    assert status == 400 and "Erste Ausgabe" not in body


def test_serve_escapes_editors_text(rich: Path) -> None:
    issue = rich / ISSUE
    escaped = HOSTILE.replace("'", "''")
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("title: Erste Ausgabe", f"title: '{escaped}'"), encoding="utf-8"
    )
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--project", str(rich), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(os.environ, RUNDBRIEF_TODAY=TODAY),
    )  # fmt: skip
    server = Served(rich, port, process)
    try:
        for path in ("/_email/", "/_email/2026-01/"):
            page = server.wait_for(path, "alert(1)")
            assert "<script>alert(1)" not in page
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;Zitat&#34; &amp; &#39;mehr&#39;" in page
        # and an error message quoting hostile text is escaped on the error page too
        issue.write_text(
            issue.read_text(encoding="utf-8").replace(*BAD_DATE).replace("2026-13-12", "<b>x</b>"), encoding="utf-8"
        )
        page = server.wait_for("/", "The content has errors")
        assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)


def test_events_only_drafts_mention_are_marked_on_the_preview(
    rich: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Termine page of the preview shows a draft's events: marked "Entwurf" like the draft,
    so nobody takes one for announced; events of published issues are not marked."""
    monkeypatch.setenv("RUNDBRIEF_TODAY", TODAY)
    done = rebuild(rich, tmp_path / "vorschau", None)
    try:
        assert done.folder is not None, done.problems
        page = (done.folder / "site" / "termine" / "index.html").read_text(encoding="utf-8").replace("\u00ad", "")
        cards = re.findall(r'<article class="rb-event[^"]*" id="([^"]+)">\s*<h\d[^>]*>(.*?)</h\d>', page, re.DOTALL)
        marked = {event_id for event_id, title in cards if 'class="rb-draft">Entwurf' in title}
        assert marked == {"nur-im-entwurf"} and len(cards) > 1, cards
    finally:
        if done.folder is not None:
            shutil.rmtree(done.folder, ignore_errors=True)


def test_a_normal_build_never_shows_drafts(rich: Path) -> None:
    result = run("build", "--project", str(rich))
    assert result.returncode == 0, result.stderr
    site = rich / "site"
    assert not (site / "newsletter" / "2026-03").exists() and not (rich / "newsletter" / "2026-03").exists()
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "Geheimer Entwurf" not in pages and 'class="rb-draft"' not in pages


# -- the email variants, without a server ----------------------------------------------

EMAIL = """<html><head><style>@media (prefers-color-scheme: dark) { td { color: #fff !important; } }
@media screen and (prefers-color-scheme: light) { td { color: #000; } }</style></head>
<body><img src="https://test.example.org/media/_r/a.jpg" alt="Die Gruppe" width="600">
<a href="https://test.example.org/newsletter/x/">Web</a></body></html>"""


def test_variants() -> None:
    site = "https://test.example.org/"
    assert variant(EMAIL, "normal", site) == local_addresses(EMAIL, site)
    assert 'src="/media/_r/a.jpg"' in variant(EMAIL, "normal", site) and 'href="/newsletter/x/"' in variant(
        EMAIL, "normal", site
    )
    assert "<style" not in variant(EMAIL, "ohne-style", site) and 'style="' not in EMAIL
    dark = variant(EMAIL, "dunkel", site)
    assert "@media (min-width: 0px) { td { color: #fff" in dark and "screen and (max-width: 0px)" in dark
    blocked = variant(EMAIL, "ohne-bilder", site)
    assert '<img alt="Die Gruppe" width="600">' in blocked


def test_the_preview_counts_a_misspelt_field_as_an_error() -> None:
    diag = Diagnostics()
    diag.warning(
        Location("content/newsletter/a.md", 3), 'summray: unknown field, ignored (did you mean "summary"?)', kind=UNKNOWN_FIELD
    )
    diag.warning(Location("content/impressum.md", 2), "placeholder: this legal page ...", reminder=True)
    _strict_for_editors(diag)
    assert [p.level for p in diag.problems] == [Level.ERROR, Level.WARNING]
    assert (
        str(diag.problems[0])
        == 'content/newsletter/a.md:3: error: summray: unknown field, ignored (did you mean "summary"?)'
    )
    page = error_page(1, diag.errors)
    assert f'href="/_guide/#{GUIDE_ERRORS}"' in page and "The content has errors" in page


def test_a_burst_of_changes_makes_one_build_of_the_pluggable_rebuild(tmp_path: Path) -> None:
    """The server calls one function per build; a faster build plugs in there. Changes in quick
    succession make one build; the preview's own writes below the project make none."""
    made: list[Path] = []

    def fake(root: Path, folder: Path, previous: PreviewBuild | None) -> PreviewBuild:
        made.append(folder)
        (folder / "site").mkdir(parents=True)
        (folder / "site" / "index.html").write_text(f"<html><body>Build {len(made)}</body></html>", encoding="utf-8")
        (folder / "newsletter").mkdir()
        return PreviewBuild(folder, ())

    (tmp_path / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    preview = Preview(tmp_path, fake, debounce=0.1)
    preview.start()
    try:
        assert preview.wait_for_build(0, 10) == 1
        for n in range(5):
            (tmp_path / "content" / f"seite-{n}.md").write_text("# Seite\n", encoding="utf-8")
            time.sleep(0.02)
        assert preview.wait_for_build(1, 10) == 2
        time.sleep(0.6)
        assert preview.number == 2 and len(made) == 2
        (tmp_path / "mkdocs.yml").write_text("site_name: Anders\n", encoding="utf-8")
        assert preview.wait_for_build(2, 10) == 3
        status, _, body = preview.respond({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "localhost:8000"})
        assert status == "200 OK" and b"Build 3" in body and b"/_rundbrief/reload?build=" in body
        assert [p for p in made if p.exists()] == made[1:]  # the build before is kept for requests in flight
    finally:
        preview.stop()
    assert not [p for p in made if p.exists()]


def _one_page_preview(tmp_path: Path) -> Preview:
    """A started preview whose one build is a page "Build 1" (stop it)."""

    def fake(root: Path, folder: Path, previous: PreviewBuild | None) -> PreviewBuild:
        (folder / "site").mkdir(parents=True)
        (folder / "site" / "index.html").write_text("<html><body>Build 1</body></html>", encoding="utf-8")
        (folder / "newsletter").mkdir()
        return PreviewBuild(folder, ())

    (tmp_path / "mkdocs.yml").write_text("site_name: Test\n", encoding="utf-8")
    preview = Preview(tmp_path, fake, debounce=0.05)
    preview.start()
    assert preview.wait_for_build(0, 10) == 1
    return preview


def _get(preview: Preview, path: str, query: str = "") -> tuple[str, bytes]:
    """One request through the WSGI application, as the server makes it (errors included)."""
    answer: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        answer.append(status)

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "127.0.0.1:8000"}
    body = b"".join(preview(environ, start_response))
    return answer[0], body


def test_reload_takes_only_a_plain_build_number(tmp_path: Path) -> None:
    """A superscript two passes str.isdigit() but not int(); 5,000 digits pass neither int():
    either was a 500 and a traceback in the editor's terminal. Both are an unknown build."""
    preview = _one_page_preview(tmp_path)
    try:
        for value in ("%C2%B2", "9" * 5000, "-5", "1e3", "", "%EF%BC%91"):  # ², digits, minus, fullwidth 1
            status, body = _get(preview, "/_rundbrief/reload", f"build={value}")
            assert (status, json.loads(body)) == ("200 OK", {"build": 1}), value[:20]
        started = time.monotonic()
        status, body = _get(preview, "/_rundbrief/reload", "build=0")
        assert (status, json.loads(body)) == ("200 OK", {"build": 1}) and time.monotonic() - started < 5
    finally:
        preview.stop()


def test_a_name_too_long_for_any_file_is_not_found(tmp_path: Path) -> None:
    """The system refuses to look up a name over 255 bytes: that was a 503 "being built" page."""
    preview = _one_page_preview(tmp_path)
    try:
        for path in ("/" + "a" * 256, "/newsletter/" + "ä" * 128 + "/", "/" + "a" * 256 + "/index.html"):
            status, body = _get(preview, path)
            assert status == "404 Not Found" and b"Nicht gefunden" in body, path
    finally:
        preview.stop()


def test_paths_leaving_the_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "site" / "a").mkdir(parents=True)
    (tmp_path / "geheim").write_text("x", encoding="utf-8")
    (tmp_path / "site" / "link").symlink_to(tmp_path / "geheim")
    assert _inside(tmp_path / "site", "/a/") == (tmp_path / "site" / "a").resolve()
    for path in ("/../geheim", "/a/../../geheim", "/link", "/a\\..\\..\\geheim", "/a/\0"):
        assert _inside(tmp_path / "site", path) is None, path


# -- item 4: the legal-page reminders once, by build, check and serve only -------------

REMINDER = "warning: placeholder: this legal page still has the placeholder text"


def test_legal_reminders_only_from_build_and_check(rich: Path) -> None:
    (rich / "content" / "impressum.md").write_text("---\nplaceholder: true\n---\n# Impressum\n", encoding="utf-8")
    config = rich / "mkdocs.yml"  # a site not public yet: placeholders allowed, so they are reminders
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  - rundbrief:\n", "  - rundbrief:\n      allow_placeholders: true\n"
        ),
        encoding="utf-8",
    )
    for command in (("check",), ("build",)):
        result = run(*command, "--project", str(rich))
        assert result.returncode == 0, result.stderr
        assert result.stderr.count(REMINDER) == 1, (command, result.stderr)
    for command in (("email", "2026-01"), ("new", "Nächste Ausgabe")):
        result = run(*command, "--project", str(rich))
        assert result.returncode == 0, result.stderr
        assert REMINDER not in result.stderr + result.stdout, (command, result.stderr)


def test_a_broken_template_is_shown_with_its_file_and_line(rich: Path) -> None:
    theme = rich / "theme" / "email"
    theme.mkdir(parents=True)
    (theme / "email.html.j2").write_text("<html>\n<body>\n{% if e.subject %}\n</body>\n", encoding="utf-8")
    done = rebuild(rich, rich / ".rundbrief" / "preview" / "test-1", None)
    assert done.folder is None and not (rich / ".rundbrief" / "preview" / "test-1").exists()
    assert [str(p) for p in done.errors] == [
        "theme/email/email.html.j2:3: error: template: Unexpected end of template. Jinja was looking for the "
        "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."
    ]


def test_the_guides_links_to_the_preview_are_relative() -> None:
    """The guide names http://127.0.0.1:8000/; at /_guide/ its links lead to the preview that
    serves it, on whatever port (serve --port 8123) or address."""
    from generator.preview.pages import guide_page

    page = guide_page(1)
    assert 'href="/_email/"' in page and 'href="/_guide/"' in page
    assert 'href="http://127.0.0.1:8000' not in page and "127.0.0.1:8000/_email/" in page  # the text stays


def test_the_hint_when_the_preview_cannot_open_its_address(tmp_path: Path, german: None) -> None:
    """--host 192.0.2.1 (not an address of this machine) was told "already started? other port"."""
    import errno

    from generator.cli import bind_hint
    from generator.preview.server import make_server

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        with pytest.raises(OSError) as in_use:
            make_server(Preview(tmp_path), "127.0.0.1", port)
    assert (
        bind_hint(in_use.value, port) == f"ist sie schon gestartet? Ein anderer Port: rundbrief serve --port {port + 1}"
    )
    not_here = bind_hint(OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"), 8000)
    assert (
        not_here.startswith("diese Adresse gehört nicht zu diesem Rechner; --host 127.0.0.1")
        and "--port" not in not_here
    )
    assert "Administratorrechte" in bind_hint(PermissionError(errno.EACCES, "Permission denied"), 80)
    assert "Rechnernamen" in bind_hint(socket.gaierror(-2, "Name or service not known"), 8000)


def test_the_subject_cell_has_no_folding_blank(tmp_path: Path) -> None:
    """A long subject is folded right after "Subject:"; the email page showed the folding blank."""
    from generator.preview.emailview import email_facts

    subject = "Newsletter 03.2026: " + "Ein sehr langer Titel mit vielen Wörtern " * 3
    (tmp_path / "email.html").write_text("<html><body><p>Hallo</p></body></html>", encoding="utf-8")
    (tmp_path / "email.txt").write_text("Hallo\n", encoding="utf-8")
    (tmp_path / "message.eml").write_bytes(
        b"From:\r\n Testprozess <test@example.org>\r\nSubject:\r\n " + subject.strip().encode() + b"\r\n\r\nHallo\r\n"
    )
    facts = email_facts(tmp_path, "https://test.example.org/", ())
    assert facts.subject == subject.strip() and facts.sender == "Testprozess <test@example.org>"


def test_an_edit_at_300_generated_issues_shows_in_the_preview(tmp_path: Path) -> None:
    """Issue 13's size: an edited issue's page, its neighbour's pager (a changed title) and its
    email show the edit, through the kept pages and emails of the build before; a page of
    another issue is the same bytes as before. How long it takes: bench/preview_edit.py (the
    benchmark's table), not a timed test."""
    root = synthetic_project(tmp_path / "p300", 300, REPO, seed=5)
    issues = sorted((root / "content" / "newsletter").glob("0*.md"))
    edited, neighbour, other = issues[150], issues[151], issues[10]
    with serving(root) as served:
        served.wait_for(f"/newsletter/{edited.stem}/", "rb-issue", seconds=300)
        unrelated = served.page(f"/newsletter/{other.stem}/")
        text = edited.read_text(encoding="utf-8")
        text = re.sub(r"^title: .*$", "title: Neuer Titel der Ausgabe", text, count=1, flags=re.MULTILINE)
        edited.write_text(text + "\nEin Absatz, eben geschrieben.\n", encoding="utf-8")
        served.wait_for(f"/newsletter/{edited.stem}/", "Ein Absatz, eben geschrieben.", seconds=120)
        served.wait_for(f"/newsletter/{neighbour.stem}/", "Neuer Titel der Ausgabe", seconds=30)
        served.wait_for(f"/_email/{edited.stem}/", "Neuer Titel der Ausgabe", seconds=30)
        assert served.page(f"/newsletter/{other.stem}/") == unrelated
        # an edit of the body alone is rendered in place (preview/incremental.py): no new build folder
        builds = set((root / ".rundbrief" / "preview").iterdir())
        edited.write_text(edited.read_text(encoding="utf-8") + "\nNoch ein Satz, nur im Text.\n", encoding="utf-8")
        served.wait_for(f"/newsletter/{edited.stem}/", "Noch ein Satz, nur im Text.", seconds=60)
        served.wait_for(f"/_email/{edited.stem}/", "Noch ein Satz, nur im Text.", seconds=30)
        after = set((root / ".rundbrief" / "preview").iterdir())
        assert after and after <= builds, (builds, after)
        assert served.page(f"/newsletter/{other.stem}/") == unrelated
    kept = root / ".rundbrief" / "cache" / "pages" / "site"
    assert len(list(kept.glob("*.page"))) == 300  # every issue page is kept for the next build
