"""Confirmation mails of the subscription service: the request queues one, a worker sends it.

The request handler never talks SMTP. It only writes to the store, the same work whether or
not the address is known, so the answer takes the same time either way and a slow or broken
relay never shows the public an error page. A worker thread in the service's process sends
what is queued and records each outcome in the ``outbox`` table (failures with the server's
reply; the service's log names the row, not the address). At most one confirmation mail per
address and ``Limits.address_interval`` is queued, however often the form is sent.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from generator.content.model import Settings
from generator.email.mime import (
    Intended,
    MessageError,
    address,
    header_text,
    intended_address,
    make_message_id,
    verify_message,
)
from generator.send.smtp import Connection, Outcome, RelayError, SmtpSettings
from generator.send.store import Status, Store, Subscriber, email_key, now, stamp

log = logging.getLogger("rundbrief.subscriptions")
MAX_ATTEMPTS = 3
WAKE_DELAY = 0.2  # seconds a woken worker waits: the request's answer goes out before any SMTP work starts
EXPIRE_EVERY = timedelta(minutes=10)
CONFIRMATION_HEADERS = frozenset(
    {
        "subject",
        "from",
        "to",
        "date",
        "message-id",
        "auto-submitted",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
    }
)


def recently_queued(db: sqlite3.Connection, address: str, interval: timedelta) -> bool:
    since = stamp(datetime.now(timezone.utc) - interval)
    found = db.execute(
        "SELECT 1 FROM outbox WHERE email_key = ? AND created_at > ? LIMIT 1", (email_key(address), since)
    )
    return found.fetchone() is not None


def enqueue(db: sqlite3.Connection, subscriber: Subscriber, queue: bool = True) -> None:
    """Queue a confirmation mail; ``queue`` False runs the same statement and queues nothing
    (the request handler does the same work whether or not a mail goes out)."""
    db.execute(
        "INSERT INTO outbox (subscriber_id, email_key, created_at, state) SELECT ?, ?, ?, 'queued' WHERE ?",
        (subscriber.id, email_key(subscriber.email), now(), queue),
    )


def confirmation_message(settings: Settings, recipient: str, link: str) -> bytes:
    """The confirmation mail, parsed back and compared with what was meant (MessageError if not)."""
    assert settings.sender_email, "the service refuses to start without a sender"
    message = EmailMessage(policy=SMTP.clone(utf8=not recipient.isascii()))
    message["Subject"] = header_text(f"Bitte bestätigen: {settings.newsletter_name}")
    message["From"] = address(settings.sender_name, settings.sender_email)
    message["To"] = address(None, recipient)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_message_id(settings.sender_email.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"Guten Tag,\n\nSie möchten den {settings.newsletter_name} erhalten. Bitte bestätigen Sie das mit diesem Link "
        f"(7 Tage gültig):\n\n{link}\n\nWenn Sie das nicht waren, ignorieren Sie diese E-Mail; "
        "Sie erhalten dann nichts weiter.\n",
        charset="utf-8",
    )
    data = message.as_bytes()
    senders = {"from": (intended_address(settings.sender_email),), "to": (intended_address(recipient),)}
    verify_message(data, Intended(CONFIRMATION_HEADERS, senders))
    return data


@dataclass(frozen=True, slots=True)
class _Queued:
    id: int
    subscriber_id: int
    attempts: int


class ConfirmationWorker:
    """Sends the queued confirmation mails in a thread of its own, with its own store connection."""

    def __init__(
        self, db_path: Path, settings: Settings, smtp: SmtpSettings, link_for: Callable[[int], str], *,
        retry_after: float = 60.0,
    ) -> None:  # fmt: skip
        self.db_path = db_path
        self.settings = settings
        self.smtp = smtp
        self.link_for = link_for
        self.retry_after = retry_after
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_expiry: datetime | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rundbrief-confirmations", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        store = Store(self.db_path)
        try:
            with store.transaction() as db:  # a mail in flight when the service stopped: it may have arrived
                db.execute(
                    "UPDATE outbox SET state = 'failed', reply = 'the service stopped during this delivery' WHERE "
                    "state = 'sending'"
                )
            while not self._stop.is_set():
                try:
                    self._expire(store)
                    self.send_due(store)
                except Exception:  # the worker must outlive any one failure; the log has it
                    log.exception("the confirmation worker failed; it carries on")
                if self._wake.wait(timeout=self._seconds_to_next(store)):
                    self._stop.wait(
                        WAKE_DELAY
                    )  # never beside the answer: its time must not tell whether a mail was queued
                self._wake.clear()
        finally:
            store.close()

    def _expire(self, store: Store) -> None:
        moment = datetime.now(timezone.utc)
        if self._last_expiry is None or moment - self._last_expiry >= EXPIRE_EVERY:
            deleted = store.expire(moment)
            if deleted:
                log.info("deleted %d unconfirmed requests older than the retention period", deleted)
            self._last_expiry = moment

    def _seconds_to_next(self, store: Store) -> float:
        row = store.db.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued'").fetchone()
        if row is None or row[0] is None:
            return 60.0
        due = datetime.fromisoformat(row[0]) - datetime.now(timezone.utc)
        return min(60.0, max(0.05, due.total_seconds()))

    def _due(self, store: Store) -> list[_Queued]:
        rows = store.db.execute(
            "SELECT id, subscriber_id, attempts FROM outbox WHERE state = 'queued' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT 50",
            (now(),),
        ).fetchall()
        return [_Queued(row[0], row[1], row[2]) for row in rows]

    def send_due(self, store: Store) -> int:
        """Send what is due now over one connection; returns how many were handled."""
        batch = self._due(store)
        if not batch:
            return 0
        connection = Connection(self.smtp)
        handled = 0
        try:
            try:
                connection.open()  # a broken relay shows here, before any row is touched
            except RelayError as err:
                log.error("confirmation mails: %s", err)
                for queued in batch:
                    self._record(store, queued, "queued", f"not sent yet: {err}", retry=True)
                return 0
            for queued in batch:
                if self._stop.is_set():
                    break
                try:
                    self._send_one(store, connection, queued)
                except RelayError as err:  # the relay, not the address: try again later, all of them
                    log.error("confirmation mails: %s", err)
                    self._record(store, queued, "queued", f"not sent: {err}", retry=True)
                    break
                handled += 1
        finally:
            connection.close()
        return handled

    def _send_one(self, store: Store, connection: Connection, queued: _Queued) -> None:
        subscriber = store.get(queued.subscriber_id)
        if subscriber is None or subscriber.status is not Status.PENDING:
            self._record(store, queued, "failed", "not sent: the request is no longer pending")
            return
        assert self.settings.sender_email
        try:
            data = confirmation_message(self.settings, subscriber.email, self.link_for(subscriber.id))
        except MessageError as err:
            self._record(store, queued, "failed", f"not sent: {err}")
            log.error("confirmation mail #%d refused: %s", queued.id, err)
            return
        with store.transaction() as db:  # claimed once: several server processes may each run a worker
            claimed = db.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'queued'",
                (queued.id,),
            ).rowcount
        if not claimed:
            return
        result = connection.deliver(self.settings.sender_email, subscriber.email, data)
        if result.outcome is Outcome.SENT:
            self._record(store, queued, "sent", result.reply)
        elif result.outcome is Outcome.TEMPORARY and queued.attempts + 1 < MAX_ATTEMPTS:
            self._record(store, queued, "queued", result.reply, retry=True)
        else:
            self._record(store, queued, "failed", result.reply)
            log.warning("confirmation mail #%d failed: %s", queued.id, result.reply)

    def _record(self, store: Store, queued: _Queued, state: str, reply: str, *, retry: bool = False) -> None:
        next_at = None
        if retry:
            delay = min(3600.0, self.retry_after * (2**queued.attempts))  # a broken relay: once an hour at most
            next_at = stamp(datetime.now(timezone.utc) + timedelta(seconds=delay))
        with store.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, reply = ?, next_attempt_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? "
                "ELSE sent_at END "
                "WHERE id = ?",
                (state, reply[:1000], next_at, state, now(), queued.id),
            )
