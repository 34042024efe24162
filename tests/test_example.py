"""The shipped example project checks clean and builds for real."""

from __future__ import annotations

from pathlib import Path

from tests.emailfixture import copy_example, run


def test_example_checks_clean(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    result = run("check", "--strict", "--project", str(root))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no placeholders: the legal pages are fictional but complete texts
    assert "3 published issues and 1 draft, 11 events, 10 people, 6 phases" in result.stdout
    # a legal page marked as a placeholder stops the check, and so a build
    impressum = root / "content" / "impressum.md"
    impressum.write_text("---\nplaceholder: true\n---\n" + impressum.read_text(encoding="utf-8"), encoding="utf-8")
    refused = run("check", "--project", str(root))
    assert refused.returncode == 1
    assert refused.stderr.startswith("content/impressum.md:2: error: placeholder: ")
