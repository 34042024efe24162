"""Shared helpers for the email tests: the built example project, parsed styles."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

TODAY = "2026-11-21"
_DECL = re.compile(r"\s*([-\w]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def copy_example(target: Path) -> Path:
    skip = {".git", ".venv", "site", "newsletter", "tests", ".rundbrief", "node_modules", "docs"}
    shutil.copytree(REPO, target, ignore=lambda d, names: skip & set(names) if Path(d) == REPO else set())
    return target


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip


def _normal(value: str) -> str:
    value = re.sub(r"\s+", " ", value.strip().lower())
    value = re.sub(r"\b0(px|pt|em)\b", "0", value)
    return re.sub(r"#([0-9a-f])([0-9a-f])([0-9a-f])\b", r"#\1\1\2\2\3\3", value)


def styles(html: str) -> list[dict[str, str]]:
    """Every style attribute in document order, as normalised declarations."""
    return [{k.lower(): _normal(v) for k, v in _DECL.findall(s)} for s in re.findall(r'style="([^"]*)"', html)]


def built_example(base: Path) -> Path:
    """A copy of the example project below ``base``, built (site and emails)."""
    root = copy_example(base / "example")
    result = run("build", "--project", str(root))
    assert result.returncode == 0, result.stderr
    return root
