"""Cohort rules: rank several manifests and decide who advances, with the reason in plain words.

Ranking is competition ranking (1, 2, 2, 4) over the rank keys in order; a team whose key is unknown,
or that is not `among` the ranked, has no rank (`rank` is unknown in its `advance`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from policy.check.checker import walk
from policy.compile.interpret import Interpreter, Unknown
from policy.compile.program import Program, rule_ref
from policy.compile.runtime import text
from policy.syntax import ast, unparse
from policy.verdict import Standing, TeamStanding


@attrs.frozen
class Entrant:
    """One manifest taking part in the cohort rules."""

    team: str | None
    """The team id; None to read it from the manifest (`team.id`) when it is opened."""
    interpreter: Interpreter | Callable[[], Interpreter]
    """An interpreter that knows every rule's value on the team's data (`run` or `seed`), or a
    function that makes one: ranking then holds no manifest in memory between its two passes."""

    def open(self) -> Interpreter:
        return self.interpreter if isinstance(self.interpreter, Interpreter) else self.interpreter()


@attrs.define
class _Place:
    """What the first pass learns of one entrant in one cohort rule."""

    index: int
    key: tuple[Decimal, ...] | None
    """The ranking key (negated where descending), or None when the entrant is not ranked."""
    rank: int | None = None


def standing(program: Program, cohort: ast.Cohort, entrants: Sequence[Entrant], *, reasons: bool = True) -> Standing:
    """Rank the entrants; `reasons=False` leaves out the reasons (for searches that only compare outcomes)."""
    return standings(program, [cohort], entrants, reasons=reasons)[0]


def standings(program: Program, cohorts: Sequence[ast.Cohort], entrants: Sequence[Entrant], *,
              reasons: bool = True) -> list[Standing]:
    """Apply cohort rules in two passes over the entrants, each opened once per pass: the first finds
    members and ranking keys, the second, knowing the ranks, decides who advances and why."""
    places: list[dict[int, _Place]] = [{} for _ in cohorts]
    names: list[str] = []
    for entrant in entrants:
        interpreter = entrant.open()
        team = interpreter.data.get("team")
        names.append(entrant.team or (team.get("id") if isinstance(team, dict) else None) or "?")
        index = len(names) - 1
        for cohort, placed in zip(cohorts, places, strict=True):
            if _value(interpreter, cohort.members, True) is False:
                continue
            keys = [_value(interpreter, key.expr, None) for key in cohort.rank]
            ranked = _value(interpreter, cohort.among, True) is True and all(isinstance(k, Decimal) for k in keys)
            key = None
            if ranked:
                key = tuple(-k if rank_key.descending else k for k, rank_key in zip(keys, cohort.rank, strict=True))
            placed[index] = _Place(index, key)
    for placed in places:
        ordered = sorted((p for p in placed.values() if p.key is not None),
                         key=lambda p: (p.key, names[p.index]))
        for position, place in enumerate(ordered):
            previous = ordered[position - 1] if position else None
            place.rank = previous.rank if previous is not None and previous.key == place.key else position + 1
    teams: list[list[TeamStanding]] = [[] for _ in cohorts]
    for index, entrant in enumerate(entrants):
        if not any(index in placed for placed in places):
            continue
        interpreter = entrant.open()
        for cohort, placed, out in zip(cohorts, places, teams, strict=True):
            place = placed.get(index)
            if place is not None:
                out.append(_decide(program, cohort, names[index], interpreter, place, placed, reasons))
    result = []
    for cohort, out in zip(cohorts, teams, strict=True):
        out.sort(key=lambda t: (t.rank is None, t.rank or 0, t.team))
        title = {e.lang: e.value for e in cohort.title.entries} if cohort.title else {}
        result.append(Standing(cohort.name, title, tuple(out), program.info, rule_ref(cohort.name_span)))
    return result


def _decide(program: Program, cohort: ast.Cohort, team: str, interpreter: Interpreter, place: _Place,
            placed: dict[int, _Place], reasons: bool) -> TeamStanding:
    interpreter.cohort_names = {
        "rank": Decimal(place.rank) if place.rank is not None else Unknown(),
        "members": Decimal(len(placed)),
        "ranked": Decimal(sum(p.key is not None for p in placed.values())),
    }
    advance = _value(interpreter, cohort.advance, Unknown())
    reason, decided_by = _reason(program, interpreter, cohort.advance, advance) if reasons else ({}, ())
    keys = tuple((unparse.expression(key.expr), _known(_value(interpreter, key.expr, None))) for key in cohort.rank)
    return TeamStanding(team, place.rank, keys, _known(advance), reason, decided_by)


def _value(interpreter: Interpreter, expr: ast.Expr | None, absent: Any) -> Any:
    return absent if expr is None else interpreter.value(expr)


def _known(value: Any) -> Any:
    return None if isinstance(value, Unknown) else value


def _conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def _reason(program: Program, interpreter: Interpreter, advance: ast.Expr | None,
            value: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """Why a team advances or not: the parts of `advance` that decided it, in Korean and English."""
    if advance is None:
        return {"en": "no advance rule", "ko": "진출 규칙 없음"}, ()
    parts = _conjuncts(advance)
    if value is False:
        parts = [p for p in parts if interpreter.value(p) is False]
    elif isinstance(value, Unknown):
        parts = [p for p in parts if isinstance(interpreter.value(p), Unknown)]
    en, ko, decided_by = [], [], []
    for part in parts:
        part_en, part_ko, ids = _describe(program, interpreter, part)
        en.append(part_en)
        ko.append(part_ko)
        decided_by.extend(ids)
    head_en = {True: "advances", False: "does not advance"}.get(value, "undecided")  # type: ignore[call-overload]
    head_ko = {True: "진출", False: "탈락"}.get(value, "미정")  # type: ignore[call-overload]
    return ({"en": f"{head_en}: " + "; ".join(en), "ko": f"{head_ko}: " + "; ".join(ko)},
            tuple(dict.fromkeys(decided_by)))


def _describe(program: Program, interpreter: Interpreter, expr: ast.Expr) -> tuple[str, str, list[str]]:
    value = interpreter.value(expr)
    checked = program.checked
    if isinstance(expr, ast.Name) and checked.kind_of(expr.id) in ("gate", "decision"):
        kind = checked.kind_of(expr.id)
        kind_ko = "게이트" if kind == "gate" else "결정"
        if value is True:
            return f"{kind} `{expr.id}` passed", f"{kind_ko} `{expr.id}` 통과", [expr.id]
        failed = _failed_gates(program, interpreter, expr.id)
        if isinstance(value, Unknown):
            missing = ", ".join(f"`{p}`" for p in sorted(value.missing)) or "facts"
            return (f"{kind} `{expr.id}` is undecided (missing {missing})",
                    f"{kind_ko} `{expr.id}` 미정 (누락: {missing})", [expr.id])
        names = ", ".join(f"`{g}`" for g in failed)
        return (f"{kind} `{expr.id}` failed" + (f": fails {names}" if failed else ""),
                f"{kind_ko} `{expr.id}` 불통과" + (f": {names} 실패" if failed else ""), failed or [expr.id])
    shown = unparse.expression(expr)
    values = [f"{n} = {_show(_name_value(interpreter, n))}" for n in _names(expr)
              if n in interpreter.cohort_names or n in interpreter.rules or n in checked.consts]
    detail = f" ({', '.join(values)})" if values else ""
    ids = ["rank"] if "rank" in _names(expr) else []
    if isinstance(value, Unknown):
        return f"`{shown}` is unknown{detail}", f"`{shown}` 알 수 없음{detail}", ids
    word_en = "holds" if value else "does not hold"
    word_ko = "충족" if value else "미충족"
    return f"`{shown}` {word_en}{detail}", f"`{shown}` {word_ko}{detail}", ids


def _names(expr: ast.Expr) -> list[str]:
    return list(dict.fromkeys(n.id for n in walk(expr) if isinstance(n, ast.Name)))


def _name_value(interpreter: Interpreter, name: str) -> Any:
    if name in interpreter.cohort_names:
        return interpreter.cohort_names[name]
    if name in interpreter.rules:
        return interpreter.rules[name]
    if name in interpreter.c.consts:
        return interpreter.value(interpreter.c.consts[name].value)
    return Unknown()


def _show(value: Any) -> str:
    return "unknown" if isinstance(value, Unknown) else text(value)


def _failed_gates(program: Program, interpreter: Interpreter, name: str) -> list[str]:
    """The disqualifying gates behind a failed decision (or the gate itself)."""
    if program.checked.kind_of(name) == "gate":
        return [name]
    uses = program.checked.uses.get(name, set())
    failed = []
    for gate in program.checked.gates:
        relevant = gate.name in uses or ("gates" in uses and gate.level == "disqualify")
        if relevant and interpreter.rules[gate.name] is False:
            failed.append(gate.name)
    for decision in program.checked.decisions:
        if decision.name in uses and interpreter.rules[decision.name] is False:
            failed.extend(_failed_gates(program, interpreter, decision.name))
    return list(dict.fromkeys(failed))
