"""Hostile and broken input for the emails: scripts, handlers, giant issues, header injection."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from email import policy
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.content import load_project
from generator.content.model import Settings
from generator.email.build import BUNDLED_TEMPLATES
from generator.email.lint import rule_violations
from generator.email.mime import build_message, header_text, header_url
from generator.email.render import EmailBody, EmailRenderer
from generator.images import ImagePipeline
from tests.emailfixture import run

HOSTILE_BODY = """\
Harmloser Absatz mit [Link](../prozess/index.md) und [extern](https://example.org/x).

<script>alert("x")</script>
<p onclick="alert(1)" style="position:absolute; display:flex">Klick</p>
<a href="javascript:alert(1)">böse</a> <a href="JaVaScRiPt:alert(2)">auch böse</a>
<img src="https://tracker.example.net/pixel.gif" onerror="alert(3)">
<iframe src="https://example.org"></iframe>
<form action="https://example.org"><input name="x"></form>
<svg><circle r="5"/></svg>
<figure><figcaption>Bildunterschrift</figcaption></figure>
<style>body { display: grid }</style>
<video src="x.mp4"></video>

![Foto im Text](../media/foto.jpg)

{{ jinja }} %%other%%
"""


def issue_file(body: str, title: str = "Feindliche Ausgabe") -> str:
    return f'---\ntitle: "{title}"\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\n{body}'


def render(project: Path, slug: str = "2026-02") -> str:
    model = load_project(project).project
    issue = model.issue(slug)
    assert issue is not None
    rendered = EmailRenderer(model, ImagePipeline(project / ".cache"), BUNDLED_TEMPLATES).render(issue)
    assert rendered.errors == ()
    return rendered.body.html


def test_hostile_html_is_sanitised(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2026-02.md", issue_file(HOSTILE_BODY))
    html = render(project)
    body = html[html.index('<td class="content"') : html.index("<!-- rb:section button -->")]
    assert rule_violations(html, "https://test.example.org/") == []
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<form", "<input", "<svg", "<figure", "<video", "display:grid", "position:absolute", "tracker.example.net"):
        assert bad not in body.lower().replace(" ", ""), bad
    assert "Klick" in body and "böse" in body  # the words survive, the behaviour does not
    assert 'href="https://test.example.org/prozess/"' in body  # an .md link becomes its page
    assert 'href="https://example.org/x"' in body
    assert re.search(r'<img src="https://test\.example\.org/media/_r/media_foto-120-[0-9a-f]+\.jpg" width="120" height="80" alt="Foto im Text" border="0"', body)
    # editors' text that looks like a template token or placeholder is shown, never filled in
    assert "{\u200b{ jinja }\u200b}" in body and "%\u200b%other%\u200b%" in body


def test_build_refuses_an_email_over_the_size_limit(project: Path, write: Callable[..., Path]) -> None:
    assert run("build", "--project", str(project)).returncode == 0
    before = {p: p.read_bytes() for p in (project / "newsletter").rglob("*") if p.is_file()}
    paragraph = "Ein langer Absatz über die Zukunft des Landkreises, der immer weiter geht. " * 12
    write("newsletter/2026-02.md", issue_file("\n\n".join([paragraph] * 150)))
    result = run("build", "--project", str(project))
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "email:" in line)
    assert re.fullmatch(
        r"content/newsletter/2026-02\.md:1: error: email: the email's HTML is \d+\.\d KB \(biggest: body \d+ KB, "
        r"\w+ \d+ KB, \w+ \d+ KB\); Gmail clips emails over about 102 KB: at most 100 KB, shorten the issue",
        line,
    ), line
    assert {p: p.read_bytes() for p in (project / "newsletter").rglob("*") if p.is_file()} == before
    assert not (project / "site" / "newsletter" / "2026-02").exists()


def test_size_warning_between_90_and_100_kb(project: Path, write: Callable[..., Path]) -> None:
    paragraph = "Ein Absatz über die Zukunft des Landkreises, der weiter geht. " * 10
    for count in range(100, 200, 4):
        write("newsletter/2026-02.md", issue_file("\n\n".join([paragraph] * count)))
        size = len(render(project).encode())
        if size > 90 * 1024:
            break
    assert 90 * 1024 < size <= 100 * 1024, size
    result = run("build", "--project", str(project))
    assert result.returncode == 0, result.stderr
    assert "warning: email: the email's HTML is" in result.stderr and "Gmail clips emails over about 102 KB" in result.stderr


def test_missing_site_url_is_a_clear_error(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_url: https://test.example.org/\n", ""), encoding="utf-8")
    result = run("build", "--project", str(project))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("mkdocs.yml:1: error: site_url: missing required field")
    model = load_project(project).project
    with pytest.raises(ValueError, match="site_url is required for emails"):
        EmailRenderer(model, ImagePipeline(project / ".cache"), BUNDLED_TEMPLATES)


def test_title_with_line_break_never_reaches_a_header(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2026-02.md", issue_file("Text", title="Kick-off\\r\\nBcc: alle@example.org"))
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    assert 'title: must be a single line without control characters, found "Kick-off\\r\\nBcc: alle@example.org"' in result.stderr


SETTINGS = Settings(
    site_name="Test", site_url="https://test.example.org/", docs_dir="content", site_dir="site",
    newsletter_name="Test-Newsletter", sender_name="Absender", sender_email="absender@example.org",
    reply_to="antwort@example.org",
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    subject=st.text(min_size=1, max_size=120),
    sender=st.text(max_size=60),
    unsubscribe=st.text(max_size=80),
)
def test_no_content_can_split_a_header(subject: str, sender: str, unsubscribe: str) -> None:
    """Whatever the title, sender name or unsubscribe URL holds, the headers stay the headers."""
    body = EmailBody("x", subject, "vor", "<p>Hallo</p>\n", "Hallo\n")
    settings_ = Settings(**{**{f: getattr(SETTINGS, f) for f in SETTINGS.__dataclass_fields__}, "sender_name": sender})
    message = build_message(body, settings_, to="leser@example.net", unsubscribe_url=unsubscribe)
    data = message.as_bytes()
    parsed = email.message_from_bytes(data, policy=policy.default)
    names = [name.lower() for name in parsed.keys()]
    assert names == [
        "subject", "from", "to", "reply-to", "date", "message-id", "list-id", "list-unsubscribe",
        "list-unsubscribe-post", "content-type", "mime-version",
    ] or sorted(names) == sorted([
        "subject", "from", "to", "reply-to", "date", "message-id", "list-id", "list-unsubscribe",
        "list-unsubscribe-post", "content-type", "mime-version",
    ])  # fmt: skip
    assert len(names) == len(set(names))
    # the text survives; only whitespace where CPython splits a long subject into several
    # RFC 2047 encoded words may be lost on decoding (a quirk of its folding, not a split)
    assert "".join(str(parsed["Subject"]).split()) == "".join(header_text(subject).split())
    assert "bcc" not in names and "cc" not in names
    assert parsed["To"] == "leser@example.net"


@given(st.text())
def test_header_text_is_one_clean_line(value: str) -> None:
    cleaned = header_text(value)
    assert "\r" not in cleaned and "\n" not in cleaned
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    assert cleaned == cleaned.strip()


@settings(max_examples=300, deadline=None)
@given(to=st.emails(), unsubscribe=st.text(max_size=120), subject=st.text(min_size=1, max_size=80))
def test_personalised_messages_keep_their_headers(to: str, unsubscribe: str, subject: str) -> None:
    """The fast per-recipient path: whatever the address, URL or subject, no header is added or split."""
    from generator.email.mime import PreparedMessage

    assume("%%unsubscribe_url%%" not in unsubscribe)  # the built message's own link, not a URL
    prepared = PreparedMessage(EmailBody("x", subject, "", "<p>%%unsubscribe_url%%</p>\n", "%%unsubscribe_url%%\n"), SETTINGS)
    parsed = email.message_from_bytes(prepared.personalise(to, unsubscribe), policy=policy.default)
    assert sorted(name.lower() for name in parsed.keys()) == sorted([
        "subject", "from", "reply-to", "list-id", "list-unsubscribe-post", "mime-version", "content-type", "to", "date",
        "message-id", "list-unsubscribe",
    ])  # fmt: skip
    assert parsed["To"].addresses[0].addr_spec.lower() == header_text(to).lower()
    plain, html_part = (part.get_content() for part in parsed.iter_parts())
    assert plain.strip() == header_url(unsubscribe)  # one line, ASCII, and no encoded word
    assert "%%unsubscribe_url%%" not in plain + html_part


def test_claim_slogan_and_contact_are_shown_as_text(project: Path, write: Callable[..., Path]) -> None:
    """The new settings reach the email escaped, never as markup, and the plain text as written."""
    hostile = '<b>Fett</b> & "Zitat" <script>alert(1)</script>'
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "      organisation: Landkreis Test\n"
        + f"      claim: '{hostile}'\n      slogan: '{hostile} Slogan'\n"
        + f"      contact:\n        name: '{hostile} Büro'\n        email: buero@example.org\n"
        + f"        address: |\n          {hostile} Straße 1\n          12345 Ort\n",
        encoding="utf-8",
    )
    write("newsletter/2026-02.md", issue_file("Text."))
    html = render(project)
    assert "<script" not in html and "<b>" not in html
    escaped = '&lt;b&gt;Fett&lt;/b&gt; &amp; "Zitat" &lt;script&gt;alert(1)&lt;/script&gt;'  # as the inliner writes it
    for shown in (f'{escaped}</span></div>', f"{escaped} Slogan</div>", f"{escaped} Büro</strong>", f"{escaped} Straße 1<br>12345 Ort"):
        assert shown in html, shown
    assert 'href="mailto:buero@example.org"' in html
