"""Sending for real: a real sender process, a real SMTP server on loopback, a real SQLite ledger."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from generator.send.sender import sender_lock
from tests.emailfixture import built_example, run
from tests.smtpserver import Behaviour, SmtpServer

SECRET = "test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_example(tmp_path_factory.mktemp("send"))


def cli(example: Path, db: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, RUNDBRIEF_SECRET=SECRET, **(env or {}))
    command = [sys.executable, "-m", "generator", *args[:1], *(["--project", str(example), "--db", str(db)] if args[0] != "subscribers" else []), *args[1:]]
    if args[0] == "subscribers":
        command = [sys.executable, "-m", "generator", "subscribers", args[1], "--project", str(example), "--db", str(db), *args[2:]]
    return subprocess.run(command, capture_output=True, text=True, env=environment, input=stdin, timeout=300, check=False)


def import_subscribers(example: Path, db: Path, tmp_path: Path, addresses: list[str]) -> None:
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text("email,name,consent\n" + "".join(f"{a},Leser {i},2026-01-{1 + i % 28:02d}\n" for i, a in enumerate(addresses)), encoding="utf-8")
    result = cli(example, db, "subscribers", "import", str(csv_file))
    assert result.returncode == 0, result.stderr


def ledger(db: Path, slug: str = "2026-02") -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as con:
        return {row[0]: (row[1], row[2] or "") for row in con.execute("SELECT email, state, reply FROM deliveries WHERE slug = ?", (slug,))}


# -- subscribers -------------------------------------------------------------------------------
def test_import_reports_bad_rows_and_imports_nothing(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    bad = tmp_path / "liste.csv"
    bad.write_text("email;name;consent\nanna@example.org;Anna;2026-01-05\nkein-at-zeichen;Max;2026-01-05\nbert@example.org;Bert;gestern\n", encoding="utf-8")
    result = cli(example, db, "subscribers", "import", str(bad))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f'{bad}:3: email: not a valid address, found "kein-at-zeichen"')
    assert lines[1] == f'{bad}:4: consent: expected the date of consent (YYYY-MM-DD), found "gestern"'
    assert lines[2] == f"rundbrief: nothing was imported: 2 problems in {bad}"
    assert cli(example, db, "subscribers", "count").stdout.strip() == "pending=0 active=0 unsubscribed=0"


def test_import_dedupes_lists_exports_and_removes(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text("email,name,consent,source\nAnna@Example.org,Anna,2026-01-05,Formular Rathaus\nanna@example.org,Anna,2026-01-05,\nbert@example.org,,05.01.2026,\n", encoding="utf-8")
    result = cli(example, db, "subscribers", "import", str(csv_file))
    assert result.stdout.strip() == "rundbrief: imported 2 subscribers (0 already known, 1 duplicates in the file)"
    again = cli(example, db, "subscribers", "import", str(csv_file))
    assert again.stdout.strip() == "rundbrief: imported 0 subscribers (2 already known, 1 duplicates in the file)"
    assert [line.split("\t")[:2] for line in cli(example, db, "subscribers", "list").stdout.splitlines()] == [
        ["Anna@example.org", "active"], ["bert@example.org", "active"]
    ]
    assert cli(example, db, "subscribers", "remove", "ANNA@example.org").stdout.strip() == "rundbrief: Anna@example.org unsubscribed"
    assert cli(example, db, "subscribers", "count").stdout.strip() == "pending=0 active=1 unsubscribed=1"
    exported = cli(example, db, "subscribers", "export").stdout.splitlines()
    assert exported[0] == "email,name,status,created,confirmed,unsubscribed"
    assert exported[1].startswith("Anna@example.org,Anna,unsubscribed,") and exported[2].startswith("bert@example.org,,active,")
    with sqlite3.connect(db) as con:  # the proof of consent stays
        kinds = [row[0] for row in con.execute("SELECT kind FROM consent_events ORDER BY id")]
        sources = [row[0] for row in con.execute("SELECT source FROM consent_events WHERE kind = 'imported' ORDER BY id")]
    assert kinds == ["imported", "imported", "unsubscribed"]
    assert sources == ["Formular Rathaus", "import liste.csv:4"]


def test_store_is_never_inside_published_folders(example: Path) -> None:
    for inside in ("content/abo.sqlite", "site/abo.sqlite", "newsletter/x/abo.sqlite"):
        result = cli(example, example / inside, "subscribers", "count")
        assert result.returncode == 1
        assert "the subscriber store must not be inside" in result.stderr


# -- sending -----------------------------------------------------------------------------------
def test_send_delivers_each_exactly_once_with_a_personal_unsubscribe_link(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i}@example.net" for i in range(25)]
    import_subscribers(example, db, tmp_path, addresses)
    with SmtpServer() as server:
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == "pending=0 sending=0 sent=25 failed_temporary=0 failed_permanent=0 unknown=0"
        assert server.recorder.counts() == {a: 1 for a in addresses}
        links = set()
        for a in addresses:
            message = server.recorder.message(a)
            assert message["To"] == a and message["Subject"] == "Newsletter 02.2026: Kick-off & Kreativ-Gruppe"
            unsubscribe = re.fullmatch(r"<(https://zukunftswerkstatt\.example\.org/abo/abmelden\?t=[^>]+)>, <mailto:[^>]+>", message["List-Unsubscribe"])
            assert unsubscribe is not None
            url = unsubscribe.group(1)
            plain, html = (p.get_content() for p in message.iter_parts())
            assert url in plain and url.replace("&", "&amp;") in html and "%%" not in plain + html
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            links.add(url)
        assert len(links) == 25  # one token per subscriber
        again = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert again.returncode == 0
        assert server.recorder.total == 25  # a finished send sends nothing twice


def test_failures_are_recorded_retried_and_reported(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i:02d}@example.net" for i in range(30)]
    import_subscribers(example, db, tmp_path, addresses)
    behaviour = Behaviour(
        temporary={"leser03@example.net": 2}, permanent={"leser07@example.net"},
        drop_rcpt_after=5, drop_data_after=12, close_421_after=18,
    )  # fmt: skip
    with SmtpServer(behaviour) as server:
        result = cli(example, db, "send", "2026-02", "--yes", "--retry-after", "0.05", env=server.environment())
        rows = ledger(db)
        counts = server.recorder.counts()
        unknown = [a for a, (state, _) in rows.items() if state == "unknown"]
        assert rows["leser07@example.net"] == ("failed_permanent", "550 5.1.1 No such user")
        assert rows["leser03@example.net"][0] == "sent" and counts["leser03@example.net"] == 1  # retried after 451
        assert len(unknown) == 1 and counts[unknown[0]] == 1  # the server got it; the sender cannot know
        for a in addresses:
            if a not in unknown and a != "leser07@example.net":
                assert rows[a][0] == "sent" and counts[a] == 1, a
        assert result.returncode == 0, result.stderr
        status = cli(example, db, "send", "2026-02", "--status").stdout.splitlines()
        assert status[0] == "pending=0 sending=0 sent=28 failed_temporary=0 failed_permanent=1 unknown=1"
        assert f"failed_permanent\tleser07@example.net\t550 5.1.1 No such user" in status
        assert any(line.startswith(f"unknown\t{unknown[0]}\tconnection lost during DATA") for line in status)
        resend = cli(example, db, "send", "2026-02", "--yes", "--resend-unknown", env=server.environment())
        assert resend.returncode == 0
        assert ledger(db)[unknown[0]][0] == "sent" and server.recorder.counts()[unknown[0]] == 2  # the operator chose to


def test_sigkill_mid_send_then_resume(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i:02d}@example.net" for i in range(60)]
    import_subscribers(example, db, tmp_path, addresses)
    with SmtpServer(Behaviour(delay=0.03)) as server:
        environment = dict(os.environ, RUNDBRIEF_SECRET=SECRET, **server.environment())
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "send", "2026-02", "--yes", "--project", str(example), "--db", str(db)],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        server.wait_for(20)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        before = server.recorder.counts()
        resumed = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert resumed.returncode == 0, resumed.stderr
        rows, counts = ledger(db), server.recorder.counts()
        unknown = [a for a, (state, _) in rows.items() if state == "unknown"]
        assert len(unknown) <= 2  # at most the messages in flight at the kill: one per connection (2)
        for a in addresses:
            if a in unknown:
                assert counts[a] <= 1 and counts[a] == before[a]
            else:
                assert rows[a][0] == "sent" and counts[a] == 1, (a, rows[a], counts[a])
        assert sum(before.values()) >= 20 and sum(counts.values()) == len(addresses) - len(unknown) + sum(before[a] for a in unknown)


def test_only_one_sender_at_a_time(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net"])
    with SmtpServer() as server, sender_lock(db):
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert result.returncode != 0
        assert "another sender is running" in result.stderr
        assert server.recorder.total == 0


def test_send_asks_first_and_refuses_without_a_terminal(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net", "b@example.net"])
    with SmtpServer() as server:
        result = cli(example, db, "send", "2026-02", env=server.environment(), stdin="")
        assert result.returncode == 1
        assert result.stderr.strip() == "rundbrief: 2 messages would be sent; confirm with --yes (no terminal to ask on)"
        assert server.recorder.total == 0 and ledger(db) == {}


def test_dry_run_and_test_send_stay_outside_the_ledger(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net", "b@example.net"])
    out = tmp_path / "trocken"
    result = cli(example, db, "send", "2026-02", "--dry-run", str(out))
    assert result.stdout.strip() == f"rundbrief: wrote 2 messages to {out} (nothing was sent)"
    assert sorted(p.name for p in out.iterdir()) == ["000001.eml", "000002.eml"]
    assert b"To: a@example.net" in (out / "000001.eml").read_bytes()
    refused = cli(example, db, "send", "2026-02", "--dry-run", str(example / "site" / "x"))
    assert refused.returncode == 1 and "must not write into site/" in refused.stderr
    with SmtpServer() as server:
        test = cli(example, db, "send", "2026-02", "--test", "redaktion@example.org", env=server.environment())
        assert test.returncode == 0, test.stderr
        assert server.recorder.message("redaktion@example.org")["Subject"] == "[TEST] Newsletter 02.2026: Kick-off & Kreativ-Gruppe"
    assert ledger(db) == {}


def test_rate_cap_spaces_messages(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, [f"r{i}@example.net" for i in range(12)])
    with SmtpServer() as server:
        assert cli(example, db, "send", "2026-02", "--yes", "--rate", "20", env=server.environment()).returncode == 0
    from datetime import datetime

    with sqlite3.connect(db) as con:
        stamps = sorted(datetime.fromisoformat(r[0]) for r in con.execute("SELECT sent_at FROM deliveries"))
    # 20 per second: a message starts every 50 ms at the most. Finishing times (what the ledger
    # records) jitter by a message's delivery time, and the first ones also open connections.
    assert (stamps[-1] - stamps[0]).total_seconds() >= (len(stamps) - 3) * 0.05


def test_send_needs_secret_smtp_and_a_current_build(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    no_secret = subprocess.run(
        [sys.executable, "-m", "generator", "send", "2026-02", "--yes", "--project", str(example), "--db", str(db)],
        capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "RUNDBRIEF_SECRET"}, check=False,
    )  # fmt: skip
    assert no_secret.stderr.strip() == "rundbrief: RUNDBRIEF_SECRET must be set to a random secret of at least 16 characters"
    no_smtp = cli(example, db, "send", "2026-02", "--yes", env={"RUNDBRIEF_SMTP_HOST": ""})
    assert no_smtp.stderr.strip().startswith("rundbrief: RUNDBRIEF_SMTP_HOST is not set")
    draft = cli(example, db, "send", "2027-01", "--yes")
    assert draft.stderr.strip() == "rundbrief: 2027-01 is a draft; drafts are never sent (only --test or --dry-run)"
    issue = example / "content" / "newsletter" / "2026-02.md"
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.replace("Wie Sie mitmachen", "Wie Sie jetzt mitmachen"), encoding="utf-8")
    try:
        stale = cli(example, db, "send", "2026-02", "--yes")
        assert stale.stderr.strip() == "rundbrief: newsletter/2026-02/ is older than its content or templates; run rundbrief build first"
    finally:
        issue.write_text(original, encoding="utf-8")


def test_build_fails_when_a_subscriber_address_would_be_published(example: Path, tmp_path: Path) -> None:
    default_db = example / ".rundbrief" / "rundbrief.sqlite"
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text("email,consent\nheimlich@example.net,2026-01-01\nanna.muster@example.org,2026-01-01\n", encoding="utf-8")
    assert cli(example, default_db, "subscribers", "import", str(csv_file)).returncode == 0
    page = example / "content" / "kontakt.md"
    original = page.read_text(encoding="utf-8")
    try:
        assert run("build", "--project", str(example)).returncode == 0  # a published contact's address is fine
        page.write_text(original + "\nFragen an heimlich@example.net\n", encoding="utf-8")
        result = run("build", "--project", str(example))
        assert result.returncode == 1
        assert "site/kontakt/index.html: error: a subscriber's address is in the build output: heimlich@example.net" in result.stderr
        assert "heimlich" not in (example / "site" / "kontakt" / "index.html").read_text(encoding="utf-8")
    finally:
        page.write_text(original, encoding="utf-8")
        default_db.unlink()
        for extra in default_db.parent.glob("rundbrief.sqlite*"):
            extra.unlink()
