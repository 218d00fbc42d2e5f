"""Decision coverage: the outcomes a rule file's tests must reach, and which of them can happen at all.

Coverage counts outcomes, not lines (a reformatted rule file has the same coverage, unlike OPA's line
coverage, open-policy-agent/opa#3844):

- each gate: `pass`, `fail`, `unknown`, and `skipped` when it has a `when`;
- each decision: `pass`, `fail`, `undecided` (and the verdict itself, when the header names no decision);
- each cohort rule: a team that advances (`true`), one that does not (`false`), one left `undecided`.

An outcome that no valid manifest can produce is left out of the count and shown as impossible: the
truth-value analysis of the checker decides `pass`/`fail`, and `unknown` is possible only where a
fact the rule reads may be missing (a required field, a field with a default, `known(...)` and
`default(x, known)` are never unknown).
"""

from __future__ import annotations

import attrs

from policy.check import CheckedModule
from policy.check.analysis import truth_values
from policy.check.types import GATE_RECORD
from policy.facts.schema import RecordT
from policy.source import Span
from policy.syntax import ast

GATE = ("pass", "fail", "unknown", "skipped")
DECISION = ("pass", "fail", "undecided")
COHORT = ("true", "false", "undecided")

# Built-ins that give unknown for a malformed argument (a licence expression or date they cannot read).
_PARTIAL = frozenset({"satisfies", "licenses", "date"})


@attrs.frozen
class Target:
    """A rule whose outcomes the tests should reach."""

    kind: str
    """`gate`, `decision`, `verdict` or `cohort`."""
    name: str
    outcomes: tuple[str, ...]
    """The outcomes counted, in the order shown."""
    impossible: frozenset[str]
    """Outcomes no valid manifest can produce: shown, but not counted."""
    span: Span | None = attrs.field(default=None, eq=False)


def targets(checked: CheckedModule) -> list[Target]:
    """The coverage targets of a checked rule file, in declaration order."""
    unknowns = _Unknowns(checked)
    out: list[Target] = []
    for decl in checked.module.declarations:
        match decl:
            case ast.Gate(when=when, require=require) if require is not None:
                outcomes = GATE if when is not None else GATE[:3]
                possible = set()
                when_truths = truth_values(checked, when) if when is not None else frozenset({"true"})
                truths = truth_values(checked, require)
                if "true" in truths and when_truths - {"false"}:
                    possible.add("pass")
                if "false" in truths and "true" in when_truths:
                    possible.add("fail")
                if unknowns.gate(decl):
                    possible.add("unknown")
                if "false" in when_truths:
                    possible.add("skipped")
                impossible = frozenset(outcomes) - possible
                out.append(Target("gate", decl.name, outcomes, impossible, decl.name_span))
            case ast.Decision(value=value) if value is not None:
                out.append(Target("decision", decl.name, DECISION,
                                  _impossible(checked, value, unknowns, DECISION), decl.name_span))
            case ast.Cohort(advance=advance) if advance is not None:
                out.append(Target("cohort", decl.name, COHORT,
                                  _impossible(checked, advance, unknowns, COHORT), decl.name_span))
    if checked.module.header.verdict is None:
        disqualifying = [g for g in checked.gates if g.level == "disqualify"]
        impossible = frozenset({"fail", "undecided"}) if not disqualifying else frozenset()
        out.append(Target("verdict", "verdict", DECISION, impossible, checked.module.header.span))
    return out


def _impossible(checked: CheckedModule, expr: ast.Expr, unknowns: _Unknowns,
                names: tuple[str, str, str]) -> frozenset[str]:
    truths = truth_values(checked, expr)
    possible = {names[0]} if "true" in truths else set()
    if "false" in truths:
        possible.add(names[1])
    if unknowns.expr(expr, frozenset()):
        possible.add(names[2])
    return frozenset(names) - possible


class _Unknowns:
    """Whether an expression may be unknown on some valid manifest (an over-approximation)."""

    def __init__(self, checked: CheckedModule) -> None:
        self.c = checked
        self.rules: dict[str, bool] = {}
        self.decls = {d.name: d for d in checked.module.declarations}

    def gate(self, gate: ast.Gate) -> bool:
        parts = [e for e in (gate.when, gate.require) if e is not None]
        return any(self.expr(e, frozenset()) for e in parts)

    def rule(self, name: str) -> bool:
        if name not in self.rules:
            self.rules[name] = True  # a cycle is an error the checker reports
            decl = self.decls[name]
            if isinstance(decl, ast.Gate):
                self.rules[name] = self.gate(decl)
            elif isinstance(decl, (ast.Score, ast.Decision)):
                self.rules[name] = decl.value is None or self.expr(decl.value, frozenset())
            elif isinstance(decl, ast.Const):
                self.rules[name] = self.expr(decl.value, frozenset())
        return self.rules[name]

    def expr(self, expr: ast.Expr, variables: frozenset[str]) -> bool:
        def sub(e: ast.Expr) -> bool:
            return self.expr(e, variables)

        match expr:
            case ast.Number() | ast.String() | ast.Date() | ast.Bool():
                return False
            case ast.Name(name):
                if name in variables:
                    return False
                binding = self.c.names.get(id(expr))
                if binding is None:
                    return True
                if binding.kind == "fact":
                    field = self.c.schema.fields[name]
                    return not field.required and field.default is None
                if binding.kind in ("const", "gate", "score", "decision"):
                    return self.rule(name)
                if binding.kind == "cohort":
                    return name == "rank"  # a team with no rank
                return binding.kind not in ("gates", "var")
            case ast.Field(obj, name):
                obj_type = self.c.types.get(id(obj))
                if isinstance(obj_type, RecordT) and obj_type == GATE_RECORD:
                    return name == "passed" and any(self.gate(g) for g in self.c.gates)
                field = self.c.fields.get(id(expr))
                if field is None:
                    return True
                return sub(obj) or (not field.required and field.default is None)
            case ast.Index():
                return True  # out of range
            case ast.Call("known"):
                return False
            case ast.Call("default", (_, fallback)):
                return sub(fallback)
            case ast.Call(fn, args):
                return fn in _PARTIAL or any(sub(a) for a in args)
            case ast.Neg(operand) | ast.Not(operand):
                return sub(operand)
            case ast.Binary("/", left, right):
                nonzero = isinstance(right, ast.Number) and right.value != 0
                return not nonzero or sub(left)
            case ast.Binary(_, left, right):
                return sub(left) or sub(right)
            case ast.Quantifier(kind, var, collection, where, body):
                inner = variables | {var}
                if kind in ("min", "max") or sub(collection):
                    return True  # min and max of nothing are unknown
                return any(self.expr(e, inner) for e in (where, body) if e is not None)
            case ast.If(cond, then, otherwise):
                return sub(cond) or sub(then) or sub(otherwise)
            case ast.ListLit(items) | ast.SetLit(items):
                return any(sub(i) for i in items)
        return True
