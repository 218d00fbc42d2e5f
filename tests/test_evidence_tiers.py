"""The tiers of `dokpamo evidence` on tiny BERT-like models built here, with their derivatives.

The permuted and head-mixed copies are proven function-preserving by a numpy forward pass before
they are used, so a tier that misses them misses a real derivative. Synthetic nulls are easier than
real ones: these tests check the mechanics, not the thresholds.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from policy.evidence import examine, fingerprint, render

V, D, F, LAYERS, HEADS, POSITIONS = 1200, 32, 96, 3, 4, 16
HEAD = D // HEADS


def bf16_bits(values: np.ndarray) -> np.ndarray:
    """fp32 to bf16 bit patterns, rounding to nearest even."""
    bits = np.ascontiguousarray(values, np.float32).view(np.uint32)
    return ((bits + np.uint32(0x7FFF) + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], bf16: bool = False,
                      extra: dict[str, tuple[str, np.ndarray]] | None = None) -> Path:
    """A safetensors file; with `bf16`, float tensors are stored as bf16 (numpy has no bf16 type)."""
    header: dict[str, object] = {}
    chunks, offset = [], 0
    items = [(n, ("BF16", bf16_bits(a)) if bf16 else (
        {"float32": "F32", "float16": "F16", "int64": "I64"}[str(a.dtype)], a)) for n, a in sorted(tensors.items())]
    items += sorted((extra or {}).items())
    for name, (dtype, array) in items:
        data = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(chunks))
    return path


def tiny_model(seed: int, d: int = D, f: int = F, layers: int = LAYERS) -> dict[str, np.ndarray]:
    """A BERT-like model with random weights (trained models are not needed for the mechanics)."""
    rng = np.random.default_rng(seed)

    def normal(*shape: int, scale: float = 0.05) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    model = {"embeddings.word_embeddings.weight": normal(V, d, scale=0.5),
             "embeddings.position_embeddings.weight": normal(POSITIONS, d, scale=0.5),
             "embeddings.LayerNorm.weight": 1 + normal(d), "embeddings.LayerNorm.bias": normal(d)}
    for layer in range(layers):
        p = f"encoder.layer.{layer}."
        for name in ("query", "key", "value"):
            model[p + f"attention.self.{name}.weight"] = normal(d, d, scale=0.3)
            model[p + f"attention.self.{name}.bias"] = normal(d)
        model |= {p + "attention.output.dense.weight": normal(d, d, scale=0.3),
                  p + "attention.output.dense.bias": normal(d),
                  p + "attention.output.LayerNorm.weight": 1 + normal(d),
                  p + "attention.output.LayerNorm.bias": normal(d),
                  p + "intermediate.dense.weight": normal(f, d, scale=0.3), p + "intermediate.dense.bias": normal(f),
                  p + "output.dense.weight": normal(d, f, scale=0.3), p + "output.dense.bias": normal(d),
                  p + "output.LayerNorm.weight": 1 + normal(d), p + "output.LayerNorm.bias": normal(d)}
    return model


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


def forward(model: dict[str, np.ndarray], tokens: np.ndarray, heads: int = HEADS) -> np.ndarray:
    """The encoder's final hidden states, in float64."""
    m = {k: v.astype(np.float64) for k, v in model.items()}
    d = m["embeddings.word_embeddings.weight"].shape[1]
    head = d // heads
    x = m["embeddings.word_embeddings.weight"][tokens] + m["embeddings.position_embeddings.weight"][:len(tokens)]
    x = _layer_norm(x, m["embeddings.LayerNorm.weight"], m["embeddings.LayerNorm.bias"])
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in m:
        p = f"encoder.layer.{layer}."

        def linear(x: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return x @ m[p + name + ".weight"].T + m[p + name + ".bias"]

        q, k, v = (linear(x, f"attention.self.{n}").reshape(len(x), heads, head) for n in ("query", "key", "value"))
        scores = np.einsum("ihd,jhd->hij", q, k) / math.sqrt(head)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        attended = np.einsum("hij,jhd->ihd", weights, v).reshape(len(x), d)
        x = _layer_norm(x + linear(attended, "attention.output.dense"), m[p + "attention.output.LayerNorm.weight"],
                        m[p + "attention.output.LayerNorm.bias"])
        hidden = linear(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1 + np.tanh(0.7978845608 * (hidden + 0.044715 * hidden ** 3)))
        x = _layer_norm(x + linear(hidden, "output.dense"), m[p + "output.LayerNorm.weight"],
                        m[p + "output.LayerNorm.bias"])
        layer += 1
    return x


def permuted(model: dict[str, np.ndarray], seed: int, heads: int = HEADS) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Permute residual units, heads and FFN units: the same function, outputs permuted by `order`."""
    rng = np.random.default_rng(seed)
    d = model["embeddings.word_embeddings.weight"].shape[1]
    order = rng.permutation(d)
    out = {}
    for name, value in model.items():
        if name.startswith("embeddings.") or name.endswith(
                ("LayerNorm.weight", "LayerNorm.bias", "output.dense.bias")):
            value = value[..., order]
        elif name.endswith(("query.weight", "key.weight", "value.weight", "intermediate.dense.weight")):
            value = value[:, order]
        elif name.endswith("output.dense.weight"):
            value = value[order]
        out[name] = value
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in out:
        p = f"encoder.layer.{layer}."
        order_heads = rng.permutation(heads)
        rows = (order_heads[:, None] * (d // heads) + np.arange(d // heads)).ravel()
        for n in ("query", "key", "value"):
            out[p + f"attention.self.{n}.weight"] = out[p + f"attention.self.{n}.weight"][rows]
            out[p + f"attention.self.{n}.bias"] = out[p + f"attention.self.{n}.bias"][rows]
        out[p + "attention.output.dense.weight"] = out[p + "attention.output.dense.weight"][:, rows]
        units = rng.permutation(out[p + "intermediate.dense.weight"].shape[0])
        out[p + "intermediate.dense.weight"] = out[p + "intermediate.dense.weight"][units]
        out[p + "intermediate.dense.bias"] = out[p + "intermediate.dense.bias"][units]
        out[p + "output.dense.weight"] = out[p + "output.dense.weight"][:, units]
        layer += 1
    return out, order


def head_mixed(model: dict[str, np.ndarray], seed: int, heads: int = HEADS) -> dict[str, np.ndarray]:
    """Mix each head by invertible maps: q -> A q, k -> A^-T k, v -> B v, W_o -> W_o B^-1; same function."""
    rng = np.random.default_rng(seed)
    out = {k: v.astype(np.float64) for k, v in model.items()}
    d = out["embeddings.word_embeddings.weight"].shape[1]
    head = d // heads
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in out:
        p = f"encoder.layer.{layer}."
        for h in range(heads):
            rows = slice(h * head, (h + 1) * head)
            a = np.eye(head) + 0.5 * rng.standard_normal((head, head))
            b = np.eye(head) + 0.5 * rng.standard_normal((head, head))
            a_inv_t, b_inv = np.linalg.inv(a).T, np.linalg.inv(b)
            for n, mix in (("query", a), ("key", a_inv_t), ("value", b)):
                out[p + f"attention.self.{n}.weight"][rows] = mix @ out[p + f"attention.self.{n}.weight"][rows]
                out[p + f"attention.self.{n}.bias"][rows] = mix @ out[p + f"attention.self.{n}.bias"][rows]
            out[p + "attention.output.dense.weight"][:, rows] = out[p + "attention.output.dense.weight"][:, rows] @ b_inv
        layer += 1
    return {k: v.astype(np.float32) for k, v in out.items()}


def fine_tuned(model: dict[str, np.ndarray], seed: int, noise: float = 0.15) -> dict[str, np.ndarray]:
    """Every weight moved by noise of `noise` times its own spread: a stand-in for training steps."""
    rng = np.random.default_rng(seed)
    return {k: (v + noise * v.std() * rng.standard_normal(v.shape)).astype(np.float32) for k, v in model.items()}


def pruned(model: dict[str, np.ndarray], keep_layers: list[int], units: int) -> dict[str, np.ndarray]:
    """Keep some layers (renumbered) and the first `units` FFN units of each."""
    out = {k: v for k, v in model.items() if not k.startswith("encoder.layer.")}
    for new, old in enumerate(keep_layers):
        for name, value in model.items():
            prefix = f"encoder.layer.{old}."
            if name.startswith(prefix):
                rest = name[len(prefix):]
                if rest.startswith("intermediate.dense"):
                    value = value[:units]
                elif rest == "output.dense.weight":
                    value = value[:, :units]
                out[f"encoder.layer.{new}.{rest}"] = value
    return out


TOKENS = np.arange(3, 3 + POSITIONS) * 37 % V


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference and its derivatives and independents, written once for the module."""
    root = tmp_path_factory.mktemp("evidence-models")
    base = tiny_model(0)
    perm, order = permuted(base, 1)
    np.testing.assert_allclose(forward(perm, TOKENS), forward(base, TOKENS)[:, order], atol=1e-9)
    mixed = head_mixed(perm, 2)
    np.testing.assert_allclose(forward(mixed, TOKENS), forward(base, TOKENS)[:, order], atol=2e-5)
    variants = {
        "reference": base,
        "copy": base,
        "finetune": fine_tuned(base, 3),
        "permuted": perm,
        "mixed": fine_tuned(mixed, 4, noise=0.05),
        "pruned": permuted(fine_tuned(pruned(base, [0, 2], 64), 5, noise=0.05), 6)[0],
        "independent": tiny_model(7),
        "wider": tiny_model(8, d=48),
    }
    paths = {name: write_safetensors(root / f"{name}.safetensors", model) for name, model in variants.items()}
    paths["rounded"] = write_safetensors(root / "rounded.safetensors", base, bf16=True)
    return paths


def _comparison(section: dict, reference: str = "ref") -> dict:
    (found,) = [c for c in section["comparisons"] if c["reference"] == reference]
    return found


def _layer_map(section: dict, field: str) -> list[int | None]:
    return [m.get(field) for m in section["layer_map"]]


def test_copy_is_identical_everywhere(models: dict[str, Path]) -> None:
    section = examine(str(models["copy"]), [("ref", str(models["reference"]))])
    c = _comparison(section)
    assert c["exact_fraction"] == 1 and c["exact_tensors"] == c["tensors"]
    assert c["rounded_fraction"] == 0
    assert c["pearson"] == 1 and c["column_match"] == 1 and c["column_unique"] == 1
    assert _layer_map(section, "invariant_layer") == [0, 1, 2]
    assert {i["tensor"] for i in section["identical"]} == {i["reference_tensor"] for i in section["identical"]}


def test_rounded_copy_is_found_as_rounded(models: dict[str, Path]) -> None:
    c = _comparison(examine(str(models["rounded"]), [("ref", str(models["reference"]))]))
    assert c["rounded_fraction"] == 1 and c["exact_fraction"] == 0
    assert c["pearson"] > Decimal("0.9999")


def test_fine_tune_keeps_pearson_but_no_identical_tensor(models: dict[str, Path]) -> None:
    section = examine(str(models["finetune"]), [("ref", str(models["reference"]))])
    c = _comparison(section)
    assert c["exact_tensors"] == 0 and c["rounded_tensors"] == 0
    assert c["pearson"] > Decimal("0.95") and c["pearson_null"] < Decimal("0.01")
    assert _layer_map(section, "pearson_layer") == [0, 1, 2]
    assert c["column_match"] > Decimal("0.9") and c["invariant"] > Decimal("0.9")


def test_permuted_copy_defeats_pearson_not_the_aligned_tiers(models: dict[str, Path]) -> None:
    section = examine(str(models["permuted"]), [("ref", str(models["reference"]))])
    c = _comparison(section)
    assert abs(c["pearson"]) < Decimal("0.2")
    assert c["column_match"] > Decimal("0.99") and c["column_unique"] == 1
    assert c["column_match_null"] < Decimal("0.5")
    assert c["invariant"] > Decimal("0.99") and c["invariant_null"] < Decimal("0.3")
    assert _layer_map(section, "invariant_layer") == [0, 1, 2]


def test_head_mixing_leaves_the_invariants(models: dict[str, Path]) -> None:
    c = _comparison(examine(str(models["mixed"]), [("ref", str(models["reference"]))]))
    assert abs(c["pearson"]) < Decimal("0.2")
    assert c["invariant"] > Decimal("0.85") and c["invariant_margin"] > Decimal("0.5")


def test_pruned_copy_recovers_the_layer_map(models: dict[str, Path]) -> None:
    section = examine(str(models["pruned"]), [("ref", str(models["reference"]))])
    c = _comparison(section)
    assert c["layers"] == 2 and c["invariant_layers"] == 2
    assert _layer_map(section, "invariant_layer") == [0, 2]
    assert c["invariant"] > Decimal("0.8")


def test_independent_model_stays_at_the_null(models: dict[str, Path]) -> None:
    section = examine(str(models["independent"]), [("ref", str(models["reference"]))])
    c = _comparison(section)
    assert c["exact_tensors"] == 0 and abs(c["pearson"]) < Decimal("0.05")
    assert c["column_match"] < Decimal("0.3") and c["column_unique"] < Decimal("0.9")
    assert abs(c["invariant"]) < Decimal("0.5")
    assert c["coverage"] == 1


def test_other_width_has_no_coverage_of_its_matrices(models: dict[str, Path]) -> None:
    c = _comparison(examine(str(models["wider"]), [("ref", str(models["reference"]))]))
    assert c["coverage"] < Decimal("0.1") and c["exact_tensors"] == 0
    assert c["column_match"] < Decimal("0.4")


def test_fingerprint_gives_the_same_exact_and_aligned_facts(models: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "ref.fingerprint"
    fingerprint(str(models["reference"]), "ref", str(out))
    assert out.stat().st_size < models["reference"].stat().st_size
    for variant in ("copy", "rounded", "permuted", "independent"):
        by_model = _comparison(examine(str(models[variant]), [("ref", str(models["reference"]))]))
        by_print = _comparison(examine(str(models[variant]), [("ref", str(out))]))
        assert by_print["reference_kind"] == "fingerprint" and by_print["pearson_sampled"] is True
        for field in ("exact_fraction", "rounded_fraction", "column_match", "column_unique", "invariant"):
            assert by_print[field] == by_model[field], (variant, field)
        assert abs(by_print["pearson"] - by_model["pearson"]) < 4 * by_print["pearson_null"] + Decimal("0.001")


def test_output_is_byte_identical_and_declares_own(models: dict[str, Path]) -> None:
    refs = [("ref", str(models["reference"])), ("other", str(models["independent"]))]
    first = render(examine(str(models["finetune"]), refs, own=["other"]))
    assert first == render(examine(str(models["finetune"]), refs, own=["other"]))
    section = examine(str(models["finetune"]), refs, own=["other"])
    assert {(c["reference"], c["reference_own"]) for c in section["comparisons"]} == {("ref", False),
                                                                                     ("other", True)}
    assert render(section, "json") == render(section, "json")
    json.loads(render(section, "json"))



def test_inf_and_nan_weights_give_unknowns_not_crashes(tmp_path: Path) -> None:
    base = tiny_model(0)
    broken = {k: v.copy() for k, v in base.items()}
    broken["encoder.layer.0.attention.self.query.weight"][0, 0] = np.nan
    broken["encoder.layer.1.intermediate.dense.weight"][:] = np.inf
    broken["embeddings.word_embeddings.weight"][5] = np.nan
    candidate = write_safetensors(tmp_path / "broken.safetensors", broken)
    reference = write_safetensors(tmp_path / "reference.safetensors", base)
    c = _comparison(examine(str(candidate), [("ref", str(reference))]))
    assert c["pearson_tensors"] == 17  # of 20: the three broken matrices have no Pearson
    assert c["exact_tensors"] == c["tensors"] - 3 and c["column_match"] > Decimal("0.99")
