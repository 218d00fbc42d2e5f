"""`dokpamo test`: run the tests kept beside rule files, measure their coverage, search invariants."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policy.cli import EXIT_FAIL, EXIT_INPUT, EXIT_OK


@click.command("test", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=0, show_default=True,
              metavar="PERCENT", help="fail when the tests cover fewer of the rules' outcomes")
@click.option("--examples", type=click.IntRange(1, 100_000), default=200, show_default=True, metavar="N",
              help="manifests to try for each invariant")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the invariant search")
@click.option("--counterexamples", "save", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="also write each counterexample found to DIR/<rules>.<invariant>.yaml")
def test(paths: tuple[str, ...], min_coverage: float, examples: int, seed: int, save: Path | None) -> None:
    """Run the policy tests of rule files and search their invariants for counterexamples.

    PATHS are rule files (*.dkp), test files (*_test.yaml) or folders holding them (default:
    `rules`). The tests of `x.dkp` are kept in `x_test.yaml` beside it. Coverage counts, for each
    gate, decision and cohort rule, the outcomes that some case expects and gets.

    Exit codes: 0 every case passes, no counterexample, coverage reached; 1 a case failed, an
    invariant has a counterexample or coverage is below --min-coverage; 2 a rule file, test file
    or manifest could not be used.
    """
    from decimal import Decimal

    from policy.authoring.files import write_atomic
    from policy.authoring.testing import discover, percentage, render_report, run_rule_file
    from policy.diagnostics import Diagnostics

    diagnostics = Diagnostics()
    reports = []
    for rule_path, test_path in discover(paths or ("rules",), diagnostics):
        report = run_rule_file(rule_path, test_path, examples, seed, diagnostics)
        if report is None:
            continue
        reports.append(report)
        click.echo(render_report(report))
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            for result in report.results:
                if result.counterexample is not None:
                    write_atomic(save / f"{rule_path.stem}.{result.name}.yaml", result.counterexample)
    if diagnostics:
        click.echo(diagnostics.render(), err=True)
    if not reports:
        sys.exit(EXIT_INPUT)
    results = [r for report in reports for r in report.results]
    failed = sum(not r.passed for r in results)
    covered = sum(report.covered for report in reports)
    total = sum(report.total for report in reports)
    share = percentage(covered, total)
    untested = [report.rules for report in reports if report.tests is None]
    click.echo(f"{len(results)} checks: {len(results) - failed} passed, {failed} failed; "
               f"coverage {share}% ({covered} of {total} outcomes)")
    if untested:
        click.echo(f"no tests for {', '.join(untested)}")
    below = share < Decimal(str(min_coverage))
    if below:
        click.echo(f"coverage {share}% is below the minimum of {min_coverage:g}%")
    if diagnostics.has_errors:
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_FAIL if failed or below else EXIT_OK)
