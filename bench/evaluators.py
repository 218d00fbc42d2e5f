"""Decisions per second of the two evaluators on the shipped rules, over generated manifests.

    python bench/evaluators.py [N]     # N generated manifests (default 2,000)

The compiled evaluator (generated Python) is what `dokpamo-check` and `Policy.decide` use; the reference
interpreter (a tree walk) states the semantics and explains. Both see the same valid manifest data.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

import policy
from policy.facts.generate import Hints, manifests

ROOT = Path(__file__).resolve().parents[1]


def generated(count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    @seed(20260115)
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(manifests(hints=Hints.of(["random", "pretrained", "copy", "in_house", "open_source", "Apache-2.0"])))
    def collect(data: dict[str, Any]) -> None:
        found.append(data)

    collect()
    return found


def rate(decide: Any, data: list[dict[str, Any]], repeat: int = 3) -> float:
    best = min(_time(decide, data) for _ in range(repeat))
    return len(data) / best


def _time(decide: Any, data: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for item in data:
        decide(item)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rules = policy.load(ROOT / "rules" / "dokpamo-2026-phase1.dkp")
    data = generated(count)
    program = rules.program
    assert all(program.values(d) == program.reference_values(d) for d in data), "evaluators disagree"
    compiled = rate(program.values, data)
    reference = rate(program.reference_values, data)
    print(f"shipped rules, {len(data)} generated manifests")
    print(f"  compiled evaluator   {compiled:>12,.0f} decisions/s")
    print(f"  reference interpreter{reference:>12,.0f} decisions/s   ({compiled / reference:.0f}x slower)")


if __name__ == "__main__":
    main()
