"""`dokpamo diff` reports: text for a terminal, an auditor's changelog in Markdown, JSON for tools.

Each is a pure function of the `DiffReport`: the same two rule files, corpus and search bounds give
byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy.audit.impact import Impact, Move
from policy.audit.report import DiffReport, Side
from policy.audit.semantic import COHORT_SIZES, MAX_LIST, Finding, Search, Target
from policy.audit.structural import Change, ItemChange

KIND_WORDS = {
    "policy": "policy", "const": "constant", "gate": "gate", "score": "score", "decision": "decision",
    "cohort": "cohort rule", "invariant": "invariant", "verdict": "verdict",
}
LANGUAGE_WORDS = {"en": "English", "ko": "Korean"}


def render(report: DiffReport, fmt: str) -> str:
    """The report in `text`, `markdown` or `json`."""
    if fmt == "json":
        from policy.render.data import dumps

        return dumps(report_data(report))
    if fmt == "markdown":
        return "\n".join(_markdown(report)) + "\n"
    return "\n".join(_text(report)) + "\n"


# ---------------------------------------------------------------- JSON


def report_data(report: DiffReport) -> dict[str, object]:
    """The report as JSON data: every key always present, numbers as decimal strings."""
    search = report.search
    return {
        "old": _side_data(report.old),
        "new": _side_data(report.new),
        "engine": report.engine,
        "differs": report.differs,
        "structural": {
            "identical": report.structural.identical,
            "reordered": report.structural.reordered,
            "changes": [_change_data(c) for c in report.structural.changes],
        },
        "impact": None if report.impact is None else {
            "corpus": report.impact.corpus,
            "manifests": report.impact.manifests,
            "changes": [_move_data(m) for m in report.impact.moves],
            "reranked": [_move_data(m) for m in report.impact.reranked],
        },
        "semantic": {
            "findings": [_finding_data(f) for f in search.findings],
            "proved": [_target_data(t) for t in search.proved],
            "searched": [_target_data(t) for t in search.searched],
            "bounds": search.bounds,
            "score_delta": str(search.score_delta),
            "unverified": search.unverified,
        },
    }


def _side_data(side: Side) -> dict[str, object]:
    return {"file": side.file, "name": side.info.name, "version": side.info.version, "digest": side.info.digest}


def _change_data(change: Change) -> dict[str, object]:
    return {
        "kind": change.kind, "name": change.name, "change": change.change,
        "old": change.old_text, "new": change.new_text, "old_line": change.old_line, "new_line": change.new_line,
        "items": [{"item": i.item, "old": i.old, "new": i.new} for i in change.items],
    }


def _move_data(move: Move) -> dict[str, object]:
    return {"kind": move.kind, "name": move.name, "team": move.team, "file": move.file, "old": move.old, "new": move.new}


def _target_data(target: Target) -> dict[str, str]:
    return {"kind": target.kind, "name": target.name}


def _finding_data(finding: Finding) -> dict[str, object]:
    return {
        "kind": finding.target.kind, "name": finding.target.name, "team": finding.team,
        "old": finding.old, "new": finding.new, "manifests": list(finding.manifests),
    }


# ---------------------------------------------------------------- text


def _text(report: DiffReport) -> Iterator[str]:
    for label, side in (("old", report.old), ("new", report.new)):
        yield f"{label}  {side.file}  {side.info.name} {side.info.version}  {side.info.digest}"
    yield ""
    changes = report.structural.changes
    if report.structural.identical:
        yield "structural: no change (the canonical forms are identical; formatting and comments do not count)"
    else:
        yield f"structural: {_count(len(changes), 'change')}" + (", declarations reordered" if report.structural.reordered else "")
        for change in changes:
            yield f"  {change.change}  {KIND_WORDS[change.kind]} {change.name}  ({_lines(report, change)})"
            if change.change == "changed":
                for item in change.items:
                    yield f"    {item.item}: {item.old or '(none)'} -> {item.new or '(none)'}"
            else:
                for line in (change.new_text or change.old_text or "").split("\n"):
                    yield f"    {'+' if change.change == 'added' else '-'} {line}"
    if report.impact is not None:
        yield ""
        yield from _text_impact(report.impact)
    yield ""
    yield from _text_search(report.search)
    yield ""
    unsearched = " (the semantic search was not run)" if report.search.searched and not report.search.budget else ""
    yield "result: " + ("differences found" if report.differs else f"no semantic difference found{unsearched}")


def _text_impact(found: Impact) -> Iterator[str]:
    counts = ", ".join(_count(found.count(k), w) for k, w in (
        ("verdict", "verdict flip"), ("gate", "gate change"), ("score", "score change"), ("advance", "advance flip")))
    yield f"impact on {found.corpus}: {_count(found.manifests, 'manifest')}; {counts}"
    for move in [*found.moves, *found.reranked]:
        yield f"  {move.team}  {_what(move).replace('`', '')}: {move.old} -> {move.new}"


def _text_search(found: Search) -> Iterator[str]:
    if not found.searched:
        yield "semantic: no difference: every rule in both versions has the same meaning (proved, no search needed)"
        return
    if not found.budget:
        yield f"semantic: not searched (--budget 0); meaning differs: {', '.join(str(t) for t in found.searched)}"
        return
    head = f"{_count(len(found.findings), 'difference')} found" if found.findings else "no difference found"
    yield f"semantic: {head}"
    yield f"  searched: {', '.join(str(t) for t in found.searched)}"
    if found.proved:
        yield f"  same meaning in both (proved): {', '.join(str(t) for t in found.proved)}"
    for number, finding in enumerate(found.findings, 1):
        yield f"  {number}. {_finding_sentence(finding)}"
        for index, text in enumerate(finding.manifests, 1):
            yield f"     --- {_witness_name(finding, index)}"
            yield from (f"     {line}" for line in text.rstrip("\n").split("\n"))
    yield f"  bounds: {_bounds_sentence(found)}"
    if found.unverified:
        yield f"  {_count(found.unverified, 'candidate witness')} did not verify and were left out"


def _lines(report: DiffReport, change: Change, arrow: str = "->") -> str:
    old = f"{report.old.file}:{change.old_line}" if change.old_line else None
    new = f"{report.new.file}:{change.new_line}" if change.new_line else None
    return f" {arrow} ".join(p for p in (old, new) if p)


# ---------------------------------------------------------------- markdown


def _markdown(report: DiffReport) -> Iterator[str]:
    old, new = report.old, report.new
    yield f"# Rule changes: `{old.info.name}` {old.info.version} → `{new.info.name}` {new.info.version}"
    yield ""
    yield "| | old | new |"
    yield "|---|---|---|"
    yield f"| file | `{old.file}` | `{new.file}` |"
    yield f"| policy | `{old.info.name}` {old.info.version} | `{new.info.name}` {new.info.version} |"
    yield f"| digest | `{old.info.digest}` | `{new.info.digest}` |"
    yield ""
    yield "## Summary"
    yield ""
    yield _summary(report)
    yield ""
    yield "## What changed in the rules"
    yield ""
    if report.structural.identical:
        yield "Nothing: the two files have the same canonical form (they differ at most in layout and comments)."
    else:
        for change in report.structural.changes:
            sentences = describe(change)
            if len(sentences) == 1:
                yield f"- {sentences[0]} ({_lines(report, change, '→')})"
                continue
            what = "The header" if change.kind == "policy" else f"{_upper(KIND_WORDS[change.kind])} `{change.name}`"
            yield f"- {what} ({_lines(report, change, '→')}):"
            yield from (f"  - {sentence}" for sentence in sentences)
        if report.structural.reordered:
            yield "- Some declarations are written in another order, which changes no outcome."
    if report.impact is not None:
        yield ""
        yield from _markdown_impact(report.impact)
    yield ""
    yield from _markdown_search(report.search)


def _summary(report: DiffReport) -> str:
    search = report.search
    parts = []
    if report.impact is not None:
        moves = len(report.impact.moves)
        parts.append(f"On the corpus, {_count(moves, 'outcome')} change{'s' * (moves == 1)}." if moves
                     else "On the corpus, no outcome changes.")
    if not search.searched:
        parts.append("Every rule has the same meaning in both versions, so no manifest can tell them apart.")
    elif not search.budget:
        parts.append("The semantic search was not run.")
    elif search.findings:
        parts.append(f"The search found {_count(len(search.findings), 'manifest or cohort', 'manifests or cohorts')} "
                     "that the two versions decide differently (below, each minimal and checked under both).")
    else:
        parts.append("The search found no manifest that the two versions decide differently, within the bounds below.")
    return " ".join(parts)


def _markdown_impact(found: Impact) -> Iterator[str]:
    yield f"## Effect on the corpus `{found.corpus}` ({_count(found.manifests, 'manifest')})"
    yield ""
    if not found.moves:
        yield "No verdict, gate, score or cohort outcome changes."
    for move in found.moves:
        where = "" if move.file is None else f" (`{move.file}`)"
        yield f"- **{move.team}**{where}: {_move_sentence(move)}"
    if found.reranked:
        yield ""
        yield "Ranks that change without changing who advances:"
        yield ""
        for move in found.reranked:
            yield f"- **{move.team}**, cohort rule `{move.name}`: {move.old} → {move.new}"
    if found.moves or found.reranked:
        yield ""
        yield "| team | what | old | new |"
        yield "|---|---|---|---|"
        for move in [*found.moves, *found.reranked]:
            yield f"| {move.team} | {_what(move)} | {move.old} | {move.new} |"


def _what(move: Move) -> str:
    if move.kind == "verdict":
        return "verdict"
    if move.kind in ("advance", "rank"):
        return f"cohort rule `{move.name}`"
    return f"{move.kind} `{move.name}`"


def _move_sentence(move: Move) -> str:
    if move.kind == "verdict":
        return f"the verdict is now **{move.new}** (before: {move.old})."
    if move.kind == "advance":
        return f"under cohort rule `{move.name}` the team now **{move.new}**; before, it {move.old}."
    return f"{KIND_WORDS[move.kind]} `{move.name}` is now **{move.new}** (before: {move.old})."


def _markdown_search(found: Search) -> Iterator[str]:
    yield "## Manifests that tell the two versions apart"
    yield ""
    if not found.searched:
        yield "None can: every gate, score, decision and cohort rule has the same meaning in both versions."
        return
    if not found.budget:
        yield f"Not searched (`--budget 0`). The meaning differs for {', '.join(str(t) for t in found.searched)}."
        return
    if not found.findings:
        yield "No difference found within the bounds of the search (below)."
    for number, finding in enumerate(found.findings, 1):
        yield f"### {number}. {_finding_title(finding)}"
        yield ""
        yield _upper(_finding_sentence(finding)) + "."
        yield ""
        for index, text in enumerate(finding.manifests, 1):
            yield "```yaml"
            yield f"# {_witness_name(finding, index)}"
            yield text.rstrip("\n")
            yield "```"
            yield ""
    yield "## How far the search looked"
    yield ""
    if found.proved:
        yield (f"- Same meaning in both versions, so no manifest can tell them apart: "
               f"{', '.join(str(t) for t in found.proved)}.")
    yield f"- Searched: {', '.join(str(t) for t in found.searched)}."
    yield f"- Bounds: {_bounds_sentence(found)}."
    high = COHORT_SIZES[1]
    yield (f"- Not covered: lists of more than {MAX_LIST} elements, cohorts of more than {high} manifests, and "
           "values the generator does not draw (numbers other than the rules' own values and two-decimal numbers "
           "within the schema's bounds, strings other than the rules' own and short random text); see "
           "`docs/audit.md`.")
    if found.unverified:
        yield f"- {_count(found.unverified, 'candidate witness')} did not verify under both versions and were left out."


def _finding_title(finding: Finding) -> str:
    if finding.team is not None:
        return f"Cohort rule `{finding.target.name}`: the outcome of {finding.team} changes"
    return f"{_upper(str(finding.target))}: `{finding.old}` → `{finding.new}`"


def _finding_sentence(finding: Finding) -> str:
    if finding.team is not None:
        return (f"in this cohort of {_count(len(finding.manifests), 'team')}, {finding.team} {_clause(finding.old)} "
                f"under the old rules and {_clause(finding.new)} under the new rules")
    return (f"on this manifest, {finding.target} is `{finding.old}` under the old rules and `{finding.new}` under "
            "the new rules")


def _clause(state: str) -> str:
    """`advances (rank 1)` stays; `undecided (...)` and `not a member` take a verb."""
    return f"is {state}" if state.startswith(("undecided", "not a member")) else state


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _witness_name(finding: Finding, index: int) -> str:
    return f"team-{index}.yaml" if finding.team is not None else "witness.yaml"


def _bounds_sentence(found: Search) -> str:
    text = (f"{found.generated} manifests drawn by hypothesis (seed {found.seed}, lists of up to {MAX_LIST}, "
            f"{found.hints} values from the rules as hints), {found.recombined} more by recombining them")
    if found.kinds:
        low, high = COHORT_SIZES
        kinds = "; ".join(f"`{c}`: {_count(n, 'kind')} of member" + (
            f", every combination of kinds tried up to {found.complete[c]} members" if found.complete.get(c) else "")
            for c, n in found.kinds.items())
        text += f", {found.cohorts} cohorts of {low} to {high} manifests ({kinds})"
    if found.score_delta:
        text += f"; a score counts as moved beyond {found.score_delta}"
    return text


# ---------------------------------------------------------------- plain words


def describe(change: Change) -> list[str]:
    """A change in plain words: one sentence, or one per changed item."""
    kind = KIND_WORDS[change.kind]
    subject = f"{kind.capitalize()} `{change.name}`"
    if change.change != "changed":
        # What the declaration decides; its titles and messages are in the canonical text.
        parts = [f"{i.item} `{i.new or i.old}`" for i in change.items if "." not in i.item]
        detail = f": {', '.join(parts)}" if parts else ""
        if change.change == "added":
            return [f"New {kind} `{change.name}`{detail}."]
        return [f"{subject} is removed (it had {', '.join(parts)})." if parts else f"{subject} is removed."]
    return [_item_sentence(change, item, subject) for item in change.items]


def _item_sentence(change: Change, item: ItemChange, subject: str) -> str:
    old, new = item.old, item.new
    if "." in item.item:
        what, lang = item.item.split(".", 1)
        label = f"The {LANGUAGE_WORDS.get(lang, lang)} {what}"
        owner = "" if change.kind == "policy" else f" of {KIND_WORDS[change.kind]} `{change.name}`"
        return f"{label}{owner} {_from_to(old, new, quote=False)}."
    key = (change.kind, item.item)
    before = f" (before: `{old}`)" if old is not None else ""
    if key == ("policy", "name"):
        return f"The policy is renamed from {old} to {new}."
    if key == ("policy", "verdict"):
        return f"The verdict is now decision `{new}`{before}." if new else f"The verdict no longer names a decision{before}."
    if change.kind == "policy":
        return f"The {item.item} {_from_to(old, new, quote=False)}."
    if key == ("cohort", "among"):
        if new is None:
            return f"{subject} now ranks every member (before: only those for which `{old}` holds)."
        was = f"only those for which `{old}` holds" if old else "every member was ranked"
        return f"{subject} now ranks only the members for which `{new}` holds (before: {was})."
    if key == ("gate", "when") and new is None:
        return f"{subject} now always applies (before: only when `{old}`)."
    if new is None:
        return f"{subject} no longer has a `{item.item}`{before}."
    phrases = {
        ("gate", "level"): f"{subject} is now a `{new}` gate",
        ("gate", "require"): f"{subject} now requires `{new}`",
        ("gate", "when"): f"{subject} now applies only when `{new}`",
        ("score", "value"): f"{subject} is now computed as `{new}`",
        ("score", "max"): f"The maximum of {subject[0].lower() + subject[1:]} is now `{new}`",
        ("decision", "value"): f"{subject} now holds when `{new}`",
        ("const", "value"): f"{subject} is now `{new}`",
        ("cohort", "members"): f"{subject} now takes as members the manifests for which `{new}` holds",
        ("cohort", "rank"): f"{subject} now ranks by `{new}`",
        ("cohort", "advance"): f"{subject} now lets a team advance when `{new}`",
        ("invariant", "holds"): f"{subject} now states `{new}`",
        ("invariant", "monotone"): f"{subject} now states `monotone: {new}`",
    }
    sentence = phrases.get(key, f"{subject}: `{item.item}` is now `{new}`")
    if old is None:
        always = {("gate", "when"): " (before: always)", ("cohort", "members"): " (before: every manifest)"}
        return sentence + always.get(key, "") + "."
    return sentence + before + "."


def _from_to(old: str | None, new: str | None, *, quote: bool) -> str:
    mark = "`" if quote else ""
    if old is None:
        return f"is now {mark}{new}{mark} (before: none)"
    if new is None:
        return f"is removed (it was {mark}{old}{mark})"
    return f"changes from {mark}{old}{mark} to {mark}{new}{mark}"


def _count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"
