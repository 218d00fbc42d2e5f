"""What every renderer shares: the order of gates, localised labels, decimal and value formatting."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from policy.verdict import GateResult, Level, Status, Text

LANGS = ("en", "ko")

# Failed gates first (the ones a reader must act on), then unknown, then the rest.
STATUS_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.PASS: 2, Status.SKIPPED: 3}
LEVEL_ORDER = {Level.DISQUALIFY: 0, Level.REVIEW: 1, Level.WARN: 2}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "pass": "pass", "fail": "fail", "unknown": "unknown", "skipped": "skipped",
        "undecided": "undecided",
        "disqualify": "disqualify", "review": "review", "warn": "warn",
        "status": "status", "level": "level", "gate": "gate", "message": "message",
        "passed": "passed", "score": "score", "value": "value",
        "max": "max", "breakdown": "breakdown", "decision": "decision", "decisions": "decisions",
        "because": "because", "missing": "missing facts", "rule": "rule", "to_change": "to change",
        "trace": "trace", "policy": "policy", "manifest": "manifest", "team": "team", "rank": "rank",
        "advance": "advance", "reason": "reason", "yes": "yes", "no": "no", "cohort": "cohort",
        "no_team": "(no team id)",
    },
    "ko": {
        "pass": "통과", "fail": "실패", "unknown": "미정", "skipped": "해당 없음",
        "undecided": "미결정",
        "disqualify": "실격", "review": "검토", "warn": "경고",
        "status": "상태", "level": "수준", "gate": "게이트", "message": "내용",
        "passed": "통과", "score": "점수", "value": "값",
        "max": "만점", "breakdown": "구성", "decision": "결정", "decisions": "결정",
        "because": "근거", "missing": "누락된 사실", "rule": "규칙", "to_change": "바꾸려면",
        "trace": "평가 과정", "policy": "정책", "manifest": "매니페스트", "team": "팀", "rank": "순위",
        "advance": "진출", "reason": "사유", "yes": "진출", "no": "탈락", "cohort": "평가군",
        "no_team": "(팀 id 없음)",
    },
}


def check_lang(lang: str) -> dict[str, str]:
    """The label table of `lang`; a `ValueError` names the supported ones."""
    try:
        return LABELS[lang]
    except KeyError:
        raise ValueError(f"unknown language `{lang}`: expected one of {', '.join(LANGS)}") from None


def localise(text: Text, lang: str) -> str:
    """The message in `lang`, else English, else the first language in code order."""
    for code in (lang, "en", *sorted(text)):
        if code in text:
            return text[code]
    return ""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """Control characters spelled out (`\\n`, `\\x1b`), so that input text cannot drive a terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def sorted_gates(gates: Sequence[GateResult]) -> list[GateResult]:
    """Failed before unknown before passed before skipped; disqualify before review before warn.

    The sort is stable, so gates of the same status and level keep the policy's order.
    """
    return sorted(gates, key=lambda g: (STATUS_ORDER[g.status], LEVEL_ORDER[g.level]))


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as written, never in exponent form (`90.2`, `25`, `0.00001`); `None` stays `None`."""
    if value is None:
        return None
    return format(value, "f")


def value_text(value: object) -> str:
    """A fact's value as the manifest would spell it: `true`, `90.2`, `[text, image]`, `pretrained`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)


def value_data(value: object) -> object:
    """A fact's value as JSON data: numbers become decimal strings so that no reader parses a float."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (Decimal, int)):
        return format(Decimal(value), "f")
    if isinstance(value, Mapping):
        return {str(k): value_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [value_data(v) for v in value]
    return str(value)


def short_digest(digest: str) -> str:
    """The first 12 hex digits of a digest, after its `sha256:` prefix if any, for people."""
    algo, sep, hexdigits = digest.partition(":")
    return f"{algo}:{hexdigits[:12]}" if sep else digest[:12]
