"""Data-subject rights: what is stored about a person (GDPR Art. 15), and erasure (Art. 17).

:func:`describe` gathers every row that names or points at one subscriber: the subscriber,
the consent events (time, kind, source), the deliveries of every send, the bounces and the
queued confirmation mails. :func:`erase` deletes the person: the subscriber, the consent
events and the confirmation mails are deleted; the ledger rows of their deliveries and
bounces stay, anonymised (no address, no subscriber, no server reply, which may quote the
address), so each send's counts still add up. Subscriber ids are never used again, so an
anonymous row never points at anybody. Nothing remains that names the address: only a
tombstone, an HMAC (with ``RUNDBRIEF_SECRET``) of the normalised address and the time of the
erasure, kept for one purpose: a restore of a backup made before the erasure erases the person
again (:mod:`generator.send.backup`). A later import or sign-up of the address is a new
subscriber like any other; its consent is newer than the tombstone, so a restore keeps it.

An address is looked up by the one address rule (:func:`generator.addresses.check_address`,
as ``import`` stores it): ``xn--`` domains and decomposed (NFD) Unicode find the subscriber.
The store zeroes freed pages (``secure_delete``), and after an erasure the write-ahead log is
checkpointed and truncated, so the address stays in no file; :class:`Erased` says whether the
checkpoint could complete (a reader holding an old snapshot can hold it back).
Retention of unconfirmed sign-ups (the third rule) is :meth:`generator.send.store.Store.expire`.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from dataclasses import dataclass

from generator.send.store import Store, lookup_key, now
from generator.send.subscribers import shown

ERASED = "(erased)"  # the address of an anonymised ledger row
ERASED_REPLY = "erased on request (GDPR Art. 17) before it was sent"


def _cells(*values: object) -> str:
    return "  ".join(shown(str(v)) for v in values if v not in (None, ""))


def tombstone(secret: str, key: str) -> str:
    """The keyed hash of an erased address's key: nobody without the secret can test an address."""
    return hmac.new(
        hashlib.sha256(b"rundbrief-erasure\0" + secret.encode("utf-8")).digest(), key.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def describe(store: Store, address: str) -> list[str] | None:
    """Every line rundbrief stores about ``address``, for printing; None if it is not known."""
    row = store.db.execute("SELECT * FROM subscribers WHERE email_key = ?", (lookup_key(address),)).fetchone()
    if row is None:
        return None
    sid = row["id"]
    lines = [
        f"address: {shown(row['email'])}",
        f"name: {shown(row['name'] or '')}",
        f"status: {row['status']}",
        "dates: " + _cells(*(f"{k} {row[k]}" for k in ("created_at", "requested_at", "confirmed_at",
                                                       "unsubscribed_at", "bounced_at") if row[k])),
    ]  # fmt: skip
    sections = (
        ("consent events (time, kind, source, detail)",
         "SELECT at, kind, source, detail FROM consent_events WHERE subscriber_id = ? ORDER BY id"),
        ("deliveries (send, state, sent, attempts, reply)",
         "SELECT slug, state, sent_at, attempts, reply FROM deliveries WHERE subscriber_id = ? ORDER BY rowid"),
        ("bounces (send, kind, time, source, detail)",
         "SELECT slug, kind, at, source, detail FROM bounces WHERE subscriber_id = ? ORDER BY id"),
        ("confirmation mails (queued, state, sent, reply)",
         "SELECT created_at, state, sent_at, reply FROM outbox WHERE subscriber_id = ? ORDER BY id"),
    )  # fmt: skip
    for title, query in sections:
        rows = store.db.execute(query, (sid,)).fetchall()
        lines.append(f"{title}: {len(rows)}")
        lines.extend("  " + _cells(*tuple(r)) for r in rows)
    return lines


@dataclass(frozen=True, slots=True)
class Erased:
    email: str
    deliveries: int  # ledger rows kept, anonymised
    bounces: int  # bounce rows kept, anonymised
    events: int  # consent events deleted
    checkpointed: bool = True  # False: a reader held the write-ahead log; the address may stay in it until later


def erase_row(db: sqlite3.Connection, sid: int, key: str) -> tuple[int, int, int]:
    """Delete subscriber ``sid`` (stored under ``key``) and anonymise its ledger rows, inside the
    caller's transaction; returns the deliveries and bounces kept and the events deleted."""
    waiting = "state IN ('pending', 'failed_temporary', 'sending')"
    deliveries = db.execute(
        f"UPDATE deliveries SET reply = CASE WHEN {waiting} THEN ? ELSE NULL END, "
        f"state = CASE WHEN {waiting} THEN 'skipped' ELSE state END, "
        "subscriber_id = NULL, email = ?, next_attempt_at = NULL WHERE subscriber_id = ?",
        (ERASED_REPLY, ERASED, sid),
    ).rowcount
    bounces = db.execute(
        "UPDATE bounces SET subscriber_id = NULL, detail = NULL WHERE subscriber_id = ?", (sid,)
    ).rowcount
    db.execute("UPDATE sender_rejections SET subscriber_id = NULL, detail = NULL WHERE subscriber_id = ?", (sid,))
    events = db.execute("DELETE FROM consent_events WHERE subscriber_id = ?", (sid,)).rowcount
    db.execute("DELETE FROM outbox WHERE subscriber_id = ? OR email_key = ?", (sid, key))
    db.execute("DELETE FROM subscribers WHERE id = ?", (sid,))
    return deliveries, bounces, events


def erase(store: Store, address: str, secret: str) -> Erased | None:
    """Delete ``address`` and anonymise its ledger rows, in one transaction, leaving its
    tombstone; then checkpoint the write-ahead log. None if unknown."""
    key = lookup_key(address)
    with store.transaction() as db:
        row = db.execute("SELECT id, email, email_key FROM subscribers WHERE email_key = ?", (key,)).fetchone()
        if row is None:
            return None
        deliveries, bounces, events = erase_row(db, row["id"], row["email_key"])
        db.execute(
            "INSERT INTO erasures (digest, at) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET at = excluded.at",
            (tombstone(secret, row["email_key"]), now()),
        )
    store.db.execute("PRAGMA busy_timeout = 3000")  # a reader that holds the log for long is reported, not awaited
    try:
        busy = store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        store.db.execute("PRAGMA busy_timeout = 30000")
    return Erased(row["email"], deliveries, bounces, events, checkpointed=not busy)
