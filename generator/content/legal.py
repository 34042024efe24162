"""The legal pages every public body's site must have, and whether they are still placeholders.

A German public body's site needs an Impressum (DDG § 5), a privacy notice (GDPR Art. 13)
and an accessibility statement (BITV 2.0 § 7). ``rundbrief init`` writes placeholders marked with
``placeholder: true`` in their front-matter. A placeholder must not go live: it is an error of
``check`` and ``build`` unless the editors allow placeholders explicitly (``allow_placeholders:
true`` in the plugin options, for a site that is not public yet) or the build is a preview
(``mkdocs serve``, ``rundbrief email``); then it is a reminder.

The mark must not be lost to a slip: on a legal page a key spelt nearly so (``Placeholder``,
``placeholer``) that says true counts as the mark (an error naming the spelling), one that says
anything else is warned about with "did you mean". Any other page (``kontakt.md``, a legal page
in a subfolder) marked so is held back the same way: a page marked as a placeholder is never
published, whatever its name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.content.fields import Context, Fields
from generator.content.frontmatter import read_text, split_front_matter
from generator.content.model import LegalPage
from generator.content.settings import PLUGIN_NAME
from generator.content.yamlnodes import YMap, YScalar, parse_yaml
from generator.diagnostics import UNKNOWN_FIELD, Diagnostics, Location, display_path
from generator.i18n import _

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
                Location(shown), _(
                    "legal page missing: every public site needs its %(label)s page",
                    label=label,
                ), reminder=True
            )
            continue
        found.append(LegalPage(name, label))
        line, key = _placeholder_mark(path, shown, ctx, quiet=False)
        spelt = f'{key}: read as "placeholder" (write it so); ' if key and key != MARK else ""
        if line and allow_placeholders:
            ctx.diag.warning(
                Location(shown, line),
                _(
                    "%(spelt)splaceholder: this legal page still has the placeholder text; replace it with "
                    "the publisher's text and remove the line placeholder: true",
                    spelt=spelt,
                ),
                reminder=True,
            )
        elif line:
            ctx.diag.error(
                Location(shown, line),
                _(
                    "%(spelt)splaceholder: this legal page still has the placeholder text, which must not "
                    "be published; replace it with the publisher's text and remove the line placeholder: "
                    "true (for a site that is not public yet, set allow_placeholders: true in the "
                    "%(plugin_name)s plugin's options)",
                    spelt=spelt,
                    plugin_name=PLUGIN_NAME,
                ),
            )
    return tuple(found)


MARK = "placeholder"
_TRUE_WORDS = {"true", "yes", "on", "1", "ja"}  # where the mark is not ours to check strictly, it is read loosely


def _near_mark(key: str) -> bool:
    """``key`` is the mark or a slip of it: another case, a letter missing or swapped."""
    folded = key.casefold()
    return folded == MARK or difflib.SequenceMatcher(None, folded, MARK).ratio() >= 0.8


def _placeholder_mark(path: Path, shown: str, ctx: Context, *, quiet: bool) -> tuple[int, str]:
    """(line, key) of the front-matter's ``placeholder: true`` or of a slip of it saying true,
    else (0, ""). ``quiet``: a page whose front-matter is MkDocs' business (its problems are not
    ours to report), else slips that do not say true are warned about."""
    diag = Diagnostics() if quiet else ctx.diag
    text = read_text(path, shown, diag)
    if text is None or not text.startswith("---"):
        return 0, ""
    front = split_front_matter(text, shown, diag)
    if front is None:
        return 0, ""
    root = parse_yaml(front.yaml_text, diag, shown, line_offset=front.yaml_line_offset)
    if not isinstance(root, YMap):
        return 0, ""
    for key, (key_line, node) in root.entries.items():
        if not _near_mark(key):
            continue  # an ordinary page may carry any MkDocs or Material metadata: only this key is ours
        exact = key == MARK
        only_ours = YMap({MARK: (key_line, node)}, root.line)
        reading = Diagnostics() if quiet or not exact else diag  # a slip's value is only looked at
        fields = Fields(Context(reading, shown, ctx.tz), only_ours, "", (MARK,))
        loose = (quiet or not exact) and isinstance(node, YScalar) and node.text.strip().casefold() in _TRUE_WORDS
        if fields.boolean(MARK, False) or loose:
            return fields.line_of(MARK), key
        if not exact and not quiet:
            diag.warning(Location(shown, key_line), _(
                '%(key)s: unknown field, ignored (did you mean "%(mark)s"?)',
                key=key,
                mark=MARK,
            ), kind=UNKNOWN_FIELD)
    return 0, ""


def check_other_pages(pages: Iterable[Path], context: Callable[[Path], Context], *, allow_placeholders: bool) -> None:
    """A page other than the three legal pages (``kontakt.md`` and the home page with the sample
    text of ``rundbrief init``, ``recht/impressum.md``) marked ``placeholder: true`` is held back as
    a legal page is: an error (a reminder where allowed)."""
    for path in pages:
        ctx = context(path)
        line, key = _placeholder_mark(path, ctx.path, ctx, quiet=True)
        if not line:
            continue
        if path.name in {name for name, _label in LEGAL_PAGES}:  # a legal page in a subfolder
            message = _(
                "%(key)s: this page is marked as a placeholder, which must not be published (only %(pages)s "
                "are looked for as legal pages); replace its placeholder text and remove the line %(key)s: true",
                key=key,
                pages=", ".join(f"content/{name}" for name, _label in LEGAL_PAGES),
            )
        elif allow_placeholders:  # the home, contact or process page of rundbrief init, or the editors' own
            message = _(
                "%(key)s: this page still has sample text (rundbrief init writes it so marked); replace it "
                "with your own and remove the line %(key)s: true",
                key=key,
            )
        else:
            message = _(
                "%(key)s: this page still has sample text (rundbrief init writes it so marked), which must not "
                "be published; replace it with your own and remove the line %(key)s: true",
                key=key,
            )
        if allow_placeholders:
            ctx.diag.warning(Location(ctx.path, line), message, reminder=True)
        else:
            ctx.diag.error(
                Location(ctx.path, line),
                _(
                    "%(message)s (for a site that is not public yet, set allow_placeholders: true in the "
                    "%(plugin_name)s plugin's options)",
                    message=message,
                    plugin_name=PLUGIN_NAME,
                ),
            )
