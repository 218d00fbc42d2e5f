"""Texts with quotations: `{expression}` inside a message quotes a value; `\\{` is a literal brace.

Lark-free, so that checking a cached parse never loads the parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "{": "{", "}": "}"}
"""The escapes of strings and texts, and what they stand for."""

_TEMPLATE = re.compile(r"\\(.)|\{([^{}]*)\}|[{}]")


def split_template(text: str) -> Iterator[str | tuple[str]]:
    """Literal pieces and `(expression,)` quotations of a text as written, escapes decoded."""
    pos = 0
    literal: list[str] = []
    for match in _TEMPLATE.finditer(text):
        literal.append(text[pos : match.start()])
        if match.group(1) is not None:
            literal.append(ESCAPES.get(match.group(1), match.group(1)))
        elif match.group(2) is not None:
            yield "".join(literal)
            literal = []
            yield (match.group(2),)
        else:
            literal.append(match.group(0))
        pos = match.end()
    literal.append(text[pos:])
    rest = "".join(literal)
    if rest:
        yield rest
