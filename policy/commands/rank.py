"""`dokpamo rank`: apply the cohort rules to several manifests."""

from __future__ import annotations

import sys

import click

from policy.cli import EXIT_INPUT, EXIT_OK, EXIT_UNDECIDED
from policy.commands.common import (
    RULES_HELP,
    fail_input,
    load_manifest_or_diagnose,
    load_policy,
    manifest_paths,
    use_color,
)
from policy.diagnostics import Diagnostics


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
    paths = list(manifest_paths(inputs))
    # Validate every manifest first, so that all input errors are reported before any ranking; the
    # ranking then reads each file again instead of holding every manifest in memory.
    diagnostics = Diagnostics()
    first_seen: dict[str, str] = {}
    for path in paths:
        manifest, errors = load_manifest_or_diagnose(path)
        if errors is not None:
            diagnostics.extend(errors.items)
            continue
        team = manifest.team  # type: ignore[attr-defined]
        if team in first_seen:
            diagnostics.error("cohort.duplicate-team", f"team `{team}` is also the team of `{first_seen[team]}`",
                              file=path, help="team ids are unique within a cohort")
        first_seen.setdefault(team, path)
    if diagnostics.items:
        fail_input(diagnostics)
    try:
        standings = policy.rank(paths, cohort)  # type: ignore[attr-defined]
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
