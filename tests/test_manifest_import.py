"""Importers: draft manifests from real model cards, configs, CycloneDX ML-BOMs and SPDX 3 documents.

The real files are copies under `tests/fixtures/real/` (origins in its README).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policy.diagnostics import Diagnostic, Diagnostics, Severity
from policy.facts.importers import Draft, draft_text, import_files, missing_facts
from policy.facts.importers.draft import IMPORTED_FROM
from policy.facts.importers.hf_config import dense_parameters
from policy.facts.load import ManifestError, canonical_json, parent_path, parse_manifest
from policy.facts.yamljson import parse
from policy.source import Source

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
CARDS = REAL / "hf-model-cards"
CONFIGS = REAL / "hf-configs"
BOMS = REAL / "cyclonedx"
SPDX = REAL / "spdx"
ALL = sorted(p for p in REAL.glob("*/*") if p.name != "README.md")
MALFORMED = {BOMS / "mlbom-model-opensource-bom.json"}


def imported(*paths: Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    draft = import_files(paths)
    assert not draft.diagnostics.has_errors, draft.diagnostics.render()
    return draft.data(), list(draft.diagnostics)


def published(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return data.get("published", {}).get(key, [])


def strip_files(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "file"} for item in items]


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


# ---------------------------------------------------------------------------------------------
# Hugging Face model cards


def test_card_with_an_explicit_adapter_relation() -> None:
    path = CARDS / "adapter-explicit-relation-SonoMed-VLM-medgemma-lora.md"
    data, warnings = imported(path)
    assert warnings == []
    assert published(data, "base_models") == [
        {"name": "google/medgemma-1.5-4b-it", "relation": "adapter", "via": "hf_base_model", "file": str(path)}]
    assert strip_files(published(data, "licenses")) == [
        {"expression": "LicenseRef-health-ai-developer-foundations-terms-of-use",
         "name": "health-ai-developer-foundations-terms-of-use"}]
    assert strip_files(published(data, "datasets")) == [{"name": "Ssdaizi/SonoInstruct", "use": "training"}]
    base, dataset = data["components"]
    assert base == {"id": "medgemma-1-5-4b-it", "weights": True, "init": "pretrained",
                    "source": {"name": "google/medgemma-1.5-4b-it", "relation": "adapter"}}
    assert dataset == {"id": "sonoinstruct", "role": "dataset", "source": {"name": "Ssdaizi/SonoInstruct"}}
    assert data["model"] == {"license": "LicenseRef-health-ai-developer-foundations-terms-of-use"}


def test_card_with_a_base_model_list_and_no_relation_states_no_relation() -> None:
    data, _ = imported(CARDS / "base-no-relation-granite-3.1-1b-a400m-instruct.md")
    assert strip_files(published(data, "base_models")) == [
        {"name": "ibm-granite/granite-3.1-1b-a400m-base", "via": "hf_base_model"}]
    # no relation, so nothing about the weights is known: no `weights`, no `init`
    assert data["components"] == [{"id": "granite-3-1-1b-a400m-base",
                                   "source": {"name": "ibm-granite/granite-3.1-1b-a400m-base"}}]
    assert data["model"]["license"] == "Apache-2.0"


@pytest.mark.parametrize(("name", "base", "relation"), [
    ("finetune-explicit-relation-Jev-Style-2B-Decision-v3.TRUNCATED.md", "Qwen/Qwen3.5-2B", "finetune"),
    ("quantized-korean-K-EXAONE-236B-A23B-mixed-gguf.TRUNCATED.md", "LGAI-EXAONE/K-EXAONE-236B-A23B", "quantized"),
])
def test_cards_with_derivation_relations(name: str, base: str, relation: str) -> None:
    data, _ = imported(CARDS / name)
    [entry] = published(data, "base_models")
    assert (entry["name"], entry["relation"]) == (base, relation)
    [component] = data["components"]
    assert (component["init"], component["weights"], component["source"]["relation"]) == ("pretrained", True, relation)


def test_flow_style_lists_and_custom_licences() -> None:
    data, _ = imported(CARDS / "quantized-korean-K-EXAONE-236B-A23B-mixed-gguf.TRUNCATED.md")
    assert [lang["code"] for lang in published(data, "languages")] == ["en", "ko", "es", "de", "ja", "vi"]
    assert data["model"]["license"] == "LicenseRef-k-exaone"


def test_card_without_front_matter_imports_nothing_and_says_so() -> None:
    path = CARDS / "korean-adapter-no-frontmatter-GeM2-14B-Korean-RAG-QLoRA.md"
    data, warnings = imported(path)
    assert codes(warnings) == ["import.no-metadata"]  # the `---` rule on line 3 is not front matter
    assert set(data) == {"manifest", "published"}
    assert published(data, "files")[0]["format"] == "hf_model_card"


def test_the_adapter_config_names_the_base_the_card_does_not() -> None:
    card = CARDS / "korean-adapter-no-frontmatter-GeM2-14B-Korean-RAG-QLoRA.md"
    config = CARDS / "korean-adapter-no-frontmatter-GeM2-14B-Korean-RAG-QLoRA.adapter_config.json"
    data, _ = imported(card, config)
    assert published(data, "base_models") == [
        {"name": "vaiv/GeM2-Llamion-14B-Chat", "relation": "adapter", "via": "peft_base_model", "file": str(config)}]
    assert [f["format"] for f in published(data, "files")] == ["hf_model_card", "peft_adapter"]


def test_licence_only_front_matter() -> None:
    data, warnings = imported(CARDS / "korean-license-only-frontmatter-HyperCLOVAX-SEED-Text-Instruct-1.5B.md")
    assert warnings == []
    assert data["model"] == {"license": "LicenseRef-hyperclovax-seed"}
    assert "components" not in data and not published(data, "base_models")


def test_metadata_at_the_end_of_the_card_is_imported_with_a_warning() -> None:
    path = CARDS / "korean-solar-merge-frontmatter-at-end-no-base_model-SOLAR-10.7B-slerp.md"
    data, warnings = imported(path)
    [warning] = warnings
    assert warning.code == "import.front-matter-position" and warning.severity is Severity.WARNING
    text = path.read_text(encoding="utf-8")
    assert warning.span is not None and warning.span.line == text[: text.index("license: cc-by-nc-4.0")].count("\n") + 1
    assert data["model"]["license"] == "CC-BY-NC-4.0"
    assert not published(data, "base_models")  # the parents are named in prose only: never guessed


def test_a_blank_line_before_the_front_matter_is_allowed() -> None:
    data, warnings = imported(CARDS / "foundation-vlm-leading-blankline-frontmatter-Qwen2.5-VL-7B-Instruct.HEAD40.md")
    assert warnings == []
    assert data["model"]["license"] == "Apache-2.0"
    assert [lang["code"] for lang in published(data, "languages")] == ["en"]


def test_a_card_naming_itself_as_its_base_is_flagged() -> None:
    data, warnings = imported(CARDS / "self-referential-base_model-Qwen2.5-VL-7B-Instruct.pre-removal.HEAD40.md")
    [warning] = warnings
    assert warning.code == "import.self-reference"
    assert "Qwen/Qwen2.5-VL-7B-Instruct" in warning.message
    assert [b["name"] for b in published(data, "base_models")] == ["Qwen/Qwen2.5-VL-7B-Instruct"]


def test_a_merge_card_and_its_mergekit_config() -> None:
    card = CARDS / "merge-lazymergekit-1PARAMMYL-8B-ModelStock.md"
    config = CARDS / "merge-lazymergekit-1PARAMMYL-8B-ModelStock.mergekit_config.yml"
    data, _ = imported(card, config)
    bases = published(data, "base_models")
    assert [(b["name"], b["via"]) for b in bases] == [
        ("arcee-ai/Llama-3.1-SuperNova-Lite", "hf_base_model"),
        ("arcee-ai/Llama-3.1-SuperNova-Lite", "mergekit"),
        ("DreadPoor/Heart_Stolen-8B-Model_Stock", "mergekit"),
        ("Dampfinchen/Llama-3.1-8B-Ultra-Instruct", "mergekit"),
    ]
    # one component per base model, the card's and the config's facts merged
    assert [c["source"]["name"] for c in data["components"]] == [
        "arcee-ai/Llama-3.1-SuperNova-Lite", "DreadPoor/Heart_Stolen-8B-Model_Stock",
        "Dampfinchen/Llama-3.1-8B-Ultra-Instruct"]
    first = data["components"][0]
    assert first["source"]["relation"] == "merge"
    assert data[IMPORTED_FROM]["components[0]"] == str(card)
    assert data[IMPORTED_FROM]["components[0].source.relation"] == str(config)


def test_a_base_model_list_without_relation() -> None:
    data, _ = imported(CARDS / "merge-list-no-relation-unclosed-fence-2PRYMMAL-Yi1.5-6B-SLERP.md")
    assert [b["name"] for b in published(data, "base_models")] == ["01-ai/Yi-1.5-6B-Chat", "01-ai/Yi-1.5-6B"]
    assert all("relation" not in b for b in published(data, "base_models"))


CARD_CASES: list[tuple[str, str, str | None, str | None]] = [
    # (card text, code, severity, message fragment)
    ("---\nbase_model: a/b\nbase_model_relation: finetuned\n---\n", "import.bad-value", "warning", "finetuned"),
    ("---\nbase_model_relation: adapter\n---\n", "import.bad-value", "warning", "without a `base_model`"),
    ("---\nbase_model: {a: b}\n---\n", "import.bad-value", "warning", "`base_model`"),
    ("---\nlicense: [1, 2]\n---\n", "import.bad-value", "warning", "`license`"),
    ("---\nlicense: mit\nbase_model: [a/b\n---\n", "import.syntax", "error", None),
    ("---\nlicense: mit\n", "import.syntax", "error", "never closed"),
    ("---\n- a\n---\n", "import.syntax", "error", "not a mapping"),
    ("---\n---\n# body\n", "import.no-metadata", "warning", "empty"),
    ("---\nlicense: !!python/name:os.system\n---\n", "import.bad-tag", "error", None),
]


@pytest.mark.parametrize(("text", "code", "severity", "fragment"), CARD_CASES)
def test_card_problems(tmp_path: Path, text: str, code: str, severity: str, fragment: str | None) -> None:
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    draft = import_files([path])
    found = [d for d in draft.diagnostics if d.code == code]
    assert found, draft.diagnostics.render()
    assert found[0].severity.value == severity
    if fragment is not None:
        assert fragment in found[0].message


def test_a_front_matter_error_points_into_the_card(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("\n---\nlicense: mit\ndatasets:\n  - a\n - b\n---\n# title\n", encoding="utf-8")
    [error] = import_files([path]).diagnostics
    assert error.code == "import.syntax"
    assert error.span is not None and error.span.source.name == str(path)
    assert error.span.line == 6  # the line in the card, not in the extracted block


def test_card_licences(tmp_path: Path) -> None:
    cases = {
        "license: other\n": ["LicenseRef-other"],
        "license: llama3.1\n": ["LicenseRef-llama3.1"],
        "license: CC-BY-NC-SA-4.0\n": ["CC-BY-NC-SA-4.0"],
        "license: [mit, apache-2.0]\n": ["MIT", "Apache-2.0"],
        "license: unknown\n": [],
    }
    for front, expected in cases.items():
        path = tmp_path / "README.md"
        path.write_text(f"---\n{front}---\n", encoding="utf-8")
        data, _ = imported(path)
        assert [entry["expression"] for entry in published(data, "licenses")] == expected, front
        # several licences without an operator between them: no `model.license` is made up
        assert data.get("model", {}).get("license") == (expected[0] if len(expected) == 1 else None)


# ---------------------------------------------------------------------------------------------
# Hugging Face config.json


def architecture(name: str) -> dict[str, Any]:
    data, _ = imported(CONFIGS / name)
    arch: dict[str, Any] = data["published"]["architecture"]
    assert arch["file"] == str(CONFIGS / name)
    return arch


def test_dense_llama_config_gives_the_exact_parameter_count() -> None:
    name = "korean-finetune-_name_or_path-EEVE-Korean-10.8B-solar-dus-llama.config.json"
    arch = architecture(name)
    h, inner, layers, vocab, kv = 4096, 14336, 48, 40960, 8 * 128
    per_layer = 2 * h * h + 2 * h * kv + 3 * h * inner + 2 * h
    assert arch["parameters"] == Decimal(2 * vocab * h + layers * per_layer + h) == Decimal(10_804_924_416)
    assert arch["name_or_path"] == "ai-human-lab/EEVE-Korean_Instruct-10.8B-expo"  # a hint, not a base model
    assert (arch["layers"], arch["vocab_size"], arch["tie_word_embeddings"]) == (48, 40960, False)
    data, _ = imported(CONFIGS / name)
    assert data["model"]["parameters"] == Decimal(10_804_924_416)
    assert not published(data, "base_models")
    assert data["components"] == [{"id": "language-model", "role": "language_model", "weights": True}]


def test_mixture_of_experts_configs() -> None:
    granite = architecture("moe-tied-granitemoe-granite-3.1-1b-a400m-instruct.config.json")
    assert (granite["experts"], granite["experts_per_token"], granite["tie_word_embeddings"]) == (32, 8, True)
    assert "parameters" not in granite  # not a count this importer can derive: left out, never estimated
    deepseek = architecture("moe-n_routed_experts-fp8-deepseek_v3-DeepSeek-R1.config.json")
    assert (deepseek["experts"], deepseek["shared_experts"], deepseek["layers"]) == (256, 1, 61)


def test_nested_vision_config_becomes_a_vision_encoder() -> None:
    name = "vlm-nested-vision_config-qwen2_5_vl-Qwen2.5-VL-7B-Instruct.config.json"
    assert architecture(name)["encoders"] == [{"role": "vision_encoder", "hidden_size": 1280, "layers": 32}]
    data, _ = imported(CONFIGS / name)
    assert [c["role"] for c in data["components"]] == ["language_model", "vision_encoder"]


def test_llm_config_and_local_paths() -> None:
    arch = architecture("vlm-llm_config-local-path-siglip-eagle_chat-Isaac-GR00T-eagle2_hg_model.config.json")
    assert arch["name_or_path"] == "./pretrained/SmolLM2-1_7B-Instruct"  # from the nested language model
    assert (arch["hidden_size"], arch["layers"], arch["tie_word_embeddings"]) == (2048, 24, True)
    assert arch["encoders"] == [{"role": "vision_encoder", "model_type": "siglip_vision_model",
                                 "hidden_size": 1152, "layers": 27}]  # the empty `_name_or_path` is left out


def test_llava_style_vision_tower_and_projector() -> None:
    name = "vlm-llava-style-siglip_config-logics-Logics-Thinking-8B.config.json"
    assert architecture(name)["encoders"] == [{"role": "vision_encoder", "name_or_path": "convnext-1024,siglip2-384"}]
    data, _ = imported(CONFIGS / name)
    assert [c["role"] for c in data["components"]] == ["language_model", "vision_encoder", "projector"]


def config_node(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    node = parse(Source("config.json", json.dumps(data)), Diagnostics(), "import")
    assert node is not None
    return node


QWEN2 = {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
         "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
         "tie_word_embeddings": True}


def test_qwen2_count_includes_its_qkv_biases() -> None:
    # Qwen2.5-0.5B's configuration; its model card gives 0.49B parameters, 0.36B without embeddings.
    assert dense_parameters(config_node(QWEN2)) == Decimal(494_032_768)


@pytest.mark.parametrize("change", [
    {"tie_word_embeddings": None}, {"num_key_value_heads": 0}, {"architectures": ["Qwen2MoeForCausalLM"]},
    {"num_local_experts": 8}, {"vision_config": {}}, {"hidden_size": "896"},
])
def test_no_parameter_count_unless_the_config_determines_it(change: dict[str, Any]) -> None:
    config = {k: v for k, v in {**QWEN2, **change}.items() if v is not None}
    assert dense_parameters(config_node(config)) is None


# ---------------------------------------------------------------------------------------------
# CycloneDX


def test_trailing_comma_is_an_error_with_file_line_and_column() -> None:
    path = BOMS / "mlbom-model-opensource-bom.json"
    draft = import_files([path])
    [error] = draft.diagnostics
    assert error.code == "import.syntax"
    assert error.span is not None and (error.span.source.name, error.span.line, error.span.column) == (str(path), 8, 44)
    assert error.render().startswith(f"{path}:8:44: error[import.syntax]: trailing comma before `}}`")


def test_bom_lineage_through_dependencies_and_relation_properties() -> None:
    path = BOMS / "rust-aibom-generator-NaveenBhav-multibase.json"
    data, warnings = imported(path)
    assert data["model"] == {"name": "aeevnn/NaveenBhav", "version": "1.0"}
    assert strip_files(published(data, "base_models")) == [
        {"name": "deepseek-ai/DeepSeek-V3.1-Base", "relation": "adapter", "version": "1.0", "licenses": ["MIT"],
         "via": "cyclonedx_dependency"},
        {"name": "meta-llama/Llama-3.1-8B-Instruct", "relation": "adapter", "version": "1.0",
         "licenses": ["LicenseRef-llama3.1"], "via": "cyclonedx_dependency"},
    ]
    [warning] = warnings
    assert warning.code == "import.dangling-ref" and "Meta-Llama-3.1-8B@1.0" in warning.message
    assert warning.span is not None and warning.span.line == 428
    assert [d["name"] for d in published(data, "datasets")] == ["nvidia/Llama-Nemotron-VLM-Dataset-v1"]


def test_bom_1_7_datasets_by_reference() -> None:
    data, warnings = imported(BOMS / "mlbom-model-card-with-dataset-bom.json")
    assert warnings == []
    assert data["model"] == {"name": "support-ticket-classifier", "version": "1.0.0"}
    assert [d["name"] for d in published(data, "datasets")] == [
        "support-ticket-training-data", "support-ticket-evaluation-data"]
    assert [c["role"] for c in data["components"]] == ["dataset", "dataset"]


@pytest.mark.parametrize(("name", "model_name"), [
    ("mlbom-model-foundationmodels-bom.json", "gpt-4o"),
    ("spec-valid-machine-learning-considerations-env-1.6.json", "meta-llama/Llama-2-7b"),
])
def test_boms_that_name_a_model_only(name: str, model_name: str) -> None:
    data, warnings = imported(BOMS / name)
    assert warnings == []
    assert data["model"] == {"name": model_name}
    assert set(data["published"]) == {"files"}


def write_json(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_bom_pedigree_ancestors_and_inline_datasets(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {
            "type": "machine-learning-model", "bom-ref": "m", "group": "acme", "name": "k-model", "version": "2",
            "licenses": [{"expression": "Apache-2.0 OR MIT"}],
            "pedigree": {"ancestors": [
                {"type": "machine-learning-model", "group": "Qwen", "name": "Qwen2.5-7B",
                 "licenses": [{"license": {"id": "Apache-2.0"}}]},
                {"type": "machine-learning-model"},
            ]},
            "modelCard": {"modelParameters": {"datasets": [
                {"type": "dataset", "name": "kogl-corpus", "contents": {"url": "https://example.org/kogl"}},
                {"ref": "nowhere"},
            ]}},
        }},
    }
    path = write_json(tmp_path, "bom.json", bom)
    data, warnings = imported(path)
    assert data["model"] == {"name": "acme/k-model", "version": "2", "license": "Apache-2.0 OR MIT"}
    assert strip_files(published(data, "base_models")) == [
        {"name": "Qwen/Qwen2.5-7B", "licenses": ["Apache-2.0"], "via": "cyclonedx_ancestor"}]
    assert strip_files(published(data, "datasets")) == [{"name": "kogl-corpus", "url": "https://example.org/kogl"}]
    assert codes(warnings) == ["import.bad-value", "import.dangling-ref"]


def test_a_bom_with_several_models_and_no_subject(tmp_path: Path) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [
        {"type": "machine-learning-model", "name": "a"}, {"type": "machine-learning-model", "name": "b"},
        {"type": "data", "name": "d", "licenses": [{"license": {"id": "CC-BY-SA-3.0"}},
                                                   {"license": {"id": "GFDL-1.3"}}]}]}
    data, warnings = imported(write_json(tmp_path, "bom.json", bom))
    assert sorted(codes(warnings)) == ["import.ambiguous-subject", "import.unsupported-version"]
    assert "model" not in data
    [dataset] = published(data, "datasets")
    assert dataset["licenses"] == ["CC-BY-SA-3.0", "GFDL-1.3"]
    # two licences and no operator: the component's licence is left for the team to write
    assert "license" not in data["components"][0]


# ---------------------------------------------------------------------------------------------
# SPDX 3


def test_spdx_dataset_profile() -> None:
    data, warnings = imported(SPDX / "bact-spdx-examples-dataset-example01-DatasetPackage.spdx3.json")
    assert warnings == []
    [dataset] = strip_files(published(data, "datasets"))
    assert dataset == {"name": "Our World in Data CO2 and Greenhouse Gas Emissions dataset",
                       "licenses": ["CC-BY-4.0"], "url": "https://github.com/owid/co2-data/"}


def test_nonconformant_spdx_is_read_with_a_warning() -> None:
    data, warnings = imported(SPDX / "hf2spdx-ai-bom-openai_whisper-large-v3-nonconformant.spdx3.json")
    [warning] = warnings
    assert warning.code == "import.nonconformant" and "`element`" in warning.message
    assert data["model"] == {"name": "openai/whisper-large-v3", "version": "06f233fe06e710322aca913c1bc4249a0d71fce1",
                             "license": "Apache-2.0"}


def test_spdx_lineage_and_training_data(tmp_path: Path) -> None:
    doc = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
        {"type": "SpdxDocument", "spdxId": "urn:doc", "rootElement": ["urn:model"]},
        {"type": "ai_AIPackage", "spdxId": "urn:model", "name": "k-model", "software_packageVersion": "1.0"},
        {"type": "ai_AIPackage", "spdxId": "urn:base", "name": "Qwen/Qwen2.5-7B"},
        {"type": "dataset_DatasetPackage", "spdxId": "urn:data", "name": "kogl-corpus"},
        {"type": "Relationship", "spdxId": "urn:r1", "relationshipType": "descendantOf", "from": "urn:model",
         "to": ["urn:base"]},
        {"type": "Relationship", "spdxId": "urn:r2", "relationshipType": "trainedOn", "from": "urn:model",
         "to": ["urn:data"]},
        {"type": "Relationship", "spdxId": "urn:r3", "relationshipType": "hasDeclaredLicense", "from": "urn:model",
         "to": ["https://spdx.org/licenses/MIT"]},
        {"type": "Relationship", "spdxId": "urn:r4", "relationshipType": "ancestorOf", "from": "urn:other",
         "to": ["urn:model"]},
    ]}
    data, warnings = imported(write_json(tmp_path, "doc.spdx3.json", doc))
    assert warnings == []
    assert data["model"] == {"name": "k-model", "version": "1.0", "license": "MIT"}
    assert [(b["name"], b["via"]) for b in published(data, "base_models")] == [
        ("Qwen/Qwen2.5-7B", "spdx_ancestor"), ("urn:other", "spdx_ancestor")]
    assert strip_files(published(data, "datasets")) == [{"name": "kogl-corpus", "use": "training"}]


# ---------------------------------------------------------------------------------------------
# Files that cannot be imported


def test_unreadable_unknown_and_non_utf8_files(tmp_path: Path) -> None:
    unknown = write_json(tmp_path, "what.json", {"hello": "world"})
    spdx2 = write_json(tmp_path, "old.spdx.json", {"spdxVersion": "SPDX-2.3"})
    binary = tmp_path / "config.json"
    binary.write_bytes(b'{"a": "\xff"}')
    draft = import_files([tmp_path / "missing.md", unknown, spdx2, binary])
    assert [(d.code, d.location()) for d in draft.diagnostics] == [  # sorted by file
        ("import.encoding", f"{binary}:1:8"),
        ("import.unreadable", str(tmp_path / "missing.md")),
        ("import.unknown-format", str(spdx2)),
        ("import.unknown-format", str(unknown)),
    ]
    assert "SPDX-2.3" in next(d.message for d in draft.diagnostics if d.location() == str(spdx2))
    assert not draft.files


# ---------------------------------------------------------------------------------------------
# Every draft


def leaves(data: Any, path: str = "") -> list[str]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in leaves(v, f"{path}.{k}" if path else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in leaves(v, f"{path}[{i}]")]
    return [path]


GOOD = [p for p in ALL if p not in MALFORMED]
PAIRS = [(a, b) for a, b in itertools.combinations(GOOD, 2) if a.parent != b.parent][::7]


@pytest.mark.parametrize("paths", [(p,) for p in GOOD] + PAIRS, ids=lambda ps: "+".join(p.name[:24] for p in ps))
def test_every_draft_is_a_manifest_missing_only_what_no_file_states(paths: tuple[Path, ...]) -> None:
    draft = import_files(paths)
    assert not draft.diagnostics.has_errors
    text = draft_text(draft)
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "draft.yaml")
    problems = list(info.value.diagnostics)
    assert {d.code for d in problems} == {"manifest.missing-key"}, info.value
    assert sorted(d.path for d in problems) == sorted(missing_facts(draft.data()))
    assert "Still to write: " in text and "`team`" in text
    # completing the draft makes it valid, and nothing imported is lost on the way through YAML
    completed = _complete(draft)
    manifest = parse_manifest(completed, "completed.yaml")
    assert canonical_json(manifest.data["published"]) == canonical_json(draft.data()["published"])
    _every_fact_names_its_file(draft.data())


def _complete(draft: Draft) -> str:
    data = draft.data()
    data["team"] = {"id": "t", "name": "T"}
    data.setdefault("model", {}).setdefault("name", "M")
    for component in data.get("components", []):
        component.setdefault("role", "language_model")
        component.setdefault("origin", "open_source")
    from policy.facts.dump import manifest_yaml as to_yaml

    return to_yaml(data)


def _every_fact_names_its_file(data: dict[str, Any]) -> None:
    files = {f["file"] for f in data["published"]["files"]}
    for key, items in data["published"].items():
        for item in items if isinstance(items, list) else [items]:
            assert item["file"] in files, (key, item)
    origins = data.get(IMPORTED_FROM, {})
    assert set(origins.values()) <= files
    for leaf in leaves({k: v for k, v in data.items() if k in ("model", "components")}):
        path = leaf
        while path and path not in origins:
            path = parent_path(path)
        assert path, f"`{leaf}` has no file in `{IMPORTED_FROM}`"


def test_files_are_recorded_with_their_digest() -> None:
    path = CONFIGS / "moe-tied-granitemoe-granite-3.1-1b-a400m-instruct.config.json"
    data, _ = imported(path)
    assert published(data, "files") == [
        {"file": str(path), "format": "hf_config", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]


def test_conflicting_sources_keep_the_first_and_warn(tmp_path: Path) -> None:
    a = tmp_path / "a" / "README.md"
    b = tmp_path / "b" / "README.md"
    for path, lic, relation in ((a, "mit", "finetune"), (b, "apache-2.0", "adapter")):
        path.parent.mkdir()
        path.write_text(f"---\nlicense: {lic}\nbase_model: x/y\nbase_model_relation: {relation}\n---\n",
                        encoding="utf-8")
    data, warnings = imported(a, b)
    assert data["model"]["license"] == "MIT"
    assert data["components"][0]["source"]["relation"] == "finetune"
    assert codes(warnings) == ["import.conflict", "import.conflict"]
    assert [e["relation"] for e in published(data, "base_models")] == ["finetune", "adapter"]


def test_the_draft_is_deterministic() -> None:
    paths = [CARDS / "adapter-explicit-relation-SonoMed-VLM-medgemma-lora.md",
             CONFIGS / "vlm-nested-vision_config-qwen2_5_vl-Qwen2.5-VL-7B-Instruct.config.json"]
    assert draft_text(import_files(paths)) == draft_text(import_files(paths))
