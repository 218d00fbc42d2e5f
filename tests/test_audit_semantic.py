"""The semantic diff: meanings, the witness search and the shrinker (`policy.audit.semantic`, `shrink`).

Searches here use small budgets; the default budget on the shipped rules is measured in `docs/audit.md`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from policy.api import Policy, load, loads
from policy.audit.semantic import Target, plan, search
from policy.audit.shrink import shrink
from policy.facts.load import parse_manifest
from policy.facts.schema import MANIFEST

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "rules" / "dokpamo-2026-phase1.dkp"
WITHOUT_EVIDENCE = ROOT / "tests" / "fixtures" / "rules" / "dokpamo-2026-phase1-1.0.0-no-evidence.dkp"
SECOND = ROOT / "rules" / "dokpamo-2026-phase1-ranked-eligible.dkp"


@pytest.fixture(scope="module")
def first() -> Policy:
    return load(SHIPPED)


@pytest.fixture(scope="module")
def second() -> Policy:
    return load(SECOND)


def variant(old: str, new: str, base: Path = SHIPPED) -> Policy:
    text = base.read_text(encoding="utf-8")
    assert old in text
    return loads(text.replace(old, new), "variant.dkp")


def test_only_rules_whose_meaning_differs_are_searched(first: Policy, second: Policy) -> None:
    singles, cohorts, proved = plan(first, second)
    assert singles == [] and cohorts == [Target("cohort", "phase1")]
    assert Target("verdict", "verdict") in proved and Target("cohort", "wildcard_round") in proved
    # A constant used only by one cohort rule changes that rule's meaning, nothing else's.
    singles, cohorts, _ = plan(first, variant("const planned_places = 4", "const planned_places = 3"))
    assert singles == [] and cohorts == [Target("cohort", "phase1")]
    # A gate's level changes the verdict (through `gates`) but not the gate's own status.
    singles, _, _ = plan(first, variant("  level: warn\n  title: {\n    ko: \"재사용 출처 고지\"",
                                        "  level: disqualify\n  title: {\n    ko: \"재사용 출처 고지\""))
    assert singles == [Target("verdict", "verdict")]


def test_the_two_readings_differ_on_a_small_cohort(first: Policy, second: Policy) -> None:
    found = search(first, second, budget=40)
    flips = [f for f in found.findings if f.target == Target("cohort", "phase1") and "(rank" in f.new
             and f.new.startswith("advances") and f.old.startswith("does not advance")]
    assert flips, found.findings
    finding = flips[0]
    assert 2 <= len(finding.manifests) <= 6
    # Verified here again, from the printed YAML, through the public API.
    manifests = [parse_manifest(text, f"team-{i}.yaml") for i, text in enumerate(finding.manifests, 1)]
    before = {t.team: t.advance for t in first.rank(manifests, "phase1")[0].teams}
    after = {t.team: t.advance for t in second.rank(manifests, "phase1")[0].teams}
    assert before[finding.team] is False and after[finding.team] is True
    # Minimal: without any one team the outcome no longer differs.
    for left_out in range(len(manifests)):
        rest = manifests[:left_out] + manifests[left_out + 1:]
        old = {t.team: t.advance for t in first.rank(rest, "phase1")[0].teams}
        new = {t.team: t.advance for t in second.rank(rest, "phase1")[0].teams}
        assert old == new


def test_the_search_is_deterministic(first: Policy, second: Policy) -> None:
    one, two = search(first, second, budget=8), search(first, second, budget=8)
    assert one == two


def test_two_formattings_of_the_same_file_differ_nowhere(first: Policy) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    reformatted = loads("\n".join(line for line in text.split("\n") if not line.lstrip().startswith("#")), "b.dkp")
    found = search(first, reformatted)
    assert found.findings == () and found.searched == () and found.generated == 0


def test_an_equivalent_rewrite_is_searched_and_no_difference_found(first: Policy) -> None:
    same = variant("require: len(runtime.external_services) == 0", "require: 0 == len(runtime.external_services)")
    found = search(first, same, budget=10)
    assert Target("gate", "no_external_control") in found.searched
    assert found.findings == ()
    assert found.generated == 10 and found.recombined == 100


def test_a_boundary_change_gives_a_minimal_gate_witness() -> None:
    first = load(WITHOUT_EVIDENCE)
    stricter = variant("b.score >= b.sota * performance_ratio", "b.score > b.sota * performance_ratio",
                       WITHOUT_EVIDENCE)
    found = search(first, stricter, budget=30)
    gate = next(f for f in found.findings if f.target == Target("gate", "performance_target"))
    assert (gate.old, gate.new) == ("pass", "fail")
    manifest = parse_manifest(gate.manifests[0], "witness.yaml")
    assert first.evaluate(manifest).gate("performance_target").status.value == "pass"
    assert stricter.evaluate(manifest).gate("performance_target").status.value == "fail"
    # Exactly at 95%, with one benchmark and nothing else the rules do not need.
    (benchmark,) = manifest.data["benchmarks"]
    assert benchmark["score"] == benchmark["sota"] * Decimal("0.95")
    assert set(manifest.data) == {"manifest", "team", "model", "benchmarks"}


def test_the_score_delta_bounds_what_counts_as_a_move(first: Policy) -> None:
    weighted = variant("  value: benchmark + expert + user\n", "  value: benchmark + expert + user * 0.9\n")
    moved = search(first, weighted, budget=10)
    total = next(f for f in moved.findings if f.target == Target("score", "total"))
    assert Decimal(total.old) - Decimal(total.new) > 0
    # A user score of at most 25 moves the total by at most 2.5.
    bounded = search(first, weighted, budget=10, score_delta=Decimal("2.5"))
    assert not [f for f in bounded.findings if f.target.kind == "score"]


def test_the_shrinker_keeps_only_what_the_property_needs() -> None:
    data = {
        "manifest": Decimal(1), "team": {"id": "t", "name": "Team"}, "model": {"name": "model", "version": "2"},
        "components": [
            {"id": "lm", "role": "language_model", "weights": True, "init": "random", "origin": "in_house"},
            {"id": "ve", "role": "vision_encoder", "weights": True, "init": "pretrained", "origin": "open_source",
             "license": "Apache-2.0 AND MIT", "trainable": False},
        ],
        "scores": {"benchmark": Decimal("31.25"), "expert": Decimal("29.4")},
    }

    def pretrained(candidate: dict) -> bool:  # type: ignore[type-arg]
        return any(c.get("init") == "pretrained" and c.get("weights") for c in candidate.get("components", []))

    small = shrink(data, MANIFEST, pretrained, frozen=frozenset({"team"}))
    assert small == {"manifest": Decimal(1), "team": {"id": "t", "name": "Team"}, "model": {"name": "a"},
                     "components": [{"id": "a", "role": "language_model", "weights": True, "init": "pretrained",
                                     "origin": "in_house"}]}
