"""Problems found in the editors' content, collected and reported together.

Every check appends to one :class:`Diagnostics`; nothing raises on bad input. The
command line prints all problems of a run at once as ``path:line: level: message``
(the format compilers use, so editors' tools can jump to the place). The level and the message
are in the editor's language (generator/i18n.py): German ``Fehler``/``Warnung``, English
``error``/``warning``; path and line are never translated, so the shape stays parseable.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from generator.i18n import _, ngettext

log = logging.getLogger("rundbrief")


# A key in front-matter, people.yml or the plugin's options that rundbrief does not know (a
# misspelt optional field): a warning, an error under --strict and on the preview's pages.
UNKNOWN_FIELD = "unknown-field"


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def shown(self) -> str:
        """The word in the editor's language, as printed between location and message."""
        return _("error") if self is Level.ERROR else _("warning")


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file: the path as shown to the editor and a 1-based line (0: whole file)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __reduce__(self) -> tuple[type[Location], tuple[str, int]]:
        # the model holds one per event, statement and photo (11,000 at 1,000 issues): one call
        # each way, not the slotted dataclass's state set field by field (content/model.py)
        return (Location, (self.path, self.line))


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location
    level: Level
    message: str
    # A to-do for the editors (a placeholder page) rather than a mistake in the content:
    # reported by `rundbrief check`, but not a warning that fails `mkdocs build --strict`.
    reminder: bool = False
    # What sort of problem, where the commands treat a sort apart (UNKNOWN_FIELD); the message
    # is in the editor's language, so its words cannot say it.
    kind: str = ""

    def __str__(self) -> str:
        return _visible(f"{self.location}: {self.level.shown}: {self.message}")


# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder what
# follows them: "Ausgabe \u202efdp.exe" reads "Ausgabe exe.pdf" in a Subject, a <title>, a feed,
# a terminal ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What a terminal or log must not take from an editor's text inside a message: control characters
# (a message is one line), the bidirectional controls and marks, and invisible separators and
# joiners; each is shown as its escape, \u202e.
_INVISIBLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u2060-\u2065\ufeff"
    + "".join(sorted(BIDI_CONTROLS))
    + "]"
)


def _visible(text: str) -> str:
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(slots=True)
class Diagnostics:
    """Collects problems; ``errors`` decide whether a build may write output."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, where: Location, message: str) -> None:
        self.problems.append(Problem(where, Level.ERROR, message))

    def warning(self, where: Location, message: str, *, reminder: bool = False, kind: str = "") -> None:
        self.problems.append(Problem(where, Level.WARNING, message, reminder, kind))

    def promote(self, kind: str) -> None:
        """Warnings of ``kind`` become errors (``--strict`` and the preview: a misspelt optional
        field is ignored silently by a build, and the editor must see that it took no effect)."""
        self.problems[:] = [
            Problem(p.location, Level.ERROR, p.message, p.reminder, p.kind)
            if p.level is Level.WARNING and p.kind == kind
            else p
            for p in self.problems
        ]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.WARNING]

    def sorted(self) -> list[Problem]:
        """Problems in file order: by path, then line; stable for equal places."""
        return sorted(self.problems, key=lambda p: (p.location.path, p.location.line))

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        return _(
            "%(errors)s, %(warnings)s",
            errors=ngettext("%(n)d error", "%(n)d errors", e),
            warnings=ngettext("%(n)d warning", "%(n)d warnings", w),
        )


def display_path(path: Path, root: Path) -> str:
    """The path as the editor knows it: relative to the project, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def template_location(err: Exception, root: Path, default: str) -> Location:
    """The template file and line a Jinja error names, as the editor knows the file (``default``
    where it names none)."""
    name = getattr(err, "filename", None) or getattr(err, "name", None)
    line = getattr(err, "lineno", 0) or 0
    if not name:  # an error while rendering: Jinja shows the template's own frames in the traceback
        trace = err.__traceback__
        while trace is not None:
            if not trace.tb_frame.f_code.co_filename.endswith((".py", ">")):
                name, line = trace.tb_frame.f_code.co_filename, trace.tb_lineno
            trace = trace.tb_next
    return Location(display_path(Path(name), root), line) if name else Location(default)


def template_message(err: Exception) -> str:
    return _("template: %(value)s", value=getattr(err, "message", None) or type(err).__name__)


_DOC_FILE = re.compile(r"Doc file '([^']+)'")


class LogProblems(logging.Handler):
    """Warnings and errors a library logs (MkDocs': broken links, missing files) as problems of
    the build: reported with the others, counted in its summary, failing ``--strict``."""

    def __init__(self, diag: Diagnostics, docs_dir: str, source: str) -> None:
        super().__init__(logging.WARNING)
        self.diag, self.docs_dir, self.source = diag, docs_dir, source

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        named = _DOC_FILE.search(message)  # MkDocs names the page, never the line
        where = Location(f"{self.docs_dir}/{named.group(1)}" if named else self.source)
        if record.levelno >= logging.ERROR:
            self.diag.error(where, f"mkdocs: {message}")
        else:
            self.diag.warning(where, f"mkdocs: {message}")
