"""The tiers of evidence, candidate against each reference, per candidate component.

1. exact: a candidate matrix value-identical (fp32) to a reference matrix, or identical to a reference
   matrix rounded to the candidate's dtype. Sampled entries select the pairs; every entry (or the
   fingerprint's digest) confirms them. Constant matrices (zeros, ones) are never counted.
2. pearson: each candidate matrix is matched by content, over all layers, to the reference matrix of
   the same shape (and role, when both roles are known) with the highest sampled correlation; the
   Pearson correlation of the pair over every entry (over held-out samples for a fingerprint) is the
   fact, and the layers matched give a layer map. Blind to permutation: a low value clears nothing.
3. anchored: the anchor rows (shared token ids or strings; pixel inputs) fix the residual basis. After
   removing each side's top principal component, every reference residual column is matched to the
   candidate column it correlates with best: the mean best correlation, its margin over the second
   best and the fraction of unique matches, against a null with the anchor rows shuffled.
4. invariants: per-layer products W_q^T W_k, W_o W_v and W_down W_up (summed over heads and
   experts, so head permutation and mixing, FFN permutation and pruning leave them unchanged) taken
   in the aligned basis and correlated with every reference layer, which recovers the layer map even
   when layers were dropped; against a null with the alignment shuffled.

Unsound statistics (raw cosine of norm gains, spectrum correlation, per-layer std fingerprint) are
computed only to be reported as such.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from policy.evidence import numeric
from policy.evidence.reader import FLOAT_DTYPES, Checkpoint
from policy.evidence.reference import (
    PRODUCTS,
    SKETCH_COLUMNS,
    Progress,
    RefComponent,
    Reference,
    RefMatrix,
    anchor_rows,
    layer_sketches,
    remove_top_component,
    sample,
    spectrum,
    standardise_sketch,
)
from policy.evidence.structure import Component, Matrix, Structure

MIN_ANCHORS = 64
"""Fewer shared anchor rows than this and the anchored and invariant tiers are not computed."""
MIN_SKETCH = 8
_SEED_NULL = 31
_SCORE_ROWS = 256
"""Candidate matrices scored at once against all reference matrices of their shape (bounds memory)."""


@attrs.frozen
class Identical:
    """A candidate matrix identical to a reference matrix."""

    component: str
    reference: str
    tensor: str
    reference_tensor: str
    kind: str
    """`exact` (equal values) or `rounded` (equal to the reference rounded to the candidate's dtype)."""
    parameters: int


@attrs.frozen
class LayerMatch:
    """Which reference layer a candidate layer corresponds to, by each tier."""

    component: str
    reference: str
    candidate_layer: int
    pearson_layer: int | None = None
    pearson: float | None = None
    invariant_layer: int | None = None
    invariant: float | None = None
    invariant_second: float | None = None


@attrs.frozen
class Comparison:
    """The facts for one candidate component against one reference."""

    component: str
    reference: str
    parameters: int
    tensors: int
    layers: int
    coverage: float | None = None
    exact_fraction: float | None = None
    exact_tensors: int | None = None
    rounded_fraction: float | None = None
    rounded_tensors: int | None = None
    pearson: float | None = None
    pearson_null: float | None = None
    pearson_sampled: bool | None = None
    pearson_tensors: int | None = None
    column_match: float | None = None
    column_match_null: float | None = None
    column_margin: float | None = None
    column_unique: float | None = None
    column_anchors: int | None = None
    invariant: float | None = None
    invariant_null: float | None = None
    invariant_margin: float | None = None
    invariant_layers: int | None = None


@attrs.frozen
class Unsound:
    """A statistic known not to separate derived from independent models; reported, never used."""

    component: str
    reference: str
    metric: str
    value: float


@attrs.define
class Result:
    """Everything found for one reference."""

    comparisons: list[Comparison] = attrs.field(factory=list)
    layer_map: list[LayerMatch] = attrs.field(factory=list)
    identical: list[Identical] = attrs.field(factory=list)
    unsound: list[Unsound] = attrs.field(factory=list)


class _Samples:
    """Candidate samples, cached per matrix and count."""

    def __init__(self, checkpoint: Checkpoint) -> None:
        self.checkpoint = checkpoint
        self.cache: dict[tuple[str, int], np.ndarray] = {}

    def __call__(self, matrix: Matrix, count: int) -> np.ndarray:
        key = (matrix.key, count)
        if key not in self.cache:
            self.cache[key] = sample(self.checkpoint, matrix, count)
        return self.cache[key]


def _dims(rows: int, cols: int) -> tuple[int, int]:
    return (min(rows, cols), max(rows, cols))


def _oriented(ref: RefMatrix, candidate: Matrix, checkpoint: Checkpoint) -> np.ndarray:
    assert ref.matrix is not None
    view = ref.matrix.view(checkpoint)
    return view if (ref.rows, ref.cols) == candidate.shape else view.T


def compare(checkpoint: Checkpoint, structure: Structure, reference: Reference, tiers: frozenset[str],
            progress: Progress | None = None) -> Result:
    """All requested tiers for every candidate component against one reference."""
    samples = _Samples(checkpoint)
    result = Result()
    exact: dict[str, tuple[RefMatrix, str]] = {}
    if "exact" in tiers:
        exact = _exact(checkpoint, structure, reference, samples)
    pearson: dict[str, tuple[RefMatrix, float, int]] = {}
    if "pearson" in tiers:
        pearson = _pearson(checkpoint, structure, reference, samples, exact, progress)
    for component in structure.components.values():
        ref_component = reference.components.get(component.name)
        comparison: dict[str, Any] = {}
        layer_rows: dict[int, dict[str, Any]] = {}
        total = component.parameters
        compatible = {_dims(m.rows, m.cols) for m in reference.matrices}
        covered = sum(m.numel for m in component.matrices if _dims(m.rows, m.cols) in compatible)
        if "exact" in tiers or "pearson" in tiers:
            comparison["coverage"] = covered / total if total else 0.0
        if "exact" in tiers:
            for kind in ("exact", "rounded"):
                hits = [m for m in component.matrices if m.key in exact and exact[m.key][1] == kind]
                comparison[f"{kind}_fraction"] = sum(m.numel for m in hits) / total if total else 0.0
                comparison[f"{kind}_tensors"] = len(hits)
                result.identical.extend(Identical(component.name, reference.name, m.key, exact[m.key][0].key, kind,
                                                  m.numel) for m in hits)
        if "pearson" in tiers:
            comparison |= _pearson_summary(component, pearson, reference, layer_rows)
        alignment = None
        if ref_component is not None and ref_component.anchors is not None and component.anchor is not None and (
                "anchored" in tiers or "invariants" in tiers):
            alignment = _align(checkpoint, component, ref_component, result, reference.name)
            if alignment is not None and "anchored" in tiers:
                comparison |= alignment.facts
        if alignment is not None and "invariants" in tiers:
            advance = progress(f"invariants with {reference.name}", len(component.layers)) if progress else None
            comparison |= _invariants(checkpoint, component, ref_component, alignment, layer_rows, advance)
        for layer in sorted(layer_rows):
            result.layer_map.append(LayerMatch(component.name, reference.name, layer, **layer_rows[layer]))
        result.comparisons.append(Comparison(component.name, reference.name, total, len(component.matrices),
                                             len(component.layers), **comparison))
        if "pearson" in tiers:
            _unsound_layers(component, reference, samples, result)
    return result


def _exact(checkpoint: Checkpoint, structure: Structure, reference: Reference,
           samples: _Samples) -> dict[str, tuple[RefMatrix, str]]:
    """Candidate matrix key -> (reference matrix, `exact` | `rounded`) for the confirmed identical ones."""
    index: dict[tuple[Any, ...], list[RefMatrix]] = {}
    for ref in reference.matrices:
        dims = _dims(ref.rows, ref.cols)
        index.setdefault((dims, "F32", numeric.bits(ref.samples).tobytes()), []).append(ref)
        for target in ("BF16", "F16"):
            if ref.dtype != target:
                key = numeric.bits(numeric.round_to(ref.samples, target)).tobytes()
                index.setdefault((dims, target, key), []).append(ref)
    found: dict[str, tuple[RefMatrix, str]] = {}
    for matrix in structure.matrices:
        values = samples(matrix, reference.samples)
        if values.size and np.all(values == values[0]):
            continue  # constant tensors (zeros, ones) match anything of their kind: not evidence
        dims = _dims(matrix.rows, matrix.cols)
        tries = [("exact", index.get((dims, "F32", numeric.bits(values).tobytes()), []))]
        if matrix.dtype in ("BF16", "F16"):
            rounded = numeric.bits(numeric.round_to(values, matrix.dtype)).tobytes()
            tries.append(("rounded", [r for r in index.get((dims, matrix.dtype, rounded), [])
                                      if r.dtype != matrix.dtype]))
        for kind, refs in tries:
            confirmed = next((r for r in refs if _confirm(checkpoint, matrix, r, reference, kind)), None)
            if confirmed is not None:
                found[matrix.key] = (confirmed, kind)
                break
    return found


def _confirm(checkpoint: Checkpoint, matrix: Matrix, ref: RefMatrix, reference: Reference, kind: str) -> bool:
    view = matrix.view(checkpoint)
    if reference.checkpoint is not None:
        return numeric.equal(view, matrix.dtype, _oriented(ref, matrix, reference.checkpoint), ref.dtype,
                             rounded=kind == "rounded")
    if (ref.rows, ref.cols) != matrix.shape:
        view = view.T
    if kind == "exact":
        return ref.digests.get("F32") == numeric.value_digest(view, matrix.dtype)
    return ref.digests.get(matrix.dtype) == numeric.raw_digest(view, matrix.dtype)


def _pearson(checkpoint: Checkpoint, structure: Structure, reference: Reference, samples: _Samples,
             exact: dict[str, tuple[RefMatrix, str]], progress: Progress | None
             ) -> dict[str, tuple[RefMatrix, float, int]]:
    """Candidate matrix key -> (matched reference matrix, Pearson, entries it was computed on)."""
    groups: dict[tuple[int, int], tuple[list[Matrix], list[RefMatrix]]] = {}
    for matrix in structure.matrices:
        if matrix.rows > 1 and matrix.cols > 1:
            groups.setdefault(_dims(matrix.rows, matrix.cols), ([], []))[0].append(matrix)
    for ref in reference.matrices:
        dims = _dims(ref.rows, ref.cols)
        if dims in groups:
            groups[dims][1].append(ref)
    sampled = reference.checkpoint is None
    chosen: dict[str, tuple[RefMatrix, float | None, int]] = {}
    for dims, (candidates, refs) in sorted(groups.items()):
        if not refs:
            continue
        count = reference.samples
        ref_values = np.stack([r.samples for r in refs])
        half = ref_values.shape[1] // 2 if sampled else ref_values.shape[1]
        ref_z = numeric.standardise(ref_values[:, :half])
        cand_values = np.stack([samples(m, count) for m in candidates])
        cand_z = numeric.standardise(cand_values[:, :half])
        ref_roles = np.array([r.role for r in refs])
        ref_rows = np.array([r.rows for r in refs])
        for start in range(0, len(candidates), _SCORE_ROWS):
            block = candidates[start:start + _SCORE_ROWS]
            roles = np.array([m.role for m in block])
            allowed = ((roles[:, None] == ref_roles[None, :]) | (roles == "other")[:, None]
                       | (ref_roles == "other")[None, :])
            # A square matrix meets reference matrices in its own layout only.
            allowed &= (np.array([m.rows for m in block])[:, None] == ref_rows[None, :]) | (
                np.array([m.rows != m.cols for m in block])[:, None])
            scores = np.where(allowed, cand_z[start:start + len(block)] @ ref_z.T, -np.inf)
            for offset, matrix in enumerate(block):
                row = start + offset
                if not allowed[offset].any():
                    continue
                if matrix.key in exact:
                    chosen[matrix.key] = (exact[matrix.key][0], 1.0, matrix.numel)
                    continue
                best = int(np.argmax(scores[offset]))
                if sampled:
                    held_out = numeric.pearson(cand_values[row, half:], ref_values[best, half:])
                    chosen[matrix.key] = (refs[best], held_out, ref_values.shape[1] - half)
                else:
                    chosen[matrix.key] = (refs[best], None, matrix.numel)
    if not sampled:
        assert reference.checkpoint is not None
        by_key = {m.key: m for m in structure.matrices}
        todo = sorted(k for k, (_, value, _) in chosen.items() if value is None)
        pairs = [(by_key[k].view(checkpoint), by_key[k].dtype, _oriented(chosen[k][0], by_key[k], reference.checkpoint),
                  chosen[k][0].dtype) for k in todo]
        total = sum(by_key[k].numel * FLOAT_DTYPES[by_key[k].dtype].itemsize for k in todo)
        advance = progress(f"pearson with {reference.name}", total) if progress is not None else None
        for key, value in zip(todo, numeric.pearson_many(pairs, advance), strict=True):
            chosen[key] = (chosen[key][0], value, chosen[key][2])
    return {k: (ref, value, n) for k, (ref, value, n) in chosen.items() if value is not None}


def _pearson_summary(component: Component, pearson: dict[str, tuple[RefMatrix, float, int]], reference: Reference,
                     layer_rows: dict[int, dict[str, Any]]) -> dict[str, Any]:
    matched = [m for m in component.matrices if m.key in pearson]
    if not matched:
        return {"pearson_tensors": 0, "pearson_sampled": reference.checkpoint is None}
    weights = np.array([m.numel for m in matched], np.float64)
    values = np.array([pearson[m.key][1] for m in matched])
    counts = np.array([pearson[m.key][2] for m in matched], np.float64)
    weight = weights.sum()
    out = {"pearson": float((weights * values).sum() / weight),
           "pearson_null": float(math.sqrt(float((weights ** 2 / counts).sum())) / weight),
           "pearson_sampled": reference.checkpoint is None, "pearson_tensors": len(matched)}
    per_layer: dict[int, dict[int | None, float]] = {}
    layer_values: dict[int, list[tuple[float, float]]] = {}
    for matrix in matched:
        if matrix.layer is None:
            continue
        ref, value, _ = pearson[matrix.key]
        tally = per_layer.setdefault(matrix.layer, {})
        tally[ref.layer] = tally.get(ref.layer, 0.0) + matrix.numel
        layer_values.setdefault(matrix.layer, []).append((matrix.numel, value))
    for layer, tally in per_layer.items():
        best = min(tally, key=lambda k: (-tally[k], -1 if k is None else k))
        pairs = layer_values[layer]
        row = layer_rows.setdefault(layer, {})
        row["pearson_layer"] = best
        row["pearson"] = sum(w * v for w, v in pairs) / sum(w for w, _ in pairs)
    return out


@attrs.frozen
class _Alignment:
    facts: dict[str, Any]
    columns: np.ndarray
    """Candidate column matched to each sketch column of the reference (-1: none)."""
    signs: np.ndarray
    rows: np.ndarray
    """Candidate anchor rows, raw, for the spectrum."""


def _align(checkpoint: Checkpoint, component: Component, ref: RefComponent, result: Result,
           reference: str) -> _Alignment | None:
    assert ref.anchors is not None and ref.anchor_ids is not None and ref.columns is not None
    anchor = component.anchor
    assert anchor is not None
    available = anchor.rows if component.anchor_kind == "token" else anchor.cols
    if component.anchor_kind != ref.anchor_kind:
        return None
    if ref.anchor_tokens is not None and checkpoint.vocab is not None:
        found = [(i, checkpoint.vocab.get(token, -1)) for i, token in enumerate(ref.anchor_tokens) if token]
        found = [(i, j) for i, j in found if 0 <= j < available]
    else:
        found = [(i, int(j)) for i, j in enumerate(ref.anchor_ids) if j < available]
    if len(found) < MIN_ANCHORS:
        return None
    picked = np.array([i for i, _ in found])
    ids = np.array([j for _, j in found], np.int64)
    raw = anchor_rows(checkpoint, component, ids)
    cleaned = remove_top_component(raw)
    refs = numeric.standardise(ref.anchors[picked].T)
    scores = numeric.standardise(cleaned.T) @ refs.T
    best, second, chosen = _best_two(scores)
    # The null: the same statistic with the candidate's anchor rows shuffled, so no row meets its own.
    shuffled = cleaned[numeric.permutation(len(ids), _SEED_NULL)]
    null_best, _, _ = _best_two(numeric.standardise(shuffled.T) @ refs.T)
    unique = np.bincount(chosen, minlength=scores.shape[0])[chosen] == 1
    facts = {"column_match": float(best.mean()), "column_match_null": float(null_best.mean()),
             "column_margin": float((best - second).mean()), "column_unique": float(unique.mean()),
             "column_anchors": len(ids)}
    sketch = min(SKETCH_COLUMNS, len(ref.columns))
    columns = chosen[:sketch].copy()
    signs = np.sign(scores[columns, np.arange(sketch)])
    # A candidate column claimed by two sketch columns keeps the stronger claim only.
    for j in np.unique(columns):
        claims = np.flatnonzero(columns == j)
        if len(claims) > 1:
            keep = claims[np.argmax(best[claims])]
            columns[claims[claims != keep]] = -1
    if ref.spectrum is not None:
        value = numeric.pearson(*_common(spectrum(raw), ref.spectrum))
        if value is not None:
            result.unsound.append(Unsound(component.name, reference, "spectrum_correlation", value))
    return _Alignment(facts, columns, signs, raw)


def _best_two(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per reference column (axis 1): best |correlation| over candidate columns, the second best, and where."""
    magnitude = np.abs(scores)
    chosen = np.argmax(magnitude, axis=0)
    best = magnitude[chosen, np.arange(magnitude.shape[1])]
    if magnitude.shape[0] < 2:
        return best, np.zeros_like(best), chosen
    second = np.partition(magnitude, -2, axis=0)[-2]
    return best, second, chosen


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    size = min(len(a), len(b))
    return a[:size], b[:size]


def _invariants(checkpoint: Checkpoint, component: Component, ref: RefComponent | None, alignment: _Alignment,
                layer_rows: dict[int, dict[str, Any]], advance: Callable[[int], None] | None) -> dict[str, Any]:
    assert ref is not None
    keep = np.flatnonzero(alignment.columns >= 0)
    if len(keep) < MIN_SKETCH or not ref.sketches or not component.layers:
        return {}
    columns, signs = alignment.columns[keep], alignment.signs[keep]
    shuffle = numeric.permutation(len(keep), _SEED_NULL)
    off = ~np.eye(len(keep), dtype=bool)
    ref_layers = sorted(ref.sketches)
    ref_off = {layer: {p: s[np.ix_(keep, keep)][off] for p, s in ref.sketches[layer].items()} for layer in ref_layers}
    scores, nulls = [], []
    for layer in component.layers:
        sketches = layer_sketches(checkpoint, component, layer, columns, signs)
        if advance is not None:
            advance(1)
        if not sketches:
            continue
        real, null = [], []
        for ref_layer in ref_layers:
            common = [p for p in PRODUCTS if p in sketches and p in ref_off[ref_layer]]
            if not common:
                real.append(-np.inf)
                null.append(-np.inf)
                continue
            real.append(np.mean([_corr(standardise_sketch(sketches[p])[off], ref_off[ref_layer][p]) for p in common]))
            null.append(np.mean([_corr(standardise_sketch(sketches[p][np.ix_(shuffle, shuffle)])[off],
                                       ref_off[ref_layer][p]) for p in common]))
        order = np.argsort(-np.asarray(real), kind="stable")
        if not np.isfinite(real[order[0]]):
            continue
        first = float(real[order[0]])
        second = float(real[order[1]]) if len(order) > 1 and np.isfinite(real[order[1]]) else None
        row = layer_rows.setdefault(layer, {})
        row |= {"invariant_layer": ref_layers[order[0]], "invariant": first, "invariant_second": second}
        scores.append((first, first - second if second is not None else None))
        nulls.append(float(np.max(null)))
    if not scores:
        return {}
    margins = [m for _, m in scores if m is not None]
    return {"invariant": float(np.mean([s for s, _ in scores])), "invariant_null": float(np.mean(nulls)),
            "invariant_margin": float(np.mean(margins)) if margins else None, "invariant_layers": len(scores)}


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    value = numeric.pearson(a, b)
    return 0.0 if value is None else value


def _unsound_layers(component: Component, reference: Reference, samples: _Samples, result: Result) -> None:
    """Raw cosine of norm gains matched by name, and the per-layer std fingerprint (HonestAGI)."""
    refs = {(r.hint, r.layer): r for r in reference.matrices if r.component == component.name}
    cosines = []
    for matrix in component.matrices:
        ref = refs.get((matrix.hint, matrix.layer))
        if matrix.role == "norm" and ref is not None and ref.cols == matrix.cols:
            value = numeric.cosine(samples(matrix, reference.samples), ref.samples)
            if value is not None:
                cosines.append(value)
    if cosines:
        result.unsound.append(Unsound(component.name, reference.name, "norm_gain_cosine", float(np.mean(cosines))))
    mine = _std_profile([(m.layer, m.role, samples(m, reference.samples)) for m in component.matrices])
    theirs = _std_profile([(r.layer, r.role, r.samples) for r in reference.matrices if r.component == component.name])
    pairs = [_common(mine[role], theirs[role]) for role in sorted(set(mine) & set(theirs))]
    if pairs:
        value = numeric.pearson(np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs]))
        if value is not None:
            result.unsound.append(Unsound(component.name, reference.name, "std_fingerprint", value))


def _std_profile(items: list[tuple[int | None, str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per attention role, the std of each layer's weights normalised across layers, in layer order."""
    table: dict[str, dict[int, float]] = {}
    for layer, role, values in items:
        if layer is not None and role in ("q", "k", "v", "o") and values.size > 1:
            table.setdefault(role, {})[layer] = float(values.std())
    out = {}
    for role, by_layer in table.items():
        series = np.array([by_layer[k] for k in sorted(by_layer)])
        if len(series) >= 2 and series.std() > 0:
            out[role] = (series - series.mean()) / series.std()
    return out
