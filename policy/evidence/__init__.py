"""Evidence from the weights: how close a candidate checkpoint is to reference models, as facts.

`examine` compares a candidate with references (models or fingerprints) and returns the manifest's
`evidence` section; `fingerprint` writes a small file from which a reference can be compared without
its weights; `render` turns a section into YAML or JSON. The tiers and their nulls are described in
`docs/evidence.md`. numpy is needed and imported with the submodules, never by `import policy`.
"""

from typing import Any

__all__ = ["TIERS", "examine", "fingerprint", "render"]

TIERS = ("exact", "pearson", "anchored", "invariants")
"""The tiers of evidence, cheapest first."""


def __getattr__(name: str) -> Any:
    if name in ("examine", "fingerprint", "render"):
        from policy.evidence import run

        return getattr(run, name)
    raise AttributeError(f"module 'policy.evidence' has no attribute {name!r}")
