"""Names and types: resolves every name, types every expression against the manifest schema, orders
the rules so each is evaluated after what it uses, and collects diagnostics instead of raising them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import attrs

from policy.check.types import (
    ANY,
    BOOL,
    BUILTINS,
    DATE,
    GATE_RECORD,
    NUMBER,
    STRING,
    AnyT,
    SetT,
    collection_item,
    compatible,
    join,
    kind,
)
from policy.diagnostics import Diagnostics
from policy.facts.schema import EnumT, Field, LicenseT, ListT, NumberT, RecordT, Type
from policy.source import Span
from policy.syntax import ast

BindingKind = Literal["const", "fact", "gate", "score", "decision", "var", "gates", "cohort", "invariant"]

LANGUAGES = ("ko", "en")
"""Every text is expected in these languages."""

COHORT_NAMES = {
    "rank": NumberT(integer=True),
    "members": NumberT(integer=True),
    "ranked": NumberT(integer=True),
}
"""Names that exist only inside a cohort rule: the team's rank, and how many teams take part and are ranked."""


@attrs.frozen
class Binding:
    """What a name refers to."""

    kind: BindingKind
    name: str
    type: Type
    decl: object = attrs.field(default=None, eq=False)


@attrs.define
class CheckedModule:
    """A rule file with every name resolved and every expression typed: what the compilers read."""

    module: ast.Module
    schema: RecordT
    consts: dict[str, ast.Const]
    gates: list[ast.Gate]
    scores: list[ast.Score]
    decisions: list[ast.Decision]
    cohorts: list[ast.Cohort]
    invariants: list[ast.Invariant]
    order: list[str]
    """Gates, scores and decisions, each after everything it uses."""
    names: dict[int, Binding]
    """`id(ast.Name)` -> what it refers to."""
    types: dict[int, Type]
    """`id(expression)` -> its type."""
    fields: dict[int, Field]
    """`id(ast.Field)` -> the schema field it reads (for defaults and enumerations)."""
    uses: dict[str, set[str]]
    """Rule or constant name -> the rules and constants it uses directly."""
    fact_roots: dict[str, set[str]]
    """Rule name -> the top-level manifest keys it reads."""

    def kind_of(self, name: str) -> str | None:
        for kind_name, table in (("gate", self.gates), ("score", self.scores), ("decision", self.decisions)):
            if any(d.name == name for d in table):
                return kind_name
        return None


def check(module: ast.Module, schema: RecordT) -> tuple[CheckedModule, Diagnostics]:
    """Check a parsed rule file; the module is usable only when the diagnostics hold no error."""
    checker = _Checker(module, schema)
    checker.run()
    return checker.result(), checker.diagnostics


def suggest(word: str, choices: object) -> str | None:
    """A "did you mean" help line, or None."""
    import difflib  # only a diagnostic needs it

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)  # type: ignore[arg-type]
    return f"did you mean `{close[0]}`?" if close else None


class _Checker:
    def __init__(self, module: ast.Module, schema: RecordT) -> None:
        self.module = module
        self.schema = schema
        self.diagnostics = Diagnostics()
        self.names: dict[int, Binding] = {}
        self.types: dict[int, Type] = {}
        self.fields: dict[int, Field] = {}
        self.uses: dict[str, set[str]] = {}
        self.fact_roots: dict[str, set[str]] = {}
        self.globals: dict[str, Binding] = {}
        self.used_consts: set[str] = set()
        self.consts = {d.name: d for d in module.declarations if isinstance(d, ast.Const)}
        self.gates = [d for d in module.declarations if isinstance(d, ast.Gate)]
        self.scores = [d for d in module.declarations if isinstance(d, ast.Score)]
        self.decisions = [d for d in module.declarations if isinstance(d, ast.Decision)]
        self.cohorts = [d for d in module.declarations if isinstance(d, ast.Cohort)]
        self.invariants = [d for d in module.declarations if isinstance(d, ast.Invariant)]
        self.order: list[str] = []
        self.current: str = ""
        """The declaration being checked, to record what it uses."""

    def error(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.error(code, message, span, help=help)

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.warning(code, message, span, help=help)

    # ------------------------------------------------------------ driver
    def run(self) -> None:
        self.declare()
        self.check_header()
        for name in self.consts:
            self.const_type(name)
        for gate in self.gates:
            self.check_gate(gate)
        for score in self.scores:
            self.check_score(score)
        for decision in self.decisions:
            self.current = decision.name
            self.uses[decision.name] = set()
            self.require_item(decision.value, "value", "decision", decision)
            if decision.value is not None:
                self.expect(decision.value, BOOL, {}, "a decision's value")
            self.check_text(decision.title, {}, "title", required=False)
        for cohort in self.cohorts:
            self.check_cohort(cohort)
        for invariant in self.invariants:
            self.check_invariant(invariant)
        self.order_rules()
        for name, const in self.consts.items():
            if name not in self.used_consts:
                self.warning("check.unused-constant", f"constant `{name}` is never used", const.name_span,
                             help="remove it, or use it in a rule")

    def const_type(self, name: str) -> Type:
        """Type a constant on first use, so constants may be declared in any order."""
        const = self.consts[name]
        if id(const) in self.types:
            return self.types[id(const)]
        self.types[id(const)] = ANY  # a cycle meets ANY here and is reported by `order_rules`
        outer, self.current = self.current, name
        self.uses.setdefault(name, set())
        self.types[id(const)] = self.expr(const.value, {}, const_only=True)
        self.current = outer
        return self.types[id(const)]

    def result(self) -> CheckedModule:
        return CheckedModule(
            self.module, self.schema, self.consts, self.gates, self.scores, self.decisions, self.cohorts,
            self.invariants, self.order, self.names, self.types, self.fields, self.uses,
            self.fact_roots,
        )

    def declare(self) -> None:
        for field_name, field in self.schema.fields.items():
            self.globals[field_name] = Binding("fact", field_name, field.type)
        self.globals["gates"] = Binding("gates", "gates", ListT(GATE_RECORD))
        reserved = set(self.globals)
        seen: dict[str, ast.Declaration] = {}
        for decl in self.module.declarations:
            if isinstance(decl, ast.Cohort):
                kind_name: BindingKind = "cohort"
            elif isinstance(decl, ast.Invariant):
                kind_name = "invariant"
            else:
                kind_name = type(decl).__name__.lower()  # type: ignore[assignment]
            span = decl.name_span
            if decl.name in seen:
                self.error("check.duplicate-name", f"`{decl.name}` is declared twice", span,
                           help=f"the first declaration is at {_where(seen[decl.name].name_span)}")
                continue
            if decl.name in reserved:
                what = "the built-in list of gates" if decl.name == "gates" else "a section of the manifest"
                self.error("check.shadowed-name", f"`{decl.name}` is {what} and cannot be redeclared", span,
                           help="choose another name")
                continue
            if isinstance(decl, ast.Cohort) and decl.name in COHORT_NAMES:
                self.error("check.shadowed-name", f"`{decl.name}` is a name inside cohort rules", span)
            seen[decl.name] = decl
            rule_type: Type = {"gate": BOOL, "decision": BOOL, "score": NUMBER}.get(kind_name, ANY)
            self.globals[decl.name] = Binding(kind_name, decl.name, rule_type, decl)

    def check_header(self) -> None:
        header = self.module.header
        if header.version is None:
            self.error("check.missing-item", "the policy header has no `version`", header.span,
                       help='add `version: "1.0.0"`')
        self.check_text(header.title, {}, "title", required=False)
        self.check_text(header.description, {}, "description", required=False)
        if header.verdict is not None:
            binding = self.globals.get(header.verdict)
            if binding is None or binding.kind != "decision":
                decisions = [d.name for d in self.decisions]
                self.error("check.unknown-name", f"verdict `{header.verdict}` names no decision",
                           header.verdict_span, help=suggest(header.verdict, decisions)
                           or "declare it with `decision NAME { value: ... }`")

    # ------------------------------------------------------------ declarations
    def require_item(self, value: object, item: str, what: str, decl: ast.Declaration) -> None:
        if value is None:
            self.error("check.missing-item", f"{what} `{decl.name}` has no `{item}`", decl.name_span,
                       help=f"add `{item}: ...` to the block")

    def check_gate(self, gate: ast.Gate) -> None:
        self.current = gate.name
        self.uses[gate.name] = set()
        if gate.level is None:
            self.error("check.missing-item", f"gate `{gate.name}` has no `level`", gate.name_span,
                       help="add `level: disqualify`, `level: review` or `level: warn`")
        elif gate.level not in ast.LEVELS:
            self.error("check.unknown-level", f"unknown level `{gate.level}`", gate.level_span,
                       help=suggest(gate.level, ast.LEVELS) or "levels are `disqualify`, `review` and `warn`")
        self.require_item(gate.require, "require", "gate", gate)
        if gate.when is not None:
            self.expect(gate.when, BOOL, {}, "a gate's `when`")
        if gate.require is not None:
            self.expect(gate.require, BOOL, {}, "a gate's `require`")
        self.check_text(gate.title, {}, "title", required=False)
        if gate.message is None:
            self.error("check.missing-item", f"gate `{gate.name}` has no `message`", gate.name_span,
                       help='add `message: { ko: "…" en: "…" }`')
        self.check_text(gate.message, {}, "message", required=True)

    def check_score(self, score: ast.Score) -> None:
        self.current = score.name
        self.uses[score.name] = set()
        self.require_item(score.max, "max", "score", score)
        self.require_item(score.value, "value", "score", score)
        if score.max is not None:
            self.expect(score.max, NUMBER, {}, "a score's `max`")
            if self.mentions_facts_or_rules(score.max):
                self.error("check.not-constant", f"the maximum of score `{score.name}` is not a constant",
                           score.max.span, help="write a number or a constant")
        if score.value is not None:
            self.expect(score.value, NUMBER, {}, "a score's `value`")
        self.check_text(score.title, {}, "title", required=False)

    def check_cohort(self, cohort: ast.Cohort) -> None:
        self.current = cohort.name
        self.uses[cohort.name] = set()
        scope = {name: Binding("cohort", name, t) for name, t in COHORT_NAMES.items()}
        if not cohort.rank:
            self.error("check.missing-item", f"cohort `{cohort.name}` has no `rank`", cohort.name_span,
                       help="add `rank: total desc`")
        self.require_item(cohort.advance, "advance", "cohort", cohort)
        for item, value in (("members", cohort.members), ("among", cohort.among)):
            if value is not None:
                self.expect(value, BOOL, {}, f"a cohort's `{item}`")
        for key in cohort.rank:
            self.expect(key.expr, NUMBER, {}, "a ranking key")
        if cohort.advance is not None:
            self.expect(cohort.advance, BOOL, scope, "a cohort's `advance`")
        self.check_text(cohort.title, {}, "title", required=False)

    def check_invariant(self, invariant: ast.Invariant) -> None:
        self.current = invariant.name
        self.uses[invariant.name] = set()
        if invariant.holds is None and invariant.monotone is None:
            self.error("check.missing-item", f"invariant `{invariant.name}` states nothing", invariant.name_span,
                       help="add `holds: <condition>` or `monotone: <score> over <facts>`")
        if invariant.holds is not None:
            self.expect(invariant.holds, BOOL, {}, "an invariant's `holds`")
        if invariant.monotone is not None:
            score = invariant.monotone.score
            binding = self.globals.get(score)
            if binding is None or binding.kind != "score":
                self.error("check.unknown-name", f"`{score}` names no score", invariant.monotone.span,
                           help=suggest(score, [s.name for s in self.scores]))
            for path in invariant.monotone.over:
                t = self.expr(path, {})
                if fact_path(path, self.names) is None or not isinstance(t, NumberT):
                    self.error("check.type-mismatch", "`monotone` varies numeric manifest facts such as "
                               "`scores.benchmark`", path.span)
        self.check_text(invariant.title, {}, "title", required=False)

    def check_text(self, text: ast.Text | None, scope: dict[str, Binding], what: str, *, required: bool) -> None:
        if text is None:
            return
        langs = {e.lang for e in text.entries}
        for entry in text.entries:
            if entry.lang not in LANGUAGES:
                self.warning("check.unknown-language", f"unknown language `{entry.lang}`", entry.span,
                             help=suggest(entry.lang, LANGUAGES) or "texts are written in `ko` and `en`")
        missing = [lang for lang in LANGUAGES if lang not in langs]
        if missing and (required or text.entries):
            self.warning("check.missing-language", f"this {what} has no `{'`, `'.join(missing)}` text",
                         text.span, help="every text is given in Korean and in English")
        for entry in text.entries:
            for part in entry.parts:
                if not isinstance(part, str):
                    self.expr(part, scope)

    # ------------------------------------------------------------ ordering
    def order_rules(self) -> None:
        rules = [d.name for d in [*self.gates, *self.scores, *self.decisions]]
        state: dict[str, int] = {}
        on_stack: list[str] = []

        def visit(name: str) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = on_stack[on_stack.index(name):] + [name]
                decl = self.globals[name].decl
                self.error("check.cycle", f"`{name}` depends on itself: {' -> '.join(cycle)}",
                           getattr(decl, "name_span", None), help="rules may use each other only without cycles")
                return
            state[name] = 1
            on_stack.append(name)
            for dep in sorted(self.rule_deps(name)):
                visit(dep)
            on_stack.pop()
            state[name] = 2
            self.order.append(name)

        for name in rules:
            visit(name)
        # Constants may use only constants; a cycle there would never end either.
        const_state: dict[str, int] = {}

        def visit_const(name: str, path: list[str]) -> None:
            if const_state.get(name) == 2:
                return
            if const_state.get(name) == 1:
                self.error("check.cycle", f"constant `{name}` depends on itself: {' -> '.join([*path, name])}",
                           self.consts[name].name_span)
                return
            const_state[name] = 1
            for dep in sorted(self.uses.get(name, ())):
                if dep in self.consts:
                    visit_const(dep, [*path, name])
            const_state[name] = 2

        for name in self.consts:
            visit_const(name, [])

    def rule_deps(self, name: str) -> set[str]:
        deps = set()
        for dep in self.uses.get(name, ()):
            if dep == "gates":
                deps.update(g.name for g in self.gates)
            elif dep in self.globals and self.globals[dep].kind in ("gate", "score", "decision"):
                deps.add(dep)
        return deps

    # ------------------------------------------------------------ expressions
    def mentions_facts_or_rules(self, expr: ast.Expr) -> bool:
        return any(
            isinstance(node, ast.Name) and self.names.get(id(node), Binding("const", "", ANY)).kind
            not in ("const", "var")
            for node in walk(expr)
        )

    def expect(self, expr: ast.Expr, want: Type, scope: dict[str, Binding], what: str) -> Type:
        got = self.expr(expr, scope)
        if not compatible(got, want):
            self.error("check.type-mismatch", f"{what} must be a {want.describe()}, not a {got.describe()}",
                       expr.span)
        return got

    def expr(self, expr: ast.Expr, scope: dict[str, Binding], const_only: bool = False) -> Type:
        t = self._expr(expr, scope, const_only)
        self.types[id(expr)] = t
        return t

    def _expr(self, expr: ast.Expr, scope: dict[str, Binding], const_only: bool) -> Type:
        sub = lambda e, s=scope: self.expr(e, s, const_only)  # noqa: E731
        match expr:
            case ast.Number(value):
                return NumberT(minimum=value, maximum=value, integer=value == value.to_integral_value())
            case ast.String():
                return STRING
            case ast.Date():
                return DATE
            case ast.Bool():
                return BOOL
            case ast.Name(name):
                return self.name(expr, scope, const_only)
            case ast.Field(obj, name):
                return self.field(expr, sub(obj), name)
            case ast.Index(obj, index):
                obj_t, index_t = sub(obj), sub(index)
                if not compatible(index_t, NUMBER):
                    self.error("check.type-mismatch", f"an index must be a number, not a {index_t.describe()}",
                               index.span)
                if isinstance(obj_t, ListT):
                    return obj_t.item
                if not isinstance(obj_t, AnyT):
                    self.error("check.not-a-list", f"only lists can be indexed, not a {obj_t.describe()}",
                               obj.span)
                return ANY
            case ast.Call():
                return self.call(expr, scope, const_only)
            case ast.Neg(operand):
                t = sub(operand)
                if not compatible(t, NUMBER):
                    self.error("check.type-mismatch", f"`-` needs a number, not a {t.describe()}", expr.span)
                return NUMBER
            case ast.Not(operand):
                t = sub(operand)
                if not compatible(t, BOOL):
                    self.error("check.type-mismatch", f"`not` needs a bool, not a {t.describe()}", expr.span)
                return BOOL
            case ast.Binary():
                return self.binary(expr, scope, const_only)
            case ast.Quantifier():
                return self.quantifier(expr, scope, const_only)
            case ast.If(cond, then, otherwise):
                cond_t = sub(cond)
                if not compatible(cond_t, BOOL):
                    self.error("check.type-mismatch", f"`if` needs a bool condition, not a {cond_t.describe()}",
                               cond.span)
                a, b = sub(then), sub(otherwise)
                if not compatible(a, b):
                    self.error("check.type-mismatch",
                               f"the branches of `if` differ: {a.describe()} and {b.describe()}", expr.span)
                return join(a, b)
            case ast.ListLit(items) | ast.SetLit(items):
                item_t: Type = ANY
                for item in items:
                    t = sub(item)
                    if not compatible(item_t, t):
                        self.error("check.type-mismatch",
                                   f"the items differ in type: {item_t.describe()} and {t.describe()}", item.span)
                    item_t = join(item_t, t)
                if isinstance(item_t, NumberT):
                    item_t = NUMBER
                return ListT(item_t) if isinstance(expr, ast.ListLit) else SetT(item_t)
        raise AssertionError(f"unknown expression {expr!r}")  # pragma: no cover

    def name(self, expr: ast.Name, scope: dict[str, Binding], const_only: bool) -> Type:
        binding = scope.get(expr.id) or self.globals.get(expr.id)
        if binding is None:
            visible = set(scope) | set(self.globals)
            self.error("check.unknown-name", f"unknown name `{expr.id}`", expr.span, help=suggest(expr.id, visible))
            return ANY
        if binding.kind in ("cohort", "invariant") and binding.decl is not None:
            self.error("check.type-mismatch", f"{binding.kind} `{expr.id}` is not a value", expr.span)
            return ANY
        if const_only and binding.kind not in ("const", "var"):
            self.error("check.not-constant", f"a constant cannot use `{expr.id}`, which is not a constant",
                       expr.span, help="constants are fixed values; use facts in gates, scores and decisions")
            return ANY
        self.names[id(expr)] = binding
        if binding.kind == "const":
            self.used_consts.add(expr.id)
        if binding.kind in ("const", "gate", "score", "decision", "gates"):
            self.uses.setdefault(self.current, set()).add(expr.id)
        if binding.kind == "fact":
            self.fact_roots.setdefault(self.current, set()).add(expr.id)
        if binding.kind == "const":
            return self.const_type(expr.id)
        return binding.type

    def field(self, expr: ast.Field, obj_t: Type, name: str) -> Type:
        if isinstance(obj_t, AnyT):
            return ANY
        if not isinstance(obj_t, RecordT):
            help_text = None
            if isinstance(obj_t, (ListT, SetT)):
                help_text = f"use a quantifier, e.g. `any x in ...: x.{name}`"
            self.error("check.not-a-record", f"a {obj_t.describe()} has no field `{name}`", expr.span,
                       help=help_text)
            return ANY
        field = obj_t.fields.get(name)
        if field is None:
            if name.startswith("x-"):
                return ANY
            self.error("check.unknown-field", f"`{obj_t.name}` has no field `{name}`", expr.span,
                       help=suggest(name, obj_t.fields) or f"fields are {_list(obj_t.fields)}")
            return ANY
        self.fields[id(expr)] = field
        return field.type

    def call(self, expr: ast.Call, scope: dict[str, Binding], const_only: bool) -> Type:
        builtin = BUILTINS.get(expr.fn)
        arg_types = [self.expr(a, scope, const_only) for a in expr.args]
        if builtin is None:
            self.error("check.unknown-function", f"unknown function `{expr.fn}`", expr.span,
                       help=suggest(expr.fn, BUILTINS) or f"functions are {_list(BUILTINS)}")
            return ANY
        if len(expr.args) != len(builtin.params):
            self.error("check.wrong-arguments",
                       f"`{expr.fn}` takes {len(builtin.params)} argument{'s' * (len(builtin.params) != 1)}, "
                       f"not {len(expr.args)}", expr.span, help=f"`{expr.fn}`: {builtin.doc}")
            return builtin.result([ANY] * len(builtin.params))
        for arg, t, param in zip(expr.args, arg_types, builtin.params, strict=True):
            ok = {
                "any": True,
                "same": compatible(t, arg_types[0]),
                "collection": kind(t) in ("list", "set", "any"),
                "sized": kind(t) in ("list", "set", "string", "any"),
            }.get(param, kind(t) in (param, "any"))
            if not ok:
                want = {"same": arg_types[0].describe(), "collection": "list or set",
                        "sized": "list, set or string"}.get(param, param)
                self.error("check.type-mismatch", f"`{expr.fn}` needs a {want} here, not a {t.describe()}",
                           arg.span)
        first = arg_types[0] if arg_types else ANY
        if (expr.fn == "satisfies" and not isinstance(first, (LicenseT, AnyT)) and kind(first) == "string"
                and not isinstance(expr.args[0], ast.String)):
            self.warning("check.not-a-license", "`satisfies` reads an SPDX licence expression; this string "
                         "is not declared as one", expr.args[0].span)
        return builtin.result(arg_types)

    def binary(self, expr: ast.Binary, scope: dict[str, Binding], const_only: bool) -> Type:
        left = self.expr(expr.left, scope, const_only)
        right = self.expr(expr.right, scope, const_only)
        op = expr.op
        if op in ("and", "or"):
            for side, t in ((expr.left, left), (expr.right, right)):
                if not compatible(t, BOOL):
                    self.error("check.type-mismatch", f"`{op}` needs bools, not a {t.describe()}", side.span)
            return BOOL
        if op in ast.ARITHMETIC:
            for side, t in ((expr.left, left), (expr.right, right)):
                if not compatible(t, NUMBER):
                    self.error("check.type-mismatch", f"`{op}` needs numbers, not a {t.describe()}", side.span)
            if op == "/" and isinstance(expr.right, ast.Number) and expr.right.value == 0:
                self.error("check.division-by-zero", "division by zero", expr.right.span)
            return NUMBER
        if op in ("in", "not in"):
            item = collection_item(right)
            if item is None:
                self.error("check.type-mismatch", f"`{op}` needs a list or set on its right, not a {right.describe()}",
                           expr.right.span, help="to look for a substring, use `contains(text, part)`")
                return BOOL
            if not compatible(left, item):
                self.error("check.type-mismatch",
                           f"a {left.describe()} is never in a collection of {item.describe()}", expr.span)
            self.enum_members(left, expr.right)
            return BOOL
        # comparisons
        if not compatible(left, right):
            self.error("check.type-mismatch", f"a {left.describe()} is compared with a {right.describe()}",
                       expr.span, help="both sides of a comparison must have the same type")
            return BOOL
        if op in ("<", "<=", ">", ">=") and kind(left) not in ("number", "date", "any"):
            self.error("check.type-mismatch", f"`{op}` compares numbers or dates, not a {left.describe()}",
                       expr.span)
        if isinstance(left, EnumT) and isinstance(expr.right, ast.String):
            self.enum_value(left, expr.right)
        if isinstance(right, EnumT) and isinstance(expr.left, ast.String):
            self.enum_value(right, expr.left)
        return BOOL

    def enum_members(self, t: Type, collection: ast.Expr) -> None:
        if not isinstance(t, EnumT):
            return
        for literal in literal_strings(collection, self.consts):
            self.enum_value(t, literal)

    def enum_value(self, t: EnumT, literal: ast.String) -> None:
        if literal.value not in t.values:
            self.error("check.unknown-enum-value", f"`{literal.value}` is not a value of `{t.name}`", literal.span,
                       help=suggest(literal.value, t.values) or f"values are {_list(t.values)}")

    def quantifier(self, expr: ast.Quantifier, scope: dict[str, Binding], const_only: bool) -> Type:
        coll_t = self.expr(expr.collection, scope, const_only)
        item = collection_item(coll_t)
        if item is None:
            self.error("check.not-a-list", f"`{expr.kind}` ranges over a list or set, not a {coll_t.describe()}",
                       expr.collection.span)
            item = ANY
        if expr.var in scope or expr.var in self.globals:
            self.warning("check.shadowed-name", f"`{expr.var}` hides another name of the same spelling",
                         expr.var_span, help="rename the variable")
        inner = {**scope, expr.var: Binding("var", expr.var, item, expr)}
        if expr.where is not None:
            t = self.expr(expr.where, inner, const_only)
            if not compatible(t, BOOL):
                self.error("check.type-mismatch", f"`where` needs a bool, not a {t.describe()}", expr.where.span)
        if expr.body is None:
            if expr.kind != "count":
                self.error("check.missing-item", f"`{expr.kind}` needs a body after `:`", expr.span,
                           help=f"write `{expr.kind} {expr.var} in ...: expression`")
            return NumberT(integer=True) if expr.kind == "count" else (BOOL if expr.kind in ("all", "any", "none")
                                                                        else NUMBER)
        body_t = self.expr(expr.body, inner, const_only)
        want = NUMBER if expr.kind in ("sum", "min", "max") else BOOL
        if not compatible(body_t, want):
            self.error("check.type-mismatch", f"the body of `{expr.kind}` must be a {want.describe()}, "
                       f"not a {body_t.describe()}", expr.body.span)
        if expr.kind == "count":
            return NumberT(integer=True)
        return want


def fact_path(expr: ast.Expr, names: dict[int, Binding]) -> str | None:
    """`scores.benchmark` for a chain of fields on a manifest section, else None."""
    if isinstance(expr, ast.Field):
        base = fact_path(expr.obj, names)
        return f"{base}.{expr.name}" if base is not None else None
    if isinstance(expr, ast.Name):
        binding = names.get(id(expr))
        return expr.id if binding is not None and binding.kind == "fact" else None
    return None


def literal_strings(expr: ast.Expr, consts: dict[str, ast.Const]) -> list[ast.String]:
    """The string literals of a set or list written in place or as a constant."""
    if isinstance(expr, ast.Name) and expr.id in consts:
        expr = consts[expr.id].value
    if isinstance(expr, (ast.SetLit, ast.ListLit)):
        return [item for item in expr.items if isinstance(item, ast.String)]
    return []


def walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    """Every sub-expression, parents first."""
    yield expr
    for child in children(expr):
        yield from walk(child)


def children(expr: ast.Expr) -> list[ast.Expr]:
    match expr:
        case ast.Field(obj) | ast.Neg(obj) | ast.Not(obj):
            return [obj]
        case ast.Index(obj, index):
            return [obj, index]
        case ast.Call(args=args) | ast.ListLit(args) | ast.SetLit(args):
            return list(args)
        case ast.Binary(left=left, right=right):
            return [left, right]
        case ast.Quantifier(collection=c, where=w, body=b):
            return [e for e in (c, w, b) if e is not None]
        case ast.If(cond, then, otherwise):
            return [cond, then, otherwise]
    return []


def _where(span: Span | None) -> str:
    return span.location() if span else "an earlier line"


def _list(names: object) -> str:
    return ", ".join(f"`{n}`" for n in sorted(names))  # type: ignore[call-overload]
