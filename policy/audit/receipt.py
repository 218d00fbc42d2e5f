"""Verdict receipts: one manifest judged by one policy, self-contained and checkable offline.

A receipt is JSON with sorted keys: the canonical policy text with its digest, the manifest data in
canonical form with its digest, the engine version, the verdict (the JSON report of `policy.render`,
with the evaluation trace), the explanation in English and Korean, and a seal: the `sha256:` of all of
it. The verdict is computed from the receipt's own canonical policy text (named `policy.text`, so its
rule locations are lines of that text) and from the manifest data without its file, so `verify` can
reproduce it byte for byte. Same inputs give a byte-identical receipt.

The seal is a digest, not a signature: it shows a receipt was not edited by hand, while re-evaluation
shows that whatever it states is what the engine decides. What no receipt can show by itself is which
policy was meant: compare the policy digest with the published one (`verify --rules FILE`).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from policy.diagnostics import Diagnostics

FORMAT = 1
"""The receipt format version, the value of its `receipt` key."""
POLICY_SOURCE = "policy.text"
"""The name the receipt's policy text is compiled under: rule locations in its verdict are `policy.text:line:col`."""
SUFFIX = ".receipt.json"


# ---------------------------------------------------------------- writing


def receipt_text(policy: Any, manifest: Any) -> str:
    """The receipt of `manifest` (a loaded `Manifest`) under `policy` (a compiled `Policy`)."""
    from policy.compile.program import ENGINE
    from policy.facts.load import canonical_json
    from policy.syntax import unparse

    text = unparse.module(policy.checked.module)
    canonical = _compiled(text)
    data = json.loads(canonical_json(manifest.data), parse_float=Decimal, parse_int=Decimal)
    verdict, explanation = _judge(canonical, data)
    content = {
        "receipt": FORMAT,
        "engine": ENGINE,
        "policy": {"name": canonical.info.name, "version": canonical.info.version, "digest": canonical.info.digest,
                   "text": text},
        "manifest": {"team": manifest.team, "digest": manifest.digest, "data": data},
        "verdict": verdict,
        "explanation": explanation,
    }
    return dumps({**content, "seal": seal(parse(dumps(content)))})


@functools.lru_cache(maxsize=4)
def _compiled(text: str) -> Any:
    """The canonical policy text compiled under the name `policy.text` (once per run and policy)."""
    from policy.api import loads

    return loads(text, POLICY_SOURCE)


def _judge(policy: Any, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The verdict JSON (with the trace) and the text explanations of `data` under `policy`."""
    from policy.facts.load import manifest_from_mapping
    from policy.render import render_verdicts
    from policy.render.data import verdict_data

    verdict = policy.evaluate(manifest_from_mapping(data), explain=True)
    explanation = {lang: render_verdicts([verdict], "text", lang=lang) for lang in ("en", "ko")}
    return verdict_data(verdict, explain=True), explanation


class Receipts:
    """Where the receipts of a run go: `target` itself for one manifest (unless it is a folder), else
    `<stem>.receipt.json` in the folder `target`, with `-2`, `-3` added to a repeated stem."""

    def __init__(self, target: str, manifests: Sequence[str]) -> None:
        folder = Path(target)
        self.paths: dict[str, Path] = {}
        if len(set(manifests)) == 1 and not folder.is_dir():
            self.paths[manifests[0]] = folder
            return
        taken: set[str] = set()
        for manifest in dict.fromkeys(manifests):
            stem, number = Path(manifest).stem, 1
            while (name := stem + (f"-{number}" if number > 1 else "")) in taken:
                number += 1
            taken.add(name)
            self.paths[manifest] = folder / f"{name}{SUFFIX}"

    def write(self, policy: Any, manifest: Any, file: str) -> Diagnostics:
        """Write the receipt of `manifest`, read from `file`; errors are returned, printed to stderr."""
        import click

        diagnostics = Diagnostics()
        path = self.paths[file]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(receipt_text(policy, manifest), encoding="utf-8")
        except OSError as exc:
            diagnostics.error("audit.receipt-unwritable", f"cannot write the receipt: {exc.strerror}", file=str(path))
            click.echo(diagnostics.render(), err=True)
        return diagnostics


# ---------------------------------------------------------------- JSON with exact numbers


def dumps(value: Any) -> str:
    """JSON like `json.dumps(sort_keys=True, indent=2, ensure_ascii=False)` plus a final newline, with
    decimals written exactly (never through a float) and dates as ISO strings."""
    return "".join(_pretty(value, "")) + "\n"


def _pretty(value: Any, indent: str) -> Iterator[str]:
    inner = indent + "  "
    if isinstance(value, Mapping):
        if not value:
            yield "{}"
            return
        yield "{\n"
        for index, key in enumerate(sorted(value)):
            yield f"{inner}{json.dumps(key, ensure_ascii=False)}: "
            yield from _pretty(value[key], inner)
            yield ",\n" if index < len(value) - 1 else "\n"
        yield indent + "}"
    elif isinstance(value, (list, tuple)):
        if not value:
            yield "[]"
            return
        yield "[\n"
        for index, item in enumerate(value):
            yield inner
            yield from _pretty(item, inner)
            yield ",\n" if index < len(value) - 1 else "\n"
        yield indent + "]"
    elif isinstance(value, Decimal):
        from policy.facts.load import decimal_text

        yield decimal_text(value)
    elif isinstance(value, datetime.date):
        yield f'"{value.isoformat()}"'
    else:
        yield json.dumps(value, ensure_ascii=False)


def parse(text: str) -> Any:
    """JSON with every number an exact `Decimal`; raises `ValueError` for invalid JSON, NaN or Infinity."""
    def refuse(word: str) -> Any:
        raise ValueError(f"`{word}` is not a number a receipt may hold")

    return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=refuse)


def seal(content: Mapping[str, Any]) -> str:
    """`sha256:` of the canonical JSON of everything but the seal."""
    from policy.facts.load import canonical_json

    body = {k: v for k, v in content.items() if k != "seal"}
    return "sha256:" + hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- verifying


@attrs.frozen
class Confirmed:
    """What a verified receipt states."""

    team: str | None
    decision: str
    policy: str
    version: str
    policy_digest: str
    manifest_digest: str
    engine: str
    """The engine that made the receipt."""


SHAPE: dict[str, type | tuple[type, ...]] = {
    "receipt": Decimal, "engine": str, "policy": dict, "policy.name": str, "policy.version": str,
    "policy.digest": str, "policy.text": str, "manifest": dict, "manifest.digest": str, "manifest.data": dict,
    "manifest.team": (str, type(None)), "verdict": dict, "explanation": dict, "seal": str,
}
"""Every key a receipt must have, with its JSON type."""


def read(path: str) -> tuple[dict[str, Any] | None, Diagnostics]:
    """The parsed receipt, or the diagnostics saying why it is not one (exit code 2)."""
    diagnostics = Diagnostics()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8"
        diagnostics.error("audit.receipt-unreadable", f"cannot read the receipt: {reason}", file=path)
        return None, diagnostics
    try:
        data = parse(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        message = exc.msg[:1].lower() + exc.msg[1:] if isinstance(exc, json.JSONDecodeError) else str(exc)
        diagnostics.error("audit.receipt-malformed", f"the receipt is not valid JSON{where}: {message}", file=path)
        return None, diagnostics
    if not isinstance(data, dict):
        diagnostics.error("audit.receipt-malformed", "a receipt is a JSON object", file=path)
        return None, diagnostics
    for key, expected in SHAPE.items():
        parent, _, leaf = key.rpartition(".")
        holder = data.get(parent) if parent else data
        if not isinstance(holder, dict):
            continue  # reported for the parent
        if leaf not in holder:
            diagnostics.error("audit.receipt-malformed", "the receipt has no such key", file=path, path=key)
        elif not isinstance(holder[leaf], expected):
            diagnostics.error("audit.receipt-malformed", "the value has the wrong type", file=path, path=key,
                              help=f"expected {_json_type(expected)}")
    if not diagnostics.has_errors and data["receipt"] != FORMAT:
        diagnostics.error("audit.receipt-malformed", f"receipt format `{data['receipt']}` is not supported",
                          file=path, path="receipt", help=f"this engine reads format {FORMAT}")
    return (None if diagnostics.has_errors else data), diagnostics


def _json_type(expected: type | tuple[type, ...]) -> str:
    names = {Decimal: "a number", str: "a string", dict: "an object", type(None): "null"}
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names[k] for k in kinds)


def verify(receipt: dict[str, Any], path: str, manifest: Any = None, manifest_file: str | None = None,
           rules: Any = None, rules_file: str | None = None) -> tuple[Confirmed | None, Diagnostics]:
    """Check a parsed receipt: its seal, its policy and manifest against their digests, optionally against
    a given manifest (`manifest`, loaded from `manifest_file`) and rule file (`rules`, a `Policy`), then
    re-evaluate and compare the verdict and explanation. Every mismatch is an error; none means confirmed."""
    from policy.api import PolicyError
    from policy.compile.program import ENGINE
    from policy.facts.load import ManifestError, digest, manifest_from_mapping

    diagnostics = Diagnostics()

    def mismatch(code: str, message: str, where: str, help: str | None = None) -> None:
        diagnostics.error(code, message, file=path, path=where, help=help)

    if seal(receipt) != receipt["seal"]:
        mismatch("audit.receipt-tampered", "the receipt was edited after it was made: its seal does not match "
                 "its content", "seal")
    stated = receipt["policy"]
    policy = None
    try:
        policy = _compiled(stated["text"])
    except PolicyError as exc:
        first = exc.diagnostics.sorted()[0]
        mismatch("audit.changed-policy", f"the receipt's policy text does not compile: {first.message}", "policy.text",
                 help=f"at {first.location()}")
    if policy is not None:
        from policy.syntax import unparse

        if policy.info.digest != stated["digest"]:
            mismatch("audit.changed-policy", f"the policy text has digest `{policy.info.digest}`, not the "
                     f"`{stated['digest']}` the receipt states", "policy.text")
        elif unparse.module(policy.checked.module) != stated["text"]:
            mismatch("audit.receipt-tampered", "the policy text is not in canonical form", "policy.text")
    if rules is not None and rules.info.digest != stated["digest"]:
        mismatch("audit.changed-policy", f"the receipt was made under `{stated['name']}` {stated['version']} "
                 f"(`{stated['digest']}`), not under `{rules_file}` (`{rules.info.digest}`)", "policy.digest")
    recorded = receipt["manifest"]
    data = recorded["data"]
    try:
        manifest_from_mapping(data)
    except ManifestError as exc:
        first = exc.diagnostics.sorted()[0]
        mismatch("audit.changed-manifest", f"the receipt's manifest is not valid: {first.message}",
                 "manifest.data" + (f".{first.path}" if first.path else ""))
        data = None
    if data is not None and digest(data) != recorded["digest"]:
        mismatch("audit.changed-manifest", f"the manifest data has digest `{digest(data)}`, not the "
                 f"`{recorded['digest']}` the receipt states", "manifest.data")
    if manifest is not None and manifest.digest != recorded["digest"]:
        mismatch("audit.changed-manifest", f"`{manifest_file}` is not the manifest of this receipt: its digest is "
                 f"`{manifest.digest}`, the receipt's is `{recorded['digest']}`", "manifest.digest",
                 help="the manifest was changed after the receipt was made, or it is another team's")
    # Judge again only what the receipt states consistently: a changed policy or manifest is already named.
    if policy is not None and data is not None and not any(d.code in _INPUTS_CHANGED for d in diagnostics):
        # A given manifest has the receipt's digest by now, so its canonical data is the receipt's: judge
        # that, as the receipt was judged (numbers written `17.0` in a file are `17` there).
        verdict, explanation = _judge(policy, data)
        engine = "" if receipt["engine"] == ENGINE else (
            f"the receipt was made by {receipt['engine']}; this is {ENGINE}")
        for where, fresh in (("verdict", verdict), ("explanation", explanation)):
            for place, stated_value, found in _differences(receipt[where], parse(dumps(fresh)), where)[:5]:
                mismatch("audit.changed-verdict", f"the receipt states {_shown(stated_value)}, re-evaluation gives "
                         f"{_shown(found)}", place, help=engine or None)
    if diagnostics.has_errors:
        return None, diagnostics
    return Confirmed(recorded["team"], receipt["verdict"].get("decision", "?"), stated["name"], stated["version"],
                     stated["digest"], recorded["digest"], receipt["engine"]), diagnostics


def _differences(stated: Any, found: Any, where: str) -> list[tuple[str, Any, Any]]:
    """The paths at which two JSON values differ, in document order."""
    if isinstance(stated, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(stated) | set(found)):
            out += _differences(stated.get(key, _MISSING), found.get(key, _MISSING), f"{where}.{key}")
        return out
    if isinstance(stated, list) and isinstance(found, list) and len(stated) == len(found):
        return [d for i, (a, b) in enumerate(zip(stated, found, strict=True)) for d in _differences(a, b, f"{where}[{i}]")]
    if isinstance(stated, str) and isinstance(found, str) and "\n" in stated + found and stated != found:
        # A text report: name its first differing line.
        pairs = itertools.zip_longest(stated.split("\n"), found.split("\n"), fillvalue=_MISSING)
        line, (a, b) = next((n, p) for n, p in enumerate(pairs, 1) if p[0] != p[1])
        return [(f"{where}, line {line}", a, b)]
    return [] if stated == found else [(where, stated, found)]


_MISSING = object()
_INPUTS_CHANGED = ("audit.changed-policy", "audit.changed-manifest")


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = dumps(value).strip()
    text = " ".join(text.split())
    return f"`{text[:80]}…`" if len(text) > 80 else f"`{text}`"
