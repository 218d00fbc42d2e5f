"""`dokpamo verify RECEIPT [MANIFEST]`: re-evaluate a verdict receipt and confirm it, or fail closed."""

from __future__ import annotations

import sys

import click

from policy.cli import EXIT_FAIL, EXIT_OK
from policy.commands.common import fail_input, load_manifest_or_diagnose


@click.command("verify", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("receipt", metavar="RECEIPT")
@click.argument("manifest", metavar="[MANIFEST]", required=False)
@click.option("--rules", metavar="FILE", help="also require that the receipt was made under this rule file")
def verify(receipt: str, manifest: str | None, rules: str | None) -> None:
    """Check a receipt written by `dokpamo-check --receipt`.

    Checks the receipt's seal, its policy text and manifest data against their digests, the given
    MANIFEST (its digest must be the receipt's) and rule file, then evaluates the manifest again and
    compares the verdict and explanation with the receipt's.

    Exit codes: 0 confirmed, 1 a mismatch (changed manifest, changed policy, changed verdict or a
    tampered receipt; each is named), 2 a usage or input error (unreadable or malformed receipt).
    """
    from policy.audit.receipt import read
    from policy.audit.receipt import verify as check_receipt

    data, diagnostics = read(receipt)
    if data is None:
        fail_input(diagnostics)
    given = None
    if manifest is not None:
        given, errors = load_manifest_or_diagnose(manifest)
        if errors is not None:
            fail_input(errors)
    rule_file = None
    if rules is not None:
        from policy.commands.common import load_policy

        rule_file = load_policy(rules)
    confirmed, mismatches = check_receipt(data, receipt, given, manifest, rule_file, rules)
    if confirmed is None:
        click.echo(mismatches.render(), err=True)
        click.echo(f"{receipt}: not verified", err=True)
        sys.exit(EXIT_FAIL)
    click.echo(f"{receipt}: verified: {confirmed.team or '(no team id)'} {confirmed.decision} under "
               f"{confirmed.policy} {confirmed.version} ({confirmed.policy_digest}), manifest "
               f"{confirmed.manifest_digest}, made by {confirmed.engine}")
    sys.exit(EXIT_OK)
