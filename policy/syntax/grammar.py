"""Where the grammar is: in the installed package, or in the source tree when run from a checkout."""

from __future__ import annotations

import functools
import importlib.resources
import pathlib


@functools.cache
def grammar_text() -> str:
    """The grammar, from the installed package, or from the source tree when run from a checkout."""
    packaged = importlib.resources.files("policy.syntax").joinpath("policy.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (pathlib.Path(__file__).parents[2] / "grammar" / "policy.lark").read_text(encoding="utf-8")
