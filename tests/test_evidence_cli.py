"""`dokpamo evidence` from the command line: both forms, shards, output formats, and every input error."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from test_evidence_tiers import fine_tuned, tiny_model, write_safetensors

from policy.cli import cli
from policy.facts.schema import MANIFEST


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["evidence", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("evidence-cli")
    base = tiny_model(0, layers=2)
    derived = fine_tuned(base, 1)
    paths = {"reference": write_safetensors(root / "reference.safetensors", base,
                                            extra={"embeddings.position_ids": ("I64", np.arange(16)[None])}),
             "derived": write_safetensors(root / "derived.safetensors", derived)}
    shards = root / "sharded"
    shards.mkdir()
    names = sorted(derived)
    halves = {"model-00001-of-00002.safetensors": names[:len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    for shard, members in halves.items():
        write_safetensors(shards / shard, {n: derived[n] for n in members})
    index = {"metadata": {}, "weight_map": {n: s for s, members in halves.items() for n in members}}
    (shards / "model.safetensors.index.json").write_text(json.dumps(index))
    paths["sharded"] = shards
    return paths


def test_compare_prints_the_section_and_shards_read_like_one_file(files: dict[str, Path]) -> None:
    code, single, _ = run(str(files["derived"]), "--reference", f"ref={files['reference']}")
    assert code == 0
    code, sharded, _ = run(str(files["sharded"]), "-r", f"ref={files['reference']}")
    assert code == 0
    section = yaml.safe_load(single)["evidence"]
    assert section["comparisons"][0]["reference"] == "ref"
    assert sharded.replace(str(files["sharded"]), "X") == single.replace(str(files["derived"]), "X")


def test_explicit_compare_json_out_and_tiers(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "evidence.json"
    code, stdout, _ = run("compare", str(files["derived"]), "-r", f"ref={files['reference']}", "--tier", "exact",
                          "--out", str(out))
    assert code == 0 and stdout == ""
    (comparison,) = json.loads(out.read_text())["evidence"]["comparisons"]
    assert "exact_fraction" in comparison and "pearson" not in comparison and "column_match" not in comparison


def test_fingerprint_subcommand_then_compare_with_it(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "ref.fp"
    code, _, stderr = run("fingerprint", str(files["reference"]), "--name", "ref", "--out", str(out))
    assert code == 0, stderr
    first = out.read_bytes()
    run("fingerprint", str(files["reference"]), "--name", "ref", "--out", str(out))
    assert out.read_bytes() == first
    code, stdout, _ = run(str(files["derived"]), "-r", f"ref={out}", "--own", "ref")
    assert code == 0
    (comparison,) = yaml.safe_load(stdout)["evidence"]["comparisons"]
    assert comparison["reference_kind"] == "fingerprint" and comparison["reference_own"] is True


@pytest.mark.skipif(importlib.util.find_spec("policy.facts.load") is None, reason="manifest loader not present")
def test_output_is_a_valid_manifest_section(files: dict[str, Path]) -> None:
    from policy.facts.load import parse_manifest

    _, stdout, _ = run(str(files["derived"]), "-r", f"ref={files['reference']}")
    text = "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M}\n" + stdout
    manifest = parse_manifest(text, "m.yaml")
    assert manifest.data["evidence"]["comparisons"][0]["component"] == "language_model"


def test_schema_fields_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "evidence.md").read_text(encoding="utf-8")
    evidence = MANIFEST.fields["evidence"].type
    records = [evidence] + [f.type.item if hasattr(f.type, "item") else f.type for f in evidence.fields.values()]
    for record in records:
        for name in getattr(record, "fields", {}):
            assert f"`{name}`" in doc, name


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    return path


def _fp8(tmp_path: Path) -> Path:
    return write_safetensors(tmp_path / "fp8.safetensors", {},
                             extra={"w": ("F8_E4M3", np.zeros((2, 2), np.uint8))})


def _bad_index(tmp_path: Path) -> Path:
    folder = tmp_path / "bad-index"
    folder.mkdir()
    write_safetensors(folder / "a.safetensors", {"w": np.ones((2, 2), np.float32)})
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "missing.safetensors"}}))
    return folder


def _two_files(tmp_path: Path) -> Path:
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("a", "b"):
        write_safetensors(folder / f"{name}.safetensors", {name: np.ones((2, 2), np.float32)})
    return folder


@pytest.mark.parametrize(("make", "code"), [
    (lambda tmp: tmp / "missing.safetensors", "evidence.missing-file"),
    (_garbage, "evidence.not-safetensors"),
    (_fp8, "evidence.unsupported-dtype"),
    (_bad_index, "evidence.bad-index"),
    (_two_files, "evidence.bad-index"),
])
def test_bad_candidates_exit_2_with_a_code(make: object, code: str, files: dict[str, Path], tmp_path: Path) -> None:
    candidate = make(tmp_path)  # type: ignore[operator]
    exit_code, stdout, stderr = run(str(candidate), "-r", f"ref={files['reference']}")
    assert exit_code == 2 and stdout == ""
    assert f"error[{code}]" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(("args", "code"), [
    (["-r", "no-equals-sign"], "evidence.bad-reference"),
    (["-r", "-bad=x"], "evidence.bad-reference"),
    (["-r", "a=x", "-r", "a=y"], "evidence.bad-reference"),
    (["-r", "ref=REF", "--own", "rfe"], "evidence.unknown-own"),
])
def test_bad_references_exit_2(args: list[str], code: str, files: dict[str, Path]) -> None:
    args = [a.replace("REF", str(files["reference"])) for a in args]
    exit_code, _, stderr = run(str(files["derived"]), *args)
    assert exit_code == 2 and f"error[{code}]" in stderr
    if code == "evidence.unknown-own":
        assert "did you mean `ref`?" in stderr


def test_a_fingerprint_is_no_candidate(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "ref.fp"
    run("fingerprint", str(files["reference"]), "--name", "ref", "--out", str(out))
    exit_code, _, stderr = run(str(out), "-r", f"ref={files['reference']}")
    assert exit_code == 2 and "error[evidence.fingerprint-candidate]" in stderr


def test_missing_dependency_says_what_to_install(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "safetensors" else real(name, *a))
    exit_code, _, stderr = run(str(files["derived"]), "-r", f"ref={files['reference']}")
    assert exit_code == 2 and "error[evidence.missing-dependency]" in stderr
    assert "pip install 'dokpamo[evidence]'" in stderr


def test_evidence_modules_do_not_load_numpy_for_other_commands() -> None:
    import subprocess
    import sys

    code = ("import sys, policy.cli, policy.commands.evidence, policy.facts.schema, policy.evidence; "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
