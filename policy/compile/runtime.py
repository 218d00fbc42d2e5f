"""The values rules compute with, and the built-in functions, shared by both evaluators.

Values are plain Python: `bool`, `Decimal`, `str`, `datetime.date`, lists, frozensets and mappings.
Arithmetic is exact decimal: numbers from the manifest are taken from their text, never through a
float; `+`, `-` and `*` are exact up to 60 significant digits and `/` rounds half-even there.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal

CONTEXT = decimal.Context(
    prec=60, rounding=decimal.ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""The arithmetic of every evaluation, whatever the host program's decimal context is."""


class EvaluationError(Exception):
    """A value of the wrong type reached an operation: only possible for input that skipped validation."""


def number(value: object) -> Decimal:
    """A manifest number as an exact decimal; a float is read from its shortest text (`0.1` -> 0.1)."""
    if type(value) is Decimal:
        return value
    if type(value) is int:
        return Decimal(value)
    if type(value) is float:
        return Decimal(repr(value))
    raise EvaluationError(f"expected a number, got {type(value).__name__} `{value!r}`")


def text(value: object) -> str:
    """A value as it is quoted in a message or a witness."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (frozenset, set)):
        return "{" + ", ".join(sorted(text(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(text(v) for v in value) + "]"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{…}"
    return str(value)


def _satisfies(expression: str, allowed: object) -> bool | None:
    from policy.facts import spdx

    try:
        return spdx.satisfies(expression, allowed)  # type: ignore[arg-type]
    except spdx.LicenseSyntaxError:
        return None


def _licenses(expression: str) -> frozenset[str] | None:
    from policy.facts import spdx

    try:
        return spdx.identifiers(spdx.parse(expression))
    except spdx.LicenseSyntaxError:
        return None


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-int(places)), rounding=decimal.ROUND_HALF_UP, context=CONTEXT)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


FUNCTIONS: dict[str, Callable[..., object]] = {
    "len": lambda v: Decimal(len(v)),
    "lower": str.lower,
    "upper": str.upper,
    "starts_with": str.startswith,
    "ends_with": str.endswith,
    "contains": lambda s, part: part in s,
    "satisfies": _satisfies,
    "licenses": _licenses,
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
    "days_between": lambda a, b: Decimal((b - a).days),
    "year": lambda d: Decimal(d.year),
    "date": _date,
}
"""Built-ins over known arguments; `known` and `default` are handled by each evaluator, since they
look at unknowns. A built-in returns `None` when its argument is malformed (a bad licence expression)."""
