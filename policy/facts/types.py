"""The types of facts: what the manifest schema is made of, and what the checker types expressions with.

Kept apart from `schema.py` so that the modules of the manifest's sections can use them while
`schema.py` assembles the manifest from those sections.
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


# ---------------------------------------------------------------- the manifest's vocabulary

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
