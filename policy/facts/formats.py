"""Text formats of manifest values, shared by the loader and the generated JSON Schema.

Each format is one regular expression, used as is by the loader (`re.fullmatch`) and, anchored, as a
JSON Schema `pattern`, so that the two can only agree.
"""

from __future__ import annotations

import re

from policy.facts.schema import COUNTRY_PATTERN, ID_PATTERN, SHA256_PATTERN

_IDSTRING = r"[A-Za-z0-9][A-Za-z0-9.\-]*"
_REF = rf"(?:DocumentRef-{_IDSTRING}:)?(?:LicenseRef|AdditionRef)-{_IDSTRING}"
# A licence id, but never a bare operator word (`MIT AND AND` is not an expression).
_ID = rf"(?:{_REF}|(?!(?:AND|OR|WITH|and|or|with)(?:[ )]|$)){_IDSTRING}\+?)"
_SIMPLE = rf"{_ID}(?: +(?:WITH|with) +{_ID})?"
_OPERATOR = r" +(?:AND|OR|and|or) +"


def _compound(inner: str) -> str:
    atom = rf"(?:{_SIMPLE}|\( *{inner} *\))"
    return rf"{atom}(?:{_OPERATOR}{atom})*"


LICENSE_MAX_PARENS = 3
"""Parentheses nest at most this deep in a licence expression (a regular expression cannot count)."""

LICENSE_PATTERN = rf"{_SIMPLE}(?:{_OPERATOR}{_SIMPLE})*"
for _ in range(LICENSE_MAX_PARENS):
    LICENSE_PATTERN = _compound(LICENSE_PATTERN)
"""An SPDX licence expression (SPDX 2.3 annex D): ids and `LicenseRef-`s joined by `AND`, `OR` and
`WITH` (all capitals or all lower case), with parentheses; `policy.facts.spdx` parses what it admits."""

DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
"""An ISO 8601 calendar date, `YYYY-MM-DD`; the loader also checks that the day exists."""

DATE_RE = re.compile(DATE_PATTERN)

# LICENSE_PATTERN is the JSON Schema's; compiled, it costs 60 ms, a large part of a cold start. The
# loader checks the same language with a small pattern instead: innermost parenthesised groups are
# replaced by a placeholder atom, at most LICENSE_MAX_PARENS times, and what remains must be flat.
# A test holds the two to the same answers.
_GROUP = "\x00"
_FLAT_ATOM = rf"(?:{_SIMPLE}|{_GROUP})"
_FLAT = rf"{_FLAT_ATOM}(?:{_OPERATOR}{_FLAT_ATOM})*"
_FLAT_RE = re.compile(_FLAT)
_INNERMOST_RE = re.compile(rf"\( *({_FLAT}) *\)")


def is_license(text: str) -> bool:
    """Whether `text` is an SPDX licence expression as LICENSE_PATTERN defines one."""
    if _GROUP in text:
        return False
    for _ in range(LICENSE_MAX_PARENS + 1):
        if _FLAT_RE.fullmatch(text):
            return True
        reduced = _INNERMOST_RE.sub(_GROUP, text)
        if reduced == text:
            return False
        text = reduced
    return False

PATTERN_HELP = {
    ID_PATTERN: "use lowercase letters, digits and `-`, starting with a letter or a digit",
    SHA256_PATTERN: "write the 64 lowercase hexadecimal digits of the SHA-256 digest",
    COUNTRY_PATTERN: "write the two capital letters of an ISO 3166-1 alpha-2 code, e.g. `KR`",
}
"""What to write instead, for each pattern the schema uses."""


def anchored(pattern: str) -> str:
    """A pattern for JSON Schema, where patterns are not anchored."""
    return f"^(?:{pattern})$"
