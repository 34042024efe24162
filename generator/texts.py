"""Every Markdown text a build shows, converted once: issue bodies, statements' quotes, events'
descriptions. The site's pages and the emails both read the HTML from here.

A large project converts on all cores before the site and the emails start; the result
travels to the email workers with the model.
"""

from __future__ import annotations

import multiprocessing
import os
import posixpath
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

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


def convert_texts(project: Project, issues: Iterable[Issue] | None = None) -> Texts:
    """The texts of ``issues`` (default: the published ones), converted on all cores if many."""
    converter = Converter(project.settings.markdown, routes_for(project))
    keys = list(
        dict.fromkeys(key for issue in (project.published if issues is None else issues) for key in issue_texts(issue))
    )
    workers = os.cpu_count() or 1
    if len(keys) < PARALLEL_FROM or workers < 2:
        return Texts(converter, {key: converter.convert(key[1], key[0]) for key in keys})
    chunks = [keys[i :: workers * 4] for i in range(workers * 4)]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(converter,)
    ) as pool:
        results = list(pool.map(_convert_chunk, chunks))
    converted = {
        key: html
        for chunk, result in zip(chunks, results, strict=True)
        for key, html in zip(chunk, result, strict=True)
    }
    return Texts(converter, converted)
