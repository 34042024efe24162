"""The conversion cache between builds: a build converts only new and changed texts, and what it
reads from the cache is what converting anew gives (generator/texts.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cachefiles import read_pickle, write_pickle
from generator.content import load_project
from generator.content.bodyrefs import check_published_html
from generator.content.images import CACHE_DIR
from generator.markup import Converter
from generator.texts import CACHE_FILE, _text_digest, convert_texts, issue_texts

ISSUE = """\
---
title: Ausgabe {n}
number: "{n:02d}.2026"
date: 2026-05-{n:02d}
statements:
  - person: anna-muster
    quote: "Wir haben **viel** vor, Ausgabe {n}."
---

# Rückblick {n}

Text der Ausgabe {n} mit einem [Link](2026-01.md) und "Anführungszeichen" -- und mehr.

| Tag | Programm |
| --- | --- |
| Montag | Werkstatt {n} |
"""


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts Python-Markdown really converts (the real converter, counted)."""
    converted: list[str] = []
    original = Converter.convert

    def convert(self: Converter, text: str, folder: str):  # type: ignore[no-untyped-def]
        converted.append(text)
        return original(self, text, folder)

    monkeypatch.setattr(Converter, "convert", convert)
    return converted


@pytest.fixture
def issues(project: Path, write: Callable[[str, str], Path]) -> Path:
    (project / "mkdocs.yml").write_text(
        (project / "mkdocs.yml").read_text(encoding="utf-8") + "markdown_extensions:\n  - tables\n  - smarty\n",
        encoding="utf-8",
    )
    for n in range(2, 6):
        write(f"newsletter/2026-{n:02d}.md", ISSUE.format(n=n))
    return project


def _html(project: Path, cache: Path | None) -> dict[tuple[str, str], tuple[str, object]]:
    texts = convert_texts(load_project(project).project, cache=cache)
    return {key: (value.html, value.toc) for key, value in texts.converted.items()}


def test_a_second_conversion_reads_every_text_from_the_cache_and_equals_a_fresh_one(
    issues: Path, tmp_path: Path, counting: list[str]
) -> None:
    cache = tmp_path / "cache"
    first = _html(issues, cache)
    assert (cache / CACHE_FILE).is_file()
    assert len(counting) == len(first) > 8  # bodies and quotes of five issues
    counting.clear()
    second = _html(issues, cache)
    assert counting == []
    assert second == first == _html(issues, None)
    assert "<table>" in next(html for (_, text), (html, _) in first.items() if "Programm" in text)


def test_an_edited_text_alone_is_converted_again(
    issues: Path, tmp_path: Path, counting: list[str], write: Callable[[str, str], Path]
) -> None:
    cache = tmp_path / "cache"
    _html(issues, cache)
    counting.clear()
    write("newsletter/2026-03.md", ISSUE.format(n=3).replace("# Rückblick 3", "# Rückblick 3, geändert"))
    after = _html(issues, cache)
    assert len(counting) == 1 and "geändert" in counting[0]
    assert after == _html(issues, None)


def test_other_settings_convert_everything_again(issues: Path, tmp_path: Path, counting: list[str]) -> None:
    cache = tmp_path / "cache"
    before = _html(issues, cache)
    config = issues / "mkdocs.yml"
    # another site address: every link in every text points elsewhere
    config.write_text(config.read_text(encoding="utf-8").replace("test.example.org", "neu.example.org"), "utf-8")
    counting.clear()
    after = _html(issues, cache)
    assert len(counting) == len(before)
    assert after == _html(issues, None)
    assert any("neu.example.org" in html for html, _ in after.values())


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01.", b"\x80\x05}\x94."])
def test_a_damaged_cache_is_ignored_and_written_anew(
    issues: Path, tmp_path: Path, counting: list[str], damage: bytes
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(damage)
    assert _html(issues, cache) == _html(issues, None)
    assert (cache / CACHE_FILE).read_bytes() != damage
    counting.clear()
    _html(issues, cache)
    assert counting == []


HIDDEN_SCRIPT = "1. Schritt\n\n    Live: <script>alert(1)</script>"  # a list item's content: live HTML


def test_the_check_of_each_texts_html_is_kept_beside_its_conversion(
    issues: Path, tmp_path: Path, write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the check of a text's HTML finds something is decided where the text is converted
    and kept with it: a second build checks nothing again; the cache of other checking code (a
    developer's change, an upgrade) is not trusted for it. The verdicts equal checking anew."""
    write("newsletter/2026-03.md", ISSUE.format(n=3).replace("# Rückblick 3", HIDDEN_SCRIPT))
    checked: list[str] = []

    def check(ctx, published, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(source)
        return check_published_html(ctx, published, source, *args, **kwargs)

    monkeypatch.setattr("generator.texts.check_published_html", check)
    cache = tmp_path / "cache"
    project = load_project(issues).project
    first = convert_texts(project, cache=cache)
    assert len(checked) == len(first.converted) > 8
    flagged = [text for (_, text), clean in first.verdicts.items() if not clean]
    assert len(flagged) == 1 and HIDDEN_SCRIPT in flagged[0]  # the body of 2026-03 alone
    checked.clear()
    assert convert_texts(project, cache=cache).verdicts == first.verdicts and checked == []
    data = read_pickle(cache / CACHE_FILE)
    assert isinstance(data, dict)
    data["checker"] = b"other code"
    write_pickle(cache / CACHE_FILE, data)
    again = convert_texts(project, cache=cache)
    assert len(checked) == len(first.converted)
    assert again.verdicts == first.verdicts == convert_texts(project).verdicts


def test_a_check_keeps_the_conversions_and_verdicts_for_the_build(issues: Path) -> None:
    """``check`` converts and checks every text as a build does; what it made is kept, so that the
    build after it (an editor checks, then builds) converts and checks nothing again."""
    done = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--project", str(issues)], capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    kept = read_pickle(issues / CACHE_DIR / CACHE_FILE)
    assert isinstance(kept, dict)
    texts = {key for issue in load_project(issues).project.issues for key in issue_texts(issue)}
    assert len(texts) > 8 and set(kept["texts"]) == {_text_digest(key) for key in texts}
    assert all(isinstance(verdict, bool) for _converted, verdict in kept["texts"].values())


def test_an_entry_of_the_cache_that_is_no_conversion_is_made_anew(issues: Path, tmp_path: Path) -> None:
    """A cache of the right format and code whose entries are damaged: those are converted and
    checked again, not taken (nor a crash of the build)."""
    cache = tmp_path / "cache"
    fresh = _html(issues, cache)
    data = read_pickle(cache / CACHE_FILE)
    assert isinstance(data, dict)
    digests = sorted(data["texts"])
    data["texts"][digests[0]] = "<p>kein Eintrag</p>"
    data["texts"][digests[1]] = (data["texts"][digests[1]][0], "ja")  # a verdict that is no verdict
    write_pickle(cache / CACHE_FILE, data)
    assert _html(issues, cache) == fresh
    kept = read_pickle(cache / CACHE_FILE)["texts"]  # type: ignore[index]
    assert all(isinstance(verdict, bool) for _converted, verdict in kept.values())


def test_a_cache_file_is_read_only_under_its_own_name_and_context(tmp_path: Path) -> None:
    """From a trial: the keyed hash covered a file's contents only, so a file of ours copied under
    another name was read as that file (another rendition's image published, the texts as an
    image). It covers the name, and what the reader says the file must be of."""
    from generator.cachefiles import read_signed, write_signed

    write_signed(tmp_path / "a", b"inhalt", b"bild-1")
    write_pickle(tmp_path / "p", {"x": 1})
    assert read_signed(tmp_path / "a", b"bild-1") == b"inhalt"
    assert read_pickle(tmp_path / "p") == {"x": 1}
    assert read_signed(tmp_path / "a", b"bild-2") is None  # another context
    assert read_signed(tmp_path / "a", b"bild-1", limit=5) is None  # more than the reader allows
    shutil.copy(tmp_path / "a", tmp_path / "b")
    shutil.copy(tmp_path / "p", tmp_path / "q")
    assert read_signed(tmp_path / "b", b"bild-1") is None and read_pickle(tmp_path / "q") is None
