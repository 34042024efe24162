"""Profile one `rundbrief build` of a project with pyinstrument (the main process: MkDocs and
the email scheduling; the email workers are separate processes, see --emails).

    python bench/profile.py /tmp/rundbrief-1000            # a build as it comes (warm if built before)
    python bench/profile.py /tmp/rundbrief-1000 --cold     # site/, newsletter/ and the cache removed first
    python bench/profile.py /tmp/rundbrief-1000 --emails 200   # 200 emails rendered in this process

Make a project with `python -c "from bench.synthetic import make_project; ..."` or keep one
from bench/run.py. Prints pyinstrument's call tree; not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument(
        "--emails", type=int, default=0, help="profile rendering this many emails in one process instead"
    )
    args = parser.parse_args()
    os.chdir(args.project)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if args.cold:
        for name in ("site", "newsletter", ".rundbrief"):
            shutil.rmtree(name, ignore_errors=True)
    profiler = Profiler(interval=0.001)
    if args.emails:
        from generator.content import load_project
        from generator.email import build

        project = load_project(Path(".")).project
        issues = list(project.published)[: args.emails]
        build.PARALLEL_FROM = sys.maxsize  # one process, so the profiler sees the rendering
        with tempfile.TemporaryDirectory() as out:
            profiler.start()
            build.build_emails(
                project,
                lambda slug: Path(out) / slug,
                None,
                inliner="css-inline",
                cache=Path(out) / "cache",
                only=issues,
            )
            profiler.stop()
    else:
        from generator.cli import main as rundbrief

        sys.argv = ["rundbrief", "build"]
        profiler.start()
        try:
            rundbrief()
        except SystemExit:
            pass
        profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
