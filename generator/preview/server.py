"""The preview server of ``rundbrief serve``: the last good build, rebuilt in the background.

- A watcher (watchdog) notes every change in ``content/``, ``theme/`` and ``mkdocs.yml``; the
  builder thread waits until the files have been quiet for a moment (an editor saves several
  files, or one file twice), then calls ``rebuild`` once. Meanwhile the server keeps serving the
  last good build.
- Every finished build, good or not, counts up ``number``. Pages carry a small script that waits
  for the next number (a long poll of ``/_rundbrief/reload``) and reloads the page then.
- While the content has errors, every page (site and email preview) shows them with their
  ``path:line``; the next good build brings the pages back. Images and styles come from the
  last good build meanwhile.
- Files are served from the build's folder only: a path that leaves it is refused. Only GET and
  HEAD; on a loopback address only requests for a loopback name (no DNS rebinding).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import shutil
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from generator.content.settings import CONFIG_FILE
from generator.diagnostics import Level, Location, Problem
from generator.i18n import _
from generator.preview import pages
from generator.preview.build import PREVIEW_DIR, PreviewBuild, Rebuild
from generator.preview.emailview import VARIANTS, email_facts, variant
from generator.preview.incremental import IncrementalRebuild

log = logging.getLogger("rundbrief.preview")

WATCHED = ("content", "theme")  # folders below the project (content: docs_dir); and mkdocs.yml
DEBOUNCE = 0.2  # seconds without a change before a build starts
_BUILD_NUMBER = re.compile(r"[0-9]{1,18}")
NAME_MAX = 255  # bytes of one file name (Linux, macOS)
LONG_POLL = 20.0  # seconds a reload request waits for the next build
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
_IGNORED_NAME = re.compile(r"(^[.~#])|(~$)|(\.sw[a-p]$)")  # editors' temporary and backup files

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


class _Changes(FileSystemEventHandler):
    def __init__(self, root: Path, changed: Callable[[], None]) -> None:
        self.config = str(root / CONFIG_FILE)
        self.root = str(root)
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        for path in paths:
            if os.path.dirname(path) == self.root and path != self.config:
                continue  # the project folder itself is watched for mkdocs.yml only
            if not _IGNORED_NAME.search(os.path.basename(path)):
                self.changed()
                return


class Preview:
    """The state of the preview (the last builds) and the WSGI application that serves it."""

    def __init__(
        self,
        root: Path,
        rebuild: Rebuild | None = None,
        *,
        loopback_only: bool = True,
        debounce: float = DEBOUNCE,
        watched: tuple[str, ...] = WATCHED,
    ) -> None:
        self.root = root.resolve()
        self.watched = watched
        self.base = self.root / PREVIEW_DIR
        # after an edit of issue bodies alone, only what shows them is rendered again (incremental.py)
        self.rebuild: Rebuild = rebuild if rebuild is not None else IncrementalRebuild()
        self.loopback_only = loopback_only
        self.debounce = debounce
        self.number = 0  # finished builds, good or not
        self.current: PreviewBuild | None = None  # the last build
        self.good: PreviewBuild | None = None  # the last build without errors
        self._older: PreviewBuild | None = None  # the good one before: requests may still read it
        self._state = threading.Condition()
        self._dirty = threading.Event()
        self._stopping = False
        self._sequence = 0
        self._builder: threading.Thread | None = None
        self._observer: Any = None
        self.on_build: Callable[[PreviewBuild], None] = lambda done: None

    # -- building ------------------------------------------------------------------
    def start(self) -> None:
        """Start watching and building (the first build at once)."""
        self._remove_stale_folders()
        self._dirty.set()
        self._builder = threading.Thread(target=self._build_loop, name="rundbrief-preview-build", daemon=True)
        self._builder.start()
        observer = Observer()
        handler = _Changes(self.root, self.changed)
        for name in self.watched:
            if (self.root / name).is_dir():
                observer.schedule(handler, str(self.root / name), recursive=True)
        observer.schedule(handler, str(self.root), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def changed(self) -> None:
        self._dirty.set()

    def stop(self) -> None:
        self._stopping = True
        self._dirty.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._builder is not None:
            self._builder.join(timeout=10)
        with self._state:
            self._state.notify_all()
        for folder in self._own_folders():
            shutil.rmtree(folder, ignore_errors=True)

    def _build_loop(self) -> None:
        while not self._stopping:
            self._dirty.wait()
            while True:  # wait until the files have been quiet for a moment
                self._dirty.clear()
                time.sleep(self.debounce)
                if not self._dirty.is_set() or self._stopping:
                    break
            if self._stopping:
                return
            self.build_once()

    def build_once(self) -> PreviewBuild:
        self._sequence += 1
        self.base.mkdir(parents=True, exist_ok=True)
        folder = self.base / f"{os.getpid()}-{self._sequence}"
        try:
            done = self.rebuild(self.root, folder, self.good)
        except Exception as err:  # a bug of rundbrief's, not the editor's: show it, keep serving
            traceback.print_exc(file=sys.stderr)
            shutil.rmtree(folder, ignore_errors=True)
            message = _(
                "rundbrief: internal error while building the preview: %(error)s: %(reason)s",
                error=type(err).__name__, reason=err,
            )  # fmt: skip
            done = PreviewBuild(None, (Problem(Location(CONFIG_FILE), Level.ERROR, message),))
        # Kept: this build and the good one before (requests in flight may still read it; the
        # next build reuses its emails). Removed before the new build is announced.
        keep = {b.folder for b in (done, self.good if done.folder else self._older) if b is not None and b.folder}
        for old in self._own_folders():
            if old not in keep and old != self.good_folder():
                shutil.rmtree(old, ignore_errors=True)
        with self._state:
            self.current = done
            if done.folder is not None:
                self._older, self.good = self.good, done
            self.number += 1
            self._state.notify_all()
        self.on_build(done)
        return done

    def good_folder(self) -> Path | None:
        return self.good.folder if self.good is not None else None

    def _own_folders(self) -> list[Path]:
        if not self.base.is_dir():
            return []
        return [p for p in self.base.iterdir() if p.is_dir() and p.name.startswith(f"{os.getpid()}-")]

    def _remove_stale_folders(self) -> None:
        """Folders of previews that are no longer running (killed, say)."""
        if not self.base.is_dir():
            return
        for folder in self.base.iterdir():
            pid = folder.name.partition("-")[0]
            if folder.is_dir() and pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def wait_for_build(self, seen: int, timeout: float) -> int:
        """The build number once it differs from ``seen``, or after ``timeout`` seconds."""
        with self._state:
            self._state.wait_for(lambda: self.number != seen or self._stopping, timeout=timeout)
            return self.number

    # -- serving -------------------------------------------------------------------
    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, headers, body = self.respond(environ)
        except OSError:  # a file of a build that was just replaced and removed: the next answer has it
            status, headers, body = _html(pages.building_page(self.number), "503 Service Unavailable")
        headers = [*headers, ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
        if environ.get("REQUEST_METHOD") == "HEAD":
            headers.append(("Content-Length", str(len(body))))
            body = b""
        start_response(status, headers)
        return [body]

    def respond(self, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _text("405 Method Not Allowed", "Die Vorschau zeigt nur Seiten an.")
        if self.loopback_only and not _loopback_host(environ.get("HTTP_HOST", "")):
            return _text("400 Bad Request", "Die Vorschau antwortet nur unter 127.0.0.1 oder localhost.")
        raw = environ.get("PATH_INFO", "/") or "/"
        path = raw.encode("latin-1").decode("utf-8", "replace")  # PEP 3333: the bytes as latin-1
        query = parse_qs(environ.get("QUERY_STRING", ""))
        with self._state:
            number, current, good = self.number, self.current, self.good
        if path == pages.RELOAD_PATH:
            seen = query.get("build", ["-1"])[0]
            # a page's own build number: 1 to 18 ASCII digits (str.isdigit() also takes "²", which int()
            # refuses, and int() refuses more than 4,300 digits); anything else is an unknown build
            number = self.wait_for_build(int(seen) if _BUILD_NUMBER.fullmatch(seen) else -1, LONG_POLL)
            return "200 OK", [("Content-Type", "application/json")], f'{{"build": {number}}}'.encode()
        if path.rstrip("/") == pages.GUIDE_PATH.rstrip("/"):
            return _html(pages.guide_page(number))
        if current is None:
            if path.endswith("/") or path.endswith(".html"):
                return _html(pages.building_page(number))
            return _html(pages.not_found_page(number, path), "404 Not Found")
        failed = current.folder is None
        if path.startswith(pages.EMAILS_PATH) or path + "/" == pages.EMAILS_PATH:
            if failed or good is None:
                return _html(pages.error_page(number, current.errors, current.warnings))
            return self._email(number, good, path, query)
        return self._site(number, current, good, path)

    def _site(
        self, number: int, current: PreviewBuild, good: PreviewBuild | None, path: str
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        target = _inside(good.site, path) if good is not None and good.site is not None else None
        if target is not None and target.is_dir():
            if not path.endswith("/"):
                return "302 Found", [("Location", quote(path) + "/")], b""
            target = target / "index.html"
        page = target is None or not target.is_file() or target.suffix == ".html"
        if current.folder is None and page:
            return _html(pages.error_page(number, current.errors, current.warnings))
        if target is None or not target.is_file():
            return _html(pages.not_found_page(number, path), "404 Not Found")
        data = target.read_bytes()
        if target.suffix == ".html":
            return _html(_add_to_page(data.decode("utf-8", "replace"), pages.site_additions(number)))
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json", "application/xml"):
            kind += "; charset=utf-8"
        return "200 OK", [("Content-Type", kind)], data

    def _email(
        self, number: int, good: PreviewBuild, path: str, query: dict[str, list[str]]
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        assert good.newsletter is not None
        rest = path[len(pages.EMAILS_PATH) :] if path.startswith(pages.EMAILS_PATH) else ""
        if not rest:
            return _html(pages.index_page(number, good))
        slug, _, tail = rest.partition("/")
        issue = good.issue(slug)  # only the build's own issues: a slug is never a path
        folder = good.newsletter / slug if issue is not None else None
        if issue is None or folder is None or not (folder / "email.html").is_file():
            return _html(pages.not_found_page(number, path), "404 Not Found")
        if tail == "" and not path.endswith("/"):
            return "302 Found", [("Location", quote(path) + "/")], b""
        if tail == "":
            facts = email_facts(folder, good.site_url, good.email_messages.get(slug, ()))
            return _html(pages.email_page(number, issue, facts))
        if tail == "email.html":
            name = query.get("ansicht", ["normal"])[0]
            if name not in VARIANTS:
                return _html(pages.not_found_page(number, path), "404 Not Found")
            html = variant((folder / "email.html").read_text(encoding="utf-8"), name, good.site_url)
            status, headers, body = _html(html)
            return status, [*headers, ("Content-Security-Policy", "script-src 'none'")], body
        return _html(pages.not_found_page(number, path), "404 Not Found")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_NAMES


def _inside(folder: Path, path: str) -> Path | None:
    """The file or folder ``path`` names in ``folder``, or None when it would lead outside."""
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    if any(len(p.encode("utf-8", "surrogateescape")) > NAME_MAX for p in parts):
        return None  # no file has such a name (the system refuses to look it up): not found
    base = folder.resolve()
    target = base.joinpath(*parts).resolve()
    return target if target == base or target.is_relative_to(base) else None


def _add_to_page(html: str, addition: str) -> bytes:
    at = html.lower().rfind("</body>")
    html = html + addition if at < 0 else html[:at] + addition + html[at:]
    return html.encode("utf-8")


def _html(page: str | bytes, status: str = "200 OK") -> tuple[str, list[tuple[str, str]], bytes]:
    data = page.encode("utf-8") if isinstance(page, str) else page
    return status, [("Content-Type", "text/html; charset=utf-8")], data


def _text(status: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "text/plain; charset=utf-8")], message.encode("utf-8")


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a waiting reload request never keeps the process alive
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


def make_server(preview: Preview, host: str, port: int) -> WSGIServer:
    """The HTTP server (one thread per request: reload requests wait), bound, not yet serving."""
    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, port), _QuietHandler)
    server.set_app(preview)
    return server
