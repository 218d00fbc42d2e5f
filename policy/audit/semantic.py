"""Semantic diff: manifests, and small cohorts of them, on which two versions of the rules decide
differently, each shrunk to a minimal witness and verified by evaluating both versions.

The method (documented with its bounds in `docs/audit.md`):

1. **Proof by meaning.** A rule's meaning is a digest of its canonical expressions and of the meanings
   of every rule and constant it uses (`gates` stands for all gates with their levels). Rules whose
   meaning is the same in both versions decide the same on every manifest: they are not searched.
2. **Generation.** Hypothesis draws `budget` manifests from `policy.facts.generate.manifests`, only with
   the optional facts some rule of either version reads (no other fact can change an outcome), with
   the strings and numbers both rule files mention (and each number's neighbours) as hints; fixed
   seed, no example database.
3. **Recombination.** A seeded `random.Random` draws more manifests by taking each record field from
   another manifest of the population (uniform crossover, which keeps a manifest valid), over a few
   rounds that favour the manifests passing most rules, so conjunctions of requirements are reached.
4. **Cohorts.** For a changed cohort rule, the manifests are sorted into kinds by how the rule sees
   them in each version (member, ranked, rank keys known, advance at rank 1 and unranked). Cohorts of
   2 to 6 manifests are tried smallest first, every combination of kinds while the budget allows
   (members drawn at random within their kind), then at random.
5. **Witnesses.** For each searched rule, the first manifest (or cohort) showing each class of
   difference (`decided`: both outcomes known; `open`: one unknown) is shrunk (`shrink.py`),
   printed as YAML, read back as a manifest and evaluated under both versions through the public API;
   only what that evaluation confirms is reported.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs

from policy.api import Policy
from policy.audit.impact import team_state
from policy.audit.shrink import Data, shrink
from policy.check import CheckedModule
from policy.check.checker import children, walk
from policy.compile.cohort import Entrant, standing
from policy.compile.interpret import Interpreter, RuleValues, Unknown
from policy.facts.schema import Field, ListT, RecordT, Type
from policy.syntax import ast, unparse
from policy.verdict import Standing, Status, TeamStanding, Verdict

DEFAULT_BUDGET = 100
"""Manifests hypothesis draws; recombination and cohorts try `SCALE` times as many."""
DEFAULT_SEED = 0
SCALE = 10
ROUNDS = 5
MAX_LIST = 3
"""Longest list the generator draws: enough for one element that passes and one that fails."""
COHORT_SIZES = (2, 6)
DRAWS = 2
"""Cohorts drawn for each combination of member kinds (members differ in rank keys between draws)."""
PER_SIGNATURE = 3
"""Manifests kept per combination of rule outcomes before the (slower) cohort profiling."""
PER_KIND = 8
"""Manifests kept per kind of cohort member."""
SHRINK_LIMIT = 400
"""Candidates the shrinker tries per manifest of a cohort (five times as many for a single manifest)."""
SHRINK_ROUNDS = 3
"""Passes over a cohort's members while shrinking one lets another shrink further."""


@attrs.frozen
class Target:
    """Something two versions may decide differently: `verdict`, a gate, score or decision, or a cohort
    rule (`advance`)."""

    kind: str
    name: str

    def __str__(self) -> str:
        if self.kind == "verdict":
            return "the verdict"
        return f"{'cohort rule' if self.kind == 'cohort' else self.kind} `{self.name}`"


@attrs.frozen
class Finding:
    """A verified difference with its minimal witness."""

    target: Target
    old: str
    """The outcome under OLD, in words (`pass`, `fail`, `undecided`, a score, `advances (rank 4)`)."""
    new: str
    team: str | None
    """For a cohort rule: the team whose outcome differs."""
    manifests: tuple[str, ...]
    """The witness: one manifest, or the cohort's manifests, each as YAML ready to use."""


@attrs.frozen
class Search:
    """What the semantic search found and how far it looked."""

    findings: tuple[Finding, ...]
    proved: tuple[Target, ...]
    """Rules in both versions with the same meaning: no manifest can tell them apart."""
    searched: tuple[Target, ...]
    """Rules in both versions whose meaning differs: searched within the bounds below."""
    generated: int
    recombined: int
    cohorts: int
    kinds: dict[str, int]
    """Cohort rule -> how many kinds of member the population offered it."""
    complete: dict[str, int]
    """Cohort rule -> the largest cohort size up to which every combination of kinds was tried."""
    hints: int
    seed: int
    budget: int
    score_delta: Decimal
    unverified: int
    """Candidate witnesses the public evaluation did not confirm (an engine bug if ever non-zero)."""

    @property
    def bounds(self) -> dict[str, object]:
        return {
            "budget": self.budget, "seed": self.seed, "generated": self.generated, "recombined": self.recombined,
            "cohorts": self.cohorts, "max_list": MAX_LIST, "cohort_sizes": list(COHORT_SIZES), "hints": self.hints,
            "kinds": dict(self.kinds), "complete": dict(self.complete),
        }


# ---------------------------------------------------------------- meaning


_SEMANTIC_ITEMS: dict[type, tuple[str, ...]] = {
    ast.Const: ("value",), ast.Gate: ("when", "require"), ast.Score: ("value",), ast.Decision: ("value",),
    ast.Cohort: ("members", "rank", "among", "advance"),
}


def meanings(checked: CheckedModule) -> dict[str, str]:
    """Rule or constant name (and `gates`, `verdict`) -> a digest equal in two versions only when the
    rule decides the same on every manifest: its expressions and, recursively, what it uses."""
    decls = {d.name: d for d in checked.module.declarations if type(d) in _SEMANTIC_ITEMS}
    memo: dict[str, str] = {}

    def meaning(name: str) -> str:
        if name not in memo:
            if name == "gates":
                parts = [f"{g.name}:{g.level}:{meaning(g.name)}" for g in checked.gates]
            else:
                decl = decls[name]
                parts = [type(decl).__name__] + [f"{item}={_semantic_text(decl, item)}" for item in _SEMANTIC_ITEMS[type(decl)]]
                parts += [f"{dep}={meaning(dep)}" for dep in sorted(checked.uses.get(name, ()))]
            memo[name] = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        return memo[name]

    for name in decls:
        meaning(name)
    meaning("gates")
    verdict = checked.module.header.verdict
    memo["verdict"] = meaning(verdict) if verdict is not None else meaning("gates")
    return memo


def _semantic_text(decl: ast.Declaration, item: str) -> str:
    value = getattr(decl, item)
    if item == "rank":
        return ", ".join(f"{unparse.expression(k.expr)} {'desc' if k.descending else 'asc'}" for k in value)
    return "" if value is None else unparse.expression(value)


def plan(old: Policy, new: Policy) -> tuple[list[Target], list[Target], list[Target]]:
    """The targets to search (single manifests, cohort rules) and those proved equal by meaning."""
    before, after = meanings(old.checked), meanings(new.checked)
    singles: list[Target] = []
    cohorts: list[Target] = []
    proved: list[Target] = []
    candidates = [Target("verdict", "verdict")]
    for kind, table in (("gate", "gates"), ("score", "scores"), ("decision", "decisions"), ("cohort", "cohorts")):
        names = {d.name for d in getattr(new.checked, table)}
        candidates += [Target(kind, d.name) for d in getattr(old.checked, table) if d.name in names]
    verdict_names = {old.checked.module.header.verdict, new.checked.module.header.verdict}
    for target in candidates:
        if target.kind == "decision" and verdict_names == {target.name}:
            continue  # the verdict itself, searched as `verdict`
        if before[target.name] == after[target.name]:
            proved.append(target)
        else:
            (cohorts if target.kind == "cohort" else singles).append(target)
    return singles, cohorts, proved


# ---------------------------------------------------------------- what to generate


def relevant_fields(modules: Iterable[CheckedModule]) -> list[Field]:
    """The manifest fields some rule reads, with everything under a fact read whole (`known(scores)`,
    a quantifier over `components`)."""
    found: dict[int, Field] = {}

    def whole(typ: Type) -> None:
        if isinstance(typ, ListT):
            whole(typ.item)
        elif isinstance(typ, RecordT):
            for field in typ.fields.values():
                if id(field) not in found:
                    found[id(field)] = field
                    whole(field.type)

    for checked in modules:
        def visit(expr: ast.Expr, step: bool, checked: CheckedModule = checked) -> None:
            field = None
            if isinstance(expr, ast.Field):
                field = checked.fields.get(id(expr))
            elif isinstance(expr, ast.Name):
                binding = checked.names.get(id(expr))
                if binding is not None and binding.kind == "fact":
                    field = checked.schema.fields[binding.name]
            if field is not None:
                found[id(field)] = field
                if not step:
                    whole(field.type)
            for child in children(expr):
                # `obj` of a field access or an index is a step on the way, not a value read whole.
                visit(child, isinstance(expr, (ast.Field, ast.Index)) and child is expr.obj)

        for expr in _rule_expressions(checked):
            visit(expr, False)
    return list(found.values())


def hints_of(modules: Iterable[CheckedModule]) -> tuple[list[str], list[Decimal]]:
    """The strings and numbers the rules mention; each number with its neighbours, for boundaries."""
    strings: set[str] = set()
    numbers: set[Decimal] = set()
    for checked in modules:
        for expr in _rule_expressions(checked):
            for node in walk(expr):
                if isinstance(node, ast.String):
                    strings.add(node.value)
                elif isinstance(node, ast.Number):
                    step = Decimal(1) if node.value == node.value.to_integral_value() else Decimal("0.01")
                    numbers.update((node.value - step, node.value, node.value + step))
    return sorted(strings), sorted(numbers)


def _rule_expressions(checked: CheckedModule) -> Iterator[ast.Expr]:
    for const in checked.consts.values():
        yield const.value
    for gate in checked.gates:
        yield from (e for e in (gate.when, gate.require) if e is not None)
    for rule in [*checked.scores, *checked.decisions]:
        if rule.value is not None:
            yield rule.value
    for cohort in checked.cohorts:
        yield from (e for e in (cohort.members, cohort.among, cohort.advance) if e is not None)
        yield from (key.expr for key in cohort.rank)


# ---------------------------------------------------------------- the search


def search(old: Policy, new: Policy, *, score_delta: Decimal = Decimal(0), budget: int = DEFAULT_BUDGET,
           seed: int = DEFAULT_SEED) -> Search:
    """Search for manifests and cohorts on which `old` and `new` decide differently."""
    singles, cohort_targets, proved = plan(old, new)
    checked = [old.checked, new.checked]
    schema = old.checked.schema
    strings, numbers = hints_of(checked)
    population: list[_Sample] = []
    samples: list[_Sample] = []
    kinds: dict[str, int] = {}
    complete: dict[str, int] = {}
    candidates: list[Finding | None] = []
    tried = 0
    if (singles or cohort_targets) and budget > 0:
        probe = _Probe(old, new, score_delta)
        population = [probe.sample(_named(d, 1)) for d in _generate(schema, checked, strings, numbers, budget, seed)]
        rng = random.Random(seed)
        samples = population + list(_recombine(population, schema, rng, probe, budget))
        for target in singles:
            first: dict[str, Data] = {}
            for sample in samples:
                difference = probe.difference(target, sample.old, sample.new)
                if difference is not None:
                    first.setdefault(difference, sample.data)
            for difference in [d for d in ("decided", "open") if d in first]:
                witness = shrink(first[difference], schema,
                                 lambda d, t=target, c=difference: probe.difference(t, *probe.values(d)) == c,
                                 frozen=frozenset({"team"}), limit=SHRINK_LIMIT * 5)
                candidates.append(_verify_single(old, new, target, witness, score_delta, difference))
        for target in cohort_targets:
            cohort = _CohortSearch(old, new, target.name, samples)
            found_cohorts = cohort.find(rng, budget * SCALE)
            for difference in [d for d in ("decided", "open") if d in found_cohorts]:
                members = cohort.shrink(found_cohorts[difference], difference)
                candidates.append(_verify_cohort(old, new, target, members, difference))
            kinds[target.name], complete[target.name] = len(cohort.kinds), cohort.complete
            tried += cohort.tried
    findings = tuple(f for f in candidates if f is not None)
    return Search(findings, tuple(proved), tuple(singles + cohort_targets), len(population),
                  len(samples) - len(population), tried, kinds, complete, len(strings) + len(numbers), seed, budget,
                  score_delta, len(candidates) - len(findings))


def _generate(schema: RecordT, checked: Sequence[CheckedModule], strings: list[str], numbers: list[Decimal],
              budget: int, seed: int) -> list[Data]:
    # Imported here: hypothesis takes a noticeable time to import and only the search needs it.
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as fixed_seed

    from policy.facts.generate import Hints, manifests, only_given_constants

    strategy = manifests(schema, Hints.of(strings, numbers), max_list=MAX_LIST, only=relevant_fields(checked))
    drawn: list[Data] = []

    @settings(max_examples=budget, database=None, deadline=None, phases=[Phase.generate], derandomize=False,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, print_blob=False)
    @fixed_seed(seed)
    @given(strategy)
    def collect(data: Data) -> None:
        drawn.append(data)

    with only_given_constants():
        collect()
    return drawn


def _named(data: Data, number: int) -> Data:
    """The manifest with the team `team-<number>`, so witnesses read plainly and cohorts have unique ids."""
    return {**data, "team": {"id": f"team-{number}", "name": f"Team {number}"}}


@attrs.frozen
class _Sample:
    data: Data
    old: RuleValues
    new: RuleValues
    fitness: int


class _Probe:
    """Evaluates manifests under both versions with the compiled evaluators."""

    def __init__(self, old: Policy, new: Policy, score_delta: Decimal) -> None:
        self.old = old
        self.new = new
        self.score_delta = score_delta

    def values(self, data: Data) -> tuple[RuleValues, RuleValues]:
        return self.old.decide(data), self.new.decide(data)

    def sample(self, data: Data) -> _Sample:
        before, after = self.values(data)
        return _Sample(data, before, after, _passes(before) + _passes(after))

    def difference(self, target: Target, before: RuleValues, after: RuleValues) -> str | None:
        """How the two versions differ on a target (see `_difference_of`), or None."""
        match target.kind:
            case "verdict":
                pair: tuple[object, object] = (before.verdict, after.verdict)
            case "gate":
                pair = (before.gates[target.name].value, after.gates[target.name].value)
            case "decision":
                pair = (before.decisions[target.name], after.decisions[target.name])
            case _:
                pair = (before.scores[target.name], after.scores[target.name])
        return _difference_of(*pair, self.score_delta)


def _difference_of(before: object, after: object, delta: Decimal) -> str | None:
    """`decided` when both outcomes are known and differ (a score by more than `delta`), `open` when one
    is unknown (or undecided) and the other is not, None when they agree."""
    unknown = (None, "unknown", "undecided")
    if (before in unknown) != (after in unknown):
        return "open"
    if before in unknown:
        return None
    if isinstance(before, Decimal) and isinstance(after, Decimal):
        return "decided" if abs(after - before) > delta else None
    return "decided" if before != after else None


def _passes(values: RuleValues) -> int:
    return (sum(s in (Status.PASS, Status.SKIPPED) for s in values.gates.values())
            + sum(v is True for v in values.decisions.values()) + sum(v is not None for v in values.scores.values()))


def _recombine(population: list[_Sample], schema: RecordT, rng: random.Random, probe: _Probe,
               budget: int) -> Iterator[_Sample]:
    """Uniform crossover over a few rounds; each round draws from the manifests passing most rules."""
    donors = population
    elite = max(10, budget // 2)
    for _ in range(ROUNDS):
        pool = _Donors([s.data for s in donors], schema)
        children = [probe.sample(_named(pool.draw(rng), 1)) for _ in range(budget * SCALE // ROUNDS)]
        yield from children
        unique: dict[str, _Sample] = {}
        for sample in sorted(donors + children, key=lambda s: -s.fitness):
            unique.setdefault(_key(sample.data), sample)
        donors = list(unique.values())[:elite]


def _key(data: Data) -> str:
    from policy.facts.load import canonical_json

    return canonical_json(data)


class _Donors:
    """The values each record field takes across a population, to draw new manifests field by field."""

    def __init__(self, values: list[Data], record: RecordT) -> None:
        self.fields: list[tuple[str, list[Any], int, _Donors | None]] = []
        for name, field in record.fields.items():
            present = [v[name] for v in values if name in v]
            if present:
                child = _Donors(present, field.type) if isinstance(field.type, RecordT) else None
                self.fields.append((name, present, len(values) - len(present), child))

    def draw(self, rng: random.Random) -> Data:
        out: Data = {}
        for name, present, absent, child in self.fields:
            index = rng.randrange(len(present) + absent)
            if index < len(present):
                out[name] = child.draw(rng) if child is not None else present[index]
        return out


# ---------------------------------------------------------------- cohorts


class _CohortSearch:
    """Cohorts of 2-6 manifests, each member drawn from a kind the cohort rule tells apart."""

    def __init__(self, old: Policy, new: Policy, name: str, samples: Sequence[_Sample]) -> None:
        self.policies = (old, new)
        self.rules = tuple(next(c for c in p.checked.cohorts if c.name == name) for p in self.policies)
        self.tried = 0
        self.complete = 0
        """Every combination of member kinds up to this cohort size was tried."""
        self.cache: dict[int, tuple[Data, tuple[Interpreter, Interpreter]]] = {}
        by_signature: dict[tuple[object, ...], int] = {}
        self.kinds: dict[tuple[object, ...], list[Data]] = {}
        for sample in samples:
            signature = (_signature(sample.old), _signature(sample.new))
            if by_signature.get(signature, 0) >= PER_SIGNATURE:
                continue
            by_signature[signature] = by_signature.get(signature, 0) + 1
            kind = self.kind(sample.data)
            if kind is not None and len(self.kinds.setdefault(kind, [])) < PER_KIND:
                self.kinds[kind].append(sample.data)

    def interpreters(self, data: Data) -> tuple[Interpreter, Interpreter]:
        # Keyed by identity: cohorts reuse the same manifest objects, and the entry keeps its data alive.
        entry = self.cache.get(id(data))
        if entry is None:
            pair = (Interpreter(self.policies[0].checked, data), Interpreter(self.policies[1].checked, data))
            for interpreter, policy in zip(pair, self.policies, strict=True):
                interpreter.seed(policy.decide(data))
            entry = self.cache[id(data)] = (data, pair)
        return entry[1]

    def kind(self, data: Data) -> tuple[object, ...] | None:
        """How each version's rule sees this manifest; None when it is a member in neither."""
        seen = []
        for interpreter, rule in zip(self.interpreters(data), self.rules, strict=True):
            interpreter.cohort_names = {"rank": Decimal(1), "members": Decimal(1), "ranked": Decimal(1)}
            member = _value(interpreter, rule.members, True)
            among = _value(interpreter, rule.among, True)
            keyed = all(isinstance(interpreter.value(k.expr), Decimal) for k in rule.rank)
            first = _value(interpreter, rule.advance, None)
            interpreter.cohort_names = {**interpreter.cohort_names, "rank": Unknown()}
            unranked = _value(interpreter, rule.advance, None)
            seen.append((member, among, keyed, first, unranked))
        if all(s[0] is False for s in seen):
            return None
        return tuple(seen)

    def differences(self, members: Sequence[Data]) -> set[str]:
        """The classes of difference among the teams (see `_difference`)."""
        pairs = [self.interpreters(d) for d in members]
        out = []
        for version, (policy, rule) in enumerate(zip(self.policies, self.rules, strict=True)):
            entrants = [Entrant(f"team-{i + 1}", pair[version]) for i, pair in enumerate(pairs)]
            out.append(_teams(standing(policy.program, rule, entrants, reasons=False)))
        return {d for team in set(out[0]) | set(out[1]) if (d := _difference(out[0].get(team), out[1].get(team)))}

    def find(self, rng: random.Random, trials: int) -> dict[str, list[Data]]:
        """The first cohort showing each class of difference.

        Sizes are tried smallest first: every combination of member kinds of a size (`DRAWS` cohorts
        each, members drawn at random within their kind) while the trials allow, then random cohorts."""
        kinds = list(self.kinds.values())
        found: dict[str, list[Data]] = {}

        def attempt(members: list[Data]) -> None:
            self.tried += 1
            for difference in self.differences(members) - set(found):
                found[difference] = members

        low, high = COHORT_SIZES
        for size in range(low, high + 1):
            if not kinds or len(found) == 2 or self.tried + math.comb(len(kinds) + size - 1, size) * DRAWS > trials:
                break
            for combination in itertools.combinations_with_replacement(range(len(kinds)), size):
                for _ in range(DRAWS):
                    attempt([rng.choice(kinds[k]) for k in combination])
                if len(found) == 2:
                    return found
            self.complete = size
        while kinds and len(found) < 2 and self.tried < trials:
            attempt([rng.choice(kinds[rng.randrange(len(kinds))]) for _ in range(rng.randint(low, high))])
        return found

    def shrink(self, members: list[Data], difference: str) -> list[Data]:
        """Fewer members first, then each member's facts in turn, again while that simplifies another
        member (a rival's smaller score lets the others' scores shrink too), then fewer members again."""
        def shows(cohort: list[Data]) -> bool:
            return difference in self.differences(cohort)

        members = _fewer(members, shows)
        schema = self.policies[0].checked.schema
        for _ in range(SHRINK_ROUNDS):
            before = list(members)
            for index in range(len(members)):
                def keeps(data: Data, index: int = index) -> bool:
                    return shows(members[:index] + [data] + members[index + 1:])

                members[index] = shrink(members[index], schema, keeps, frozen=frozenset({"team"}), limit=SHRINK_LIMIT)
            if all(a is b for a, b in zip(before, members, strict=True)):
                break
        return _fewer(members, shows)


def _fewer(members: list[Data], shows: Callable[[list[Data]], bool]) -> list[Data]:
    index = 0
    while index < len(members) and len(members) > 1:
        fewer = members[:index] + members[index + 1:]
        if shows(fewer):
            members = fewer
        else:
            index += 1
    return members


def _teams(result: Standing) -> dict[str, TeamStanding]:
    return {t.team: t for t in result.teams}


def _difference(before: TeamStanding | None, after: TeamStanding | None) -> str | None:
    """`decided` when a team advances under one version and not under the other; `open` when it is
    undecided, or a member, under one version only; None when its outcome is the same."""
    old, new = (None if t is None else t.advance for t in (before, after))
    if (before is None, old) == (after is None, new):
        return None
    return "decided" if old is not None and new is not None else "open"


def _signature(values: RuleValues) -> tuple[object, ...]:
    return (tuple(s.value for s in values.gates.values()), tuple(values.decisions.values()),
            tuple(v is None for v in values.scores.values()))


def _value(interpreter: Interpreter, expr: ast.Expr | None, absent: object) -> object:
    if expr is None:
        return absent
    value = interpreter.value(expr)
    return "unknown" if isinstance(value, Unknown) else value


# ---------------------------------------------------------------- witnesses


def manifest_text(data: Data, schema: RecordT) -> str:
    """A manifest as YAML, numbers written exactly, keys in the order of the schema."""
    from policy.facts.dump import manifest_yaml, ordered

    return manifest_yaml(ordered(data, schema))


def _read_back(texts: Sequence[str]) -> list[Any] | None:
    """The witness as manifests read from its own text, or None if the text is not a valid manifest."""
    from policy.facts.load import ManifestError, parse_manifest

    try:
        return [parse_manifest(text, f"witness-{i + 1}.yaml") for i, text in enumerate(texts)]
    except ManifestError:
        return None


def _verify_single(old: Policy, new: Policy, target: Target, data: Data, delta: Decimal,
                   difference: str) -> Finding | None:
    text = manifest_text(data, old.checked.schema)
    manifests = _read_back([text])
    if manifests is None:
        return None
    before, after = (_outcome(target, p.evaluate(manifests[0])) for p in (old, new))
    if _difference_of(before, after, delta) != difference:
        return None
    return Finding(target, _word(before), _word(after), None, (text,))


def _outcome(target: Target, verdict: Verdict) -> object:
    """The target's outcome in a verdict: an outcome or status word, or a score (`None` when unknown)."""
    match target.kind:
        case "verdict":
            return verdict.decision.value
        case "gate":
            return verdict.gate(target.name).status.value
        case "decision":
            return next(d.outcome.value for d in verdict.decisions if d.id == target.name)
    return verdict.score(target.name).value


def _word(outcome: object) -> str:
    if outcome is None:
        return "unknown"
    return unparse.number(outcome) if isinstance(outcome, Decimal) else str(outcome)


def _verify_cohort(old: Policy, new: Policy, target: Target, members: list[Data], difference: str) -> Finding | None:
    texts = [manifest_text(_named(d, i + 1), old.checked.schema) for i, d in enumerate(members)]
    manifests = _read_back(texts)
    if manifests is None:
        return None
    old_teams, new_teams = (_teams(p.rank(manifests, target.name)[0]) for p in (old, new))
    for team in sorted(set(old_teams) | set(new_teams)):
        before, after = old_teams.get(team), new_teams.get(team)
        if _difference(before, after) == difference:
            return Finding(target, team_state(before), team_state(after), team, tuple(texts))
    return None
