"""`dokpamo diff`: corpus impact, report formats and exit codes (`policy.commands.diff`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy.api import load
from policy.audit.changelog import render
from policy.audit.report import compare
from policy.commands.diff import diff

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = str(ROOT / "rules" / "dokpamo-2026-phase1.dkp")
SECOND = str(ROOT / "rules" / "dokpamo-2026-phase1-ranked-eligible.dkp")
CORPUS = str(ROOT / "examples" / "2026-phase1")


def run(*args: str) -> object:
    return CliRunner().invoke(diff, list(args))


@pytest.fixture(scope="module")
def impact() -> dict:  # type: ignore[type-arg]
    result = run(SHIPPED, SECOND, "--corpus", CORPUS, "--budget", "0", "--format", "json")
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    return json.loads(result.output)  # type: ignore[attr-defined,no-any-return]


def test_nc_ai_is_cut_under_the_first_reading_and_advances_under_the_second(impact: dict) -> None:  # type: ignore[type-arg]
    changes = impact["impact"]["changes"]
    assert [(c["kind"], c["name"], c["team"], c["old"], c["new"]) for c in changes] == [
        ("advance", "phase1", "nc-ai", "does not advance (rank 5)", "advances (rank 4)")]
    assert changes[0]["file"].endswith("nc-ai.yaml")
    reranked = {c["team"]: (c["old"], c["new"]) for c in impact["impact"]["reranked"]}
    assert reranked["naver-cloud"] == ("does not advance (rank 2)", "does not advance (not ranked)")
    assert impact["impact"]["manifests"] == 5


def test_the_json_report_names_both_versions_and_the_change(impact: dict) -> None:  # type: ignore[type-arg]
    assert impact["old"]["name"] == "dokpamo-2026-phase1" and impact["new"]["version"] == "1.1.0"
    assert impact["old"]["digest"].startswith("sha256:")
    cohort = next(c for c in impact["structural"]["changes"] if c["kind"] == "cohort")
    assert cohort["items"] == [{"item": "among", "old": None, "new": "eligible"}]
    assert impact["differs"] is True
    assert impact["semantic"]["searched"] == [{"kind": "cohort", "name": "phase1"}]
    assert impact["semantic"]["findings"] == [] and impact["semantic"]["bounds"]["generated"] == 0


def test_the_search_gives_a_witness_without_a_corpus_in_every_format() -> None:
    result = run(SHIPPED, SECOND, "--budget", "40", "--format", "json")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    data = json.loads(result.output)  # type: ignore[attr-defined]
    assert list(data) == sorted(data)
    finding = data["semantic"]["findings"][0]
    assert finding["old"] == "does not advance (rank 5)" and finding["new"] == "advances (rank 1)"
    assert finding["manifests"][0].startswith("manifest: 1\nteam:\n  id: team-1\n")
    # The same report made again, in this process, renders byte for byte the same.
    report = compare(load(SHIPPED), load(SECOND), SHIPPED, SECOND, budget=40)
    assert render(report, "json") == result.output  # type: ignore[attr-defined]
    text = render(report, "text")
    assert "semantic: 2 differences found" in text
    assert re.search(r"team-\d does not advance \(rank 5\) under the old rules and advances \(rank 1\) under the new rules",
                     text)
    markdown = render(report, "markdown")
    assert "Cohort rule `phase1` now ranks only the members for which `eligible` holds" in markdown
    assert "```yaml\n# team-1.yaml\nmanifest: 1\n" in markdown


def test_a_change_of_layout_and_comments_only_is_no_difference(tmp_path: Path) -> None:
    text = Path(SHIPPED).read_text(encoding="utf-8")
    relaid = tmp_path / "relaid.dkp"
    relaid.write_text("# moved about\n" + text.replace("\n\n", "\n\n\n").replace("  max: 40", "  max: (40)  # of 40"),
                      encoding="utf-8")
    result = run(SHIPPED, str(relaid))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "structural: no change" in result.output  # type: ignore[attr-defined]
    assert "every rule in both versions has the same meaning" in result.output  # type: ignore[attr-defined]


def test_input_errors_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.dkp"
    broken.write_text('policy "x" {\n', encoding="utf-8")
    missing = run(SHIPPED, str(tmp_path / "none.dkp"))
    assert missing.exit_code == 2 and "policy.unreadable" in missing.output  # type: ignore[attr-defined]
    assert run(SHIPPED, str(broken)).exit_code == 2  # type: ignore[attr-defined]
    assert run(SHIPPED, SECOND, "--score-delta", "-1").exit_code == 2  # type: ignore[attr-defined]
    assert run(SHIPPED, SECOND, "--budget", "-3").exit_code == 2  # type: ignore[attr-defined]
    bad = tmp_path / "corpus"
    bad.mkdir()
    (bad / "team.yaml").write_text("manifest: 1\nteam: {id: Bad Id}\n", encoding="utf-8")
    corpus = run(SHIPPED, SECOND, "--corpus", str(bad), "--budget", "0")
    assert corpus.exit_code == 2 and "team.yaml" in corpus.output  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_shipped_diff_with_the_default_budget() -> None:
    result = run(SHIPPED, SECOND, "--corpus", CORPUS, "--format", "json")
    data = json.loads(result.output)  # type: ignore[attr-defined]
    assert [f["team"] is not None for f in data["semantic"]["findings"]] == [True, True]
    assert data["semantic"]["findings"][0]["new"].startswith("advances")
    assert data["semantic"]["bounds"]["generated"] == 100
