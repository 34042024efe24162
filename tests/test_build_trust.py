"""A build whose output can be trusted: what the emails show exists after every build, the
email cache follows the code, MkDocs' own warnings are counted, content errors under plain
MkDocs are reported (and shown by its live preview), and the email lint does not mistake text
for markup. Real projects, real builds."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from generator.cachefiles import read_pickle, read_signed
from generator.email.lint import rule_violations
from generator.linkcheck import missing_on_site
from tests.conftest import REPO, make_project, write_images
from tests.emailfixture import TODAY, run
from tests.sitefixture import make_rich

SITE_URL = "https://test.example.org/"


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    write_images(tmp_path / "images")
    # a photo large enough that the email's renditions (600 px, shown at 2x) are not the site's
    Image.effect_mandelbrot((1600, 1000), (-2, -1.2, 1, 1.2), 60).convert("RGB").save(tmp_path / "images" / "gross.jpg")
    root = make_rich(make_project(tmp_path / "projekt", tmp_path / "images"))
    issue = root / "content" / "newsletter" / "2026-02.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("src: media/foto.jpg", "src: media/gross.jpg"), encoding="utf-8")
    return root


def email_dirs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "newsletter").iterdir() if p.is_dir())


def renditions(root: Path) -> set[str]:
    return {p.name for p in (root / "site" / "media" / "_r").iterdir()}


def test_rebuild_keeps_the_images_of_reused_emails(rich: Path) -> None:
    first = run("build", "--project", str(rich))
    assert first.returncode == 0, first.stderr
    made = renditions(rich)
    shown = {url for folder in email_dirs(rich) for url in re.findall(r'src="([^"]+/media/_r/[^"]+)"', (folder / "email.html").read_text())}
    pages = "".join(p.read_text(encoding="utf-8") for p in (rich / "site").rglob("*.html"))
    only_in_emails = {url for url in shown if url.removeprefix(SITE_URL) not in pages}
    assert only_in_emails  # renditions no page shows: the ones a reused email used to lose
    second = run("build", "--force", "--project", str(rich))  # through the email cache, not the build stamp
    assert second.returncode == 0, second.stderr
    assert "0 emails rendered, 2 unchanged" in second.stdout  # the emails were reused...
    assert renditions(rich) == made  # ...and the site still serves every image they show
    for url in shown:
        assert (rich / "site" / url.removeprefix(SITE_URL)).is_file(), url
    for folder in email_dirs(rich):
        assert missing_on_site(folder, rich / "site", SITE_URL) == []
    assert run("check", "--project", str(rich)).returncode == 0


def test_check_reports_an_email_image_the_site_lacks(rich: Path) -> None:
    assert run("build", "--project", str(rich)).returncode == 0
    html = (rich / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    gone = re.findall(r'src="(https://test\.example\.org/media/_r/[^"]+)"', html)[0]
    (rich / "site" / gone.removeprefix(SITE_URL)).unlink()
    result = run("check", "--project", str(rich))
    assert result.returncode == 1
    assert f"newsletter/2026-02/email.html: error: email: shows {gone}, but the site has no such file" in result.stderr


def test_build_refuses_a_link_to_a_page_the_site_lacks_written_as_its_address(rich: Path) -> None:
    assert run("build", "--project", str(rich)).returncode == 0
    before = (rich / "site" / "index.html").read_bytes()
    issue = rich / "content" / "newsletter" / "2026-01.md"
    issue.write_text(issue.read_text(encoding="utf-8") + "\nMehr auf [der Seite](https://test.example.org/gibt-es-nicht/).\n")
    result = run("build", "--project", str(rich))
    assert result.returncode == 1
    # reported at the line of the text that writes it out, by the loader (before anything is
    # built): where the editor can mend it (the built email's own check is the backstop)
    line = issue.read_text(encoding="utf-8").split("\n").index("Mehr auf [der Seite](https://test.example.org/gibt-es-nicht/).") + 1
    assert (
        f"content/newsletter/2026-01.md:{line}: error: body: link https://test.example.org/gibt-es-nicht/: "
        "the site has no page at this address"
    ) in result.stderr
    assert (rich / "site" / "index.html").read_bytes() == before  # the previous build stays


def test_links_to_the_subscription_service_below_the_site_are_not_files(rich: Path) -> None:
    config = rich / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "      service_url: https://test.example.org/abo/\n")
    result = run("build", "--project", str(rich))
    assert result.returncode == 0, result.stderr


def test_email_cache_follows_every_module_that_shapes_an_email(rich: Path, tmp_path: Path) -> None:
    """A change in a helper the email code only imports (dates in formatting.py) renders the
    emails again: the cache key hashes all of rundbrief's code."""
    code = tmp_path / "code"
    shutil.copytree(REPO / "generator", code / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, RUNDBRIEF_TODAY=TODAY, PYTHONPATH=str(code))
    command = [sys.executable, "-m", "generator", "build", "--project", str(rich)]
    # not run from the repository: `python -m` puts the working directory first on the path
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert str(code) in subprocess.run(
        [sys.executable, "-c", "import generator; print(generator.__file__)"], capture_output=True, text=True,
        env=env, cwd=tmp_path, check=True,
    ).stdout  # fmt: skip  # the copy runs, not the repository's package
    assert "12. Mai 2026" in (rich / "newsletter" / "2026-01" / "email.txt").read_text(encoding="utf-8")
    formatting = code / "generator" / "formatting.py"
    formatting.write_text(formatting.read_text(encoding="utf-8").replace('"d. MMMM y"', '"dd.MM.y"'), encoding="utf-8")
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "2 emails rendered, 0 unchanged" in second.stdout
    assert "12.05.2026" in (rich / "newsletter" / "2026-01" / "email.txt").read_text(encoding="utf-8")


# -- MkDocs' own warnings --------------------------------------------------------------


def test_mkdocs_warnings_are_reported_and_counted(rich: Path) -> None:
    # A page MkDocs converts itself, with what only MkDocs checks: an anchor the page lacks, which
    # this project's validation settings make a warning (a link to a missing page is rundbrief's
    # error, with its line, in every page: tests/test_references.py)
    config = rich / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "validation:\n  anchors: warn\n")
    page = rich / "content" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSiehe [unten](#gibt-es-nicht).\n")
    result = run("build", "--project", str(rich))
    warned = [line for line in result.stderr.splitlines() if line.startswith("content/index.md: warning: mkdocs:")]
    assert len(warned) == 1 and "'#gibt-es-nicht'" in warned[0], result.stderr
    assert "1 warning" in result.stderr + result.stdout
    strict = run("build", "--strict", "--project", str(rich))
    assert strict.returncode == 1
    assert "content/index.md: warning: mkdocs:" in strict.stderr


def test_script_text_in_an_attribute_is_no_script_element() -> None:
    html = '<html><body><img alt="<script>alert(1)</script>" src="https://test.example.org/a.jpg"></body></html>'
    assert not any("<script>" in v for v in rule_violations(html, SITE_URL))
    assert any("<script>" in v for v in rule_violations(html.replace("<body>", "<body><script>x()</script>"), SITE_URL))


# -- content errors under plain MkDocs -------------------------------------------------


BAD_DATE = ("date: 2026-05-12", "date: 2026-13-12")


def test_plain_mkdocs_build_reports_content_errors_without_a_traceback(rich: Path) -> None:
    issue = rich / "content" / "newsletter" / "2026-01.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace(*BAD_DATE), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"], cwd=rich, capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )  # fmt: skip
    assert result.returncode == 1
    assert 'content/newsletter/2026-01.md:4: error: date: "2026-13-12": there is no month 13' in result.stderr
    assert "Traceback" not in result.stderr and "AttributeError" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, ""


def _wait_for(url: str, wanted: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            status, last = _fetch(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status = 0
        if status == 200 and wanted in last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{url} did not show {wanted!r} within {seconds} s; last answer: {last[:300]!r}")


def test_mkdocs_serve_shows_content_errors_and_recovers(rich: Path) -> None:
    issue = rich / "content" / "newsletter" / "2026-01.md"
    good = issue.read_text(encoding="utf-8")
    issue.write_text(good.replace(*BAD_DATE), encoding="utf-8")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=rich,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1", RUNDBRIEF_TODAY=TODAY),
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/"
        # the page the editor has open shows what to fix, with the file and line
        page = _wait_for(base + "newsletter/2026-01/", "Der Inhalt hat Fehler")
        assert "content/newsletter/2026-01.md:4: error: date:" in page
        assert "Der Inhalt hat Fehler" in _wait_for(base, "Der Inhalt hat Fehler")
        issue.write_text(good, encoding="utf-8")  # fixed: the preview comes back by itself
        page = _wait_for(base + "newsletter/2026-01/", "Erste Ausgabe")
        assert "Der Inhalt hat Fehler" not in page
        assert "Regionalkonferenz Nord" in _wait_for(base + "termine/", "Regionalkonferenz Nord")
        issue.write_text(good.replace(*BAD_DATE), encoding="utf-8")  # and breaks again on the next mistake
        _wait_for(base + "newsletter/2026-02/", "Der Inhalt hat Fehler")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors


# -- the email lint reads markup, not text ---------------------------------------------


def test_a_title_about_javascript_builds(rich: Path) -> None:
    issue = rich / "content" / "newsletter" / "2026-01.md"
    text = issue.read_text(encoding="utf-8").replace("title: Erste Ausgabe", "title: 'Workshop JavaScript: erste Schritte'")
    issue.write_text(text + "\nIm Kurs lernen wir `javascript:` und JavaScript: Grundlagen.\n", encoding="utf-8")
    result = run("build", "--strict", "--project", str(rich))
    assert result.returncode == 0, result.stderr
    assert "Workshop JavaScript: erste Schritte" in (rich / "newsletter" / "2026-01" / "email.html").read_text()


@pytest.mark.parametrize(
    "markup",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>',
        '<a href="jav\nascript:alert(1)">x</a>',
        "<td style=\"background:url('javascript:alert(1)')\">x</td>",
        '<img src="vbscript:msgbox(1)" alt="" width="10" border="0" style="display:block">',
    ],
)
def test_script_urls_in_attributes_are_still_violations(markup: str) -> None:
    assert any("javascript: URL" in v for v in rule_violations(f"<html><body>{markup}</body></html>", SITE_URL))


def test_script_words_in_text_are_no_violation() -> None:
    html = "<html><body><p>Workshop JavaScript: erste Schritte, javascript:void(0) als Beispiel</p></body></html>"
    assert not any("javascript" in v for v in rule_violations(html, SITE_URL))


# -- what the hostile tester of the build found ----------------------------------------


@pytest.mark.parametrize(
    ("site_dir", "problem"),
    [
        (".", "it must not contain the project folder"),
        ("..", "it must not contain the project folder"),
        ("newsletter", "it must not contain the emails' folder newsletter/"),
        ("content/site", "must not lie inside content/, newsletter/ or .rundbrief/"),
        # the content's files would become rundbrief's caches (texts.pickle), which a build reads back
        (".rundbrief/cache", "must not lie inside content/, newsletter/ or .rundbrief/"),
        ("./neu/../.rundbrief", "it must not contain rundbrief's folder .rundbrief/"),
    ],
)
def test_a_site_dir_that_holds_the_project_is_refused(rich: Path, site_dir: str, problem: str) -> None:
    config = rich / "mkdocs.yml"
    config.write_text(f"site_dir: {site_dir}\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    for command in ("check", "build"):
        result = run(command, "--project", str(rich))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "mkdocs.yml:1: error: site_dir: " in result.stderr and problem in result.stderr, result.stderr
    assert (rich / "content" / "newsletter" / "2026-01.md").is_file() and config.is_file()  # nothing moved


def test_a_wrong_site_dir_is_the_one_error_check_reports(rich: Path) -> None:
    """With site_dir in error, check does not compare the built emails with that folder: every
    address in them was reported missing on "the site", at the issues (found by an editor's trial)."""
    assert run("build", "--project", str(rich)).returncode == 0
    config = rich / "mkdocs.yml"
    config.write_text("site_dir: newsletter\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", "--project", str(rich))
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert result.returncode == 1 and len(errors) == 1 and errors[0].startswith("mkdocs.yml:1: error: site_dir: "), errors


def test_a_site_dir_that_is_a_link_into_rundbriefs_folder_is_refused(rich: Path) -> None:
    """Where the folder is, not how it is named: a link to .rundbrief/cache as site_dir would
    publish the content's files as rundbrief's caches too."""
    (rich / ".rundbrief" / "cache").mkdir(parents=True, exist_ok=True)
    (rich / "ausgabe").symlink_to(rich / ".rundbrief" / "cache")
    config = rich / "mkdocs.yml"
    config.write_text("site_dir: ausgabe\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", "--project", str(rich))
    assert result.returncode == 1 and "must not lie inside content/, newsletter/ or .rundbrief/" in result.stderr


def test_a_build_started_inside_content_imports_nothing_from_it(tmp_path: Path) -> None:
    """Found by an attacker: the process that parses the hyphenation patterns (``python -m``) had
    the current folder first on its module path; a build started from inside content/ imported
    an editor's ``generator/`` folder there."""
    write_images(tmp_path / "images")
    root = make_project(tmp_path / "projekt", tmp_path / "images")
    marker = tmp_path / "imported"
    (root / "content" / "generator").mkdir()
    (root / "content" / "generator" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n", "utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rundbrief"), "build", "--project", ".."], cwd=root / "content",
        capture_output=True, text=True, timeout=300, check=False,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY, PYTHONPATH=str(REPO)),  # this checkout's rundbrief
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert list((root / ".rundbrief" / "cache").glob("hyphenation-*.pickle"))  # the process ran
    assert not marker.exists()


@pytest.mark.parametrize("flags", [[], ["-E"]])
def test_the_worker_processes_import_nothing_from_the_current_folder(tmp_path: Path, flags: list[str]) -> None:
    """The pools' forkserver is ``python -c``, which puts the current folder first on its module
    path (Python 3.11's forkserver ignores the path it is handed): preloading the workers' code,
    it imported an editor's ``generator/`` folder when a build of 200 texts or more was started
    from inside content/. Here two workers convert a small project's texts, from a process
    started as the ``rundbrief`` command is (a script, no -P); from a trial: with ``-E`` too,
    which the forkserver inherits and which makes it ignore PYTHONSAFEPATH."""
    write_images(tmp_path / "images")
    root = make_project(tmp_path / "projekt", tmp_path / "images")
    marker = tmp_path / "imported"
    (root / "content" / "generator").mkdir()
    (root / "content" / "generator" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n", "utf-8")
    script = tmp_path / "bin" / "convert.py"
    script.parent.mkdir()
    script.write_text(
        f"import os, sys\nsys.path.insert(0, {str(REPO)!r})  # this checkout's rundbrief, -E or not\n"
        "from pathlib import Path\n"
        "import generator.texts as texts\nfrom generator.content import load_project\n"
        "if __name__ == '__main__':  # the workers run this file again as their main module\n"
        "    texts.PARALLEL_FROM = 1\n"
        "    os.cpu_count = lambda: 2  # the pool, on any machine\n"
        f"    converted = texts.convert_texts(load_project(Path({str(root)!r})).project)\n"
        "    assert converted.converted  # the project's text, by the pool\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, *flags, str(script)], cwd=root / "content", capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


def test_a_cache_file_put_there_by_someone_else_is_never_unpickled(rich: Path, tmp_path: Path) -> None:
    """From a trial: every file of .rundbrief/ was unpickled as found, and unpickling runs what
    the file says; a project folder shared with others, or one with .rundbrief/ checked in, ran
    their code as the build. So did Jinja's cache of compiled templates (a pickle after its
    header). A cache file carries a keyed hash whose key lies outside the project: each file the
    build keeps, replaced by one that writes a file when unpickled, is read as missing, and the
    build and the check after it succeed with the same output as before."""
    from jinja2.bccache import bc_magic

    assert run("build", "--project", str(rich)).returncode == 0
    emails = {p.relative_to(rich): p.read_bytes() for p in (rich / "newsletter").rglob("email.*")}
    marker = tmp_path / "unpickled"
    planted = pickle.dumps(_Plant(str(marker)))
    cache = rich / ".rundbrief" / "cache"
    kept = [p for p in cache.rglob("*") if p.is_file() and "images" not in p.parts and p.suffix != ".json"]
    templates = [p for p in kept if "templates" in p.parts]
    assert len(kept) - len(templates) >= 4 and templates, kept  # texts, content, patterns, pages; templates
    for path in kept:
        path.write_bytes(bc_magic + planted if path in templates else planted)
    (rich / "site").joinpath("index.html").unlink()  # the build stamp must not end the build early
    for command in ("build", "check"):
        result = run(command, "--project", str(rich))
        assert result.returncode == 0, result.stderr
        assert not marker.exists(), command
    assert {p.relative_to(rich): p.read_bytes() for p in (rich / "newsletter").rglob("email.*")} == emails


def test_a_rendition_put_into_the_cache_by_someone_else_is_not_published(rich: Path) -> None:
    """A rendition's name in the cache follows from its image's content (public), and the build
    published whatever file it found under that name, on the site and so in every email. Each
    cached rendition replaced by a picture of someone else's (under the name the cache used
    before, and under its own: unsigned, or with a header of ours but a wrong hash), by another
    rendition's file signed with this user's key (a trial: a draft's photo published as a
    published one's), or by another cache file of ours (the texts): the build publishes the
    renditions it made itself, and caches them again."""
    from generator.cachefiles import signed
    from generator.images import SIGNED_SUFFIX

    assert run("build", "--project", str(rich)).returncode == 0
    published_dir = rich / "site" / "media" / "_r"
    published = {p.name: p.read_bytes() for p in published_dir.iterdir()}
    cache = rich / ".rundbrief" / "cache" / "images"
    cached = sorted(cache.glob("*" + SIGNED_SUFFIX))
    assert {p.name.removesuffix(SIGNED_SUFFIX) for p in cached} == set(published) and len(published) >= 4
    header = signed(b"", "x")[:-32]  # ours, before its hash
    assert all(p.read_bytes() == header + p.read_bytes()[len(header) : len(header) + 32] + published[
        p.name.removesuffix(SIGNED_SUFFIX)] for p in cached)  # fmt: skip
    ours = [p.read_bytes() for p in cached]
    texts = (rich / ".rundbrief" / "cache" / "texts.pickle").read_bytes()
    foreign = Image.new("RGB", (40, 30), "red")
    for number, path in enumerate(cached):
        name = path.name.removesuffix(SIGNED_SUFFIX)
        foreign.copy().save(cache / name, "PNG" if name.endswith(".png") else "JPEG")
        planted = (cache / name).read_bytes()
        path.write_bytes(
            [planted, header + bytes(32) + planted, ours[(number + 1) % len(ours)], texts][number % 4]
        )  # fmt: skip
    (rich / "site").joinpath("index.html").unlink()  # the build stamp must not end the build early
    result = run("build", "--project", str(rich))
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in published_dir.iterdir()} == published
    assert all(p.read_bytes().endswith(published[p.name.removesuffix(SIGNED_SUFFIX)]) for p in cached)


def test_a_fifo_or_folder_in_place_of_a_cache_file_neither_blocks_nor_breaks_the_build(
    rich: Path, tmp_path: Path
) -> None:
    """From a trial: a FIFO where a cache file or the key was kept blocked the build for good, and
    a folder in a cache file's place ended it with a traceback. Only regular files are read, and
    a cache that cannot be written is left; the key then is this process's own."""
    env = dict(os.environ, RUNDBRIEF_TODAY=TODAY, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    env.pop("RUNDBRIEF_CACHE_KEY", None)

    def build() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", "build", "--project", str(rich)], capture_output=True, text=True,
            env=env, timeout=120, check=False,
        )  # fmt: skip

    assert build().returncode == 0
    emails = {p.relative_to(rich): p.read_bytes() for p in (rich / "newsletter").rglob("email.*")}
    cache = rich / ".rundbrief" / "cache"
    for path, make in (
        (cache / "issues.pickle", os.mkfifo), (rich / ".rundbrief" / "build-stamp.json", os.mkfifo),
        (cache / "texts.pickle", os.mkdir), (next((cache / "templates").iterdir()), os.mkdir),
        (tmp_path / "xdg" / "rundbrief" / "cache-key", os.mkfifo),
    ):  # fmt: skip
        path.unlink()
        make(path)
    (rich / "site").joinpath("index.html").unlink()
    result = build()  # a hang ends in TimeoutExpired
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert {p.relative_to(rich): p.read_bytes() for p in (rich / "newsletter").rglob("email.*")} == emails


def test_a_fifo_at_a_cache_files_name_is_never_opened(tmp_path: Path) -> None:
    """Only a regular file is opened (a device opened can act: a tape rewinds, a watchdog
    starts). Seen here by a FIFO: a writer waits in its open until a reader opens it."""
    fifo = tmp_path / "texts.pickle"
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer() -> None:
        with open(fifo, "wb"):
            opened.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    waiting = Path(f"/proc/self/task/{thread.native_id}/wchan")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and waiting.read_text() != "wait_for_partner":  # in its open
        time.sleep(0.01)
    assert read_signed(fifo) is None and read_pickle(fifo) is None
    assert not opened.wait(0.5)
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # this test's own open lets the writer go
    assert opened.wait(10)
    thread.join(10)


class _Plant:
    """A pickle that writes a file when it is unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def test_the_copyright_line_is_checked_as_html_is(rich: Path) -> None:
    """``copyright`` is shown as HTML in every page's footer (as Material does): a tracker
    image, a handler, a script or a tag left open there would be on every page, and check let
    them through. Now each is an error at its line of mkdocs.yml; a link and an entity pass."""
    config = rich / "mkdocs.yml"
    written = config.read_text(encoding="utf-8")
    hostile = '<img src="https://tracker.example/p.gif" alt="x" onerror="alert(1)"><script>alert(2)</script><b>offen'
    config.write_text(f"copyright: '&copy; 2026 {hostile}'\n{written}", encoding="utf-8")
    result = run("check", "--project", str(rich))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("mkdocs.yml:1: error: copyright: ")]
    assert len(errors) == 4, result.stderr
    for part in ("tracker.example", "onerror", "<script>", "<b>"):
        assert any(part in error for error in errors), (part, errors)
    fine = '&copy; 2026 <a href="https://landkreis.example/">Landkreis Musterkreis</a>'
    config.write_text(f"copyright: '{fine}'\n{written}", encoding="utf-8")
    assert run("build", "--project", str(rich)).returncode == 0
    assert fine.replace("&copy;", "©") in (rich / "site" / "index.html").read_text(encoding="utf-8").replace("&copy;", "©")


def test_site_description_is_text(rich: Path) -> None:
    config = rich / "mkdocs.yml"
    evil = 'Der Prozess "Wir alle" <Zukunft> & mehr"><img src=x onerror=alert(1)><!--'
    config.write_text(f"site_description: '{evil}'\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert run("build", "--project", str(rich)).returncode == 0
    page = (rich / "site" / "termine" / "index.html").read_text(encoding="utf-8")
    assert "onerror=alert(1)>" not in page and "<!--\"" not in page
    assert '<meta name="description" content="Der Prozess &#34;Wir alle&#34; &lt;Zukunft&gt; &amp; mehr' in page.replace(
        "&quot;", "&#34;"
    )


def test_site_author_and_repo_name_are_text(rich: Path) -> None:
    """Material prints both as written: a quote in site_author ended <meta name="author">'s
    value and the script after it ran on every page, repo_name stood in the header as HTML."""
    config = rich / "mkdocs.yml"
    config.write_text(
        "site_author: 'Anna \"><script>alert(1)</script>'\nrepo_url: https://codeberg.org/kreis/prozess\n"
        "repo_name: 'Quelle <img src=x onerror=alert(2)>'\n" + config.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert run("build", "--project", str(rich)).returncode == 0
    page = (rich / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "Quelle &lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.parametrize("alt", ["JavaScript: Kinder am Laptop", "vbscript:Kurs", "Plakat: <!-- Zukunft", '"><img src=x onerror=alert(1)>'])
def test_alt_texts_that_look_like_markup_build(rich: Path, alt: str) -> None:
    issue = rich / "content" / "newsletter" / "2026-02.md"
    escaped = alt.replace("'", "''")
    issue.write_text(issue.read_text(encoding="utf-8").replace("alt: Eine Gruppe im Saal", f"alt: '{escaped}'"), encoding="utf-8")
    result = run("build", "--project", str(rich))
    assert result.returncode == 0, result.stderr
    html = (rich / "newsletter" / "2026-02" / "email.html").read_text(encoding="utf-8")
    assert "onerror=alert(1)>" not in html.replace("&gt;", ">").split('alt="', 1)[0]  # nothing before the first alt


def test_mkdocs_serve_with_errors_serves_no_file_of_the_content(rich: Path, tmp_path: Path) -> None:
    secret = tmp_path / "geheim.txt"
    secret.write_text("streng geheim", encoding="utf-8")
    (rich / "content" / "media" / "pw").symlink_to(secret)  # an error: the preview shows it, and serves nothing of it
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=rich,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )  # fmt: skip
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/", "Der Inhalt hat Fehler")
        assert "content/media/pw: error: a link to the file" in page
        status, body = _fetch(f"http://127.0.0.1:{port}/media/pw")
        assert status == 404 and "streng geheim" not in body
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("start", ["9999-12-31", "9999-06-01 10:00", "0001-01-01 00:30", "1899-12-31"])
def test_dates_far_from_any_process_are_errors_not_crashes(rich: Path, start: str) -> None:
    issue = rich / "content" / "newsletter" / "2026-01.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("start: 2026-05-26 10:00", f"start: {start}"), encoding="utf-8")
    for command in ("check", "build"):
        result = run(command, "--project", str(rich))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        # written like a date, but outside the years a process can mean: said so, not "expected a date"
        year = int(start[:4])
        assert f'content/newsletter/2026-01.md:8: error: events[1].start: "{start}": the year {year} is not between 1900 and 2200' in result.stderr


def test_a_plain_mkdocs_build_serves_the_images_of_the_built_emails(rich: Path) -> None:
    assert run("build", "--project", str(rich)).returncode == 0
    plain = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"], cwd=rich, capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1", RUNDBRIEF_TODAY=TODAY),
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    for folder in email_dirs(rich):
        assert missing_on_site(folder, rich / "site", SITE_URL) == []
    assert run("check", "--project", str(rich)).returncode == 0


def test_a_drafts_preview_email_is_no_error_of_check(rich: Path) -> None:
    assert run("build", "--project", str(rich)).returncode == 0
    preview = run("email", "2026-03", "--project", str(rich))  # the draft of sitefixture
    assert preview.returncode == 0, preview.stderr
    result = run("check", "--project", str(rich))
    assert result.returncode == 0, result.stderr
