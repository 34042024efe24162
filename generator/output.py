"""Writing build output all or nothing: a failed build leaves the previous output as it was.

Each output folder is built beside its target under a temporary name and swapped in
with renames only after every output has been built.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType


class StagedOutputs:
    """``with StagedOutputs() as out: build(out.stage(site_dir)) ... out.commit()``."""

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}

    def stage(self, target: Path) -> Path:
        """A fresh empty folder to build ``target`` in."""
        target = target.absolute()
        temp = target.parent / f".{target.name}.building-{os.getpid()}"
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
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        for temp in self._staged.values():
            shutil.rmtree(temp, ignore_errors=True)
        self._staged.clear()

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()  # after commit() there is nothing left to discard
