"""Data-subject rights and retention on a real SQLite store, through the command line; and the
migration of a store made before bounces (schema 3)."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from generator.send.migrations import SCHEMA_VERSION
from generator.send.store import Status, Store
from tests.bouncemail import dsn
from tests.emailfixture import built_example
from tests.smtpserver import Behaviour, SmtpServer
from tests.upkeepfixture import import_addresses, rundbrief

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_example(tmp_path_factory.mktemp("privacy"))


def test_a_store_of_schema_3_is_migrated_with_everything_in_it(tmp_path: Path) -> None:
    db = tmp_path / "alt.sqlite"
    with sqlite3.connect(db) as con:
        con.executescript((FIXTURES / "store-v3.sql").read_text())
    store = Store(db)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.count() == {"pending": 1, "active": 2, "unsubscribed": 1, "bounced": 0}
        kinds = [r[0] for r in store.db.execute("SELECT kind FROM consent_events ORDER BY id")]
        assert kinds == ["imported", "imported", "imported", "requested", "unsubscribed"]
        rows = store.db.execute("SELECT subscriber_id, email, state, reply FROM deliveries ORDER BY subscriber_id")
        assert [tuple(r) for r in rows] == [
            (1, "anna@example.net", "sent", "250 2.0.0 Queued"),
            (2, "bert@example.net", "failed_permanent", "550 5.1.1 <bert@example.net>: No such user"),
            (3, "carla@example.net", "skipped", "unsubscribed since the send started"),
        ]
        assert store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1
        # what schema 4 adds works on the migrated rows: a bounced status, bounces, ids never used again
        store.db.execute("UPDATE subscribers SET status = 'bounced' WHERE id = 2")
        store.db.execute("INSERT INTO bounces (slug, subscriber_id, kind, at) VALUES ('2026-02', 2, 'hard', 'now')")
        store.db.execute("DELETE FROM consent_events WHERE subscriber_id = 4")
        store.db.execute("DELETE FROM outbox WHERE subscriber_id = 4")
        store.db.execute("DELETE FROM subscribers WHERE id = 4")  # the highest id
        assert store.request("neu@example.net", "web").id == 5
    finally:
        store.close()
    assert Store(db).find("bert@example.net").status is Status.BOUNCED  # type: ignore[union-attr]


def test_show_erase_and_the_ledger_still_adds_up(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    addresses = ["anna@example.net", "bert@example.net", "carla@example.net", "nie@example.net"]
    import_addresses(example, db, tmp_path, addresses)
    with SmtpServer(Behaviour(permanent={"nie@example.net"})) as server:
        result = rundbrief(example, db, "send", "2026-01", "--yes", env=server.environment())
        assert result.returncode == 2, result.stderr  # nie@ was refused
        paths = {a: v[-1] for a, v in server.recorder.envelope_senders.items()}
    mbox = tmp_path / "b.mbox"
    mbox.write_bytes(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" + dsn(paths["bert@example.net"], "bert@example.net"))
    assert rundbrief(example, db, "bounces", "import", str(mbox)).returncode == 0
    before = rundbrief(example, db, "statistics").stdout.splitlines()[1].split("\t")
    assert before[2:] == ["4", "0", "0", "3", "0", "1", "0", "0", "1", "0"]

    shown = rundbrief(example, db, "subscribers", "show", "BERT@example.net")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:3] == ["address: bert@example.net", "name: ", "status: bounced"]
    assert "consent events (time, kind, source, detail): 2" in lines
    assert any(" imported  import liste.csv:3  consent 2026-01-05" in line for line in lines), lines
    assert "deliveries (send, state, sent, attempts, reply): 1" in lines
    assert any(line.startswith("  2026-01  sent  ") and line.endswith("250 2.0.0 Queued") for line in lines)
    assert "bounces (send, kind, time, source, detail): 1" in lines
    assert "confirmation mails (queued, state, sent, reply): 0" in lines

    refused = rundbrief(example, db, "subscribers", "erase", "bert@example.net")
    assert refused.returncode == 1 and "confirm with --yes" in refused.stderr
    for address in ("bert@example.net", "nie@example.net"):
        erased = rundbrief(example, db, "subscribers", "erase", address, "--yes")
        assert erased.returncode == 0, erased.stderr
    assert erased.stdout.strip() == (
        "rundbrief: erased nie@example.net: the subscriber and 1 consent events deleted; 1 deliveries and 0 bounces "
        "kept without the address, for the statistics"
    )
    # nothing names them any more, anywhere in the file
    for address in ("bert@example.net", "nie@example.net"):
        assert rundbrief(example, db, "subscribers", "show", address).stderr.strip() == (
            f"rundbrief: nothing is stored about {address}"
        )
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        dump = "\n".join(con.iterdump())
        assert "bert@example.net" not in dump and "nie@example.net" not in dump
        anonymous = con.execute("SELECT email, state, reply FROM deliveries WHERE subscriber_id IS NULL ORDER BY state").fetchall()
        assert anonymous == [("(erased)", "failed_permanent", None), ("(erased)", "sent", None)]
    # the statistics of the send stay as they were
    assert rundbrief(example, db, "statistics").stdout.splitlines()[1].split("\t") == before
    status = rundbrief(example, db, "send", "2026-01", "--status").stdout.splitlines()
    assert status[0] == "pending=0 sending=0 sent=3 failed_temporary=0 failed_permanent=1 unknown=0 skipped=0"
    assert "failed_permanent\t(erased)\t" in status and "bounce_hard\t(erased)\t" in status
    # the address may come back as a new subscriber, by import or on the web
    import_addresses(example, db, tmp_path, ["bert@example.net"])
    assert rundbrief(example, db, "subscribers", "show", "bert@example.net").stdout.splitlines()[2] == "status: active"
    unknown = rundbrief(example, db, "subscribers", "erase", "wer@example.net", "--yes")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "rundbrief: nothing is stored about wer@example.net"


def test_unconfirmed_sign_ups_are_deleted_after_the_retention_period_by_any_command(
    example: Path, tmp_path: Path
) -> None:
    db = tmp_path / "abo.sqlite"
    store = Store(db)
    old = store.request("alt@example.net", "web 203.0.113.9")
    store.request("frisch@example.net", "web 203.0.113.9")
    store.db.execute("INSERT INTO outbox (subscriber_id, email_key, created_at, state) VALUES (?, 'alt@example.net', ?, 'sent')",
                     (old.id, (datetime.now(timezone.utc) - timedelta(days=20)).isoformat()))  # fmt: skip
    twenty = (datetime.now(timezone.utc) - timedelta(days=20)).isoformat()
    store.db.execute("UPDATE subscribers SET requested_at = ?, created_at = ? WHERE id = ?", (twenty, twenty, old.id))
    store.close()
    # 20 days: kept under the default of 30
    assert rundbrief(example, db, "subscribers", "count").stdout.strip() == "pending=2 active=0 unsubscribed=0 bounced=0"
    too_short = rundbrief(example, db, "subscribers", "count", env={"RUNDBRIEF_RETENTION_DAYS": "5"})
    assert too_short.returncode == 1 and too_short.stderr.strip() == (
        "rundbrief: RUNDBRIEF_RETENTION_DAYS must be a whole number of days from 8 to 3650 (a confirmation link is "
        "valid 7 days), found '5'"
    )
    shorter = rundbrief(example, db, "subscribers", "list", env={"RUNDBRIEF_RETENTION_DAYS": "14"})
    assert [line.split("\t")[0] for line in shorter.stdout.splitlines()] == ["frisch@example.net"]
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM consent_events WHERE subscriber_id = ?", (old.id,)).fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_an_erased_address_stays_in_no_file_while_the_service_holds_the_store_open(
    example: Path, tmp_path: Path
) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, [f"p{n}@example.net" for n in range(50)] + ["geheim-xyz@example.net"])
    service = Store(db)  # the web service keeps its connection open all the time
    try:
        assert service.find("geheim-xyz@example.net") is not None
        erased = rundbrief(example, db, "subscribers", "erase", "geheim-xyz@example.net", "--yes")
        assert erased.returncode == 0, erased.stderr
        assert "write-ahead log could not be emptied" not in erased.stdout
        # read in another process: closing a file in this one would drop the service connection's POSIX locks
        files = [str(p) for p in tmp_path.iterdir() if p.name.startswith("abo.sqlite")]
        assert len(files) >= 3  # the store, its -wal and -shm
        found = subprocess.run(["grep", "-c", "geheim-xyz", *files], capture_output=True, text=True, check=False)
        assert found.stdout.split() == [f"{f}:0" for f in files], found.stdout
        assert service.find("geheim-xyz@example.net") is None
        # a reader in the middle of a read transaction holds the log: the command says so
        import_addresses(example, db, tmp_path, ["zwei-xyz@example.net"])
        service.db.execute("BEGIN")
        service.db.execute("SELECT COUNT(*) FROM subscribers").fetchone()
        held = rundbrief(example, db, "subscribers", "erase", "zwei-xyz@example.net", "--yes")
        service.db.execute("COMMIT")
        assert held.returncode == 0, held.stderr
        assert "the address stays in the -wal file until the next checkpoint" in held.stdout
    finally:
        service.close()


def test_show_erase_and_remove_find_an_address_in_the_form_the_mail_arrived_in(example: Path, tmp_path: Path) -> None:
    import unicodedata

    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["jörg@müller.example", "eva@xn--bcher-kva.example"])
    nfd = unicodedata.normalize("NFD", "Jörg@xn--mller-kva.example")
    shown = rundbrief(example, db, "subscribers", "show", nfd)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "address: jörg@müller.example"
    assert rundbrief(example, db, "subscribers", "remove", "eva@XN--BCHER-KVA.example").returncode == 0
    assert rundbrief(example, db, "subscribers", "erase", nfd, "--yes").returncode == 0
    assert rundbrief(example, db, "subscribers", "list").stdout.split("\t")[:2] == ["eva@bücher.example", "unsubscribed"]


def test_a_very_long_value_is_cut_in_the_one_line_error(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    Store(db).close()
    result = rundbrief(example, db, "subscribers", "show", "x" * 100_000 + "@example.net")
    assert result.returncode == 1
    assert len(result.stderr) < 500 and result.stderr.strip().endswith("... (100012 characters)")
