"""A build that reuses what earlier builds made gives what a cold build gives, byte for byte.

Two shortcuts are checked: the build stamp (nothing changed: the output stands, the problems
are reported again) and the page cache (an issue page whose inputs did not change is taken
from an earlier build). Hypothesis chooses edits of a generated project; each is applied to two
copies of one built project: one builds with everything it kept, the other after its caches,
stamp and emails were deleted (its site/ stays: the calendar carries SEQUENCE and DTSTAMP over
from the site it replaces, in both). Both outputs must be the same files with the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from bench.synthetic import make_project
from generator.images import SIGNED_SUFFIX
from tests.conftest import REPO

TODAY = "2020-06-01"  # within the synthetic project's weeks: some events over, some to come
# The instant of every build (reproducible builds' variable: MkDocs' sitemap, the calendar's
# DTSTAMP of a changed event): two builds a few seconds apart make the same bytes.
BUILT_AT = "1591000000"
ISSUES = 6
SITE = "site"
OUTPUTS = (SITE, "newsletter")
_SHORTCUT = "nothing changed since the last build"


def run(root: Path, *args: str, today: str = TODAY) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args, "--project", str(root)], capture_output=True, text=True,
        cwd=REPO, env=dict(os.environ, RUNDBRIEF_TODAY=today, SOURCE_DATE_EPOCH=BUILT_AT), timeout=300, check=False,
    )  # fmt: skip


def build(root: Path, *args: str, today: str = TODAY) -> subprocess.CompletedProcess[str]:
    result = run(root, "build", *args, today=today)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class Built:
    project: Path  # built once; copied to ``work`` for each case
    work: Path  # where it was built: keys and Message-IDs hold the project's absolute paths

    def fresh_copy(self) -> Path:
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.copytree(self.project, self.work, symlinks=True)  # copy2: sizes and times as they were
        return self.work


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A generated project (issues with events, statements, photos, people), built once."""
    base = tmp_path_factory.mktemp("incremental")
    work = make_project(base / "work", ISSUES, REPO, seed=7)
    build(work)
    project = work.rename(base / "built")
    return Built(project, work)


def keep_outputs(root: Path, target: Path) -> Path:
    for name in OUTPUTS:
        shutil.copytree(root / name, target / name)
    return target


def cold(root: Path) -> None:
    """Forget every cache and the emails: the next build makes everything anew."""
    shutil.rmtree(root / ".rundbrief", ignore_errors=True)
    shutil.rmtree(root / "newsletter", ignore_errors=True)


# The email cache's own record beside each email: its key holds the image files' sizes and times
# (a photo copied at another moment is another file to the cache). It is neither published nor
# sent; the email it describes must be the same.
_CACHE_RECORD = ".build.json"


def assert_same_output(kept: Path, fresh: Path) -> None:
    for name in OUTPUTS:
        a, b = tree(kept / name), tree(fresh / name)
        assert sorted(a) == sorted(b), (name, sorted(set(a) ^ set(b)))
        differ = [path for path in a if a[path] != b[path] and not path.endswith(_CACHE_RECORD)]
        assert differ == [], name


# -- edits an editor makes ---------------------------------------------------------------------

Edit = Callable[[Path], None]
_TEXT = st.text(alphabet="abcdefgh ÄÖÜäöüß&<>\"'–.,", min_size=1, max_size=30).filter(lambda t: t.strip() != "")


def issue_file(root: Path, index: int) -> Path:
    files = sorted((root / "content" / "newsletter").glob("0*.md"))
    return files[index % len(files)]


def _replace_line(path: Path, pattern: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(pattern, lambda _: line, text, count=1, flags=re.MULTILINE), encoding="utf-8")


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, Edit]:
    kind = draw(
        st.sampled_from(
            ["body", "title", "cancel", "draft", "remove", "add", "role", "site_name", "image", "touch", "quote"]
        )
    )
    index = draw(st.integers(0, ISSUES - 1))
    text = draw(_TEXT)

    def body(root: Path) -> None:
        with issue_file(root, index).open("a", encoding="utf-8") as file:
            file.write(f"\n{text}\n")

    def title(root: Path) -> None:
        _replace_line(issue_file(root, index), r"^title: .*$", f"title: {json.dumps(text)}")

    def cancel(root: Path) -> None:
        path = issue_file(root, index)
        text = path.read_text(encoding="utf-8")
        if "status: cancelled" not in text:  # once: a second status would be a duplicate key
            text = re.sub(r"^(  - id: e-\d+-1)$", r"\1\n    status: cancelled", text, count=1, flags=re.MULTILINE)
            path.write_text(text, encoding="utf-8")

    def draft(root: Path) -> None:
        path = issue_file(root, index)
        text = path.read_text(encoding="utf-8")
        if "\ndraft: true" not in text:
            path.write_text(text.replace("\ndate:", "\ndraft: true\ndate:", 1), encoding="utf-8")

    def remove(root: Path) -> None:
        issue_file(root, index).unlink()

    def add(root: Path) -> None:
        (root / "content" / "newsletter" / f"0900{index}.md").write_text(
            f'---\ntitle: {json.dumps(text)}\nnumber: "90{index}"\ndate: 2020-0{1 + index % 5}-15\n'
            f"contacts: [person-01]\n---\n\n{text}\n",
            encoding="utf-8",
        )

    def role(root: Path) -> None:
        _replace_line(root / "content" / "people.yml", r"^  role: .*$", f"  role: {json.dumps(text)}")

    def site_name(root: Path) -> None:
        _replace_line(root / "mkdocs.yml", r"^site_name: .*$", f"site_name: {json.dumps(text)}")

    def image(root: Path) -> None:
        photos = sorted(p for p in (root / "content" / "media").glob("*.jpg"))
        target = photos[index % len(photos)]
        with Image.open(target) as old:
            size = old.size
        Image.new("RGB", size, (index * 40 % 256, len(text) * 9 % 256, 90)).save(target, "JPEG")

    def touch(root: Path) -> None:
        os.utime(issue_file(root, index))

    def quote(root: Path) -> None:
        _replace_line(issue_file(root, index), r"^    quote: .*$", f"    quote: {json.dumps(text)}")

    chosen = {
        "body": body, "title": title, "cancel": cancel, "draft": draft, "remove": remove, "add": add,
        "role": role, "site_name": site_name, "image": image, "touch": touch, "quote": quote,
    }[kind]  # fmt: skip
    return f"{kind}({index}, {text!r})", chosen


@dataclass(frozen=True)
class Case:
    edits: list[tuple[str, Edit]]
    damage: int | None  # a kept page file of the first copy cut short, if any


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.generate],
    report_multiple_bugs=False,
)
@given(
    case=st.builds(Case, st.lists(edits(), min_size=0, max_size=3), st.one_of(st.none(), st.integers(0, ISSUES - 1)))
)
def test_a_build_with_what_it_kept_equals_a_cold_build(
    built: Built, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    base = tmp_path_factory.mktemp("edit")
    kept = built.fresh_copy()
    for _, edit in case.edits:
        edit(kept)
    if case.damage is not None:
        pages = sorted((kept / ".rundbrief" / "cache" / "pages" / "site").glob("*.page"))
        damaged = pages[case.damage % len(pages)]
        damaged.write_bytes(damaged.read_bytes()[:100])
    # a damaged cache file alone changes no input: --force builds through the caches anyway
    again = build(kept, *(("--force",) if case.damage is not None and not case.edits else ()))
    if not case.edits and case.damage is None:
        assert _SHORTCUT in again.stdout, again.stdout
    else:
        assert _SHORTCUT not in again.stdout, [name for name, _ in case.edits]
    first = keep_outputs(kept, base / "kept")
    fresh = built.fresh_copy()  # at the same place: keys hold absolute paths
    cold(fresh)
    for _, edit in case.edits:
        edit(fresh)
    build(fresh)
    assert_same_output(first, fresh)


# -- the build stamp -----------------------------------------------------------------------------


def test_nothing_changed_leaves_the_output_and_reports_the_problems_again(built: Built, tmp_path: Path) -> None:
    root = built.fresh_copy()
    issue = issue_file(root, 2)
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("\nsummary:", "\nsumary: Tippfehler\nsummary:", 1), encoding="utf-8"
    )
    first = build(root)
    warnings = [line for line in first.stderr.splitlines() if ": warning: " in line]
    assert any("sumary" in line for line in warnings), first.stderr
    before = {name: tree(root / name) for name in OUTPUTS}
    times = {p: p.stat().st_mtime_ns for p in (root / SITE).rglob("*.html")}
    second = build(root)
    assert _SHORTCUT in second.stdout, second.stdout
    assert [line for line in second.stderr.splitlines() if ": warning: " in line] == warnings
    assert re.search(r"\(0 errors, 1 warning\)", second.stdout), second.stdout
    assert {name: tree(root / name) for name in OUTPUTS} == before
    assert {p: p.stat().st_mtime_ns for p in (root / SITE).rglob("*.html")} == times  # not even rewritten


@pytest.mark.parametrize(
    "change",
    ["output file edited", "output file removed", "another day", "strict", "force", "environment", "theme file"],
)
def test_the_build_stamp_builds_again_when_anything_it_covers_changed(
    built: Built, tmp_path: Path, change: str
) -> None:
    root = built.fresh_copy()
    build(root)
    assert _SHORTCUT in build(root).stdout
    args: tuple[str, ...] = ()
    today = TODAY
    page = root / SITE / "index.html"
    if change == "output file edited":
        page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    elif change == "output file removed":
        shutil.rmtree(root / "newsletter" / "00002")
    elif change == "another day":
        today = "2020-06-02"
    elif change == "strict":
        args = ("--strict",)
    elif change == "force":
        args = ("--force",)
    elif change == "environment":
        os.environ["RUNDBRIEF_RETENTION_DAYS"] = "31"  # any RUNDBRIEF_ variable may reach a build
    elif change == "theme file":
        (root / "theme").mkdir()
        (root / "theme" / "notes.txt").write_text("a file of the project folder", encoding="utf-8")
    try:
        result = build(root, *args, today=today)
    finally:
        os.environ.pop("RUNDBRIEF_RETENTION_DAYS", None)
    assert _SHORTCUT not in result.stdout, result.stdout
    assert re.search(r"emails? rendered", result.stdout), result.stdout
    if change.startswith("output file"):  # the build made it whole again
        first = keep_outputs(root, tmp_path / "kept")
        fresh = built.fresh_copy()
        cold(fresh)
        build(fresh)
        assert_same_output(first, fresh)


# -- the page cache ------------------------------------------------------------------------------


def test_kept_pages_are_used_and_old_ones_pruned(built: Built, tmp_path: Path) -> None:
    root = built.fresh_copy()
    pages = root / ".rundbrief" / "cache" / "pages" / "site"
    before = {p.name for p in pages.glob("*.page")}
    assert len(before) == ISSUES  # one per issue page
    issue = issue_file(root, 3)
    issue.write_text(issue.read_text(encoding="utf-8") + "\nEin neuer Absatz.\n", encoding="utf-8")
    build(root)
    after = {p.name for p in pages.glob("*.page")}
    assert len(after) == ISSUES
    # the edited page and its two neighbours (their pager shows its title and number, which did
    # not change: but their view holds the edited issue) are made anew, the rest are kept
    assert 1 <= len(after - before) <= 3, (len(after - before), len(before - after))
    assert len(before & after) >= ISSUES - 3


# -- a build of edited bodies (pipeline._build_edits) ---------------------------------------------


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def linked_copy(root: Path, target: Path) -> dict[str, bytes]:
    """A hard-linked copy of the published output (what a web server serves meanwhile) and its
    bytes: a build that wrote into a file of its own output through a link would change both."""
    for name in OUTPUTS:
        shutil.copytree(root / name, target / name, copy_function=os.link)
    return {f"{name}/{path}": data for name in OUTPUTS for path, data in tree(target / name).items()}


def test_a_body_edit_renders_only_what_shows_the_body(built: Built, tmp_path: Path) -> None:
    root = built.fresh_copy()
    before = inodes(root / SITE) | {f"mail/{k}": v for k, v in inodes(root / "newsletter").items()}
    published = linked_copy(root, tmp_path / "served")
    edited = issue_file(root, 2)
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEin Absatz, nur im Text.\n", encoding="utf-8")
    result = build(root)
    assert "1 email rendered, 5 unchanged" in result.stdout, result.stdout
    assert "only the text of 1 issue changed: its page and email were made anew" in result.stdout, result.stdout
    after = inodes(root / SITE) | {f"mail/{k}": v for k, v in inodes(root / "newsletter").items()}
    other = issue_file(root, 4).stem
    assert after[f"newsletter/{other}/index.html"] == before[f"newsletter/{other}/index.html"]  # linked, not rendered
    assert after[f"mail/{other}/message.eml"] == before[f"mail/{other}/message.eml"]
    assert after[f"newsletter/{edited.stem}/index.html"] != before[f"newsletter/{edited.stem}/index.html"]
    assert after["search/search_index.json"] != before["search/search_index.json"]
    page = (root / SITE / "newsletter" / edited.stem / "index.html").read_text(encoding="utf-8")
    assert "Ein Absatz, nur im Text." in page
    assert "Ein Absatz, nur im Text." in (root / "newsletter" / edited.stem / "email.txt").read_text(encoding="utf-8")
    # the site that was published meanwhile kept its bytes: nothing was written through a link
    assert {f"{name}/{path}": data for name in OUTPUTS for path, data in tree(tmp_path / "served" / name).items()} == published
    first = keep_outputs(root, tmp_path / "kept")
    fresh = built.fresh_copy()  # the same edit, built cold (at the same place): the same bytes
    cold(fresh)
    edited = issue_file(fresh, 2)
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEin Absatz, nur im Text.\n", encoding="utf-8")
    build(fresh)
    assert_same_output(first, fresh)


def test_a_title_changed_back_is_a_change_against_the_last_build(built: Built, tmp_path: Path) -> None:
    """What a body edit is measured against is the last build (its stamp), not the loader's
    memo, which keeps few files' new readings: title A, then B (built), then A again with a body
    edit must render the pages that show the title."""
    root = built.fresh_copy()
    edited = issue_file(root, 2)
    original = edited.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", original, flags=re.M)
    assert title is not None
    edited.write_text(original.replace(title.group(0), "title: Zwischendurch anders", 1), encoding="utf-8")
    build(root)
    edited.write_text(original + "\nUnd ein Absatz.\n", encoding="utf-8")
    build(root)
    neighbour = (root / SITE / "newsletter" / issue_file(root, 3).stem / "index.html").read_text(encoding="utf-8")
    assert "Zwischendurch anders" not in neighbour
    first = keep_outputs(root, tmp_path / "kept")
    fresh = built.fresh_copy()
    cold(fresh)
    issue_file(fresh, 2).write_text(original + "\nUnd ein Absatz.\n", encoding="utf-8")
    build(fresh)
    assert_same_output(first, fresh)


def test_a_title_saved_while_a_body_edit_builds_makes_it_build_everything(built: Built, tmp_path: Path) -> None:
    """A save between the build's look at the files and its reading them (found by a hostile
    test): the build must not render only the edited body's page while the model holds a new
    title, nor record that title as built."""
    root = built.fresh_copy()
    body, titled = issue_file(root, 2), issue_file(root, 4)
    body.write_text(body.read_text(encoding="utf-8") + "\nEin Absatz.\n", encoding="utf-8")
    racing = (
        "import re, sys\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(REPO)!r})  # this checkout's rundbrief\n"
        "import generator.buildstamp as stamp\n"
        "real, calls = stamp.read_inputs, []\n"
        "def read_inputs(*args, **kwargs):\n"
        "    found = real(*args, **kwargs)\n"
        "    if not calls:  # the editor saves just after the build looked\n"
        f"        path = Path({str(titled)!r})\n"
        "        text = re.sub(r'^title: .*$', 'title: Während des Baus', path.read_text('utf-8'), count=1, flags=re.M)\n"
        "        path.write_text(text, 'utf-8')\n"
        "    calls.append(found)\n"
        "    return found\n"
        "stamp.read_inputs = read_inputs\n"
        "from generator.cli import main\n"
        f"sys.argv = ['rundbrief', 'build', '--project', {str(root)!r}]\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )  # fmt: skip
    script = tmp_path / "racing.py"
    script.write_text(racing, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY, SOURCE_DATE_EPOCH=BUILT_AT),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    archive = (root / SITE / "newsletter" / "index.html").read_text(encoding="utf-8")
    assert "Während des Baus" in archive  # built from what was read: the new title everywhere
    body.write_text(body.read_text(encoding="utf-8") + "\nNoch einer.\n", encoding="utf-8")
    build(root)
    first = keep_outputs(root, tmp_path / "kept")
    saved = {path.name: path.read_text(encoding="utf-8") for path in (body, titled)}
    fresh = built.fresh_copy()
    cold(fresh)
    for name, text in saved.items():
        (fresh / "content" / "newsletter" / name).write_text(text, encoding="utf-8")
    build(fresh)
    assert_same_output(first, fresh)


@pytest.mark.parametrize("beyond", ["title", "people", "output touched", "new issue"])
def test_an_edit_beyond_bodies_builds_every_page(built: Built, tmp_path: Path, beyond: str) -> None:
    root = built.fresh_copy()
    before = inodes(root / SITE)
    edited = issue_file(root, 2)
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEin Absatz.\n", encoding="utf-8")
    if beyond == "title":
        _replace_line(edited, r"^title: .*$", "title: Ein anderer Titel")
    elif beyond == "people":
        people = root / "content" / "people.yml"
        people.write_text(people.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif beyond == "output touched":  # someone changed the published site: the build replaces it whole
        (root / SITE / "index.html").write_text("verändert", encoding="utf-8")
    else:
        edited.with_name("09999.md").write_text(
            '---\ntitle: Eine neue Ausgabe\nnumber: "999"\ndate: 2020-05-30\n---\n\nNeu.\n', encoding="utf-8"
        )
    result = build(root)
    assert "only the text" not in result.stdout, result.stdout  # the summary says no more than happened
    other = f"newsletter/{issue_file(root, 4).stem}/index.html"
    assert inodes(root / SITE)[other] != before[other]  # rendered (or taken from the page cache) anew
    assert (root / SITE / "index.html").read_text(encoding="utf-8") != "verändert"


@pytest.mark.parametrize(
    "shown",
    [
        "{% for l in views.links.values() %}<p>{{ l.issue.body[-40:] }}</p>{% endfor %}",
        "{% for i in config.plugins['rundbrief'].project.published %}<p>{{ i.body[-40:] }}</p>{% endfor %}",
    ],
    ids=["views", "plugins"],
)
def test_a_template_that_shows_every_issue_makes_a_body_edit_build_every_page(
    built: Built, tmp_path: Path, shown: str
) -> None:
    """A project's override may show on every page what other issues say (through ``views``, or
    the plugin's project: found by a hostile test): then no page may be left as it was after a
    body edit."""
    root = built.fresh_copy()
    _theme(root, {"issue.html": '{% extends "main.html" %}{% block content %}{{ rb_body }}' + shown + "{% endblock %}"})
    build(root)
    before = inodes(root / SITE)
    edited = issue_file(root, 2)
    edited.write_text(edited.read_text(encoding="utf-8") + "\nÜberall zu sehen.\n", encoding="utf-8")
    build(root)
    other = f"newsletter/{issue_file(root, 4).stem}/index.html"
    assert inodes(root / SITE)[other] != before[other]
    assert "Überall zu sehen." in (root / SITE / other).read_text(encoding="utf-8")


def test_an_email_changed_by_hand_is_rendered_again(built: Built, tmp_path: Path) -> None:
    """The email cache reuses an email whose key is unchanged; one whose files were changed by
    hand since (found by an editor's test: it survived every build, --force too) is made anew."""
    root = built.fresh_copy()
    slug = issue_file(root, 1).stem
    text = root / "newsletter" / slug / "email.txt"
    original = text.read_bytes()
    text.write_bytes(original + b"von Hand\n")
    result = build(root)
    assert "1 email rendered" in result.stdout, result.stdout
    assert text.read_bytes() == original


def test_a_rendition_rewritten_in_the_published_site_leaves_the_cache_alone(built: Built) -> None:
    """A deploy step that optimises site/'s images in place (found by an editor's test: the site's
    renditions were links to the cache, so every later build published the altered file)."""
    root = built.fresh_copy()
    build(root, "--force")  # written here (the copy above made separate files of any links)
    rendition = sorted((root / SITE / "media" / "_r").iterdir())[0]
    original = rendition.read_bytes()
    with rendition.open("r+b") as file:  # in place, as an optimiser writes
        file.write(b"kaputt")
    cached = root / ".rundbrief" / "cache" / "images" / (rendition.name + SIGNED_SUFFIX)
    assert cached.read_bytes().endswith(original)
    build(root)
    assert rendition.read_bytes() == original


def test_a_plugin_rundbrief_does_not_know_turns_the_page_cache_off(built: Built, tmp_path: Path) -> None:
    root = built.fresh_copy()
    cold(root)
    (root / "hooks.py").write_text(
        "def on_page_context(context, page, config, nav):\n    return context\n", encoding="utf-8"
    )
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks:\n  - hooks.py\n", encoding="utf-8")
    build(root)
    assert not list((root / ".rundbrief" / "cache" / "pages").rglob("*.page"))
    assert (root / SITE / "newsletter" / "00001" / "index.html").is_file()


def test_kept_pages_with_file_addresses_equal_a_cold_build(built: Built, tmp_path: Path) -> None:
    """`use_directory_urls: false`: pages are `newsletter/00003.html`, every link differs."""

    def file_addresses(root: Path) -> None:
        config = root / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8") + "\nuse_directory_urls: false\n", encoding="utf-8")

    def edit(root: Path) -> None:
        issue = issue_file(root, 3)
        issue.write_text(issue.read_text(encoding="utf-8") + "\nEin neuer Absatz.\n", encoding="utf-8")

    root = built.fresh_copy()
    file_addresses(root)
    build(root)
    assert (root / SITE / "newsletter" / "00004.html").is_file()
    edit(root)
    assert _SHORTCUT not in build(root).stdout
    first = keep_outputs(root, tmp_path / "kept")
    fresh = built.fresh_copy()
    file_addresses(fresh)
    build(fresh)  # the same site/ before the edit, for the calendar's history
    cold(fresh)
    edit(fresh)
    build(fresh)
    assert_same_output(first, fresh)


def test_a_content_folder_outside_the_project_folder_is_watched(built: Built, tmp_path: Path) -> None:
    """docs_dir may lie beside the project (`docs_dir: ../inhalt`): the stamp covers it too."""
    root = built.fresh_copy()
    outside = root.parent / f"inhalt-{tmp_path.name}"
    shutil.rmtree(outside, ignore_errors=True)
    shutil.move(str(root / "content"), outside)
    config = root / "mkdocs.yml"
    config.write_text(
        re.sub(r"^docs_dir: .*$", f"docs_dir: ../{outside.name}", config.read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )
    try:
        build(root)
        assert _SHORTCUT in build(root).stdout
        issue = sorted((outside / "newsletter").glob("0*.md"))[2]
        issue.write_text(issue.read_text(encoding="utf-8") + "\nDraußen geändert.\n", encoding="utf-8")
        again = build(root)
        assert _SHORTCUT not in again.stdout, again.stdout
        assert "Draußen geändert." in (root / SITE / "newsletter" / issue.stem / "index.html").read_text(
            encoding="utf-8"
        )
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_markdown_that_reads_other_files_is_converted_anew(built: Built) -> None:
    """pymdownx.snippets includes files: a conversion kept by the text's key would miss their
    change, so with such an extension no text, page or email is kept."""
    root = built.fresh_copy()
    parts = root / "bausteine"
    parts.mkdir()
    (parts / "gruss.md").write_text("Herzliche Grüße aus der Werkstatt\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "markdown_extensions:\n", f"markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [{parts}]\n", 1
    )
    config.write_text(text, encoding="utf-8")
    issue = issue_file(root, 2)
    issue.write_text(issue.read_text(encoding="utf-8") + '\n--8<-- "gruss.md"\n', encoding="utf-8")
    kept = root / ".rundbrief" / "cache" / "pages"
    before = set(kept.rglob("*.page"))  # the earlier builds' pages, without snippets
    build(root)
    page = root / SITE / "newsletter" / issue.stem / "index.html"
    assert "Werkstatt" in page.read_text(encoding="utf-8")
    (parts / "gruss.md").write_text("Herzliche Grüße vom Marktplatz\n", encoding="utf-8")
    again = build(root)
    assert _SHORTCUT not in again.stdout
    assert "Marktplatz" in page.read_text(encoding="utf-8")
    assert "Marktplatz" in (root / "newsletter" / issue.stem / "email.txt").read_text(encoding="utf-8")
    assert set(kept.rglob("*.page")) == before  # none kept, none taken


def test_a_broken_template_of_the_project_is_an_error_with_its_file_and_line(built: Built) -> None:
    root = built.fresh_copy()
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme/site\n", 1),
        encoding="utf-8",
    )
    site_templates, email_templates = root / "theme" / "site", root / "theme" / "email"
    site_templates.mkdir(parents=True)
    (site_templates / "404.html").write_text("<p>Nicht da</p>\n{{ views.upcoming() }}\n", encoding="utf-8")
    result = run(root, "build")
    assert result.returncode == 1
    assert "theme/site/404.html:2: error: template: 'views' is undefined" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    (site_templates / "404.html").unlink()
    email_templates.mkdir(parents=True)
    (email_templates / "email.txt.j2").write_text("Hallo\n{% for x in %}\n", encoding="utf-8")
    result = run(root, "build")
    assert result.returncode == 1
    assert "theme/email/email.txt.j2:2: error: template: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# -- what the hostile tester found: each builds again, and the same as a cold build -------------


def _edited_equals_cold(
    built: Built, tmp_path: Path, prepare: Edit, edit: Edit, *, env: dict[str, str] | None = None
) -> str:
    """``prepare`` the project, build, ``edit``, build again (with ``env``): that build's output
    equals a cold build's of the same files. Returns the second build's report."""
    saved = {k: os.environ.get(k) for k in env or {}}
    root = built.fresh_copy()
    prepare(root)
    build(root)
    edit(root)
    try:
        os.environ.update(env or {})
        again = build(root).stdout
        first = keep_outputs(root, tmp_path / "kept")
        fresh = built.fresh_copy()
        os.environ.update({k: v for k, v in saved.items() if v is not None})
        for key in (k for k, v in saved.items() if v is None):
            os.environ.pop(key, None)
        prepare(fresh)
        build(fresh)
        cold(fresh)
        edit(fresh)
        os.environ.update(env or {})
        build(fresh)
        assert_same_output(first, fresh)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return again


def _theme(root: Path, files: dict[str, str]) -> None:
    config = root / "mkdocs.yml"
    if not re.search(r"^  custom_dir: ", config.read_text(encoding="utf-8"), flags=re.MULTILINE):
        config.write_text(
            config.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme/site\n", 1),
            encoding="utf-8",
        )
    for name, text in files.items():
        path = root / "theme" / "site" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _main_html(addition: str) -> str:
    """rundbrief's main.html with ``addition`` in the announcement bar of every page."""
    ours = (REPO / "generator" / "theme" / "site" / "main.html").read_text(encoding="utf-8")
    assert "{% block announce -%}" in ours
    return ours.replace("{% block announce -%}", "{% block announce -%}" + addition, 1)


def test_a_linked_folder_pointed_elsewhere_builds_again(built: Built, tmp_path: Path) -> None:
    def prepare(root: Path) -> None:
        media = root / "content" / "media"
        for name, size in (("set-a", (80, 50)), ("set-b", (64, 48))):
            (media / name).mkdir()
            Image.new("RGB", size, "#1565c0").save(media / name / "bild.jpg", "JPEG")
        os.utime(media / "set-b" / "bild.jpg", ns=(1, 1))
        os.utime(media / "set-a" / "bild.jpg", ns=(1, 1))
        (media / "aktuell").symlink_to("set-a")
        issue = issue_file(root, 1)
        issue.write_text(
            issue.read_text(encoding="utf-8") + "\n![Ein Bild](../media/aktuell/bild.jpg)\n", encoding="utf-8"
        )

    def edit(root: Path) -> None:
        link = root / "content" / "media" / "aktuell"
        link.unlink()
        link.symlink_to("set-b")

    assert _SHORTCUT not in _edited_equals_cold(built, tmp_path, prepare, edit)


def test_an_env_value_however_spelt_builds_again(built: Built, tmp_path: Path) -> None:
    def prepare(root: Path) -> None:
        _replace_line(root / "mkdocs.yml", r"^site_name: .*$", "site_name: !ENV HOLLER_NAME  # set by the deploy job")
        _replace_line(root / "mkdocs.yml", r"^site_description: .*$", "site_description: !ENV\n  - HOLLER_TEXT\n  - Text")

    os.environ["HOLLER_NAME"], os.environ["HOLLER_TEXT"] = "Hollerbrück morgen", "Erst"
    try:
        report = _edited_equals_cold(
            built, tmp_path, prepare, lambda root: None, env={"HOLLER_NAME": "Hollerbrück übermorgen"}
        )
        assert _SHORTCUT not in report
        report = _edited_equals_cold(built, tmp_path / "2", prepare, lambda root: None, env={"HOLLER_TEXT": "Dann"})
        assert _SHORTCUT not in report
    finally:
        os.environ.pop("HOLLER_NAME", None)
        os.environ.pop("HOLLER_TEXT", None)


def test_a_theme_that_shows_site_wide_data_or_the_time_keeps_no_stale_page(built: Built, tmp_path: Path) -> None:
    shows = (
        '{% if views is defined %}<p class="next">{% for v in views.events[:1] %}{{ v.event.title }}'
        "{% endfor %}{{ pages | length }}</p>{% endif %}"
    )

    def prepare(root: Path) -> None:
        _theme(root, {"main.html": _main_html(shows)})

    def add_issue(root: Path) -> None:
        (root / "content" / "newsletter" / "00000.md").write_text(
            '---\ntitle: Ganz früh\nnumber: "0"\ndate: 2019-12-30\nevents:\n  - id: frueh\n    title: Frühjahrsputz\n'
            "    start: 2020-01-02 10:00\n    location: Mühlteich\n---\n\nText.\n",
            encoding="utf-8",
        )

    _edited_equals_cold(built, tmp_path / "views", prepare, add_issue)

    def clock(root: Path) -> None:
        _theme(root, {"main.html": _main_html('<p>{{ build_date_utc.strftime("%H:%M:%S") }}</p>')})

    _edited_equals_cold(built, tmp_path / "time", clock, lambda root: None, env={"SOURCE_DATE_EPOCH": "1591003600"})


def test_a_linked_template_pointed_at_a_file_of_the_same_size_and_time(built: Built, tmp_path: Path) -> None:
    def prepare(root: Path) -> None:
        for version in ("EINS", "ZWEI"):
            _theme(root, {f"v-{version}/main.html": _main_html(f"<p>Hinweis Version {version}</p>")})
            os.utime(root / "theme" / "site" / f"v-{version}" / "main.html", ns=(7, 7))
        (root / "theme" / "site" / "main.html").symlink_to("v-EINS/main.html")

    def edit(root: Path) -> None:
        link = root / "theme" / "site" / "main.html"
        link.unlink()
        link.symlink_to("v-ZWEI/main.html")

    _edited_equals_cold(built, tmp_path, prepare, edit)


def test_an_email_template_in_a_subfolder_renders_the_emails_again(built: Built, tmp_path: Path) -> None:
    def prepare(root: Path) -> None:
        email = root / "theme" / "email"
        (email / "partials").mkdir(parents=True)
        ours = (REPO / "generator" / "theme" / "email" / "email.txt.j2").read_text(encoding="utf-8")
        (email / "email.txt.j2").write_text(ours + '\n{% include "partials/gruss.txt.j2" %}\n', encoding="utf-8")
        (email / "partials" / "gruss.txt.j2").write_text("Gruß aus Version EINS\n", encoding="utf-8")

    def edit(root: Path) -> None:
        (root / "theme" / "email" / "partials" / "gruss.txt.j2").write_text("Gruß aus Version ZWEI\n", encoding="utf-8")

    _edited_equals_cold(built, tmp_path, prepare, edit)


def test_hooks_and_unknown_plugins_always_build(built: Built) -> None:
    root = built.fresh_copy()
    (root / "hooks.py").write_text("import time\nSTARTED = time.time()\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks:\n  - hooks.py\n", encoding="utf-8")
    build(root)
    assert _SHORTCUT not in build(root).stdout  # a hook may read the time, git, the network
