"""The benchmark runs end to end at a tiny size (its figures are for bench/results.md, not for tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def test_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--sizes", "3", "--runs", "1", "--send", "10", "--personalise", "50", "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# rundbrief benchmark")
    for label in ("plain `mkdocs build`", "Material's blog plugin", "`rundbrief check`", "cold (site + emails)",
                  "nothing changed", "--force", "one issue's body changed", "one issue's title changed", "`rundbrief serve`: an issue's body saved", "an issue's title changed (a full build)", "all emails alone", "the emails from converted texts", "css-inline / premailer"):  # fmt: skip
        assert label in text, label
    assert "Sending: 10 messages to a local aiosmtpd" in text


@pytest.mark.parametrize("emails", [[], ["--emails"]])
def test_comparing_two_versions_runs_at_a_tiny_size(emails: list[str]) -> None:
    """bench/compare.py builds one project (or its emails alone) with a commit's code and with
    this checkout's in turn, and leaves no worktree behind."""
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "compare.py"), "--base", "HEAD", "--size", "3", "--runs", "1", *emails],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "medians:" in lines
    for name in ("base HEAD", "this checkout"):
        measured = [line.split() for line in lines if line.startswith(name)]
        assert len(measured) == 2 and all(float(row[-4]) > 0 and float(row[-1]) > 0 for row in measured), lines
    worktrees = subprocess.run(["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True, check=True)
    assert "rundbrief-compare-" not in worktrees.stdout
