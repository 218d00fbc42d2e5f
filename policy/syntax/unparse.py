"""AST to canonical text: the formatter's layout and the round-trip oracle (`parse(unparse(m)) == m`).

Parentheses are written only where precedence needs them; numbers are written in plain notation.
"""

from __future__ import annotations

from decimal import Decimal

from policy.syntax import ast

INDENT = "  "

# Binding strength, loosest first; an operand weaker than its slot is parenthesised.
QUANTIFIED, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POSTFIX = range(9)
BINARY = {
    "or": (OR, OR, AND),
    "and": (AND, AND, NOT),
    "+": (SUM, SUM, PRODUCT),
    "-": (SUM, SUM, PRODUCT),
    "*": (PRODUCT, PRODUCT, UNARY),
    "/": (PRODUCT, PRODUCT, UNARY),
}
"""operator -> (its own strength, the left slot's, the right slot's)."""


def number(value: Decimal) -> str:
    text = format(value, "f")
    return text


def string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def strength(expr: ast.Expr) -> int:
    match expr:
        case ast.Quantifier() | ast.If():
            return QUANTIFIED
        case ast.Binary(op) if op in BINARY:
            return BINARY[op][0]
        case ast.Binary():
            return COMPARE
        case ast.Not():
            return NOT
        case ast.Neg():
            return UNARY
    return POSTFIX


def expression(expr: ast.Expr, slot: int = QUANTIFIED) -> str:
    """The canonical text of an expression standing in a slot of the given strength."""
    text = _expression(expr)
    return f"({text})" if strength(expr) < slot else text


def _expression(expr: ast.Expr) -> str:
    match expr:
        case ast.Number(value):
            return number(value)
        case ast.String(value):
            return string(value)
        case ast.Date(value):
            return value.isoformat()
        case ast.Bool(value):
            return "true" if value else "false"
        case ast.Name(name):
            return name
        case ast.Field(obj, name):
            return f"{expression(obj, POSTFIX)}.{name}"
        case ast.Index(obj, index):
            return f"{expression(obj, POSTFIX)}[{expression(index)}]"
        case ast.Call(fn, args):
            return f"{fn}({', '.join(expression(a) for a in args)})"
        case ast.ListLit(items):
            return f"[{', '.join(expression(i) for i in items)}]"
        case ast.SetLit(items):
            return "{" + ", ".join(expression(i) for i in items) + "}"
        case ast.Neg(operand):
            return f"-{expression(operand, UNARY)}"
        case ast.Not(operand):
            return f"not {expression(operand, NOT)}"
        case ast.Binary(op, left, right) if op in BINARY:
            _, left_slot, right_slot = BINARY[op]
            return f"{expression(left, left_slot)} {op} {expression(right, right_slot)}"
        case ast.Binary(op, left, right):
            # Comparisons do not chain, so both operands must be sums or tighter.
            return f"{expression(left, SUM)} {op} {expression(right, SUM)}"
        case ast.Quantifier(kind, var, collection, where, body):
            text = f"{kind} {var} in {expression(collection, OR)}"
            if where is not None:
                text += f" where {expression(where, OR)}"
            if body is not None:
                text += f": {expression(body)}"
            return text
        case ast.If(cond, then, otherwise):
            return f"if {expression(cond, OR)} then {expression(then)} else {expression(otherwise)}"
    raise AssertionError(f"unknown expression {expr!r}")  # pragma: no cover


def text_block(text: ast.Text, indent: str) -> str:
    if not text.entries:
        return "{}"
    inner = indent + INDENT
    lines = [f'{inner}{e.lang}: "{e.value}"' for e in text.entries]
    return "{\n" + "\n".join(lines) + f"\n{indent}}}"


def module(mod: ast.Module) -> str:
    """The canonical text of a whole rule file (without comments; `fmt` puts those back)."""
    return "\n\n".join(declaration_texts(mod)) + "\n"


def declaration_texts(mod: ast.Module) -> list[str]:
    """The header, then each declaration, in canonical form."""
    return [header(mod.header), *(declaration(d) for d in mod.declarations)]


def _block(keyword: str, items: list[tuple[str, str]]) -> str:
    body = "".join(f"\n{INDENT}{key}: {value}" for key, value in items)
    return f"{keyword} {{{body}\n}}" if items else f"{keyword} {{}}"


def header(h: ast.Header) -> str:
    items: list[tuple[str, str]] = []
    if h.version is not None:
        items.append(("version", string(h.version)))
    if h.effective is not None:
        items.append(("effective", h.effective.isoformat()))
    if h.title is not None:
        items.append(("title", text_block(h.title, INDENT)))
    if h.description is not None:
        items.append(("description", text_block(h.description, INDENT)))
    if h.verdict is not None:
        items.append(("verdict", h.verdict))
    return _block(f"policy {string(h.name)}", items)


def declaration(decl: ast.Declaration) -> str:
    items: list[tuple[str, str]] = []

    def add(key: str, value: ast.Expr | ast.Text | str | None) -> None:
        if value is None:
            return
        if isinstance(value, ast.Text):
            items.append((key, text_block(value, INDENT)))
        elif isinstance(value, str):
            items.append((key, value))
        else:
            items.append((key, expression(value)))

    match decl:
        case ast.Const(name, value):
            return f"const {name} = {expression(value)}"
        case ast.Gate():
            add("level", decl.level)
            add("title", decl.title)
            add("when", decl.when)
            add("require", decl.require)
            add("message", decl.message)
            return _block(f"gate {decl.name}", items)
        case ast.Score():
            add("title", decl.title)
            add("max", decl.max)
            add("value", decl.value)
            return _block(f"score {decl.name}", items)
        case ast.Decision():
            add("title", decl.title)
            add("value", decl.value)
            return _block(f"decision {decl.name}", items)
        case ast.Cohort():
            add("title", decl.title)
            add("members", decl.members)
            if decl.rank:
                keys = [expression(k.expr, OR) + (" desc" if k.descending else " asc" if k.explicit else "")
                        for k in decl.rank]
                add("rank", ", ".join(keys))
            add("among", decl.among)
            add("advance", decl.advance)
            return _block(f"cohort {decl.name}", items)
        case ast.Invariant():
            add("title", decl.title)
            add("holds", decl.holds)
            if decl.monotone is not None:
                over = ", ".join(expression(e, OR) for e in decl.monotone.over)
                add("monotone", f"{decl.monotone.score} over {over}")
            return _block(f"invariant {decl.name}", items)
    raise AssertionError(f"unknown declaration {decl!r}")  # pragma: no cover
