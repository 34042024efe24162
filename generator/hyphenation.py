"""Long German words break with a hyphen, on the site and in the email.

``lang="de"`` with ``hyphens: auto`` is enough only where the browser or mail client has a German
hyphenation dictionary; Gmail and Outlook support no ``hyphens`` at all, and a narrow screen then
breaks "Kreisentwicklungskonzept" anywhere, without a hyphen, or scrolls sideways. So long words
get soft hyphens (U+00AD, invisible unless a line breaks there) at the places the German patterns
of LibreOffice (pyphen) allow, and long addresses shown as text (``www.…``, ``name@host``) get a
break opportunity after each ``/`` and ``@`` and before each ``.``. Only text is changed: tags,
attributes, comments (Outlook's conditional blocks) and ``script``, ``style``, ``pre``, ``code``,
``textarea`` and ``title`` are left as they are.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import pyphen

SHY = "\u00ad"
ZERO_WIDTH_SPACE = "\u200b"  # a break opportunity every mail client knows (GMX and WEB.DE drop <wbr>)
WBR = "<wbr>"
MIN_LETTERS = 12  # shorter words fit any line

_WORD = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}")
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\"]{12,}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_ADDRESS_BREAK = re.compile(r"(?<=[/@])(?=.)|(?<=.)(?=\.)")
_PROTECTED = re.compile(
    r"<!--.*?-->|<(script|style|pre|code|textarea|title)\b[^>]*>.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE
)


@cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="de_DE", left=3, right=3)


@lru_cache(maxsize=65536)  # a process's words repeat across pages and emails
def hyphenate_word(word: str) -> str:
    return str(_dictionary().inserted(word, hyphen=SHY))


def hyphenate_text(text: str, breaker: str = ZERO_WIDTH_SPACE) -> str:
    """Plain text (no markup) with soft hyphens in long words and ``breaker`` in long addresses."""
    parts, last = [], 0
    for address in _ADDRESS.finditer(text):
        parts.append(_WORD.sub(lambda m: hyphenate_word(m.group()), text[last : address.start()]))
        parts.append(_ADDRESS_BREAK.sub(breaker, address.group()) if len(address.group()) >= 20 else address.group())
        last = address.end()
    parts.append(_WORD.sub(lambda m: hyphenate_word(m.group()), text[last:]))
    return "".join(parts)


def hyphenate_html(html: str, breaker: str = ZERO_WIDTH_SPACE) -> str:
    """HTML with its text (only) hyphenated; ``breaker`` may be markup (``<wbr>``) or a character."""
    parts, last = [], 0
    for protected in _PROTECTED.finditer(html):
        parts.append(hyphenate_text(html[last : protected.start()], breaker))
        parts.append(protected.group())
        last = protected.end()
    parts.append(hyphenate_text(html[last:], breaker))
    return "".join(parts)
