"""Writing build output all or nothing: a failed build leaves the previous output as it was.

Each output folder is built beside its target under a temporary name and swapped in
with renames only after every output has been built.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from types import TracebackType


def remove_later(folder: Path) -> None:
    """Delete a retired output folder without making the build wait for thousands of unlinks.

    A detached process does it; if it never runs, the next build's stage() clears leftovers.
    """
    try:
        subprocess.Popen(["rm", "-rf", "--", str(folder)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


class StagedOutputs:
    """``with StagedOutputs() as out: build(out.stage(site_dir)) ... out.commit()``."""

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}

    def stage(self, target: Path) -> Path:
        """A fresh empty folder to build ``target`` in."""
        target = target.absolute()
        temp = target.parent / f".{target.name}.building-{os.getpid()}"
        for leftover in target.parent.glob(f".{target.name}.old-*"):  # from a build whose cleanup never ran
            shutil.rmtree(leftover, ignore_errors=True)
        if temp.exists():
            shutil.rmtree(temp)
        temp.mkdir(parents=True)
        self._staged[target] = temp
        return temp

    def commit(self) -> None:
        """Swap every staged folder in; the old ones are removed only afterwards."""
        retired: list[Path] = []
        for target, temp in self._staged.items():
            if target.exists() or target.is_symlink():
                old = target.parent / f".{target.name}.old-{os.getpid()}"
                if old.exists():
                    shutil.rmtree(old)
                target.rename(old)
                retired.append(old)
            temp.rename(target)
        self._staged.clear()
        for old in retired:
            remove_later(old)

    def discard(self) -> None:
        for temp in self._staged.values():
            shutil.rmtree(temp, ignore_errors=True)
        self._staged.clear()

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()  # after commit() there is nothing left to discard
