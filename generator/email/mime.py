"""The ready-to-send MIME message of an email body, with headers no content can split.

multipart/alternative with text/plain first (clients show the last part they understand),
UTF-8 throughout. Header values pass through :func:`header_text`, which folds every line
break and control character to a space: Python's email package before 3.11.10 let a CR or
LF in a header value start a new header (CVE-2024-6923), and a title is editor input.
"""

from __future__ import annotations

import binascii
import email
import html
import re
import unicodedata
import uuid
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from urllib.parse import quote, urlsplit

from generator.content.issues import slugify
from generator.content.model import Settings
from generator.email.context import UNSUBSCRIBE_PLACEHOLDER
from generator.email.render import EmailBody

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class MessageError(ValueError):
    pass


def header_text(value: str) -> str:
    """A header value on one line: line breaks and control characters become one space."""
    return re.sub(r"\s{2,}", " ", _UNSAFE.sub(" ", unicodedata.normalize("NFC", value))).strip()


def address(name: str | None, email: str) -> Address:
    email = header_text(email)
    if "@" not in email:
        raise MessageError(f"not an email address: {email!r}")
    local, _, domain = email.rpartition("@")
    return Address(display_name=header_text(name or ""), username=local, domain=domain)


def list_id(settings: Settings) -> str:
    host = urlsplit(settings.site_url or "").hostname or "rundbrief.invalid"
    return f"{header_text(settings.newsletter_name)} <{slugify(settings.newsletter_name)}.{host}>"


def unsubscribe_mailto(settings: Settings) -> str | None:
    target = settings.reply_to or settings.sender_email
    return f"mailto:{target}?subject={quote('Newsletter abbestellen')}" if target else None


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


class PreparedMessage:
    """The message of one body, encoded once; per recipient only four headers and the
    unsubscribe URL change. Thousands of messages cost string replacements, not MIME work."""

    def __init__(self, body: EmailBody, settings: Settings) -> None:
        if not settings.sender_email:
            raise MessageError("plugins.rundbrief.sender is required for emails")
        self.settings = settings
        self.sender_domain = settings.sender_email.rpartition("@")[2]
        self.text = body.text.replace("\r\n", "\n")
        self.html = body.html.replace("\r\n", "\n")
        self.boundary = "=_rundbrief_" + uuid.uuid4().hex
        subject = EmailMessage(policy=SMTP)
        subject["Subject"] = header_text(body.subject)
        self.fixed = _header_block(subject) + _sender_headers(settings) + (
            f'Content-Type: multipart/alternative;\r\n boundary="{self.boundary}"\r\n'.encode()  # folded, as email folds it
        )
        self.mailto = unsubscribe_mailto(settings)

    def personalise(
        self, to: str | None, unsubscribe_url: str, *, message_id: str | None = None, date: datetime | None = None
    ) -> bytes:
        """The message for one recipient (``to`` None: the built message, with the placeholder)."""
        unsubscribe = header_text(unsubscribe_url)
        to_header = ""
        if to is not None:
            recipient = header_text(to)
            to_header = "To: " + (recipient if recipient.isascii() else str(address(None, recipient))) + "\r\n"
        list_unsubscribe = f"<{unsubscribe}>" + (f", <{self.mailto}>" if self.mailto else "")
        headers = (
            f"{to_header}"
            f"Date: {format_datetime(date or datetime.now().astimezone())}\r\n"
            f"Message-ID: {header_text(message_id or make_msgid(domain=self.sender_domain))}\r\n"
            f"List-Unsubscribe: {list_unsubscribe}\r\n"
        ).encode("utf-8")
        text = _qp(self.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe))
        html_part = _qp(self.html.replace(UNSUBSCRIBE_PLACEHOLDER, html.escape(unsubscribe)))
        b = self.boundary.encode()
        return b"".join(
            (
                self.fixed, headers, b"\r\n",
                b"--", b, b"\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
                text, b"\r\n--", b, b"\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
                html_part, b"\r\n--", b, b"--\r\n",
            )
        )  # fmt: skip


def _header_block(message: EmailMessage) -> bytes:
    return message.as_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n"


@lru_cache(maxsize=8)  # the same for every issue of a project: encoded once per process
def _sender_headers(settings: Settings) -> bytes:
    assert settings.sender_email, "PreparedMessage checks the sender first"
    headers = EmailMessage(policy=SMTP)
    headers["From"] = address(settings.sender_name, settings.sender_email)
    if settings.reply_to:
        headers["Reply-To"] = address(None, settings.reply_to)
    headers["List-Id"] = list_id(settings)
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    headers["MIME-Version"] = "1.0"
    return _header_block(headers)


def _qp(text: str) -> bytes:
    encoded = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
