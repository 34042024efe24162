"""Bounces for real: sends to a real SMTP server on loopback with per-recipient return paths,
notices as mail servers write them (RFC 3464, and flufl.bounce's non-standard samples), read
from an mbox file, a Maildir and a real IMAP server (Dovecot, TLS) into a real SQLite store."""

from __future__ import annotations

import mailbox
import re
import sqlite3
import time
from pathlib import Path

import pytest

from generator.send.bounces import MAX_MESSAGE
from generator.send.tokens import Tokens
from tests.bouncemail import Dovecot, auto_reply, delivered_to, dovecot_available, dsn, fixture
from tests.emailfixture import built_example
from tests.smtpserver import SmtpServer
from tests.upkeepfixture import SECRET, import_addresses, rundbrief

RETURN_PATH = re.compile(r"wiralle\+rb-[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{12}@example\.org")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_example(tmp_path_factory.mktemp("bounces"))


def send(example: Path, db: Path, slug: str, server: SmtpServer, **env: str) -> dict[str, str]:
    """Send ``slug``; the envelope sender each recipient's message had."""
    before = {a: len(v) for a, v in server.recorder.envelope_senders.items()}
    result = rundbrief(example, db, "send", slug, "--yes", env={**server.environment(), **env})
    assert result.returncode == 0, result.stderr
    return {a: v[-1] for a, v in server.recorder.envelope_senders.items() if len(v) > before.get(a, 0)}


def statuses(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as con:
        return dict(con.execute("SELECT email, status FROM subscribers").fetchall())


def write_mbox(path: Path, messages: list[bytes]) -> None:
    box = mailbox.mbox(path)
    for raw in messages:
        box.add(raw)
    box.close()


def test_bounces_from_an_mbox_count_once_and_a_hard_bounce_is_never_sent_again(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    addresses = ["anna@example.net", "bert@example.net", "carla@example.net", "dora@example.net",
                 "userx@example.de", "xxxxx@local.ie", "userx@its.example.nl"]  # fmt: skip
    import_addresses(example, db, tmp_path, addresses)
    with SmtpServer() as server:
        paths = send(example, db, "2026-01", server)
        assert set(paths) == set(addresses)
        assert all(RETURN_PATH.fullmatch(p) for p in paths.values()), paths
        assert len(set(paths.values())) == len(addresses)  # one return path per recipient
        notices = [
            dsn(paths["anna@example.net"], "anna@example.net"),  # RFC 3464, permanent
            dsn(paths["bert@example.net"], "bert@example.net", status="4.2.2", action="failed",
                diagnostic="452 4.2.2 <{rcpt}>: Mailbox full"),  # fmt: skip
            auto_reply(paths["carla@example.net"]),  # an out-of-office reply to the return path: no bounce
            delivered_to(paths["userx@example.de"], fixture("qmail_01.txt")),
            delivered_to(paths["xxxxx@local.ie"], fixture("postfix_01.txt")),
            delivered_to(paths["userx@its.example.nl"], fixture("exim_01.txt")),
            dsn(paths["anna@example.net"], "anna@example.net", reporter="mx2.example.net"),  # a second report
        ]
        source = tmp_path / "bounces.mbox"
        write_mbox(source, notices)
        first = rundbrief(example, db, "bounces", "import", str(source))
        assert first.returncode == 0, first.stderr
        lines = first.stdout.splitlines()
        assert lines[0] == "rundbrief: read 7 messages: 4 hard and 1 soft bounces recorded, 1 read before, 1 ignored"
        assert "ignored\t1\tnot a delivery failure (an automatic reply?)" in lines
        assert sorted(line for line in lines if line.startswith("bounced\t")) == [
            "bounced\tanna@example.net", "bounced\tuserx@example.de", "bounced\tuserx@its.example.nl",
            "bounced\txxxxx@local.ie",
        ]  # fmt: skip
        again = rundbrief(example, db, "bounces", "import", str(source))
        assert again.stdout.splitlines()[0] == (
            "rundbrief: read 7 messages: 0 hard and 0 soft bounces recorded, 7 read before, 0 ignored"
        )
        listed = rundbrief(example, db, "subscribers", "list", "--status", "bounced").stdout.splitlines()
        assert sorted(line.split("\t")[0] for line in listed) == [
            "anna@example.net", "userx@example.de", "userx@its.example.nl", "xxxxx@local.ie",
        ]  # fmt: skip
        assert statuses(db)["bert@example.net"] == "active"  # one soft bounce is no reason to stop
        status = rundbrief(example, db, "send", "2026-01", "--status").stdout.splitlines()
        assert "bounces: hard=4 soft=1" in status
        assert any(
            line.startswith("bounce_hard\tanna@example.net\tStatus: 5.1.1 Diagnostic-Code: smtp; 550 5.1.1")
            for line in status
        ), status
        assert any(line.startswith("bounce_soft\tbert@example.net\tStatus: 4.2.2") for line in status)
        # the next send leaves out everybody who bounced for good
        server.recorder.received.clear()
        second = send(example, db, "2026-02", server)
        assert sorted(second) == ["bert@example.net", "carla@example.net", "dora@example.net"]
        assert server.recorder.counts()["anna@example.net"] == 0
    stats = rundbrief(example, db, "statistics").stdout.splitlines()
    assert stats[0].split("\t") == [
        "send", "started", "recipients", "pending", "sending", "sent", "failed_temporary", "failed_permanent",
        "unknown", "skipped", "bounces_hard", "bounces_soft",
    ]  # fmt: skip
    first_send = stats[1].split("\t")
    assert first_send[0] == "2026-01" and first_send[2] == "7" and first_send[5] == "7" and first_send[-2:] == ["4", "1"]
    assert stats[2].split("\t")[0] == "2026-02" and stats[2].split("\t")[2] == "3"


def test_soft_bounces_in_three_consecutive_sends_from_a_maildir(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["eva@example.net", "fritz@example.net"])
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    full = "452 4.2.2 <{rcpt}>: Mailbox full"
    late = b""
    with SmtpServer() as server:
        for slug in ("2026-01", "2026-02", "2026-03"):
            paths = send(example, db, slug, server)
            if slug == "2026-02":  # fritz's notice of this send comes last of all
                late = dsn(paths["fritz@example.net"], "fritz@example.net", status="4.2.2", action="failed",
                           diagnostic=full)  # fmt: skip
            maildir.add(dsn(paths["eva@example.net"], "eva@example.net", status="4.2.2", action="failed",
                            diagnostic=full))  # fmt: skip
            if slug != "2026-02":
                maildir.add(dsn(paths["fritz@example.net"], "fritz@example.net", status="4.2.2", action="failed",
                                diagnostic=full))  # fmt: skip
            result = rundbrief(example, db, "bounces", "import", str(tmp_path / "Maildir"))
            assert result.returncode == 0, result.stderr
            if slug != "2026-03":
                assert statuses(db)["eva@example.net"] == "active", slug
        assert "bounced\teva@example.net" in result.stdout.splitlines()
    assert statuses(db) == {"eva@example.net": "bounced", "fritz@example.net": "active"}  # fritz: 2 of 3 so far
    maildir.add(late)  # the missing notice arrives: three sends in a row, in whatever order they were reported
    result = rundbrief(example, db, "bounces", "import", str(tmp_path / "Maildir"))
    assert result.stdout.splitlines() == [
        "rundbrief: read 1 messages: 0 hard and 1 soft bounces recorded, 0 read before, 0 ignored",
        "bounced\tfritz@example.net",
    ]
    assert statuses(db) == {"eva@example.net": "bounced", "fritz@example.net": "bounced"}
    # every message was marked read (moved to cur/ with the Seen flag), and a run skips them unopened
    assert sorted(message.get_subdir() + ":" + message.get_flags() for message in maildir) == ["cur:S"] * 6
    again = rundbrief(example, db, "bounces", "import", str(tmp_path / "Maildir"))
    assert again.stdout.splitlines()[0] == "rundbrief: read 0 messages: 0 hard and 0 soft bounces recorded, 0 read before, 0 ignored"
    shown = rundbrief(example, db, "subscribers", "show", "eva@example.net").stdout
    assert "status: bounced" in shown and "bounces (send, kind, time, source, detail): 3" in shown
    assert re.search(r"bounced  maildir Maildir  soft bounces in 3 consecutive sends \(2026-03\)", shown), shown


@pytest.mark.skipif(not dovecot_available(), reason="Dovecot is installed by `make test` (Makefile: imap)")
def test_bounces_from_a_real_imap_server_are_marked_read_and_count_once(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["gabi@example.net", "hans@example.net", "ina@example.net"])
    with SmtpServer() as server, Dovecot() as imap:
        paths = send(example, db, "2026-01", server)
        huge = dsn(paths["ina@example.net"], "ina@example.net") + b"x" * (MAX_MESSAGE + 100)  # only 2 MB are fetched
        imap.append("INBOX", dsn(paths["gabi@example.net"], "gabi@example.net"), auto_reply(paths["hans@example.net"]),
                    huge)  # fmt: skip
        first = rundbrief(example, db, "bounces", "import", "imap", env=imap.environment())
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[:4] == [
            "rundbrief: read 3 messages: 1 hard and 0 soft bounces recorded, 0 read before, 2 ignored",
            "ignored\t1\tlarger than 2 MB",
            "ignored\t1\tnot a delivery failure (an automatic reply?)",
            "bounced\tgabi@example.net",
        ]
        assert all("$RundbriefRead" in flags and "\\Seen" in flags for flags in imap.flags("INBOX"))
        again = rundbrief(example, db, "bounces", "import", "imap", env=imap.environment())
        assert again.stdout.splitlines()[0] == (
            "rundbrief: read 0 messages: 0 hard and 0 soft bounces recorded, 0 read before, 0 ignored"
        )
        # with a folder for what was read, messages are moved there; a folder that is missing is a
        # one-line message, and the bounce recorded before it still counts once
        imap.append("INBOX", dsn(paths["hans@example.net"], "hans@example.net"))
        done = imap.environment(RUNDBRIEF_IMAP_DONE_FOLDER="Erledigt")
        missing = rundbrief(example, db, "bounces", "import", "imap", env=done)
        assert missing.returncode == 1 and "Traceback" not in missing.stderr
        assert missing.stderr.startswith(
            "rundbrief: bounces import stopped: the IMAP server refused moving a message (DONE_FOLDER)"
        ), missing.stderr
        assert "bounced\thans@example.net" in missing.stdout.splitlines()
        imap.append("Erledigt")
        moved = rundbrief(example, db, "bounces", "import", "imap", env=done)
        assert moved.returncode == 0, moved.stderr
        assert moved.stdout.splitlines()[0] == (
            "rundbrief: read 1 messages: 0 hard and 0 soft bounces recorded, 1 read before, 0 ignored"
        )
        assert len(imap.flags("Erledigt")) == 1 and len(imap.flags("INBOX")) == 3
        wrong = rundbrief(example, db, "bounces", "import", "imap",
                          env=imap.environment(RUNDBRIEF_IMAP_PASSWORD="falsch"))  # fmt: skip
        assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
        assert wrong.stderr.startswith("rundbrief: bounces import stopped: the IMAP server refused the login of 'bounces'")
        plain = rundbrief(example, db, "bounces", "import", "imap", env=imap.environment(RUNDBRIEF_IMAP_TLS="tls"))
        assert plain.stderr.strip() == "rundbrief: bounces import stopped: RUNDBRIEF_IMAP_TLS must be ssl, starttls or none, found 'tls'"
    assert statuses(db) == {"gabi@example.net": "bounced", "hans@example.net": "bounced", "ina@example.net": "active"}


def test_hostile_and_forged_notices_change_nobody(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["jana@example.net", "kai@example.net"])
    with SmtpServer() as server:
        paths = send(example, db, "2026-01", server)
    import_addresses(example, db, tmp_path, ["jana@example.net", "kai@example.net", "later@example.net"])
    with sqlite3.connect(db) as con:
        later = con.execute("SELECT id FROM subscribers WHERE email = 'later@example.net'").fetchone()[0]
        jana = con.execute("SELECT id FROM subscribers WHERE email = 'jana@example.net'").fetchone()[0]
    tokens = Tokens(SECRET)
    code = tokens.send_code("2026-01")
    jana_path = paths["jana@example.net"]
    wrong_mac = re.sub(r"-[0-9a-f]{12}@", "-0123456789ab@", jana_path)
    never_sent = f"wiralle+rb-{later:x}-{code}-{tokens.bounce_mac('2026-01', later)}@example.org"  # signed, not a recipient
    unknown_send = f"wiralle+rb-{jana:x}-{tokens.send_code('2099-01')}-{tokens.bounce_mac('2099-01', jana)}@example.org"
    huge = dsn(jana_path, "jana@example.net") + b"\n" + b"x" * (MAX_MESSAGE + 10)
    notices = [
        b"\x00\xff\xfe garbage \r\n\r\n\x80\x81" * 50,  # no message at all
        b"Content-Type: multipart/report; boundary=\"\r\nTo: " + jana_path.encode() + b"\r\n\r\n--\r\n--x--",  # broken MIME
        huge,  # larger than a notice ever is, with a right token
        dsn(wrong_mac, "jana@example.net"),  # a guessed signature
        dsn(never_sent, "later@example.net"),  # right signature, but the send never went to them
        dsn(unknown_send, "jana@example.net"),  # a send that does not exist
        dsn("wiralle@example.org", "kai@example.net"),  # names kai, but not sent to a return path
        dsn(f"{jana_path}\r\nBcc: x@example.net", "jana@example.net").replace(b"\nBcc", b"\n Bcc"),  # CRLF in the address
        dsn(jana_path, "jana@example.net").replace(b"To: ", b"To: " + paths["kai@example.net"].encode() + b", ", 1),  # two tokens
        dsn("=?utf-8?q?wiralle+rb-1-00000000-000000000000=0D=0A?=@example.org", "kai@example.net"),  # encoded CRLF
        dsn(jana_path, "kai@example.net"),  # jana's return path, naming kai: the signed token decides, never the text
    ]
    source = tmp_path / "hostile.mbox"
    write_mbox(source, notices)
    result = rundbrief(example, db, "bounces", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "rundbrief: read 11 messages: 1 hard and 0 soft bounces recorded, 0 read before, 10 ignored", lines
    reasons = {line.split("\t")[2]: int(line.split("\t")[1]) for line in lines[1:] if line.startswith("ignored")}
    assert reasons == {
        "not delivered to a rundbrief return path": 3,  # garbage, the plain sender, an encoded word
        "the bounce detector cannot read it (IndexError)": 1,  # the broken MIME, reported, not raised
        "larger than 2 MB": 1,
        "a return path rundbrief did not make (unknown send, or a wrong signature)": 2,
        "nobody of that send (erased since?)": 1,
        "more than one rundbrief return path": 1,
        "not a delivery failure (an automatic reply?)": 1,  # the CRLF ended the header: no report left
    }
    assert lines[-2:] == ["bounced\tjana@example.net", "left\t6\tmessages not for a rundbrief return path: not marked read, not moved"]
    assert statuses(db) == {"jana@example.net": "bounced", "kai@example.net": "active", "later@example.net": "active"}
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT slug, subscriber_id, kind FROM bounces").fetchall() == [("2026-01", jana, "hard")]
    missing = rundbrief(example, db, "bounces", "import", str(tmp_path / "nichts"))
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("is neither an mbox file, a Maildir nor imap (or imap:FOLDER)")


def test_without_verp_the_plain_sender_goes_out_and_its_notices_are_not_taken(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["lena@example.net"])
    with SmtpServer() as server:
        paths = send(example, db, "2026-01", server, RUNDBRIEF_VERP="off")
        assert paths == {"lena@example.net": "wiralle@example.org"}
        wrong = rundbrief(example, db, "send", "2026-02", "--yes", env={**server.environment(), "RUNDBRIEF_VERP": "ja"})
        assert wrong.returncode == 1 and wrong.stderr.strip() == "rundbrief: RUNDBRIEF_VERP must be on or off, found 'ja'"
        bounce_box = {**server.environment(), "RUNDBRIEF_BOUNCE_ADDRESS": "bounces@example.org"}
        via = send(example, db, "2026-02", server, **bounce_box)  # a mailbox of its own for the notices
        assert re.fullmatch(r"bounces\+rb-[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{12}@example\.org", via["lena@example.net"])
    source = tmp_path / "b.mbox"
    write_mbox(source, [dsn("wiralle@example.org", "lena@example.net"), dsn(via["lena@example.net"], "lena@example.net")])
    result = rundbrief(example, db, "bounces", "import", str(source))
    assert result.stdout.splitlines()[:2] == [
        "rundbrief: read 2 messages: 1 hard and 0 soft bounces recorded, 0 read before, 1 ignored",
        "ignored\t1\tnot delivered to a rundbrief return path",
    ]


def test_the_report_s_action_and_status_decide_and_a_refused_sender_is_charged_to_nobody(
    example: Path, tmp_path: Path
) -> None:
    db = tmp_path / "abo.sqlite"
    addresses = ["verz@example.net", "voll@example.net", "weg@example.net", "dmarc1@example.net", "dmarc2@example.net"]
    import_addresses(example, db, tmp_path, addresses)
    with SmtpServer() as server:
        paths = send(example, db, "2026-01", server)
    blocked = "550 5.7.26 This mail has been blocked because the sender is unauthenticated (DMARC)"
    notices = [
        dsn(paths["verz@example.net"], "verz@example.net", status="4.4.7", action="delayed",
            diagnostic="451 4.4.7 still trying"),  # a delay is no failure
        dsn(paths["voll@example.net"], "voll@example.net", status="4.2.2", action="failed",
            diagnostic="452 4.2.2 Mailbox full (gave up)"),  # given up on a temporary reason: soft
        dsn(paths["weg@example.net"], "weg@example.net", status="5.1.1", action="failed"),  # hard
        dsn(paths["dmarc1@example.net"], "dmarc1@example.net", status="5.7.26", action="failed", diagnostic=blocked),
        dsn(paths["dmarc2@example.net"], "dmarc2@example.net", status="5.7.1", action="failed",
            diagnostic="550 5.7.1 Service unavailable; client host blocked using a spam list"),
    ]  # fmt: skip
    source = tmp_path / "b.mbox"
    write_mbox(source, notices)
    result = rundbrief(example, db, "bounces", "import", str(source))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "rundbrief: read 5 messages: 1 hard and 1 soft bounces recorded, 0 read before, 1 ignored"
    assert "ignored\t1\tnot a delivery failure (a delay or a delivery report)" in lines
    assert [line for line in lines if line.startswith("bounced\t")] == ["bounced\tweg@example.net"]
    assert any(line.startswith("rejected\t2\t2026-01\tthe receiving servers refused the sender") for line in lines)
    assert statuses(db) == {a: "bounced" if a == "weg@example.net" else "active" for a in addresses}
    status = rundbrief(example, db, "send", "2026-01", "--status").stdout.splitlines()
    assert "bounces: hard=1 soft=1" in status
    assert any(line.startswith("bounce_soft\tvoll@example.net\tStatus: 4.2.2") for line in status), status
    assert any(line.startswith("sender rejected: 2 notices refused the sender (5.7.x") for line in status), status


def citizen_mail(to: str, subject: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "buergerin@example.net"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Wann ist das nächste Treffen?")
    return message.as_bytes()


@pytest.mark.skipif(not dovecot_available(), reason="Dovecot is installed by `make test` (Makefile: imap)")
def test_only_notices_for_rundbrief_return_paths_are_marked_or_moved_and_nobody_else_s_deleted_mail_is_expunged(
    example: Path, tmp_path: Path
) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["olga@example.net"])
    # a server that offers no MOVE: messages are copied, flagged Deleted and expunged (UID EXPUNGE)
    without_move = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS\n"
    with SmtpServer() as server, Dovecot(without_move) as imap:
        paths = send(example, db, "2026-01", server)
        imap.append("INBOX", citizen_mail("wiralle@example.org", "Frage"), citizen_mail("wiralle@example.org", "Alt"),
                    dsn(paths["olga@example.net"], "olga@example.net"))  # fmt: skip
        client = imap.client()  # a colleague's mail client deleted "Alt" but did not expunge yet
        client.select("INBOX")
        client.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
        client.logout()
        imap.append("Erledigt")
        result = rundbrief(example, db, "bounces", "import", "imap", env=imap.environment(RUNDBRIEF_IMAP_DONE_FOLDER="Erledigt"))
        assert result.returncode == 0, result.stderr
        assert "bounced\tolga@example.net" in result.stdout.splitlines()
        assert "left\t2\tmessages not for a rundbrief return path: not marked read, not moved" in result.stdout
        flags = imap.flags("INBOX")
        assert len(flags) == 2 and len(imap.flags("Erledigt")) == 1
        assert "\\Seen" not in flags[0] and "$RundbriefRead" not in flags[0]  # the citizen's mail is untouched
        assert "\\Deleted" in flags[1]  # still there: only the client that flagged it expunges it
        # without a done folder, the citizen's mail stays unread as well
        imap.append("INBOX", dsn(paths["olga@example.net"], "olga@example.net", reporter="mx9.example.net"))
        again = rundbrief(example, db, "bounces", "import", "imap", env=imap.environment())
        assert again.returncode == 0, again.stderr
        flags = imap.flags("INBOX")
        assert "\\Seen" not in flags[0] and "\\Seen" in flags[2] and "$RundbriefRead" in flags[2]


def test_a_maildir_citizen_s_mail_stays_new_and_unread(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["paul@example.net"])
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    with SmtpServer() as server:
        paths = send(example, db, "2026-01", server)
    human = maildir.add(citizen_mail("wiralle@example.org", "Frage"))
    notice = maildir.add(dsn(paths["paul@example.net"], "paul@example.net"))
    result = rundbrief(example, db, "bounces", "import", str(tmp_path / "Maildir"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "Maildir" / "new" / human).is_file()  # not moved, not renamed
    assert maildir.get_message(notice).get_subdir() == "cur" and "S" in maildir.get_message(notice).get_flags()


def test_a_maildir_message_is_renamed_not_rewritten_and_a_hostile_or_vanished_one_never_sticks(
    example: Path, tmp_path: Path
) -> None:
    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["rita@example.net"])
    root = tmp_path / "Maildir"
    maildir = mailbox.Maildir(root, create=True)
    with SmtpServer() as server:
        paths = send(example, db, "2026-01", server)
    notice = dsn(paths["rita@example.net"], "rita@example.net").replace(b"\r\n", b"\n")
    (root / "new" / "1733.M1P1.host").write_bytes(notice)
    nested = f"To: {paths['rita@example.net']}\nMIME-Version: 1.0\n" + "".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(3000)
    ) + "Content-Type: text/plain\n\nx\n"
    (root / "new" / "1734.M2P1.host").write_text(nested)
    (root / "cur" / "1700.M0P1.host:2,S").write_bytes(b"read long ago")  # seen: not even opened
    for _ in range(2):  # a message nested too deep is ignored every time, never stuck
        result = rundbrief(example, db, "bounces", "import", str(root))
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    third = rundbrief(example, db, "bounces", "import", str(root))
    assert third.stdout.splitlines()[0].startswith("rundbrief: read 1 messages:")  # only the nested one is left
    assert (root / "cur" / "1733.M1P1.host:2,S").read_bytes() == notice  # renamed, the bytes as they came
    assert statuses(db)["rita@example.net"] == "bounced"
    assert maildir.get_message("1733.M1P1.host").get_flags() == "S"
    # a message a mail client takes away while the import runs is skipped
    from generator.send.mailboxes import read_maildir

    (root / "new" / "1800.M3P1.host").write_bytes(b"Subject: a\n\nx\n")
    (root / "new" / "1801.M4P1.host").write_bytes(b"Subject: b\n\nx\n")
    items = read_maildir(root)
    _, done = next(items)
    for name in ("1800.M3P1.host", "1801.M4P1.host", "1734.M2P1.host"):
        (root / "new" / name).unlink(missing_ok=True)
    done()  # its file is gone: nothing to mark, no error
    assert list(items) == []


def test_a_new_confirmation_starts_a_new_count_of_soft_bounces(example: Path, tmp_path: Path) -> None:
    from generator.send.store import Store

    db = tmp_path / "abo.sqlite"
    import_addresses(example, db, tmp_path, ["gina@example.net"])
    limit = {"RUNDBRIEF_BOUNCE_LIMIT": "2"}
    full = "452 4.2.2 <{rcpt}>: Mailbox full"
    source = tmp_path / "b.mbox"
    with SmtpServer() as server:
        sent = {}
        for slug in ("2026-01", "2026-02"):
            sent[slug] = send(example, db, slug, server)["gina@example.net"]
        write_mbox(source, [dsn(sent[s], "gina@example.net", status="4.2.2", diagnostic=full) for s in sent])
        assert "bounced\tgina@example.net" in rundbrief(example, db, "bounces", "import", str(source), env=limit).stdout
        store = Store(db)  # she signs up again on the web and confirms
        with store.transaction() as con:
            again = store.request_in(con, "gina@example.net", "web 127.0.0.1")
        assert store.confirm(again.id, "web 127.0.0.1")
        store.close()
        time.sleep(0.01)
        third = send(example, db, "2026-03", server)["gina@example.net"]
    late_hard = dsn(sent["2026-01"], "gina@example.net", reporter="mx7.example.net")  # an old send's late notice
    write_mbox(tmp_path / "c.mbox", [dsn(third, "gina@example.net", status="4.2.2", diagnostic=full), late_hard])
    result = rundbrief(example, db, "bounces", "import", str(tmp_path / "c.mbox"), env=limit)
    assert result.returncode == 0, result.stderr
    assert "bounced\tgina@example.net" not in result.stdout  # one soft bounce since the new consent
    assert statuses(db) == {"gina@example.net": "active"}
