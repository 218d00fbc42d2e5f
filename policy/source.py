"""Source text with a line index, and spans into it.

Every stage reports positions as a `Span` into a `Source`; line and column are computed on demand,
so nodes stay small and positions never take part in equality.
"""

from __future__ import annotations

import bisect
import unicodedata

import attrs


@attrs.frozen
class Source:
    """A named text: a rule file, a manifest, or a string given on the command line."""

    name: str
    """The path or pseudo-name (`<string>`) shown in messages."""
    text: str = attrs.field(repr=False)
    _line_starts: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)

    @_line_starts.default
    def _index_lines(self) -> tuple[int, ...]:
        starts = [0]
        find = self.text.find
        at = find("\n")
        while at >= 0:  # str.find runs in C: ten times faster than a loop over characters
            starts.append(at + 1)
            at = find("\n", at + 1)
        return tuple(starts)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based line and column."""
        line = max(1, min(line, len(self._line_starts)))
        return min(self._line_starts[line - 1] + column - 1, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end < 0 else end].rstrip("\r")


@attrs.frozen
class Span:
    """A half-open character range `[start, end)` in a source."""

    source: Source = attrs.field(repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    def location(self) -> str:
        """`file:line:col`, the prefix of every message."""
        line, col = self.source.line_col(self.start)
        return f"{self.source.name}:{line}:{col}"

    def snippet(self) -> str:
        """The source line and a caret under the span, indented as in cel-go and lark."""
        line, col = self.source.line_col(self.start)
        text = self.source.line_text(line)
        end_line, end_col = self.source.line_col(max(self.start, self.end - 1))
        width = max(1, (end_col - col + 1) if end_line == line else len(text) - col + 1)
        lead = display_width(text[: col - 1])
        marks = display_width(text[col - 1 : col - 1 + width]) or 1
        return f"  | {text}\n  | {' ' * lead}{'^' * marks}"


def display_width(text: str) -> int:
    """Terminal columns taken by `text`: wide (CJK, Hangul) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns, counting Hangul as two."""
    return text + " " * max(0, width - display_width(text))
