"""Renderers: verdicts and cohort standings as text, JSON, SARIF 2.1.0, JUnit XML or Markdown.

Every renderer is a pure function of its input: the same verdicts give byte-identical output. The
JSON shape is the stable contract documented in `docs/reports.md`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from policy.render.common import check_lang

if TYPE_CHECKING:
    from policy.verdict import Standing, Verdict

# Each format's module is imported when it is used: a command pays only for the format it writes.

FORMATS = ("text", "json", "sarif", "junit", "markdown")
STANDING_FORMATS = ("text", "json", "markdown")


def _check_format(fmt: str, allowed: Sequence[str], what: str) -> None:
    if fmt in allowed:
        return
    if fmt in FORMATS:
        raise ValueError(f"the `{fmt}` format cannot show {what}: use one of {', '.join(allowed)}")
    raise ValueError(f"unknown format `{fmt}`: expected one of {', '.join(FORMATS)}")


def render_verdicts(
    verdicts: Sequence[Verdict],
    fmt: str,
    *,
    lang: str = "en",
    color: bool = False,
    explain: bool = False,
) -> str:
    """Render the verdicts of one or more manifests.

    `lang` picks the language of messages and labels (`en`, `ko`); `color` adds ANSI colour to the
    text format only; `explain` adds the evaluation trace to the text and JSON formats. Raises
    `ValueError` for an unknown format or language.
    """
    _check_format(fmt, FORMATS, "verdicts")
    check_lang(lang)
    if fmt == "text":
        from policy.render.text import verdicts_text

        return verdicts_text(verdicts, lang=lang, color=color, explain=explain)
    if fmt == "json":
        from policy.render.data import verdicts_json

        return verdicts_json(verdicts, explain=explain)
    if fmt == "sarif":
        from policy.render.sarif import verdicts_sarif

        return verdicts_sarif(verdicts, lang=lang)
    if fmt == "junit":
        from policy.render.junit import verdicts_junit

        return verdicts_junit(verdicts, lang=lang)
    from policy.render.markdown import verdicts_markdown

    return verdicts_markdown(verdicts, lang=lang)


STREAMED = ("text", "json")
"""Formats written verdict by verdict, so that memory stays flat however many manifests are checked."""


def write_verdicts(
    verdicts: Iterable[Verdict],
    count: int,
    fmt: str,
    write: Callable[[str], None],
    *,
    lang: str = "en",
    color: bool = False,
    explain: bool = False,
) -> None:
    """Write the same bytes as `render_verdicts` for `count` verdicts, one verdict at a time for the
    streamed formats (the others are whole documents and are rendered at the end)."""
    if fmt not in STREAMED:
        write(render_verdicts(list(verdicts), fmt, lang=lang, color=color, explain=explain))
        return
    _check_format(fmt, FORMATS, "verdicts")
    check_lang(lang)
    from policy.render.data import verdicts_json
    from policy.render.text import verdicts_text

    for index, verdict in enumerate(verdicts):
        if fmt == "text":
            write(("\n" if index else "") + verdicts_text([verdict], lang=lang, color=color, explain=explain))
        elif count == 1:
            write(verdicts_json([verdict], explain=explain))
        else:
            item = verdicts_json([verdict], explain=explain).rstrip("\n").replace("\n", "\n  ")
            write(("[\n  " if index == 0 else ",\n  ") + item + ("\n]\n" if index == count - 1 else ""))


def render_standing(standing: Standing, fmt: str, *, lang: str = "en", color: bool = False) -> str:
    """Render a cohort standing (rank, total, advance, reason) as text, JSON or Markdown.

    SARIF and JUnit describe findings in files and test cases, not a ranking: asking for them raises
    `ValueError` with a message the command line shows as a usage error.
    """
    _check_format(fmt, STANDING_FORMATS, "a cohort ranking")
    check_lang(lang)
    if fmt == "text":
        from policy.render.text import standing_text

        return standing_text(standing, lang=lang, color=color)
    if fmt == "json":
        from policy.render.data import dumps, standing_data

        return dumps(standing_data(standing, lang=lang))
    from policy.render.markdown import standing_markdown

    return standing_markdown(standing, lang=lang)


__all__ = ["FORMATS", "STANDING_FORMATS", "STREAMED", "render_standing", "render_verdicts", "write_verdicts"]
