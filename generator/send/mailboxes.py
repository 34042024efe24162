"""Where bounce messages are read from: an mbox file, a Maildir, or an IMAP mailbox.

Each source yields ``(raw bytes, done)``; ``done()`` is called after the message's outcome is
committed to the store, and only for a message delivered to a rundbrief return path (a signed
token; the mailbox may be the sender's, shared with citizens' replies: everything else is left
as it was, unread and in place), and marks it read where the source allows: a Maildir message moves to
``cur/`` with the Seen flag; an IMAP message gets the keyword ``$RundbriefRead`` (and
``\\Seen``), or is moved to ``RUNDBRIEF_IMAP_DONE_FOLDER`` if that is set, and later runs
leave it alone. An mbox file is not rewritten (the mail server may be appending to it): the
store remembers every message it read by its SHA-256, so a second run counts nothing twice.
At most ``MAX_MESSAGE`` + 1 bytes of a message are read (IMAP fetches only that part).

IMAP settings come from the environment only: ``RUNDBRIEF_IMAP_HOST``, ``_PORT``, ``_USER``,
``_PASSWORD``, ``_TLS`` (``ssl`` by default, ``starttls``, or ``none`` inside your own network),
``_FOLDER`` (default ``INBOX``) and ``_DONE_FOLDER``. Certificates are checked against the
system's authorities (``SSL_CERT_FILE`` names another bundle, for a county's own CA).
"""

from __future__ import annotations

import imaplib
import mailbox
import os
import re
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.i18n import _
from generator.send.bounces import MAX_MESSAGE

KEYWORD = "$RundbriefRead"
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
Item = tuple[bytes, Callable[[], None]]


class SourceError(Exception):
    """The source cannot be read: the message names the setting or path to check."""


def _nothing() -> None:
    return None


def read_mbox(path: Path) -> Iterator[Item]:
    try:
        box = mailbox.mbox(path, create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as err:
        raise SourceError(_("cannot read the mbox file %(path)s: %(err)s", path=path, err=err)) from None
    for key in keys:
        handle = box.get_file(key)
        try:
            yield handle.read(MAX_MESSAGE + 1), _nothing
        finally:
            handle.close()


def _seen(name: str) -> bool:
    """Whether a Maildir file name carries the Seen flag (``<unique>:2,<flags>``, flags sorted)."""
    _, sep, info = name.partition(":")
    return bool(sep) and info.startswith("2,") and "S" in info[2:]


def _seen_name(name: str) -> str:
    """The name of ``name`` with the Seen flag added (Maildir spec: ``cur/<unique>:2,<flags>``)."""
    unique, sep, info = name.partition(":")
    flags = info[2:] if sep and info.startswith("2,") else ""
    return f"{unique}:2,{''.join(sorted(set(flags) | {'S'}))}"


def read_maildir(path: Path) -> Iterator[Item]:
    """Each message in ``new/`` and each in ``cur/`` without the Seen flag (a seen message was
    read before, by rundbrief or a person: skipped without opening it). ``done()`` renames the
    file to ``cur/<unique>:2,S`` (its bytes stay as they are); a file that vanished meanwhile (a
    mail client took it) is skipped."""
    try:
        listed = [(sub, entry.name) for sub in ("new", "cur") for entry in os.scandir(path / sub) if entry.is_file()]
    except OSError as err:
        raise SourceError(_("cannot read the Maildir %(path)s: %(err)s", path=path, err=err)) from None
    for sub, name in listed:
        if name.startswith(".") or (sub == "cur" and _seen(name)):
            continue
        try:
            with open(path / sub / name, "rb") as handle:
                data = handle.read(MAX_MESSAGE + 1)
        except FileNotFoundError:  # taken away by a mail client meanwhile
            continue
        except OSError as err:
            raise SourceError(_(
                "cannot read %(value)s: %(value2)s",
                value=path / sub / name,
                value2=err.strerror or err,
            )) from None

        def done(sub: str = sub, name: str = name) -> None:
            try:
                os.rename(path / sub / name, path / "cur" / _seen_name(name))
            except FileNotFoundError:
                pass  # moved or deleted by a mail client meanwhile: nothing left to mark
            except OSError as err:
                raise SourceError(_(
                    "cannot mark %(value)s as read: %(value2)s",
                    value=path / sub / name,
                    value2=err.strerror or err,
                )) from None

        yield data, done


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    tls: str
    user: str
    password: str
    folder: str
    done_folder: str | None

    @classmethod
    def from_environment(cls, folder: str | None = None) -> ImapSettings:
        env = os.environ
        host = env.get("RUNDBRIEF_IMAP_HOST", "").strip()
        user = env.get("RUNDBRIEF_IMAP_USER", "").strip()
        password = env.get("RUNDBRIEF_IMAP_PASSWORD", "")
        if not (host and user and password):
            raise SourceError(_("RUNDBRIEF_IMAP_HOST, RUNDBRIEF_IMAP_USER and RUNDBRIEF_IMAP_PASSWORD must be set"))
        tls = env.get("RUNDBRIEF_IMAP_TLS", "ssl").strip().lower()
        if tls not in DEFAULT_PORTS:
            raise SourceError(_(
                "RUNDBRIEF_IMAP_TLS must be ssl, starttls or none, found %(value)r",
                value=tls[:40],
            ))
        port_text = env.get("RUNDBRIEF_IMAP_PORT", "").strip()
        if port_text and not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
            raise SourceError(_(
                "RUNDBRIEF_IMAP_PORT must be a port number from 1 to 65535, found %(value)r",
                value=port_text[:40],
            ))
        chosen = folder or env.get("RUNDBRIEF_IMAP_FOLDER", "").strip() or "INBOX"
        done = env.get("RUNDBRIEF_IMAP_DONE_FOLDER", "").strip() or None
        for name in (chosen, done or ""):
            if any(not ch.isprintable() or ch == '"' for ch in name):
                raise SourceError(_(
                    "an IMAP folder name must be one line without quotes, found %(value)r",
                    value=name[:40],
                ))
        port = int(port_text) if port_text else DEFAULT_PORTS[tls]
        return cls(host, port, tls, user, password, chosen, done)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\") + '"'


def _connect(s: ImapSettings) -> imaplib.IMAP4:
    where = f"{s.host}:{s.port} (RUNDBRIEF_IMAP_HOST, RUNDBRIEF_IMAP_PORT)"
    try:
        if s.tls == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                s.host, s.port, ssl_context=ssl.create_default_context(), timeout=30
            )
        else:
            client = imaplib.IMAP4(s.host, s.port, timeout=30)
            if s.tls == "starttls":
                client.starttls(ssl_context=ssl.create_default_context())
    except ssl.SSLError as err:
        raise SourceError(
            _(
                "TLS with the IMAP server %(where)s failed: %(value)s; check RUNDBRIEF_IMAP_TLS",
                where=where,
                value=err.reason or err,
            )
        ) from None
    except (OSError, imaplib.IMAP4.error) as err:
        raise SourceError(_(
            "cannot connect to the IMAP server %(where)s: %(err)s",
            where=where,
            err=err,
        )) from None
    try:
        client.login(s.user, s.password)
    except (OSError, imaplib.IMAP4.error) as err:
        client.shutdown()
        raise SourceError(
            _(
                "the IMAP server refused the login of %(user)r (%(err)s); check RUNDBRIEF_IMAP_USER "
                "and RUNDBRIEF_IMAP_PASSWORD",
                user=s.user,
                err=err,
            )
        ) from None
    return client


def _ok(result: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = result
    if status != "OK":
        raise SourceError(_("the IMAP server refused %(what)s: %(data).200s", what=what, data=data))
    return data


def read_imap(settings: ImapSettings) -> Iterator[Item]:
    client = _connect(settings)
    try:
        try:
            _ok(client.select(_quoted(settings.folder)), f"the folder {settings.folder!r} (RUNDBRIEF_IMAP_FOLDER)")
            found = _ok(client.uid("SEARCH", "UNKEYWORD", KEYWORD), "the search")
        except imaplib.IMAP4.error as err:
            raise SourceError(_(
                "the IMAP server refused the folder or the search: %(err)s",
                err=err,
            )) from None
        listed = found[0] if found and isinstance(found[0], bytes) else b""
        uids = [uid.decode("ascii") for uid in listed.split() if uid.isdigit()]
        offered = _ok(client.capability(), "CAPABILITY")  # after login: servers offer more then
        capabilities = (offered[0] or b"").upper().split()
        movable = settings.done_folder is not None and b"MOVE" in capabilities
        copied: list[str] = []  # copied to DONE_FOLDER and flagged Deleted: only these are expunged
        for uid in uids:
            data = _ok(client.uid("FETCH", uid, f"(BODY.PEEK[]<0.{MAX_MESSAGE + 1}>)"), "fetching a message")
            raw = next((item[1] for item in data if isinstance(item, tuple) and len(item) == 2), None)
            if not isinstance(raw, bytes):
                continue  # gone meanwhile

            def done(uid: str = uid) -> None:
                try:
                    if settings.done_folder is None:
                        _ok(client.uid("STORE", uid, "+FLAGS", f"({KEYWORD} \\Seen)"), "marking a message as read")
                    elif movable:
                        _ok(client.uid("MOVE", uid, _quoted(settings.done_folder)), "moving a message (DONE_FOLDER)")
                    else:
                        _ok(client.uid("COPY", uid, _quoted(settings.done_folder)), "copying a message (DONE_FOLDER)")
                        _ok(client.uid("STORE", uid, "+FLAGS", f"({KEYWORD} \\Deleted)"), "marking a message")
                        copied.append(uid)
                except (OSError, imaplib.IMAP4.error) as err:
                    raise SourceError(_(
                        "the IMAP server failed while marking a message as read: %(err)s",
                        err=err,
                    )) from None

            yield raw, done
        if copied and b"UIDPLUS" in capabilities:
            # UID EXPUNGE (RFC 4315) removes only these; a plain EXPUNGE would also delete every message
            # somebody else had flagged Deleted in the folder. Without UIDPLUS they stay, flagged and
            # skipped (they carry the keyword), until a mail client expunges the folder.
            _ok(client.uid("EXPUNGE", ",".join(copied)), "removing the moved messages (UID EXPUNGE)")
    except (OSError, imaplib.IMAP4.error) as err:
        raise SourceError(_("the connection to the IMAP server failed: %(err)s", err=err)) from None
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            client.shutdown()


_IMAP = re.compile(r"imap(?::(.+))?", re.IGNORECASE | re.DOTALL)


def open_source(source: str) -> tuple[str, Iterator[Item]]:
    """``imap`` or ``imap:FOLDER``, a Maildir (a folder with cur/, new/, tmp/), or an mbox file."""
    matched = _IMAP.fullmatch(source)
    if matched and not Path(source).exists():
        settings = ImapSettings.from_environment(matched.group(1))
        return f"imap {settings.folder}", read_imap(settings)
    path = Path(source)
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            raise SourceError(_(
                "%(source)s is a folder but no Maildir (it needs cur/, new/ and tmp/)",
                source=source,
            ))
        return f"maildir {path.name}", read_maildir(path)
    if not path.is_file():
        raise SourceError(_(
            "%(source)s is neither an mbox file, a Maildir nor imap (or imap:FOLDER)",
            source=source,
        ))
    return f"mbox {path.name}", read_mbox(path)
