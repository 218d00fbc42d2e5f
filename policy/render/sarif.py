"""SARIF 2.1.0 for code-scanning UIs: one run, a rule per gate, a result per failed or unknown gate.

A failed gate is a result of kind `fail` whose level follows the gate's (disqualify → error,
review → warning, warn → note). An unknown gate is a result of kind `open` ("the tool could not
determine") and, as SARIF requires for any kind but `fail`, level `none`. Each result points at the
manifest lines of its witnesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from urllib.parse import quote

from policy.render.common import localise, value_text
from policy.render.data import dumps, policy_data
from policy.verdict import GateResult, Level, Location, Status, Verdict, Witness

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Level.DISQUALIFY: "error", Level.REVIEW: "warning", Level.WARN: "note"}


def file_uri(path: str) -> str:
    """A relative path as a relative URI reference, an absolute one as a `file:` URI."""
    for flavour in (PurePosixPath, PureWindowsPath):
        pure: PurePath = flavour(path)
        if pure.is_absolute():
            return pure.as_uri()
    return quote(PureWindowsPath(path).as_posix(), safe="/")


def _rule(gate: GateResult, lang: str) -> dict[str, object]:
    text = localise(gate.message, lang) or gate.id
    properties = {"level": gate.level.value}
    if gate.rule is not None:
        properties["rule"] = str(gate.rule)
    return {
        "id": gate.id,
        "name": gate.id,
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": LEVELS[gate.level]},
        "properties": properties,
    }


def _physical(location: Location | None, fallback: str | None) -> dict[str, object] | None:
    if location is not None:
        return {
            "artifactLocation": {"uri": file_uri(location.file)},
            "region": {"startLine": location.line, "startColumn": location.column},
        }
    if fallback is not None:
        return {"artifactLocation": {"uri": file_uri(fallback)}}
    return None


def _witness_location(witness: Witness) -> Location | None:
    if witness.location is not None:
        return witness.location
    return next((f.location for f in witness.facts if f.location is not None), None)


def _witness_text(witness: Witness) -> str:
    facts = ", ".join(f"{f.path} = {value_text(f.value)}" for f in witness.facts)
    name = witness.path or "(manifest)"
    if witness.label:
        name += f" ({witness.label})"
    return f"{name}: {facts}" if facts else name


def _locations(gate: GateResult, manifest_file: str | None) -> list[dict[str, object]]:
    locations: list[dict[str, object]] = []
    for witness in gate.witnesses:
        physical = _physical(_witness_location(witness), manifest_file)
        if physical is not None:
            locations.append({"physicalLocation": physical, "message": {"text": _witness_text(witness)}})
    if not locations:
        physical = _physical(None, manifest_file)
        if physical is not None:
            locations.append({"physicalLocation": physical})
    return locations


def _result(verdict: Verdict, gate: GateResult, index: int, lang: str) -> dict[str, object]:
    text = localise(gate.message, lang) or gate.id
    if gate.missing:
        text += f" (missing: {', '.join(gate.missing)})"
    failed = gate.status is Status.FAIL
    result: dict[str, object] = {
        "ruleId": gate.id,
        "ruleIndex": index,
        "kind": "fail" if failed else "open",
        "level": LEVELS[gate.level] if failed else "none",
        "message": {"text": text},
        "properties": {
            "status": gate.status.value,
            "level": gate.level.value,
            "team": verdict.manifest.team,
            "missing": list(gate.missing),
        },
    }
    locations = _locations(gate, verdict.manifest.file)
    if locations:
        result["locations"] = locations
    return result


def verdicts_sarif(verdicts: Sequence[Verdict], *, lang: str) -> str:
    """One SARIF log for all verdicts; rules are the gates in the order they first appear."""
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for verdict in verdicts:
        for gate in verdict.gates:
            if gate.id not in index:
                index[gate.id] = len(rules)
                rules.append(_rule(gate, lang))
    results = [
        _result(verdict, gate, index[gate.id], lang)
        for verdict in verdicts
        for gate in verdict.gates
        if gate.status in (Status.FAIL, Status.UNKNOWN)
    ]
    driver: dict[str, object] = {"name": "dokpamo", "rules": rules}
    run: dict[str, object] = {"tool": {"driver": driver}, "results": results}
    if verdicts:
        driver["version"] = verdicts[0].engine
        run["properties"] = {
            "policy": policy_data(verdicts[0].policy),
            "manifests": [
                {"team": v.manifest.team, "digest": v.manifest.digest, "decision": v.decision.value}
                for v in verdicts
            ],
        }
    return dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]})
