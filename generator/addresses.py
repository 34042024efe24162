"""The one rule for email addresses, at every entry point: the web form, CSV import, ``send
--test`` and the addresses in the content (sender, reply-to, contacts).

Syntax alone is not enough for an address that ends up in a header. email-validator accepts
``=?UTF-8?B?...?=@example.org``, and Python's email package (3.11.7 and others) decodes such an
RFC 2047 encoded word while it folds the ``To:`` header, writing the CR LF it hides into the
message: the organisation's sender then mails anyone with headers an attacker chose. So an
address is refused when it holds an encoded word's opening ``=?``, a control character, a
format character (zero-width, bidi overrides: spoofing) or any Unicode line or paragraph
separator (U+2028, U+2029, U+0085, vertical tab, form feed...), before email-validator checks
its syntax. No DNS lookups: imports and checks must work offline.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import idna
from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321's limit for a path, less the angle brackets
# Unicode categories no address may hold: control, format, surrogate, private use, unassigned,
# and the separators (line, paragraph, space: an address has no spaces).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}


class AddressError(ValueError):
    """Why an address is refused, in English for the command line (the web app shows its own German text)."""


def address_problem(text: str) -> str | None:
    """What is wrong with ``text`` as an address (None: nothing), without email-validator's syntax check."""
    if len(text) > MAX_LENGTH:
        return f"longer than {MAX_LENGTH} characters"
    if "=?" in text:
        return 'holds "=?", the start of an RFC 2047 encoded word, which mail software decodes into header text'
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            name = unicodedata.name(ch, "unnamed")
            return f"holds the character U+{ord(ch):04X} ({name}), which an address cannot hold"
    return None


def check_address(text: str) -> str:
    """The address, normalised by email-validator (the domain in lower case, NFC); else AddressError."""
    value = text.strip()  # what stays is checked whole: whitespace around it never reaches a header
    problem = address_problem(value)
    if problem is not None:
        raise AddressError(problem)
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as err:
        raise AddressError(str(err)) from None
    normalised = str(result.normalized)
    problem = address_problem(normalised)  # normalisation (NFC) must not bring back what was refused
    if problem is not None:
        raise AddressError(problem)
    return normalised


def is_address(text: str) -> bool:
    try:
        check_address(text)
    except AddressError:
        return False
    return True


@lru_cache(maxsize=4096)  # per message sent, and most subscribers share a handful of domains
def ascii_domain(domain: str) -> str:
    """The domain as DNS and every mail server know it: IDNA (``bürger-amt.de`` ->
    ``xn--brger-amt-q9a.de``), lower case; AddressError if it cannot be one."""
    try:
        return idna.encode(domain.strip(), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as err:
        raise AddressError(f"the domain {domain!r} cannot be written in ASCII: {err}") from None


def with_ascii_domain(address: str) -> str:
    """``address`` with its domain in IDNA: headers without encoded words, and envelopes a
    server without SMTPUTF8 takes (only the part before the @ may still need it)."""
    local, at, domain = address.rpartition("@")
    if not at:
        raise AddressError(f"not an email address: {address!r}")
    return f"{local}@{ascii_domain(domain)}"
