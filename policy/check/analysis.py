"""Static analyses over a well-typed rule file.

- **Score bounds**: interval arithmetic over the schema's bounds (`scores.benchmark` is 0..40) finds a
  score whose formula can exceed its declared maximum.
- **Gate outcomes**: an abstract evaluation over the truth values `{true, false, unknown}` a requirement
  can take, with enumerations known exactly, finds gates that can never fail, never pass, or never apply.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from policy.check.checker import CheckedModule, literal_strings
from policy.diagnostics import Diagnostic, Diagnostics, Severity
from policy.facts.schema import EnumT, NumberT
from policy.syntax import ast

INF = Decimal("Infinity")


@attrs.frozen
class Interval:
    lo: Decimal = -INF
    hi: Decimal = INF

    def hull(self, other: Interval) -> Interval:
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))


ANYWHERE = Interval()
T, F, U = "true", "false", "unknown"
ALL_TRUTHS = frozenset({T, F, U})


def analyse(checked: CheckedModule) -> list[Diagnostic]:
    return _Analysis(checked).run()


def _mul(a: Decimal, b: Decimal) -> Decimal:
    if a == 0 or b == 0:
        return Decimal(0)
    return a * b


class _Analysis:
    def __init__(self, checked: CheckedModule) -> None:
        self.c = checked
        self.out = Diagnostics()
        self.score_bounds: dict[str, Interval] = {}
        self.const_bounds: dict[str, Interval] = {}

    def run(self) -> list[Diagnostic]:
        scores = {s.name: s for s in self.c.scores}
        gates = {g.name: g for g in self.c.gates}
        for name in self.c.order:
            if name in scores:
                self.check_score(scores[name])
            elif name in gates:
                self.check_gate(gates[name])
        return self.out.items

    # ------------------------------------------------------------ scores
    def check_score(self, score: ast.Score) -> None:
        if score.value is None or score.max is None:
            return
        bounds = self.interval(score.value)
        self.score_bounds[score.name] = bounds
        maximum = self.interval(score.max)
        if maximum.lo != maximum.hi:
            return
        if bounds.hi > maximum.hi:
            reach = "has no upper bound" if bounds.hi == INF else f"can reach {_fmt(bounds.hi)}"
            self.out.add(Diagnostic(
                "check.score-exceeds-max", Severity.WARNING,
                f"the formula of score `{score.name}` {reach}, more than its maximum {_fmt(maximum.hi)}",
                score.value.span, help=f"cap it with `min(..., {_fmt(maximum.hi)})`, or bound the facts it reads",
            ))

    def interval(self, expr: ast.Expr) -> Interval:
        t = self.c.types.get(id(expr))
        typed = Interval(
            t.minimum if isinstance(t, NumberT) and t.minimum is not None else -INF,
            t.maximum if isinstance(t, NumberT) and t.maximum is not None else INF,
        )
        match expr:
            case ast.Number(value):
                return Interval(value, value)
            case ast.Name(name):
                binding = self.c.names.get(id(expr))
                if binding is None:
                    return typed
                if binding.kind == "const":
                    if name not in self.const_bounds:
                        self.const_bounds[name] = ANYWHERE  # guards a cycle, reported by the checker
                        self.const_bounds[name] = self.interval(self.c.consts[name].value)
                    return self.const_bounds[name]
                if binding.kind == "score":
                    return self.score_bounds.get(name, ANYWHERE)
                if binding.kind == "cohort":
                    return Interval(Decimal(0), INF)
                return typed
            case ast.Neg(operand):
                inner = self.interval(operand)
                return Interval(-inner.hi, -inner.lo)
            case ast.Binary(op, left, right) if op in ast.ARITHMETIC:
                a, b = self.interval(left), self.interval(right)
                if op == "+":
                    return Interval(a.lo + b.lo, a.hi + b.hi)
                if op == "-":
                    return Interval(a.lo - b.hi, a.hi - b.lo)
                if op == "/":
                    if b.lo <= 0 <= b.hi:
                        return ANYWHERE
                    b = Interval(1 / b.hi, 1 / b.lo) if b.hi not in (INF, -INF) and b.lo not in (INF, -INF) \
                        else ANYWHERE
                corners = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
                return Interval(min(corners), max(corners))
            case ast.If(_, then, otherwise):
                return self.interval(then).hull(self.interval(otherwise))
            case ast.Call("min", (a, b)):
                x, y = self.interval(a), self.interval(b)
                return Interval(min(x.lo, y.lo), min(x.hi, y.hi))
            case ast.Call("max", (a, b)):
                x, y = self.interval(a), self.interval(b)
                return Interval(max(x.lo, y.lo), max(x.hi, y.hi))
            case ast.Call("default", (a, b)):
                return self.interval(a).hull(self.interval(b))
            case ast.Call("abs", (a,)):
                x = self.interval(a)
                top = max(abs(x.lo), abs(x.hi))
                return Interval(Decimal(0) if x.lo <= 0 <= x.hi else min(abs(x.lo), abs(x.hi)), top)
            case ast.Call("round", (a, _)):
                x = self.interval(a)
                return Interval(x.lo - 1, x.hi + 1) if x.hi != INF or x.lo != -INF else ANYWHERE
            case ast.Call("len") | ast.Quantifier("count"):
                return Interval(Decimal(0), INF)
            case ast.Quantifier("sum", body=body) if body is not None:
                inner = self.interval(body)
                return Interval(Decimal(0) if inner.lo >= 0 else -INF, Decimal(0) if inner.hi <= 0 else INF)
            case ast.Quantifier("min" | "max", body=body) if body is not None:
                return self.interval(body)
        return typed

    # ------------------------------------------------------------ gates
    def check_gate(self, gate: ast.Gate) -> None:
        if gate.when is not None and T not in self.truths(gate.when):
            self.warn("check.gate-never-applies", f"gate `{gate.name}` never applies: its `when` is never true",
                      gate.when)
            return
        if gate.require is None:
            return
        truths = self.truths(gate.require)
        if F not in truths:
            self.warn("check.gate-never-fails", f"gate `{gate.name}` can never fail", gate.require)
        elif T not in truths:
            self.warn("check.gate-never-passes", f"gate `{gate.name}` can never pass", gate.require)

    def warn(self, code: str, message: str, expr: ast.Expr) -> None:
        self.out.add(Diagnostic(code, Severity.WARNING, message, expr.span,
                                help="the schema's enumerations decide this; check the values the rule lists"))

    def truths(self, expr: ast.Expr) -> frozenset[str]:
        """The truth values `expr` can take on some valid manifest (an over-approximation)."""
        match expr:
            case ast.Bool(value):
                return frozenset({T if value else F})
            case ast.Not(operand):
                return frozenset({T: F, F: T, U: U}[v] for v in self.truths(operand))
            case ast.Binary("and" | "or" as op, left, right):
                a, b = self.truths(left), self.truths(right)
                return frozenset(_logic(op, x, y) for x in a for y in b)
            case ast.Binary("in" | "not in" as op, left, right):
                t = self.c.types.get(id(left))
                literals = literal_strings(right, self.c.consts)
                items = {s.value for s in literals}
                size = _collection_size(right, self.c.consts)
                inside: frozenset[str] | None = None
                if size == 0:
                    inside = frozenset({F, U})
                elif isinstance(t, EnumT) and len(literals) == size:
                    hit = {T} if items & set(t.values) else set()
                    miss = {F} if set(t.values) - items else set()
                    inside = frozenset(hit | miss | {U})
                if inside is not None:
                    return inside if op == "in" else frozenset({T: F, F: T, U: U}[v] for v in inside)
            case ast.Binary("==" | "!=" as op, left, ast.String(value)):
                t = self.c.types.get(id(left))
                if isinstance(t, EnumT) and value not in t.values:
                    return frozenset({F if op == "==" else T, U})
            case ast.Name(name) if name in self.c.consts:
                return self.truths(self.c.consts[name].value)
            case ast.Quantifier("all" | "any" | "none" as kind, _, _, where, body) if body is not None:
                filt = self.truths(where) if where is not None else frozenset({T})
                inner = self.truths(body)
                if kind == "all":
                    element = frozenset(_logic("or", {T: F, F: T, U: U}[w], b) for w in filt for b in inner)
                    return frozenset({T} | ({F} & element) | {U})
                element = frozenset(_logic("and", w, b) for w in filt for b in inner)
                found = frozenset({F} | ({T} & element) | {U})
                return found if kind == "any" else frozenset({T: F, F: T, U: U}[v] for v in found)
            case ast.If(_, then, otherwise):
                return self.truths(then) | self.truths(otherwise)
            case ast.Call("known"):
                return frozenset({T, F})
        return ALL_TRUTHS


def _collection_size(expr: ast.Expr, consts: dict[str, ast.Const]) -> int:
    if isinstance(expr, ast.Name) and expr.id in consts:
        expr = consts[expr.id].value
    return len(expr.items) if isinstance(expr, (ast.SetLit, ast.ListLit)) else -1


def _logic(op: str, a: str, b: str) -> str:
    if op == "and":
        if F in (a, b):
            return F
        return T if a == b == T else U
    if T in (a, b):
        return T
    return F if a == b == F else U


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def score_ranges(checked: CheckedModule) -> dict[str, tuple[Interval, Interval]]:
    """For each score with a formula and a maximum: the interval its formula can take on valid
    manifests (an over-approximation) and the interval of its declared maximum."""
    analysis = _Analysis(checked)
    scores = {s.name: s for s in checked.scores}
    ranges = {}
    for name in checked.order:
        score = scores.get(name)
        if score is None or score.value is None or score.max is None:
            continue
        value = analysis.interval(score.value)
        analysis.score_bounds[name] = value
        ranges[name] = (value, analysis.interval(score.max))
    return ranges


def truth_values(checked: CheckedModule, expr: ast.Expr) -> frozenset[str]:
    """The truth values (`"true"`, `"false"`, `"unknown"`) `expr` can take on some valid manifest;
    an over-approximation, exact for enumerations."""
    return _Analysis(checked).truths(expr)
