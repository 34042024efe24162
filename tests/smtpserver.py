"""A real SMTP server on loopback (aiosmtpd) that misbehaves on request."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def smtp_environment(port: int, **settings: str) -> dict[str, str]:
    """rundbrief's SMTP settings for a server on loopback at ``port``, plus ``settings``."""
    environment = {"RUNDBRIEF_SMTP_HOST": "127.0.0.1", "RUNDBRIEF_SMTP_PORT": str(port), "RUNDBRIEF_SMTP_TLS": "none"}
    environment.update({f"RUNDBRIEF_SMTP_{key.upper()}": value for key, value in settings.items()})
    return environment


@dataclass
class Behaviour:
    temporary: dict[str, int] = field(default_factory=dict)  # address -> how many times to answer 451
    permanent: set[str] = field(default_factory=set)  # addresses answered 550
    drop_rcpt_after: int | None = None  # close the connection at RCPT once this many messages arrived
    drop_data_after: int | None = None  # close the connection after receiving DATA (reply lost) once
    close_421_after: int | None = None  # answer 421 at RCPT once
    delay: float = 0.0  # seconds per message, so a sender can be killed mid-send
    data_replies: dict[str, list[str]] = field(default_factory=dict)  # address -> replies after the body, in turn
    mail_reply: str | None = None  # the answer to every MAIL FROM (a relay refusing the sender) ...
    mail_reply_after: int = 0  # ... once this many messages arrived
    rcpt_reply: str | None = None  # the answer to every RCPT TO (a relay demanding a login)
    login: tuple[str, str] | None = None  # offer AUTH (without TLS) and accept only this user and password


class Recorder:
    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.received: dict[str, list[bytes]] = defaultdict(list)
        self.envelope_senders: dict[str, list[str]] = defaultdict(list)  # MAIL FROM of each message, per recipient
        self.lock = threading.Lock()
        self.dropped_rcpt = self.dropped_data = self.closed_421 = False
        self.logins: list[tuple[str, bool]] = []  # (user, accepted) for every AUTH attempt
        self.refused_after_data: Counter[str] = Counter()
        self.mail_commands = 0

    @property
    def total(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.received.values())

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter({k: len(v) for k, v in self.received.items()})

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        login = self.behaviour.login
        assert isinstance(auth_data, LoginPassword) and login is not None
        user, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = (user, password) == login
        with self.lock:
            self.logins.append((user, accepted))
        return AuthResult(success=accepted, handled=False)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        with self.lock:
            self.mail_commands += 1
        if self.behaviour.mail_reply and self.total >= self.behaviour.mail_reply_after:
            return self.behaviour.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        b = self.behaviour
        if b.rcpt_reply:
            return b.rcpt_reply
        if b.drop_rcpt_after is not None and not self.dropped_rcpt and self.total >= b.drop_rcpt_after:
            self.dropped_rcpt = True
            server.transport.close()
            return "421 gone"
        if b.close_421_after is not None and not self.closed_421 and self.total >= b.close_421_after:
            self.closed_421 = True
            return "421 4.3.2 Service shutting down"
        if address in b.permanent:
            return "550 5.1.1 No such user"
        if b.temporary.get(address, 0) > 0:
            b.temporary[address] -= 1
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        b = self.behaviour
        if b.delay:
            await asyncio.sleep(b.delay)
        for rcpt in envelope.rcpt_tos:
            replies = b.data_replies.get(rcpt)
            if replies:  # refused after the whole body was read: not delivered
                with self.lock:
                    self.refused_after_data[rcpt] += 1
                return replies.pop(0)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt].append(envelope.content)
                self.envelope_senders[rcpt].append(envelope.mail_from)
        if b.drop_data_after is not None and not self.dropped_data and self.total > b.drop_data_after:
            self.dropped_data = True
            server.transport.close()  # the message arrived, but the sender never hears so
            return "250 OK"
        return "250 2.0.0 Queued"

    def message(self, address: str, index: int = 0) -> email.message.EmailMessage:
        parsed = email.message_from_bytes(self.received[address][index], policy=policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd's ready check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.recorder = Recorder(behaviour)
        auth: dict[str, Any] = {}
        if self.recorder.behaviour.login:
            auth = {"authenticator": self.recorder.authenticate, "auth_require_tls": False}
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=free_port(), ready_timeout=10, **auth)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        self.running = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """The relay goes down (for good: aiosmtpd's controller cannot start again)."""
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def environment(self, **settings: str) -> dict[str, str]:
        """The sender's settings for this server; ``user="x", tls="ssl"`` -> RUNDBRIEF_SMTP_USER=x, ..._TLS=ssl."""
        return smtp_environment(self.port, **settings)

    def wait_for_message(self, address: str, timeout: float = 30) -> email.message.EmailMessage:
        """The first message to ``address``, waiting for it (confirmation mails come from a worker)."""
        deadline = time.monotonic() + timeout
        while not self.recorder.counts()[address]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no message to {address} arrived")
            time.sleep(0.01)
        return self.recorder.message(address)

    def wait_for(self, total: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.recorder.total < total:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.recorder.total} of {total} messages arrived")
            time.sleep(0.01)


class RawSmtpServer:
    """A scripted SMTP server on a raw socket, for replies aiosmtpd never gives: garbage
    instead of a reply code, a greeting trickled line by line, a 250 where 354 belongs, a
    connection dropped after every message. ``replies`` maps a command (MAIL, RCPT, DATA,
    AUTH...) to the reply (CRLF included), or "DROP"; ``after_body`` answers a message."""

    def __init__(
        self, *, greet: Any = None, replies: dict[str, str] | None = None,
        ehlo: str = "250-raw\r\n250 8BITMIME\r\n", after_body: str = "250 2.0.0 Queued\r\n",
    ) -> None:  # fmt: skip
        self.greet, self.replies, self.ehlo, self.after_body = greet, replies or {}, ehlo, after_body
        self.commands: list[str] = []
        self.messages = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(20)
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.stopped = threading.Event()

    def __enter__(self) -> RawSmtpServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.listener.close()

    def environment(self, **settings: str) -> dict[str, str]:
        return smtp_environment(self.port, **settings)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        defaults = {"EHLO": self.ehlo, "HELO": "250 raw\r\n", "MAIL": "250 OK\r\n", "RCPT": "250 OK\r\n", "DATA": "354 go ahead\r\n",
                    "RSET": "250 OK\r\n", "NOOP": "250 OK\r\n", "QUIT": "221 bye\r\n"}  # fmt: skip
        with connection:
            try:
                connection.settimeout(60)
                if self.greet is not None:
                    self.greet(connection)
                else:
                    connection.sendall(b"220 raw ESMTP\r\n")
                reader = connection.makefile("rb")
                while not self.stopped.is_set():
                    line = reader.readline()
                    if not line:
                        return
                    command = line.decode("latin-1").strip()
                    verb = command.split(" ")[0].split(":")[0].upper()
                    self.commands.append(verb)
                    reply = self.replies.get(verb) or defaults.get(verb, "502 5.5.2 what?\r\n")
                    if reply == "DROP":
                        return
                    connection.sendall(reply.encode("latin-1"))
                    if verb == "QUIT":
                        return
                    if verb == "DATA" and reply.startswith("354"):
                        while reader.readline() not in (b"", b".\r\n"):
                            pass
                        self.messages += 1
                        if self.after_body == "DROP":
                            return
                        connection.sendall(self.after_body.encode("latin-1"))
            except OSError:
                return
