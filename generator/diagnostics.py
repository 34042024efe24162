"""Problems found in the editors' content, collected and reported together.

Every check appends to one :class:`Diagnostics`; nothing raises on bad input. The
command line prints all problems of a run at once as ``path:line: level: message``
(the format compilers use, so editors' tools can jump to the place).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

log = logging.getLogger("rundbrief")


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file: the path as shown to the editor and a 1-based line (0: whole file)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location
    level: Level
    message: str
    # A to-do for the editors (a placeholder page) rather than a mistake in the content:
    # reported by `rundbrief check`, but not a warning that fails `mkdocs build --strict`.
    reminder: bool = False

    def __str__(self) -> str:
        return f"{self.location}: {self.level.value}: {self.message}"


@dataclass(slots=True)
class Diagnostics:
    """Collects problems; ``errors`` decide whether a build may write output."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, where: Location, message: str) -> None:
        self.problems.append(Problem(where, Level.ERROR, message))

    def warning(self, where: Location, message: str, *, reminder: bool = False) -> None:
        self.problems.append(Problem(where, Level.WARNING, message, reminder))

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
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}"


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
    return f"template: {getattr(err, 'message', None) or type(err).__name__}"


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
