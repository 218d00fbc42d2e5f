"""Invariants of the language, searched with hypothesis over generated rule files and manifests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import modules

from policy.check import check
from policy.compile.program import Program
from policy.facts.generate import Hints, manifests
from policy.facts.load import manifest_from_mapping
from policy.facts.schema import MANIFEST, RecordT
from policy.source import Source
from policy.syntax import unparse
from policy.syntax.parser import parse
from policy.verdict import Status

HINTS = Hints.of(["random", "pretrained", "copy", "in_house", "open_source", "common"])


def compile_ok(module: Any) -> Program:
    checked, diagnostics = check(module, MANIFEST)
    assert not diagnostics.has_errors, diagnostics.render()
    return Program.build(checked)


@given(modules())
def test_parse_of_unparse_is_identity(module: Any) -> None:
    text = unparse.module(module)
    reparsed = parse(Source("<generated>", text))
    assert reparsed == module
    assert unparse.module(reparsed) == text


@given(modules(), manifests(hints=HINTS))
def test_compiled_evaluator_agrees_with_reference(module: Any, data: dict[str, Any]) -> None:
    program = compile_ok(module)
    assert program.values(data) == program.reference_values(data)


@given(manifests(hints=HINTS))
def test_generated_manifests_are_valid(data: dict[str, Any]) -> None:
    manifest_from_mapping(data)


def removable(data: dict[str, Any], record: RecordT, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths of stated facts that may be left out without changing any value: optional keys with no
    default, at any depth (list elements stay: a list is one complete fact)."""
    for key, field in record.fields.items():
        if key not in data:
            continue
        if not field.required and field.default is None:
            yield (*path, key)
        value = data[key]
        if isinstance(field.type, RecordT) and isinstance(value, dict):
            yield from removable(value, field.type, (*path, key))
        item = getattr(field.type, "item", None)
        if isinstance(item, RecordT) and isinstance(value, list):
            for i, element in enumerate(value):
                yield from removable(element, item, (*path, key, i))


def without(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    smaller = copy.deepcopy(data)
    node: Any = smaller
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return smaller


@given(modules(total=False), manifests(hints=HINTS), st.data())
def test_stating_a_fact_never_changes_a_decided_gate(module: Any, data: dict[str, Any], pick: st.DataObject) -> None:
    """Kleene logic is monotone: a gate decided without a fact keeps its status once the fact is stated
    (`known` and `default`, which ask whether a fact is stated, are left out of these programs)."""
    paths = list(removable(data, MANIFEST))
    if not paths:
        return
    chosen = pick.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True))
    smaller = data
    for path in sorted(chosen, key=len, reverse=True):
        try:
            smaller = without(smaller, path)
        except (KeyError, IndexError):
            continue  # an ancestor was already removed
    program = compile_ok(module)
    before, after = program.values(smaller), program.values(data)
    for gate, status in before.gates.items():
        if status in (Status.PASS, Status.FAIL):
            assert after.gates[gate] is status, gate
    for score, value in before.scores.items():
        if value is not None:
            assert after.scores[score] == value, score
