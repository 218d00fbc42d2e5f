"""`dokpamo rank`: apply the cohort rules to several manifests."""

from __future__ import annotations

import sys

import click

from policy.cli import EXIT_INPUT, EXIT_OK, EXIT_UNDECIDED
from policy.commands.common import RULES_HELP, load_manifest_or_diagnose, load_policy, manifest_paths, use_color


@click.command("rank", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", nargs=-1, required=True, metavar="DIR_OR_FILES...")
@click.option("--rules", metavar="FILE", help=RULES_HELP)
@click.option("--cohort", metavar="NAME", help="apply only this cohort rule (default: every rule with members)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="report format")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="language of reasons and labels")
@click.option("--color/--no-color", default=None, help="colour the text report (default: on a terminal)")
def rank(inputs: tuple[str, ...], rules: str | None, cohort: str | None, fmt: str, lang: str,
         color: bool | None) -> None:
    """Rank teams and decide who advances, with the gate or the cut that decided it.

    Exit codes: 0 every outcome decided, 2 a usage or input error, 3 an outcome undecided because
    facts are missing.
    """
    from policy.render import render_standing

    policy = load_policy(rules)
    manifests = []
    input_error = False
    for path in manifest_paths(inputs):
        manifest, diagnostics = load_manifest_or_diagnose(path)
        if diagnostics is not None:
            click.echo(diagnostics.render(), err=True)
            input_error = True
        else:
            manifests.append(manifest)
    if input_error:
        sys.exit(EXIT_INPUT)
    try:
        standings = policy.rank(manifests, cohort)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    shown = standings if cohort is not None else [s for s in standings if s.teams]
    if not shown:
        click.echo("no cohort rule applies to these manifests", err=True)
        sys.exit(EXIT_INPUT)
    texts = [render_standing(s, fmt, lang=lang, color=use_color(color)) for s in shown]
    if fmt == "json" and len(texts) > 1:
        click.echo("[\n" + ",\n".join(t.rstrip("\n") for t in texts) + "\n]")
    else:
        click.echo("\n".join(texts), nl=False)
    undecided = any(t.advance is None for s in shown for t in s.teams)
    sys.exit(EXIT_UNDECIDED if undecided else EXIT_OK)
