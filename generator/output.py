"""Writing build output all or nothing: a failed or killed build leaves a whole site and its emails.

Each output folder is built beside its target under a temporary name and swapped in with
renames only after every output has been built and verified. The swap is journaled: before
the first rename, the list of (target, staged, retired) folders is written to
``.rundbrief/swap.json`` (synced, replaced atomically). A build killed during the renames
leaves the journal behind, and the next run finishes that swap before it does anything else
(the staged folders are complete: the journal is written only after they were verified), so
``site/`` and ``newsletter/`` are never missing and never from two different builds. Retired
folders are deleted only once the journal is gone. One build at a time: a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from generator.cachefiles import signed, unsigned
from generator.i18n import _

STATE_DIR = ".rundbrief"  # below the project: caches, the swap journal, the build lock
NEWSLETTER_DIR = "newsletter"  # below the project: every build writes the emails here
JOURNAL = "swap.json"
LOCK = "build.lock"


class OutputBusy(Exception):
    """Another build of the same project is writing its output."""


@dataclass(frozen=True, slots=True)
class _Swap:
    target: Path
    staged: Path
    retired: Path


def remove_later(folder: Path) -> None:
    """Delete a retired output folder without making the build wait for thousands of unlinks.

    A detached process does it; if it never runs, the next build's stage() clears leftovers.
    """
    try:
        subprocess.Popen(["rm", "-rf", "--", str(folder)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _sync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (a power cut must not undo half a swap)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is still atomic
    finally:
        os.close(fd)


def _write_journal(path: Path, swaps: list[_Swap]) -> None:
    """The journal, signed (cachefiles.signed: its folders are renamed and deleted on the next
    start), through a new file of a name nobody can guess (a link put at a predictable one was
    written through)."""
    data = [{"target": str(s.target), "staged": str(s.staged), "retired": str(s.retired)} for s in swaps]
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False) as handle:
        handle.write(signed(json.dumps(data).encode("utf-8"), path.name))
        handle.flush()
        os.fsync(handle.fileno())
    Path(handle.name).replace(path)
    _sync_dir(path.parent)


def _read_journal(path: Path) -> list[_Swap]:
    """The swaps of a journal this user's build wrote, each a target with its staged and retired
    folders beside it under our names (ValueError for anything else: a journal from anybody else
    named folders to delete or put in place anywhere)."""
    body = unsigned(path.read_bytes(), path.name)
    if body is None:
        raise ValueError("not a journal of this user's builds")
    swaps = [_Swap(Path(d["target"]), Path(d["staged"]), Path(d["retired"])) for d in json.loads(bytes(body))]
    for swap in swaps:
        name = swap.target.name
        if not (
            swap.target.is_absolute() and name and swap.staged.parent == swap.retired.parent == swap.target.parent
            and swap.staged.name.startswith(f".{name}.building-") and swap.retired.name.startswith(f".{name}.old-")
        ):  # fmt: skip
            raise ValueError(f"not a swap of rundbrief's: {swap}")
    return swaps


def finish_interrupted_swap(state_dir: Path) -> list[str]:
    """Complete the swap a killed build began (if any); what was done, for the editor.

    Every staged folder named in the journal is complete, so the swap is rolled forward:
    targets not yet replaced are replaced. Only where a staged folder is gone and its target
    too (deleted by hand) is the retired copy put back. The caller holds the build lock.
    """
    journal = state_dir / JOURNAL
    if not journal.is_file():
        return []
    try:
        swaps = _read_journal(journal)
    except (OSError, ValueError, KeyError, TypeError):
        # A journal is complete once it has its name (it is renamed into place): this one was
        # written by hand or damaged. Nothing can be done safely with it; keep it for a person.
        return [
            _("%(journal)s: unreadable swap journal left alone; check site/ and newsletter/ by hand", journal=journal)
        ]
    done: list[str] = []
    for swap in swaps:
        if _exists(swap.staged):
            if _exists(swap.target):
                if _exists(swap.retired):  # cannot be from our own order of renames
                    return done + [
                        _(
                            "%(target)s: both the old and the new build are there; left alone for a person",
                            target=swap.target,
                        )
                    ]
                swap.target.rename(swap.retired)
            swap.staged.rename(swap.target)
            done.append(_("%(name)s/: finished the swap an interrupted build had begun", name=swap.target.name))
        elif not _exists(swap.target) and _exists(swap.retired):
            swap.retired.rename(swap.target)
            done.append(_("%(name)s/: put the previous build back (the new one was gone)", name=swap.target.name))
        _sync_dir(swap.target.parent)
    journal.unlink()
    _sync_dir(state_dir)
    for swap in swaps:
        if _exists(swap.retired) and _exists(swap.target):
            remove_later(swap.retired)
    return done


class StagedOutputs:
    """``with StagedOutputs(state_dir) as out: build(out.stage(site_dir)) ... out.commit()``.

    Entering takes the project's build lock and finishes a swap a killed build left half done.
    ``on_step`` is called at every step of the commit with its name: the fault-injection tests
    stop the process there.
    """

    def __init__(self, state_dir: Path, on_step: Callable[[str], None] | None = None) -> None:
        self.state_dir = state_dir.absolute()
        self.recovered: list[str] = []
        self._staged: dict[Path, Path] = {}
        self._on_step = on_step or (lambda step: None)
        self._lock: IO[str] | None = None

    def open(self) -> None:
        """Take the build lock (or raise OutputBusy) and finish an interrupted swap."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lock = open(self.state_dir / LOCK, "a", encoding="utf-8")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise OutputBusy(_("another build of this project is running; wait until it has finished")) from None
        self._lock = lock
        self.recovered = finish_interrupted_swap(self.state_dir)

    def stage(self, target: Path) -> Path:
        """A fresh empty folder to build ``target`` in."""
        assert self._lock is not None, "stage() inside the with block"
        target = target.absolute()
        if self.state_dir.is_relative_to(target):  # settings are checked first; this is the last guard
            raise ValueError(f"refusing to replace {target}: it holds the project itself")
        temp = target.parent / f".{target.name}.building-{os.getpid()}"
        # Leftovers of killed builds and of cleanups that never ran: under the lock, and with any
        # interrupted swap finished, no other build owns them.
        for pattern in (f".{target.name}.building-*", f".{target.name}.old-*"):
            for leftover in target.parent.glob(pattern):
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)
        temp.mkdir(parents=True)
        self._staged[target] = temp
        return temp

    def commit(self) -> None:
        """Swap every staged folder in; the old ones are removed only afterwards."""
        swaps = [_Swap(t, s, t.parent / f".{t.name}.old-{os.getpid()}") for t, s in self._staged.items()]
        for swap in swaps:
            if _exists(swap.retired):
                shutil.rmtree(swap.retired)
        journal = self.state_dir / JOURNAL
        _write_journal(journal, swaps)
        self._on_step("journal written")
        for swap in swaps:
            if _exists(swap.target):
                swap.target.rename(swap.retired)
                self._on_step(f"retired {swap.target.name}")
            swap.staged.rename(swap.target)
            self._on_step(f"installed {swap.target.name}")
        for folder in {swap.target.parent for swap in swaps}:
            _sync_dir(folder)
        journal.unlink()
        _sync_dir(self.state_dir)
        self._on_step("journal removed")
        self._staged.clear()
        for swap in swaps:
            if _exists(swap.retired):
                remove_later(swap.retired)

    def discard(self) -> None:
        for temp in self._staged.values():
            shutil.rmtree(temp, ignore_errors=True)
        self._staged.clear()

    def close(self) -> None:
        self.discard()  # after commit() there is nothing left to discard
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None

    def __enter__(self) -> StagedOutputs:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def recover_outputs(project_root: Path) -> list[str]:
    """For commands that read the output (check, send): finish an interrupted swap first.
    Skipped while a build holds the lock (it does the same when it starts)."""
    if not (project_root / STATE_DIR / JOURNAL).is_file():
        return []
    try:
        with StagedOutputs(project_root / STATE_DIR) as outputs:
            return outputs.recovered
    except OutputBusy:
        return []


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """``target`` as a hard link to ``source`` where the file system allows, else a copy: build
    output and cache files are replaced, never rewritten in place, so a link is as good as a copy
    (and instant). A ``target`` already there is replaced."""
    try:
        os.link(source, target)
    except FileExistsError:
        os.unlink(target)
        link_or_copy(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)


def write_anew(target: str | Path, data: bytes) -> None:
    """``target`` as a new file holding ``data``: one already there is unlinked first, never
    written through (it may be a link to a published file, or one put there to be written into)."""
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass
    with open(target, "xb") as file:
        file.write(data)


def link_tree(source: Path, target: Path) -> None:
    """Every file below ``source`` as a hard link at the same place below ``target`` (folders
    made as needed): the last build's output, for a build that replaces a few of its files (each
    unlinked before it is written). A copy where the file system has no links."""
    for folder, _folders, names in os.walk(source):
        relative = os.path.relpath(folder, source)
        made = target if relative == "." else target / relative
        made.mkdir(parents=True, exist_ok=True)
        for name in names:
            link_or_copy(os.path.join(folder, name), made / name)


def start_link_tree(source: Path, target: Path) -> Callable[[], None]:
    """:func:`link_tree` in the background (the kernel's work: on Linux ``cp -al`` in a process
    of its own, beside the build, else a thread); the call it returns waits for it to finish
    and raises what went wrong."""
    cp = shutil.which("cp")
    if cp is not None and sys.platform.startswith("linux"):
        process = subprocess.Popen(
            [cp, "-al", "--", f"{source}{os.sep}.", str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

        def wait_for_cp() -> None:  # once or more often
            if process.returncode is None:
                process.communicate()
                if process.returncode != 0:  # another file system (a linked site/, say): copies
                    link_tree(source, target)

        return wait_for_cp
    linking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rundbrief-link")
    linked = linking.submit(link_tree, source, target)
    linking.shutdown(wait=False)  # the thread ends with its one job
    return lambda: linked.result()
