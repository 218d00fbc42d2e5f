"""Evaluation: conformance cases (tests/golden/eval/*.yaml) run through both evaluators, then the
explanations (witnesses, missing facts, messages) and cohort ranking."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import policy
from policy.facts.load import manifest_from_mapping
from policy.verdict import Outcome, Status

EVAL = Path(__file__).parent / "golden" / "eval"
BASE = {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M"}}


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in sorted(EVAL.glob("*.yaml")):
        suite = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend((path.stem, suite["rules"], case) for case in suite["cases"])
    return found


def with_base(manifest: dict[str, Any]) -> dict[str, Any]:
    data = {**BASE, **manifest}
    data["model"] = {**BASE["model"], **manifest.get("model", {})}
    return data


@pytest.mark.parametrize(("topic", "rules", "case"), cases(), ids=lambda v: v["name"] if isinstance(v, dict) else "")
def test_conformance(topic: str, rules: str, case: dict[str, Any]) -> None:
    compiled = policy.loads(rules, f"{topic}.dkp")
    manifest = manifest_from_mapping(with_base(case["manifest"]))
    verdict = compiled.evaluate(manifest)
    for gate, status in case.get("gates", {}).items():
        assert verdict.gate(gate).status is Status(status), gate
    for score, value in case.get("scores", {}).items():
        assert verdict.score(score).value == (None if value is None else Decimal(value)), score
        if value is not None:
            assert str(verdict.score(score).value) == value, "decimals keep their text"
    decisions = {d.id: d.outcome for d in verdict.decisions}
    for decision, value in case.get("decisions", {}).items():
        assert decisions[decision] is {True: Outcome.PASS, False: Outcome.FAIL, None: Outcome.UNDECIDED}[value]
    if "verdict" in case:
        assert verdict.decision is Outcome(case["verdict"])
    if "missing" in case:
        assert list(verdict.missing) == case["missing"]
    assert compiled.program.values(manifest.data) == compiled.program.reference_values(manifest.data)


@pytest.fixture(scope="module")
def phase1(root: Path) -> policy.Policy:
    return policy.load(root / "rules" / "dokpamo-2026-phase1.dkp", name="rules/dokpamo-2026-phase1.dkp")


def test_naver_fails_with_the_vision_encoder_as_witness(phase1: policy.Policy, root: Path) -> None:
    verdict = phase1.evaluate(root / "examples" / "2026-phase1" / "naver-cloud.yaml")
    assert verdict.decision is Outcome.FAIL
    gate = verdict.gate("weights_from_scratch")
    assert gate.status is Status.FAIL
    vision = gate.witnesses[0]
    assert (vision.path, vision.label) == ("components[1]", "vision-encoder")
    facts = {f.path: f.value for f in vision.facts}
    assert facts == {"components[1].weights": True, "components[1].init": "pretrained"}
    assert vision.location is not None and vision.location.line > 1
    assert vision.wants == ("`components[1].init` in {`own_checkpoint`, `random`}",)
    assert gate.rule is not None and gate.rule.file == "rules/dokpamo-2026-phase1.dkp"
    assert "사전학습" in gate.message["ko"] and "pretrained" in gate.message["en"]


def test_missing_facts_are_listed_and_leave_the_verdict_undecided(phase1: policy.Policy) -> None:
    verdict = phase1.evaluate({"manifest": 1, "team": {"id": "x", "name": "X"}, "model": {"name": "m"}})
    assert verdict.decision is Outcome.UNDECIDED
    assert "runtime.external_services" in verdict.missing
    assert "training.from_scratch" in verdict.missing
    assert verdict.gate("no_external_control").status is Status.UNKNOWN
    assert verdict.score("total").value is None


def test_messages_quote_facts(phase1: policy.Policy, root: Path) -> None:
    data = yaml.safe_load((root / "examples" / "2026-phase1" / "lg-ai-research.yaml").read_text(encoding="utf-8"))
    data["runtime"] = {"external_services": ["api.example.com", "licence.example.com"]}
    verdict = phase1.evaluate(data)
    gate = verdict.gate("no_external_control")
    assert gate.status is Status.FAIL
    assert gate.message["en"].endswith("(2 declared)")
    assert verdict.decision is Outcome.FAIL


def test_ranking_reproduces_january_2026(phase1: policy.Policy, root: Path) -> None:
    (standing, *rest) = phase1.rank(sorted((root / "examples" / "2026-phase1").glob("*.yaml")))
    assert standing.cohort == "phase1"
    outcome = {t.team: (t.rank, t.advance) for t in standing.teams}
    assert outcome == {
        "lg-ai-research": (1, True), "naver-cloud": (2, False), "sk-telecom": (3, True), "upstage": (4, True),
        "nc-ai": (5, False),
    }
    reasons = {t.team: t.decided_by for t in standing.teams}
    assert "weights_from_scratch" in reasons["naver-cloud"]
    assert reasons["nc-ai"] == ("rank",)
    assert all(not s.teams for s in rest), "the wildcard rule has no members in phase 1"


def test_wildcard_admits_by_panel_majority(phase1: policy.Policy, root: Path) -> None:
    (standing,) = phase1.rank(sorted((root / "examples" / "2026-wildcard").glob("*.yaml")), cohort="wildcard_round")
    assert {t.team: t.advance for t in standing.teams} == {"motif-technologies": True, "trillion-labs": False}


def test_ties_share_a_rank() -> None:
    rules = policy.loads('''policy "t" { version: "1" }
score total { max: 100 value: scores.user }
cohort c { rank: total desc advance: rank <= 2 }''')
    teams = [{**BASE, "team": {"id": name, "name": name}, "scores": {"user": user}}
             for name, user in (("a", 20), ("b", 20), ("c", 10), ("d", 5))]
    (standing,) = rules.rank(teams)
    assert [(t.team, t.rank, t.advance) for t in standing.teams] == [
        ("a", 1, True), ("b", 1, True), ("c", 3, False), ("d", 4, False)]


def test_witnesses_name_the_facts_read_through_default(phase1: policy.Policy, root: Path) -> None:
    data = yaml.safe_load((root / "examples" / "2026-phase1" / "lg-ai-research.yaml").read_text(encoding="utf-8"))
    data["evidence"] = {"method": 1, "comparisons": [{"component": "language_model", "reference": "qwen",
                                                      "pearson": 0.98}]}
    gate = phase1.evaluate(data).gate("weights_evidence")
    assert gate.status is Status.FAIL
    (witness,) = gate.witnesses
    assert witness.path == "evidence.comparisons[0]"
    assert {f.path: f.value for f in witness.facts}["evidence.comparisons[0].pearson"] == Decimal("0.98")
    assert "`evidence.comparisons[0].pearson` < `0.5`" in witness.wants
