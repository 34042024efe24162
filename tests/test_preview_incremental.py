"""The preview renders an edited issue body in place (generator/preview/incremental.py), and its
folder then holds, byte for byte, what a full preview build of the same content makes.

Hypothesis chooses edits of a generated project's issue bodies (text, a heading, a table, a link
to another issue); each case runs the incremental rebuild after the edit and
a full rebuild of the same files into a fresh folder, and compares every file and every problem.
Edits beyond a body's text (a title, people.yml, an image shown) must take the full build.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.synthetic import make_project
from generator.preview.build import PreviewBuild, rebuild
from generator.preview.incremental import IncrementalRebuild
from tests.conftest import REPO
from tests.test_incremental import BUILT_AT, TODAY, tree

ISSUES = 8


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNDBRIEF_TODAY", TODAY)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILT_AT)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("preview-incremental") / "project", ISSUES, REPO, seed=11)


def fresh(generated: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(generated, root, symlinks=True)
    return root


def issue_file(root: Path, index: int) -> Path:
    return sorted((root / "content" / "newsletter").glob("0*.md"))[index % ISSUES]


def save(path: Path, text: str) -> None:
    """As an editor's save: new text, a later modification time (also within one clock tick)."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def append_body(path: Path, text: str) -> None:
    save(path, path.read_text(encoding="utf-8") + "\n" + text + "\n")


def built_anew(incremental: IncrementalRebuild, root: Path, folder: Path, previous: PreviewBuild) -> PreviewBuild:
    """The preview's next build, which must build everything (into ``folder``) and equal a full
    preview build of the same files (made beside it)."""
    rendered_in_place = incremental.incremental
    done = incremental(root, folder, previous)
    assert incremental.incremental == rendered_in_place and done.folder == folder
    assert_same(done, rebuild(root, folder.with_name(f"{folder.name}-full"), None))
    return done


def assert_same(incremental: PreviewBuild, full: PreviewBuild) -> None:
    assert incremental.folder is not None and full.folder is not None
    a, b = tree(incremental.folder), tree(full.folder)
    assert sorted(a) == sorted(b), sorted(set(a) ^ set(b))
    # the email cache's record holds the image files' times; it is neither published nor sent
    differ = [path for path in a if a[path] != b[path] and not path.endswith(".build.json")]
    assert differ == []
    assert [str(p) for p in incremental.problems] == [str(p) for p in full.problems]
    assert incremental.email_messages == full.email_messages
    assert incremental.issues == full.issues


_WORDS = st.text(alphabet="abcdefgh ÄÖÜäöüß&<>\"'–.,*_`", min_size=1, max_size=40).filter(lambda t: t.strip() != "")
Edit = Callable[[Path], None]


@st.composite
def body_edits(draw: st.DrawFn) -> tuple[str, Edit]:
    index = draw(st.integers(0, ISSUES - 1))
    kind = draw(st.sampled_from(["paragraph", "replace", "heading", "link", "table", "twice"]))
    words = draw(_WORDS)

    def edit(root: Path) -> None:
        path = issue_file(root, index)
        if kind == "paragraph":
            append_body(path, words)
        elif kind == "replace":  # a word of the body changed, its length too
            text = path.read_text(encoding="utf-8")
            head, fence, body = text.partition("\n---\n")
            save(path, head + fence + re.sub(r"\b\w{4,}\b", words.replace("\\", ""), body, count=1))
        elif kind == "heading":  # the page's table of contents and search sections change
            append_body(path, f"## {words.strip() or 'Titel'}\n\nText darunter.")
        elif kind == "link":
            append_body(path, f"Siehe [die Ausgabe davor]({issue_file(root, index + 1).name}).")
        elif kind == "table":
            append_body(path, f"| Tag | Programm |\n| --- | --- |\n| Montag | {words} |")
        else:  # two issues at once
            append_body(path, words)
            append_body(issue_file(root, index + 3), words[::-1])

    return f"{kind} in issue {index}: {words!r}", edit


@settings(
    max_examples=6, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(first=body_edits(), second=body_edits())
def test_body_edits_in_place_equal_a_full_preview_build(
    generated: Path, tmp_path_factory: pytest.TempPathFactory, first: tuple[str, Edit], second: tuple[str, Edit]
) -> None:
    base = tmp_path_factory.mktemp("case")
    root = fresh(generated, base)
    incremental = IncrementalRebuild()
    done = incremental(root, root / ".rundbrief" / "preview" / "a", None)
    assert done.folder is not None, [str(p) for p in done.problems]
    for number, (_, edit) in enumerate((first, second)):
        edit(root)
        done = incremental(root, root / ".rundbrief" / "preview" / f"b{number}", done)
        assert done.folder is not None, [str(p) for p in done.problems]
    assert incremental.incremental == 2, "both edits were rendered in place"
    assert done.folder == root / ".rundbrief" / "preview" / "a"
    assert_same(done, rebuild(root, base / "full", None))


def test_an_edit_beyond_the_body_builds_everything(generated: Path, tmp_path: Path) -> None:
    root = fresh(generated, tmp_path)
    incremental = IncrementalRebuild()
    done = incremental(root, tmp_path / "a", None)
    path = issue_file(root, 2)
    save(path, re.sub(r"^title: .*$", "title: Ein neuer Titel", path.read_text(encoding="utf-8"), count=1, flags=re.M))
    after_title = built_anew(incremental, root, tmp_path / "b", done)
    people = root / "content" / "people.yml"
    save(people, people.read_text(encoding="utf-8") + "\n")
    append_body(issue_file(root, 4), "Neuer Absatz")
    after_people = built_anew(incremental, root, tmp_path / "c", after_title)
    append_body(issue_file(root, 4), "![Ein neues Bild](../media/foto-05.jpg)")  # other renditions
    after_image = built_anew(incremental, root, tmp_path / "d", after_people)
    save(issue_file(root, 4), issue_file(root, 4).read_text(encoding="utf-8").replace("![Ein neues Bild]", "Kein Bild"))
    built_anew(incremental, root, tmp_path / "e", after_image)  # its renditions go with the image


def test_a_failed_edit_leaves_the_last_good_folder_as_it_was(generated: Path, tmp_path: Path) -> None:
    """An email that shows a site address with no file is an error found after rendering: the
    folder the preview keeps serving must not hold half of that edit (found by a hostile test)."""
    root = fresh(generated, tmp_path)
    incremental = IncrementalRebuild()
    good = incremental(root, tmp_path / "a", None)
    before = tree(tmp_path / "a")
    append_body(issue_file(root, 5), "Siehe [fehlt](https://zukunftswerkstatt.example.org/gibt-es-nicht/).")
    broken = incremental(root, tmp_path / "b", good)
    assert broken.folder is None and any("gibt-es-nicht" in p.message for p in broken.errors)
    assert tree(tmp_path / "a") == before


def test_a_hidden_image_beside_the_issues_is_no_editors_file(generated: Path, tmp_path: Path) -> None:
    root = fresh(generated, tmp_path)
    folder = root / "content" / "newsletter"
    shutil.copy(root / "content" / "media" / "foto-02.jpg", folder / ".punkt.jpg")
    append_body(issue_file(root, 1), "![Punktbild](.punkt.jpg)")
    incremental = IncrementalRebuild()
    good = incremental(root, tmp_path / "a", None)
    assert good.folder is not None, [str(p) for p in good.problems]
    shutil.copy(root / "content" / "media" / "foto-05.jpg", folder / ".punkt.jpg")  # another picture, same name
    append_body(issue_file(root, 5), "Noch ein Satz.")
    built_anew(incremental, root, tmp_path / "b", good)


def test_an_error_in_an_edited_body_is_shown_and_the_fix_renders_in_place(generated: Path, tmp_path: Path) -> None:
    root = fresh(generated, tmp_path)
    incremental = IncrementalRebuild()
    good = incremental(root, tmp_path / "a", None)
    path = issue_file(root, 1)
    original = path.read_text(encoding="utf-8")
    append_body(path, "![Fehlt](../media/gibt-es-nicht.jpg)")
    broken = incremental(root, tmp_path / "b", good)
    assert broken.folder is None
    assert any(p.location.path.endswith(path.name) and "gibt-es-nicht" in p.message for p in broken.errors)
    assert not (tmp_path / "b").exists()
    save(path, original + "\nRepariert.\n")
    fixed = incremental(root, tmp_path / "c", good)  # the server passes its last good build
    assert fixed.folder == tmp_path / "a" and incremental.incremental == 1
    assert "Repariert." in (tmp_path / "a" / "site" / "newsletter" / path.stem / "index.html").read_text("utf-8")
    assert_same(fixed, rebuild(root, tmp_path / "full", None))


def test_a_swap_file_of_an_editor_is_no_change(generated: Path, tmp_path: Path) -> None:
    root = fresh(generated, tmp_path)
    incremental = IncrementalRebuild()
    good = incremental(root, tmp_path / "a", None)
    path = issue_file(root, 5)
    (path.parent / f".{path.name}.swp").write_bytes(b"vim")
    append_body(path, "Noch ein Satz.")
    done = incremental(root, tmp_path / "b", good)
    assert done.folder == tmp_path / "a" and incremental.incremental == 1
    assert_same(done, rebuild(root, tmp_path / "full", None))
