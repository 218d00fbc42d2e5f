"""Markdown for a pull-request comment: a decision line, a gate table, details of failures, scores.

Text that comes from manifests and policies is escaped for tables and inline code, so a message with
`|`, `<` or a backtick cannot break the layout or inject HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.render.common import (
    check_lang,
    decimal_text,
    escape_controls,
    localise,
    short_digest,
    sorted_gates,
    value_text,
)
from policy.verdict import GateResult, PolicyInfo, ScoreResult, Standing, Status, Verdict, Witness


def _cell(text: str) -> str:
    """Plain text safe inside a table cell: HTML and pipes escaped, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escape_controls(" ".join(text.replace("|", "\\|").split()))


def _code(text: str, *, table: bool = False) -> str:
    """Inline code that survives backticks in `text` (a longer fence) and, in a table, pipes."""
    text = escape_controls(" ".join(text.split()))
    if table:
        # GitHub splits table cells on every unescaped pipe, even inside code.
        text = text.replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _witness(witness: Witness, labels: dict[str, str]) -> list[str]:
    name = _code(witness.path or "(manifest)")
    if witness.label:
        name += f" ({_cell(witness.label)})"
    if witness.location is not None:
        name += f" at {_code(str(witness.location))}"
    lines = [f"- {name}"]
    for fact in witness.facts:
        where = f" at {_code(str(fact.location))}" if fact.location is not None else ""
        lines.append(f"  - {_code(fact.path)} = {_code(value_text(fact.value))}{where}")
    lines += [f"  - {labels['to_change']}: {_code(want)}" for want in witness.wants]
    return lines


def _details(gate: GateResult, lang: str, labels: dict[str, str]) -> list[str]:
    head = f"**{_code(gate.id)}** ({labels[gate.level.value]}, {labels[gate.status.value]}): "
    lines = ["", head + _cell(localise(gate.message, lang)), ""]
    for witness in gate.witnesses:
        lines += _witness(witness, labels)
    if gate.missing:
        lines.append(f"- {labels['missing']}: " + ", ".join(_code(p) for p in gate.missing))
    if gate.rule is not None:
        lines.append(f"- {labels['rule']}: {_code(str(gate.rule))}")
    return lines


def _policy_line(policy: PolicyInfo, labels: dict[str, str]) -> str:
    digest = _code(short_digest(policy.digest))
    return f"{labels['policy']} {_code(policy.name)} {_cell(policy.version)} ({digest})"


def _breakdown(score: ScoreResult, labels: dict[str, str]) -> str:
    parts = [_cell(f"{t.name} {decimal_text(t.value) or '?'}") for t in score.breakdown]
    if score.missing:
        parts.append(f"{labels['missing']}: " + ", ".join(_code(p, table=True) for p in score.missing))
    return ", ".join(parts)


def _verdict(verdict: Verdict, lang: str, labels: dict[str, str]) -> str:
    team = verdict.manifest.team or labels["no_team"]
    word = labels[verdict.decision.value].upper()
    lines = [
        f"### dokpamo: {_cell(team)}: **{word}**",
        "",
        _policy_line(verdict.policy, labels)
        + (f", {labels['manifest']} {_code(verdict.manifest.file)}" if verdict.manifest.file else ""),
        "",
    ]
    gates = sorted_gates(verdict.gates)
    rows = [
        [
            f"**{labels[g.status.value]}**" if g.status is Status.FAIL else labels[g.status.value],
            labels[g.level.value],
            _code(g.id, table=True),
            _cell(localise(g.message, lang)),
        ]
        for g in gates
    ]
    if rows:
        lines += _table([labels["status"], labels["level"], labels["gate"], labels["message"]], rows)
    for gate in gates:
        if gate.status in (Status.FAIL, Status.UNKNOWN):
            lines += _details(gate, lang, labels)
    if verdict.scores:
        lines.append("")
        score_rows = [
            [_code(s.id, table=True), decimal_text(s.value) or "?", decimal_text(s.max) or "",
             _breakdown(s, labels)]
            for s in verdict.scores
        ]
        lines += _table([labels["score"], labels["value"], labels["max"], labels["breakdown"]], score_rows)
    if verdict.missing:
        lines += ["", f"{labels['missing']}: " + ", ".join(_code(p) for p in verdict.missing)]
    decisions = [
        f"{_code(d.id)} {labels[d.outcome.value]}"
        + (f" ({labels['because']}: {', '.join(_code(b) for b in d.because)})" if d.because else "")
        for d in verdict.decisions
    ]
    if decisions:
        lines += ["", f"{labels['decisions']}: " + "; ".join(decisions)]
    return "\n".join(lines) + "\n"


def verdicts_markdown(verdicts: Sequence[Verdict], *, lang: str) -> str:
    """One section per verdict, separated by a horizontal rule."""
    labels = check_lang(lang)
    return "\n---\n\n".join(_verdict(v, lang, labels) for v in verdicts)


def standing_markdown(standing: Standing, *, lang: str) -> str:
    """The cohort as a table: rank, team, total, advance, reason."""
    labels = check_lang(lang)
    title = localise(standing.title, lang)
    lines = [
        f"### dokpamo: {_cell(standing.cohort)}" + (f": {_cell(title)}" if title else ""),
        "",
        _policy_line(standing.policy, labels),
        "",
    ]
    rows = []
    for team in standing.teams:
        total = team.keys[0][1] if team.keys else None
        advance = {True: labels["yes"], False: labels["no"], None: labels["undecided"]}[team.advance]
        rows.append([
            "-" if team.rank is None else str(team.rank),
            _code(team.team, table=True),
            decimal_text(total) or "?",
            f"**{advance}**" if team.advance else advance,
            _cell(localise(team.reason, lang)),
        ])
    total_head = standing.teams[0].keys[0][0] if standing.teams and standing.teams[0].keys else "total"
    lines += _table([labels["rank"], labels["team"], total_head, labels["advance"], labels["reason"]], rows)
    return "\n".join(lines) + "\n"
