"""Verdicts and standings as plain JSON data: the stable contract documented in `docs/reports.md`.

Numbers are decimal strings (`"90.2"`), never floats; locations are `file:line:col` strings; every
key is always present (`null` or `[]` when empty) so that readers need no existence checks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from policy.render.common import decimal_text, localise, value_data
from policy.verdict import (
    DecisionResult,
    Fact,
    GateResult,
    Location,
    PolicyInfo,
    RuleRef,
    ScoreResult,
    Standing,
    TeamStanding,
    TraceStep,
    Verdict,
    Witness,
)


def dumps(data: object) -> str:
    """Sorted keys, Unicode kept, two-space indent, a final newline: byte-identical across runs."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _where(location: Location | RuleRef | None) -> str | None:
    return None if location is None else str(location)


def _fact(fact: Fact) -> dict[str, object]:
    return {"path": fact.path, "value": value_data(fact.value), "location": _where(fact.location)}


def _witness(witness: Witness) -> dict[str, object]:
    return {
        "path": witness.path,
        "label": witness.label,
        "facts": [_fact(f) for f in witness.facts],
        "location": _where(witness.location),
        "wants": list(witness.wants),
    }


def _gate(gate: GateResult) -> dict[str, object]:
    return {
        "id": gate.id,
        "status": gate.status.value,
        "level": gate.level.value,
        "witnesses": [_witness(w) for w in gate.witnesses],
        "message": dict(gate.message),
        "missing": list(gate.missing),
        "rule": _where(gate.rule),
    }


def _score(score: ScoreResult) -> dict[str, object]:
    return {
        "id": score.id,
        "value": decimal_text(score.value),
        "max": decimal_text(score.max),
        "breakdown": [{"name": t.name, "value": decimal_text(t.value)} for t in score.breakdown],
    }


def _decision(decision: DecisionResult) -> dict[str, object]:
    return {
        "id": decision.id,
        "outcome": decision.outcome.value,
        "because": list(decision.because),
        "rule": _where(decision.rule),
    }


def _step(step: TraceStep) -> dict[str, object]:
    return {
        "rule": step.rule,
        "expression": step.expression,
        "value": step.value,
        "location": _where(step.location),
        "depth": step.depth,
    }


def policy_data(policy: PolicyInfo) -> dict[str, object]:
    return {"name": policy.name, "version": policy.version, "digest": policy.digest}


def verdict_data(verdict: Verdict, *, explain: bool = False) -> dict[str, object]:
    """One verdict as JSON data; the trace only when `explain`."""
    data: dict[str, object] = {
        "decision": verdict.decision.value,
        "gates": [_gate(g) for g in verdict.gates],
        "scores": [_score(s) for s in verdict.scores],
        "decisions": [_decision(d) for d in verdict.decisions],
        "missing": list(verdict.missing),
        "policy": policy_data(verdict.policy),
        "manifest": {"team": verdict.manifest.team, "digest": verdict.manifest.digest},
        "engine": verdict.engine,
    }
    if explain:
        data["trace"] = [_step(s) for s in verdict.trace]
    return data


def verdicts_json(verdicts: Sequence[Verdict], *, explain: bool = False) -> str:
    """One verdict gives its object, several give an array of them."""
    items = [verdict_data(v, explain=explain) for v in verdicts]
    return dumps(items[0] if len(items) == 1 else items)


def _team(team: TeamStanding, lang: str) -> dict[str, object]:
    total = team.keys[0][1] if team.keys else None
    return {
        "team": team.team,
        "rank": team.rank,
        "total": decimal_text(total),
        "advance": team.advance,
        "reason": localise(team.reason, lang),
        "decided_by": list(team.decided_by),
    }


def standing_data(standing: Standing, *, lang: str) -> dict[str, object]:
    """A cohort standing as JSON data, with each team's reason in `lang`."""
    return {
        "cohort": standing.cohort,
        "teams": [_team(t, lang) for t in standing.teams],
        "policy": policy_data(standing.policy),
    }
