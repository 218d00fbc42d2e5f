"""The `evidence` section: results as records of scalars, decimals as exact text, rendered as YAML or JSON.

Numbers are `Decimal`s quantised to `DIGITS` places from the float's exact binary value (ties to
even), records are sorted and keys are sorted, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs

from policy.evidence.compare import Comparison, Identical, LayerMatch, Result, Unsound
from policy.evidence.reference import METHOD, Reference

DIGITS = 6
_QUANTUM = Decimal(1).scaleb(-DIGITS)


def decimal(value: float) -> Decimal:
    """A float as a decimal with exactly `DIGITS` places (no negative zero)."""
    out = Decimal(value).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    return out if out else abs(out)


def _record(item: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(type(item)):
        value = getattr(item, field.name)
        if value is None or isinstance(value, float) and not math.isfinite(value):
            continue  # not computed, or not computable: unknown
        out[field.name] = decimal(value) if isinstance(value, float) else value
    return out | (extra or {})


def section(candidate: dict[str, Any], references: list[Reference], own: set[str],
            results: list[Result]) -> dict[str, Any]:
    """The manifest's `evidence` section for a candidate and its results against each reference."""
    kinds = {r.name: r.kind for r in references}
    comparisons: list[Comparison] = [c for r in results for c in r.comparisons]
    layers: list[LayerMatch] = [m for r in results for m in r.layer_map]
    identical: list[Identical] = [i for r in results for i in r.identical]
    unsound: list[Unsound] = [u for r in results for u in r.unsound]
    return {
        "method": METHOD,
        "candidate": candidate,
        "references": [{"name": r.name, "kind": r.kind, "own": r.name in own, "parameters": r.parameters}
                       for r in sorted(references, key=lambda r: r.name)],
        "comparisons": [_record(c, {"reference_kind": kinds[c.reference], "reference_own": c.reference in own})
                        for c in sorted(comparisons, key=lambda c: (c.component, c.reference))],
        "layer_map": [_record(m, {"reference_own": m.reference in own})
                      for m in sorted(layers, key=lambda m: (m.component, m.reference, m.candidate_layer))],
        "identical": [_record(i, {"reference_own": i.reference in own})
                      for i in sorted(identical, key=lambda i: (i.component, i.reference, i.tensor))],
        "unsound": [_record(u) for u in sorted(unsound, key=lambda u: (u.component, u.reference, u.metric))],
    }


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(document: dict[str, Any]) -> str:
    """Block-style YAML; strings double-quoted (JSON escapes are valid YAML), decimals unquoted."""
    lines: list[str] = []

    def emit_map(mapping: dict[str, Any], indent: int, prefix: str) -> None:
        for position, key in enumerate(sorted(mapping)):
            head = " " * indent + (prefix if position == 0 else " " * len(prefix))
            item = mapping[key]
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{head}{key}:")
                emit(item, indent + len(prefix) + 2)
            else:
                lines.append(f"{head}{key}: {_inline(item)}")

    def emit(value: dict[str, Any] | list[Any], indent: int) -> None:
        if isinstance(value, dict):
            emit_map(value, indent, "")
            return
        for item in value:
            if isinstance(item, dict) and item:
                emit_map(item, indent, "- ")
            else:
                lines.append(" " * indent + "- " + _inline(item))

    emit(document, 0)
    return "\n".join(lines) + "\n"


def to_json(document: dict[str, Any]) -> str:
    """Indented JSON with sorted keys; decimals as number literals with their exact text."""

    def emit(value: Any, indent: int) -> str:
        pad, inner = " " * indent, " " * (indent + 2)
        if isinstance(value, dict):
            if not value:
                return "{}"
            items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {emit(value[k], indent + 2)}" for k in sorted(value)]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(value, list):
            if not value:
                return "[]"
            return "[\n" + ",\n".join(inner + emit(v, indent + 2) for v in value) + "\n" + pad + "]"
        return _scalar(value)

    return emit(document, 0) + "\n"
