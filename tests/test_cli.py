"""The command line: exit codes, reports, and every user error ending in a message and exit code 2."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy.cli import cli
from policy.commands.check import check

PHASE1 = Path(__file__).parents[1] / "examples" / "2026-phase1"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("team", "code"), [("lg-ai-research", 0), ("naver-cloud", 1), ("nc-ai", 0)])
def test_check_exit_code_follows_the_verdict(team: str, code: int) -> None:
    assert run("check", str(PHASE1 / f"{team}.yaml"))[0] == code


def test_undecided_is_exit_code_3(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("manifest: 1\nteam: {id: t, name: T}\nmodel: {name: m}\n", encoding="utf-8")
    code, out, _ = run("check", str(manifest))
    assert code == 3
    assert "training.from_scratch" in out


def test_text_report_shows_failed_gate_witness_and_manifest_line() -> None:
    _, out, _ = run("check", str(PHASE1 / "naver-cloud.yaml"), "--no-color")
    assert "weights_from_scratch" in out
    assert "components[1].init" in out and "pretrained" in out
    assert "naver-cloud.yaml:49" in out
    assert out.index("FAIL") < out.index("passed")


def test_korean_report() -> None:
    _, out, _ = run("check", str(PHASE1 / "naver-cloud.yaml"), "--lang", "ko", "--no-color")
    assert "사전학습" in out


def test_json_report_is_stable_and_byte_identical() -> None:
    first = run("check", str(PHASE1 / "upstage.yaml"), "--format", "json")[1]
    second = run("check", str(PHASE1 / "upstage.yaml"), "--format", "json")[1]
    assert first == second
    report = json.loads(first)
    assert {"decision", "gates", "scores", "missing", "policy", "manifest"} <= set(report)
    assert report["decision"] == "pass"
    total = next(s for s in report["scores"] if s["id"] == "total")
    assert total["value"] == "77.4" and total["max"] == "100"
    assert report["policy"]["digest"].startswith("sha256:")
    assert report["manifest"]["team"] == "upstage"


@pytest.mark.parametrize("fmt", ["sarif", "junit", "markdown"])
def test_other_formats(fmt: str) -> None:
    code, out, _ = run("check", str(PHASE1 / "naver-cloud.yaml"), "--format", fmt)
    assert code == 1 and "weights_from_scratch" in out


def test_explain_adds_the_trace() -> None:
    _, out, _ = run("check", str(PHASE1 / "lg-ai-research.yaml"), "--explain", "--no-color")
    assert "require: all c in components where c.weights" in out


def test_rank_reproduces_the_published_outcome() -> None:
    code, out, _ = run("rank", str(PHASE1), "--format", "json")
    assert code == 0
    teams = {t["team"]: t for t in json.loads(out)["teams"]}
    assert {t for t, v in teams.items() if v["advance"]} == {"lg-ai-research", "sk-telecom", "upstage"}
    assert teams["naver-cloud"]["rank"] == 2 and "weights_from_scratch" in teams["naver-cloud"]["reason"]
    assert teams["nc-ai"]["total"] == "69.4"


def test_missing_manifest_file() -> None:
    code, _, err = run("check", "no/such/manifest.yaml")
    assert code == 2 and "no/such/manifest.yaml" in err


def test_invalid_manifest_names_the_path_line_and_column(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    text = (PHASE1 / "naver-cloud.yaml").read_text(encoding="utf-8").replace("init: pretrained", "init: pretraind", 1)
    manifest.write_text(text, encoding="utf-8")
    code, _, err = run("check", str(manifest))
    assert code == 2
    assert "components[1].init" in err and "bad.yaml:" in err and "pretrained" in err


def test_invalid_rule_file_is_reported_with_file_line_column(tmp_path: Path) -> None:
    rules = tmp_path / "bad.dkp"
    rules.write_text('policy "p" { version: "1" }\ngate g { level: warn require: c.x = 1 }\n', encoding="utf-8")
    code, _, err = run("check", str(PHASE1 / "lg-ai-research.yaml"), "--rules", str(rules))
    assert code == 2
    assert f"{rules}:2:" in err and "syntax.assignment" in err


def test_ill_typed_rule_file(tmp_path: Path) -> None:
    rules = tmp_path / "typo.dkp"
    rules.write_text('policy "p" { version: "1" }\nscore s { max: 40 value: scores.benchmrk }\n', encoding="utf-8")
    code, _, err = run("check", str(PHASE1 / "lg-ai-research.yaml"), "--rules", str(rules))
    assert code == 2 and "did you mean `benchmark`?" in err


def test_missing_rule_file() -> None:
    code, _, err = run("check", str(PHASE1 / "lg-ai-research.yaml"), "--rules", "no/such/rules.dkp")
    assert code == 2 and "rule file not found" in err


@pytest.mark.parametrize("args", [["check", "--format", "xml", "x.yaml"], ["check"], ["nonsense"],
                                  ["rank", str(PHASE1), "--format", "sarif"], ["check", "--lang", "fr", "x.yaml"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_unknown_cohort_is_a_usage_error() -> None:
    code, _, err = run("rank", str(PHASE1), "--cohort", "phase9")
    assert code == 2 and "phase1" in err


def test_dokpamo_check_is_dokpamo_dash_check() -> None:
    direct = CliRunner().invoke(check, [str(PHASE1 / "upstage.yaml"), "--format", "json"])
    assert direct.stdout == run("check", str(PHASE1 / "upstage.yaml"), "--format", "json")[1]


@pytest.mark.skipif(shutil.which("dokpamo-check") is None, reason="console script not installed")
def test_console_script() -> None:
    done = subprocess.run(["dokpamo-check", str(PHASE1 / "naver-cloud.yaml"), "--format", "json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and json.loads(done.stdout)["decision"] == "fail"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_streamed_reports_equal_the_whole_document(fmt: str) -> None:
    from policy.api import load
    from policy.render import render_verdicts

    files = sorted(PHASE1.glob("*.yaml"))
    rules = load(Path(__file__).parents[1] / "rules" / "dokpamo-2026-phase1.dkp", name="rules/dokpamo-2026-phase1.dkp")
    whole = render_verdicts([rules.evaluate(f) for f in files], fmt)
    assert run("check", *map(str, files), "--format", fmt, "--no-color")[1] == whole


def test_a_team_twice_in_a_cohort_is_an_input_error(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((PHASE1 / "upstage.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run("rank", str(tmp_path))
    assert code == 2 and "cohort.duplicate-team" in err and "upstage" in err
