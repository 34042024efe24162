"""Render every email of a project cold (no cache, no previous newsletter/), as `rundbrief build` does.

Prints, as one JSON line, the seconds of its three parts: loading the content, converting the
texts (in a build shared with the site: one conversion for both) and the emails themselves.
As in a build (generator/cli.py), the German hyphenation patterns are parsed into the (new,
empty) cache by a process of their own while the content loads, and the young generation of
the garbage collector is collected as seldom as in a build. The emails are written where a
build writes them, on the project's file system (a folder beside the project, removed after):
written to the system's temp folder instead, a project on tmpfs had its emails timed on a disk
(2.5 s of 7.7 s on this project's virtual disk, against tmpfs).
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
from pathlib import Path

from generator.content import load_project
from generator.email.build import build_emails
from generator.hyphenation import prepare_cache
from generator.texts import convert_texts

if __name__ == "__main__":
    project_dir = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory(prefix="emails-only-", dir=project_dir.parent) as out:
        started = time.perf_counter()
        gc.set_threshold(50_000, 20, 100)
        prepare_cache(Path(out))  # the emails' cache folder below is out/cache: patterns in its parent
        project = load_project(project_dir).project
        loaded = time.perf_counter()
        texts = convert_texts(project)
        converted = time.perf_counter()
        results = build_emails(
            project, lambda slug: Path(out) / slug, None, inliner=sys.argv[2] if len(sys.argv) > 2 else "css-inline",  # type: ignore[arg-type]
            cache=Path(out) / "cache", texts=texts,
        )  # fmt: skip
        done = time.perf_counter()
        bad = [r.issue.slug for r in results if not r.rendered or r.errors]
    print(json.dumps({"load": loaded - started, "convert": converted - loaded, "emails": done - converted}))
    sys.exit(1 if bad else 0)
