"""A build that would make what is already there is not run: the build's inputs, stamped.

After a build succeeds, its stamp records a digest of everything the build read and of what
it wrote: the project's files (every file below the project folder but the outputs and
caches: ``content/``, ``theme/``, ``mkdocs.yml``, whatever a configuration names), rundbrief's
code, the installed packages, the environment variables that reach a build, the day (events
end, calendars change), ``--strict``, the subscribers' addresses the output was checked
against; and the size and modification time of every file in ``site/`` and ``newsletter/``,
with the problems the build reported.

The next ``rundbrief build`` compares before it loads anything. Only if every input is the
same and the output is untouched does it report the recorded problems and stop; anything
else, even a file touched without a change, builds as before (a cold build and a reused one
give the same bytes: tests/test_incremental.py). What the configuration names outside the
project folder is covered too (``docs_dir`` and ``theme.custom_dir`` wherever they lie, files by
their size and time); an ``INHERIT`` of another configuration, a ``!!python`` tag or another
folder outside cannot be watched: such a configuration always builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from generator.cachefiles import code_digest, installed_packages, read_signed, tree_stats, write_signed
from generator.content.mkdocsyaml import load_mkdocs_yaml
from generator.content.model import MKDOCS_EXTENSIONS, MarkdownDialect
from generator.content.settings import DEFAULT_DOCS_DIR, build_day
from generator.diagnostics import Level, Location, Problem
from generator.i18n import language
from generator.output import NEWSLETTER_DIR, STATE_DIR
from generator.routes import ISSUES_DIR

STAMP_FILE = "build-stamp.json"
_FORMAT = 1
# Below the project folder, what no build reads: outputs, caches, version control, virtual
# environments (a folder holding pyvenv.cfg), tools' own caches.
_OUTPUTS = frozenset({STATE_DIR, NEWSLETTER_DIR})  # at the top of the project folder, beside site_dir
_NOT_READ = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".pytest_cache",
     ".mypy_cache", ".ruff_cache", ".hypothesis", ".tox", ".nox"}
)  # fmt: skip
_EDITORS_FILE = re.compile(r"\.#[^/]*|\.[^/]*\.sw[a-p]|\.~lock\.[^/]*#")  # vim, emacs, LibreOffice
_RETIRED = re.compile(r"^\..+\.(old|building)-\d+$")  # an output folder being removed, or a killed build's
# The plugins whose effect rundbrief knows (also the page cache's rule): any other may read anything.
KNOWN_PLUGINS = frozenset({"search", "material/search", "rundbrief"})
_ENV_PREFIXES = ("RUNDBRIEF_",)
_ENV_NAMES = ("SOURCE_DATE_EPOCH", "TZ")
# Configurations whose inputs lie outside the project folder or in code: never taken as unchanged.
_UNWATCHABLE = re.compile(r"^\s*INHERIT\s*:|!!python", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Unchanged:
    """What the build that is still current reported."""

    problems: tuple[Problem, ...]
    issues: int


def _environment() -> str:
    names = sorted(n for n in os.environ if n.startswith(_ENV_PREFIXES) or n in _ENV_NAMES)
    return json.dumps([(n, os.environ.get(n)) for n in names])


def _today(tz_name: str) -> str:
    return f"{build_day(ZoneInfo(tz_name)).isoformat()} {datetime.now(timezone.utc).date().isoformat()}"


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a build of a project reads: ``files``, every file below the project folder (outputs,
    caches and VCS left out) with its size, time and link target, by its path there; ``rest``, a
    digest of all else (the configuration as MkDocs reads it, folders and files outside the
    project, rundbrief's code, the packages, the environment, the day, the language)."""

    rest: str
    files: dict[str, str]

    def digest(self) -> str:
        digest = hashlib.sha256(self.rest.encode())
        digest.update(b"\0files\0")
        digest.update("\n".join(self.files.values()).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def shared(self, issues_folder: str) -> str:
        """A digest of all but the issue files (the ``*.md`` right in ``issues_folder``): while
        it stays, an issue file reads as it read before if it is the same file (IssueMemo)."""
        digest = hashlib.sha256(self.rest.encode())
        digest.update(f"\0{issues_folder}\0".encode("utf-8", "surrogatepass"))
        for path, line in self.files.items():
            if not _issue_file(path, issues_folder):
                digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
        return digest.hexdigest()


def _issue_file(path: str, issues_folder: str) -> str | None:
    """The slug, if ``path`` (as Inputs names files) is an issue file of ``issues_folder``."""
    prefix = issues_folder.rstrip("/") + "/"
    name = path[len(prefix) :] if path.startswith(prefix) else ""
    if "/" in name or not name.endswith(".md") or name.startswith((".", "_", "~")) or name == "index.md":
        return None
    return name[:-3]


def inputs_digest(root: Path, site_dir: str, tz_name: str, *, strict: bool, subscribers: frozenset[str]) -> str | None:
    """Everything a build of ``root`` reads, hashed; None where that cannot be known."""
    inputs = read_inputs(root, site_dir, tz_name, strict=strict, subscribers=subscribers)
    return inputs.digest() if inputs is not None else None


def read_inputs(root: Path, site_dir: str, tz_name: str, *, strict: bool, subscribers: frozenset[str]) -> Inputs | None:
    """Everything a build of ``root`` reads (:class:`Inputs`); None where that cannot be known."""
    config = root / "mkdocs.yml"
    try:
        config_text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if _UNWATCHABLE.search(config_text):
        return None
    values = _configuration(root, config_text)
    outside = _outside_inputs(root, values) if values is not None else None
    if values is None or outside is None:  # known before any folder is walked
        return None
    digest = hashlib.sha256(code_digest())
    digest.update(installed_packages().encode())
    digest.update(_environment().encode())
    # as MkDocs reads it: !ENV variables resolved, however they are spelt
    digest.update(json.dumps(values, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
    # the recorded problems are text in the language of their build: another language builds again
    digest.update(f"\0{_today(tz_name)}\0{strict}\0{site_dir}\0{language()}\0".encode())
    for address in sorted(subscribers):
        digest.update(address.encode("utf-8", "surrogatepass") + b"\0")
    outputs = _OUTPUTS | {site_dir.split("/", 1)[0]}
    files = tree_stats(
        root, leave_out_at_top=lambda name: name in outputs or bool(_RETIRED.match(name)), leave_out=_NOT_READ
    )
    for path in outside:  # docs_dir or custom_dir elsewhere, files the configuration names
        digest.update(f"\0outside {path}\0".encode("utf-8", "surrogatepass"))
        if path.is_dir():
            digest.update("\n".join(tree_stats(path, leave_out=_NOT_READ)).encode("utf-8", "surrogatepass"))
        else:
            try:
                info = path.stat()
            except OSError:  # gone since the configuration was read
                digest.update(b"missing")
                continue
            digest.update(f"{info.st_size}\0{info.st_mtime_ns}".encode())
    return Inputs(digest.hexdigest(), {line.split("\0", 1)[0]: line for line in files})


def _strings(value: object) -> Iterator[tuple[str, str]]:
    """Every (key, text) of a configuration, nested values included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                yield str(key), item
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from (("", item),) if isinstance(item, str) else _strings(item)


def _configuration(root: Path, config_text: str) -> dict[str, object] | None:
    """mkdocs.yml's values, or None where a build may read what no digest sees: an unreadable
    configuration (the build reports it), MkDocs hooks or a plugin other than search and
    rundbrief (code that may read the time, git, the network), or Markdown extensions that read
    files or that rundbrief does not know (generator.content.model.MarkdownDialect.pure)."""
    try:
        values = load_mkdocs_yaml(config_text, root, DEFAULT_DOCS_DIR)
    except (yaml.YAMLError, ValueError, TypeError):
        return None
    if not isinstance(values, dict) or values.get("hooks"):
        return None
    plugins = values.get("plugins") or []
    # a mapping of names to options, or a list of names and one-name mappings (MkDocs takes both)
    listed = list(plugins) if isinstance(plugins, dict) else plugins if isinstance(plugins, list) else [plugins]
    names = [next(iter(p), None) if isinstance(p, dict) else p for p in listed]
    if any(name not in KNOWN_PLUGINS for name in names):
        return None
    extensions = values.get("markdown_extensions") or []
    if not isinstance(extensions, list):
        return None
    named = tuple(str(next(iter(e), "")) if isinstance(e, dict) else str(e) for e in extensions)
    if not MarkdownDialect(MKDOCS_EXTENSIONS + named).pure:
        return None
    return values


def _outside_inputs(root: Path, values: dict[str, object]) -> list[Path] | None:
    """What the configuration names outside the project folder, which the walk of the folder
    does not see: the content or template folder (walked too) and any existing file (stat'ed).
    None where that cannot be known: another folder outside."""
    top = Path(os.path.abspath(root))
    theme = values.get("theme")
    folders = {values.get("docs_dir", DEFAULT_DOCS_DIR), theme.get("custom_dir") if isinstance(theme, dict) else None}
    found: list[Path] = []
    for key, text in _strings(values):
        if key == "site_dir" or "\0" in text or len(text) > 4096:
            continue
        path = Path(os.path.abspath(top / text))
        if path.is_relative_to(top) or not path.exists():
            continue
        if path.is_dir() and text not in folders:
            return None  # a folder of unknown size and meaning: every build runs
        found.append(path)
    return sorted(set(found))


def outputs_digest(root: Path, site_dir: str) -> str:
    digest = hashlib.sha256()
    for name in (site_dir, NEWSLETTER_DIR):
        digest.update(f"\0{name}\0".encode())
        folder = root / name
        if folder.is_dir():
            digest.update("\n".join(tree_stats(folder)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _stamp_path(root: Path) -> Path:
    return root / STATE_DIR / STAMP_FILE


def record(
    root: Path,
    site_dir: str,
    tz_name: str,
    *,
    inputs: Inputs | None,
    problems: list[Problem],
    issues: int,
    issues_folder: str | None = None,
    fronts: dict[str, str] | None = None,
) -> None:
    """After a build was swapped in: what it read (``inputs``, taken before it started, so that
    an edit made while it ran builds again; None: not known) and what it made and reported.
    ``issues_folder``: where the issue files are, below the project folder, and ``fronts``: what
    each says besides its body's text (both for edited_issues)."""
    path = _stamp_path(root)
    data = {
        "format": _FORMAT,
        "inputs": inputs.digest() if inputs is not None else None,
        "rest": inputs.rest if inputs is not None else None,
        "files": inputs.files if inputs is not None else None,
        "issues_folder": issues_folder,
        "fronts": fronts,  # each issue file's front_matter_digest (content/loader.py), by slug
        "outputs": outputs_digest(root, site_dir),
        "site_dir": site_dir,
        "timezone": tz_name,
        "issues": issues,
        "problems": [[p.location.path, p.location.line, p.level.value, p.message, p.reminder] for p in problems],
    }
    write_signed(path, json.dumps(data).encode("utf-8"))  # signed: a stamp says what may be skipped


DEFAULT_SETTINGS = ("site", "Europe/Berlin")


def forget(root: Path) -> None:
    """Before a build swaps its output in: the stamp no longer describes the output."""
    _stamp_path(root).unlink(missing_ok=True)


def _read(root: Path) -> dict[str, object] | None:
    """The stamp as this user's build wrote it: a stamp from anybody else (a shared folder) could
    declare output that build never made current."""
    raw = read_signed(_stamp_path(root))
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("format") == _FORMAT else None


def last_settings(root: Path) -> tuple[str, str]:
    """The site folder and time zone of the last build (the inputs' digest needs them before
    the configuration is read; a build whose settings differ records no digest)."""
    data = _read(root) or {}
    site_dir, tz_name = data.get("site_dir"), data.get("timezone")
    if isinstance(site_dir, str) and isinstance(tz_name, str):
        return site_dir, tz_name
    return DEFAULT_SETTINGS


def last_issues_folder(root: Path) -> str:
    """Where the last build found the issue files, below the project folder (the default before)."""
    folder = (_read(root) or {}).get("issues_folder")
    return folder if isinstance(folder, str) else f"{DEFAULT_DOCS_DIR}/{ISSUES_DIR}"


def unchanged(root: Path, inputs: Inputs | None, site_dir: str) -> Unchanged | None:
    """What the last build reported, if its inputs were ``inputs`` and its output is untouched."""
    data = _read(root)
    if data is None or inputs is None or data.get("inputs") != inputs.digest():
        return None
    if outputs_digest(root, site_dir) != data.get("outputs"):
        return None
    try:
        problems = tuple(
            Problem(Location(str(path), int(line)), Level(level), str(message), bool(reminder))
            for path, line, level, message, reminder in data["problems"]  # type: ignore[attr-defined]
        )
        return Unchanged(problems, int(data["issues"]))  # type: ignore[call-overload]
    except (ValueError, KeyError, TypeError):  # not a stamp this code wrote
        return None


@dataclass(frozen=True, slots=True)
class Edited:
    """Issue files changed since the last build, and nothing else it read (edited_issues)."""

    slugs: frozenset[str]
    issues_folder: str
    digests: dict[str, str]  # what each issue file said besides its body's text, by slug, then


def edited_issues(root: Path, inputs: Inputs | None, site_dir: str) -> Edited | None:
    """The issues whose files alone changed since the last build (issue_changes), if that
    build's output is untouched and every other file and setting it read is as it was; else None."""
    data = _read(root)
    if data is None or inputs is None or data.get("rest") != inputs.rest:
        return None
    before, folder, fronts = data.get("files"), data.get("issues_folder"), data.get("fronts")
    if not isinstance(before, dict) or not isinstance(folder, str) or not isinstance(fronts, dict):
        return None
    slugs = issue_changes(before, inputs.files, folder)
    if not slugs or outputs_digest(root, site_dir) != data.get("outputs"):
        return None
    return Edited(slugs, folder, {str(k): str(v) for k, v in fronts.items()})


def issue_changes(before: dict[str, str], now: dict[str, str], issues_folder: str) -> frozenset[str] | None:
    """The slugs of the issue files that differ between ``before`` and ``now`` (Inputs.files),
    or None where any other file differs, or an issue file was added or removed. The swap and
    lock files editors' programs keep beside an issue (vim's ``.name.md.swp``, emacs' ``.#name.md``)
    are read by nobody: no change. Any other file counts, a hidden one too (a body may show
    ``.bild.jpg``)."""
    slugs: set[str] = set()
    prefix = issues_folder.rstrip("/") + "/"
    for path in before.keys() | now.keys():
        if before.get(path) == now.get(path):
            continue
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if _EDITORS_FILE.fullmatch(name):
            continue
        slug = _issue_file(path, issues_folder)
        if slug is None or path not in before or path not in now:
            return None
        slugs.add(slug)
    return frozenset(slugs)
