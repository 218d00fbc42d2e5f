"""Schema of the manifest's `published` section: facts imported from published model metadata.

`dokpamo manifest import` writes this section from a model card, a `config.json`, a CycloneDX ML-BOM
or an SPDX 3.0 document; a team may also write it by hand. It holds what the model's publishers
state, kept apart from what the team declares, so that a rule can compare the two: a model card that
declares `base_model_relation: finetune` while every component says `init: random`, or a BOM ancestor
that no component names as its source. Every entry names the file it was read from.
"""

from __future__ import annotations

from policy.facts.types import (
    POSITIVE_INT,
    RELATION,
    SHA256_PATTERN,
    BoolT,
    EnumT,
    Field,
    LicenseT,
    ListT,
    RecordT,
    StringT,
)

FORMAT = EnumT("format", (
    "hf_model_card", "hf_config", "peft_adapter", "mergekit", "cyclonedx", "spdx",
))
VIA = EnumT("via", (
    "hf_base_model", "peft_base_model", "mergekit", "cyclonedx_ancestor", "cyclonedx_dependency",
    "spdx_ancestor",
))
DATASET_USE = EnumT("dataset_use", ("training", "testing"))
ENCODER_ROLE = EnumT("encoder_role", ("vision_encoder", "audio_encoder"))

FILE = Field(StringT(), "the imported file the fact was read from", required=True)

PUBLISHED_FILE = RecordT("published_file", {
    "file": Field(StringT(), "path of the file, as given to `dokpamo manifest import`", required=True),
    "format": Field(FORMAT, "what kind of metadata the file is", required=True),
    "sha256": Field(StringT(SHA256_PATTERN), "SHA-256 of the file's bytes", required=True),
})

BASE_MODEL = RecordT("base_model", {
    "name": Field(StringT(), "hub id or name of the model this one derives from", required=True),
    "relation": Field(RELATION, "how this model relates to it, when the metadata says"),
    "version": Field(StringT(), "version or revision of the base model, when stated"),
    "licenses": Field(ListT(LicenseT()), "licences of the base model, when stated"),
    "via": Field(VIA, "which field of which format stated it", required=True),
    "file": FILE,
})

PUBLISHED_LICENSE = RecordT("published_license", {
    "expression": Field(LicenseT(), "the licence as an SPDX expression", required=True),
    "name": Field(StringT(), "the licence as written in the source, when it differs"),
    "file": FILE,
})

PUBLISHED_DATASET = RecordT("published_dataset", {
    "name": Field(StringT(), "hub id or name of the dataset", required=True),
    "use": Field(DATASET_USE, "what the dataset was used for, when stated"),
    "licenses": Field(ListT(LicenseT()), "licences of the dataset, when stated"),
    "url": Field(StringT(), "address of the dataset, when stated"),
    "file": FILE,
})

LANGUAGE = RecordT("published_language", {
    "code": Field(StringT(), "language code as the model card writes it (`ko`, `en`)", required=True),
    "file": FILE,
})

ENCODER = RecordT("encoder", {
    "role": Field(ENCODER_ROLE, "which encoder", required=True),
    "model_type": Field(StringT(), "`model_type` of the encoder's configuration"),
    "name_or_path": Field(StringT(), "`_name_or_path` (or a named tower) the encoder was loaded from"),
    "hidden_size": Field(POSITIVE_INT, "width of the encoder"),
    "layers": Field(POSITIVE_INT, "number of encoder layers"),
})

ARCHITECTURE = RecordT("architecture", {
    "file": FILE,
    "model_type": Field(StringT(), "`model_type` of the configuration"),
    "architectures": Field(ListT(StringT()), "model classes the configuration names"),
    "name_or_path": Field(StringT(), "`_name_or_path`: where the weights were loaded from when saved"),
    "hidden_size": Field(POSITIVE_INT, "width of the language model"),
    "layers": Field(POSITIVE_INT, "number of transformer layers of the language model"),
    "attention_heads": Field(POSITIVE_INT, "attention heads per layer"),
    "key_value_heads": Field(POSITIVE_INT, "key-value heads per layer (grouped-query attention)"),
    "intermediate_size": Field(POSITIVE_INT, "width of the feed-forward layers"),
    "vocab_size": Field(POSITIVE_INT, "vocabulary size"),
    "max_position_embeddings": Field(POSITIVE_INT, "longest context the configuration allows"),
    "experts": Field(POSITIVE_INT, "routed experts per mixture-of-experts layer"),
    "experts_per_token": Field(POSITIVE_INT, "experts each token is routed to"),
    "shared_experts": Field(POSITIVE_INT, "experts every token uses"),
    "tie_word_embeddings": Field(BoolT(), "the output layer shares the input embedding's weights"),
    "parameters": Field(POSITIVE_INT, "total parameter count, computed only for architectures whose "
                                      "count the configuration determines"),
    "dtype": Field(StringT(), "`torch_dtype` / `dtype` of the saved weights"),
    "encoders": Field(ListT(ENCODER), "vision and audio encoders the configuration nests"),
})

PUBLISHED = RecordT("published", {
    "files": Field(ListT(PUBLISHED_FILE), "every file imported, with its digest"),
    "base_models": Field(ListT(BASE_MODEL), "models the metadata says this model derives from"),
    "licenses": Field(ListT(PUBLISHED_LICENSE), "licences the metadata gives this model"),
    "datasets": Field(ListT(PUBLISHED_DATASET), "datasets the metadata says the model was trained or "
                                                "tested on"),
    "languages": Field(ListT(LANGUAGE), "languages the model card lists"),
    "architecture": Field(ARCHITECTURE, "architecture facts of a Hugging Face `config.json`"),
})
"""The `published` section of a manifest."""
