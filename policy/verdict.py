"""The result of evaluating a policy: plain values that every renderer reads.

Nothing here evaluates anything. A `Verdict` is one manifest judged by one policy; a `Standing`
is a cohort rule applied to several verdicts.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs


class Status(enum.Enum):
    """A gate's outcome."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    """The requirement depends on a fact the manifest does not state."""
    SKIPPED = "skipped"
    """The gate's applicability condition is false."""


class Level(enum.Enum):
    """How much a failed gate weighs (Sentinel's hard-mandatory, soft-mandatory, advisory)."""

    DISQUALIFY = "disqualify"
    REVIEW = "review"
    WARN = "warn"


class Outcome(enum.Enum):
    """A decision's outcome; `undecided` when it depends on missing facts."""

    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "undecided"


Text = dict[str, str]
"""A message by language code (`ko`, `en`)."""


@attrs.frozen
class RuleRef:
    """Where a rule is written: file, line and column of its declaration."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Location:
    """Where a manifest value is written."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Fact:
    """A manifest value that a rule read, with the place it came from."""

    path: str
    """Manifest path, e.g. `components[1].init`."""
    value: object
    """The value (`None` when the fact is missing)."""
    location: Location | None = None


@attrs.frozen
class Witness:
    """Why a gate failed or is unknown, for one element: the facts that made it so."""

    path: str
    """The manifest element, e.g. `components[1]`; empty for a top-level fact."""
    label: str | None
    """A readable name of the element (its `id`)."""
    facts: tuple[Fact, ...]
    """The values the requirement read, in the order it read them."""
    location: Location | None = None
    wants: tuple[str, ...] = ()
    """What would change the outcome, e.g. `components[1].init in {random, own_checkpoint}`."""


@attrs.frozen
class GateResult:
    id: str
    level: Level
    status: Status
    message: Text
    """The gate's message, facts quoted, by language."""
    witnesses: tuple[Witness, ...] = ()
    missing: tuple[str, ...] = ()
    """Paths of the facts whose absence left the gate unknown."""
    rule: RuleRef | None = None


@attrs.frozen
class Term:
    """One input of a score's formula: another score or a fact."""

    name: str
    value: Decimal | None


@attrs.frozen
class ScoreResult:
    id: str
    value: Decimal | None
    """Exact decimal; `None` when a fact it needs is missing."""
    max: Decimal
    breakdown: tuple[Term, ...] = ()
    missing: tuple[str, ...] = ()
    rule: RuleRef | None = None


@attrs.frozen
class DecisionResult:
    id: str
    outcome: Outcome
    because: tuple[str, ...] = ()
    """Ids of the gates or decisions that decided it (the failed or unknown ones)."""
    rule: RuleRef | None = None


@attrs.frozen
class TraceStep:
    """One evaluated expression, for `--explain`."""

    rule: str
    """The gate, score or decision it belongs to."""
    expression: str
    value: str
    location: RuleRef | None = None
    depth: int = 0


@attrs.frozen
class PolicyInfo:
    name: str
    version: str
    digest: str
    title: Text
    effective: str


@attrs.frozen
class ManifestInfo:
    team: str | None
    digest: str
    file: str | None


@attrs.frozen
class Verdict:
    """One manifest judged by one policy."""

    decision: Outcome
    """The outcome of the policy's main decision."""
    decisions: tuple[DecisionResult, ...]
    gates: tuple[GateResult, ...]
    scores: tuple[ScoreResult, ...]
    missing: tuple[str, ...]
    """Every missing fact path that some rule needed, sorted."""
    policy: PolicyInfo
    manifest: ManifestInfo
    engine: str
    trace: tuple[TraceStep, ...] = ()

    def gate(self, gate_id: str) -> GateResult:
        return next(g for g in self.gates if g.id == gate_id)

    def score(self, score_id: str) -> ScoreResult:
        return next(s for s in self.scores if s.id == score_id)


@attrs.frozen
class TeamStanding:
    team: str
    rank: int | None
    """Competition rank (1, 2, 2, 4) among the ranked teams; `None` when not ranked."""
    keys: tuple[tuple[str, Decimal | None], ...]
    """The ranking keys, e.g. (("total", 90.2), ("benchmark", 33.6))."""
    advance: bool | None
    """`None` when undecided for lack of facts."""
    reason: Text
    decided_by: tuple[str, ...] = ()
    """Ids of the gates, decisions or the cut that decided the outcome."""


@attrs.frozen
class Standing:
    """A cohort rule applied to several manifests."""

    cohort: str
    title: Text
    teams: tuple[TeamStanding, ...]
    """Sorted by rank, unranked last, then by team id."""
    policy: PolicyInfo
    rule: RuleRef | None = None
