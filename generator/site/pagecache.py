"""Issue pages kept between builds: a page whose inputs did not change is not rendered again.

MkDocs 1.x renders every page in every build, and at a thousand issues that is most of a build
(Material's base template, rundbrief's issue template, soft hyphens, the search index). An
issue page's HTML is a function of two things, and its key hashes both:

- what every page shares (``shared_key``): rundbrief's code, the versions of the installed
  packages, the configuration as MkDocs resolved it, the navigation with its titles, the
  project's own templates, the files of ``content/`` that are not Markdown (images, the people
  register: their size and modification time), the day (which events are over), and the values
  rundbrief's templates read from every page;
- the page's own (``page_key``): its issue view (the issue with its events, statements and
  neighbours, as the template gets them), its title, address, table of contents and metadata.

Kept under the key: the finished HTML, the HTML the feed carries, the page's search-index
entries and the image renditions the page shows, so that a page taken from here leaves the
build exactly as rendering it would (tests/test_incremental.py builds edited projects both
ways and compares every byte).

The cache is used only where every input is known: with plugins other than search and
rundbrief, or with MkDocs hooks, a page may depend on things no key sees, and every page is
rendered.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

from generator.buildstamp import KNOWN_PLUGINS  # search (its entries kept with a page) and rundbrief
from generator.cachefiles import (
    code_digest,
    installed_packages,
    object_digest,
    read_pickle,
    read_signed,
    tree_stats,
    write_pickle,
    write_signed,
)
from generator.images import Rendition

_FORMAT = 1
# Settings that name where and how MkDocs runs, not what a page shows (site_dir is a staged
# folder of its own in every build).
_NOT_SHOWN = frozenset({"site_dir", "dev_addr", "watch", "serve", "config_file_path", "plugins", "hooks"})


class Unknowable(Exception):
    """A page input that cannot be hashed faithfully (an object shown by its address)."""


@dataclass(frozen=True, slots=True)
class CachedPage:
    output: str  # the page's HTML as written
    content: str  # its content as the feed carries it
    search: tuple[dict[str, Any], ...]  # its entries in the search index
    renditions: tuple[Rendition, ...]  # the image copies it shows


# The content model's dataclasses hold only plain values and each other, never a page view: their
# generated repr is all of them, at C speed.
_MODEL = "generator.content.model"


class Canonical:
    """Values as plain data whose repr is the same in every process, or Unknowable. A dataclass
    (the content model, the page views) becomes the digest of its fields, computed once per
    object: a thousand pages share the same events, people and neighbouring issues."""

    def __init__(self) -> None:
        self._digests: dict[int, tuple[object, str]] = {}  # id -> (the object, kept alive; its digest)

    def __call__(self, value: object) -> object:
        if value is None or isinstance(value, (str, int, float, bool, date)):
            return value
        if is_dataclass(value) and not isinstance(value, type):
            if type(value).__module__ == _MODEL:  # its repr is all of it; shared with the email keys
                return object_digest(value)
            known = self._digests.get(id(value))
            if known is None:
                # a page view: field by field, so that the issues, events and people it shows
                # (shared by many views) are hashed once each
                shown = repr(tuple((f.name, self(getattr(value, f.name))) for f in fields(value)))
                digest = hashlib.sha256(f"{type(value).__qualname__}{shown}".encode("utf-8", "surrogatepass"))
                known = self._digests[id(value)] = (value, digest.hexdigest()[:32])
            return known[1]
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, Mapping):
            return tuple(sorted((str(k), self(v)) for k, v in value.items()))
        if isinstance(value, (list, tuple)):
            return tuple(self(v) for v in value)
        if isinstance(value, (set, frozenset)):
            return tuple(sorted(repr(self(v)) for v in value))
        items = getattr(value, "items", None)  # MkDocs' Config and Theme, a plugin's config
        if callable(items):
            return (type(value).__name__, tuple(sorted((str(k), self(v)) for k, v in items())))
        shown = repr(value)
        if " at 0x" in shown:
            raise Unknowable(type(value).__name__)
        return (type(value).__name__, shown)


def shared_key(
    *,
    config: Iterable[tuple[str, object]],
    plugins: Iterable[tuple[str, object]],
    nav: object,
    own_template_dirs: Iterable[Path],
    docs_dir: Path,
    today: date,
    utc_day: date,
    shown_everywhere: object,
) -> str | None:
    """The part of every page's key that all pages share; None where the cache must not be used."""
    plugins = list(plugins)
    if any(name not in KNOWN_PLUGINS for name, _ in plugins):
        return None
    digest = hashlib.sha256(code_digest())
    digest.update(installed_packages().encode())
    canonical = Canonical()
    try:
        settings = tuple((k, canonical(v)) for k, v in sorted(config, key=lambda kv: kv[0]) if k not in _NOT_SHOWN)
        digest.update(repr(settings).encode())
        digest.update(repr([(name, canonical(options)) for name, options in plugins]).encode())
        digest.update(repr(canonical(nav)).encode())
        digest.update(repr(canonical(shown_everywhere)).encode())
    except Unknowable:
        return None
    for folder in own_template_dirs:
        digest.update(f"\0templates {folder}\0".encode())
        digest.update("\n".join(tree_stats(folder)).encode("utf-8", "surrogatepass"))
    digest.update(b"\0content\0")
    digest.update("\n".join(tree_stats(docs_dir, leave_out_suffix=".md")).encode("utf-8", "surrogatepass"))
    digest.update(f"\0{today.isoformat()}\0{utc_day.isoformat()}".encode())
    return digest.hexdigest()


_INDEX = "pages.json"  # each page's key, by its source, as the last build knew them
_KEY = re.compile(r"[0-9a-f]{64}")  # a page's key (PageCache.key): a file name, never a path


class PageCache:
    """Pages by key, one file each in ``folder``; ``shared`` None: nothing is kept or found."""

    def __init__(self, folder: Path, shared: str | None) -> None:
        self.folder = folder
        self.shared = shared
        self.used: set[str] = set()
        self._canonical = Canonical()
        self._writer: ThreadPoolExecutor | None = None
        self._writes: list[Future[None]] = []

    def forget_digests(self) -> None:
        """Let go of the digests made for the keys so far (a pure memo: made again when asked)."""
        self._canonical = Canonical()

    @property
    def enabled(self) -> bool:
        return self.shared is not None

    def page_key(self, *parts: object) -> str | None:
        if self.shared is None:
            return None
        try:
            shown = repr(tuple(self._canonical(part) for part in parts))
        except Unknowable:
            return None
        return hashlib.sha256(f"{self.shared}\0{shown}".encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.page"

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> CachedPage | None:
        packed = read_pickle(self._path(key))
        if not isinstance(packed, tuple) or len(packed) != 2 or packed[0] != _FORMAT:
            return None
        try:
            page = pickle.loads(zlib.decompress(packed[1]))
        except (zlib.error, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        if not isinstance(page, CachedPage):
            return None
        self.used.add(key)
        return page

    def put(self, key: str, page: CachedPage) -> None:
        """Keep ``page``: written by a thread beside the page loop, so that a cold build hardly
        waits for the file system."""
        # compressed here (a seventh of the bytes wait in the queue, when both cores are busy and
        # the writer gets little time), written there
        data = zlib.compress(pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL), 1)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rundbrief-pages")
        self._writes.append(self._writer.submit(self._write, self._path(key), data))
        self.used.add(key)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        write_pickle(path, (_FORMAT, data))

    def finish(self) -> None:
        """Wait for the pages being written; raises what writing one raised."""
        writes, self._writes = self._writes, []
        try:
            for write in writes:
                write.result()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def discard(self, key: str) -> None:
        """Forget the page kept under ``key`` (replaced by a page rendered since)."""
        self.used.discard(key)
        self._path(key).unlink(missing_ok=True)

    def prune(self, keys: dict[str, str]) -> None:
        """After a build: the pages it neither found nor kept go (edited issues' old versions);
        ``keys`` (each page's key, by its source) are noted for a build of edited bodies."""
        self.finish()
        if not self.enabled or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.suffix == ".page" and path.stem not in self.used:
                path.unlink(missing_ok=True)
        self._write_index(keys)

    def replace(self, keys: dict[str, str]) -> None:
        """After a build that rendered only the pages ``keys`` names (edited bodies): their
        versions of the build before go, the other pages' stay."""
        self.finish()
        if not self.enabled:
            return
        index = self._read_index()
        for src, key in keys.items():
            if (old := index.get(src)) is not None and old != key:
                self.discard(old)
        self._write_index(index | keys)

    def _read_index(self) -> dict[str, str]:
        """The index as this user's builds wrote it (its keys name files that are deleted)."""
        raw = read_signed(self.folder / _INDEX)
        try:
            data = json.loads(raw) if raw is not None else {}
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if _KEY.fullmatch(str(v))}

    def _write_index(self, keys: dict[str, str]) -> None:
        write_signed(self.folder / _INDEX, json.dumps(keys, sort_keys=True).encode("utf-8"))
