"""Hypothesis strategies that generate valid manifests from the schema: the one source of generated
facts for property tests, policy invariants (`dokpamo test`) and witness search (`dokpamo diff`).

`hints` are values worth trying (the strings and numbers a rule file mentions): a generated string
or number is drawn from them half of the time, so searches reach the branches the rules care about.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Collection, Iterable, Iterator
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from policy.facts.schema import (
    BoolT,
    DateT,
    EnumT,
    Field,
    LicenseT,
    ListT,
    NumberT,
    RecordT,
    StringT,
    Type,
)

SAMPLE_LICENSES = ("Apache-2.0", "MIT", "GPL-3.0-only", "CC-BY-NC-4.0", "LicenseRef-Custom", "BSD-3-Clause")


@attrs.frozen
class Hints:
    """Values the rules mention, to be tried first."""

    strings: tuple[str, ...] = ()
    numbers: tuple[Decimal, ...] = ()

    @classmethod
    def of(cls, strings: Iterable[str] = (), numbers: Iterable[Decimal] = ()) -> Hints:
        return cls(tuple(sorted(set(strings))), tuple(sorted(set(numbers))))


def manifests(schema: RecordT | None = None, hints: Hints = Hints(), max_list: int = 4,
              only: Collection[Field] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid manifests as plain data (decimals, dates, lists and dicts), as the loader gives them.

    `only`, when given, are the optional fields worth generating (compared by identity, e.g. those
    some rules read): each is present three times in four and every other optional field is left
    out, so a search spends its examples on facts that can change an outcome."""
    from policy.facts.schema import MANIFEST

    return _Generator(hints, max_list, only).record(schema or MANIFEST)


_ABSENT = object()
"""Drawn for an optional field that is left out."""


class _Generator:
    def __init__(self, hints: Hints, max_list: int, only: Collection[Field] | None = None) -> None:
        self.hints = hints
        self.max_list = max_list
        self.only = None if only is None else {id(f) for f in only}

    def of(self, t: Type) -> st.SearchStrategy[Any]:
        match t:
            case BoolT():
                return st.booleans()
            case EnumT(values=values):
                return st.sampled_from(values)
            case NumberT():
                return self.number(t)
            case LicenseT():
                ids = [s for s in self.hints.strings if _looks_like_license(s)] + list(SAMPLE_LICENSES)
                single = st.sampled_from(sorted(set(ids)))
                return st.one_of(single, st.tuples(single, st.sampled_from(["AND", "OR"]), single).map(" ".join))
            case DateT():
                return st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31))
            case StringT(pattern=pattern) if pattern is not None:
                return st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= 80)
            case StringT():
                characters = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
                plain = st.text(characters, min_size=1, max_size=12).filter(str.strip)
                if self.hints.strings:
                    return st.one_of(st.sampled_from(self.hints.strings), plain)
                return plain
            case ListT(item=RecordT() as record) if record.unique_key:
                key = record.unique_key
                return st.lists(self.record(record), max_size=self.max_list, unique_by=lambda r: r[key])
            case ListT(item=item):
                return st.lists(self.of(item), max_size=self.max_list)
            case RecordT():
                return self.record(t)
        raise TypeError(f"no strategy for {t!r}")  # pragma: no cover

    def number(self, t: NumberT) -> st.SearchStrategy[Decimal]:
        low = t.minimum if t.minimum is not None else Decimal(-1000)
        high = t.maximum if t.maximum is not None else Decimal(1000)
        if t.exclusive_minimum:
            low = low + (1 if t.integer else Decimal("0.01"))
        places = 0 if t.integer else 2
        drawn = st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False)
        if t.integer:
            drawn = st.integers(int(low.to_integral_value("ROUND_CEILING")),
                                int(high.to_integral_value("ROUND_FLOOR"))).map(Decimal)
        fitting = [n for n in self.hints.numbers if low <= n <= high and (not t.integer or n == int(n))]
        if fitting:
            return st.one_of(st.sampled_from(fitting), drawn)
        return drawn

    def record(self, record: RecordT) -> st.SearchStrategy[dict[str, Any]]:
        required = {name: self.of(f.type) for name, f in record.fields.items() if f.required}
        if self.only is None:
            optional = {name: self.optional(f) for name, f in record.fields.items() if not f.required}
            return st.fixed_dictionaries(required, optional=optional)
        # Presence is drawn as 0..3 with 0 for absent, so shrinking leaves a field out when it can.
        chosen = {name: st.tuples(st.integers(0, 3), self.optional(f)).map(
                      lambda drawn: _ABSENT if drawn[0] == 0 else drawn[1])
                  for name, f in record.fields.items() if not f.required and id(f) in self.only}
        return st.fixed_dictionaries({**required, **chosen}).map(
            lambda drawn: {k: v for k, v in drawn.items() if v is not _ABSENT})

    def optional(self, field: Field) -> st.SearchStrategy[Any]:
        return self.of(field.type)


def _looks_like_license(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and " " not in text or text.startswith("LicenseRef-")


@contextlib.contextmanager
def only_given_constants() -> Iterator[None]:
    """Within this block, hypothesis draws only the values it is given. Hypothesis 6.131 and later also
    draw literals found in every local module loaded, so which modules a process has imported, and
    whether dokpamo is installed or checked out, would change what a search draws; searches keep to
    the rules' own values, so that the same inputs give the same counterexamples and witnesses."""
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        empty = providers.Constants()
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError, TypeError):  # another hypothesis: nothing to hold still
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()
