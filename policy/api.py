"""The public API: load a rule file once, evaluate manifests many times.

    import policy
    rules = policy.load("rules/dokpamo-2026-phase1.dkp")
    verdict = rules.evaluate("examples/2026-phase1/naver-cloud.yaml")
    verdict.decision            # Outcome.FAIL
    verdict.gate("weights_from_scratch").witnesses

Loading runs the whole pipeline: parse, check, compile. Errors in the rule file raise `PolicyError`
with every diagnostic; warnings are kept on `Policy.warnings`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from policy.check import CheckedModule, check
from policy.compile.interpret import Interpreter, RuleValues
from policy.compile.program import Program
from policy.diagnostics import DiagnosticError, Diagnostics
from policy.facts.schema import MANIFEST, RecordT
from policy.source import Source
from policy.syntax.cache import parse
from policy.verdict import ManifestInfo, PolicyInfo, Standing, Verdict

RULE_SUFFIX = ".dkp"
CURRENT_RULES = "dokpamo-2026-phase1"
"""The rule set `dokpamo-check` applies when given no `--rules`."""


class PolicyError(DiagnosticError):
    """A rule file that cannot be used: unreadable, malformed or ill-typed."""


class Policy:
    """A compiled rule file."""

    def __init__(self, program: Program, warnings: Diagnostics) -> None:
        self.program = program
        self.warnings = warnings

    @property
    def info(self) -> PolicyInfo:
        return self.program.info

    @property
    def checked(self) -> CheckedModule:
        return self.program.checked

    def evaluate(self, manifest: Any, *, explain: bool = False) -> Verdict:
        """The verdict on one manifest: a `Manifest`, a mapping, or a path to YAML or JSON.

        A mapping or file is validated first; an invalid one raises `ManifestError`."""
        loaded = as_manifest(manifest)
        info = ManifestInfo(loaded.team, loaded.digest, loaded.source.name if loaded.source else None)
        return self.program.verdict(loaded.data, info, loaded.location, explain=explain)

    def decide(self, data: Mapping[str, Any]) -> RuleValues:
        """The fast path: gate statuses, scores and decisions of already-valid manifest data, without
        explanations. The data is trusted: validate it first (`manifest_from_mapping`) if unsure."""
        return self.program.values(data)

    def decider(self, *outputs: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """A function of trusted manifest data computing only the named gates, scores and decisions,
        as a tuple in that order (gates as bools). The fastest way to decide many manifests."""
        from policy.compile.codegen import compile_module

        known = {r.name for r in (*self.checked.gates, *self.checked.scores, *self.checked.decisions)}
        unknown = [name for name in outputs if name not in known]
        if unknown:
            raise ValueError(f"no gate, score or decision named {', '.join(f'`{n}`' for n in unknown)}")
        return compile_module(self.checked, outputs)

    def rank(self, manifests: Iterable[Any], cohort: str | None = None) -> list[Standing]:
        """Apply the cohort rules (or the one named) to several manifests. Paths are read twice and
        not kept, so memory does not grow with the manifests' size."""
        from policy.compile.cohort import Entrant, standings

        cohorts = self.checked.cohorts
        if cohort is not None:
            cohorts = [c for c in cohorts if c.name == cohort]
            if not cohorts:
                names = ", ".join(f"`{c.name}`" for c in self.checked.cohorts) or "none"
                raise ValueError(f"no cohort rule `{cohort}` in this policy (cohort rules: {names})")
        entrants = []
        for manifest in manifests:
            if isinstance(manifest, (str, os.PathLike)):
                entrants.append(Entrant(None, self._opener(manifest)))
            else:
                loaded = as_manifest(manifest)
                entrants.append(Entrant(loaded.team or "?", self._opener(loaded)))
        return standings(self.program, cohorts, entrants)

    def _opener(self, manifest: Any) -> Callable[[], Interpreter]:
        def open_() -> Interpreter:
            loaded = as_manifest(manifest)
            interpreter = Interpreter(self.checked, loaded.data, loaded.location)
            interpreter.seed(self.program.values(loaded.data))
            return interpreter

        return open_


def as_manifest(manifest: Any) -> Any:
    from policy.facts.load import Manifest, load_manifest, manifest_from_mapping

    if isinstance(manifest, Manifest):
        return manifest
    if isinstance(manifest, Mapping):
        return manifest_from_mapping(manifest)
    if isinstance(manifest, (str, os.PathLike)):
        return load_manifest(manifest)
    raise TypeError(f"a manifest is a Manifest, a mapping or a path, not {type(manifest).__name__}")


def loads(text: str, name: str = "<string>", schema: RecordT = MANIFEST, *, warnings: bool = True) -> Policy:
    """Compile the text of a rule file; `warnings=False` skips the analyses that only warn."""
    source = Source(name, text)
    try:
        module = parse(source)
    except DiagnosticError as exc:
        raise PolicyError(exc.diagnostics) from None
    checked, diagnostics = check(module, schema, analyses=warnings)
    if diagnostics.has_errors:
        raise PolicyError(diagnostics)
    return Policy(Program.build(checked), diagnostics)


def load(path: str | os.PathLike[str], schema: RecordT = MANIFEST, *, name: str | None = None,
         warnings: bool = True) -> Policy:
    """Compile a rule file; `name` is how messages and reports call it (default: the path)."""
    return loads(read_rule_file(path), name or str(path), schema, warnings=warnings)


def read_rule_file(path: str | os.PathLike[str]) -> str:
    """The text of a rule file; an unreadable one raises `PolicyError`."""
    diagnostics = Diagnostics()
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        diagnostics.error("policy.unreadable", "rule file not found", file=str(path))
    except IsADirectoryError:
        diagnostics.error("policy.unreadable", "a rule file is expected, not a directory", file=str(path))
    except OSError as exc:
        diagnostics.error("policy.unreadable", f"cannot read the rule file: {exc.strerror}", file=str(path))
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            diagnostics.error("policy.encoding", f"rule file is not UTF-8 (byte {exc.start})", file=str(path))
    raise PolicyError(diagnostics)


def shipped_rules() -> Sequence[Path]:
    """The rule sets shipped with dokpamo, from the installed package or the source tree."""
    import importlib.resources

    packaged = importlib.resources.files("policy").joinpath("rules")
    folder = Path(str(packaged)) if packaged.is_dir() else Path(__file__).parents[1] / "rules"
    return sorted(folder.glob(f"*{RULE_SUFFIX}"))


def default_rules() -> Path:
    """The shipped current rule set."""
    return next(p for p in shipped_rules() if p.stem == CURRENT_RULES)


def shipped_name(path: Path) -> str:
    """How reports name a shipped rule file: the same on every machine, wherever it is installed."""
    return f"rules/{path.name}"
