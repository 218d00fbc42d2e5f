"""Golden diagnostics: one rule file per diagnostic code, named by it, with its expected report.

`tests/golden/<stage>/<code>.dkp` must report `<stage>.<code>`; the rendered diagnostics must equal
`<code>.err`. Regenerate after a deliberate change with `UPDATE_GOLDEN=1 pytest tests/test_check_golden.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from policy.api import PolicyError, loads
from policy.diagnostics import Diagnostics
from policy.syntax.errors import SYNTAX_ERRORS

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted([*GOLDEN.glob("syntax/*.dkp"), *GOLDEN.glob("check/*.dkp")])
DOCS = Path(__file__).parents[1] / "docs" / "diagnostics.md"


def diagnostics_of(path: Path) -> Diagnostics:
    name = path.relative_to(GOLDEN.parent.parent).as_posix()
    try:
        return loads(path.read_text(encoding="utf-8"), name).warnings
    except PolicyError as exc:
        return exc.diagnostics


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}.{p.stem}")
def test_golden_file_reports_its_code(path: Path) -> None:
    diagnostics = diagnostics_of(path)
    code = f"{path.parent.name}.{path.stem}"
    assert code in {d.code for d in diagnostics}, diagnostics.render()
    expected = path.with_suffix(".err")
    rendered = diagnostics.render() + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(rendered, encoding="utf-8")
    assert rendered == expected.read_text(encoding="utf-8")


def documented_codes() -> set[str]:
    return set(re.findall(r"^## `?([a-z]+\.[a-z-]+)`?\s*$", DOCS.read_text(encoding="utf-8"), re.MULTILINE))


def emitted_codes(stage: str) -> set[str]:
    source = Path(__file__).parents[1] / "policy"
    found = set()
    for file in source.rglob("*.py"):
        found |= set(re.findall(rf'"({stage}\.[a-z-]+)"', file.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("stage", ["syntax", "check"])
def test_every_code_is_documented_and_has_a_golden_file(stage: str) -> None:
    codes = emitted_codes(stage) | {code for code, *_ in SYNTAX_ERRORS}
    codes = {c for c in codes if c.startswith(stage + ".")}
    assert codes - documented_codes() == set(), "document these in docs/diagnostics.md"
    tested = {f"{p.parent.name}.{p.stem}" for p in CASES} | {code for code, *_ in SYNTAX_ERRORS}
    untested = codes - tested - {"syntax.too-large"}  # too large for a file: tested in test_syntax.py
    assert untested == set(), "add a golden file for each"
