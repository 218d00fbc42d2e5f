"""Invariants: the search finds planted counterexamples, prints them as usable manifests, and is
deterministic, bounded and leaves nothing on disk."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from policy.api import Policy, loads
from policy.authoring.invariants import check_invariants, hints
from policy.cli import cli
from policy.compile.interpret import Interpreter
from policy.facts.dump import manifest_yaml
from policy.facts.generate import manifests
from policy.facts.load import parse_manifest

PLANTED = """policy "planted" { version: "1" }
score benchmark { max: 40 value: scores.benchmark }
score expert { max: 35 value: scores.expert }
# Wrong on purpose: a high expert score costs benchmark points.
score penalised { max: 40 value: scores.benchmark - (if scores.expert > 30 then 10 else 0) }
gate strong { level: warn require: scores.benchmark >= 30 message: { ko: "s" en: "s" } }
invariant below_forty { holds: benchmark < 40 }
invariant experts_never_cost { monotone: penalised over scores.benchmark, scores.expert }
invariant sound { holds: benchmark <= 40 and expert <= 35 }
invariant unknown_is_not_a_counterexample { holds: scores.user > 25 or scores.user <= 25 }
"""


@pytest.fixture(scope="module")
def planted() -> Policy:
    return loads(PLANTED, "planted.dkp")


@pytest.fixture(scope="module")
def results(planted: Policy) -> dict[str, object]:
    return {r.name: r for r in check_invariants(planted.checked, examples=60, seed=0)}


def test_planted_holds_counterexample_is_found_and_shrunk(results: dict, planted: Policy) -> None:
    found = results["below_forty"].counterexample
    assert found is not None
    assert found.explanation == "`benchmark < 40` is false (benchmark = 40)"
    # Shrunk: only what the invariant needs, with a readable team and model.
    assert found.manifest == {"manifest": 1, "team": {"id": "counterexample", "name": "counterexample"},
                              "model": {"name": "counterexample"}, "scores": {"benchmark": Decimal(40)}}


def test_planted_monotone_counterexample_is_found(results: dict, planted: Policy) -> None:
    found = results["experts_never_cost"].counterexample
    assert found is not None
    assert found.explanation.startswith("raising `scores.expert` from ")
    assert "lowers `penalised` from " in found.explanation
    before = Interpreter(planted.checked, found.manifest)
    before.run()
    assert isinstance(before.rules["penalised"], Decimal)


def test_true_invariants_have_no_counterexample(results: dict) -> None:
    assert results["sound"].counterexample is None
    assert results["sound"].tried == 60
    # `scores.user` is often missing: unknown, never false.
    assert results["unknown_is_not_a_counterexample"].counterexample is None


def test_counterexample_is_a_manifest_dokpamo_check_accepts(results: dict, tmp_path: Path) -> None:
    found = results["below_forty"].counterexample
    text = manifest_yaml(found.manifest, ["counterexample to `below_forty`", found.explanation])
    assert text.startswith("# counterexample to `below_forty`\n# `benchmark < 40` is false (benchmark = 40)\n"
                           "manifest: 1\n")
    assert parse_manifest(text, "c.yaml").data == found.manifest
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "planted.dkp").write_text(PLANTED, encoding="utf-8")
    rules = str(tmp_path / "planted.dkp")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "c.yaml"), "--rules", rules])
    assert result.exit_code == 0, result.output  # valid, and it passes the rules: only the invariant breaks


def test_search_is_deterministic_and_seeded(planted: Policy) -> None:
    def search(seed: int) -> list[object]:
        found = check_invariants(planted.checked, examples=30, seed=seed)
        return [(r.tried, r.counterexample) for r in found]

    assert search(3) == search(3)


def test_command_prints_and_saves_counterexamples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("planted.dkp").write_text(PLANTED, encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", "planted.dkp", "--examples", "40", "--seed", "1",
                                      "--counterexamples", "found"], catch_exceptions=False)
    assert result.exit_code == 1
    failed = "  FAIL  invariant below_forty (planted.dkp:7:11)\n          `benchmark < 40` is false"
    assert failed in result.stdout
    assert "--- # the shrunk counterexample, a manifest `dokpamo-check` accepts:\n" in result.stdout
    assert "  ok    invariant sound: no counterexample in 40 manifests" in result.stdout
    saved = sorted(os.listdir("found"))
    assert saved == ["planted.below_forty.yaml", "planted.experts_never_cost.yaml"]
    assert parse_manifest(Path("found/planted.below_forty.yaml").read_text(encoding="utf-8"), "x.yaml")
    # No example database, nor anything else, is written into the user's folder.
    assert sorted(os.listdir(".")) == ["found", "planted.dkp"]


def test_hints_are_what_the_rules_mention(planted: Policy) -> None:
    found = hints(planted.checked.module)
    assert {Decimal(30), Decimal(40), Decimal(10), Decimal(0)} <= set(found.numbers)
    assert "s" not in found.strings  # texts are not conditions


@settings(max_examples=20)
@given(manifests())
def test_manifest_yaml_round_trips(data: dict) -> None:
    assert parse_manifest(manifest_yaml(data), "m.yaml").data == data


def test_manifest_yaml_escapes_what_yaml_would_misread() -> None:
    data = {"manifest": Decimal(1), "team": {"id": "a", "name": "line\u2028sep\ttab \"q\" \\ \ufeff #x: y"},
            "model": {"name": "yes"}}
    text = manifest_yaml(data)
    assert '"yes"' in text and "\\u2028" in text and "\\ufeff" in text
    assert parse_manifest(text, "m.yaml").data == data
