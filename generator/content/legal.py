"""The legal pages every public body's site must have, and whether they are still placeholders.

A German public body's site needs an Impressum (DDG § 5), a privacy notice (GDPR Art. 13)
and an accessibility statement (BITV 2.0 § 7). The example ships placeholders marked with
``placeholder: true`` in their front-matter; until an editor replaces them, check reminds.
"""

from __future__ import annotations

from pathlib import Path

from generator.content.fields import Context, Fields
from generator.content.frontmatter import read_text, split_front_matter
from generator.content.model import LegalPage
from generator.content.yamlnodes import YMap, parse_yaml
from generator.diagnostics import Location, display_path

LEGAL_PAGES = (
    ("impressum.md", "Impressum"),
    ("datenschutz.md", "Datenschutz"),
    ("barrierefreiheit.md", "Barrierefreiheit"),
)


def check_legal_pages(content: Path, root: Path, ctx: Context) -> tuple[LegalPage, ...]:
    """The legal pages that exist (for the footer); reminders for missing and placeholder ones."""
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
        if line:
            ctx.diag.warning(
                Location(shown, line),
                "placeholder: this legal page still has the placeholder text; replace it with the publisher's "
                "text and remove the line placeholder: true",
                reminder=True,
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
