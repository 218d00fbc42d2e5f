"""The wheel carries the grammar and the shipped rules, and they load from it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(out), str(ROOT)], check=True, capture_output=True)
    (built,) = out.glob("dokpamo-*.whl")
    return built


def test_wheel_contains_grammar_and_rules(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "policy/syntax/policy.lark" in names
    shipped = {p.name for p in (ROOT / "rules").glob("*.dkp")}
    assert shipped and {f"policy/rules/{name}" for name in shipped} <= names


def test_grammar_and_rules_load_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    probe = (
        "import policy, policy.api as api, policy.syntax.parser as p\n"
        f"assert policy.__file__.startswith({str(target)!r}), policy.__file__\n"
        "assert 'lalr' in p.grammar_text().lower()\n"
        "rules = api.default_rules()\n"
        f"assert str(rules).startswith({str(target)!r}), rules\n"
        "print(api.load(rules).info.name)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "dokpamo-2026-phase1"
