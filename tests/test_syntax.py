"""Parsing: the known-mistake table, error rendering, robustness, comments and literals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.diagnostics import DiagnosticError
from policy.source import Source
from policy.syntax import ast
from policy.syntax.errors import SYNTAX_ERRORS
from policy.syntax.parser import MAX_SOURCE_CHARS, parse, parse_expression

TABLE = [(code, example) for code, _, _, examples in SYNTAX_ERRORS for example in examples]


def errors(text: str) -> list:
    with pytest.raises(DiagnosticError) as caught:
        parse(Source("t.dkp", text))
    return caught.value.diagnostics.sorted()


@pytest.mark.parametrize(("code", "example"), TABLE, ids=[f"{c}-{i}" for i, (c, _) in enumerate(TABLE)])
def test_every_example_of_the_table_is_reported_with_its_code(code: str, example: str) -> None:
    (diagnostic,) = errors(example)
    assert diagnostic.code == code
    assert diagnostic.help, "a known mistake comes with its fix"


def test_a_syntax_error_names_file_line_column_and_shows_a_caret() -> None:
    text = 'policy "p" { version: "1" }\ngate g {\n  require: a = 1\n}\n'
    (diagnostic,) = errors(text)
    assert diagnostic.render().splitlines() == [
        "t.dkp:3:14: error[syntax.assignment]: `=` is not a comparison: unexpected `=`: expected "
        "`level`, `message`, `require`, `title`, `when`, `}` or an operator",
        "  |   require: a = 1",
        "  |              ^",
        "  = help: compare with `==`; `=` only gives a constant its value",
    ]


def test_expected_input_is_said_in_plain_words() -> None:
    (diagnostic,) = errors('policy "p" { version: "1" }\nconst x = ')
    assert "expected" in diagnostic.message
    assert "a number" in diagnostic.message and "a string" in diagnostic.message
    assert "NAME" not in diagnostic.message and "LPAR" not in diagnostic.message


@given(st.text(max_size=200))
def test_no_input_escapes_as_anything_but_a_diagnostic(text: str) -> None:
    try:
        parse(Source("fuzz.dkp", 'policy "p" { version: "1" }\n' + text))
    except DiagnosticError as exc:
        assert exc.diagnostics.items
        exc.diagnostics.render()


@given(st.lists(st.sampled_from(['gate', 'g', '{', '}', 'require', ':', 'all', 'c', 'in', 'x', 'and', '(',
                                 ')', '"s"', '1', '2026-01-01', ',', 'level', 'warn', 'not', '==', '\n']),
                max_size=30))
def test_token_soup_never_crashes(tokens: list[str]) -> None:
    try:
        parse(Source("soup.dkp", 'policy "p" { version: "1" }\n' + " ".join(tokens)))
    except DiagnosticError as exc:
        assert exc.diagnostics.sorted()[0].span is not None


def test_too_large_a_file_is_refused_before_parsing() -> None:
    (diagnostic,) = errors("#" * (MAX_SOURCE_CHARS + 1))
    assert diagnostic.code == "syntax.too-large"


def test_comments_stand_anywhere_and_are_kept_for_the_formatter() -> None:
    text = (
        "# leading\n"
        'policy "p" { # after a brace\n  version: "1" # trailing\n}\n'
        "gate g { # in a block\n"
        "  level: warn\n"
        "  require: true # after an expression\n"
        "    and false # inside an expression\n"
        '  message: { en: "a # not a comment" ko: "가" }\n'
        "}\n# at the end"
    )
    module = parse(Source("c.dkp", text))
    assert [c for _, c in module.comments] == [
        "# leading", "# after a brace", "# trailing", "# in a block", "# after an expression",
        "# inside an expression", "# at the end",
    ]
    gate = module.declarations[0]
    assert isinstance(gate, ast.Gate)
    assert gate.message is not None and gate.message.get("en") == "a # not a comment"


def test_literals() -> None:
    def lit(code: str) -> ast.Expr:
        return parse_expression(Source("e", code))

    assert lit("33.60") == ast.Number(Decimal("33.60"))
    assert lit("2026-01-15") == ast.Date(datetime.date(2026, 1, 15))
    assert lit("2026 - 01 - 15") == ast.Binary("-", ast.Binary("-", ast.Number(Decimal(2026)),
                                                             ast.Number(Decimal(1))), ast.Number(Decimal(15)))
    assert lit(r'"say \"hi\"\n"') == ast.String('say "hi"\n')
    assert lit('{"a", "b"}') == ast.SetLit((ast.String("a"), ast.String("b")))
    assert lit("[1, 2,]") == ast.ListLit((ast.Number(Decimal(1)), ast.Number(Decimal(2))))


def test_precedence_and_non_associative_comparisons() -> None:
    expr = parse_expression(Source("e", "not a or b and c == 1 + 2 * 3"))
    product = ast.Binary("*", ast.Number(Decimal(2)), ast.Number(Decimal(3)))
    comparison = ast.Binary("==", ast.Name("c"), ast.Binary("+", ast.Number(Decimal(1)), product))
    assert expr == ast.Binary("or", ast.Not(ast.Name("a")), ast.Binary("and", ast.Name("b"), comparison))


def test_quantifier_with_filter_and_body() -> None:
    expr = parse_expression(Source("e", 'all c in components where c.weights: c.init in {"random"}'))
    assert expr == ast.Quantifier(
        "all", "c", ast.Name("components"), ast.Field(ast.Name("c"), "weights"),
        ast.Binary("in", ast.Field(ast.Name("c"), "init"), ast.SetLit((ast.String("random"),))),
    )


def test_keywords_of_blocks_are_names_in_expressions() -> None:
    module = parse(Source("k.dkp", 'policy "p" { version: "1" }\ncohort c { rank: total advance: rank <= 4 }'))
    cohort = module.declarations[0]
    assert isinstance(cohort, ast.Cohort) and cohort.advance == ast.Binary(
        "<=", ast.Name("rank"), ast.Number(Decimal(4)))
