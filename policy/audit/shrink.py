"""Shrink a manifest while a property keeps holding: the witnesses of `dokpamo diff` are minimal.

The shrinker is greedy and deterministic. It tries simplifications of the manifest data from the
coarsest to the finest (leave an optional field out, empty a list, drop one element, then simplify a
value: a number to 0 or to fewer digits, a boolean to false, an enumeration to its first value, a
string to one letter, a licence expression to one of its parts) and keeps the first one under which
the property still holds, until no single simplification keeps it. Every edit keeps the manifest
valid against the schema, so the result is 1-minimal: removing or simplifying any one more thing
loses the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import ROUND_DOWN, Decimal
from typing import Any

from policy.facts.schema import BoolT, EnumT, LicenseT, ListT, NumberT, RecordT, StringT, Type

Data = dict[str, Any]

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def shrink(data: Data, schema: RecordT, keeps: Callable[[Data], bool], *, frozen: frozenset[str] = frozenset(),
           limit: int = 3000) -> Data:
    """The smallest data found, from `data`, on which `keeps` still holds.

    `frozen` are top-level keys left as they are (e.g. `team`, whose id names the witness). At most
    `limit` candidates are tried, so the time is bounded even for a property that holds everywhere.
    """
    current = data
    tried = 0
    progress = True
    while progress and tried < limit:
        progress = False
        for candidate in _record(current, schema, frozen):
            tried += 1
            if keeps(candidate):
                current = candidate
                progress = True
                break
            if tried >= limit:
                break
    return current


def _record(value: Data, record: RecordT, frozen: frozenset[str] = frozenset(),
            taken: frozenset[str] = frozenset()) -> Iterator[Data]:
    keys = [k for k in value if k in record.fields and k not in frozen]
    for key in keys:
        if not record.fields[key].required:
            yield {k: v for k, v in value.items() if k != key}
    for key in keys:
        # The unique key of a list element must stay unique among its siblings.
        others = taken if key == record.unique_key else frozenset()
        for smaller in _value(value[key], record.fields[key].type, others):
            yield {**value, key: smaller}


def _value(value: Any, typ: Type, taken: frozenset[str] = frozenset()) -> Iterator[Any]:
    match typ:
        case RecordT():
            yield from _record(value, typ)
        case ListT(item=item):
            yield from _list(value, item)
        case NumberT():
            yield from _number(value, typ)
        case BoolT():
            if value is True:
                yield False
        case EnumT(values=values):
            if value != values[0]:
                yield values[0]
        case LicenseT() if "(" not in value and " WITH " not in value:
            # `A AND B` or `A OR B`: each licence alone is simpler.
            yield from dict.fromkeys(p for p in value.split(" ") if p not in ("AND", "OR") and p != value)
        case StringT(pattern=None):
            letter = next((c for c in LETTERS if c not in taken), None)
            if letter is not None and value != letter and (len(value) > 1 or value not in LETTERS):
                yield letter


def _list(value: list[Any], item: Type) -> Iterator[list[Any]]:
    if not value:
        return
    if len(value) > 1:
        yield []
    for index in range(len(value)):
        yield value[:index] + value[index + 1:]
    key = item.unique_key if isinstance(item, RecordT) else None
    for index, element in enumerate(value):
        taken = frozenset(e.get(key) for i, e in enumerate(value) if i != index) if key else frozenset()
        smaller: Iterator[Any] = _record(element, item, taken=taken) if isinstance(item, RecordT) else _value(element, item)
        for candidate in smaller:
            yield value[:index] + [candidate] + value[index + 1:]


def _number(value: Decimal, typ: NumberT) -> Iterator[Decimal]:
    candidates = [_simplest(typ), value.to_integral_value(ROUND_DOWN)]
    if value.as_tuple().exponent < -1:  # type: ignore[operator]
        candidates.append(value.quantize(Decimal("0.1"), ROUND_DOWN))
    for simpler in dict.fromkeys(candidates):
        if simpler != value and _fits(simpler, typ):
            yield simpler


def _simplest(typ: NumberT) -> Decimal:
    if typ.minimum is None or typ.minimum < 0:
        return Decimal(0)
    return typ.minimum + 1 if typ.exclusive_minimum else typ.minimum


def _fits(number: Decimal, typ: NumberT) -> bool:
    if typ.integer and number != number.to_integral_value():
        return False
    if typ.minimum is not None and (number < typ.minimum or (typ.exclusive_minimum and number == typ.minimum)):
        return False
    return typ.maximum is None or number <= typ.maximum
