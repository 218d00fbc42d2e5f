"""`dokpamo lint`: each whole-policy lint, the checker's diagnostics, strict mode and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from policy.authoring.lint import lint_text, strict
from policy.cli import cli
from policy.diagnostics import Severity

HEADER = 'policy "lint" { version: "1" }\n'
MESSAGE = 'message: { ko: "m" en: "m" }'


def gate(name: str, require: str, level: str = "warn", when: str | None = None) -> str:
    condition = f" when: {when}" if when else ""
    return f"gate {name} {{ level: {level}{condition} require: {require} {MESSAGE} }}\n"


def codes(text: str) -> list[tuple[str, int]]:
    """(code, line) of every diagnostic of a rule file."""
    return [(d.code, d.span.line if d.span else 0) for d in lint_text(text, "lint.dkp")]


def lint_codes(text: str) -> list[str]:
    return [code for code, _ in codes(text) if code.startswith("lint.")]


def test_clean_rule_file_has_no_findings() -> None:
    text = HEADER + gate("a", "known(model.version)") + gate("b", 'model.name == "x"')
    assert codes(text) == []


def test_checker_diagnostics_are_included() -> None:
    text = HEADER + "const unused = 1\n" + 'gate a { level: warn require: true message: { ko: "m" } }\n'
    assert ("check.unused-constant", 2) in codes(text)
    assert ("check.missing-language", 3) in codes(text)


def test_syntax_errors_are_reported_alone() -> None:
    assert [c for c, _ in codes(HEADER + "gate a { require: a b }\n")] == ["syntax.missing-operator"]


def test_duplicate_gates_in_other_words() -> None:
    text = HEADER + gate("a", 'model.name == "x" and known(model.version)') \
        + gate("b", 'known(model.version) and "x" == model.name')
    assert codes(text) == [("lint.duplicate-gate", 3)]
    # A different `when` makes them different gates.
    assert lint_codes(HEADER + gate("a", "known(model.version)") + gate("b", "known(model.version)",
                                                                        when="training.from_scratch")) == []


def test_constants_are_written_out_before_comparing() -> None:
    text = HEADER + 'const allowed = {"MIT", "Apache-2.0"}\n' + gate("a", "model.license in allowed") \
        + gate("b", 'model.license in {"Apache-2.0", "MIT"}')
    assert lint_codes(text) == ["lint.duplicate-gate"]


def test_overlapping_gates() -> None:
    text = HEADER + gate("small", "known(model.version)") \
        + gate("big", 'known(model.version) and model.name == "x"')
    diagnostics = lint_text(text, "lint.dkp").items
    assert [(d.code, d.span.line) for d in diagnostics] == [("lint.overlapping-gates", 3)]
    assert diagnostics[0].help is not None and '`model.name == "x"`' in diagnostics[0].help


@pytest.mark.parametrize(("first", "second"), [
    ('model.name == "x"', 'model.name == "y"'),
    ('model.name == "x"', 'model.name != "x"'),
    ("training.from_scratch", "not training.from_scratch"),
    ('model.license in {"MIT"}', 'model.license not in {"MIT", "ISC"}'),
    ('model.license in {"MIT", "ISC"}', 'model.license in {"Apache-2.0"}'),
    ("scores.user > 20", "scores.user <= 20"),
    ("scores.user >= 20", "10 > scores.user"),
    ("scores.user == 5", "scores.user > 5"),
])
def test_contradictory_gates(first: str, second: str) -> None:
    text = HEADER + gate("a", first, "disqualify") + gate("b", second, "disqualify")
    diagnostics = lint_text(text, "lint.dkp").items
    assert [d.code for d in diagnostics] == ["lint.contradictory-gates"]
    assert diagnostics[0].message.endswith("so none is eligible")


@pytest.mark.parametrize(("first", "second"), [
    ('model.name == "x"', 'model.version == "y"'),
    ("scores.user >= 20", "scores.user <= 20"),
    ('model.license in {"MIT", "ISC"}', 'model.license not in {"MIT"}'),
    ('model.name != "x"', 'model.name != "y"'),
])
def test_compatible_gates_are_not_contradictory(first: str, second: str) -> None:
    assert lint_codes(HEADER + gate("a", first) + gate("b", second)) == []


def test_contradiction_inside_one_gate() -> None:
    text = HEADER + gate("a", "scores.user > 10 and known(model.version) and scores.user < 5")
    assert codes(text) == [("lint.contradictory-requirement", 2)]


def test_unreachable_score_maximum() -> None:
    text = HEADER + "score half { max: 40 value: scores.benchmark / 2 }\n" \
        + "score full { max: 40 value: scores.benchmark }\n"
    diagnostics = lint_text(text, "lint.dkp").items
    assert [(d.code, d.message) for d in diagnostics] == [
        ("lint.score-max-unreachable", "score `half` can reach at most 20, less than its maximum 40")]


def test_names_hidden_in_cohort_rules() -> None:
    text = HEADER + "const rank = 3\nscore s { max: 40 value: scores.benchmark + rank }\n" \
        + "cohort c { rank: s desc advance: rank <= 1 }\n"
    assert ("lint.shadowed-name", 2) in codes(text)
    assert lint_codes(HEADER + "const rank = 3\nscore s { max: 43 value: scores.benchmark + rank }\n") == []


def test_strict_makes_warnings_errors() -> None:
    found = lint_text(HEADER + "const unused = 1\n", "lint.dkp")
    assert not found.has_errors
    assert [d.severity for d in strict(found)] == [Severity.ERROR]


# ---------------------------------------------------------------- the command

def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_lint_exit_codes(tmp_path: Path) -> None:
    clean = tmp_path / "clean.dkp"
    clean.write_text(HEADER + gate("a", "known(model.version)"), encoding="utf-8")
    assert run(str(clean)) == (0, "1 rule file checked: no findings\n", "")
    warned = tmp_path / "warned.dkp"
    warned.write_text(HEADER + "const unused = 1\n", encoding="utf-8")
    code, out, _ = run(str(warned))
    assert code == 0 and "warning[check.unused-constant]" in out
    code, out, _ = run("--strict", str(warned))
    assert code == 1 and "error[check.unused-constant]" in out
    typed = tmp_path / "typed.dkp"
    typed.write_text(HEADER + gate("a", "model.name + 1"), encoding="utf-8")
    assert run(str(typed))[0] == 1
    broken = tmp_path / "broken.dkp"
    broken.write_text("policy {", encoding="utf-8")
    assert run(str(broken), str(clean))[0] == 2
    assert run(str(tmp_path / "missing.dkp"))[0] == 2


def test_lint_json(tmp_path: Path) -> None:
    import json

    path = tmp_path / "warned.dkp"
    path.write_text(HEADER + "const unused = 1\n", encoding="utf-8")
    code, out, _ = run("--format", "json", "--strict", str(path))
    report = json.loads(out)
    assert code == 1
    assert report["files"] == [str(path)]
    assert [(d["code"], d["severity"], d["line"]) for d in report["diagnostics"]] == [
        ("check.unused-constant", "error", 2)]
