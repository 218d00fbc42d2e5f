"""dokpamo in the peer-engine comparison of ../shared/bench-peers, measured side by side in one run.

The decision is written in bench/peer-decision.dkp against the benchmark's own manifest shape; the
whole path from the Python dict to (eligible, advance, total) is timed by the harness itself, and the
totals must agree with `reference_exact` on all 1,000 manifests. The plain hand-written function and
the fastest peer (Rust CEL, `common-expression-language`, when installed) run in the same process.

    python bench/peers.py            # prints a table and the ratios against the floors
"""

from __future__ import annotations

import importlib.util
import platform
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import policy
from policy.facts.schema import EnumT, Field, ListT, NumberT, RecordT, StringT

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT.parent / "shared" / "bench-peers"

COMPONENT = RecordT("component", {
    "name": Field(StringT(), "component name", required=True),
    "kind": Field(EnumT("kind", ("weights", "vision_encoder", "tokenizer", "code", "dataset")), "kind", required=True),
    "origin": Field(EnumT("origin", ("open_source", "in_house")), "origin", required=True),
    "init": Field(EnumT("init", ("random", "pretrained")), "initialisation", required=True),
    "license": Field(StringT(), "licence as written", required=True),
    "source_model": Field(StringT(), "the model the weights came from, if any"),
})
SCORES = RecordT("scores", {
    name: Field(NumberT(minimum=Decimal(0), maximum=Decimal(top)), f"{name} points", required=True)
    for name, top in (("benchmark", 40), ("expert", 35), ("user", 25))
})
SCHEMA = RecordT("bench_manifest", {
    "team": Field(StringT(), "team", required=True),
    "components": Field(ListT(COMPONENT), "components", required=True),
    "scores": Field(SCORES, "scores", required=True),
})
"""The benchmark's manifest shape, given to the checker instead of the team manifest schema."""


def prepare_dokpamo() -> tuple[Any, Any]:
    rules = policy.load(Path(__file__).with_name("peer-decision.dkp"), schema=SCHEMA)
    decide = rules.decider("eligible", "advance", "total")

    def evaluate_all(manifests: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [decide(m) for m in manifests]

    return (lambda manifests: manifests), evaluate_all


def harness() -> Any:
    """The harness, imported from a scratch copy: it writes its results beside itself, and the shared
    folder is read-only."""
    scratch = Path(tempfile.mkdtemp(prefix="dokpamo-bench-")) / "bench-peers"
    shutil.copytree(HARNESS, scratch, ignore=shutil.ignore_patterns("results"))
    sys.path.insert(0, str(scratch))
    import common

    return common


def main() -> None:
    if not HARNESS.is_dir():
        sys.exit(f"the peer harness is not at {HARNESS}")
    common = harness()
    results = {}
    import bench_plain

    results["plain"] = common.run("plain-python", platform.python_version(), bench_plain.prepare,
                                  notes="reference() from common.py")
    if importlib.util.find_spec("cel") is not None:
        import bench_cel_rust

        results["cel"] = common.run("common-expression-language (cel)", "pinned", bench_cel_rust.prepare,
                                    separable=False)
    results["dokpamo"] = common.run("dokpamo", policy.__version__, prepare_dokpamo, ref_fn=common.reference_exact,
                                    notes="bench/peer-decision.dkp, Policy.decider", separable=False)
    ours = results["dokpamo"]["decisions_per_s"]
    plain = results["plain"]["decisions_per_s"]
    print()
    print(f"{'engine':<34}{'decisions/s':>14}{'agrees':>8}")
    for res in results.values():
        print(f"{res['engine']:<34}{res['decisions_per_s']:>14,.0f}{str(res['agrees']):>8}")
    print()
    print(f"dokpamo / plain function: 1/{plain / ours:.1f}  (floor 1/10)")
    if "cel" in results:
        print(f"dokpamo / fastest peer:   {ours / results['cel']['decisions_per_s']:.1f}x  (floor 20x)")
    else:
        print("fastest peer not installed: pip install -r bench/requirements.txt to measure it side by side")
    assert results["dokpamo"]["agrees"], "dokpamo must agree with reference_exact on every manifest"


if __name__ == "__main__":
    main()
