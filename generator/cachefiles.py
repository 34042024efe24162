"""Files of the build's cache (``.rundbrief/cache/``): read whole or not at all, written whole.

A cache file is rundbrief's own, but a killed build may have cut it short, another version of
rundbrief may have left it, a disk may have damaged it: reading one never fails, it only finds
nothing (rebuilding a cache is always right). Writing goes to a name of the writer's own (its
process and thread) and is renamed over the file, so a reader sees the old file or the new one.
"""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

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
