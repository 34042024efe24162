"""Sending for real: a real sender process, a real SMTP server on loopback, a real SQLite ledger."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.manifest import read_key
from generator.send.sender import sender_lock
from generator.send.store import Store
from tests.emailfixture import built_example, run
from tests.smtpserver import Behaviour, RawSmtpServer, SmtpServer, free_port

SECRET = "test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_example(tmp_path_factory.mktemp("send"))


def cli(
    example: Path, db: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, RUNDBRIEF_SECRET=SECRET, **(env or {}))
    command = [
        sys.executable,
        "-m",
        "generator",
        *args[:1],
        *(["--project", str(example), "--db", str(db)] if args[0] != "subscribers" else []),
        *args[1:],
    ]
    if args[0] == "subscribers":
        command = [
            sys.executable,
            "-m",
            "generator",
            "subscribers",
            args[1],
            "--project",
            str(example),
            "--db",
            str(db),
            *args[2:],
        ]
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, input=stdin, timeout=300, check=False
    )


def import_subscribers(example: Path, db: Path, tmp_path: Path, addresses: list[str]) -> None:
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text(
        "email,name,consent\n" + "".join(f"{a},Leser {i},2026-01-{1 + i % 28:02d}\n" for i, a in enumerate(addresses)),
        encoding="utf-8",
    )
    result = cli(example, db, "subscribers", "import", str(csv_file))
    assert result.returncode == 0, result.stderr


def ledger(db: Path, slug: str = "2026-02") -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as con:
        return {
            row[0]: (row[1], row[2] or "")
            for row in con.execute("SELECT email, state, reply FROM deliveries WHERE slug = ?", (slug,))
        }


# -- subscribers -------------------------------------------------------------------------------
def test_import_reports_bad_rows_and_imports_nothing(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    bad = tmp_path / "liste.csv"
    bad.write_text(
        "email;name;consent\nanna@example.org;Anna;2026-01-05\nkein-at-zeichen;Max;2026-01-05\nbert@example.org;Bert;gestern\n",
        encoding="utf-8",
    )
    result = cli(example, db, "subscribers", "import", str(bad))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f'{bad}:3: email: not a valid address, found "kein-at-zeichen"')
    assert lines[1] == f'{bad}:4: consent: expected the date of consent (YYYY-MM-DD), found "gestern"'
    assert lines[2] == f"rundbrief: nothing was imported: 2 problems in {bad}"
    assert cli(example, db, "subscribers", "count").stdout.strip() == "pending=0 active=0 unsubscribed=0 bounced=0"


def test_import_dedupes_lists_exports_and_removes(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text(
        "email,name,consent,source\nAnna@Example.org,Anna,2026-01-05,Formular Rathaus\nanna@example.org,Anna,2026-01-05,\nbert@example.org,,05.01.2026,\n",
        encoding="utf-8",
    )
    result = cli(example, db, "subscribers", "import", str(csv_file))
    assert result.stdout.strip() == "rundbrief: imported 2 subscribers (0 already known, 1 duplicates in the file)"
    again = cli(example, db, "subscribers", "import", str(csv_file))
    assert again.stdout.strip() == "rundbrief: imported 0 subscribers (2 already known, 1 duplicates in the file)"
    assert [line.split("\t")[:2] for line in cli(example, db, "subscribers", "list").stdout.splitlines()] == [
        ["Anna@example.org", "active"],
        ["bert@example.org", "active"],
    ]
    assert (
        cli(example, db, "subscribers", "remove", "ANNA@example.org").stdout.strip()
        == "rundbrief: Anna@example.org unsubscribed"
    )
    assert cli(example, db, "subscribers", "count").stdout.strip() == "pending=0 active=1 unsubscribed=1 bounced=0"
    exported = cli(example, db, "subscribers", "export").stdout.splitlines()
    assert exported[0] == "email,name,status,created,confirmed,unsubscribed"
    assert exported[1].startswith("Anna@example.org,Anna,unsubscribed,") and exported[2].startswith(
        "bert@example.org,,active,"
    )
    with sqlite3.connect(db) as con:  # the proof of consent stays
        kinds = [row[0] for row in con.execute("SELECT kind FROM consent_events ORDER BY id")]
        sources = [
            row[0] for row in con.execute("SELECT source FROM consent_events WHERE kind = 'imported' ORDER BY id")
        ]
    assert kinds == ["imported", "imported", "unsubscribed"]
    assert sources == ["Formular Rathaus", "import liste.csv:4"]


def test_store_is_never_inside_published_folders(example: Path) -> None:
    for inside in ("content/abo.sqlite", "site/abo.sqlite", "newsletter/x/abo.sqlite"):
        result = cli(example, example / inside, "subscribers", "count")
        assert result.returncode == 1
        assert "the subscriber store must not be inside" in result.stderr
        assert not (example / inside).exists()


# -- sending -----------------------------------------------------------------------------------
def test_send_delivers_each_exactly_once_with_a_personal_unsubscribe_link(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i}@example.net" for i in range(25)]
    import_subscribers(example, db, tmp_path, addresses)
    with SmtpServer() as server:
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert result.returncode == 0, result.stderr
        assert (
            result.stdout.splitlines()[0]
            == "pending=0 sending=0 sent=25 failed_temporary=0 failed_permanent=0 unknown=0 skipped=0"
        )
        assert server.recorder.counts() == {a: 1 for a in addresses}
        links = set()
        for a in addresses:
            message = server.recorder.message(a)
            assert message["To"] == a and message["Subject"] == "Newsletter 02.2026: Kick-off & Kreativ-Gruppe"
            unsubscribe = re.fullmatch(
                r"<(https://zukunftswerkstatt\.example\.org/abo/abmelden\?t=[^>]+)>, <mailto:[^>]+>",
                message["List-Unsubscribe"],
            )
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
        assert result.returncode == 2, result.stderr  # ran to the end, but not every recipient has "sent"
        # the progress bar counts recipients, not attempts: retries never take it past its total
        assert all(int(done) <= 30 for done in re.findall(r"(\d+)/30\b", result.stderr)), result.stderr
        status = cli(example, db, "send", "2026-02", "--status").stdout.splitlines()
        assert status[0] == "pending=0 sending=0 sent=28 failed_temporary=0 failed_permanent=1 unknown=1 skipped=0"
        assert "failed_permanent\tleser07@example.net\t550 5.1.1 No such user" in status
        assert any(line.startswith(f"unknown\t{unknown[0]}\tconnection lost during DATA") for line in status)
        resend = cli(example, db, "send", "2026-02", "--yes", "--resend-unknown", env=server.environment())
        assert resend.returncode == 2  # leser07 still has not got it
        assert (
            ledger(db)[unknown[0]][0] == "sent" and server.recorder.counts()[unknown[0]] == 2
        )  # the operator chose to


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
        time.sleep(0.3)  # a message in flight at the kill still reaches the server (its 30 ms delay)
        before = server.recorder.counts()
        resumed = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        rows, counts = ledger(db), server.recorder.counts()
        unknown = [a for a, (state, _) in rows.items() if state == "unknown"]
        assert resumed.returncode == (2 if unknown else 0), resumed.stderr  # an unknown row waits for a person
        assert len(unknown) <= 2  # at most the messages in flight at the kill: one per connection (2)
        for a in addresses:
            if a in unknown:
                assert counts[a] <= 1 and counts[a] == before[a]
            else:
                assert rows[a][0] == "sent" and counts[a] == 1, (a, rows[a], counts[a])
        assert sum(before.values()) >= 20 and sum(counts.values()) == len(addresses) - len(unknown) + sum(
            before[a] for a in unknown
        )


def test_only_one_sender_at_a_time(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net"])
    with SmtpServer() as server, sender_lock(db):
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert result.returncode == 1
        assert (
            result.stderr.strip() == f"rundbrief: another sender is running on {db} (lock {db}.send-lock)"
        )  # no traceback
        assert server.recorder.total == 0


def test_send_asks_first_and_refuses_without_a_terminal(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net", "b@example.net"])
    with SmtpServer() as server:
        result = cli(example, db, "send", "2026-02", env=server.environment(), stdin="")
        assert result.returncode == 1
        assert (
            result.stderr.strip() == "rundbrief: 2 messages would be sent; confirm with --yes (no terminal to ask on)"
        )
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
        assert (
            server.recorder.message("redaktion@example.org")["Subject"]
            == "[TEST] Newsletter 02.2026: Kick-off & Kreativ-Gruppe"
        )
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
    assert (
        no_secret.stderr.strip()
        == "rundbrief: RUNDBRIEF_SECRET must be set to a random secret of at least 16 characters"
    )
    no_smtp = cli(example, db, "send", "2026-02", "--yes", env={"RUNDBRIEF_SMTP_HOST": ""})
    assert no_smtp.stderr.strip().startswith("rundbrief: RUNDBRIEF_SMTP_HOST is not set")
    draft = cli(example, db, "send", "2027-01", "--yes")
    assert draft.stderr.strip() == "rundbrief: 2027-01 is a draft; drafts are never sent (only --test or --dry-run)"
    issue = example / "content" / "newsletter" / "2026-02.md"
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.replace("Wie Sie mitmachen", "Wie Sie jetzt mitmachen"), encoding="utf-8")
    try:
        stale = cli(example, db, "send", "2026-02", "--yes")
        assert (
            stale.stderr.strip()
            == "rundbrief: newsletter/2026-02/ is older than its content or templates; run rundbrief build first"
        )
    finally:
        issue.write_text(original, encoding="utf-8")


def test_build_fails_when_a_subscriber_address_would_be_published(example: Path, tmp_path: Path) -> None:
    default_db = example / ".rundbrief" / "rundbrief.sqlite"
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text(
        "email,consent\nheimlich@example.net,2026-01-01\nanna.muster@example.org,2026-01-01\n", encoding="utf-8"
    )
    assert cli(example, default_db, "subscribers", "import", str(csv_file)).returncode == 0
    page = example / "content" / "kontakt.md"
    original = page.read_text(encoding="utf-8")
    try:
        assert run("build", "--project", str(example)).returncode == 0  # a published contact's address is fine
        page.write_text(original + "\nFragen an heimlich@example.net\n", encoding="utf-8")
        result = run("build", "--project", str(example))
        assert result.returncode == 1
        assert (
            "site/kontakt/index.html: error: a subscriber's address is in the build output: heimlich@example.net"
            in result.stderr
        )
        assert "heimlich" not in (example / "site" / "kontakt" / "index.html").read_text(encoding="utf-8")
    finally:
        page.write_text(original, encoding="utf-8")
        default_db.unlink()
        for extra in default_db.parent.glob("rundbrief.sqlite*"):
            extra.unlink()


# -- issue 10: every entry point refuses addresses that could reach a header ---------------------
ATTACK = "=?UTF-8?B?eA0KQmNjOiBvcGZlckBib2VzZS5leGFtcGxl?=@example.org"  # x CR LF "Bcc: opfer@boese.example"


def test_import_and_test_send_refuse_encoded_words_and_line_separators(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text(
        f'email,consent\n{ATTACK},2026-01-05\n"le\u2028ser@example.org",2026-01-05\nok@example.org,2026-01-05\n',
        encoding="utf-8",
    )
    result = cli(example, db, "subscribers", "import", str(csv_file))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (f'{csv_file}:2: email: not a valid address, found "{ATTACK}" (holds "=?", the start of an RFC 2047 '
                        "encoded word, which mail software decodes into header text)")  # fmt: skip
    assert lines[1].startswith(
        f'{csv_file}:3: email: not a valid address, found "le\\u2028ser@example.org" (holds the character U+2028'
    )
    with SmtpServer() as server:
        test = cli(example, db, "send", "2026-02", "--test", ATTACK, env=server.environment())
        assert test.returncode == 1 and test.stderr.startswith(
            f'rundbrief: --test {ATTACK!r} is not a usable address: holds "=?"'
        )
        assert server.recorder.total == 0 and server.recorder.mail_commands == 0


def test_titles_and_names_hiding_headers_are_sent_with_exactly_the_intended_headers(tmp_path: Path) -> None:
    """The title, sender.name and newsletter_name each hide a Bcc in an encoded word; the copies
    a real server receives have exactly rundbrief's headers (Python 3.11.7 wrote the Bcc)."""
    from tests.emailfixture import copy_example

    root = copy_example(tmp_path / "example")
    hidden = ATTACK.split("@")[0]
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace(
            "newsletter_name: Newsletter der Zukunftswerkstatt Kommunen", f'newsletter_name: "Newsletter {hidden}"'
        )
        .replace("name: Zukunftswerkstatt Kommunen\n", f'name: "Zukunftswerkstatt {hidden}"\n'),
        encoding="utf-8",
    )
    issue = root / "content" / "newsletter" / "2026-02.md"
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("title: Kick-off & Kreativ-Gruppe", f'title: "Kick-off {hidden}"'),
        encoding="utf-8",
    )
    assert run("build", "--project", str(root)).returncode == 0
    db = tmp_path / "db.sqlite"
    import_subscribers(root, db, tmp_path, ["a@example.net", "b@example.net"])
    with SmtpServer() as server:
        result = cli(root, db, "send", "2026-02", "--yes", env=server.environment())
        assert result.returncode == 0, result.stderr
        assert server.recorder.counts() == {"a@example.net": 1, "b@example.net": 1}
        for address in ("a@example.net", "b@example.net"):
            message = server.recorder.message(address)
            assert sorted(k.lower() for k in message) == sorted([
                "subject", "from", "to", "reply-to", "date", "message-id", "list-id", "list-unsubscribe",
                "list-unsubscribe-post", "content-type", "mime-version",
            ])  # fmt: skip
            assert message["To"] == address and "\n" not in str(message["Subject"]) + str(message["From"]) + str(
                message["List-Id"]
            )


# -- issue 10: the reply after DATA -------------------------------------------------------------
def test_a_refusal_after_the_message_body_is_no_sent_message(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    addresses = ["a@example.net", "spaeter@example.net", "nie@example.net"]
    import_subscribers(example, db, tmp_path, addresses)
    behaviour = Behaviour(
        data_replies={
            "spaeter@example.net": ["451 4.3.0 Try again later"],
            "nie@example.net": ["554 5.7.1 Message rejected as spam"],
        }
    )
    with SmtpServer(behaviour) as server:
        result = cli(example, db, "send", "2026-02", "--yes", "--retry-after", "0.05", env=server.environment())
        assert result.returncode == 2, result.stderr
        assert ledger(db) == {
            "a@example.net": ("sent", "250 2.0.0 Queued"),
            "spaeter@example.net": ("sent", "250 2.0.0 Queued"),  # 451 after DATA: retried
            "nie@example.net": ("failed_permanent", "after the message: 554 5.7.1 Message rejected as spam"),
        }
        assert server.recorder.counts() == {"a@example.net": 1, "spaeter@example.net": 1}
        assert server.recorder.refused_after_data == {"spaeter@example.net": 1, "nie@example.net": 1}
        status = cli(example, db, "send", "2026-02", "--status").stdout.splitlines()
        assert status == [
            "pending=0 sending=0 sent=2 failed_temporary=0 failed_permanent=1 unknown=0 skipped=0",
            "failed_permanent\tnie@example.net\tafter the message: 554 5.7.1 Message rejected as spam",
            "bounces: hard=0 soft=0",
        ]


# -- issue 10: failures of the relay are not failures of the recipients ---------------------------
RELAY_CASES = {
    "login refused": (
        Behaviour(login=("versand", "richtig")),
        {"user": "versand", "password": "falsch"},
        "the SMTP server refused the login of 'versand': 535 5.7.8 Authentication credentials invalid; "
        "check RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD",
    ),
    "login demanded": (
        Behaviour(mail_reply="530 5.7.0 Authentication required"),
        {},
        "the SMTP server demands a login (MAIL FROM: 530 5.7.0 Authentication required); "
        "check RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD",
    ),
    "sender refused": (
        Behaviour(mail_reply="553 5.7.1 Sender address rejected: not owned by user"),
        {},
        # the return path carries the bounce token (VERP, README "Bounces")
        "the SMTP server refused the sender wiralle@example.org as the return path wiralle+rb-{token}@example.org "
        "(MAIL FROM: 553 5.7.1 Sender address rejected: not owned by user); check plugins.rundbrief.sender in mkdocs.yml and "
        "whether RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD may send as it; a relay that takes only the plain sender "
        "needs RUNDBRIEF_VERP=off (bounces are then not recognised) or RUNDBRIEF_BOUNCE_ADDRESS set to an address it "
        "takes with +tokens",
    ),
    "no STARTTLS": (
        Behaviour(),
        {"tls": "starttls"},
        "the SMTP server 127.0.0.1:{port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT) does not offer STARTTLS; "
        "check RUNDBRIEF_SMTP_TLS (ssl for port 465, none only for a relay inside your own network)",
    ),
    "relay access denied": (
        Behaviour(rcpt_reply="554 5.7.1 <leser0@example.net>: Relay access denied"),
        {},
        "the SMTP server does not pass mail on to other domains for rundbrief (RCPT TO: 554 5.7.1 <leser0@example.net>: Relay "
        "access denied); it is the relay's setting, not the recipient: check RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD "
        "(most relays pass mail on only after a login) and RUNDBRIEF_SMTP_HOST",
    ),
    "no TLS": (
        Behaviour(),
        {"tls": "ssl"},
        "TLS with 127.0.0.1:{port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT) failed: WRONG_VERSION_NUMBER; "
        "the server does not speak TLS from the start: for port 587 set RUNDBRIEF_SMTP_TLS=starttls",
    ),
}


@pytest.mark.parametrize("case", list(RELAY_CASES))
def test_a_failing_relay_stops_the_send_and_everybody_stays_waiting(example: Path, tmp_path: Path, case: str) -> None:
    behaviour, settings, message = RELAY_CASES[case]
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i}@example.net" for i in range(8)]
    import_subscribers(example, db, tmp_path, addresses)
    with SmtpServer(behaviour) as server:
        started = time.monotonic()
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment(**settings))
        assert time.monotonic() - started < 10  # within seconds, not a timeout per recipient
        assert result.returncode == 1 and "Traceback" not in result.stderr
        expected = re.escape(f"rundbrief: the send stopped: {message.format(port=server.port, token='TOKEN')}\n")
        assert re.search(expected.replace("TOKEN", "[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{12}"), result.stderr), result.stderr
        assert "No recipient is charged with this" in result.stderr
        assert all(int(done) == 0 for done in re.findall(r"(\d+)/8\b", result.stderr)), result.stderr
        assert (
            result.stdout.splitlines()[0]
            == "pending=8 sending=0 sent=0 failed_temporary=0 failed_permanent=0 unknown=0 skipped=0"
        ), result.stdout
        assert set(ledger(db).values()) == {("pending", "")}
        assert len(server.recorder.logins) <= 1 and server.recorder.mail_commands <= 1  # stopped at once
        assert server.recorder.total == 0
        # the setting is fixed (here: the relay is), and the same send delivers to each exactly once
        behaviour.mail_reply = behaviour.rcpt_reply = None
        fixed = {"user": "versand", "password": "richtig"} if behaviour.login else {}
        again = cli(example, db, "send", "2026-02", "--yes", env=server.environment(**fixed))
        assert again.returncode == 0, again.stderr
        assert server.recorder.counts() == {a: 1 for a in addresses}


def test_a_relay_that_is_down_is_a_message_not_a_traceback(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net"])
    port = free_port()  # nothing listens there
    env = {"RUNDBRIEF_SMTP_HOST": "127.0.0.1", "RUNDBRIEF_SMTP_PORT": str(port), "RUNDBRIEF_SMTP_TLS": "none"}
    result = cli(example, db, "send", "2026-02", "--yes", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (f"rundbrief: the send stopped: cannot connect to the SMTP server 127.0.0.1:{port} (RUNDBRIEF_SMTP_HOST, "
            "RUNDBRIEF_SMTP_PORT): [Errno 111] Connection refused\n") in result.stderr  # fmt: skip
    assert ledger(db) == {"a@example.net": ("pending", "")}
    test = cli(example, db, "send", "2026-02", "--test", "redaktion@example.org", env=env)
    assert test.returncode == 1 and test.stderr.startswith(
        "rundbrief: the test was not sent: cannot connect to the SMTP server"
    )


def test_a_relay_expecting_tls_from_the_start_fails_within_seconds(example: Path, tmp_path: Path) -> None:
    """RUNDBRIEF_SMTP_TLS=none against port 465: the server waits for TLS, the client for a greeting."""
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net", "b@example.net"])
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        env = {"RUNDBRIEF_SMTP_HOST": "127.0.0.1", "RUNDBRIEF_SMTP_PORT": str(port), "RUNDBRIEF_SMTP_TLS": "none"}
        started = time.monotonic()
        result = cli(example, db, "send", "2026-02", "--yes", env=env)
        assert time.monotonic() - started < 20 and result.returncode == 1
    assert (f"rundbrief: the send stopped: the SMTP server 127.0.0.1:{port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT) did not "
            "answer within 10 s; if it expects TLS from the start (port 465), set RUNDBRIEF_SMTP_TLS=ssl\n") in result.stderr  # fmt: skip
    assert set(ledger(db).values()) == {("pending", "")}


# -- issue 10: one issue, one version -----------------------------------------------------------
def test_a_send_resumed_after_a_rebuild_is_refused_unless_accepted(tmp_path: Path) -> None:
    root = built_example(tmp_path)
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i}@example.net" for i in range(6)]
    import_subscribers(root, db, tmp_path, addresses)
    behaviour = Behaviour(mail_reply="530 5.7.0 Authentication required", mail_reply_after=3)
    with SmtpServer(behaviour) as server:
        first = cli(root, db, "send", "2026-02", "--yes", "--connections", "1", env=server.environment())
        assert first.returncode == 1 and server.recorder.total == 3
        issue = root / "content" / "newsletter" / "2026-02.md"
        issue.write_text(
            issue.read_text(encoding="utf-8").replace("Wie Sie mitmachen", "Wie Sie jetzt mitmachen"), encoding="utf-8"
        )
        assert run("build", "--project", str(root)).returncode == 0
        behaviour.mail_reply = None
        refused = cli(root, db, "send", "2026-02", "--yes", env=server.environment())
        assert refused.returncode == 1 and server.recorder.total == 3
        assert refused.stderr.strip() == (
            "rundbrief: 2026-02 was rebuilt since its send started with another build: 3 of 6 recipients have the earlier "
            "version. Send the rest the new version with --accept-rebuild, or rebuild the earlier one"
        )
        accepted = cli(root, db, "send", "2026-02", "--yes", "--accept-rebuild", env=server.environment())
        assert accepted.returncode == 0, accepted.stderr
        assert server.recorder.counts() == {a: 1 for a in addresses}
        versions = {
            a: "jetzt mitmachen" in server.recorder.message(a).get_body(("plain",)).get_content() for a in addresses
        }  # type: ignore[union-attr]
        assert sorted(versions.values()) == [False, False, False, True, True, True]
    with sqlite3.connect(db) as con:
        keys = dict(con.execute("SELECT email, build_key FROM deliveries"))
        current = con.execute("SELECT build_key FROM sends").fetchone()[0]
    assert current == read_key(root / "newsletter" / "2026-02")
    assert {a for a in addresses if keys[a] == current} == {
        a for a in addresses if versions[a]
    }  # the ledger says who got which


# -- issue 10: exports, the store's place and mode ----------------------------------------------
def test_export_defuses_cells_a_spreadsheet_would_run(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    csv_file = tmp_path / "liste.csv"
    csv_file.write_text(
        'email,name,consent\nh@example.net,"=HYPERLINK(""https://boese.example"",""Klick"")",2026-01-05\n'
        "p@example.net,+49 30 123,2026-01-05\nm@example.net,-2+3,2026-01-05\na@example.net,@SUMME(A1),2026-01-05\n"
        "ok@example.net,Anna Muster,2026-01-05\n",
        encoding="utf-8",
    )
    assert cli(example, db, "subscribers", "import", str(csv_file)).returncode == 0
    store = Store(db)  # as the web form does it: an address of the visitor's choosing, confirmed
    store.confirm(store.request("=1+1@example.org", "web 203.0.113.9").id, "web 203.0.113.9")
    store.close()
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(cli(example, db, "subscribers", "export").stdout))}
    assert rows["'=1+1@example.org"] == ""
    assert rows["h@example.net"] == '\'=HYPERLINK("https://boese.example","Klick")'
    assert (
        rows["p@example.net"] == "'+49 30 123"
        and rows["m@example.net"] == "'-2+3"
        and rows["a@example.net"] == "'@SUMME(A1)"
    )
    assert rows["ok@example.net"] == "Anna Muster"
    again = tmp_path / "wieder.csv"  # an edited export imported again: the apostrophe comes off
    again.write_text("email,name,consent\n'=2+2@example.org,'-Max,2026-01-05\n", encoding="utf-8")
    assert cli(example, tmp_path / "zwei.sqlite", "subscribers", "import", str(again)).returncode == 0
    assert cli(example, tmp_path / "zwei.sqlite", "subscribers", "list").stdout.split("\t")[0::3][:1] == [
        "=2+2@example.org"
    ]


def test_the_store_is_never_inside_the_configured_site_dir_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    from tests.emailfixture import copy_example

    root = copy_example(tmp_path / "example")
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("site_dir: site", "site_dir: public"), encoding="utf-8"
    )
    for inside in ("public/abo.sqlite", "public", "newsletter/abo.sqlite", "content/media/abo.sqlite"):
        result = cli(root, root / inside, "subscribers", "count")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        folder = inside.split("/")[0]
        assert result.stderr.startswith(
            f"rundbrief: the subscriber store must not be inside {folder}/ (a build publishes or replaces"
        ), result.stderr
        assert not (root / "public" / "abo.sqlite").exists()
    via_env = subprocess.run(
        [sys.executable, "-m", "generator", "subscribers", "count", "--project", str(root)],
        capture_output=True, text=True, env=dict(os.environ, RUNDBRIEF_DB="public/abo.sqlite"), check=False, cwd=root,
    )  # fmt: skip
    assert via_env.returncode == 1 and "must not be inside public/" in via_env.stderr
    dry = cli(root, tmp_path / "db.sqlite", "send", "2026-02", "--dry-run", str(root / "public" / "x"))
    assert dry.returncode == 1 and "--dry-run must not write into public/" in dry.stderr
    db = tmp_path / "privat" / "abo.sqlite"
    import_subscribers(root, db, tmp_path, ["a@example.net"])
    assert db.stat().st_mode & 0o777 == 0o600
    for extra in db.parent.glob("abo.sqlite-*"):  # SQLite's -wal and -shm files, where they are left
        assert extra.stat().st_mode & 0o777 == 0o600, extra


# -- issue 11: what a hostile tester found in the send path --------------------------------------
def status_of(example: Path, db: Path) -> list[str]:
    return cli(example, db, "send", "2026-02", "--status").stdout.splitlines()


def test_who_unsubscribes_during_an_interrupted_send_is_skipped_on_resume(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i}@example.net" for i in range(6)]
    import_subscribers(example, db, tmp_path, addresses)
    behaviour = Behaviour(mail_reply="530 5.7.0 Authentication required", mail_reply_after=2)
    with SmtpServer(behaviour) as server:
        first = cli(example, db, "send", "2026-02", "--yes", "--connections", "1", env=server.environment())
        assert first.returncode == 1 and server.recorder.total == 2
        assert cli(example, db, "subscribers", "remove", "leser3@example.net").returncode == 0
        store = Store(db)  # leser4 unsubscribes, then asks again on the web and has not confirmed yet
        store.unsubscribe(store.find("leser4@example.net").id, "test")  # type: ignore[union-attr]
        store.request("leser4@example.net", "web 203.0.113.9")
        store.close()
        behaviour.mail_reply = None
        resumed = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert resumed.returncode == 0, resumed.stderr  # a skipped row is no failure
        assert server.recorder.counts() == {
            a: 1 for a in addresses if a not in ("leser3@example.net", "leser4@example.net")
        }
    assert status_of(example, db) == [
        "pending=0 sending=0 sent=4 failed_temporary=0 failed_permanent=0 unknown=0 skipped=2",
        "skipped\tleser3@example.net\tunsubscribed since the send started",
        "skipped\tleser4@example.net\tno longer an active subscriber (pending) since the send started",
        "bounces: hard=0 soft=0",
    ]


def test_who_unsubscribes_while_the_send_runs_is_skipped_at_the_moment_of_delivery(
    example: Path, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i:02d}@example.net" for i in range(20)]
    import_subscribers(example, db, tmp_path, addresses)
    with SmtpServer(Behaviour(delay=0.05)) as server:
        environment = dict(os.environ, RUNDBRIEF_SECRET=SECRET, **server.environment())
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "send", "2026-02", "--yes", "--connections", "1", "--project", str(example), "--db", str(db)],
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        server.wait_for(3)  # the send runs, its batch read long ago: the last one unsubscribes now
        store = Store(db)
        store.unsubscribe(store.find("leser19@example.net").id, "web 203.0.113.9")  # type: ignore[union-attr]
        store.close()
        assert process.wait(timeout=60) == 0, process.communicate()[1]
        assert server.recorder.counts()["leser19@example.net"] == 0 and server.recorder.total == 19
    assert ledger(db)["leser19@example.net"] == ("skipped", "unsubscribed since the send started")


def test_the_same_refusal_of_every_message_stops_the_send_and_nobody_is_charged(example: Path, tmp_path: Path) -> None:
    """554 5.2.252 SendAsDenied after every message: the relay refuses the sender, not 8 recipients."""
    db = tmp_path / "db.sqlite"
    addresses = [f"leser{i}@example.net" for i in range(8)]
    import_subscribers(example, db, tmp_path, addresses)
    refusal = "554 5.2.252 SendAsDenied; wiralle@example.org not allowed to send as wiralle@example.org"
    behaviour = Behaviour(data_replies={a: [refusal] for a in addresses})
    with SmtpServer(behaviour) as server:
        result = cli(example, db, "send", "2026-02", "--yes", "--connections", "1", env=server.environment())
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert (f"rundbrief: the send stopped: the SMTP server refused the message for 5 recipients in a row with the same reply "
                f"(after the message: {refusal}): it refuses the message or its sender, not these recipients. Check "
                "plugins.rundbrief.sender in mkdocs.yml") in result.stderr, result.stderr  # fmt: skip
        rows = ledger(db)
        assert sorted(state for state, _ in rows.values()) == ["failed_temporary"] * 5 + ["pending"] * 3
        assert all(
            reply.startswith("not counted, the relay refused every message: ")
            for state, reply in rows.values()
            if state != "pending"
        )
        behaviour.data_replies.clear()  # the sender is fixed: everybody gets it once
        again = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert again.returncode == 0, again.stderr
        assert server.recorder.counts() == {a: 1 for a in addresses}


def test_a_relay_dropping_every_message_stops_the_send_and_unknown_stays_unknown(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, [f"leser{i}@example.net" for i in range(8)])
    with RawSmtpServer(after_body="DROP") as server:
        started = time.monotonic()
        result = cli(example, db, "send", "2026-02", "--yes", "--connections", "1", env=server.environment())
        assert time.monotonic() - started < 30 and result.returncode == 1
    assert ("rundbrief: the send stopped: the connection to the SMTP server was lost during or right after the message for 5 "
            "recipients in a row") in result.stderr and "--resend-unknown" in result.stderr  # fmt: skip
    assert sorted(state for state, _ in ledger(db).values()) == ["pending"] * 3 + ["unknown"] * 5
    assert server.messages == 5


def test_a_garbage_auth_challenge_is_a_relay_error_not_a_traceback(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net"])
    offer = "250-raw\r\n250-AUTH CRAM-MD5 PLAIN LOGIN\r\n250 8BITMIME\r\n"
    with RawSmtpServer(ehlo=offer, replies={"AUTH": "334 !!notbase64!!\r\n"}) as server:
        settings = server.environment(user="versand", password="geheim")
        result = cli(example, db, "send", "2026-02", "--yes", env=settings)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert (
            f"rundbrief: the send stopped: login at the SMTP server 127.0.0.1:{server.port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT) failed: its challenge is not valid"
            in result.stderr
        )
        assert "check RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD" in result.stderr
        assert ledger(db) == {"a@example.net": ("pending", "")}
        from generator.send.webapp import ServiceConfigError, create_app

        for key, value in {**settings, "RUNDBRIEF_SECRET": SECRET}.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(ServiceConfigError, match="failed: its challenge is not valid .*check RUNDBRIEF_SMTP_USER"):
            create_app(example, tmp_path / "web.sqlite", check_smtp=True, start_worker=False)


@pytest.mark.parametrize(
    "command, reply", [("MAIL", "xyz\r\n"), ("RCPT", "hello there\r\n"), ("RCPT", "354 go on\r\n")]
)
def test_a_garbage_reply_to_mail_or_rcpt_is_never_sent(example: Path, tmp_path: Path, command: str, reply: str) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net", "b@example.net"])
    with RawSmtpServer(replies={command: reply}) as server:
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"answered {command} {'FROM' if command == 'MAIL' else 'TO'} with " in result.stderr, result.stderr
        assert "which is no valid answer to it; check RUNDBRIEF_SMTP_HOST and RUNDBRIEF_SMTP_PORT" in result.stderr
        assert "DATA" not in server.commands and server.messages == 0
    assert set(ledger(db).values()) == {("pending", "")}


def test_a_250_to_the_data_command_stops_the_send_at_once(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net", "b@example.net"])
    with RawSmtpServer(replies={"DATA": "250 ok whatever\r\n"}) as server:
        started = time.monotonic()
        result = cli(
            example, db, "send", "2026-02", "--yes", env=server.environment()
        )  # retry-after 60 s: no backoff sleep
        assert time.monotonic() - started < 15 and result.returncode == 1
    assert "answered DATA with 250 ok whatever, which is no valid answer to it" in result.stderr, result.stderr
    assert set(ledger(db).values()) == {("pending", "")}  # DATA was refused: nothing handed over, nobody unknown


def test_a_garbage_greeting_reads_as_a_sentence(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net"])
    with RawSmtpServer(greet=lambda connection: connection.sendall(b"\x00\xff garbage\r\n")) as server:
        result = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
    assert result.returncode == 1
    assert (f"rundbrief: the send stopped: the SMTP server 127.0.0.1:{server.port} (RUNDBRIEF_SMTP_HOST, RUNDBRIEF_SMTP_PORT) did "
            "not greet with an SMTP reply (a line that is not an SMTP reply (no reply code; it ended 'arbage')); check "
            "RUNDBRIEF_SMTP_HOST and RUNDBRIEF_SMTP_PORT") in result.stderr, result.stderr  # fmt: skip
    assert "-1" not in result.stderr


def test_one_deadline_for_greeting_tls_and_login(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relay trickling "220-slow" lines answers every read in time; the whole opening still ends."""
    from generator.send import smtp
    from generator.send.webapp import ServiceConfigError, create_app

    def trickle(connection: socket.socket) -> None:
        for _ in range(40):
            connection.sendall(b"220-slow\r\n")
            time.sleep(0.25)
        connection.sendall(b"220 ok\r\n")

    monkeypatch.setattr(smtp, "OPEN_DEADLINE", 2.0)
    with RawSmtpServer(greet=trickle) as server:
        started = time.monotonic()
        with pytest.raises(smtp.RelayError, match=r"did not finish greeting, TLS and login within 2 s"):
            smtp.Connection(smtp.SmtpSettings("127.0.0.1", server.port, "none", None, None)).open()
        assert time.monotonic() - started < 4
        for key, value in {**server.environment(), "RUNDBRIEF_SECRET": SECRET}.items():
            monkeypatch.setenv(key, value)
        started = time.monotonic()
        with pytest.raises(ServiceConfigError, match="did not finish greeting"):
            create_app(example, tmp_path / "web.sqlite", check_smtp=True, start_worker=False)
        assert time.monotonic() - started < 4


def test_smtp_port_out_of_range_and_a_relative_db_from_the_current_folder(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["a@example.net"])
    for port in ("99999", "0"):
        result = cli(
            example,
            db,
            "send",
            "2026-02",
            "--yes",
            env={"RUNDBRIEF_SMTP_HOST": "127.0.0.1", "RUNDBRIEF_SMTP_PORT": port},
        )
        assert (
            result.stderr.strip()
            == f"rundbrief: RUNDBRIEF_SMTP_PORT must be a port number from 1 to 65535, found '{port}'"
        )
    here = tmp_path / "hier"
    here.mkdir()
    for how in ({"args": ["--db", "abo.sqlite"], "env": {}}, {"args": [], "env": {"RUNDBRIEF_DB": "abo.sqlite"}}):
        result = subprocess.run(
            [sys.executable, "-m", "generator", "subscribers", "count", "--project", str(example), *how["args"]],
            capture_output=True, text=True, env=dict(os.environ, **how["env"]), cwd=here, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert (here / "abo.sqlite").is_file() and not (example / "abo.sqlite").exists()
        (here / "abo.sqlite").unlink()


def test_list_id_of_a_long_non_ascii_name_keeps_its_id_and_every_header_line_is_short(tmp_path: Path) -> None:
    from tests.emailfixture import copy_example

    root = copy_example(tmp_path / "example")
    config = root / "mkdocs.yml"
    original = config.read_text(encoding="utf-8")
    name = "Bürger-Rundbrief (Entwurf) <neu> der Gemeinde Überlingen am Bodensee und der umliegenden Ortschaften"
    config.write_text(
        original.replace("newsletter_name: Newsletter der Zukunftswerkstatt Kommunen", f'newsletter_name: "{name}"'),
        encoding="utf-8",
    )
    assert run("build", "--project", str(root)).returncode == 0
    db = tmp_path / "db.sqlite"
    import_subscribers(root, db, tmp_path, ["a@example.net"])
    with SmtpServer() as server:
        assert cli(root, db, "send", "2026-02", "--yes", env=server.environment()).returncode == 0
        raw = server.recorder.received["a@example.net"][0]
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    # folded where a space allows: longer lines only for one word that cannot be split (a URL, an id)
    assert all(len(line) <= 78 or " " not in line.strip().split(": ", 1)[-1] for line in head.split("\r\n")), head
    list_id = re.search(r"^List-Id:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.MULTILINE)
    assert list_id is not None
    unfolded = re.sub(r"\r\n(?=[ \t])", "", list_id.group(1))
    assert unfolded.count("<") == 1 and re.search(
        r" <buerger-rundbrief-entwurf-neu-der-[a-z-]+\.zukunftswerkstatt\.example\.org>$", unfolded
    ), unfolded
    assert str(email.message_from_bytes(raw, policy=email.policy.default)["List-Id"]).startswith(name + " <")
    # a service_url too long for a header line is an error of the settings, with its line
    long_url = "https://zukunftswerkstatt.example.org/" + "a" * 1200
    config.write_text(
        original.replace("service_url: https://zukunftswerkstatt.example.org/abo/", f"service_url: {long_url}"),
        encoding="utf-8",
    )
    check = run("check", "--project", str(root))
    assert check.returncode == 1
    assert (
        "mkdocs.yml:69: error: plugins.rundbrief.service_url: at most 500 characters (every email carries it in a header), found 1238"
        in check.stderr
    ), check.stderr


def test_a_person_erased_while_their_message_is_in_data_has_an_anonymous_sent_row(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    import_subscribers(example, db, tmp_path, ["erin@example.net"])
    with SmtpServer(Behaviour(delay=3.0)) as server:
        environment = dict(os.environ, RUNDBRIEF_SECRET=SECRET, **server.environment())
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "send", "2026-02", "--yes", "--connections", "1", "--project",
             str(example), "--db", str(db)],
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while ledger(db).get("erin@example.net", ("",))[0] != "sending":  # the message is in DATA now
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        erased = cli(example, db, "subscribers", "erase", "erin@example.net", "--yes")
        assert erased.returncode == 0, erased.stderr
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert server.recorder.counts()["erin@example.net"] == 1
    assert ledger(db) == {"(erased)": ("sent", "")}  # what the relay accepted, without the address or its reply
    assert out.splitlines()[0] == "pending=0 sending=0 sent=1 failed_temporary=0 failed_permanent=0 unknown=0 skipped=0"


def test_a_send_to_nobody_is_refused_and_not_recorded_so_later_subscribers_get_it(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    Store(db).close()
    with SmtpServer() as server:
        empty = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert empty.returncode == 1 and "Traceback" not in empty.stderr
        assert empty.stderr.strip() == (
            "rundbrief: there are no active subscribers: 2026-02 was not sent and not recorded; import or wait for "
            "subscribers, then send it"
        )
        with sqlite3.connect(db) as con:
            assert con.execute("SELECT COUNT(*) FROM sends").fetchone()[0] == 0
        import_subscribers(example, db, tmp_path, ["spaet@example.net"])
        later = cli(example, db, "send", "2026-02", "--yes", env=server.environment())
        assert later.returncode == 0, later.stderr
        assert server.recorder.counts()["spaet@example.net"] == 1
