"""Loading team manifests: values, positions, digests, every structural error and hostile input."""

from __future__ import annotations

import datetime
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from policy.diagnostics import Diagnostic
from policy.facts import yamljson
from policy.facts.load import (
    Manifest,
    ManifestError,
    canonical_json,
    decimal_text,
    key_path,
    load_manifest,
    manifest_from_mapping,
    parent_path,
    parse_manifest,
)
from policy.verdict import Location

FULL = """\
# yaml-language-server: $schema=../docs/manifest.schema.json
manifest: 1
team:
  id: lg-ai-research
  name: LG AI Research 컨소시엄
model:
  name: K-EXAONE
  version: "1.0"
  parameters: 236000000000
  active_parameters: 23000000000
  modalities: [text]
  license: Apache-2.0
  released: 2025-12-30
training:
  performed_by: team
  from_scratch: true
  tokens: 11000000000000
  initial_loss: 12.1
  artifacts:
    technical_report: reports/k-exaone.pdf
    training_logs: [logs/wandb-export.zip]
    checkpoints:
      - {stage: early, sha256: "0000000000000000000000000000000000000000000000000000000000000000"}
      - {stage: final, sha256: "1111111111111111111111111111111111111111111111111111111111111111"}
components:
  - id: backbone
    role: language_model
    weights: true
    init: random
    trainable: true
    origin: in_house
  - id: vision-encoder
    role: vision_encoder
    weights: true
    init: pretrained
    trainable: false
    origin: open_source
    source:
      name: Qwen/Qwen2.5-VL-32B-Instruct
      organization: Alibaba Cloud
      country: CN
      relation: copy
      url: https://example.org/model
    license: Apache-2.0 OR MIT
    notice: first_release
    x-note: {reviewed: 2026-01-15, by: [a, b], score: 0.5, empty: null}
  - id: synthetic-corpus
    role: dataset
    origin: in_house
    synthetic:
      teacher: some-org/teacher-model
      teacher_license: LicenseRef-Teacher-Terms
runtime:
  external_services: []
scores:
  benchmark: 33.6
  benchmark_parts: {nia: 9.2, common: 16.4, individual: 8.0}
  expert: 31.6
  user: 25
wildcard:
  panel_size: 10
  votes_for: 6
benchmarks:
  - {name: KMMLU, group: common, score: 0.712, sota: 0.74, sota_model: some-org/model}
evidence: {}
x-contact: team@example.org
"""


def full() -> Manifest:
    return parse_manifest(FULL, "full.yaml")


# ---------------------------------------------------------------------------------------------
# Values


def test_values_are_exact_and_typed() -> None:
    data = full().data
    scores = data["scores"]
    assert scores["benchmark"] + scores["expert"] + scores["user"] == Decimal("90.2")
    assert str(scores["benchmark_parts"]["individual"]) == "8.0"  # the text as written
    assert data["model"]["released"] == datetime.date(2025, 12, 30)
    assert data["model"]["version"] == "1.0"
    assert data["training"]["tokens"] == Decimal(11000000000000)
    assert data["components"][0]["weights"] is True
    assert data["team"]["name"] == "LG AI Research 컨소시엄"
    assert data["runtime"]["external_services"] == []


def test_no_defaults_are_inserted_and_x_keys_are_kept() -> None:
    data = full().data
    assert "weights" not in data["components"][2]  # the schema default is the evaluator's business
    assert data["x-contact"] == "team@example.org"
    note = data["components"][1]["x-note"]
    # `x-` values are kept as written: a date-like text stays text, null stays null
    assert note == {"reviewed": "2026-01-15", "by": ["a", "b"], "score": Decimal("0.5"), "empty": None}


def test_team_property() -> None:
    assert full().team == "lg-ai-research"
    assert manifest_from_mapping({"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "m"}}).team == "t"


# ---------------------------------------------------------------------------------------------
# Positions


def line_col(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def test_locations_point_at_values_and_keys() -> None:
    m = full()
    assert m.locations[""] == (2, 1)
    assert m.locations["team.id"] == line_col(FULL, "lg-ai-research")
    assert m.locations["team"] == line_col(FULL, "team:")
    assert m.locations["components[1]"] == line_col(FULL, "id: vision-encoder")
    assert m.locations["components[1].source.country"] == line_col(FULL, "CN")
    assert m.locations["training.artifacts.checkpoints[1].sha256"] == line_col(FULL, '"1111')
    assert m.locations["components[1].x-note.by[1]"] == line_col(FULL, "b]")
    assert "components[2].weights" not in m.locations


def test_location_falls_back_to_the_nearest_written_ancestor() -> None:
    m = full()
    assert m.location("components[1].init") == Location("full.yaml", *line_col(FULL, "pretrained"))
    assert m.location("components[2].weights") == Location("full.yaml", *line_col(FULL, "id: synthetic-corpus"))
    assert m.location("scores.benchmark_parts.nia") == Location("full.yaml", *line_col(FULL, "9.2"))
    assert m.location("nothing.here[3]") == Location("full.yaml", 2, 1)
    assert manifest_from_mapping({"manifest": 1, "team": {"id": "t", "name": "T"},
                                  "model": {"name": "m"}}).location("team.id") is None


@pytest.mark.parametrize(("parent", "key", "path"), [
    ("", "team", "team"),
    ("team", "id", "team.id"),
    ("components[1]", "x-note", "components[1].x-note"),
    ("x-notes", "a b", 'x-notes["a b"]'),
    ("x-notes", 'q"uote', 'x-notes["q\\"uote"]'),
    ("x-notes", "2024", 'x-notes["2024"]'),
])
def test_key_paths_round_trip_through_parent_path(parent: str, key: str, path: str) -> None:
    assert key_path(parent, key) == path
    assert parent_path(path) == parent


def test_parent_path_walks_up_to_the_root() -> None:
    steps = ["training.artifacts.checkpoints[0].sha256"]
    while steps[-1]:
        steps.append(parent_path(steps[-1]))
    assert steps == ["training.artifacts.checkpoints[0].sha256", "training.artifacts.checkpoints[0]",
                     "training.artifacts.checkpoints", "training.artifacts", "training", ""]


# ---------------------------------------------------------------------------------------------
# Digest

SMALL_YAML = "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M, parameters: 1000}\nscores: {expert: 25.50}\n"
SMALL_JSON = """{"scores": {"expert": 2.55e1}, "model": {"parameters": 1e3, "name": "M"},
  "team": {"name": "T", "id": "t"}, "manifest": 1.0}"""


def test_digest_ignores_format_order_and_number_spelling() -> None:
    a = parse_manifest(SMALL_YAML, "a.yaml")
    b = parse_manifest(SMALL_JSON, "b.json")
    c = parse_manifest("# a comment\n" + SMALL_YAML.replace("25.50", "25.5"), "c.yaml")
    d = manifest_from_mapping({"model": {"name": "M", "parameters": 1000}, "manifest": 1,
                               "team": {"id": "t", "name": "T"}, "scores": {"expert": 25.5}})
    assert a.digest == b.digest == c.digest == d.digest
    assert a == b  # manifests are equal when their digests are
    assert a.digest.startswith("sha256:") and len(a.digest) == 7 + 64
    assert parse_manifest(SMALL_YAML.replace("25.50", "25.51"), "e.yaml").digest != a.digest


def test_canonical_json_is_exact() -> None:
    data = {"b": [Decimal("1.50"), Decimal("1E+3"), Decimal("-0.0")], "a": {"d": datetime.date(2025, 1, 2)},
            "c": "한", "e": True, "f": None}
    assert canonical_json(data) == '{"a":{"d":"2025-01-02"},"b":[1.5,1000,0],"c":"한","e":true,"f":null}'
    # more digits than the decimal context's 28: normalize() would round them away
    assert decimal_text(Decimal("123456789012345678901234567890.000100")) == "123456789012345678901234567890.0001"


def test_mapping_numbers_come_from_their_shortest_text() -> None:
    m = manifest_from_mapping({"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "m"},
                               "scores": {"benchmark": 33.6, "expert": 31.6, "user": 25}})
    scores = m.data["scores"]
    assert scores["benchmark"] == Decimal("33.6")
    assert scores["benchmark"] + scores["expert"] + scores["user"] == Decimal("90.2")


# ---------------------------------------------------------------------------------------------
# Structural errors: one table, lark style. `⟨` marks where the diagnostic must point.

HEAD = "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M}\n"

MANIFEST_ERRORS: list[tuple[str, str | None, str, str | None]] = [
    # (code, manifest path, text (after HEAD unless it starts with `manifest` or `=`), help fragment)
    ("manifest.unknown-key", "trainig", "⟨trainig: {}\n", "did you mean `training`?"),
    ("manifest.unknown-key", "training.from_scrach", "training: {⟨from_scrach: true}\n", "`from_scratch`"),
    ("manifest.unknown-key", 'training["<<"]', "x-base: &b {tokens: 1}\ntraining:\n  ⟨<<: *b\n", "merge keys"),
    ("manifest.unknown-key", "scores.bench", "scores: {⟨bench: 1}\n", "`benchmark`"),
    ("manifest.bad-type", "training.from_scratch", "training: {from_scratch: ⟨yes}\n", "write `true` or `false`"),
    ("manifest.bad-type", "training.from_scratch", "training: {from_scratch: ⟨\"true\"}\n", "remove the quotes"),
    ("manifest.bad-type", "training.tokens", "training: {tokens: ⟨0777}\n", "YAML 1.1"),
    ("manifest.bad-type", "training.tokens", "training:\n  tokens: ⟨1:20\n", "YAML 1.1"),
    ("manifest.bad-type", "training.tokens", "training: {tokens: ⟨1_000}\n", "YAML 1.1"),
    ("manifest.bad-type", "training.tokens", "training: {tokens: ⟨\"1000\"}\n", "remove the quotes"),
    ("manifest.bad-type", "training.tokens", "training: {tokens: ⟨1.5}\n", "whole number"),
    ("manifest.bad-type", "training.tokens", "training: {tokens: ⟨NaN}\n", "finite"),
    ("manifest.bad-type", "training.performed_by", "training: {performed_by: ⟨~}\n", "leave the key out"),
    ("manifest.bad-type", "model.version", "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M, version: ⟨1.0}\n",
     'quote the text to keep it a string: `"1.0"`'),
    ("manifest.bad-type", "runtime.external_services", "runtime: {external_services: ⟨{a: 1}}\n", "as a list"),
    ("manifest.bad-type", "components", "components: ⟨backbone\n", None),
    ("manifest.bad-type", "model.released",
     "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M, released: ⟨30/12/2025}\n", "YYYY-MM-DD"),
    ("manifest.bad-type", None, "=⟨- manifest: 1\n", "the manifest is a mapping"),
    ("manifest.bad-enum", "components[0].role",
     "components:\n  - {id: a, role: ⟨language_modle, origin: in_house}\n", "did you mean `language_model`?"),
    ("manifest.bad-enum", "components[0].origin",
     "components:\n  - {id: a, role: dataset, origin: ⟨in-house}\n", "did you mean `in_house`?"),
    ("manifest.bad-enum", "components[0].source.relation",
     "components:\n  - {id: a, role: dataset, origin: partner, source: {name: x, relation: ⟨stolen}}\n",
     "expected one of `copy`"),
    ("manifest.missing-key", "components[0].origin", "components:\n  - ⟨{id: a, role: dataset}\n", "`origin`: "),
    ("manifest.missing-key", "team", "⟨manifest: 1\nmodel: {name: M}\n", "`team`: the team"),
    ("manifest.missing-key", "components[0].source.name",
     "components:\n  - id: a\n    role: dataset\n    origin: open_source\n    ⟨source:\n      organization: X\n",
     "hub id or project name"),
    ("manifest.duplicate-id", "components[1].id",
     "components:\n  - {id: a, role: dataset, origin: in_house}\n  - {id: ⟨a, role: dataset, origin: in_house}\n",
     "`components[0]` has this id on line 5"),
    ("manifest.out-of-range", "scores.benchmark", "scores: {benchmark: ⟨40.5}\n", None),
    ("manifest.out-of-range", "scores.benchmark_parts.nia", "scores: {benchmark_parts: {nia: ⟨-1}}\n", None),
    ("manifest.out-of-range", "training.tokens", "training: {tokens: ⟨0}\n", None),
    ("manifest.out-of-range", "manifest", "manifest: ⟨2\nteam: {id: t, name: T}\nmodel: {name: M}\n", None),
    ("manifest.bad-pattern", "team.id", "manifest: 1\nteam: {id: ⟨LG AI, name: T}\nmodel: {name: M}\n",
     "lowercase letters"),
    ("manifest.bad-pattern", "training.artifacts.checkpoints[0].sha256",
     "training:\n  artifacts:\n    checkpoints: [{stage: final, sha256: ⟨abc}]\n", "64 lowercase hexadecimal"),
    ("manifest.bad-pattern", "components[0].source.country",
     "components:\n  - {id: a, role: dataset, origin: partner, source: {name: x, country: ⟨Korea}}\n",
     "ISO 3166-1"),
    ("manifest.bad-license", "components[0].license",
     "components:\n  - {id: a, role: dataset, origin: partner, license: ⟨Apache 2.0}\n", "no spaces"),
    ("manifest.bad-license", "components[0].license",
     "components:\n  - {id: a, role: dataset, origin: partner, license: ⟨MIT AND}\n", "SPDX ids"),
    ("manifest.bad-date", "model.released",
     "manifest: 1\nteam: {id: t, name: T}\nmodel: {name: M, released: ⟨2025-02-30}\n", "YYYY-MM-DD"),
    ("manifest.empty-value", "components[0].source.name",
     "components:\n  - {id: a, role: dataset, origin: partner, source: {name: ⟨\"  \"}}\n", "leave the key out"),
    ("manifest.duplicate-key", "", "x-a: 1\n⟨x-a: 2\n", "first written on line 4"),
    ("manifest.bad-key", "", "x-a:\n  ? ⟨[1]\n  : 2\n", None),
    ("manifest.bad-tag", "", "x-run: ⟨!!python/object/apply:os.system [ls]\n", "plain data"),
    ("manifest.bad-tag", "", "x-n: ⟨!!int 5\n", "`!!str`"),
    ("manifest.not-finite", "", "scores: {benchmark: ⟨.nan}\n", "finite"),
    ("manifest.not-finite", "", "scores: {benchmark: ⟨-.inf}\n", "finite"),
    ("manifest.bad-number", "", "x-big: ⟨" + "9" * 200 + "\n", "at most 100 characters"),
    ("manifest.bad-number", "", "scores: {user: ⟨1e99999}\n", "1e1000"),
    ("manifest.syntax", "", "training: {tokens: 1\n⟨", None),
    ("manifest.syntax", "", "x-a: b⟨: c\n", "quoted"),
    ("manifest.syntax", "", "x-a:\n⟨\t- 1\n", "spaces"),
    ("manifest.syntax", "", "⟨---\nx-a: 1\n", "one YAML document"),
    ("manifest.syntax", "", "x-a: ⟨*nothing\n", "define the anchor"),
    ("manifest.too-deep", "", "x-deep: " + "[" * 70 + "]" * 70 + "\n", None),
    ("manifest.too-deep", "", "x-loop: ⟨&loop [*loop]\n", "contains itself"),
    ("manifest.empty", "", "⟨", None),
    ("manifest.empty", "", "⟨# nothing but a comment\n", None),
]

JSON_ERRORS: list[tuple[str, str, str | None]] = [
    ("manifest.syntax", '{"manifest": 1, "team": {"id": "t"⟨,}}', "comma after the last item"),
    ("manifest.syntax", '{"manifest": 1 ⟨// version\n}', "comments"),
    ("manifest.syntax", "{⟨'manifest': 1}", "double quotes"),
    ("manifest.syntax", '{"a": [1, 2 ⟨3]}', "a comma may be missing"),
    ("manifest.syntax", '{"a": ⟨01}', "leading zeros"),
    ("manifest.syntax", '{"a": ⟨"unterminated}', "closing"),
    ("manifest.syntax", '{"a": "bad ⟨\\q escape"}', "escapes"),
    ("manifest.syntax", '{"a": ⟨"\\ud800"}', "pairs"),
    ("manifest.syntax", '{"a": 1} ⟨{"b": 2}', "exactly one value"),
    ("manifest.syntax", '{"a": [1, 2', "`]` may be missing"),
    ("manifest.syntax", '{"a": ⟨yes}', "double quotes"),
    ("manifest.duplicate-key", '{"manifest": 1, ⟨"manifest": 1}', "first written on line 1"),
    ("manifest.not-finite", '{"a": ⟨NaN}', "no NaN"),
    ("manifest.not-finite", '{"a": ⟨-Infinity}', "no NaN"),
    ("manifest.bad-number", '{"a": ⟨1e-99999}', None),
    ("manifest.too-deep", '{"a": ' + "[" * 100 + "]" * 100 + "}", None),
]


def errors_of(text: str, name: str) -> list[Diagnostic]:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, name)
    return list(info.value.diagnostics)


def split_marker(text: str) -> tuple[str, int | None]:
    at = text.find("⟨")
    return text.replace("⟨", ""), (at if at >= 0 else None)


@pytest.mark.parametrize(("code", "path", "text", "help"), MANIFEST_ERRORS,
                         ids=[f"{c}:{p or ''}:{i}" for i, (c, p, _, _) in enumerate(MANIFEST_ERRORS)])
def test_manifest_errors(code: str, path: str | None, text: str, help: str | None) -> None:
    whole = text.startswith("=") or text.lstrip("⟨").startswith("manifest") or code == "manifest.empty"
    text, at = split_marker(text.removeprefix("=") if whole else HEAD + text)
    found = [d for d in errors_of(text, "m.yaml") if d.code == code]
    assert found, f"no {code} in {[d.render() for d in errors_of(text, 'm.yaml')]}"
    diagnostic = next((d for d in found if (d.path or "") == (path or "")), found[0])
    if path:
        assert diagnostic.path == path
    if help is not None:
        assert diagnostic.help is not None and help in diagnostic.help, diagnostic.render()
    if at is not None and code != "manifest.empty":
        assert diagnostic.span is not None
        assert diagnostic.span.start == at, diagnostic.render()
    _house_style(diagnostic)


@pytest.mark.parametrize(("code", "text", "help"), JSON_ERRORS, ids=[f"{c}:{i}" for i, (c, _, _) in enumerate(JSON_ERRORS)])
def test_json_errors(code: str, text: str, help: str | None) -> None:
    text, at = split_marker(text)
    found = errors_of(text, "m.json")
    assert [d.code for d in found] == [code], [d.render() for d in found]
    if help is not None:
        assert found[0].help is not None and help in found[0].help, found[0].render()
    if at is not None:
        assert found[0].span is not None and found[0].span.start == at, found[0].render()
    _house_style(found[0])


def _house_style(diagnostic: Diagnostic) -> None:
    message = diagnostic.message
    assert message[0] == message[0].lower() or message[0] in "`\"", message
    assert not message.endswith(".") and "\n" not in message
    rendered = diagnostic.render()
    if diagnostic.span is not None:
        line, col = diagnostic.span.line, diagnostic.span.column
        assert rendered.startswith(f"{diagnostic.span.source.name}:{line}:{col}: error[{diagnostic.code}]")
        assert "^" in rendered


def test_every_error_of_a_file_is_reported_at_once_in_order() -> None:
    text = HEAD + (
        "training: {from_scratch: yes, tokens: 1.5}\n"
        "components:\n"
        "  - {id: a, role: language_modle, origin: in_house}\n"
        "  - {id: a, role: dataset}\n"
        "scores: {benchmark: 41, expert: -1}\n"
        "trainig: {}\n"
    )
    found = errors_of(text, "m.yaml")
    assert [(d.code, d.path) for d in found] == [
        ("manifest.bad-type", "training.from_scratch"),
        ("manifest.bad-type", "training.tokens"),
        ("manifest.bad-enum", "components[0].role"),
        ("manifest.missing-key", "components[1].origin"),
        ("manifest.duplicate-id", "components[1].id"),
        ("manifest.out-of-range", "scores.benchmark"),
        ("manifest.out-of-range", "scores.expert"),
        ("manifest.unknown-key", "trainig"),
    ]
    assert [d.span.line for d in found if d.span] == sorted(d.span.line for d in found if d.span)


def test_json_and_yaml_give_the_same_diagnostics() -> None:
    yaml_text = HEAD + "training: {from_scratch: 1}\n"
    json_text = ('{"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M"},\n'
                 ' "training": {"from_scratch": 1}}')
    as_yaml = [(d.code, d.path, d.message) for d in errors_of(yaml_text, "m.yaml")]
    as_json = [(d.code, d.path, d.message) for d in errors_of(json_text, "m.json")]
    assert as_yaml == as_json == [("manifest.bad-type", "training.from_scratch",
                                   "expected `true` or `false`, found number `1`")]


def test_a_mapping_reports_paths_without_spans() -> None:
    with pytest.raises(ManifestError) as info:
        manifest_from_mapping({"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "m"},
                               "scores": {"user": float("nan"), "expert": 99}, 3: "x", "x-o": object()},
                              name="built")
    found = {(d.code, d.path) for d in info.value.diagnostics}
    assert found == {("manifest.not-finite", "scores.user"), ("manifest.out-of-range", "scores.expert"),
                     ("manifest.bad-key", None), ("manifest.bad-type", "x-o")}
    assert all(d.span is None and d.file == "built" for d in info.value.diagnostics)
    assert "built: error[manifest.out-of-range]: `scores.expert`" in str(info.value)


def test_plain_yaml_1_1_words_stay_text_where_text_is_expected() -> None:
    m = parse_manifest(HEAD.replace("name: M", "name: no") + "x-flags: [on, off, yes, 0777, 1:20]\n", "m.yaml")
    assert m.data["model"]["name"] == "no"
    assert m.data["x-flags"] == ["on", "off", "yes", "0777", "1:20"]


def test_quoted_and_str_tagged_values_are_strings() -> None:
    m = parse_manifest(HEAD.replace("name: M", 'name: !!str 2024') + "x-q: '12'\n", "m.yaml")
    assert m.data["model"]["name"] == "2024"
    assert m.data["x-q"] == "12"


# ---------------------------------------------------------------------------------------------
# Files and hostile input


def test_load_manifest_reads_yaml_and_json_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SMALL_YAML, encoding="utf-8")
    (tmp_path / "b.json").write_bytes(b"\xef\xbb\xbf" + SMALL_JSON.encode())  # a UTF-8 byte-order mark is fine
    (tmp_path / "c").write_text(SMALL_JSON, encoding="utf-8")  # no extension: sniffed
    digests = {load_manifest(tmp_path / name).digest for name in ("a.yaml", "b.json", "c")}
    assert len(digests) == 1


@pytest.mark.parametrize(("data", "code", "where"), [
    (b"manifest: 1\nteam: \xff\n", "manifest.encoding", (2, 7)),
    (b"\xff\xfem\x00a\x00", "manifest.encoding", None),
])
def test_bytes_that_are_not_utf8(tmp_path: Path, data: bytes, code: str, where: tuple[int, int] | None) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    [diagnostic] = info.value.diagnostics
    assert diagnostic.code == code
    if where is not None:
        assert diagnostic.span is not None and (diagnostic.span.line, diagnostic.span.column) == where
        assert "0xff" in diagnostic.message


def test_unreadable_files(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.yaml", tmp_path):
        with pytest.raises(ManifestError) as info:
            load_manifest(path)
        [diagnostic] = info.value.diagnostics
        assert diagnostic.code == "manifest.unreadable"
        assert diagnostic.file == str(path)
        assert diagnostic.render().startswith(f"{path}: error[manifest.unreadable]: cannot read")


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x-pad: " + b"a" * (yamljson.MAX_BYTES + 10))
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert [d.code for d in info.value.diagnostics] == ["manifest.too-large"]
    with pytest.raises(ManifestError) as info:
        parse_manifest("x: " + "a" * (yamljson.MAX_BYTES + 10), "big.yaml")
    assert [d.code for d in info.value.diagnostics] == ["manifest.too-large"]


def billion_laughs(levels: int = 9) -> str:
    lines = [HEAD.rstrip("\n"), 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        name, prev = chr(ord("a") + n), chr(ord("a") + n - 1)
        lines.append(f"x-{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast_with_bounded_memory() -> None:
    text = billion_laughs()  # 9 ** 9 strings once expanded
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ManifestError) as info:
            parse_manifest(text, "lol.yaml")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.code for d in info.value.diagnostics] == ["manifest.too-large"]
    assert elapsed < 0.5, f"took {elapsed:.3f} s"
    assert peak < 5 * 1024 * 1024, f"peaked at {peak} bytes"


def test_aliases_within_the_budget_are_expanded() -> None:
    m = parse_manifest(billion_laughs(3), "lol.yaml")  # 9 ** 3 strings
    assert len(m.data["x-c"]) == 9 and m.data["x-c"][8][8] == ["lol"] * 9


@pytest.mark.parametrize(("text", "name"), [
    ("x: " + "[" * 100_000 + "]" * 100_000, "deep.yaml"),
    ("".join(" " * i + "a:\n" for i in range(80)) + " " * 80 + "b\n", "block.yaml"),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "deep.json"),
])
def test_deep_nesting_is_refused_fast(text: str, name: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, name)
    assert [d.code for d in info.value.diagnostics] == ["manifest.too-deep"]
    assert time.perf_counter() - started < 0.5


@pytest.fixture
def slow(request: pytest.FixtureRequest) -> None:
    """Runs the test only when asked for with `-m slow`."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a slow check: opt in with `-m slow`")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["many.yaml", "many.json"])
def test_a_4_mib_file_of_tiny_values_is_refused_within_a_second(slow: None, name: str) -> None:
    text = "- 1\n" * 1_000_000 if name.endswith(".yaml") else "[" + "1," * 2_000_000 + "1]"
    started = time.perf_counter()
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, name)
    assert [d.code for d in info.value.diagnostics] == ["manifest.too-large"]
    assert time.perf_counter() - started < 1.5


@pytest.mark.parametrize("name", ["many.json", "many.yaml"])
def test_too_many_values_without_aliases(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(yamljson, "MAX_NODES", 1000)  # the mechanism, without building 50,000 values
    text = '{"x-a": [' + "1," * 1000 + "1]}"
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, name)
    assert [d.code for d in info.value.diagnostics] == ["manifest.too-large"]


def test_never_a_traceback_on_garbage() -> None:
    for text in ("\x00\x01", "{", "[", "]", ":", "- - -", "? ? ?", "&a", "!!", "%YAML 9.9\n---\n", '"',
                 "a: |\n x\n  y", "\ud800", "{" * 10 + "}" * 9, "a: 'x", "🙂: 🙂"):
        for name in ("g.yaml", "g.json"):
            try:
                parse_manifest(text, name)
            except ManifestError as exc:
                assert exc.diagnostics.has_errors
                str(exc)
            else:  # pragma: no cover - none of these is a manifest
                pytest.fail(f"{text!r} loaded as {name}")


# ---------------------------------------------------------------------------------------------
# Speed


def typical_manifest(components: int = 8) -> str:
    parts = [FULL.split("components:", maxsplit=1)[0], "components:\n"]
    for n in range(components):
        parts.append(f"  - id: part-{n}\n    role: dataset\n    weights: false\n    origin: open_source\n"
                     f"    source: {{name: org/data-{n}, country: KR, relation: reference}}\n"
                     f"    license: CC-BY-4.0\n    notice: first_release\n")
    return "".join(parts) + FULL.split("runtime:")[1].join(["runtime:", ""])


def test_a_typical_manifest_loads_in_about_a_millisecond() -> None:
    text = typical_manifest()
    assert 95 <= text.count("\n") <= 130
    parse_manifest(text, "t.yaml")
    best = min(_timed(lambda: parse_manifest(text, "t.yaml")) for _ in range(20))
    # ~1 ms here, of which ~0.4 ms is libyaml; the bound is loose for slow CI machines
    assert best < 0.02, f"{best * 1000:.2f} ms"


def _timed(run) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    run()
    return time.perf_counter() - started
