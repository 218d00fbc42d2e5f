"""The team manifest, format 1, as data: the one source of its structure.

The loader validates against it, the JSON Schema in `docs/` is generated from it, the checker types
rule expressions against it and the test strategies generate manifests from it. Nothing else may
describe the manifest's shape.
"""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.frozen
class Type:
    """Base of all fact and expression types."""

    def describe(self) -> str:
        raise NotImplementedError


@attrs.frozen
class BoolT(Type):
    def describe(self) -> str:
        return "bool"


@attrs.frozen
class NumberT(Type):
    """An exact decimal, optionally bounded; `integer` forbids a fractional part."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    integer: bool = False
    exclusive_minimum: bool = False

    def describe(self) -> str:
        return "integer" if self.integer else "number"


@attrs.frozen
class StringT(Type):
    pattern: str | None = None
    """A regular expression the whole value must match (anchored)."""

    def describe(self) -> str:
        return "string"


@attrs.frozen
class EnumT(Type):
    """A string restricted to a closed set of values."""

    name: str
    values: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.name} ({' | '.join(self.values)})"


@attrs.frozen
class LicenseT(Type):
    """An SPDX licence expression such as `Apache-2.0 OR MIT`."""

    def describe(self) -> str:
        return "licence expression"


@attrs.frozen
class DateT(Type):
    def describe(self) -> str:
        return "date"


@attrs.frozen
class ListT(Type):
    item: Type

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


@attrs.frozen
class Field:
    """A key of a record."""

    type: Type
    doc: str
    required: bool = False
    default: object = None
    """The value used when the key is absent; `None` means absent is unknown."""


@attrs.frozen
class RecordT(Type):
    """A mapping with known keys; `x-` keys are always allowed and ignored by rules."""

    name: str
    fields: dict[str, Field] = attrs.field(hash=False)
    unique_key: str | None = None
    """In a list of these records, the key whose values must be unique (`id`)."""

    def describe(self) -> str:
        return self.name


def _enum(name: str, *values: str) -> EnumT:
    return EnumT(name, values)


ROLE = _enum(
    "role",
    "language_model", "vision_encoder", "audio_encoder", "projector", "embeddings", "tokenizer",
    "architecture", "training_code", "inference_code", "dataset", "data_tool",
)
INIT = _enum("init", "random", "own_checkpoint", "pretrained")
ORIGIN = _enum("origin", "in_house", "open_source", "licensed", "partner")
RELATION = _enum(
    "relation",
    "copy", "finetune", "continued_pretraining", "adapter", "merge", "quantized", "distill", "upcycle",
    "reference",
)
NOTICE = _enum("notice", "first_release", "later", "none")
PERFORMED_BY = _enum("performed_by", "team", "partner", "contractor")
MODALITY = _enum("modality", "text", "image", "audio", "video")
CHECKPOINT_STAGE = _enum("stage", "early", "intermediate", "final")
BENCHMARK_GROUP = _enum("group", "nia", "common", "individual")

ID_PATTERN = r"[a-z0-9][a-z0-9-]*"
SHA256_PATTERN = r"[0-9a-f]{64}"
COUNTRY_PATTERN = r"[A-Z]{2}"

POSITIVE_INT = NumberT(minimum=Decimal(0), integer=True, exclusive_minimum=True)
NON_NEGATIVE = NumberT(minimum=Decimal(0))


def _points(maximum: int) -> NumberT:
    return NumberT(minimum=Decimal(0), maximum=Decimal(maximum))


TEAM = RecordT("team", {
    "id": Field(StringT(ID_PATTERN), "team id, unique within a cohort", required=True),
    "name": Field(StringT(), "team name, any Unicode text", required=True),
})

MODEL = RecordT("model", {
    "name": Field(StringT(), "model name", required=True),
    "version": Field(StringT(), "model version"),
    "parameters": Field(POSITIVE_INT, "total parameter count"),
    "active_parameters": Field(POSITIVE_INT, "active parameters per token (mixture-of-experts)"),
    "modalities": Field(ListT(MODALITY), "input modalities"),
    "license": Field(LicenseT(), "SPDX licence expression of the released weights"),
    "released": Field(DateT(), "release date"),
})

CHECKPOINT = RecordT("checkpoint", {
    "stage": Field(CHECKPOINT_STAGE, "training stage of the checkpoint", required=True),
    "sha256": Field(StringT(SHA256_PATTERN), "SHA-256 of the checkpoint file", required=True),
})

ARTIFACTS = RecordT("artifacts", {
    "technical_report": Field(StringT(), "path or address of the technical report"),
    "training_logs": Field(ListT(StringT()), "training log exports"),
    "checkpoints": Field(ListT(CHECKPOINT), "hashes of deposited checkpoints"),
})

TRAINING = RecordT("training", {
    "performed_by": Field(PERFORMED_BY, "who ran the training"),
    "from_scratch": Field(BoolT(), "every weight was trained from random initialisation"),
    "tokens": Field(POSITIVE_INT, "pre-training tokens"),
    "initial_loss": Field(NON_NEGATIVE, "first logged training loss in nats"),
    "artifacts": Field(ARTIFACTS, "artifacts deposited for review"),
})

SOURCE = RecordT("source", {
    "name": Field(StringT(), "hub id or project name of the reused work", required=True),
    "organization": Field(StringT(), "organisation that published it"),
    "country": Field(StringT(COUNTRY_PATTERN), "ISO 3166-1 alpha-2 country code"),
    "relation": Field(RELATION, "how the component relates to the source"),
    "url": Field(StringT(), "address of the source"),
})

SYNTHETIC = RecordT("synthetic", {
    "teacher": Field(StringT(), "the model that generated the data", required=True),
    "teacher_license": Field(LicenseT(), "licence terms of the teacher model"),
})

COMPONENT = RecordT("component", {
    "id": Field(StringT(), "component id, unique within the manifest", required=True),
    "role": Field(ROLE, "what the component is", required=True),
    "weights": Field(BoolT(), "the component carries trained parameters", default=False),
    "init": Field(INIT, "how the weights were initialised"),
    "trainable": Field(BoolT(), "false when frozen during training"),
    "origin": Field(ORIGIN, "where the component comes from", required=True),
    "source": Field(SOURCE, "the reused work, expected unless origin is in_house"),
    "license": Field(LicenseT(), "SPDX licence expression, expected unless origin is in_house"),
    "notice": Field(NOTICE, "attribution of reused work"),
    "synthetic": Field(SYNTHETIC, "for datasets generated by another model"),
}, unique_key="id")

RUNTIME = RecordT("runtime", {
    "external_services": Field(ListT(StringT()), "foreign APIs or licence servers needed to run"),
})

BENCHMARK_PARTS = RecordT("benchmark_parts", {
    "nia": Field(_points(10), "NIA benchmark points, of 10"),
    "common": Field(_points(20), "global common benchmark points, of 20"),
    "individual": Field(_points(10), "team-specific benchmark points, of 10"),
})

SCORES = RecordT("scores", {
    "benchmark": Field(_points(40), "benchmark points, of 40"),
    "benchmark_parts": Field(BENCHMARK_PARTS, "the benchmark points by part"),
    "expert": Field(_points(35), "expert panel points, of 35"),
    "user": Field(_points(25), "user panel points, of 25"),
})

WILDCARD = RecordT("wildcard", {
    "panel_size": Field(POSITIVE_INT, "members of the expert panel"),
    "votes_for": Field(NumberT(minimum=Decimal(0), integer=True), "members voting to admit the team"),
})

BENCHMARK = RecordT("benchmark", {
    "name": Field(StringT(), "benchmark name", required=True),
    "group": Field(BENCHMARK_GROUP, "which part of the benchmark score it belongs to"),
    "score": Field(NumberT(), "the model's result", required=True),
    "sota": Field(NumberT(), "the best global result"),
    "sota_model": Field(StringT(), "the model that holds the best global result"),
})


def _manifest() -> RecordT:
    # Imported here: the two sections live in their own modules and build on the types above.
    from policy.facts.evidence import EVIDENCE
    from policy.facts.published import PUBLISHED

    return RecordT("manifest", {
        "manifest": Field(NumberT(minimum=Decimal(1), maximum=Decimal(1), integer=True),
                          "format version", required=True),
        "team": Field(TEAM, "the team", required=True),
        "model": Field(MODEL, "the model", required=True),
        "training": Field(TRAINING, "how the model was trained"),
        "components": Field(ListT(COMPONENT), "every part of the model and of its making"),
        "runtime": Field(RUNTIME, "what the model needs to run"),
        "scores": Field(SCORES, "points awarded by the evaluators"),
        "wildcard": Field(WILDCARD, "the additional (wildcard) round only"),
        "benchmarks": Field(ListT(BENCHMARK), "raw benchmark results"),
        "evidence": Field(EVIDENCE, "similarity evidence computed from the weights"),
        "published": Field(PUBLISHED, "facts imported from published model metadata"),
    })


MANIFEST = _manifest()
"""The root of the manifest schema."""
