"""The search for counterexamples to the invariants a rule file declares.

`holds: <condition>` must be true for every valid manifest: a manifest on which it is false is a
counterexample, one on which it is unknown is not. `monotone: <score> over <facts>` says that raising
any listed fact (within its bounds in the schema) never lowers the score: a manifest and a raise that
lower it are a counterexample; a pair where the score is unknown before or after is skipped.

Manifests come from `policy.facts.generate.manifests`, over the part of the schema the invariant
reads (itself or through the rules it uses) and steered towards the strings and numbers those rules
mention. The search is hypothesis's, with a fixed seed, a bounded number of manifests and no example
database (nothing is written to disk); a counterexample is shrunk to a small manifest and printed as
YAML that `dokpamo-check` accepts as it is.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from policy.check import CheckedModule
from policy.check.checker import fact_path, walk
from policy.compile.interpret import Interpreter, Unknown
from policy.compile.runtime import text as value_text
from policy.facts.generate import Hints, manifests, only_given_constants
from policy.facts.load import decimal_text
from policy.facts.schema import Field, ListT, NumberT, RecordT, StringT
from policy.source import Span
from policy.syntax import ast, unparse

DEFAULT_EXAMPLES = 200
DEFAULT_SEED = 0


@attrs.frozen
class Counterexample:
    """A valid manifest that breaks an invariant, and how."""

    manifest: dict[str, Any]
    explanation: str
    """E.g. "`total <= 100` is false (total = 120)"."""


@attrs.frozen
class InvariantResult:
    """What the search found for one invariant."""

    name: str
    span: Span | None
    tried: int
    """How many manifests (or pairs of manifests, for `monotone`) were evaluated."""
    counterexample: Counterexample | None


def hints(module: ast.Module, names: set[str] | None = None) -> Hints:
    """The strings and numbers a rule file mentions (in the declarations named, when given), for
    the generator to favour."""
    strings: set[str] = set()
    numbers: set[Decimal] = set()
    for decl in module.declarations:
        if names is not None and decl.name not in names:
            continue
        for expr in _expressions(decl):
            for node in walk(expr):
                if isinstance(node, ast.String):
                    strings.add(node.value)
                elif isinstance(node, ast.Number):
                    numbers.add(node.value)
    return Hints.of(strings, numbers)


def _expressions(decl: ast.Declaration) -> Iterator[ast.Expr]:
    match decl:
        case ast.Const(value=value):
            yield value
        case ast.Gate(when=when, require=require):
            yield from (e for e in (when, require) if e is not None)
        case ast.Score(max=maximum, value=value):
            yield from (e for e in (maximum, value) if e is not None)
        case ast.Decision(value=value) if value is not None:
            yield value
        case ast.Cohort():
            yield from (e for e in (decl.members, decl.among, decl.advance) if e is not None)
            yield from (k.expr for k in decl.rank)
        case ast.Invariant(holds=holds) if holds is not None:
            yield holds


def check_invariants(checked: CheckedModule, examples: int = DEFAULT_EXAMPLES,
                     seed: int = DEFAULT_SEED) -> list[InvariantResult]:
    """Search each declared invariant for a counterexample."""
    return [_Search(checked, invariant, examples, seed).run() for invariant in checked.invariants]


class _Search:
    def __init__(self, checked: CheckedModule, invariant: ast.Invariant, examples: int, seed: int) -> None:
        self.c = checked
        self.invariant = invariant
        uses = _closure(checked, invariant)
        self.hints = hints(checked.module, uses)
        self.examples = examples
        self.seed = seed
        self.tried = 0
        # Generate only what can change the outcome: the sections the invariant reads, itself or
        # through the rules it uses, without the optional values no rule reads, and favour the
        # strings and numbers those rules mention. Many manifests state every value that is read
        # (the first choice, which hypothesis tries most), so the search does not depend on luck.
        sections = set().union(*(checked.fact_roots.get(name, set()) for name in uses))
        read = {id(checked.fields[id(node)]) for decl in checked.module.declarations if decl.name in uses
                for expr in _expressions(decl) for node in walk(expr) if id(node) in checked.fields}
        self.manifests = st.one_of(
            manifests(_focused(checked.schema, sections, read, stated=True), self.hints),
            manifests(_focused(checked.schema, sections, read, stated=False), self.hints),
        )

    def run(self) -> InvariantResult:
        counterexample = None
        if self.invariant.holds is not None:
            counterexample = self.search(self.manifests, self.breaks_holds)
        if counterexample is None and self.invariant.monotone is not None:
            counterexample = self.search(self.raises(), self.breaks_monotone)
        return InvariantResult(self.invariant.name, self.invariant.name_span, self.tried, counterexample)

    def search(self, strategy: st.SearchStrategy[Any], broken: Any) -> Counterexample | None:
        def condition(example: Any) -> bool:
            self.tried += 1
            return broken(example) is not None

        options = settings(
            max_examples=self.examples, database=None, deadline=None, derandomize=False,
            phases=[Phase.generate, Phase.shrink], verbosity=Verbosity.quiet,
            suppress_health_check=list(HealthCheck),
        )
        try:
            with only_given_constants():
                example = find(strategy, condition, settings=options, random=random.Random(self.seed))
        except NoSuchExample:
            return None
        found: Counterexample | None = broken(example)
        return found

    # ------------------------------------------------------------ holds
    def values(self, data: Mapping[str, Any]) -> Interpreter:
        interpreter = Interpreter(self.c, data)
        interpreter.run()
        return interpreter

    def breaks_holds(self, data: dict[str, Any]) -> Counterexample | None:
        assert self.invariant.holds is not None
        interpreter = self.values(data)
        if interpreter.value(self.invariant.holds) is not False:
            return None
        names = dict.fromkeys(n.id for n in walk(self.invariant.holds)
                              if isinstance(n, ast.Name) and n.id in interpreter.rules)
        shown = ", ".join(f"{n} = {_show(interpreter.rules[n])}" for n in names)
        explanation = f"`{unparse.expression(self.invariant.holds)}` is false"
        if shown:
            explanation += f" ({shown})"
        return Counterexample(data, explanation)

    # ------------------------------------------------------------ monotone
    def raises(self) -> st.SearchStrategy[tuple[dict[str, Any], int, Decimal, Decimal]]:
        """A manifest, which listed fact to raise, and from what value to what value."""
        assert self.invariant.monotone is not None
        paths = [_path(e, self.c) for e in self.invariant.monotone.over]
        draws = [self.number(_number_type(self.c.schema, p)) for p in paths]
        return st.one_of([st.tuples(self.manifests, st.just(i), draw, draw) for i, draw in enumerate(draws)])

    def number(self, t: NumberT) -> st.SearchStrategy[Decimal]:
        low = t.minimum if t.minimum is not None else Decimal(-1000)
        high = t.maximum if t.maximum is not None else Decimal(1000)
        if t.integer:
            lowest = int(low.to_integral_value("ROUND_CEILING"))
            low = Decimal(lowest + 1 if t.exclusive_minimum and low == lowest else lowest)
            drawn = st.integers(int(low), int(high.to_integral_value("ROUND_FLOOR"))).map(Decimal)
        else:
            low = low + Decimal("0.01") if t.exclusive_minimum else low
            drawn = st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False)
        # A raise that crosses a threshold the rules mention is what breaks monotonicity: try the
        # thresholds and their neighbours.
        step = Decimal(1) if t.integer else Decimal("0.01")
        near = sorted({n + d for n in self.hints.numbers for d in (-step, Decimal(0), step)})
        fitting = [n for n in near if low <= n <= high and (not t.integer or n == int(n))]
        return st.one_of(st.sampled_from(fitting), drawn) if fitting else drawn

    def breaks_monotone(self, example: tuple[dict[str, Any], int, Decimal, Decimal]) -> Counterexample | None:
        monotone = self.invariant.monotone
        assert monotone is not None
        data, i, a, b = example
        low, high = min(a, b), max(a, b)
        path = _path(monotone.over[i], self.c)
        before, after = _with(data, path, low), _with(data, path, high)
        if before is None or after is None:
            return None
        old = self.values(before).rules.get(monotone.score)
        new = self.values(after).rules.get(monotone.score)
        if isinstance(old, Unknown) or isinstance(new, Unknown) or old is None or new is None or new >= old:
            return None
        explanation = (f"raising `{'.'.join(path)}` from {decimal_text(low)} to {decimal_text(high)} lowers "
                       f"`{monotone.score}` from {_show(old)} to {_show(new)}")
        return Counterexample(before, explanation)


def _focused(schema: RecordT, sections: set[str], read: set[int], *, stated: bool) -> RecordT:
    """The manifest schema cut down to the given sections, without the optional values no rule reads
    (records and lists are kept whole); with `stated`, every value that is read is required. A
    required string no rule reads, outside lists (the team's and the model's names), is always
    `counterexample`: nothing to shrink, and a readable manifest."""
    fields = {}
    for name, field in schema.fields.items():
        if not field.required and name not in sections:
            continue
        fields[name] = _focused_field(field, read, stated, section=True, in_list=False)
    return RecordT(schema.name, fields, schema.unique_key)


def _focused_field(field: Field, read: set[int], stated: bool, *, section: bool, in_list: bool) -> Field:
    t = field.type
    if isinstance(t, RecordT):
        t = _record(t, read, stated, in_list)
    elif isinstance(t, ListT) and isinstance(t.item, RecordT):
        t = ListT(_record(t.item, read, stated, True))
    elif isinstance(t, StringT) and field.required and id(field) not in read and not in_list \
            and (t.pattern is None or re.fullmatch(t.pattern, _PLACEHOLDER)):
        t = StringT(pattern=_PLACEHOLDER)
    required = field.required or (stated and (section or id(field) in read))
    return attrs.evolve(field, type=t, required=required)


def _record(record: RecordT, read: set[int], stated: bool, in_list: bool) -> RecordT:
    fields = {name: _focused_field(f, read, stated, section=False, in_list=in_list)
              for name, f in record.fields.items()
              if f.required or id(f) in read or isinstance(f.type, (RecordT, ListT))}
    return RecordT(record.name, fields, record.unique_key)


_PLACEHOLDER = "counterexample"


def _closure(checked: CheckedModule, invariant: ast.Invariant) -> set[str]:
    """The invariant and every rule and constant it uses, directly or not."""
    pending = [invariant.name] + ([invariant.monotone.score] if invariant.monotone is not None else [])
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for used in checked.uses.get(name, ()):
            if used == "gates":
                pending.extend(g.name for g in checked.gates)
            else:
                pending.append(used)
    return seen


def _path(expr: ast.Expr, checked: CheckedModule) -> list[str]:
    written = fact_path(expr, checked.names)
    if written is None:  # the checker accepts only fact paths here
        raise ValueError(f"`{unparse.expression(expr)}` is not a manifest fact")
    return written.split(".")


def _number_type(schema: RecordT, path: Sequence[str]) -> NumberT:
    t: Any = schema
    for part in path:
        t = t.fields[part].type
    if not isinstance(t, NumberT):  # the checker accepts only numbers here
        raise TypeError(f"`{'.'.join(path)}` is not a number")
    return t


def _with(data: dict[str, Any], path: Sequence[str], value: Decimal) -> dict[str, Any] | None:
    """`data` with the fact at `path` set, creating missing records; `None` when a missing record
    has required fields (the result would not be a valid manifest)."""
    out = copy.deepcopy(data)
    record = out
    for part in path[:-1]:
        if part not in record:
            record[part] = {}
        record = record[part]
        if not isinstance(record, dict):
            return None
    record[path[-1]] = value
    return out if _valid(out) else None


def _valid(data: dict[str, Any]) -> bool:
    from policy.facts.load import ManifestError, manifest_from_mapping

    try:
        manifest_from_mapping(data)
    except ManifestError:
        return False
    return True


def _show(value: Any) -> str:
    return "unknown" if isinstance(value, Unknown) else value_text(value)


# ---------------------------------------------------------------- YAML

