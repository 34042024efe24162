"""The shipped example project checks clean and builds for real."""

from __future__ import annotations

from pathlib import Path

from tests.emailfixture import copy_example, run


def test_example_checks_clean_but_for_the_legal_page_reminders(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    result = run("check", "--project", str(root))
    assert result.returncode == 0, result.stderr
    reminders = [line.split(": warning: ")[0] for line in result.stderr.splitlines() if ": warning: " in line]
    assert reminders == ["content/barrierefreiheit.md:2", "content/datenschutz.md:2", "content/impressum.md:2"]
    assert "3 published and 1 draft issues, 11 events, 10 people, 6 phases" in result.stdout
    strict = run("check", "--strict", "--project", str(root))
    assert strict.returncode == 1  # the placeholders must be replaced before a strict build publishes
