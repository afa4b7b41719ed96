"""Text cells that a spreadsheet would run as a formula (CSV injection), and how to defuse them.

Excel, LibreOffice and Google Sheets start a formula at ``=``, ``+``, ``-`` or
``@``, and some skip leading spaces, non-breaking spaces, newlines or other
control characters first.  So the check looks at the first character that is
neither whitespace nor a control or format character, and a suspicious cell
gets a leading apostrophe (OWASP's advice); a cell starting with a tab or a
carriage return is escaped as well.
"""

from __future__ import annotations

import unicodedata

FORMULA_START = frozenset("=+-@")
ESCAPED_START = FORMULA_START | frozenset("\t\r\n")


def _ignored(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def looks_like_formula(text: str) -> bool:
    if not text:
        return False
    first = text[0]
    if first in ESCAPED_START:
        return True
    if first.isalnum() or not _ignored(first):  # the common case, decided by one character
        return False
    for character in text:
        if not _ignored(character):
            return character in FORMULA_START
    return False


def escape_text(text: str) -> str:
    return "'" + text if looks_like_formula(text) else text
