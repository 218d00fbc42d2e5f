"""`dokpamo manifest`: validate manifests, print their JSON Schema, import a draft from metadata."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from policy.cli import EXIT_INPUT, EXIT_OK
from policy.diagnostics import Diagnostics


@click.group()
def manifest() -> None:
    """Team manifests: check them, publish their schema, draft them from model metadata."""


@manifest.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="`text` for people, `json` for programs.")
def validate(files: tuple[Path, ...], fmt: str) -> None:
    """Check manifests against the schema, without any rules.

    Exit code 0 when every file is valid, 2 otherwise; every error of every file is reported.
    """
    from policy.facts.load import ManifestError, load_manifest

    results: list[tuple[str, str | None, Diagnostics]] = []
    for path in files:
        try:
            loaded = load_manifest(path)
        except ManifestError as exc:
            results.append((str(path), None, exc.diagnostics))
        else:
            results.append((str(path), loaded.digest, Diagnostics()))
    failed = any(digest is None for _, digest, _ in results)
    if fmt == "json":
        out = [{"file": name, "valid": digest is not None, "digest": digest,
                "diagnostics": json.loads(diags.to_json())} for name, digest, diags in results]
        report = {"valid": not failed, "files": out}
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for name, digest, diags in results:
            if digest is None:
                click.echo(diags.render())
            else:
                click.echo(f"{name}: valid ({digest})")
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


@manifest.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="`json`: the JSON Schema; `markdown`: the field reference of docs/manifest.md.")
def schema(fmt: str) -> None:
    """Print the JSON Schema (draft 2020-12) of the manifest, or its field reference.

    `docs/manifest.schema.json` is this output: `dokpamo manifest schema > docs/manifest.schema.json`.
    """
    from policy.facts.jsonschema import manifest_json_schema, reference_markdown

    click.echo(schema_text(manifest_json_schema()) if fmt == "json" else reference_markdown(), nl=False)


def schema_text(schema: dict[str, object]) -> str:
    """The committed form of the schema: two-space indentation, a final newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


@manifest.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the draft to this file instead of standard output.")
def import_(sources: tuple[Path, ...], out: Path | None) -> None:
    """Draft a manifest from published model metadata.

    SOURCES are Hugging Face model cards (README.md), config.json and adapter_config.json files,
    mergekit configurations, CycloneDX 1.5-1.7 ML-BOMs and SPDX 3.0 documents. Facts the files do
    not state are left out; the draft names the facts still to write. Warnings go to standard
    error; when a file cannot be read, nothing is written and the exit code is 2.
    """
    from policy.facts.importers import draft_text, import_files

    draft = import_files(sources)
    if len(draft.diagnostics):
        click.echo(draft.diagnostics.render(), err=True)
    if draft.diagnostics.has_errors:
        sys.exit(EXIT_INPUT)
    text = draft_text(draft)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"cannot write `{out}`: {(exc.strerror or type(exc).__name__).lower()}", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"wrote {out}", err=True)
