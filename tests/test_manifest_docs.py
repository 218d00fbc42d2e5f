"""`docs/manifest.md` and the `manifest.*` / `import.*` part of `docs/diagnostics.md` stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import policy
from policy.facts.importers import import_files
from policy.facts.jsonschema import reference_markdown
from policy.facts.load import manifest_from_mapping, parse_manifest
from policy.verdict import Status

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
DIAGNOSTICS = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
CARDS = Path(__file__).resolve().parent / "fixtures" / "real" / "hf-model-cards"
SOURCES = sorted((ROOT / "policy" / "facts").rglob("*.py"))

MANIFEST_CODES = [
    "unreadable", "too-large", "encoding", "syntax", "too-deep", "not-finite", "bad-number", "bad-tag",
    "duplicate-key", "bad-key", "empty", "unknown-key", "bad-type", "bad-enum", "missing-key", "duplicate-id",
    "out-of-range", "bad-pattern", "bad-license", "bad-date", "empty-value",
]
IMPORT_CODES = [
    "unreadable", "too-large", "encoding", "syntax", "too-deep", "not-finite", "bad-number", "bad-tag",
    "duplicate-key", "bad-key", "unknown-format", "bad-value", "no-metadata", "front-matter-position",
    "self-reference", "local-path", "conflict", "unsupported-version", "ambiguous-subject", "dangling-ref",
    "nonconformant",
]


def test_the_field_reference_is_the_generated_one() -> None:
    start = DOC.index("<!-- reference:start -->\n") + len("<!-- reference:start -->\n")
    end = DOC.index("<!-- reference:end -->")
    assert DOC[start:end] == reference_markdown(), (
        "the field reference in docs/manifest.md is out of date: replace the text between the reference "
        "markers with the output of `dokpamo manifest schema --format markdown`")


def test_the_example_is_a_valid_manifest() -> None:
    example = re.search(r"## An example\n\n```yaml\n(.*?)```", DOC, re.DOTALL)
    assert example is not None
    manifest = parse_manifest(example.group(1), "example.yaml")
    assert manifest.data["components"][1]["notice"] == "later"


def documented_gates() -> str:
    block = re.search(r"```dkp\n(.*?)```", DOC, re.DOTALL)
    assert block is not None
    return 'policy "published-consistency" {\n  version: "1.0.0"\n  effective: 2026-01-15\n}\n\n' + block.group(1)


def complete(data: dict[str, object], components: list[dict[str, object]]) -> dict[str, object]:
    return {**data, "team": {"id": "t", "name": "T"}, "model": {"name": "M"}, "components": components}


def test_the_documented_consistency_gates_work_on_an_imported_draft() -> None:
    rules = policy.loads(documented_gates(), "consistency.dkp")
    assert not rules.warnings.has_errors
    draft = import_files([CARDS / "finetune-explicit-relation-Jev-Style-2B-Decision-v3.TRUNCATED.md"]).data()
    random = {"id": "backbone", "role": "language_model", "weights": True, "init": "random", "origin": "in_house"}
    # The card says `base_model_relation: finetune` of Qwen/Qwen3.5-2B; the manifest says random init.
    claims_random = rules.evaluate(manifest_from_mapping(complete(draft, [random])))
    assert claims_random.gate("published_base_models_declared").status is Status.FAIL
    assert claims_random.gate("published_derivation_agrees").status is Status.FAIL
    # The draft's own component, completed, agrees with the card.
    declared = dict(draft["components"][0], role="language_model", origin="open_source")  # type: ignore[index]
    agrees = rules.evaluate(manifest_from_mapping(complete(draft, [declared])))
    assert agrees.gate("published_base_models_declared").status is Status.PASS
    assert agrees.gate("published_derivation_agrees").status is Status.PASS


def headings(prefix: str) -> list[str]:
    return re.findall(rf"^## {re.escape(prefix)}\.([a-z-]+)$", DIAGNOSTICS, re.MULTILINE)


@pytest.mark.parametrize(("prefix", "codes"), [("manifest", MANIFEST_CODES), ("import", IMPORT_CODES)])
def test_every_code_is_documented_once(prefix: str, codes: list[str]) -> None:
    documented = headings(prefix)
    assert sorted(documented) == sorted(codes)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize("code", sorted(set(MANIFEST_CODES + IMPORT_CODES)))
def test_every_documented_code_is_raised_somewhere(code: str) -> None:
    # Codes are written whole (`"import.conflict"`) or as the part after the prefix (`"conflict"`).
    pattern = re.compile(rf"""["'](?:manifest\.|import\.)?{re.escape(code)}["']""")
    assert any(pattern.search(path.read_text(encoding="utf-8")) for path in SOURCES), code
