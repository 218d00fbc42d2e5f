"""Manifest data as YAML: block style, keys in the schema's order, that `parse_manifest` reads back to
the same values. The one writer of manifests: drafts from importers, counterexamples of invariants,
witnesses of the semantic diff.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from policy.facts.load import decimal_text
from policy.facts.types import ListT, RecordT

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9 _./+()-]*")
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_RESERVED = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "null", "nan", "inf"})
"""Plain scalars YAML 1.1 readers would take for booleans, nulls or numbers: always quoted."""


def ordered(data: Mapping[str, Any], record: RecordT) -> dict[str, Any]:
    """Keys in the order the schema declares them, as a person would write them; other keys (`x-`)
    after them, as they came."""
    order = list(record.fields)
    out = {}
    for key in sorted(data, key=lambda k: order.index(k) if k in order else len(order)):
        value = data[key]
        field = record.fields.get(key)
        if field is not None:
            value = _ordered_value(value, field.type)
        out[key] = value
    return out


def _ordered_value(value: Any, typ: object) -> Any:
    if isinstance(typ, RecordT) and isinstance(value, Mapping):
        return ordered(value, typ)
    if isinstance(typ, ListT) and isinstance(value, list):
        return [_ordered_value(item, typ.item) for item in value]
    return value


def manifest_yaml(data: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """Block-style YAML that `parse_manifest` reads back to the same values; `header` lines first, as
    comments."""
    lines = [f"# {line}" if line else "#" for line in header]
    _mapping(data, 0, lines)
    return "\n".join(lines) + "\n"


def _mapping(data: Mapping[str, Any], indent: int, lines: list[str], first: str | None = None) -> None:
    pad = " " * indent
    for n, (key, value) in enumerate(data.items()):
        lead = first if (first is not None and n == 0) else pad
        head = f"{lead}{_scalar(key)}:"
        if isinstance(value, Mapping) and value:
            lines.append(head)
            _mapping(value, indent + 2, lines)
        elif isinstance(value, list) and value:
            lines.append(head)
            _sequence(value, indent + 2, lines)
        else:
            lines.append(f"{head} {_scalar(value)}")


def _sequence(items: list[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, Mapping) and item:
            _mapping(item, indent + 2, lines, first=f"{pad}- ")
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-")
            _sequence(item, indent + 2, lines)
        else:
            lines.append(f"{pad}- {_scalar(item)}")


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and text.lower() not in _RESERVED:
        return text
    # JSON's double-quoted strings are YAML's, once the characters YAML folds or refuses are escaped.
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))
