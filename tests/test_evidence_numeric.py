"""The numeric kernels and the reader of `dokpamo evidence`, against plain numpy and the safetensors library."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from safetensors.numpy import save_file

from policy.diagnostics import DiagnosticError
from policy.evidence import numeric
from policy.evidence.reader import Checkpoint, read_header

DTYPES = ("BF16", "F16", "F32")


def _raw(values: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "BF16":
        return numeric.round_to(values.astype(np.float32), "BF16")
    return values.astype({"F16": np.float16, "F32": np.float32}[dtype])


@given(rows=st.integers(1, 40), cols=st.integers(2, 70), seed=st.integers(0, 2**32 - 1),
       a_dtype=st.sampled_from(DTYPES), b_dtype=st.sampled_from(DTYPES), chunk=st.sampled_from([2, 8, 64, 4096]))
def test_fused_pearson_equals_numpy(rows: int, cols: int, seed: int, a_dtype: str, b_dtype: str, chunk: int) -> None:
    rng = np.random.default_rng(seed)
    a = _raw(rng.standard_normal((rows, cols)), a_dtype)
    b = _raw(rng.standard_normal((rows, cols)) + a.astype(np.float32) * rng.uniform(-1, 1), b_dtype) \
        if a_dtype != "BF16" else _raw(rng.standard_normal((rows, cols)), b_dtype)
    old = numeric.CHUNK
    numeric.CHUNK = chunk
    try:
        (got,) = numeric.pearson_many([(a, a_dtype, b, b_dtype)])
    finally:
        numeric.CHUNK = old
    x, y = numeric.decode(a, a_dtype).astype(np.float64).ravel(), numeric.decode(b, b_dtype).astype(np.float64).ravel()
    assert got is not None
    assert got == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-5)


def test_fused_pearson_of_a_transposed_view_and_a_constant() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((30, 50)).astype(np.float32)
    (same, constant) = numeric.pearson_many([(a, "F32", np.ascontiguousarray(a.T).T, "F32"),
                                             (a, "F32", np.ones_like(a), "F32")])
    assert same == pytest.approx(1.0) and constant is None


@given(values=st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=50))
def test_bf16_rounding_is_nearest_even_and_decodes_exactly(values: list[float]) -> None:
    array = np.array(values, np.float32)
    rounded = numeric.round_to(array, "BF16")
    decoded = numeric.decode(rounded, "BF16")
    # exact: bf16 values are fp32 values with 16 zero low bits
    assert np.array_equal(decoded.view(np.uint32) & 0xFFFF, np.zeros(len(values), np.uint32))
    finite = np.isfinite(decoded)
    error = np.abs(decoded[finite].astype(np.float64) - array[finite])
    spacing = np.abs(array[finite].astype(np.float64)) * 2.0 ** -8 + 2.0 ** -133  # bf16 subnormal step
    assert np.all(error <= spacing)


@given(rows=st.integers(1, 30), cols=st.integers(1, 30), count=st.integers(1, 2000))
def test_positions_of_a_transposed_shape_are_transposed(rows: int, cols: int, count: int) -> None:
    i, j = numeric.positions(rows, cols, count)
    ti, tj = numeric.positions(cols, rows, count)
    if rows != cols:  # a square matrix is sampled in its stored layout
        assert np.array_equal(i, tj) and np.array_equal(j, ti)
    assert i.max() < rows and j.max() < cols
    short_i, short_j = numeric.positions(rows, cols, max(1, count // 2))
    if rows * cols > count:  # sampled: a shorter list is a prefix
        assert np.array_equal(short_i, i[:len(short_i)]) and np.array_equal(short_j, j[:len(short_j)])


def test_equal_compares_values_and_rounding() -> None:
    rng = np.random.default_rng(2)
    reference = rng.standard_normal((20, 30)).astype(np.float32)
    candidate = numeric.round_to(reference, "BF16")
    assert numeric.equal(reference, "F32", reference.copy(), "F32", rounded=False)
    assert numeric.equal(candidate, "BF16", reference, "F32", rounded=True)
    assert not numeric.equal(candidate, "BF16", reference, "F32", rounded=False)
    changed = candidate.copy()
    changed[-1, -1] ^= 1
    assert not numeric.equal(changed, "BF16", reference, "F32", rounded=True)
    assert numeric.raw_digest(candidate, "BF16") == numeric.rounded_digest(reference, "F32", "BF16")


def test_reader_agrees_with_the_safetensors_library(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    tensors = {"a.weight": rng.standard_normal((7, 5)).astype(np.float32),
               "b.weight": rng.standard_normal(11).astype(np.float16), "ids": np.arange(4, dtype=np.int64)}
    path = tmp_path / "m.safetensors"
    save_file(tensors, str(path))
    checkpoint = Checkpoint.open(str(path))
    assert checkpoint.skipped == ["ids"]
    for name in ("a.weight", "b.weight"):
        assert np.array_equal(checkpoint.raw(name), tensors[name].ravel())
    checkpoint.close()


def _header(path: Path, table: dict[str, object], data: bytes) -> Path:
    text = json.dumps(table).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + data)
    return path


@pytest.mark.parametrize(("table", "data", "code"), [
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "v": {
        "dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12, "evidence.not-safetensors"),
    ({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "evidence.not-safetensors"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 9, "evidence.not-safetensors"),
    ({"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 2, "evidence.unsupported-dtype"),
    ({"__metadata__": {"a": 1}}, b"", "evidence.not-safetensors"),
])
def test_malformed_headers_are_refused(table: dict[str, object], data: bytes, code: str, tmp_path: Path) -> None:
    path = _header(tmp_path / "bad.safetensors", table, data)
    with pytest.raises(DiagnosticError) as caught:
        read_header(path)
    assert [d.code for d in caught.value.diagnostics] == [code]
