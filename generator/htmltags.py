"""Start tags as a browser reads them, for the checks of the editors' HTML and the site's image
rewrite: the HTML tokenizer's rules for names and attribute values. A quote in an attribute's
name or in an unquoted value is no quote (``<p x">`` ends at its ``>``), a quoted value may
hold ``>``, and a name runs to white space, ``/``, ``>`` or ``=``. A regular expression that
reads a tag otherwise lets a browser see an element the check did not.
"""

from __future__ import annotations

import html
import re

# possessive and atomic: an attribute name is not split into several, so a tag that does not
# end is given up in one pass, not in every way of splitting it
_ATTRIBUTE_TEXT = r"""(?>[\s/]*+[^\s/>][^\s/>=]*+(?>\s*+=\s*+(?>"[^"]*+"|'[^']*+'|[^\s>]*+))?)"""
_ATTRIBUTE = re.compile(r"""([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")


def start_tag(name: str = r"[A-Za-z][^\s/>]*") -> re.Pattern[str]:
    """Start tags whose name matches ``name`` (a pattern; any name by default): the name is
    group 1, the text of the attributes group 2."""
    return re.compile(rf"<({name})(?![^\s/>])({_ATTRIBUTE_TEXT}*+)[\s/]*>", re.IGNORECASE)


START_TAG = start_tag()


def attributes(text: str) -> list[tuple[str, str]]:
    """The attributes in ``text`` (a START_TAG's group 2), each name as written with its value
    unescaped, in their order (a browser keeps the first of two with the same name)."""
    found = []
    for match in _ATTRIBUTE.finditer(text):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        found.append((match.group(1), html.unescape(value)))
    return found
