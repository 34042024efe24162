"""Every Markdown text a build shows, converted once: issue bodies, statements' quotes, events'
descriptions. The site's pages and the emails both read the HTML from here.

A large project converts on all cores before the site and the emails start; the result
travels to the email workers with the model. Conversions are kept between builds in one file
(``texts.pickle`` in the build's cache folder), keyed by what a conversion depends on: the
text, the folder it is written in, the dialect, the routes and the code that converts. A build
converts only the texts that are new or changed, and the result is the same as converting all
(tests/test_texts_cache.py, and the second project's byte-identical rebuild).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import posixpath
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

from generator import htmltags as htmltags_module
from generator import markup as markup_module
from generator import routes as routes_module
from generator.cachefiles import read_pickle, write_pickle
from generator.content.model import Issue, Project
from generator.markup import Converted, Converter
from generator.routes import ISSUES_DIR, Routes

PARALLEL_FROM = 200  # texts; below this, starting worker processes costs more than it saves
# (the folder below content/ of the file it is written in, the Markdown): links in a text are
# relative to its file's folder, so the same quote in two issues is one conversion.
TextKey = tuple[str, str]


def routes_for(project: Project) -> Routes:
    settings = project.settings
    return Routes.create(settings.site_url, settings.use_directory_urls, settings.service_url, settings.subscribe_url)


def issue_source(issue: Issue) -> str:
    """The content path an issue's texts are written in; links in them are relative to it."""
    return f"{ISSUES_DIR}/{issue.slug}.md"


def issue_texts(issue: Issue) -> Iterable[TextKey]:
    folder = posixpath.dirname(issue_source(issue))
    yield folder, issue.body
    for event in issue.events:
        if event.description:
            yield folder, event.description
    for statement in issue.statements:
        yield folder, statement.quote


class Texts:
    """Converted texts by (source, Markdown); a text not converted beforehand (a draft's, for its
    preview) is converted when first asked for."""

    def __init__(self, converter: Converter, converted: dict[TextKey, Converted] | None = None) -> None:
        self.converter = converter
        self.converted = converted if converted is not None else {}

    def get(self, text: str, source: str) -> Converted:
        """``text`` as written in the content file ``source``."""
        key = (posixpath.dirname(source), text)
        found = self.converted.get(key)
        if found is None:
            found = self.converted[key] = self.converter.convert(text, key[0])
        return found

    def html(self, text: str, source: str) -> str:
        return self.get(text, source).html


_converter: Converter | None = None


def _start(converter: Converter) -> None:
    global _converter
    _converter = converter


def _convert_chunk(keys: list[TextKey]) -> list[Converted]:
    assert _converter is not None
    return [_converter.convert(text, folder) for folder, text in keys]


CACHE_FILE = "texts.pickle"
_CACHE_FORMAT = 1


def _stamp(converter: Converter) -> str:
    """What every conversion of a build depends on besides its text and folder: the dialect, the
    routes, rundbrief's converting code and the versions of the Markdown packages (a dialect
    whose repr shows an object's address never matches again: safe, only slower)."""
    digest = hashlib.sha256(repr((converter.dialect, converter.routes)).encode())
    for module in (markup_module, routes_module, htmltags_module):
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in ("Markdown", "pymdown-extensions", "Pygments"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none".encode())
    return digest.hexdigest()


def _text_digest(key: TextKey) -> str:
    return hashlib.sha256(f"{key[0]}\0{key[1]}".encode("utf-8", "surrogatepass")).hexdigest()


def _read_cache(path: Path, stamp: str) -> dict[str, Converted]:
    """The conversions of earlier builds with this ``stamp``; nothing if the file is missing,
    damaged or from other code (it is a cache: rebuilding it is always right)."""
    data = read_pickle(path)
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT or data.get("stamp") != stamp:
        return {}
    texts = data.get("texts")
    return texts if isinstance(texts, dict) else {}


def _write_cache(path: Path, stamp: str, texts: dict[str, Converted]) -> None:
    # whole or not at all: a killed build leaves the previous cache
    write_pickle(path, {"format": _CACHE_FORMAT, "stamp": stamp, "texts": texts})


def convert_texts(
    project: Project, issues: Iterable[Issue] | None = None, cache: Path | None = None, *, keep: bool = True
) -> Texts:
    """The texts of ``issues`` (default: the published ones), converted on all cores if many;
    ``cache``: the folder of the conversion cache, if one is kept; ``keep``: the cache follows
    these texts (False: it is only read, as by a build that shows a few issues' texts)."""
    converter = Converter(project.settings.markdown, routes_for(project))
    if not project.settings.markdown.pure:
        cache = None  # a conversion may read other files: its key could not see them
    keys = list(
        dict.fromkeys(key for issue in (project.published if issues is None else issues) for key in issue_texts(issue))
    )
    stamp = _stamp(converter) if cache is not None else ""
    known = _read_cache(cache / CACHE_FILE, stamp) if cache is not None else {}
    digests = {key: _text_digest(key) for key in keys} if cache is not None else {}
    converted = {key: known[digests[key]] for key in keys if digests.get(key) in known}
    missing = [key for key in keys if key not in converted]
    converted.update(_convert(converter, missing))
    if cache is not None and keep:
        kept = {digests[key]: converted[key] for key in keys}
        if kept.keys() != known.keys():  # texts added, changed or gone: the cache follows the content
            _write_cache(cache / CACHE_FILE, stamp, kept)
    return Texts(converter, converted)


def _convert(converter: Converter, keys: list[TextKey]) -> dict[TextKey, Converted]:
    workers = os.cpu_count() or 1
    if len(keys) < PARALLEL_FROM or workers < 2:
        return {key: converter.convert(key[1], key[0]) for key in keys}
    chunks = [keys[i :: workers * 4] for i in range(workers * 4)]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(converter,)
    ) as pool:
        results = list(pool.map(_convert_chunk, chunks))
    return {
        key: html
        for chunk, result in zip(chunks, results, strict=True)
        for key, html in zip(chunk, result, strict=True)
    }
