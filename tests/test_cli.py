"""The rundbrief command as an editor runs it: real processes, real MkDocs builds."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tests.conftest import FIXTURES, REPO

PROBLEM_LINE = re.compile(r"^[^:]+(:\d+)?: (error|warning): .+$")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_check_clean_project(project: Path) -> None:
    result = run("check", "--project", str(project))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rundbrief: content is fine: 1 published issue and 0 drafts, 1 event,")
    assert result.stderr == ""


def test_check_reports_every_problem_and_fails(project: Path) -> None:
    for name in ("bad-event-start", "unknown-key"):
        shutil.copy(FIXTURES / "invalid" / f"{name}.md", project / "content" / "newsletter")
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[:-1] == [
        'content/newsletter/bad-event-start.md:7: error: events[1].start: expected a date or "YYYY-MM-DD HH:MM", '
        'found "next week"',
        "content/newsletter/unknown-key.md:1: error: title: missing required field",
        'content/newsletter/unknown-key.md:2: warning: titel: unknown field, ignored (did you mean "title"?)',
        'content/newsletter/unknown-key.md:3: error: number: "02.2026" is already the number of '
        "content/newsletter/bad-event-start.md:3; every issue needs its own number",
    ]
    assert lines[-1] == "rundbrief: check failed: 3 errors, 1 warning"
    assert all(PROBLEM_LINE.match(line) for line in lines[:-1])


def test_check_strict_fails_on_warnings(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2026-02.md", '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\nsumary: Tippfehler\n---\n')
    assert run("check", "--project", str(project)).returncode == 0
    strict = run("check", "--strict", "--project", str(project))
    assert strict.returncode == 1
    # a misspelt field is a warning, and an error under --strict (as on the preview's pages)
    assert strict.stderr.splitlines()[-2].endswith(': error: sumary: unknown field, ignored (did you mean "summary"?)')
    assert strict.stderr.splitlines()[-1] == "rundbrief: check failed: 1 error, 0 warnings"


def test_check_runs_in_the_current_directory(project: Path) -> None:
    assert run("check", cwd=project).returncode == 0
    assert run("check", cwd=project.parent).returncode == 1  # no mkdocs.yml there


def test_build_writes_site_and_leaves_content_alone(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2026-02.md", '---\ntitle: Entwurf\nnumber: "02"\ndate: 2026-06-30\ndraft: true\n---\n')
    before = tree_digest(project / "content")
    result = run("build", "--strict", "--project", str(project))
    assert result.returncode == 0, result.stderr
    site = project / "site"
    page = (site / "newsletter" / "2026-01" / "index.html").read_text(encoding="utf-8")
    assert "Ausgabe 01.2026" in page and "Erste Ausgabe" in page and "Dienstag, 26. Mai 2026, 10:00–15:00 Uhr" in page
    assert (site / "newsletter" / "index.html").is_file()
    assert not (site / "newsletter" / "2026-02").exists()  # the draft
    assert not (site / "people.yml").exists()
    assert tree_digest(project / "content") == before
    assert not list(project.glob(".site.*"))  # no temporary folders left behind


def test_failed_build_keeps_previous_site(project: Path) -> None:
    assert run("build", "--project", str(project)).returncode == 0
    before = tree_digest(project / "site")
    shutil.copy(FIXTURES / "invalid" / "bad-date.md", project / "content" / "newsletter")
    content_before = tree_digest(project / "content")
    result = run("build", "--project", str(project))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "rundbrief: build failed, nothing was written: 1 error, 0 warnings"
    assert tree_digest(project / "site") == before
    assert tree_digest(project / "content") == content_before


def test_build_failing_inside_mkdocs_keeps_previous_site(project: Path) -> None:
    assert run("build", "--project", str(project)).returncode == 0
    before = tree_digest(project / "site")
    # a Markdown link to a page that does not exist: a MkDocs warning, fatal under --strict
    (project / "content" / "index.md").write_text("# Start\n\n[kaputt](gibt-es-nicht.md)\n", encoding="utf-8")
    result = run("build", "--strict", "--project", str(project))
    assert result.returncode == 1
    assert "gibt-es-nicht.md" in result.stderr
    assert "rundbrief: build failed, nothing was written" in result.stderr
    assert tree_digest(project / "site") == before
    assert not list(project.glob(".site.*"))


def test_new_creates_next_issue_and_never_overwrites(project: Path) -> None:
    result = run("new", "Kick-off & Kreativ-Gruppe", "--date", "2026-06-30", "--project", str(project))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/newsletter/2026-02.md"
    created = project / "content" / "newsletter" / "2026-02.md"
    text = created.read_text(encoding="utf-8")
    assert 'title: "Kick-off & Kreativ-Gruppe"' in text and 'number: "02.2026"' in text and "draft: true" in text
    check = run("check", "--strict", "--project", str(project))
    assert check.returncode == 0, check.stderr  # the template itself is valid content
    created.write_text(text + "\nEigener Text.\n", encoding="utf-8")
    again = run("new", "Noch eine", "--number", "02.2026", "--project", str(project))
    assert again.returncode == 1
    assert again.stderr.strip() == 'rundbrief: number "02.2026" is already used; give another with --number'
    assert created.read_text(encoding="utf-8").endswith("Eigener Text.\n")


def test_new_refuses_an_existing_file(project: Path, write: Callable[..., Path]) -> None:
    existing = write("newsletter/2026-03.md", "Notizen, noch ohne Felder\n")
    result = run("new", "Titel", "--number", "03.2026", "--project", str(project))
    assert result.returncode == 1
    assert result.stderr.strip() == f"rundbrief: {existing} exists already; it was not changed"
    assert existing.read_text(encoding="utf-8") == "Notizen, noch ohne Felder\n"


def test_new_defaults_to_today(project: Path) -> None:
    result = run("new", "Heute", "--project", str(project))
    assert result.returncode == 0, result.stderr
    text = (project / result.stdout.strip()).read_text(encoding="utf-8")
    assert f"date: {date.today().isoformat()}" in text


def test_new_rejects_a_title_with_a_line_break(project: Path) -> None:
    result = run("new", "Zwei\nZeilen", "--project", str(project))
    assert result.returncode == 1
    assert result.stderr.strip() == "rundbrief: the title must be one line of text"


def test_console_script_is_installed() -> None:
    script = shutil.which("rundbrief", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("check", "build", "new"):
        assert command in result.stdout


def test_example_builds_with_rundbrief_and_with_plain_mkdocs(tmp_path: Path) -> None:
    example = tmp_path / "example"
    top_level_skip = {".git", ".venv", "site", "newsletter", "tests", ".rundbrief"}
    shutil.copytree(REPO, example, ignore=lambda d, names: top_level_skip & set(names) if Path(d) == REPO else set())
    result = run("build", "--project", str(example))
    assert result.returncode == 0, result.stderr
    # the example's legal pages are complete (fictional) texts: no placeholder errors or reminders
    assert ": warning: " not in result.stderr and "(0 errors, 0 warnings)" in result.stdout + result.stderr
    assert (example / "site" / "newsletter" / "2026-02" / "index.html").is_file()
    mkdocs = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "plain")],
        cwd=example, capture_output=True, text=True, check=False,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )  # fmt: skip
    assert mkdocs.returncode == 0, mkdocs.stderr
    assert (tmp_path / "plain" / "newsletter" / "2026-02" / "index.html").is_file()
    assert not (tmp_path / "plain" / "newsletter" / "2027-01").exists()  # the example's draft


def test_plain_mkdocs_build_reports_content_errors(project: Path) -> None:
    shutil.copy(FIXTURES / "invalid" / "bad-date.md", project / "content" / "newsletter")
    mkdocs = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project, capture_output=True, text=True, check=False
    )
    assert mkdocs.returncode == 1
    assert 'content/newsletter/bad-date.md:4: error: date: "2026-02-30": there is no 30 February' in mkdocs.stderr
    assert not (project / "site").exists()


def test_a_wrong_start_and_a_german_end_time_are_reported_in_one_run(project: Path) -> None:
    """The end is checked even when the start is wrong, and "18.00" or "19 Uhr" get the colon form."""
    issue = project / "content" / "newsletter" / "2026-05.md"
    if not issue.is_file():
        issue = next((project / "content" / "newsletter").glob("*.md"))
    text = issue.read_text(encoding="utf-8")
    text = text.replace("start: 2026-05-26 10:00", "start: 2026-05-26 25:00").replace('end: "15:00"', 'end: "18.00"')
    issue.write_text(text, encoding="utf-8")
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "events[1]" in line]
    assert len(lines) == 2, result.stderr
    assert "events[1].start" in lines[0] and "there is no hour 25" in lines[0]
    assert lines[1].endswith('events[1].end: "18.00": write the time with a colon: "18:00"')


def test_a_people_file_that_cannot_be_read_calls_nobody_unknown(project: Path) -> None:
    people = project / "content" / "people.yml"
    lines = people.read_text(encoding="utf-8").splitlines()
    lines[1] = "\t" + lines[1].lstrip()  # a tab in the indentation of the first person's field
    people.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issue = next((project / "content" / "newsletter").glob("*.md"))
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("events:", "contacts: [anna-muster]\nevents:", 1), encoding="utf-8"
    )
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if PROBLEM_LINE.match(line)]
    assert problems and all(line.startswith("content/people.yml:") for line in problems), result.stderr
    assert "unknown person" not in result.stderr


def test_an_issue_missing_its_title_still_has_its_number_and_links_checked(project: Path) -> None:
    """All mistakes of a file in one run: a misspelt required field does not hide a number used
    twice or a link to a page that does not exist."""
    newsletter = project / "content" / "newsletter"
    first = next(newsletter.glob("*.md"))
    number = re.search(r'^number: "(.*)"$', first.read_text(encoding="utf-8"), flags=re.M)
    assert number is not None
    (newsletter / "2026-09.md").write_text(
        f'---\ntitel: Zweite Ausgabe\nnumber: "{number.group(1)}"\ndate: 2026-09-01\n---\n\n'
        "Siehe [die alte Ausgabe](2025-12.md).\n",
        encoding="utf-8",
    )
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    mine = [line for line in result.stderr.splitlines() if line.startswith("content/newsletter/2026-09.md")]
    assert any(": title: missing required field" in line for line in mine), result.stderr
    assert any("is already the number of" in line for line in mine), result.stderr
    assert any("link 2025-12.md" in line for line in mine), result.stderr


def test_german_status_words_and_misspelt_event_ids_get_a_suggestion(project: Path) -> None:
    newsletter = project / "content" / "newsletter"
    issue = next(newsletter.glob("*.md"))
    issue.write_text(
        issue.read_text(encoding="utf-8").replace(
            "    location: Schwaan\n", "    location: Schwaan\n    status: abgesagt\n", 1
        ),
        encoding="utf-8",
    )
    (newsletter / "2026-09.md").write_text(
        '---\ntitle: Zweite\nnumber: "09.2026"\ndate: 2026-09-01\nevents:\n  - id: base-evnt\n---\n\nText.\n',
        encoding="utf-8",
    )
    result = run("check", "--project", str(project))
    assert result.returncode == 1
    assert 'found "abgesagt" (did you mean "cancelled"?)' in result.stderr, result.stderr
    assert 'unknown event id "base-evnt"' in result.stderr and '(did you mean "base-event"?)' in result.stderr
