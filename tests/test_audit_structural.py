"""Canonical digests and the structural diff of two rule files (`policy.audit.structural`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.api import loads
from policy.audit.changelog import describe
from policy.audit.structural import structural_diff
from policy.compile.program import canonical_digest
from policy.source import Source
from policy.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "rules" / "dokpamo-2026-phase1.dkp"
SECOND = ROOT / "rules" / "dokpamo-2026-phase1-ranked-eligible.dkp"

BASE = '''policy "p" {
  version: "1"
  verdict: ok
}

const limit = 4

gate scratch {
  level: disqualify
  require: training.from_scratch and len(runtime.external_services) == 0
  message: {
    ko: "처음부터 학습"
    en: "trained from scratch"
  }
}

score total {
  max: 100
  value: scores.benchmark + scores.expert
}

decision ok {
  value: scratch
}
'''

# The same rules with other layout, parentheses the precedence makes redundant, and comments.
REFORMATTED = '''# a comment before the header
policy "p" { version: "1"   verdict: ok }
const limit = (4)   # why four
gate scratch { level: disqualify
    require: (training.from_scratch) and (len(runtime.external_services) == 0)
  message: { ko: "처음부터 학습" en: "trained from scratch" } }
score total {
  max: 100
  # two scores
  value: (scores.benchmark + scores.expert)
}
decision ok { value: scratch }
'''


def module(text: str, name: str = "<test>"):  # type: ignore[no-untyped-def]
    return parse(Source(name, text))


def test_formatting_and_comments_do_not_change_the_digest() -> None:
    assert canonical_digest(module(REFORMATTED)) == canonical_digest(module(BASE))


def test_the_shipped_file_without_comments_has_the_same_digest() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    bare = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("#"))
    assert canonical_digest(module(bare)) == canonical_digest(module(text))


@pytest.mark.parametrize("old, new", [
    ("const limit = 4", "const limit = 5"),
    ("level: disqualify", "level: review"),
    ("len(runtime.external_services) == 0", "len(runtime.external_services) <= 0"),
    ("scores.benchmark + scores.expert", "scores.expert + scores.benchmark"),
    ('version: "1"', 'version: "2"'),
    ("  max: 100\n", "  max: 99\n"),
])
def test_any_change_of_meaning_or_header_changes_the_digest(old: str, new: str) -> None:
    assert old in BASE
    assert canonical_digest(module(BASE.replace(old, new))) != canonical_digest(module(BASE))


def test_reports_carry_the_policy_digest_the_manifest_digest_and_the_engine() -> None:
    policy = loads(BASE, "p.dkp")
    verdict = policy.evaluate({"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "m"}})
    assert verdict.policy.digest == canonical_digest(module(BASE))
    assert verdict.manifest.digest.startswith("sha256:")
    assert verdict.engine.startswith("dokpamo ")


def test_formatting_only_is_no_change() -> None:
    diff = structural_diff(module(BASE), module(REFORMATTED))
    assert diff.identical
    assert diff.changes == ()
    assert not diff.reordered


def test_added_removed_and_changed_declarations() -> None:
    new_text = BASE.replace("const limit = 4", "const cap = 4").replace(
        "len(runtime.external_services) == 0", "len(runtime.external_services) <= 1")
    new_text += '\ngate logs {\n  level: review\n  require: known(training.artifacts)\n  message: { en: "logs" }\n}\n'
    diff = structural_diff(module(BASE, "old.dkp"), module(new_text, "new.dkp"))
    found = {(c.kind, c.name, c.change) for c in diff.changes}
    assert found == {("const", "limit", "removed"), ("const", "cap", "added"), ("gate", "scratch", "changed"),
                     ("gate", "logs", "added")}
    changed = next(c for c in diff.changes if c.change == "changed")
    assert [(i.item, i.old, i.new) for i in changed.items] == [
        ("require", "training.from_scratch and len(runtime.external_services) == 0",
         "training.from_scratch and len(runtime.external_services) <= 1")]
    assert (changed.old_line, changed.new_line) == (8, 8)
    added = next(c for c in diff.changes if c.name == "logs")
    assert added.new_line == 26 and added.old_line is None
    assert added.new_text == ('gate logs {\n  level: review\n  require: known(training.artifacts)\n'
                              '  message: {\n    en: "logs"\n  }\n}')
    assert describe(added) == ["New gate `logs`: level `review`, require `known(training.artifacts)`."]
    assert describe(changed) == [("Gate `scratch` now requires `training.from_scratch and "
                                  "len(runtime.external_services) <= 1` (before: `training.from_scratch and "
                                  "len(runtime.external_services) == 0`).")]


def test_reordering_is_flagged_but_changes_no_declaration() -> None:
    reordered = BASE.replace("const limit = 4\n\n", "") + "\nconst limit = 4\n"
    diff = structural_diff(module(BASE), module(reordered))
    assert diff.changes == ()
    assert diff.reordered and not diff.identical


def test_the_second_reading_changes_only_the_header_and_one_cohort_rule() -> None:
    diff = structural_diff(module(SHIPPED.read_text(encoding="utf-8"), "a.dkp"),
                           module(SECOND.read_text(encoding="utf-8"), "b.dkp"))
    assert [(c.kind, c.name) for c in diff.changes] == [("policy", "dokpamo-2026-phase1-ranked-eligible"),
                                                        ("cohort", "phase1")]
    cohort = diff.changes[1]
    assert [(i.item, i.old, i.new) for i in cohort.items] == [("among", None, "eligible")]
    assert describe(cohort) == [("Cohort rule `phase1` now ranks only the members for which `eligible` holds "
                                 "(before: every member was ranked).")]
    header = {i.item: (i.old, i.new) for i in diff.changes[0].items}
    assert header["version"] == ('"1.0.0"', '"1.1.0"')
