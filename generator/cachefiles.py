"""Files of the build's cache (``.rundbrief/cache/``): read whole or not at all, written whole.

A cache file is rundbrief's own, but a killed build may have cut it short, another version of
rundbrief may have left it, a disk may have damaged it: reading one never fails, it only finds
nothing (rebuilding a cache is always right). Writing goes to a new file of a name nobody can
guess and is renamed over the file, so a reader sees the old file or the new one.

A cache file is mostly a pickle, and unpickling runs whatever the file says: one put into
``.rundbrief/`` by anybody else (a shared project folder, a repository with the folder checked
in, a CI cache restored from another branch) would run as the build. So every file (the JSON
ones too: a build stamp says what may be skipped) carries a keyed hash (BLAKE2b) of its
contents, with a key that never lies in the project: ``RUNDBRIEF_CACHE_KEY`` from the
environment, else ``$XDG_CACHE_HOME/rundbrief/cache-key`` (or ``~/.cache/...``), made on first
use. A file without the right hash is not read, only found missing. Where no key can be kept,
each process makes its own: the caches then serve only the process that wrote them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

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
_MAGIC = b"rundbrief-cache-2\n"  # 2: the hash covers the file's name
_MAC_SIZE = 32
_HEADER = len(_MAGIC) + _MAC_SIZE
_KEY_SIZE = 32
MAX_FILE = 1 << 28  # bytes: no cache file of ours comes near (the content of 5,000 issues: 45 MB)


KEY_VARIABLE = "RUNDBRIEF_CACHE_KEY"


@lru_cache(maxsize=1)
def _key() -> bytes:
    """The key of this user's cache files: ``RUNDBRIEF_CACHE_KEY`` if set (a secret of a CI
    whose caches travel between jobs), else a file outside every project, made on first use:
    only a regular file of this user that nobody else may read or write (a shared ``HOME=/tmp``
    must not lend a key that others know)."""
    if secret := os.environ.get(KEY_VARIABLE):
        return hashlib.blake2b(secret.encode("utf-8", "surrogatepass"), digest_size=_KEY_SIZE).digest()
    try:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG rule: a relative one is ignored
        folder = base / "rundbrief"
        path = folder / "cache-key"
        if not path.exists() and not path.is_symlink():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = folder / f"cache-key.{os.getpid()}.{threading.get_ident()}.part"
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(os.urandom(_KEY_SIZE))
            try:
                os.link(partial, path)  # the first process's key stays: others read it
            except FileExistsError:
                pass
            finally:
                partial.unlink()
        key = _read_regular(path, _KEY_SIZE + 1, private=True)
        if key is not None and len(key) == _KEY_SIZE:
            return key
    except (OSError, RuntimeError, KeyError):  # no home, a read-only one
        pass
    return os.urandom(_KEY_SIZE)


def open_regular(path: Path, flags: int, mode: int = 0o600) -> int | None:
    """A descriptor of ``path`` opened with ``flags`` if it is a regular file (one ``O_CREAT``
    creates included), else None: a link, FIFO, device or folder at its name is never opened
    (opening a device can act: a tape rewinds, a watchdog starts; opening a FIFO lets its writer
    go on), and what is opened is checked to be the file looked at. OSError where it cannot be
    looked at or opened (a missing file without ``O_CREAT``)."""
    try:
        found: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        return None
    descriptor = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC, mode)
    info = os.fstat(descriptor)  # the name may have been given to something else since the look
    swapped = found is not None and (info.st_dev, info.st_ino) != (found.st_dev, found.st_ino)
    if not stat.S_ISREG(info.st_mode) or swapped:
        os.close(descriptor)
        return None
    return descriptor


def _read_regular(path: Path, limit: int, *, private: bool = False, starts: bytes = b"") -> bytes | None:
    """At most ``limit`` bytes of ``path`` if it is a regular file (not a link, FIFO or device:
    a FIFO put in a cache's place blocked the build for good) that ``starts`` with these bytes
    (read first: a large file of anybody else's is not read on); ``private``: only if this user
    owns it and nobody else may read or write it. Anything else is never opened (open_regular)."""
    descriptor = open_regular(path, os.O_RDONLY)
    if descriptor is None:
        return None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if info.st_size > limit:
            return None
        if private and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            return None
        if file.read(len(starts)) != starts:
            return None
        return starts + file.read(limit - len(starts))


def _mac(name: str, context: bytes) -> hashlib.blake2b:
    """The keyed hash of the file named ``name``: what it is, not only what it holds. A file of
    ours copied under another name (a page's as another page's, a draft's image rendition as a
    published one's, the texts as an image) does not pass. ``context``: what else the reader
    knows the file must be of (a rendition: its image's whole digest, its size)."""
    mac = hashlib.blake2b(key=_key(), digest_size=_MAC_SIZE)
    label = name.encode("utf-8", "surrogateescape") + b"\0" + context
    mac.update(len(label).to_bytes(8, "big") + label)
    return mac


def read_pickle(path: Path) -> object | None:
    """What ``path`` holds, or None where it is missing, cannot be read back or was not written
    there with this user's key (then it is never unpickled)."""
    try:
        data = _verified(path, b"", MAX_FILE)
        return None if data is None else pickle.loads(data)
    except _UNREADABLE:
        return None


def read_signed(path: Path, context: bytes = b"", *, limit: int = MAX_FILE) -> bytes | None:
    """The bytes :func:`write_signed` wrote to ``path`` with ``context``, or None (missing, cut
    short, over ``limit`` bytes, or not written there with this user's key)."""
    try:
        data = _verified(path, context, limit)
        return None if data is None else bytes(data)
    except _UNREADABLE:
        return None


def _verified(path: Path, context: bytes, limit: int) -> memoryview | None:
    """The contents of ``path`` after its header, if the header's hash is theirs under this
    user's key. Read, not mapped (a file cut short while mapped killed the process), and only a
    regular file of at most ``limit`` bytes (and :data:`MAX_FILE`) that begins as ours."""
    data = _read_regular(path, min(limit + _HEADER, MAX_FILE), starts=_MAGIC)
    return None if data is None else unsigned(data, path.name, context)


def unsigned(blob: bytes, name: str, context: bytes = b"") -> memoryview | None:
    """What :func:`signed` made ``blob`` of for the file ``name``, if its hash is right under
    this user's key."""
    if len(blob) < _HEADER or not blob.startswith(_MAGIC):
        return None
    body = memoryview(blob)[_HEADER:]
    mac = _mac(name, context)
    mac.update(body)
    return body if hmac.compare_digest(mac.digest(), blob[len(_MAGIC) : _HEADER]) else None


def signed(data: bytes, name: str, context: bytes = b"") -> bytes:
    """``data`` with the header that :func:`unsigned` checks, for the file ``name``."""
    mac = _mac(name, context)
    mac.update(data)
    return _MAGIC + mac.digest() + data


class _Signed:
    """A file that hashes what is written to it, as pickle.dump streams it."""

    def __init__(self, file: BinaryIO, mac: hashlib.blake2b) -> None:
        self.file = file
        self.mac = mac

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.file.write(data)


def write_pickle(path: Path, value: object) -> None:
    _write(path, lambda signed: pickle.dump(value, signed, protocol=pickle.HIGHEST_PROTOCOL))


def write_signed(path: Path, data: bytes, context: bytes = b"") -> None:
    """``data`` into ``path`` with its keyed hash (see :func:`read_signed`)."""
    _write(path, lambda signed: signed.write(data), context)


def _write(path: Path, write: Callable[[_Signed], object], context: bytes = b"") -> None:
    """Into a new file of a name nobody can guess (a link put at a predictable one was written
    through), renamed over ``path``. A cache that cannot be written (a folder in its place) is
    left: only a cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{path.name}."
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=prefix, suffix=".part", delete=False) as file:
            partial = Path(file.name)
            try:
                file.write(_MAGIC + bytes(_MAC_SIZE))  # the hash, once the rest is written
                signed = _Signed(file, _mac(path.name, context))  # type: ignore[arg-type]
                write(signed)
                file.seek(len(_MAGIC))
                file.write(signed.mac.digest())
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        try:
            partial.replace(path)
        except OSError:
            partial.unlink(missing_ok=True)
    except OSError:
        pass


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
