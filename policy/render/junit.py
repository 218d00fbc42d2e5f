"""JUnit XML for CI dashboards: a test suite per manifest, a test case per gate.

A failed gate is a `<failure>` whose `type` is its level, so a dashboard can tell a disqualifying
failure from a warning. An unknown gate is an `<error>` of type `unknown`: it could not be decided
for lack of facts, and reporting it as skipped would read as a silent pass. A gate whose condition
does not apply is `<skipped/>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from policy.render.common import check_lang, decimal_text, localise, value_text
from policy.verdict import GateResult, Status, Verdict, Witness

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _witness_lines(witness: Witness, labels: dict[str, str]) -> list[str]:
    name = witness.path or "(manifest)"
    if witness.label:
        name += f" ({witness.label})"
    if witness.location is not None:
        name += f"  {witness.location}"
    lines = [name]
    for fact in witness.facts:
        where = f"  {fact.location}" if fact.location is not None else ""
        lines.append(f"  {fact.path} = {value_text(fact.value)}{where}")
    lines.extend(f"  {labels['to_change']}: {want}" for want in witness.wants)
    return lines


def _body(gate: GateResult, labels: dict[str, str]) -> str:
    lines: list[str] = []
    for witness in gate.witnesses:
        lines.extend(_witness_lines(witness, labels))
    if gate.missing:
        lines.append(f"{labels['missing']}: {', '.join(gate.missing)}")
    if gate.rule is not None:
        lines.append(f"{labels['rule']}: {gate.rule}")
    return "\n".join(lines)


def _case(suite: ET.Element, verdict: Verdict, gate: GateResult, lang: str, labels: dict[str, str]) -> None:
    case = ET.SubElement(suite, "testcase", {"name": gate.id, "classname": verdict.policy.name})
    message = localise(gate.message, lang)
    if gate.status is Status.FAIL:
        ET.SubElement(case, "failure", {"message": _clean(message), "type": gate.level.value}).text = _clean(
            _body(gate, labels)
        )
    elif gate.status is Status.UNKNOWN:
        summary = f"unknown: missing {', '.join(gate.missing)}" if gate.missing else "unknown"
        ET.SubElement(case, "error", {"message": _clean(summary), "type": "unknown"}).text = _clean(
            "\n".join(filter(None, [message, _body(gate, labels)]))
        )
    elif gate.status is Status.SKIPPED:
        ET.SubElement(case, "skipped")


def _suite(root: ET.Element, verdict: Verdict, lang: str, labels: dict[str, str]) -> dict[str, int]:
    counts = {
        "tests": len(verdict.gates),
        "failures": sum(g.status is Status.FAIL for g in verdict.gates),
        "errors": sum(g.status is Status.UNKNOWN for g in verdict.gates),
        "skipped": sum(g.status is Status.SKIPPED for g in verdict.gates),
    }
    attributes = {"name": verdict.manifest.team or verdict.manifest.file or labels["no_team"]}
    attributes |= {key: str(value) for key, value in counts.items()}
    suite = ET.SubElement(root, "testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    entries = [
        ("decision", verdict.decision.value),
        ("policy.name", verdict.policy.name),
        ("policy.version", verdict.policy.version),
        ("policy.digest", verdict.policy.digest),
        ("manifest.digest", verdict.manifest.digest),
    ]
    if verdict.manifest.file:
        entries.append(("manifest.file", verdict.manifest.file))
    entries += [(f"score.{s.id}", decimal_text(s.value) or "unknown") for s in verdict.scores]
    for name, value in entries:
        ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    for gate in verdict.gates:
        _case(suite, verdict, gate, lang, labels)
    return counts


def verdicts_junit(verdicts: Sequence[Verdict], *, lang: str) -> str:
    """A `<testsuites>` document with one `<testsuite>` per verdict, in the given order."""
    labels = check_lang(lang)
    root = ET.Element("testsuites", {"name": "dokpamo"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for verdict in verdicts:
        for key, value in _suite(root, verdict, lang, labels).items():
            totals[key] += value
    root.attrib |= {key: str(value) for key, value in totals.items()}
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
