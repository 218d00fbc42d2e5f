"""The command line: a thin click group whose commands live in `policy.commands`, imported lazily.

Exit codes: 0 pass or eligible, 1 fail, 2 usage or input error, 3 undecided (facts missing).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_INPUT = 2
EXIT_UNDECIDED = 3

# Command name -> "module:attribute". Modules are imported only when their command runs, so that
# `dokpamo-check` does not pay for the importers, the evidence tiers or the diff search.
COMMANDS = {
    "check": "policy.commands.check:check",
    "rank": "policy.commands.rank:rank",
    "manifest": "policy.commands.manifest:manifest",
    "evidence": "policy.commands.evidence:evidence",
    "fmt": "policy.commands.fmt:fmt",
    "lint": "policy.commands.lint:lint",
    "test": "policy.commands.test:test",
    "diff": "policy.commands.diff:diff",
    "verify": "policy.commands.verify:verify",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _available(cmd_name):
            return None
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


def _available(name: str) -> bool:
    module = COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dokpamo", prog_name="dokpamo")
def cli() -> None:
    """dokpamo: judge AI foundation models against the sovereign AI programme's rules."""


def _run(command: click.Command, args: list[str] | None, prog_name: str) -> None:
    try:
        command.main(args=args, prog_name=prog_name, standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        click.echo(f"{prog_name}: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("please report this with the command and the files that caused it", err=True)
        sys.exit(EXIT_INPUT)


def main(args: list[str] | None = None) -> Any:
    """Entry point of `dokpamo`."""
    _run(cli, args, "dokpamo")


def check_main(args: list[str] | None = None) -> Any:
    """Entry point of `dokpamo-check`, the same as `dokpamo check`."""
    from policy.commands.check import check

    _run(check, args, "dokpamo-check")
