"""SPDX licence expressions (SPDX 2.3 annex D): parsing and the allow-list test.

`satisfies(expression, allowed)` holds when one branch of each `OR` and every part of each `AND` is
allowed. Identifiers match case-insensitively, as the specification asks; `A+` ("A or later") and
`A WITH exception` are allowed when the list allows them as written or allows `A` itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import attrs

_TOKEN = re.compile(r"\s*(?:(\()|(\))|([A-Za-z0-9.\-:+]+))")
MAX_EXPRESSION_CHARS = 2_000


class LicenseSyntaxError(ValueError):
    """A malformed expression; `offset` is where it goes wrong."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@attrs.frozen
class License:
    id: str
    or_later: bool = False
    exception: str | None = None


@attrs.frozen
class Op:
    op: str
    """`AND` or `OR`."""
    parts: tuple[Expression, ...]


Expression = License | Op


def _tokens(text: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            stripped = len(text) - len(text[pos:].lstrip())
            raise LicenseSyntaxError(f"unexpected `{text[stripped]}`", stripped)
        value = match.group(1) or match.group(2) or match.group(3)
        out.append((value, match.start(match.lastindex or 0)))
        pos = match.end()
    return out


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Expression:
    """Parse an expression; raises `LicenseSyntaxError`."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise LicenseSyntaxError(f"expression is longer than {MAX_EXPRESSION_CHARS} characters", 0)
    tokens = _tokens(text)
    if not tokens:
        raise LicenseSyntaxError("empty licence expression", 0)
    parser = _Parser(tokens, len(text))
    expr = parser.expression(0)
    if parser.pos < len(tokens):
        value, offset = tokens[parser.pos]
        raise LicenseSyntaxError(f"unexpected `{value}`", offset)
    return expr


class _Parser:
    def __init__(self, tokens: list[tuple[str, int]], end: int) -> None:
        self.tokens = tokens
        self.pos = 0
        self.end = end

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def offset(self) -> int:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else self.end

    def expression(self, depth: int) -> Expression:
        if depth > 50:
            raise LicenseSyntaxError("expression is nested too deeply", self.offset())
        parts = [self.conjunction(depth)]
        while (self.peek() or "").upper() == "OR":
            self.pos += 1
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else Op("OR", tuple(parts))

    def conjunction(self, depth: int) -> Expression:
        parts = [self.atom(depth)]
        while (self.peek() or "").upper() == "AND":
            self.pos += 1
            parts.append(self.atom(depth))
        return parts[0] if len(parts) == 1 else Op("AND", tuple(parts))

    def atom(self, depth: int) -> Expression:
        token = self.peek()
        if token is None:
            raise LicenseSyntaxError("expression ends where a licence was expected", self.offset())
        if token == "(":
            self.pos += 1
            inner = self.expression(depth + 1)
            if self.peek() != ")":
                raise LicenseSyntaxError("`(` is never closed", self.offset())
            self.pos += 1
            return inner
        if token == ")" or token.upper() in ("AND", "OR", "WITH"):
            raise LicenseSyntaxError(f"unexpected `{token}` where a licence was expected", self.offset())
        self.pos += 1
        or_later = token.endswith("+")
        ident = token[:-1] if or_later else token
        if not ident or "+" in ident:
            raise LicenseSyntaxError(f"`{token}` is not a licence identifier", self.tokens[self.pos - 1][1])
        exception = None
        if (self.peek() or "").upper() == "WITH":
            self.pos += 1
            exc = self.peek()
            if exc is None or exc in "()" or exc.upper() in ("AND", "OR", "WITH"):
                raise LicenseSyntaxError("`WITH` needs an exception identifier", self.offset())
            self.pos += 1
            exception = exc
        return License(ident, or_later, exception)


def render(expr: Expression) -> str:
    if isinstance(expr, License):
        text = expr.id + ("+" if expr.or_later else "")
        return f"{text} WITH {expr.exception}" if expr.exception else text
    inner = []
    for part in expr.parts:
        text = render(part)
        inner.append(f"({text})" if isinstance(part, Op) else text)
    return f" {expr.op} ".join(inner)


def identifiers(expr: Expression) -> frozenset[str]:
    """Every licence identifier named in the expression, as written."""
    if isinstance(expr, License):
        return frozenset({expr.id})
    return frozenset().union(*(identifiers(p) for p in expr.parts))


def satisfies(text: str, allowed: Iterable[str]) -> bool:
    """Whether the expression can be complied with using only allowed licences.

    Raises `LicenseSyntaxError` for a malformed expression."""
    return _satisfies(parse(text), frozenset(a.casefold() for a in allowed))


def _satisfies(expr: Expression, allowed: frozenset[str]) -> bool:
    if isinstance(expr, Op):
        test = any if expr.op == "OR" else all
        return test(_satisfies(p, allowed) for p in expr.parts)
    if render(expr).casefold() in allowed:
        return True
    return expr.id.casefold() in allowed
