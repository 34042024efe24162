"""The language of every message an editor sees: German by default, English on request.

Messages are written in English in the code (the msgids) and translated through the gettext
catalog ``generator/locale/de/LC_MESSAGES/rundbrief.po`` (compiled to ``.mo`` and shipped in the
wheel); English is the identity. The language is chosen once per process by the command line
(:func:`set_language`, from ``--lang``) or, where nobody chose, from the environment on every
call: ``RUNDBRIEF_LANG``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; a value starting with
``en`` means English, anything else (or nothing) German. Worker processes are started with the
parent's :func:`language` (forkserver workers inherit no module state).

Placeholders are named (``%(field)s``) so the German sentence may put them where German wants
them; :func:`_` fills them in. Update the catalog with ``make messages`` (docs/messages.md).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")
DOMAIN = "rundbrief"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Most specific first, as the C library reads them (LC_ALL overrides LC_MESSAGES overrides LANG).
ENVIRONMENT = ("RUNDBRIEF_LANG", "LC_ALL", "LC_MESSAGES", "LANG")

_chosen: Language | None = None


def choose(explicit: str | None, environ: Mapping[str, str]) -> Language:
    """``explicit`` (``--lang``) first, then the environment; English only where asked for."""
    for value in (explicit, *(environ.get(name) for name in ENVIRONMENT)):
        if value:
            return "en" if value.strip().lower().startswith("en") else "de"
    return "de"


def set_language(language: str | None) -> None:
    """Fix this process's language (None: follow the environment again)."""
    global _chosen
    _chosen = None if language is None else choose(language, {})


def language() -> Language:
    return _chosen if _chosen is not None else choose(None, os.environ)


@cache
def _catalog(lang: Language) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()  # the msgids are the English texts
    # fallback: a missing catalog (a broken install) shows English rather than failing a build
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str, /, **values: object) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled from ``values``."""
    text = _catalog(language()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The form for ``n`` (``%(n)d`` in the text is ``n``), placeholders filled from ``values``."""
    return _catalog(language()).ngettext(singular, plural, n) % {"n": n, **values}


def translate(message: str) -> str:
    """``message`` in the current language, nothing filled in (for texts that other code formats)."""
    return _catalog(language()).gettext(message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` in the current language, nothing filled in."""
    return _catalog(language()).ngettext(singular, plural, n)


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a pair of texts for the catalog as one message with a plural (for other code's
    ``ngettext``, such as click's)."""
    return singular, plural


def N_(message: str) -> str:
    """Marks a text for the catalog where it is defined (click's help, constants); it is
    translated where it is shown, with :func:`_`."""
    return message
