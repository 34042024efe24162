"""The one source of the build's worker processes: a forkserver with every worker's code imported.

The build runs threads (MkDocs beside the emails' thread), so workers are not forked from it
(a fork would copy their locks) but from a forkserver, one per build process, shared by every
pool. Its preload list is read once, when it starts: whichever pool started it first decided
what every later worker had to import again by itself. So all pools ask here, and the build
starts it before loading the content, when one core is idle.

The forkserver (and multiprocessing's resource tracker, which it starts) is ``python -c ...``,
which puts the current folder first on its module path, and Python 3.11's forkserver ignores the
module path it is handed: a build started from inside ``content/`` imported an editor's
``generator/`` folder there while preloading. So both start with ``-P`` added to the flags they
inherit (an environment variable would not do: ``python -E`` passes ``-E`` on to them).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import threading
from multiprocessing.context import BaseContext
from multiprocessing.forkserver import ensure_running

# The modules whose functions the pools run (by name: this module imports none of them).
WORKER_MODULES = ["generator.texts", "generator.email.build", "generator.site.calendar", "generator.images"]
_starting = threading.Lock()  # the emails' thread and MkDocs' thread may both start a pool


def worker_context() -> BaseContext:
    """The forkserver context every pool of the build uses, preloading :data:`WORKER_MODULES`
    in a server that imports nothing from the current folder."""
    context = multiprocessing.get_context("forkserver")
    with _starting:
        context.set_forkserver_preload(WORKER_MODULES)
        # started here, not by the first pool, with -P; a pool finds it running
        inherited = multiprocessing.util._args_from_interpreter_flags  # type: ignore[attr-defined]
        multiprocessing.util._args_from_interpreter_flags = lambda: _with_safe_path(inherited())  # type: ignore[attr-defined]
        try:
            ensure_running()
        finally:
            multiprocessing.util._args_from_interpreter_flags = inherited  # type: ignore[attr-defined]
    return context


def _with_safe_path(flags: list[str]) -> list[str]:
    return flags if "-P" in flags or "-I" in flags else [*flags, "-P"]


def start_early() -> None:
    """Start the forkserver now, importing the workers' code beside the caller's work (the
    texts' first pool would otherwise wait for it)."""
    worker_context()
