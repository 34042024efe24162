"""Data-subject rights: what is stored about a person (GDPR Art. 15), and erasure (Art. 17).

:func:`describe` gathers every row that names or points at one subscriber: the subscriber,
the consent events (time, kind, source), the deliveries of every send, the bounces and the
queued confirmation mails. :func:`erase` deletes the person: the subscriber, the consent
events and the confirmation mails are deleted; the ledger rows of their deliveries and
bounces stay, anonymised (no address, no subscriber, no server reply, which may quote the
address), so each send's counts still add up. Subscriber ids are never used again, so an
anonymous row never points at anybody. Nothing remains that names the address, so a later
import or sign-up of it is a new subscriber like any other. Retention of unconfirmed
sign-ups (the third rule) is :meth:`generator.send.store.Store.expire`.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.send.store import Store, email_key
from generator.send.subscribers import shown

ERASED = "(erased)"  # the address of an anonymised ledger row
ERASED_REPLY = "erased on request (GDPR Art. 17) before it was sent"


def _cells(*values: object) -> str:
    return "  ".join(shown(str(v)) for v in values if v not in (None, ""))


def describe(store: Store, address: str) -> list[str] | None:
    """Every line rundbrief stores about ``address``, for printing; None if it is not known."""
    row = store.db.execute("SELECT * FROM subscribers WHERE email_key = ?", (email_key(address),)).fetchone()
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


def erase(store: Store, address: str) -> Erased | None:
    """Delete ``address`` and anonymise its ledger rows, in one transaction; None if unknown."""
    with store.transaction() as db:
        row = db.execute("SELECT id, email FROM subscribers WHERE email_key = ?", (email_key(address),)).fetchone()
        if row is None:
            return None
        sid = row["id"]
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
        events = db.execute("DELETE FROM consent_events WHERE subscriber_id = ?", (sid,)).rowcount
        db.execute("DELETE FROM outbox WHERE subscriber_id = ? OR email_key = ?", (sid, email_key(address)))
        db.execute("DELETE FROM subscribers WHERE id = ?", (sid,))
    return Erased(row["email"], deliveries, bounces, events)
