"""The reference interpreter: the semantics of the language, stated plainly as a tree walk.

It is the oracle the compiled evaluator is tested against, and it explains: which facts a rule read,
which elements failed a quantifier, what would change the outcome. Unknown values carry the paths of
the missing facts they came from, and logic is three-valued (Kleene): `false and unknown` is false,
`true or unknown` is true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from policy.check.checker import CheckedModule
from policy.compile.runtime import CONTEXT, FUNCTIONS, EvaluationError, number, text
from policy.facts.schema import NumberT
from policy.syntax import ast, unparse
from policy.verdict import Fact, Location, Status, Witness


@attrs.frozen
class Unknown:
    """A value that depends on missing facts."""

    missing: frozenset[str] = frozenset()


Value = Any
"""bool | Decimal | str | date | list | frozenset | Mapping | Unknown"""


@attrs.frozen
class RuleValues:
    """What a policy decides about one manifest: the same from both evaluators."""

    gates: dict[str, Status]
    scores: dict[str, Decimal | None]
    decisions: dict[str, bool | None]
    verdict: bool | None


def _unknown(*values: Value) -> Unknown | None:
    """The combined unknown of the arguments, or None when all are known."""
    missing = [v.missing for v in values if isinstance(v, Unknown)]
    if not missing:
        return None
    return Unknown(frozenset().union(*missing))


def gate_truth(status: Status, missing: frozenset[str] = frozenset()) -> Value:
    """A gate used as a bool: passed or skipped is true, failed false, unknown unknown."""
    if status is Status.FAIL:
        return False
    if status is Status.UNKNOWN:
        return Unknown(missing)
    return True


def gate_status(when: Value, require: Value) -> Status:
    if when is False:
        return Status.SKIPPED
    if require is True:
        return Status.PASS
    if require is False:
        return Status.FAIL if when is True else Status.UNKNOWN
    return Status.UNKNOWN


class Interpreter:
    """Evaluates a checked rule file against one manifest's data."""

    def __init__(self, checked: CheckedModule, data: Mapping[str, Any],
                 locate: Callable[[str], Location | None] = lambda _path: None) -> None:
        self.c = checked
        self.data = data
        self.locate = locate
        self.rules: dict[str, Value] = {}
        self.statuses: dict[str, Status] = {}
        self.consts: dict[str, Value] = {}
        self.cohort_names: dict[str, Value] = {}
        self.reads: list[Fact] | None = None
        self.gate_list: list[dict[str, Value]] | None = None

    # ------------------------------------------------------------ rules
    def run(self) -> RuleValues:
        gates = {g.name: g for g in self.c.gates}
        scores = {s.name: s for s in self.c.scores}
        decisions = {d.name: d for d in self.c.decisions}
        for name in self.c.order:
            if name in gates:
                self.gate(gates[name])
            elif name in scores:
                self.rules[name] = self.value(scores[name].value)
            else:
                self.rules[name] = self.value(decisions[name].value)
        return RuleValues(
            gates={g.name: self.statuses[g.name] for g in self.c.gates},
            scores={s.name: _known(self.rules[s.name]) for s in self.c.scores},
            decisions={d.name: _known(self.rules[d.name]) for d in self.c.decisions},
            verdict=_known(self.verdict()),
        )

    def seed(self, values: RuleValues) -> None:
        """Take every rule's value from the compiled evaluator instead of evaluating it again; what is
        then explained is evaluated on demand. An unknown taken this way names no missing facts: each
        rule's own explanation does."""
        self.statuses = dict(values.gates)
        for name, status in values.gates.items():
            self.rules[name] = gate_truth(status)
        for name, value in (*values.scores.items(), *values.decisions.items()):
            self.rules[name] = Unknown() if value is None else value

    def gate(self, gate: ast.Gate) -> None:
        when = self.value(gate.when) if gate.when is not None else True
        require = self.value(gate.require) if when is not False else True
        status = gate_status(when, require)
        self.statuses[gate.name] = status
        self.rules[gate.name] = gate_truth(status, _missing(when) | _missing(require))

    def verdict(self) -> Value:
        """The main decision; without one, whether no disqualifying gate fails."""
        verdict = self.c.module.header.verdict
        if verdict is not None:
            return self.rules[verdict]
        result: Value = True
        for gate in self.c.gates:
            if gate.level == "disqualify":
                result = _and(result, self.rules[gate.name])
        return result

    def value(self, expr: ast.Expr | None, env: dict[str, tuple[Value, str | None]] | None = None) -> Value:
        if expr is None:
            return Unknown()
        return self.eval(expr, env or {})[0]

    # ------------------------------------------------------------ expressions
    def eval(self, expr: ast.Expr, env: dict[str, tuple[Value, str | None]]) -> tuple[Value, str | None]:
        """The value of an expression and, when it is a manifest fact, its path."""
        match expr:
            case ast.Number(value) | ast.String(value) | ast.Date(value) | ast.Bool(value):
                return value, None
            case ast.Name(name):
                return self.name(expr, env)
            case ast.Field(obj, name):
                base, path = self.eval(obj, env)
                return self.field(expr, base, path, name)
            case ast.Index(obj, index):
                base, path = self.eval(obj, env)
                i = self.eval(index, env)[0]
                if (u := _unknown(base, i)) is not None:
                    return u, None
                position = int(i)
                item_path = f"{path}[{position}]" if path is not None else None
                if position != i or not 0 <= position < len(base):
                    return Unknown(frozenset({item_path} if item_path else ())), item_path
                return self.fact(base[position], item_path)
            case ast.Call("default", (first, second)):
                # The value taken keeps its manifest path, so witnesses can still name the facts.
                chosen = self.eval(first, env)
                return chosen if not isinstance(chosen[0], Unknown) else self.eval(second, env)
            case ast.Call():
                return self.call(expr, env), None
            case ast.Neg(operand):
                v = self.eval(operand, env)[0]
                return (v if isinstance(v, Unknown) else CONTEXT.minus(number(v))), None
            case ast.Not(operand):
                v = self.eval(operand, env)[0]
                return (v if isinstance(v, Unknown) else not v), None
            case ast.Binary("and" | "or" as op, left, right):
                a = self.eval(left, env)[0]
                if a is (op == "or"):
                    return a, None  # short circuit: false and _, true or _
                b = self.eval(right, env)[0]
                return (_and(a, b) if op == "and" else _or(a, b)), None
            case ast.Binary(op, left, right):
                return self.binary(op, self.eval(left, env)[0], self.eval(right, env)[0]), None
            case ast.Quantifier():
                return self.quantifier(expr, env), None
            case ast.If(cond, then, otherwise):
                c = self.eval(cond, env)[0]
                if isinstance(c, Unknown):
                    return c, None
                return self.eval(then if c else otherwise, env)
            case ast.ListLit(items):
                values = [self.eval(i, env)[0] for i in items]
                return (_unknown(*values) or values), None
            case ast.SetLit(items):
                values = [self.eval(i, env)[0] for i in items]
                return (_unknown(*values) or frozenset(values)), None
        raise AssertionError(f"unknown expression {expr!r}")  # pragma: no cover

    def name(self, expr: ast.Name, env: dict[str, tuple[Value, str | None]]) -> tuple[Value, str | None]:
        if expr.id in env:
            return env[expr.id]
        binding = self.c.names[id(expr)]
        match binding.kind:
            case "fact":
                field = self.c.schema.fields[expr.id]
                return self.fact(self.data.get(expr.id, field.default), expr.id)
            case "const":
                if expr.id not in self.consts:
                    self.consts[expr.id] = self.value(self.c.consts[expr.id].value)
                return self.consts[expr.id], None
            case "gates":
                return self.gates(), None
            case "cohort":
                return self.cohort_names[expr.id], None
        return self.rules[expr.id], None

    def gates(self) -> list[dict[str, Value]]:
        if self.gate_list is None:
            self.gate_list = [
                {"id": g.name, "level": g.level, "status": self.statuses[g.name].value, "passed": self.rules[g.name]}
                for g in self.c.gates
            ]
        return self.gate_list

    def field(self, expr: ast.Field, base: Value, path: str | None, name: str) -> tuple[Value, str | None]:
        child = f"{path}.{name}" if path is not None else None
        if isinstance(base, Unknown):
            if child is not None and base.missing == {path}:
                # A missing record leaves every field of it missing: name the one the rule needed.
                return self.fact(None, child)
            return base, None
        field = self.c.fields.get(id(expr))
        default = field.default if field is not None else None
        if not isinstance(base, Mapping):
            raise EvaluationError(f"`{path}` is not a record")
        value = base.get(name)
        if value is None:
            value = default
        if field is not None and isinstance(field.type, NumberT) and value is not None:
            value = number(value)
        return self.fact(value, child)

    def fact(self, value: Value, path: str | None) -> tuple[Value, str | None]:
        """A value read from the manifest: missing becomes unknown, and the read is recorded."""
        if value is None:
            value = Unknown(frozenset({path}) if path else frozenset())
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = number(value)
        if self.reads is not None and path is not None and _is_leaf(value):
            self.reads.append(Fact(path, None if isinstance(value, Unknown) else _plain(value), self.locate(path)))
        return value, path

    def call(self, expr: ast.Call, env: dict[str, tuple[Value, str | None]]) -> Value:
        args = [self.eval(a, env)[0] for a in expr.args]
        if expr.fn == "known":
            return not isinstance(args[0], Unknown)
        if expr.fn == "default":
            return args[1] if isinstance(args[0], Unknown) else args[0]
        if (u := _unknown(*args)) is not None:
            return u
        result = FUNCTIONS[expr.fn](*args)
        return Unknown() if result is None else result

    def binary(self, op: str, a: Value, b: Value) -> Value:
        if (u := _unknown(a, b)) is not None:
            return u
        match op:
            case "+":
                return CONTEXT.add(number(a), number(b))
            case "-":
                return CONTEXT.subtract(number(a), number(b))
            case "*":
                return CONTEXT.multiply(number(a), number(b))
            case "/":
                divisor = number(b)
                if divisor == 0:
                    return Unknown()
                return CONTEXT.divide(number(a), divisor)
            case "==":
                return a == b
            case "!=":
                return a != b
            case "<":
                return a < b
            case "<=":
                return a <= b
            case ">":
                return a > b
            case ">=":
                return a >= b
            case "in":
                return a in b
            case "not in":
                return a not in b
        raise AssertionError(op)  # pragma: no cover

    def elements(self, expr: ast.Quantifier, env: dict[str, tuple[Value, str | None]]
                 ) -> Iterator[tuple[Value, Value, dict[str, tuple[Value, str | None]], str | None]]:
        """For each element: (filter value, body value, its environment, its path)."""
        collection, path = self.eval(expr.collection, env)
        items = sorted(collection, key=text) if isinstance(collection, frozenset) else collection
        for i, item in enumerate(items):
            item_path = f"{path}[{i}]" if path is not None and not isinstance(collection, frozenset) else None
            value, _ = self.fact(item, item_path) if item_path else (item, None)
            inner = {**env, expr.var: (value, item_path)}
            keep = self.eval(expr.where, inner)[0] if expr.where is not None else True
            if keep is False:
                yield keep, None, inner, item_path
                continue
            body = self.eval(expr.body, inner)[0] if expr.body is not None else True
            yield keep, body, inner, item_path

    def quantifier(self, expr: ast.Quantifier, env: dict[str, tuple[Value, str | None]]) -> Value:
        collection = self.eval(expr.collection, env)[0]
        if isinstance(collection, Unknown):
            return collection
        kind = expr.kind
        if kind in ("all", "any", "none"):
            result: Value = kind == "all"
            for keep, body, _, _ in self.elements(expr, env):
                if kind == "all":
                    result = _and(result, _or(_not(keep), body))
                    if result is False:
                        return False
                else:
                    result = _or(result, _and(keep, body))
                    if result is True:
                        break
            return _not(result) if kind == "none" else result
        # count, sum, min, max: an unknown filter or value makes the whole result unknown
        values: list[Value] = []
        for keep, body, _, _ in self.elements(expr, env):
            if keep is False:
                continue
            if kind == "count":
                keep = _and(keep, body)
                if keep is False:
                    continue
                values.append(keep if isinstance(keep, Unknown) else Decimal(1))
            else:
                values.append(keep if isinstance(keep, Unknown) else body)
        if (u := _unknown(*values)) is not None:
            return u
        if kind in ("count", "sum"):
            total = Decimal(0)
            for v in values:
                total = CONTEXT.add(total, number(v))
            return total
        if not values:
            return Unknown()
        return (min if kind == "min" else max)(number(v) for v in values)

    # ------------------------------------------------------------ explanations
    def explain(self, expr: ast.Expr) -> tuple[tuple[Witness, ...], frozenset[str]]:
        """Why `expr` is not true: witnesses (elements and facts) and the missing facts."""
        value = self.value(expr)
        witnesses = list(self.blame(expr, {}, True, None))
        return tuple(_merge(witnesses)), _missing(value)

    def blame(self, expr: ast.Expr, env: dict[str, tuple[Value, str | None]], want: bool,
              element: str | None) -> Iterator[Witness]:
        """Witnesses for the parts of `expr` that keep it from being `want`."""
        self.reads = []
        value = self.eval(expr, env)[0]
        reads, self.reads = self.reads, None
        if value is want:
            return
        match expr:
            case ast.Not(operand):
                yield from self.blame(operand, env, not want, element)
                return
            case ast.Binary("and" | "or" as op, left, right):
                # `and` wanted true (or `or` wanted false): each part that is not so is to blame.
                if (op == "and") == want:
                    for part in (left, right):
                        yield from self.blame(part, env, want, element)
                    return
            case ast.Quantifier("all" | "any" | "none" as kind):
                yield from self.blame_quantifier(expr, env, want, kind)
                return
            case ast.Name(name) if self.c.names[id(expr)].kind in ("gate", "decision"):
                status = self.statuses.get(name)
                label = f"{name} ({status.value})" if status else name
                yield Witness(element or "", label, (), None, ())
                return
        yield Witness(element or "", None, tuple(reads), self.locate(element) if element else None,
                      tuple(self.wants(expr, env, want, value)))

    def blame_quantifier(self, expr: ast.Quantifier, env: dict[str, tuple[Value, str | None]], want: bool,
                         kind: str) -> Iterator[Witness]:
        collection, path = self.eval(expr.collection, env)
        shown = path or unparse.expression(expr.collection)
        if isinstance(collection, Unknown):
            yield Witness(shown, None, (), None, tuple(f"`{p}` is stated" for p in sorted(collection.missing)))
            return
        # `all` wanted true, and `any` or `none` wanted to find nothing, blame the elements that break
        # them; otherwise no element is to blame and the witness names the collection.
        if not ((kind == "all" and want) or (kind != "all" and (kind == "any") != want)):
            body = unparse.expression(expr.body) if expr.body is not None else "true"
            if kind == "all":
                body = f"not ({body})"
            if expr.where is not None:
                body = f"{unparse.expression(expr.where, 1)} and {body}"
            yield Witness(shown, None, (), self.locate(path) if path else None,
                          (f"an element `{expr.var}` of `{shown}` with {body}",))
            return
        for keep, body, inner, item_path in self.elements(expr, env):
            holds = _or(_not(keep), body) if kind == "all" else _not(_and(keep, body))
            if holds is True:
                continue
            facts: list[Fact] = []
            wants: list[str] = []
            if expr.where is not None:
                self.reads = []
                self.eval(expr.where, inner)
                facts.extend(self.reads)
                self.reads = None
            if expr.body is not None:
                for w in self.blame(expr.body, inner, kind == "all", item_path):
                    facts.extend(w.facts)
                    wants.extend(w.wants)
            item = inner[expr.var][0]
            label = item.get("id") or item.get("name") if isinstance(item, Mapping) else None
            yield Witness(item_path or "", str(label) if label is not None else None, _dedupe(tuple(facts)),
                          self.locate(item_path) if item_path else None, tuple(dict.fromkeys(wants)))

    def wants(self, expr: ast.Expr, env: dict[str, tuple[Value, str | None]], want: bool,
              value: Value) -> Iterator[str]:
        """What would make `expr` evaluate to `want`: a condition on the fact it reads."""
        if isinstance(value, Unknown):
            for path in sorted(value.missing):
                yield f"`{path}` is stated"
            return
        if isinstance(expr, ast.Binary) and expr.op in ("in", "not in", "==", "!=", "<", "<=", ">", ">="):
            left, left_path = self.eval(expr.left, env)
            right, right_path = self.eval(expr.right, env)
            op = expr.op if want else _NEGATED[expr.op]
            if left_path is not None and right_path is None:
                yield f"`{left_path}` {op} {_show(right)}"
            elif right_path is not None and left_path is None and op in _MIRRORED:
                yield f"`{right_path}` {_MIRRORED[op]} {_show(left)}"
            return
        value_path = self.eval(expr, env)[1]
        if value_path is not None and isinstance(value, bool):
            yield f"`{value_path}` == {text(want)}"

    # ------------------------------------------------------------ messages
    def render(self, text_node: ast.Text | None) -> dict[str, str]:
        if text_node is None:
            return {}
        out = {}
        for entry in text_node.entries:
            pieces = []
            for part in entry.parts:
                if isinstance(part, str):
                    pieces.append(part)
                else:
                    value = self.value(part)
                    pieces.append("?" if isinstance(value, Unknown) else text(value))
            out[entry.lang] = "".join(pieces)
        return out


_NEGATED = {"in": "not in", "not in": "in", "==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _show(value: Value) -> str:
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, (frozenset, list)):
        return "{" + ", ".join(f"`{text(v)}`" for v in sorted(value, key=text)) + "}"
    return f"`{text(value)}`"


def _dedupe(facts: tuple[Fact, ...]) -> tuple[Fact, ...]:
    seen: dict[str, Fact] = {}
    for fact in facts:
        seen.setdefault(fact.path, fact)
    return tuple(seen.values())


def _merge(witnesses: list[Witness]) -> list[Witness]:
    """One witness per element: parts of one requirement that blame the same element are joined."""
    merged: dict[tuple[str, str | None], Witness] = {}
    for w in witnesses:
        key = (w.path, w.label)
        if key in merged:
            old = merged[key]
            merged[key] = attrs.evolve(old, facts=_dedupe(old.facts + w.facts),
                                       wants=tuple(dict.fromkeys(old.wants + w.wants)))
        else:
            merged[key] = w
    return list(merged.values())


def _is_leaf(value: Value) -> bool:
    if isinstance(value, Mapping):
        return False
    if isinstance(value, (list, tuple)):
        return not any(isinstance(v, Mapping) for v in value)
    return True


def _plain(value: Value) -> object:
    if isinstance(value, tuple):
        return list(value)
    return value


def _missing(value: Value) -> frozenset[str]:
    return value.missing if isinstance(value, Unknown) else frozenset()


def _known(value: Value) -> Any:
    return None if isinstance(value, Unknown) else value


def _not(a: Value) -> Value:
    return a if isinstance(a, Unknown) else not a


def _and(a: Value, b: Value) -> Value:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return _unknown(a, b)


def _or(a: Value, b: Value) -> Value:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return _unknown(a, b)


__all__ = ["Interpreter", "RuleValues", "Unknown", "gate_status", "gate_truth"]
