"""Render every email of a project cold (no cache, no previous newsletter/), as `rundbrief build` does."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from generator.content import load_project
from generator.email.build import build_emails

if __name__ == "__main__":
    project = load_project(Path(sys.argv[1])).project
    with tempfile.TemporaryDirectory() as out:
        results = build_emails(
            project, lambda slug: Path(out) / slug, None, inliner=sys.argv[2] if len(sys.argv) > 2 else "css-inline",  # type: ignore[arg-type]
            cache=Path(out) / "cache",
        )  # fmt: skip
        bad = [r.issue.slug for r in results if not r.rendered or r.errors]
        sys.exit(1 if bad else 0)
