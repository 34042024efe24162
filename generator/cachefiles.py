"""Files of the build's cache (``.rundbrief/cache/``): read whole or not at all, written whole.

A cache file is rundbrief's own, but a killed build may have cut it short, another version of
rundbrief may have left it, a disk may have damaged it: reading one never fails, it only finds
nothing (rebuilding a cache is always right). Writing goes to a name of the writer's own (its
process and thread) and is renamed over the file, so a reader sees the old file or the new one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import generator

_UNREADABLE = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    IndexError,
    TypeError,
    ValueError,
)


def read_pickle(path: Path) -> object | None:
    """What ``path`` holds, or None where it is missing or cannot be read back."""
    try:
        with path.open("rb") as file:
            return pickle.load(file)  # type: ignore[no-any-return]
    except _UNREADABLE:
        return None


def write_pickle(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")  # per writer
    with partial.open("wb") as file:
        pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


_NOT_BUILT = {"send", "cli.py", "__main__.py", "skeleton", "preview"}


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """rundbrief's code and data, for the keys of what a build keeps (emails, pages): an upgrade
    or a local change makes them anew. All of the package, not a list of the modules a page or an
    email passes through: such a list misses the next helper they start to use (it missed
    formatting, images and the content model). Only what a build cannot reach is left out:
    sending, the command line and the preview server (import-linter holds that no build module
    imports them)."""
    digest = hashlib.sha256(f"{generator.__version__}\0{sys.version}".encode())  # and the Python that runs it
    package = Path(generator.__file__).parent
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        parts = path.relative_to(package).parts
        if parts[0] in _NOT_BUILT or "__pycache__" in parts or path.suffix == ".pyc":
            continue  # every other file: code, templates, styles, data, message catalogs
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


@lru_cache(maxsize=1)
def installed_packages() -> str:
    """The installed distributions with their versions (MkDocs, Material, Markdown, pyphen...),
    each once: a folder on the path holding a package's metadata too (the egg-info of an editable
    install, found when run from the repository) must not make it another set."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        found.setdefault(str(dist.metadata["Name"]).lower().replace("_", "-"), dist.version)
    return "\n".join(f"{name}={version}" for name, version in sorted(found.items()))


def tree_stats(
    top: Path,
    *,
    leave_out_at_top: Callable[[str], bool] = lambda name: False,
    leave_out: frozenset[str] = frozenset(),
    leave_out_suffix: str | None = None,
) -> Iterator[str]:
    """Every file below ``top`` with its size and modification time, in a fixed order: what a
    cache key holds of a folder. Symbolic links are followed, as MkDocs follows them in
    ``docs_dir`` (a linked folder's files count as this folder's; a folder reached twice, as in a
    loop of links, is read once). Left out: the folders ``leave_out_at_top`` names at the top and
    ``leave_out`` names anywhere, virtual environments (a folder holding ``pyvenv.cfg``), and
    files ending in ``leave_out_suffix``."""
    seen: set[tuple[int, int]] = set()

    def walk(folder: str, shown: str) -> Iterator[str]:  # as os.walk(followlinks=True), top down
        try:
            info = os.stat(folder)
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError:
            return
        if (info.st_dev, info.st_ino) in seen:
            return
        seen.add((info.st_dev, info.st_ino))
        dirs: list[os.DirEntry[str]] = []
        names: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else names).append(entry)
        dirs = [
            entry
            for entry in dirs
            if entry.name not in leave_out
            and not (not shown and leave_out_at_top(entry.name))
            and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
        ]
        for entry in dirs:
            if entry.is_symlink():  # retargeted: another folder
                yield f"{shown}{entry.name}\0link\0{os.readlink(entry.path)}"
        for entry in names:
            if leave_out_suffix is not None and entry.name.endswith(leave_out_suffix):
                continue
            line = shown + entry.name
            if entry.is_symlink():  # two targets may have the same size and time
                line += f"\0link\0{os.readlink(entry.path)}"
            try:
                stat = entry.stat()
            except OSError:  # a link to nothing: that it is there counts
                yield f"{line}\0missing"
                continue
            yield f"{line}\0{stat.st_size}\0{stat.st_mtime_ns}"
        for entry in dirs:
            yield from walk(entry.path, f"{shown}{entry.name}/")

    yield from walk(str(top), "")


_object_digests: dict[int, tuple[object, str]] = {}  # id -> (the object, kept alive; its digest)


def object_digest(value: object) -> str:
    """A digest of a content-model object (its type and generated repr: all its fields, all the
    way down), once per object per build: the page keys and the email keys of one build, in two
    threads, hash the same issues. ``forget_objects`` ends a build's share."""
    known = _object_digests.get(id(value))
    if known is None or known[0] is not value:
        shown = f"{type(value).__qualname__}{value!r}".encode("utf-8", "surrogatepass")
        known = _object_digests[id(value)] = (value, hashlib.sha256(shown).hexdigest()[:32])
    return known[1]


def forget_objects() -> None:
    """After a build: its objects need not stay alive (the preview builds again and again)."""
    _object_digests.clear()
