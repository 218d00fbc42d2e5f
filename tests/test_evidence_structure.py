"""How `dokpamo evidence` reads a checkpoint's layout: components, fused and transposed tensors, grouped
attention, vision towers anchored on the pixel axis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from test_evidence_tiers import write_safetensors

from policy.evidence import examine
from policy.evidence.reader import Checkpoint
from policy.evidence.reference import layer_sketches
from policy.evidence.structure import analyse

D, HEADS, KV, HEAD = 32, 4, 2, 8
rng = np.random.default_rng(0)


def normal(*shape: int) -> np.ndarray:
    return (rng.standard_normal(shape) * 0.3).astype(np.float32)


def vision_language(vision_seed: int, language_seed: int) -> dict[str, np.ndarray]:
    """A Qwen2-VL-like layout: vision tower on patches (fused QKV), projector, language model with GQA."""
    vision, language = np.random.default_rng(vision_seed), np.random.default_rng(language_seed)

    def v(*shape: int) -> np.ndarray:
        return (vision.standard_normal(shape) * 0.3).astype(np.float32)

    def t(*shape: int) -> np.ndarray:
        return (language.standard_normal(shape) * 0.3).astype(np.float32)

    model = {"visual.patch_embed.proj.weight": v(D, 3, 2, 8, 8), "visual.merger.mlp.0.weight": v(D, D),
             "model.embed_tokens.weight": t(500, D), "lm_head.weight": t(500, D)}
    for layer in range(2):
        model |= {f"visual.blocks.{layer}.attn.qkv.weight": v(3 * D, D), f"visual.blocks.{layer}.attn.proj.weight": v(D, D),
                  f"visual.blocks.{layer}.mlp.fc1.weight": v(2 * D, D), f"visual.blocks.{layer}.mlp.fc2.weight": v(D, 2 * D),
                  f"visual.blocks.{layer}.norm1.weight": 1 + v(D) / 10}
        p = f"model.layers.{layer}."
        model |= {p + "self_attn.q_proj.weight": t(HEADS * HEAD, D), p + "self_attn.k_proj.weight": t(KV * HEAD, D),
                  p + "self_attn.v_proj.weight": t(KV * HEAD, D), p + "self_attn.o_proj.weight": t(D, HEADS * HEAD),
                  p + "mlp.gate_proj.weight": t(3 * D, D), p + "mlp.up_proj.weight": t(3 * D, D),
                  p + "mlp.down_proj.weight": t(D, 3 * D), p + "input_layernorm.weight": 1 + t(D) / 10}
    return model


def _folder(root: Path, name: str, model: dict[str, np.ndarray]) -> Path:
    folder = root / name
    folder.mkdir()
    write_safetensors(folder / "model.safetensors", model)
    config = {"num_attention_heads": HEADS, "num_key_value_heads": KV, "vision_config": {"num_heads": 4}}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_components_roles_and_splits(tmp_path: Path) -> None:
    checkpoint = Checkpoint.open(str(_folder(tmp_path, "m", vision_language(1, 2))))
    structure = analyse(checkpoint)
    assert set(structure.components) == {"language_model", "vision_encoder", "projector"}
    vision = structure.components["vision_encoder"]
    assert vision.anchor_kind == "pixel" and vision.width == D and vision.layers == (0, 1)
    roles = {m.key: m.role for m in vision.matrices if m.layer == 0}
    assert roles["visual.blocks.0.attn.qkv.weight[k]"] == "k" and roles["visual.blocks.0.attn.proj.weight"] == "o"
    language = structure.components["language_model"]
    assert language.anchor_kind == "token" and language.heads == (HEADS, KV)
    assert {m.role for m in language.matrices if m.tensor == "lm_head.weight"} == {"head"}


def test_a_copied_vision_tower_beside_an_own_language_model(tmp_path: Path) -> None:
    reference = _folder(tmp_path, "reference", vision_language(1, 2))
    candidate = _folder(tmp_path, "candidate", vision_language(1, 3))
    section = examine(str(candidate), [("qwen", str(reference))])
    by_component = {c["component"]: c for c in section["comparisons"]}
    assert by_component["vision_encoder"]["exact_fraction"] == 1
    assert by_component["vision_encoder"]["column_match"] == 1
    assert by_component["language_model"]["exact_tensors"] == 0
    assert by_component["language_model"]["column_match"] < by_component["vision_encoder"]["column_match"]
    assert "visual.blocks.1.attn.qkv.weight[v]" in {i["tensor"] for i in section["identical"]}


def test_grouped_attention_sketch_is_the_expanded_product(tmp_path: Path) -> None:
    checkpoint = Checkpoint.open(str(_folder(tmp_path, "m", vision_language(1, 2))))
    component = analyse(checkpoint).components["language_model"]
    columns, signs = np.array([3, 1, 4, 15, 9, 26]), np.array([1, -1, 1, 1, -1, 1])
    sketch = layer_sketches(checkpoint, component, 1, columns, signs)
    raw = {n: checkpoint.raw(n).reshape(checkpoint.tensors[n].shape) for n in checkpoint.tensors}
    q, k = raw["model.layers.1.self_attn.q_proj.weight"], raw["model.layers.1.self_attn.k_proj.weight"]
    expanded = np.repeat(k.reshape(KV, HEAD, D), HEADS // KV, axis=0).reshape(HEADS * HEAD, D)
    expected = (q.T.astype(np.float64) @ expanded)[np.ix_(columns, columns)] * np.outer(signs, signs)
    np.testing.assert_allclose(sketch["qk"], expected, rtol=1e-5, atol=1e-5)
    assert set(sketch) == {"qk", "ov", "ffn"}


def test_conv1d_layout_and_fused_qkv_match_separate_linear_tensors(tmp_path: Path) -> None:
    linear = {"transformer.wte.weight": normal(300, D)}
    conv1d = {"transformer.wte.weight": linear["transformer.wte.weight"]}
    for layer in range(2):
        q, k, v, o = normal(D, D), normal(D, D), normal(D, D), normal(D, D)
        up, down = normal(4 * D, D), normal(D, 4 * D)
        p = f"transformer.h.{layer}."
        linear |= {p + "attn.q_proj.weight": q, p + "attn.k_proj.weight": k, p + "attn.v_proj.weight": v,
                   p + "attn.out_proj.weight": o, p + "mlp.fc_in.weight": up, p + "mlp.fc_out.weight": down}
        # GPT-2 stores Conv1D weights as [in, out] and fuses q, k, v
        conv1d |= {p + "attn.c_attn.weight": np.concatenate([q, k, v]).T.copy(), p + "attn.c_proj.weight": o.T.copy(),
                   p + "mlp.c_fc.weight": up.T.copy(), p + "mlp.c_proj.weight": down.T.copy()}
    reference = write_safetensors(tmp_path / "linear.safetensors", linear)
    candidate = write_safetensors(tmp_path / "conv1d.safetensors", conv1d)
    section = examine(str(candidate), [("ref", str(reference))], tiers=["exact"])
    pairs = {(i["tensor"], i["reference_tensor"]) for i in section["identical"]}
    assert ("transformer.h.1.attn.c_attn.weight[k]", "transformer.h.1.attn.k_proj.weight") in pairs
    assert ("transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.fc_in.weight") in pairs
    assert section["comparisons"][0]["exact_fraction"] == 1
