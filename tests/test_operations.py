"""Running it: the health endpoint, backups and restores while the service takes requests, and
what deploy/ names (the daily build script, the systemd unit's and the Containerfile's command
lines), all run for real. The Containerfile itself cannot be built here (no container engine)."""

from __future__ import annotations

import functools
import http.client
import http.server
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import icalendar
import pytest

from generator.send.limits import Limits
from generator.send.store import Store
from tests.conftest import REPO
from tests.emailfixture import copy_example
from tests.smtpserver import SmtpServer, free_port
from tests.test_webapp import SECRET as WEB_SECRET
from tests.test_webapp import running
from tests.upkeepfixture import rundbrief

DEPLOY = REPO / "deploy"
RUNDBRIEF = Path(sys.executable).parent / "rundbrief"
OPEN = Limits(requests_per_client=1_000_000, confirmations=1_000_000, pending=1_000_000)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("operations") / "example")


def get(url: str, host: str | None = None, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


# -- the health endpoint ---------------------------------------------------------------------------
def test_health_checks_the_store_under_any_host(example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "abo.sqlite"
    with SmtpServer() as smtp, running(example, db, smtp, monkeypatch, start_worker=False) as service:
        assert get(service.url + "/health") == (200, "ok\n")
        assert get(service.url + "/health", host="10.88.0.7:8080") == (200, "ok\n")  # a container's probe
        assert get(service.url + "/health", method="HEAD")[0] == 200
        assert get(service.url + "/", host="10.88.0.7:8080")[0] == 400  # every other page keeps the Host check
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock and never lets go
        started = time.monotonic()
        assert get(service.url + "/health") == (503, "store unavailable\n")
        assert 1.5 < time.monotonic() - started < 15
        blocker.execute("ROLLBACK")
        blocker.close()
        assert get(service.url + "/health") == (200, "ok\n")
        service.app.store.db.close()  # the store is gone under the running service
        assert get(service.url + "/health") == (503, "store unavailable\n")
        service.app.store = Store(db)


# -- backups while the service writes --------------------------------------------------------------
@contextmanager
def subscribing(url: str, first: int) -> Iterator[list[int]]:
    """A visitor subscribing new addresses w<first>@, w<first+1>@, ... until the block ends; yields
    the HTTP statuses of the answers."""
    statuses: list[int] = []
    stop = threading.Event()

    def run() -> None:
        number = first
        while not stop.is_set():
            data = urllib.parse.urlencode({"email": f"w{number}@example.net"}).encode()
            try:
                with urllib.request.urlopen(urllib.request.Request(url + "/abonnieren", data=data), timeout=60) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as err:
                statuses.append(err.code)
            number += 1

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        thread.join(60)


def consistent(path: Path) -> int:
    """The number of subscribers in a store file, after checking that each web request is whole in
    it: the request writes the subscriber, its consent event and its confirmation mail in one
    transaction, so a copy of one moment has all three or none."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 4
        people = con.execute("SELECT COUNT(*) FROM subscribers").fetchone()[0]
        events = con.execute("SELECT COUNT(DISTINCT subscriber_id) FROM consent_events WHERE kind = 'requested'").fetchone()[0]
        mails = con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert people == events == mails, (people, events, mails)
    return int(people)


def test_backup_and_restore_while_the_service_takes_subscriptions(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "store" / "abo.sqlite"
    with SmtpServer() as smtp, running(example, db, smtp, monkeypatch, limits=OPEN, start_worker=False) as service:
        env = {"RUNDBRIEF_SECRET": WEB_SECRET}
        counts = []
        with subscribing(service.url, 0) as answers:
            while len(answers) < 20:
                time.sleep(0.05)
            for number in range(3):
                target = tmp_path / "backups" / f"abo-{number}.sqlite"
                made = rundbrief(example, db, "store", "backup", str(target), env=env)
                assert made.returncode == 0, made.stderr
                assert re.fullmatch(rf"rundbrief: backup written to {re.escape(str(target))} \(\d+ bytes\)\n", made.stdout)
                assert target.stat().st_mode & 0o777 == 0o600 and not list(target.parent.glob(".*partial"))
                counts.append(consistent(target))
                time.sleep(0.2)
        assert set(answers) == {200}
        assert counts[0] >= 20 and counts[0] < counts[1] < counts[2] <= consistent(db)
        # w0 leaves after the backup; restoring the backup must not bring them back
        store = Store(db)
        store.unsubscribe(store.find("w0@example.net").id, "one-click (RFC 8058)")  # type: ignore[union-attr]
        store.close()
        with subscribing(service.url, 100_000) as answers:
            while len(answers) < 5:
                time.sleep(0.05)
            restored = rundbrief(example, db, "store", "restore", str(tmp_path / "backups" / "abo-0.sqlite"), "--yes", env=env)
            assert restored.returncode == 0, restored.stderr
            after = len(answers)
            while len(answers) < after + 5:  # the service goes on writing into the restored store
                time.sleep(0.05)
        assert set(answers) == {200}
        assert restored.stdout.startswith(f"rundbrief: restored {tmp_path / 'backups' / 'abo-0.sqlite'} into {db} ")
        assert "1 unsubscriptions and bounces since the backup applied again" in restored.stdout
        assert "repeat them (rundbrief subscribers erase)" in restored.stdout
        store = Store(db)
        try:
            assert store.find("w0@example.net").status.value == "unsubscribed"  # type: ignore[union-attr]
            assert store.find(f"w{counts[1] - 1}@example.net") is None  # only in later backups
            present = {int(s.email[1:].partition("@")[0]) for s in store.subscribers()}
            later = {100_000 + k for k in range(after + 1, len(answers))}  # asked after the restore had finished
            assert len(later) >= 4 and later <= present  # ... landed in the restored store
        finally:
            store.close()
        assert get(service.url + "/health") == (200, "ok\n")
        damaged = tmp_path / "kaputt.sqlite"
        damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
        refused = rundbrief(example, db, "store", "restore", str(damaged), "--yes", env=env)
        assert refused.returncode == 1 and refused.stderr.startswith(f"rundbrief: the backup {damaged} is not a")
        assert consistent(db) > 0


def test_backups_never_go_into_published_folders(example: Path, tmp_path: Path) -> None:
    db = tmp_path / "abo.sqlite"
    Store(db).close()
    result = rundbrief(example, db, "store", "backup", str(example / "site" / "abo.sqlite"))
    assert result.returncode == 1
    assert result.stderr.strip() == "rundbrief: a backup must not be written into site/: it holds the subscribers"


# -- deploy/: what the county's IT runs ------------------------------------------------------------
def unit_value(path: Path, key: str) -> str:
    return next(line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(key + "="))


def serve_until_healthy(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            if get(f"http://127.0.0.1:{port}/health") == (200, "ok\n"):
                return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the service did not start: {process.communicate()[1][-2000:]}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_systemd_units_verify_and_their_command_line_serves(example: Path, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze"):  # Debian's systemd; checks the syntax and that ExecStart can run
        for name in ("rundbrief-subscriptions.service", "rundbrief-backup.service", "rundbrief-backup.timer"):
            text = (DEPLOY / name).read_text().replace("/opt/rundbrief/venv/bin/rundbrief", str(RUNDBRIEF))
            (tmp_path / name).write_text(text)
        checked = subprocess.run(
            ["systemd-analyze", "verify", *(str(tmp_path / n) for n in ("rundbrief-subscriptions.service",
                                                                         "rundbrief-backup.service", "rundbrief-backup.timer"))],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr
    unit = DEPLOY / "rundbrief-subscriptions.service"
    command = shlex.split(unit_value(unit, "ExecStart"))
    assert command[:3] == ["/opt/rundbrief/venv/bin/rundbrief", "subscriptions", "serve"]
    port = free_port()
    argv = [str(RUNDBRIEF), *command[1:]]
    argv[argv.index("/srv/rundbrief")] = str(example)
    argv[argv.index("8080")] = str(port)
    db = tmp_path / "state" / "rundbrief.sqlite"
    assert unit_value(unit, "Environment") == "RUNDBRIEF_DB=/var/lib/rundbrief/rundbrief.sqlite"
    with SmtpServer() as smtp:
        env = dict(os.environ, RUNDBRIEF_SECRET=WEB_SECRET, RUNDBRIEF_DB=str(db), **smtp.environment())
        process = serve_until_healthy(argv, env, port)
        try:
            assert get(f"http://127.0.0.1:{port}/")[0] == 200
        finally:
            stop(process)
    assert db.is_file() and db.stat().st_mode & 0o777 == 0o600
    # the backup unit's command writes a backup beside the weekday's name
    backup = unit_value(DEPLOY / "rundbrief-backup.service", "ExecStart")
    script = shlex.split(backup)[2].replace("%%", "%").replace("/opt/rundbrief/venv/bin/rundbrief", str(RUNDBRIEF))
    script = script.replace("/srv/rundbrief", str(example)).replace("/var/backups/rundbrief", str(tmp_path / "backups"))
    made = subprocess.run(["/bin/sh", "-c", script], env=dict(os.environ, RUNDBRIEF_DB=str(db)), capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [f"rundbrief-{time.strftime('%u')}.sqlite"]


def test_the_containerfile_command_serves_and_its_health_check_passes(example: Path, tmp_path: Path) -> None:
    """What the image runs, run here without a container engine (none on this machine): the CMD,
    with the ENV the Containerfile sets, then the HEALTHCHECK's command against it."""
    text = (DEPLOY / "Containerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    health = json.loads(re.search(r"^\s+CMD (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert re.search(r"^ENV .*RUNDBRIEF_DB=/data/rundbrief.sqlite$", text, re.MULTILINE)
    assert re.search(r"^USER rundbrief$", text, re.MULTILINE) and re.search(r"^VOLUME /data$", text, re.MULTILINE)
    port = free_port()
    argv = [str(RUNDBRIEF) if part == "rundbrief" else part for part in cmd]
    argv[argv.index("/srv/project")] = str(example)
    argv[argv.index("8080")] = str(port)
    argv[argv.index("0.0.0.0")] = "127.0.0.1"
    with SmtpServer() as smtp:
        env = dict(os.environ, RUNDBRIEF_SECRET=WEB_SECRET, RUNDBRIEF_DB=str(tmp_path / "data" / "rundbrief.sqlite"),
                   **smtp.environment())  # fmt: skip
        process = serve_until_healthy(argv, env, port)
        try:
            probe = [sys.executable, *health[1:]]
            probe[-1] = probe[-1].replace(":8080/", f":{port}/")
            assert subprocess.run(probe, timeout=30, check=False).returncode == 0
        finally:
            stop(process)
        probe_down = subprocess.run(probe, capture_output=True, timeout=30, check=False)
        assert probe_down.returncode != 0  # the service is down: the check fails


def event_sequence(calendar_file: Path, uid_start: str) -> int:
    calendar = icalendar.Calendar.from_ical(calendar_file.read_bytes())
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(uid_start))
    return int(event.get("SEQUENCE", 0))


def test_the_daily_build_moves_events_to_the_past_and_keeps_the_calendar_sequence(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "projekt")
    www = tmp_path / "www" / "site"
    workflow = (DEPLOY / "github-workflow-daily.yml").read_text()
    assert 'run: deploy/daily-build.sh . "${{ vars.DEPLOY_TARGET }}"' in workflow  # the workflow runs this script

    def build(day: str, **env: str) -> str:
        result = subprocess.run(
            [str(DEPLOY / "daily-build.sh"), str(project), str(www)],
            env=dict(os.environ, RUNDBRIEF=str(RUNDBRIEF), RUNDBRIEF_TODAY=day, **env),
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith(f"daily-build: deployed {project}/site to {www}")
        page = (www / "termine" / "index.html").read_text().replace("\u00ad", "")  # words as a person sees them
        upcoming, _, past = page.partition("Vergangene Termine")
        return "upcoming" if "Regionalkonferenz Südost (neuer Termin)" in upcoming.partition("Kommende Termine")[2] else (
            "past" if "Regionalkonferenz Südost (neuer Termin)" in past else "missing")  # fmt: skip

    assert build("2027-01-10") == "upcoming"
    assert event_sequence(www / "termine" / "kalender.ics", "regionalkonferenz-suedost-neu@") == 0
    issue = project / "content" / "newsletter" / "2026-03.md"
    issue.write_text(issue.read_text().replace("location: Dorfcafé Lüchow", "location: Gemeindehaus Lüchow"))
    assert build("2027-01-20") == "past"  # the next day's build: the event is over
    assert event_sequence(www / "termine" / "kalender.ics", "regionalkonferenz-suedost-neu@") == 1  # an update
    # a fresh machine without site/: the published calendar is fetched first, so SEQUENCE goes on
    shutil.rmtree(project / "site")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        issue.write_text(issue.read_text().replace("end: 19:00\n    location: Gemeindehaus", "end: 19:30\n    location: Gemeindehaus"))
        assert build("2027-01-21", RUNDBRIEF_PREVIOUS_SITE=f"http://127.0.0.1:{server.server_port}/") == "past"
    finally:
        server.shutdown()
        server.server_close()
    assert event_sequence(www / "termine" / "kalender.ics", "regionalkonferenz-suedost-neu@") == 2


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is installed by `make test` (Makefile: servers)")
def test_the_nginx_example_proxies_limits_and_redirects(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy/nginx.conf with only its ports, certificate and folders changed, in front of the service."""
    assert NGINX is not None
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "key.pem"), "-out",
         str(tmp_path / "cert.pem"), "-days", "2", "-subj", "/CN=zukunftswerkstatt.example.org"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>Die Website</h1>")
    https, http_port = free_port(), free_port()
    db = tmp_path / "abo.sqlite"
    with SmtpServer() as smtp, running(example, db, smtp, monkeypatch, start_worker=False) as service:
        site = (DEPLOY / "nginx.conf").read_text()
        assert "listen 443 ssl http2;" in site and "client_max_body_size 16k;" in site
        for old, new in {
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;", "listen 80;": f"listen 127.0.0.1:{http_port};",
            "/etc/letsencrypt/live/zukunftswerkstatt.example.org/fullchain.pem": str(tmp_path / "cert.pem"),
            "/etc/letsencrypt/live/zukunftswerkstatt.example.org/privkey.pem": str(tmp_path / "key.pem"),
            "/var/www/rundbrief/site": str(tmp_path / "site"), "http://127.0.0.1:8080/": f"{service.url}/",
        }.items():  # fmt: skip
            assert old in site, old
            site = site.replace(old, new)
        site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)  # no IPv6 on every machine
        temp = tmp_path / "nginx"
        temp.mkdir()
        (tmp_path / "rundbrief.conf").write_text(site)
        (tmp_path / "main.conf").write_text(
            f"user root;\nworker_processes 1;\npid {temp}/nginx.pid;\nerror_log {temp}/error.log;\nevents {{}}\n"
            f"http {{\n include /etc/nginx/mime.types;\n access_log {temp}/access.log;\n"
            + "".join(f" {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f" include {tmp_path}/rundbrief.conf;\n}}\n"
        )  # fmt: skip
        checked = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "main.conf")], capture_output=True, text=True,
                                 timeout=60, check=False)  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "main.conf"), "-g", "daemon off;"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:  # nginx needs a moment to listen
                try:
                    socket.create_connection(("127.0.0.1", https), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline and nginx.poll() is None, (temp / "error.log").read_text()
                    time.sleep(0.05)
            context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
            context.check_hostname = False  # the certificate names the public host; we connect to 127.0.0.1

            def call(path: str, body: bytes | None = None, port: int = https) -> tuple[int, str, dict[str, str]]:
                connection: http.client.HTTPConnection = (
                    http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
                    if port == https else http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                )  # fmt: skip
                connection.request("POST" if body is not None else "GET", path, body=body,
                                   headers={"Host": "zukunftswerkstatt.example.org",
                                            "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
                response = connection.getresponse()
                result = response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
                connection.close()
                return result

            assert call("/")[:2] == (200, "<h1>Die Website</h1>")
            status, page, headers = call("/abo/")
            assert status == 200 and "Newsletter abonnieren" in page
            assert headers["Strict-Transport-Security"] == "max-age=31536000"
            assert call("/abo/health")[:2] == (200, "ok\n")  # from this host
            moved = call("/abo/", port=http_port)
            assert moved[0] == 301 and moved[2]["Location"] == "https://zukunftswerkstatt.example.org/abo/"
            assert call("/abo/abonnieren", body=b"email=" + b"a" * 20_000)[0] == 413  # nginx: over 16 KB
            statuses = [call("/abo/")[0] for _ in range(25)]  # 10 a minute, bursts of 20
            assert 429 in statuses and statuses[:15] == [200] * 15, statuses
            assert "abonnieren" not in (temp / "access.log").read_text()  # the service's requests are not logged
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)
