"""The compiled evaluator: a checked rule file becomes one Python function over the manifest's data.

Every name is resolved, every constant computed and every literal built once, when the function is
generated; per manifest, the function only reads the data and computes. Unknown is `None`, logic is
three-valued exactly as in the reference interpreter, and quantifiers are plain `for` loops that stop
as soon as the outcome is settled. Rule files are data: names in the generated code come from the
grammar's identifier pattern with a prefix, and every string from the rule file is written with
`repr`, so nothing a rule file says can become code of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from policy.check.checker import CheckedModule
from policy.check.types import SetT
from policy.compile.interpret import Interpreter, Unknown, gate_status
from policy.compile.runtime import CONTEXT, FUNCTIONS, number
from policy.facts.schema import ListT, NumberT, RecordT
from policy.syntax import ast
from policy.verdict import Status

Decide = Callable[[Any], tuple[tuple[Status, ...], tuple[Any, ...], tuple[Any, ...], Any]]
"""data -> (gate statuses, score values, decision values, verdict), in declaration order."""


def _index(items: Any, i: Decimal) -> Any:
    position = int(i)
    if position != i or not 0 <= position < len(items):
        return None
    return items[position]


def compile_module(checked: CheckedModule, outputs: tuple[str, ...] | None = None) -> Any:
    """The evaluator function (`Decide`). With `outputs` (names of gates, scores and decisions), a
    function computing only those, returning a tuple of their values: a gate as a bool (passed or
    skipped) or None, a score as a Decimal or None, a decision as a bool or None."""
    gen = _Generator(checked)
    source = gen.function(outputs)
    namespace: dict[str, Any] = dict(gen.globals)
    exec(compile(source, f"<policy {checked.module.header.name}>", "exec"), namespace)  # noqa: S102
    return namespace["decide"]


class _Generator:
    def __init__(self, checked: CheckedModule) -> None:
        self.c = checked
        self.lines: list[str] = []
        self.depth = 1
        self.counter = 0
        self.globals: dict[str, Any] = {
            "Decimal": Decimal, "_num": number, "_index": _index, "_status": gate_status,
            "_add": CONTEXT.add, "_sub": CONTEXT.subtract, "_mul": CONTEXT.multiply, "_div": CONTEXT.divide,
            "_neg": CONTEXT.minus, "_ZERO": Decimal(0), "_ONE": Decimal(1),
            "S_FAIL": Status.FAIL, "S_UNKNOWN": Status.UNKNOWN, "S_PASS": Status.PASS, "S_SKIPPED": Status.SKIPPED,
        }
        self.constants: dict[Any, str] = {}
        self.const_values = self._const_values()
        self.gates_built = False
        self.statuses = True
        """Whether gate statuses are computed (the full result, or a rule reads `gates`)."""
        self.present: set[str] = set()
        """Python names that never hold unknown: quantifier variables over lists of records."""

    def _const_values(self) -> dict[str, Any]:
        interpreter = Interpreter(self.c, {})
        values = {}
        for name, const in self.c.consts.items():
            value = interpreter.value(const.value)
            values[name] = None if isinstance(value, Unknown) else value
        return values

    # ------------------------------------------------------------ emission
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def temp(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    def constant(self, value: Any) -> str:
        """A global holding `value`, built once; equal values share one."""
        key = (type(value), value if not isinstance(value, list) else tuple(value))
        if key not in self.constants:
            name = f"K{len(self.constants)}"
            self.constants[key] = name
            self.globals[name] = value
        return self.constants[key]

    def function(self, outputs: tuple[str, ...] | None = None) -> str:
        """`decide(data)`; with `outputs`, only the rules they need, returning their values in order."""
        needed = self.needed(outputs)
        self.statuses = outputs is None or any("gates" in self.c.uses.get(name, ()) for name in needed)
        roots = sorted({root for name in needed for root in self.c.fact_roots.get(name, ())})
        for root in roots:
            field = self.c.schema.fields[root]
            default = f", {self.constant(field.default)}" if field.default is not None else ""
            self.emit(f"f_{root} = data.get({root!r}{default})")
        gates = {g.name: g for g in self.c.gates}
        scores = {s.name: s for s in self.c.scores}
        decisions = {d.name: d for d in self.c.decisions}
        for name in self.c.order:
            if name not in needed:
                continue
            if "gates" in self.c.uses.get(name, ()) and not self.gates_built:
                self.build_gate_list()
            if name in gates:
                self.gate(gates[name])
            elif name in scores:
                value = self.expr(scores[name].value, {})
                self.emit(f"r_{name} = {value}")
            else:
                value = self.expr(decisions[name].value, {})
                self.emit(f"r_{name} = {value}")
        if outputs is not None:
            self.emit(f"return ({''.join(f'r_{name}, ' for name in outputs)})")
            return "def decide(data):\n" + "\n".join(self.lines) + "\n"
        verdict = self.c.module.header.verdict
        if verdict is not None:
            self.emit(f"verdict = r_{verdict}")
        else:
            self.emit("verdict = True")
            for gate in self.c.gates:
                if gate.level == "disqualify":
                    self.logic_and("verdict", f"r_{gate.name}", "verdict")
        statuses = "".join(f"st_{g.name}, " for g in self.c.gates)
        score_values = "".join(f"r_{s.name}, " for s in self.c.scores)
        decision_values = "".join(f"r_{d.name}, " for d in self.c.decisions)
        self.emit(f"return ({statuses}), ({score_values}), ({decision_values}), verdict")
        return "def decide(data):\n" + "\n".join(self.lines) + "\n"

    def needed(self, outputs: tuple[str, ...] | None) -> set[str]:
        """The rules `outputs` depend on, themselves included (every rule when `outputs` is None)."""
        if outputs is None:
            return set(self.c.order)
        all_gates = {g.name for g in self.c.gates}
        rules = set(self.c.order)
        needed: set[str] = set()
        pending = list(outputs)
        while pending:
            name = pending.pop()
            if name in needed:
                continue
            needed.add(name)
            for used in self.c.uses.get(name, ()):
                pending.extend(all_gates if used == "gates" else [used] if used in rules else [])
        return needed

    def build_gate_list(self) -> None:
        self.gates_built = True
        records = ", ".join(
            f"{{'id': {g.name!r}, 'level': {g.level!r}, 'status': st_{g.name}.value, 'passed': r_{g.name}}}"
            for g in self.c.gates
        )
        self.emit(f"f__gates = [{records}]")

    def gate(self, gate: ast.Gate) -> None:
        name = gate.name
        if gate.when is None:
            require = self.expr(gate.require, {})
            if not self.statuses:
                # Without `when`, a gate's truth is its requirement's value.
                self.emit(f"r_{name} = {require}")
                return
            self.emit(f"st_{name} = S_PASS if {require} is True else (S_FAIL if {require} is False else S_UNKNOWN)")
        else:
            when = self.expr(gate.when, {})
            self.emit(f"if {when} is False:")
            self.depth += 1
            self.emit(f"st_{name} = S_SKIPPED")
            self.depth -= 1
            self.emit("else:")
            self.depth += 1
            require = self.expr(gate.require, {})
            self.emit(f"st_{name} = _status({when}, {require})")
            self.depth -= 1
        self.emit(f"r_{name} = False if st_{name} is S_FAIL else (None if st_{name} is S_UNKNOWN else True)")

    def logic_and(self, a: str, b: str, out: str) -> None:
        self.emit(f"{out} = False if {a} is False or {b} is False else "
                  f"(True if {a} is True and {b} is True else None)")

    # ------------------------------------------------------------ expressions
    def expr(self, expr: ast.Expr | None, env: dict[str, str]) -> str:
        """Statements computing `expr`; returns a name or literal holding its value."""
        assert expr is not None
        match expr:
            case ast.Number(value):
                return self.constant(value)
            case ast.String(value):
                return repr(value)
            case ast.Bool(value):
                return repr(value)
            case ast.Date(value):
                return self.constant(value)
            case ast.Name(name):
                return self.name(expr, env)
            case ast.Field(obj, name):
                return self.field(expr, self.expr(obj, env), name)
            case ast.Index(obj, index):
                o, i = self.expr(obj, env), self.expr(index, env)
                out = self.temp()
                self.emit(f"{out} = None if {o} is None or {i} is None else _index({o}, {i})")
                return self.number_of(expr, out)
            case ast.Call():
                return self.call(expr, env)
            case ast.Neg(operand):
                v = self.expr(operand, env)
                out = self.temp()
                self.emit(f"{out} = None if {v} is None else _neg({v})")
                return out
            case ast.Not(operand):
                v = self.expr(operand, env)
                out = self.temp()
                self.emit(f"{out} = None if {v} is None else not {v}")
                return out
            case ast.Binary("and" | "or" as op, left, right):
                return self.logic(op, left, right, env)
            case ast.Binary(op, left, right):
                return self.binary(op, self.expr(left, env), self.expr(right, env), left, right)
            case ast.Quantifier():
                return self.quantifier(expr, env)
            case ast.If(cond, then, otherwise):
                c = self.expr(cond, env)
                out = self.temp()
                self.emit(f"if {c} is None:")
                self.block(lambda: self.emit(f"{out} = None"))
                self.emit(f"elif {c}:")
                self.block(lambda: self.emit(f"{out} = {self.expr(then, env)}"))
                self.emit("else:")
                self.block(lambda: self.emit(f"{out} = {self.expr(otherwise, env)}"))
                return out
            case ast.ListLit(items) | ast.SetLit(items):
                if all(self.is_constant(i) for i in items):
                    value = Interpreter(self.c, {}).value(expr)
                    return self.constant(value)
                values = [self.expr(i, env) for i in items]
                out = self.temp()
                build = f"[{', '.join(values)}]" if isinstance(expr, ast.ListLit) else \
                    f"frozenset(({', '.join(values)}{',' if values else ''}))"
                check = " or ".join(f"{v} is None" for v in values) or "False"
                self.emit(f"{out} = None if {check} else {build}")
                return out
        raise AssertionError(f"unknown expression {expr!r}")  # pragma: no cover

    def block(self, body: Callable[[], None]) -> None:
        self.depth += 1
        body()
        self.depth -= 1

    def is_constant(self, expr: ast.Expr) -> bool:
        if isinstance(expr, (ast.Number, ast.String, ast.Bool, ast.Date)):
            return True
        if isinstance(expr, ast.Name):
            return self.c.names[id(expr)].kind == "const"
        if isinstance(expr, (ast.ListLit, ast.SetLit)):
            return all(self.is_constant(i) for i in expr.items)
        return False

    def name(self, expr: ast.Name, env: dict[str, str]) -> str:
        if expr.id in env:
            return env[expr.id]
        binding = self.c.names[id(expr)]
        match binding.kind:
            case "fact":
                return self.number_of(expr, f"f_{expr.id}")
            case "const":
                value = self.const_values[expr.id]
                return "None" if value is None else self.constant(value)
            case "gates":
                return "f__gates"
        return f"r_{expr.id}"

    def number_of(self, expr: ast.Expr, value: str) -> str:
        """Numbers from the manifest may arrive as int or float from a raw mapping: make them exact."""
        if isinstance(self.c.types.get(id(expr)), NumberT):
            out = self.temp()
            self.emit(f"{out} = {value} if {value} is None or {value}.__class__ is Decimal else _num({value})")
            return out
        return value

    def field(self, expr: ast.Field, obj: str, name: str) -> str:
        field = self.c.fields.get(id(expr))
        out = self.temp()
        read = f"{obj}.get({name!r})" if obj in self.present else f"None if {obj} is None else {obj}.get({name!r})"
        self.emit(f"{out} = {read}")
        if field is not None and field.default is not None:
            present = "" if obj in self.present else f" and {obj} is not None"
            self.emit(f"if {out} is None{present}: {out} = {self.constant(field.default)}")
        return self.number_of(expr, out)

    def call(self, expr: ast.Call, env: dict[str, str]) -> str:
        args = [self.expr(a, env) for a in expr.args]
        out = self.temp()
        if expr.fn == "known":
            self.emit(f"{out} = {args[0]} is not None")
        elif expr.fn == "default":
            self.emit(f"{out} = {args[1]} if {args[0]} is None else {args[0]}")
        else:
            fn = f"F_{expr.fn}"
            self.globals[fn] = FUNCTIONS[expr.fn]
            self.emit(f"{out} = {self.guard(zip(args, expr.args, strict=True))}{fn}({', '.join(args)})")
        return out

    def guard(self, operands: Iterable[tuple[str, ast.Expr]]) -> str:
        """`None if x is None or ... else ` for the operands that may be unknown (constants never are)."""
        unknown = " or ".join(f"{name} is None" for name, expr in operands if not self.is_constant(expr))
        return f"None if {unknown} else " if unknown else ""

    def binary(self, op: str, a: str, b: str, left: ast.Expr, right: ast.Expr) -> str:
        out = self.temp()
        guard = self.guard(((a, left), (b, right)))
        if op in ast.ARITHMETIC:
            if op == "/":
                self.emit(f"{out} = {guard}(None if {b} == 0 else _div({a}, {b}))")
            else:
                fn = {"+": "_add", "-": "_sub", "*": "_mul"}[op]
                self.emit(f"{out} = {guard}{fn}({a}, {b})")
        else:
            self.emit(f"{out} = {guard}{a} {op} {b}")
        return out

    def logic(self, op: str, left: ast.Expr, right: ast.Expr, env: dict[str, str]) -> str:
        a = self.expr(left, env)
        out = self.temp()
        settles = "False" if op == "and" else "True"
        self.emit(f"if {a} is {settles}:")
        self.block(lambda: self.emit(f"{out} = {settles}"))
        self.emit("else:")

        def rest() -> None:
            b = self.expr(right, env)
            other = "True" if op == "and" else "False"
            self.emit(f"{out} = {settles} if {b} is {settles} else ({b} if {a} is {other} else None)")

        self.block(rest)
        return out

    def quantifier(self, expr: ast.Quantifier, env: dict[str, str]) -> str:
        collection = self.expr(expr.collection, env)
        out = self.temp()
        var = f"v{self.temp()}"
        coll_type = self.c.types.get(id(expr.collection))
        item_type = coll_type.item if isinstance(coll_type, (ListT, SetT)) else None
        inner = {**env, expr.var: var}
        kind = expr.kind
        self.emit(f"if {collection} is None:")
        self.block(lambda: self.emit(f"{out} = None"))
        self.emit("else:")
        self.depth += 1
        start = {"all": "True", "any": "False", "none": "False", "count": "_ZERO", "sum": "_ZERO"}.get(kind, "None")
        self.emit(f"{out} = {start}")
        if kind in ("min", "max"):
            seen = self.temp()
            self.emit(f"{seen} = False")
        self.emit(f"for {var} in {collection}:")
        self.depth += 1
        if isinstance(item_type, NumberT):
            self.emit(f"if {var} is not None and {var}.__class__ is not Decimal: {var} = _num({var})")
        if isinstance(item_type, RecordT):
            self.present.add(var)  # a list of records holds records: valid data has no null element
        keep = self.expr(expr.where, inner) if expr.where is not None else "True"
        if keep != "True":
            self.emit(f"if {keep} is False: continue")
        body = self.expr(expr.body, inner) if expr.body is not None else "True"
        for line in self._fold(kind, out, keep, body, seen if kind in ("min", "max") else ""):
            self.emit(line)
        self.depth -= 1
        if kind == "none":
            self.emit(f"{out} = None if {out} is None else not {out}")
        if kind in ("min", "max"):
            self.emit(f"if not {seen}: {out} = None")
        self.depth -= 1
        return out

    @staticmethod
    def _fold(kind: str, out: str, keep: str, body: str, seen: str) -> Iterator[str]:
        """The loop body that folds one element into the result (`keep` is never False here)."""
        if kind == "all":
            yield f"if {body} is False:"
            yield f"    if {keep} is True: {out} = False; break"
            yield f"    {out} = None"
            yield f"elif {body} is None: {out} = None"
        elif kind in ("any", "none"):
            yield f"if {body} is False: continue"
            yield f"if {body} is True and {keep} is True: {out} = True; break"
            yield f"{out} = None"
        elif kind == "count":
            yield f"if {body} is False: continue"
            yield f"if {body} is None or {keep} is None: {out} = None; break"
            yield f"{out} = _add({out}, _ONE)"
        elif kind == "sum":
            yield f"if {body} is None or {keep} is None: {out} = None; break"
            yield f"{out} = _add({out}, {body})"
        else:
            better = "<" if kind == "min" else ">"
            yield f"if {body} is None or {keep} is None: {out} = None; {seen} = True; break"
            yield f"if not {seen} or {body} {better} {out}: {out} = {body}"
            yield f"{seen} = True"


__all__ = ["Decide", "compile_module"]
