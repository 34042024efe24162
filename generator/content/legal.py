"""The legal pages every public body's site must have, and whether they are still placeholders.

A German public body's site needs an Impressum (DDG § 5), a privacy notice (GDPR Art. 13)
and an accessibility statement (BITV 2.0 § 7). ``rundbrief init`` writes placeholders marked with
``placeholder: true`` in their front-matter. A placeholder must not go live: it is an error of
``check`` and ``build`` unless the editors allow placeholders explicitly (``allow_placeholders:
true`` in the plugin options, for a site that is not public yet) or the build is a preview
(``mkdocs serve``, ``rundbrief email``); then it is a reminder.
"""

from __future__ import annotations

from pathlib import Path

from generator.content.fields import Context, Fields
from generator.content.frontmatter import read_text, split_front_matter
from generator.content.model import LegalPage
from generator.content.settings import PLUGIN_NAME
from generator.content.yamlnodes import YMap, parse_yaml
from generator.diagnostics import Location, display_path

LEGAL_PAGES = (
    ("impressum.md", "Impressum"),
    ("datenschutz.md", "Datenschutz"),
    ("barrierefreiheit.md", "Barrierefreiheit"),
)


def check_legal_pages(
    content: Path, root: Path, ctx: Context, *, allow_placeholders: bool = False
) -> tuple[LegalPage, ...]:
    """The legal pages that exist (for the footer); reminders for missing ones, errors for
    placeholders (reminders where ``allow_placeholders``)."""
    found = []
    for name, label in LEGAL_PAGES:
        path = content / name
        shown = display_path(path, root)
        if not path.is_file():
            ctx.diag.warning(
                Location(shown), f"legal page missing: every public site needs its {label} page", reminder=True
            )
            continue
        found.append(LegalPage(name, label))
        line = _placeholder_line(path, shown, ctx)
        if line and allow_placeholders:
            ctx.diag.warning(
                Location(shown, line),
                "placeholder: this legal page still has the placeholder text; replace it with the publisher's "
                "text and remove the line placeholder: true",
                reminder=True,
            )
        elif line:
            ctx.diag.error(
                Location(shown, line),
                "placeholder: this legal page still has the placeholder text, which must not be published; "
                "replace it with the publisher's text and remove the line placeholder: true (for a site that "
                f"is not public yet, set allow_placeholders: true in the {PLUGIN_NAME} plugin's options)",
            )
    return tuple(found)


def _placeholder_line(path: Path, shown: str, ctx: Context) -> int:
    """The line of ``placeholder: true`` in the page's front-matter, or 0."""
    text = read_text(path, shown, ctx.diag)
    if text is None or not text.startswith("---"):
        return 0
    front = split_front_matter(text, shown, ctx.diag)
    if front is None:
        return 0
    root = parse_yaml(front.yaml_text, ctx.diag, shown, line_offset=front.yaml_line_offset)
    if not isinstance(root, YMap) or "placeholder" not in root.entries:
        return 0
    # An ordinary page may carry any MkDocs or Material metadata: only this key is ours.
    only_ours = YMap({"placeholder": root.entries["placeholder"]}, root.line)
    fields = Fields(Context(ctx.diag, shown, ctx.tz), only_ours, "", ("placeholder",))
    return fields.line_of("placeholder") if fields.boolean("placeholder", False) else 0
