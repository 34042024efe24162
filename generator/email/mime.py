"""The ready-to-send MIME message of an email body, with headers no content can change.

multipart/alternative with text/plain first (clients show the last part they understand),
UTF-8 throughout. Two defences, because the email package is not one:

- Header values pass through :func:`header_text`: every line break and control character
  folds to a space (before 3.11.10 a CR or LF in a value started a new header, CVE-2024-6923),
  and an RFC 2047 encoded word's opening ``=?`` gets a zero-width space. Python's folding
  *decodes* encoded words it finds in a value and writes what they hide as raw text, so a
  title ``=?UTF-8?B?...?=`` hiding CR LF would add a ``Bcc:`` on 3.11.7.
- Every message is parsed back before it is sent or written (:func:`verify_message`): its
  header names and addresses must be exactly the intended ones, else :class:`MessageError`.
"""

from __future__ import annotations

import binascii
import email
import hashlib
import html
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header, decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import SMTP, Policy, compat32
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses
from functools import lru_cache
from urllib.parse import quote, urlsplit

from generator import addresses
from generator.content.fields import slugify
from generator.content.model import Settings
from generator.email.context import UNSUBSCRIBE_PLACEHOLDER
from generator.email.render import EmailBody

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
ENCODED_WORD_START = "=?"
_DEFUSED_WORD_START = "=\u200b?"  # shown the same, but no longer an encoded word to any decoder
# What a decoded header value must never hold: whatever a parser could take for a line break.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*>")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
MAX_LINE = 998  # octets in a line of a message, without its CRLF (RFC 5322 2.1.1)
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)


class MessageError(ValueError):
    pass


def header_text(value: str) -> str:
    """A header value on one line: line breaks and control characters become one space, and
    ``=?`` cannot open an encoded word (a zero-width space between, as for placeholders)."""
    text = re.sub(r"\s{2,}", " ", _UNSAFE.sub(" ", unicodedata.normalize("NFC", value))).strip()
    return text.replace(ENCODED_WORD_START, _DEFUSED_WORD_START)


def header_url(url: str) -> str:
    """A URL fit for a header and the text: one line, ASCII, spaces and angle brackets
    percent-encoded, and no ``=?`` (as ``=%3F``, the same to the server that reads it)."""
    text = re.sub(r"\s+", " ", _UNSAFE.sub(" ", url)).strip()
    return quote(text, safe=_URL_SAFE).replace(ENCODED_WORD_START, "=%3F")


def address(name: str | None, email: str) -> Address:
    """The header form of an address: its domain in IDNA (Python's email package would write a
    non-ASCII domain as an encoded word, which no mail program reads as an address)."""
    email = header_text(email)
    if "@" not in email or _DEFUSED_WORD_START in email:
        raise MessageError(f"not an email address: {email!r}")
    local, _, domain = email.rpartition("@")
    try:
        return Address(display_name=header_text(name or ""), username=local, domain=addresses.ascii_domain(domain))
    except addresses.AddressError as err:
        raise MessageError(str(err)) from None


def intended_address(email: str) -> str:
    """What :func:`address` should give as addr-spec, from the address as it was meant (not
    cleaned by header_text: a line break in it must show as a difference)."""
    try:
        return addresses.with_ascii_domain(email)
    except addresses.AddressError as err:
        raise MessageError(str(err)) from None


def ascii_domain(domain: str) -> str:
    """The domain as it may stand on the right of a Message-ID (IDNA for umlauts)."""
    try:
        encoded = addresses.ascii_domain(domain).lower()
    except addresses.AddressError:
        return "rundbrief.invalid"
    return encoded if re.fullmatch(r"[a-z0-9][a-z0-9.-]*", encoded) else "rundbrief.invalid"


def message_id(label: str, domain: str, unique: str | None = None) -> str:
    """``<slug.hash.unique@domain>``: from a label such as an issue's file name, which may hold
    spaces, quotes or umlauts, an ASCII slug plus a short hash of the label (two labels with
    one slug stay apart); ``unique`` (hex) defaults to a random value."""
    tail = unique if unique is not None else uuid.uuid4().hex[:20]
    if not re.fullmatch(r"[A-Za-z0-9]+", tail):
        raise MessageError(f"a Message-ID's unique part must be letters and digits, found {tail!r}")
    return f"<{_message_id_label(label)}.{tail}@{ascii_domain(domain)}>"


@lru_cache(maxsize=64)  # the same for every copy of an issue
def _message_id_label(label: str) -> str:
    return f"{slugify(label, 40)}.{hashlib.sha256(label.encode('utf-8')).hexdigest()[:8]}"


@dataclass(frozen=True, slots=True)
class Intended:
    """What a message's header must be after parsing it back: exactly these header names (each
    once, lower case) and, for the address headers, exactly these addresses."""

    names: frozenset[str]
    addresses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    list_id: str | None = None  # the raw id between the List-Id's angle brackets, exactly once

    def describe(self) -> str:
        return ", ".join(sorted(self.names))


def verify_message(data: bytes, intended: Intended) -> None:
    """Parse ``data`` back as a mail server (bytes) and as a program holding it as text would,
    each with the ``default`` and the ``compat32`` policy; refuse it (MessageError) unless
    every parse finds exactly the intended header names and addresses, and no decoded value
    holds a line break, a control character or a Unicode line separator."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise MessageError("the message has no blank line after its header")
    head = data[: end + 4]
    for line in head.split(b"\r\n"):
        if len(line) > MAX_LINE:  # RFC 5322 2.1.1: servers refuse such a message ("500 Line too long")
            shown = line[:60].decode("utf-8", "replace")
            raise MessageError(
                f"a header line is {len(line)} octets long, more than the {MAX_LINE} allowed: {shown}..."
            )
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MessageError(f"the message's header is not UTF-8: {err}") from None
    for policy in (default_policy, compat32):
        _compare(BytesHeaderParser(policy=policy).parsebytes(head), policy, intended, "as bytes")
        if not head.isascii():  # ASCII bytes parse exactly as their text: once is enough
            _compare(HeaderParser(policy=policy).parsestr(text), policy, intended, "as text")


def _text(value: str) -> str:
    """A value parsed from bytes holds surrogates for its UTF-8 bytes: the text they were."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _compare(parsed: Message, policy: Policy, intended: Intended, how: str) -> None:
    names = [name.lower() for name in parsed]
    if len(names) != len(intended.names) or set(names) != intended.names:
        found = ", ".join(sorted(names))
        raise MessageError(f"parsed back {how}, the message has the headers {found}; intended: {intended.describe()}")
    for name, raw in parsed.raw_items():
        unfolded = _text(re.sub(r"\r?\n(?=[ \t])", "", str(raw)).rstrip("\r\n"))
        if _LINE_BREAKING.search(unfolded):
            raise MessageError(
                f"parsed back {how}, the {name} header holds a line break or control character: {unfolded!r}"
            )
        if ENCODED_WORD_START in unfolded or not unfolded.isascii():
            # only then can decoding differ from the raw text (the costly part, so not for every value)
            decoded = _decoded(name, unfolded, parsed, policy)
            if _LINE_BREAKING.search(decoded):
                raise MessageError(
                    f"parsed back {how}, the {name} header decodes to a line break or control character: {decoded!r}"
                )
        if name.lower() == "list-id" and intended.list_id is not None:
            found_id = re.fullmatch(r"[^<>]*<([^<>]*)>", unfolded.strip())
            if found_id is None or found_id.group(1) != intended.list_id:
                raise MessageError(
                    f"parsed back {how}, the List-Id is {unfolded!r}; intended: the id <{intended.list_id}>"
                )
        wanted = intended.addresses.get(name.lower())
        if wanted is not None:
            if _PLAIN_ADDRESS.fullmatch(unfolded) and ENCODED_WORD_START not in unfolded:
                # A lone ASCII dot-atom address: no parser reads anything else out of it, so the
                # costly parse of the default policy (a third of the whole check) can be skipped.
                found_addresses: tuple[str, ...] = (unfolded,)
            elif policy is default_policy:
                found_addresses = tuple(_text(a.addr_spec) for a in getattr(parsed[name], "addresses", ()))
            else:
                found_addresses = tuple(spec for _, spec in getaddresses([unfolded]))
            if found_addresses != wanted:
                shown = ", ".join(found_addresses) or "nobody"
                raise MessageError(f"parsed back {how}, {name} names {shown}; intended: {', '.join(wanted)}")


def _decoded(name: str, unfolded: str, parsed: Message, policy: Policy) -> str:
    if policy is default_policy:
        return _text(str(parsed[name]))
    try:
        return str(make_header(decode_header(unfolded)))
    except (UnicodeError, LookupError, email.errors.HeaderParseError) as err:
        raise MessageError(f"the {name} header cannot be decoded: {err}") from None


def list_id_value(settings: Settings) -> str:
    """The list's identifier, ``slug.host`` (RFC 2919), as it stands between the angle brackets."""
    host = ascii_domain(urlsplit(settings.site_url or "").hostname or "rundbrief.invalid")
    return f"{slugify(settings.newsletter_name) or 'newsletter'}.{host}"


def list_id(settings: Settings) -> str:
    """The ``List-Id`` value: the name as a phrase, then ``<slug.host>`` as it is. The name is
    RFC 2047-encoded when it holds anything but printable ASCII or an angle bracket, a quote
    or a backslash (so no ``<`` of the name can pass for the id), quoted when it holds other
    specials such as parentheses; the id is never encoded (Python's email package encodes the
    whole folded rest of a long or non-ASCII value, id included)."""
    name = header_text(settings.newsletter_name)
    if not name.isascii() or any(ch in name for ch in '<>"\\'):
        phrase = Header(name, "utf-8", maxlinelen=75).encode(linesep="\r\n")  # words of at most 75 characters
        phrase = " ".join(phrase.split())  # one word per token: folded below, between words
    elif re.fullmatch(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*", name):
        phrase = name
    else:
        phrase = f'"{name}"'
    return f"{phrase} <{list_id_value(settings)}>" if phrase else f"<{list_id_value(settings)}>"


def fold(name: str, value: str, width: int = 78) -> bytes:
    """``Name: value`` CRLF, folded at spaces so that lines stay within ``width`` where a space
    allows (a single longer word, such as a URL, keeps its own line; :func:`verify_message`
    refuses lines over 998 octets). Only for values whose spaces may be folding white space:
    unstructured text, a phrase, a quoted string, a list after its commas."""
    lines: list[str] = []
    line = f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) > width and line.strip() and not line.endswith(":"):
            lines.append(line)
            line = " " + word
        else:
            line += " " + word
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def unsubscribe_mailto(settings: Settings) -> str | None:
    target = settings.reply_to or settings.sender_email
    return header_url(f"mailto:{target}?subject={quote('Newsletter abbestellen')}") if target else None


def build_message(
    body: EmailBody,
    settings: Settings,
    *,
    to: str | None = None,
    date: datetime | None = None,
    message_id: str | None = None,
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER,
) -> EmailMessage:
    """The message for ``body`` as an EmailMessage: the very bytes PreparedMessage sends, parsed,
    so there is one way a message is made (per recipient only ``to``, ``message_id`` and the
    unsubscribe URL differ, filled in the rendered parts, never by rendering again)."""
    data = PreparedMessage(body, settings).personalise(to, unsubscribe_url, message_id=message_id, date=date)
    message = email.message_from_bytes(data, policy=SMTP)
    assert isinstance(message, EmailMessage)
    return message


_FIXED_NAMES = ("subject", "from", "list-id", "list-unsubscribe-post", "mime-version", "content-type")
_PERSONAL_NAMES = ("date", "message-id", "list-unsubscribe")


class PreparedMessage:
    """The message of one body, encoded once; per recipient only four headers and the
    unsubscribe URL change. Thousands of messages cost string replacements, not MIME work.
    Every message it returns has been parsed back and compared with what was meant."""

    def __init__(self, body: EmailBody, settings: Settings) -> None:
        if not settings.sender_email:
            raise MessageError("plugins.rundbrief.sender is required for emails")
        self.settings = settings
        self.sender_domain = ascii_domain(settings.sender_email.rpartition("@")[2])
        # Encoded once, in pieces around the placeholder: per copy only the URL is encoded, and
        # each piece ends in a soft line break ("=" CRLF, which decoding removes), so no line
        # grows past 76 characters whatever the URL's length.
        self.text_parts = _pieces(body.text)
        self.html_parts = _pieces(body.html)
        # From the body, not at random: a build makes the same bytes as the build before (the
        # page and email caches are tested against cold builds); no text holds the hash of itself.
        shown = f"{body.subject}\0{body.html}\0{body.text}".encode("utf-8", "surrogatepass")
        self.digest = hashlib.sha256(shown).hexdigest()  # what the message shows: its built Message-ID too
        self.boundary = "=_rundbrief_" + self.digest[:32]
        subject = EmailMessage(policy=SMTP)
        subject["Subject"] = header_text(body.subject)
        subject_block = _header_block(subject)
        self.fixed = subject_block + _project_headers(settings, self.boundary)
        self.mailto = unsubscribe_mailto(settings)
        # The header is verified in parts that parse exactly as they do together: a header line
        # belongs to the last line before it that starts with a name, and each part starts with
        # one and ends with a complete line. So the subject is parsed back once per issue,
        # the project's headers once per process (_project_headers), and each copy only costs
        # its own four lines (personalise).
        verify_message(subject_block + b"\r\n", Intended(frozenset({"subject"})))
        self._personal = Intended(frozenset(_PERSONAL_NAMES))
        self._personal_with_to = frozenset(_PERSONAL_NAMES + ("to",))

    def personalise(
        self, to: str | None, unsubscribe_url: str, *, message_id: str | None = None, date: datetime | None = None
    ) -> bytes:
        """The message for one recipient (``to`` None: the built message, with the placeholder).
        MessageError if the finished message does not parse back to exactly the intended header."""
        unsubscribe = header_url(unsubscribe_url)  # the placeholder passes unchanged
        to_header = ""
        intended = self._personal
        if to is not None:
            recipient = address(None, to)
            to_header = "To: " + recipient.addr_spec + "\r\n"  # raw UTF-8 before the @ when it has to be (SMTPUTF8)
            intended = Intended(self._personal_with_to, {"to": (intended_address(to),)})
        msgid = message_id or make_message_id(self.sender_domain)
        if not _MESSAGE_ID.fullmatch(msgid):
            raise MessageError(f"not a well-formed Message-ID: {msgid!r}")
        list_unsubscribe = f"<{unsubscribe}>" + (f", <{self.mailto}>" if self.mailto else "")
        if len(list_unsubscribe) > 60:  # folded after its comma (the URLs themselves cannot be)
            list_unsubscribe = list_unsubscribe.replace(">, <", ">,\r\n <")
        headers = (
            f"{to_header}"
            f"Date: {format_datetime(date or datetime.now().astimezone())}\r\n"
            f"Message-ID: {msgid}\r\n"
            f"List-Unsubscribe: {list_unsubscribe}\r\n"
        ).encode()
        verify_message(headers + b"\r\n", intended)  # the body cannot add headers: it starts after the blank line
        head = self.fixed + headers + b"\r\n"
        text = _filled(self.text_parts, unsubscribe)
        html_part = _filled(self.html_parts, html.escape(unsubscribe))
        b = self.boundary.encode()
        return b"".join(
            (
                head,
                b"--", b,
                b"\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                text, b"\r\n--", b,
                b"\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                html_part, b"\r\n--", b, b"--\r\n",
            )
        )  # fmt: skip


def make_message_id(domain: str) -> str:
    """A random Message-ID on ``domain`` (a message that is not tied to an issue, or one copy of it)."""
    return f"<{uuid.uuid4().hex}@{ascii_domain(domain)}>"


def _header_block(message: EmailMessage) -> bytes:
    return message.as_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n"


@lru_cache(maxsize=8)  # the same for every issue of a project: encoded once per process
def _sender_headers(settings: Settings) -> bytes:
    assert settings.sender_email, "PreparedMessage checks the sender first"
    headers = EmailMessage(policy=SMTP)
    headers["From"] = address(settings.sender_name, settings.sender_email)
    if settings.reply_to:
        headers["Reply-To"] = address(None, settings.reply_to)
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    headers["MIME-Version"] = "1.0"
    # List-Id written as it is meant: the email package would encode the id along with the name
    return _header_block(headers) + fold("List-Id", list_id(settings))


_BOUNDARY = re.compile(r"=_rundbrief_[0-9a-f]{32}")


def _project_headers(settings: Settings, boundary: str) -> bytes:
    """The sender's headers and the Content-Type with ``boundary`` (``=_rundbrief_`` and 32 hex
    digits), parsed back once per project: boundaries of that form all parse alike."""
    if not _BOUNDARY.fullmatch(boundary):
        raise MessageError(f"not a boundary of rundbrief's: {boundary!r}")
    _verified_project_headers(settings)
    return _project_headers_with(settings, boundary)


def _project_headers_with(settings: Settings, boundary: str) -> bytes:
    # folded, as email folds it
    content_type = f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode()
    return _sender_headers(settings) + content_type


@lru_cache(maxsize=8)
def _verified_project_headers(settings: Settings) -> None:
    assert settings.sender_email, "PreparedMessage checks the sender first"
    names = set(_FIXED_NAMES) - {"subject"} | ({"reply-to"} if settings.reply_to else set())
    senders = {"from": (intended_address(settings.sender_email),)}
    if settings.reply_to:
        senders["reply-to"] = (intended_address(settings.reply_to),)
    headers = _project_headers_with(settings, "=_rundbrief_" + "0" * 32)
    verify_message(headers + b"\r\n", Intended(frozenset(names), senders, list_id_value(settings)))


def _pieces(text: str) -> list[bytes]:
    """``text`` quoted-printable, in pieces around the placeholder; all but the last end in a
    soft line break, ready for the link to follow."""
    parts = [_qp(part) for part in text.replace("\r\n", "\n").split(UNSUBSCRIBE_PLACEHOLDER)]
    return [_soft_end(part) for part in parts[:-1]] + parts[-1:]


def _filled(parts: list[bytes], value: str) -> bytes:
    """The pieces joined by ``value``, itself encoded and ending in a soft line break."""
    return _soft_end(_qp(value)).join(parts) if len(parts) > 1 else parts[0]


def _soft_end(encoded: bytes) -> bytes:
    """``encoded`` ending in a soft line break, its last line still within 76 characters: a line
    too long for the "=" is cut once more, never inside an "=XX" escape."""
    start = encoded.rfind(b"\r\n") + 2 if b"\r\n" in encoded else 0
    last = encoded[start:]
    if len(last) <= 75:
        return encoded + b"=\r\n"
    cut = 75
    while last[cut - 1 : cut] == b"=" or last[cut - 2 : cut - 1] == b"=":
        cut -= 1
    return encoded[:start] + last[:cut] + b"=\r\n" + last[cut:] + b"=\r\n"


def _qp(text: str) -> bytes:
    encoded = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
