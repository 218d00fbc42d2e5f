"""The shipped example manifests load, and their numbers agree exactly with the published ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policy.facts.load import Manifest, load_manifest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PHASE1 = EXAMPLES / "2026-phase1"
WILDCARD = EXAMPLES / "2026-wildcard"
FILES = sorted(EXAMPLES.glob("*/*.yaml"))
PHASE1_TEAMS = {"lg-ai-research", "sk-telecom", "upstage", "naver-cloud", "nc-ai"}
HEADER = "# yaml-language-server: $schema=../../docs/manifest.schema.json\n"


def load(path: Path) -> dict[str, Any]:
    manifest: Manifest = load_manifest(path)
    return manifest.data


def phase1() -> dict[str, dict[str, Any]]:
    return {path.stem: load(path) for path in sorted(PHASE1.glob("*.yaml"))}


def component(data: dict[str, Any], component_id: str) -> dict[str, Any]:
    return next(c for c in data["components"] if c["id"] == component_id)


def test_the_examples_are_all_there() -> None:
    assert {p.stem for p in PHASE1.glob("*.yaml")} == PHASE1_TEAMS
    assert {p.stem for p in WILDCARD.glob("*.yaml")} == {"motif-technologies", "trillion-labs"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_is_a_valid_manifest(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith(HEADER)
    data = load(path)
    assert data["team"]["id"] == path.stem
    for item in data.get("components", []):
        if item["origin"] != "in_house":
            assert {"source", "license", "notice"} <= item.keys(), item["id"]
    scores = data.get("scores")
    if scores is not None:
        parts = scores["benchmark_parts"]
        assert parts["nia"] + parts["common"] + parts["individual"] == scores["benchmark"]


def test_phase1_scores_agree_with_the_published_figures() -> None:
    teams = phase1()
    lg = teams["lg-ai-research"]["scores"]
    assert (lg["benchmark"], lg["expert"], lg["user"]) == (Decimal("33.6"), Decimal("31.6"), Decimal("25.0"))
    assert lg["benchmark"] + lg["expert"] + lg["user"] == Decimal("90.2")
    assert teams["sk-telecom"]["scores"]["benchmark_parts"]["nia"] == Decimal("9.2")
    assert teams["upstage"]["scores"]["benchmark_parts"]["individual"] == Decimal("10.0")
    # Both were tied first: nobody scored more on that part, and somebody else scored as much.
    nia = sorted((t["scores"]["benchmark_parts"]["nia"] for t in teams.values()), reverse=True)
    individual = sorted((t["scores"]["benchmark_parts"]["individual"] for t in teams.values()), reverse=True)
    assert nia[:2] == [Decimal("9.2")] * 2
    assert individual[:2] == [Decimal("10.0")] * 2
    # The published field averages, exactly.
    for part, total, average in (("benchmark", "152.0", "30.4"), ("expert", "142.8", "28.56"),
                                 ("user", "103.8", "20.76")):
        points = sum(t["scores"][part] for t in teams.values())
        assert points == Decimal(total), part
        assert points / 5 == Decimal(average), part


def test_phase1_order_by_total() -> None:
    totals = {
        team: data["scores"]["benchmark"] + data["scores"]["expert"] + data["scores"]["user"]
        for team, data in phase1().items()
    }
    ranking = sorted(totals, key=totals.__getitem__, reverse=True)
    assert len(set(totals.values())) == 5, "no ties, so that the ranking is unambiguous"
    assert ranking[0] == "lg-ai-research"
    assert set(ranking[:4]) == {"lg-ai-research", "naver-cloud", "sk-telecom", "upstage"}
    assert ranking[4] == "nc-ai"


def test_phase1_the_published_components() -> None:
    teams = phase1()
    vision = component(teams["naver-cloud"], "vision-encoder")
    assert vision["init"] == "pretrained"
    assert vision["trainable"] is False
    assert vision["origin"] == "open_source"
    assert vision["source"]["name"] == "Qwen/Qwen2.5-VL-32B-Instruct"
    assert vision["source"]["relation"] == "copy"
    assert vision["license"] == "Apache-2.0"
    assert component(teams["naver-cloud"], "audio-encoder")["init"] == "pretrained"

    glm = component(teams["upstage"], "glm-inference-code")
    assert (glm["role"], glm["license"], glm["notice"]) == ("inference_code", "Apache-2.0", "later")

    deepseek = component(teams["sk-telecom"], "deepseek-v3-architecture")
    assert (deepseek["role"], deepseek["source"]["relation"], deepseek["license"]) == (
        "architecture", "reference", "MIT")
    tool = component(teams["sk-telecom"], "pdf-extractor")
    assert (tool["role"], tool["origin"]) == ("data_tool", "in_house")

    for team, data in teams.items():
        assert data["runtime"]["external_services"] == [], team
        assert component(data, "nia-kogl-corpus")["license"] == "LicenseRef-KOGL-Type1", team
        backbone = component(data, "backbone")
        assert (backbone["weights"], backbone["init"]) == (True, "random"), team


def test_wildcard_votes() -> None:
    motif = load(WILDCARD / "motif-technologies.yaml")["wildcard"]
    trillion = load(WILDCARD / "trillion-labs.yaml")["wildcard"]
    assert motif["votes_for"] * 2 > motif["panel_size"]
    assert trillion["votes_for"] * 2 <= trillion["panel_size"]
