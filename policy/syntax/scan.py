"""Tokens and comments of a rule file, found without the parser: comments are not part of the AST,
and the formatter needs each one's place among the code.
"""

from __future__ import annotations

import bisect
import re

import attrs

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\n\f]+)
      | (?P<comment>\#[^\n]*)
      | (?P<code>"(?:[^"\\\n]|\\.)*" | \d{4}-\d{2}-\d{2} | \d+(?:\.\d+)?
                | [A-Za-z_][A-Za-z0-9_]* | [=!<>]= | .)""",
    re.VERBOSE | re.DOTALL,
)


@attrs.frozen
class Token:
    """A piece of code (not a comment or space) and where it is."""

    start: int
    end: int
    text: str


@attrs.frozen
class Comment:
    """A comment of the source and where it belongs."""

    start: int
    text: str
    """The comment as written, without trailing whitespace."""
    trailing: bool
    """Whether code precedes it on its line."""
    anchor: int | None
    """The code character it belongs to: the last one before it when trailing, else the next one after
    it; `None` for a comment after the last code of the file."""
    blank_before: bool
    """Whether a blank line separates it from what comes before."""
    blank_after: bool
    """Whether a blank line separates it from what comes after."""


def scan(text: str) -> tuple[list[Token], list[Comment]]:
    """The code tokens and the comments of a rule file (strings are skipped, so `#` in them is text)."""
    tokens: list[Token] = []
    found: list[tuple[int, str, int | None, int]] = []  # start, text, last code end before, last end
    last_end = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "comment":
            line_start = text.rfind("\n", 0, match.start()) + 1
            before = tokens[-1].end if tokens and tokens[-1].end > line_start else None
            found.append((match.start(), match.group().rstrip(), before, last_end))
        else:
            tokens.append(Token(match.start(), match.end(), match.group()))
        last_end = match.end()
    starts = [t.start for t in tokens]
    all_starts = sorted([t.start for t in tokens] + [f[0] for f in found])
    comments = []
    for start, body, before, previous_end in found:
        end = start + len(body)
        following = bisect.bisect_right(all_starts, start)
        next_start = all_starts[following] if following < len(all_starts) else len(text)
        if before is not None:
            anchor: int | None = before - 1
        else:
            i = bisect.bisect_right(starts, start)
            anchor = tokens[i].start if i < len(tokens) else None
        comments.append(Comment(
            start, body, before is not None, anchor,
            blank_before=text.count("\n", previous_end, start) >= 2,
            blank_after=text.count("\n", end, next_start) >= 2,
        ))
    return tokens, comments
