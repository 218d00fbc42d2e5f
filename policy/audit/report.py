"""`dokpamo diff` as data: the structural diff, the impact on a corpus and the semantic search of two
versions of the rules, gathered for the renderers of `changelog.py`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from policy.api import Policy
from policy.audit.impact import Impact, impact
from policy.audit.semantic import DEFAULT_BUDGET, DEFAULT_SEED, Search, search
from policy.audit.structural import StructuralDiff, structural_diff
from policy.facts.load import Manifest
from policy.verdict import PolicyInfo


@attrs.frozen
class Side:
    """One version of the rules: the file it was read from and its header."""

    file: str
    info: PolicyInfo


@attrs.frozen
class DiffReport:
    old: Side
    new: Side
    structural: StructuralDiff
    impact: Impact | None
    """None without a corpus."""
    search: Search
    engine: str

    @property
    def differs(self) -> bool:
        """A manifest or a cohort (found by the search, or in the corpus) is decided differently."""
        return bool(self.search.findings) or (self.impact is not None and self.impact.differs)


@attrs.frozen
class Corpus:
    """The manifests of `--corpus`, already loaded, with the file each came from."""

    folder: str
    manifests: Sequence[Manifest]
    files: Sequence[str]


def compare(old: Policy, new: Policy, old_file: str, new_file: str, *, corpus: Corpus | None = None,
            score_delta: Decimal = Decimal(0), budget: int = DEFAULT_BUDGET, seed: int = DEFAULT_SEED) -> DiffReport:
    """Everything `dokpamo diff` reports about two compiled rule files."""
    from policy.compile.program import ENGINE

    changes = structural_diff(old.checked.module, new.checked.module)
    corpus_impact = None
    if corpus is not None:
        corpus_impact = impact(old, new, corpus.folder, corpus.manifests, corpus.files, score_delta)
    found = search(old, new, score_delta=score_delta, budget=budget, seed=seed)
    return DiffReport(Side(old_file, old.info), Side(new_file, new.info), changes, corpus_impact, found, ENGINE)
