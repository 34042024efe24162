"""The subscriber store and the send ledger: one SQLite file, outside everything a build
reads, writes or deletes (the content folder, the configured ``site_dir``, ``newsletter/``).

WAL mode with ``synchronous=FULL``: a committed row survives a crash or a power cut, which
the ledger's promise (nobody gets an issue twice, nobody is skipped silently) rests on.
Consent is kept as events (when, how, from where), the proof of double opt-in a public
body must be able to show. The file is created readable by its owner only (0600).

Retention (:meth:`Store.expire`, run by every command that opens the store and by the
subscription service every 10 minutes): a web request that is not confirmed is deleted with its
events after the retention period (``RUNDBRIEF_RETENTION_DAYS``, default 30, at least the 7 days
a confirmation link is valid plus one); a former subscriber who asked again but did not confirm
goes back to ``unsubscribed``; queued confirmation mails and their outcomes are kept as long;
rate-limit counters only until their hour is over.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path

from generator.diagnostics import Diagnostics
from generator.i18n import _
from generator.output import NEWSLETTER_DIR
from generator.send.migrations import MIGRATIONS, SCHEMA, SCHEMA_VERSION

DEFAULT_DB = Path(".rundbrief") / "rundbrief.sqlite"
PENDING_RETENTION = timedelta(days=8)  # a confirmation link is valid 7 days: one more as a margin
DEFAULT_RETENTION = timedelta(days=30)  # RUNDBRIEF_RETENTION_DAYS: how long an unconfirmed sign-up is kept

class StoreError(Exception):
    pass


class Status(str, Enum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"  # refused for good (README, "Bounces"): never sent to again, kept with its history


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    name: str | None
    status: Status
    created_at: str
    confirmed_at: str | None
    unsubscribed_at: str | None


def retention_from_environment() -> timedelta:
    """``RUNDBRIEF_RETENTION_DAYS`` (whole days, default 30): how long an unconfirmed sign-up is kept.
    Never less than ``PENDING_RETENTION``: a request must outlive its confirmation link."""
    text = os.environ.get("RUNDBRIEF_RETENTION_DAYS", "").strip()
    if not text:
        return DEFAULT_RETENTION
    minimum = PENDING_RETENTION.days
    if not (text.isascii() and text.isdigit() and minimum <= int(text) <= 3650):
        raise StoreError(
            _(
                "RUNDBRIEF_RETENTION_DAYS must be a whole number of days from %(minimum)s to 3650 (a "
                "confirmation link is valid 7 days), found %(value)r",
                minimum=minimum,
                value=text[:40],
            )
        )
    return timedelta(days=int(text))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def email_key(address: str) -> str:
    return address.strip().lower()


def lookup_key(address: str) -> str:
    """The key ``address`` is stored under: normalised by the one address rule, as ``import`` and
    the web form store it (a request in the form the mail arrived in, ``xn--`` or NFD, finds it)."""
    from generator.addresses import AddressError, check_address

    try:
        return email_key(check_address(address))
    except AddressError:
        return email_key(address)  # stored before the rule, perhaps: looked up as it is


def published_dirs(project: Path) -> dict[str, Path]:
    """The folders a build reads, publishes or replaces, by the name the editor knows them:
    the content folder (``docs_dir``), the configured ``site_dir``, and ``newsletter/``."""
    from generator.content.settings import CONFIG_FILE, DEFAULT_DOCS_DIR, read_mkdocs_values

    root = project.resolve()
    loaded = read_mkdocs_values(root / CONFIG_FILE, CONFIG_FILE, Diagnostics())
    values = loaded[0] if loaded is not None else {}
    docs_dir = str(values.get("docs_dir") or DEFAULT_DOCS_DIR)
    site_dir = str(values.get("site_dir") or "site")
    folders = {docs_dir: root / docs_dir, site_dir: root / site_dir, NEWSLETTER_DIR: root / NEWSLETTER_DIR}
    return {name.rstrip("/"): path.resolve() for name, path in folders.items()}


def inside_published(project: Path, path: Path) -> str | None:
    """The name of the published folder ``path`` is in (or is), else None."""
    target = path.resolve()
    for name, folder in published_dirs(project).items():
        if target.is_relative_to(folder):
            return name
    return None


def resolve_db(project: Path, explicit: Path | None) -> Path:
    """``--db``, else ``RUNDBRIEF_DB``, else ``.rundbrief/rundbrief.sqlite`` in the project; never in
    published folders. A relative ``--db`` or ``RUNDBRIEF_DB`` is taken from the current folder, as
    every other path on the command line (the CSV file of import, --dry-run)."""
    chosen = explicit or (Path(os.environ["RUNDBRIEF_DB"]) if os.environ.get("RUNDBRIEF_DB") else None)
    path = (chosen if chosen is not None else project / DEFAULT_DB).resolve()
    folder = inside_published(project, path)
    if folder is not None:
        raise StoreError(
            _(
                "the subscriber store must not be inside %(folder)s/ (a build publishes or replaces "
                "that folder, and the subscribers with it): %(path)s",
                folder=folder,
                path=path,
            )
        )
    return path


def _create_private(path: Path) -> None:
    """The store file, readable and writable by its owner only (SQLite gives its -wal and -shm
    files the same mode); an existing one is narrowed to that."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            try:
                path.chmod(0o600)
            except PermissionError:
                pass  # another user's store: reading it is what the file system allows


class Store:
    def __init__(self, path: Path) -> None:
        try:
            _create_private(path)
            self.path = path
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            opened = os.stat(path)
            self.identity = (opened.st_dev, opened.st_ino)  # the file this connection has open
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed: an erased address leaves no trace
            self._migrate()
        except (OSError, sqlite3.Error) as err:
            raise StoreError(_(
                "cannot open the subscriber store %(path)s: %(err)s",
                path=path,
                err=err,
            )) from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                _(
                    "it was made by a newer rundbrief (schema %(version)s, this one knows "
                    "%(schema_version)s)",
                    version=version,
                    schema_version=SCHEMA_VERSION,
                )
            )
        if version == SCHEMA_VERSION:
            return
        self.db.executescript(SCHEMA)
        self.db.execute("PRAGMA foreign_keys=OFF")  # tables are copied and renamed (SQLite's own procedure)
        try:
            with self.transaction() as db:  # one process migrates; the others find it done
                version = db.execute("PRAGMA user_version").fetchone()[0]
                for number, migration in MIGRATIONS:
                    if version < number:
                        for statement in migration.split(";"):
                            if statement.strip():
                                db.execute(statement)
                if version < SCHEMA_VERSION:
                    broken = db.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise sqlite3.DatabaseError(_(
                            "%(n_broken)s rows point at nothing after the migration",
                            n_broken=len(broken),
                        ))
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            self.db.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.db.close()

    def moved(self) -> str | None:
        """Why the path no longer names the file this connection writes into (deleted, replaced,
        moved away: a running service would write sign-ups into a file nobody reads), else None."""
        try:
            current = os.stat(self.path)
        except OSError as err:
            return f"the store {self.path} is gone ({err.strerror or err})"
        if (current.st_dev, current.st_ino) != self.identity:
            return f"the store {self.path} was replaced by another file since the service opened it; restart it"
        return None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- subscribers ----------------------------------------------------------------
    def _subscriber(self, row: sqlite3.Row | None) -> Subscriber | None:
        if row is None:
            return None
        return Subscriber(
            row["id"], row["email"], row["name"], Status(row["status"]), row["created_at"], row["confirmed_at"],
            row["unsubscribed_at"],
        )  # fmt: skip

    def find(self, address: str) -> Subscriber | None:
        row = self.db.execute("SELECT * FROM subscribers WHERE email_key = ?", (lookup_key(address),)).fetchone()
        return self._subscriber(row)

    def get(self, subscriber_id: int) -> Subscriber | None:
        return self._subscriber(self.db.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone())

    def subscribers(self, status: Status | None = None) -> list[Subscriber]:
        query = "SELECT * FROM subscribers" + (" WHERE status = ?" if status else "") + " ORDER BY email_key"
        rows = self.db.execute(query, (status.value,) if status else ())
        return [s for s in map(self._subscriber, rows) if s is not None]

    def count(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for row in self.db.execute("SELECT status, COUNT(*) AS n FROM subscribers GROUP BY status"):
            counts[row["status"]] = row["n"]
        return counts

    def record(
        self,
        db: sqlite3.Connection,
        subscriber_id: int,
        kind: str,
        source: str,
        at: str | None = None,
        detail: str | None = None,
    ) -> None:
        db.execute(
            "INSERT INTO consent_events (subscriber_id, kind, at, source, detail) VALUES (?, ?, ?, ?, ?)",
            (subscriber_id, kind, at or now(), source, detail),
        )

    def add_active(self, db: sqlite3.Connection, address: str, name: str | None, consent_at: str, source: str) -> bool:
        """An imported subscriber whose consent was obtained elsewhere; False if already known."""
        if self.find(address) is not None:
            return False
        cursor = db.execute(
            "INSERT INTO subscribers (email, email_key, name, status, created_at, confirmed_at) VALUES (?, ?, ?, "
            "'active', ?, ?)",
            (address.strip(), email_key(address), name, now(), consent_at),
        )
        assert cursor.lastrowid is not None
        self.record(db, cursor.lastrowid, "imported", source, detail=f"consent {consent_at}")
        return True

    def request(self, address: str, source: str) -> Subscriber:
        """A subscription asked for on the web: pending until confirmed (double opt-in)."""
        with self.transaction() as db:
            return self.request_in(db, address, source)

    def request_in(self, db: sqlite3.Connection, address: str, source: str) -> Subscriber:
        """:meth:`request` inside the caller's transaction (the web service queues the mail in the same one).
        The same statements whether or not the address is known (an upsert, then a read): the
        time the answer takes tells nobody who subscribes."""
        stamp_ = now()
        db.execute(
            "INSERT INTO subscribers (email, email_key, status, created_at, requested_at) VALUES (?, ?, 'pending', "
            "?, ?) "
            "ON CONFLICT (email_key) DO UPDATE SET "  # an active subscriber stays as they are
            "requested_at = CASE WHEN status = 'active' THEN requested_at ELSE excluded.requested_at END, "
            "status = CASE WHEN status = 'active' THEN 'active' ELSE 'pending' END",
            (address.strip(), email_key(address), stamp_, stamp_),
        )
        found = self._subscriber(
            db.execute("SELECT * FROM subscribers WHERE email_key = ?", (email_key(address),)).fetchone()
        )
        assert found is not None
        self.record(db, found.id, "requested", source, at=stamp_)
        return found

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM subscribers WHERE status = 'pending'").fetchone()[0])

    def expire(self, at: datetime | None = None, retention: timedelta | None = None) -> int:
        """Apply the retention rules (module docstring); returns how many requests were deleted.
        ``retention`` None: ``RUNDBRIEF_RETENTION_DAYS`` (StoreError if it is no usable number)."""
        kept = retention if retention is not None else retention_from_environment()
        cutoff = stamp((at or datetime.now(timezone.utc)) - kept)
        with self.transaction() as db:
            stale = "status = 'pending' AND COALESCE(requested_at, created_at) < ?"
            never = [
                row[0]
                for row in db.execute(f"SELECT id FROM subscribers WHERE {stale} AND confirmed_at IS NULL", (cutoff,))
            ]
            for chunk in (never[i : i + 500] for i in range(0, len(never), 500)):
                marks = ",".join("?" * len(chunk))
                db.execute(f"DELETE FROM consent_events WHERE subscriber_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM outbox WHERE subscriber_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM subscribers WHERE id IN ({marks})", chunk)
            # a former subscriber who asked again and did not confirm: back to where they were
            db.execute(
                "UPDATE subscribers SET status = CASE WHEN bounced_at IS NOT NULL THEN 'bounced' ELSE 'unsubscribed' "
                f"END WHERE {stale} AND confirmed_at IS NOT NULL",
                (cutoff,),
            )
            db.execute("DELETE FROM outbox WHERE created_at < ?", (cutoff,))
            db.execute(
                "DELETE FROM rate_limits WHERE window_start < ?",
                (stamp(datetime.now(timezone.utc) - timedelta(hours=1)),),
            )
        return len(never)

    def confirm(self, subscriber_id: int, source: str) -> bool:
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE subscribers SET status = 'active', confirmed_at = ?, unsubscribed_at = NULL, bounced_at = NULL "
                "WHERE id = ? AND status = 'pending'",
                (now(), subscriber_id),
            ).rowcount
            if changed:
                self.record(db, subscriber_id, "confirmed", source)
        return bool(changed)

    def unsubscribe(self, subscriber_id: int, source: str) -> bool:
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status != "
                "'unsubscribed'",
                (now(), subscriber_id),
            ).rowcount
            if changed:
                self.record(db, subscriber_id, "unsubscribed", source)
        return bool(changed)

    def active_addresses(self) -> set[str]:
        return {row["email_key"] for row in self.db.execute("SELECT email_key FROM subscribers")}
