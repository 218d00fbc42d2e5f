"""Numeric kernels: sample positions, dtype decoding and rounding, the fused Pearson pass, equality, digests.

Everything is compared in fp32. bf16 is decoded by moving its bit pattern into the high half of a
uint32, which is exact. The full Pearson pass is fused and cache-blocked: each chunk of both operands
is decoded into buffers that stay in the core's cache while all five sums are taken from them. Blocks
can be shared by threads (`THREADS`); their sums are combined in block order either way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np

CHUNK = 262144
"""Entries decoded at once: 1 MB of fp32 per operand. Each numpy call then works long enough to release
the GIL for a useful while, so two threads double the fused pass (measured on the project's 2-core
machines: 1.3 GB/s with one thread, 2.6-3.3 with two; 65,536 gave 1.6 and 1.5)."""
BLOCK = 1 << 22
"""Entries per block: the unit of work of a thread (transposed views are copied block by block)."""
THREADS = min(2, os.cpu_count() or 1)
"""Threads of the fused pass; blocks are summed in order whatever the threads' timing, so the output
is the same with any number. The benchmark also measures one thread."""

_SHIFT = np.uint32(16)
_HIGH = np.uint32(0xFFFF0000)
_U32 = np.uint32
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def splitmix(seed: int, count: int) -> np.ndarray:
    """`count` pseudo-random uint64 from a fixed recipe: the same on every machine and numpy version."""
    with np.errstate(over="ignore"):
        z = (np.arange(1, count + 1, dtype=np.uint64) + np.uint64(seed % (1 << 63))) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def positions(rows: int, cols: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions (row, column) of a `rows` x `cols` matrix.

    The first `count` positions of a shape are a prefix of any longer list, and the positions of the
    transposed shape are the transposed positions in the same order, so a tensor stored transposed
    samples the same entries. Small matrices are sampled whole.
    """
    short, long = min(rows, cols), max(rows, cols)
    if short * long <= count:
        u, v = np.divmod(np.arange(short * long, dtype=np.int64), long)
    else:
        draws = splitmix(short * 1_000_003 + long, 2 * count)
        u = (draws[0::2] % np.uint64(short)).astype(np.int64)
        v = (draws[1::2] % np.uint64(long)).astype(np.int64)
    return (u, v) if rows <= cols else (v, u)


def permutation(count: int, seed: int) -> np.ndarray:
    """A fixed pseudo-random permutation, for the shuffle nulls."""
    return np.argsort(splitmix(seed, count), kind="stable")


def decode(raw: np.ndarray, dtype: str) -> np.ndarray:
    """Raw values (bf16 as uint16 bit patterns) to fp32, exactly; any shape."""
    if dtype == "BF16":
        out = np.empty(raw.shape, np.uint32)
        np.left_shift(raw, _SHIFT, out=out, dtype=_U32)
        return out.view(np.float32)
    return np.asarray(raw, dtype=np.float32)


def round_to(values: np.ndarray, dtype: str) -> np.ndarray:
    """fp32 values rounded to `dtype` (nearest, ties to even), as that dtype's raw type."""
    if dtype == "BF16":
        bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
        with np.errstate(over="ignore"):
            rounded = (bits + np.uint32(0x7FFF) + ((bits >> _SHIFT) & np.uint32(1))) >> _SHIFT
        nan = np.isnan(values)
        if nan.any():
            rounded[nan] = (bits[nan] >> _SHIFT) | np.uint32(0x40)
        return rounded.astype(np.uint16)
    if dtype == "F16":
        with np.errstate(over="ignore"):
            return values.astype(np.float16)
    if dtype == "F64":
        return values.astype(np.float64)
    return values.astype(np.float32)


def bits(values: np.ndarray) -> np.ndarray:
    """Raw values as unsigned integers of their width, for exact comparison (-0.0 differs from 0.0)."""
    values = np.ascontiguousarray(values)
    return values.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[values.itemsize])


def _blocks(rows: int, cols: int) -> list[tuple[int, int]]:
    step = max(1, BLOCK // max(1, cols))
    return [(lo, min(rows, lo + step)) for lo in range(0, rows, step)]


def _flat(view: np.ndarray, lo: int, hi: int) -> np.ndarray:
    block = view[lo:hi]
    return block.reshape(-1) if block.flags.c_contiguous else np.ascontiguousarray(block).reshape(-1)


def _split(raw: np.ndarray, dtype: str, buffer: np.ndarray) -> np.ndarray:
    """Decode an even-length chunk into `buffer` as fp32, even-indexed entries first, then odd-indexed.

    For bf16 this costs one shift and one mask over the chunk seen as uint32 pairs (little-endian:
    the even entry is the low half, the odd entry the high half), half the work of a widening cast.
    """
    half = raw.size // 2
    if dtype == "BF16":
        pairs = raw.view(np.uint32)
        np.left_shift(pairs, _SHIFT, out=buffer[:half])
        np.bitwise_and(pairs, _HIGH, out=buffer[half:2 * half])
        return buffer[:2 * half].view(np.float32)
    floats = buffer.view(np.float32)
    np.copyto(floats[:half], raw[0::2], casting="unsafe")
    np.copyto(floats[half:2 * half], raw[1::2], casting="unsafe")
    return floats[:2 * half]


def _natural(raw: np.ndarray, dtype: str, buffer: np.ndarray) -> np.ndarray:
    """Decode a chunk into `buffer` as fp32 in its own order (fp32 is used in place)."""
    if dtype == "F32":
        return raw
    floats = buffer.view(np.float32)[:raw.size]
    np.copyto(floats, raw, casting="unsafe")
    return floats


def _sums_bf16(a_flat: np.ndarray, b_flat: np.ndarray) -> np.ndarray:
    """`_sums` for two bf16 vectors of even length: the common case, with no call that numpy does not make."""
    half = CHUNK // 2
    x_bits, y_bits = np.empty(CHUNK, np.uint32), np.empty(CHUNK, np.uint32)
    x_even, x_odd, y_even, y_odd = x_bits[:half], x_bits[half:], y_bits[:half], y_bits[half:]
    x, y = x_bits.view(np.float32), y_bits.view(np.float32)
    ones = np.ones(CHUNK, np.float32)
    a_pairs, b_pairs = a_flat.view(np.uint32), b_flat.view(np.uint32)
    dot, shift, mask = np.dot, np.left_shift, np.bitwise_and
    sa = sb = saa = sbb = sab = 0.0
    full = a_pairs.size - a_pairs.size % half
    for start in range(0, full, half):
        a, b = a_pairs[start:start + half], b_pairs[start:start + half]
        shift(a, _SHIFT, out=x_even)
        mask(a, _HIGH, out=x_odd)
        shift(b, _SHIFT, out=y_even)
        mask(b, _HIGH, out=y_odd)
        sa += dot(x, ones)
        sb += dot(y, ones)
        saa += dot(x, x)
        sbb += dot(y, y)
        sab += dot(x, y)
    totals = np.array([sa, sb, saa, sbb, sab], np.float64)
    if full < a_pairs.size:
        totals += _sums(a_flat[2 * full:], "BF16", b_flat[2 * full:], "BF16", fast=False)
    return totals


def _sums(a_flat: np.ndarray, a_dtype: str, b_flat: np.ndarray, b_dtype: str, fast: bool = True) -> np.ndarray:
    """Σa, Σb, Σa², Σb², Σab over two equal-length raw vectors, chunk by chunk in cache."""
    if fast and a_dtype == b_dtype == "BF16" and a_flat.size % 2 == 0:
        return _sums_bf16(a_flat, b_flat)
    decode_chunk = _split if "BF16" in (a_dtype, b_dtype) else _natural
    a_buffer, b_buffer = np.empty(CHUNK, np.uint32), np.empty(CHUNK, np.uint32)
    ones = np.ones(CHUNK, np.float32)
    dot = np.dot
    sa = sb = saa = sbb = sab = 0.0
    size = a_flat.size - a_flat.size % 2
    for start in range(0, size, CHUNK):
        stop = min(size, start + CHUNK)
        x = decode_chunk(a_flat[start:stop], a_dtype, a_buffer)
        y = decode_chunk(b_flat[start:stop], b_dtype, b_buffer)
        unit = ones[:x.size]
        sa += dot(x, unit)
        sb += dot(y, unit)
        saa += dot(x, x)
        sbb += dot(y, y)
        sab += dot(x, y)
    totals = np.array([sa, sb, saa, sbb, sab], np.float64)
    if size < a_flat.size:  # the odd last entry
        x, y = float(decode(a_flat[-1:], a_dtype)[0]), float(decode(b_flat[-1:], b_dtype)[0])
        totals += (x, y, x * x, y * y, x * y)
    return totals


def pearson_many(pairs: list[tuple[np.ndarray, str, np.ndarray, str]],
                 progress: Callable[[int], None] | None = None) -> list[float | None]:
    """Pearson correlation of each pair of same-shape raw views, over every entry, in one fused pass.

    `progress` is called with the candidate bytes of each finished block. A constant operand, or one
    holding inf or NaN, gives None.
    """
    tasks = [(index, lo, hi) for index, (a_view, *_) in enumerate(pairs) for lo, hi in _blocks(*a_view.shape)]

    def work(task: tuple[int, int, int]) -> np.ndarray:
        a_view, a_dtype, b_view, b_dtype = pairs[task[0]]
        # inf or NaN weights make the sums non-finite, which the caller reports as unknown: no warning.
        with np.errstate(invalid="ignore", over="ignore"):
            return _sums(_flat(a_view, task[1], task[2]), a_dtype, _flat(b_view, task[1], task[2]), b_dtype)

    totals = [np.zeros(5) for _ in pairs]
    with ThreadPoolExecutor(THREADS) if THREADS > 1 else nullcontext() as pool:
        # In task order, whatever the threads' timing: the sums and so the output bytes are reproducible.
        results = pool.map(work, tasks) if pool is not None else map(work, tasks)
        for (index, lo, hi), sums in zip(tasks, results, strict=True):
            totals[index] += sums
            if progress is not None:
                a_view = pairs[index][0]
                progress((hi - lo) * a_view.shape[1] * a_view.itemsize)
    out: list[float | None] = []
    for (a_view, *_), (sa, sb, saa, sbb, sab) in zip(pairs, totals, strict=True):
        n = a_view.size
        var_a, var_b = saa - sa * sa / n, sbb - sb * sb / n
        if not (var_a > 0 and var_b > 0 and np.isfinite(sab)):  # constant, or inf/NaN weights: unknown
            out.append(None)
        else:
            out.append(max(-1.0, min(1.0, (sab - sa * sb / n) / float(np.sqrt(var_a * var_b)))))
    return out


def equal(a_view: np.ndarray, a_dtype: str, b_view: np.ndarray, b_dtype: str, rounded: bool) -> bool:
    """Whether candidate `a` equals reference `b` value for value in fp32 or, if `rounded`, equals `b`
    rounded to `a`'s dtype. Stops at the first differing block."""
    same_layout = a_dtype == b_dtype and not rounded and a_view.flags.c_contiguous and b_view.flags.c_contiguous
    if same_layout:
        a_flat, b_flat = _words(a_view.reshape(-1)), _words(b_view.reshape(-1))
        step = CHUNK * 2
        return all(np.array_equal(a_flat[i:i + step], b_flat[i:i + step]) for i in range(0, a_flat.size, step))
    for lo, hi in _blocks(*a_view.shape):
        a, b = a_view[lo:hi], b_view[lo:hi]
        if rounded:
            same = np.array_equal(bits(a), bits(round_to(decode(b, b_dtype), a_dtype)))
        else:
            same = np.array_equal(bits(decode(a, a_dtype)), bits(decode(b, b_dtype)))
        if not same:
            return False
    return True


def _words(flat: np.ndarray) -> np.ndarray:
    """The bytes of a contiguous vector as 8-byte words when they divide evenly (fewer, wider compares)."""
    return flat.view(np.uint64) if flat.nbytes % 8 == 0 else flat.view(np.uint8)


def value_digest(view: np.ndarray, dtype: str) -> str:
    """SHA-256 of the canonical view's values as little-endian fp32, row-major."""
    digest = hashlib.sha256()
    for lo, hi in _blocks(*view.shape):
        digest.update(np.ascontiguousarray(decode(view[lo:hi], dtype), dtype="<f4").tobytes())
    return digest.hexdigest()


def rounded_digest(view: np.ndarray, dtype: str, target: str) -> str:
    """SHA-256 of the canonical view's values rounded to `target`, as that dtype's little-endian bits."""
    digest = hashlib.sha256()
    for lo, hi in _blocks(*view.shape):
        digest.update(bits(round_to(decode(view[lo:hi], dtype), target)).astype(bits_dtype(target)).tobytes())
    return digest.hexdigest()


def raw_digest(view: np.ndarray, dtype: str) -> str:
    """SHA-256 of the canonical view's own bits, little-endian (equals `rounded_digest` to its own dtype)."""
    digest = hashlib.sha256()
    for lo, hi in _blocks(*view.shape):
        digest.update(bits(view[lo:hi]).astype(bits_dtype(dtype)).tobytes())
    return digest.hexdigest()


def bits_dtype(dtype: str) -> str:
    """The little-endian unsigned type holding `dtype`'s bit patterns."""
    return {"BF16": "<u2", "F16": "<u2", "F32": "<u4", "F64": "<u8"}[dtype]


def finite(values: np.ndarray) -> np.ndarray:
    """float64 values with inf and NaN (a broken checkpoint) counted as 0."""
    return np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)


def standardise(rows: np.ndarray) -> np.ndarray:
    """Rows centred and scaled to unit norm, in float64; constant rows become zero, inf and NaN count as 0."""
    rows = finite(rows)
    centred = rows - rows.mean(axis=-1, keepdims=True)
    norms = np.sqrt((centred * centred).sum(axis=-1, keepdims=True))
    return np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)


def pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation of two equal-length vectors; None when either is constant."""
    za, zb = standardise(a.reshape(1, -1)), standardise(b.reshape(1, -1))
    if not za.any() or not zb.any():
        return None
    return float(np.clip((za * zb).sum(), -1.0, 1.0))


def cosine(a: np.ndarray, b: np.ndarray) -> float | None:
    """Raw (uncentred) cosine; only for the unsound diagnostics."""
    a64, b64 = finite(a).ravel(), finite(b).ravel()
    norm = float(np.sqrt((a64 * a64).sum() * (b64 * b64).sum()))
    return None if norm == 0 else float(np.clip((a64 * b64).sum() / norm, -1.0, 1.0))
