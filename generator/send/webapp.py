"""The subscription web application: double opt-in, unsubscribe, RFC 8058 one-click.

A static site cannot take a POST; this small WSGI app can, on the same SQLite store as the
sender. Every GET only shows a page (corporate link scanners follow every link in an email);
changes happen on POST: a form carrying a signed field tied to the page that showed it
(cross-site posts fail), or the one-click POST a mail client sends with
``List-Unsubscribe=One-Click`` to the signed unsubscribe URL. Bad, forged or expired tokens
get a clear page and change nothing.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from email_validator import EmailNotValidError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from generator.content import load_project
from generator.content.model import Settings
from generator.email.mime import address, header_text
from generator.send.smtp import Connection, Outcome, SmtpSettings
from generator.send.store import Status, Store, resolve_db
from generator.send.subscribers import normalise_address
from generator.send.tokens import TokenError, Tokens, secret_from_environment

Mailer = Callable[[EmailMessage, str], bool]  # (message, recipient) -> delivered

PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title} – {name}</title>
<style>
body {{ margin: 0; font: 17px/1.5 Arial, Helvetica, sans-serif; color: #1f2330; background: #eef0f5; }}
header {{ background: #283593; color: #fff; padding: 1rem 1.5rem; font-weight: bold; font-size: 1.1rem; }}
main {{ max-width: 36rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: .3rem; }}
h1 {{ font-size: 1.6rem; margin-top: 0; }}
label {{ display: block; font-weight: bold; margin-bottom: .3rem; }}
input[type=email] {{ width: 100%; box-sizing: border-box; padding: .6rem; font: inherit; border: 1px solid #52596b; border-radius: .2rem; }}
button {{ margin-top: 1rem; padding: .7rem 1.3rem; font: inherit; font-weight: bold; color: #fff; background: #283593; border: 0; border-radius: .3rem; cursor: pointer; }}
button:focus-visible, a:focus-visible, input:focus-visible {{ outline: 3px solid #ffb300; outline-offset: 2px; }}
a {{ color: #2b3a9c; }}
.note {{ color: #52596b; font-size: .9rem; }}
</style></head>
<body><header>{name}</header><main><h1>{title}</h1>{body}</main></body></html>
"""


def _source(request: Request) -> str:
    """How a consent step came in, for the record: the web, and from which address."""
    return f"web {request.remote_addr}" if request.remote_addr else "web"


def page(settings: Settings, title: str, body: str, status: int = 200) -> Response:
    text = PAGE.format(title=html.escape(title), name=html.escape(settings.newsletter_name), body=body)
    response = Response(text, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token in the address must not leak
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def smtp_mailer(settings: Settings) -> Mailer:
    def deliver(message: EmailMessage, recipient: str) -> bool:
        assert settings.sender_email
        result = Connection(SmtpSettings.from_environment()).deliver(settings.sender_email, recipient, message.as_bytes())
        return result.outcome is Outcome.SENT

    return deliver


class SubscriptionApp:
    def __init__(self, store: Store, settings: Settings, tokens: Tokens, mailer: Mailer) -> None:
        self.store = store
        self.settings = settings
        self.tokens = tokens
        self.mailer = mailer
        self.lock = threading.Lock()
        self.origins = {self._origin(u) for u in (settings.site_url, settings.service_url) if u}
        self.routes = Map(
            [
                Rule("/", endpoint="home", methods=["GET"]),
                Rule("/abonnieren", endpoint="subscribe", methods=["GET", "POST"]),
                Rule("/bestaetigen", endpoint="confirm", methods=["GET", "POST"]),
                Rule("/abmelden", endpoint="unsubscribe", methods=["GET", "POST"]),
            ]
        )

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, _ = self.routes.bind_to_environ(environ).match()
            with self.lock:  # one SQLite connection, shared by the server's threads in turn
                response = getattr(self, f"on_{endpoint}")(request)
        except MethodNotAllowed:
            response = page(self.settings, "Nicht möglich", "<p>Diese Aktion ist so nicht möglich.</p>", 405)
        except NotFound:
            response = page(self.settings, "Seite nicht gefunden", "<p>Diese Seite gibt es nicht.</p>", 404)
        except HTTPException as err:  # pragma: no cover - other client errors
            response = page(self.settings, "Fehler", f"<p>{html.escape(str(err.description))}</p>", err.code or 400)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    # -- helpers --------------------------------------------------------------------
    def _cross_site(self, request: Request) -> bool:
        """A browser's POST from another site: its Origin (or Referer) names a foreign origin."""
        origin = request.headers.get("Origin") or (self._origin(request.referrer) if request.referrer else "")
        if not origin:
            return False  # not a browser form post (browsers send Origin with every POST)
        if origin == "null":
            return True  # a sandboxed or privacy-stripped context: not one of our pages
        return origin.lower() not in self.origins | {self._origin(request.host_url)}

    def _form(self, action: str, token: str, purpose: str, button: str) -> str:
        guard = self.tokens.form(purpose, token)
        return (
            f'<form method="post" action="{action}?t={quote(token)}">'
            f'<input type="hidden" name="guard" value="{html.escape(guard)}">'
            f"<button type=\"submit\">{html.escape(button)}</button></form>"
        )

    def _service(self, path: str, token: str) -> str:
        base = (self.settings.service_url or "").rstrip("/")
        return f"{base}/{path}?t={quote(token)}"

    def _bad_link(self) -> Response:
        return page(
            self.settings, "Dieser Link ist ungültig",
            "<p>Der Link ist unvollständig oder wurde verändert. Bitte verwenden Sie den vollständigen Link aus der E-Mail.</p>",
            400,
        )  # fmt: skip

    # -- pages ----------------------------------------------------------------------
    def on_home(self, request: Request) -> Response:
        return page(
            self.settings, "Newsletter abonnieren",
            '<form method="post" action="abonnieren"><label for="email">E-Mail-Adresse</label>'
            '<input id="email" type="email" name="email" autocomplete="email" required>'
            '<button type="submit">Abonnieren</button></form>'
            '<p class="note">Sie erhalten eine E-Mail mit einem Link, mit dem Sie das Abonnement bestätigen.</p>',
        )  # fmt: skip

    def on_subscribe(self, request: Request) -> Response:
        if request.method == "GET":
            return self.on_home(request)
        if self._cross_site(request):
            return page(self.settings, "Nicht möglich", "<p>Diese Anmeldung kam von einer fremden Seite.</p>", 403)
        try:
            address_ = normalise_address(request.form.get("email", ""))
        except EmailNotValidError:
            return page(self.settings, "Bitte prüfen Sie die Adresse", "<p>Das ist keine gültige E-Mail-Adresse.</p>"
                        '<p><a href="./">Zurück</a></p>', 400)  # fmt: skip
        known = self.store.find(address_)
        if known is None or known.status is not Status.ACTIVE:
            subscriber = self.store.request(address_, _source(request))
            self._send_confirmation(subscriber.id, address_)
        # the same answer whether or not the address is known: nobody learns who subscribes
        return page(
            self.settings, "Fast geschafft",
            "<p>Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie das Abonnement mit dem Link darin.</p>",
        )  # fmt: skip

    def _send_confirmation(self, subscriber_id: int, recipient: str) -> bool:
        settings = self.settings
        assert settings.sender_email
        link = self._service("bestaetigen", self.tokens.confirm(subscriber_id))
        message = EmailMessage(policy=SMTP)
        message["Subject"] = header_text(f"Bitte bestätigen: {settings.newsletter_name}")
        message["From"] = address(settings.sender_name, settings.sender_email)
        message["To"] = address(None, recipient)
        message["Date"] = format_datetime(datetime.now().astimezone())
        message["Message-ID"] = make_msgid(domain=settings.sender_email.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(
            f"Guten Tag,\n\nSie möchten den {settings.newsletter_name} erhalten. Bitte bestätigen Sie das mit diesem Link "
            f"(7 Tage gültig):\n\n{link}\n\nWenn Sie das nicht waren, ignorieren Sie diese E-Mail; "
            "Sie erhalten dann nichts weiter.\n",
            charset="utf-8",
        )
        return self.mailer(message, recipient)

    def on_confirm(self, request: Request) -> Response:
        token = request.args.get("t", "")
        try:
            subscriber_id = self.tokens.read_confirm(token)
        except TokenError as err:
            if str(err) == "expired":
                return page(self.settings, "Dieser Link ist abgelaufen",
                            '<p>Bestätigungslinks gelten 7 Tage. <a href="abonnieren">Bitte melden Sie sich noch einmal an.</a></p>', 410)  # fmt: skip
            return self._bad_link()
        subscriber = self.store.get(subscriber_id)
        if subscriber is None:
            return self._bad_link()
        if request.method == "GET":
            if subscriber.status is Status.ACTIVE:
                return page(self.settings, "Bereits bestätigt", "<p>Ihr Abonnement ist bereits aktiv.</p>")
            return page(
                self.settings, "Abonnement bestätigen",
                f"<p>Bitte bestätigen Sie, dass <strong>{html.escape(subscriber.email)}</strong> den Newsletter erhalten soll.</p>"
                + self._form("bestaetigen", token, "confirm", "Abonnement bestätigen"),
            )  # fmt: skip
        if self._cross_site(request) or not self.tokens.check_form("confirm", token, request.form.get("guard", "")):
            return page(self.settings, "Nicht möglich", "<p>Bitte bestätigen Sie über die Schaltfläche auf der Seite des Links.</p>", 403)
        self.store.confirm(subscriber_id, _source(request))
        return page(self.settings, "Danke!", "<p>Ihr Abonnement ist bestätigt. Die nächste Ausgabe kommt zu Ihnen.</p>")

    def on_unsubscribe(self, request: Request) -> Response:
        token = request.args.get("t", "")
        try:
            subscriber_id = self.tokens.read_unsubscribe(token)
        except TokenError:
            return self._bad_link()
        subscriber = self.store.get(subscriber_id)
        if subscriber is None:
            return self._bad_link()
        if request.method == "GET":
            if subscriber.status is Status.UNSUBSCRIBED:
                return page(self.settings, "Bereits abgemeldet", "<p>Sie erhalten den Newsletter nicht mehr.</p>")
            return page(
                self.settings, "Newsletter abbestellen",
                f"<p>Soll <strong>{html.escape(subscriber.email)}</strong> den Newsletter nicht mehr erhalten?</p>"
                + self._form("abmelden", token, "unsubscribe", "Newsletter abbestellen"),
            )  # fmt: skip
        if request.form.get("List-Unsubscribe") == "One-Click":  # RFC 8058: the signed URL is the proof
            self.store.unsubscribe(subscriber_id, "one-click (RFC 8058)")
            return Response("Abgemeldet.\n", content_type="text/plain; charset=utf-8")
        if self._cross_site(request) or not self.tokens.check_form("unsubscribe", token, request.form.get("guard", "")):
            return page(self.settings, "Nicht möglich", "<p>Bitte melden Sie sich über die Schaltfläche auf der Seite des Links ab.</p>", 403)
        self.store.unsubscribe(subscriber_id, _source(request))
        return page(self.settings, "Abgemeldet", "<p>Sie erhalten den Newsletter nicht mehr. Schade, dass Sie gehen.</p>")


def create_app(project: Path = Path("."), db: Path | None = None, mailer: Mailer | None = None) -> SubscriptionApp:
    """The WSGI application for ``project`` (for any WSGI server: ``generator.send.webapp:create_app()``)."""
    result = load_project(project)
    if result.diagnostics.errors:
        raise SystemExit("rundbrief: the project has errors; run rundbrief check")
    settings = result.project.settings
    store = Store(resolve_db(result.project.root, db))
    return SubscriptionApp(store, settings, Tokens(secret_from_environment()), mailer or smtp_mailer(settings))
