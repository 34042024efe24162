"""Links and images in issue bodies are content: checked with their line, resolved by the one
URL map for the site and the email alike, with MkDocs' page addresses both ways."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from mkdocs.structure.files import File

from generator.content.bodyrefs import find_images, find_links
from generator.htmltags import srcset
from generator.linkcheck import missing_on_site
from generator.routes import CALENDAR_FILE, CALENDAR_ID, Routes, calendar_event, page_url
from tests.conftest import make_project, write_images
from tests.emailfixture import built_example, copy_example, run
from tests.sitefixture import make_rich

PATHS = [
    "index.md", "README.md", "kontakt.md", "newsletter/index.md", "newsletter/2026-02.md", "prozess/jugend.md",
    "a/b/README.md", "a/b/c.md", "ä ö/ü ß.md", "with space.md", "x/index.md",
]  # fmt: skip


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize("path", PATHS)
def test_page_addresses_are_mkdocs_own(path: str, directory_urls: bool) -> None:
    mkdocs = File(path, "/docs", "/site", directory_urls)
    assert page_url(path, directory_urls) == mkdocs.url


def test_references_as_written_become_site_addresses() -> None:
    routes = Routes.create("https://example.org/prozess", directory_urls=True)
    assert routes.reference("2026-01.md", "newsletter") == "https://example.org/prozess/newsletter/2026-01/"
    assert routes.reference("2026-01.md#termine", "newsletter") == "https://example.org/prozess/newsletter/2026-01/#termine"
    assert routes.reference("../kontakt.md", "newsletter") == "https://example.org/prozess/kontakt/"
    assert routes.reference("../media/a b.jpg", "newsletter") == "https://example.org/prozess/media/a%20b.jpg"
    assert routes.reference("/impressum/", "newsletter") == "https://example.org/prozess/impressum/"
    for kept in ("https://other.org/x.md", "mailto:a@example.org", "#oben", "tel:+4930123"):
        assert routes.reference(kept, "newsletter") == kept
    flat = Routes.create("https://example.org/", directory_urls=False)
    assert flat.reference("../index.md", "newsletter") == "https://example.org/index.html"
    assert flat.reference("2026-01.md", "newsletter") == "https://example.org/newsletter/2026-01.html"


BROKEN = """
Siehe [die erste Ausgabe](2026-01x.md) und [den Entwurf](2026-03.md).
Auch [die Datei](../media/programm.pdf), [hinaus](../../geheim.md) und [gut](../index.md).
Ein Bild: ![Plakat](../media/plakat.jpg)
[ref]: ../media/fehlt.pdf
Mit [Referenz][ref] und [extern](https://example.org/x.md), [Anker](#oben), [wieder][ref].
"""


@pytest.mark.parametrize("event_id", ["konferenz-nord", "e-1", "2026"])
def test_an_event_calendar_address_gives_its_event_back(event_id: str) -> None:
    assert calendar_event(Routes.event_calendar(event_id)) == event_id


def test_other_files_are_no_event_calendar() -> None:
    assert calendar_event(CALENDAR_FILE) is None and CALENDAR_ID == "kalender"
    for path in ("termine/index.md", "termine/sub/x.ics", "media/x.ics", "termine/x.ICS.txt"):
        assert calendar_event(path) is None, path


def test_check_reports_broken_body_links_and_images_with_their_line(tmp_path: Path) -> None:
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    issue = root / "content" / "newsletter" / "2026-02.md"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text + BROKEN, encoding="utf-8")
    first = len(text.split("\n"))  # BROKEN starts with a blank line: its first text line is this one + 1
    result = run("check", "--project", str(root))
    assert result.returncode == 1
    where = "content/newsletter/2026-02.md"
    expected = [
        f'{where}:{first + 1}: error: body: link 2026-01x.md: there is no page content/newsletter/2026-01x.md (did you mean "2026-01.md"?)',
        f"{where}:{first + 1}: error: body: link 2026-03.md: content/newsletter/2026-03.md is a draft, which is not published",
        f"{where}:{first + 2}: error: body: link ../media/programm.pdf: file not found: content/media/programm.pdf",
        f"{where}:{first + 2}: error: body: link ../../geheim.md: leads outside content/; links count from the folder "
        "of this file (content/newsletter/), link to pages and files of the project only",
        f"{where}:{first + 3}: error: body: image ../media/plakat.jpg: file not found: content/media/plakat.jpg",
        # a reference: at its definition, where the address is written (once for every use)
        f"{where}:{first + 4}: error: body: link ../media/fehlt.pdf: file not found: content/media/fehlt.pdf",
    ]
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert sorted(errors) == sorted(expected), result.stderr


GENERATED_LINKS = """
Alle [Termine als Kalender](../termine/kalender.ics), die [Konferenz](../termine/konferenz-nord.ics) und
der [Feed](feed.xml); nicht [der Entwurfstermin](../termine/nur-im-entwurf.ics), nicht [erfunden](../termine/erfunden.ics),
nicht [vertippt](../termine/konferenz-nordd.ics).
Ein [](2026-01.md) ohne Text, ein \\[](kein-link.md) mit Backslash, `[](im-code.md)` im Code.
"""


def test_links_to_files_the_build_makes_pass_and_resolve(tmp_path: Path) -> None:
    """Calendars and the feed are no files in content/: check knows them, the site and the email
    link them, and an event only a draft shows has no calendar yet."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    issue = root / "content" / "newsletter" / "2026-02.md"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text + GENERATED_LINKS, encoding="utf-8")
    first = len(text.split("\n")) + 1
    where = "content/newsletter/2026-02.md"
    result = run("check", "--project", str(root))
    problems = sorted(line for line in result.stderr.splitlines() if line.startswith(where))
    assert problems == [
        f"{where}:{first + 1}: error: body: link ../termine/erfunden.ics: no event has the id erfunden, so there is "
        "no calendar file of it",
        f"{where}:{first + 1}: error: body: link ../termine/nur-im-entwurf.ics: the build makes "
        "termine/nur-im-entwurf.ics only once an issue that shows this event is published; only drafts show it",
        f'{where}:{first + 2}: error: body: link ../termine/konferenz-nordd.ics: no event has the id konferenz-nordd, '
        'so there is no calendar file of it (did you mean "konferenz-nord.ics"?)',
        f"{where}:{first + 3}: warning: body: link 2026-01.md has no text, which nobody sees; write between the "
        "brackets where it leads: [...](2026-01.md)",
    ], result.stderr
    issue.write_text(text + GENERATED_LINKS.replace(", nicht [erfunden](../termine/erfunden.ics)", "").replace(
        "nicht [der Entwurfstermin](../termine/nur-im-entwurf.ics)", "nichts weiter").replace(
        "nicht [vertippt](../termine/konferenz-nordd.ics).", ""), encoding="utf-8")  # fmt: skip
    # a page MkDocs renders (not an issue) links to them too, relative to content/
    home = root / "content" / "index.md"
    home.write_text(
        home.read_text(encoding="utf-8") + "\n[Kalender](termine/kalender.ics) [Nord](termine/konferenz-nord.ics) "
        "[Feed](newsletter/feed.xml)\n",
        encoding="utf-8",
    )
    result = run("build", "--project", str(root))
    assert result.returncode == 0, result.stderr
    site_page = (root / "site" / "newsletter" / "2026-02" / "index.html").read_text(encoding="utf-8")
    email = (root / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    site_url = Routes.create(_site_url(root)).site_url
    for name in ("termine/kalender.ics", "termine/konferenz-nord.ics", "newsletter/feed.xml"):
        assert (root / "site" / name).is_file(), name
        assert f'href="{site_url}{name}"' in email, name
    assert 'href="../../termine/konferenz-nord.ics"' in site_page and 'href="../feed.xml"' in site_page
    start_page = (root / "site" / "index.html").read_text(encoding="utf-8")
    for name in ("termine/kalender.ics", "termine/konferenz-nord.ics", "newsletter/feed.xml"):
        assert f'href="{name}"' in start_page, name  # the start page is at the site's root
    assert "target is not found" not in result.stderr  # MkDocs knows the files the build makes


def _site_url(root: Path) -> str:
    return re.search(r"^site_url: *(\S+)", (root / "mkdocs.yml").read_text(encoding="utf-8"), re.M)[1]  # type: ignore[index]


class _Addresses(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src", "poster") and v]
        self.found += [url for k, v in attrs if k == "srcset" and v for url, _ in srcset(v)]


@pytest.mark.parametrize("directory_urls", [True, False])
def test_example_builds_both_ways_with_every_email_address_a_site_file(tmp_path: Path, directory_urls: bool) -> None:
    root = copy_example(tmp_path / "example")
    if not directory_urls:
        config = root / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8") + "use_directory_urls: false\n", encoding="utf-8")
    result = run("build", "--project", str(root))
    assert result.returncode == 0, result.stderr
    site_url = "https://zukunftswerkstatt.example.org/"
    for folder in sorted(p for p in (root / "newsletter").iterdir() if p.is_dir()):
        html = (folder / "email.html").read_text(encoding="utf-8")
        parser = _Addresses()
        parser.feed(html)
        on_site = [a for a in parser.found if a.startswith(site_url) and not a.startswith(site_url + "abo/")]
        assert len(on_site) > 10
        for address in on_site:
            relative = address[len(site_url) :].split("#")[0]
            target = root / "site" / relative
            assert (target / "index.html" if relative.endswith("/") or not relative else target).is_file(), address
        assert missing_on_site(folder, root / "site", site_url, (site_url + "abo/",)) == []
        if not directory_urls:
            assert re.search(r'href="https://zukunftswerkstatt\.example\.org/newsletter/[\w-]+\.html"', html)


def test_a_table_admonition_and_footnote_in_site_email_and_text(tmp_path: Path) -> None:
    root = built_example(tmp_path)
    issue = root / "content" / "newsletter" / "2026-02.md"
    issue.write_text(
        issue.read_text(encoding="utf-8")
        + "\n| Tag | Programm |\n|---|---:|\n| Montag | Auftakt |\n\n!!! note \"Gut zu wissen\"\n    Bitte anmelden.\n\n"
        "Ein Satz mit Fußnote.[^1]\n\n[^1]: Die Fußnote.\n\n"
        "<details><summary>Alle Ergebnisse</summary>\n\n- Rufbus am Wochenende\n</details>\n",
        encoding="utf-8",
    )
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - admonition\n", "  - admonition\n  - footnotes\n"))
    result = run("build", "--project", str(root))
    assert result.returncode == 0, result.stderr
    page = (root / "site" / "newsletter" / "2026-02" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<td[^>]*>Montag</td>", page) and 'class="admonition note"' in page and 'class="footnote"' in page
    html = (root / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    assert re.search(r"<td[^>]*>Montag</td>", html) and re.search(r"<td[^>]*text-align:\s*right[^>]*>Auftakt</td>", html)
    assert re.search(r'<td class="rb-box" style="[^"]*border-left:\s*4px solid[^"]*"><p style="[^"]*font-weight:\s*bold[^"]*">Gut zu wissen</p>', html)
    assert "<sup>1</sup>" in html and "Die Fußnote." in html and "#fn" not in html and "!!!" not in html
    # a raw <details> box keeps its text after the title (it was dropped with the title)
    assert re.search(r">Alle Ergebnisse</p>\s*- Rufbus am Wochenende", html), html
    text = (root / "newsletter" / "2026-02" / "email.txt").read_text(encoding="utf-8")
    assert "Tag    | Programm" in text and "Montag | Auftakt" in text
    assert "Gut zu wissen\n\nBitte anmelden." in text
    assert "Rufbus am Wochenende" in text
    assert "!!!" not in text and "[^1]" not in text and "| Tag |" not in text


RAW_ISSUE = (
    '\n\nRoh: <img src="../media/2026-05-26-auftakt-schwaan.jpg" alt="Roh" width="200"> '
    "<img src='../media/2026-06-13-kreativgruppe.jpg' srcset='../media/2026-06-13-kreativgruppe.jpg 2x' alt='Satz'>\n\n"
    '<a href="../kontakt.md">Kontakt roh</a> und <a href=2026-01.md#programm>Januar roh</a>\n\n'
    '<div>\n<img src="../media/2026-05-26-zukunftsbild-knete.jpg" alt="Block">\n</div>\n\n'
    '<a href="2026-01.md?tab=1&section=2">Query roh</a> <A HREF=\'../kontakt.md\'>Gross roh</A> '
    '`<a href="https://zukunftswerkstatt.example.org/">`\n\n'
    '<div markdown="1">\n<video poster="../media/2026-05-26-auftakt-schwaan.jpg" '
    'src="../media/2026-05-26-auftakt-schwaan.jpg"></video>\n\n<img srcset="../media/a,b.jpg 1x" alt="Komma">\n</div>\n\n'
    "<!-- Notiz für Jana: Zahlen noch prüfen -->\n\nWeiter <!-- zweite Notiz --> im Text.\n"
)
RAW_PAGE = (
    '\n\nPlan: <img src="media/2026-05-26-auftakt-schwaan.jpg" alt="Plan"> <a href="newsletter/2026-01.md">Januar roh</a>\n'
    "\n<!-- Notiz zur Kontaktseite -->\n"
)


def _relative_targets(page: Path, site: Path, folders: bool = True) -> list[tuple[str, Path]]:
    """Every address of ``page`` on the site itself, with the file it leads to (``folders``
    False: an address must name the file itself, as MkDocs' links do without directory URLs)."""
    parser = _Addresses()
    parser.feed(page.read_text(encoding="utf-8"))
    found = []
    for address in parser.found:
        if address.startswith(("#", "mailto:", "tel:", "data:")) or "://" in address:
            continue
        path = unquote(address.split("#")[0].split("?")[0])  # as the web server reads it
        target = (page.parent / path).resolve()
        leads_to_folder = path.endswith("/") or target.is_dir()
        found.append((address, target / "index.html" if leads_to_folder and folders else target))
    return found


@pytest.mark.parametrize("directory_urls", [True, False])
def test_raw_html_addresses_are_relative_to_the_file_as_markdown_ones(tmp_path: Path, directory_urls: bool) -> None:
    """An editor's raw ``<img src>`` and ``<a href>`` are read relative to the Markdown file by
    check, so every page and the email must show them so: in an issue (the one conversion) and
    in a page MkDocs converts itself. They used to stay as written on the site, relative to the
    page's address, where neither the image nor the .md file is."""
    root = copy_example(tmp_path / "example")
    config = root / "mkdocs.yml"
    if not directory_urls:
        config.write_text(config.read_text(encoding="utf-8") + "use_directory_urls: false\n", encoding="utf-8")
    issue = root / "content" / "newsletter" / "2026-02.md"
    issue.write_text(issue.read_text(encoding="utf-8") + RAW_ISSUE, encoding="utf-8")
    media = root / "content" / "media"
    (media / "a,b.jpg").write_bytes((media / "2026-05-26-auftakt-schwaan.jpg").read_bytes())
    contact = root / "content" / "kontakt.md"
    contact.write_text(contact.read_text(encoding="utf-8") + RAW_PAGE, encoding="utf-8")
    result = run("build", "--project", str(root))
    assert result.returncode == 0, result.stderr
    assert "not found among documentation files" not in result.stderr
    site = root / "site"
    pages = [site / page_url(name, directory_urls) for name in ("newsletter/2026-02.md", "kontakt.md")]
    pages = [p / "index.html" if directory_urls else p for p in pages]
    for page in pages:
        targets = _relative_targets(page, site, folders=directory_urls)
        assert len(targets) > 10
        missing = [address for address, target in targets if not target.is_file()]
        assert missing == [], page
    issue_page = pages[0].read_text(encoding="utf-8")
    for alt in ("Roh", "Satz", "Block"):  # each raw image web-sized, as a Markdown image is
        assert re.search(rf'<img src="[^"]*/media/_r/[^"]+" srcset="[^"]+" [^>]*alt="{alt}"', issue_page), alt
    assert re.search(r'alt="Roh" width="200"', issue_page)  # the width the editor gave it
    assert re.search(r'<a href="[^"]*2026-01(/|\.html)#programm">Januar roh', issue_page)
    # a query as written (not "\u00a7ion"), an upper-case tag, code that shows the site's address as it is
    assert re.search(r'<a href="(\.\./)?2026-01(/|\.html)\?tab=1&amp;section=2">Query roh', issue_page)
    assert re.search(r"<A HREF=\"\.\./\.\./kontakt/\">Gross roh|<A HREF=\"\.\./kontakt\.html\">Gross roh", issue_page)
    assert '&lt;a href="https://zukunftswerkstatt.example.org/"&gt;' in issue_page
    assert re.search(r'<video poster="(\.\./)+media/2026-05-26-auftakt-schwaan\.jpg"', issue_page)
    assert re.search(r'srcset="(\.\./)+media/a%2Cb\.jpg 1x"', issue_page)  # one address with a comma
    assert re.search(r'<img src="[^"]*media/_r/[^"]+" [^>]*alt="Plan"', pages[1].read_text(encoding="utf-8"))
    # an editor's HTML comment is a note to colleagues: not in the page's source, nor in the feed
    feed = (site / "newsletter" / "feed.xml").read_text(encoding="utf-8")
    assert "Notiz für Jana" not in issue_page and "zweite Notiz" not in issue_page and "Notiz für Jana" not in feed
    assert "Weiter  im Text." in issue_page and "Notiz zur Kontaktseite" not in pages[1].read_text(encoding="utf-8")
    email = (root / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    assert missing_on_site(root / "newsletter" / "2026-02", site, _site_url(root), (_site_url(root) + "abo/",)) == []
    assert re.search(r'<img src="https://[^"]+/media/_r/[^"]+" width="200" [^>]*alt="Roh"', email)
    assert re.search(r'href="https://[^"]+/kontakt(/|\.html)"[^>]*>Kontakt roh', email)
    assert re.search(r'href="https://[^"]+/2026-01(/|\.html)\?tab=1&amp;section=2"[^>]*>Query roh', email)


def test_a_link_to_a_missing_file_names_the_file_it_likely_meant(tmp_path: Path) -> None:
    """A slip of a letter or another case in a link to a PDF: the message names the file of the
    same kind that is there, written as the link is; a file of another kind is never suggested."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    (root / "content" / "media" / "programm-herbst.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "content" / "media" / "Anmeldung.PDF").write_bytes(b"%PDF-1.4\n")
    (root / "content" / "media" / "lageplan.png").write_bytes((root / "content" / "media" / "logo.png").read_bytes())
    issue = root / "content" / "newsletter" / "2026-02.md"
    text = issue.read_text(encoding="utf-8")
    links = "[Programm](../media/programm-herbts.pdf), [Anmeldung](../media/anmeldung.pdf), [Plan](../media/lageplan.pdf)"
    issue.write_text(f"{text}\n{links}\n", encoding="utf-8")
    line = len(text.split("\n")) + 1
    result = run("check", "--project", str(root))
    where = f"content/newsletter/2026-02.md:{line}: error: body: link"
    assert result.returncode == 1
    errors = sorted(line for line in result.stderr.splitlines() if ": error: " in line)
    assert errors == sorted([
        f'{where} ../media/programm-herbts.pdf: file not found: content/media/programm-herbts.pdf '
        '(did you mean "../media/programm-herbst.pdf"?)',
        f'{where} ../media/anmeldung.pdf: file not found: content/media/anmeldung.pdf (did you mean "../media/Anmeldung.PDF"?)',
        f"{where} ../media/lageplan.pdf: file not found: content/media/lageplan.pdf",  # a PNG is no PDF
    ]), result.stderr


@pytest.mark.parametrize(
    ("link", "suggested"),
    [
        ("2026-01x.md", "2026-01.md"),  # a slip of a key
        ("2026-1.md", "2026-01.md"),  # a zero left out
        ("2025-10.md", None),  # another month: no slip (the shared "newsletter/" made them alike)
        ("2026-11.md", None),  # differs only in a digit: another date
        ("../prozess/jugendd.md", "../prozess/jugend.md"),
        ("impressum.md", "../impressum.md"),  # the same name in another folder (an editor's trial)
        ("../prozess/2026-01.md", "2026-01.md"),
        ("../prozes/index.md", "../prozess/index.md"),  # of the index pages, the one in the folder named alike
    ],
)
def test_a_link_to_a_missing_page_names_only_a_page_it_likely_meant(
    tmp_path: Path, link: str, suggested: str | None
) -> None:
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    issue = root / "content" / "newsletter" / "2026-02.md"
    issue.write_text(issue.read_text(encoding="utf-8") + f"\n[Ausgabe]({link})\n", encoding="utf-8")
    result = run("check", "--project", str(root))
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert result.returncode == 1 and len(errors) == 1 and f"link {link}: there is no page" in errors[0], errors
    assert errors[0].endswith(f'(did you mean "{suggested}"?)' if suggested else link.rsplit("/", 1)[-1]), errors


PAGE_LINKS = """
Zur [Ausgabe](newsletter/2026-01x.md), zum [Entwurf](newsletter/2026-03.md) und zum [Prozess](prozess/).
Das [Programm](media/programm.pdf) fehlt; [erste Ausgabe](newsletter/2026-01.md), [Kalender](termine/kalender.ics),
[Logo](media/logo.png) und [Jugend](prozess/jugend.md#ablauf) gibt es.
"""


def test_broken_links_in_pages_mkdocs_converts_are_errors_at_their_line(tmp_path: Path) -> None:
    """The start page, kontakt.md, the legal pages and the phases are converted by MkDocs, which
    only warns about a broken link (in English, without a line) and publishes it: check and the
    build hold them to the issues' rule, relative to each page's own folder."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    home = root / "content" / "index.md"
    first = len(home.read_text(encoding="utf-8").split("\n"))
    home.write_text(home.read_text(encoding="utf-8") + PAGE_LINKS, encoding="utf-8")
    phase = root / "content" / "prozess" / "jugend.md"
    phase_line = len(phase.read_text(encoding="utf-8").split("\n"))
    phase.write_text(
        phase.read_text(encoding="utf-8") + "\n[Umfrage](umfrage.md), [Messe](mese.md), [Start](../index.md)\n",
        encoding="utf-8",
    )
    where = f"content/index.md:{first + 1}: error: body: link"
    expected = [
        f'{where} newsletter/2026-01x.md: there is no page content/newsletter/2026-01x.md '
        '(did you mean "newsletter/2026-01.md"?)',
        f"{where} newsletter/2026-03.md: content/newsletter/2026-03.md is a draft, which is not published",
        f'{where} prozess/: file not found: content/prozess (did you mean "prozess/index.md"?)',
        f"content/index.md:{first + 2}: error: body: link media/programm.pdf: file not found: content/media/programm.pdf",
        f"content/prozess/jugend.md:{phase_line + 1}: error: body: link mese.md: there is no page "
        'content/prozess/mese.md (did you mean "messe.md"?)',
    ]
    for command in ("check", "build"):
        result = run(command, "--project", str(root))
        errors = sorted(line for line in result.stderr.splitlines() if ": error: " in line)
        assert result.returncode == 1 and errors == sorted(expected), (command, result.stderr)
    assert not (root / "site").exists()  # nothing published with a broken link


INLINE_TARGETS = [
    "[Plan](../media/lage plan.pdf) und [Plan](<../media/lage plan.pdf>)",
    '[Plan](../media/lage plan.pdf "Lageplan") und [Foto](foto(1).jpg \'Titel\')',
    "[x](javascript:alert(7)) [y]( 2026-01.md ) [z](a \"b\" c)",
    r"[Klammer](media/a\)b.pdf) und \[kein](link.md) und [leer]()",
    "![Bild mit Leerzeichen](../media/fehlt bild.jpg \"T\") ![Klammer](a(b)c.jpg)",
    "[offen](nie-geschlossen.md und weiter",
]


@pytest.mark.parametrize("line", INLINE_TARGETS)
def test_links_and_images_are_read_as_python_markdown_reads_them(line: str) -> None:
    """The check finds the very addresses the conversion makes of a line: with spaces, a title,
    balanced or escaped parentheses (a target cut at its first space reported a valid link to
    "../media/lage plan.pdf" as a missing "../media/lage")."""
    import markdown

    class Addresses(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []
            self.images: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "a" and values.get("href"):
                self.links.append(values["href"] or "")
            if tag == "img" and values.get("src"):
                self.images.append(values["src"] or "")

    converted = Addresses()
    converted.feed(markdown.markdown(line))
    assert [link.src for link in find_links(line, 1)] == converted.links
    assert [image.src for image in find_images(line, 1)] == converted.images


EDITOR_LINKS = """
Die [Personen](people.yml), die [interne Notiz](intern/notiz.md), die [Vorlage](templates/vorlage.pdf).
Ein Link über [zwei
Zeilen](kaputt-umbruch.md), einer mit [Ausgabe [neu]](kaputt-klammern.md), ein Bild als
[![Logo](media/logo.png)](kaputt-bildlink.md) und [vom Rechner](C:\\Users\\anna\\plan.pdf).
Absolut [kaputt](/kontackt/), [ganz](https://test.example.org/kontackt/), [heil](/newsletter/2026-01/)
und [Kontakt](kontakt/), [Ausgabe](newsletter/2026-01), [Abonnieren](https://abo.test.example.org/abonnieren).
Kein Skript: [x](data:text/html;base64,PHNjcmlwdD4=) und [fremd](//evil.example/).

    [Beispiel im Code](beispiel-seite.md)

<div>
[im HTML-Block kein Link](kontackt3.md) <a href="kontackt4.md">aber das</a>
</div>

[p1]: media/lage plan.pdf
"""


def test_links_as_editors_write_them_on_a_page(tmp_path: Path) -> None:
    """An editor's trial: files the site leaves out, links over two lines or with brackets in
    their text, an image as a link, a path on her computer, addresses of the site written out,
    a page written as its address; and what is no link (code, Markdown in raw HTML, a definition
    Python-Markdown does not take) is not reported."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "exclude_docs: |\n  intern/\n", encoding="utf-8")
    (root / "content" / "intern").mkdir()
    (root / "content" / "intern" / "notiz.md").write_text("# Intern\n\n[kaputt](nirgends.md)\n", encoding="utf-8")
    (root / "content" / "templates").mkdir()
    (root / "content" / "templates" / "vorlage.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "content" / "kontakt.md").write_text("# Kontakt\n", encoding="utf-8")
    home = root / "content" / "index.md"
    first = len(home.read_text(encoding="utf-8").split("\n"))
    home.write_text(home.read_text(encoding="utf-8") + EDITOR_LINKS, encoding="utf-8")
    result = run("check", "--project", str(root))
    where = "content/index.md"
    errors = sorted(line for line in result.stderr.splitlines() if ": error: " in line)
    assert errors == sorted([
        f"{where}:{first + 1}: error: body: link people.yml: content/people.yml is not published: people.yml is the "
        "register of people the pages show, not a page",
        f"{where}:{first + 1}: error: body: link intern/notiz.md: content/intern/notiz.md is not published: MkDocs "
        "leaves it out (the folder templates/, or exclude_docs or draft_docs in mkdocs.yml)",
        f"{where}:{first + 1}: error: body: link templates/vorlage.pdf: content/templates/vorlage.pdf is not "
        "published: MkDocs leaves it out (the folder templates/, or exclude_docs or draft_docs in mkdocs.yml)",
        f"{where}:{first + 3}: error: body: link kaputt-umbruch.md: there is no page content/kaputt-umbruch.md",
        f"{where}:{first + 3}: error: body: link kaputt-klammern.md: there is no page content/kaputt-klammern.md",
        f"{where}:{first + 4}: error: body: link kaputt-bildlink.md: there is no page content/kaputt-bildlink.md",
        f"{where}:{first + 4}: error: body: link C:\\Users\\anna\\plan.pdf: a path on a computer (with \\ or a drive "
        "letter) is no address of the site; put the file into content/ and link it with /, such as ../media/plan.pdf",
        f"{where}:{first + 5}: error: body: link /kontackt/: the site has no page at this address "
        '(did you mean "kontakt.md"?)',
        f"{where}:{first + 5}: error: body: link https://test.example.org/kontackt/: the site has no page at this "
        'address (did you mean "kontakt.md"?)',
        f'{where}:{first + 6}: error: body: link kontakt/: file not found: content/kontakt (did you mean "kontakt.md"?)',
        f"{where}:{first + 6}: error: body: link newsletter/2026-01: file not found: content/newsletter/2026-01 "
        '(did you mean "newsletter/2026-01.md"?)',
        f"{where}:{first + 7}: error: body: link data:text/html;base64,PHNjcmlwdD4=: expected a web or mail "
        "address, or a page or file of the project",
        f"{where}:{first + 7}: error: body: link //evil.example/: an address without https: at its start leads "
        "nowhere in an email; write https://evil.example/",
        f"{where}:{first + 12}: error: body: link kontackt4.md: there is no page content/kontackt4.md "
        '(did you mean "kontakt.md"?)',
    ]), result.stderr


def test_messages_show_invisible_characters_as_escapes(tmp_path: Path) -> None:
    """A link's text may hold a right-to-left override (U+202E), which a terminal obeys: the
    message shows it as its escape, and the rest of the line as written. The calendar of all
    events is offered for a slip in its name."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    issue = root / "content" / "newsletter" / "2026-02.md"
    issue.write_text(issue.read_text(encoding="utf-8") + "\n[x](\u202egpj.fehlt) [y](../termine/kalendar.ics)\n", encoding="utf-8")
    result = run("check", "--project", str(root))
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 2 and "\u202e" not in result.stderr, result.stderr
    assert "link \\u202egpj.fehlt: file not found" in errors[0], errors
    assert errors[1].endswith('no event has the id kalendar, so there is no calendar file of it (did you mean "kalender.ics"?)')


def test_a_site_address_with_dot_segments_is_the_file_a_browser_asks_for(tmp_path: Path) -> None:
    """The build's check of an email's addresses resolves "..", also written %2E%2E, as a browser
    does (check accepts such an event address: both must agree), and never above the site."""
    from generator.linkcheck import site_file

    page = tmp_path / "kontakt" / "index.html"
    page.parent.mkdir()
    page.write_text("<p>Kontakt</p>", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("x", encoding="utf-8")
    assert site_file(tmp_path, "prozess/%2E%2E/kontakt/") == page
    assert site_file(tmp_path, "prozess/../kontakt/index.html") == page
    assert site_file(tmp_path, "../secret.txt") is None and site_file(tmp_path, "%2e%2e/%2e%2e/secret.txt") is None


def test_an_address_with_a_doubled_slash_is_never_a_file_of_the_machine(tmp_path: Path) -> None:
    """Found in review: "https://<site>//etc/passwd" gave the site-relative path "/etc/passwd",
    and site_file read its leading "//" as the machine's root: the build's check of the emails
    found /etc/passwd and passed a link the site does not serve (check refused it). Both now
    read a site path one way (linkcheck.site_path), below the site's folder only."""
    from generator.linkcheck import site_file, site_relative

    site, outside = tmp_path / "site", tmp_path / "secret.txt"
    site.mkdir()
    outside.write_text("x", encoding="utf-8")
    address = f"https://test.example.org/{outside}"  # "https://test.example.org//tmp/.../secret.txt"
    relative = site_relative(address, "https://test.example.org/")
    assert relative is not None and relative.startswith("/")
    assert site_file(site, relative) is None
    assert missing_on_site(tmp_path, site, "https://test.example.org/", shown=[address]) == [address]


def test_a_link_or_image_that_begins_a_list_item_is_read() -> None:
    """A name bound twice in bodyrefs (a new pattern under an old one's name) made the reading of a
    list item cut its first character: "- [Seite](...)" lost its link, and check its errors."""
    from generator.content.bodyrefs import find_images, find_links

    body = "Text\n\n- [Seite](https://example.org/a)\n- ![Bild](../media/b.jpg)\n1. [Eins](c.md) und [zwei](d.md)\n"
    assert [(link.src, link.line) for link in find_links(body, 1)] == [
        ("https://example.org/a", 3), ("c.md", 5), ("d.md", 5),
    ]  # fmt: skip
    assert [(image.src, image.line) for image in find_images(body, 1)] == [("../media/b.jpg", 4)]
