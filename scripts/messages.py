"""The editors' messages into the catalog: ``make messages`` (docs/messages.md).

1. extracts every msgid from the code (``_()``, ``ngettext()``, ``N_()``) and the help texts of
   every ``rundbrief`` command and option (click shows them; they are translated where shown)
   into ``generator/locale/rundbrief.pot``;
2. merges them into ``generator/locale/de/LC_MESSAGES/rundbrief.po`` (new msgids come in
   untranslated, changed ones fuzzy: translate those);
3. compiles the ``.mo`` files the package ships.

tests/test_messages.py runs :func:`extract` too and fails while the catalog is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "generator" / "locale"
POT = LOCALE / "rundbrief.pot"
LANGUAGES = ("de",)


def _po(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "rundbrief.po"


def _help_texts(command: click.Command, english: dict[int, str | None]) -> list[str]:
    """The English help texts (``english``: those the command line kept when it translated them)."""
    texts = [english.get(id(command), command.help)]
    texts += [english.get(id(p), p.help) for p in command.params if isinstance(p, click.Option)]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            texts += _help_texts(sub, english)
    return [text for text in texts if text]


def extract() -> Catalog:
    """Every msgid of the package, as the catalog must hold them."""
    catalog = Catalog(project="rundbrief", domain="rundbrief")
    keywords = {**DEFAULT_KEYWORDS, "N_plural": (1, 2)}  # generator/i18n.py's marker of a plural pair
    for filename, _lineno, message, comments, context in extract_from_dir(str(REPO / "generator"), keywords=keywords):
        catalog.add(message, None, [(f"generator/{filename}", 0)], auto_comments=comments, context=context)
    from generator.cli import _Rundbrief, main  # the click tree, with the sending commands added

    for text in _help_texts(main, _Rundbrief.english_help):
        catalog.add(text, None, [("generator/cli.py (click help)", 0)])
    return catalog


def main() -> None:
    template = extract()
    with POT.open("wb") as file:
        write_po(file, template, omit_header=True, sort_output=True, width=0, include_lineno=False)
    for lang in LANGUAGES:
        path = _po(lang)
        if path.is_file():
            with path.open("rb") as file:
                catalog = read_po(file, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="rundbrief", domain="rundbrief")
        catalog.update(template, no_fuzzy_matching=False)
        catalog.obsolete.clear()
        with path.open("wb") as file:
            write_po(file, catalog, sort_output=True, width=0, include_lineno=False)
        with path.with_suffix(".mo").open("wb") as file:
            write_mo(file, catalog)
        # a plural's string is a tuple: untranslated while any of its forms is empty
        missing = [m.id for m in catalog if m.id and (not (all(m.string) if m.pluralizable else m.string) or m.fuzzy)]
        print(f"{path.relative_to(REPO)}: {len(catalog)} messages, {len(missing)} to translate", file=sys.stderr)


if __name__ == "__main__":
    main()
