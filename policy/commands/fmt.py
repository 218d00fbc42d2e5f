"""`dokpamo fmt`: put rule files in the canonical layout, keeping every comment."""

from __future__ import annotations

import difflib
import sys

import click

from policy.cli import EXIT_FAIL, EXIT_INPUT, EXIT_OK


@click.command("fmt", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, metavar="FILES...")
@click.option("--check", is_flag=True, help="write nothing; exit 1 when a file is not formatted")
@click.option("--diff", "show_diff", is_flag=True, help="write nothing; print a unified diff of the changes")
def fmt(files: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Rewrite rule files in the canonical layout, keeping every comment in its place.

    A folder stands for the rule files (*.dkp) in it; `-` reads a rule file from standard input and
    writes it formatted to standard output. Files are replaced atomically, and only after the result
    has been parsed again and found to mean exactly what the original means.

    Exit codes: 0 done (with --check: nothing to change), 1 with --check a file would change, 2 a
    file could not be read or parsed, or the formatter failed its own check (nothing written).
    """
    from policy.api import PolicyError, read_rule_file
    from policy.authoring.files import rule_files, write_atomic
    from policy.authoring.fmt import FormatterBug, format_text
    from policy.diagnostics import DiagnosticError, Diagnostics

    diagnostics = Diagnostics()
    if "-" in files:
        if len(files) > 1:
            raise click.UsageError("`-` (standard input) cannot be mixed with files")
        text = sys.stdin.read()
        try:
            formatted = format_text(text, "<stdin>")
        except DiagnosticError as exc:
            click.echo(exc.diagnostics.render(), err=True)
            sys.exit(EXIT_INPUT)
        except FormatterBug as exc:
            _internal("<stdin>", exc)
            sys.exit(EXIT_INPUT)
        if show_diff:
            click.echo(_diff("<stdin>", text, formatted), nl=False)
        elif not check:
            click.echo(formatted, nl=False)
        sys.exit(EXIT_FAIL if check and formatted != text else EXIT_OK)

    paths = rule_files(files, diagnostics)
    changed = unchanged = 0
    broken = False
    for path in paths:
        try:
            text = read_rule_file(path)
            formatted = format_text(text, str(path))
        except (PolicyError, DiagnosticError) as exc:
            diagnostics.extend(exc.diagnostics.items)
            continue
        except FormatterBug as exc:
            _internal(str(path), exc)
            broken = True
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            click.echo(_diff(str(path), text, formatted), nl=False)
        if check or show_diff:
            click.echo(f"would reformat {path}", err=True)
        else:
            write_atomic(path, formatted)
            click.echo(f"reformatted {path}", err=True)
    if diagnostics:
        click.echo(diagnostics.render(), err=True)
    verb = "would be reformatted" if check or show_diff else "reformatted"
    click.echo(f"{changed} file{'s' * (changed != 1)} {verb}, {unchanged} already formatted", err=True)
    if diagnostics.has_errors or broken:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_FAIL if check and changed else EXIT_OK)


def _diff(name: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=name, tofile=f"{name} (formatted)"))


def _internal(name: str, exc: Exception) -> None:
    click.echo(f"{name}: internal error: please report: {exc}; the file was not written", err=True)
