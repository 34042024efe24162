"""The public website, built for real with MkDocs and Material, read back as a visitor's tools would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import feedparser
import pytest
from icalendar import Calendar
from material.plugins.search.plugin import SearchIndex
from PIL import Image

from generator.content.model import Event, EventTime, Person
from generator.formatting import tel_href
from generator.hyphenation import hyphenate_word
from generator.site.calendar import CalendarEvent, CalendarWriter, Seen, read_previous
from generator.site.pages import initials
from generator.site.plugin import PackedText
from tests.conftest import make_project, write_images
from tests.emailfixture import built_example
from tests.sitefixture import make_rich

TODAY = "2026-11-21"
BERLIN = ZoneInfo("Europe/Berlin")


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RUNDBRIEF_TODAY=TODAY)
    return subprocess.run(
        [sys.executable, "-m", "generator", "build", "--strict", "--project", str(root), *extra],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("site")
    write_images(base / "images")
    root = make_rich(make_project(base / "projekt", base / "images"))
    result = build(root)
    assert result.returncode == 0, result.stderr
    return root


def page(root: Path, path: str) -> str:
    """A page's HTML without the soft hyphens and <wbr> the build adds (test_hyphenation checks those)."""
    return visible((root / "site" / path / "index.html").read_text(encoding="utf-8"))


def visible(html: str) -> str:
    return html.replace("\u00ad", "").replace("<wbr>", "")


def text_of(html: str) -> str:
    """The visible text, whitespace folded: what a reader sees."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ","))


def main_text(html: str) -> str:
    start = html.index('<article class="md-content__inner')
    return text_of(html[start : html.index('<footer class="md-footer"', start)]).strip()


def event_names(html: str) -> list[str]:
    return re.findall(r'class="rb-event__name">([^<]+)<', html)


def between(html: str, start: str, end: str | None = None) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin) if end else len(html)]


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


# -- pages ---------------------------------------------------------------------------------
def test_start_page_shows_next_events_latest_issue_and_statements(rich: Path) -> None:
    html = page(rich, "")
    text = main_text(html)
    upcoming = between(html, "Nächste Termine", "Neueste Ausgabe")
    assert event_names(upcoming) == ["Regionalkonferenz Süd", "Jugendforum", "Workshop"]  # the next three
    assert "Abgesagt Regionalkonferenz Süd" in text_of(upcoming)
    assert "Ausgabe 02.2026 · 30. Juni 2026 Regionalkonferenzen & mehr Vier Regionalkonferenzen im Herbst." in text
    assert "Wir sind dabei, weil es um unsere Zukunft geht." in text and "Heike Sommer" in text
    assert "Geheim" not in text


def test_archive_lists_published_issues_newest_first_by_year(rich: Path) -> None:
    text = main_text(page(rich, "newsletter"))
    assert re.search(r"2026 .*Ausgabe 02\.2026 .*Ausgabe 01\.2026", text)
    assert "03.2026" not in text and "Geheimer Entwurf" not in text


def test_issue_page_renders_front_matter_and_body(rich: Path) -> None:
    html = page(rich, "newsletter/2026-02")
    text = main_text(html)
    assert text.startswith("Ausgabe 02.2026 · 30. Juni 2026 Regionalkonferenzen & mehr Vier Regionalkonferenzen im Herbst.")
    assert "Die Kreativ-Gruppe Foto: Vera Beispiel" in text
    assert "Bericht Ein Bild im Text:" in text
    assert "Regionalkonferenz Nord Freitag, 25. September 2026, 15:00–19:00 Uhr Heidetreff, Am Heidetreff 1, 18182 Gelbensande Region: Nordosten" in text
    assert "Abgesagt Regionalkonferenz Süd" in text and "Verschoben Workshop" in text
    assert "Freitag, 7. Mai 2027 bis Samstag, 8. Mai 2027" in text
    assert "Wir sind dabei, weil es um unsere Zukunft geht. Anna Muster Sozialplanerin" in text
    assert "Eltern reden mit. Heike Sommer Kreiselternrat Mitglied Kreativ-Gruppe" in text
    assert "Noch ein Bild der Gruppe" in html and "Foto: Landkreis" in text
    assert "E-Mail: anna@example.org" in text
    assert "Newsletter abonnieren" in text
    assert 'action="https://abo.test.example.org/abonnieren"' in html
    assert 'rel="prev"' in html and "Ausgabe 01.2026: Erste Ausgabe" in text
    assert 'rel="next"' not in html  # the next issue is a draft
    assert 'href="../../termine/messe.ics"' in html


def test_issue_page_head_takes_title_and_summary_from_the_model(rich: Path) -> None:
    # MkDocs gets the body alone (the loader read the front-matter): title and description
    # must still reach <head>, with the editor's text.
    html = page(rich, "newsletter/2026-02")
    assert "<title>Regionalkonferenzen &amp; mehr - Testprozess</title>" in html
    assert '<meta name="description" content="Vier Regionalkonferenzen im Herbst.">' in html
    assert "summary:" not in html and "number:" not in html  # no front-matter text in the page


def test_events_page_splits_upcoming_and_past_and_links_issues(rich: Path) -> None:
    html = page(rich, "termine")
    upcoming_html, past_html = between(html, "Kommende Termine", "Vergangene Termine"), between(html, "Vergangene Termine")
    upcoming, past = text_of(upcoming_html), text_of(past_html)
    assert event_names(upcoming_html) == ["Regionalkonferenz Süd", "Jugendforum", "Workshop", "Messe"]
    assert event_names(past_html) == ["Webinar", "Regionalkonferenz Nord", "Auftakt"]  # newest first
    assert "Erwähnt in Ausgabe 01.2026, Ausgabe 02.2026" in past  # the Auftakt is in both issues
    assert "Online teilnehmen" in upcoming
    assert "Geheimes Treffen" not in html
    for event_id in ("base-event", "konferenz-nord", "konferenz-sued", "messe", "forum", "verschoben", "webinar"):
        assert f'id="{event_id}"' in html


def event_card(html: str, event_id: str) -> str:
    return between(html, f'id="{event_id}"', "</article>")


def test_events_show_their_status_as_the_public_reads_it(rich: Path) -> None:
    html = page(rich, "termine")
    # only what is still ahead and scheduled offers calendar, join and registration links
    for event_id in ("messe", "forum"):
        assert f'href="{event_id}.ics"' in event_card(html, event_id)
    assert "Online teilnehmen" in event_card(html, "forum")
    for event_id in ("base-event", "konferenz-nord", "webinar", "konferenz-sued", "verschoben"):
        card = event_card(html, event_id)
        assert ".ics" not in card and "In Kalender eintragen" not in card, event_id
        assert "Online teilnehmen" not in card and "Anmeldung" not in card, event_id
    # a postponed event's old date is struck out, and the public is told a new one follows
    postponed = event_card(html, "verschoben")
    assert re.search(r'<s><span class="rb-sr-only">Bisheriger Termin: </span><time[^>]*>Freitag, 26\. Februar 2027, '
                     r"09:30 Uhr</time></s> <span class=\"rb-event__note\">neuer Termin folgt</span>", postponed)
    assert "<s>" in event_card(html, "konferenz-sued") and "neuer Termin folgt" not in event_card(html, "konferenz-sued")
    # a cancelled event's struck date is read out as what it is: no new date is to follow
    assert '<s><span class="rb-sr-only">Abgesagter Termin: </span><time' in event_card(html, "konferenz-sued")
    assert "<s>" not in event_card(html, "messe")
    # online events have a place line
    assert text_of(between(postponed, '<p class="rb-event__where">', "</p>")).strip() == "Online"
    assert text_of(between(event_card(html, "forum"), '<p class="rb-event__where">', "</p>")).strip() == (
        "Jugendhaus Vor Ort und online"
    )
    # the start page offers the same
    home = page(rich, "")
    assert 'href="termine/forum.ics"' in home and "verschoben.ics" not in home


def test_statements_page_lists_every_statement_with_its_issue(rich: Path) -> None:
    text = main_text(page(rich, "stimmen"))
    assert "Wir sind dabei" in text and "Eltern reden mit." in text
    assert text.count("aus Ausgabe 02.2026") == 2


def test_process_page_shows_the_timeline(rich: Path) -> None:
    text = main_text(page(rich, "prozess"))
    assert re.search(
        r"Online-Umfrage abgeschlossen · 1\. März 2026 – 30\. April 2026 .*"
        r"Jugendbeteiligung läuft · 1\. September 2026 – 30\. Juni 2027 .*Messe geplant · 7\. Mai 2027 – 8\. Mai 2027",
        text,
    )
    phase = main_text(page(rich, "prozess/jugend"))
    assert phase.startswith("Prozess · läuft · 1. September 2026 – 30. Juni 2027 Jugendbeteiligung Beschreibung von Jugendbeteiligung.")


def test_every_page_has_footer_legal_links_partners_and_feed_discovery(rich: Path) -> None:
    for html_file in (rich / "site").rglob("*.html"):
        html = visible(html_file.read_text(encoding="utf-8"))
        if "md-footer" not in html:
            continue
        footer = text_of(html[html.index('<footer class="md-footer"') :])
        assert "Impressum Datenschutz Barrierefreiheit" in footer, html_file
        assert "Gefördert vom" in footer and 'alt="Ministerium"' in html, html_file
        assert 'type="application/atom+xml"' in html and html.count('lang="de"') >= 1, html_file


def test_drafts_and_people_file_never_reach_the_site(rich: Path) -> None:
    for path in (rich / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".ics", ".json"):
            data = path.read_text(encoding="utf-8")
            assert "Geheim" not in data and "Entwurfstext" not in data, path
    assert not (rich / "site" / "people.yml").exists()
    assert not (rich / "site" / "newsletter" / "2026-03").exists()


# -- images --------------------------------------------------------------------------------
def test_every_image_has_alt_and_size_and_is_web_sized(rich: Path) -> None:
    seen = 0
    for html_file in (rich / "site").rglob("*.html"):
        parser = Images()
        parser.feed(html_file.read_text(encoding="utf-8"))
        for img in parser.images:
            src = img.get("src") or ""
            if "assets/" in src:  # Material's own
                continue
            seen += 1
            assert img.get("alt"), (html_file, img)
            assert img.get("width") and img.get("height"), (html_file, img)
            assert "/_r/" in src, (html_file, src)  # a rendition, never the original
            rendition = (rich / "site" / src.lstrip("/")) if src.startswith("/") else (html_file.parent / src)
            with Image.open(rendition) as im:
                assert im.size[0] <= 2 * int(img["width"] or 0)
                assert not im.getexif()  # no camera metadata (GPS) leaves the office
    assert seen >= 10


# -- calendar ------------------------------------------------------------------------------
def calendar(root: Path, name: str = "kalender.ics") -> Calendar:
    return Calendar.from_ical((root / "site" / "termine" / name).read_bytes())


def events_by_uid(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_calendar_is_valid_with_berlin_times_and_statuses(rich: Path) -> None:
    cal = calendar(rich)
    events = events_by_uid(cal)
    assert set(events) == {f"{i}@test.example.org" for i in ("base-event", "konferenz-nord", "konferenz-sued", "messe", "forum", "verschoben", "webinar")}
    nord = events["konferenz-nord@test.example.org"]
    start = nord.decoded("DTSTART")  # type: ignore[attr-defined]
    assert start == datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)
    assert nord["DTSTART"].params["TZID"] == "Europe/Berlin"  # type: ignore[index]
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(events["konferenz-sued@test.example.org"]["STATUS"]) == "CANCELLED"  # type: ignore[index]
    assert str(events["verschoben@test.example.org"]["STATUS"]) == "TENTATIVE"  # type: ignore[index]
    messe = events["messe@test.example.org"]
    assert str(messe.decoded("DTSTART")) == "2027-05-07" and str(messe.decoded("DTEND")) == "2027-05-09"  # type: ignore[attr-defined]
    description = str(nord["DESCRIPTION"])  # type: ignore[index]
    assert "https://test.example.org/termine/#konferenz-nord" in description
    assert "https://test.example.org/newsletter/2026-02/" in description
    assert b"DTSTAMP:" in (rich / "site" / "termine" / "kalender.ics").read_bytes()
    single = events_by_uid(calendar(rich, "messe.ics"))
    assert list(single) == ["messe@test.example.org"]


def test_calendar_offers_join_and_registration_links_only_for_open_events(rich: Path) -> None:
    """As on the page: a postponed, cancelled or past event's join and sign-up links are not
    published (in the full calendar, the event's own file and the JSON-LD)."""
    for path in ("kalender.ics", "verschoben.ics", "webinar.ics", "forum.ics"):
        text = (rich / "site" / "termine" / path).read_bytes().decode().replace("\r\n ", "")
        assert "video.example.org/workshop" not in text and "video.example.org/webinar" not in text, path
        assert "anmeldung.example.org" not in text, path
    forum = str(events_by_uid(calendar(rich))["forum@test.example.org"]["DESCRIPTION"])  # type: ignore[index]
    assert "Online: https://video.example.org/forum" in forum  # scheduled and not over: offered
    data = events_jsonld(page(rich, "termine"))
    assert data["verschoben"]["location"] == {"@type": "VirtualLocation"}
    assert data["verschoben"]["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["webinar"]["location"] == {"@type": "VirtualLocation"}
    assert {"@type": "VirtualLocation", "url": "https://video.example.org/forum"} in data["forum"]["location"]


def test_calendar_sequence_grows_when_an_event_stops_offering_its_links() -> None:
    """The links leaving the description are a change the subscribed calendar must see."""
    start = EventTime.of(datetime.combine(date(2027, 1, 5), time(18), BERLIN))
    event = Event("w", "Webinar", start, online="https://v.example.org/w",
                  registration="https://a.example.org/w")  # fmt: skip
    then, later = datetime(2027, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 6, tzinfo=timezone.utc)

    def ics(open_: bool, previous: dict[str, Seen], now: datetime) -> bytes:
        items = [CalendarEvent(event, "https://x.example.org/termine/#w", (), open_)]
        return CalendarWriter(items, site_url="https://x.example.org", tz_name="Europe/Berlin", previous=previous,
                              now=now).calendar("T")  # fmt: skip

    first = ics(True, {}, then)
    assert b"Online: https://v.example.org/w" in first.replace(b"\r\n ", b"")
    assert ics(True, read_previous(first), later) == first  # unchanged: same bytes
    second = ics(False, read_previous(first), later)
    flat = second.replace(b"\r\n ", b"")
    assert b"v.example.org" not in flat and b"a.example.org" not in flat
    seen = read_previous(second)["w@x.example.org"]
    assert seen.sequence == 1 and seen.stamp == later


def test_calendar_uids_stable_and_sequence_grows_only_on_change(rich: Path) -> None:
    before = (rich / "site" / "termine" / "kalender.ics").read_bytes()
    assert build(rich).returncode == 0
    assert (rich / "site" / "termine" / "kalender.ics").read_bytes() == before  # nothing changed: same bytes
    issue = rich / "content" / "newsletter" / "2026-02.md"
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.replace("location: Heidetreff\n", "location: Heidetreff Gelbensande\n"), encoding="utf-8")
    try:
        assert build(rich).returncode == 0
        old, new = events_by_uid(Calendar.from_ical(before)), events_by_uid(calendar(rich))
        assert set(old) == set(new)
        for uid in new:
            changed = uid == "konferenz-nord@test.example.org"
            assert int(new[uid]["SEQUENCE"]) == int(old[uid]["SEQUENCE"]) + changed, uid  # type: ignore[index]
            assert (new[uid]["DTSTAMP"].to_ical() != old[uid]["DTSTAMP"].to_ical()) or not changed  # type: ignore[index]
            if not changed:
                assert new[uid]["DTSTAMP"].to_ical() == old[uid]["DTSTAMP"].to_ical()  # type: ignore[index]
    finally:
        issue.write_text(original, encoding="utf-8")
        assert build(rich).returncode == 0


# -- feed and structured data ---------------------------------------------------------------
def test_feed_parses_and_lists_published_issues(rich: Path) -> None:
    feed = feedparser.parse((rich / "site" / "newsletter" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Test-Newsletter"
    assert [e.title for e in feed.entries] == ["Ausgabe 02.2026: Regionalkonferenzen & mehr", "Ausgabe 01.2026: Erste Ausgabe"]
    assert feed.entries[0].link == "https://test.example.org/newsletter/2026-02/"
    assert feed.entries[0].summary == "Vier Regionalkonferenzen im Herbst."
    assert "Ein Bild im Text" in feed.entries[0].content[0].value


def events_jsonld(html: str) -> dict[str, dict[str, object]]:
    """The events page's JSON-LD by event id: one script element per event."""
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    items = [json.loads(script) for script in scripts]
    assert all(isinstance(item, dict) for item in items)
    return {item["@id"].split("#")[1]: item for item in items}


def test_events_jsonld_shown_whole_is_the_list_of_every_event(rich: Path) -> None:
    """A project's own events template from before may print ``{{ events_jsonld }}`` in one
    script element: that is still the JSON list of every event, as iterating gives them."""
    from markupsafe import escape

    from generator.content import load_project
    from generator.site.pages import EventsJsonLd, SiteViews

    views = SiteViews(load_project(rich).project, lambda src: src, date.fromisoformat(TODAY))
    jsonld = EventsJsonLd(views.events, lambda url: "https://test.example.org/" + url, "Landkreis Test", str)
    each = [json.loads(str(item)) for item in jsonld]
    assert len(each) == len(views.events) >= 5
    assert json.loads(str(escape(jsonld))) == each


def test_events_jsonld(rich: Path) -> None:
    data = events_jsonld(page(rich, "termine"))
    nord = data["konferenz-nord"]
    assert nord["@type"] == "Event" and nord["startDate"] == "2026-09-25T15:00:00+02:00"
    assert nord["endDate"] == "2026-09-25T19:00:00+02:00"
    assert nord["eventStatus"] == "https://schema.org/EventScheduled"
    assert nord["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert nord["location"] == {"@type": "Place", "name": "Heidetreff", "address": "Am Heidetreff 1, 18182 Gelbensande"}
    assert data["konferenz-sued"]["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["verschoben"]["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["forum"]["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["messe"]["startDate"] == "2027-05-07"
    assert data["verschoben"]["eventStatus"] == "https://schema.org/EventPostponed"
    assert data["verschoben"]["startDate"] == "2027-02-26T09:30:00+01:00"  # as schema.org asks: the old date stays
    assert nord["organizer"] == {"@type": "Organization", "name": "Landkreis Test"}


def test_issues_are_not_in_the_navigation(rich: Path) -> None:
    nav = page(rich, "")
    nav = nav[nav.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>")]
    assert "2026-02" not in nav and "Regionalkonferenzen &amp; mehr" not in nav


@pytest.mark.parametrize(
    ("phone", "href"),
    [
        ("03843 000-0 (Mo–Fr 9–15 Uhr)", "tel:038430000"),  # free text after the number: not in the link
        ("+49 (0)381 1234-5", "tel:+4938112345"),  # the trunk 0 is not dialled from abroad
        ("0381 / 12 34", "tel:03811234"),
        ("Zentrale, Durchwahl folgt", None),  # nothing to dial: shown without a link
        ("12 34", None),
    ],
)
def test_tel_links_carry_only_the_number(phone: str, href: str | None) -> None:
    assert tel_href(phone) == href


def test_a_free_text_phone_links_only_its_number(tmp_path: Path) -> None:
    """The settings' contact (the footer of every page) and a person's card (the issue's contacts)."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + '      contact:\n        name: Projektbüro\n        phone: "03843 000-0 (Mo–Fr 9–15 Uhr)"\n',
        encoding="utf-8",
    )
    people = root / "content" / "people.yml"
    people.write_text(people.read_text(encoding="utf-8").replace("  name: Anna Muster\n", "  name: Anna Muster\n  phone: 0381 12 34 (nur vormittags)\n", 1), encoding="utf-8")
    result = build(root)
    assert result.returncode == 0, result.stderr
    issue = page(root, "newsletter/2026-02")
    assert '<br>Telefon: <a href="tel:038430000">03843 000-0 (Mo–Fr 9–15 Uhr)</a>' in issue
    assert '<br>Telefon: <a href="tel:03811234">0381 12 34 (nur vormittags)</a>' in issue


def test_the_404_page_is_hyphenated_as_the_pages_are(rich: Path) -> None:
    """MkDocs renders 404.html as a static template, not a page: the header and footer there
    (the slogan, long words) get the same soft hyphens, or a long word scrolls sideways on a phone."""
    not_found = (rich / "site" / "404.html").read_text(encoding="utf-8")
    start = (rich / "site" / "index.html").read_text(encoding="utf-8")
    word = hyphenate_word("Barrierefreiheit")
    assert "\u00ad" in word and word in start  # the pages: hyphenated
    footer = not_found[not_found.index('<footer class="md-footer"') :]
    assert word in footer and "Barrierefreiheit" not in footer
    sitemap = (rich / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "\u00ad" not in sitemap and "<wbr>" not in sitemap


def test_feed_and_calendar_folders_have_their_sitemaps(rich: Path) -> None:
    """Material asks for sitemap.xml beside every <link rel="alternate"> (the feed, the calendar):
    a sitemap of that folder's pages answers, instead of a 404 on every page."""
    head = page(rich, "")
    assert 'rel="alternate" type="application/atom+xml"' in head and 'href="newsletter/feed.xml"' in head
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {
        folder: [e.text for e in ET.parse(rich / "site" / folder / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
        for folder in ("newsletter", "termine")
    }
    assert locs == {
        "newsletter": [
            "https://test.example.org/newsletter/",
            "https://test.example.org/newsletter/2026-01/",
            "https://test.example.org/newsletter/2026-02/",
        ],  # no draft
        "termine": ["https://test.example.org/termine/"],
    }


def test_german_everywhere_and_alt_texts_name_what_is_shown(rich: Path) -> None:
    missing = (rich / "site" / "404.html").read_text(encoding="utf-8")
    assert "<h1>Seite nicht gefunden</h1>" in missing and "Not found" not in missing
    assert '<html lang="de"' in missing
    for html in (page(rich, ""), missing):
        logos = re.findall(r'<a [^>]*class="md-(?:header|nav)__button md-logo"[^>]*>\s*<img [^>]*alt="([^"]*)"', html)
        assert logos == ["Zeichen des Testprozesses", "Zeichen des Testprozesses"]
    email_html = (rich / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    (header_logo,) = [re.findall(r'alt="([^"]*)"', tag)[0] for tag in re.findall(r"<img [^>]*>", email_html) if 'class="logo"' in tag]
    assert header_logo == "Zeichen des Testprozesses"  # not the organisation's name


def test_search_index_has_what_each_page_shows(rich: Path) -> None:
    """Material indexes the Markdown body only; events, statements, people and places that the
    templates add are indexed too, each at its place on the page (German stemming configured)."""
    index = json.loads((rich / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["de"]  # the German stemmer and stop words, as mkdocs.yml configures
    docs = {doc["location"]: doc for doc in index["docs"]}
    nord = docs["termine/#konferenz-nord"]
    assert nord["title"] == "Regionalkonferenz Nord"
    assert "Freitag, 25. September 2026, 15:00–19:00 Uhr" in nord["text"] and "Gelbensande" in nord["text"]
    assert "Region: Nordosten" in nord["text"]
    assert docs["newsletter/2026-02/#konferenz-nord"]["title"] == "Regionalkonferenz Nord"  # the issue shows it too
    assert "neuer Termin folgt" in docs["termine/#verschoben"]["text"]
    anna = docs["stimmen/#stimme-2026-02-1"]
    assert anna["title"] == "Anna Muster" and "Sozialplanerin" in anna["text"] and "unsere" in anna["text"]
    assert docs["newsletter/2026-02/#kontakt-1"]["title"] == "Anna Muster"
    assert "anna@example.org" in docs["newsletter/2026-02/#kontakt-1"]["text"]
    assert "Geheimes Treffen" not in json.dumps(index)  # nothing of the draft
    # the pages themselves show their body once: the indexed text is not printed a second time
    html = page(rich, "termine")
    assert html.count('id="konferenz-nord"') == 1


def test_search_index_is_what_materials_own_writer_makes(rich: Path, tmp_path: Path) -> None:
    """rundbrief writes Material's index entry by entry, its long texts packed until then
    (PackedText): the file is byte for byte what Material's own code makes of the same entries,
    and the long texts are the pages' texts (the example's bodies are long enough to be packed)."""
    example = built_example(tmp_path)
    for root in (rich, example):
        raw = (root / "site" / "search" / "search_index.json").read_bytes()
        index = json.loads(raw)
        material = SearchIndex(**index["config"])
        material.entries = index["docs"]
        assert material.generate_search_index(None).encode("utf-8") == raw
        assert not any("PackedText" in doc["text"] for doc in index["docs"])
    long = [doc["text"] for doc in index["docs"] if len(doc["text"]) >= PackedText.SHORTEST]
    assert len(long) >= 10
    body = (example / "content" / "newsletter" / "2026-02.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    sentence = next(line for line in body.splitlines() if len(line) > 60 and line[0].isalpha() and "[" not in line)
    assert any(" ".join(sentence.split()[:6]) in " ".join(text.split()) for text in long), sentence


def copy_of(root: Path, target: Path) -> Path:
    """The project ``root`` without what its build wrote."""
    outputs = {"site", "newsletter", ".rundbrief"}
    shutil.copytree(root, target, ignore=lambda folder, names: outputs & set(names) if Path(folder) == root else set())
    return target


def with_hooks(root: Path, code: str) -> None:
    (root / "hooks.py").write_text(code, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks:\n  - hooks.py\n", encoding="utf-8")


def mkdocs(root: Path, site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """MkDocs' own command on ``root`` (rundbrief is a plugin of it)."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(site), *extra],
        capture_output=True, text=True, env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip


def test_pages_written_as_they_are_made_are_what_mkdocs_writes(rich: Path, tmp_path: Path) -> None:
    """The archive, events and statements pages are written part by part as their templates
    make them (plugin.py, _write_streamed), unless another plugin's on_post_page must see them:
    then MkDocs renders and writes them. Both ways give the same files, and MkDocs' own command
    does not call the pages skipped."""
    copy = copy_of(rich, tmp_path / "projekt")
    with_hooks(copy, "def on_post_page(output, page, config):\n    return output\n")
    result = build(copy)
    assert result.returncode == 0, result.stderr
    for path in ("termine", "stimmen", "newsletter"):
        written = (rich / "site" / path / "index.html").read_bytes()
        assert len(written) > 5000, path
        assert (copy / "site" / path / "index.html").read_bytes() == written, path
    plain = mkdocs(copy_of(rich, tmp_path / "plain"), tmp_path / "plain-site")
    assert plain.returncode == 0, plain.stderr
    assert "Page skipped" not in plain.stderr and "INFO" in plain.stderr
    assert (tmp_path / "plain-site" / "termine" / "index.html").read_bytes() == (rich / "site" / "termine" / "index.html").read_bytes()


def test_a_page_written_part_by_part_has_the_context_every_plugin_made(rich: Path, tmp_path: Path) -> None:
    """A hook's on_page_context after rundbrief's (a lower priority, a new dict) reaches the
    page as it would reach a page MkDocs renders."""
    copy = copy_of(rich, tmp_path / "projekt")
    with_hooks(copy, (
        "from markupsafe import Markup\nfrom mkdocs.plugins import event_priority\n\n"
        "@event_priority(-1000)\ndef on_page_context(context, page, config, nav):\n"
        "    if page.file.src_uri == 'termine/index.md':\n"
        "        context = dict(context, rb_body=Markup('<p>Vom Hook gesetzt</p>'))\n"
        "    return context\n"
    ))  # fmt: skip
    result = build(copy)
    assert result.returncode == 0, result.stderr
    assert "<p>Vom Hook gesetzt</p>" in page(copy, "termine")


def test_a_template_error_half_way_leaves_no_page_cut_off(rich: Path, tmp_path: Path) -> None:
    """MkDocs' own command stops at an error in a page's template; the page written part by part
    is not left half written (nor its part file)."""
    copy = copy_of(rich, tmp_path / "projekt")
    with_hooks(copy, (
        "from mkdocs.plugins import event_priority\n\n"
        "class Broken:\n    def __init__(self, views):\n        self.views = views\n"
        "    def __getattr__(self, name):\n        return getattr(self.views, name)\n"
        "    def upcoming(self):\n        yield from self.views.upcoming()[:2]\n        raise RuntimeError('kaputt')\n\n"
        "@event_priority(-1000)\ndef on_page_context(context, page, config, nav):\n"
        "    if page.file.src_uri == 'termine/index.md':\n        context['views'] = Broken(context['views'])\n"
        "    return context\n"
    ))  # fmt: skip
    site = tmp_path / "site"
    result = mkdocs(copy, site)
    assert result.returncode != 0 and "kaputt" in result.stderr
    assert (site / "index.html").is_file()  # the pages before it were written
    assert not (site / "termine" / "index.html").exists()
    assert [p.name for p in site.rglob("*part*")] == []


def test_mkdocs_dirty_build_after_a_clean_one(rich: Path, tmp_path: Path) -> None:
    """MkDocs' --dirty renders only the pages whose files changed (it reads no other): an issue
    page not read has no key in the page cache, and the edit is shown."""
    copy = copy_of(rich, tmp_path / "projekt")
    site = tmp_path / "site"
    assert mkdocs(copy, site).returncode == 0
    issue = copy / "content" / "newsletter" / "2026-02.md"
    issue.write_text(issue.read_text(encoding="utf-8") + "\nNachtrag nach dem Bau.\n", encoding="utf-8")
    dirty = mkdocs(copy, site, "--dirty")
    assert dirty.returncode == 0, dirty.stderr
    assert "Nachtrag nach dem Bau." in (site / "newsletter" / "2026-02" / "index.html").read_text(encoding="utf-8")


def test_long_words_break_with_a_hyphen(rich: Path) -> None:
    raw = (rich / "site" / "termine" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in raw
    assert "Regi\u00ado\u00adnal\u00adkon\u00adfe\u00adrenz Nord" in raw  # soft hyphens in the text
    assert 'id="konferenz-nord"' in raw
    assert re.findall(r"<[^>]*\u00ad[^>]*>", raw) == []  # never in tags or attributes
    css = (rich / "site" / "assets" / "stylesheets" / "rundbrief.css").read_text(encoding="utf-8")
    assert ".md-typeset { -webkit-hyphens: auto; hyphens: auto; }" in css


def test_cards_without_a_picture_get_a_placeholder_of_the_same_shape(rich: Path) -> None:
    statements = page(rich, "stimmen")
    # Heike Sommer (inline, no portrait): her initials in the portrait's circle, hidden from screen readers
    assert '<span class="rb-statement__photo rb-statement__initials" aria-hidden="true">HS</span>' in statements
    archive = page(rich, "newsletter")
    first = between(archive, 'id="ausgabe-2026-01"', "</article>")  # the first issue has no cover
    assert '<span class="rb-issue-card__cover rb-issue-card__mark" aria-hidden="true">' in first
    assert 'alt="Zeichen des Testprozesses"' in first  # the process's mark
    second = between(archive, 'id="ausgabe-2026-02"', "</article>")
    assert "rb-issue-card__mark" not in second and 'class="rb-issue-card__cover"' in second


def test_initials_of_a_statement_without_a_portrait() -> None:
    assert initials((Person(None, "Dr. Kerstin Wolf"),)) == "KW"
    assert initials((Person(None, "Heike Sommer"),)) == "HS"
    assert initials((Person(None, "Prof. Dr. Henning von Bombeck"),)) == "HB"
    assert initials((Person(None, "Lena Kraft"), Person(None, "Ole Peters"))) == "LO"
    assert initials((Person(None, "Cher"),)) == "C"


def test_a_phase_page_shows_what_the_loader_read_of_its_front_matter(tmp_path: Path) -> None:
    """Keys the loader warns about as ignored are ignored (MkDocs read them into the page's meta,
    and Material used ``description`` and ``hide``); the summary is the page's description, as an
    issue's is."""
    write_images(tmp_path / "images")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    phase = root / "content" / "prozess" / "jugend.md"
    phase.write_text(
        phase.read_text(encoding="utf-8").replace("summary:", "description: Anders\nhide:\n  - navigation\nsummary:"),
        encoding="utf-8",
    )
    checked = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--project", str(root)], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY, RUNDBRIEF_LANG="en"), timeout=300, check=False,
    )  # fmt: skip
    assert "content/prozess/jugend.md:7: warning: description: unknown field, ignored" in checked.stderr
    assert "content/prozess/jugend.md:8: warning: hide: unknown field, ignored" in checked.stderr
    result = subprocess.run(  # not --strict: the two warnings stay warnings
        [sys.executable, "-m", "generator", "build", "--project", str(root)], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = page(root, "prozess/jugend")
    assert '<meta name="description" content="Jugendbeteiligung in Kürze.">' in html
    assert "Anders" not in html
    navigation = re.search(r'<div class="md-sidebar md-sidebar--primary"[^>]*>', html)
    assert navigation is not None and "hidden" not in navigation.group(), navigation  # not hidden
    assert '<meta name="description" content="Messe in Kürze.">' in page(root, "prozess/messe")


def test_an_event_description_is_plain_text_in_the_calendars_and_the_structured_data(
    project: Path, write: Callable[..., Path]
) -> None:
    """A calendar and schema.org show text: the description's Markdown marks would show as
    written there, and a link relative to the issue leads nowhere in a calendar app. Both take
    the text the one conversion's HTML reads as (links absolute, an in-page anchor left out),
    as the email's text part does."""
    write("kontakt.md", "# Kontakt\n")
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Termine\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n'
        "  - id: werkstatt\n    title: Werkstatt\n    start: 2026-09-10 10:00\n    location: Schwaan\n"
        "    description: |\n"
        "      Mit **Kinderbetreuung** und _Imbiss_. Fragen an das [Projektbüro](../kontakt.md),\n"
        "      [mehr unten](#programm).\n\n"
        "      - erster Punkt\n"
        "      - zweiter Punkt\n\n"
        "      ## Ablauf der Straße\n"
        "---\n\nText.\n",
    )
    result = build(project)
    assert result.returncode == 0, result.stderr
    expected = (
        "Mit Kinderbetreuung und Imbiss. Fragen an das Projektbüro (https://test.example.org/kontakt/), mehr unten."
        "\n\n- erster Punkt\n- zweiter Punkt\n\nAblauf der Straße"  # a heading: its text, not underlined
    )
    for source in ("kalender.ics", "werkstatt.ics"):
        description = str(events_by_uid(calendar(project, source))["werkstatt@test.example.org"]["DESCRIPTION"])  # type: ignore[index]
        assert description.startswith(expected + "\n\nMehr: https://test.example.org/termine/#werkstatt"), description
    data = events_jsonld(page(project, "termine"))["werkstatt"]
    assert data["description"] == expected
