"""click's own words (the help's headings, its usage errors) in the editor's language.

click looks its texts up with the standard library's gettext (``from gettext import gettext as
_`` in each of its modules), in a domain nobody installs a German catalog for. The words an
editor meets most are in rundbrief's catalog (marked here, so ``make messages`` extracts them),
and :func:`use_our_catalog` points click's modules at it. The msgids must be click's exactly; a
text click changes falls back to its English.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

from generator.i18n import N_, N_plural, translate, translate_plural

CLICK_TEXTS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."),
    N_("Aborted!"),
    N_("default: {default}"),
)
CLICK_PLURALS = (
    N_plural("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    N_plural("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    N_plural("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    N_plural("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    N_plural("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."),
)
_MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types)


def use_our_catalog() -> None:
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]
