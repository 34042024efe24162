"""A second, different project (tests/projects/zukunftswerkstatt/) checks clean and builds, twice.

The shipped example is one process of a county; this one is a small town's Zukunftswerkstatt,
served below a path (``site_url`` ends in ``/hollerbrueck/``), built into ``public/`` with
premailer, with events of every kind, joint and inline statements, a JPEG stored on its side
(EXIF orientation 6), a portrait-format and a tiny photo, a PNG photo, an image file name with
an umlaut, Markdown tables, links between issues and a draft.

The project is built twice in a row in the same folder, as an editor does. After each build an
independent check (written here, not borrowed from the generator) follows every address on the
site that an email shows to a file of the built site: the second build reuses the emails of the
first, and must still serve everything they show.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from tests.conftest import REPO

SOURCE = Path(__file__).resolve().parent / "projects" / "zukunftswerkstatt"
TODAY = "2027-06-20"  # some events past, some upcoming
SITE_URL = "https://beteiligung.example.net/hollerbrueck/"
SERVICE_URL = "https://beteiligung.example.net/hollerbrueck/abo/"  # the subscription service, not files
SITE_DIR = "public"

ISSUES = {  # slug: (number, title)
    "2027-01-auftakt": ("1/2027", "Auftakt: „Hollerbrück morgen“ – Ihre Stadt, Ihre Ideen"),
    "2027-02-ideenmarkt": ("2/2027", "Ideen & Wünsche – 140 Gäste beim Auftaktabend"),
    "2027-04-werkstattwoche": ("3/2027", "Werkstattwoche: Die Ortsmitte nimmt Gestalt an"),
    "2027-05-zwischenstand": ("4/2027", "Zwischenstand – 9 Projekte & ein neuer Termin für die Radtour"),
    "2027-06-zukunftsplan": ("5/2027", "Der Entwurf des Zukunftsplans ist da"),
}
DRAFT = "2027-07-entwurf"
DRAFT_ONLY_EVENT = "nachlese-kesselhaus"
EVENTS = {  # id: what kind of event it is
    "auftaktabend": "timed, referenced from issue 2",
    "sprechstunde-februar": "online only",
    "ideenmarkt": "all-day, referenced from issues 2 and 3",
    "werkstattwoche": "all-day over five days",
    "jugendcamp": "timed over three days",
    "buergerforum-mobilitaet": "hybrid, repeated in full in issue 3",
    "2027-04-24-ortsbegehung-kattenhagen": "cancelled, default id",
    "radtour-ortsteile": "postponed",
    "radtour-ortsteile-neu": "the new date",
    "zukunftsfest": "upcoming",
    "ausstellung-zukunftsplan": "upcoming, all-day over three weeks",
    "fragestunde-zukunftsplan": "upcoming, online only",
    "stadtrat-beschluss": "upcoming, without an end",
}
EXPECTED_CHECK_DIAGNOSTICS: list[str] = []  # the project is clean: no errors, no warnings
_DIAGNOSTIC = re.compile(r"^\S+?(?::\d+)?: (error|warning): ")
_TEXT_URL = re.compile(r"https?://[^\s<>()\"]+")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=REPO,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip


def diagnostics(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if _DIAGNOSTIC.match(line)]


def copy_project(target: Path) -> Path:
    """The project without any output built in place (its templates are rundbrief's own)."""
    outputs = {SITE_DIR, "newsletter", ".rundbrief"}
    shutil.copytree(SOURCE, target, ignore=lambda d, names: outputs & set(names) if Path(d) == SOURCE else set())
    return target


@dataclass(frozen=True)
class Build:
    number: int
    result: subprocess.CompletedProcess[str]
    site: Path  # a copy of site_dir as this build left it
    newsletter: Path
    finished: datetime


@dataclass(frozen=True)
class Builds:
    root: Path
    check_before: subprocess.CompletedProcess[str]
    check_strict_before: subprocess.CompletedProcess[str]
    builds: tuple[Build, Build]
    check_after: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    base = tmp_path_factory.mktemp("second")
    root = copy_project(base / "zukunftswerkstatt")
    check_before = run("check", "--project", str(root))
    check_strict_before = run("check", "--strict", "--project", str(root))
    builds = []
    for number in (1, 2):
        # the second through every cache (kept pages, emails, texts), not the build stamp's shortcut
        result = run("build", "--strict", *(("--force",) if number == 2 else ()), "--project", str(root))
        finished = datetime.now(timezone.utc)
        assert result.returncode == 0, f"build {number} failed:\n{result.stdout}\n{result.stderr}"
        # Copies: the next build replaces both folders (and deletes the old ones).
        site = shutil.copytree(root / SITE_DIR, base / f"build{number}" / SITE_DIR)
        newsletter = shutil.copytree(root / "newsletter", base / f"build{number}" / "newsletter")
        builds.append(Build(number, result, site, newsletter, finished))
    check_after = run("check", "--strict", "--project", str(root))
    return Builds(root, check_before, check_strict_before, (builds[0], builds[1]), check_after)


@pytest.fixture(params=[1, 2], ids=["first-build", "second-build"])
def build(request: pytest.FixtureRequest, built: Builds) -> Build:
    return built.builds[request.param - 1]


# -- the project as committed ---------------------------------------------------------------


def test_images_are_small_and_varied() -> None:
    media = SOURCE / "content" / "media"
    files = sorted(p for p in media.rglob("*") if p.is_file())
    assert all(p.stat().st_size < 60_000 for p in files), [(p.name, p.stat().st_size) for p in files]
    assert sum(p.stat().st_size for p in files) < 400_000
    formats = {}
    for path in files:
        with Image.open(path) as img:
            formats[path.relative_to(media).as_posix()] = (img.format, img.size, img.getexif().get(0x0112))
    assert {f for f, _, _ in formats.values()} == {"JPEG", "PNG"}
    sideways = formats["fotos/2027-03-06-ideenmarkt-gedreht.jpg"]
    assert sideways == ("JPEG", (800, 1200), 6)  # stored on its side, shown 1200 x 800
    assert formats["fotos/2027-04-rathausturm-hochformat.jpg"][1] == (640, 960)  # portrait format
    assert formats["fotos/2027-05-radtour-klein.jpg"][1] == (180, 120)  # smaller than any display width
    assert formats["fotos/plan-ortsmitte-variante-b.png"][1] == (1200, 800)  # wider than an email shows twice
    assert "fotos/2027-06-zukunftsbäume.jpg" in formats


# -- check ---------------------------------------------------------------------------------


def test_check_is_clean(built: Builds) -> None:
    result = built.check_before
    assert result.returncode == 0, result.stderr
    assert diagnostics(result) == EXPECTED_CHECK_DIAGNOSTICS
    assert "5 published issues and 1 draft, 14 events, 8 people, 5 phases" in result.stdout
    assert "(0 errors, 0 warnings)" in result.stdout
    assert built.check_strict_before.returncode == 0, built.check_strict_before.stderr


def test_check_after_the_builds_lints_the_emails_clean(built: Builds) -> None:
    result = built.check_after
    assert result.returncode == 0, result.stdout + result.stderr
    assert diagnostics(result) == []
    assert "5 built emails (0 errors, 0 warnings)" in result.stdout


def test_builds_report_no_problems_and_the_second_reuses_the_emails(built: Builds) -> None:
    first, second = built.builds
    assert diagnostics(first.result) == [] and diagnostics(second.result) == []
    assert "5 emails rendered, 0 unchanged" in first.result.stdout
    # Without reuse the second build would not exercise what it is there for (a change of
    # generator/ between the two builds, in a shared working tree, renders them again).
    assert "0 emails rendered, 5 unchanged" in second.result.stdout, second.result.stdout


# -- every address an email shows on the site is a file of the site ----------------------------


class _Addresses(HTMLParser):
    """Every src, href and srcset address of a document, also inside Outlook's conditional
    comments (<!--[if mso]> ... <![endif]-->), which hold the VML button and ghost tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("src", "href"):
                self.found.append((tag, name, value.strip()))
            elif name == "srcset":
                self.found.extend((tag, name, part.strip().split()[0]) for part in value.split(",") if part.strip())

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        if data.startswith("[if") and "]>" in data:
            inner = _Addresses()
            inner.feed(data.split("]>", 1)[1])
            inner.close()
            self.found.extend(inner.found)


def html_addresses(html: str) -> list[tuple[str, str, str]]:
    parser = _Addresses()
    parser.feed(html)
    parser.close()
    return parser.found


def text_addresses(text: str) -> list[str]:
    return [url.rstrip(".,;:!?") for url in _TEXT_URL.findall(text)]


def site_file(site: Path, url: str) -> Path | None:
    """The file of ``site`` that ``url`` (below SITE_URL) names, or None if there is none."""
    path = unquote(urlsplit(url[len(SITE_URL) :]).path)
    target = site / path if path else site
    if path == "" or path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def test_every_site_address_an_email_shows_is_a_file_of_the_site(build: Build) -> None:
    host = urlsplit(SITE_URL).netloc
    missing, outside, relative = [], [], []
    checked: dict[str, int] = {"img": 0, "a": 0, "text": 0}
    for slug in ISSUES:
        folder = build.newsletter / slug
        shown = html_addresses((folder / "email.html").read_text(encoding="utf-8"))
        shown += [("text", "url", url) for url in text_addresses((folder / "email.txt").read_text(encoding="utf-8"))]
        for tag, attr, url in shown:
            where = f"{slug}/{'email.txt' if tag == 'text' else 'email.html'} <{tag} {attr}>"
            parts = urlsplit(url)
            if url == "%%unsubscribe_url%%" or parts.scheme in ("mailto", "tel"):
                continue
            if parts.scheme not in ("http", "https"):
                relative.append(f"{where}: {url}")  # an email has no base to resolve it against
                continue
            if not url.startswith(SITE_URL):
                if parts.netloc == host:  # the site's host, but not below the site's path
                    outside.append(f"{where}: {url}")
                continue
            if url.startswith(SERVICE_URL):
                continue
            checked["img" if tag == "img" else "text" if tag == "text" else "a"] += 1
            if site_file(build.site, url) is None:
                missing.append(f"{where}: {url}")
    assert not relative, relative
    assert not outside, outside
    assert not missing, f"build {build.number}: {len(missing)} addresses name no file of {SITE_DIR}/:\n" + "\n".join(
        missing
    )
    # the check is not vacuous: every email shows photos or logos, links and written-out URLs
    assert checked["img"] >= 5 * 4 and checked["a"] >= 5 * 5 and checked["text"] >= 5 * 5, checked


# -- what was built -------------------------------------------------------------------------


def test_every_published_issue_has_its_email_and_the_draft_none(build: Build) -> None:
    for slug, (number, title) in ISSUES.items():
        folder = build.newsletter / slug
        for name in ("email.html", "email.txt", "message.eml"):
            assert (folder / name).is_file() and (folder / name).stat().st_size > 1000, (slug, name)
        message = email.message_from_bytes((folder / "message.eml").read_bytes(), policy=policy.default)
        assert message["Subject"] == f"Newsletter {number}: {title}"
        assert message["From"] == "Zukunftswerkstatt Hollerbrück <zukunft@hollerbrueck.example.net>"
        assert [p.get_content_type() for p in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]
        assert title in (folder / "email.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in build.newsletter.iterdir() if p.is_dir()) == sorted(ISSUES)
    assert not (build.newsletter / DRAFT).exists()


def test_the_site_has_the_issue_pages_and_nothing_of_the_draft(build: Build) -> None:
    for slug, (number, _title) in ISSUES.items():
        page = (build.site / "newsletter" / slug / "index.html").read_text(encoding="utf-8")
        assert number in page
    assert not (build.site / "newsletter" / DRAFT).exists()
    assert not (build.site / "people.yml").exists()
    for path in build.site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".ics"):
            text = path.read_text(encoding="utf-8")
            assert "Nachlese im Kesselhaus" not in text and DRAFT not in text, path
    for name in ("impressum", "datenschutz", "barrierefreiheit", "kontakt", "fragen", "termine", "stimmen", "prozess"):
        assert (build.site / name / "index.html").is_file(), name
    statements = (build.site / "stimmen" / "index.html").read_text(encoding="utf-8")
    for name in ("Hannelore Kaminski", "Seniorenrat Oberhollern", "Selin Arslan", "Ida Lorenz", "Theo Brandl"):
        assert name in statements
    events_page = (build.site / "termine" / "index.html").read_text(encoding="utf-8")
    upcoming, _, past = events_page.partition('id="rb-vergangene"')
    upcoming = upcoming.partition('id="rb-kommende"')[2]
    listed = re.compile(r'<article[^>]*\bid="([^"]+)"')
    soon = ["zukunftsfest", "ausstellung-zukunftsplan", "fragestunde-zukunftsplan", "stadtrat-beschluss"]
    assert listed.findall(upcoming) == soon
    assert sorted(listed.findall(past)) == sorted(set(EVENTS) - set(listed.findall(upcoming)))


def _vevents(ics: str) -> dict[str, str]:
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    blocks = re.findall(r"BEGIN:VEVENT\r?\n(.*?)END:VEVENT", unfolded, re.S)
    return {re.search(r"^UID:(.*?)@", block, re.M).group(1): block for block in blocks}  # type: ignore[union-attr]


def test_the_calendar_has_every_public_event(build: Build) -> None:
    raw = (build.site / "termine" / "kalender.ics").read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "an iCalendar line longer than 75 octets"
    events = _vevents(raw.decode("utf-8"))
    assert sorted(events) == sorted(EVENTS)
    assert DRAFT_ONLY_EVENT not in events
    assert "STATUS:CANCELLED" in events["2027-04-24-ortsbegehung-kattenhagen"]
    assert "STATUS:TENTATIVE" in events["radtour-ortsteile"]
    assert sum("STATUS:CONFIRMED" in block for block in events.values()) == len(EVENTS) - 2
    assert "DTSTART;VALUE=DATE:20270322" in events["werkstattwoche"]
    assert "DTEND;VALUE=DATE:20270327" in events["werkstattwoche"]  # the day after the last
    assert "DTSTART;TZID=Europe/Berlin:20270416T150000" in events["jugendcamp"]
    assert "DTEND;TZID=Europe/Berlin:20270418T130000" in events["jugendcamp"]
    assert "LOCATION:" not in events["sprechstunde-februar"]
    assert "Online: https://meet.example.net/hollerbrueck/fragestunde" in events["fragestunde-zukunftsplan"]
    assert "Anmeldung: Ohne Anmeldung" in events["fragestunde-zukunftsplan"]  # upcoming: join and sign-up offered
    assert "meet.example.net" not in events["buergerforum-mobilitaet"]  # over: as on the page, no join link
    assert "Anmeldung:" not in events["werkstattwoche"]
    assert "DTEND" not in events["stadtrat-beschluss"]  # no end given: none made up
    for event_id in EVENTS:
        assert (build.site / "termine" / f"{event_id}.ics").is_file(), event_id


def _rgb(img: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    r, g, b = img.getpixel(xy)  # type: ignore[misc]
    return int(r), int(g), int(b)


def test_the_sideways_photo_is_shown_upright(build: Build) -> None:
    renditions = sorted((build.site / "media" / "_r").glob("media_fotos_2027-03-06-ideenmarkt-gedreht-*.jpg"))
    assert renditions
    for path in renditions:
        with Image.open(path) as img:
            assert img.getexif().get(0x0112) is None  # orientation applied, metadata gone
            rgb = img.convert("RGB")
            w, h = rgb.size
            assert w > h, path.name  # landscape, as shown
            sky, ground = _rgb(rgb, (3, 3)), _rgb(rgb, (3, h - 4))
            assert sky[2] > 200 and abs(sky[0] - 0xB3) < 30, (path.name, sky)  # light blue on top
            assert max(ground) - min(ground) < 20 and 150 < ground[0] < 220, (path.name, ground)  # grey below


def test_email_body_has_the_markdown_the_site_has(built: Builds) -> None:
    """The issue's Markdown table (MkDocs always enables ``tables``) is a table on the site; the
    email shows the same body, so it must be a table there too, not a paragraph of pipes."""
    build = built.builds[0]
    page = (build.site / "newsletter" / "2027-02-ideenmarkt" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<td[^>]*>Bürgerbus am Abend</td>", page)
    html = (build.newsletter / "2027-02-ideenmarkt" / "email.html").read_text(encoding="utf-8")
    text = (build.newsletter / "2027-02-ideenmarkt" / "email.txt").read_text(encoding="utf-8")
    assert "| Thema |" not in text and "| Thema |" not in html
    assert re.search(r"<td[^>]*>\s*Bürgerbus am Abend\s*</td>", html)


# -- the second build equals the first -------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_second_build_equals_the_first(built: Builds) -> None:
    """Byte for byte. The one legitimate difference: MkDocs stamps sitemap.xml's <lastmod> and the
    gzip header of sitemap.xml.gz with the UTC day of the build (SOURCE_DATE_EPOCH aside), so
    they differ when the two builds fall on different days. Everything else is reproducible: the
    calendar carries SEQUENCE and DTSTAMP over from the previous build, the feed uses the
    issues' dates, the renditions come from the image cache, and the emails are reused."""
    first, second = built.builds
    pairs = ((SITE_DIR, first.site, second.site), ("newsletter", first.newsletter, second.newsletter))
    for name, before_dir, after_dir in pairs:
        before, after = _tree(before_dir), _tree(after_dir)
        assert sorted(before) == sorted(after), (name, sorted(set(before) ^ set(after)))
        differ = sorted(path for path in before if before[path] != after[path])
        allowed = {"sitemap.xml", "sitemap.xml.gz"} if first.finished.date() != second.finished.date() else set()
        assert set(differ) <= allowed, (name, differ)
