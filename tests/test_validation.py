"""Every validation rule: one fixture per failure mode, exact messages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.content import load_project
from tests.conftest import FIXTURES

INVALID = sorted((FIXTURES / "invalid").glob("*.md"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, timeout=300, check=False,
        env=dict(os.environ, RUNDBRIEF_LANG="en"),
    )  # fmt: skip


def messages(root: Path) -> list[str]:
    return [str(p) for p in load_project(root).diagnostics.sorted()]


def write_body(write: Callable[..., Path], body: str) -> None:
    """An issue whose body is ``body``, beginning on line 7 of content/newsletter/2026-02.md."""
    write("newsletter/2026-02.md", f'---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\n{body}\n')


def test_every_fixture_has_expected_messages() -> None:
    assert len(INVALID) >= 30
    for fixture in INVALID:
        assert fixture.with_suffix(".expected").is_file(), fixture.name


@pytest.mark.parametrize("fixture", INVALID, ids=[f.stem for f in INVALID])
def test_invalid_fixture_reports_exactly(fixture: Path, project: Path) -> None:
    shutil.copy(fixture, project / "content" / "newsletter" / fixture.name)
    expected = fixture.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert messages(project) == expected


def test_valid_base_project_is_clean(project: Path) -> None:
    assert messages(project) == []


def test_all_problems_of_all_files_are_reported_together(project: Path) -> None:
    for name in ("bad-date", "unknown-person", "photo-missing-file", "yaml-unquoted-colon"):
        shutil.copy(FIXTURES / "invalid" / f"{name}.md", project / "content" / "newsletter" / f"{name}.md")
    found = messages(project)
    for name in ("bad-date", "unknown-person", "photo-missing-file", "yaml-unquoted-colon"):
        expected = (FIXTURES / "invalid" / f"{name}.expected").read_text(encoding="utf-8").splitlines()
        assert set(expected) <= set(found)
    # the three issues whose front-matter reads share the number 02.2026: that is reported too, also
    # for the one whose date is wrong (a wrong required field hides none of an issue's mistakes)
    for name in ("unknown-person", "photo-missing-file"):
        assert (
            f'content/newsletter/{name}.md:3: error: number: "02.2026" is already the number of '
            "content/newsletter/bad-date.md:3; every issue needs its own number" in found
        )
    assert len(found) == 1 + 2 + 1 + 1 + 2


def test_symlink_out_of_content_is_refused(project: Path, write: Callable[..., Path], tmp_path: Path) -> None:
    outside = tmp_path / "privat.jpg"
    shutil.copy(project / "content" / "media" / "foto.jpg", outside)
    os.symlink(outside, project / "content" / "media" / "link.jpg")
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Link\nnumber: "02"\ndate: 2026-06-30\ncover:\n  src: media/link.jpg\n  alt: Ein Bild\n  credit: X\n---\n',
    )
    assert messages(project) == [
        f"content/media/link.jpg: error: a link to the file {outside}, outside content/; nothing outside content/ "
        "is published: copy the file into content/ instead",  # the link itself, used or not (test_symlinks.py)
        'content/newsletter/2026-02.md:6: error: cover.src: is a link that points outside content/, found "media/link.jpg"',
    ]


def test_symlink_inside_content_is_fine(project: Path, write: Callable[..., Path]) -> None:
    os.symlink(project / "content" / "media" / "foto.jpg", project / "content" / "media" / "alias.jpg")
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Link\nnumber: "02"\ndate: 2026-06-30\ncover:\n  src: media/alias.jpg\n  alt: Ein Bild\n  credit: X\n---\n',
    )
    assert messages(project) == []


def test_people_file_problems(project: Path, write: Callable[..., Path]) -> None:
    write(
        "people.yml",
        "anna-muster:\n  name: Anna Muster\n  rolle: Sozialplanerin\n  email: keine-adresse\n"
        "max-beispiel:\n  role: ohne Namen\n  photo:\n    src: media/foto.jpg\n    alt: Max\n",
    )
    assert messages(project) == [
        'content/people.yml:3: warning: anna-muster.rolle: unknown field, ignored (did you mean "role"?)',
        'content/people.yml:4: error: anna-muster.email: expected an email address, found "keine-adresse"',
        "content/people.yml:6: error: max-beispiel.name: missing required field",
        'content/people.yml:8: error: max-beispiel.photo.credit: missing required field (the rights holder, shown as "Foto: ...")',
    ]


def test_people_file_must_be_a_mapping(project: Path, write: Callable[..., Path]) -> None:
    write("people.yml", "- anna-muster\n- max-beispiel\n")
    found = messages(project)
    assert found[0] == (
        "content/people.yml:1: error: expected a mapping from person ids to their fields (anna-muster: ...), "
        "found a list or text"
    )


def test_settings_problems_name_mkdocs_yml_lines(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "        email: test@example.org\n",
            "        email: test(at)example.org\n"
            "      newsleter_name: Tippfehler\n"
            "      timezone: Mars/Olympus\n"
            "      partners:\n"
            "        - name: Ohne Label\n"
            "          logo: media/grafik.svg\n",
        ),
        encoding="utf-8",
    )
    assert messages(project) == [
        'mkdocs.yml:15: error: plugins.rundbrief.sender.email: expected an email address, found "test(at)example.org"',
        'mkdocs.yml:16: warning: plugins.rundbrief.newsleter_name: unknown field, ignored (did you mean "newsletter_name"?)',
        'mkdocs.yml:17: error: plugins.rundbrief.timezone: expected a time zone name such as "Europe/Berlin", found "Mars/Olympus"',
        'mkdocs.yml:19: error: plugins.rundbrief.partners[1].label: missing required field (such as "Gefördert vom" or "Ein Projekt von")',
        'mkdocs.yml:20: error: plugins.rundbrief.partners[1].logo: expected a JPEG, PNG or GIF image, found "media/grafik.svg", an SVG file',
    ]


def test_missing_plugin_and_missing_config(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("plugins:")], encoding="utf-8")
    assert messages(project) == [
        "mkdocs.yml:1: error: plugins: the rundbrief plugin is not enabled; add - rundbrief under plugins:"
    ]
    config.unlink()
    assert messages(project) == [
        "mkdocs.yml: error: not found: run rundbrief in the project folder, or pass --project DIR"
    ]


def test_docs_dir_is_required(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("docs_dir: content\n", ""), encoding="utf-8")
    assert messages(project) == [
        "mkdocs.yml:1: error: docs_dir: missing required field (rundbrief projects use docs_dir: content)"
    ]


def test_nested_unknown_key_is_suggested(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\nevents:\n  - title: X\n    start: 2026-07-01\n'
        "    location: Y\n    adress: Z\n---\n",
    )
    assert messages(project) == [
        'content/newsletter/2026-02.md:9: warning: events[1].adress: unknown field, ignored (did you mean "address"?)'
    ]


def test_subfolders_and_odd_file_names_are_warned_about(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2025/alt.md", "# alt\n")
    write("newsletter/Ausgabe März.md", '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\n---\n')
    write("newsletter/~$entwurf.md", "Lock file of a word processor")
    assert messages(project) == [
        "content/newsletter/2025: warning: Markdown files in subfolders of content/newsletter/ are not read; "
        "put them directly in the folder",
        'content/newsletter/Ausgabe März.md: warning: file name "Ausgabe März.md" has characters that do not belong '
        "in a web address; use letters, digits and hyphens, such as 2022-02.md",
    ]


def test_phase_problems(project: Path, write: Callable[..., Path]) -> None:
    write("prozess/workshop.md", "---\ntitle: Workshop\norder: erste\nstart: 2026-05-01\nend: 2026-04-01\n---\n")
    write("prozess/messe.md", "---\ntitle: Messe\nstatus: finished\n---\n")
    assert messages(project) == [
        'content/prozess/messe.md:3: error: status: expected one of done, active, planned, found "finished"',
        "content/prozess/workshop.md:1: error: status: missing required field (done, active or planned)",
        'content/prozess/workshop.md:3: error: order: expected a whole number, found "erste"',
        'content/prozess/workshop.md:5: error: end: must not be before start (2026-05-01), found "2026-04-01"',
    ]


def test_a_field_named_as_other_tools_or_in_german_names_ours(project: Path, write: Callable[..., Path]) -> None:
    """A name that is no slip of a letter (description, beschreibung, ort, zitat) still points to
    the field of ours that means it, where the mapping has that field; a slip still gets the closest."""
    write("prozess/workshop.md", "---\ntitle: Workshop\norder: 1\nstatus: done\ndescription: Kurz\n---\n")
    write("newsletter/2026-05.md", (
        '---\ntitle: T\nnumber: "05"\ndate: 2026-05-01\nbeschreibung: Kurz\nevents:\n  - title: Treffen\n'
        "    start: 2026-06-13 16:00\n    location: Saal\n    ort: Saal\nstatements:\n  - name: Erika\n"
        "    zitat: Ja.\n    quote: Ja.\n    titl: X\n---\n"
    ))  # fmt: skip
    assert messages(project) == [
        'content/newsletter/2026-05.md:5: warning: beschreibung: unknown field, ignored (did you mean "summary"?)',
        'content/newsletter/2026-05.md:10: warning: events[1].ort: unknown field, ignored (did you mean "location"?)',
        'content/newsletter/2026-05.md:13: warning: statements[1].zitat: unknown field, ignored (did you mean "quote"?)',
        "content/newsletter/2026-05.md:15: warning: statements[1].titl: unknown field, ignored",
        'content/prozess/workshop.md:5: warning: description: unknown field, ignored (did you mean "summary"?)',
    ]


@pytest.mark.parametrize("field", ["entwurf", "drafts", "Draft"])
def test_a_draft_written_otherwise_is_an_error_not_a_published_issue(
    project: Path, write: Callable[..., Path], field: str
) -> None:
    """An issue meant as a draft whose draft field is misspelt or written in German would go public:
    an error, not a warning the build passes (an editor's trial)."""
    write("newsletter/2026-05.md", f'---\ntitle: T\nnumber: "05"\ndate: 2026-05-01\n{field}: true\n---\n\nText\n')
    assert messages(project) == [
        f'content/newsletter/2026-05.md:5: error: {field}: unknown field (did you mean "draft"?): as it is written, '
        "the issue is published",
    ]


def test_legal_pages_missing_are_reminded_and_placeholders_refused(project: Path, write: Callable[..., Path]) -> None:
    (project / "content" / "datenschutz.md").unlink()
    write("impressum.md", "---\ntitle: Impressum\nplaceholder: true\nhide: [navigation]\n---\n\n# Impressum\n")
    write("barrierefreiheit.md", "---\nplaceholder: false\n---\n\n# Barrierefreiheit\n")
    result = load_project(project)
    assert [str(p) for p in result.diagnostics.sorted()] == [
        "content/datenschutz.md: warning: legal page missing: every public site needs its Datenschutz page",
        "content/impressum.md:3: error: placeholder: this legal page still has the placeholder text, which must not "
        "be published; replace it with the publisher's text and remove the line placeholder: true (for a site that "
        "is not public yet, set allow_placeholders: true in the rundbrief plugin's options)",
    ]
    assert [page.path for page in result.project.legal_pages] == ["impressum.md", "barrierefreiheit.md"]
    # a preview (mkdocs serve, one email alone) publishes nothing: only reminded
    preview = load_project(project, preview=True)
    assert [str(p) for p in preview.diagnostics.sorted()][1:] == [
        "content/impressum.md:3: warning: placeholder: this legal page still has the placeholder text; replace it "
        "with the publisher's text and remove the line placeholder: true",
    ]
    assert all(p.reminder for p in preview.diagnostics.problems)


def test_placeholders_are_allowed_only_by_an_explicit_setting(project: Path, write: Callable[..., Path]) -> None:
    write("impressum.md", "---\nplaceholder: true\n---\n\n# Impressum\n")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "      allow_placeholders: true\n", encoding="utf-8")
    result = load_project(project)
    assert result.diagnostics.errors == []
    assert [str(p.location) for p in result.diagnostics.warnings] == ["content/impressum.md:2"]
    config.write_text(text + "      allow_placeholders: yes\n", encoding="utf-8")
    assert [str(p) for p in load_project(project).diagnostics.errors] == [
        'mkdocs.yml:16: error: plugins.rundbrief.allow_placeholders: expected true or false, found "yes"',
        "content/impressum.md:2: error: placeholder: this legal page still has the placeholder text, which must not "
        "be published; replace it with the publisher's text and remove the line placeholder: true (for a site that "
        "is not public yet, set allow_placeholders: true in the rundbrief plugin's options)",
    ]


def test_placeholders_are_reminders_when_the_settings_cannot_be_read(project: Path, write: Callable[..., Path]) -> None:
    """One YAML error in mkdocs.yml hides allow_placeholders: the placeholders must not add errors
    telling to set what may well be set."""
    write("impressum.md", "---\nplaceholder: true\n---\n\n# Impressum\n")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8") + "      allow_placeholders: true\n"
    config.write_text(text.replace("site_name: Testprozess", "site_name: [kaputt"), encoding="utf-8")
    result = load_project(project)
    assert [str(p) for p in result.diagnostics.errors] == [
        'mkdocs.yml:1: error: YAML: line 1: the "[" is not closed on its line; end the list there with "]"'
    ]
    assert [str(p).partition(" this")[0] for p in result.diagnostics.warnings] == [
        "content/impressum.md:2: warning: placeholder:"
    ]


def test_a_placeholder_mark_is_not_lost_to_a_slip_or_a_page_name(project: Path, write: Callable[..., Path]) -> None:
    """ "Placeholder: True" on a legal page, "placeholder: true" on any other page (kontakt.md, a
    legal page in a subfolder): held back all the same; a slip that says false: did you mean."""
    write("impressum.md", "---\nPlaceholder: True\n---\n\n# Impressum\n")
    write("datenschutz.md", "---\nplaceholer: false\ntitle: Datenschutz\n---\n\n# Datenschutz\n")
    write("kontakt.md", "---\ntitle: Kontakt\nplaceholder: true\n---\n\n# Kontakt\n")
    write("recht/impressum.md", "---\nplaceholder: yes\n---\n\n# Impressum\n")
    write("ueber.md", "---\nplaceholder: false\ntemplate: main.html\n---\n\n# Über uns\n")
    other = (
        "this page is marked as a placeholder, which must not be published (only content/impressum.md, "
        "content/datenschutz.md, content/barrierefreiheit.md are looked for as legal pages); replace its "
        "placeholder text and remove the line placeholder: true"
    )
    allow = " (for a site that is not public yet, set allow_placeholders: true in the rundbrief plugin's options)"
    assert messages(project) == [
        'content/datenschutz.md:2: warning: placeholer: unknown field, ignored (did you mean "placeholder"?)',
        'content/impressum.md:2: error: Placeholder: read as "placeholder" (write it so); placeholder: this legal '
        "page still has the placeholder text, which must not be published; replace it with the publisher's text "
        "and remove the line placeholder: true" + allow,
        "content/kontakt.md:3: error: placeholder: this page still has sample text (rundbrief init writes it so "
        f"marked), which must not be published; replace it with your own and remove the line placeholder: true{allow}",
        f"content/recht/impressum.md:2: error: placeholder: {other}{allow}",
    ]
    preview = load_project(project, preview=True).diagnostics
    assert preview.errors == [] and len(preview.warnings) == 4


def test_site_url_and_sender_are_required(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("site_url: https://test.example.org/\n", ""), encoding="utf-8")
    assert messages(project) == [
        "mkdocs.yml:1: error: site_url: missing required field (the site's public address, https://...; "
        "the emails' links and images, the feed and the calendar point there)"
    ]
    config.write_text(text.replace("https://test.example.org/", "test.example.org"), encoding="utf-8")
    assert messages(project) == [
        'mkdocs.yml:1: error: site_url: expected a web address starting with https://, found "test.example.org"'
    ]
    config.write_text(
        text.replace(
            "      sender:\n        name: Testprozess\n        email: test@example.org\n",
            "      email_inliner: premailr\n",
        ),
        encoding="utf-8",
    )
    assert messages(project) == [
        "mkdocs.yml:12: error: plugins.rundbrief.sender: missing required field (name and email address the newsletter is sent from)",
        'mkdocs.yml:13: error: plugins.rundbrief.email_inliner: expected css-inline or premailer, found "premailr"',
    ]


def test_brand_slogan_and_contact_settings_are_checked(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text
        + "      claim: "
        + "So weit. " * 20
        + "\n"  # line 16
        + '      slogan: "Wir alle\\r\\nBcc: x@example.org"\n'
        + "      contact:\n"
        + "        name: Projektbüro\n"
        + "        email: buero(at)example.org\n"  # line 20
        + "        address: |\n"
        + "          1\n          2\n          3\n          4\n          5\n          6\n"
        + "        fax: 0381 1234\n",
        encoding="utf-8",
    )
    assert messages(project) == [
        "mkdocs.yml:16: error: plugins.rundbrief.claim: at most 120 characters (one line in the header of the site "
        "and the email), found 179",
        "mkdocs.yml:17: error: plugins.rundbrief.slogan: must be a single line without control characters, found "
        '"Wir alle\\r\\nBcc: x@example.org"',
        'mkdocs.yml:20: error: plugins.rundbrief.contact.email: expected an email address, found "buero(at)example.org"',
        "mkdocs.yml:21: error: plugins.rundbrief.contact.address: at most 5 lines of at most 120 characters (a postal "
        "address), found 6 lines, the longest 1 characters",
        "mkdocs.yml:28: warning: plugins.rundbrief.contact.fax: unknown field, ignored",
    ]
    config.write_text(
        text + "      contact:\n        address: |\n          Am Markt 1\n          18055 Rostock\n", encoding="utf-8"
    )
    result = load_project(project)
    assert [str(p) for p in result.diagnostics.problems] == []
    contact = result.project.settings.contact
    assert contact is not None and contact.address_lines == ("Am Markt 1", "18055 Rostock") and contact.name is None


def test_bidirectional_controls_in_settings_are_control_characters(project: Path) -> None:
    """U+202E in a slogan or a contact reads "exe.pdf" backwards in the header of every page and
    email: rejected as site_name rejects it (LRM/RLM marks stay allowed)."""
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '      organisation: "Landkreis \\u202Eevil"\n'  # line 16
        + '      slogan: "Slogan \\u2066isoliert"\n'
        + "      contact:\n"
        + '        name: "Projektb\u00fcro \\u202Dx"\n'
        + '        address: "Am Markt 1\\n18055 \\u202BRostock \\u200F"\n',  # line 20
        encoding="utf-8",
    )
    assert messages(project) == [
        'mkdocs.yml:16: error: plugins.rundbrief.organisation: must be a single line without control characters, found "Landkreis \\u202eevil"',
        'mkdocs.yml:17: error: plugins.rundbrief.slogan: must be a single line without control characters, found "Slogan \\u2066isoliert"',
        'mkdocs.yml:19: error: plugins.rundbrief.contact.name: must be a single line without control characters, found "Projektbüro \\u202dx"',
        'mkdocs.yml:20: error: plugins.rundbrief.contact.address: must be text without control characters, found "Am Markt 1\\n18055 \\u202bRostock \\u200f"',
    ]


def test_a_contact_with_a_rejected_address_and_no_name_gets_one_error(project: Path) -> None:
    """Any one of name, email and address makes a contact: an address that was given but
    rejected is the only error, not also a "name: missing required field"."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + "      contact:\n        address: |\n" + "".join(f"          Zeile {i}\n" for i in range(1, 7)),
        encoding="utf-8",
    )
    assert messages(project) == [
        "mkdocs.yml:17: error: plugins.rundbrief.contact.address: at most 5 lines of at most 120 characters (a postal "
        "address), found 6 lines, the longest 7 characters",
    ]
    config.write_text(text + "      contact:\n        phone: 0381 1234\n", encoding="utf-8")
    assert messages(project) == [
        "mkdocs.yml:17: error: plugins.rundbrief.contact.name: missing required field (or email or address; the name "
        'of the office or mailbox, such as "Projektbüro")',
    ]


def test_a_logo_needs_its_alternative_text(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "      logo: media/logo.png\n", encoding="utf-8")
    assert messages(project) == [
        "mkdocs.yml:12: error: plugins.rundbrief.logo_alt: missing required field (what the logo shows, such as "
        '"Zukunftswerkstatt Kommunen": the email shows it where images are not loaded, screen readers read it)'
    ]
    config.write_text(
        text + "      logo: media/logo.png\n      logo_alt: Zeichen des Testprozesses\n", encoding="utf-8"
    )
    assert messages(project) == []


def test_raw_html_in_other_pages_is_checked_too(project: Path) -> None:
    """The start page, legal pages and the like reach the site as written, like issue bodies."""
    (project / "content" / "kontakt.md").write_text(
        '---\ntitle: Kontakt\n---\n\n# Kontakt\n\n<script\n  src="https://evil.example/x.js"></script>\n\n'
        '<p style="background: url(//evil.example/b.png)">Text</p>\n\n`<script>` als Code\n',
        encoding="utf-8",
    )
    assert messages(project) == [
        'content/kontakt.md:7: error: body: <script src="https://evil.example/x.js">: scripts are not allowed in '
        "content; remove the element",
        'content/kontakt.md:10: error: body: <p style="background: url(//evil.example/b.png)">: the site loads '
        "nothing from other hosts (privacy); save the file in content/media/ and use it from there",
    ]


def test_raw_html_that_would_take_the_page_with_it_is_refused(project: Path, write: Callable[..., Path]) -> None:
    """The head's elements and elements or comments left open, in a body and in an event's
    description (the events page shows every description: one could empty or redirect it)."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Offen\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - id: offen\n    title: Treffen\n'
        "    start: 2026-07-01\n    location: Rathaus\n    description: |\n      Bitte <textarea> mitbringen\n---\n\n"
        '<meta http-equiv="refresh" content="0; url=https://evil.example/">\n\n'
        'Ein <TITLE>Titel und <style>p { color: red }</style> und <Base href="/">\n\n'
        "Geschlossen: <textarea>x</textarea>, <!-- gut -->, &lt;!-- als Text, `<!--` als Code\n\n"
        "<div>\n<!-- Notiz für uns\n</div>\n\nWeiter <!-- zweite Notiz -->\n\n"
        "<plaintext>\n\n<!-- am Ende offen\n",
    )
    take = "is not closed: the page would take everything after it for its content; close it with"
    head = "the head of the page is rundbrief's (this element could send readers to another address or change where "
    assert messages(project) == [
        f"content/newsletter/2026-02.md:11: error: events[1].description: <textarea> {take} </textarea> or remove it",
        f"content/newsletter/2026-02.md:14: error: body: <meta>: {head}the page's links lead); remove the element",
        f"content/newsletter/2026-02.md:16: error: body: <TITLE> {take} </title> or remove it",
        f"content/newsletter/2026-02.md:16: error: body: <Base>: {head}the page's links lead); remove the element",
        "content/newsletter/2026-02.md:21: error: body: a comment begun with <!-- is not closed before the next one "
        "(line 24): the page would hide everything up to line 24; close it with -->",
        "content/newsletter/2026-02.md:26: error: body: <plaintext> shows all of the page after it as plain text "
        "and cannot be closed; remove it",
        "content/newsletter/2026-02.md:28: error: body: a comment begun with <!-- is not closed with -->: inside HTML "
        "the page would hide what follows it, elsewhere show it as text; close it with -->, or write &lt;!-- for "
        "these characters",
    ]


def test_a_formatting_element_left_open_is_an_error_at_its_line(project: Path, write: Callable[..., Path]) -> None:
    """From an editor's trial: a "<b>" never closed made the rest of the issue page bold, the footer
    too (a browser opens it again in every block after it), and the events page with it; an
    "<a href>" made the rest a link. The first of each name left open is an error, in a body and
    in an event's description; closed ones, code and one closed later are not; an end tag closes
    the last one open of its name (the first <b> here stays open)."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Offen\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - id: offen\n    title: Treffen\n'
        "    start: 2026-07-01\n    location: Rathaus\n    description: |\n      Bitte <strong>pünktlich\n---\n\n"
        "Ein <b>fetter Anfang ohne Ende.\n\n"
        'Ein <a href="https://example.org/">Link ohne Ende und <b>noch einmal</b>.\n\n'
        "Ein <i>kursiv</i>, `<em>` als Code, <u>über\n\nzwei Absätze</u> und <i>ohne Ende.\n",
    )
    rest = "is not closed: a browser shows everything after it that way, to the end of the page (its footer too)"
    expected = [
        f"content/newsletter/2026-02.md:11: error: events[1].description: <strong> {rest}; close it with </strong> "
        "or remove it",
        f"content/newsletter/2026-02.md:14: error: body: <b> {rest}; close it with </b> or remove it",
        f"content/newsletter/2026-02.md:16: error: body: <a> {rest}; close it with </a> or remove it",
        f"content/newsletter/2026-02.md:20: error: body: <i> {rest}; close it with </i> or remove it",
    ]
    # reported by the check of the HTML the text becomes (Markdown escapes a title, an alt text, code)
    for command in ("check", "build"):
        done = run_cli(command, "--project", str(project))
        assert done.returncode == 1, done.stderr
        assert [line for line in done.stderr.splitlines() if "is not closed" in line] == expected, done.stderr


@pytest.mark.parametrize(
    ("html", "left_open"),
    [
        ("<b>x", 1), ("<b>x</b>", 0), ("</b> x <b>y", 1), ("<b><i>x</b></i>", 0),
        # an end tag closes the last one open: the first stays open
        ("<b>a <b>b</b>", 1),
        # a cell ends what it opens, and its end tags reach nothing opened before it (a trial's
        # cases, seen in Chromium: the footer bold, or not)
        ("<table><tr><td><b>Mo</td></tr></table>", 0), ("<td><b>Mo</td>", 0), ("<caption><b>x</caption>", 0),
        ("<table><tr><td><b>Mo<td>Di</table>", 0),
        ("<b>x <table><tr><td>y</b></td></tr></table>", 1), ("<b>x<table><tr><td>y</td></tr></table></b>", 0),
        ("<p><b>Termine:</p><table><tr><td>Mo 10 Uhr</b></td></tr></table>", 1),
        ("<table><tr><td><table><tr><td><b>in</td></tr></table><b>aus</td></tr></table>", 0),
        ("<marquee><i>x</marquee>", 0), ("<b>x<marquee></b></marquee>", 1),
        # a new <a> closes the one before; in <select> these tags are dropped
        ("<a href=1>eins <a href=2>zwei</a>", 0), ("<select><b>x</select>", 0), ("<b>x<select></b></select>", 1),
    ],
)  # fmt: skip
def test_a_formatting_element_is_open_to_the_end_where_a_browser_leaves_it_open(html: str, left_open: int) -> None:
    from generator.content.bodyrefs import _formatting_left_open
    from generator.htmltags import real_end_tags, real_tags

    assert len(_formatting_left_open({t.start(): t for t in real_tags(html)}, real_end_tags(html))) == left_open


_META = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"<!-- x --!> {_META} -->", "<meta>: the head of the page"),  # "--!>" ends a comment
        (f"\\{_META}", "<meta>: the head of the page"),  # Python-Markdown keeps "\\<" as it is
        ("\\<script>alert(1)</script>", "<script>: scripts are not allowed"),
        ("<div>\n\\<!-- offen\n</div>", "a comment begun with <!-- is not closed with -->"),
        (f"\\`{_META}\\`", "<meta>: the head of the page"),  # escaped backticks: no code span
        (f"<div>\n`{_META}`\n</div>", "<meta>: the head of the page"),  # backticks in raw HTML: no code
        (f"```\n{_META}", "<meta>: the head of the page"),  # a fence left open is no code
        (f"~~~\n```\n~~~\n{_META}\n```", "<meta>: the head of the page"),  # the ``` closes nothing
        ("<div>\n<meta http-equiv=refresh content=0;url=https://evil.example/?a'b>\n</div>", "<meta>: the head"),
        ("<textarea a'b>", "<textarea> is not closed"),
        ("<textarea>x</textarea\u00a0> danach", "<textarea> is not closed"),  # no white space for a browser
        ("<p title='x' x\"> <script>alert(3)</script> \"> hier.</p>", "<script>: scripts are not allowed"),
        # a no-break space is no white space in HTML: the quote after it is part of an unquoted value
        ("Text <span title=\u00a0\"x onmouseover=alert(1) y=\"\">x</span>", "remove the onmouseover attribute"),
        ('<IMG SRC="../media/foto.jpg" ALT=b ONERROR=alert(1)>', "remove the ONERROR attribute"),
        ("<div>\n<template>\n</div>", "<template> is not closed"),
        ("<div>\n<select>\n</div>", "<select> is not closed"),
        ("<plaintext>x</plaintext>", "<plaintext> shows all of the page after it as plain text and cannot be closed"),
        # SVG animation that makes a link to a script
        ('<svg><a><animate attributeName="href" values="javascript:alert(2)"/><text>K</text></a></svg>', "<animate"),
        ('<svg><a><set attributeName="xlink:href" to="javascript:alert(3)"/><text>K</text></a></svg>', "<set"),
    ],
)
def test_raw_html_written_to_slip_past_the_check_is_found(
    project: Path, write: Callable[..., Path], body: str, expected: str
) -> None:
    """Found by an attacker's test: each of these reached the built page as live HTML."""
    write_body(write, body)
    found = messages(project)
    assert len(found) == 1 and re.match(r"content/newsletter/2026-02\.md:(7|8|10): error: body: ", found[0]), found
    assert expected in found[0], found


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # an end tag's quoted "attribute", a bogus comment: each ends where a browser ends it
        ("<div>\n</p title=\"<b title='>\"> <svg onload=alert(1)></svg> '>\n</div>", "remove the onload attribute"),
        ("<div>\n</p title=\"<b title='>\"> <svg onload=alert(1)></svg> '>\n</div>", "an end tag has no attributes"),
        ("<!x <b title='> <svg onload=alert(2)></svg> '>", "remove the onload attribute"),
        ("<?x <b title='> <input autofocus onfocus=alert(3)> '>", "remove the onfocus attribute"),
        # "<!--" in a value is no comment: nothing between two such values is hidden
        ('<div><a title="<!--">x</a><script>alert(1)</script><b title="-->">y</b></div>', "<script>: scripts"),
        # a "<" or ">" in a value: the hyphenation read such a tag otherwise and wrote a live one
        ("<div><a title='>' x=https://www.example.org/aaaaaaaaaaaaaaaaaaaaaa>L</a></div>", "holds < or >"),
        ('<div><template><b title="</template>">x</b></div>', "holds < or >"),
        # SVG's <style> and CDATA are no raw text for a browser: nothing in them hides a tag
        ('<div><svg><style><?x <a title="?><script>alert(1)</script>"></style></svg></div>', "holds < or >"),
        ('<div><svg><![CDATA[ > <b title=" ]]> <script>alert(1)</script> "> ]]></svg></div>', "holds < or >"),
        # loads from another host: a browser reads "\\" as "/", decodes CSS escapes, knows image-set()
        ('<div><table background="/\\evil.example/t.png"><tr><td>x</td></tr></table></div>', "other hosts"),
        ("<div style='background-image:image-set(\"http://evil.example/a.png\" 1x)'>x</div>", "other hosts"),
        ('<div style="background:\\75rl(http://evil.example/b.png)">x</div>', "other hosts"),
        ('<svg><rect fill="url(http://evil.example/f.svg#p)" width="1" height="1"/></svg>', "other hosts"),
        ('<style>@\\69mport "http://evil.example/x.css";</style>', "other hosts"),
        ('<style>a{content:"/*"} b{background:url(//evil.example/x)} c{content:"*/"}</style>', "other hosts"),
        # in SVG a <style> holds markup: references are read, tags split its text
        ('<div><svg width="1" height="1"><style>@import "/&#x2f;evil.example/x.css";</style></svg></div>', "other hosts"),
        ("<div><svg><style>@import url(/<g></g>/evil.example/x.css);</style></svg></div>", 'holds a "<"'),
        # where an SVG ends is more than a check should guess: a "<" in its <style> is refused
        ("<div><svg><font></font><style><!--</style></svg></div>", 'holds a "<"'),
        ("<div><svg><foreignObject><p>x</p></foreignObject><style><!--</style></svg></div>", 'holds a "<"'),
        ("<div><template><svg></p><style></template></style></svg></div>", 'holds a "<"'),
        ('<link rel="preload" as="image" imagesrcset="http://evil.example/a.png 1x">', "<link rel="),
        # an end tag in a raw text element opened after it closes nothing; in SVG a <style> holds comments
        ("<div><template><textarea></template></textarea></div>", "<template> is not closed"),
        ("<div><svg><style><!-- </style></svg></div>", "a comment begun with <!-- is not closed"),
        # CDATA: text up to "]]>" in SVG, a comment up to ">" elsewhere: a check cannot know which
        ("<div><svg><![CDATA[ a > <!-- ]]><b> --></svg></div>", "<![CDATA[ is read as text in SVG"),
        # Material's script fetches mermaid.js from unpkg.com for a <pre class="mermaid">
        ('<pre class="wide mermaid">graph TD; A--&gt;B</pre>', "from unpkg.com"),
        # from a privacy trial: Material's script asks GitHub for the stars of any element's repository
        ('<a href="https://github.com/a/b" data-md-component="source"><span>Quelle</span></a>', "data-md- attributes"),
        ("[Quelle](https://github.com/a/b){: data-md-component=source }", "data-md- attributes"),
        # a stylesheet of the project's whose content no check reads (it imported another host's)
        ('<link rel="stylesheet" href="../media/s.css">', "linked here is read by no check"),
        ('<style>@import "../media/s.css";</style>', "<style> @import"),
        ('<style>@\\69mport url(../media/s.css);</style>', "<style> @import"),
        # a URL parser drops tabs and line breaks in an address: "ht<tab>tps:" is "https:"
        ('<p style="background-image:url(&quot;ht&#9;tps:evil.example/a.png&quot;)">x</p>', "other hosts"),
        ('<style>.k{background-image:url("ht\\9 tps:evil.example/s.png")}</style>', "other hosts"),
    ],
)
def test_tags_hidden_from_a_reading_by_patterns_are_found(
    project: Path, write: Callable[..., Path], body: str, expected: str
) -> None:
    """Found by attackers: each reached a built page as live HTML, or took the page with it."""
    write_body(write, body)
    found = messages(project)
    assert any(expected in message for message in found), found
    assert all(re.match(r"content/newsletter/2026-02\.md:(7|8|9): error: body: ", message) for message in found), found


@pytest.mark.parametrize(
    "body",
    [
        "<!--[if !mso]><!-->\nNur außerhalb von Outlook\n<!--<![endif]-->",
        "<!----> <!--> <!---> <!-- a -- b --> <!--[if mso]>x<![endif]-->",
        "~~~~\n```\n<!-- offen\n```\n~~~~",
        "````\n```\n<textarea>\n```\n````",
        f"`{_META}` und ``<!-- offen`` als Code",
        "~~~\n<!-- offen\n<plaintext>\n~~~",
        "a <- b, x <!- y, <-> und <3",
        "<svg viewBox='0 0 1 1'><style>rect { fill: red }</style></svg>",
        "<style>/* Farben nach https://www.example.org/styleguide */ p { color: #c00 }</style>",
        # what an editor's note holds is shown nowhere, so it is not checked either
        'Text <!-- <img src="../media/fehlt.jpg"> --> weiter, <!-- <a href="fehlt.md">x</a> -->',
        "<!--\n![](https://cdn.example.com/y.png)\n-->",
    ],
)
def test_harmless_raw_html_and_code_pass(project: Path, write: Callable[..., Path], body: str) -> None:
    write_body(write, body)
    assert messages(project) == []


def test_a_tag_over_two_lines_is_read_whole(project: Path, write: Callable[..., Path]) -> None:
    """An image from another host and a link to a missing page, each in a tag written over two
    lines: reported by the Markdown's own check, at the line of the address."""
    write_body(write, 'Ein <img alt="Foto"\nsrc="https://evil.example/x.png"> Bild und <a\nhref="fehlt.md">x</a>.')
    assert messages(project) == [
        "content/newsletter/2026-02.md:8: error: body: image https://evil.example/x.png: the site loads nothing "
        "from other hosts (privacy); save the image in content/media/ and show it from there",
        "content/newsletter/2026-02.md:9: error: body: link fehlt.md: there is no page content/newsletter/fehlt.md",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # an end tag in an indented code block is text on the page: the textarea stays open
        ("Text <textarea> mehr\n\n    </textarea>", "content/newsletter/2026-02.md:7: error: body: <textarea> is not closed"),
        ("<select>\n\n    </select>", "content/newsletter/2026-02.md:7: error: body: <select> is not closed"),
        # reported where the element is, not at the code span before it that names it
        ("Code: `<textarea>`\n\nText <textarea> mehr\n\n    </textarea>", "content/newsletter/2026-02.md:9: error: body: <textarea>"),
    ],
)
def test_an_end_tag_in_indented_code_closes_nothing(
    project: Path, write: Callable[..., Path], body: str, expected: str
) -> None:
    """An indented block after a paragraph, outside every list item and box, is surely code: the
    Markdown's own check reads it as the page shows it (text), at the element's line."""
    write_body(write, body)
    found = messages(project)
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a quote left open: the browser reads the rest of the page into the tag
        ('<div>\n<span title="a>x</span>\n</div>', 'body: <span title="a>x</span>: the tag does not end'),
        # a list item's or a box's content, indented as code would be, but live HTML on the page
        ("1. Schritt\n\n    Live: <script>alert(1)</script>", "2026-02.md:9: error: body: <script>: scripts"),
        ('!!! tip "Live"\n    <meta http-equiv="refresh" content="0">', "2026-02.md:8: error: body: <meta>: the head"),
        # a list item's image without alt: the Markdown's check cannot tell it from an example of code;
        # named as the page has it (the conversion made its address absolute)
        ('1. Punkt\n\n    Bild: <img src="../media/foto.jpg">',
         'image without alt text, <img src="https://test.example.org/media/foto.jpg">; write what it shows as '
         'alt="..."'),
    ],
)
def test_the_html_a_text_becomes_is_checked_too(
    project: Path, write: Callable[..., Path], body: str, expected: str
) -> None:
    """What reading the Markdown cannot be sure of is checked in the HTML Python-Markdown makes of
    it (published.verify_published_texts): by check, and by build, which writes nothing."""
    write_body(write, body)
    assert messages(project) == []  # the Markdown's own check finds nothing
    checked = run_cli("check", "--project", str(project))
    assert checked.returncode == 1 and expected in checked.stderr, checked.stderr
    assert re.search(r"content/newsletter/2026-02\.md:\d+: error: body: ", checked.stderr), checked.stderr
    built = run_cli("build", "--project", str(project))
    assert built.returncode != 0 and expected in built.stderr, built.stderr
    assert not (project / "site").exists() and not (project / "newsletter").exists()


def test_problems_of_the_html_are_reported_with_the_loaders_not_after_them(
    project: Path, write: Callable[..., Path]
) -> None:
    """All problems of a build together: an error the loader found elsewhere (another field of the
    same file, another file) hid the check of the HTML the texts become, so that each fix brought
    up new errors (found by an editor's trial)."""
    body = "Vorher.\n\n1. Schritt\n\n    Live: <b onclick=\"alert(1)\">x</b>"
    write("newsletter/2026-02.md", f'---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\ndraft: nein\n---\n\n{body}\n')
    write("newsletter/2026-03.md", '---\ntitle: Drei\nnumber: "03.2026"\ndate: 2026-07-30\n---\n\n[Programm](../media/x.pdf)\n')
    for command in ("check", "build"):
        done = run_cli(command, "--project", str(project))
        assert done.returncode == 1
        errors = [line for line in done.stderr.splitlines() if ": error: " in line]
        assert any(line.startswith("content/newsletter/2026-02.md:5: error: draft: ") for line in errors), errors
        assert any(line.startswith("content/newsletter/2026-02.md:12: error: body: <b onclick") for line in errors), errors
        assert any(line.startswith("content/newsletter/2026-03.md:7: error: body: link ../media/x.pdf") for line in errors)
        assert len(errors) == 3, errors  # and nothing twice
    assert not (project / "site").exists() and not (project / "newsletter").exists()


def test_a_script_the_loader_reported_in_a_text_is_not_reported_again(project: Path, write: Callable[..., Path]) -> None:
    """Where the loader reported an error in a text, the check of its HTML leaves the text to it."""
    write_body(write, "Vorher <script>alert(1)</script> nachher.\n\n1. Schritt\n\n    Live: <b onclick=\"alert(1)\">x</b>")
    done = run_cli("check", "--project", str(project))
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert done.returncode == 1 and len(errors) == 1 and "<script>" in errors[0], errors


def test_a_problem_of_the_html_is_reported_at_its_place_from_the_kept_verdict_too(
    project: Path, write: Callable[..., Path]
) -> None:
    """The verdict of a text's HTML check is kept between builds (texts.py): a build and a check
    after a failed build report the problem at the same file, line and field, not less."""
    write_body(write, "Vorher.\n\n1. Schritt\n\n    Live: <script>alert(1)</script>")
    reported = []
    for command in ("build", "build", "check"):
        done = run_cli(command, "--project", str(project))
        assert done.returncode != 0
        reported.append([line for line in done.stderr.splitlines() if ": error: " in line])
    assert reported[0] == reported[1] == reported[2]
    assert len(reported[0]) == 1 and "content/newsletter/2026-02.md:11: error: body: <script>" in reported[0][0]
    assert (project / ".rundbrief" / "cache" / "texts.pickle").is_file()  # the verdicts were kept


@pytest.mark.parametrize(
    "body",
    [
        "1. Schritt eins:\n\n    ```html\n    <script>alert(1)</script>\n    ```\n\n2. Schritt zwei",
        '!!! tip "Tipp"\n    ```html\n    <meta http-equiv="refresh" content="0">\n    ```',
        "Ein Code `<textarea>\nx` über zwei Zeilen.",
        "Ein eingerückter Block:\n\n    <iframe src=\"https://x.example\"></iframe>\n    <!-- offen\n\nEnde.",
        "- Punkt\n\n        <plaintext> im Code des Punkts",
        "> Zitat mit Code:\n>\n>     <script>alert(1)</script>\n>     <!-- offen",
        # an image of another site, or at an absolute path, as an example of code in a list item
        '1. So nicht:\n\n        <img src="https://www.example.org/logo.png" alt="Logo">\n        <img src="/b/l.png" alt="x">',
        "1. Ohne alt, als Code:\n\n        <img src=\"../media/foto.jpg\">",
    ],
)
def test_html_the_page_shows_as_code_is_no_error(project: Path, write: Callable[..., Path], body: str) -> None:
    """Code in a list item or a box, an indented code block and a code span over two lines are
    text on the page: neither check nor build refuses them (they were refused, as the Markdown
    check read them as HTML; the check of the HTML the text becomes decides such lines)."""
    write_body(write, body)
    checked = run_cli("check", "--project", str(project))
    assert checked.returncode == 0, checked.stderr
    built = run_cli("build", "--project", str(project))
    assert built.returncode == 0, built.stderr
    page = (project / "site" / "newsletter" / "2026-02" / "index.html").read_text(encoding="utf-8")
    shown = page[page.index("<article") : page.index("</article>")]
    assert not re.search(r"<(script|meta|textarea|iframe|plaintext)\b|<!-- offen", shown), shown  # shown as text


def test_html_shown_as_code_in_a_markdown_block_is_no_error(project: Path, write: Callable[..., Path]) -> None:
    """Inside ``<details markdown="1">`` (md_in_html) the lines are Markdown: a code span and an
    indented code block there are text, as Python-Markdown shows them."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "markdown_extensions:\n  - md_in_html\n", encoding="utf-8")
    body = '<details markdown="1">\n<summary>Beispiel</summary>\n\nSo: `<script>`\n\n    <meta http-equiv="refresh">\n\n</details>'
    write_body(write, body)
    checked = run_cli("check", "--project", str(project))
    assert checked.returncode == 0, checked.stderr


def test_pages_are_checked_as_mkdocs_reads_them(project: Path, write: Callable[..., Path]) -> None:
    """Front matter that MkDocs does not take as such (not a mapping, a date that cannot be, a
    no-break space after "---") is Markdown on the page: checked as the page shows it. Pages in
    other Markdown suffixes are checked; HTML files are refused; SVGs are checked; an editor's
    hidden file is not published. Found by an attacker: each reached the site with a script."""
    write("kontakt.md", "---\n<script>alert(1)</script>\n---\n\n# Kontakt\n")
    write("impressum.md", "---\u00a0\ntitle: x\n---\n<script>alert(2)</script>\n")
    write("prozess/phase-9.md", "---\ntitle: Phase\norder: 9\nstatus: done\nsummary: 2026-02-30\n---\n\nText\n")
    write("prozess/phase-8.md", "---\ntitle: Phase <script>alert(3)</script>\norder: 8\nstatus: done\n---")
    write("seite.markdown", "# Seite\n\n<script>alert(4)</script>\n")
    write("roh.html", "<script>alert(5)</script>")
    write("media/bild.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(6)</script></svg>')
    # as XML a browser reads what the HTML reading does not: an entity of its own, a prefixed script
    write("media/entity.svg", '<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;">]>\n<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>')
    write("media/prefix.svg", '<svg xmlns="http://www.w3.org/2000/svg">\n<s:script xmlns:s="http://www.w3.org/2000/svg">x</s:script></svg>')
    write("media/feed.xml", '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(8)</script></html>')
    write("media/xslt.svg", '<?xml-stylesheet type="text/xsl" href="xslt.svg"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')
    # CorelDRAW writes its CSS in CDATA, which is text in an SVG file
    write("media/corel.svg", '<svg xmlns="http://www.w3.org/2000/svg"><style type="text/css"><![CDATA[\n .fil0 {fill:#283593}\n]]></style></svg>')
    # as Illustrator saves a logo: entities that name namespaces, which hold no markup
    write(
        "media/illustrator.svg",
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- Generator: Adobe Illustrator 16.0.0 -->\n<!DOCTYPE svg PUBLIC '
        '"-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n\t<!ENTITY ns_extend '
        '"http://ns.adobe.com/Extensibility/1.0/">\n]>\n<svg version="1.1" xmlns:x="&ns_extend;" '
        'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 4"><rect fill="#3949AB" width="10" height="4"/></svg>\n',
    )
    write("anderes.md", "---\ntitle: Anders\ntemplate: issue.html\n---\n\n# Anders\n")
    write("~entwurf.md", "# Entwurf\n\n<script>alert(7)</script>\n")
    checked = run_cli("check", "--project", str(project))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr, checked.stderr
    for expected in (
        "content/kontakt.md:2: error: body: <script>",
        "content/impressum.md:4: error: body: <script>",
        "content/prozess/phase-8.md:2: error: body: <script>",
        "content/seite.markdown:3: error: body: <script>",
        "content/roh.html:1: error: an HTML file reaches the site as it is",
        "content/media/bild.svg:1: error: svg: <script: an SVG that is opened on its own runs what it holds",
        'content/media/entity.svg:1: error: svg: <!ENTITY x "&#60;script&#62;"',
        "content/media/prefix.svg:2: error: svg: <s:script",
        "content/media/feed.xml:1: error: an HTML file reaches the site as it is",
        "content/anderes.md:3: error: template: issue.html is rundbrief's template for its own pages",
        "content/media/xslt.svg:1: error: svg: <?xml-stylesheet",
    ):
        assert expected in checked.stderr, checked.stderr
    assert "~entwurf" not in checked.stderr and "phase-9" not in checked.stderr  # hidden; nothing live
    assert "illustrator.svg" not in checked.stderr and "corel.svg" not in checked.stderr, checked.stderr
    for name in (
        "kontakt.md", "impressum.md", "prozess/phase-8.md", "seite.markdown", "roh.html", "media/bild.svg",
        "media/entity.svg", "media/prefix.svg", "media/feed.xml", "anderes.md", "media/xslt.svg",
    ):  # fmt: skip
        (project / "content" / name).unlink()
    built = run_cli("build", "--project", str(project))
    assert built.returncode == 0, built.stderr
    assert not list((project / "site").rglob("*entwurf*"))  # an editor's hidden file is not published


def test_an_svg_is_checked_whatever_prefixes_its_names_carry(project: Path, write: Callable[..., Path]) -> None:
    """From a privacy trial: opened on its own an SVG is XML, where h:iframe (h naming XHTML's
    namespace) is an iframe, q:href (XLink's) a link and s:set an animation; the check compared
    names as written, and a srcdoc script ran in the site's origin. An .xhtm page (Debian's
    mime.types serves it as XHTML) ran its script. An Inkscape drawing's own prefixes pass."""
    ns = 'xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:q="http://www.w3.org/1999/xlink"'
    hostile = {
        "iframe": '<h:iframe srcdoc="&lt;img src=x o&#110;error=alert(1)&gt;"/>',
        "xlink": '<a q:href="&#106;avascript:alert(2)"><rect width="9" height="9"/></a>',
        "set": '<a href="#x"><s:set xmlns:s="http://www.w3.org/2000/svg" attributeName="href" to="&#106;avascript:alert(3)"/></a>',
        "link": '<h:link rel="stylesheet" href="https://evil.example/a.css"/>',
        "style": "<h:style>rect{fill:url(https://evil.example/f.svg#p)}</h:style>",
        "meta": '<h:meta http-equiv="refresh" content="0;url=https://evil.example/"/>',
    }
    for name, element in hostile.items():
        write(f"media/{name}.svg", f"<svg {ns}>\n{element}\n</svg>\n")
    write("media/seite.xhtm", '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(4)</script></html>')
    write(
        "media/inkscape.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:cc="http://creativecommons.org/ns#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<sodipodi:namedview pagecolor="#ffffff" inkscape:zoom="1.2"/>\n<metadata><rdf:RDF><cc:Work rdf:about="">'
        '<dc:title>Plan</dc:title><dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/></cc:Work></rdf:RDF>'
        '</metadata>\n<g inkscape:label="Ebene 1" inkscape:groupmode="layer"><rect style="fill:#3949ab" width="9" height="9"/></g>\n</svg>\n',
    )
    errors = [line for line in run_cli("check", "--project", str(project)).stderr.splitlines() if ": error: " in line]
    for name in hostile:
        assert any(line.startswith(f"content/media/{name}.svg:2: error: svg: ") for line in errors), (name, errors)
    assert any(line.startswith("content/media/seite.xhtm:1: error: an HTML file reaches the site") for line in errors), errors
    assert not any("inkscape.svg" in line for line in errors), errors


def test_an_event_a_draft_describes_is_checked_where_a_published_issue_shows_it(
    project: Path, write: Callable[..., Path]
) -> None:
    """A published issue may name an event that a draft describes: build checks that description
    too (it checked only the published issues' files, and published the draft's script)."""
    write(
        "newsletter/2026-03.md",
        '---\ntitle: Entwurf\nnumber: "03.2026"\ndate: 2026-09-01\ndraft: true\nevents:\n  - id: geheim\n'
        "    title: Geheim\n    start: 2026-10-01\n    location: Rathaus\n    description: |\n      Erst Text\n"
        "          <script>alert(1)</script>\n---\n\nText\n",
    )
    write("newsletter/2026-02.md", '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - id: geheim\n---\n\nText\n')
    built = run_cli("build", "--project", str(project))
    assert built.returncode == 1 and "content/newsletter/2026-03.md:13: error: events[1].description: <script>" in built.stderr, built.stderr
    assert not (project / "site").exists()


def test_the_html_other_pages_become_is_checked_too(project: Path, write: Callable[..., Path]) -> None:
    """The pages MkDocs converts itself (kontakt.md, a phase) get the same check of their HTML,
    in check, in build and in plain `mkdocs build`: live HTML in a list item is refused there too,
    code is not."""
    write("kontakt.md", "# Kontakt\n\n1. Punkt\n\n    Live: <script>alert(1)</script>\n\nCode:\n\n    <script>x</script>\n")
    write(
        "prozess/phase-1.md",
        "---\ntitle: Phase\norder: 1\nstatus: done\n---\n\n- Punkt\n\n    <meta http-equiv=refresh content=0>\n",
    )
    assert messages(project) == []  # the Markdown's own check leaves indented lines to this one
    expected = [
        "content/kontakt.md:5: error: body: <script>: scripts are not allowed in content; remove the element",
        "content/prozess/phase-1.md:9: error: body: <meta>: the head of the page is rundbrief's",
    ]
    checked = run_cli("check", "--project", str(project))
    assert checked.returncode == 1
    for line in expected:
        assert line in checked.stderr, checked.stderr
    built = run_cli("build", "--project", str(project))
    assert built.returncode != 0 and expected[0] in built.stderr and not (project / "site").exists()
    plain = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"], cwd=project, capture_output=True, text=True, timeout=120,
        check=False, env=dict(os.environ, NO_MKDOCS_2_WARNING="1", RUNDBRIEF_LANG="en"),
    )  # fmt: skip
    assert plain.returncode == 1 and expected[0] in plain.stderr, plain.stderr
    assert "Traceback" not in plain.stderr


@pytest.mark.parametrize(
    ("page", "text", "shown"),
    [
        ("newsletter/2026-02.md", '<a href="http://[x">x</a>', "http://[x"),
        ("newsletter/2026-02.md", "[x](http://[x)", "http://[x"),
        ("newsletter/2026-02.md", '<img src="http://[x" alt="x">', "http://[x"),
        ("newsletter/2026-02.md", '<map name="m"><area href="http://[x" alt="a"></map>', '<area href="http://[x">'),
        ("newsletter/2026-02.md", '<img src="../media/foto.jpg" srcset="http://[x 2x" alt="a">', "srcset="),
        ("kontakt.md", '<a href="http://[x">x</a>', "http://[x"),
        ("kontakt.md", "[x](http://[x)", "http://[x"),
    ],
)
def test_an_address_that_cannot_be_read_is_an_error_not_a_crash(
    project: Path, write: Callable[..., Path], page: str, text: str, shown: str
) -> None:
    """Found by an attacker: "http://[x" made check and build fail with a traceback (urlsplit's
    ValueError), in rundbrief's code and in MkDocs' own link rewriting."""
    if page == "kontakt.md":
        write(page, f"# Kontakt\n\n{text}\n")
        line = 3
    else:
        write(page, f'---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\n{text}\n')
        line = 7
    for command in ("check", "build"):
        result = run_cli(command, "--project", str(project))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert re.search(rf"content/{re.escape(page)}:{line}: error: body: .*{re.escape(shown)}.* cannot be read as an "
                         "address", result.stderr), result.stderr  # fmt: skip


def test_an_event_named_by_another_issue_is_checked_once_in_its_own_file(
    project: Path, write: Callable[..., Path]
) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - id: offen\n    title: Offen\n'
        "    start: 2026-07-01\n    location: Rathaus\n    description: |\n      Text <textarea> mehr\n\n"
        "          </textarea>\n---\n\nText\n",
    )
    write("newsletter/2026-03.md", '---\ntitle: Drei\nnumber: "03.2026"\ndate: 2026-07-30\nevents:\n  - id: offen\n---\n\nText\n')
    checked = run_cli("check", "--project", str(project))
    problems = [line for line in checked.stderr.splitlines() if ": error: " in line]
    assert problems == [
        "content/newsletter/2026-02.md:11: error: events[1].description: <textarea> is not closed: the page would "
        "take everything after it for its content; close it with </textarea> or remove it"
    ], checked.stderr


def test_link_addresses_with_parentheses_are_read_whole(project: Path, write: Callable[..., Path]) -> None:
    """Python-Markdown reads balanced parentheses as part of the address: the message quotes it
    whole (it stopped at "alert(7"), and a file name with parentheses is found."""
    (project / "content" / "media" / "foto (1).jpg").write_bytes(
        (project / "content" / "media" / "foto.jpg").read_bytes()
    )
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Klammern\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\n'
        "[x](javascript:alert(7)) und [y](https://de.wikipedia.org/wiki/Rostock_(Begriffskl%C3%A4rung))\n\n"
        "![Foto](../media/foto%20(1).jpg) und [z](../media/fehlt(2).pdf)\n",
    )
    assert messages(project) == [
        "content/newsletter/2026-02.md:7: error: body: link javascript:alert(7): expected a web or mail address, "
        "or a page or file of the project",
        "content/newsletter/2026-02.md:9: error: body: link ../media/fehlt(2).pdf: file not found: content/media/fehlt(2).pdf",
    ]


@pytest.mark.parametrize(
    ("alt", "problem"),
    [
        ("logo.png", ", not be a file name"),
        ("Logo", ", not be a file name"),  # the logo's file name without its ending
        ("2024", " in words, not be a number or a sign"),
        ('"---"', " in words, not be a number or a sign"),
    ],
)
def test_a_logo_alt_that_describes_nothing_is_refused(project: Path, alt: str, problem: str) -> None:
    """As a photo's alt: a file name or a number is no description of the logo."""
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + f"      logo: media/logo.png\n      logo_alt: {alt}\n", encoding="utf-8"
    )
    found = alt.strip('"')
    assert messages(project) == [
        f"mkdocs.yml:17: error: plugins.rundbrief.logo_alt: must describe what the image shows{problem} (what "
        f'the logo shows, such as "Zukunftswerkstatt Kommunen"), found "{found}"'
    ]


@pytest.mark.parametrize("directory_urls", [True, False])
def test_an_event_address_on_this_site_must_name_one_of_its_pages(
    project: Path, write: Callable[..., Path], directory_urls: bool
) -> None:
    """A registration or join address below site_url that names no page or file is reported at
    the event (the build would only find it in the built emails), by the links' rule: pages,
    drafts and files are told apart; the start page, index.html, a percent-escaped address and
    dot segments are pages as a browser finds them; a Markdown file's own address is none (the
    site has its page elsewhere); an address in a sign-up written as text is read as the email's
    check reads it. Found by an attacker's trial: check passed what the build then refused."""
    if not directory_urls:
        config = project / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8") + "use_directory_urls: false\n", encoding="utf-8")
    page = "anmeldung/" if directory_urls else "anmeldung.html"
    write("anmeldung.md", "# Anmeldung\n")
    write("media/programm.pdf", b"%PDF-1.4\n")
    write(
        "newsletter/2026-03.md", '---\ntitle: Entwurf\nnumber: "03.2026"\ndate: 2026-07-01\ndraft: true\n---\n\nText.\n'
    )
    good = [
        f"https://test.example.org/{page}#formular", "https://test.example.org/media/programm.pdf",
        "https://test.example.org/", "https://test.example.org/index.html",
        f"https://test.example.org/%61nmeldung{'/' if directory_urls else '.html'}",
        f"https://test.example.org/prozess/%2E%2E/{page}",
    ] + (["https://test.example.org/anmeldung/index.html"] if directory_urls else [])  # fmt: skip
    bad = [
        "https://test.example.org/anmeldnug/", "https://test.example.org/newsletter/2026-03/",
        "https://test.example.org/anmeldung.md", "https://test.example.org/media/fehlt.pdf",
        "Anmeldung bis 1.9. unter https://test.example.org/gibtsnicht/.",
    ]  # fmt: skip
    events = "".join(
        f"  - title: Termin {n}\n    start: 2026-07-{10 + n} 10:00\n    location: Schwaan\n    registration: {value}\n"
        for n, value in enumerate(good + bad)
    )
    write("newsletter/2026-02.md", f'---\ntitle: Adressen\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n{events}---\n\nText.\n')
    found = [m for m in messages(project) if "newsletter/2026-02.md" in m]
    first = 6 + 4 * len(good)  # the line of the first bad event's "- title:"
    suggestion = f"https://test.example.org/{page}"
    assert found == [
        f"content/newsletter/2026-02.md:{first}: error: event 2026-07-{10 + len(good)}-termin-{len(good)}: registration: "
        f'link https://test.example.org/anmeldnug/: the site has no page at this address (did you mean "{suggestion}"?)',
        f"content/newsletter/2026-02.md:{first + 4}: error: event 2026-07-{11 + len(good)}-termin-{len(good) + 1}: "
        "registration: link https://test.example.org/newsletter/2026-03/: the site has no page at this address",
        f"content/newsletter/2026-02.md:{first + 8}: error: event 2026-07-{12 + len(good)}-termin-{len(good) + 2}: "
        "registration: link https://test.example.org/anmeldung.md: the site has no file anmeldung.md: a page's address "
        f'ends in / (or .html) (did you mean "{suggestion}"?)',
        f"content/newsletter/2026-02.md:{first + 12}: error: event 2026-07-{13 + len(good)}-termin-{len(good) + 3}: "
        "registration: link https://test.example.org/media/fehlt.pdf: file not found: content/media/fehlt.pdf",
        f"content/newsletter/2026-02.md:{first + 16}: error: event 2026-07-{14 + len(good)}-termin-{len(good) + 4}: "
        "registration: link https://test.example.org/gibtsnicht/: the site has no page at this address",
    ]


def test_bad_characters_are_the_control_characters_line_breaks_and_bidi_controls() -> None:
    """Every code point: Unicode's category Cc, the line and paragraph separators and NEL, and the
    bidirectional controls are refused; in a multi-line value, line feed and tab are allowed."""
    import unicodedata

    from generator.content.fields import BIDI_CONTROLS, bad_characters

    separators = {"\u2028", "\u2029", "\u0085"}
    for code in range(0x110000):
        ch = chr(code)
        refused = unicodedata.category(ch) == "Cc" or ch in separators or ch in BIDI_CONTROLS
        assert bad_characters(f"a{ch}b", single_line=True) is refused, hex(code)
        assert bad_characters(f"a{ch}b", single_line=False) is (refused and ch not in "\n\t"), hex(code)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a colon in a list item's value is no indentation slip
        (
            "title: X\nevents:\n  - title: Workshop: Kommunale Sicht\n    start: 2026-01-01\n",
            'f.md:4: error: YAML: line 4: a value containing ": " must be put in quotes: '
            '- title: "Workshop: Kommunale Sicht"',
        ),
        # after comment lines only: no sentence with an empty list of columns
        (
            "# a\n# b\nsite_name: Kreisentwicklung Vechta: Beteiligung\n",
            'f.md:4: error: YAML: line 4: a value containing ": " must be put in quotes: '
            'site_name: "Kreisentwicklung Vechta: Beteiligung"',
        ),
        (
            'title: "Workshop "Kommunale Sicht" startet"\nnumber: "1"\n',
            "f.md:2: error: YAML: line 2: the value begins with a quotation mark and holds another one, or does not "
            "close it; inside \"...\" write „...“ or '...', or put the whole value in single quotes",
        ),
        (
            'title: "Workshop: erste Schritte\nnumber: "1"\ndate: 2026-01-01\n',
            "f.md:2: error: YAML: line 2: the value begins with a quotation mark and holds another one, or does not "
            "close it; inside \"...\" write „...“ or '...', or put the whole value in single quotes",
        ),
    ],
)
def test_yaml_slips_are_explained_where_they_are(text: str, expected: str) -> None:
    from generator.content.yamlnodes import parse_yaml
    from generator.diagnostics import Diagnostics

    diag = Diagnostics()
    assert parse_yaml(text, diag, "f.md", line_offset=1) is None
    assert [str(p) for p in diag.problems] == [expected]


def test_a_correctly_quoted_value_with_quotes_inside_is_read() -> None:
    from generator.content.yamlnodes import YMap, YScalar, parse_yaml
    from generator.diagnostics import Diagnostics

    diag = Diagnostics()
    node = parse_yaml('title: "Er sagte \\"hallo\\""\nsummary: \'„Zukunft“: wir\'\n', diag, "f.md")
    assert diag.problems == [] and isinstance(node, YMap)
    title = node.entries["title"][1]
    assert isinstance(title, YScalar) and title.text == 'Er sagte "hallo"'


def test_the_front_matter_of_other_pages_reaches_the_site_escaped(project: Path, write: Callable[..., Path]) -> None:
    """Material prints a page's front matter unescaped (title, description, status, subtitle: in
    <title>, <meta> and the navigation of every page). Found by an attacker in kontakt.md."""
    write(
        "kontakt.md",
        "---\ntitle: 'Kontakt <b>fett</b> & mehr'\ndescription: 'x\"><script>alert(1)</script>'\n"
        "status: 'new\" onmouseover=\"alert(2)\" data-x=\"y'\nsubtitle: '<b>Untertitel</b>'\n---\n\n# Kontakt\n",
    )
    built = run_cli("build", "--project", str(project))
    assert built.returncode == 0, built.stderr
    for page in (project / "site" / "index.html", project / "site" / "kontakt" / "index.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html and 'onmouseover="alert(2)"' not in html, page
        assert "<b>fett</b>" not in html and "<b>Untertitel</b>" not in html, page
    contact = (project / "site" / "kontakt" / "index.html").read_text(encoding="utf-8")
    assert "<title>Kontakt &lt;b&gt;fett&lt;/b&gt; &amp; mehr" in contact


def test_what_every_page_loads_comes_from_the_site(project: Path) -> None:
    """Scripts, stylesheets, the favicon and the logo named in mkdocs.yml from another host would
    be a request to it from every reader (found by an attacker); files of the project are fine."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + "extra_javascript:\n  - https://evil.example/x.js\n  - media/eigen.js\n"
        "extra_css:\n  - path: //evil.example/x.css\n",
        encoding="utf-8",
    )
    found = messages(project)
    assert any("mkdocs.yml" in m and "extra_javascript: https://evil.example/x.js: the site loads nothing" in m for m in found), found
    assert any("extra_css: //evil.example/x.css: the site loads nothing" in m for m in found), found
    assert not any("eigen.js" in m for m in found), found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace("  font: false\n", ""), "mkdocs.yml:4: error: theme.font: expected false, found nothing"),
        (lambda t: t.replace("  font: false\n", "  font:\n    text: Roboto\n"), "mkdocs.yml:7: error: theme.font: expected false"),
        (lambda t: t.replace("theme:\n  name: material\n  language: de\n  font: false\n", "theme: material\n"),
         "mkdocs.yml:4: error: theme.font: expected false, found nothing"),
        (lambda t: t + "extra:\n  analytics:\n    provider: google\n    property: G-X\n",
         "error: extra.analytics: Material's analytics send every reader's visits"),
        (lambda t: t + "repo_url: https://github.com/kreis/prozess\n",
         'error: repo_url: "https://github.com/kreis/prozess": Material\'s header asks github.com'),
        (lambda t: t + "repo_url: https://git.gitlab.kreis.example/a/b\n", "asks git.gitlab.kreis.example for"),
        # Material's own patterns, which find a repository anywhere in the address (a privacy trial)
        (lambda t: t + "repo_url: https://example.org/?github.com/a/b\n", "asks github.com for"),
        (lambda t: t + "repo_url: https://example.org/evil.gitlab.example.com/a\n", "asks evil.gitlab.example.com for"),
        (lambda t: t + "repo_url: javascript:alert(1)\n", 'repo_url: expected a web address starting with https://, found "javascript'),
        (lambda t: t + "extra:\n  polyfills:\n    - media/eigen.js\n    - https://evil.example/p.js\n",
         "mkdocs.yml:19: error: extra.polyfills: https://evil.example/p.js: the site loads nothing"),
        (lambda t: t.replace("  name: material\n", "  name: readthedocs\n"), 'theme.name: expected material, found "readthedocs"'),
        (lambda t: t + "extra:\n  alternate:\n    - name: English\n      link: https://en.example.net/\n      lang: en\n",
         'extra.alternate: "https://en.example.net/": Material\'s script asks that host for its sitemap.xml'),
    ],
)  # fmt: skip
def test_a_setting_that_makes_every_page_ask_another_host_is_an_error(
    project: Path, change: Callable[[str], str], expected: str
) -> None:
    """Material loads its fonts from Google unless font: false (a missing line too), sends
    visits to analytics, and asks GitHub or GitLab for a repository's stars from each reader's
    browser: check passed all of them, and the site made those requests on every page."""
    config = project / "mkdocs.yml"
    config.write_text(change(config.read_text(encoding="utf-8")), encoding="utf-8")
    found = messages(project)
    assert any(expected in m for m in found), found


def test_a_mermaid_fence_is_an_error_at_the_texts_line(project: Path, write: Callable[..., Path]) -> None:
    """With superfences' mermaid fence configured, Python-Markdown writes <pre class="mermaid">,
    for which Material's script fetches mermaid.js from unpkg.com: the check of the HTML the
    text becomes finds it (the Markdown holds no tag)."""
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "markdown_extensions:\n  - pymdownx.superfences:\n      custom_fences:\n"
        "        - name: mermaid\n          class: mermaid\n"
        "          format: !!python/name:pymdownx.superfences.fence_code_format\n",
        encoding="utf-8",
    )
    write_body(write, "Ablauf:\n\n```mermaid\ngraph TD; A-->B\n```\n\n```python\nprint(1)\n```")
    result = run_cli("check", "--project", str(project))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("content/newsletter/2026-02.md:7: error: body: <pre class=\"mermaid\">")


def test_the_settings_of_an_inherited_file_are_checked_too(project: Path) -> None:
    """MkDocs merges the file INHERIT names under mkdocs.yml: analytics or a GitHub repo_url
    there reached every page while check read mkdocs.yml's own text only (a privacy trial).
    Reported at the INHERIT line, naming the setting; what mkdocs.yml sets itself wins."""
    config = project / "mkdocs.yml"
    (project / "basis.yml").write_text(
        "extra:\n  analytics:\n    provider: google\n    property: G-X\nrepo_url: https://github.com/a/b\n"
        "theme:\n  name: material\n  font:\n    text: Roboto\n",
        encoding="utf-8",
    )
    config.write_text("INHERIT: basis.yml\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    found = [m for m in messages(project) if m.startswith("mkdocs.yml")]
    assert any(m.startswith("mkdocs.yml:1: error: extra.analytics: ") for m in found), found
    assert any(m.startswith('mkdocs.yml:1: error: repo_url: "https://github.com/a/b"') for m in found), found
    assert not any("theme.font" in m for m in found), found  # font: false of mkdocs.yml wins


def test_a_stylesheet_of_the_project_is_read_for_what_it_loads(project: Path) -> None:
    """extra_css of the content folder is the project's own, but what it loads is loaded on every
    page: a font from Google imported there passed (a privacy trial, and the way fonts are often
    pasted); an @import of a file of the project is read by no check either."""
    media = project / "content" / "media"
    (media / "gut.css").write_text(".rb-brand { background: url(logo.png) }\n", encoding="utf-8")
    (media / "schrift.css").write_text(
        "/* Hausschrift */\n@import url('https://fonts.googleapis.com/css2?family=Roboto');\n", encoding="utf-8"
    )
    (media / "kette.css").write_text('@\\69mport "gut.css";\n', encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "extra_css:\n  - media/gut.css\n  - media/schrift.css\n  - media/kette.css\n",
        encoding="utf-8",
    )
    found = [m for m in messages(project) if "extra_css" in m]
    assert len(found) == 2, found
    assert found[0].startswith("mkdocs.yml:18: error: extra_css: media/schrift.css: https://fonts.googleapis.com"), found
    assert found[1].startswith("mkdocs.yml:19: error: extra_css: media/kette.css: @import: "), found


def test_a_repository_elsewhere_and_the_own_fonts_pass(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "repo_url: https://codeberg.org/kreis/prozess\n", encoding="utf-8")
    assert not any("repo_url" in m or "theme.font" in m for m in messages(project))


def test_markdown_in_a_plain_text_field_is_a_warning_at_its_line(project: Path, write: Callable[..., Path]) -> None:
    """A title, summary, caption or credit is shown as written: bold, a link or code written
    there would show its marks on the site and in the email. German's gender star and a lone
    star or bracket are no Markdown mark; the body and an event's description are converted."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: "**Neu**: Termine"\nnumber: "02.2026"\ndate: 2026-06-30\n'
        "summary: Alle Bürger*innen sind eingeladen, siehe [Kontakt](../kontakt.md)\n"
        "cover:\n  src: ../media/foto.jpg\n  alt: Gruppe am Tisch\n  credit: Foto `Amt`\n"
        "  caption: Die *Gruppe* [2026] am Tisch\n"
        "events:\n  - title: Werkstatt **jetzt**\n    start: 2026-09-10 10:00\n    location: Schwaan\n"
        "    description: Mit **Imbiss**\n"
        "---\n\nText mit **fett**.\n",
    )
    found = [m for m in messages(project) if "is shown as written" in m]
    rest = "is shown as written: this field is plain text; Markdown (**bold**, [links](...), `code`) is converted only in the body, quotes and event descriptions"
    assert found == [
        f'content/newsletter/2026-02.md:2: warning: title: "**Neu**" {rest}',
        f'content/newsletter/2026-02.md:5: warning: summary: "[Kontakt](../kontakt.md)" {rest}',
        f'content/newsletter/2026-02.md:9: warning: cover.credit: "`Amt`" {rest}',
        f'content/newsletter/2026-02.md:12: warning: events[1].title: "**jetzt**" {rest}',
    ]


@pytest.mark.parametrize(
    ("title", "mark"),
    [
        ("__Wichtig__: Termine", "__Wichtig__"), ("Ein _Auftakt_", "_Auftakt_"), ("~~Abgesagt~~ Auftakt", "~~Abgesagt~~"),
        ('Siehe [Info](https://example.org "Titel")', '[Info](https://example.org \\"Titel\\")'),
        ("Siehe [Info][ref]", "[Info][ref]"), ("Siehe <https://example.org>", "<https://example.org>"),
        ("Das <b>Programm</b>", "<b>"), ("# Auftakt", "# Auftakt"),
    ],
)  # fmt: skip
def test_other_markdown_marks_in_a_title_are_warned_about(
    project: Path, write: Callable[..., Path], title: str, mark: str
) -> None:
    """Found by an editor's trial: underscores, struck text, links with a title or by reference,
    autolinks, inline HTML and a heading's # show as written too."""
    write("newsletter/2026-02.md", f"---\ntitle: '{title}'\nnumber: \"02.2026\"\ndate: 2026-06-30\n---\n\nText.\n")
    found = [m for m in messages(project) if "is shown as written" in m]
    assert len(found) == 1 and found[0].startswith(f'content/newsletter/2026-02.md:2: warning: title: "{mark}" is'), found


@pytest.mark.parametrize(
    "title",
    [
        "Bürger*innen und Einwohner*innen", "2**10 Möglichkeiten und 3**4", "x**2 + y**2", "5 € * 2", "C++ und C#",
        "(a*b)*(c*d)", "** nicht fett **", "datei_name_mit_strichen", "Kinder <3 Jahre", "#1 der Liste",
        "Ausgabe [2026] (Herbst)",
        # from a trial: a comparison, letters in angle brackets, a citation, paths
        "Wenn a<b und c>d gilt", "Gruppe <A> und Gruppe <B>", "Studie[1][2] zur Pflege", "C:\\Daten\\__init__",
        "/daten/_archiv_/",
    ],
)  # fmt: skip
def test_ordinary_text_in_a_title_is_no_markdown_mark(project: Path, write: Callable[..., Path], title: str) -> None:
    """Stars in words and formulas, brackets, a lone # or <: no warning."""
    write("newsletter/2026-02.md", f"---\ntitle: '{title}'\nnumber: \"02.2026\"\ndate: 2026-06-30\n---\n\nText.\n")
    assert [m for m in messages(project) if "is shown as written" in m] == []


def test_the_search_for_marks_reads_each_character_a_bounded_number_of_times() -> None:
    """From a trial: a title of 40,000 "[" took 5 s to check, 80,000 took 18 s (each "[" read to
    the text's end). No part of the search reads past the next mark of its kind now."""
    from generator.content.fields import _MARKDOWN_MARKS

    for hostile in ("[" * 40_000, "<http://" * 12_000, "[a" * 20_000, "<b " * 20_000, "** x" * 20_000):
        assert _MARKDOWN_MARKS.search(hostile) is None


def test_a_sign_up_written_as_text_is_plain_text_too(project: Path, write: Callable[..., Path]) -> None:
    """An event's registration (an address or a sentence) is shown as written, like a title."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - title: Werkstatt\n'
        "    start: 2026-09-10 10:00\n    location: Schwaan\n"
        "    registration: Anmeldung über [das Formular](https://example.org/a_b_c)\n"
        "  - title: Forum\n    start: 2026-09-11 10:00\n    location: Schwaan\n"
        "    registration: Anmeldung unter https://www.example.org/form?id=__x__&a=**1**#__anmeldung__\n"
        "---\n\nText.\n",
    )  # the second: marks inside an address are part of it
    found = [m for m in messages(project) if "is shown as written" in m]
    assert len(found) == 1 and found[0].startswith(
        'content/newsletter/2026-02.md:9: warning: events[1].registration: "[das Formular](https://example.org/a_b_c)"'
    ), found


def test_a_mark_in_a_caption_block_is_reported_at_its_own_line(project: Path, write: Callable[..., Path]) -> None:
    """A caption written as a block (|): the warning names the line the mark is on."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\ncover:\n  src: ../media/foto.jpg\n'
        "  alt: Gruppe am Tisch\n  credit: Amt\n  caption: |\n    Erste Zeile ohne Marke\n"
        "    zweite Zeile mit **fett**\n---\n\nText.\n",
    )
    found = [m for m in messages(project) if "is shown as written" in m]
    assert len(found) == 1 and found[0].startswith('content/newsletter/2026-02.md:11: warning: cover.caption: "**fett**"')


@pytest.mark.parametrize(
    ("caption", "line"),
    [
        # folded: the lines joined by blanks; the mark on the third line of the value
        (">\n    Erste Zeile ohne Marke\n    zweite Zeile\n    dritte mit **fett** am Ende\n", 12),
        # a mark whose words are folded across two lines: the line it begins on
        (">-\n    Erste Zeile\n    zweite mit **fett\n    gedruckt** hier\n", 11),
        # the mark's first word stands earlier too, outside a mark: its own occurrence counts
        (">\n    Ein x**fett Wort\n    und **fett**\n", 11),
        # quoted over several lines, and plain over several lines
        ('"Erste Zeile\n    zweite mit `Code`\n    dritte"\n', 10),
        ("Erste Zeile\n    zweite Zeile\n    dritte mit [Link](a.md)\n", 11),
        # an escape in quotes: the mark is not there as written, so the value's first line
        ('"Erste Zeile\n    zweite mit \\x2A\\x2Afett**"\n', 9),
        # a literal block, after blank lines
        ("|\n    Erste\n\n    dritte mit **fett**\n", 12),
    ],
)  # fmt: skip
def test_a_mark_in_a_caption_over_several_lines_is_reported_at_its_own_line(
    project: Path, write: Callable[..., Path], caption: str, line: int
) -> None:
    """From last round's notes: a folded (>) or quoted caption over several lines had its warning at
    the value's first line; the mark's first word is found in the lines as written."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\ncover:\n  src: ../media/foto.jpg\n'
        f"  alt: Gruppe am Tisch\n  credit: Amt\n  caption: {caption}---\n\nText.\n",
    )
    found = [m for m in messages(project) if "is shown as written" in m]
    assert len(found) == 1 and found[0].startswith(f"content/newsletter/2026-02.md:{line}: warning: cover.caption:"), found


@pytest.mark.parametrize(
    ("description", "line"),
    [
        # folded: a paragraph's lines joined by blanks, a blank line a line break
        (">\n      Erste Zeile\n      zweite Zeile.\n\n      Neuer Absatz mit [Link](fehlt.md).\n", 13),
        # folded, a more indented line kept on its own, the indicator with a comment
        (">-  # Beschreibung\n      Erste\n\n        eingerückt\n      [Link](fehlt.md) danach\n", 13),
        # quoted and plain over several lines
        ('"Erste Zeile\n      zweite\n\n      dritte mit [Link](fehlt.md)"\n', 12),
        ("Erste Zeile\n      zweite\n\n      [Link](fehlt.md) hier\n", 12),
        # folded, the paragraph's second line: the line the paragraph (the text's line) begins on
        (">\n      Erste Zeile\n\n      Absatz\n      mit [Link](fehlt.md)\n", 12),
        # escapes in quotes (a trial): the text is not the written characters, its lines' first
        # words are looked for in order; "\n" escapes on one line: that line
        ("'So geht''s los.\n\n      Zweiter Absatz\n      mit [Link](fehlt.md).'\n", 11),
        ('"Ein langer \\\n      Satz.\n\n      Zweiter [Link](fehlt.md)."\n', 12),
        ('"Eins.\\n\\nZwei [Link](fehlt.md)."\n', 9),
        # literal blocks: the lines as written, after a blank first line too (the text is stripped)
        ("|\n      Erste\n\n      dritte mit [Link](fehlt.md)\n", 12),
        ("|\n\n      [Link](fehlt.md)\n", 11),
    ],
)  # fmt: skip
def test_a_problem_in_a_markdown_field_over_several_lines_is_reported_at_its_line(
    project: Path, write: Callable[..., Path], description: str, line: int
) -> None:
    """From last round's notes: a Markdown field written folded (``description: >``), quoted or
    plain over several lines had its problems at the text's line counted from the value's first,
    lines above where they are (the folding joins a paragraph's lines); the text's lines are
    found in the lines as written. In a statement's quote too, by `check` and `build`."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - title: Treffen\n'
        f"    start: 2026-07-01 18:00\n    location: Saal\n    description: {description}"
        "statements:\n  - name: Erika Muster\n    quote: " + description + "---\n\nText.\n",
    )
    quote_line = line + description.count("\n") + 2  # the quote's key, two lines below the description's end
    expected = [
        f"content/newsletter/2026-02.md:{line}: error: events[1].description: ",
        f"content/newsletter/2026-02.md:{quote_line}: error: statements[1].quote: ",
    ]
    found = [m for m in messages(project) if "fehlt.md" in m]
    assert len(found) == 2 and all(m.startswith(e) for m, e in zip(found, expected, strict=True)), found
    done = run_cli("build", "--project", str(project))
    assert done.returncode == 1 and all(e in done.stderr for e in expected), done.stderr


@pytest.mark.parametrize(
    ("description", "line"),
    [
        # a single blank line: a line break of the text, the paragraphs run together
        (">\n      Erster Absatz.\n\n      Zweiter Absatz.\n", 11),
        ("Erster Absatz.\n\n      Zweiter Absatz.\n", 10),
        ('"Treffpunkt: Rathaus.\n\n      Bitte anmelden."\n', 10),  # quoted: editors quote a colon
        # a list after a single blank line is none: the text has no blank line before it
        (">\n      Wir bieten:\n\n      - Führungen\n      - Gespräche\n", 11),
        # two blank lines are a paragraph's break; a more indented list keeps its lines; a
        # literal block keeps everything; an escape in quotes: the text differs from the lines
        (">\n      Erster Absatz.\n\n\n      Zweiter Absatz.\n", None),
        (">\n      Wir bieten:\n\n        - Führungen\n        - Gespräche\n", None),
        ("|\n      Erster Absatz.\n\n      - Führungen\n", None),
        ("'So geht''s.\n\n      Weiter.'\n", None),
        # a trial: a date or a dash that begins a folded line is no list (a list needs a blank line
        # before it, in | too); a heading or a quote begins without a blank line
        (">\n      Wir treffen uns am\n      1. Mai im Park,\n      - bei gutem Wetter - draußen.\n", None),
        (">\n      Vorher.\n\n      ## Ablauf\n\n      > Zitat\n", None),
        # a heading or a table's row on its own line runs into the line before (in | it is one);
        # "#zukunft" with no blank after it, or a ">" in a sentence, begins nothing the warning names
        (">\n      Ablauf:\n      ## Teil eins\n", 11),
        (">\n      | Tag | Zeit |\n      |-----|------|\n      | Mo | 10 Uhr |\n", 11),
        (">\n      Wir nutzen\n      #zukunft und\n      > 10 Orte.\n", None),
    ],
)  # fmt: skip
def test_a_folded_markdown_field_that_loses_its_paragraphs_is_warned_about(
    project: Path, write: Callable[..., Path], description: str, line: int | None
) -> None:
    """From an editor's trial: two paragraphs written `description: >` (or plain or quoted over
    several lines) with a blank line between them became one, and a list after a blank line ran
    into one line, as a heading or a table does; nothing said so. A warning at the line says to
    write `|`."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - title: Treffen\n'
        f"    start: 2026-07-01 18:00\n    location: Saal\n    description: {description}---\n\nText.\n",
    )
    found = [m for m in messages(project) if "YAML joins the lines" in m]
    if line is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(
            f"content/newsletter/2026-02.md:{line}: warning: events[1].description: written with > or over several "
            "lines without |, YAML joins the lines"
        ), found


@pytest.mark.parametrize(
    "opening", ["<b>", "<i>a ", "<kbd>a ", "<span>", "<li>x<ul>", "<ul><li>", "<table><tr><td>", "<span/>"]
)
def test_elements_opened_again_and_again_are_an_error_at_their_line(
    project: Path, write: Callable[..., Path], opening: str
) -> None:
    """Found by a trial: a body of "<b>" written 15,000 times passed check, and the build died
    with a segmentation fault in css-inline (its stack overflowed), `serve` with it; Material's
    search took seconds per thousand. More than MAX_HTML_DEPTH open elements is an error at the
    line where the limit is crossed (not an earlier line with the same tag), in check and build;
    nothing is written. "<span/>" opens a span, as a browser and css-inline read it. A formatting
    element (<b>, <i>) is closed at the end, as often as it is opened: one left open is an error of
    its own, at its line, and the check of the depth then waits for it to be closed."""
    from generator.content.bodyrefs import FORMATTING_ELEMENTS, MAX_HTML_DEPTH

    name = opening[1:].split(">")[0]
    closing = f"</{name}>" * (MAX_HTML_DEPTH + 21) if name in FORMATTING_ELEMENTS else ""
    write_body(write, f"Vorher {opening}x.\n\nText " + opening * (MAX_HTML_DEPTH + 20) + closing + "\n")
    expected = (
        f"content/newsletter/2026-02.md:9: error: body: elements are nested more than {MAX_HTML_DEPTH} deep here"
    )
    for command in ("check", "build"):
        done = run_cli(command, "--project", str(project))
        assert done.returncode == 1 and expected in done.stderr, done.stderr
    assert not (project / "site").exists()


def test_deep_but_closed_or_sibling_elements_are_no_error(project: Path, write: Callable[..., Path]) -> None:
    """Lists nested as deep as Markdown allows, and thousands of closed or sibling elements
    (paragraphs, list items, table rows and cells, definitions, options a browser closes by the
    next one) nest no deeper."""
    nested = "".join("    " * level + "- Punkt\n" for level in range(100))
    siblings = (
        "<table>" + "<tr><td>a<td>b" * 500 + "</table>\n\n<table><tbody>" + "<tr><th>a<td>b" * 500 + "</table>\n\n"
        "<ul>" + "<li>x" * 500 + "</ul>\n\n<div>" + "<p>x" * 500 + "</div>\n\n<dl>" + "<dt>a<dd>b" * 500 + "</dl>\n\n"
        "<select>" + "<option>a" * 500 + "</select>\n\n<p>" + "a<br>" * 500 + "<BR/>" * 500 + "</p>\n"
    )  # as browsers allow them written, without end tags
    write_body(write, nested + "\n" + "<b>fett</b> " * 2000 + "\n\n" + siblings)
    assert [m for m in messages(project) if "nested" in m] == []


def test_check_reads_the_sites_addresses_as_the_build_reads_the_emails(project: Path, write: Callable[..., Path]) -> None:
    """From a trial: check passed what the build then refused (the host in capitals, http, an
    autolink, an address in a sentence), and refused an address in German quotes that the build
    refused too. Now both read an address of the site by one rule (linkcheck.site_relative) and
    every address written out in an issue's text, as the email's text part shows it."""
    write("kontakt.md", "# Kontakt\n")
    good = (
        "[a](https://TEST.example.org/kontakt/) [b](http://test.example.org/kontakt/) "
        "<https://test.example.org/kontakt/> und „https://test.example.org/kontakt/“ oder https://test.example.org/sitemap.xml."
    )
    good += (
        " `https://test.example.org/kontakt/` *https://test.example.org/kontakt/* "
        "**https://test.example.org/kontakt/**, https://test.example.org/kontakt/&nbsp;bitte."
    )
    bad = [
        "[c](https://TEST.example.org/fehlt-1/)", "[d](http://test.example.org/fehlt-2/)",
        "<https://test.example.org/fehlt-3/>", "Siehe https://test.example.org/fehlt-4/, bitte.",
        "Oder HTTPS://test.example.org/fehlt-5/", "Als Zeichen https&#58;//test.example.org/fehlt-6/ geschrieben",
        "Mit Port https://user@test.example.org.:443/fehlt-7/",
    ]  # fmt: skip
    write_body(write, good + "\n\n" + "\n\n".join(bad))
    done = run_cli("check", "--project", str(project))
    found = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert found == [
        f"content/newsletter/2026-02.md:{9 + 2 * n}: error: body: link {address}: the site has no page at this address"
        for n, address in enumerate([
            "https://TEST.example.org/fehlt-1/", "http://test.example.org/fehlt-2/", "https://test.example.org/fehlt-3/",
            "https://test.example.org/fehlt-4/", "HTTPS://test.example.org/fehlt-5/",
            "https://test.example.org/fehlt-6/", "https://user@test.example.org.:443/fehlt-7/",
        ])
    ], done.stderr  # fmt: skip
    write_body(write, good)
    built = run_cli("build", "--project", str(project))
    assert built.returncode == 0, built.stderr


def test_what_a_hurried_editor_writes_is_warned_about_where_it_is(project: Path, write: Callable[..., Path]) -> None:
    """From an editor's trial, each passed `check` without a word: an issue saved in content/ (or
    content/Newsletter/) was published as a plain page without its number, events and statements;
    "&nbsp;" and "&ndash;" in a title were shown as these letters; a person id "Stephan Meyer"
    worked, and a misspelt reference was then suggested with its space; a quote pasted with its
    quotation marks was shown in two pairs."""
    issue = '---\ntitle: "Rückblick"\nnumber: "04.2022"\ndate: 2022-10-01\nevents:\n  - title: Konferenz\n'
    write("2022-04.md", issue + "    start: 2022-09-30\n    location: Heidetreff\n---\n\nText.\n")
    write("Newsletter/2022-05.md", issue.replace("04.2022", "05.2022") + "---\n\nText.\n")
    write("newsletter/2026-02.md", '---\ntitle: Treffen&nbsp;2022\nnumber: "02.2026"\ndate: 2026-06-30\n'
          "summary: Fotos &amp; Stimmen &ndash; alles\n---\n\nText.\n")  # fmt: skip
    people = (project / "content" / "people.yml").read_text(encoding="utf-8")
    write("people.yml", people + "Stephan Meyer:\n  name: Stephan Meyer\n")
    write("newsletter/2026-03.md", '---\ntitle: Stimmen\nnumber: "03.2026"\ndate: 2026-07-30\nstatements:\n'
          "  - name: Erika Muster\n    quote: “Beteiligung gelingt, wenn alle gefragt werden.”\n---\n\nText.\n")  # fmt: skip
    found = messages(project)
    page = "this page's header has fields of an issue (number, events): an issue belongs in content/newsletter/"
    expected = [
        f"content/2022-04.md:3: warning: {page}",
        f"content/Newsletter/2022-05.md:3: warning: {page}",
        'content/newsletter/2026-02.md:2: warning: title: "&nbsp;" is shown as written: this field is plain text; '
        "write the character itself instead of its HTML code",
        'content/newsletter/2026-02.md:5: warning: summary: "&amp;" is shown as written',
        'warning: person id "Stephan Meyer": write ids in small letters, digits and hyphens, such as '
        '"stephan-meyer", and use that id in the issues',
        "content/newsletter/2026-03.md:7: warning: statements[1].quote: the site and the email put a quote in "
        "quotation marks themselves; remove the ones around it",
    ]
    for text in expected:
        assert any(text in message for message in found), (text, found)


def test_a_value_in_typographic_quotes_is_suggested_in_straight_ones_without_them(
    project: Path, write: Callable[..., Path]
) -> None:
    """From an editor's trial: a title pasted with its word processor's quotes and a colon in it was
    to be written `title: "“Rückblick: Nordost”"`, which put the curly quotes into the title, the
    subject and the archive; the suggestion leaves them out."""
    write("newsletter/2026-02.md", '---\ntitle: “Rückblick: Nordost”\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\nText.\n')
    found = [m for m in messages(project) if "must be put in quotes" in m]
    assert len(found) == 1 and found[0].endswith('must be put in quotes: title: "Rückblick: Nordost"'), found


def test_the_email_of_an_issue_with_errors_says_so(project: Path, write: Callable[..., Path]) -> None:
    """From an editor's trial: `rundbrief email 2026-02` of an issue with a YAML error said there
    was no such issue, its file in plain sight."""
    write("newsletter/2026-02.md", '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\n  summary: x\n---\n\nText.\n')
    done = run_cli("email", "2026-02", "--project", str(project))
    assert done.returncode == 1
    assert "content/newsletter/2026-02.md has errors (above); correct them" in done.stderr, done.stderr
    assert "no issue" not in done.stderr


def test_formatting_pasted_from_a_word_processor_is_warned_about_once(project: Path, write: Callable[..., Path]) -> None:
    """From an editor's trial: `<span style="font-family:Calibri">`, `<font color>` pasted from Word
    or an old CMS passed `check`; the site showed it (small, dark blue, a fallback font), the email
    dropped it. One warning per text, at the first; a table's column alignment (Markdown's own
    style) and a centred paragraph are not a word processor's."""
    write_body(
        write,
        "| Tag | Zeit |\n|:----|-----:|\n| Mo | 10 |\n\n<p style=\"text-align: center\">Mitte</p>\n\n"
        '<p class="MsoNormal"><span style="font-family:Calibri;font-size:11pt">Aus Word</span></p>\n\n'
        '<font color="#1F3864">Blau</font>\n',
    )
    for command in ("check", "build"):
        done = run_cli(command, "--project", str(project))
        found = [line for line in done.stderr.splitlines() if "formatting from a word processor" in line]
        assert len(found) == 1 and found[0].startswith(
            'content/newsletter/2026-02.md:13: warning: body: <p class="MsoNormal">: formatting from a word processor'
        ), done.stderr
    write_body(write, "| Tag | Zeit |\n|:----|-----:|\n| Mo | 10 |\n\n<p style=\"text-align: center\">Mitte</p>\n")
    done = run_cli("check", "--project", str(project))
    assert "formatting from a word processor" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("written", "field", "example"),
    [
        ("30.6.22", "date", "30.06.2022"),
        ("28. Oktober 2026", "date", "28.10.2026"),
        ("7.10.26 15 Uhr", "start", "07.10.2026 15:00"),
        ("28. Okt. 2026, 18:30", "start", "28.10.2026 18:30"),
    ],
)
def test_a_date_written_the_german_way_gets_it_written_as_read(
    project: Path, write: Callable[..., Path], written: str, field: str, example: str
) -> None:
    """From an editor's trial: "30.6.22" or "28. Oktober 2022" got the expected format, but no
    ready correction; the message now gives the date as it is read."""
    head = f'---\ntitle: Test\nnumber: "02.2026"\ndate: {written if field == "date" else "2026-06-30"}\n'
    if field == "start":
        head += f"events:\n  - title: Treffen\n    start: {written}\n    location: Saal\n"
    write("newsletter/2026-02.md", head + "---\n\nText.\n")
    found = [m for m in messages(project) if f'write it as "{example}"' in m]
    assert len(found) == 1, messages(project)


def test_a_list_under_a_line_of_text_and_a_pasted_table_are_warned_about_at_their_lines(
    project: Path, write: Callable[..., Path]
) -> None:
    """From editors' trials: a list or a table right under a line of text, a table pasted from a
    spreadsheet (its columns separated by tabs) and a list pasted from Word (its bullets as
    characters) each ran into one paragraph, on the site and in the email, without a word from
    check; so did a list in a quote, one indented by a space and one counting from 3."""
    cases = [  # (text, the line of the warning in it or None, what it says)
        ("Programm:\n- 10 Uhr Begrüßung\n- 11 Uhr Werkstatt", 2, "list"),
        ("Ablauf:\n1. Ankommen\n2. Arbeiten", 2, "list"),
        ("Ab Platz 3:\n3. Schule\n4. Wohnen", 2, "list"),
        ("Programm:\n - 10 Uhr Begrüßung\n - 11 Uhr Werkstatt", 2, "list"),
        ("> Programm:\n> - 10 Uhr Begrüßung\n> - 11 Uhr Werkstatt", 2, "list"),
        ("Programm:\n| Zeit | Programm |\n| --- | --- |\n| 10:00 | Begrüßung |", 2, "table"),
        ("Tag\tOrt\tZeit\nMontag\tSchwaan\t18 Uhr", 1, "tabs"),
        ("• Stifte\n• Papier", 1, "bullets"),
        ('!!! note "Bitte mitbringen"\n    Für die Werkstatt:\n    - Stift\n    - Papier', 3, "list"),
        ('!!! note "Bitte mitbringen"\n\n    Für die Werkstatt:\n    - Stift\n    - Papier', 4, "list"),
        ("- Werkstatt\n\n    Mitbringen:\n    - Stift\n    - Papier", 4, "list"),  # a list item's paragraph
        # what is fine as it is
        ("Ein Satz, der mit einem Strich\n- wie hier - umbricht.", None, ""),
        ("Wir treffen uns am\n30. Juni und am\n1. Juli.", None, ""),
        ("Programm:\n1) Begrüßung\n2) Werkstatt", None, ""),  # "1)" is no list anywhere: the advice would not help
        ("- eins\n- zwei", None, ""),
        ("Programm:\n\n-\t10 Uhr Begrüßung\n-\t11 Uhr Werkstatt", None, ""),  # Word's tab after the mark
        ("| Zeit\t| Programm\t|\n| ---\t| ---\t|\n| 10:00\t| Begrüßung\t|", None, ""),  # a table with tabs in it
        ("```\nText\n- a\n- b\nx\ty\nz\tw\n```", None, ""),
        ("    eingerückt\tals\n    Code\tgezeigt", None, ""),
        ("## Programm\n- a\n- b", None, ""),
        ('!!! note "Bitte mitbringen"\n    - Stift\n    - Papier', None, ""),
        ("Code:\n\n    Text\n    - a\n    - b", None, ""),  # indented after a paragraph: code, as written
    ]
    said = {
        "list": "a list right under a line of text, without a blank line between them",
        "table": "a table right under a line of text, without a blank line between them",
        "tabs": "lines whose columns are separated by tabs (a table copied from Excel or Word)",
        "bullets": "lines beginning with a bullet character (pasted from Word)",
    }
    for text, at, kind in cases:
        write_body(write, text)  # the text begins on line 7
        found = [m for m in messages(project) if "2026-02.md" in m]
        if at is None:
            assert found == [], (text, found)
        else:
            assert len(found) == 1 and found[0].startswith(f"content/newsletter/2026-02.md:{6 + at}: warning: body: "), (
                text, found,
            )  # fmt: skip
            assert said[kind] in found[0], (text, found)


def test_a_list_under_a_line_of_an_events_description_is_warned_about_at_its_line(
    project: Path, write: Callable[..., Path]
) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - title: Werkstatt\n'
        "    start: 2026-07-02\n    location: Schwaan\n    description: |\n      Mitbringen:\n"
        "      - Stifte\n      - Ideen\n---\n\nText.\n",
    )
    found = [m for m in messages(project) if "a list right under a line of text" in m]
    assert [m.split(": warning: ")[0] for m in found] == ["content/newsletter/2026-02.md:11"], found
    assert "events[1].description: a list right under" in found[0]


def test_a_list_that_yaml_folds_into_the_line_before_is_warned_about(project: Path, write: Callable[..., Path]) -> None:
    """From an editor's trial: a description written with > (or without a mark) over several lines,
    its list joined into one line by YAML, passed without a word."""
    for mark, first in ((" >", "Ablauf:"), ("", "Der Ablauf")):  # a plain one cannot end a line in a colon
        write(
            "newsletter/2026-02.md",
            '---\ntitle: Test\nnumber: "02.2026"\ndate: 2026-06-30\nevents:\n  - title: Werkstatt\n'
            f"    start: 2026-07-02\n    location: Schwaan\n    description:{mark}\n      {first}\n"
            "      - Begrüßung durch den Landrat\n      - Arbeitsgruppen\n---\n\nText.\n",
        )
        found = [m for m in messages(project) if "YAML joins the lines" in m]
        assert [m.split(": warning: ")[0] for m in found] == ["content/newsletter/2026-02.md:11"], (mark, found)
        assert "a list's item" in found[0]


def test_a_title_longer_than_an_inbox_shows_is_warned_about(project: Path, write: Callable[..., Path]) -> None:
    """From an editor's trial: a 200-character title made a 235-character subject, unwarned."""
    long_title = "Rückblick auf die Zukunftswerkstatt " * 4  # 144 characters
    write("newsletter/2026-02.md", f'---\ntitle: {long_title.strip()}\nnumber: "02.2026"\ndate: 2026-06-30\n---\n\nText.\n')
    write("newsletter/2026-03.md", f'---\ntitle: {"x" * 100}\nnumber: "03.2026"\ndate: 2026-07-30\n---\n\nText.\n')
    found = [m for m in messages(project) if "an inbox shows only about" in m]
    assert found == [
        "content/newsletter/2026-02.md:2: warning: title: 143 characters: an inbox shows only about the first 60 to "
        "80 characters of the email's subject (\"Newsletter\", the number and the title), and the page's heading "
        "runs over many lines; shorten it to at most 100 and put the rest into summary:"
    ], found
