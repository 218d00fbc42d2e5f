"""A compiled policy: the fast evaluator for decisions, the reference interpreter for explanations.

The compiled function decides every gate, score and decision; the interpreter, which is tested to
agree with it, then explains what needs explaining: messages, witnesses of failed and unknown gates,
score breakdowns, the trace.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from policy import __version__
from policy.check.checker import CheckedModule
from policy.compile.codegen import Decide, compile_module
from policy.compile.interpret import Interpreter, RuleValues, Unknown, gate_truth
from policy.compile.runtime import text
from policy.syntax import ast, unparse
from policy.verdict import (
    DecisionResult,
    GateResult,
    Level,
    Location,
    ManifestInfo,
    Outcome,
    PolicyInfo,
    RuleRef,
    ScoreResult,
    Status,
    Term,
    TraceStep,
    Verdict,
)

ENGINE = f"dokpamo {__version__}"


def canonical_digest(module: ast.Module) -> str:
    """`sha256:` of the canonical text: formatting and comments do not change it."""
    return "sha256:" + hashlib.sha256(unparse.module(module).encode("utf-8")).hexdigest()


def rule_ref(span: Any) -> RuleRef | None:
    if span is None:
        return None
    return RuleRef(span.source.name, span.line, span.column)


def outcome(value: bool | None) -> Outcome:
    return Outcome.PASS if value is True else Outcome.FAIL if value is False else Outcome.UNDECIDED


@attrs.define
class Program:
    """A checked rule file with its compiled evaluator."""

    checked: CheckedModule
    decide: Decide
    info: PolicyInfo

    @classmethod
    def build(cls, checked: CheckedModule) -> Program:
        decide = compile_module(checked)
        header = checked.module.header
        info = PolicyInfo(
            name=header.name,
            version=header.version or "",
            digest=canonical_digest(checked.module),
            title={e.lang: e.value for e in header.title.entries} if header.title else {},
            effective=header.effective.isoformat() if header.effective else "",
        )
        return cls(checked, decide, info)

    # ------------------------------------------------------------ deciding
    def values(self, data: Mapping[str, Any]) -> RuleValues:
        """What the compiled evaluator decides."""
        statuses, scores, decisions, verdict = self.decide(data)
        c = self.checked
        return RuleValues(
            gates=dict(zip((g.name for g in c.gates), statuses, strict=True)),
            scores=dict(zip((s.name for s in c.scores), scores, strict=True)),
            decisions=dict(zip((d.name for d in c.decisions), decisions, strict=True)),
            verdict=verdict,
        )

    def reference_values(self, data: Mapping[str, Any]) -> RuleValues:
        """What the reference interpreter decides; equal to `values` on every input."""
        return Interpreter(self.checked, data).run()

    # ------------------------------------------------------------ explaining
    def verdict(self, data: Mapping[str, Any], manifest: ManifestInfo,
                locate: Callable[[str], Location | None], *, explain: bool = False) -> Verdict:
        decided = self.values(data)
        interpreter = Interpreter(self.checked, data, locate)
        interpreter.seed(decided)
        c = self.checked
        missing: set[str] = set()
        gates = []
        for gate in c.gates:
            status = decided.gates[gate.name]
            witnesses: tuple = ()
            gate_missing: frozenset[str] = frozenset()
            if status in (Status.FAIL, Status.UNKNOWN):
                when = interpreter.value(gate.when) if gate.when is not None else True
                if isinstance(when, Unknown) and status is Status.UNKNOWN:
                    gate_missing = when.missing
                assert gate.require is not None
                witnesses, require_missing = interpreter.explain(gate.require)
                gate_missing |= require_missing
            missing |= gate_missing
            gates.append(GateResult(
                gate.name, Level(gate.level), status, interpreter.render(gate.message), witnesses,
                tuple(sorted(gate_missing)), rule_ref(gate.name_span),
            ))
        scores = []
        for score in c.scores:
            value = decided.scores[score.name]
            terms, score_missing = self.breakdown(interpreter, score)
            missing |= score_missing
            maximum = interpreter.value(score.max)
            scores.append(ScoreResult(
                score.name, value, maximum if isinstance(maximum, Decimal) else Decimal(0), terms,
                tuple(sorted(score_missing)), rule_ref(score.name_span),
            ))
        decisions = []
        for decision in c.decisions:
            value = decided.decisions[decision.name]
            because = () if value is True else self.because(decision.name, decided)
            if value is None:
                missing |= _missing(interpreter.value(decision.value))
            decisions.append(DecisionResult(decision.name, outcome(value), because, rule_ref(decision.name_span)))
        return Verdict(
            decision=outcome(decided.verdict),
            decisions=tuple(decisions),
            gates=tuple(gates),
            scores=tuple(scores),
            missing=tuple(sorted(missing)),
            policy=self.info,
            manifest=manifest,
            engine=ENGINE,
            trace=self.trace(interpreter) if explain else (),
        )

    def breakdown(self, interpreter: Interpreter, score: ast.Score) -> tuple[tuple[Term, ...], frozenset[str]]:
        """The inputs of a score's formula: the scores it uses and the facts it reads."""
        assert score.value is not None
        interpreter.reads = []
        value = interpreter.value(score.value)
        reads, interpreter.reads = interpreter.reads, None
        terms: dict[str, Decimal | None] = {}
        for name in sorted(self.checked.uses.get(score.name, ())):
            if self.checked.kind_of(name) == "score":
                known = interpreter.rules[name]
                terms[name] = None if isinstance(known, Unknown) else known
        for fact in reads:
            if fact.value is None or isinstance(fact.value, Decimal):
                terms.setdefault(fact.path, fact.value)  # type: ignore[arg-type]
        return tuple(Term(k, v) for k, v in terms.items()), _missing(value)

    def because(self, name: str, decided: RuleValues) -> tuple[str, ...]:
        """The gates and decisions a decision used that did not hold."""
        uses = self.checked.uses.get(name, set())
        found = []
        for gate in self.checked.gates:
            if (gate.name in uses or "gates" in uses) and gate_truth(decided.gates[gate.name]) is not True:
                if "gates" in uses and gate.name not in uses and gate.level != "disqualify":
                    continue
                found.append(gate.name)
        found.extend(d.name for d in self.checked.decisions
                     if d.name in uses and decided.decisions[d.name] is not True)
        return tuple(found)

    def trace(self, interpreter: Interpreter) -> tuple[TraceStep, ...]:
        """Every rule's expression and value, with its top-level parts one level down."""
        steps: list[TraceStep] = []
        rules = {d.name: d for d in (*self.checked.gates, *self.checked.scores, *self.checked.decisions)}
        for name in self.checked.order:
            decl = rules[name]
            parts: list[tuple[str, ast.Expr]] = []
            if isinstance(decl, ast.Gate):
                if decl.when is not None:
                    parts.append(("when", decl.when))
                if decl.require is not None:
                    parts.append(("require", decl.require))
            elif decl.value is not None:  # type: ignore[union-attr]
                parts.append(("value", decl.value))  # type: ignore[union-attr]
            for item, expr in parts:
                steps.append(self.step(interpreter, name, f"{item}: {unparse.expression(expr)}", expr, 0))
                for part in _operands(expr):
                    steps.append(self.step(interpreter, name, unparse.expression(part), part, 1))
        return tuple(steps)

    @staticmethod
    def step(interpreter: Interpreter, rule: str, shown: str, expr: ast.Expr, depth: int) -> TraceStep:
        value = interpreter.value(expr)
        if isinstance(value, Unknown):
            shown_value = "unknown" + (f" (missing {', '.join(sorted(value.missing))})" if value.missing else "")
        else:
            shown_value = text(value)
        return TraceStep(rule, shown, shown_value, rule_ref(expr.span), depth)


def _operands(expr: ast.Expr) -> list[ast.Expr]:
    """The parts of a top-level `and`/`or` chain, flattened; nothing for other expressions."""
    if isinstance(expr, ast.Binary) and expr.op in ("and", "or"):
        out = []
        for side in (expr.left, expr.right):
            if isinstance(side, ast.Binary) and side.op == expr.op:
                out.extend(_operands(side))
            else:
                out.append(side)
        return out
    return []


def _missing(value: Any) -> frozenset[str]:
    return value.missing if isinstance(value, Unknown) else frozenset()
