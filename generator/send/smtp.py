"""One SMTP connection, reused across messages, that says exactly how a delivery ended.

The outcome matters more than the exception: a 4xx or a connection dropped before DATA is
worth retrying; a 5xx never is; a connection lost after DATA was sent may or may not have
delivered the message, so it is ``unknown`` and must not be sent again without a person
deciding. Settings come from the environment only (secrets never sit in a committed file).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

TlsMode = Literal["none", "starttls", "ssl"]
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class SmtpConfigError(Exception):
    pass


class Outcome(str, Enum):
    SENT = "sent"
    TEMPORARY = "failed_temporary"
    PERMANENT = "failed_permanent"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    reply: str  # the server's words, or what happened to the connection


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    user: str | None
    password: str | None
    timeout: float = 60.0

    @classmethod
    def from_environment(cls) -> SmtpSettings:
        host = os.environ.get("RUNDBRIEF_SMTP_HOST", "").strip()
        if not host:
            raise SmtpConfigError("RUNDBRIEF_SMTP_HOST is not set (and RUNDBRIEF_SMTP_PORT, _USER, _PASSWORD, _TLS as needed)")
        tls = os.environ.get("RUNDBRIEF_SMTP_TLS", "starttls").strip().lower()
        if tls not in DEFAULT_PORTS:
            raise SmtpConfigError(f"RUNDBRIEF_SMTP_TLS must be none, starttls or ssl, found {tls!r}")
        port_text = os.environ.get("RUNDBRIEF_SMTP_PORT", "").strip()
        if port_text and not port_text.isdigit():
            raise SmtpConfigError(f"RUNDBRIEF_SMTP_PORT must be a number, found {port_text!r}")
        user = os.environ.get("RUNDBRIEF_SMTP_USER") or None
        password = os.environ.get("RUNDBRIEF_SMTP_PASSWORD") or None
        if user and not password:
            raise SmtpConfigError("RUNDBRIEF_SMTP_USER is set but RUNDBRIEF_SMTP_PASSWORD is not")
        return cls(host, int(port_text) if port_text else DEFAULT_PORTS[tls], tls, user, password)  # type: ignore[arg-type]


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


class Connection:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.tls == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.tls == "starttls":
                client.starttls(context=context)
        client.ehlo_or_helo_if_needed()
        if s.user and s.password:
            client.login(s.user, s.password)
        self.client = client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def _drop(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client = None

    def deliver(self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None] | None = None) -> Result:
        """MAIL, RCPT, then ``before_data()`` (the ledger commits "sending"), then DATA."""
        try:
            if self.client is None:
                self.open()
            assert self.client is not None
            client = self.client
            utf8 = not recipient.isascii() and client.has_extn("smtputf8")
            code, message = client.mail(sender, ["SMTPUTF8"] if utf8 else [])
            if code >= 400:
                return self._refused(code, message)
            code, message = client.rcpt(recipient)
            if code >= 400:
                return self._refused(code, message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, OSError) as err:
            self._drop()  # nothing was handed over: safe to try again later
            return Result(Outcome.TEMPORARY, f"connection lost before DATA: {err or type(err).__name__}")
        except smtplib.SMTPResponseException as err:
            return self._refused(err.smtp_code, err.smtp_error)
        except smtplib.SMTPException as err:
            self._drop()
            return Result(Outcome.TEMPORARY, f"SMTP error before DATA: {err}")
        if before_data is not None:
            before_data()
        try:
            code, message = client.data(data)
        except smtplib.SMTPDataError as err:
            if err.smtp_code == 421:
                self._drop()
            self._reset()
            return Result(Outcome.TEMPORARY if err.smtp_code < 500 else Outcome.PERMANENT, _reply(err.smtp_code, err.smtp_error))
        except (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, OSError) as err:
            self._drop()  # the message may have arrived: only a person may decide to send it again
            return Result(Outcome.UNKNOWN, f"connection lost during DATA: {err or type(err).__name__}")
        except smtplib.SMTPResponseException as err:
            self._drop()
            return Result(Outcome.UNKNOWN, f"unexpected reply during DATA: {_reply(err.smtp_code, err.smtp_error)}")
        return Result(Outcome.SENT, _reply(code, message))

    def _refused(self, code: int, message: bytes | str) -> Result:
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            self._reset()
        return Result(Outcome.PERMANENT if code >= 500 else Outcome.TEMPORARY, _reply(code, message))

    def _reset(self) -> None:
        if self.client is None:
            return
        try:
            self.client.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()
