"""Impact of a rule change on a corpus: every manifest evaluated under both versions, and every cohort
rule applied to the whole corpus under both, with what changed."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from policy.api import Policy
from policy.compile.interpret import RuleValues
from policy.facts.load import Manifest
from policy.syntax import unparse
from policy.verdict import Standing, TeamStanding

OUTCOMES = {True: "pass", False: "fail", None: "undecided"}


@attrs.frozen
class Move:
    """One thing that changed for one manifest or team: a rule's outcome, old -> new, in words."""

    kind: str
    """`verdict`, `gate`, `score` or `advance`."""
    name: str
    """The rule or cohort rule (`verdict` for the verdict)."""
    team: str
    file: str | None
    old: str
    new: str


@attrs.frozen
class Impact:
    corpus: str
    manifests: int
    moves: tuple[Move, ...]
    """In the order of the corpus files (cohort rules last), then of the rules."""
    reranked: tuple[Move, ...]
    """Teams whose rank changed while their advance did not (kind `rank`): shown, not a difference."""

    def count(self, kind: str) -> int:
        return sum(m.kind == kind for m in self.moves)

    @property
    def differs(self) -> bool:
        return bool(self.moves)


def impact(old: Policy, new: Policy, corpus: str, manifests: Sequence[Manifest], files: Sequence[str],
           score_delta: Decimal = Decimal(0)) -> Impact:
    """Evaluate every (already loaded) manifest under both versions, and rank the corpus under each
    cohort rule both versions have."""
    moves: list[Move] = []
    for manifest, file in zip(manifests, files, strict=True):
        team = manifest.team or file
        before, after = old.decide(manifest.data), new.decide(manifest.data)
        moves.extend(_manifest_moves(before, after, team, file, score_delta))
    reranked: list[Move] = []
    new_cohorts = {c.name for c in new.checked.cohorts}
    for cohort in (c.name for c in old.checked.cohorts if c.name in new_cohorts):
        before_standing, after_standing = old.rank(manifests, cohort)[0], new.rank(manifests, cohort)[0]
        flips, ranks = _cohort_moves(cohort, before_standing, after_standing, files, manifests)
        moves.extend(flips)
        reranked.extend(ranks)
    return Impact(corpus, len(manifests), tuple(moves), tuple(reranked))


def _manifest_moves(before: RuleValues, after: RuleValues, team: str, file: str,
                    delta: Decimal) -> list[Move]:
    out = []
    if before.verdict != after.verdict:
        out.append(Move("verdict", "verdict", team, file, OUTCOMES[before.verdict], OUTCOMES[after.verdict]))
    for gate, status in before.gates.items():
        if gate in after.gates and after.gates[gate] != status:
            out.append(Move("gate", gate, team, file, status.value, after.gates[gate].value))
    for score, value in before.scores.items():
        if score not in after.scores:
            continue
        moved = after.scores[score]
        if (value is None) != (moved is None) or (value is not None and moved is not None and abs(moved - value) > delta):
            out.append(Move("score", score, team, file, _number(value), _number(moved)))
    return out


def _number(value: Decimal | None) -> str:
    return "unknown" if value is None else unparse.number(value)


def _cohort_moves(cohort: str, before: Standing, after: Standing, files: Sequence[str],
                  manifests: Sequence[Manifest]) -> tuple[list[Move], list[Move]]:
    file_of = {m.team: f for m, f in zip(manifests, files, strict=True)}
    old_teams = {t.team: t for t in before.teams}
    new_teams = {t.team: t for t in after.teams}
    flips, ranks = [], []
    for team in [*old_teams, *(t for t in new_teams if t not in old_teams)]:
        a, b = old_teams.get(team), new_teams.get(team)
        old_state, new_state = team_state(a), team_state(b)
        if old_state == new_state:
            continue
        same_advance = (a is None, a and a.advance) == (b is None, b and b.advance)
        (ranks if same_advance else flips).append(
            Move("rank" if same_advance else "advance", cohort, team, file_of.get(team), old_state, new_state))
    return flips, ranks


def team_state(team: TeamStanding | None) -> str:
    """A team's outcome under a cohort rule in words: `advances (rank 4)`, `undecided (not ranked)`,
    `not a member`."""
    if team is None:
        return "not a member"
    return advance_text(team.advance, team.rank)


def advance_text(advance: bool | None, rank: int | None) -> str:
    word = {True: "advances", False: "does not advance", None: "undecided"}[advance]
    return f"{word} (rank {rank})" if rank is not None else f"{word} (not ranked)"
