"""Every Markdown text a build shows, converted once: issue bodies, statements' quotes, events'
descriptions. The site's pages and the emails both read the HTML from here.

A large project converts on all cores before the site and the emails start; the result
travels to the email workers with the model. Conversions are kept between builds in one file
(``texts.pickle`` in the build's cache folder), keyed by what a conversion depends on: the
text, the folder it is written in, the dialect, the routes and the code that converts. A build
converts only the texts that are new or changed, and the result is the same as converting all
(tests/test_texts_cache.py, and the second project's byte-identical rebuild).

Where a text is converted, the HTML it became is also checked (content/bodyrefs.py's
check_published_html, the backstop of the Markdown check): whether that check finds anything
depends on the text and its HTML alone, not on the file, line or field it is reported at. So
the check runs on all cores with the conversion and its verdict is kept beside it (keyed by
all of rundbrief's code), and generator/published.py reports, at their places, only the texts
whose check found something. Done in the build's one process after the conversion, it cost
1.6 s at a thousand issues, every build.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Collection, Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from generator import htmltags as htmltags_module
from generator import markup as markup_module
from generator import routes as routes_module
from generator.cachefiles import code_digest, read_pickle, write_pickle
from generator.content.bodyrefs import check_published_html
from generator.content.fields import Context
from generator.content.model import Issue, Project
from generator.diagnostics import Diagnostics
from generator.markup import Converted, Converter
from generator.routes import ISSUES_DIR, Routes
from generator.workers import worker_context

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


def html_is_clean(html: str, text: str, own: str) -> bool:
    """Whether the check of the HTML ``text`` became finds nothing to report (``own``: the
    site's address). The same wherever the text is written: line and field only name the
    place of a problem."""
    scratch = Diagnostics()
    check_published_html(Context(scratch, "", ZoneInfo("UTC")), html, text, 1, "", own)
    return not scratch.problems


class Texts:
    """Converted texts by (source, Markdown), each with whether the check of its HTML is clean;
    a text not converted beforehand (a draft's, for its preview) is converted and checked when
    first asked for."""

    def __init__(
        self, converter: Converter, converted: dict[TextKey, Converted] | None = None,
        verdicts: dict[TextKey, bool] | None = None,
    ) -> None:  # fmt: skip
        self.converter = converter
        self.converted = converted if converted is not None else {}
        self.verdicts = verdicts if verdicts is not None else {}

    def get(self, text: str, source: str) -> Converted:
        """``text`` as written in the content file ``source``."""
        key = (posixpath.dirname(source), text)
        found = self.converted.get(key)
        if found is None:
            found = self.converted[key] = self.converter.convert(text, key[0])
        return found

    def html(self, text: str, source: str) -> str:
        return self.get(text, source).html

    def clean(self, text: str, source: str) -> bool:
        """Whether the check of the HTML ``text`` (written in ``source``) became finds nothing:
        then generator/published.py need not check it again where it is written."""
        key = (posixpath.dirname(source), text)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = html_is_clean(self.html(text, source), text, self.converter.routes.site_url)
        return verdict

    def subset(self, keys: Collection[TextKey]) -> Texts:
        """These texts' conversions and verdicts, with the same converter."""
        converted = {key: value for key, value in self.converted.items() if key in keys}
        return Texts(self.converter, converted, {key: value for key, value in self.verdicts.items() if key in keys})


_converter: Converter | None = None


def _start(converter: Converter) -> None:
    global _converter
    _converter = converter


Checked = tuple[Converted, bool]  # a text's conversion, and whether the check of its HTML is clean


def _convert_and_check(converter: Converter, key: TextKey) -> Checked:
    converted = converter.convert(key[1], key[0])
    return converted, html_is_clean(converted.html, key[1], converter.routes.site_url)


def _convert_chunk(keys: list[TextKey]) -> list[Checked]:
    assert _converter is not None
    return [_convert_and_check(_converter, key) for key in keys]


CACHE_FILE = "texts.pickle"
_CACHE_FORMAT = 2


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


def _read_cache(path: Path, stamp: str) -> dict[str, tuple[Converted, bool | None]]:
    """The conversions of earlier builds with this ``stamp``, each with its check's verdict if
    that was made by this very code; nothing if the file is missing, damaged or from other
    converting code (it is a cache: rebuilding it is always right)."""
    data = read_pickle(path)
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT or data.get("stamp") != stamp:
        return {}
    texts = data.get("texts")
    if not isinstance(texts, dict):
        return {}
    trusted = data.get("checker") == code_digest()  # else other checking code: the conversions hold, the verdicts not
    return {
        digest: (value[0], value[1] if trusted else None)
        for digest, value in texts.items()
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Converted)
        and isinstance(value[1], bool)
    }  # fmt: skip


def _write_cache(path: Path, stamp: str, texts: dict[str, Checked]) -> None:
    # whole or not at all: a killed build leaves the previous cache
    write_pickle(path, {"format": _CACHE_FORMAT, "stamp": stamp, "checker": code_digest(), "texts": texts})


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
    found = {key: known[digests[key]] for key in keys if digests.get(key) in known}
    converted = {key: checked[0] for key, checked in found.items()}
    verdicts = {key: verdict for key, (_html, verdict) in found.items() if verdict is not None}
    unchecked = [(key, converted[key]) for key in converted if key not in verdicts]  # other checking code
    verdicts.update((key, html_is_clean(html.html, key[1], converter.routes.site_url)) for key, html in unchecked)
    missing = [key for key in keys if key not in converted]
    for key, (html, verdict) in _convert(converter, missing).items():
        converted[key], verdicts[key] = html, verdict
    if cache is not None and keep:
        kept = {digests[key]: (converted[key], verdicts[key]) for key in keys}
        if kept.keys() != known.keys() or unchecked:  # texts added, changed or gone, or checked anew: the cache follows
            _write_cache(cache / CACHE_FILE, stamp, kept)
    return Texts(converter, converted, verdicts)


def _convert(converter: Converter, keys: list[TextKey]) -> dict[TextKey, Checked]:
    workers = os.cpu_count() or 1
    if len(keys) < PARALLEL_FROM or workers < 2:
        return {key: _convert_and_check(converter, key) for key in keys}
    chunks = [keys[i :: workers * 4] for i in range(workers * 4)]
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=worker_context(), initializer=_start, initargs=(converter,)
    ) as pool:
        results = list(pool.map(_convert_chunk, chunks))
    return {
        key: checked
        for chunk, result in zip(chunks, results, strict=True)
        for key, checked in zip(chunk, result, strict=True)
    }
