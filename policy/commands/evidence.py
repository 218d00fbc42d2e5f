"""`dokpamo evidence`: similarity facts from the weights, and fingerprints of reference models.

Two forms under one name: `dokpamo evidence CANDIDATE --reference NAME=PATH ...` compares (the
`compare` subcommand, which may be left out), and `dokpamo evidence fingerprint MODEL ...` writes a
fingerprint. numpy and safetensors are imported only once a form runs, after checking they exist.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from policy.commands.common import fail_input
from policy.diagnostics import DiagnosticError, Diagnostics
from policy.evidence import TIERS

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
DEPENDENCIES = ("numpy", "safetensors")


class EvidenceGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, is the candidate of `compare`."""

    default_command = "compare"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "CANDIDATE --reference NAME=PATH... [--out FILE]")
        formatter.write_usage(ctx.command_path, "fingerprint MODEL --name NAME --out FILE", prefix="   or: ")


@click.group(cls=EvidenceGroup, context_settings={"help_option_names": ["-h", "--help"]})
def evidence() -> None:
    """Compare a model's weights with reference models and write the manifest's `evidence` section.

    CANDIDATE is a `.safetensors` file, or a folder with one, or with shards and their index. Each
    reference is a model given the same way or a fingerprint file. The output holds facts (coverage,
    identical tensors, correlations with their nulls, the layer map), not a verdict: the rules decide.
    """


def _bail(code: str, message: str, file: str | None = None, help: str | None = None) -> None:
    diagnostics = Diagnostics()
    diagnostics.error(code, message, file=file, help=help)
    fail_input(diagnostics)


def _require_dependencies() -> None:
    missing = [name for name in DEPENDENCIES if importlib.util.find_spec(name) is None]
    if missing:
        _bail("evidence.missing-dependency", f"`dokpamo evidence` needs {' and '.join(f'`{m}`' for m in missing)}",
              help="pip install 'dokpamo[evidence]'")
    # The tiers call BLAS on small arrays, where OpenBLAS's own threads only stall (seen on 2-core machines).
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _references(values: tuple[str, ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for value in values:
        name, equals, path = value.partition("=")
        if not equals or not path:
            _bail("evidence.bad-reference", f"`{value}` is not NAME=PATH", help="e.g. `--reference qwen=models/qwen`")
        if not NAME.fullmatch(name):
            _bail("evidence.bad-reference", f"reference name `{name}` must start with a letter or digit and hold "
                                            "only letters, digits and `._/-`")
        if any(name == seen for seen, _ in out):
            _bail("evidence.bad-reference", f"reference name `{name}` is given twice")
        out.append((name, path))
    return out


def _progress() -> Callable[[str, int], Callable[[int], None]] | None:
    """A progress bar on standard error, only on a terminal."""
    if not sys.stderr.isatty():
        return None

    def start(label: str, total: int) -> Callable[[int], None]:
        bar = click.progressbar(length=max(1, total), label=label, file=sys.stderr)
        bar.__enter__()
        seen = [0]

        def advance(count: int) -> None:
            bar.update(count)
            seen[0] += count
            if seen[0] >= total:
                bar.__exit__(None, None, None)

        if total == 0:
            bar.__exit__(None, None, None)
        return advance

    return start


def _write(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        _bail("evidence.write-error", f"cannot write `{out}`: {exc.strerror or exc}", file=out)


@evidence.command("compare")
@click.argument("candidate")
@click.option("--reference", "-r", "references", multiple=True, required=True, metavar="NAME=PATH",
              help="a reference model or fingerprint; repeat for several")
@click.option("--own", multiple=True, metavar="NAME",
              help="a reference the manifest declares as the team's own earlier model; repeatable")
@click.option("--tier", "tiers", multiple=True, type=click.Choice(TIERS),
              help="run only these tiers (default: all)")
@click.option("--out", "-o", metavar="FILE", help="write the section here instead of standard output")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]),
              help="output format (default: json for a `.json` --out, otherwise yaml)")
def compare(candidate: str, references: tuple[str, ...], own: tuple[str, ...], tiers: tuple[str, ...],
            out: str | None, fmt: str | None) -> None:
    """Compare CANDIDATE with each reference and print the `evidence` section."""
    refs = _references(references)
    names = [name for name, _ in refs]
    for name in own:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            _bail("evidence.unknown-own", f"`--own {name}` names no reference",
                  help=f"did you mean `{close[0]}`?" if close else f"references are {', '.join(names)}")
    _require_dependencies()
    from policy.evidence import run

    try:
        section = run.examine(candidate, refs, own, tiers or TIERS, _progress())
    except DiagnosticError as exc:
        fail_input(exc.diagnostics)
    except OSError as exc:
        _bail("evidence.read-error", f"cannot read `{exc.filename or candidate}`: {exc.strerror or exc}",
              file=str(exc.filename or candidate))
    fmt = fmt or ("json" if out and out.endswith(".json") else "yaml")
    _write(run.render(section, fmt), out)


@evidence.command("fingerprint")
@click.argument("model")
@click.option("--name", required=True, help="the reference's name, as later given to --reference")
@click.option("--out", "-o", required=True, metavar="FILE", help="the fingerprint file to write")
def fingerprint(model: str, name: str, out: str) -> None:
    """Write a small fingerprint of MODEL, so that it can be a reference without its weights."""
    if not NAME.fullmatch(name):
        _bail("evidence.bad-reference", f"reference name `{name}` must start with a letter or digit and hold only "
                                        "letters, digits and `._/-`")
    _require_dependencies()
    from policy.evidence import run

    try:
        run.fingerprint(model, name, out, _progress())
    except DiagnosticError as exc:
        fail_input(exc.diagnostics)
    except OSError as exc:
        _bail("evidence.write-error" if exc.filename == out else "evidence.read-error",
              f"cannot {'write' if exc.filename == out else 'read'} `{exc.filename or model}`: {exc.strerror or exc}",
              file=str(exc.filename or model))
