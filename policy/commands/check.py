"""`dokpamo check` (and `dokpamo-check`): the verdict of each manifest under a rule file."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from policy.cli import EXIT_FAIL, EXIT_INPUT, EXIT_OK, EXIT_UNDECIDED
from policy.commands.common import (
    RULES_HELP,
    load_manifest_or_diagnose,
    load_policy,
    manifest_paths,
    use_color,
)
from policy.render import FORMATS


@click.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("manifests", nargs=-1, required=True, metavar="MANIFEST...")
@click.option("--rules", metavar="FILE", help=RULES_HELP)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="report format")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="language of messages and labels")
@click.option("--explain", is_flag=True, help="add the full evaluation trace")
@click.option("--color/--no-color", default=None, help="colour the text report (default: on a terminal)")
@click.option("--receipt", metavar="FILE", help="write a verdict receipt to FILE (several manifests: one "
              "`<name>.receipt.json` each in the folder FILE); check it with `dokpamo verify`")
def check(manifests: tuple[str, ...], rules: str | None, fmt: str, lang: str, explain: bool,
          color: bool | None, receipt: str | None) -> None:
    """Judge team manifests against the rules.

    Exit codes: 0 every manifest passes, 1 one fails, 2 a usage or input error (bad flag, missing
    file, invalid rule file or manifest), 3 undecided because facts are missing.
    """
    from policy.render import write_verdicts
    from policy.verdict import Outcome

    policy = load_policy(rules)
    paths = list(manifest_paths(manifests))
    outcomes: set[Outcome] = set()
    input_error = False
    receipts = None
    if receipt is not None:
        from policy.audit.receipt import Receipts

        receipts = Receipts(receipt, paths)

    def judged() -> Iterator[object]:
        nonlocal input_error
        for path in paths:
            manifest, diagnostics = load_manifest_or_diagnose(path)
            if diagnostics is not None:
                click.echo(diagnostics.render(), err=True)
                input_error = True
                continue
            verdict = policy.evaluate(manifest, explain=explain)  # type: ignore[attr-defined]
            outcomes.add(verdict.decision)
            if receipts is not None and receipts.write(policy, manifest, path).has_errors:
                input_error = True
            yield verdict

    write_verdicts(judged(), len(paths), fmt, lambda text: click.echo(text, nl=False), lang=lang,
                   color=use_color(color), explain=explain)
    if input_error:
        sys.exit(EXIT_INPUT)
    if Outcome.FAIL in outcomes:
        sys.exit(EXIT_FAIL)
    if Outcome.UNDECIDED in outcomes:
        sys.exit(EXIT_UNDECIDED)
    sys.exit(EXIT_OK)
