"""The subscription web application: double opt-in, unsubscribe, RFC 8058 one-click.

A static site cannot take a POST; this small WSGI app can, on the same SQLite store as the
sender. Every GET (and HEAD) only shows a page (corporate link scanners follow every link in
an email); changes happen on POST only: a form carrying a signed field tied to the page that
showed it (cross-site posts fail), or the one-click POST a mail client sends with
``List-Unsubscribe=One-Click`` to the signed unsubscribe URL. Bad, forged or expired tokens
get a clear page and change nothing. Every page the public sees is German, errors included.

Abuse: request bodies are limited to ``MAX_BODY`` bytes; subscription requests per client
network and hour, confirmation mails per hour and unconfirmed requests at once are limited
(generator.send.limits); confirmation mails are queued and sent by a worker
(generator.send.outbox), at most one per address and hour.

``GET /health`` (any Host) says whether the store answers: for a container's or a proxy's probe.
"""

from __future__ import annotations

import html
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from generator.addresses import AddressError, check_address
from generator.content import load_project
from generator.content.model import Settings
from generator.i18n import _
from generator.routes import CONFIRM_PATH, Routes
from generator.send import limits as limit
from generator.send.limits import DEFAULT_LIMITS, Limits
from generator.send.migrations import SCHEMA_VERSION
from generator.send.outbox import ConfirmationWorker, enqueue, recently_queued
from generator.send.smtp import Connection, RelayError, SmtpConfigError, SmtpSettings
from generator.send.store import Status, Store, StoreError, resolve_db
from generator.send.tokens import TokenError, Tokens, secret_from_environment

log = logging.getLogger("rundbrief.subscriptions")
MAX_BODY = 16 * 1024  # a subscription form is a few hundred bytes
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
HEALTH_PATH = "/health"  # for a container's or a load balancer's probe, under any Host: it tells nothing
HEALTH_TIMEOUT_MS = 2000  # a store locked longer than this is reported unhealthy

# German words for the HTTP errors a visitor can meet (werkzeug's own pages are English)
ERROR_PAGES = {
    400: ("Ungültige Anfrage", "Die Anfrage war unvollständig oder fehlerhaft."),
    404: ("Seite nicht gefunden", "Diese Seite gibt es nicht."),
    405: ("Nicht möglich", "Diese Aktion ist so nicht möglich."),
    413: ("Anfrage zu groß", "Die gesendeten Daten sind zu umfangreich."),
    429: ("Zu viele Anfragen", "Bitte versuchen Sie es in einer Stunde noch einmal."),
    500: ("Ein Fehler ist aufgetreten", "Bitte versuchen Sie es später noch einmal."),
    503: (
        "Derzeit nicht möglich",
        "Gerade sind zu viele Anmeldungen offen. Bitte versuchen Sie es in einer Stunde noch einmal.",
    ),
}


class ServiceConfigError(Exception):
    """The service cannot start: the message says which setting to fix."""


PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title} – {name}</title>
<style>
body {{ margin: 0; font: 17px/1.5 Arial, Helvetica, sans-serif; color: #1f2330; background: #eef0f5; }}
header {{ background: #283593; color: #fff; padding: 1rem 1.5rem; font-weight: bold; font-size: 1.1rem; }}
main {{ max-width: 36rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: .3rem; }}
h1 {{ font-size: 1.6rem; margin-top: 0; }}
label {{ display: block; font-weight: bold; margin-bottom: .3rem; }}
input[type=email] {{ width: 100%; box-sizing: border-box; padding: .6rem; font: inherit;
  border: 1px solid #52596b; border-radius: .2rem; }}
button {{ margin-top: 1rem; padding: .7rem 1.3rem; font: inherit; font-weight: bold; color: #fff;
  background: #283593; border: 0; border-radius: .3rem; cursor: pointer; }}
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
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def error_page(settings: Settings, code: int) -> Response:
    title, text = ERROR_PAGES.get(code, ERROR_PAGES[400] if code < 500 else ERROR_PAGES[500])
    response = page(settings, title, f"<p>{html.escape(text)}</p>", code)
    if code in (429, 503):
        response.headers["Retry-After"] = "3600"
    return response


class SubscriptionApp:
    def __init__(
        self, store: Store, settings: Settings, tokens: Tokens, worker: ConfirmationWorker | None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:  # fmt: skip
        self.store = store
        self.settings = settings
        self.tokens = tokens
        self.worker = worker  # None: mails stay queued (a test, or a second process beside the one that sends)
        self.limits = limits
        self.lock = threading.Lock()
        # Explicit, from the settings only, never from the request (a Host header is whatever a
        # DNS-rebinding page makes it): the pages that may post to the service, and the host
        # names it answers to. Loopback names stay allowed for the operator's own checks and
        # a reverse proxy that does not pass Host on; a browser names the host it resolved.
        urls = [u for u in (settings.site_url, settings.service_url, settings.subscribe_url) if u]
        self.origins = frozenset(self._origin(u) for u in urls)
        service_urls = [u for u in (settings.service_url, settings.subscribe_url) if u]
        self.hosts = frozenset((urlsplit(u).hostname or "").lower() for u in service_urls) | LOOPBACK_HOSTS
        # One endpoint per method: a HEAD (which werkzeug adds to every GET) can only ever show a page.
        self.routes = Map(
            [
                Rule("/", endpoint="home", methods=["GET"]),
                Rule("/abonnieren", endpoint="home", methods=["GET"]),
                Rule("/abonnieren", endpoint="subscribe", methods=["POST"]),
                Rule("/bestaetigen", endpoint="confirm_page", methods=["GET"]),
                Rule("/bestaetigen", endpoint="confirm", methods=["POST"]),
                Rule("/abmelden", endpoint="unsubscribe_page", methods=["GET"]),
                Rule("/abmelden", endpoint="unsubscribe", methods=["POST"]),
                Rule(HEALTH_PATH, endpoint="health", methods=["GET"]),
            ]
        )

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY  # checked before the body is read, chunked bodies too
        request.max_form_memory_size = MAX_BODY
        try:
            if request.path != HEALTH_PATH and not self._known_host(request):
                log.warning("refused a request for the host %r (not the host of service_url)", request.host[:100])
                response = error_page(self.settings, 400)
                refused: Iterable[bytes] = response(environ, start_response)
                return refused
            endpoint, _ = self.routes.bind_to_environ(environ).match()
            with self.lock:  # one SQLite connection, shared by the server's threads in turn
                response = getattr(self, f"on_{endpoint}")(request)
        except MethodNotAllowed:
            response = error_page(self.settings, 405)
        except NotFound:
            response = error_page(self.settings, 404)
        except HTTPException as err:  # other client errors (413 and so on), in German
            response = error_page(self.settings, err.code or 400)
        except Exception:  # never a traceback for the public; the operator's log has it
            log.exception("error answering %s %s", request.method, request.path)
            response = error_page(self.settings, 500)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    # -- helpers --------------------------------------------------------------------
    def _known_host(self, request: Request) -> bool:
        """Whether the request names one of the service's own hosts (DNS rebinding names another)."""
        host = request.host.lower()
        name = host[1:].partition("]")[0] if host.startswith("[") else host.rpartition(":")[0] if ":" in host else host
        return name in self.hosts

    def _cross_site(self, request: Request) -> bool:
        """A browser's POST from another site: its Origin (or Referer) is not one of the origins of
        site_url, service_url and subscribe_url (never the request's own Host: an attacker's)."""
        origin = request.headers.get("Origin") or (self._origin(request.referrer) if request.referrer else "")
        if not origin:
            return False  # not a browser form post (browsers send Origin with every POST)
        if origin == "null":
            return True  # a sandboxed or privacy-stripped context: not one of our pages
        return origin.lower() not in self.origins

    def _form(self, action: str, token: str, purpose: str, button: str) -> str:
        guard = self.tokens.form(purpose, token)
        return (
            f'<form method="post" action="{action}?t={quote(token)}">'
            f'<input type="hidden" name="guard" value="{html.escape(guard)}">'
            f'<button type="submit">{html.escape(button)}</button></form>'
        )

    def confirm_link(self, subscriber_id: int) -> str:
        page = Routes.create(None, service_url=self.settings.service_url).service(CONFIRM_PATH) or CONFIRM_PATH
        return f"{page}?t={quote(self.tokens.confirm(subscriber_id))}"

    def _bad_link(self) -> Response:
        return page(
            self.settings, "Dieser Link ist ungültig",
            "<p>Der Link ist unvollständig oder wurde verändert. Bitte verwenden Sie den vollständigen Link aus der "
            "E-Mail.</p>",
            400,
        )  # fmt: skip

    # -- pages ----------------------------------------------------------------------
    def on_health(self, request: Request) -> Response:
        """200 when the store answers a read and grants the write lock within 2 s, and its path still
        names the file the service has open (same device and inode: not deleted or replaced), else 503."""
        db = self.store.db
        try:
            db.execute(f"PRAGMA busy_timeout = {HEALTH_TIMEOUT_MS}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute("SELECT COUNT(*) FROM subscribers").fetchone()
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
            moved = self.store.moved()  # the path must still name the file this connection has open
            healthy = version == SCHEMA_VERSION and moved is None
            problem = moved or ("" if healthy else f"schema {version}, expected {SCHEMA_VERSION}")
        except sqlite3.Error as err:
            healthy, problem = False, str(err)
        finally:
            try:
                db.execute("PRAGMA busy_timeout = 30000")
            except sqlite3.Error:
                pass
        if not healthy:
            log.error("health check: the store is not usable: %s", problem)
        response = Response("ok\n" if healthy else "store unavailable\n", status=200 if healthy else 503,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
        response.headers["Cache-Control"] = "no-store"
        return response

    def on_home(self, request: Request) -> Response:
        return page(
            self.settings, "Newsletter abonnieren",
            '<form method="post" action="abonnieren"><label for="email">E-Mail-Adresse</label>'
            '<input id="email" type="email" name="email" autocomplete="email" required>'
            '<button type="submit">Abonnieren</button></form>'
            '<p class="note">Sie erhalten eine E-Mail mit einem Link, mit dem Sie das Abonnement bestätigen.</p>',
        )  # fmt: skip

    def on_subscribe(self, request: Request) -> Response:
        if self._cross_site(request):
            return page(self.settings, "Nicht möglich", "<p>Diese Anmeldung kam von einer fremden Seite.</p>", 403)
        with self.store.transaction() as db:
            allowed = limit.hit(db, limit.client_key(request.remote_addr), self.limits.requests_per_client)
        if not allowed:
            return error_page(self.settings, 429)
        try:
            address_ = check_address(request.form.get("email", ""))
        except AddressError:
            return page(self.settings, "Bitte prüfen Sie die Adresse", "<p>Das ist keine gültige E-Mail-Adresse.</p>"
                        '<p><a href="./">Zurück</a></p>', 400)  # fmt: skip
        # The same store work and the same answer whether or not the address is known, and no
        # SMTP here: nobody learns who subscribes, not even from the time the answer takes.
        with self.store.transaction() as db:
            if self.store.pending_count() >= self.limits.pending or limit.full(
                db, "confirmations", self.limits.confirmations
            ):
                return error_page(self.settings, 503)  # for every address alike: it reveals nobody
            subscriber = self.store.request_in(db, address_, _source(request))
            recent = recently_queued(db, address_, self.limits.address_interval)  # asked for every address alike
            queue = subscriber.status is Status.PENDING and not recent
            # the same statements whether or not a mail is queued: each counts or writes one row, or none
            limit.hit(db, "confirmations", self.limits.confirmations, count=int(queue))
            enqueue(db, subscriber, queue)
        if self.worker is not None:
            self.worker.wake()  # every time alike; the worker starts a moment later, after the answer
        return page(
            self.settings, "Fast geschafft",
            "<p>Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie das Abonnement mit dem Link darin.</p>",
        )  # fmt: skip

    def _confirm_target(self, request: Request) -> tuple[str, int] | Response:
        token = request.args.get("t", "")
        try:
            subscriber_id = self.tokens.read_confirm(token)
        except TokenError as err:
            if str(err) == "expired":
                return page(self.settings, "Dieser Link ist abgelaufen",
                            '<p>Bestätigungslinks gelten 7 Tage. '
                            '<a href="abonnieren">Bitte melden Sie sich noch einmal an.</a></p>', 410)  # fmt: skip
            return self._bad_link()
        return token, subscriber_id

    def on_confirm_page(self, request: Request) -> Response:
        target = self._confirm_target(request)
        if isinstance(target, Response):
            return target
        token, subscriber_id = target
        subscriber = self.store.get(subscriber_id)
        if subscriber is None:
            return self._bad_link()
        if subscriber.status is Status.ACTIVE:
            return page(self.settings, "Bereits bestätigt", "<p>Ihr Abonnement ist bereits aktiv.</p>")
        return page(
            self.settings, "Abonnement bestätigen",
            f"<p>Bitte bestätigen Sie, dass <strong>{html.escape(subscriber.email)}</strong> den Newsletter erhalten "
            "soll.</p>"
            + self._form("bestaetigen", token, "confirm", "Abonnement bestätigen"),
        )  # fmt: skip

    def on_confirm(self, request: Request) -> Response:
        target = self._confirm_target(request)
        if isinstance(target, Response):
            return target
        token, subscriber_id = target
        if self.store.get(subscriber_id) is None:
            return self._bad_link()
        if self._cross_site(request) or not self.tokens.check_form("confirm", token, request.form.get("guard", "")):
            return page(
                self.settings,
                "Nicht möglich",
                "<p>Bitte bestätigen Sie über die Schaltfläche auf der Seite des Links.</p>",
                403,
            )
        self.store.confirm(subscriber_id, _source(request))
        return page(self.settings, "Danke!", "<p>Ihr Abonnement ist bestätigt. Die nächste Ausgabe kommt zu Ihnen.</p>")

    def _unsubscribe_target(self, request: Request) -> tuple[str, int] | Response:
        token = request.args.get("t", "")
        try:
            subscriber_id = self.tokens.read_unsubscribe(token)
        except TokenError:
            return self._bad_link()
        if self.store.get(subscriber_id) is None:
            return self._bad_link()
        return token, subscriber_id

    def on_unsubscribe_page(self, request: Request) -> Response:
        target = self._unsubscribe_target(request)
        if isinstance(target, Response):
            return target
        token, subscriber_id = target
        subscriber = self.store.get(subscriber_id)
        assert subscriber is not None
        if subscriber.status is Status.UNSUBSCRIBED:
            return page(self.settings, "Bereits abgemeldet", "<p>Sie erhalten den Newsletter nicht mehr.</p>")
        return page(
            self.settings, "Newsletter abbestellen",
            f"<p>Soll <strong>{html.escape(subscriber.email)}</strong> den Newsletter nicht mehr erhalten?</p>"
            + self._form("abmelden", token, "unsubscribe", "Newsletter abbestellen"),
        )  # fmt: skip

    def on_unsubscribe(self, request: Request) -> Response:
        target = self._unsubscribe_target(request)
        if isinstance(target, Response):
            return target
        token, subscriber_id = target
        if request.form.get("List-Unsubscribe") == "One-Click":  # RFC 8058: the signed URL is the proof
            self.store.unsubscribe(subscriber_id, "one-click (RFC 8058)")
            return Response("Abgemeldet.\n", content_type="text/plain; charset=utf-8")
        if self._cross_site(request) or not self.tokens.check_form("unsubscribe", token, request.form.get("guard", "")):
            return page(
                self.settings,
                "Nicht möglich",
                "<p>Bitte melden Sie sich über die Schaltfläche auf der Seite des Links ab.</p>",
                403,
            )
        self.store.unsubscribe(subscriber_id, _source(request))
        return page(
            self.settings, "Abgemeldet", "<p>Sie erhalten den Newsletter nicht mehr. Schade, dass Sie gehen.</p>"
        )


def create_app(
    project: Path = Path("."), db: Path | None = None, *, limits: Limits = DEFAULT_LIMITS, start_worker: bool = True,
    retry_after: float = 60.0, check_smtp: bool = False,
) -> SubscriptionApp:  # fmt: skip
    """The WSGI application for ``project`` (for any WSGI server: ``generator.send.webapp:create_app()``).

    ServiceConfigError, with the setting to fix, if it cannot work: content errors, no usable
    RUNDBRIEF_SECRET, SMTP settings, sender or service_url, or a store it must not use.
    ``check_smtp``: connect and log in once first (``serve`` does: a service that cannot send
    confirmations must not take subscriptions). ``start_worker`` False leaves them queued (tests)."""
    result = load_project(project)
    if result.diagnostics.errors:
        raise ServiceConfigError(_(
            "the project has errors (%(summary)s); run rundbrief check",
            summary=result.diagnostics.summary(),
        ))
    settings = result.project.settings
    if not settings.sender_email:
        raise ServiceConfigError(_("plugins.rundbrief.sender is required: confirmation mails are sent from it"))
    if not settings.service_url:
        raise ServiceConfigError(_("plugins.rundbrief.service_url is required: the confirmation links point there"))
    try:
        tokens = Tokens(secret_from_environment())
        smtp = SmtpSettings.from_environment()
        path = resolve_db(result.project.root, db)
        store = Store(path)
        store.expire()  # also checks RUNDBRIEF_RETENTION_DAYS before the service takes requests
    except (TokenError, SmtpConfigError, StoreError) as err:
        raise ServiceConfigError(str(err)) from None
    if check_smtp:
        probe = Connection(smtp)
        try:
            probe.open()
        except RelayError as err:
            store.close()
            raise ServiceConfigError(str(err)) from None
        probe.close()
    app = SubscriptionApp(store, settings, tokens, None, limits)
    if start_worker:
        app.worker = ConfirmationWorker(path, settings, smtp, app.confirm_link, retry_after=retry_after)
        app.worker.start()
    return app
