"""Sending one built issue to every active subscriber, exactly once, resumable after any crash.

The recipient list is frozen in the ledger when a send starts: one row per subscriber. A row
is committed as ``sending`` before DATA and as ``sent`` after the server's 250, so after a
crash a row still in ``sending`` is the only one whose fate is unknown; it becomes
``unknown`` and is not sent again unless the operator asks (``--resend-unknown``). Running
the same send again resumes: pending rows are sent, temporary failures retried with backoff
(``MAX_ATTEMPTS`` per run of ``send``), permanent failures (5xx) never.

One issue, one version: the send records the build it sends (the key in ``newsletter/SLUG/.build.json``) and
each row the build it was sent with; resuming with another build is refused unless the
editor accepts it (``--accept-rebuild``). A failure of the relay (login, TLS, the sender
refused) stops the whole send at once with :class:`RelayError`: no recipient is charged
with it, and the next run after the fix delivers to each exactly once.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from generator.addresses import address_problem
from generator.email.mime import MessageError, PreparedMessage, message_id
from generator.routes import UNSUBSCRIBE_PATH, Routes
from generator.send.smtp import Connection, Outcome, RelayError, Result
from generator.send.store import Store, now
from generator.send.tokens import Tokens

STATES = ("pending", "sending", "sent", "failed_temporary", "failed_permanent", "unknown", "skipped")
MAX_ATTEMPTS = 5
BREAKER_LIMIT = 5  # this many recipients in a row with the same refusal of the message, or lost after DATA: the relay


class SendError(Exception):
    pass


class BuildChanged(SendError):
    """The send was started with another build of the issue."""


class RelayBroken(RelayError):
    """The circuit breaker: the same refusal of the message, or a connection lost after DATA,
    for ``BREAKER_LIMIT`` recipients in a row is the relay's doing, not theirs."""


def _reply_key(reply: str) -> str:
    """What makes two refusals "the same": the reply code and enhanced status code (the text
    may hold a queue id or the address), else the whole reply."""
    text = reply.removeprefix("after the message: ")
    found = re.match(r"(\d{3})[ -]+(\d\.\d{1,3}\.\d{1,3})\b", text)
    return f"{found.group(1)} {found.group(2)}" if found else text


class Breaker:
    """Counts consecutive recipients whose message the relay refused the same way after DATA
    (5xx to DATA or after the body: about the message or the sender, never the address), or
    whose connection was lost after DATA (``unknown``). Anything else starts over."""

    def __init__(self, limit: int = BREAKER_LIMIT) -> None:
        self.limit = limit
        self.key: str | None = None
        self.rows: list[int] = []
        self.reply = ""

    def record(self, subscriber_id: int, result: Result) -> bool:
        """Whether the streak is long enough to stop the send."""
        if result.outcome is Outcome.SKIPPED:
            return False
        key = None
        if result.outcome is Outcome.UNKNOWN:
            key = "unknown"
        elif result.outcome is Outcome.PERMANENT and result.after_data:
            key = _reply_key(result.reply)
        if key is None or key != self.key:
            self.key, self.rows = key, []
        if key is not None:
            self.rows.append(subscriber_id)
            self.reply = result.reply
        return len(self.rows) >= self.limit

    def message(self) -> str:
        n = len(self.rows)
        if self.key == "unknown":
            return (
                f"the connection to the SMTP server was lost during or right after the message for {n} recipients in "
                "a row "
                f"({self.reply}): the relay drops what it is given (a size limit, a filter, an overloaded server?). "
                "Check "
                "RUNDBRIEF_SMTP_HOST and the relay's limits with its operator. Those recipients stay unknown (the "
                "relay may have "
                "delivered them): check whether they arrived, then send again with --resend-unknown if not"
            )
        return (
            f"the SMTP server refused the message for {n} recipients in a row with the same reply ({self.reply}): "
            "it refuses the message or its sender, not these recipients. Check plugins.rundbrief.sender in "
            "mkdocs.yml and "
            "whether RUNDBRIEF_SMTP_USER may send as it (or the message, if the reply names spam or content). "
            f"Those {n} recipients are waiting again (failed_temporary)"
        )


@dataclass(slots=True)
class Progress:
    """Hooks for the command line's progress bar; tests leave them empty."""

    started: Callable[[int], None] = lambda total: None
    advanced: Callable[[str], None] = lambda state: None


@dataclass(frozen=True, slots=True)
class SendSummary:
    counts: dict[str, int]
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (email, state, reply)


@contextmanager
def sender_lock(db_path: Path) -> Iterator[None]:
    """Only one sender at a time per store; the lock dies with its process, even on SIGKILL."""
    lock_path = db_path.with_name(db_path.name + ".send-lock")
    with os.fdopen(os.open(lock_path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SendError(f"another sender is running on {db_path} (lock {lock_path})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def unsubscribe_url(service_url: str, tokens: Tokens, subscriber_id: int) -> str:
    page = Routes.create(None, service_url=service_url).service(UNSUBSCRIBE_PATH)
    assert page is not None
    return page + "?t=" + quote(tokens.unsubscribe(subscriber_id))


class Ledger:
    def __init__(self, store: Store, slug: str) -> None:
        self.store = store
        self.slug = slug
        self._rows: dict[int, int] = {}  # subscriber id -> ledger row id, of the rows marked sending

    def started(self) -> bool:
        return self.store.db.execute("SELECT 1 FROM sends WHERE slug = ?", (self.slug,)).fetchone() is not None

    def build_key(self) -> str | None:
        row = self.store.db.execute("SELECT build_key FROM sends WHERE slug = ?", (self.slug,)).fetchone()
        return row["build_key"] if row else None

    def check_build(self, build_key: str, accept_rebuild: bool) -> None:
        """BuildChanged if this send started with another build, unless the editor accepts it
        (then the send goes on with ``build_key``; each row keeps the build it was sent with)."""
        with self.store.transaction() as db:
            row = db.execute("SELECT build_key FROM sends WHERE slug = ?", (self.slug,)).fetchone()
            if row is None or row["build_key"] == build_key:
                return
            if not accept_rebuild:
                sent = db.execute(
                    "SELECT COUNT(*) FROM deliveries WHERE slug = ? AND state = 'sent'", (self.slug,)
                ).fetchone()[0]
                total = db.execute("SELECT COUNT(*) FROM deliveries WHERE slug = ?", (self.slug,)).fetchone()[0]
                before = "another build" if row["build_key"] else "a build rundbrief did not record (an older version)"
                raise BuildChanged(
                    f"{self.slug} was rebuilt since its send started with {before}: {sent} of {total} recipients "
                    "have the "
                    f"earlier version. Send the rest the new version with --accept-rebuild, or rebuild the earlier one"
                )
            db.execute("UPDATE sends SET build_key = ? WHERE slug = ?", (build_key, self.slug))

    def freeze(self, subject: str, build_key: str) -> int:
        """Create the send and its rows from the active subscribers, once; SendError if there are none."""
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM sends WHERE slug = ?", (self.slug,)).fetchone():
                return 0
            stamp = now()
            rows = db.execute("SELECT id, email FROM subscribers WHERE status = 'active' ORDER BY id").fetchall()
            if not rows:  # recorded, the empty send would be "resumed" for ever: later subscribers never get it
                raise SendError(
                    f"there are no active subscribers: {self.slug} was not sent and not recorded; import or wait for "
                    "subscribers, then send it"
                )
            db.execute(
                "INSERT INTO sends (slug, subject, started_at, recipients, build_key) VALUES (?, ?, ?, ?, ?)",
                (self.slug, subject, stamp, len(rows), build_key),
            )
            db.executemany(
                "INSERT INTO deliveries (slug, subscriber_id, email, state, updated_at) VALUES (?, ?, ?, 'pending', ?)",
                [(self.slug, row["id"], row["email"], stamp) for row in rows],
            )
        return len(rows)

    def recover(self, resend_unknown: bool) -> int:
        """Rows left in 'sending' by a crash become 'unknown'; optionally unknown -> pending.
        A new run of send gives temporary failures their attempts again."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE deliveries SET run_attempts = 0, next_attempt_at = NULL WHERE slug = ? AND state = "
                "'failed_temporary'",
                (self.slug,),
            )
            recovered = db.execute(
                "UPDATE deliveries SET state = 'unknown', reply = 'the sender stopped during this delivery', "
                "updated_at = ? "
                "WHERE slug = ? AND state = 'sending'",
                (now(), self.slug),
            ).rowcount
            if resend_unknown:
                db.execute(
                    "UPDATE deliveries SET state = 'pending', updated_at = ? WHERE slug = ? AND state = 'unknown'",
                    (now(), self.slug),
                )
        return recovered

    def due(self, limit: int = 500) -> list[tuple[int, str, int]]:
        rows = self.store.db.execute(
            "SELECT subscriber_id, email, run_attempts FROM deliveries WHERE slug = ? AND "
            "(state = 'pending' OR (state = 'failed_temporary' AND run_attempts < ? AND (next_attempt_at IS NULL OR "
            "next_attempt_at <= ?))) "
            "ORDER BY state = 'pending' DESC, subscriber_id LIMIT ?",
            (self.slug, MAX_ATTEMPTS, now(), limit),
        ).fetchall()
        return [(row["subscriber_id"], row["email"], row["run_attempts"]) for row in rows]

    def next_retry(self) -> datetime | None:
        row = self.store.db.execute(
            "SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE slug = ? AND state = 'failed_temporary' AND "
            "run_attempts < ?",
            (self.slug, MAX_ATTEMPTS),
        ).fetchone()
        return datetime.fromisoformat(row["at"]) if row and row["at"] else None

    def mark_sending(self, subscriber_id: int, build_key: str) -> bool:
        """The row as ``sending``, if its subscriber is still active (False: it is skipped)."""
        # Durable before DATA goes out: this commit syncs the write-ahead log to disk, and with
        # it the outcome of every delivery before (see finish()).
        self.store.db.execute("PRAGMA synchronous=FULL")
        marked = self.store.db.execute(
            "UPDATE deliveries SET state = 'sending', build_key = ?, updated_at = ? WHERE slug = ? AND subscriber_id "
            "= ? "
            "AND EXISTS (SELECT 1 FROM subscribers WHERE id = ? AND status = 'active') RETURNING id",
            (build_key, now(), self.slug, subscriber_id, subscriber_id),
        ).fetchone()
        if marked is None:
            self.skip_if_gone(subscriber_id)
            return False
        self._rows[subscriber_id] = int(marked[0])  # finish() finds the row by it, even once the person is erased
        return True

    def skip_if_gone(self, subscriber_id: int) -> bool:
        """Whether the row's subscriber is no longer active (unsubscribed, asked again and not
        confirmed, or removed) since the send started; if so the row becomes ``skipped``, with
        the reason. One look-up by primary key, at the moment of delivery."""
        row = self.store.db.execute("SELECT status FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        if row is not None and row["status"] == "active":
            return False
        if row is None:
            reason = "removed from the subscribers since the send started"
        elif row["status"] == "unsubscribed":
            reason = "unsubscribed since the send started"
        else:
            reason = f"no longer an active subscriber ({row['status']}) since the send started"
        self.store.db.execute(
            "UPDATE deliveries SET state = 'skipped', reply = ?, next_attempt_at = NULL, updated_at = ? "
            "WHERE slug = ? AND subscriber_id = ? AND state IN ('pending', 'failed_temporary', 'sending')",
            (reason, now(), self.slug, subscriber_id),
        )
        return True

    def skip_gone(self) -> int:
        """:meth:`skip_if_gone` for every row still to send whose subscriber left: one indexed
        query per batch (the rows waiting, each subscriber by its primary key)."""
        gone = self.store.db.execute(
            "SELECT d.subscriber_id FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id "
            "WHERE d.slug = ? AND d.state IN ('pending', 'failed_temporary') AND (s.status IS NULL OR s.status != "
            "'active')",
            (self.slug,),
        ).fetchall()
        return sum(self.skip_if_gone(row[0]) for row in gone)

    def unmark(self, subscriber_id: int) -> None:
        """Back to ``pending`` from ``sending``: the relay failed before the message was handed over."""
        self._rows.pop(subscriber_id, None)
        self.store.db.execute(
            "UPDATE deliveries SET state = 'pending', updated_at = ? WHERE slug = ? AND subscriber_id = ? AND state "
            "= 'sending'",
            (now(), self.slug, subscriber_id),
        )

    def reopen(self, subscriber_ids: list[int]) -> None:
        """Refusals the circuit breaker put down to the relay: retryable again, not the recipients' failures."""
        self.store.db.executemany(
            "UPDATE deliveries SET state = 'failed_temporary', reply = 'not counted, the relay refused every "
            "message: ' || reply, "
            "next_attempt_at = NULL, updated_at = ? WHERE slug = ? AND subscriber_id = ? AND state = "
            "'failed_permanent'",
            [(now(), self.slug, subscriber_id) for subscriber_id in subscriber_ids],
        )

    def finish(self, subscriber_id: int, result: Result, attempts: int, retry_after: float) -> None:
        """Record an outcome without its own disk sync: the next 'sending' commit (or close())
        syncs it. Lost in a power cut, the row is still 'sending', so it turns 'unknown':
        never sent twice. One sync per message instead of two."""
        self.store.db.execute("PRAGMA synchronous=NORMAL")
        stamp = now()
        next_at = None
        if result.outcome is Outcome.TEMPORARY:
            delay = retry_after * (2 ** max(0, attempts))
            next_at = (datetime.now(timezone.utc) + timedelta(seconds=delay)).isoformat(timespec="milliseconds")
        # By the row's id where it was marked sending: a person erased while their message was in DATA
        # has an anonymous row (no subscriber, "skipped"), and the relay's 250 must still land as "sent"
        # (an anonymous row keeps no reply; any other outcome leaves it skipped: nobody to send to).
        row_id = self._rows.pop(subscriber_id, None)
        where = "id = ?" if row_id is not None else "slug = ? AND subscriber_id = ?"
        self.store.db.execute(
            "UPDATE deliveries SET "
            "state = CASE WHEN subscriber_id IS NULL AND ? != 'sent' THEN state ELSE ? END, "
            "reply = CASE WHEN subscriber_id IS NULL THEN NULL ELSE ? END, "
            "next_attempt_at = CASE WHEN subscriber_id IS NULL THEN NULL ELSE ? END, "
            "updated_at = ?, attempts = attempts + 1, run_attempts = run_attempts + 1, "
            f"sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE {where}",
            (
                result.outcome.value,
                result.outcome.value,
                result.reply[:1000],
                next_at,
                stamp,
                result.outcome.value,
                stamp,
                *((row_id,) if row_id is not None else (self.slug, subscriber_id)),
            ),
        )

    def summary(self) -> SendSummary:
        counts = {state: 0 for state in STATES}
        for row in self.store.db.execute(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE slug = ? GROUP BY state", (self.slug,)
        ):
            counts[row["state"]] = row["n"]
        failures = [
            (row["email"], row["state"], row["reply"] or "")
            for row in self.store.db.execute(
                "SELECT email, state, reply FROM deliveries WHERE slug = ? AND state IN ('failed_temporary', "
                "'failed_permanent', 'unknown', 'skipped') "
                "ORDER BY state, email",
                (self.slug,),
            )
        ]
        return SendSummary(counts, failures)


class RateLimiter:
    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.next = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now_ = time.monotonic()
        if now_ < self.next:
            time.sleep(self.next - now_)
        self.next = max(now_, self.next) + self.interval


def send_issue(
    store: Store,
    slug: str,
    message: PreparedMessage,
    subject: str,
    connections: list[Connection],
    *,
    build_key: str,
    tokens: Tokens,
    service_url: str,
    sender_address: str,
    rate: float | None = None,
    retry_after: float = 60.0,
    resend_unknown: bool = False,
    accept_rebuild: bool = False,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    return_path: Callable[[int], str] | None = None,
) -> SendSummary:
    """Send (or resume sending) ``slug`` to its frozen recipients; returns the ledger's counts.

    With several connections, each works through its share of a batch in its own thread
    (one waits for the server while another prepares); the ledger's writes take turns.
    Raises SendError (another sender, another build) before anything is sent, and RelayError
    when the relay fails: the send stops, and every row not yet sent stays retryable.
    ``return_path`` gives each subscriber's envelope sender (VERP, generator.send.bounces);
    None: ``sender_address`` for all.
    """
    progress = progress or Progress()
    ledger = Ledger(store, slug)
    db_turn = threading.Lock()
    stop = threading.Event()  # set by the first relay failure: the other connections stop too
    with sender_lock(store.path):
        ledger.check_build(build_key, accept_rebuild)
        ledger.freeze(subject, build_key)
        ledger.recover(resend_unknown)
        limiter = RateLimiter(rate)
        total = ledger.summary()
        progress.started(total.counts["pending"] + total.counts["failed_temporary"])

        def finished(state: str, run_attempts: int) -> bool:
            """Whether a row is done for this run (the progress bar counts rows, not attempts)."""
            return state != Outcome.TEMPORARY.value or run_attempts + 1 >= MAX_ATTEMPTS

        breaker = Breaker()

        def work(connection: Connection, rows: list[tuple[int, str, int]]) -> None:
            for subscriber_id, address, attempts in rows:
                if stop.is_set():
                    return
                with db_turn:
                    limiter.wait()
                result = prepare_and_deliver(connection, subscriber_id, address)
                with db_turn:
                    if result.outcome is not Outcome.SKIPPED:  # a skipped row is recorded already, with its reason
                        ledger.finish(subscriber_id, result, attempts, retry_after)
                    if finished(result.outcome.value, attempts):
                        progress.advanced(result.outcome.value)
                    if breaker.record(subscriber_id, result):
                        stop.set()
                        if breaker.key != "unknown":
                            ledger.reopen(breaker.rows)
                        raise RelayBroken(breaker.message())

        def prepare_and_deliver(connection: Connection, subscriber_id: int, address: str) -> Result:
            # An address stored before the rules of generator.addresses, or a message that does
            # not parse back as intended: that recipient's permanent failure, with the reason.
            problem = address_problem(address)
            if problem is not None:
                return Result(Outcome.PERMANENT, f"not sent by rundbrief: the address {problem}")
            try:
                data = message.personalise(
                    address, unsubscribe_url(service_url, tokens, subscriber_id),
                    message_id=message_id(slug, message.sender_domain),
                )  # fmt: skip
            except MessageError as err:
                return Result(Outcome.PERMANENT, f"not sent by rundbrief: {err}")
            marked = False

            def before_data() -> bool:
                nonlocal marked
                with db_turn:
                    marked = ledger.mark_sending(subscriber_id, build_key)
                return marked

            envelope = return_path(subscriber_id) if return_path is not None else sender_address
            try:
                return connection.deliver(envelope, address, data, before_data=before_data)
            except RelayError:
                stop.set()
                if marked:  # refused at the DATA command itself: nothing was handed over
                    with db_turn:
                        ledger.unmark(subscriber_id)
                raise

        first_of_run = True
        try:
            with ThreadPoolExecutor(max_workers=len(connections)) as pool:
                while not stop.is_set():
                    for _ in range(ledger.skip_gone()):  # left since the send started; mark_sending checks each again
                        progress.advanced(Outcome.SKIPPED.value)
                    batch = ledger.due()
                    if not batch:
                        retry_at = ledger.next_retry()
                        if retry_at is None:
                            break
                        sleep(max(0.0, (retry_at - datetime.now(timezone.utc)).total_seconds()))
                        continue
                    if (
                        first_of_run
                    ):  # alone: a relay that refuses us (login, sender) does it once, not once per connection
                        first_of_run = False
                        work(connections[0], batch[:1])
                        continue
                    shares = [batch[i :: len(connections)] for i in range(len(connections))]
                    futures = [pool.submit(work, c, share) for c, share in zip(connections, shares, strict=True)]
                    errors = [f.exception() for f in futures]
                    for error in errors:
                        if error is not None:
                            raise error
        finally:
            for connection in connections:
                connection.close()
            store.db.execute("PRAGMA synchronous=FULL")
            store.db.execute("PRAGMA wal_checkpoint(FULL)")  # every outcome on disk before we report
        return ledger.summary()
