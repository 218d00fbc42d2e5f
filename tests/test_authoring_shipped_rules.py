"""What CI asks of the shipped rule files: formatted, lint-clean under --strict, and tested to full
decision coverage with their invariants searched (a small budget here; `dokpamo test rules/` uses 200)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from policy.cli import cli

RULES = Path(__file__).resolve().parents[1] / "rules"
RULE_FILES = sorted(RULES.glob("*.dkp"))


def dokpamo(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_there_are_shipped_rules() -> None:
    assert RULE_FILES


def test_fmt_check() -> None:
    code, output = dokpamo("fmt", "--check", str(RULES))
    assert code == 0, output


def test_lint_strict() -> None:
    code, output = dokpamo("lint", "--strict", str(RULES))
    assert code == 0, output


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: p.stem)
def test_full_coverage_and_invariants(rule_file: Path) -> None:
    assert rule_file.with_name(rule_file.stem + "_test.yaml").is_file(), f"{rule_file.name} has no tests"
    code, output = dokpamo("test", str(rule_file), "--min-coverage", "100", "--examples", "25")
    assert code == 0, output
    assert "coverage 100.0%" in output


def test_pre_commit_hooks_run_dokpamo_commands() -> None:
    hooks = yaml.safe_load((RULES.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["dokpamo-fmt", "dokpamo-lint", "dokpamo-test"]
    for hook in hooks:
        assert hook["language"] == "python"
        command = hook["entry"].split()[1]
        assert dokpamo(command, "--help")[0] == 0
