"""`dokpamo diff OLD NEW`: what changed between two versions of the rules, and on which manifests it
decides differently."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

import click

from policy.cli import EXIT_FAIL, EXIT_OK
from policy.commands.common import fail_input, load_manifest_or_diagnose, manifest_paths


class _Delta(click.ParamType):
    """A non-negative exact decimal."""

    name = "D"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"`{value}` is not a number", param, ctx)
        if not number.is_finite() or number < 0:
            self.fail(f"`{value}` is not a number of zero or more", param, ctx)
        return number


@click.command("diff", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--corpus", metavar="DIR", help="evaluate every manifest under DIR (or this one file) under both versions")
@click.option("--score-delta", type=_Delta(), default="0", show_default=True,
              help="a score counts as changed when it moves by more than D")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="report format (markdown: an auditor's changelog)")
@click.option("--budget", type=click.IntRange(min=0), default=None, metavar="N",
              help="manifests the semantic search draws (default 100; 0 skips the search)")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="seed of the semantic search")
def diff(old: str, new: str, corpus: str | None, score_delta: Decimal, fmt: str, budget: int | None, seed: int) -> None:
    """Compare two rule files: structure, impact on a corpus, and witness manifests.

    Reports the declarations added, removed or changed (formatting and comments are no change); with
    --corpus, the verdicts, gates, scores and cohort outcomes that change on real manifests; and the
    manifests, or small cohorts, that the two versions decide differently, each minimal and verified
    under both (see docs/audit.md for the search and its bounds).

    Exit codes: 0 no semantic difference found, 1 differences found, 2 a usage or input error.
    """
    from policy.api import PolicyError, load
    from policy.audit.changelog import render
    from policy.audit.report import Corpus, compare
    from policy.audit.semantic import DEFAULT_BUDGET
    from policy.diagnostics import Diagnostics

    diagnostics = Diagnostics()
    policies = []
    for path in (old, new):
        try:
            policies.append(load(path))
        except PolicyError as exc:
            diagnostics.extend(exc.diagnostics.items)
    loaded = None
    if corpus is not None:
        manifests, files = [], []
        for path in manifest_paths((corpus,)):
            manifest, errors = load_manifest_or_diagnose(path)
            if errors is not None:
                diagnostics.extend(errors.items)
            else:
                manifests.append(manifest)
                files.append(path)
        loaded = Corpus(corpus, manifests, files)  # type: ignore[arg-type]
    if diagnostics.has_errors:
        fail_input(diagnostics)
    report = compare(policies[0], policies[1], old, new, corpus=loaded, score_delta=score_delta,
                     budget=DEFAULT_BUDGET if budget is None else budget, seed=seed)
    click.echo(render(report, fmt), nl=False)
    sys.exit(EXIT_FAIL if report.differs else EXIT_OK)

