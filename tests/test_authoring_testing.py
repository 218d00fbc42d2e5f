"""`dokpamo test`: the test file format, expected versus actual, decision coverage, exit codes."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from policy.authoring.testing import _steps, assign, discover, merge_patch, percentage
from policy.cli import cli
from policy.compile.program import Program
from policy.diagnostics import Diagnostics
from policy.verdict import Status

RULES = """policy "small" { version: "1" verdict: ok }
gate scratch {
  level: disqualify
  require: training.from_scratch
  message: { ko: "처음부터" en: "from scratch" }
}
gate report {
  level: review
  when: training.from_scratch
  require: known(training.artifacts.technical_report)
  message: { ko: "보고서" en: "report" }
}
score user { max: 25 value: scores.user }
decision ok { value: scratch }
cohort top { rank: user desc advance: rank <= 1 }
"""

MANIFEST = """manifest: 1
team: {id: alpha, name: Alpha}
model: {name: A}
training: {from_scratch: true, artifacts: {technical_report: report.pdf}}
scores: {user: 20}
"""

TESTS = """base: alpha.yaml
cases:
  - name: alpha passes
    manifest: alpha.yaml
    expect:
      verdict: pass
      gates: {scratch: pass, report: pass}
      scores: {user: 20}
  - name: not from scratch fails
    set: {training.from_scratch: false}
    expect: {verdict: fail, decisions: {ok: fail}, gates: {scratch: fail}}
  - name: silence is undecided
    patch: {training: {from_scratch: null}}
    expect: {verdict: undecided, gates: {scratch: unknown}}
  - name: a missing report is a review
    set: {training.artifacts.technical_report: null}
    expect: {gates: {report: fail}}
  - name: not from scratch skips the review
    patch: {training: {from_scratch: false}}
    expect: {gates: {report: skipped}, scores: {user: 20}}
  - name: inline
    manifest:
      manifest: 1
      team: {id: inline, name: Inline}
      model: {name: I}
    expect: {gates: {scratch: unknown, report: unknown}, scores: {user: unknown}}
cohorts:
  - name: the better user score advances
    cohort: top
    manifests:
      - alpha.yaml
      - set: {team.id: beta, scores.user: 10}
      - set: {team.id: gamma, scores.user: null}
    expect:
      alpha: {advance: true, rank: 1}
      beta: {advance: false, rank: 2}
      gamma: {advance: undecided, rank: unranked}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "small.dkp").write_text(RULES, encoding="utf-8")
    (tmp_path / "alpha.yaml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "small_test.yaml").write_text(TESTS, encoding="utf-8")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["test", "--examples", "5", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def edit(project: Path, old: str, new: str) -> None:
    path = project / "small_test.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_passing_tests_reach_full_coverage(project: Path) -> None:
    code, out, err = run(str(project), "--min-coverage", "100")
    assert (code, err) == (0, "")
    assert f"{project / 'small.dkp'} (tests: {project / 'small_test.yaml'})" in out
    assert "  ok    case not from scratch fails" in out
    assert "  ok    cohort the better user score advances" in out
    assert "coverage: 13 of 13 outcomes (100.0%)" in out
    assert "    gate      report   pass ✓  fail ✓  unknown ✓  skipped ✓" in out
    assert "    decision  ok       pass ✓  fail ✓  undecided ✓" in out
    assert "    cohort    top      true ✓  false ✓  undecided ✓" in out
    assert out.endswith("7 checks: 7 passed, 0 failed; coverage 100.0% (13 of 13 outcomes)\n")


def test_failures_show_expected_and_actual(project: Path) -> None:
    edit(project, "expect: {verdict: fail, decisions: {ok: fail}, gates: {scratch: fail}}",
         "expect: {verdict: pass, decisions: {ok: fail}, gates: {scratch: pass}}")
    edit(project, "scores: {user: 20}\n  - name: not", "scores: {user: 20.5}\n  - name: not")
    edit(project, "beta: {advance: false, rank: 2}", "beta: {advance: true, rank: 1}")
    code, out, _ = run(str(project))
    assert code == 1
    assert "  FAIL  case not from scratch fails (" in out
    assert "          gate `scratch`: expected pass, got fail\n" \
           "          verdict: expected pass, got fail" in out
    assert "          score `user`: expected 20.5, got 20" in out
    assert "          team `beta`: expected advance true, got false (does not advance: " in out
    assert "          team `beta`: expected rank 1, got 2" in out
    assert "7 checks: 4 passed, 3 failed" in out


def test_coverage_counts_only_what_cases_expect(project: Path) -> None:
    # The case still reaches `skipped` but no longer says so: reached is not covered.
    edit(project, "expect: {gates: {report: skipped}, scores: {user: 20}}", "expect: {scores: {user: 20}}")
    code, out, _ = run(str(project), "--min-coverage", "100")
    assert code == 1
    assert "    gate      report   pass ✓  fail ✓  unknown ✓  skipped ~" in out
    assert "coverage 92.3% (12 of 13 outcomes)" in out
    assert "coverage 92.3% is below the minimum of 100%" in out
    assert run(str(project), "--min-coverage", "92")[0] == 0


def test_impossible_outcomes_are_not_counted(tmp_path: Path) -> None:
    (tmp_path / "r.dkp").write_text(
        'policy "r" { version: "1" }\n'
        'gate g { level: warn require: len(default(runtime.external_services, [])) == 0 '
        'message: { ko: "g" en: "g" } }\n', encoding="utf-8")
    (tmp_path / "r_test.yaml").write_text(
        "cases:\n  - name: none\n    manifest: {manifest: 1, team: {id: a, name: A}, model: {name: M}}\n"
        "    expect: {verdict: pass, gates: {g: pass}}\n", encoding="utf-8")
    code, out, _ = run(str(tmp_path))
    assert code == 0
    assert "    gate     g        pass ✓  fail ✗  unknown -" in out
    assert "    verdict  verdict  pass ✓  fail -  undecided -" in out
    assert "coverage: 2 of 3 outcomes (66.6%)" in out


def test_evaluators_must_agree(project: Path) -> None:
    real = Program.values

    def wrong(self: Program, data: object) -> object:
        values = real(self, data)
        if values.gates["report"] is Status.PASS:
            values.gates["report"] = Status.FAIL
        return values

    with mock.patch.object(Program, "values", wrong):
        code, out, _ = run(str(project))
    assert code == 1
    assert "the two evaluators disagree (please report): gate `report`: compiled fail, reference pass" in out


def test_rule_file_without_tests(tmp_path: Path) -> None:
    (tmp_path / "small.dkp").write_text(RULES, encoding="utf-8")
    code, out, _ = run(str(tmp_path / "small.dkp"), "--min-coverage", "1")
    assert code == 1
    assert f"{tmp_path / 'small.dkp'} (no test file)" in out
    assert "    gate      scratch  pass ✗  fail ✗  unknown ✗" in out
    assert f"no tests for {tmp_path / 'small.dkp'}" in out


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  - name: inline\n", "  - nme: inline\n", "error[test.unknown-key]: unknown key `nme` in a case"),
    ("gates: {scratch: pass, report: pass}", "gates: {scratch: pass, reprot: pass}",
     "error[test.unknown-name]: the rule file has no gate `reprot`\n"),
    ("{verdict: undecided, gates: {scratch: unknown}}", "{verdict: maybe}",
     "error[test.bad-value]: `maybe` is not an outcome"),
    ("name: silence is undecided", "name: alpha passes",
     "error[test.duplicate-case]: two cases are named `alpha passes`"),
    ("set: {training.from_scratch: false}", "set:\n      components[0].init: random",
     "error[test.bad-path]: `components` has 0 elements, so [0] is out of range"),
    ("set: {training.from_scratch: false}", "set: {scores.user: 30}",
     "error[test.invalid-manifest]: `scores.user`: the changed manifest is not valid: "),
    ("model: {name: I}", "model: {name: I, colour: red}", "error[manifest.unknown-key]: `model.colour`: "),
    ("cohort: top", "cohort: tpo", "error[test.unknown-name]: the rule file has no cohort rule `tpo`"),
    ("set: {team.id: beta, scores.user: 10}", "set: {scores.user: 10}",
     ("error[test.duplicate-team]: two manifests of cohort case `the better user score advances` are for "
      "team `alpha`")),
    ("manifest: alpha.yaml", "manifest: beta.yaml", "error[test.invalid-manifest]: cannot use the manifest"),
])
def test_errors_in_test_files(project: Path, old: str, new: str, expected: str) -> None:
    edit(project, old, new)
    code, out, err = run(str(project))
    assert code == 2
    assert expected in err
    assert out == ""


def test_errors_point_into_the_test_file(project: Path) -> None:
    edit(project, "  - name: inline\n", "  - nme: inline\n")
    line = TESTS.splitlines().index("  - name: inline") + 1
    expected = f"small_test.yaml:{line}:5: error[test.unknown-key]: unknown key `nme` in a case"
    assert expected in run(str(project))[2]


def test_invalid_rule_file(project: Path) -> None:
    (project / "small.dkp").write_text(RULES.replace("scores.user", "scores.usr"), encoding="utf-8")
    code, _, err = run(str(project))
    assert code == 2
    assert "error[check.unknown-field]" in err


def test_discovery(project: Path) -> None:
    found = Diagnostics()
    pair = (project / "small.dkp", project / "small_test.yaml")
    assert discover((str(project),), found) == [pair]
    assert discover((str(project / "small.dkp"),), found) == [pair]
    assert discover((str(project / "small_test.yaml"),), found) == [pair]
    assert not found
    assert discover((str(project / "missing"),), found) == []
    assert found.has_errors


def test_paths_and_patches() -> None:
    assert _steps('components[1].init') == ["components", 1, "init"]
    assert _steps('scores["odd key"].x') == ["scores", "odd key", "x"]
    assert _steps("a..b") is None and _steps(".a") is None and _steps("a[x]") is None
    data = {"components": [{"id": "a"}], "scores": {"user": 1}}
    assert assign(data, "components[0].init", "random") is None
    assert assign(data, "components[1]", {"id": "b"}) is None
    assert assign(data, "training.artifacts.technical_report", "r.pdf") is None
    assert assign(data, "scores.user", None) is None
    assert data == {"components": [{"id": "a", "init": "random"}, {"id": "b"}], "scores": {},
                    "training": {"artifacts": {"technical_report": "r.pdf"}}}
    assert assign(data, "components[0]", None) is None and data["components"] == [{"id": "b"}]
    assert assign(data, "scores.user.x", 1) is None and data["scores"] == {"user": {"x": 1}}
    assert assign(data, "components.id", 1) == "`components` is not a record"
    assert merge_patch({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": None, "e": 3}, "d": [2]}) == \
        {"a": {"c": 2, "e": 3}, "d": [2]}


def test_percentage_never_rounds_up_to_full() -> None:
    assert str(percentage(9999, 10000)) == "99.9"
    assert str(percentage(0, 0)) == "100"


def test_every_code_is_documented(root: Path) -> None:
    documented = set(re.findall(r"^## ([a-z]+\.[a-z-]+)$", (root / "docs" / "diagnostics.md").read_text(
        encoding="utf-8"), re.MULTILINE))
    authoring = "".join(p.read_text(encoding="utf-8") for p in (root / "policy" / "authoring").glob("*.py"))
    emitted = set(re.findall(r'"((?:lint|test)\.[a-z-]+)"', authoring))
    emitted |= {f"test.{c}" for c in re.findall(r'self\.error\("([a-z-]+)"', authoring)}
    # The YAML reader's own codes, under the `test` prefix.
    reader = (root / "policy" / "facts" / "yamljson.py").read_text(encoding="utf-8")
    found = re.findall(r'error\("([a-z-]+)"|\{prefix\}\.([a-z-]+)"', reader)
    emitted |= {f"test.{code}" for pair in found for code in pair if code}
    assert {"lint.duplicate-gate", "test.bad-path", "test.syntax", "test.unreadable"} <= emitted
    assert emitted - documented == set(), "document these in docs/diagnostics.md"


def test_removing_what_is_not_there_changes_nothing() -> None:
    data = {"scores": {"user": 1}, "components": []}
    assert assign(data, "training.artifacts.technical_report", None) is None
    assert assign(data, "components[2].init", None) is None
    assert data == {"scores": {"user": 1}, "components": []}
    assert assign(data, 'scores["점수"]', 3) is None and data["scores"]["점수"] == 3
    assert assign(data, "components[0]", None) == "`components` has no element [0] to remove"
    assert assign([], "x", 1) == "the manifest is not a record"
