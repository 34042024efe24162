"""One SMTP connection, reused across messages, that says exactly how a delivery ended.

The outcome matters more than the exception: a 4xx or a connection dropped before DATA is
worth retrying; a 5xx to a recipient never is; a connection lost after DATA was sent may or
may not have delivered the message, so it is ``unknown`` and must not be sent again without a
person deciding. The reply after the message body counts as much as any other: smtplib's
``data()`` returns it instead of raising.

A failure of the relay itself (cannot connect, TLS, login, the sender refused) is no
recipient's failure: it raises :class:`RelayError`, naming the setting to fix, and the send
stops with every recipient still waiting. Retrying it per recipient would only lock the
account. Settings come from the environment only (secrets never sit in a committed file).
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

from generator.addresses import AddressError, with_ascii_domain

TlsMode = Literal["none", "starttls", "ssl"]
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
OPEN_TIMEOUT = 10.0  # seconds for connecting, TLS and login: a wrong setting fails fast
AUTH_CODES = {530, 534, 535, 538}  # authentication required, too weak, failed, encryption needed
_LOGIN_SETTINGS = "RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD"


class SmtpConfigError(Exception):
    pass


class RelayError(Exception):
    """The relay failed, not a recipient: stop, fix the named setting, run the send again."""


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

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT)"

    def open(self) -> None:
        """Connect, TLS and login, or RelayError saying which setting to check."""
        s = self.settings
        timeout = min(OPEN_TIMEOUT, s.timeout)
        client: smtplib.SMTP | None = None
        try:
            if s.tls == "ssl":
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=timeout, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=timeout)
                if s.tls == "starttls":
                    self._starttls(client)
            client.ehlo_or_helo_if_needed()
            if s.user and s.password:
                self._login(client, s.user, s.password)
        except (RelayError, smtplib.SMTPException, OSError) as err:
            if client is not None:
                client.close()
            raise err if isinstance(err, RelayError) else self._open_error(err, timeout) from None
        if client.sock is not None:
            client.sock.settimeout(s.timeout)  # a message may take longer than a greeting
        self.client = client

    def _open_error(self, err: smtplib.SMTPException | OSError, timeout: float) -> RelayError:
        s = self.settings
        if isinstance(err, socket.gaierror):
            return RelayError(f"cannot find the SMTP server {s.host!r}: {err.strerror}; check RUNDBRIEF_SMTP_HOST")
        if isinstance(err, ssl.SSLError):
            hint = "check RUNDBRIEF_SMTP_HOST (the certificate must name it) and RUNDBRIEF_SMTP_TLS"
            if "WRONG_VERSION" in str(err) or "wrong version" in str(err):
                hint = "the server does not speak TLS from the start: for port 587 set RUNDBRIEF_SMTP_TLS=starttls"
            return RelayError(f"TLS with {self.where} failed: {err.reason or err}; {hint}")
        if isinstance(err, TimeoutError) or isinstance(err.__context__, TimeoutError):  # smtplib wraps it
            hint = "if it expects TLS from the start (port 465), set RUNDBRIEF_SMTP_TLS=ssl" if s.tls != "ssl" else "check RUNDBRIEF_SMTP_TLS"
            return RelayError(f"the SMTP server {self.where} did not answer within {timeout:.0f} s; {hint}")
        if isinstance(err, smtplib.SMTPResponseException):
            return RelayError(f"the SMTP server {self.where} refused the connection: {_reply(err.smtp_code, err.smtp_error)}")
        return RelayError(f"cannot connect to the SMTP server {self.where}: {err or type(err).__name__}")

    def _starttls(self, client: smtplib.SMTP) -> None:
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("starttls"):
            raise RelayError(
                f"the SMTP server {self.where} does not offer STARTTLS; check RUNDBRIEF_SMTP_TLS "
                "(ssl for port 465, none only for a relay inside your own network)"
            )
        code, message = client.starttls(context=ssl.create_default_context())
        if code != 220:  # smtplib returns the refusal instead of raising: never log in unencrypted
            raise RelayError(f"the SMTP server {self.where} refused STARTTLS: {_reply(code, message)}; check RUNDBRIEF_SMTP_TLS")

    def _login(self, client: smtplib.SMTP, user: str, password: str) -> None:
        if not client.has_extn("auth"):
            raise RelayError(
                f"the SMTP server {self.where} offers no login (AUTH); many offer it only after STARTTLS: check "
                f"RUNDBRIEF_SMTP_TLS, or leave {_LOGIN_SETTINGS} unset for a relay that needs none"
            )
        # One attempt with one mechanism: smtplib's login() tries every mechanism the server
        # offers, and each failed attempt counts towards locking the account.
        offered = client.esmtp_features.get("auth", "").upper().split()
        mechanism = next((m for m in ("CRAM-MD5", "PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise RelayError(f"the SMTP server {self.where} offers no login method rundbrief knows ({' '.join(offered)})")
        client.user, client.password = user, password
        try:
            client.auth(mechanism, getattr(client, "auth_" + mechanism.lower().replace("-", "_")), initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as err:
            raise RelayError(
                f"the SMTP server refused the login of {user!r}: {_reply(err.smtp_code, err.smtp_error)}; check {_LOGIN_SETTINGS}"
            ) from None
        except smtplib.SMTPException as err:
            raise RelayError(f"login at the SMTP server {self.where} failed: {err}; check {_LOGIN_SETTINGS}") from None

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

    def _relay_refused(self, stage: str, sender: str, code: int, message: bytes | str) -> RelayError:
        self._drop()
        reply = _reply(code, message)
        if code in AUTH_CODES:
            return RelayError(f"the SMTP server demands a login ({stage}: {reply}); check {_LOGIN_SETTINGS}")
        return RelayError(
            f"the SMTP server refused the sender {sender} ({stage}: {reply}); check plugins.rundbrief.sender in "
            f"mkdocs.yml and whether {_LOGIN_SETTINGS} may send as it"
        )

    def deliver(self, sender: str, recipient: str, data: bytes, before_data: Callable[[], None] | None = None) -> Result:
        """MAIL, RCPT, then ``before_data()`` (the ledger commits "sending"), then DATA.
        RelayError when the relay, not this recipient, is the problem."""
        try:
            envelope = with_ascii_domain(recipient)
        except AddressError as err:
            return Result(Outcome.PERMANENT, f"not sent: {err}")
        sender = with_ascii_domain(sender)  # checked by the content rules: an IDNA domain always works
        if self.client is None:
            self.open()
        assert self.client is not None
        client = self.client
        utf8 = not (envelope + sender).isascii()
        if utf8 and not client.has_extn("smtputf8"):
            return Result(Outcome.PERMANENT, "not sent: the server does not take letters such as umlauts before the @ (no SMTPUTF8)")
        try:
            code, message = client.mail(sender, ["SMTPUTF8"] if utf8 else [])
            if code >= 500 or code in AUTH_CODES:  # the sender is refused for every recipient alike
                raise self._relay_refused("MAIL FROM", sender, code, message)
            if code >= 400:
                return self._refused(code, message)
            code, message = client.rcpt(envelope)
            if code in AUTH_CODES:
                raise self._relay_refused("RCPT TO", sender, code, message)
            if code >= 400:
                return self._refused(code, message)
        except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError, OSError) as err:
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
        except smtplib.SMTPDataError as err:  # DATA itself refused: nothing of the message was sent
            if err.smtp_code in AUTH_CODES:
                raise self._relay_refused("DATA", sender, err.smtp_code, err.smtp_error) from None
            return self._refused(err.smtp_code, err.smtp_error)
        except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError, OSError) as err:
            self._drop()  # the message may have arrived: only a person may decide to send it again
            return Result(Outcome.UNKNOWN, f"connection lost during DATA: {err or type(err).__name__}")
        except smtplib.SMTPResponseException as err:
            self._drop()
            return Result(Outcome.UNKNOWN, f"unexpected reply during DATA: {_reply(err.smtp_code, err.smtp_error)}")
        if 200 <= code < 300:
            return Result(Outcome.SENT, _reply(code, message))
        if 400 <= code < 600:  # refused after the body: not delivered, as the code says
            return self._refused(code, message, after="after the message: ")
        self._drop()  # no reply, or one that is no answer (smtplib gives -1 for a broken line)
        return Result(Outcome.UNKNOWN, f"no valid reply after the message: {_reply(code, message)}")

    def _refused(self, code: int, message: bytes | str, after: str = "") -> Result:
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            self._reset()
        return Result(Outcome.PERMANENT if code >= 500 else Outcome.TEMPORARY, after + _reply(code, message))

    def _reset(self) -> None:
        if self.client is None:
            return
        try:
            self.client.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()
