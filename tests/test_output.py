"""The swap of staged output into site/ and newsletter/: a process killed at any step of it
leaves both folders from one build, and the next run finishes (or undoes) what it began."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.cachefiles import signed
from generator.output import (
    JOURNAL,
    OutputBusy,
    StagedOutputs,
    finish_interrupted_swap,
    recover_outputs,
    start_link_tree,
)

# The steps of a commit with both folders present, in order (StagedOutputs.commit's on_step names).
STEPS = ["journal written", "retired site", "installed site", "retired newsletter", "installed newsletter", "journal removed"]

CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from generator.output import StagedOutputs

    root, stop_at = Path(sys.argv[1]), sys.argv[2]
    seen = []

    def step(name):
        seen.append(name)
        print(name, flush=True)
        if name == stop_at:
            os._exit(9)  # killed: no cleanup, no finally

    with StagedOutputs(root / ".rundbrief", on_step=step) as out:
        for name in ("site", "newsletter"):
            staged = out.stage(root / name)
            (staged / "build.txt").write_text("new", encoding="utf-8")
        if stop_at == "before commit":
            os._exit(9)
        out.commit()
    """
)


def previous_build(root: Path) -> None:
    for name in ("site", "newsletter"):
        (root / name).mkdir(parents=True)
        (root / name / "build.txt").write_text("old", encoding="utf-8")


def killed_build(root: Path, stop_at: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", CHILD, str(root), stop_at], capture_output=True, text=True, check=False)
    assert result.returncode == (9 if stop_at != "never" else 0), result.stderr
    return result.stdout.split("\n")[:-1]


def state(root: Path) -> tuple[str, str]:
    return tuple((root / name / "build.txt").read_text(encoding="utf-8") for name in ("site", "newsletter"))  # type: ignore[return-value]


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if ".building-" in p.name)


def test_the_steps_are_the_ones_tested(tmp_path: Path) -> None:
    previous_build(tmp_path)
    assert killed_build(tmp_path, "never") == STEPS
    assert state(tmp_path) == ("new", "new")
    assert not (tmp_path / ".rundbrief" / JOURNAL).exists()


@pytest.mark.parametrize("stop_at", ["before commit", *STEPS])
def test_a_build_killed_at_any_step_leaves_one_whole_build(tmp_path: Path, stop_at: str) -> None:
    previous_build(tmp_path)
    killed_build(tmp_path, stop_at)
    # The next run, before anything else, repairs the swap: whole old or whole new, never a mix
    # and never a missing folder.
    recovered = recover_outputs(tmp_path)
    expected = ("old", "old") if stop_at == "before commit" else ("new", "new")
    assert state(tmp_path) == expected
    renames_left = stop_at in ("journal written", "retired site", "installed site", "retired newsletter")
    assert bool(recovered) == renames_left
    assert not (tmp_path / ".rundbrief" / JOURNAL).exists()
    # A following build that fails keeps what is there and clears the killed build's folders.
    with pytest.raises(RuntimeError), StagedOutputs(tmp_path / ".rundbrief") as out:
        out.stage(tmp_path / "site")
        out.stage(tmp_path / "newsletter")
        raise RuntimeError("content errors")
    assert state(tmp_path) == expected
    assert leftovers(tmp_path) == []
    # And a build that succeeds replaces both.
    with StagedOutputs(tmp_path / ".rundbrief") as out:
        for name in ("site", "newsletter"):
            (out.stage(tmp_path / name) / "build.txt").write_text("newer", encoding="utf-8")
        out.commit()
    assert state(tmp_path) == ("newer", "newer")


@pytest.mark.parametrize("stop_at", STEPS[:-1])
def test_a_failing_build_after_a_crash_never_deletes_the_only_copy(tmp_path: Path, stop_at: str) -> None:
    previous_build(tmp_path)
    killed_build(tmp_path, stop_at)
    # no separate recovery: the next build itself finishes the swap when it takes the lock
    with pytest.raises(RuntimeError), StagedOutputs(tmp_path / ".rundbrief") as out:
        out.stage(tmp_path / "site")
        raise RuntimeError("content errors")
    assert state(tmp_path) == ("new", "new")


def test_first_build_killed_after_its_journal(tmp_path: Path) -> None:
    killed_build(tmp_path, "journal written")  # nothing was built before
    assert not (tmp_path / "site").exists()
    assert finish_interrupted_swap(tmp_path / ".rundbrief")
    assert state(tmp_path) == ("new", "new")


def test_a_damaged_journal_is_left_for_a_person(tmp_path: Path) -> None:
    previous_build(tmp_path)
    (tmp_path / ".rundbrief").mkdir()
    (tmp_path / ".rundbrief" / JOURNAL).write_text("{not json", encoding="utf-8")
    messages = finish_interrupted_swap(tmp_path / ".rundbrief")
    assert messages and "unreadable swap journal" in messages[0]
    assert state(tmp_path) == ("old", "old")
    assert (tmp_path / ".rundbrief" / JOURNAL).exists()


def test_one_build_at_a_time(tmp_path: Path) -> None:
    with StagedOutputs(tmp_path / ".rundbrief"):
        with pytest.raises(OutputBusy, match="another build of this project is running"):
            StagedOutputs(tmp_path / ".rundbrief").open()
    StagedOutputs(tmp_path / ".rundbrief").open()  # released when the first one ended


@pytest.mark.parametrize("cp", ["works", "fails"])
def test_the_last_output_is_linked_into_a_staged_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cp: str) -> None:
    """A build of edited bodies starts from the last output, linked (``cp -al``); where cp
    cannot link (site/ on another file system, found by a hostile test) the files are linked or
    copied one by one."""
    source, target = tmp_path / "site", tmp_path / "staged"
    (source / "a" / "b").mkdir(parents=True)
    (source / "index.html").write_text("Start", encoding="utf-8")
    (source / "a" / "b" / "seite.html").write_text("Seite", encoding="utf-8")
    target.mkdir()
    if cp == "fails":
        tools = tmp_path / "bin"
        tools.mkdir()
        (tools / "cp").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
        (tools / "cp").chmod(0o755)
        monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    start_link_tree(source, target)()
    for name in ("index.html", "a/b/seite.html"):
        assert (target / name).read_bytes() == (source / name).read_bytes()
        assert os.path.samefile(target / name, source / name)  # a link, not a copy, on one file system


def test_a_journal_not_written_by_this_users_build_is_left_alone(tmp_path: Path) -> None:
    """From a trial: .rundbrief/swap.json named folders to rename and delete, and the next build
    did so: one put there by anybody else deleted a folder of the user's and put a file of theirs
    in place of another. A journal carries the caches' keyed hash now, and names only a target's
    own staged and retired folders beside it."""
    victim = tmp_path / "victim"
    (victim / "wichtig").mkdir(parents=True)
    (victim / "bashrc").write_text("echt\n", encoding="utf-8")
    (tmp_path / "boese").write_text("echo ANGREIFER\n", encoding="utf-8")
    state = tmp_path / "projekt" / ".rundbrief"
    state.mkdir(parents=True)
    forged = [
        {"target": str(victim / "behalten"), "staged": str(tmp_path / "nichts"), "retired": str(victim / "wichtig")},
        {"target": str(victim / "bashrc"), "staged": str(tmp_path / "boese"), "retired": str(victim / "bashrc.old")},
    ]
    for journal in (json.dumps(forged).encode(), signed(json.dumps(forged).encode(), JOURNAL)):  # not signed; signed but naming other folders
        (state / JOURNAL).write_bytes(journal)
        messages = finish_interrupted_swap(state)
        assert messages and "unreadable swap journal" in messages[0], messages
        assert (victim / "wichtig").is_dir() and (victim / "bashrc").read_text(encoding="utf-8") == "echt\n"
