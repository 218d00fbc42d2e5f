"""What a comparison needs of a reference model, built from its weights or loaded from a fingerprint.

A `Reference` holds, per canonical matrix, the sampled entries (fp32, at the fixed positions of
`numeric.positions`) and, for a fingerprint, the digests of its values in fp32 and rounded to the other
half-precision dtypes; per component, the anchor rows (token-embedding rows or patch-embedding pixel
columns) over a fixed subset of residual columns after removing the top principal component, the
per-layer invariant sketches and the anchor spectrum. Built from a model it also keeps the model, so
that the exact and Pearson tiers can read every entry; loaded from a fingerprint it needs no weights.

The fingerprint file is a safetensors file: arrays as tensors, the table as JSON in `__metadata__`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from policy.evidence import numeric
from policy.evidence.errors import fail
from policy.evidence.reader import FLOAT_DTYPES, Checkpoint, read_header
from policy.evidence.structure import Component, Matrix, Structure, analyse

METHOD = 1
"""Version of the evidence method; a fingerprint records the version that made it."""
FORMAT = "dokpamo-fingerprint"

SAMPLES = 1024
"""Sampled entries per matrix, fewer when a model has so many matrices that the budget runs out."""
MIN_SAMPLES = 64
SAMPLE_BUDGET = 1 << 20
"""Sampled entries in a fingerprint in all (4 MB of fp32)."""
ANCHOR_ROWS = 2048
"""Anchor tokens (or pixel inputs) kept."""
ANCHOR_COLUMNS = 256
"""Residual columns kept of each anchor row."""
SKETCH_COLUMNS = 64
"""Residual columns of the per-layer invariant sketches: the first of the anchor columns."""
SPECTRUM_ROWS = 32
"""Rows of the spectrum diagnostic; small, since LAPACK with threaded OpenBLAS stalls on larger ones."""
PRODUCTS = ("qk", "ov", "ffn")
"""The per-layer invariants: W_q^T W_k, W_o W_v and W_down W_up, summed over heads and experts."""
DIGEST_DTYPES = ("F32", "BF16", "F16")

Progress = Callable[[str, int], Callable[[int], None]]
"""Given a label and a total, returns the function that advances a progress bar by an amount."""

_SEED_ROWS = 17
_SEED_COLUMNS = 23
_SEED_START = 29


@attrs.define
class RefMatrix:
    """One canonical matrix of a reference."""

    key: str
    component: str
    layer: int | None
    role: str
    hint: str
    dtype: str
    rows: int
    cols: int
    samples: np.ndarray
    digests: dict[str, str] = attrs.field(factory=dict)
    """`F32`: digest of the values in fp32; `BF16`, `F16`: of the values rounded to that dtype."""
    matrix: Matrix | None = None
    """The matrix in the reference model, when the model is at hand."""

    @property
    def numel(self) -> int:
        return self.rows * self.cols


@attrs.define
class RefComponent:
    """The anchored and per-layer data of one reference component."""

    name: str
    anchor_kind: str | None
    width: int | None
    layers: tuple[int, ...]
    anchor_ids: np.ndarray | None = None
    anchor_tokens: list[str] | None = None
    columns: np.ndarray | None = None
    """Residual columns kept of the anchor rows; the first `SKETCH_COLUMNS` are the sketch's."""
    anchors: np.ndarray | None = None
    """(anchors, columns): standardised columns after removing the top principal component."""
    spectrum: np.ndarray | None = None
    sketches: dict[int, dict[str, np.ndarray]] = attrs.field(factory=dict)


@attrs.define
class Reference:
    """A reference model as the tiers see it."""

    name: str
    kind: str
    """`model` or `fingerprint`."""
    parameters: int
    samples: int
    """Sampled entries per matrix (fewer for matrices smaller than that: all their entries)."""
    matrices: list[RefMatrix]
    components: dict[str, RefComponent]
    checkpoint: Checkpoint | None = None
    """The model, while it is compared; None for a fingerprint."""


def sample_count(structure: Structure) -> int:
    """Sampled entries per matrix for a model: `SAMPLES`, lowered so that a fingerprint stays small."""
    count = max(1, len(structure.matrices))
    per = SAMPLES
    while per > MIN_SAMPLES and per * count > SAMPLE_BUDGET:
        per //= 2
    return per


def sample(checkpoint: Checkpoint, matrix: Matrix, count: int) -> np.ndarray:
    """The matrix's entries at the first `count` fixed positions, in fp32."""
    rows, cols = numeric.positions(matrix.rows, matrix.cols, count)
    return numeric.decode(matrix.view(checkpoint)[rows, cols], matrix.dtype)


def anchor_rows(checkpoint: Checkpoint, component: Component, ids: np.ndarray) -> np.ndarray:
    """Anchor rows in fp32: embedding rows of tokens `ids`, or patch-embedding weights of pixel inputs `ids`."""
    anchor = component.anchor
    assert anchor is not None
    view = anchor.view(checkpoint)
    order = np.argsort(ids, kind="stable")
    picked = view[ids[order]] if component.anchor_kind == "token" else view[:, ids[order]].T
    out = np.empty((len(ids), picked.shape[1]), np.float32)
    out[order] = numeric.decode(picked, anchor.dtype)
    return out


def remove_top_component(rows: np.ndarray) -> np.ndarray:
    """Centre the columns and remove the top principal component (the shared token-frequency direction)."""
    data = numeric.finite(rows)
    data = data - data.mean(axis=0, keepdims=True)
    direction = numeric.splitmix(_SEED_START, data.shape[1]).astype(np.float64) / 2.0**64 + 1.0
    direction /= np.linalg.norm(direction)
    for _ in range(100):
        following = data.T @ (data @ direction)
        norm = np.linalg.norm(following)
        if norm == 0:
            return data
        following /= norm
        settled = np.abs(following - direction).max() < 1e-10
        direction = following
        if settled:
            break
    return data - np.outer(data @ direction, direction)


def spectrum(rows: np.ndarray) -> np.ndarray:
    """Singular values of the first anchor rows, largest first (an unsound diagnostic only)."""
    head = numeric.finite(rows[:SPECTRUM_ROWS])
    values = np.linalg.eigvalsh(head @ head.T)[::-1]
    return np.sqrt(np.clip(values, 0, None))


def _by_role(component: Component, layer: int) -> dict[str, list[Matrix]]:
    roles: dict[str, list[Matrix]] = {}
    for matrix in component.matrices:
        if matrix.layer == layer:
            roles.setdefault(matrix.role, []).append(matrix)
    return roles


def layer_sketches(checkpoint: Checkpoint, component: Component, layer: int, columns: np.ndarray,
                   signs: np.ndarray) -> dict[str, np.ndarray]:
    """The layer's invariant products restricted to residual `columns` (with `signs`), off the diagonal
    included; products that the layer's tensors do not allow are left out."""
    roles = _by_role(component, layer)
    outer = np.outer(signs, signs)

    def cols(matrix: Matrix) -> np.ndarray:
        return numeric.finite(numeric.decode(matrix.view(checkpoint)[:, columns], matrix.dtype))

    def rows(matrix: Matrix) -> np.ndarray:
        return numeric.finite(numeric.decode(matrix.view(checkpoint)[columns, :], matrix.dtype))

    out: dict[str, np.ndarray] = {}
    width = component.width
    if len(roles.get("q", [])) == 1 and len(roles.get("k", [])) == 1:
        q, k = roles["q"][0], roles["k"][0]
        if q.cols == width and k.cols == width:
            grouped = _group_heads(cols(q), k.rows, component.heads, axis=0)
            if grouped is not None:
                out["qk"] = grouped.T @ cols(k) * outer
    if len(roles.get("o", [])) == 1 and len(roles.get("v", [])) == 1:
        o, v = roles["o"][0], roles["v"][0]
        if o.rows == width and v.cols == width:
            grouped = _group_heads(rows(o), v.rows, component.heads, axis=1)
            if grouped is not None:
                out["ov"] = grouped @ cols(v) * outer
    ups = {m.expert: m for m in roles.get("up", []) or roles.get("gate", [])}
    downs = {m.expert: m for m in roles.get("down", [])}
    pairs = [(downs[e], ups[e]) for e in sorted(set(ups) & set(downs), key=lambda e: -1 if e is None else e)
             if len([m for m in roles.get("down", []) if m.expert == e]) == 1]
    pairs = [(d, u) for d, u in pairs if d.rows == width and u.cols == width and d.cols == u.rows]
    if pairs:
        out["ffn"] = sum(rows(d) @ cols(u) for d, u in pairs) * outer
    return out


def _group_heads(values: np.ndarray, kv_rows: int, heads: tuple[int, int] | None, axis: int) -> np.ndarray | None:
    """Sum query heads that share a key-value head (grouped attention); None if the grouping is unknown."""
    size = values.shape[axis]
    if size == kv_rows:
        return values
    if heads is None or size % kv_rows:
        return None
    query, kv = heads
    head_dim = kv_rows // kv
    if query * head_dim != size:
        return None
    if axis == 0:
        return values.reshape(kv, query // kv, head_dim, -1).sum(axis=1).reshape(kv_rows, -1)
    return values.reshape(values.shape[0], kv, query // kv, head_dim).sum(axis=2).reshape(-1, kv_rows)


def standardise_sketch(sketch: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance off the diagonal: stored as fp16 without losing what a correlation needs."""
    sketch = numeric.finite(sketch)
    off = ~np.eye(sketch.shape[0], dtype=bool)
    values = sketch[off]
    sd = values.std()
    out = (sketch - values.mean()) / (sd if sd > 0 else 1.0)
    return out.astype(np.float32)


def build(checkpoint: Checkpoint, name: str, *, anchored: bool, digests: bool,
          structure: Structure | None = None, progress: Progress | None = None) -> Reference:
    """A reference from a model: samples always, anchors and sketches if `anchored`, digests if `digests`."""
    structure = structure or analyse(checkpoint)
    count = sample_count(structure)
    matrices = []
    advance = None
    if digests and progress is not None:
        advance = progress(f"digests of {name}", sum(m.numel * FLOAT_DTYPES[m.dtype].itemsize
                                                    for m in structure.matrices))
    for matrix in structure.matrices:
        ref = RefMatrix(matrix.key, matrix.component, matrix.layer, matrix.role, matrix.hint, matrix.dtype,
                        matrix.rows, matrix.cols, sample(checkpoint, matrix, count), matrix=matrix)
        if digests:
            view = matrix.view(checkpoint)
            ref.digests = {target: (numeric.value_digest(view, matrix.dtype) if target == "F32"
                                    else numeric.rounded_digest(view, matrix.dtype, target))
                           for target in DIGEST_DTYPES if target == "F32" or target != matrix.dtype}
            if advance is not None:
                advance(matrix.numel * FLOAT_DTYPES[matrix.dtype].itemsize)
        matrices.append(ref)
    components = {}
    for component in structure.components.values():
        ref_component = RefComponent(component.name, component.anchor_kind, component.width, component.layers)
        if anchored and component.anchor is not None:
            _anchor(checkpoint, component, ref_component, progress and progress(
                f"sketches of {name} ({component.name})", len(component.layers)))
        components[component.name] = ref_component
    return Reference(name, "model", checkpoint.parameters, count, matrices, components,
                     checkpoint)


def _anchor(checkpoint: Checkpoint, component: Component, out: RefComponent,
            advance: Callable[[int], None] | None) -> None:
    anchor = component.anchor
    assert anchor is not None and component.width is not None
    total = anchor.rows if component.anchor_kind == "token" else anchor.cols
    ids = np.arange(total) if total <= ANCHOR_ROWS else np.sort(numeric.permutation(total, _SEED_ROWS)[:ANCHOR_ROWS])
    rows = anchor_rows(checkpoint, component, ids)
    width = component.width
    columns = numeric.permutation(width, _SEED_COLUMNS)[:ANCHOR_COLUMNS]
    cleaned = remove_top_component(rows)[:, columns]
    out.anchor_ids = ids.astype(np.int64)
    if component.anchor_kind == "token" and checkpoint.vocab is not None:
        names = {i: t for t, i in checkpoint.vocab.items()}
        out.anchor_tokens = [names.get(int(i), "") for i in ids]
    out.columns = columns.astype(np.int64)
    # Stored as fp16 in a fingerprint; rounded the same way here so that both give the same facts.
    out.anchors = _half(numeric.standardise(cleaned.T).T * np.sqrt(len(ids)))
    out.spectrum = spectrum(rows)
    sketch_columns = columns[:SKETCH_COLUMNS]
    ones = np.ones(len(sketch_columns))
    for layer in component.layers:
        sketches = layer_sketches(checkpoint, component, layer, sketch_columns, ones)
        if advance is not None:
            advance(1)
        if sketches:
            out.sketches[layer] = {p: _half(standardise_sketch(s)) for p, s in sketches.items()}


def _half(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, np.float16).astype(np.float32)


def write_fingerprint(reference: Reference, path: str) -> None:
    """Write a reference built with digests as a fingerprint file (deterministic bytes)."""
    arrays: dict[str, np.ndarray] = {}
    table = []
    flat = []
    offset = 0
    for matrix in reference.matrices:
        flat.append(matrix.samples.astype(np.float32))
        table.append({"key": matrix.key, "component": matrix.component, "layer": matrix.layer,
                      "role": matrix.role, "hint": matrix.hint, "dtype": matrix.dtype, "rows": matrix.rows,
                      "cols": matrix.cols, "offset": offset, "count": int(matrix.samples.size),
                      "digests": matrix.digests})
        offset += int(matrix.samples.size)
    arrays["samples"] = np.concatenate(flat) if flat else np.zeros(0, np.float32)
    components = {}
    for component in reference.components.values():
        entry: dict[str, Any] = {"anchor_kind": component.anchor_kind, "width": component.width,
                                 "layers": list(component.layers)}
        if component.anchors is not None:
            assert component.anchor_ids is not None and component.columns is not None
            entry |= {"anchor_ids": component.anchor_ids.tolist(), "anchor_tokens": component.anchor_tokens,
                      "columns": component.columns.tolist(), "sketch_layers": sorted(component.sketches)}
            arrays[f"{component.name}.anchors"] = component.anchors.astype(np.float16)
            arrays[f"{component.name}.spectrum"] = np.asarray(component.spectrum, np.float32)
            for layer, sketches in component.sketches.items():
                for product, values in sketches.items():
                    arrays[f"{component.name}.sketch.{layer}.{product}"] = values.astype(np.float16)
        components[component.name] = entry
    body = {"name": reference.name, "parameters": reference.parameters, "samples": reference.samples,
            "matrices": table, "components": components}
    metadata = {"format": FORMAT, "method": str(METHOD),
                "fingerprint": json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)}
    Path(path).write_bytes(_safetensors_bytes(arrays, metadata))


def _safetensors_bytes(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """A safetensors file with keys and data in sorted order (the library's writer orders its header by
    hash, so its bytes change from run to run)."""
    dtypes = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16"}
    header: dict[str, Any] = {"__metadata__": metadata}
    data, offset = [], 0
    for key in sorted(arrays):
        array = np.ascontiguousarray(arrays[key])
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[key] = {"dtype": dtypes[array.dtype], "shape": list(array.shape),
                       "data_offsets": [offset, offset + len(raw)]}
        data.append(raw)
        offset += len(raw)
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(data)


def is_fingerprint(path: str) -> bool:
    """Whether `path` is a fingerprint file (a safetensors file whose metadata says so)."""
    target = Path(path)
    if not target.is_file() or target.name.endswith(".json"):
        return False
    try:
        _, metadata = read_header(target)
    except Exception:  # noqa: BLE001 - anything unreadable is left to the model reader to report
        return False
    return metadata.get("format") == FORMAT


def read_fingerprint(path: str, name: str) -> Reference:
    """Load a fingerprint file as a reference named `name`."""
    _, metadata = read_header(Path(path))
    try:
        method = int(metadata.get("method", ""))
    except ValueError:
        method = -1
    if method != METHOD:
        raise fail("evidence.fingerprint-method",
                   f"`{path}` was made by evidence method {metadata.get('method')!r}, this is method {METHOD}",
                   file=path, help="make the fingerprint again with this version of dokpamo")
    from safetensors import SafetensorError, safe_open  # the format's own reader checks the file

    try:
        body = json.loads(metadata["fingerprint"])
        with safe_open(path, framework="numpy") as handle:
            stored = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 - not a dict

        def array(key: str) -> np.ndarray:
            return np.asarray(stored[key], dtype=np.float32)

        samples = array("samples")
        matrices = [RefMatrix(m["key"], m["component"], m["layer"], m["role"], m["hint"], m["dtype"], m["rows"],
                              m["cols"], samples[m["offset"]:m["offset"] + m["count"]], dict(m["digests"]))
                    for m in body["matrices"]]
        components = {}
        for component_name, entry in body["components"].items():
            component = RefComponent(component_name, entry["anchor_kind"], entry["width"], tuple(entry["layers"]))
            if "anchor_ids" in entry:
                component.anchor_ids = np.asarray(entry["anchor_ids"], np.int64)
                component.anchor_tokens = entry["anchor_tokens"]
                component.columns = np.asarray(entry["columns"], np.int64)
                component.anchors = array(f"{component_name}.anchors")
                component.spectrum = array(f"{component_name}.spectrum")
                for layer in entry["sketch_layers"]:
                    component.sketches[layer] = {
                        p: array(f"{component_name}.sketch.{layer}.{p}") for p in PRODUCTS
                        if f"{component_name}.sketch.{layer}.{p}" in stored}
            components[component_name] = component
        return Reference(name, "fingerprint", int(body["parameters"]), int(body["samples"]), matrices,
                         components)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError, SafetensorError) as exc:
        raise fail("evidence.bad-fingerprint", f"`{path}` is a damaged fingerprint: {type(exc).__name__} {exc}",
                   file=path) from None
