"""The linter: the checker's diagnostics plus the findings that need a view of the whole policy.

On top of `check` (names, types, unused constants, missing languages, scores above their maximum,
gates that can never fail, pass or apply), it reports:

- `lint.shadowed-name`: a declaration that cohort rules cannot see, because `rank`, `members` and
  `ranked` mean the team's standing inside them;
- `lint.duplicate-gate`: two gates that ask the same thing (same `when`, same conditions in any order);
- `lint.overlapping-gates`: a gate that asks everything another gate asks and more, so a manifest that
  fails the smaller one fails both and the same defect is reported twice;
- `lint.contradictory-gates`: two gates no manifest can pass together, e.g. `x == "a"` in one and
  `x == "b"` in the other;
- `lint.contradictory-requirement`: a gate whose own conditions contradict each other, so it never passes;
- `lint.score-max-unreachable`: a score whose formula cannot reach its declared maximum.

Conditions are compared after a normalisation (`and`/`or` operands and set items sorted, constants
written out, comparisons turned to face the same way), not by meaning in general: a finding is
certain, but two gates that mean the same in different words may go unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import attrs

from policy.check import CheckedModule, check
from policy.check.analysis import INF, score_ranges
from policy.check.checker import COHORT_NAMES
from policy.diagnostics import Diagnostic, Diagnostics, Severity
from policy.facts.schema import MANIFEST, RecordT
from policy.source import Source, Span
from policy.syntax import ast, unparse
from policy.syntax.parser import parse


def lint_text(text: str, name: str, schema: RecordT = MANIFEST) -> Diagnostics:
    """Every diagnostic of a rule file: syntax errors only when it does not parse, else the checker's
    and, when it is well typed, the whole-policy lints."""
    from policy.diagnostics import DiagnosticError

    try:
        module = parse(Source(name, text))
    except DiagnosticError as exc:
        return exc.diagnostics
    checked, diagnostics = check(module, schema)
    if not diagnostics.has_errors:
        diagnostics.extend(lint(checked))
    return diagnostics


def lint(checked: CheckedModule) -> list[Diagnostic]:
    """The whole-policy lints of a well-typed rule file."""
    return [*_shadowed(checked), *_gates(checked), *_score_maxima(checked)]


def strict(diagnostics: Diagnostics) -> Diagnostics:
    """The same diagnostics with every warning made an error (`dokpamo lint --strict`)."""
    return Diagnostics([attrs.evolve(d, severity=Severity.ERROR) if d.severity is Severity.WARNING else d
                        for d in diagnostics.items])


# ---------------------------------------------------------------- names

def _shadowed(checked: CheckedModule) -> Iterator[Diagnostic]:
    if not checked.cohorts:
        return
    for decl in checked.module.declarations:
        if decl.name in COHORT_NAMES and not isinstance(decl, ast.Cohort):
            yield Diagnostic(
                "lint.shadowed-name", Severity.WARNING,
                f"`{decl.name}` cannot be used in cohort rules, where it means the team's "
                f"{_COHORT_MEANING[decl.name]}",
                decl.name_span, help="rename it",
            )


_COHORT_MEANING = {"rank": "rank", "members": "number of members", "ranked": "number of ranked teams"}


# ---------------------------------------------------------------- gates

@attrs.frozen
class _Condition:
    """One top-level condition of a requirement (an operand of its `and` chain), normalised."""

    key: str
    expr: ast.Expr


def _gates(checked: CheckedModule) -> Iterator[Diagnostic]:
    normal = _Normaliser(checked)
    gates = [g for g in checked.gates if g.require is not None]
    conditions = {g.name: [_Condition(normal.text(c), c) for c in _conjuncts(g.require)]
                  for g in gates if g.require is not None}
    when = {g.name: normal.text(g.when) if g.when is not None else "" for g in gates}
    for gate in gates:
        own = conditions[gate.name]
        for i, a in enumerate(own):
            for b in own[i + 1 :]:
                if normal.contradict(a.expr, b.expr):
                    yield Diagnostic(
                        "lint.contradictory-requirement", Severity.WARNING,
                        f"gate `{gate.name}` can never pass: `{_show(a.expr)}` and `{_show(b.expr)}` "
                        "cannot both hold",
                        gate.name_span, help="one of the two conditions is wrong",
                    )
    duplicates: set[str] = set()
    for i, a in enumerate(gates):
        for b in gates[i + 1 :]:
            if a.name in duplicates or b.name in duplicates:
                continue  # a duplicate's findings would repeat those of the gate it copies
            for diagnostic in _pair(a, b, conditions, when, normal):
                if diagnostic.code == "lint.duplicate-gate":
                    duplicates.add(b.name)
                yield diagnostic


def _pair(a: ast.Gate, b: ast.Gate, conditions: dict[str, list[_Condition]], when: dict[str, str],
          normal: _Normaliser) -> Iterator[Diagnostic]:
    keys_a = {c.key for c in conditions[a.name]}
    keys_b = {c.key for c in conditions[b.name]}
    same_when = when[a.name] == when[b.name]
    if same_when and keys_a == keys_b:
        yield Diagnostic("lint.duplicate-gate", Severity.WARNING,
                         f"gate `{b.name}` asks the same as gate `{a.name}`", b.name_span,
                         help=f"remove one of them (`{a.name}` is at {_where(a.name_span)})")
        return
    if same_when and (keys_a < keys_b or keys_b < keys_a):
        big, small = (a, b) if keys_b < keys_a else (b, a)
        extra = [c for c in conditions[big.name] if c.key not in (keys_a & keys_b)]
        yield Diagnostic(
            "lint.overlapping-gates", Severity.WARNING,
            f"gate `{big.name}` asks everything gate `{small.name}` asks, so a manifest that fails "
            f"`{small.name}` fails both", big.name_span,
            help=f"keep only `{_show(extra[0].expr)}` in `{big.name}`, or merge the two gates "
                 f"(`{small.name}` is at {_where(small.name_span)})",
        )
        return
    for x in conditions[a.name]:
        for y in conditions[b.name]:
            if normal.contradict(x.expr, y.expr):
                applies = "" if a.when is None and b.when is None else " where both apply"
                disqualify = a.level == b.level == "disqualify" and not applies
                yield Diagnostic(
                    "lint.contradictory-gates", Severity.WARNING,
                    f"no manifest passes both gate `{a.name}` and gate `{b.name}`{applies}"
                    + (", so none is eligible" if disqualify else ""), b.name_span,
                    help=f"`{_show(x.expr)}` ({_where(x.expr.span)}) and `{_show(y.expr)}` "
                         f"({_where(y.expr.span)}) cannot both hold",
                )
                return


def _conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def _show(expr: ast.Expr) -> str:
    text = unparse.expression(expr)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(span: Span | None) -> str:
    return f"line {span.line}" if span is not None else "another line"


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_LITERALS = (ast.Number, ast.String, ast.Bool, ast.Date)


class _Normaliser:
    """Canonical texts of conditions, and the contradictions that can be read off their shape."""

    def __init__(self, checked: CheckedModule) -> None:
        self.consts = checked.consts
        self.names = checked.names

    def inline(self, expr: ast.Expr) -> ast.Expr:
        """A constant's value in place of its name."""
        seen: set[str] = set()
        while isinstance(expr, ast.Name) and expr.id in self.consts and expr.id not in seen:
            binding = self.names.get(id(expr))
            if binding is None or binding.kind != "const":
                break
            seen.add(expr.id)
            expr = self.consts[expr.id].value
        return expr

    def text(self, expr: ast.Expr) -> str:
        expr = self.inline(expr)
        match expr:
            case ast.Binary("and" | "or" as op):
                parts = sorted({self.text(p) for p in _chain(expr, op)})
                return "(" + f" {op} ".join(parts) + ")"
            case ast.Binary(op, left, right) if op in _MIRROR:
                a, b = self.text(left), self.text(right)
                if op in ("==", "!=") and b < a:
                    a, b = b, a
                elif op in ("<", "<="):  # `a < b` is written `b > a`
                    a, b, op = b, a, _MIRROR[op]
                return f"({a} {op} {b})"
            case ast.Binary(op, left, right):
                return f"({self.text(left)} {op} {self.text(right)})"
            case ast.Not(ast.Not(inner)):
                return self.text(inner)
            case ast.Not(operand):
                return f"(not {self.text(operand)})"
            case ast.Neg(operand):
                return f"(-{self.text(operand)})"
            case ast.SetLit(items):
                return "{" + ", ".join(sorted({self.text(i) for i in items})) + "}"
            case ast.ListLit(items):
                return "[" + ", ".join(self.text(i) for i in items) + "]"
            case ast.Field(obj, name):
                return f"{self.text(obj)}.{name}"
            case ast.Index(obj, index):
                return f"{self.text(obj)}[{self.text(index)}]"
            case ast.Call(fn, args):
                return f"{fn}(" + ", ".join(self.text(a) for a in args) + ")"
            case ast.Quantifier(kind, var, collection, where, body):
                text = f"({kind} {var} in {self.text(collection)}"
                text += f" where {self.text(where)}" if where is not None else ""
                return text + (f": {self.text(body)})" if body is not None else ")")
            case ast.If(cond, then, otherwise):
                return f"(if {self.text(cond)} then {self.text(then)} else {self.text(otherwise)})"
        return unparse.expression(expr)

    # ------------------------------------------------------------ contradictions
    def contradict(self, a: ast.Expr, b: ast.Expr) -> bool:
        """Whether `a` and `b` cannot both be true (read off their shape; false when unsure)."""
        a, b = self.inline(a), self.inline(b)
        if isinstance(a, ast.Not) and self.text(a.operand) == self.text(b):
            return True
        if isinstance(b, ast.Not) and self.text(b.operand) == self.text(a):
            return True
        x, y = self.constraint(a), self.constraint(b)
        if x is None or y is None or x[0] != y[0]:
            return False
        return not _overlap(x[1], y[1])

    def constraint(self, expr: ast.Expr) -> tuple[str, _Values] | None:
        """`(subject, the values it may take)` for a comparison of a subject with literals."""
        if not isinstance(expr, ast.Binary):
            return None
        op, left, right = expr.op, self.inline(expr.left), self.inline(expr.right)
        if op in ("in", "not in"):
            values = self.literals(right)
            if values is None or self.literal(left) is not None:
                return None
            return self.text(left), _Values(frozenset(values), op == "in")
        if op not in _MIRROR:
            return None
        if self.literal(left) is not None and self.literal(right) is None:
            left, right, op = right, left, _MIRROR[op]
        value = self.literal(right)
        if value is None or self.literal(left) is not None:
            return None
        subject = self.text(left)
        if op == "==":
            return subject, _Values(frozenset({value}), True)
        if op == "!=":
            return subject, _Values(frozenset({value}), False)
        if not isinstance(value, Decimal):
            return None
        low, high = (value, INF) if op in (">", ">=") else (-INF, value)
        return subject, _Values(None, True, low, high, op in (">=", "<="))

    def literal(self, expr: ast.Expr) -> object | None:
        expr = self.inline(expr)
        return expr.value if isinstance(expr, _LITERALS) else None

    def literals(self, expr: ast.Expr) -> list[object] | None:
        expr = self.inline(expr)
        if not isinstance(expr, (ast.SetLit, ast.ListLit)):
            return None
        values = [self.literal(i) for i in expr.items]
        return None if any(v is None for v in values) else values


@attrs.frozen
class _Values:
    """A set of values: listed (`members`, or everything but them when not `inside`) or a range."""

    members: frozenset[object] | None
    inside: bool
    low: Decimal = -INF
    high: Decimal = INF
    closed: bool = True
    """Whether the finite end of the range is included."""

    def holds(self, value: object) -> bool:
        if self.members is not None:
            return (value in self.members) == self.inside
        if not isinstance(value, Decimal):
            return False
        above = value > self.low or (self.closed and value == self.low)
        below = value < self.high or (self.closed and value == self.high)
        return above and below


def _overlap(x: _Values, y: _Values) -> bool:
    """Whether some value satisfies both (true when unsure)."""
    for a, b in ((x, y), (y, x)):
        if a.members is not None and a.inside:
            return any(b.holds(v) for v in a.members)
    if x.members is None and y.members is None:
        low = max(x.low, y.low)
        high = min(x.high, y.high)
        if low < high:
            return True
        if low > high:
            return False
        return x.holds(low) and y.holds(low)
    return True


def _chain(expr: ast.Expr, op: str) -> list[ast.Expr]:
    if isinstance(expr, ast.Binary) and expr.op == op:
        return _chain(expr.left, op) + _chain(expr.right, op)
    return [expr]


# ---------------------------------------------------------------- scores

def _score_maxima(checked: CheckedModule) -> Iterator[Diagnostic]:
    scores = {s.name: s for s in checked.scores}
    for name, (value, maximum) in score_ranges(checked).items():
        if maximum.lo != maximum.hi or value.hi == INF or value.hi >= maximum.hi:
            continue
        reach = _number(value.hi)
        yield Diagnostic(
            "lint.score-max-unreachable", Severity.WARNING,
            f"score `{name}` can reach at most {reach}, less than its maximum {_number(maximum.hi)}",
            scores[name].max.span if scores[name].max is not None else scores[name].name_span,
            help=f"declare `max: {reach}`, or check the formula and the bounds of the facts it reads",
        )


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
