"""The renderers over hand-built verdicts: every format's shape, order, alignment and determinism."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.render import FORMATS, render_standing, render_verdicts
from policy.render.common import LABELS, value_data, value_text
from policy.render.sarif import file_uri
from policy.source import display_width
from policy.verdict import (
    DecisionResult,
    Fact,
    GateResult,
    Level,
    Location,
    ManifestInfo,
    Outcome,
    PolicyInfo,
    RuleRef,
    ScoreResult,
    Standing,
    Status,
    TeamStanding,
    Term,
    TraceStep,
    Verdict,
    Witness,
)

MANIFEST = "examples/2026-phase1/naver-cloud.yaml"
RULES = "rules/dokpamo-2026-phase1.pol"
POLICY_DIGEST = "sha256:" + "ab" * 32
POLICY = PolicyInfo("dokpamo-2026-phase1", "1.0", POLICY_DIGEST, {"en": "phase 1", "ko": "1차"}, "2026-01-15")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def at(line: int, column: int = 5) -> Location:
    return Location(MANIFEST, line, column)


def rule(line: int) -> RuleRef:
    return RuleRef(RULES, line, 1)


def gate(
    gate_id: str,
    level: Level,
    status: Status,
    en: str = "",
    ko: str = "",
    witnesses: tuple[Witness, ...] = (),
    missing: tuple[str, ...] = (),
    line: int = 1,
) -> GateResult:
    message = {"en": en or f"{gate_id} message", "ko": ko or f"{gate_id} 메시지"}
    return GateResult(gate_id, level, status, message, witnesses, missing, rule(line))


def verdict(
    gates: tuple[GateResult, ...],
    *,
    team: str | None = "naver-cloud",
    decision: Outcome = Outcome.FAIL,
    scores: tuple[ScoreResult, ...] = (),
    missing: tuple[str, ...] = (),
    trace: tuple[TraceStep, ...] = (),
    file: str | None = MANIFEST,
) -> Verdict:
    because = tuple(g.id for g in gates if g.status is Status.FAIL and g.level is Level.DISQUALIFY)
    return Verdict(
        decision=decision,
        decisions=(DecisionResult("eligible", decision, because, rule(90)),),
        gates=gates,
        scores=scores,
        missing=missing,
        policy=POLICY,
        manifest=ManifestInfo(team, "sha256:" + "cd" * 32, file),
        engine="dokpamo 0.1.0",
        trace=trace,
    )


ENCODER = Witness(
    "components[2]",
    "vision-encoder",
    (
        Fact("components[2].init", "pretrained", at(44, 11)),
        Fact("components[2].trainable", False, at(45, 16)),
    ),
    at(40),
    ("components[2].init in {random, own_checkpoint}",),
)
NOTICE = Witness("components[3]", "글림-추론", (Fact("components[3].notice", "later", at(61, 13)),), at(55))

SCRATCH = gate(
    "weights_from_scratch", Level.DISQUALIFY, Status.FAIL,
    "component `vision-encoder` starts from pretrained weights",
    "구성 요소 `vision-encoder`가 사전 학습된 가중치에서 시작함", (ENCODER,), line=12,
)
ATTRIBUTION = gate("reuse_attribution", Level.WARN, Status.FAIL, witnesses=(NOTICE,), line=20)
EVIDENCE = gate(
    "evidence_deposited", Level.REVIEW, Status.UNKNOWN, "evidence deposited", "증빙 제출",
    missing=("training.artifacts.technical_report",), line=30,
)
TOKENIZER = gate("tokenizer_review", Level.REVIEW, Status.FAIL, line=35)
CONTROL = gate("no_external_control", Level.DISQUALIFY, Status.PASS, line=25)
SYNTHETIC = gate("synthetic_data_review", Level.REVIEW, Status.SKIPPED, line=40)

SCORES = (
    ScoreResult(
        "benchmark", Decimal("31.0"), Decimal(40),
        (Term("nia", Decimal("8.4")), Term("common", Decimal("12.6")), Term("individual", Decimal("10.0"))),
    ),
    ScoreResult("expert", None, Decimal(35), (), ("scores.expert",)),
    ScoreResult(
        "total", Decimal("90.2"), Decimal(100),
        (Term("benchmark", Decimal("33.6")), Term("expert", Decimal("31.6")), Term("user", Decimal(25))),
    ),
)
TRACE = (
    TraceStep("weights_from_scratch", "all(components, c -> c.init in INIT_OK)", "false", rule(13), 0),
    TraceStep("weights_from_scratch", "components[2].init in INIT_OK", "false", None, 1),
)
# Policy order, deliberately not the order a reader needs.
GATES = (CONTROL, ATTRIBUTION, EVIDENCE, SYNTHETIC, TOKENIZER, SCRATCH)


def naver() -> Verdict:
    return verdict(GATES, scores=SCORES, missing=("scores.expert", "training.artifacts.technical_report"),
                   trace=TRACE)


def lg() -> Verdict:
    return verdict((CONTROL, SYNTHETIC), team="lg-ai-research", decision=Outcome.PASS, scores=SCORES[2:],
                   file="examples/2026-phase1/lg-ai-research.yaml")


def standing() -> Standing:
    def team(name: str, rank: int | None, total: str | None, advance: bool | None, en: str, ko: str,
             by: tuple[str, ...] = ()) -> TeamStanding:
        keys = (("total", None if total is None else Decimal(total)), ("benchmark", Decimal("30.4")))
        return TeamStanding(name, rank, keys, advance, {"en": en, "ko": ko}, by)

    return Standing(
        "2026-phase1",
        {"en": "phase 1 evaluation", "ko": "1차 평가"},
        (
            team("lg-ai-research", 1, "90.2", True, "rank 1 within 4 places", "4자리 중 1위"),
            team("sk-telecom", 2, "80.0", True, "rank 2 within 4 places", "4자리 중 2위"),
            team("nc-ai", 4, "69.4", False, "cut: rank 4 after gates", "컷: 게이트 후 4위", ("cut",)),
            team("naver-cloud", None, "81.6", False, "fails `weights_from_scratch`",
                 "`weights_from_scratch` 실패", ("weights_from_scratch",)),
            team("upstage", None, None, None, "missing `scores.user`", "`scores.user` 누락"),
        ),
        POLICY,
    )


# --- JSON --------------------------------------------------------------------------------------


def test_json_is_the_documented_shape() -> None:
    data = json.loads(render_verdicts([verdict((SCRATCH, EVIDENCE), scores=SCORES[:2])], "json"))
    assert data == {
        "decision": "fail",
        "decisions": [
            {
                "id": "eligible", "outcome": "fail", "because": ["weights_from_scratch"],
                "rule": f"{RULES}:90:1",
            },
        ],
        "engine": "dokpamo 0.1.0",
        "gates": [
            {
                "id": "weights_from_scratch",
                "status": "fail",
                "level": "disqualify",
                "message": {
                    "en": "component `vision-encoder` starts from pretrained weights",
                    "ko": "구성 요소 `vision-encoder`가 사전 학습된 가중치에서 시작함",
                },
                "missing": [],
                "rule": f"{RULES}:12:1",
                "witnesses": [
                    {
                        "path": "components[2]",
                        "label": "vision-encoder",
                        "location": f"{MANIFEST}:40:5",
                        "facts": [
                            {
                                "path": "components[2].init", "value": "pretrained",
                                "location": f"{MANIFEST}:44:11",
                            },
                            {
                                "path": "components[2].trainable", "value": False,
                                "location": f"{MANIFEST}:45:16",
                            },
                        ],
                        "wants": ["components[2].init in {random, own_checkpoint}"],
                    },
                ],
            },
            {
                "id": "evidence_deposited",
                "status": "unknown",
                "level": "review",
                "message": {"en": "evidence deposited", "ko": "증빙 제출"},
                "missing": ["training.artifacts.technical_report"],
                "rule": f"{RULES}:30:1",
                "witnesses": [],
            },
        ],
        "manifest": {"team": "naver-cloud", "digest": "sha256:" + "cd" * 32},
        "missing": [],
        "policy": {"name": "dokpamo-2026-phase1", "version": "1.0", "digest": POLICY_DIGEST},
        "scores": [
            {
                "id": "benchmark",
                "value": "31.0",
                "max": "40",
                "breakdown": [
                    {"name": "nia", "value": "8.4"},
                    {"name": "common", "value": "12.6"},
                    {"name": "individual", "value": "10.0"},
                ],
            },
            {"id": "expert", "value": None, "max": "35", "breakdown": []},
        ],
    }


def test_json_text_conventions() -> None:
    out = render_verdicts([naver()], "json")
    assert out.endswith("}\n")
    assert "구성 요소" in out  # ensure_ascii=False
    assert '\n  "decision": "fail",' in out  # two-space indent, sorted keys: "decision" comes first
    assert out.index('"decision"') < out.index('"engine"') < out.index('"gates"') < out.index('"scores"')


def test_json_never_contains_a_float() -> None:
    def no_float(text: str) -> None:
        raise AssertionError(f"float {text} in JSON output")

    data = json.loads(render_verdicts([naver()], "json"), parse_float=no_float)
    assert data["scores"][2]["value"] == "90.2"
    assert data["scores"][2]["breakdown"][2] == {"name": "user", "value": "25"}


def test_json_one_verdict_is_an_object_several_are_an_array() -> None:
    assert isinstance(json.loads(render_verdicts([naver()], "json")), dict)
    both = json.loads(render_verdicts([naver(), lg()], "json"))
    assert [v["manifest"]["team"] for v in both] == ["naver-cloud", "lg-ai-research"]


def test_json_trace_only_when_explaining() -> None:
    assert "trace" not in json.loads(render_verdicts([naver()], "json"))
    trace = json.loads(render_verdicts([naver()], "json", explain=True))["trace"]
    assert trace[1] == {
        "rule": "weights_from_scratch", "expression": "components[2].init in INIT_OK", "value": "false",
        "location": None, "depth": 1,
    }


def test_json_standing_shape() -> None:
    data = json.loads(render_standing(standing(), "json", lang="ko"))
    assert data["cohort"] == "2026-phase1"
    assert data["policy"] == {"name": "dokpamo-2026-phase1", "version": "1.0", "digest": POLICY_DIGEST}
    assert data["teams"][0] == {
        "team": "lg-ai-research", "rank": 1, "total": "90.2", "advance": True, "reason": "4자리 중 1위",
        "decided_by": [],
    }
    assert data["teams"][3]["rank"] is None
    assert data["teams"][3]["decided_by"] == ["weights_from_scratch"]
    assert data["teams"][4]["total"] is None
    assert data["teams"][4]["advance"] is None


@pytest.mark.parametrize(
    ("value", "text", "data"),
    [
        (Decimal("1E+1"), "10", "10"),
        (Decimal("0.00001"), "0.00001", "0.00001"),
        (Decimal("25.0"), "25.0", "25.0"),
        (236000000000, "236000000000", "236000000000"),
        (True, "true", True),
        (None, "null", None),
        (["text", "image"], "[text, image]", ["text", "image"]),
        ({"nia": Decimal("9.2")}, "{nia: 9.2}", {"nia": "9.2"}),
        ("업스테이지", "업스테이지", "업스테이지"),
    ],
)
def test_fact_values(value: object, text: str, data: object) -> None:
    assert value_text(value) == text
    assert value_data(value) == data


# --- text --------------------------------------------------------------------------------------


def _gate_rows(out: str, ids: list[str]) -> list[str]:
    lines = out.splitlines()
    return [next(line for line in lines if f"  {gate_id}  " in line) for gate_id in ids]


def test_text_failures_first_by_level_then_unknown_then_compact_rest() -> None:
    out = render_verdicts([naver()], "text")
    order = ["weights_from_scratch", "tokenizer_review", "reuse_attribution", "evidence_deposited"]
    positions = [out.index(f"  {gate_id}  ") for gate_id in order]
    assert positions == sorted(positions)
    assert "  passed (1): no_external_control" in out
    assert "  skipped (1): synthetic_data_review" in out
    assert out.index("evidence_deposited") < out.index("passed (1)") < out.index("  benchmark ")
    assert out.index("  total ") < out.index("decision: FAIL")
    assert out.rstrip().endswith("decision: FAIL")


def test_text_shows_witnesses_wants_rule_and_missing() -> None:
    out = render_verdicts([naver()], "text")
    assert "components[2] (vision-encoder)  examples/2026-phase1/naver-cloud.yaml:40" in out
    assert re.search(r"components\[2\]\.init +\= pretrained +examples/2026-phase1/naver-cloud\.yaml:44\n",
                     out)
    assert re.search(r"components\[2\]\.trainable \= false +examples/2026-phase1/naver-cloud\.yaml:45\n", out)
    assert "to change: components[2].init in {random, own_checkpoint}" in out
    assert f"rule: {RULES}:12:1" in out
    assert "missing facts: training.artifacts.technical_report" in out
    assert "eligible: fail (because: weights_from_scratch)" in out


def test_text_scores_show_value_max_and_breakdown() -> None:
    out = render_verdicts([naver()], "text")
    assert re.search(r"  benchmark +31\.0 /  40  nia 8\.4, common 12\.6, individual 10\.0\n", out)
    assert re.search(r"  expert +\? /  35  missing facts: scores\.expert\n", out)
    assert re.search(r"  total +90\.2 / 100  benchmark 33\.6, expert 31\.6, user 25\n", out)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_text_gate_table_aligns_hangul(lang: str) -> None:
    out = render_verdicts([naver()], "text", lang=lang)
    gates = [SCRATCH, TOKENIZER, ATTRIBUTION, EVIDENCE]
    rows = _gate_rows(out, [g.id for g in gates])
    header = out.splitlines()[3]
    messages = [g.message[lang] for g in gates]
    starts = {display_width(row[: row.index(message)]) for row, message in zip(rows, messages, strict=True)}
    starts.add(display_width(header) - display_width(header.split()[-1]))
    assert len(starts) == 1, out
    # The gate id column starts at the same display column too, whatever the status word.
    assert len({display_width(row[: row.index(g.id)]) for row, g in zip(rows, gates, strict=True)}) == 1


def test_text_korean_labels_and_messages() -> None:
    out = render_verdicts([naver()], "text", lang="ko")
    assert "구성 요소 `vision-encoder`가 사전 학습된 가중치에서 시작함" in out
    assert "결정: 실패" in out
    assert "바꾸려면: components[2].init in {random, own_checkpoint}" in out


def test_text_falls_back_to_english_for_a_missing_translation() -> None:
    english_only = GateResult("x_gate", Level.WARN, Status.FAIL, {"en": "only english"}, (), (), None)
    assert "only english" in render_verdicts([verdict((english_only,))], "text", lang="ko")


def test_text_color_only_when_asked_and_never_changes_the_layout() -> None:
    plain = render_verdicts([naver()], "text", lang="ko", explain=True)
    colored = render_verdicts([naver()], "text", lang="ko", explain=True, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31m" in colored
    assert ANSI.sub("", colored) == plain


def test_text_explain_appends_the_trace_indented_by_depth() -> None:
    assert "trace" not in render_verdicts([naver()], "text")
    out = render_verdicts([naver()], "text", explain=True)
    tail = out[out.index("\ntrace\n"):]
    assert "\n  weights_from_scratch\n" in tail
    assert f"\n    all(components, c -> c.init in INIT_OK) = false  {RULES}:13:1\n" in tail
    assert "\n      components[2].init in INIT_OK = false\n" in tail


def test_text_several_verdicts_are_separate_blocks() -> None:
    out = render_verdicts([naver(), lg()], "text")
    first, second = out.split("\n\nlg-ai-research  ")
    assert first.startswith("naver-cloud  ")
    assert "decision: FAIL" in first
    assert second.rstrip().endswith("decision: PASS")


def test_text_without_team_or_file() -> None:
    out = render_verdicts([verdict((CONTROL,), team=None, decision=Outcome.PASS, file=None)], "text")
    assert out.startswith("(no team id)\n")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_text_standing_columns_align(lang: str) -> None:
    out = render_standing(standing(), "text", lang=lang)
    table = out.splitlines()[3:]
    assert len(table) == 6
    reasons = [t.reason[lang] for t in standing().teams]
    starts = {display_width(row[: row.index(reason)]) for row, reason in zip(table[1:], reasons, strict=True)}
    assert len(starts) == 1, out
    assert table[0].rstrip().endswith("사유" if lang == "ko" else "reason")
    assert display_width(table[0]) - display_width(table[0].split()[-1]) in starts
    assert re.search(r"^ +- +naver-cloud +81\.6 +30\.4 +(no|탈락) ", out, re.MULTILINE)
    assert re.search(r"^ +- +upstage +\? +30\.4 +(undecided|미결정) ", out, re.MULTILINE)


# --- SARIF -------------------------------------------------------------------------------------


def test_sarif_log() -> None:
    log = json.loads(render_verdicts([naver()], "sarif"))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [g.id for g in GATES]
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in rules} == {
        "no_external_control": "error", "reuse_attribution": "note", "evidence_deposited": "warning",
        "synthetic_data_review": "warning", "tokenizer_review": "warning", "weights_from_scratch": "error",
    }
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {
        "reuse_attribution", "evidence_deposited", "tokenizer_review", "weights_from_scratch",
    }
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]

    scratch = results["weights_from_scratch"]
    assert (scratch["kind"], scratch["level"]) == ("fail", "error")
    assert scratch["properties"] == {
        "status": "fail", "level": "disqualify", "team": "naver-cloud", "missing": [],
    }
    physical = scratch["locations"][0]["physicalLocation"]
    assert physical == {
        "artifactLocation": {"uri": MANIFEST},
        "region": {"startLine": 40, "startColumn": 5},
    }
    assert results["reuse_attribution"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 55

    unknown = results["evidence_deposited"]
    assert (unknown["kind"], unknown["level"]) == ("open", "none")
    assert unknown["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": MANIFEST}}
    assert "training.artifacts.technical_report" in unknown["message"]["text"]


def test_sarif_falls_back_to_the_first_located_fact() -> None:
    fact = Fact("runtime.external_services", ["x"], at(70, 22))
    witness = Witness("runtime.external_services", None, (fact,))
    failed = gate("no_external_control", Level.DISQUALIFY, Status.FAIL, witnesses=(witness,))
    (result,) = json.loads(render_verdicts([verdict((failed,))], "sarif"))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 70, "startColumn": 22}


def test_sarif_several_manifests_share_one_run() -> None:
    log = json.loads(render_verdicts([naver(), lg()], "sarif"))
    (run,) = log["runs"]
    assert [m["team"] for m in run["properties"]["manifests"]] == ["naver-cloud", "lg-ai-research"]
    assert len(run["tool"]["driver"]["rules"]) == len(GATES)


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("examples/2026-phase1/lg.yaml", "examples/2026-phase1/lg.yaml"),
        ("my manifests/팀.yaml", "my%20manifests/%ED%8C%80.yaml"),
        ("/srv/m.yaml", "file:///srv/m.yaml"),
        ("C:\\m\\team.yaml", "file:///C:/m/team.yaml"),
        ("sub\\team.yaml", "sub/team.yaml"),
    ],
)
def test_sarif_uris(path: str, uri: str) -> None:
    assert file_uri(path) == uri


# --- JUnit -------------------------------------------------------------------------------------


def test_junit_one_suite_per_manifest_one_case_per_gate() -> None:
    out = render_verdicts([naver(), lg()], "junit")
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "dokpamo", "tests": "8", "failures": "3", "errors": "1", "skipped": "2"}
    first, second = root.findall("testsuite")
    assert first.get("name") == "naver-cloud"
    assert second.get("name") == "lg-ai-research"
    cases = {c.get("name"): c for c in first.findall("testcase")}
    assert len(cases) == len(GATES)
    assert {c.get("classname") for c in cases.values()} == {"dokpamo-2026-phase1"}

    failure = cases["weights_from_scratch"].find("failure")
    assert failure is not None
    assert failure.get("type") == "disqualify"
    assert failure.get("message") == "component `vision-encoder` starts from pretrained weights"
    assert "components[2].init = pretrained" in (failure.text or "")
    assert f"{MANIFEST}:44:11" in (failure.text or "")

    error = cases["evidence_deposited"].find("error")
    assert error is not None
    assert error.get("message") == "unknown: missing training.artifacts.technical_report"
    assert cases["synthetic_data_review"].find("skipped") is not None
    assert list(cases["no_external_control"]) == []
    props = {p.get("name"): p.get("value") for p in first.iter("property")}
    assert props["decision"] == "fail"
    assert props["score.total"] == "90.2"
    assert props["score.expert"] == "unknown"


def test_junit_escapes_and_drops_what_xml_cannot_carry() -> None:
    nasty = gate("x_gate", Level.WARN, Status.FAIL, 'a <b> & "c"\x00\x1b',
                 witnesses=(Witness("x", None, (Fact("x", "]]>\x07", at(1)),)),))
    out = render_verdicts([verdict((nasty,))], "junit")
    failure = ET.fromstring(out.split("\n", 1)[1]).find("./testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == 'a <b> & "c"\ufffd\ufffd'
    assert "x = ]]>\ufffd" in (failure.text or "")


# --- Markdown ----------------------------------------------------------------------------------


def test_markdown_pr_comment() -> None:
    out = render_verdicts([naver()], "markdown")
    lines = out.splitlines()
    assert lines[0] == "### dokpamo: naver-cloud: **FAIL**"
    table = [line for line in lines if line.startswith("| ") and "`" in line.split("|")[3]]
    assert [row.split("|")[3].strip() for row in table[: len(GATES)]] == [
        "`weights_from_scratch`", "`tokenizer_review`", "`reuse_attribution`", "`evidence_deposited`",
        "`no_external_control`", "`synthetic_data_review`",
    ]
    assert "| **fail** | disqualify | `weights_from_scratch` |" in out
    assert "  - `components[2].init` = `pretrained` at `examples/2026-phase1/naver-cloud.yaml:44:11`" in out
    assert "| `total` | 90.2 | 100 | benchmark 33.6, expert 31.6, user 25 |" in out
    assert "| `expert` | ? | 35 | missing facts: `scores.expert` |" in out
    assert "missing facts: `scores.expert`, `training.artifacts.technical_report`" in out
    assert not re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", out)


def test_markdown_escapes_table_breakers() -> None:
    tricky = gate("x_gate", Level.WARN, Status.FAIL, "a | b <script>\nc", witnesses=(
        Witness("components[0]", "x", (Fact("components[0].name", "has `ticks`", at(3)),)),))
    out = render_verdicts([verdict((tricky,))], "markdown")
    assert "| a \\| b &lt;script&gt; c |" in out
    assert "`` has `ticks` ``" in out


def test_markdown_standing() -> None:
    out = render_standing(standing(), "markdown", lang="ko")
    assert out.startswith("### dokpamo: 2026-phase1: 1차 평가\n")
    assert "| 1 | `lg-ai-research` | 90.2 | **진출** | 4자리 중 1위 |" in out
    assert "| - | `naver-cloud` | 81.6 | 탈락 | `weights_from_scratch` 실패 |" in out


def test_every_label_is_translated() -> None:
    assert LABELS["ko"].keys() == LABELS["en"].keys()


# --- the API -----------------------------------------------------------------------------------


def test_unknown_format_and_language_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown format `yaml`: expected one of text, json, sarif"):
        render_verdicts([naver()], "yaml")
    with pytest.raises(ValueError, match="unknown language `fr`"):
        render_verdicts([naver()], "json", lang="fr")
    for fmt in ("sarif", "junit"):
        with pytest.raises(ValueError, match=f"the `{fmt}` format cannot show a cohort ranking"):
            render_standing(standing(), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_byte_identical_across_runs(fmt: str) -> None:
    first = render_verdicts([naver(), lg()], fmt, lang="ko", explain=True)
    assert render_verdicts([naver(), lg()], fmt, lang="ko", explain=True) == first
    assert first.endswith("\n")


# --- properties --------------------------------------------------------------------------------

_names = st.text(st.sampled_from("abc-_[]1.가나"), min_size=1, max_size=8)
_texts = st.text(max_size=20)
_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000)
_locations = st.none() | st.builds(Location, _names, st.integers(1, 999), st.integers(1, 99))
_values = st.none() | st.booleans() | _texts | _decimals | st.lists(_texts, max_size=3)
_witnesses = st.builds(
    Witness, _names, st.none() | _texts,
    st.lists(st.builds(Fact, _names, _values, _locations), max_size=3).map(tuple),
    _locations, st.lists(_texts, max_size=2).map(tuple),
)
_gates = st.builds(
    GateResult, _names, st.sampled_from(Level), st.sampled_from(Status),
    st.fixed_dictionaries({"en": _texts}, optional={"ko": _texts}),
    st.lists(_witnesses, max_size=2).map(tuple), st.lists(_names, max_size=2).map(tuple),
    st.none() | st.builds(RuleRef, _names, st.integers(1, 99), st.integers(1, 99)),
)
_scores = st.builds(
    ScoreResult, _names, st.none() | _decimals, _decimals,
    st.lists(st.builds(Term, _names, st.none() | _decimals), max_size=3).map(tuple),
)
_verdicts = st.builds(
    verdict, st.lists(_gates, max_size=5).map(tuple), team=st.none() | _names,
    decision=st.sampled_from(Outcome), scores=st.lists(_scores, max_size=3).map(tuple),
    file=st.none() | _names,
)


@given(st.lists(_verdicts, min_size=1, max_size=3), st.sampled_from(["en", "ko"]))
def test_any_verdicts_render_in_every_format(verdicts: list[Verdict], lang: str) -> None:
    for fmt in FORMATS:
        out = render_verdicts(verdicts, fmt, lang=lang)
        assert out == render_verdicts(verdicts, fmt, lang=lang)
        if fmt in ("json", "sarif"):
            json.loads(out)
        if fmt == "junit":
            root = ET.fromstring(out.split("\n", 1)[1])
            assert len(root.findall("./testsuite/testcase")) == sum(len(v.gates) for v in verdicts)
    data = json.loads(render_verdicts(verdicts, "json", lang=lang))
    items = data if isinstance(data, list) else [data]
    assert [[g["id"] for g in v["gates"]] for v in items] == [[g.id for g in v.gates] for v in verdicts]


@pytest.mark.parametrize("color", [False, True])
def test_text_escapes_control_characters_from_the_inputs(color: bool) -> None:
    forged = "x\ndecision: PASS\r\x1b]0;title\x07\x1b[2J"
    witness = Witness("components[0]", forged, (Fact("components[0].name", forged, at(3)),))
    failed = gate("x_gate", Level.DISQUALIFY, Status.FAIL, forged, witnesses=(witness,))
    out = ANSI.sub("", render_verdicts([verdict((failed,), team=forged)], "text", color=color))
    assert "\r" not in out
    assert "\x07" not in out
    assert "\x1b" not in out
    assert "\ndecision: PASS" not in out
    assert "x\\ndecision: PASS\\r\\x1b]0;title\\x07\\x1b[2J" in out
    standing_out = render_standing(
        Standing("c", {"en": forged}, (TeamStanding(forged, 1, (), True, {"en": forged}),), POLICY),
        "text", color=color,
    )
    assert "\x1b" not in ANSI.sub("", standing_out)
    assert "\r" not in standing_out
