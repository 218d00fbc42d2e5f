"""Reading values out of parsed metadata files, for the importers."""

from __future__ import annotations

from decimal import Decimal

from policy.facts.yamljson import MAP, SCALAR, SEQ, Node
from policy.source import Source, Span


def get(node: Node | None, key: str) -> Node | None:
    """The value of `key` in a mapping node, or `None`."""
    if node is None or node.kind != MAP:
        return None
    for entry in node.entries():
        if entry.key == key:
            return entry.node
    return None


def keys(node: Node | None) -> list[str]:
    if node is None or node.kind != MAP:
        return []
    return [entry.key for entry in node.entries()]


def items(node: Node | None) -> list[Node]:
    """The items of a sequence node; a single non-sequence value is a list of one."""
    if node is None:
        return []
    if node.kind == SEQ:
        return list(node.items())
    return [node]


def text(node: Node | None) -> str | None:
    """A non-blank string value, stripped, or `None`."""
    if node is None or node.kind != SCALAR or not isinstance(node.value, str):
        return None
    value = node.value.strip()
    return value or None


def texts(node: Node | None) -> list[str]:
    """The non-blank strings of a string-or-list value, in order, without repeats."""
    out: list[str] = []
    for item in items(node):
        value = text(item)
        if value is not None and value not in out:
            out.append(value)
    return out


def positive_int(node: Node | None) -> Decimal | None:
    """A whole number above zero, or `None`."""
    if node is None or node.kind != SCALAR:
        return None
    value = node.value
    if isinstance(value, bool) or not isinstance(value, Decimal):
        return None
    if value <= 0 or value != value.to_integral_value():
        return None
    return Decimal(int(value))


def boolean(node: Node | None) -> bool | None:
    if node is None or node.kind != SCALAR or not isinstance(node.value, bool):
        return None
    return node.value


def span(source: Source, node: Node | None) -> Span | None:
    """Where a value is written, for a warning."""
    if node is None or node.start < 0:
        return None
    return Span(source, node.start, max(node.start + 1, node.end))


