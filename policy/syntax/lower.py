"""lark.Tree to AST: the only consumer of lark trees.

Checks that need no names or types happen here: an item written twice in a block, an impossible date,
an unknown escape in a string, a header field written twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import lark

from policy.diagnostics import Diagnostic, Severity
from policy.source import Source, Span
from policy.syntax import ast
from policy.syntax.template import ESCAPES, split_template


class LowerError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


RESERVED = frozenset({
    "all", "any", "none", "count", "sum", "min", "max", "if", "then", "else", "and", "or", "not", "in",
    "where", "true", "false",
})
"""Words that open or join expressions; a declaration or variable with such a name could never be used."""



Quote = Callable[[int, str], ast.Expr]
"""Parses the expression of a `{...}` quotation standing at an offset of the source."""


def lower_module(tree: lark.Tree, source: Source, quote: Quote) -> ast.Module:
    return _Lowerer(source, quote).module(tree)


def lower_expression(tree: lark.Tree, source: Source) -> ast.Expr:
    return _Lowerer(source, None).expr(tree)


class _Lowerer:
    def __init__(self, source: Source, quote: Quote | None) -> None:
        self.source = source
        self.quote = quote

    # ------------------------------------------------------------ helpers
    def span(self, node: lark.Tree | lark.Token) -> Span:
        if isinstance(node, lark.Token):
            return Span(self.source, node.start_pos or 0, node.end_pos or 0)
        meta = node.meta
        if getattr(meta, "empty", True):
            return Span(self.source, 0, 0)
        return Span(self.source, meta.start_pos, meta.end_pos)

    def fail(self, code: str, message: str, node: lark.Tree | lark.Token, help: str | None = None) -> None:
        raise LowerError(Diagnostic(code, Severity.ERROR, message, self.span(node), help=help))

    def string(self, token: lark.Token) -> str:
        raw = str(token)[1:-1]
        out: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\":
                nxt = raw[i + 1]
                if nxt not in ESCAPES:
                    start = (token.start_pos or 0) + 1 + i
                    raise LowerError(Diagnostic(
                        "syntax.bad-escape", Severity.ERROR, f"unknown escape `\\{nxt}` in a string",
                        Span(self.source, start, start + 2),
                        help='the escapes are `\\"`, `\\\\`, `\\n`, `\\t`, `\\{` and `\\}`',
                    ))
                out.append(ESCAPES[nxt])
                i += 2
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    def name(self, token: lark.Token) -> str:
        if str(token) in RESERVED:
            self.fail("syntax.reserved-name", f"`{token}` is a keyword and cannot be used as a name", token,
                      help="choose another name")
        return str(token)

    def date(self, token: lark.Token) -> datetime.date:
        try:
            return datetime.date.fromisoformat(str(token))
        except ValueError:
            self.fail("syntax.bad-date", f"`{token}` is not a calendar date", token,
                      help="dates are written YYYY-MM-DD, e.g. `2026-01-15`")
            raise  # unreachable: fail raises

    def items(self, block: list[Any], allowed: set[str]) -> dict[str, lark.Tree]:
        """Block items by key; a key written twice is an error at its second place."""
        seen: dict[str, lark.Tree] = {}
        for item in block:
            if item.data in seen:
                self.fail("syntax.duplicate-item", f"`{item.data}` is given twice in this block", item,
                          help="keep one of them")
            seen[item.data] = item
        return {k: v for k, v in seen.items() if k in allowed}

    def text(self, tree: lark.Tree) -> ast.Text:
        entries = []
        langs: set[str] = set()
        for entry in tree.children:
            lang_token, *strings = [c for c in entry.children if c is not None]
            lang = str(lang_token)
            if lang in langs:
                self.fail("syntax.duplicate-item", f"language `{lang}` is given twice in this text", lang_token)
            langs.add(lang)
            for piece in strings:
                self.string(piece)  # reports a bad escape
            # Texts keep their escapes as written: `\{` is a literal brace, `{x}` quotes a fact.
            raw = "".join(str(piece)[1:-1] for piece in strings)
            parts = self.quotations(raw, entry)
            entries.append(ast.TextEntry(lang, raw, span=self.span(entry), parts=parts))
        return ast.Text(tuple(entries), span=self.span(tree))

    def quotations(self, raw: str, entry: lark.Tree) -> tuple[str | ast.Expr, ...]:
        """The literal pieces and parsed quotations of a text."""
        parts: list[str | ast.Expr] = []
        span = self.span(entry)
        written = self.source.text[span.start : span.end]
        for piece in split_template(raw):
            if isinstance(piece, str):
                parts.append(piece)
                continue
            (code,) = piece
            found = written.find("{" + code + "}")
            start = span.start + (found + 1 if found >= 0 else 0)
            if not code.strip():
                raise LowerError(Diagnostic(
                    "syntax.empty-quotation", Severity.ERROR, "empty `{}` in a text",
                    Span(self.source, start - 1, start + 1),
                    help="write `\\{` for a brace, or put an expression inside",
                ))
            assert self.quote is not None, "texts stand only in modules"
            parts.append(self.quote(start, code))
        return tuple(parts)

    # ------------------------------------------------------------ module
    def module(self, tree: lark.Tree) -> ast.Module:
        header_tree, *decls = tree.children
        header = self.header(header_tree)
        return ast.Module(header, tuple(self.declaration(d) for d in decls))

    def header(self, tree: lark.Tree) -> ast.Header:
        name_token, *item_trees = tree.children
        items = self.items(item_trees, {"version", "effective", "title", "description", "verdict"})
        value = {k: v.children[0] for k, v in items.items()}
        return ast.Header(
            name=self.string(name_token),
            version=self.string(value["version"]) if "version" in value else None,
            effective=self.date(value["effective"]) if "effective" in value else None,
            title=self.text(value["title"]) if "title" in value else None,
            description=self.text(value["description"]) if "description" in value else None,
            verdict=str(value["verdict"]) if "verdict" in value else None,
            span=self.span(tree),
            verdict_span=self.span(value["verdict"]) if "verdict" in value else None,
        )

    def declaration(self, tree: lark.Tree) -> ast.Declaration:
        kind = tree.data
        if kind == "const_decl":
            name, value = tree.children
            return ast.Const(self.name(name), self.expr(value), span=self.span(tree), name_span=self.span(name))
        name, *item_trees = tree.children
        self.name(name)
        span, name_span = self.span(tree), self.span(name)
        if kind == "gate_decl":
            items = self.items(item_trees, {"level", "title", "when", "require", "message"})
            level = items.get("level")
            return ast.Gate(
                str(name),
                level=str(level.children[0]) if level else None,
                title=self.opt_text(items, "title"),
                when=self.opt_expr(items, "when"),
                require=self.opt_expr(items, "require"),
                message=self.opt_text(items, "message"),
                span=span, name_span=name_span,
                level_span=self.span(level.children[0]) if level else None,
            )
        if kind == "score_decl":
            items = self.items(item_trees, {"title", "max", "value"})
            return ast.Score(str(name), self.opt_text(items, "title"), self.opt_expr(items, "max"),
                             self.opt_expr(items, "value"), span=span, name_span=name_span)
        if kind == "decision_decl":
            items = self.items(item_trees, {"title", "value"})
            return ast.Decision(str(name), self.opt_text(items, "title"), self.opt_expr(items, "value"),
                                span=span, name_span=name_span)
        if kind == "invariant_decl":
            items = self.items(item_trees, {"title", "holds", "monotone"})
            monotone = None
            if "monotone" in items:
                score, *over = items["monotone"].children
                monotone = ast.Monotone(str(score), tuple(self.expr(e) for e in over),
                                        span=self.span(items["monotone"]))
            return ast.Invariant(str(name), self.opt_text(items, "title"), self.opt_expr(items, "holds"), monotone,
                                 span=span, name_span=name_span)
        items = self.items(item_trees, {"title", "members", "rank", "among", "advance"})
        keys: tuple[ast.RankKey, ...] = ()
        if "rank" in items:
            keys = tuple(self.rank_key(k) for k in items["rank"].children)
        return ast.Cohort(
            str(name), self.opt_text(items, "title"), self.opt_expr(items, "members"), keys,
            self.opt_expr(items, "among"), self.opt_expr(items, "advance"), span=span, name_span=name_span,
        )

    def rank_key(self, tree: lark.Tree) -> ast.RankKey:
        expr, order = tree.children
        if order is None:
            return ast.RankKey(self.expr(expr), descending=False, explicit=False)
        return ast.RankKey(self.expr(expr), descending=str(order.children[0]) == "desc")

    def opt_expr(self, items: dict[str, lark.Tree], key: str) -> ast.Expr | None:
        return self.expr(items[key].children[0]) if key in items else None

    def opt_text(self, items: dict[str, lark.Tree], key: str) -> ast.Text | None:
        return self.text(items[key].children[0]) if key in items else None

    # ------------------------------------------------------------ expressions
    def expr(self, node: lark.Tree | lark.Token) -> ast.Expr:
        span = self.span(node)
        assert isinstance(node, lark.Tree), "every expression token is wrapped by an alias"
        kind = node.data
        ch = node.children
        match kind:
            case "number":
                return ast.Number(Decimal(str(ch[0])), span=span)
            case "string":
                return ast.String(self.string(ch[0]), span=span)
            case "date":
                return ast.Date(self.date(ch[0]), span=span)
            case "true" | "false":
                return ast.Bool(kind == "true", span=span)
            case "name":
                return ast.Name(str(ch[0]), span=span)
            case "field":
                return ast.Field(self.expr(ch[0]), str(ch[1]), span=span)
            case "index":
                return ast.Index(self.expr(ch[0]), self.expr(ch[1]), span=span)
            case "call":
                callee, *args = ch
                return ast.Call(str(callee.children[0]), tuple(self.expr(a) for a in args if a is not None),
                                span=span)
            case "list":
                return ast.ListLit(tuple(self.expr(a) for a in ch if a is not None), span=span)
            case "set":
                return ast.SetLit(tuple(self.expr(a) for a in ch if a is not None), span=span)
            case "neg":
                return ast.Neg(self.expr(ch[0]), span=span)
            case "not_":
                return ast.Not(self.expr(ch[0]), span=span)
            case "quantifier":
                kind_tree, var, collection, where, body = ch
                return ast.Quantifier(
                    str(kind_tree.children[0]), self.name(var), self.expr(collection),
                    self.expr(where) if where is not None else None,
                    self.expr(body) if body is not None else None,
                    span=span, var_span=self.span(var),
                )
            case "conditional":
                return ast.If(self.expr(ch[0]), self.expr(ch[1]), self.expr(ch[2]), span=span)
        op = _BINARY[kind]
        return ast.Binary(op, self.expr(ch[0]), self.expr(ch[1]), span=span)


_BINARY = {
    "or_": "or", "and_": "and", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
    "in_": "in", "not_in": "not in", "add": "+", "sub": "-", "mul": "*", "div": "/",
}
