"""`dokpamo manifest validate | schema | import`: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy.cli import cli

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parent / "fixtures" / "real"
VALID = "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M}\n"
INVALID = "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M, licence: MIT}\ntraining: {from_scratch: yes}\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("ok.yaml", VALID), ("bad.yaml", INVALID), ("ok.json", json.dumps(
            {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M"}}))):
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8")
    return out


def test_validate_valid_files(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["manifest", "validate", str(files["ok.yaml"]), str(files["ok.json"])])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(": valid (sha256:" in line for line in lines)
    assert lines[0].split("(")[1] == lines[1].split("(")[1]  # the same facts, the same digest


def test_validate_reports_every_error_with_its_place(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["manifest", "validate", str(files["ok.yaml"]), str(files["bad.yaml"])])
    assert result.exit_code == 2
    bad = files["bad.yaml"]
    assert f"{bad}:3:18: error[manifest.unknown-key]: `model.licence`: unknown key `licence` in `model`" in result.stdout
    assert "= help: did you mean `license`?" in result.stdout
    assert f"{bad}:4:26: error[manifest.bad-type]: `training.from_scratch`" in result.stdout
    assert "2 errors, 0 warnings" in result.stdout
    assert "Traceback" not in result.output


def test_validate_json_format(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["manifest", "validate", "--format", "json", str(files["ok.yaml"]),
                                 str(files["bad.yaml"])])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    ok, bad = report["files"]
    assert ok["valid"] and ok["digest"].startswith("sha256:") and ok["diagnostics"] == []
    assert not bad["valid"] and bad["digest"] is None
    assert [(d["code"], d["path"], d["line"], d["column"]) for d in bad["diagnostics"]] == [
        ("manifest.unknown-key", "model.licence", 3, 18), ("manifest.bad-type", "training.from_scratch", 4, 26)]


def test_validate_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["manifest", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: error[manifest.unreadable]: cannot read" in result.stdout


def test_validate_needs_a_file(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["manifest", "validate"]).exit_code == 2


def test_schema_prints_the_committed_schema(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["manifest", "schema"])
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8")


def test_import_to_standard_output(runner: CliRunner) -> None:
    card = REAL / "hf-model-cards" / "quantized-korean-K-EXAONE-236B-A23B-mixed-gguf.TRUNCATED.md"
    result = runner.invoke(cli, ["manifest", "import", str(card)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Draft written by `dokpamo manifest import`")
    assert "relation: quantized" in result.stdout
    assert result.stderr == ""


def test_import_to_a_file_with_warnings(runner: CliRunner, tmp_path: Path) -> None:
    card = REAL / "hf-model-cards" / "korean-solar-merge-frontmatter-at-end-no-base_model-SOLAR-10.7B-slerp.md"
    out = tmp_path / "draft.yaml"
    result = runner.invoke(cli, ["manifest", "import", str(card), "--out", str(out)])
    assert result.exit_code == 0
    assert "warning[import.front-matter-position]" in result.stderr
    assert f"wrote {out}" in result.stderr
    assert "license: CC-BY-NC-4.0" in out.read_text(encoding="utf-8")
    # the draft is a manifest but for the facts still to write
    validated = runner.invoke(cli, ["manifest", "validate", "--format", "json", str(out)])
    assert validated.exit_code == 2
    assert {d["code"] for d in json.loads(validated.stdout)["files"][0]["diagnostics"]} == {"manifest.missing-key"}


def test_import_errors_write_nothing(runner: CliRunner, tmp_path: Path) -> None:
    bom = REAL / "cyclonedx" / "mlbom-model-opensource-bom.json"
    card = REAL / "hf-model-cards" / "base-no-relation-granite-3.1-1b-a400m-instruct.md"
    out = tmp_path / "draft.yaml"
    result = runner.invoke(cli, ["manifest", "import", str(card), str(bom), "--out", str(out)])
    assert result.exit_code == 2
    assert f"{bom}:8:44: error[import.syntax]: trailing comma before `}}`" in result.stderr
    assert not out.exists()


def test_the_group_lists_its_commands(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["manifest", "--help"])
    assert result.exit_code == 0
    for command in ("validate", "schema", "import"):
        assert command in result.stdout
