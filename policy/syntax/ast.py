"""The abstract syntax tree of a rule file: frozen attrs nodes that import no lark.

Spans take no part in equality or hashing, so `parse(unparse(tree)) == tree` compares structure only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import attrs

from policy.source import Span


def _span() -> Span | None:
    return attrs.field(default=None, eq=False, hash=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- expressions


@attrs.frozen
class Number:
    value: Decimal
    span: Span | None = _span()


@attrs.frozen
class String:
    value: str
    span: Span | None = _span()


@attrs.frozen
class Date:
    value: datetime.date
    span: Span | None = _span()


@attrs.frozen
class Bool:
    value: bool
    span: Span | None = _span()


@attrs.frozen
class Name:
    id: str
    span: Span | None = _span()


@attrs.frozen
class Field:
    """`obj.name`: a field of a record."""

    obj: Expr
    name: str
    span: Span | None = _span()


@attrs.frozen
class Index:
    """`obj[index]`: an element of a list."""

    obj: Expr
    index: Expr
    span: Span | None = _span()


@attrs.frozen
class Call:
    """`fn(args...)`: a built-in function; the language has no user-defined functions."""

    fn: str
    args: tuple[Expr, ...]
    span: Span | None = _span()


@attrs.frozen
class Neg:
    operand: Expr
    span: Span | None = _span()


@attrs.frozen
class Not:
    operand: Expr
    span: Span | None = _span()


ARITHMETIC = ("+", "-", "*", "/")


@attrs.frozen
class Binary:
    """Arithmetic, comparison, membership and logical operators."""

    op: str
    left: Expr
    right: Expr
    span: Span | None = _span()


QUANTIFIERS = ("all", "any", "none", "count", "sum", "min", "max")


@attrs.frozen
class Quantifier:
    """`kind var in collection where filter: body`; `count` may omit the body."""

    kind: str
    var: str
    collection: Expr
    where: Expr | None
    body: Expr | None
    span: Span | None = _span()
    var_span: Span | None = _span()


@attrs.frozen
class If:
    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span | None = _span()


@attrs.frozen
class ListLit:
    items: tuple[Expr, ...]
    span: Span | None = _span()


@attrs.frozen
class SetLit:
    items: tuple[Expr, ...]
    span: Span | None = _span()


Expr = (Number | String | Date | Bool | Name | Field | Index | Call | Neg | Not | Binary | Quantifier | If | ListLit
        | SetLit)


# ---------------------------------------------------------------- declarations


@attrs.frozen
class TextEntry:
    """One language of a bilingual text; `{expr}` in the value quotes a fact."""

    lang: str
    value: str
    """The text as written, escapes included."""
    span: Span | None = _span()
    parts: tuple[str | Expr, ...] = attrs.field(default=(), eq=False, repr=False, kw_only=True)
    """Literal pieces and quoted expressions, escapes decoded; derived from `value` by the parser."""


@attrs.frozen
class Text:
    entries: tuple[TextEntry, ...]
    span: Span | None = _span()

    def get(self, lang: str) -> str | None:
        return next((e.value for e in self.entries if e.lang == lang), None)


@attrs.frozen
class Header:
    name: str
    version: str | None = None
    effective: datetime.date | None = None
    title: Text | None = None
    description: Text | None = None
    verdict: str | None = None
    """The decision whose outcome is the verdict."""
    span: Span | None = _span()
    verdict_span: Span | None = _span()


@attrs.frozen
class Const:
    name: str
    value: Expr
    span: Span | None = _span()
    name_span: Span | None = _span()


LEVELS = ("disqualify", "review", "warn")


@attrs.frozen
class Gate:
    name: str
    level: str | None
    title: Text | None
    when: Expr | None
    require: Expr | None
    message: Text | None
    span: Span | None = _span()
    name_span: Span | None = _span()
    level_span: Span | None = _span()


@attrs.frozen
class Score:
    name: str
    title: Text | None
    max: Expr | None
    value: Expr | None
    span: Span | None = _span()
    name_span: Span | None = _span()


@attrs.frozen
class Decision:
    name: str
    title: Text | None
    value: Expr | None
    span: Span | None = _span()
    name_span: Span | None = _span()


@attrs.frozen
class RankKey:
    expr: Expr
    descending: bool
    """`desc` ranks the greatest first; `asc` (the default written out by `fmt`) the least first."""
    explicit: bool = attrs.field(default=True, eq=False)
    """Whether the order was written; kept so `fmt` does not add words the author left out."""


@attrs.frozen
class Cohort:
    name: str
    title: Text | None
    members: Expr | None
    """Which manifests take part; all when absent."""
    rank: tuple[RankKey, ...]
    among: Expr | None
    """Which members are ranked; all members when absent."""
    advance: Expr | None
    span: Span | None = _span()
    name_span: Span | None = _span()


@attrs.frozen
class Monotone:
    """`monotone: score over path, ...`: raising any of the facts never lowers the score."""

    score: str
    over: tuple[Expr, ...]
    span: Span | None = _span()


@attrs.frozen
class Invariant:
    """A property that must hold for every valid manifest; checked by search, not at evaluation."""

    name: str
    title: Text | None
    holds: Expr | None
    monotone: Monotone | None
    span: Span | None = _span()
    name_span: Span | None = _span()


Declaration = Const | Gate | Score | Decision | Cohort | Invariant


@attrs.frozen
class Module:
    """A whole rule file."""

    header: Header
    declarations: tuple[Declaration, ...]
    comments: tuple[tuple[int, str], ...] = attrs.field(default=(), eq=False, repr=False)
    """`(offset, text)` of every comment, for the formatter; not part of the meaning."""
