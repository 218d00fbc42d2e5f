"""What the tensors of a checkpoint are: components, layers, roles, and a canonical 2-D view of each.

Names are a hint, never the match: they decide the component (language model, vision tower, audio
tower, projector), the layer index and the role (query, key, value, output, FFN up, gate and down,
embedding, norm), which the tiers need to build products and anchors. Which reference tensor a
candidate tensor corresponds to is decided by content in `compare`.

Every tensor becomes one or more `Matrix` views in a canonical [out, in] layout: transposed layouts
(GPT-2 `Conv1D`, exported [in, out] initialisers) are turned, fused QKV and gate/up are split, conv
kernels are flattened to [out, -1] and vectors are [1, n].
"""

from __future__ import annotations

import math
import re
from typing import Any

import attrs
import numpy as np

from policy.evidence.reader import Checkpoint, TensorInfo

COMPONENTS = ("language_model", "vision_encoder", "audio_encoder", "projector")
"""Component names, the manifest's `role` values for parts that carry weights."""

_WRAPPERS = ("module.", "base_model.model.", "model.", "bert.", "roberta.", "language_model.", "transformer.",
             "text_model.")
_PROJECTOR = re.compile(r"(^|\.)(merger|multi_modal_projector|mm_projector|projector|connector|aligner|"
                        r"resampler|vision_proj|visual_projection|text_projection)(\.|$)")
_VISION = re.compile(r"(^|\.)(visual|vision_tower|vision_model|vision_encoder|vision|vit|image_encoder)(\.|$)")
_AUDIO = re.compile(r"(^|\.)(audio_tower|audio_encoder|audio_model|audio|whisper)(\.|$)")

_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((role, re.compile(pattern)) for role, pattern in (
    ("qkv", r"(^|\.)(qkv|qkv_proj|query_key_value|Wqkv|c_attn|in_proj)(\.weight|_weight)$"),
    ("gate_up", r"(^|\.)gate_up_proj\.weight$"),
    ("q", r"(^|\.)(q_proj|query|q|wq|to_q|q_lin)\.weight$"),
    ("k", r"(^|\.)(k_proj|key|k|wk|to_k|k_lin)\.weight$"),
    ("v", r"(^|\.)(v_proj|value|v|wv|to_v|v_lin)\.weight$"),
    ("o", (r"(^|\.)(o_proj|out_proj|wo|out_lin|attention\.output\.dense|(attn|attention|self_attn)\."
           r"(proj|out|c_proj|dense|o))\.weight$")),
    ("gate", r"(^|\.)(gate_proj|w1)\.weight$"),
    ("up", r"(^|\.)(up_proj|w3|fc1|c_fc|dense_h_to_4h|linear_fc1|lin1|intermediate\.dense)\.weight$"),
    ("down", r"(^|\.)(down_proj|w2|fc2|dense_4h_to_h|linear_fc2|lin2|mlp\.c_proj|output\.dense)\.weight$"),
))
_TOKEN_EMBED = re.compile(r"(^|\.)(word_embeddings|embed_tokens|wte|tok_embeddings|token_embedding|embed_in|"
                          r"word_embedding|shared)\.weight$")
_PATCH_EMBED = re.compile(r"(^|\.)(patch_embed(\.proj)?|patch_embedding|patch_embeddings(\.projection)?|conv1|"
                          r"embeddings\.patch_embeddings)\.weight$")
_CONV1D = re.compile(r"(^|\.)(c_attn|c_proj|c_fc)\.weight$")
_NORM = re.compile(r"(norm|ln_|_ln|layernorm)", re.IGNORECASE)
_INDEX = re.compile(r"\.(\d+)\.")
_EXPERT = re.compile(r"(^|\.)experts\.(\d+)\.")


@attrs.frozen
class Matrix:
    """A canonical 2-D view of (part of) one tensor."""

    key: str
    """Unique name: the tensor name, with `[q]`, `[k]`, `[v]`, `[gate]` or `[up]` for split parts."""
    tensor: str
    dtype: str
    rows: int
    cols: int
    transpose: bool
    """The canonical view is the stored 2-D tensor transposed."""
    row0: int
    """First canonical row of this part (fused tensors)."""
    component: str
    layer: int | None
    role: str
    """q, k, v, o, up, gate, down, embed, patch, norm, bias, head or other."""
    hint: str
    """The name with wrappers, layer and expert indices removed: a hint for matching, never the match."""
    expert: int | None = None

    @property
    def numel(self) -> int:
        return self.rows * self.cols

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def view(self, checkpoint: Checkpoint) -> np.ndarray:
        """The raw (undecoded) canonical view; strided when transposed."""
        info = checkpoint.tensors[self.tensor]
        stored = checkpoint.raw(self.tensor).reshape(info.shape[0] if len(info.shape) > 1 else 1, -1)
        canonical = stored.T if self.transpose else stored
        return canonical[self.row0:self.row0 + self.rows]


@attrs.frozen
class Component:
    """The matrices of one component, its layers and its anchor."""

    name: str
    matrices: tuple[Matrix, ...]
    layers: tuple[int, ...]
    anchor: Matrix | None
    """Token embedding (rows are tokens) or patch embedding (columns are pixel inputs)."""
    anchor_kind: str | None
    """`token` or `pixel`."""
    width: int | None
    heads: tuple[int, int] | None
    """(query heads, key-value heads) from the config, for grouped attention."""

    @property
    def parameters(self) -> int:
        return sum(m.numel for m in self.matrices)


@attrs.frozen
class Structure:
    """A checkpoint seen as components."""

    components: dict[str, Component]

    @property
    def matrices(self) -> list[Matrix]:
        return [m for c in self.components.values() for m in c.matrices]


def normalise(name: str) -> str:
    """Strip wrapper prefixes such as `model.`, `bert.` and `language_model.`."""
    changed = True
    while changed:
        changed = False
        for wrapper in _WRAPPERS:
            if name.startswith(wrapper):
                name, changed = name[len(wrapper):], True
    return name


def component_of(name: str) -> str:
    """The component a tensor name belongs to; everything unrecognised is the language model."""
    if _PROJECTOR.search(name):
        return "projector"
    if _VISION.search(name):
        return "vision_encoder"
    if _AUDIO.search(name):
        return "audio_encoder"
    return "language_model"


def _role(hint: str, ndim: int) -> str:
    if ndim >= 2:
        for role, pattern in _ROLES:
            if pattern.search(hint):
                return role
        if _TOKEN_EMBED.search(hint):
            return "embed"
        if _PATCH_EMBED.search(hint):
            return "patch"
        if hint.endswith("lm_head.weight") or hint == "output.weight":
            return "head"
        return "other"
    if hint.endswith("bias"):
        return "bias"
    return "norm" if _NORM.search(hint) else "other"


@attrs.frozen
class _Entry:
    info: TensorInfo
    hint: str
    stack: str
    index: int | None
    expert: int | None


def analyse(checkpoint: Checkpoint) -> Structure:
    """Group the checkpoint's tensors into components, layers and roles."""
    parsed: dict[str, list[_Entry]] = {}
    for info in sorted(checkpoint.tensors.values(), key=lambda t: t.name):
        if info.numel == 0:
            continue  # an empty tensor holds no weight to compare
        name = normalise(info.name)
        padded = "." + name + "."
        found = _INDEX.search(padded)
        stack, index, hint, expert = "", None, name, None
        if found:
            stack, rest = padded[1:found.start()], padded[found.end():-1]
            index = int(found.group(1))
            hint = f"{stack}.*.{rest}" if stack else f"*.{rest}"
        expert_match = _EXPERT.search(hint)
        if expert_match:
            expert = int(expert_match.group(2))
            hint = hint[:expert_match.start(2)] + "*" + hint[expert_match.end(2):]
        parsed.setdefault(component_of(name), []).append(_Entry(info, hint, stack, index, expert))
    return Structure({name: _component(checkpoint, name, parsed[name]) for name in COMPONENTS if name in parsed})


def _layer_numbers(entries: list[_Entry]) -> dict[tuple[str, int], int]:
    """Layer numbers: the index itself in a component with one stack of layers; with several stacks
    (an encoder and a decoder), consecutive numbers in (stack, index) order."""
    keys = sorted({(e.stack, e.index) for e in entries if e.index is not None})
    if len({stack for stack, _ in keys}) <= 1:
        return {key: key[1] for key in keys}
    return {key: number for number, key in enumerate(keys)}


def _component(checkpoint: Checkpoint, name: str, entries: list[_Entry]) -> Component:
    anchor_info, anchor_kind, width = _find_anchor(entries)
    heads = _heads(checkpoint.config, name)
    numbers = _layer_numbers(entries)
    matrices: list[Matrix] = []
    anchor = None
    for entry in entries:
        layer = numbers[(entry.stack, entry.index)] if entry.index is not None else None
        role = _role(entry.hint, len(entry.info.shape))
        for matrix in _views(entry.info, entry.hint, role, layer, name, width, heads, entry.expert):
            matrices.append(matrix)
            if entry.info is anchor_info:
                anchor = matrix
    layers = tuple(sorted({m.layer for m in matrices if m.layer is not None}))
    return Component(name, tuple(matrices), layers, anchor, anchor_kind if anchor else None,
                     width if anchor else None, heads)


def _find_anchor(entries: list[_Entry]) -> tuple[TensorInfo | None, str | None, int | None]:
    outside = [e for e in entries if e.index is None and len(e.info.shape) >= 2]
    tokens = [e.info for e in outside if len(e.info.shape) == 2 and _TOKEN_EMBED.search(e.hint)]
    if tokens:
        best = max(tokens, key=lambda t: (t.numel, t.name))
        return best, "token", min(best.shape)
    patches = [e.info for e in outside if _PATCH_EMBED.search(e.hint)]
    if patches:
        best = max(patches, key=lambda t: (t.numel, t.name))
        return best, "pixel", best.shape[0]
    return None, None, None


def _heads(config: dict[str, Any], component: str) -> tuple[int, int] | None:
    section = config
    if component == "vision_encoder":
        section = config.get("vision_config") or {}
    elif component == "audio_encoder":
        section = config.get("audio_config") or {}
    elif isinstance(config.get("text_config"), dict):
        section = config["text_config"]
    if not isinstance(section, dict):
        return None
    heads = section.get("num_attention_heads") or section.get("num_heads") or section.get("n_head")
    kv = section.get("num_key_value_heads") or heads
    if isinstance(heads, int) and isinstance(kv, int) and heads > 0 and kv > 0 and heads % kv == 0:
        return heads, kv
    return None


def _views(info: TensorInfo, hint: str, role: str, layer: int | None, component: str, width: int | None,
           heads: tuple[int, int] | None, expert: int | None) -> list[Matrix]:
    shape = info.shape
    rows = shape[0] if shape else 1
    cols = math.prod(shape[1:]) if len(shape) > 1 else (shape[0] if shape else 1)
    if len(shape) <= 1:
        rows, cols = 1, max(1, math.prod(shape))
    transpose = bool(_CONV1D.search(hint)) and len(shape) == 2
    if len(shape) == 2 and not transpose and width is not None:
        transpose = _needs_transpose(role, rows, cols, width)
    if transpose:
        rows, cols = cols, rows

    def part(key: str, part_role: str, row0: int, count: int) -> Matrix:
        return Matrix(key, info.name, info.dtype, count, cols, transpose, row0, component, layer, part_role,
                      hint if key == info.name else f"{hint}[{part_role}]", expert)

    if role == "qkv":
        split = _qkv_split(rows, cols, heads)
        if split is None:
            return [part(info.name, "other", 0, rows)]
        q, k = split
        return [part(f"{info.name}[q]", "q", 0, q), part(f"{info.name}[k]", "k", q, k),
                part(f"{info.name}[v]", "v", q + k, rows - q - k)]
    if role == "gate_up":
        if rows % 2:
            return [part(info.name, "other", 0, rows)]
        return [part(f"{info.name}[gate]", "gate", 0, rows // 2), part(f"{info.name}[up]", "up", rows // 2, rows // 2)]
    return [part(info.name, role, 0, rows)]


def _needs_transpose(role: str, rows: int, cols: int, width: int) -> bool:
    if role in ("q", "k", "v", "qkv", "up", "gate", "gate_up"):
        return cols != width and rows == width
    if role in ("o", "down"):
        return rows != width and cols == width
    if role in ("embed", "head"):
        return rows < cols
    return False


def _qkv_split(rows: int, cols: int, heads: tuple[int, int] | None) -> tuple[int, int] | None:
    if heads is not None:
        query, kv = heads
        total = query + 2 * kv
        if rows % total == 0:
            head_dim = rows // total
            return query * head_dim, kv * head_dim
    if rows % 3 == 0:
        return rows // 3, rows // 3
    return None
