"""The newsletter emails of the example, built for real, read back as mail clients and people would."""

from __future__ import annotations

import email
import html
import os
import re
import shutil
from collections.abc import Callable
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.content import load_project
from generator.content.model import Event, EventStatus, EventTime
from generator.email.build import BUNDLED_TEMPLATES
from generator.email.context import UNSUBSCRIBE_PLACEHOLDER
from generator.email.lint import client_findings, rule_violations
from generator.email.mime import build_message
from generator.email.render import MAX_STYLE_BYTES, WARN_BYTES, EmailRenderer
from generator.formatting import event_open_at, message_date
from generator.images import ImagePipeline
from generator.plaintext import fill, html_to_text, quoted_text
from tests.emailfixture import built_example, run, styles

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("RUNDBRIEF_UPDATE_GOLDEN") == "1"
SLUGS = ["2026-01", "2026-02", "2026-03"]
SITE = "https://zukunftswerkstatt.example.org/"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_example(tmp_path_factory.mktemp("email"))


def built(root: Path, slug: str, name: str) -> str:
    """A built file without the soft hyphens and zero-width spaces the build puts into long words
    and addresses (test_long_words_get_soft_hyphens checks those; the golden files keep them)."""
    return raw(root, slug, name).replace("\u00ad", "").replace("\u200b", "")


def raw(root: Path, slug: str, name: str) -> str:
    return (root / "newsletter" / slug / name).read_text(encoding="utf-8")


# -- golden files ------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("name", ["email.html", "email.txt"])
def test_matches_golden(example: Path, slug: str, name: str) -> None:
    golden = GOLDEN / f"{slug}.{name}"
    actual = raw(example, slug, name)
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), "run with RUNDBRIEF_UPDATE_GOLDEN=1 once to create it"
    assert actual == golden.read_text(encoding="utf-8"), f"{name} of {slug} changed; RUNDBRIEF_UPDATE_GOLDEN=1 accepts it"


def test_every_published_issue_and_no_draft(example: Path) -> None:
    assert sorted(p.name for p in (example / "newsletter").iterdir()) == SLUGS
    for slug in SLUGS:
        assert {p.name for p in (example / "newsletter" / slug).iterdir()} >= {"email.html", "email.txt", "message.eml"}


# -- the rules ---------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_rules_hold_for_the_example(example: Path, slug: str) -> None:
    html = built(example, slug, "email.html")
    assert rule_violations(html, SITE) == []
    assert [str(f) for f in client_findings(html)] == []
    assert len(html.encode()) < WARN_BYTES
    outside_mso = re.sub(r"<!--\[if mso\]>.*?<!\[endif\]-->", "", html, flags=re.DOTALL)
    kept = re.findall(r"<style[^>]*>(.*?)</style>", outside_mso, re.DOTALL)
    assert sum(len(b.encode()) for b in kept) <= MAX_STYLE_BYTES
    for block in kept:  # only @media enhancements remain, none nested
        outside = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", block).strip()
        assert outside == "", outside[:200]
        assert not re.search(r"@media[^{]*\{[^}]*@", block)
    for needle in (
        '<html lang="de"',
        '<meta name="color-scheme" content="light dark">',
        "<o:PixelsPerInch>96</o:PixelsPerInch>",
        '<!--[if mso]><table role="presentation" align="center" width="600" cellpadding="0" cellspacing="0" border="0">',
        "<v:roundrect",
        f'href="{UNSUBSCRIBE_PLACEHOLDER}"',
        f'href="{SITE}newsletter/{slug}/"',
    ):
        assert needle in html, needle
    for tag in ("figure", "figcaption", "svg", "script", "form", "iframe", "video", "picture"):
        assert f"<{tag}" not in html
    assert re.search(r'<div class="preheader"[^>]*>[^<]{10,}', html)


def test_layout_styles_are_inline(example: Path) -> None:
    html = built(example, "2026-02", "email.html")
    td = re.search(r'<td class="content" style="([^"]*)"', html)
    assert td is not None and "padding: 24px" in td.group(1)
    h1 = re.search(r'<h1 style="([^"]*)"', html)
    assert h1 is not None and "font-size: 28px" in h1.group(1)
    for img in re.findall(r"<img [^>]*>", html):
        assert 'border="0"' in img and "display: block" in img.replace("display:block", "display: block")
        width = re.search(r'width="(\d+)"', img)
        assert width is not None and int(width.group(1)) <= 600
        assert re.search(r'alt="[^"]+"', img)
        assert re.search(r'src="https://zukunftswerkstatt\.example\.org/media/_r/[^"]+\.(jpg|png)"', img)


def test_images_are_twice_the_shown_width(example: Path) -> None:
    from PIL import Image

    html = built(example, "2026-02", "email.html")
    sources = {
        p.relative_to(example / "content").with_suffix("").as_posix().replace("/", "_"): p
        for p in (example / "content").rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")
    }  # fmt: skip
    shown = re.findall(r'<img src="https://zukunftswerkstatt\.example\.org/([^"]+)" width="(\d+)"', html)
    assert len(shown) >= 5
    for src, width in shown:
        stem = re.fullmatch(r"media/_r/(.+)-\d+-[0-9a-f]+\.(?:jpg|png)", src)
        assert stem is not None, src
        with Image.open(sources[stem.group(1)]) as original, Image.open(example / "site" / src) as image:
            # twice the shown width, unless the original is narrower: then the original's width
            assert image.width == min(2 * int(width), original.width), src
            assert image.format in ("JPEG", "PNG")


def test_css_inline_and_premailer_give_equivalent_styles(example: Path) -> None:
    project = load_project(example).project
    images = ImagePipeline(example / ".rundbrief" / "cache" / "images")
    for slug in SLUGS:
        issue = project.issue(slug)
        assert issue is not None
        fast = EmailRenderer(project, images, BUNDLED_TEMPLATES, "css-inline").render(issue).body.html
        slow = EmailRenderer(project, images, BUNDLED_TEMPLATES, "premailer").render(issue).body.html
        assert styles(fast) == styles(slow)
        assert rule_violations(slow, SITE) == []


# -- plain text and message ----------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_plain_text_is_readable_with_every_link(example: Path, slug: str) -> None:
    text, html = built(example, slug, "email.txt"), built(example, slug, "email.html")
    assert not re.search(r"<[a-zA-Z/][^>]*>", text) and "&amp;" not in text and "**" not in text
    assert f"Im Browser ansehen: {SITE}newsletter/{slug}/" in text
    assert f"Newsletter abbestellen: {UNSUBSCRIBE_PLACEHOLDER}" in text
    body = re.sub(r"<!--\[if mso\]>.*?<!\[endif\]-->", "", html, flags=re.DOTALL)
    for href in set(re.findall(r'<a [^>]*href="([^"]+)"', body)):
        target = href[len("mailto:") :] if href.startswith("mailto:") else href
        assert target.replace("&amp;", "&") in text, href
    assert max(len(line) for line in text.splitlines() if "://" not in line) <= 76  # only URLs exceed the wrap width


def test_a_statement_keeps_its_paragraphs_and_lists_in_the_text_part(
    project: Path, write: Callable[[str, str], Path]
) -> None:
    """A quote of paragraphs, a list, a line break and a quote in it is shown as the HTML part
    shows it, in quotation marks (the text part ran it into one paragraph: "wichtig: 1. Zuhören
    2. Mitreden > erstens"); a quote of one paragraph is wrapped with its marks as before."""
    long_quote = " ".join(["Wer neu in den Landkreis kommt, soll mitreden können."] * 3)
    write("newsletter/2026-01.md", f"""---
title: Erste Ausgabe
number: "01.2026"
date: 2026-05-12
statements:
  - person: anna-muster
    quote: |
      Drei Dinge sind mir wichtig,
      und zwar diese:

      1. Zuhören
      2. Mitreden, auch wenn es länger dauert als gedacht und die Sitzung bis in den Abend geht

      Erste Zeile{"  "}
      zweite Zeile

      > Zitat im Zitat
  - person: max-beispiel
    quote: {long_quote}
---

Text der ersten Ausgabe.
""")  # fmt: skip
    result = run("email", "2026-01", "--project", str(project))
    assert result.returncode == 0, result.stderr
    text = built(project, "2026-01", "email.txt")
    assert (
        "„Drei Dinge sind mir wichtig, und zwar diese:\n\n"
        "1. Zuhören\n"
        "2. Mitreden, auch wenn es länger dauert als gedacht und die Sitzung bis in\n"
        "   den Abend geht\n\n"
        "Erste Zeile\nzweite Zeile\n\n"
        "> Zitat im Zitat“\n"
        "– Anna Muster, Sozialplanerin\n"
    ) in text, text
    assert fill(f"„{long_quote}“") + "\n– Max Beispiel, Kreissportbund\n" in text, text


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["Wort", "Kreisentwicklungskonzept", " ", "  ", "\n", "<", "&", "„", "x" * 80]), max_size=40).map(
        "".join
    ),
    st.sampled_from(["<p>{}</p>", "<p><em>{}</em></p>\n", "\n<p>{}</p>", "{}"]),
)  # fmt: skip
def test_a_quote_of_one_paragraph_is_wrapped_with_its_marks_as_before(words: str, markup: str) -> None:
    """One paragraph (what nearly every statement is): the text the template's wrap made of
    "„" + html_to_text(quote) + "“" before, line for line."""
    fragment = markup.format(html.escape(words))
    assume(words.strip())
    assert quoted_text(fragment, "„", "“") == fill(" ".join(f"„{html_to_text(fragment)}“".split()))


def test_the_marks_around_a_quote_are_text() -> None:
    assert quoted_text("<p>Zitat</p>", "<b>", "&amp;") == "<b>Zitat&amp;"


def test_every_issue_carries_publisher_claim_slogan_and_the_process_contact(example: Path) -> None:
    for slug in SLUGS:
        html, text = built(example, slug, "email.html"), built(example, slug, "email.txt")
        header = html[html.index('<td class="header"') : html.index("</td></tr>", html.index('<td class="header"'))]
        assert "<strong>Landkreis Rostock</strong> · <span class=\"claim\"" in header and "So weit. So gut." in header
        assert ">Wir alle – gemeinsam besser</div>" in header
        assert ">So erreichen Sie uns</h2>" in html and 'href="mailto:wiralle@example.org"' in html
        assert text.startswith("Landkreis Rostock · So weit. So gut.\nNewsletter der Zukunftswerkstatt Kommunen\n"
                               "Wir alle – gemeinsam besser\n")
        assert "So erreichen Sie uns\n--------------------\n\nProjektbüro Zukunftswerkstatt Kommunen\nLandkreis Rostock\n" \
               "August-Bebel-Straße 3\n18209 Bad Doberan\nE-Mail: wiralle@example.org\n" in text


def event_block(html: str, title: str) -> str:
    start = html.rindex('<td class="event"', 0, html.index(f">{title}</div>"))
    return html[start : html.index("</td></tr>", start)]


def test_events_show_their_status_as_of_the_issue_date(example: Path) -> None:
    html, text = built(example, "2026-03", "email.html"), built(example, "2026-03", "email.txt")
    # 2026-03 is dated after the first three regional conferences: over, so nothing to add or join
    for title in ("Regionalkonferenz Nordost", "Regionalkonferenz Südost"):
        assert "In Kalender eintragen" not in event_block(html, title), title
    postponed = event_block(html, "Regionalkonferenz Südost")
    assert '<s class="void" style="text-decoration: line-through;">Freitag, 6. November 2026, 15:00–19:00 Uhr</s> – neuer Termin folgt' in postponed
    cancelled = event_block(html, "Verwaltungsworkshop")
    assert "<s " in cancelled and "In Kalender eintragen" not in cancelled and "neuer Termin folgt" not in cancelled
    hybrid = event_block(html, "Jugendforum „Unser Landkreis 2040“")
    assert ">Vor Ort und online</div>" in hybrid and "Online teilnehmen" in hybrid and "In Kalender eintragen" in hybrid
    assert "Bisheriger Termin: Freitag, 6. November 2026, 15:00–19:00 Uhr – neuer Termin\nfolgt" in text
    assert "termine/2026-12-04-verwaltungsworkshop.ics" not in text


def test_an_event_over_before_the_emails_own_time_offers_nothing() -> None:
    """The email is dated 08:00 of its issue's day: an event of that morning that ended at 07:30
    is over when it is read (no "Online teilnehmen"); one ending at 09:00 is not; without an end
    time only the day counts, as on the site."""
    berlin = ZoneInfo("Europe/Berlin")
    issue_day = date(2026, 11, 20)
    moment = message_date(SimpleNamespace(date=issue_day), berlin)  # type: ignore[arg-type]
    assert moment == datetime(2026, 11, 20, 8, 0, tzinfo=berlin)

    def event(start: str, end: str | None, status: EventStatus = EventStatus.SCHEDULED) -> Event:
        def at(hm: str) -> EventTime:
            return EventTime.of(datetime.combine(issue_day, time.fromisoformat(hm), berlin))

        return Event("e", "E", at(start), at(end) if end else None, online="https://v.example.org/", status=status)

    assert not event_open_at(event("06:00", "07:30"), moment)
    assert event_open_at(event("07:00", "09:00"), moment)
    assert event_open_at(event("06:00", None), moment)
    assert not event_open_at(event("07:00", "09:00", EventStatus.CANCELLED), moment)
    assert event_open_at(Event("d", "D", EventTime(issue_day)), moment)  # a whole day: open all of it


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_message_eml_is_multipart_alternative(example: Path) -> None:
    message = parse((example / "newsletter" / "2026-02" / "message.eml").read_bytes())
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # on the wire every line ends in CRLF (RFC 5322); the content is otherwise the same
    assert parts[0].get_content().replace("\r\n", "\n") == raw(example, "2026-02", "email.txt")
    assert parts[1].get_content().replace("\r\n", "\n") == raw(example, "2026-02", "email.html")
    assert message["Subject"] == "Newsletter 02.2026: Kick-off & Kreativ-Gruppe"
    assert message["From"] == "Zukunftswerkstatt Kommunen <wiralle@example.org>"
    assert message["Reply-To"] == "wiralle@example.org"
    assert message["Date"] == "Tue, 30 Jun 2026 08:00:00 +0200"
    assert re.fullmatch(r"<2026-02\.[0-9a-f]{8}\.[0-9a-f]{12}@example\.org>", message["Message-ID"])  # slug, hash of the file name, of the build
    assert message["List-Id"] == (
        "Newsletter der Zukunftswerkstatt Kommunen <newsletter-der-zukunftswerkstatt-kommunen.zukunftswerkstatt.example.org>"
    )
    assert message["List-Unsubscribe"] == (
        f"<{UNSUBSCRIBE_PLACEHOLDER}>, <mailto:wiralle@example.org?subject=Newsletter%20abbestellen>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_all("MIME-Version") == ["1.0"]


def test_personalised_message_fills_placeholders_without_rendering(example: Path) -> None:
    project = load_project(example).project
    issue = project.issue("2026-02")
    assert issue is not None
    body = EmailRenderer(project, ImagePipeline(example / ".cache"), BUNDLED_TEMPLATES).render(issue).body
    url = "https://abo.example.org/abmelden?t=abc&u=1"
    message = build_message(body, project.settings, to="leser@example.net", unsubscribe_url=url)
    parsed = parse(message.as_bytes())
    plain, html = (p.get_content() for p in parsed.iter_parts())
    assert UNSUBSCRIBE_PLACEHOLDER not in plain + html + str(parsed["List-Unsubscribe"])
    assert f"Newsletter abbestellen: {url}" in plain
    assert 'href="https://abo.example.org/abmelden?t=abc&amp;u=1"' in html
    assert parsed["List-Unsubscribe"].startswith(f"<{url}>")
    assert parsed["To"] == "leser@example.net"


# -- commands, cache, lint of built emails ---------------------------------------------------
def test_email_command_renders_one_issue_and_drafts(example: Path) -> None:
    result = run("email", "2027-01", "--project", str(example))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["newsletter/2027-01/email.html", "newsletter/2027-01/email.txt", "newsletter/2027-01/message.eml"]
    assert "Ausblick 2027 (Entwurf)" in built(example, "2027-01", "email.html")
    unknown = run("email", "2099-01", "--project", str(example))
    assert unknown.returncode == 1
    assert unknown.stderr.strip().endswith("rundbrief: no issue '2099-01' in content/newsletter/ (issues: 2026-01, 2026-02, 2026-03, 2027-01)")
    shutil.rmtree(example / "newsletter" / "2027-01")


def test_unchanged_emails_are_not_rendered_again(example: Path) -> None:
    again = run("build", "--force", "--project", str(example))  # through the email cache, not the build stamp
    assert again.returncode == 0, again.stderr
    assert "(0 emails rendered, 3 unchanged)" in again.stdout
    issue = example / "content" / "newsletter" / "2026-03.md"
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.replace("über 150 Ideen", "über 160 Ideen"), encoding="utf-8")
    try:
        changed = run("build", "--project", str(example))
        assert "(1 email rendered, 2 unchanged)" in changed.stdout
        assert "über 160 Ideen" in built(example, "2026-03", "email.html")
    finally:
        issue.write_text(original, encoding="utf-8")
        assert run("build", "--project", str(example)).returncode == 0


def test_check_lints_built_emails(example: Path) -> None:
    target = example / "newsletter" / "2026-01" / "email.html"
    original = target.read_text(encoding="utf-8")
    target.write_text(original.replace('<td class="content" style="', '<td class="content" style="display: flex; '), encoding="utf-8")
    try:
        result = run("check", "--project", str(example))
        lines = [line for line in result.stderr.splitlines() if "email.html" in line]
        assert lines == [
            "newsletter/2026-01/email.html: error: <td> has layout CSS that Outlook or Gmail drop: "
            + repr(re.search(r'<td class="content" style="([^"]*)"', target.read_text(encoding="utf-8")).group(1)),  # type: ignore[union-attr]
            "newsletter/2026-01/email.html: warning: display: flex is not supported in Outlook Windows, Outlook Windows "
            "Mail, GMX Desktop Webmail, WEB.DE Desktop Webmail (caniemail: css-display-flex)",
        ]
        assert result.returncode == 1
    finally:
        target.write_text(original, encoding="utf-8")
