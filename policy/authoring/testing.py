"""Policy unit tests: the test file format, the runner and decision coverage (`dokpamo test`).

A rule file `rules/<name>.dkp` keeps its tests beside it in `rules/<name>_test.yaml` (the format is
documented in `docs/authoring.md`): cases that judge one manifest each, and cohort cases that rank
several. A case's manifest is a file, a mapping written in place, or a base manifest with a few
changes (`set:` by manifest path, `patch:` as a JSON merge patch), so that a case says only what it
is about. Every case is judged by `Policy.evaluate` and also by the reference interpreter; the two
must agree.

Coverage counts outcomes (see `coverage.py`): an outcome is covered when a case expects it and gets
it. An outcome that a case reaches without stating it is shown, but not counted: a test that
checks nothing tests nothing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import attrs

from policy.api import Policy, PolicyError, load
from policy.authoring.coverage import Target, targets
from policy.authoring.files import TEST_SUFFIX
from policy.authoring.invariants import check_invariants
from policy.check.checker import suggest
from policy.diagnostics import Diagnostic, DiagnosticError, Diagnostics, Severity
from policy.facts import yamljson
from policy.facts.dump import manifest_yaml
from policy.facts.load import Manifest, decimal_text, load_manifest, manifest_from_mapping, validate
from policy.facts.yamljson import MAP, SCALAR, SEQ, Node
from policy.source import Source, Span

OUTCOMES = ("pass", "fail", "undecided")
STATUSES = ("pass", "fail", "unknown", "skipped")
ADVANCE = {True: "true", False: "false", None: "undecided"}


# ---------------------------------------------------------------- the test file

@attrs.frozen
class ManifestSpec:
    """Where a case's manifest comes from: a file or an inline mapping, or a base, then changes."""

    span: Span
    path: Path | None = None
    path_span: Span | None = None
    """Where the manifest file (or base) is named; `None` for the test file's own `base`."""
    inline: Node | None = None
    patch: Node | None = None
    assignments: tuple[tuple[str, Span, Node], ...] = ()
    """`set:` entries: manifest path, where it is written, the value (`null` removes)."""


@attrs.frozen
class Expected:
    """A value a case expects, and where the expectation is written."""

    value: Any
    span: Span


@attrs.frozen
class Case:
    """One manifest and what the rules should decide about it."""

    name: str
    span: Span
    manifest: ManifestSpec
    verdict: Expected | None
    decisions: dict[str, Expected]
    gates: dict[str, Expected]
    scores: dict[str, Expected]
    """A `Decimal`, or `None` for an unknown score."""


@attrs.frozen
class TeamExpected:
    """What a cohort case expects of one team."""

    span: Span
    advance: Expected | None
    """`True`, `False` or `None` (undecided)."""
    rank: Expected | None
    """An `int`, or `None` for a team that is not ranked."""


@attrs.frozen
class CohortCase:
    """Several manifests ranked by one cohort rule, and the expected outcome per team."""

    name: str
    span: Span
    cohort: Expected
    manifests: tuple[ManifestSpec, ...]
    teams: dict[str, TeamExpected]


@attrs.frozen
class CaseFile:
    """A test file: the rule file it tests and its cases."""

    path: Path
    rules: Path
    cases: tuple[Case, ...]
    cohorts: tuple[CohortCase, ...]


def rules_of(test_path: Path) -> Path:
    """The rule file a test file belongs to by its name: `x_test.yaml` tests `x.dkp`."""
    return test_path.with_name(test_path.name.removesuffix(TEST_SUFFIX) + ".dkp")


def tests_of(rule_path: Path) -> Path:
    """Where the tests of a rule file are kept."""
    return rule_path.with_name(rule_path.stem + TEST_SUFFIX)


def read_tests(path: Path, diagnostics: Diagnostics) -> CaseFile | None:
    """Read and check a test file's structure; `None` after diagnostics when it is unusable."""
    source = yamljson.read_source(path, diagnostics, "test")
    if source is None:
        return None
    root = yamljson.parse(source, diagnostics, "test")
    if root is None:
        if not diagnostics.has_errors:
            diagnostics.error("test.bad-value", "the test file is empty", file=str(path),
                              help="a test file holds `cases:` and `cohorts:` lists")
        return None
    before = len(diagnostics.items)
    reader = _Reader(source, path, diagnostics)
    test_file = reader.file(root)
    if any(d.severity is Severity.ERROR for d in diagnostics.items[before:]):
        return None
    return test_file


class _Reader:
    def __init__(self, source: Source, path: Path, diagnostics: Diagnostics) -> None:
        self.source = source
        self.path = path
        self.diagnostics = diagnostics

    def span(self, node: Node | yamljson.Entry) -> Span:
        start = max(node.start, 0)
        return Span(self.source, start, max(start + 1, node.end))

    def error(self, code: str, message: str, at: Node | yamljson.Entry, help: str | None = None) -> None:
        self.diagnostics.error(f"test.{code}", message, self.span(at), help=help)

    def mapping(self, node: Node, keys: tuple[str, ...], required: tuple[str, ...], what: str
                ) -> dict[str, yamljson.Entry] | None:
        if node.kind != MAP:
            self.error("bad-value", f"{what} must be a mapping", node)
            return None
        found: dict[str, yamljson.Entry] = {}
        for entry in node.entries():
            if entry.key not in keys:
                self.error("unknown-key", f"unknown key `{entry.key}` in {what}", entry,
                           help=suggest(entry.key, keys) or f"keys are {_words(keys)}")
            else:
                found[entry.key] = entry
        for key in required:
            if key not in found:
                self.error("missing-key", f"{what} has no `{key}`", node)
        return found

    def string(self, node: Node, what: str) -> str | None:
        if node.kind != SCALAR or not isinstance(node.value, str) or not node.value.strip():
            self.error("bad-value", f"{what} must be a non-empty string", node)
            return None
        return node.value

    def word(self, node: Node, words: tuple[str, ...], what: str) -> str | None:
        value = node.value if node.kind == SCALAR else None
        if value is True or value is False:
            value = "true" if value else "false"
        if not isinstance(value, str) or value not in words:
            shown = f"`{value}`" if isinstance(value, str) else "this value"
            self.error("bad-value", f"{shown} is not {what}", node,
                       help=f"write {_words(words)}")
            return None
        return value

    def file_path(self, node: Node, what: str) -> Path | None:
        text = self.string(node, what)
        return self.path.parent / text if text is not None else None

    # ------------------------------------------------------------ structure
    def file(self, root: Node) -> CaseFile | None:
        top = self.mapping(root, ("rules", "base", "cases", "cohorts"), (), "the test file")
        if top is None:
            return None
        rules = rules_of(self.path)
        if "rules" in top:
            given = self.file_path(top["rules"].node, "`rules`")
            rules = given if given is not None else rules
        base = self.file_path(top["base"].node, "`base`") if "base" in top else None
        cases: list[Case] = []
        cohorts: list[CohortCase] = []
        names: dict[str, Span] = {}
        for key, read in (("cases", self.case), ("cohorts", self.cohort_case)):
            if key not in top:
                continue
            node = top[key].node
            if node.kind != SEQ:
                self.error("bad-value", f"`{key}` must be a list", node)
                continue
            for item in node.items():
                case = read(item, base)
                if case is None:
                    continue
                if case.name in names:
                    self.error("duplicate-case", f"two cases are named `{case.name}`", item,
                               help=f"the first is at line {names[case.name].line}; names must be unique")
                    continue
                names[case.name] = case.span
                (cases if isinstance(case, Case) else cohorts).append(case)  # type: ignore[arg-type]
        if not cases and not cohorts:
            self.error("bad-value", "the test file has no cases", root,
                       help="add a `cases:` list (one manifest each) or a `cohorts:` list")
        return CaseFile(self.path, rules, tuple(cases), tuple(cohorts))

    def manifest_spec(self, node: Node, fields: dict[str, yamljson.Entry], base: Path | None
                      ) -> ManifestSpec | None:
        """The manifest of a case: `manifest` (a file or a mapping) or a base, then `patch` and `set`."""
        spec = ManifestSpec(self.span(node))
        if "manifest" in fields:
            given = fields["manifest"].node
            if given.kind == MAP:
                spec = attrs.evolve(spec, inline=given)
            else:
                path = self.file_path(given, "`manifest`")
                spec = attrs.evolve(spec, path=path, path_span=self.span(given))
        elif "base" in fields:
            given = fields["base"].node
            spec = attrs.evolve(spec, path=self.file_path(given, "`base`"), path_span=self.span(given))
        elif base is not None:
            spec = attrs.evolve(spec, path=base)
        else:
            self.error("missing-key", "this case has no manifest", node,
                       help="give `manifest:` (a file or a mapping), or `base:` with `set:` or `patch:`")
            return None
        if "manifest" in fields and "base" in fields:
            self.error("bad-value", "a case gives either `manifest` or `base`, not both", fields["base"])
        if "patch" in fields:
            patch = fields["patch"].node
            if patch.kind != MAP:
                self.error("bad-value", "`patch` must be a mapping (a JSON merge patch)", patch)
            spec = attrs.evolve(spec, patch=patch)
        if "set" in fields:
            node_set = fields["set"].node
            if node_set.kind != MAP:
                self.error("bad-value", "`set` must be a mapping of manifest paths to values", node_set)
            else:
                assignments = []
                for entry in node_set.entries():
                    if _steps(entry.key) is None:
                        self.error("bad-path", f"`{entry.key}` is not a manifest path", entry,
                                   help="write paths as in messages: `components[1].init`, `scores.user`")
                    assignments.append((entry.key, self.span(entry), entry.node))
                spec = attrs.evolve(spec, assignments=tuple(assignments))
        return spec

    def case(self, node: Node, base: Path | None) -> Case | None:
        keys = ("name", "manifest", "base", "patch", "set", "expect")
        fields = self.mapping(node, keys, ("name", "expect"), "a case")
        if fields is None or "name" not in fields:
            return None
        name = self.string(fields["name"].node, "a case's `name`")
        manifest = self.manifest_spec(node, fields, base)
        if "expect" not in fields or name is None or manifest is None:
            return None
        expect = self.mapping(fields["expect"].node, ("verdict", "decisions", "gates", "scores"), (),
                              "`expect`")
        if expect is None:
            return None
        verdict = None
        if "verdict" in expect:
            word = self.word(expect["verdict"].node, OUTCOMES, "an outcome")
            verdict = Expected(word, self.span(expect["verdict"].node)) if word else None
        decisions = self.table(expect.get("decisions"), self.outcome)
        gates = self.table(expect.get("gates"), self.status)
        scores = self.table(expect.get("scores"), self.score)
        if verdict is None and not decisions and not gates and not scores:
            self.error("bad-value", f"case `{name}` expects nothing", fields["expect"].node,
                       help="state the expected `verdict`, `decisions`, `gates` or `scores`")
        return Case(name, self.span(node), manifest, verdict, decisions, gates, scores)

    def table(self, entry: yamljson.Entry | None, read: Any) -> dict[str, Expected]:
        if entry is None:
            return {}
        if entry.node.kind != MAP:
            self.error("bad-value", f"`{entry.key}` must map names to expected values", entry.node)
            return {}
        out = {}
        for item in entry.node.entries():
            value = read(item.node)
            if value is not _BAD:
                out[item.key] = Expected(value, self.span(item))
        return out

    def outcome(self, node: Node) -> Any:
        return self.word(node, OUTCOMES, "an outcome") or _BAD

    def status(self, node: Node) -> Any:
        return self.word(node, STATUSES, "a gate status") or _BAD

    def score(self, node: Node) -> Any:
        if node.kind == SCALAR and isinstance(node.value, Decimal):
            return node.value
        if node.kind == SCALAR and node.value == "unknown":
            return None
        self.error("bad-value", "an expected score is a number or `unknown`", node)
        return _BAD

    def cohort_case(self, node: Node, base: Path | None) -> CohortCase | None:
        fields = self.mapping(node, ("name", "cohort", "manifests", "expect"),
                              ("name", "cohort", "manifests", "expect"), "a cohort case")
        if fields is None or len(fields) < 4:
            return None
        name = self.string(fields["name"].node, "a case's `name`")
        cohort = self.string(fields["cohort"].node, "`cohort`")
        listed = fields["manifests"].node
        specs: list[ManifestSpec] = []
        if listed.kind != SEQ or not listed.items():
            self.error("bad-value", "`manifests` must be a list of manifests", listed)
        else:
            for item in listed.items():
                if item.kind == MAP:
                    item_fields = self.mapping(item, ("manifest", "base", "patch", "set"), (), "a manifest")
                    spec = None if item_fields is None else self.manifest_spec(item, item_fields, base)
                else:
                    path = self.file_path(item, "a manifest")
                    spec = ManifestSpec(self.span(item), path, self.span(item)) if path is not None else None
                if spec is not None:
                    specs.append(spec)
        teams = {}
        expect = fields["expect"].node
        if expect.kind != MAP or not expect.entries():
            self.error("bad-value", "`expect` must map team ids to `advance` and `rank`", expect)
        else:
            for entry in expect.entries():
                team = self.team(entry)
                if team is not None:
                    teams[entry.key] = team
        if name is None or cohort is None:
            return None
        named = Expected(cohort, self.span(fields["cohort"].node))
        return CohortCase(name, self.span(node), named, tuple(specs), teams)

    def team(self, entry: yamljson.Entry) -> TeamExpected | None:
        fields = self.mapping(entry.node, ("advance", "rank"), (), f"the expectations of team `{entry.key}`")
        if fields is None:
            return None
        advance = rank = None
        if "advance" in fields:
            word = self.word(fields["advance"].node, tuple(ADVANCE.values()), "an advance")
            if word is not None:
                value = {"true": True, "false": False, "undecided": None}[word]
                advance = Expected(value, self.span(fields["advance"].node))
        if "rank" in fields:
            node = fields["rank"].node
            if node.kind == SCALAR and isinstance(node.value, Decimal) and node.value == int(node.value) > 0:
                rank = Expected(int(node.value), self.span(node))
            elif node.kind == SCALAR and node.value == "unranked":
                rank = Expected(None, self.span(node))
            else:
                self.error("bad-value", "a rank is a whole number from 1, or `unranked`", node)
        if advance is None and rank is None:
            self.error("bad-value", f"nothing is expected of team `{entry.key}`", entry,
                       help="state `advance` (`true`, `false` or `undecided`) or `rank`")
            return None
        return TeamExpected(self.span(entry), advance, rank)


_BAD = object()


def _words(words: tuple[str, ...] | list[str]) -> str:
    quoted = [f"`{w}`" for w in words]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


# ---------------------------------------------------------------- manifests of cases

_STEP = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _steps(path: str) -> list[str | int] | None:
    """`components[1].init` -> `["components", 1, "init"]`; `None` when it is not a path."""
    steps: list[str | int] = []
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None or (match.group(0).startswith(".") and not steps):
            return None
        name, index, quoted = match.groups()
        steps.append(name if name is not None else int(index) if index is not None else
                     json.loads(f'"{quoted}"'))
        position = match.end()
    return steps or None


def plain(node: Node) -> Any:
    """A positioned node as plain data."""
    if node.kind == MAP:
        return {e.key: plain(e.node) for e in node.entries()}
    if node.kind == SEQ:
        return [plain(n) for n in node.items()]
    return node.value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: mappings merge key by key, `null` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def assign(data: Any, path: str, value: Any) -> str | None:
    """Set (or, for `None`, remove) the value at a manifest path, creating missing records; a message
    when the path does not fit the data."""
    steps = _steps(path)
    if steps is None:
        return f"`{path}` is not a manifest path"
    node = data
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        where = f"`{_written(steps[:i])}`" if i else "the manifest"
        if value is None and not last and _absent(node, step):
            return None  # nothing to remove
        if isinstance(step, int):
            if not isinstance(node, list):
                return f"{where} is not a list"
            if last and value is None:
                if step >= len(node):
                    return f"{where} has no element [{step}] to remove"
                del node[step]
            elif last and step == len(node):
                node.append(value)
            elif step >= len(node):
                count = f"{len(node)} element{'s' * (len(node) != 1)}"
                return f"{where} has {count}, so [{step}] is out of range"
            elif last:
                node[step] = value
            else:
                node = node[step]
            continue
        if not isinstance(node, dict):
            return f"{where} is not a record"
        if last:
            if value is None:
                node.pop(step, None)
            else:
                node[step] = value
        else:
            node = node.setdefault(step, [] if isinstance(steps[i + 1], int) else {})
    return None


def _absent(node: Any, step: str | int) -> bool:
    """Whether a list has no such element, or a record no such key."""
    if isinstance(step, int):
        return isinstance(node, list) and step >= len(node)
    return isinstance(node, dict) and step not in node


def _written(steps: list[str | int]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


class _Manifests:
    """Loads the manifests of cases, each file once."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        self.files: dict[Path, Manifest | None] = {}

    def file(self, path: Path) -> Manifest | None:
        if path not in self.files:
            try:
                self.files[path] = load_manifest(path)
            except DiagnosticError as exc:
                self.diagnostics.extend(exc.diagnostics.items)
                self.files[path] = None
        return self.files[path]

    def build(self, spec: ManifestSpec, name: str) -> Manifest | None:
        if spec.inline is not None:
            found = Diagnostics()
            data, _ = validate(spec.inline, spec.span.source, spec.span.source.name, found)
            self.diagnostics.extend(found.items)
            if found.has_errors:
                return None
            start = manifest_from_mapping(data, name)
        elif spec.path is not None:
            start = self.file(spec.path)
            if start is None:
                self.diagnostics.error("test.invalid-manifest", f"cannot use the manifest `{spec.path}`",
                                       spec.path_span or spec.span, help="its errors are reported with it")
                return None
        else:  # pragma: no cover - the reader gives every case a manifest
            return None
        if spec.patch is None and not spec.assignments:
            return start
        data: Any = copy.deepcopy(start.data)
        if spec.patch is not None:
            data = merge_patch(data, plain(spec.patch))
        for path, span, value in spec.assignments:
            problem = assign(data, path, plain(value))
            if problem is not None:
                self.diagnostics.error("test.bad-path", problem, span)
                return None
        try:
            return manifest_from_mapping(data, name)
        except DiagnosticError as exc:
            for d in exc.diagnostics.items:
                message = f"the changed manifest is not valid: {d.message}"
                self.diagnostics.add(Diagnostic("test.invalid-manifest", Severity.ERROR, message, spec.span,
                                                help=d.help, path=d.path))
            return None


# ---------------------------------------------------------------- running

@attrs.frozen
class Result:
    """The outcome of one case, cohort case or invariant."""

    kind: str
    """`case`, `cohort` or `invariant`."""
    name: str
    span: Span | None
    failures: tuple[str, ...] = ()
    counterexample: str | None = None
    """For a broken invariant: the shrunk manifest, as YAML."""
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures


@attrs.frozen
class Coverage:
    """One target's outcomes: those covered (expected and got) and those only reached."""

    target: Target
    covered: frozenset[str]
    reached: frozenset[str]

    @property
    def counted(self) -> tuple[str, ...]:
        return tuple(o for o in self.target.outcomes if o not in self.target.impossible)


@attrs.frozen
class FileReport:
    """Everything `dokpamo test` found about one rule file."""

    rules: str
    tests: str | None
    results: tuple[Result, ...]
    coverage: tuple[Coverage, ...]

    @property
    def covered(self) -> int:
        return sum(len(set(c.counted) & c.covered) for c in self.coverage)

    @property
    def total(self) -> int:
        return sum(len(c.counted) for c in self.coverage)


class Runner:
    """Runs one test file against its compiled rule file."""

    def __init__(self, policy: Policy, diagnostics: Diagnostics) -> None:
        self.policy = policy
        self.diagnostics = diagnostics
        self.manifests = _Manifests(diagnostics)
        self.targets = targets(policy.checked)
        self.reached: dict[tuple[str, str], set[str]] = {(t.kind, t.name): set() for t in self.targets}
        self.covered: dict[tuple[str, str], set[str]] = {(t.kind, t.name): set() for t in self.targets}
        self.verdict_decision = policy.checked.module.header.verdict

    def check_names(self, test_file: CaseFile) -> bool:
        """Report expectations that name no rule of the policy; false when there are any."""
        before = len(self.diagnostics.items)
        c = self.policy.checked
        kinds = {"gate": [g.name for g in c.gates], "score": [s.name for s in c.scores],
                 "decision": [d.name for d in c.decisions], "cohort rule": [k.name for k in c.cohorts]}
        for case in test_file.cases:
            for kind, table in (("gate", case.gates), ("score", case.scores), ("decision", case.decisions)):
                for name, expected in table.items():
                    self.unknown(name, kinds[kind], kind, expected.span)
        for cohort_case in test_file.cohorts:
            named = cohort_case.cohort
            self.unknown(named.value, kinds["cohort rule"], "cohort rule", named.span)
        return len(self.diagnostics.items) == before

    def unknown(self, name: str, names: list[str], kind: str, span: Span) -> None:
        if name not in names:
            self.diagnostics.error("test.unknown-name", f"the rule file has no {kind} `{name}`", span,
                                   help=suggest(name, names) or (f"its {kind}s are {_words(names)}" if names
                                                                 else f"it has no {kind}s"))

    def prepare(self, test_file: CaseFile
                ) -> tuple[list[tuple[Case, Manifest]], list[tuple[CohortCase, list[Manifest]]]] | None:
        """Every case's manifests, or `None` after diagnostics when one cannot be built."""
        if not self.check_names(test_file):
            return None
        before = len(self.diagnostics.items)
        cases = []
        for case in test_file.cases:
            manifest = self.manifests.build(case.manifest, f"{test_file.path}: {case.name}")
            if manifest is not None:
                cases.append((case, manifest))
        cohorts = []
        for cohort_case in test_file.cohorts:
            built = [self.manifests.build(spec, f"{test_file.path}: {cohort_case.name}")
                     for spec in cohort_case.manifests]
            found = [m for m in built if m is not None]
            teams = [m.team or "?" for m in found]
            for team in sorted({t for t in teams if teams.count(t) > 1}):
                self.diagnostics.error("test.duplicate-team", f"two manifests of cohort case "
                                       f"`{cohort_case.name}` are for team `{team}`", cohort_case.span,
                                       help="give each its own `team.id`, e.g. `set: {team.id: other}`")
            for team, expected in cohort_case.teams.items():
                if found and team not in teams:
                    self.diagnostics.error(
                        "test.unknown-name", f"no manifest of this case is for team `{team}`", expected.span,
                        help=suggest(team, teams) or f"teams are {_words(teams)}")
            cohorts.append((cohort_case, found))
        if len(self.diagnostics.items) > before:
            return None
        return cases, cohorts

    def run(self, test_file: CaseFile) -> list[Result] | None:
        prepared = self.prepare(test_file)
        if prepared is None:
            return None
        cases, cohorts = prepared
        results = [self.run_case(case, manifest) for case, manifest in cases]
        results += [self.run_cohort(case, manifests) for case, manifests in cohorts]
        return results

    def disagreement(self, manifest: Manifest) -> str | None:
        compiled = self.policy.program.values(manifest.data)
        reference = self.policy.program.reference_values(manifest.data)
        if compiled == reference:
            return None
        parts = []
        for kind in ("gates", "scores", "decisions"):
            a, b = getattr(compiled, kind), getattr(reference, kind)
            parts += [f"{kind[:-1]} `{k}`: compiled {_shown(a[k])}, reference {_shown(b[k])}"
                      for k in a if a[k] != b[k]]
        if compiled.verdict != reference.verdict:
            shown = f"compiled {_shown(compiled.verdict)}, reference {_shown(reference.verdict)}"
            parts.append(f"verdict: {shown}")
        return "the two evaluators disagree (please report): " + "; ".join(parts)

    def run_case(self, case: Case, manifest: Manifest) -> Result:
        verdict = self.policy.evaluate(manifest)
        failures = [p for p in [self.disagreement(manifest)] if p is not None]
        actual: dict[tuple[str, str], str] = {("gate", g.id): g.status.value for g in verdict.gates}
        actual |= {("decision", d.id): d.outcome.value for d in verdict.decisions}
        main = ("decision", self.verdict_decision) if self.verdict_decision else ("verdict", "verdict")
        actual[main] = verdict.decision.value
        for key, value in actual.items():
            if key in self.reached:
                self.reached[key].add(value)
        expected = [(("gate", k), e.value, f"gate `{k}`") for k, e in case.gates.items()]
        expected += [(("decision", k), e.value, f"decision `{k}`") for k, e in case.decisions.items()]
        if case.verdict is not None:
            expected.append((main, case.verdict.value, "verdict"))
        for key, want, label in expected:
            got = actual[key]
            if got == want:
                self.covered[key].add(got)
            else:
                failures.append(f"{label}: expected {want}, got {got}")
        scores = {s.id: s.value for s in verdict.scores}
        for name, want in case.scores.items():
            if scores[name] != want.value:
                failures.append(f"score `{name}`: expected {_shown(want.value)}, got {_shown(scores[name])}")
        return Result("case", case.name, case.span, tuple(failures))

    def run_cohort(self, case: CohortCase, manifests: list[Manifest]) -> Result:
        failures = [p for p in (self.disagreement(m) for m in manifests) if p is not None]
        (standing,) = self.policy.rank(manifests, cohort=case.cohort.value)
        teams = {t.team: t for t in standing.teams}
        key = ("cohort", case.cohort.value)
        for team in standing.teams:
            self.reached[key].add(ADVANCE[team.advance])
        for name, expected in case.teams.items():
            got = teams.get(name)
            if got is None:
                failures.append(f"team `{name}` is not a member of cohort `{case.cohort.value}`")
                continue
            if expected.advance is not None:
                if got.advance == expected.advance.value:
                    self.covered[key].add(ADVANCE[got.advance])
                else:
                    failures.append(f"team `{name}`: expected advance {ADVANCE[expected.advance.value]}, "
                                    f"got {ADVANCE[got.advance]} ({got.reason.get('en', '')})")
            if expected.rank is not None and got.rank != expected.rank.value:
                wanted = _rank(expected.rank.value)
                failures.append(f"team `{name}`: expected rank {wanted}, got {_rank(got.rank)}")
        return Result("cohort", case.name, case.span, tuple(failures))

    def coverage(self) -> tuple[Coverage, ...]:
        return tuple(Coverage(t, frozenset(self.covered[key]), frozenset(self.reached[key]))
                     for t in self.targets for key in [(t.kind, t.name)])


def untested(policy: Policy) -> tuple[Coverage, ...]:
    """The coverage of a rule file without tests: nothing covered."""
    return tuple(Coverage(t, frozenset(), frozenset()) for t in targets(policy.checked))


def _shown(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


def _rank(value: int | None) -> str:
    return "unranked" if value is None else str(value)


def percentage(covered: int, total: int) -> Decimal:
    """Covered outcomes in percent, rounded down to a tenth, so 99.96% never shows as 100%."""
    if total == 0:
        return Decimal(100)
    return (Decimal(100) * covered / total).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


# ---------------------------------------------------------------- the report

_MARKS = {"covered": "✓", "reached": "~", "missed": "✗", "impossible": "-"}


def render_coverage(coverage: tuple[Coverage, ...]) -> Iterator[str]:
    """The coverage table: one row per target, one mark per outcome."""
    if not coverage:
        return
    kind_width = max(len(c.target.kind) for c in coverage)
    name_width = max(len(c.target.name) for c in coverage)
    for c in coverage:
        cells = []
        for outcome in c.target.outcomes:
            if outcome in c.target.impossible:
                mark = _MARKS["impossible"]
            elif outcome in c.covered:
                mark = _MARKS["covered"]
            elif outcome in c.reached:
                mark = _MARKS["reached"]
            else:
                mark = _MARKS["missed"]
            cells.append(f"{outcome} {mark}")
        yield f"    {c.target.kind:<{kind_width}}  {c.target.name:<{name_width}}  " + "  ".join(cells)


LEGEND = ("    ✓ expected by a case and got  ~ reached, but no case expects it  ✗ not reached  "
          "- impossible (not counted)")


# ---------------------------------------------------------------- several files

def discover(arguments: tuple[str, ...], diagnostics: Diagnostics) -> list[tuple[Path, Path | None]]:
    """Rule files and their test files from the paths given: a folder stands for its rule files and
    test files, a rule file for itself and the tests beside it, a test file for itself and its rules."""
    rules: dict[Path, Path | None] = {}
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and
                           (p.suffix == ".dkp" or p.name.endswith(TEST_SUFFIX)))
            if not found:
                diagnostics.error("policy.unreadable", "folder holds no rule file (*.dkp) and no test file "
                                  f"(*{TEST_SUFFIX})", file=argument)
        elif path.is_file():
            found = [path]
        else:
            diagnostics.error("policy.unreadable", "file not found", file=argument)
            continue
        for item in found:
            if item.name.endswith(TEST_SUFFIX):
                rules[_rules_named_by(item)] = item
            else:
                rules.setdefault(item, None)
    out = []
    for rule_path, test_path in rules.items():
        beside = tests_of(rule_path)
        out.append((rule_path, test_path or (beside if beside.is_file() else None)))
    return sorted(out)


def _rules_named_by(test_path: Path) -> Path:
    """The rule file a test file names with `rules:`, else the one its name says."""
    found = Diagnostics()
    test_file = read_tests(test_path, found)
    return test_file.rules if test_file is not None else rules_of(test_path)


def run_rule_file(rule_path: Path, test_path: Path | None, examples: int, seed: int,
                  diagnostics: Diagnostics) -> FileReport | None:
    """Run a rule file's tests and search its invariants; `None` after diagnostics for unusable input."""
    try:
        policy = load(rule_path)
    except PolicyError as exc:
        diagnostics.extend(exc.diagnostics.items)
        return None
    results: list[Result] = []
    coverage = untested(policy)
    if test_path is not None:
        test_file = read_tests(test_path, diagnostics)
        if test_file is None:
            return None
        if test_file.rules.resolve() != rule_path.resolve():
            diagnostics.error("test.bad-value", f"this test file is for `{test_file.rules}`, not "
                              f"`{rule_path}`", file=str(test_path))
            return None
        runner = Runner(policy, diagnostics)
        ran = runner.run(test_file)
        if ran is None:
            return None
        results += ran
        coverage = runner.coverage()
    for found in check_invariants(policy.checked, examples, seed):
        if found.counterexample is None:
            results.append(Result("invariant", found.name, found.span,
                                  note=f"no counterexample in {found.tried} manifests"))
            continue
        comments = [f"counterexample to invariant `{found.name}` of {rule_path} (seed {seed}):",
                    found.counterexample.explanation]
        results.append(Result("invariant", found.name, found.span, (found.counterexample.explanation,),
                              manifest_yaml(found.counterexample.manifest, comments)))
    tests = str(test_path) if test_path is not None else None
    return FileReport(str(rule_path), tests, tuple(results), coverage)


def render_report(report: FileReport) -> str:
    """The text report of one rule file: each case and invariant, then the coverage table."""
    tests = f"tests: {report.tests}" if report.tests else "no test file"
    lines = [f"{report.rules} ({tests})"]
    for result in report.results:
        head = f"  {'ok  ' if result.passed else 'FAIL'}  {result.kind} {result.name}"
        if result.passed:
            lines.append(head + (f": {result.note}" if result.note else ""))
            continue
        lines.append(head + (f" ({result.span.location()})" if result.span is not None else ""))
        lines.extend(f"          {failure}" for failure in result.failures)
        if result.counterexample is not None:
            lines.append("--- # the shrunk counterexample, a manifest `dokpamo-check` accepts:")
            lines.extend(result.counterexample.rstrip("\n").splitlines())
            lines.append("...")
    lines.append(f"  coverage: {report.covered} of {report.total} outcomes "
                 f"({percentage(report.covered, report.total)}%)")
    lines.extend(render_coverage(report.coverage))
    if report.coverage:
        lines.append(LEGEND)
    return "\n".join(lines) + "\n"
