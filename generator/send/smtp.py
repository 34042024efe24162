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

import binascii
import os
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from generator.addresses import AddressError, with_ascii_domain

TlsMode = Literal["none", "starttls", "ssl"]
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
OPEN_TIMEOUT = 10.0  # seconds for each answer while connecting, TLS and login: a wrong setting fails fast
OPEN_DEADLINE = 30.0  # seconds for all of it together (connect, greeting, EHLO, STARTTLS, login)
AUTH_CODES = {530, 534, 535, 538}  # authentication required, too weak, failed, encryption needed
_LOGIN_SETTINGS = "RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD"
_VERP = re.compile(r"([^@]+)\+rb-[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{12}@(.+)")  # a return path of generator.send.bounces


class SmtpConfigError(Exception):
    pass


class RelayError(Exception):
    """The relay failed, not a recipient: stop, fix the named setting, run the send again."""


# A relay that will not pass mail on to other domains refuses every recipient alike: its
# setting is wrong (no login, wrong relay), not the recipients' addresses.
_RELAY_DENIED = re.compile(
    r"relay(ing)?\s+(access\s+)?(is\s+)?(denied|not\s+permitted|prohibited|not\s+allowed|refused)|unable to relay|"
    r"not\s+(permitted|allowed)\s+to\s+relay|we do not relay",
    re.IGNORECASE,
)


class Outcome(str, Enum):
    SENT = "sent"
    TEMPORARY = "failed_temporary"
    PERMANENT = "failed_permanent"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"  # the subscriber left after the send started: not sent, and no failure


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    reply: str  # the server's words, or what happened to the connection
    after_data: bool = False  # the server answered the DATA command or the message, not the recipient


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
            raise SmtpConfigError(
                "RUNDBRIEF_SMTP_HOST is not set (and RUNDBRIEF_SMTP_PORT, _USER, _PASSWORD, _TLS as needed)"
            )
        tls = os.environ.get("RUNDBRIEF_SMTP_TLS", "starttls").strip().lower()
        if tls not in DEFAULT_PORTS:
            raise SmtpConfigError(f"RUNDBRIEF_SMTP_TLS must be none, starttls or ssl, found {tls!r}")
        port_text = os.environ.get("RUNDBRIEF_SMTP_PORT", "").strip()
        if port_text and not (port_text.isdigit() and port_text.isascii() and 1 <= int(port_text) <= 65535):
            raise SmtpConfigError(f"RUNDBRIEF_SMTP_PORT must be a port number from 1 to 65535, found {port_text!r}")
        user = os.environ.get("RUNDBRIEF_SMTP_USER") or None
        password = os.environ.get("RUNDBRIEF_SMTP_PASSWORD") or None
        if user and not password:
            raise SmtpConfigError("RUNDBRIEF_SMTP_USER is set but RUNDBRIEF_SMTP_PASSWORD is not")
        return cls(host, int(port_text) if port_text else DEFAULT_PORTS[tls], tls, user, password)  # type: ignore[arg-type]


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    text = " ".join(text.split())
    if code < 0:  # smtplib gives -1 for a line without a reply code, and drops its first four characters
        shown = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)[:200]
        return f"a line that is not an SMTP reply (no reply code{'; it ended ' + repr(shown) if shown else ''})"
    return f"{code} {text}"


def _is_reply(code: int) -> bool:
    return 200 <= code < 600


class _Deadline:
    """One limit for connecting, greeting, EHLO, STARTTLS and login together: a relay that
    trickles continuation lines ("220-slow" every few seconds) answers each read in time, so
    a socket timeout alone never ends it. At the deadline the socket is shut down, which
    wakes the blocked read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.fired = False
        self._done = False
        self._lock = threading.Lock()
        self._client: smtplib.SMTP | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, client: smtplib.SMTP) -> None:
        with self._lock:
            self._client = client
            expired = self.fired
        if expired:
            self._shut(client)

    def remaining(self) -> float:
        return max(0.01, self.end - time.monotonic())

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            client = self._client
        if client is not None:
            self._shut(client)

    @staticmethod
    def _shut(client: smtplib.SMTP) -> None:
        sock = client.sock
        if sock is not None:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the file descriptor, under TLS too
            except OSError:
                pass

    def cancel(self) -> bool:
        """Stop the timer; whether the deadline had passed already."""
        with self._lock:
            self._done = True
            self._timer.cancel()
            return self.fired


class _Watched:
    """The client's socket, once made, is watched by its deadline (smtplib has no hook but ``_get_socket``)."""

    deadline: _Deadline | None = None
    _host: str

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        if self.deadline is not None:
            timeout = min(timeout, self.deadline.remaining())
        sock: socket.socket = getattr(super(), "_get_socket")(host, port, timeout)  # noqa: B009 - not in typeshed
        setattr(self, "sock", sock)  # noqa: B010 - for the deadline, before smtplib reads the greeting
        if self.deadline is not None:
            assert isinstance(self, smtplib.SMTP)
            self.deadline.watch(self)
        return sock


class _Client(_Watched, smtplib.SMTP):
    pass


class _SslClient(_Watched, smtplib.SMTP_SSL):
    pass


class Connection:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT)"

    def open(self) -> None:
        """Connect, TLS and login within ``OPEN_DEADLINE`` seconds in all, or RelayError saying
        which setting to check."""
        s = self.settings
        timeout = min(OPEN_TIMEOUT, s.timeout)
        deadline = _Deadline(OPEN_DEADLINE)
        client: smtplib.SMTP | None = None
        try:
            made: _Client | _SslClient = (
                _SslClient(timeout=timeout, context=ssl.create_default_context())
                if s.tls == "ssl"
                else _Client(timeout=timeout)
            )
            made.deadline = deadline
            made._host = s.host  # the name TLS checks the certificate against (smtplib sets it only from __init__)
            client = made
            code, greeting = client.connect(s.host, s.port)
            if code != 220:  # smtplib checks this only when it connects from __init__
                raise smtplib.SMTPConnectError(code, greeting)
            if s.tls == "starttls":
                self._starttls(client)
            client.ehlo_or_helo_if_needed()
            if s.user and s.password:
                self._login(client, s.user, s.password)
        except (RelayError, smtplib.SMTPException, OSError, ValueError) as err:
            expired = deadline.cancel()
            if client is not None:
                client.close()
            if expired:
                raise RelayError(
                    f"the SMTP server {self.where} did not finish greeting, TLS and login within {OPEN_DEADLINE:.0f} "
                    "s; "
                    "check RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT and RUNDBRIEF_SMTP_TLS"
                ) from None
            raise err if isinstance(err, RelayError) else self._open_error(err, timeout) from None
        if deadline.cancel():  # passed at the very end: the socket may be shut already
            client.close()
            raise RelayError(
                f"the SMTP server {self.where} did not finish greeting, TLS and login within {OPEN_DEADLINE:.0f} s; "
                "check RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT and RUNDBRIEF_SMTP_TLS"
            )
        if client.sock is not None:
            client.sock.settimeout(s.timeout)  # a message may take longer than a greeting
        self.client = client

    def _open_error(self, err: smtplib.SMTPException | OSError | ValueError, timeout: float) -> RelayError:
        s = self.settings
        if isinstance(err, ValueError):  # not from the login (that names its settings): a reply smtplib cannot read
            return RelayError(
                f"the SMTP server {self.where} answered with something that is not SMTP: {err}; check "
                "RUNDBRIEF_SMTP_HOST and RUNDBRIEF_SMTP_PORT"
            )
        if isinstance(err, socket.gaierror):
            return RelayError(f"cannot find the SMTP server {s.host!r}: {err.strerror}; check RUNDBRIEF_SMTP_HOST")
        if isinstance(err, ssl.SSLError):
            hint = "check RUNDBRIEF_SMTP_HOST (the certificate must name it) and RUNDBRIEF_SMTP_TLS"
            if "WRONG_VERSION" in str(err) or "wrong version" in str(err):
                hint = "the server does not speak TLS from the start: for port 587 set RUNDBRIEF_SMTP_TLS=starttls"
            return RelayError(f"TLS with {self.where} failed: {err.reason or err}; {hint}")
        if isinstance(err, TimeoutError) or isinstance(err.__context__, TimeoutError):  # smtplib wraps it
            hint = (
                "if it expects TLS from the start (port 465), set RUNDBRIEF_SMTP_TLS=ssl"
                if s.tls != "ssl"
                else "check RUNDBRIEF_SMTP_TLS"
            )
            return RelayError(f"the SMTP server {self.where} did not answer within {timeout:.0f} s; {hint}")
        if isinstance(err, smtplib.SMTPResponseException):
            if not _is_reply(err.smtp_code):
                return RelayError(
                    f"the SMTP server {self.where} did not greet with an SMTP reply "
                    f"({_reply(err.smtp_code, err.smtp_error)}); "
                    "check RUNDBRIEF_SMTP_HOST and RUNDBRIEF_SMTP_PORT, and RUNDBRIEF_SMTP_TLS=ssl for a port that "
                    "expects TLS at once"
                )
            return RelayError(
                f"the SMTP server {self.where} refused the connection: {_reply(err.smtp_code, err.smtp_error)}"
            )
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
            raise RelayError(
                f"the SMTP server {self.where} refused STARTTLS: {_reply(code, message)}; check RUNDBRIEF_SMTP_TLS"
            )

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
            raise RelayError(
                f"the SMTP server {self.where} offers no login method rundbrief knows ({' '.join(offered)})"
            )
        client.user, client.password = user, password
        try:
            client.auth(
                mechanism, getattr(client, "auth_" + mechanism.lower().replace("-", "_")), initial_response_ok=True
            )
        except smtplib.SMTPAuthenticationError as err:
            raise RelayError(
                f"the SMTP server refused the login of {user!r}: {_reply(err.smtp_code, err.smtp_error)}; check "
                f"{_LOGIN_SETTINGS}"
            ) from None
        except smtplib.SMTPException as err:
            raise RelayError(f"login at the SMTP server {self.where} failed: {err}; check {_LOGIN_SETTINGS}") from None
        except (binascii.Error, ValueError) as err:  # a challenge that is not base64 (smtplib does not catch it)
            raise RelayError(
                f"login at the SMTP server {self.where} failed: its challenge is not valid ({type(err).__name__}: "
                f"{err}); "
                f"check {_LOGIN_SETTINGS} and RUNDBRIEF_SMTP_HOST"
            ) from None

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
        verp = _VERP.fullmatch(sender)
        if verp is not None:  # the return path with its bounce token (generator.send.bounces)
            return RelayError(
                f"the SMTP server refused the sender {verp.group(1)}@{verp.group(2)} as the return path {sender} "
                f"({stage}: {reply}); check plugins.rundbrief.sender in mkdocs.yml and whether {_LOGIN_SETTINGS} "
                "may send as it; a relay that takes only the plain sender needs RUNDBRIEF_VERP=off (bounces are "
                "then not recognised) or RUNDBRIEF_BOUNCE_ADDRESS set to an address it takes with +tokens"
            )
        return RelayError(
            f"the SMTP server refused the sender {sender} ({stage}: {reply}); check plugins.rundbrief.sender in "
            f"mkdocs.yml and whether {_LOGIN_SETTINGS} may send as it"
        )

    def deliver(
        self, sender: str, recipient: str, data: bytes, before_data: Callable[[], bool] | None = None
    ) -> Result:
        """MAIL, RCPT, then ``before_data()`` (the ledger commits "sending"; False: the recipient
        is no longer to be sent to, RSET and SKIPPED), then DATA.
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
            return Result(
                Outcome.PERMANENT,
                "not sent: the server does not take letters such as umlauts before the @ (no SMTPUTF8)",
            )
        try:
            code, message = client.mail(sender, ["SMTPUTF8"] if utf8 else [])
            if not _is_reply(code):
                raise self._protocol_error("MAIL FROM", code, message)
            if code >= 500 or code in AUTH_CODES:  # the sender is refused for every recipient alike
                raise self._relay_refused("MAIL FROM", sender, code, message)
            if code >= 400:
                return self._refused(code, message)
            if not 200 <= code < 300:
                raise self._protocol_error("MAIL FROM", code, message)
            code, message = client.rcpt(envelope)
            if not _is_reply(code) or 300 <= code < 400:  # no answer to RCPT: the relay, not the recipient
                raise self._protocol_error("RCPT TO", code, message)
            if code in AUTH_CODES:
                raise self._relay_refused("RCPT TO", sender, code, message)
            if code >= 500 and _RELAY_DENIED.search(_reply(code, message)):
                self._drop()
                raise RelayError(
                    "the SMTP server does not pass mail on to other domains for rundbrief (RCPT TO: "
                    f"{_reply(code, message)}); "
                    f"it is the relay's setting, not the recipient: check {_LOGIN_SETTINGS} (most relays pass mail "
                    "on only "
                    "after a login) and RUNDBRIEF_SMTP_HOST"
                )
            if code >= 400:
                return self._refused(code, message)
        except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError, OSError) as err:
            self._drop()  # nothing was handed over: safe to try again later
            return Result(Outcome.TEMPORARY, f"connection lost before DATA: {err or type(err).__name__}")
        except smtplib.SMTPResponseException as err:
            if not _is_reply(err.smtp_code):
                raise self._protocol_error("MAIL FROM or RCPT TO", err.smtp_code, err.smtp_error) from None
            return self._refused(err.smtp_code, err.smtp_error)
        except smtplib.SMTPException as err:
            self._drop()
            return Result(Outcome.TEMPORARY, f"SMTP error before DATA: {err}")
        if before_data is not None and not before_data():
            self._reset()
            return Result(Outcome.SKIPPED, "not sent: no longer a subscriber")
        try:
            code, message = client.data(data)
        except smtplib.SMTPDataError as err:  # DATA itself refused (no 354): nothing of the message was sent
            if err.smtp_code in AUTH_CODES:
                raise self._relay_refused("DATA", sender, err.smtp_code, err.smtp_error) from None
            if not 400 <= err.smtp_code < 600:  # a 250 or a broken line where 354 belongs: the relay is out of step
                raise self._protocol_error("DATA", err.smtp_code, err.smtp_error) from None
            result = self._refused(err.smtp_code, err.smtp_error)
            return Result(result.outcome, result.reply, after_data=True)
        except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError, OSError) as err:
            self._drop()  # the message may have arrived: only a person may decide to send it again
            return Result(Outcome.UNKNOWN, f"connection lost during DATA: {err or type(err).__name__}", after_data=True)
        except smtplib.SMTPResponseException as err:
            self._drop()
            return Result(
                Outcome.UNKNOWN,
                f"unexpected reply during DATA: {_reply(err.smtp_code, err.smtp_error)}",
                after_data=True,
            )
        if 200 <= code < 300:
            return Result(Outcome.SENT, _reply(code, message))
        if 400 <= code < 600:  # refused after the body: not delivered, as the code says
            result = self._refused(code, message, after="after the message: ")
            return Result(result.outcome, result.reply, after_data=True)
        self._drop()  # no reply, or one that is no answer (smtplib gives -1 for a broken line)
        return Result(Outcome.UNKNOWN, f"no valid reply after the message: {_reply(code, message)}", after_data=True)

    def _protocol_error(self, stage: str, code: int, message: bytes | str) -> RelayError:
        """A reply that does not answer the command: the relay (or what listens on its port) is
        out of step with SMTP. No recipient's fault, and nothing was handed over."""
        self._drop()
        return RelayError(
            f"the SMTP server {self.where} answered {stage} with {_reply(code, message)}, which is no valid answer "
            "to it; "
            "check RUNDBRIEF_SMTP_HOST and RUNDBRIEF_SMTP_PORT (is it an SMTP relay?) and RUNDBRIEF_SMTP_TLS"
        )

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
