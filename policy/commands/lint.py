"""`dokpamo lint`: the checker's diagnostics and the whole-policy lints of rule files."""

from __future__ import annotations

import json
import sys

import click

from policy.cli import EXIT_FAIL, EXIT_INPUT, EXIT_OK


@click.command("lint", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, metavar="FILES...")
@click.option("--strict", is_flag=True, help="treat every warning as an error")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="`text` for people, `json` for programs")
def lint(files: tuple[str, ...], strict: bool, fmt: str) -> None:
    """Report mistakes in rule files: the checker's errors and warnings, and the lints that need the
    whole policy (duplicate, overlapping and contradictory gates, unreachable score maxima, names
    hidden in cohort rules). A folder stands for the rule files (*.dkp) in it.

    Exit codes: 0 no error (warnings are allowed unless --strict), 1 an error, or with --strict a
    warning, 2 a file could not be read or parsed.
    """
    from policy.api import PolicyError, read_rule_file
    from policy.authoring.files import rule_files
    from policy.authoring.lint import lint_text
    from policy.authoring.lint import strict as make_strict
    from policy.diagnostics import Diagnostics

    found = Diagnostics()
    paths = rule_files(files, found)
    unusable = found.has_errors
    for path in paths:
        try:
            text = read_rule_file(path)
        except PolicyError as exc:
            found.extend(exc.diagnostics.items)
            unusable = True
            continue
        diagnostics = lint_text(text, str(path))
        unusable |= any(d.code.startswith("syntax.") for d in diagnostics.items)
        found.extend(diagnostics.items)
    if strict:
        found = make_strict(found)
    if fmt == "json":
        click.echo(json.dumps({"files": [str(p) for p in paths], "diagnostics": json.loads(found.to_json())},
                              ensure_ascii=False, indent=2, sort_keys=True))
    elif found:
        click.echo(found.render())
    else:
        click.echo(f"{len(paths)} rule file{'s' * (len(paths) != 1)} checked: no findings")
    if unusable:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_FAIL if found.has_errors else EXIT_OK)
