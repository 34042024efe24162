"""Bounce messages as mail servers write them, and a real IMAP server (Debian's Dovecot) on loopback."""

from __future__ import annotations

import imaplib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"


def dsn(return_path: str, recipient: str, *, status: str = "5.1.1", action: str = "failed",
        diagnostic: str = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
        reporter: str = "mx.example.net") -> bytes:  # fmt: skip
    """An RFC 3464 delivery status notification (multipart/report; report-type=delivery-status),
    as Postfix writes it, to ``return_path`` about ``recipient``."""
    diagnostic = diagnostic.format(rcpt=recipient)
    subject = "Undelivered Mail Returned to Sender" if action == "failed" else "Delayed Mail (still being retried)"
    boundary = f"{make_msgid(domain=reporter)[1:9]}.boundary"
    text = f"""From: MAILER-DAEMON@{reporter} (Mail Delivery System)
Subject: {subject}
To: {return_path}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="{boundary}"
Date: {formatdate()}
Message-Id: {make_msgid(domain=reporter)}

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {reporter}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host mail.{recipient.rpartition("@")[2]} said: {diagnostic}

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; {reporter}
X-Postfix-Queue-ID: 4Q7XyZ1abcz9sV
Arrival-Date: {formatdate()}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.{recipient.rpartition("@")[2]}
Diagnostic-Code: smtp; {diagnostic}

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <{return_path}>
From: Zukunftswerkstatt Kommunen <wiralle@example.org>
To: {recipient}
Subject: Newsletter 02.2026: Kick-off & Kreativ-Gruppe

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode("ascii")


def delivered_to(return_path: str, raw: bytes) -> bytes:
    """``raw`` as the final server delivers it to the mailbox of ``return_path`` (Postfix adds
    Delivered-To): how a non-standard notice, addressed to a list's old address, carries the token."""
    if raw.startswith(b"From "):  # an mbox separator line, not a header
        raw = raw.partition(b"\n")[2]
    return f"Delivered-To: {return_path}\r\n".encode() + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def auto_reply(return_path: str) -> bytes:
    message = EmailMessage()
    message["From"] = "leser@example.net"
    message["To"] = return_path
    message["Subject"] = "Abwesenheitsnotiz: Newsletter 02.2026"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("Ich bin bis zum 12. Januar nicht im Büro.")
    return message.as_bytes()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("openssl") is not None


class Dovecot:
    """Debian's Dovecot, IMAP over TLS only, on a loopback port, with a self-signed certificate
    (clients trust it through SSL_CERT_FILE) and one user whose mail lives below ``root``."""

    user = "bounces"
    password = "geheim-imap-123"

    def __init__(self, extra_conf: str = "") -> None:
        self.extra_conf = extra_conf  # more settings (imap_capability = ...: a server that offers less)
        # Not below pytest's tmp_path (mode 0700): Dovecot's auth and mail processes run as
        # other users (dovecot, nobody) and must reach the files.
        self.root = Path(tempfile.mkdtemp(prefix="rundbrief-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Dovecot:
        root = self.root
        for sub in ("mail", "home"):
            (root / sub).mkdir(parents=True, exist_ok=True)
            (root / sub).chmod(0o777)  # the mail user is nobody
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(root / "key.pem"), "-out",
             str(root / "cert.pem"), "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        (root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        (root / "dovecot.conf").write_text(DOVECOT_CONF.format(root=root, port=self.port) + self.extra_conf)
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    self.__exit__()
                    raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            "RUNDBRIEF_IMAP_HOST": "127.0.0.1", "RUNDBRIEF_IMAP_PORT": str(self.port),
            "RUNDBRIEF_IMAP_USER": self.user, "RUNDBRIEF_IMAP_PASSWORD": self.password,
            "SSL_CERT_FILE": str(self.root / "cert.pem"), **extra,
        }  # fmt: skip

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.root / "cert.pem"))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        client = self.client()
        try:
            if folder != "INBOX":
                client.create(folder)
            for raw in messages:
                status, _ = client.append(folder, None, None, raw)
                assert status == "OK"
        finally:
            client.logout()

    def flags(self, folder: str) -> list[str]:
        """The flags of every message in ``folder``, in order."""
        client = self.client()
        try:
            client.select(folder)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            client.logout()
