"""Known syntax mistakes, by example, as lark's own grammar errors are.

Each entry is `(code, summary, help, examples)`. When a parse fails, the parser state is matched
against the state in which each example fails (`UnexpectedInput.match_examples`); the first match
gives the code, a summary that precedes the plain "unexpected ..., expected ..." message, and the
fix. A test parses every example and checks that it is reported with its own code.
"""

from __future__ import annotations

_HEAD = 'policy "p" { version: "1" }\n'

# Where an expression can stand; the parser's state after an operand differs between them.
_EXPRESSION_PLACES = (
    "gate g {{ require: {} }}", "gate g {{ when: {} }}", "score s {{ value: {} }}", "score s {{ max: {} }}",
    "decision d {{ value: {} }}", "cohort c {{ advance: {} }}", "cohort c {{ members: {} }}", "const k = {}",
)


def _in_expressions(*bad: str) -> list[str]:
    """`bad` written in every place an expression can stand."""
    return [_HEAD + place.format(b) for b in bad for place in _EXPRESSION_PLACES]

SYNTAX_ERRORS: list[tuple[str, str, str, list[str]]] = [
    (
        "syntax.missing-header",
        "a rule file starts with its `policy` header",
        'begin the file with `policy "name" { version: "1.0.0" effective: 2026-01-15 }`',
        ['gate g { level: warn }', 'const x = 1', 'score s { max: 1 }'],
    ),
    (
        "syntax.missing-colon",
        "a block item needs a `:` between its key and its value",
        "write `key: value`, e.g. `level: disqualify`",
        [_HEAD + "gate g { level disqualify }", _HEAD + "score s { max 40 }",
         _HEAD + "gate g { require true }", _HEAD + "cohort c { advance true }",
         'policy "p" { version "1" }'],
    ),
    (
        "syntax.assignment",
        "`=` is not a comparison",
        "compare with `==`; `=` only gives a constant its value",
        _in_expressions("a = 1", "a.b = 1", "f(a) = 1"),
    ),
    (
        "syntax.chained-comparison",
        "comparisons do not chain",
        "write `a < b and b < c`",
        _in_expressions("a < b < c", "a == b == c", "a in b in c"),
    ),
    (
        "syntax.missing-operator",
        "two values follow each other with no operator between them",
        "join them with an operator such as `and`, `==` or `+`, or separate list items with `,`",
        _in_expressions("a b", "1 2", "a.b c", '"x" "y"'),
    ),
    (
        "syntax.quantifier-needs-parentheses",
        "a quantifier inside a larger expression needs parentheses",
        "wrap it: `1 + (sum b in benchmarks: b.score)`",
        _in_expressions("1 + sum b in xs: b", "a and all c in xs: c", "not any c in xs: c",
                        "a or none c in xs: c"),
    ),
    (
        "syntax.symbolic-logic",
        "logical operators are words",
        "write `and`, `or` and `not` instead of `&&`, `||` and `!`",
        _in_expressions("a && b", "a || b", "!a", "a & b"),
    ),
    (
        "syntax.missing-quantifier-variable",
        "a quantifier names the variable it binds",
        "write `all c in components: c.weights`",
        _in_expressions("all components: x", "any in xs: x"),
    ),
    (
        "syntax.missing-value",
        "a block item needs a value",
        "give the item a value, or remove it",
        [_HEAD + "gate g { require: }", _HEAD + "score s { max: }", _HEAD + "const x =",
         _HEAD + "gate g { when: }"],
    ),
    (
        "syntax.unclosed-block",
        "a `{` is never closed",
        "close the block with `}`",
        ['policy "p" {', 'policy "p" { version: "1"', _HEAD + "gate g {", _HEAD + "gate g { level: warn",
         _HEAD + "gate g { require: a", _HEAD + "gate g { when: a", _HEAD + "score s { value: 1",
         _HEAD + "score s { max: 1", _HEAD + "decision d { value: a", _HEAD + "cohort c { advance: a",
         _HEAD + "cohort c { rank: a", _HEAD + "cohort c { rank: a desc", _HEAD + "gate g { message: { en: \"a\" }"],
    ),
    (
        "syntax.unclosed-parenthesis",
        "a `(` is never closed",
        "close it with `)`",
        [_HEAD + "gate g { require: (a and b }", _HEAD + "const x = (1 + 2", _HEAD + "const x = f(1, 2",
         _HEAD + "gate g { require: f(a }"],
    ),
    (
        "syntax.unterminated-string",
        "a string is not closed on its line",
        'close the string with `"`; a long text may be split into several strings: `en: "a" "b"`',
        [_HEAD + 'const x = "abc', _HEAD + 'gate g { message: { en: "abc } }'],
    ),
    (
        "syntax.text-needs-language",
        "a text is a block of languages",
        'write `{ ko: "…" en: "…" }`',
        [_HEAD + 'gate g { message: "abc" }', _HEAD + 'gate g { title: "abc" }',
         'policy "p" { title: "abc" }'],
    ),
    (
        "syntax.unknown-declaration",
        "expected a declaration",
        "declarations are `const`, `gate`, `score`, `decision`, `cohort` and `invariant`",
        [_HEAD + "rule r { }", _HEAD + "let x = 1", _HEAD + "gates g { }"],
    ),
    (
        "syntax.unknown-item",
        "this block has no such item",
        "gates take `level`, `title`, `when`, `require`, `message`; scores `title`, `max`, `value`; "
        "decisions `title`, `value`; cohorts `title`, `members`, `rank`, `among`, `advance`; invariants `title`, "
        "`holds`, `monotone`",
        [_HEAD + "gate g { condition: true }", _HEAD + "score s { formula: 1 }",
         _HEAD + "decision d { when: true }", _HEAD + "cohort c { limit: 4 }"],
    ),
]
