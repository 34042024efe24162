"""The subscription service over real HTTP (waitress on loopback), mails to a real SMTP server."""

from __future__ import annotations

import html
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress

from generator.send import tokens as token_module
from generator.send.store import Status, Store
from generator.send.webapp import create_app
from tests.emailfixture import copy_example
from tests.smtpserver import SmtpServer, free_port

SECRET = "web-secret-0123456789abcdef"
SITE_ORIGIN = "https://zukunftswerkstatt.example.org"


class Service:
    def __init__(self, url: str, db: Path, smtp: SmtpServer) -> None:
        self.url, self.db, self.smtp = url, db, smtp

    def request(self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.url + path, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def status(self, address: str) -> Status | None:
        store = Store(self.db)
        try:
            found = store.find(address)
            return found.status if found else None
        finally:
            store.close()


@pytest.fixture()
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    example = copy_example(tmp_path / "example")
    with SmtpServer() as smtp:
        for key, value in {**smtp.environment(), "RUNDBRIEF_SECRET": SECRET}.items():
            monkeypatch.setenv(key, value)
        db = tmp_path / "abo.sqlite"
        app = create_app(example, db)
        port = free_port()
        server = waitress.create_server(app, host="127.0.0.1", port=port, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield Service(f"http://127.0.0.1:{port}", db, smtp)
        finally:
            server.close()


def confirmation_link(service: Service, address: str) -> str:
    plain = service.smtp.recorder.message(address).get_content()
    match = re.search(r"(https://zukunftswerkstatt\.example\.org/abo/bestaetigen\?t=\S+)", plain)
    assert match is not None, plain
    return match.group(1).replace("https://zukunftswerkstatt.example.org/abo", "")


def guard(page: str) -> str:
    match = re.search(r'name="guard" value="([^"]+)"', page)
    assert match is not None
    return html.unescape(match.group(1))


def test_double_opt_in(service: Service) -> None:
    status, page = service.request("/abonnieren", {"email": "neu@example.net"}, {"Origin": SITE_ORIGIN})
    assert status == 200 and "Fast geschafft" in page and 'lang="de"' in page
    assert service.status("neu@example.net") is Status.PENDING
    link = confirmation_link(service, "neu@example.net")
    status, page = service.request(link)  # what a link scanner does: nothing changes
    assert status == 200 and "Abonnement bestätigen" in page
    assert service.status("neu@example.net") is Status.PENDING
    status, _ = service.request(link, {"guard": "gefälscht"})
    assert status == 403 and service.status("neu@example.net") is Status.PENDING
    status, _ = service.request(link, {"guard": guard(page)}, {"Origin": "https://boese.example"})
    assert status == 403 and service.status("neu@example.net") is Status.PENDING
    status, done = service.request(link, {"guard": guard(page)})
    assert status == 200 and "Ihr Abonnement ist bestätigt" in done
    assert service.status("neu@example.net") is Status.ACTIVE


def test_subscribe_does_not_reveal_who_is_subscribed_and_refuses_other_sites(service: Service) -> None:
    service.request("/abonnieren", {"email": "a@example.net"})
    _, first = service.request("/abonnieren", {"email": "a@example.net"})
    _, other = service.request("/abonnieren", {"email": "b@example.net"})
    assert first == other
    status, _ = service.request("/abonnieren", {"email": "c@example.net"}, {"Origin": "https://boese.example"})
    assert status == 403 and service.status("c@example.net") is None
    status, page = service.request("/abonnieren", {"email": "keine adresse"})
    assert status == 400 and "keine gültige E-Mail-Adresse" in page


def active_subscriber(service: Service, address: str) -> int:
    store = Store(service.db)
    try:
        subscriber = store.request(address, "test")
        store.confirm(subscriber.id, "test")
        return subscriber.id
    finally:
        store.close()


def test_unsubscribe_get_changes_nothing_post_does(service: Service) -> None:
    subscriber_id = active_subscriber(service, "leser@example.net")
    token = token_module.Tokens(SECRET).unsubscribe(subscriber_id)
    path = f"/abmelden?t={urllib.parse.quote(token)}"
    status, page = service.request(path)
    assert status == 200 and "Newsletter abbestellen" in page
    assert service.status("leser@example.net") is Status.ACTIVE
    status, _ = service.request(path, {"guard": guard(page)}, {"Origin": "https://boese.example"})
    assert status == 403 and service.status("leser@example.net") is Status.ACTIVE
    status, done = service.request(path, {"guard": guard(page)})
    assert status == 200 and "Sie erhalten den Newsletter nicht mehr" in done
    assert service.status("leser@example.net") is Status.UNSUBSCRIBED


def test_one_click_unsubscribe_rfc_8058(service: Service) -> None:
    subscriber_id = active_subscriber(service, "klick@example.net")
    token = token_module.Tokens(SECRET).unsubscribe(subscriber_id)
    status, body = service.request(f"/abmelden?t={urllib.parse.quote(token)}", {"List-Unsubscribe": "One-Click"})
    assert status == 200 and body == "Abgemeldet.\n"
    assert service.status("klick@example.net") is Status.UNSUBSCRIBED


def test_forged_and_foreign_tokens_change_nothing(service: Service) -> None:
    subscriber_id = active_subscriber(service, "ziel@example.net")
    forged = token_module.Tokens("another-secret-0123456789").unsubscribe(subscriber_id)
    for token in (forged, "abc", "", token_module.Tokens(SECRET).confirm(subscriber_id)):
        status, page = service.request(f"/abmelden?t={urllib.parse.quote(token)}", {"List-Unsubscribe": "One-Click"})
        assert status == 400 and "Dieser Link ist ungültig" in page
    assert service.status("ziel@example.net") is Status.ACTIVE


def test_expired_confirmation(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    service.request("/abonnieren", {"email": "spaet@example.net"})
    link = confirmation_link(service, "spaet@example.net")
    monkeypatch.setattr(token_module, "CONFIRM_MAX_AGE", 0)
    time.sleep(1.1)
    status, page = service.request(link)
    assert status == 410 and "abgelaufen" in page
    assert service.status("spaet@example.net") is Status.PENDING


def test_pages_are_safe_to_show(service: Service) -> None:
    request = urllib.request.Request(service.url + "/")
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = response.headers
        page = response.read().decode()
    assert "Newsletter abonnieren" in page and 'action="abonnieren"' in page
    assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    status, _ = service.request("/gibt-es-nicht")
    assert status == 404
