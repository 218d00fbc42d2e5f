"""Expression types beyond the manifest's own, the records the engine provides, and built-in functions."""

from __future__ import annotations

from collections.abc import Callable

import attrs

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
from policy.syntax.ast import LEVELS


@attrs.frozen
class SetT(Type):
    item: Type

    def describe(self) -> str:
        return f"set of {self.item.describe()}"


@attrs.frozen
class AnyT(Type):
    """The type of an expression that already has an error; it fits everywhere, so errors do not cascade."""

    def describe(self) -> str:
        return "any"


BOOL = BoolT()
NUMBER = NumberT()
STRING = StringT()
DATE = DateT()
ANY = AnyT()

STATUSES = ("pass", "fail", "unknown", "skipped")

GATE_RECORD = RecordT("gate", {
    "id": Field(STRING, "the gate's id", required=True),
    "level": Field(EnumT("level", LEVELS), "the gate's level", required=True),
    "status": Field(EnumT("status", STATUSES), "the gate's status", required=True),
    "passed": Field(BOOL, "true when passed or skipped, false when failed, unknown when unknown",
                    required=True),
})
"""An element of the built-in list `gates`."""


def kind(t: Type) -> str:
    """The comparable kind of a type: enums and licences are strings, bounds do not matter."""
    match t:
        case BoolT():
            return "bool"
        case NumberT():
            return "number"
        case StringT() | EnumT() | LicenseT():
            return "string"
        case DateT():
            return "date"
        case ListT():
            return "list"
        case SetT():
            return "set"
        case RecordT():
            return "record"
    return "any"


def compatible(a: Type, b: Type) -> bool:
    ka, kb = kind(a), kind(b)
    if "any" in (ka, kb):
        return True
    if ka != kb:
        return False
    if ka in ("list", "set"):
        return compatible(_item(a), _item(b))
    return True


def _item(t: Type) -> Type:
    return t.item if isinstance(t, (ListT, SetT)) else ANY


def collection_item(t: Type) -> Type | None:
    """The element type of a list or set, `ANY` for an erroneous operand, `None` otherwise."""
    if isinstance(t, (ListT, SetT)):
        return t.item
    if isinstance(t, AnyT):
        return ANY
    return None


def join(a: Type, b: Type) -> Type:
    """The type of a value that is one of two types (the branches of `if`, items of a list)."""
    if isinstance(a, AnyT):
        return b
    if isinstance(b, AnyT) or a == b:
        return a
    if kind(a) == kind(b) == "number":
        return NUMBER
    if kind(a) == kind(b) == "string":
        return a if isinstance(a, EnumT) and isinstance(b, EnumT) and a == b else STRING
    return a


@attrs.frozen
class Builtin:
    """A built-in function: its parameters by kind and its result type from the argument types."""

    name: str
    params: tuple[str, ...]
    """Kinds of the parameters: `number`, `string`, `date`, `bool`, `collection`, `sized`, `any`, `same`."""
    result: Callable[[list[Type]], Type]
    doc: str
    total: bool = False
    """Whether an unknown argument still gives a known result (`known`, `default`)."""


def _const(t: Type) -> Callable[[list[Type]], Type]:
    return lambda _args: t


BUILTINS: dict[str, Builtin] = {b.name: b for b in (
    Builtin("known", ("any",), _const(BOOL), "true when the value is stated, false when it is missing", total=True),
    Builtin("default", ("any", "same"), lambda args: join(args[0], args[1]),
            "the first value, or the second when the first is missing", total=True),
    Builtin("len", ("sized",), _const(NumberT(minimum=None, integer=True)),
            "the number of elements of a list or set, or of characters of a string"),
    Builtin("lower", ("string",), _const(STRING), "the string in lower case"),
    Builtin("upper", ("string",), _const(STRING), "the string in upper case"),
    Builtin("starts_with", ("string", "string"), _const(BOOL), "whether the first string starts with the second"),
    Builtin("ends_with", ("string", "string"), _const(BOOL), "whether the first string ends with the second"),
    Builtin("contains", ("string", "string"), _const(BOOL), "whether the first string contains the second"),
    Builtin("satisfies", ("string", "collection"), _const(BOOL),
            "whether an SPDX licence expression can be complied with using only the allowed licences"),
    Builtin("licenses", ("string",), _const(SetT(STRING)), "the licence identifiers an SPDX expression names"),
    Builtin("min", ("number", "number"), _const(NUMBER), "the smaller of two numbers"),
    Builtin("max", ("number", "number"), _const(NUMBER), "the larger of two numbers"),
    Builtin("abs", ("number",), _const(NUMBER), "the absolute value"),
    Builtin("round", ("number", "number"), _const(NUMBER),
            "the number rounded half away from zero to the given number of decimal places"),
    Builtin("days_between", ("date", "date"), _const(NumberT(integer=True)),
            "days from the first date to the second (negative when the second is earlier)"),
    Builtin("year", ("date",), _const(NumberT(integer=True)), "the year of a date"),
    Builtin("date", ("string",), _const(DATE), "the date written `YYYY-MM-DD` in the string"),
)}
