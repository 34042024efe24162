"""The one source of the build's worker processes: a forkserver with every worker's code imported.

The build runs threads (MkDocs beside the emails' thread), so workers are not forked from it
(a fork would copy their locks) but from a forkserver, one per build process, shared by every
pool. Its preload list is read once, when it starts: whichever pool started it first decided
what every later worker had to import again by itself. So all pools ask here, and the build
starts it before loading the content, when one core is idle.

The forkserver is ``python -c ...``, which puts the current folder first on its module path,
and Python 3.11's forkserver ignores the module path it is handed: a build started from inside
``content/`` imported an editor's ``generator/`` folder there while preloading. So the server starts
with ``PYTHONSAFEPATH`` (as ``-P``): never the current folder first.
"""

from __future__ import annotations

import multiprocessing
import os
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
        # started here, not by the first pool: only this start runs with the variable (a pool
        # finds the server running; the variable goes again, the caller's children keep theirs)
        saved = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            ensure_running()
        finally:
            if saved is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = saved
    return context


def start_early() -> None:
    """Start the forkserver now, importing the workers' code beside the caller's work (the
    texts' first pool would otherwise wait for it)."""
    worker_context()
