"""No text that reaches a header can add one: encoded words, folded encoded words, every line
separator Python or a mail server might split on, in titles, names, URLs and addresses.

Python 3.11.7's email package decodes an RFC 2047 encoded word while it folds a header and
writes what the word hides as raw text: ``=?UTF-8?B?<base64 of CR LF "Bcc: ...">?=`` became a
``Bcc:`` header. These tests build and parse real messages; the web form, import and sending
paths are tested against real servers in test_webapp.py and test_send.py.
"""

from __future__ import annotations

import base64
import dataclasses
import email
import html
import re
from collections.abc import Callable
from email import policy
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from generator.addresses import AddressError, check_address
from generator.content.model import Settings
from generator.email import mime
from generator.email.mime import Intended, MessageError, PreparedMessage, message_id, verify_message
from generator.email.render import EmailBody
from tests.emailfixture import run

SETTINGS = Settings(
    site_name="Test", site_url="https://test.example.org/", docs_dir="content", site_dir="site",
    newsletter_name="Test-Newsletter", sender_name="Absender", sender_email="absender@example.org",
    reply_to="antwort@example.org", service_url="https://abo.example.org/",
)  # fmt: skip
INTENDED = sorted([
    "subject", "from", "to", "reply-to", "date", "message-id", "list-id", "list-unsubscribe",
    "list-unsubscribe-post", "content-type", "mime-version",
])  # fmt: skip

# Everything some parser takes for the end of a line: CR, LF, the str.splitlines() set that
# Python's feedparser uses on text (VT, FF, FS, GS, RS, NEL, LINE and PARAGRAPH SEPARATOR)
LINE_BREAKS = ["\r\n", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\r\n\t", "\r\n "]
INJECTED_HEADERS = ["Bcc: opfer@boese.example", "Cc: opfer@boese.example", "To: opfer@boese.example",
                    "Reply-To: falle@boese.example", "Subject: Gewonnen", "Content-Type: text/html"]  # fmt: skip


def b_word(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def q_word(text: str) -> str:
    return "=?utf-8?q?" + "".join(f"={byte:02X}" for byte in text.encode()) + "?="


line_breaks = st.sampled_from(LINE_BREAKS)
injections = st.builds(lambda br, header: f"x{br}{header}", line_breaks, st.sampled_from(INJECTED_HEADERS))
encoded_words = st.builds(lambda enc, text: enc(text), st.sampled_from([b_word, q_word]), injections)
# folded: the hidden text split over two encoded words on two lines, as long headers come
folded_words = st.builds(
    lambda text, cut, sep: b_word(text[:cut]) + sep + q_word(text[cut:]), injections, st.integers(0, 8),
    st.sampled_from(["\r\n ", "\r\n\t", " ", "\n "]),
)  # fmt: skip
hostile_text = st.one_of(
    st.text(max_size=80), injections, encoded_words, folded_words,
    st.builds(lambda a, w, b: a + w + b, st.text(max_size=20), st.one_of(encoded_words, folded_words), st.text(max_size=20)),
)  # fmt: skip


def parsed_both_ways(data: bytes) -> list[email.message.Message]:
    """The message as a mail server parses it (bytes) and as a program holding it as text would,
    each with the modern and the compat32 policy."""
    head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    return [
        email.message_from_bytes(head, policy=policy.default),
        email.message_from_bytes(head, policy=policy.compat32),
        email.message_from_string(head.decode("utf-8"), policy=policy.default),
        email.message_from_string(head.decode("utf-8"), policy=policy.compat32),
    ]


@settings(max_examples=400, deadline=None)
@given(subject=hostile_text, sender_name=hostile_text, newsletter_name=hostile_text, unsubscribe=hostile_text)
def test_no_title_name_or_url_adds_a_header(
    subject: str, sender_name: str, newsletter_name: str, unsubscribe: str
) -> None:
    """The issue's title, sender.name, newsletter_name and the unsubscribe URL, whatever they hold:
    exactly the intended headers, in every way the message can be parsed, and the decoded
    values hold no line break."""
    settings_ = dataclasses.replace(SETTINGS, sender_name=sender_name, newsletter_name=newsletter_name or "x")
    prepared = PreparedMessage(
        EmailBody("x", subject or "x", "", "<p>%%unsubscribe_url%%</p>\n", "%%unsubscribe_url%%\n"), settings_
    )
    data = prepared.personalise("leser@example.net", unsubscribe, message_id=message_id("x", "example.org"))
    for parsed in parsed_both_ways(data):
        assert sorted(name.lower() for name in parsed) == INTENDED
        assert email.utils.getaddresses(parsed.get_all("To", [])) == [("", "leser@example.net")]
        for name, value in parsed.items():
            assert not re.search(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", str(value).replace("\r\n ", " ")), (
                name,
                value,
            )


hostile_addresses = st.one_of(
    st.builds(lambda w: f"{w}@example.org", st.one_of(encoded_words, folded_words)),
    st.builds(lambda br, header: f"leser@example.org{br}{header}", line_breaks, st.sampled_from(INJECTED_HEADERS)),
    st.builds(lambda br: f"le{br}ser@example.org", line_breaks),
    st.builds(lambda ch: f"le{ch}ser@example.org", st.sampled_from(["\x00", "\x1b", "\x7f", "\x9b"])),
)
# characters that split no header but spoof an address (zero-width, bidi override, BOM)
spoofing_addresses = st.builds(
    lambda ch: f"le{ch}ser@example.org", st.sampled_from(["\u200b", "\u202e", "\ufeff", "\u00a0"])
)


@settings(max_examples=300, deadline=None)
@given(address=hostile_addresses)
def test_hostile_addresses_are_refused(address: str) -> None:
    """At the door (the one rule of the web form, import, --test and the content) and again by
    the message itself, should such an address come from an old store."""
    with pytest.raises(AddressError):
        check_address(address)
    prepared = PreparedMessage(EmailBody("x", "Betreff", "", "<p>a</p>\n", "a\n"), SETTINGS)
    with pytest.raises(MessageError):
        prepared.personalise(address, "https://abo.example.org/abmelden?t=1")


@given(address=spoofing_addresses)
def test_spoofing_addresses_are_refused_at_the_door(address: str) -> None:
    with pytest.raises(AddressError):
        check_address(address)


def test_the_reported_attack_is_refused() -> None:
    attack = b_word("x\r\nBcc: opfer@boese.example\r\nX-A: b") + "@example.org"
    with pytest.raises(AddressError, match='holds "=\\?", the start of an RFC 2047 encoded word'):
        check_address(attack)
    with pytest.raises(AddressError, match=r"U\+2028 \(LINE SEPARATOR\)"):
        check_address("le\u2028ser@example.org")
    assert check_address("  Leser@Example.ORG ") == "Leser@example.org"


def test_verify_message_refuses_what_was_not_intended() -> None:
    intended = Intended(frozenset({"subject", "to"}), {"to": ("leser@example.net",)})
    verify_message(b"Subject: Hallo\r\nTo: leser@example.net\r\n\r\nText", intended)
    with pytest.raises(MessageError, match="the message has the headers bcc, subject, to; intended: subject, to"):
        verify_message(b"Subject: Hallo\r\nBcc: opfer@boese.example\r\nTo: leser@example.net\r\n\r\n", intended)
    with pytest.raises(
        MessageError,
        match="parsed back as bytes, To names leser@example.net, opfer@boese.example; intended: leser@example.net",
    ):
        verify_message(b"Subject: Hallo\r\nTo: leser@example.net, opfer@boese.example\r\n\r\n", intended)
    with pytest.raises(MessageError, match="the Subject header decodes to a line break or control character"):
        verify_message(
            f"Subject: {b_word('x' + chr(13) + chr(10) + 'Bcc: y')}\r\nTo: leser@example.net\r\n\r\n".encode(), intended
        )
    with pytest.raises(
        MessageError, match="the Subject header holds a line break or control character: 'Hallo\\\\u2028Bcc: x'"
    ):
        verify_message("Subject: Hallo\u2028Bcc: x\r\nTo: leser@example.net\r\n\r\n".encode(), intended)


def test_the_parse_back_catches_what_the_email_package_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the defused encoded words (as before), the folding of Python's email package
    writes the hidden header, and the message is refused instead of written or sent."""
    monkeypatch.setattr(mime, "header_text", lambda value: " ".join(value.split()))
    attack = b_word("x\r\nBcc: opfer@boese.example")
    with pytest.raises(MessageError, match="bcc"):
        PreparedMessage(EmailBody("x", attack, "", "<p>a</p>\n", "a\n"), SETTINGS)


ISSUE = '---\ntitle: "{title}"\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\nText.\n'


def test_built_message_eml_keeps_its_headers_and_a_well_formed_message_id(
    project: Path, write: Callable[..., Path]
) -> None:
    """A real build: a title and a sender name hiding a Bcc, an issue file named with spaces,
    quotes and umlauts (issue 11: the Message-ID was made of the file name as it was)."""
    config = project / "mkdocs.yml"
    attack = b_word("x\r\nBcc: opfer@boese.example")
    config.write_text(
        config.read_text(encoding="utf-8").replace("name: Testprozess", f'name: "Amt {attack}"'), encoding="utf-8"
    )
    slug = 'Ausgabe März "Spezial" 2026'
    write(f"newsletter/{slug}.md", ISSUE.format(title=f"Kick-off {attack}"))
    result = run("email", slug, "--project", str(project))
    assert result.returncode == 0, result.stderr
    data = (project / "newsletter" / slug / "message.eml").read_bytes()
    for parsed in parsed_both_ways(data):
        assert sorted(name.lower() for name in parsed) == sorted(set(INTENDED) - {"to", "reply-to"})
    message = email.message_from_bytes(data, policy=policy.default)
    defused = attack.replace("=?", "=\u200b?")  # shown as written, but no longer an encoded word
    assert str(message["Subject"]) == f"Newsletter 02.2026: Kick-off {defused}"
    assert re.fullmatch(r"<ausgabe-maerz-spezial-2026\.[0-9a-f]{8}\.[0-9a-f]{12}@example\.org>", message["Message-ID"])
    assert message["Message-ID"].defects == ()


@pytest.mark.parametrize("slug", ["Ausgabe März 2026", 'Sonder"ausgabe" <1>', "Ärger & Ölpreis", "   ", "ſ€√"])
def test_message_ids_of_any_file_name_are_well_formed(slug: str) -> None:
    prepared = PreparedMessage(
        EmailBody(slug, "Betreff", "", "<p>a</p>\n", "a\n"),
        dataclasses.replace(SETTINGS, sender_email="absender@bürger-amt.de"),
    )
    first, second = message_id(slug, prepared.sender_domain), message_id(slug, prepared.sender_domain)
    assert first != second  # one per copy
    data = prepared.personalise("leser@example.net", "https://abo.example.org/abmelden?t=1", message_id=first)
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert parsed["Message-ID"] == first and parsed["Message-ID"].defects == ()
    assert re.fullmatch(r"<[a-z0-9-]+\.[0-9a-f]{8}\.[0-9a-f]{20}@xn--brger-amt-q9a\.de>", first)
    assert message_id(slug, "example.org", "abc123") != message_id(
        slug + " ", "example.org", "abc123"
    )  # the hash keeps them apart


def test_content_addresses_follow_the_same_rule(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("email: test@example.org", "email: =?UTF-8?B?eA==?=@example.org"),
        encoding="utf-8",
    )
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    assert (
        'plugins.rundbrief.sender.email: expected an email address, found "=?UTF-8?B?eA==?=@example.org"'
        in result.stderr
    )


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(
        st.text(st.characters(blacklist_characters="\r", blacklist_categories=("Cs",)), max_size=200),
        min_size=1,
        max_size=4,
    ),
    url=hostile_text,
)
@example(
    pieces=["", ""], url="'\U00010000" * 4 + '=?UTF-8?B??=\r\n =?utf-8?q?=78=0D=0A?=000000""¡¡¡¡'
)  # a last line of 76
@example(pieces=["a" * 75, "b" * 76, ""], url="x" * 76)
@example(pieces=["ä" * 30, " "], url="é" * 25)
def test_each_copy_decodes_to_the_body_with_its_own_link(pieces: list[str], url: str) -> None:
    """The body is encoded once, in pieces around the placeholder; every copy decodes to exactly
    the text with its unsubscribe link, and no encoded line is longer than 76 characters."""
    assume("%%unsubscribe_url%%" not in url)  # the built message's own link, not a URL
    text = "%%unsubscribe_url%%".join(pieces)
    prepared = PreparedMessage(EmailBody("x", "Betreff", "", text, text), SETTINGS)
    data = prepared.personalise("leser@example.net", url)
    assert max(len(line) for line in data.split(b"\r\n\r\n", 1)[1].split(b"\r\n")) <= 76
    plain, html_part = email.message_from_bytes(data, policy=policy.default).iter_parts()
    link = mime.header_url(url)
    assert plain.get_payload(decode=True).decode("utf-8") == text.replace("\n", "\r\n").replace(
        "%%unsubscribe_url%%", link
    )  # type: ignore[union-attr]
    assert html_part.get_payload(decode=True).decode("utf-8") == text.replace("\n", "\r\n").replace(
        "%%unsubscribe_url%%", html.escape(link)
    )  # type: ignore[union-attr]


def test_a_header_line_over_998_octets_is_refused_before_any_server_sees_it() -> None:
    """A 1,200-character unsubscribe URL made List-Unsubscribe one 1,300-octet line: every send
    failed with "500 Line too long". The parse-back refuses it, naming the limit."""
    prepared = PreparedMessage(EmailBody("x", "Betreff", "", "<p>%s</p>" % mime.UNSUBSCRIBE_PLACEHOLDER, "x"), SETTINGS)
    with pytest.raises(
        MessageError, match=r"a header line is 1\d{3} octets long, more than the 998 allowed: List-Unsubscribe: <https"
    ):
        prepared.personalise("a@example.net", "https://abo.example.org/" + "a" * 1200)
    data = prepared.personalise("a@example.net", "https://abo.example.org/" + "a" * 400)
    assert max(len(line) for line in data.split(b"\r\n\r\n")[0].split(b"\r\n")) < 500  # folded after its comma


@pytest.mark.parametrize(
    "name", ["Rundbrief (Entwurf) <neu>", "Ä" * 120, "x" * 30 + " <evil.example>", 'Zitat "x" \\ y']
)
def test_list_id_is_a_phrase_and_the_literal_id(name: str) -> None:
    settings = dataclasses.replace(SETTINGS, newsletter_name=name)
    data = PreparedMessage(EmailBody("x", "Betreff", "", "<p>x</p>", "x"), settings).personalise(
        "a@example.net", "https://abo.example.org/x"
    )
    head = data.split(b"\r\n\r\n")[0].decode("ascii")
    raw = re.search(r"^List-Id:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.MULTILINE)
    assert raw is not None
    unfolded = re.sub(r"\r\n(?=[ \t])", "", raw.group(1))
    assert unfolded.count("<") == 1 and unfolded.endswith(f" <{mime.list_id_value(settings)}>")
    assert (
        str(email.message_from_bytes(data, policy=policy.default)["List-Id"])
        == f"{name} <{mime.list_id_value(settings)}>"
    )


def test_the_parse_back_compares_the_raw_list_id() -> None:
    head = b"List-Id: Name <andere.example.org>\r\n\r\n"
    with pytest.raises(
        MessageError, match="the List-Id is 'Name <andere.example.org>'; intended: the id <liste.example.org>"
    ):
        verify_message(head, Intended(frozenset({"list-id"}), list_id="liste.example.org"))
    encoded = b"List-Id: =?utf-8?q?Name_=3Cliste=2Eexample=2Eorg=3E?=\r\n\r\n"  # the id hidden in an encoded word
    with pytest.raises(MessageError, match="intended: the id <liste.example.org>"):
        verify_message(encoded, Intended(frozenset({"list-id"}), list_id="liste.example.org"))
