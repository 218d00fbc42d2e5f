"""What the commands share: loading rules and manifests with errors turned into exit code 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import NoReturn

import click

from policy.cli import EXIT_INPUT
from policy.diagnostics import DiagnosticError, Diagnostics

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

RULES_HELP = "rule file to apply (default: the shipped current rule set)"


def fail_input(diagnostics: Diagnostics) -> NoReturn:
    """Print every diagnostic to standard error and exit with code 2."""
    click.echo(diagnostics.render(), err=True)
    sys.exit(EXIT_INPUT)


def load_policy(rules: str | None) -> object:
    """The compiled rule file, or the shipped default; exits 2 with the diagnostics if it is unusable."""
    from policy.api import PolicyError, default_rules, load, shipped_name

    try:
        # Commands that evaluate show no rule warnings (`dokpamo lint` does), so they skip those analyses.
        if rules is None:
            return load(default_rules(), name=shipped_name(default_rules()), warnings=False)
        return load(rules, warnings=False)
    except PolicyError as exc:
        fail_input(exc.diagnostics)


def manifest_paths(arguments: tuple[str, ...]) -> Iterator[str]:
    """Files as given; folders expanded to the manifests in them (recursively, in sorted order, one
    folder listing at a time, so that a hundred thousand manifests cost only their names)."""
    for argument in arguments:
        if not os.path.isdir(argument):
            yield argument
            continue
        found = False
        for folder, subfolders, files in os.walk(argument):
            subfolders.sort()
            for name in sorted(files):
                if name.endswith(MANIFEST_SUFFIXES):
                    found = True
                    yield os.path.join(folder, name)
        if not found:
            diagnostics = Diagnostics()
            diagnostics.error("manifest.unreadable", "folder holds no manifest (*.yaml, *.yml, *.json)",
                              file=argument)
            fail_input(diagnostics)


def use_color(flag: bool | None) -> bool:
    """Colour on a terminal unless NO_COLOR is set; `--color`/`--no-color` decide otherwise."""
    if flag is not None:
        return flag
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def load_manifest_or_diagnose(path: str) -> tuple[object | None, Diagnostics | None]:
    from policy.facts.load import load_manifest

    try:
        return load_manifest(path), None
    except DiagnosticError as exc:
        return None, exc.diagnostics
