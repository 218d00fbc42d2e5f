"""The two operations of `dokpamo evidence`, from paths to a section or a file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from policy.evidence import TIERS
from policy.evidence import reference as references
from policy.evidence.compare import Result, compare
from policy.evidence.errors import fail
from policy.evidence.reader import Checkpoint
from policy.evidence.reference import Progress
from policy.evidence.report import section, to_json, to_yaml
from policy.evidence.structure import analyse

__all__ = ["TIERS", "examine", "fingerprint", "render"]


def examine(candidate: str, refs: Sequence[tuple[str, str]], own: Sequence[str] = (),
            tiers: Sequence[str] = TIERS, progress: Progress | None = None) -> dict[str, Any]:
    """Compare the checkpoint at `candidate` with each `(name, path)` reference; the `evidence` section.

    A reference path is a model (file, index or folder) or a fingerprint file. `own` names the
    references the manifest declares as the team's own earlier models.
    """
    with np.errstate(all="ignore"):  # inf and NaN weights are dealt with where they are used
        return _examine(candidate, refs, own, tiers, progress)


def _examine(candidate: str, refs: Sequence[tuple[str, str]], own: Sequence[str], tiers: Sequence[str],
             progress: Progress | None) -> dict[str, Any]:
    wanted = frozenset(tiers)
    if references.is_fingerprint(candidate):
        raise fail("evidence.fingerprint-candidate", f"`{candidate}` is a fingerprint, not a model", file=candidate,
                   help="a fingerprint can only be a `--reference`")
    checkpoint = Checkpoint.open(candidate)
    structure = analyse(checkpoint)
    anchored = bool(wanted & {"anchored", "invariants"})
    # Every reference is opened (headers only) before any work, so that a bad path fails at once.
    opened = [(name, path, None if references.is_fingerprint(path) else Checkpoint.open(path)) for name, path in refs]
    results: list[Result] = []
    loaded = []
    for name, path, model in opened:
        if model is None:
            ref = references.read_fingerprint(path, name)
        else:
            ref = references.build(model, name, anchored=anchored, digests=False, progress=progress)
        results.append(compare(checkpoint, structure, ref, wanted, progress))
        if ref.checkpoint is not None:
            ref.checkpoint.close()
            ref.checkpoint = None
        loaded.append(ref)
    facts = {"path": candidate, "parameters": checkpoint.parameters, "tensors": len(checkpoint.tensors),
             "skipped_tensors": len(checkpoint.skipped)}
    checkpoint.close()
    return section(facts, loaded, set(own), results)


def fingerprint(model: str, name: str, out: str, progress: Progress | None = None) -> None:
    """Write the fingerprint of the model at `model` to `out`."""
    checkpoint = Checkpoint.open(model)
    structure = analyse(checkpoint)
    with np.errstate(all="ignore"):
        ref = references.build(checkpoint, name, anchored=True, digests=True, structure=structure,
                               progress=progress)
    references.write_fingerprint(ref, out)
    checkpoint.close()


def render(evidence: dict[str, Any], fmt: str = "yaml") -> str:
    """The section under its manifest key `evidence`, as `yaml` or `json` text."""
    document = {"evidence": evidence}
    return to_json(document) if fmt == "json" else to_yaml(document)
