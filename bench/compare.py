"""Two versions of rundbrief against each other on one project, their builds alternating.

    python bench/compare.py --base a4fc69c                        # a4fc69c against this checkout, N = 1,000
    python bench/compare.py --base HEAD~1 --runs 5 --workdir /dev/shm
    python bench/compare.py --base HEAD --size 3 --runs 1         # the test suite's smoke run
    python bench/compare.py --base HEAD --emails --workdir /dev/shm   # the emails alone (bench/emails_only.py)

On a virtual machine one build of the same code took 17.8 s and, seven minutes later, 20.6 s
(bench/results.md): a table made before a change and one made after it cannot show a change of
ten percent. Here each run is a cold ``rundbrief build`` (site/, newsletter/ and .rundbrief/
removed first) of one project, the base's and this checkout's in turn, so that both meet the
same machine. Printed per build: the wall time, the machine's CPU time in user and in kernel
mode over the build (from /proc/stat: the worker processes count, and so does anything else the
machine does, so run it on an otherwise idle machine) and the peak memory of the build's main
process; then the medians. ``--workdir /dev/shm`` (tmpfs) leaves out what creating some
12,000 files costs on the disk, which moved by seconds between builds here. The base is checked
out into a temporary git worktree, removed at the end. With ``--emails`` each run renders the
emails alone from converted texts (each tree's bench/emails_only.py; wall time of that part,
machine CPU over the whole process). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import settle  # noqa: E402 (after the path is set)
from bench.synthetic import make_project  # noqa: E402

PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> tuple[float, float]:
    """The machine's CPU time so far, (user and nice, kernel with interrupts), in seconds."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice) / TICKS, (system + irq + softirq) / TICKS


def _measured(tree: Path, project: Path, command: list[str]) -> tuple[dict[str, object], float, float]:
    """``command`` run in ``project`` with ``tree``'s code, through measure.py: its report and the
    machine's user and kernel CPU seconds over it."""
    settle()
    env = dict(os.environ, PYTHONPATH=str(tree))  # the tree's generator package, not the installed one
    user, kernel = cpu_seconds()
    done = subprocess.run(
        [PYTHON, str(REPO / "bench" / "measure.py"), str(project), *command], capture_output=True, text=True, env=env,
        check=True,
    )  # fmt: skip
    user_after, kernel_after = cpu_seconds()
    data = json.loads(done.stdout)
    if data["returncode"] != 0:
        raise SystemExit(f"{' '.join(command)} with the code of {tree} failed:\n{data['stderr']}")
    return data, user_after - user, kernel_after - kernel


def cold_build(tree: Path, project: Path) -> dict[str, float]:
    for name in ("site", "newsletter", ".rundbrief"):
        shutil.rmtree(project / name, ignore_errors=True)
    data, user, kernel = _measured(tree, project, [PYTHON, "-m", "generator", "build", "--project", "."])
    return {"wall": float(data["seconds"]), "user": user, "kernel": kernel, "peak": float(data["peak_mb"])}


def emails_only(tree: Path, project: Path) -> dict[str, float]:
    """The emails alone, from converted texts (the tree's bench/emails_only.py): the wall time of
    that part as it reports it; the CPU of the whole process (loading and converting included)."""
    data, user, kernel = _measured(tree, project, [PYTHON, str(tree / "bench" / "emails_only.py"), "."])
    parts = json.loads(str(data["stdout_tail"]).strip().splitlines()[-1])
    return {"wall": float(parts["emails"]), "user": user, "kernel": kernel, "peak": float(data["peak_mb"])}


def row(name: str, measured: dict[str, float]) -> str:
    wall, user, kernel, peak = (measured[key] for key in ("wall", "user", "kernel", "peak"))
    return f"{name[:16]:16} {wall:8.2f} {user:8.2f} {kernel:9.2f} {peak:8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the commit (or branch, tag) to compare this checkout with")
    parser.add_argument("--size", type=int, default=1000, help="issues in the generated project")
    parser.add_argument("--runs", type=int, default=3, help="cold builds of each")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the project is made (default: the system's temp folder)"
    )
    parser.add_argument(
        "--emails", action="store_true", help="render the emails alone (wall: their part; CPU: the whole process)"
    )
    args = parser.parse_args()
    run = emails_only if args.emails else cold_build
    with tempfile.TemporaryDirectory(prefix="rundbrief-compare-", dir=args.workdir) as tmp:
        work = Path(tmp)
        base = work / "base"
        git = ["git", "-C", str(REPO), "worktree"]
        subprocess.run([*git, "add", "--detach", "--quiet", str(base), args.base], check=True)
        try:
            trees = {f"base {args.base}": base, "this checkout": REPO}
            for tree in trees.values():  # as pip compiles an installed package: no build compiles them
                subprocess.run([PYTHON, "-m", "compileall", "-q", str(tree / "generator")], check=True)
            project = make_project(work / "project", args.size, REPO)
            results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
            print(f"N = {args.size}, {args.runs} cold builds each, alternating; project in {project}")
            print(f"{'':16} {'wall s':>8} {'user s':>8} {'kernel s':>9} {'peak MB':>8}")
            for _run in range(args.runs):
                for name, tree in trees.items():
                    measured = run(tree, project)
                    results[name].append(measured)
                    print(row(name, measured))
            print("medians:")
            for name, runs in results.items():
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                print(row(name, median))
        finally:
            subprocess.run([*git, "remove", "--force", str(base)], check=False)


if __name__ == "__main__":
    main()
