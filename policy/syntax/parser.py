"""Text to AST: the single Lark parser of `grammar/policy.lark`, and syntax errors in plain words.

Only this module and `lower.py` import lark. No lark exception leaves `parse`: every failure becomes
a `Diagnostic` with a span, the expected input in plain words and, where the example table knows
the mistake, a suggested fix.
"""

from __future__ import annotations

import functools

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from policy.diagnostics import Diagnostic, DiagnosticError, Diagnostics, Severity
from policy.source import Source, Span
from policy.syntax import ast
from policy.syntax.errors import SYNTAX_ERRORS
from policy.syntax.grammar import grammar_text
from policy.syntax.lower import LowerError, lower_expression, lower_module
from policy.syntax.scan import scan

MAX_SOURCE_CHARS = 1_000_000
"""Rule files are small; a bigger one is refused before the parser sees it."""


@functools.cache
def _parser() -> lark.Lark:
    # cache=True stores the analysed grammar in the temp directory, keyed by the grammar's hash, so a
    # cold start loads the tables instead of recomputing them.
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=True,
        start=["start", "expr"],
        cache=True,
    )


def parse(source: Source) -> ast.Module:
    """Parse a whole rule file; raises `DiagnosticError` with every syntax error found."""
    tree = _parse_tree(source, "start")
    comments = tuple((c.start, c.text) for c in scan(source.text)[1])
    try:
        module = lower_module(tree, source, lambda start, code: _quotation(source, start, code))
    except LowerError as exc:
        raise DiagnosticError(_one(exc.diagnostic)) from None
    return ast.Module(module.header, module.declarations, comments=comments)


def parse_expression(source: Source) -> ast.Expr:
    """Parse a single expression, e.g. a `{...}` quotation inside a message."""
    tree = _parse_tree(source, "expr")
    try:
        return lower_expression(tree, source)
    except LowerError as exc:
        raise DiagnosticError(_one(exc.diagnostic)) from None


def _parse_tree(source: Source, start: str) -> lark.Tree:
    if len(source.text) > MAX_SOURCE_CHARS:
        diagnostics = Diagnostics()
        diagnostics.error(
            "syntax.too-large",
            f"rule file has {len(source.text):,} characters, more than the limit of {MAX_SOURCE_CHARS:,}",
            Span(source, 0, 0),
        )
        raise DiagnosticError(diagnostics)
    try:
        return _parser().parse(source.text, start=start)
    except UnexpectedInput as exc:
        raise DiagnosticError(_one(_syntax_diagnostic(exc, source, start))) from None


def _one(diagnostic: Diagnostic) -> Diagnostics:
    diagnostics = Diagnostics()
    diagnostics.add(diagnostic)
    return diagnostics


# ---------------------------------------------------------------- error messages

_PLAIN_TERMINALS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "$END": "the end of the file",
}


def _describe_terminal(name: str) -> str:
    if name in _PLAIN_TERMINALS:
        return _PLAIN_TERMINALS[name]
    terminal = _parser().get_terminal(name)
    pattern = terminal.pattern
    if isinstance(pattern, lark.lexer.PatternStr):
        return f"`{pattern.value}`"
    return name.lower()


_OPERATORS = {"`+`", "`-`", "`*`", "`/`", "`==`", "`!=`", "`<`", "`<=`", "`>`", "`>=`", "`and`", "`or`",
              "`not`", "`in`", "`.`", "`[`", "`(`"}


def _expected(names: set[str]) -> str:
    words = {_describe_terminal(n) for n in names}
    if len(words & _OPERATORS) > 3:
        # After an operand almost every operator fits; naming them all hides what matters.
        words = (words - _OPERATORS) | {"an operator"}
    ordered = sorted(words, key=lambda w: (w == "an operator", w))
    if not ordered:
        return "nothing more"
    return ", ".join(ordered[:-1]) + (" or " if len(ordered) > 1 else "") + ordered[-1]


def _syntax_diagnostic(exc: UnexpectedInput, source: Source, start: str) -> Diagnostic:
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(source.text)
    if isinstance(exc, UnexpectedEOF):
        offset = len(source.text)
    span = Span(source, offset, offset + 1)
    known = _match_example(exc, start)
    if isinstance(exc, UnexpectedToken):
        found = "end of the file" if exc.token.type == "$END" else f"`{exc.token}`"
        if exc.token.type != "$END":
            span = Span(source, offset, offset + len(str(exc.token)))
        message = f"unexpected {found}: expected {_expected(exc.accepts or exc.expected)}"
    elif isinstance(exc, UnexpectedCharacters):
        char = source.text[offset] if offset < len(source.text) else ""
        message = f"unexpected character `{char}`"
        if exc.allowed:
            message += f": expected {_expected(set(exc.allowed))}"
    else:
        message = f"unexpected end of the file: expected {_expected(set(exc.expected))}"
    code, help_text = "syntax.unexpected-token", None
    if isinstance(exc, UnexpectedCharacters):
        # A bad character fails in the state of whatever preceded it; the character says more.
        known = _by_character(source.text[offset : offset + 1]) or known
    elif _after_quantifier_word(exc):
        # Where a quantifier cannot start, its keyword is read as a name, so `x + sum b in ...` fails
        # in the same state as `x + a b`: the word before the error tells them apart.
        known = _entry("syntax.quantifier-needs-parentheses")
    if known is not None:
        code, summary, help_text = known
        message = f"{summary}: {message}"
    return Diagnostic(code, Severity.ERROR, message, span, help=help_text)


_CHARACTER_ERRORS = {"&": "syntax.symbolic-logic", "|": "syntax.symbolic-logic", "!": "syntax.symbolic-logic",
                     '"': "syntax.unterminated-string"}


def _entry(code: str | None) -> tuple[str, str, str] | None:
    return next(((c, s, h) for c, s, h, _ in SYNTAX_ERRORS if c == code), None)


def _by_character(char: str) -> tuple[str, str, str] | None:
    return _entry(_CHARACTER_ERRORS.get(char))


_QUANTIFIER_WORDS = {"all", "any", "none", "count", "sum", "min", "max"}


def _after_quantifier_word(exc: UnexpectedInput) -> bool:
    if not isinstance(exc, UnexpectedToken) or exc.token.type != "NAME":
        return False
    history = getattr(exc, "token_history", None) or []
    return bool(history) and str(history[-1]) in _QUANTIFIER_WORDS


def _match_example(exc: UnexpectedInput, start: str) -> tuple[str, str, str] | None:
    """The entry of `SYNTAX_ERRORS` whose example fails in the same parser state, as lark's
    `match_examples` does (its own version crashes formatting a debug line in lark 1.3)."""
    if start != "start" or exc.state is None:
        return None
    same_type: tuple[str, str, str] | None = None
    same_state: tuple[str, str, str] | None = None
    for entry in SYNTAX_ERRORS:
        for example in entry[3]:
            other = _example_error(example)
            if other is None or _position(other) != _position(exc):
                continue
            if isinstance(exc, UnexpectedToken):
                # A token error matches only a token error with the same token, or its type.
                if not isinstance(other, UnexpectedToken) or other.accepts != exc.accepts:
                    continue
                if other.token == exc.token:
                    return entry[:3]
                if other.token.type == exc.token.type and same_type is None:
                    same_type = entry[:3]
            elif same_state is None:
                same_state = entry[:3]
    return same_type or same_state


@functools.cache
def _example_error(example: str) -> UnexpectedInput | None:
    try:
        _parser().parse(example, start="start")
    except UnexpectedInput as exc:
        return exc
    return None


def _quotation(source: Source, start: int, code: str) -> ast.Expr:
    try:
        return parse_expression_at(source, start, code)
    except DiagnosticError as exc:
        raise LowerError(exc.diagnostics.sorted()[0]) from None


def parse_expression_at(source: Source, start: int, text: str) -> ast.Expr:
    """Parse `text`, which stands at offset `start` of `source` (a `{...}` quotation inside a
    message), so that its spans point into the rule file itself."""
    prefix = "".join("\n" if ch == "\n" else " " for ch in source.text[:start])
    padded = Source(source.name, prefix + text)
    tree = _parse_tree(padded, "expr")
    try:
        return lower_expression(tree, source)
    except LowerError as exc:
        raise DiagnosticError(_one(exc.diagnostic)) from None


def _position(exc: UnexpectedInput) -> object:
    """The LALR state an error happened in; the depth of the stack below it does not matter."""
    state = exc.state
    return getattr(state, "position", state)
