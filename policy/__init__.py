"""dokpamo: a declarative policy language for judging AI foundation models.

The public API is `load` (a rule file to a compiled `Policy`) and `Policy.evaluate` (a manifest to a
`Verdict`); see `docs/api.md`. Names are imported on first use, so that a command pays only for the
stages it runs.
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["Policy", "PolicyError", "__version__", "load", "loads"]


def __getattr__(name: str) -> Any:
    if name in ("Policy", "PolicyError", "load", "loads"):
        from policy import api

        return getattr(api, name)
    raise AttributeError(f"module 'policy' has no attribute {name!r}")
