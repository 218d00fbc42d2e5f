"""Hypothesis strategies for rule files, built as ASTs (never as strings), well typed by construction.

Programs read the real manifest schema, so they run against manifests from
`policy.facts.generate.manifests`. `total=False` leaves out `known` and `default`, the two functions
that look at whether a fact is stated and so are not monotone in the facts.
"""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

from policy.facts.schema import BENCHMARK_GROUP, INIT, ORIGIN, PERFORMED_BY, ROLE
from policy.syntax import ast


def name(*parts: str) -> ast.Expr:
    expr: ast.Expr = ast.Name(parts[0])
    for part in parts[1:]:
        expr = ast.Field(expr, part)
    return expr


NUMBER_FACTS = [
    ("scores", "benchmark"), ("scores", "expert"), ("scores", "user"), ("scores", "benchmark_parts", "nia"),
    ("model", "parameters"), ("training", "tokens"), ("training", "initial_loss"), ("wildcard", "votes_for"),
]
COMPONENT_ENUMS = {"init": INIT.values, "origin": ORIGIN.values, "role": ROLE.values}
COMPONENT_BOOLS = ("weights", "trainable")

numbers = st.decimals(0, 100, places=2).map(ast.Number)
identifiers = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)


class Programs:
    """Typed expression strategies; `scope` holds the quantifier variables and what they range over."""

    def __init__(self, total: bool = True, rules: tuple[str, ...] = (), scores: tuple[str, ...] = ()) -> None:
        self.total = total
        self.gate_names = rules
        self.score_names = scores

    def number(self, depth: int, scope: dict[str, str]) -> st.SearchStrategy[ast.Expr]:
        leaves = [numbers, st.sampled_from(NUMBER_FACTS).map(lambda p: name(*p)),
                  st.sampled_from([("runtime", "external_services"), ("components",), ("benchmarks",)])
                  .map(lambda p: ast.Call("len", (name(*p),)))]
        leaves += [st.just(name(v, f)) for v, kind in scope.items() if kind == "benchmarks" for f in ("score", "sota")]
        leaves += [st.just(ast.Name(s)) for s in self.score_names]
        if depth <= 0:
            return st.one_of(leaves)
        sub = self.number(depth - 1, scope)
        composite = [
            st.builds(ast.Binary, st.sampled_from(["+", "-", "*"]), sub, sub),
            st.builds(ast.Binary, st.just("/"), sub, st.decimals(1, 9, places=0).map(ast.Number)),
            st.builds(ast.Neg, sub),
            st.builds(lambda f, a, b: ast.Call(f, (a, b)), st.sampled_from(["min", "max"]), sub, sub),
            st.builds(ast.If, self.boolean(depth - 1, scope), sub, sub),
            self.quantified(depth, scope, ("sum", "min", "max", "count")),
        ]
        if self.total:
            composite.append(st.builds(lambda a, b: ast.Call("default", (a, b)), sub, sub))
        return st.one_of(*leaves, *composite)

    def boolean(self, depth: int, scope: dict[str, str]) -> st.SearchStrategy[ast.Expr]:
        leaves = [
            st.booleans().map(ast.Bool),
            st.just(name("training", "from_scratch")),
            st.sampled_from(PERFORMED_BY.values).map(
                lambda v: ast.Binary("==", name("training", "performed_by"), ast.String(v))),
        ]
        for var, kind in scope.items():
            if kind == "components":
                leaves.append(st.sampled_from(COMPONENT_BOOLS).map(lambda f, v=var: name(v, f)))
                leaves.append(self.enum_test(var))
            if kind == "benchmarks":
                leaves.append(st.sampled_from(BENCHMARK_GROUP.values).map(
                    lambda g, v=var: ast.Binary("==", name(v, "group"), ast.String(g))))
        leaves += [st.just(ast.Name(g)) for g in self.gate_names]
        if self.total:
            leaves.append(st.sampled_from(NUMBER_FACTS).map(lambda p: ast.Call("known", (name(*p),))))
        if depth <= 0:
            return st.one_of(leaves)
        sub = self.boolean(depth - 1, scope)
        num = self.number(depth - 1, scope)
        return st.one_of(
            *leaves,
            st.builds(ast.Binary, st.sampled_from(["and", "or"]), sub, sub),
            st.builds(ast.Not, sub),
            st.builds(ast.Binary, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), num, num),
            st.builds(ast.If, sub, sub, sub),
            self.quantified(depth, scope, ("all", "any", "none")),
        )

    def enum_test(self, var: str) -> st.SearchStrategy[ast.Expr]:
        def build(field: str, values: list[str], negate: bool) -> ast.Expr:
            return ast.Binary("not in" if negate else "in", name(var, field),
                              ast.SetLit(tuple(ast.String(v) for v in values)))

        return st.sampled_from(sorted(COMPONENT_ENUMS)).flatmap(
            lambda f: st.builds(build, st.just(f), st.lists(st.sampled_from(COMPONENT_ENUMS[f]), min_size=1,
                                                            max_size=3, unique=True), st.booleans()))

    def quantified(self, depth: int, scope: dict[str, str], kinds: tuple[str, ...]) -> st.SearchStrategy[ast.Expr]:
        var = f"x{len(scope)}"

        def build(kind: str, collection: str) -> st.SearchStrategy[ast.Expr]:
            inner = {**scope, var: collection}
            where = st.none() | self.boolean(depth - 1, inner)
            if kind in ("all", "any", "none"):
                body: st.SearchStrategy[ast.Expr | None] = self.boolean(depth - 1, inner)
            elif kind == "count":
                body = st.none() | self.boolean(depth - 1, inner)
            else:
                body = self.number(depth - 1, inner)
            return st.builds(ast.Quantifier, st.just(kind), st.just(var), st.just(ast.Name(collection)), where, body)

        return st.tuples(st.sampled_from(kinds), st.sampled_from(["components", "benchmarks"])).flatmap(
            lambda pair: build(*pair))


def texts() -> st.SearchStrategy[ast.Text]:
    words = st.text(st.sampled_from("abc 가나다"), min_size=1, max_size=8)
    return st.builds(lambda ko, en: ast.Text((ast.TextEntry("ko", ko), ast.TextEntry("en", en))), words, words)


@st.composite
def modules(draw: st.DrawFn, total: bool = True, depth: int = 2) -> ast.Module:
    """A well-typed rule file: gates over facts, scores over facts, decisions over gates and scores."""
    gate_names = draw(st.lists(identifiers.map(lambda s: f"g_{s}"), min_size=1, max_size=3, unique=True))
    score_names = draw(st.lists(identifiers.map(lambda s: f"s_{s}"), max_size=2, unique=True))
    facts = Programs(total)
    gates = [
        ast.Gate(g, draw(st.sampled_from(ast.LEVELS)), None,
                 draw(st.none() | facts.boolean(1, {})), draw(facts.boolean(depth, {})), draw(texts()))
        for g in gate_names
    ]
    scores = [ast.Score(s, None, draw(numbers), draw(facts.number(depth, {}))) for s in score_names]
    rules = Programs(total, tuple(gate_names), tuple(score_names))
    decisions = [ast.Decision("d_main", None, draw(rules.boolean(depth, {})))]
    header = ast.Header("generated", version="1", effective=datetime.date(2026, 1, 1),
                        verdict=draw(st.sampled_from(["d_main", None])))
    return ast.Module(header, tuple([*gates, *scores, *decisions]))

