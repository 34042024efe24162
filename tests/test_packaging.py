"""rundbrief as an installed package: templates, data and the skeleton travel in the wheel,
``rundbrief init`` starts a project that builds at once, and a project's theme/ only overrides."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from generator.newproject import NewProjectError, create_project
from tests.conftest import REPO

BUILD_FREE = ("mkdocs", "material", "css_inline", "premailer")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd,
        env=env or dict(os.environ), timeout=300, check=False,
    )  # fmt: skip


def allow_placeholders(project: Path) -> None:
    """What an editor does for a site that is not public yet: the skeleton's commented setting enabled."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "# allow_placeholders: true" in text
    config.write_text(text.replace("# allow_placeholders: true", "allow_placeholders: true"), encoding="utf-8")


def draft_slug(project: Path) -> str:
    (issue,) = (project / "content" / "newsletter").glob("*.md")
    return issue.stem


def test_installed_wheel_carries_templates_data_and_skeleton(tmp_path: Path) -> None:
    """The wheel, installed (not editable) into a folder of its own, starts and builds a project
    from outside the repository: nothing is read from this checkout."""
    source = tmp_path / "src"  # a copy: the build writes build/ and *.egg-info beside the sources
    shutil.copytree(REPO / "generator", source / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheels, installed = tmp_path / "wheels", tmp_path / "installed"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)], check=True, timeout=300
    )
    (wheel,) = wheels.glob("rundbrief-*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", str(installed), str(wheel)], check=True, timeout=300
    )
    shutil.rmtree(source)  # the sources are gone: only the installed package is left

    env = dict(os.environ, PYTHONPATH=str(installed), RUNDBRIEF_TODAY="2026-06-01")
    where = subprocess.run(
        [sys.executable, "-c", "import generator; print(generator.__file__)"], capture_output=True, text=True,
        cwd=tmp_path, env=env, check=True,
    ).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(installed)
    guide = installed / "generator" / "preview" / "redaktion.md"  # the preview serves it at /_guide/
    assert guide.read_text(encoding="utf-8") == (REPO / "docs" / "redaktion.md").read_text(encoding="utf-8")

    created = run("init", "projekt", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "projekt"
    assert "1. cd projekt\n" in created.stdout and "5. rundbrief check " in created.stdout
    refused = run("build", "--project", "projekt", cwd=tmp_path, env=env)  # the legal pages are placeholders
    assert refused.returncode == 1
    assert [line.split(": ")[0] for line in refused.stderr.splitlines() if ": error: " in line] == [
        "content/barrierefreiheit.md:2", "content/datenschutz.md:2", "content/impressum.md:2",
        "content/index.md:2", "content/kontakt.md:2", "content/prozess/index.md:2",
    ]  # fmt: skip
    assert not (project / "site").exists()
    # the German catalog travels in the wheel: an editor's shell (no language set) reads German
    assert (installed / "generator" / "locale" / "de" / "LC_MESSAGES" / "rundbrief.mo").is_file()
    german = {k: v for k, v in env.items() if k not in ("RUNDBRIEF_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    refused_de = run("build", "--project", "projekt", cwd=tmp_path, env=german)
    assert refused_de.stderr.count(": Fehler: placeholder: diese Rechtsseite hat noch den Platzhaltertext") == 3
    # the sample text of the home, contact and process pages (an editor's trial published them)
    assert refused_de.stderr.count(": Fehler: placeholder: diese Seite enthält noch Mustertext") == 3
    assert refused_de.stderr.splitlines()[-1].startswith("rundbrief: Bauen fehlgeschlagen, nichts wurde geschrieben")
    allow_placeholders(project)  # the editors allow them explicitly, for a site not yet public
    built = run("build", "--project", "projekt", cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    site = project / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Beteiligungsprozess Musterkreis" in home
    assert "assets/stylesheets/rundbrief.css" in home  # rundbrief's main.html, from the package
    assert (site / "assets" / "stylesheets" / "rundbrief.css").is_file()
    for page in ("newsletter", "termine", "stimmen", "prozess", "prozess/auftakt", "kontakt", "impressum"):
        assert (site / page / "index.html").is_file(), page
    slug = draft_slug(project)
    assert not (site / "newsletter" / slug).exists()  # a draft is not published
    assert not (project / "newsletter" / slug).exists()
    preview = run("email", slug, "--project", "projekt", cwd=tmp_path, env=env)  # the package's email templates
    assert preview.returncode == 0, preview.stderr
    assert "Erste Ausgabe" in (project / "newsletter" / slug / "email.html").read_text(encoding="utf-8")
    assert (project / "newsletter" / slug / "message.eml").is_file()


def test_init_writes_a_project_that_checks_clean_but_for_the_placeholders(tmp_path: Path) -> None:
    written = create_project(tmp_path / "neu", date(2026, 3, 4))
    names = {p.as_posix() for p in written}
    assert {
        "mkdocs.yml", ".gitignore", "theme/README.md", "content/index.md", "content/people.yml", "content/kontakt.md",
        "content/prozess/index.md", "content/prozess/auftakt.md", "content/impressum.md", "content/datenschutz.md",
        "content/barrierefreiheit.md", "content/newsletter/2026-01.md",
    } == names  # fmt: skip
    assert "draft: true" in (tmp_path / "neu" / "content" / "newsletter" / "2026-01.md").read_text(encoding="utf-8")
    assert {"/site/", "/newsletter/", "/.rundbrief/"} <= set((tmp_path / "neu" / ".gitignore").read_text().split())
    checked = run("check", "--project", "neu", cwd=tmp_path)
    assert checked.returncode == 1  # placeholders must not go live
    assert sorted(line.split(": error: ", 1)[0] for line in checked.stderr.splitlines() if ": error: " in line) == [
        "content/barrierefreiheit.md:2", "content/datenschutz.md:2", "content/impressum.md:2",
        "content/index.md:2", "content/kontakt.md:2", "content/prozess/index.md:2",
    ]  # fmt: skip
    assert sum(": error: " in line or ": warning: " in line for line in checked.stderr.splitlines()) == 6
    assert checked.stderr.count("this page still has sample text") == 3


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "alt").mkdir()
    (tmp_path / "alt" / "notiz.txt").write_text("bleibt", encoding="utf-8")
    with pytest.raises(NewProjectError):
        create_project(tmp_path / "alt", date(2026, 3, 4))
    refused = run("init", "alt", cwd=tmp_path)
    assert refused.returncode == 1
    assert "rundbrief: " in refused.stderr and "not an empty folder" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "alt").iterdir()) == ["notiz.txt"]
    (tmp_path / "leer").mkdir()
    assert run("init", "leer", cwd=tmp_path).returncode == 0  # an empty folder is fine


def test_a_project_theme_overrides_single_templates(tmp_path: Path) -> None:
    """custom_dir's files win over rundbrief's, which win over Material's; theme/email/ per file."""
    project = tmp_path / "p"
    create_project(project, date(2026, 3, 4))
    allow_placeholders(project)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("# custom_dir: theme/site", "custom_dir: theme/site"))
    (project / "theme" / "site" / "partials").mkdir(parents=True)
    (project / "theme" / "site" / "partials" / "copyright.html").write_text("<p>EIGENER FUSS</p>\n", encoding="utf-8")
    (project / "theme" / "email").mkdir()
    css = (REPO / "generator" / "theme" / "email" / "email.css").read_text(encoding="utf-8")
    (project / "theme" / "email" / "email.css").write_text(css + "\n.container { color: #123456; }\n", encoding="utf-8")
    assert run("build", "--project", "p", cwd=tmp_path).returncode == 0
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "EIGENER FUSS" in home  # the project's partial
    assert "assets/stylesheets/rundbrief.css" in home  # rundbrief's main.html still
    slug = draft_slug(project)
    assert run("email", slug, "--project", "p", cwd=tmp_path).returncode == 0
    html = (project / "newsletter" / slug / "email.html").read_text(encoding="utf-8")
    assert "#123456" in html  # the project's email.css ...
    assert "Erste Ausgabe" in html  # ... with rundbrief's email.html.j2


def test_example_repository_theme_overrides_nothing() -> None:
    assert sorted(p.name for p in (REPO / "theme").iterdir()) == ["README.md"]
    assert (REPO / "theme" / "README.md").read_bytes() == (
        REPO / "generator" / "skeleton" / "theme" / "README.md"
    ).read_bytes()


# -- commands that do not build load no MkDocs, Material or CSS inliner ----------------------

PROBE = """
import sys
from generator.cli import main
try:
    main({args!r}, standalone_mode=False)
except SystemExit:
    pass
loaded = sorted(m for m in {modules!r} if m in sys.modules)
print("LOADED", loaded)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"], ["check"], ["new", "--help"], ["init", "--help"], ["subscribers", "count"],
        ["send", "--help"], ["subscriptions", "--help"],
    ],
    ids=lambda a: " ".join(a),
)  # fmt: skip
def test_commands_that_do_not_build_load_no_renderer_dependencies(args: list[str], tmp_path: Path) -> None:
    env = dict(os.environ, RUNDBRIEF_DB=str(tmp_path / "store.sqlite"))
    probe = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, modules=BUILD_FREE)], capture_output=True, text=True,
        cwd=REPO, env=env, timeout=120, check=True,
    )  # fmt: skip
    assert "LOADED []" in probe.stdout, probe.stdout + probe.stderr


def test_the_subscription_service_loads_no_renderer_dependencies() -> None:
    code = f"import sys, generator.send.webapp; print(sorted(m for m in {BUILD_FREE!r} if m in sys.modules))"
    probe = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=True
    )
    assert probe.stdout.strip() == "[]"


def test_a_build_loads_them() -> None:
    """The probe can fail: the build command does import MkDocs."""
    code = "import sys, generator.pipeline; print('mkdocs' in sys.modules)"
    probe = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=True
    )
    assert probe.stdout.strip() == "True"


def test_check_reads_env_tags_without_mkdocs(tmp_path: Path) -> None:
    """mkdocs.yml's !ENV (MkDocs' tag) is read by check's own loader."""
    project = tmp_path / "p"
    create_project(project, date(2026, 3, 4))
    allow_placeholders(project)
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("site_url: https://beteiligung.example.org/", "site_url: !ENV [RB_SITE_URL, nope]"))
    env = dict(os.environ, RB_SITE_URL="https://env.example.org/")
    checked = run("check", "--project", "p", cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stderr
    unset = {k: v for k, v in env.items() if k != "RB_SITE_URL"}
    assert "site_url" in run("check", "--project", "p", cwd=tmp_path, env=unset).stderr  # "nope" is no URL


def test_init_next_steps_and_the_guide_agree(tmp_path: Path) -> None:
    """A new editor follows the guide's section 1 after init: the guide names the commands init
    prints, and says what the first check reports (the placeholders are errors, not warnings) and
    how allow_placeholders turns them into reminders."""
    created = run("init", "mein-prozess", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    steps = created.stdout.split("Next:", 1)[1]
    guide = (REPO / "docs" / "redaktion.md").read_text(encoding="utf-8")
    setup = guide.split("## 1. Einrichten", 1)[1].split("\n## 2.", 1)[0]
    for command in (
        "rundbrief init mein-prozess",
        "cd mein-prozess",
        "rundbrief check",
        "rundbrief serve",
        "pip install",
    ):
        assert command in setup, command
    for command in ("cd mein-prozess\n", "rundbrief check ", "rundbrief serve ", "allow_placeholders: true"):
        assert command in steps, command
    assert "allow_placeholders: true" in setup and "sechs\nFehler" in setup
    assert (
        "| `Fehler: placeholder: diese Rechtsseite hat noch den Platzhaltertext, der nicht veröffentlicht werden darf"
        in guide
    )
    checked = run("--lang", "de", "check", cwd=tmp_path / "mein-prozess")  # in the editors' language, as the guide
    assert checked.returncode == 1 and checked.stderr.count(": Fehler: placeholder: ") == 6  # "sechs Fehler"
    allow_placeholders(tmp_path / "mein-prozess")
    checked = run("--lang", "de", "check", cwd=tmp_path / "mein-prozess")
    assert checked.returncode == 0 and checked.stderr.count(": Warnung: placeholder: ") == 6, checked.stderr


def test_no_module_binds_a_name_twice() -> None:
    """A module-level name bound a second time silently replaces the first for every function that
    reads it (a new pattern under an old one's name broke the reading of list items). Ruff does
    not see it when both are used."""
    import ast
    from collections import Counter

    twice = {}
    for path in sorted((REPO / "generator").rglob("*.py")):
        names: Counter[str] = Counter()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names[node.name] += 1
            elif isinstance(node, ast.Assign):
                names.update(target.id for target in node.targets if isinstance(target, ast.Name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names[node.target.id] += 1
        if found := sorted(name for name, count in names.items() if count > 1):
            twice[path.relative_to(REPO).as_posix()] = found
    assert twice == {}
