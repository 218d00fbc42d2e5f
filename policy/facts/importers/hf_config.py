"""Hugging Face `config.json` (architecture facts) and PEFT `adapter_config.json` (the adapted base).

A configuration states the shape of the network, not where its weights came from: it gives the
`architecture` record of `published`, and a component for each part it describes (the language model,
and the encoders nested as `vision_config` / `audio_config` or named by a LLaVA-style
`mm_vision_tower`). `_name_or_path` is recorded as written; it is where the weights were loaded from
when the file was saved, a hint of lineage but not a stated relation, so it makes no base model.
"""

from __future__ import annotations

from decimal import Decimal

from policy.facts.importers import nodes
from policy.facts.importers.draft import Draft
from policy.facts.yamljson import MAP, Node
from policy.source import Source

FORMAT = "hf_config"
ADAPTER_FORMAT = "peft_adapter"

# Where the text model's settings live in composite (vision-language) configurations.
_TEXT_CONFIGS = ("text_config", "llm_config", "language_config")
_ENCODERS = (("vision_config", "vision_encoder"), ("audio_config", "audio_encoder"))

# manifest key -> configuration keys, first present wins
_SIZES = {
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "attention_heads": ("num_attention_heads", "n_head"),
    "key_value_heads": ("num_key_value_heads",),
    "intermediate_size": ("intermediate_size",),
    "vocab_size": ("vocab_size",),
    "max_position_embeddings": ("max_position_embeddings",),
    "experts": ("num_local_experts", "n_routed_experts", "num_experts"),
    "experts_per_token": ("num_experts_per_tok",),
    "shared_experts": ("n_shared_experts",),
}


def is_config(root: Node) -> bool:
    return root.kind == MAP and bool({"architectures", "model_type"} & set(nodes.keys(root)))


def is_adapter(root: Node) -> bool:
    return root.kind == MAP and nodes.get(root, "peft_type") is not None


def import_config(source: Source, root: Node, draft: Draft) -> None:
    """Add the architecture facts and parts of a model configuration to the draft."""
    file = source.name
    text_config = next((nodes.get(root, k) for k in _TEXT_CONFIGS if nodes.get(root, k) is not None), None)
    if text_config is not None and text_config.kind != MAP:
        text_config = None
    lm = text_config or root
    arch: dict[str, object] = {}
    model_type = nodes.text(nodes.get(root, "model_type"))
    if model_type is not None:
        arch["model_type"] = model_type
    architectures = nodes.texts(nodes.get(root, "architectures"))
    if architectures:
        arch["architectures"] = architectures
    name_or_path = nodes.text(nodes.get(lm, "_name_or_path")) or nodes.text(nodes.get(root, "_name_or_path"))
    if name_or_path is not None:
        arch["name_or_path"] = name_or_path
    for key, names in _SIZES.items():
        value = _first_int(lm, names)
        if value is not None:
            arch[key] = value
    tied = nodes.boolean(nodes.get(lm, "tie_word_embeddings"))
    if tied is None:
        tied = nodes.boolean(nodes.get(root, "tie_word_embeddings"))
    if tied is not None:
        arch["tie_word_embeddings"] = tied
    parameters = dense_parameters(root) if text_config is None else None
    if parameters is not None:
        arch["parameters"] = parameters
    dtype = nodes.text(nodes.get(root, "torch_dtype")) or nodes.text(nodes.get(root, "dtype")) \
        or nodes.text(nodes.get(lm, "torch_dtype"))
    if dtype is not None:
        arch["dtype"] = dtype
    encoders = _encoders(root)
    if encoders:
        arch["encoders"] = encoders
    draft.set_architecture(arch, file)
    draft.add_part("language_model", file)
    for encoder in encoders:
        draft.add_part(str(encoder["role"]), file)
    if nodes.text(nodes.get(root, "mm_projector_type")) is not None:
        draft.add_part("projector", file)
    if parameters is not None:
        draft.set_model("parameters", parameters, file)


def import_adapter(source: Source, root: Node, draft: Draft) -> None:
    """A PEFT adapter names the model it adapts: a base model with relation `adapter`."""
    node = nodes.get(root, "base_model_name_or_path")
    name = nodes.text(node)
    if name is None:
        draft.warn("no-metadata", "the adapter configuration names no `base_model_name_or_path`",
                   file=source.name)
        return
    if name.startswith((".", "/", "~")):
        draft.warn("local-path", f"the base model `{name}` is a local path, not a hub id",
                   nodes.span(source, node), help="write the hub id of the base model in the manifest")
    draft.add_base_model(name, "peft_base_model", source.name, relation="adapter")


def _first_int(config: Node, names: tuple[str, ...]) -> Decimal | None:
    for name in names:
        value = nodes.positive_int(nodes.get(config, name))
        if value is not None:
            return value
    return None


def _encoders(root: Node) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for key, role in _ENCODERS:
        config = nodes.get(root, key)
        if config is None or config.kind != MAP:
            continue
        encoder: dict[str, object] = {"role": role}
        model_type = nodes.text(nodes.get(config, "model_type"))
        if model_type is not None:
            encoder["model_type"] = model_type
        name = nodes.text(nodes.get(config, "_name_or_path"))
        if name is not None:
            encoder["name_or_path"] = name
        hidden = _first_int(config, ("hidden_size", "embed_dim", "d_model"))
        if hidden is not None:
            encoder["hidden_size"] = hidden
        layers = _first_int(config, ("num_hidden_layers", "depth", "encoder_layers", "num_layers"))
        if layers is not None:
            encoder["layers"] = layers
        out.append(encoder)
    tower = nodes.text(nodes.get(root, "mm_vision_tower"))
    if tower is not None and not any(e["role"] == "vision_encoder" for e in out):
        out.append({"role": "vision_encoder", "name_or_path": tower})
    return out


# Decoder-only architectures whose parameter count the configuration fixes: (q/k/v biases always).
_DENSE = {"LlamaForCausalLM": False, "MistralForCausalLM": False, "Qwen2ForCausalLM": True}


def dense_parameters(config: Node) -> Decimal | None:
    """The exact parameter count of a Llama, Mistral or Qwen2 causal LM, from its configuration.

    `None` for anything else or when a size is missing: a count is never estimated. Per layer:
    q, k, v, o projections (+ biases where the architecture or `attention_bias` has them), a gated
    MLP of three matrices (+ biases with `mlp_bias`), two RMSNorm weights; plus the embedding, the
    final norm and, unless `tie_word_embeddings`, the output layer.
    """
    names = nodes.texts(nodes.get(config, "architectures"))
    if len(names) != 1 or names[0] not in _DENSE:
        return None
    if any(nodes.get(config, key) is not None for key in
           ("num_local_experts", "num_experts", "n_routed_experts", "vision_config", "audio_config")):
        return None
    sizes = [nodes.positive_int(nodes.get(config, key)) for key in (
        "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size")]
    tied = nodes.boolean(nodes.get(config, "tie_word_embeddings"))
    if tied is None:
        return None
    known = [int(size) for size in sizes if size is not None]
    if len(known) != len(sizes):
        return None
    h, inner, layers, heads, vocab = known
    kv_node = nodes.get(config, "num_key_value_heads")
    kv = int(nodes.positive_int(kv_node) or 0) if kv_node is not None else heads
    head_node = nodes.get(config, "head_dim")
    head_dim = int(nodes.positive_int(head_node) or 0) if head_node is not None else (
        h // heads if h % heads == 0 else 0)
    if not kv or not head_dim:
        return None
    attention_bias = nodes.boolean(nodes.get(config, "attention_bias")) or False
    mlp_bias = nodes.boolean(nodes.get(config, "mlp_bias")) or False
    q, k = heads * head_dim, kv * head_dim
    attention = h * q + 2 * h * k + q * h
    if _DENSE[names[0]]:
        attention += q + 2 * k
    elif attention_bias:
        attention += q + 2 * k + h
    mlp = 3 * h * inner + ((2 * inner + h) if mlp_bias else 0)
    total = vocab * h + layers * (attention + mlp + 2 * h) + h + (0 if tied else vocab * h)
    return Decimal(total)
