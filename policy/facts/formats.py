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

LICENSE_RE = re.compile(LICENSE_PATTERN)
DATE_RE = re.compile(DATE_PATTERN)

PATTERN_HELP = {
    ID_PATTERN: "use lowercase letters, digits and `-`, starting with a letter or a digit",
    SHA256_PATTERN: "write the 64 lowercase hexadecimal digits of the SHA-256 digest",
    COUNTRY_PATTERN: "write the two capital letters of an ISO 3166-1 alpha-2 code, e.g. `KR`",
}
"""What to write instead, for each pattern the schema uses."""


def anchored(pattern: str) -> str:
    """A pattern for JSON Schema, where patterns are not anchored."""
    return f"^(?:{pattern})$"
