"""`dokpamo fmt`: goldens, idempotence, AST soundness, comments kept, atomic writes, exit codes."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import modules

import policy.authoring.fmt as fmt_module
from policy.authoring.fmt import FormatterBug, format_text, scan
from policy.cli import cli
from policy.diagnostics import DiagnosticError
from policy.source import Source
from policy.syntax import unparse
from policy.syntax.parser import parse

GOLDEN = Path(__file__).parent / "golden" / "fmt"
INPUTS = sorted(GOLDEN.glob("*.dkp"))


def comment_texts(text: str) -> list[str]:
    return sorted(c.text for c in scan(text)[1])


def test_goldens_exist() -> None:
    assert len(INPUTS) >= 5
    for path in INPUTS:
        assert path.with_name(path.name + ".formatted").is_file(), f"{path.name} has no .formatted file"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = path.with_name(path.name + ".formatted").read_text(encoding="utf-8")
    assert format_text(text, path.name) == expected
    # Idempotent, the same rule file, and every comment kept.
    assert format_text(expected, path.name) == expected
    assert parse(Source("a", expected)) == parse(Source("b", text))
    assert comment_texts(expected) == comment_texts(text)


def test_shipped_rules_are_formatted(root: Path) -> None:
    for path in sorted((root / "rules").glob("*.dkp")):
        text = path.read_text(encoding="utf-8")
        assert format_text(text, str(path)) == text, f"run `dokpamo fmt {path.relative_to(root)}`"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_scanner_sees_the_comments_the_parser_sees(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parsed = parse(Source(path.name, text)).comments
    assert [(c.start, c.text) for c in scan(text)[1]] == [(o, t.rstrip()) for o, t in parsed]


def test_comments_keep_their_places() -> None:
    text = (GOLDEN / "comments.dkp.formatted").read_text(encoding="utf-8")
    lines = text.splitlines()
    # Trailing comments stay on the line of their code; a comment between operands stays between them.
    assert '  "a",  # first' in lines
    assert "  require: known(model.name)  # why known" in lines
    after = lines.index("  require: known(model.name)  # why known") + 1
    assert lines[after] == "    and len(components) > 0"
    assert lines[lines.index("  # end of block") + 1] == "}"
    assert lines[-2:] == ["# the end", "# really"]


def test_items_move_with_their_comments() -> None:
    lines = (GOLDEN / "reorder.dkp.formatted").read_text(encoding="utf-8").splitlines()
    at = lines.index("  # the version comes first once formatted")
    assert lines[at + 1] == '  version: "2.0.0"'
    assert "  verdict: ok  # the main decision" in lines
    assert lines[lines.index("  # the message, written first") + 1] == "  message: {"


def test_two_trailing_comments_on_one_line() -> None:
    text = 'policy "p" { version: "1" }\nconst c = f(1,  # one\n  2)  # two\nconst d = 1\n'
    once = format_text(text)
    # The second goes on its own line after the first, and so before the next declaration.
    assert once == 'policy "p" {\n  version: "1"\n}\n\nconst c = f(1, 2)  # one\n\n# two\nconst d = 1\n'
    assert format_text(once) == once


def test_syntax_error_raises_diagnostics() -> None:
    with pytest.raises(DiagnosticError) as caught:
        format_text('policy "p" {\n  version: "1"\n}\ngate g { require: a b }\n', "bad.dkp")
    assert "bad.dkp:4:" in caught.value.diagnostics.render()


# ---------------------------------------------------------------- properties

SMALL_INPUTS = [p for p in INPUTS if p.stat().st_size < 1200]


def with_comments(draw: st.DrawFn, text: str) -> str:
    """`text` with comments, blank lines and line breaks after random tokens."""
    tokens = scan(text)[0]
    chosen = draw(st.lists(st.integers(0, len(tokens) - 1), max_size=10, unique=True))
    out, position = [], 0
    for i, token in enumerate(tokens):
        out.append(text[position : token.end])
        position = token.end
        if i in chosen:
            out.append(draw(st.sampled_from([f"  # c{i}\n", f"\n# c{i}\n", f"\n\n   # c{i}  \n\n", "\n  "])))
    out.append(text[position:])
    return "".join(out)


@st.composite
def commented_goldens(draw: st.DrawFn) -> str:
    return with_comments(draw, draw(st.sampled_from(SMALL_INPUTS)).read_text(encoding="utf-8"))


@st.composite
def commented_modules(draw: st.DrawFn) -> str:
    return with_comments(draw, unparse.module(draw(modules())))


def check_fmt(text: str, width: int) -> None:
    # Narrow widths make every breakable construct break, with comments among the pieces.
    with mock.patch.object(fmt_module, "WIDTH", width):
        once = format_text(text)  # checks the AST and the comments itself
        assert format_text(once) == once
    assert comment_texts(once) == comment_texts(text)


@settings(max_examples=25)
@given(commented_goldens(), st.sampled_from([fmt_module.WIDTH, 40, 12]))
def test_fmt_is_idempotent_and_sound(text: str, width: int) -> None:
    check_fmt(text, width)


@pytest.mark.slow
@settings(max_examples=300)
@given(commented_modules(), st.sampled_from([fmt_module.WIDTH, 40, 12]))
def test_fmt_is_idempotent_and_sound_on_generated_rules(text: str, width: int) -> None:
    check_fmt(text, width)


# ---------------------------------------------------------------- the command

RULES = ('policy "p" { version: "1" }  # header\n'
         'gate g { level: warn require: true message: { ko: "k" en: "e" } }\n')


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["fmt", *args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_fmt_writes_in_place(tmp_path: Path) -> None:
    path = tmp_path / "p.dkp"
    path.write_text(RULES, encoding="utf-8")
    path.chmod(0o640)
    code, _, err = run(str(tmp_path))
    assert code == 0
    assert "reformatted" in err
    assert path.read_text(encoding="utf-8") == format_text(RULES)
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["p.dkp"]  # no temporary file left behind
    assert run(str(path)) [0] == 0


def test_fmt_check_and_diff(tmp_path: Path) -> None:
    path = tmp_path / "p.dkp"
    path.write_text(RULES, encoding="utf-8")
    code, out, err = run("--check", str(path))
    assert (code, out) == (1, "")
    assert f"would reformat {path}" in err
    code, out, _ = run("--diff", str(path))
    assert code == 0
    assert out.startswith(f"--- {path}\n+++ {path} (formatted)\n")
    assert "+  level: warn\n" in out
    assert path.read_text(encoding="utf-8") == RULES  # neither writes
    path.write_text(format_text(RULES), encoding="utf-8")
    assert run("--check", str(path))[0] == 0


def test_fmt_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dkp"
    bad.write_text('policy "p" {\n  version: "1"\n}\ngate g { require: a b }\n', encoding="utf-8")
    good = tmp_path / "good.dkp"
    good.write_text(RULES, encoding="utf-8")
    code, _, err = run(str(bad), str(good), str(tmp_path / "missing.dkp"))
    assert code == 2
    assert f"{bad}:4:" in err and "error[syntax." in err
    assert "missing.dkp: error[policy.unreadable]" in err
    assert good.read_text(encoding="utf-8") == format_text(RULES)  # the good file is still formatted


def test_fmt_refuses_to_write_when_its_output_means_something_else(tmp_path: Path) -> None:
    path = tmp_path / "p.dkp"
    path.write_text(RULES, encoding="utf-8")
    wrong = mock.patch.object(fmt_module._Formatter, "run", lambda self: 'policy "other" {}\n')
    with wrong:
        with pytest.raises(FormatterBug):
            format_text(RULES)
        code, _, err = run(str(path))
    assert code == 2
    assert "internal error: please report" in err
    assert path.read_text(encoding="utf-8") == RULES


def test_fmt_standard_input() -> None:
    code, out, _ = run("-", input=RULES)
    assert (code, out) == (0, format_text(RULES))
    assert run("--check", "-", input=RULES)[0] == 1
    assert run("-", input="policy {")[0] == 2
