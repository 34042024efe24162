"""The subscriber store and the send ledger: one SQLite file, outside content/, site/ and newsletter/.

WAL mode with ``synchronous=FULL``: a committed row survives a crash or a power cut, which
the ledger's promise (nobody gets an issue twice, nobody is skipped silently) rests on.
Consent is kept as events (when, how, from where), the proof of double opt-in a public
body must be able to show.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

DEFAULT_DB = Path(".rundbrief") / "rundbrief.sqlite"
FORBIDDEN_DIRS = ("content", "site", "newsletter")

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,          -- lower-cased: one subscriber per address
    name TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    unsubscribed_at TEXT
);
CREATE TABLE IF NOT EXISTS consent_events (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
    kind TEXT NOT NULL CHECK (kind IN ('imported', 'requested', 'confirmed', 'unsubscribed', 'removed')),
    at TEXT NOT NULL,
    source TEXT,                             -- "import liste.csv:12", "web 203.0.113.9", ...
    detail TEXT
);
CREATE TABLE IF NOT EXISTS sends (
    slug TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    started_at TEXT NOT NULL,
    recipients INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    slug TEXT NOT NULL REFERENCES sends(slug),
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
    email TEXT NOT NULL,                     -- frozen when the send started
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed_temporary', 'failed_permanent', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (slug, subscriber_id)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (slug, state);
"""


class StoreError(Exception):
    pass


class Status(str, Enum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    name: str | None
    status: Status
    created_at: str
    confirmed_at: str | None
    unsubscribed_at: str | None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def email_key(address: str) -> str:
    return address.strip().lower()


def resolve_db(project: Path, explicit: Path | None) -> Path:
    """``--db``, else ``RUNDBRIEF_DB``, else ``.rundbrief/rundbrief.sqlite``; never in published folders."""
    chosen = explicit or (Path(os.environ["RUNDBRIEF_DB"]) if os.environ.get("RUNDBRIEF_DB") else None)
    path = (chosen if chosen and chosen.is_absolute() else project / (chosen or DEFAULT_DB)).resolve()
    root = project.resolve()
    for folder in FORBIDDEN_DIRS:
        if path.is_relative_to(root / folder):
            raise StoreError(f"the subscriber store must not be inside {folder}/ (it would be published): {path}")
    return path


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

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
        row = self.db.execute("SELECT * FROM subscribers WHERE email_key = ?", (email_key(address),)).fetchone()
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

    def record(self, db: sqlite3.Connection, subscriber_id: int, kind: str, source: str, at: str | None = None, detail: str | None = None) -> None:
        db.execute(
            "INSERT INTO consent_events (subscriber_id, kind, at, source, detail) VALUES (?, ?, ?, ?, ?)",
            (subscriber_id, kind, at or now(), source, detail),
        )

    def add_active(self, db: sqlite3.Connection, address: str, name: str | None, consent_at: str, source: str) -> bool:
        """An imported subscriber whose consent was obtained elsewhere; False if already known."""
        if self.find(address) is not None:
            return False
        cursor = db.execute(
            "INSERT INTO subscribers (email, email_key, name, status, created_at, confirmed_at) VALUES (?, ?, ?, 'active', ?, ?)",
            (address.strip(), email_key(address), name, now(), consent_at),
        )
        assert cursor.lastrowid is not None
        self.record(db, cursor.lastrowid, "imported", source, detail=f"consent {consent_at}")
        return True

    def request(self, address: str, source: str) -> Subscriber:
        """A subscription asked for on the web: pending until confirmed (double opt-in)."""
        with self.transaction() as db:
            known = self.find(address)
            if known is None:
                cursor = db.execute(
                    "INSERT INTO subscribers (email, email_key, status, created_at) VALUES (?, ?, 'pending', ?)",
                    (address.strip(), email_key(address), now()),
                )
                assert cursor.lastrowid is not None
                subscriber_id = cursor.lastrowid
            else:
                subscriber_id = known.id
                if known.status is Status.UNSUBSCRIBED:
                    db.execute("UPDATE subscribers SET status = 'pending' WHERE id = ?", (subscriber_id,))
            self.record(db, subscriber_id, "requested", source)
        found = self.get(subscriber_id)
        assert found is not None
        return found

    def confirm(self, subscriber_id: int, source: str) -> bool:
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE subscribers SET status = 'active', confirmed_at = ?, unsubscribed_at = NULL "
                "WHERE id = ? AND status = 'pending'",
                (now(), subscriber_id),
            ).rowcount
            if changed:
                self.record(db, subscriber_id, "confirmed", source)
        return bool(changed)

    def unsubscribe(self, subscriber_id: int, source: str) -> bool:
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status != 'unsubscribed'",
                (now(), subscriber_id),
            ).rowcount
            if changed:
                self.record(db, subscriber_id, "unsubscribed", source)
        return bool(changed)

    def active_addresses(self) -> set[str]:
        return {row["email_key"] for row in self.db.execute("SELECT email_key FROM subscribers")}
