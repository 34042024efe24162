"""Plain text stays text: hostile values in every plain-text field, built for real and parsed back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from generator.site.pages import jsonld_script
from tests.conftest import make_project, write_images
from tests.test_site import TODAY

# Text that breaks out of an attribute, starts an element, runs a script, and ordinary text that
# only looks like a tag. Every plain-text field gets it, behind a label naming the field.
HOSTILE = '<Zukunft> A & B "><img src=x onerror=alert(1)> <script>alert(1)</script>'
# A web address can carry the same (it has no spaces): a link into an attribute break-out.
HOSTILE_URL = 'https://example.org/?q="><img/src=x/onerror=alert(1)>&z=<Zukunft>'
IMAGE = 'media/x"><img src=x onerror=alert(1)>.jpg'  # a file name is text too


def v(label: str) -> str:
    """The hostile value of one field, as YAML (single-quoted: everything in it is literal)."""
    return "'" + f"{label} {HOSTILE}".replace("'", "''") + "'"


def shown(label: str) -> str:
    return f"{label} {HOSTILE}"


MKDOCS_YML = f"""\
site_name: {v("Sitename")}
site_url: https://test.example.org/
docs_dir: content
theme:
  name: material
  language: de
  font: false
not_in_nav: |
  /newsletter/*.md
plugins:
  - rundbrief:
      newsletter_name: {v("Newslettername")}
      organisation: {v("Herausgeber")}
      claim: {v("Claim")}
      slogan: {v("Slogan")}
      contact:
        name: {v("Kontaktstelle")}
        email: buero@example.org
        address: {v("Postanschrift")}
      subscribe_url: '{HOSTILE_URL}'
      sender:
        name: Testprozess
        email: test@example.org
      partners:
        - label: {v("Partnerlabel")}
          name: {v("Partnername")}
          logo: media/logo.png
          url: '{HOSTILE_URL}'
        - label: {v("Zweitlabel")}
          name: {v("Zweitname")}
"""

PEOPLE_YML = f"""\
boese:
  name: {v("Personenname")}
  role: {v("Personenrolle")}
  organisation: {v("Personenorganisation")}
  groups: [{v("Personengruppe")}]
  phone: {v("Telefon")}
  address: {v("Adresszeile1")}
  email: kontakt&info@example.org
  website: '{HOSTILE_URL}'
  photo:
    src: media/foto.jpg
    alt: {v("Personenfoto-Alt")}
    credit: {v("Personenfoto-Credit")}
"""

# Raw HTML whose quotes an attacker sets; a "<" or ">" inside a value is refused by check since
# an attacker used one to part the readings (tests/test_validation.py), so none is here.
ISSUE = f"""\
---
title: {v("Ausgabentitel")}
number: {v("Nummer")}
date: 2026-11-01
summary: {v("Zusammenfassung")}
cover:
  src: '{IMAGE}'
  alt: {v("Titelbild-Alt")}
  caption: {v("Bildunterschrift")}
  credit: {v("Titelbild-Credit")}
photos:
  - src: media/foto.jpg
    alt: {v("Galerie-Alt")}
    caption: {v("Galerie-Unterschrift")}
    credit: {v("Galerie-Credit")}
events:
  - id: boeser-termin
    title: {v("Termintitel")}
    start: 2027-01-15 18:00
    location: {v("Ort")}
    address: {v("Terminadresse")}
    region: {v("Region")}
    registration: '{HOSTILE_URL}'
    online: '{HOSTILE_URL}'
    status: postponed
  - id: zweiter-termin
    title: {v("Zweittermin")}
    start: 2027-02-01
    location: Kreishaus
    registration: {v("Anmeldetext")}
    online: '{HOSTILE_URL}'
  - id: dritter-termin
    title: Dritter Termin
    start: 2027-02-02
    location: Kreishaus
    registration: '{HOSTILE_URL}'
    description: 'Mit Bild <img src="../media/foto.jpg" alt="x" title=''x" onerror="alert(2)" y="''>.'
statements:
  - person: boese
    quote: 'Ein Zitat <img src="../media/foto.jpg" alt="x" title=''x" onload="alert(4)" y="''>.'
  - name: {v("Inline-Name")}
    role: {v("Inline-Rolle")}
    organisation: {v("Inline-Organisation")}
    groups: [{v("Inline-Gruppe")}]
    quote: Noch ein Zitat.
contacts:
  - boese
  - name: {v("Kontaktname")}
    phone: {v("Kontakttelefon")}
---

Ein ganz normaler Text.

Bilder, deren Anführungszeichen ein Angreifer setzt (das Bild der Seite wird neu geschrieben):
<img src="../media/foto.jpg" alt="z" title='x" onload="alert(3)" y="'>.
"""

PHASE = f"""\
---
title: {v("Phasentitel")}
status: active
summary: {v("Phasenzusammenfassung")}
---

Beschreibung der Phase.
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    write_images(base / "images")
    root = make_project(base / "projekt", base / "images")
    content = root / "content"
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (content / "people.yml").write_text(PEOPLE_YML, encoding="utf-8")
    (content / "newsletter" / "2026-11.md").write_text(ISSUE, encoding="utf-8")
    (content / "prozess").mkdir()
    (content / "prozess" / "index.md").write_text("# Der Prozess\n", encoding="utf-8")
    (content / "prozess" / "boese.md").write_text(PHASE, encoding="utf-8")
    shutil.copy(content / "media" / "foto.jpg", content / IMAGE)
    # The website alone, as `mkdocs build` makes it (the plugin loads and checks the content itself):
    # what the emails make of the same text is the email tests' business.
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(root / "mkdocs.yml")],
        capture_output=True, text=True, env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return root


class Page(HTMLParser):
    """Every element, attribute and text of a page, as a browser's tree would hold them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.script_types: list[str] = []
        self.texts: list[str] = []
        self.title = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: val or "" for k, val in attrs}))
        if tag in ("script", "style", "title"):
            self._in.append(tag)
        if tag == "script":
            self.scripts.append("")
            self.script_types.append(dict(attrs).get("type") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "script":
            self.scripts[-1] += data
        elif where == "title":
            self.title += data
        elif where != "style":
            self.texts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.texts)).replace("\u00ad", "")  # soft hyphens: invisible

    def values(self, attribute: str) -> list[str]:
        return [attrs[attribute] for _, attrs in self.elements if attribute in attrs]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def site_page(root: Path, path: str) -> Page:
    return parse(root / "site" / path / "index.html")


def test_no_page_carries_an_element_or_handler_from_the_content(hostile: Path) -> None:
    pages = sorted((hostile / "site").rglob("*.html"))
    assert len(pages) >= 10
    for path in pages:
        page = parse(path)
        for tag, attrs in page.elements:
            assert tag != "zukunft", path  # "<Zukunft>" became an element, swallowed as text
            assert not [name for name in attrs if name.startswith("on")], (path, tag, attrs)
            assert not (tag == "img" and attrs.get("src") == "x"), (path, attrs)
        for kind, script in zip(page.script_types, page.scripts, strict=True):
            if kind == "application/ld+json":
                json.loads(script)  # data, not a program: the text may be in it, as JSON
            else:
                assert "alert(" not in script, path


def test_every_plain_text_field_is_shown_as_text(hostile: Path) -> None:
    issue = site_page(hostile, "newsletter/2026-11")
    for label in (
        "Ausgabentitel", "Zusammenfassung", "Bildunterschrift", "Titelbild-Credit", "Galerie-Unterschrift",
        "Galerie-Credit", "Termintitel", "Ort", "Region", "Anmeldetext", "Personenname", "Personenrolle",
        "Personenorganisation", "Personengruppe", "Personenfoto-Credit", "Inline-Name", "Inline-Rolle",
        "Inline-Organisation", "Inline-Gruppe", "Telefon", "Adresszeile1", "Kontaktname", "Kontakttelefon",
        "Partnerlabel", "Zweitlabel", "Zweitname", "Sitename",
    ):  # fmt: skip
        assert shown(label) in issue.text, label
    assert f"Ausgabe {shown('Nummer')}" in issue.text
    assert shown("Terminadresse") in issue.text
    assert issue.title == f"{shown('Ausgabentitel')} - {shown('Sitename')}"
    descriptions = [attrs["content"] for tag, attrs in issue.elements if tag == "meta" and attrs.get("name") == "description"]
    assert descriptions == [shown("Zusammenfassung")]
    alts = issue.values("alt")
    for label in ("Titelbild-Alt", "Galerie-Alt", "Personenfoto-Alt", "Partnername"):
        assert shown(label) in alts, label
    hrefs = issue.values("href")
    assert hrefs.count(HOSTILE_URL) >= 4  # online, registration, website, partner
    assert HOSTILE_URL in issue.values("action")  # the subscription form
    assert "mailto:kontakt&info@example.org" in hrefs
    feeds = [a for tag, a in issue.elements if tag == "link" and a.get("type") == "application/atom+xml"]
    assert feeds and feeds[0]["title"] == shown("Newslettername")

    for label in ("Herausgeber", "Claim", "Slogan", "Kontaktstelle", "Postanschrift"):
        assert shown(label) in issue.text, label  # the banner above and the contact block below every page
    assert "mailto:buero@example.org" in hrefs

    events = site_page(hostile, "termine")
    for label in ("Termintitel", "Ort", "Terminadresse", "Region", "Anmeldetext", "Zweittermin"):
        assert shown(label) in events.text, label
    assert events.title == f"Termine - {shown('Sitename')}"

    for path, labels in {
        "": ("Termintitel", "Ausgabentitel", "Zusammenfassung", "Personenname"),
        "newsletter": ("Ausgabentitel", "Zusammenfassung"),
        "stimmen": ("Personenname", "Personenrolle", "Inline-Name", "Inline-Gruppe"),
        "prozess": ("Phasentitel", "Phasenzusammenfassung"),
        "prozess/boese": ("Phasentitel",),
    }.items():
        page = site_page(hostile, path)
        for label in labels:
            assert shown(label) in page.text, (path, label)
    assert site_page(hostile, "prozess/boese").title == f"{shown('Phasentitel')} - {shown('Sitename')}"


def test_feed_calendar_and_structured_data_stay_valid(hostile: Path) -> None:
    feed = feedparser.parse((hostile / "site" / "newsletter" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == shown("Newslettername")
    assert feed.entries[0].title == f"Ausgabe {shown('Nummer')}: {shown('Ausgabentitel')}"
    assert feed.entries[0].summary == shown("Zusammenfassung")

    cal = Calendar.from_ical((hostile / "site" / "termine" / "kalender.ics").read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    boese = events["boeser-termin@test.example.org"]
    assert str(boese["SUMMARY"]) == f"Verschoben: {shown('Termintitel')}"
    assert str(boese["LOCATION"]) == f"{shown('Ort')}, {shown('Terminadresse')}"
    single = Calendar.from_ical((hostile / "site" / "termine" / "boeser-termin.ics").read_bytes())
    assert [str(e["SUMMARY"]) for e in single.walk("VEVENT")] == [f"Verschoben: {shown('Termintitel')}"]

    scripts = [s for s in site_page(hostile, "termine").scripts if '"@context"' in s]
    assert len(scripts) >= 1  # one per event
    data = {item["@id"].split("#")[1]: item for item in map(json.loads, scripts)}
    assert data["boeser-termin"]["name"] == shown("Termintitel")
    assert data["boeser-termin"]["organizer"]["name"] == shown("Herausgeber")


# -- JSON-LD for any text ---------------------------------------------------------------------
class ScriptReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.after: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append("")
            self._depth += 1
        elif tag == "p":
            self.after.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.scripts[-1] += data


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(alphabet=st.sampled_from(["<", ">", "/", "!", "-", "&", "s", "c", "r", "i", "p", "t", "\u2028", "\u2029", "\\", '"'])))
def test_jsonld_is_valid_json_that_cannot_end_its_script_element(anything: str, tricky: str) -> None:
    data = [{"name": anything, "description": tricky + "<!--" + anything + "</script>", tricky: tricky}]
    content = jsonld_script(data)
    assert json.loads(content) == data
    assert not set(content) & {"<", ">", "&", "\u2028", "\u2029"}  # nothing HTML or old JavaScript reads
    reader = ScriptReader()
    reader.feed(f'<script type="application/ld+json">{content}</script><p>danach</p>')
    reader.close()
    assert reader.scripts == [content] and reader.after == ["p"]
