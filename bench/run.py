"""rundbrief's benchmark: rundbrief against what a user would pick instead, side by side.

    python bench/run.py                  # N = 100 and 1,000, 3 runs each
    python bench/run.py --sizes 100 1000 5000 --runs 3
    python bench/run.py --sizes 3 --runs 1 --send 20 --personalise 100 --out /tmp/r.md   # the test suite's smoke run

Every build is timed as a whole process (median of the runs) with its peak memory. Writes the
table with the date, the machine and the commands to bench/results.md. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synthetic import make_project, plain_project  # noqa: E402 (after the path is set)

PYTHON = sys.executable
BIN = Path(PYTHON).parent


def settle(timeout: float = 120.0) -> None:
    """Wait until no retired build output is still being deleted in the background (rundbrief
    removes the previous site/ with a detached `rm -rf`): those unlinks would be billed to the
    next measurement. Editors do not rebuild within the second; the benchmark should not either."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = False
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[:3] == [b"rm", b"-rf", b"--"] and b"rundbrief-bench-" in b"".join(argv[3:]):
                busy = True
                break
        if not busy:
            return
        time.sleep(0.2)


def measure(cwd: Path, command: list[str], prepare: object = None, runs: int = 3) -> dict[str, float]:
    times, peaks, parts = [], [], []
    for _ in range(runs):
        if callable(prepare):
            prepare()
        settle()
        out = subprocess.run(
            [PYTHON, str(REPO / "bench" / "measure.py"), str(cwd), *command], capture_output=True, text=True, check=True
        )
        data = json.loads(out.stdout)
        if data["returncode"] != 0:
            raise SystemExit(f"failed: {' '.join(command)} in {cwd}\n{data['stderr']}")
        times.append(data["seconds"])
        peaks.append(data["peak_mb"])
        last = (data["stdout_tail"].strip().splitlines() or [""])[-1]
        if last.startswith("{"):  # a command that times its own parts (bench/emails_only.py)
            parts.append(json.loads(last))
    result = {"seconds": statistics.median(times), "peak_mb": max(peaks)}
    for name in parts[0] if parts else ():
        result[name] = statistics.median(p[name] for p in parts)
    return result


def clean(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def email_ms(project_dir: Path, inliner: str, count: int) -> float:
    from generator.content import load_project
    from generator.email.build import templates_dir
    from generator.email.render import EmailRenderer
    from generator.images import ImagePipeline

    project = load_project(project_dir).project
    renderer = EmailRenderer(project, ImagePipeline(project_dir / ".bench-cache"), templates_dir(project), inliner)  # type: ignore[arg-type]
    issues = list(project.published)[:count]
    renderer.render(issues[0])
    samples = []
    for issue in issues:
        started = time.perf_counter()
        renderer.render(issue)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def send_rate(project_dir: Path, count: int) -> float:
    from tests.smtpserver import SmtpServer

    with tempfile.TemporaryDirectory() as tmp:
        db, csv = Path(tmp) / "db.sqlite", Path(tmp) / "list.csv"
        csv.write_text(
            "email,consent\n" + "".join(f"r{i}@example.net,2026-01-01\n" for i in range(count)), encoding="utf-8"
        )
        env = dict(os.environ, RUNDBRIEF_SECRET="benchmark-secret-0123456789")
        subprocess.run(
            [str(BIN / "rundbrief"), "subscribers", "import", str(csv), "--db", str(db)],
            cwd=project_dir,
            env=env,
            check=True,
            capture_output=True,
        )
        slug = sorted(p.name for p in (project_dir / "newsletter").iterdir())[0]
        with SmtpServer() as server:
            env.update(server.environment())
            started = time.perf_counter()
            subprocess.run(
                [str(BIN / "rundbrief"), "send", slug, "--yes", "--db", str(db)],
                cwd=project_dir,
                env=env,
                check=True,
                capture_output=True,
            )
            seconds = time.perf_counter() - started
            assert server.recorder.total == count
    return count / seconds


def personalise_seconds(project_dir: Path, count: int) -> float:
    from generator.content import load_project
    from generator.email.mime import PreparedMessage
    from generator.email.render import EmailBody

    project = load_project(project_dir).project
    slug = sorted(p.name for p in (project_dir / "newsletter").iterdir())[0]
    folder = project_dir / "newsletter" / slug
    body = EmailBody(slug, "Betreff", "", (folder / "email.html").read_text(), (folder / "email.txt").read_text())
    prepared = PreparedMessage(body, project.settings)
    started = time.perf_counter()
    for i in range(count):
        prepared.personalise(f"leser{i}@example.net", f"https://abo.example.org/abmelden?t=token{i}")
    return time.perf_counter() - started


def run_size(n: int, runs: int, work: Path) -> dict[str, object]:
    project, plain, blog = work / f"rundbrief-{n}", work / f"plain-{n}", work / f"blog-{n}"
    make_project(project, n, REPO)
    plain_project(project, plain, blog=False)
    plain_project(project, blog, blog=True)
    rb = [str(BIN / "rundbrief")]
    outputs = (project / "site", project / "newsletter", project / ".rundbrief")
    row: dict[str, object] = {"n": n}
    row["check"] = measure(project, [*rb, "check"], runs=runs)
    row["build_cold"] = measure(project, [*rb, "build"], prepare=lambda: clean(*outputs), runs=runs)
    row["build_warm"] = measure(project, [*rb, "build"], runs=runs)
    row["build_forced"] = measure(project, [*rb, "build", "--force"], runs=runs)
    issue = sorted((project / "content" / "newsletter").glob("*.md"))[n // 2]
    original = issue.read_text(encoding="utf-8")
    counter = iter(range(1_000_000))
    row["build_one_changed"] = measure(
        project,
        [*rb, "build"],
        prepare=lambda: issue.write_text(original + f"\nGeändert {next(counter)}.\n", encoding="utf-8"),
        runs=runs,
    )
    issue.write_text(original, encoding="utf-8")
    settle()
    # a title: front-matter the archive, the neighbours and the feed show: every page is built
    # (through the page cache), not only the edited one
    row["build_title_changed"] = measure(
        project,
        [*rb, "build"],
        prepare=lambda: issue.write_text(
            re.sub(r"^title: .*$", f"title: Geändert {next(counter)}", original, count=1, flags=re.M), encoding="utf-8"
        ),
        runs=runs,
    )
    issue.write_text(original, encoding="utf-8")
    settle()
    preview = subprocess.run(
        [PYTHON, str(REPO / "bench" / "preview_edit.py"), str(project), "--edits", str(max(3, runs))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    row["preview_edit"] = json.loads(preview.stdout.strip().splitlines()[-1])
    row["emails_cold"] = measure(project, [PYTHON, str(REPO / "bench" / "emails_only.py"), str(project)], runs=runs)
    mk = [PYTHON, "-m", "mkdocs", "build", "-q", "-d"]
    row["plain_material"] = measure(plain, [*mk, str(plain / "site")], prepare=lambda: clean(plain / "site"), runs=runs)
    row["blog_plugin"] = measure(blog, [*mk, str(blog / "site")], prepare=lambda: clean(blog / "site"), runs=runs)
    row["email_ms_css_inline"] = email_ms(project, "css-inline", min(n, 30))
    row["email_ms_premailer"] = email_ms(project, "premailer", min(n, 30))
    clean(*outputs)
    subprocess.run([*rb, "build"], cwd=project, check=True, capture_output=True)
    return row


def table(rows: list[dict[str, object]], send: dict[str, float]) -> str:
    lines = [
        "| N | what | median s | peak MB | ratio to plain Material |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        base = row["plain_material"]["seconds"]  # type: ignore[index]
        for key, label in (
            ("plain_material", "plain `mkdocs build`, Material, same Markdown, no issues in nav (baseline)"),
            ("blog_plugin", "Material's blog plugin, same files as posts"),
            ("check", "`rundbrief check`"),
            ("build_cold", "`rundbrief build`, cold (site + emails)"),
            ("build_warm", "`rundbrief build`, nothing changed (the build stamp)"),
            ("build_forced", "`rundbrief build --force`, nothing changed (through every cache)"),
            ("build_one_changed", "`rundbrief build`, one issue's body changed"),
            ("build_title_changed", "`rundbrief build`, one issue's title changed"),
            ("emails_cold", "all emails alone, cold (both cores), whole process"),
        ):
            m = row[key]
            lines.append(
                f"| {row['n']} | {label} | {m['seconds']:.2f} | {m['peak_mb']:.0f} | {m['seconds'] / base:.2f} |"
            )  # type: ignore[index]
        edit = row["preview_edit"]
        lines.append(
            f"| {row['n']} | `rundbrief serve`: an issue's body saved until its page shows the edit, median (max) "
            f"| {edit['median']:.2f} ({edit['max']:.2f}) | | {edit['median'] / base:.2f} |"
        )  # type: ignore[index]
        lines.append(
            f"| {row['n']} | `rundbrief serve`: an issue's title changed (a full build) until its page shows "
            f"| {edit['title']:.2f} | | {edit['title'] / base:.2f} |"
        )  # type: ignore[index]
        first = edit["first"]  # type: ignore[index]
        lines.append(f"| {row['n']} | `rundbrief serve`: its first build, until the page shows | {first:.2f} | | |")
        e = row["emails_cold"]
        lines.append(
            f"| {row['n']} | of which: loading {e['load']:.2f} s, converting the texts {e['convert']:.2f} s "
            f"(shared with the site in a build), the emails from converted texts | {e['emails']:.2f} | | |"
        )  # type: ignore[index]
        lines.append(
            f"| {row['n']} | one email rendered, css-inline / premailer (median ms) "
            f"| {row['email_ms_css_inline']:.1f} / {row['email_ms_premailer']:.1f} | | |"
        )
    lines.append("")
    lines.append(
        f"Sending: {send['count']:.0f} messages to a local aiosmtpd with the ledger on: {send['rate']:.0f} messages/s "
        f"(whole `rundbrief send` process); personalising {send['personalised']:.0f} messages: "
        f"{send['personalise_s']:.2f} s."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--send", type=int, default=2000, help="messages for the send-rate measurement")
    parser.add_argument("--personalise", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.md")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the projects are made (default: the system's temp folder)"
    )
    args = parser.parse_args()
    # As an installed wheel is (pip compiles it): rundbrief's modules compiled beforehand, so that
    # no measured process compiles them (PYTHONDONTWRITEBYTECODE would make every one do it).
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "generator")], check=True)
    with tempfile.TemporaryDirectory(prefix="rundbrief-bench-", dir=args.workdir) as tmp:
        rows = []
        for n in args.sizes:
            print(f"N = {n} ...", file=sys.stderr, flush=True)
            rows.append(run_size(n, args.runs, Path(tmp)))
        smallest = Path(tmp) / f"rundbrief-{min(args.sizes)}"
        settle()
        send = {
            "count": args.send, "rate": send_rate(smallest, args.send),
            "personalised": args.personalise, "personalise_s": personalise_seconds(smallest, args.personalise),
        }  # fmt: skip
    text = table(rows, send)
    print(text)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    args.out.write_text(
        f"# rundbrief benchmark\n\n{date.today().isoformat()} on {machine}.\n\n"
        f"Command: `python bench/run.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs} --send {args.send}"
        f"{f' --workdir {args.workdir}' if args.workdir else ''}` "
        f"(projects in {filesystem(args.workdir or Path(tempfile.gettempdir()))})\n\n"
        f"{text}\n" + notes(),
        encoding="utf-8",
    )


def filesystem(path: Path) -> str:
    """ "/tmp (ext4)": the folder and the file system it is on (creating files costs differ a lot)."""
    resolved, best, kind = path.resolve(), "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return str(path)
    for line in mounts:
        fields = line.split()
        if (
            len(fields) > 2
            and (resolved == Path(fields[1]) or Path(fields[1]) in resolved.parents)
            and len(fields[1]) > len(best)
        ):
            best, kind = fields[1], fields[2]
    return f"{path} ({kind})"


def notes() -> str:
    """The hand-written profile notes (bench/profile-notes.md), kept with every new table."""
    path = REPO / "bench" / "profile-notes.md"
    return "\n" + path.read_text(encoding="utf-8") if path.is_file() else ""


if __name__ == "__main__":
    main()
