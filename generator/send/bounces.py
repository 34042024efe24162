"""Bounces: which message came back, for whom, from which send, and what follows.

Most refusals arrive after the send, as a delivery status notification (RFC 3464, or one of
the older formats flufl.bounce, Mailman's detector library, knows) to the envelope sender.
rundbrief sends each message with its own envelope sender (VERP): the sender's local part,
``+``, and a token ``rb-<subscriber id>-<send code>-<mac>``, where the mac is an HMAC (with
``RUNDBRIEF_SECRET``) of the send and the subscriber. A notification counts only when the
address it was delivered to carries a token whose mac is right and whose send and subscriber
are a row of the ledger: a forged or garbled notification, one for an address never sent to,
or one naming somebody else in its text changes nobody.

Whether a notice is a failure, and which, is read from the report itself when it is an RFC 3464
delivery status notification (``message/delivery-status``): per recipient, ``Action: failed``
is a failure, and the class of its ``Status`` decides, 5.x.x hard, 4.x.x soft (a server that gave
up on a full mailbox); ``delayed``, ``delivered``, ``relayed`` and ``expanded`` are no failure.
A ``5.7.x`` status (DMARC, SPF, a policy or spam block) refuses the sender, not the recipient:
it is recorded as a rejection of the send, reported by ``bounces import`` and ``send --status``,
and charged to nobody. Other formats are left to flufl.bounce (Mailman's detectors), which
says whether the message is a failure at all, and whether it is permanent (hard) or temporary (soft).

Bounce messages come from the internet: a message that cannot be parsed, is larger than
``MAX_MESSAGE`` or trips a detector is counted as ignored, with the reason, never as a crash.
Each message is remembered by the SHA-256 of its bytes, and each person has at most one
bounce per send: reading the same mailbox twice counts nothing twice.

A hard bounce, or soft bounces in ``RUNDBRIEF_BOUNCE_LIMIT`` consecutive sends (default 3),
makes the subscriber ``bounced``: never sent to again, kept with its history.
"""

from __future__ import annotations

import email
import email.message
import email.parser
import hashlib
import logging
import os
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from generator.addresses import AddressError, check_address
from generator.i18n import _
from generator.send.store import Store, now
from generator.send.subscribers import shown
from generator.send.tokens import Tokens

MAX_MESSAGE = 2 * 1024 * 1024  # bytes: a notification is a few KB; the rest of a larger one is not read
DEFAULT_LIMIT = 3
# Headers in which the address a message was delivered to appears: the final server's
# Delivered-To / X-Original-To / Envelope-To, and the To: the reporting server writes.
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_TOKEN = re.compile(r"\+rb-([0-9a-f]{1,12})-([0-9a-f]{8})-([0-9a-f]{12})@", re.IGNORECASE)

Kind = Literal["hard", "soft", "sender"]  # sender: refused for the sender (5.7.x), charged to nobody
_STATUS = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})")

# flufl.bounce logs a detector's exception with its traceback before raising it; the exception is
# reported here as one reason ("the bounce detector cannot read it"), so its log stays quiet.
_detector_log = logging.getLogger("flufl.bounce")
_detector_log.addHandler(logging.NullHandler())
_detector_log.propagate = False


class BounceConfigError(Exception):
    pass


def limit_from_environment() -> int:
    """``RUNDBRIEF_BOUNCE_LIMIT``: soft bounces in this many consecutive sends make a subscriber bounced."""
    text = os.environ.get("RUNDBRIEF_BOUNCE_LIMIT", "").strip()
    if not text:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 100):
        raise BounceConfigError(_(
            "RUNDBRIEF_BOUNCE_LIMIT must be a whole number from 1 to 100, found %(value)r",
            value=text[:40],
        ))
    return int(text)


def verp_from_environment() -> bool:
    """``RUNDBRIEF_VERP``: ``on`` (default) or ``off`` (the plain sender; bounces are then not recognised)."""
    text = os.environ.get("RUNDBRIEF_VERP", "on").strip().lower()
    if text not in ("on", "off"):
        raise BounceConfigError(_(
            "RUNDBRIEF_VERP must be on or off, found %(value)r",
            value=text[:40],
        ))
    return text == "on"


def bounce_base(sender: str) -> str:
    """``RUNDBRIEF_BOUNCE_ADDRESS`` (a mailbox for notifications), else the newsletter's sender."""
    chosen = os.environ.get("RUNDBRIEF_BOUNCE_ADDRESS", "").strip()
    if not chosen:
        return sender
    try:
        return check_address(chosen)
    except AddressError as err:
        raise BounceConfigError(_(
            "RUNDBRIEF_BOUNCE_ADDRESS is not a usable address: %(err)s",
            err=err,
        )) from None


def return_path(base: str, tokens: Tokens, slug: str, subscriber_id: int) -> str:
    """The envelope sender of one message: ``local+rb-<id>-<send>-<mac>@domain``."""
    local, _at, domain = base.rpartition("@")
    token = f"rb-{subscriber_id:x}-{tokens.send_code(slug)}-{tokens.bounce_mac(slug, subscriber_id)}"
    local = local.partition("+")[0] + "+" + token
    if len(local.encode("utf-8")) > 64:  # RFC 5321's limit for a local part
        raise BounceConfigError(
            _(
                "the return path %(local)s@%(domain)s is longer than 64 characters before the @; set "
                "RUNDBRIEF_BOUNCE_ADDRESS to an address with a shorter name (or RUNDBRIEF_VERP=off)",
                local=local,
                domain=domain,
            )
        )
    return f"{local}@{domain}"


@dataclass(frozen=True, slots=True)
class Notice:
    """What one message says: the token it was delivered to, and the failure it reports."""

    token: tuple[int, str, str] | None  # (subscriber id, send code, mac)
    kind: Kind | None  # None: not a failure notice (an out-of-office reply, say)
    detail: str
    problem: str | None = None  # why the message cannot be used at all


def _text(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a header compat32 cannot decode: nothing of it is used
        return ""


def _tokens_in(message: email.message.Message) -> set[tuple[int, str, str]]:
    found = set()
    for name in ENVELOPE_HEADERS:
        for value in message.get_all(name) or []:
            for match in _TOKEN.finditer(_text(value)[:2000]):
                found.add((int(match.group(1), 16), match.group(2).lower(), match.group(3).lower()))
    return found


def _detail(message: email.message.Message, addresses: set[bytes]) -> str:
    """The status and diagnostic of a DSN (RFC 3464), else the addresses flufl.bounce found."""
    parts = []
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            for block in part.get_payload() if part.is_multipart() else []:
                if isinstance(block, email.message.Message):
                    for name in ("Status", "Diagnostic-Code"):
                        if block.get(name):
                            parts.append(f"{name}: {_text(block.get(name))}")
    if not parts:
        parts = [b.decode("ascii", "replace") for b in sorted(addresses)[:3]]
    return shown(" ".join(" ".join(parts).split()))[:300]


def _first_word(value: object) -> str:
    return (_text(value).split() or [""])[0].lower()


def _delivery_status(message: email.message.Message) -> tuple[Kind | None, str] | None:
    """What an RFC 3464 report says, read from its per-recipient fields: the kind of failure (None:
    no failure, a delay or a delivery) and its detail; None if the message holds no such report."""
    blocks: list[email.message.Message] = []
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status" and part.is_multipart():
            blocks += [b for b in part.get_payload() if isinstance(b, email.message.Message) and b.get("Action")]
    if not blocks:
        return None
    kinds: list[tuple[Kind, email.message.Message]] = []
    for block in blocks:
        if _first_word(block.get("Action")) != "failed":
            continue
        status = _STATUS.match(_first_word(block.get("Status")))
        if status is not None and status.group(1) == "5" and status.group(2) == "7":
            kinds.append(("sender", block))
        elif status is not None and status.group(1) == "4":
            kinds.append(("soft", block))
        else:
            kinds.append(("hard", block))  # 5.x.x, or a failure without a usable status
    if not kinds:
        return None, ""
    kind, block = min(kinds, key=lambda item: ("hard", "soft", "sender").index(item[0]))  # the gravest
    parts = [f"{name}: {_text(block.get(name))}" for name in ("Status", "Diagnostic-Code") if block.get(name)]
    return kind, shown(" ".join(" ".join(parts).split()))[:300]


def read_notice(raw: bytes) -> Notice:
    """Parse one message from the internet; never raises (a message nested thousands of MIME
    levels deep makes the email package recurse too deep: ignored with the reason)."""
    try:
        return _read_notice(raw)
    except Exception as err:
        return Notice(None, None, "", f"not a readable message ({type(err).__name__})")


def _read_notice(raw: bytes) -> Notice:
    if len(raw) > MAX_MESSAGE:
        try:  # the headers still say whose it is (so it is marked read as ours)
            found = _tokens_in(email.parser.BytesHeaderParser().parsebytes(raw[:MAX_MESSAGE]))
        except Exception:
            found = set()
        token = next(iter(found)) if len(found) == 1 else None
        return Notice(token, None, "", f"larger than {MAX_MESSAGE // (1024 * 1024)} MB")
    try:
        message = email.message_from_bytes(raw)
        tokens = _tokens_in(message)
    except Exception as err:  # the email package on hostile bytes
        return Notice(None, None, "", f"not a readable message ({type(err).__name__})")
    if len(tokens) > 1:
        return Notice(None, None, "", "more than one rundbrief return path")
    token = next(iter(tokens), None)
    if token is None:
        return Notice(None, None, "", "not delivered to a rundbrief return path")
    try:
        report = _delivery_status(message)
    except Exception as err:  # the email package on a hostile report
        return Notice(token, None, "", f"not a readable report ({type(err).__name__})")
    if report is not None:
        if report[0] is None:
            return Notice(token, None, "", "not a delivery failure (a delay or a delivery report)")
        return Notice(token, report[0], report[1])
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception as err:  # a detector tripped over a malformed message
        return Notice(token, None, "", f"the bounce detector cannot read it ({type(err).__name__})")
    if not (temporary or permanent):
        return Notice(token, None, "", "not a delivery failure (an automatic reply?)")
    kind: Kind = "hard" if permanent else "soft"
    return Notice(token, kind, _detail(message, set(permanent) | set(temporary)))


@dataclass(slots=True)
class Report:
    read: int = 0
    recorded: Counter[str] = field(default_factory=Counter)  # hard, soft
    already: int = 0  # messages read before (same bytes), or a second report of the same bounce
    ignored: Counter[str] = field(default_factory=Counter)  # reason -> count
    bounced: list[str] = field(default_factory=list)  # addresses that became "bounced" now
    rejected: Counter[str] = field(default_factory=Counter)  # send -> notices refusing the sender (5.7.x)
    left: int = 0  # messages not for a rundbrief return path: not marked read, not moved


def _send_of(db: sqlite3.Connection, tokens: Tokens, code: str) -> str | None:
    for (slug,) in db.execute("SELECT slug FROM sends"):
        if tokens.send_code(slug) == code:
            return str(slug)
    return None


def _soft_streak(db: sqlite3.Connection, subscriber_id: int, slug: str) -> int:
    """The number of consecutive sends to ``subscriber_id`` that bounced, in the run that holds
    ``slug`` (notices of several sends may arrive in any order), counting only sends started
    after the subscriber's latest confirmation."""
    rows = db.execute(
        "SELECT d.slug, b.id IS NOT NULL AS bounced FROM deliveries d JOIN sends s ON s.slug = d.slug "
        "JOIN subscribers p ON p.id = d.subscriber_id "
        "LEFT JOIN bounces b ON b.slug = d.slug AND b.subscriber_id = d.subscriber_id "
        "WHERE d.subscriber_id = ? AND s.started_at > COALESCE(p.confirmed_at, '') ORDER BY s.started_at, s.slug",
        (subscriber_id,),
    ).fetchall()  # only sends after the latest confirmation: a new consent starts a new count
    bounced = [bool(row["bounced"]) for row in rows]
    at = next(i for i, row in enumerate(rows) if row["slug"] == slug)
    start = at
    while start > 0 and bounced[start - 1]:
        start -= 1
    end = at
    while end + 1 < len(bounced) and bounced[end + 1]:
        end += 1
    return end - start + 1


def _ours(db: sqlite3.Connection, tokens: Tokens, notice: Notice) -> bool:
    """Whether the message was delivered to a return path rundbrief made (its signature is right)."""
    if notice.token is None:
        return False
    subscriber_id, code, mac = notice.token
    slug = _send_of(db, tokens, code)
    return slug is not None and tokens.check_bounce(slug, subscriber_id, mac)


def record(store: Store, tokens: Tokens, raw: bytes, source: str, limit: int, report: Report) -> bool:
    """Read one message and record what it proves, in one transaction. True if the message was
    delivered to a rundbrief return path: only such a message may be marked read or moved (the
    mailbox may be the sender's, where citizens' replies arrive too)."""
    report.read += 1
    digest = hashlib.sha256(raw[: MAX_MESSAGE + 1]).hexdigest()
    notice = read_notice(raw)
    with store.transaction() as db:
        ours = _ours(db, tokens, notice)
        if db.execute("SELECT 1 FROM bounce_messages WHERE digest = ?", (digest,)).fetchone():
            report.already += 1
            return ours
        outcome = _apply(db, store, tokens, notice, source, limit, report)
        db.execute("INSERT INTO bounce_messages (digest, at, outcome) VALUES (?, ?, ?)", (digest, now(), outcome))
    return ours


def _apply(
    db: sqlite3.Connection, store: Store, tokens: Tokens, notice: Notice, source: str, limit: int, report: Report
) -> str:
    def ignore(reason: str) -> str:
        report.ignored[reason] += 1
        return f"ignored: {reason}"

    if notice.problem is not None:
        return ignore(notice.problem)
    assert notice.token is not None and notice.kind is not None
    subscriber_id, code, mac = notice.token
    slug = _send_of(db, tokens, code)
    if slug is None or not tokens.check_bounce(slug, subscriber_id, mac):
        return ignore("a return path rundbrief did not make (unknown send, or a wrong signature)")
    row = db.execute(
        "SELECT d.subscriber_id, s.status, s.email, sends.started_at > COALESCE(s.confirmed_at, '') AS current "
        "FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id JOIN sends ON sends.slug = d.slug "
        "WHERE d.slug = ? AND d.subscriber_id = ?",
        (slug, subscriber_id),
    ).fetchone()
    if row is None:
        return ignore("nobody of that send (erased since?)")
    kind = notice.kind
    if kind == "sender":
        db.execute(
            "INSERT INTO sender_rejections (slug, subscriber_id, at, source, detail) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (slug, subscriber_id) DO NOTHING",
            (slug, subscriber_id, now(), source, notice.detail),
        )
        report.rejected[slug] += 1
        return f"sender rejected in {slug} (5.7.x): charged to nobody"
    inserted = db.execute(
        "INSERT INTO bounces (slug, subscriber_id, kind, at, source, detail) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (slug, subscriber_id) DO UPDATE SET kind = 'hard', detail = excluded.detail "
        "WHERE excluded.kind = 'hard' AND kind = 'soft'",
        (slug, subscriber_id, kind, now(), source, notice.detail),
    ).rowcount
    if not inserted:
        report.already += 1
        return "already recorded"
    report.recorded[kind] += 1
    # a notice about a send from before the latest confirmation is kept, but changes nobody: the new consent wins
    current = row["status"] == "active" and row["current"]
    if current and (kind == "hard" or _soft_streak(db, subscriber_id, slug) >= limit):
        why = "a hard bounce" if kind == "hard" else f"soft bounces in {limit} consecutive sends"
        db.execute(
            "UPDATE subscribers SET status = 'bounced', bounced_at = ? WHERE id = ? AND status = 'active'",
            (now(), subscriber_id),
        )
        store.record(db, subscriber_id, "bounced", source, detail=f"{why} ({slug}): {notice.detail}"[:500])
        report.bounced.append(row["email"])
    return f"{kind} bounce of {slug}"
