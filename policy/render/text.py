"""The report for people: aligned columns (Hangul counts two), optional ANSI colour, failures first."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from policy.render.common import (
    check_lang,
    decimal_text,
    escape_controls,
    localise,
    short_digest,
    sorted_gates,
    value_text,
)
from policy.source import display_width, pad
from policy.verdict import (
    GateResult,
    Level,
    Location,
    Outcome,
    PolicyInfo,
    ScoreResult,
    Standing,
    Status,
    TraceStep,
    Verdict,
    Witness,
)

_RESET = "\x1b[0m"
_STYLES = {
    Status.FAIL: "\x1b[1;31m",
    Status.UNKNOWN: "\x1b[1;33m",
    Status.PASS: "\x1b[32m",
    Status.SKIPPED: "\x1b[2m",
    Level.DISQUALIFY: "\x1b[31m",
    Level.REVIEW: "\x1b[33m",
    Level.WARN: "\x1b[36m",
    Outcome.PASS: "\x1b[1;32m",
    Outcome.FAIL: "\x1b[1;31m",
    Outcome.UNDECIDED: "\x1b[1;33m",
    "heading": "\x1b[1m",
    "dim": "\x1b[2m",
}
INDENT = "  "
_SGR = re.compile(r"(\x1b\[[0-9;]*m)")


class _Painter:
    """Wraps text in ANSI codes when colour is on; widths are always computed on the plain text."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: object) -> str:
        if not self.color or not text:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"

    def cell(self, text: str, width: int, style: object) -> str:
        return self(text, style) + " " * max(0, width - display_width(text))


def _lines(lines: Sequence[str], color: bool) -> str:
    """Joins the report's lines, escaping control characters that came from manifests or rules.

    A newline, carriage return or escape sequence in a value could otherwise forge report lines or
    drive the terminal; only the colour codes this module adds are kept.
    """
    out = []
    for line in lines:
        parts = _SGR.split(line) if color else [line]
        # Odd parts are the colour codes themselves.
        out.append("".join(p if i % 2 else escape_controls(p) for i, p in enumerate(parts)).rstrip())
    return "\n".join(out) + "\n"


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def _policy_line(policy: PolicyInfo, labels: Mapping[str, str]) -> str:
    return f"{labels['policy']} {policy.name} {policy.version} ({short_digest(policy.digest)})"


def _line_of(location: Location | None) -> str:
    """`file:line`, the manifest line a reader opens."""
    return "" if location is None else f"{location.file}:{location.line}"


def _table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[list[str]]:
    """Pads every cell but the last of each row to its column's display width."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        [
            (_rjust(cell, widths[i]) if i in right else pad(cell, widths[i])) if i < len(row) - 1 else cell
            for i, cell in enumerate(row)
        ]
        for row in rows
    ]


class _VerdictText:
    def __init__(self, verdict: Verdict, lang: str, paint: _Painter) -> None:
        self.verdict = verdict
        self.lang = lang
        self.labels = check_lang(lang)
        self.paint = paint
        self.out: list[str] = []

    def render(self, explain: bool) -> str:
        self._header()
        self._gates()
        self._scores()
        self._decision()
        if explain:
            self._trace()
        return _lines(self.out, self.paint.color)

    def _header(self) -> None:
        v, lab = self.verdict, self.labels
        team = v.manifest.team or lab["no_team"]
        where = f"  {v.manifest.file}" if v.manifest.file else ""
        self.out.append(self.paint(team, "heading") + where)
        self.out.append(_policy_line(v.policy, lab))

    def _gates(self) -> None:
        lab = self.labels
        gates = sorted_gates(self.verdict.gates)
        shown = [g for g in gates if g.status in (Status.FAIL, Status.UNKNOWN)]
        if shown:
            self.out.append("")
            heads = [lab["status"], lab["level"], lab["gate"], lab["message"]]
            cells = [heads] + [
                [lab[g.status.value].upper(), lab[g.level.value], g.id, localise(g.message, self.lang)]
                for g in shown
            ]
            widths = [max(display_width(row[i]) for row in cells) for i in range(3)]
            # Details sit under the level column, so they read as belonging to the row above.
            detail = INDENT + " " * (widths[0] + 2)
            self.out.append(INDENT + "  ".join(
                [*(self.paint.cell(h, w, "heading") for h, w in zip(heads[:3], widths, strict=True)),
                 self.paint(heads[3], "heading")]
            ))
            for gate, row in zip(shown, cells[1:], strict=True):
                self.out.append(
                    INDENT
                    + self.paint.cell(row[0], widths[0], gate.status) + "  "
                    + self.paint.cell(row[1], widths[1], gate.level) + "  "
                    + pad(row[2], widths[2]) + "  "
                    + row[3]
                )
                self._gate_details(gate, detail)
        for status in (Status.PASS, Status.SKIPPED):
            ids = [g.id for g in gates if g.status is status]
            if ids:
                label = lab["passed"] if status is Status.PASS else lab["skipped"]
                self.out.append(f"{INDENT}{self.paint(label, status)} ({len(ids)}): {', '.join(ids)}")

    def _gate_details(self, gate: GateResult, indent: str) -> None:
        lab = self.labels
        for witness in gate.witnesses:
            self._witness(witness, indent)
        if gate.missing:
            self.out.append(f"{indent}{lab['missing']}: {', '.join(gate.missing)}")
        if gate.rule is not None:
            self.out.append(indent + self.paint(f"{lab['rule']}: {gate.rule}", "dim"))

    def _witness(self, witness: Witness, indent: str) -> None:
        name = witness.path or "(manifest)"
        if witness.label:
            name += f" ({witness.label})"
        where = _line_of(witness.location)
        self.out.append(f"{indent}{name}" + (f"  {self.paint(where, 'dim')}" if where else ""))
        inner = indent + INDENT
        if witness.facts:
            rows = [[f.path, "= " + value_text(f.value), _line_of(f.location)] for f in witness.facts]
            for row in _table(rows):
                where = "  " + self.paint(row[2], "dim") if row[2] else ""
                self.out.append(f"{inner}{row[0]} {row[1]}{where}")
        for want in witness.wants:
            self.out.append(f"{inner}{self.labels['to_change']}: {want}")

    def _scores(self) -> None:
        scores = self.verdict.scores
        if not scores:
            return
        lab = self.labels
        self.out.append("")
        rows = [[lab["score"], lab["value"], "", lab["max"], lab["breakdown"]]]
        rows += [self._score_row(s) for s in scores]
        for i, row in enumerate(_table(rows, right=frozenset({1, 3}))):
            line = " ".join(row[:4]) + ("  " + row[4] if row[4] else "")
            self.out.append(INDENT + (self.paint(line, "heading") if i == 0 else line))

    def _score_row(self, score: ScoreResult) -> list[str]:
        parts = [f"{t.name} {decimal_text(t.value) or '?'}" for t in score.breakdown]
        breakdown = ", ".join(parts)
        if score.missing:
            breakdown += ("; " if breakdown else "") + f"{self.labels['missing']}: {', '.join(score.missing)}"
        return [score.id, decimal_text(score.value) or "?", "/", decimal_text(score.max) or "", breakdown]

    def _decision(self) -> None:
        v, lab = self.verdict, self.labels
        self.out.append("")
        for decision in v.decisions:
            line = f"{INDENT}{decision.id}: {self.paint(lab[decision.outcome.value], decision.outcome)}"
            if decision.because:
                line += f" ({lab['because']}: {', '.join(decision.because)})"
            self.out.append(line)
        word = lab[v.decision.value].upper()
        self.out.append(f"{self.paint(lab['decision'], 'heading')}: {self.paint(word, v.decision)}")

    def _trace(self) -> None:
        self.out.append("")
        self.out.append(self.paint(self.labels["trace"], "heading"))
        current: str | None = None
        for step in self.verdict.trace:
            if step.rule != current:
                current = step.rule
                self.out.append(f"{INDENT}{step.rule}")
            self.out.append(self._step(step))

    def _step(self, step: TraceStep) -> str:
        line = f"{INDENT * (step.depth + 2)}{step.expression} = {step.value}"
        return line + (f"  {self.paint(str(step.location), 'dim')}" if step.location else "")


def verdicts_text(verdicts: Sequence[Verdict], *, lang: str, color: bool, explain: bool) -> str:
    """One block per verdict, separated by a blank line."""
    check_lang(lang)
    paint = _Painter(color)
    return "\n".join(_VerdictText(v, lang, paint).render(explain) for v in verdicts)


def standing_text(standing: Standing, *, lang: str, color: bool) -> str:
    """The cohort table: rank, team, every ranking key, advance, reason."""
    lab = check_lang(lang)
    paint = _Painter(color)
    key_names: list[str] = []
    for team in standing.teams:
        key_names.extend(name for name, _ in team.keys if name not in key_names)
    rows = [[lab["rank"], lab["team"], *key_names, lab["advance"], lab["reason"]]]
    for team in standing.teams:
        keys: dict[str, Decimal | None] = dict(team.keys)
        rows.append([
            "-" if team.rank is None else str(team.rank),
            team.team,
            *(decimal_text(keys.get(k)) or "?" for k in key_names),
            _advance_word(team.advance, lab),
            localise(team.reason, lang),
        ])
    advance_col = 2 + len(key_names)
    title = localise(standing.title, lang)
    out = [
        paint(f"{lab['cohort']} {standing.cohort}", "heading") + (f"  {title}" if title else ""),
        _policy_line(standing.policy, lab),
        "",
    ]
    table = _table(rows, right=frozenset({0, *range(2, advance_col)}))
    out.append(paint(INDENT + "  ".join(table[0]), "heading"))
    for team, row in zip(standing.teams, table[1:], strict=True):
        # Colour only the advance word; its padding was computed on the plain text.
        word = row[advance_col].rstrip()
        row[advance_col] = paint(word, _ADVANCE_STYLE[team.advance]) + row[advance_col][len(word):]
        out.append(INDENT + "  ".join(row))
    return _lines(out, color)


_ADVANCE_STYLE = {True: Outcome.PASS, False: Outcome.FAIL, None: Outcome.UNDECIDED}


def _advance_word(advance: bool | None, labels: Mapping[str, str]) -> str:
    return {True: labels["yes"], False: labels["no"], None: labels["undecided"]}[advance]
