"""Verdict receipts: `dokpamo-check --receipt` and `dokpamo verify` (`policy.audit.receipt`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy.audit.receipt import dumps, parse, seal
from policy.commands.check import check
from policy.commands.verify import verify

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "2026-phase1"
NC_AI = str(EXAMPLES / "nc-ai.yaml")
SECOND = str(ROOT / "rules" / "dokpamo-2026-phase1-ranked-eligible.dkp")


def run(command: Any, *args: str) -> Any:
    return CliRunner().invoke(command, list(args))


@pytest.fixture(scope="module")
def receipt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("receipts") / "nc-ai.json"
    result = run(check, NC_AI, "--receipt", str(path))
    assert result.exit_code == 0, result.output
    return path


def edited(tmp_path: Path, receipt: Path, edit: Callable[[dict[str, Any]], None], *, reseal: bool) -> str:
    data = parse(receipt.read_text(encoding="utf-8"))
    edit(data)
    if reseal:
        data["seal"] = seal(data)
    path = tmp_path / "edited.json"
    path.write_text(dumps(data), encoding="utf-8")
    return str(path)


def codes(output: str) -> set[str]:
    return {part.split("]")[0] for part in output.split("error[")[1:]}


def test_a_receipt_holds_everything_needed_to_check_it(receipt: Path) -> None:
    data = parse(receipt.read_text(encoding="utf-8"))
    assert sorted(data) == ["engine", "explanation", "manifest", "policy", "receipt", "seal", "verdict"]
    assert data["policy"]["name"] == "dokpamo-2026-phase1"
    assert data["policy"]["text"].startswith('policy "dokpamo-2026-phase1" {')
    assert data["verdict"]["policy"]["digest"] == data["policy"]["digest"]
    assert data["verdict"]["manifest"]["digest"] == data["manifest"]["digest"]
    assert data["verdict"]["decision"] == "pass" and data["verdict"]["trace"]
    assert data["manifest"]["data"]["scores"]["benchmark"] == Decimal("26.6")
    assert set(data["explanation"]) == {"en", "ko"}
    # Rule locations point into the receipt's own canonical policy text.
    assert data["verdict"]["gates"][0]["rule"].startswith("policy.text:")


def test_receipts_are_byte_identical_for_the_same_inputs(receipt: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.json"
    assert run(check, NC_AI, "--receipt", str(again)).exit_code == 0
    assert again.read_bytes() == receipt.read_bytes()
    text = receipt.read_text(encoding="utf-8")
    assert dumps(parse(text)) == text
    assert '"benchmark": 26.6' in text


def test_verify_confirms_a_receipt_with_or_without_its_manifest(receipt: Path) -> None:
    alone = run(verify, str(receipt))
    assert alone.exit_code == 0, alone.output
    assert "verified: nc-ai pass under dokpamo-2026-phase1 1.0.0" in alone.output
    assert run(verify, str(receipt), NC_AI).exit_code == 0
    shipped = str(ROOT / "rules" / "dokpamo-2026-phase1.dkp")
    assert run(verify, str(receipt), "--rules", shipped).exit_code == 0


def test_another_manifest_is_a_changed_manifest(receipt: Path) -> None:
    result = run(verify, str(receipt), str(EXAMPLES / "upstage.yaml"))
    assert result.exit_code == 1
    assert codes(result.output) == {"audit.changed-manifest"}
    assert "is not the manifest of this receipt" in result.output


def test_another_rule_file_is_a_changed_policy(receipt: Path) -> None:
    result = run(verify, str(receipt), "--rules", SECOND)
    assert result.exit_code == 1
    assert codes(result.output) == {"audit.changed-policy"}


def _verdict(data: dict[str, Any]) -> None:
    data["verdict"]["decision"] = "fail"


def _manifest(data: dict[str, Any]) -> None:
    data["manifest"]["data"]["scores"]["user"] = Decimal(25)


def _policy(data: dict[str, Any]) -> None:
    data["policy"]["text"] = data["policy"]["text"].replace("const planned_places = 4", "const planned_places = 3")


def _explanation(data: dict[str, Any]) -> None:
    data["explanation"]["en"] = data["explanation"]["en"].replace("KoBEST", "KMMLU")


@pytest.mark.parametrize("edit, named", [
    (_verdict, "audit.changed-verdict"),
    (_manifest, "audit.changed-manifest"),
    (_policy, "audit.changed-policy"),
    (_explanation, "audit.changed-verdict"),
])
@pytest.mark.parametrize("reseal", [False, True])
def test_every_edit_fails_closed_and_is_named(receipt: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None],
                                              named: str, reseal: bool) -> None:
    result = run(verify, edited(tmp_path, receipt, edit, reseal=reseal))
    assert result.exit_code == 1
    # Without a fresh seal the edit is also named as tampering; with one, only the inconsistency shows.
    assert codes(result.output) == ({named} if reseal else {named, "audit.receipt-tampered"})
    assert "not verified" in result.output


def test_a_changed_verdict_names_the_field(receipt: Path, tmp_path: Path) -> None:
    result = run(verify, edited(tmp_path, receipt, _verdict, reseal=True))
    assert "`verdict.decision`: the receipt states `\"fail\"`, re-evaluation gives `\"pass\"`" in result.output


@pytest.mark.parametrize("text, message", [
    ("{not json", "the receipt is not valid JSON (line 1, column 2)"),
    ("[]", "a receipt is a JSON object"),
    ('{"receipt": NaN}', "`NaN` is not a number a receipt may hold"),
])
def test_malformed_receipts_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    result = run(verify, str(path))
    assert result.exit_code == 2
    assert "audit.receipt-malformed" in result.output and message in result.output


def test_missing_keys_and_wrong_types_are_named_by_path(receipt: Path, tmp_path: Path) -> None:
    def damage(data: dict[str, Any]) -> None:
        del data["policy"]["text"]
        data["seal"] = 1

    result = run(verify, edited(tmp_path, receipt, damage, reseal=False))
    assert result.exit_code == 2
    assert "`policy.text`: the receipt has no such key" in result.output
    assert "`seal`: the value has the wrong type" in result.output


def test_an_unknown_format_and_a_missing_file_are_input_errors(receipt: Path, tmp_path: Path) -> None:
    def future(data: dict[str, Any]) -> None:
        data["receipt"] = Decimal(2)

    result = run(verify, edited(tmp_path, receipt, future, reseal=True))
    assert result.exit_code == 2 and "receipt format `2` is not supported" in result.output
    missing = run(verify, str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 2 and "audit.receipt-unreadable" in missing.output


def test_several_manifests_give_one_receipt_each_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "receipts"
    result = run(check, str(EXAMPLES), "--receipt", str(folder))
    assert result.exit_code == 1  # naver-cloud fails; its receipt says so
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"{p.stem}.receipt.json" for p in sorted(EXAMPLES.glob("*.yaml"))]
    naver = folder / "naver-cloud.receipt.json"
    assert parse(naver.read_text(encoding="utf-8"))["verdict"]["decision"] == "fail"
    assert run(verify, str(naver), str(EXAMPLES / "naver-cloud.yaml")).exit_code == 0


def test_an_unwritable_receipt_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run(check, NC_AI, "--receipt", str(blocker / "receipt.json"))
    assert result.exit_code == 2
    assert "audit.receipt-unwritable" in result.output
