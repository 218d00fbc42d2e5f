"""Draft manifests from the metadata a model repository publishes (`dokpamo manifest import`).

Each file is read with the same safe, bounded readers as manifests; its format is recognised from
its name and content; its facts are added to one `Draft` (see `draft.py` for what goes where). A
file that cannot be read or recognised is an error naming the file, line and column; doubtful
content (a misplaced metadata block, a dangling reference) is a warning.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence

from policy.diagnostics import Diagnostics, Severity
from policy.facts import yamljson
from policy.facts.dump import manifest_yaml
from policy.facts.importers import cyclonedx, hf_card, hf_config, mergekit, spdx3
from policy.facts.importers.draft import Draft
from policy.facts.importers.nodes import get, text
from policy.facts.yamljson import Node
from policy.source import Source

__all__ = ["Draft", "draft_text", "import_files", "import_source"]

FORMATS = ("Hugging Face model card (`README.md`), Hugging Face `config.json`, PEFT `adapter_config.json`, "
           "`mergekit_config.yml`, CycloneDX 1.5-1.7 ML-BOM (JSON), SPDX 3.0 JSON-LD")


def import_files(paths: Sequence[str | os.PathLike[str]]) -> Draft:
    """Import every file into one draft; check `draft.diagnostics.has_errors` before using it."""
    draft = Draft()
    for path in paths:
        diagnostics = Diagnostics()
        name = os.fspath(path)
        data = _read(name, diagnostics)
        source = yamljson.decode(data, name, diagnostics, "import") if data is not None else None
        if data is not None and source is not None:
            import_source(source, draft, hashlib.sha256(data).hexdigest())
        draft.diagnostics.extend(diagnostics)
    return draft


def _read(name: str, diagnostics: Diagnostics) -> bytes | None:
    try:
        with open(name, "rb") as handle:
            data = handle.read(yamljson.MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror.lower() if exc.strerror else type(exc).__name__
        diagnostics.error("import.unreadable", f"cannot read `{name}`: {reason}", file=name)
        return None
    if len(data) > yamljson.MAX_BYTES:
        diagnostics.error("import.too-large", f"file is larger than {yamljson.MAX_BYTES >> 20} MiB",
                          file=name)
        return None
    return data


def import_source(source: Source, draft: Draft, sha256: str) -> None:
    """Recognise one decoded file and add its facts to the draft."""
    name = source.name.lower()
    errors_before = _errors(draft)
    if name.endswith((".md", ".markdown")):
        hf_card.import_card(source, draft)
        fmt: str | None = hf_card.FORMAT
    else:
        root = yamljson.parse(source, draft.diagnostics, "import")
        if root is None:
            if not draft.diagnostics.has_errors:
                draft.diagnostics.error("import.unknown-format", "the file is empty", file=source.name)
            return
        fmt = _import_structured(source, root, draft)
    if fmt is not None and _errors(draft) == errors_before:
        draft.add_file(source.name, fmt, sha256)


def _errors(draft: Draft) -> int:
    return sum(d.severity is Severity.ERROR for d in draft.diagnostics.items)


def _import_structured(source: Source, root: Node, draft: Draft) -> str | None:
    if cyclonedx.is_cyclonedx(root):
        cyclonedx.import_bom(source, root, draft)
        return cyclonedx.FORMAT
    if spdx3.is_spdx(root):
        spdx3.import_spdx(source, root, draft)
        return spdx3.FORMAT
    if hf_config.is_adapter(root):
        hf_config.import_adapter(source, root, draft)
        return hf_config.ADAPTER_FORMAT
    if mergekit.is_mergekit(root):
        mergekit.import_mergekit(source, root, draft)
        return mergekit.FORMAT
    if hf_config.is_config(root):
        hf_config.import_config(source, root, draft)
        return hf_config.FORMAT
    spdx2 = text(get(root, "spdxVersion"))
    if spdx2 is not None:
        draft.diagnostics.error("import.unknown-format", f"`{spdx2}` documents are not supported",
                                file=source.name,
                                help="the AI and Dataset profiles are SPDX 3.0: export SPDX 3 JSON-LD")
        return None
    draft.diagnostics.error("import.unknown-format", "cannot tell what kind of metadata this is",
                            file=source.name, help=f"the formats read are: {FORMATS}")
    return None


def draft_text(draft: Draft) -> str:
    """The draft manifest as YAML, headed by what is left for the team to write."""
    data = draft.data()
    sources = ", ".join(str(f["file"]) for f in draft.files) or "no file"
    header = [
        f"Draft written by `dokpamo manifest import` from {sources}.",
        "Facts the files do not state are left out; `published` holds what the files state, as they",
        "state it, and `x-imported-from` names the file of every other imported fact.",
    ]
    missing = missing_facts(data)
    if missing:
        header.append("Still to write: " + ", ".join(f"`{path}`" for path in missing) + ".")
    header += [
        "Then check it: `dokpamo manifest validate FILE`. For checks as you type, add the line",
        "`# yaml-language-server: $schema=<path to docs/manifest.schema.json>`.",
    ]
    return manifest_yaml(data, _wrap(header))


def missing_facts(data: dict[str, object]) -> list[str]:
    """Paths of the required facts a draft leaves out, as the loader reports them."""
    from policy.facts.load import ManifestError, manifest_from_mapping

    try:
        manifest_from_mapping(data, "<draft>")
    except ManifestError as exc:
        paths = {d.path for d in exc.diagnostics.items if d.code == "manifest.missing-key" and d.path}
    else:
        return []
    return sorted(paths, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p)])


def _wrap(lines: list[str], width: int = 100) -> list[str]:
    out: list[str] = []
    for line in lines:
        words, current = line.split(" "), ""
        for word in words:
            if current and len(current) + 1 + len(word) > width:
                out.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return out
