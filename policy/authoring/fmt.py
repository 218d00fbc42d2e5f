"""The formatter: one canonical layout for rule files, with every comment kept in place.

The layout is `policy.syntax.unparse`'s (its item order, spacing and parentheses), broken over lines
only where a line would be wider than `WIDTH` columns (Hangul counts two):

- an `and`/`or` chain puts each further operand on its own line, led by the operator;
- a quantifier puts its body on the next line;
- a list or set puts its items on the following lines, filled up to the width.

Comments are not part of the AST. Each is anchored to the code next to it in the source: a comment
alone on its line to the code that follows it, a comment after code to the code before it. It is then
written before, or at the end of, the output line that holds that code, so it travels with its code
when items are put in canonical order. A construct that fits on one line is still broken when a
comment would otherwise have to leave its place inside it (a comment between two operands of a chain
stays between them). Blank lines are kept, one at most, around comments between declarations.

`format_text` re-parses its own output and compares the ASTs and the comments before returning, and
raises `FormatterBug` rather than return a text that means something else.
"""

from __future__ import annotations

import bisect

import attrs

from policy.source import Source, display_width
from policy.syntax import ast, unparse
from policy.syntax.parser import parse
from policy.syntax.scan import Comment, Token, scan

# unparse's binding strengths: breaking a line must never move a parenthesis.
from policy.syntax.unparse import BINARY, NOT, OR, QUANTIFIED, SUM

WIDTH = 110
"""The widest line the layout aims for, as for the project's Python code; texts are never broken."""
STEP = 2
"""Spaces per indentation level."""


class FormatterBug(Exception):
    """The formatted text would not mean what the original means, or would lose a comment."""


@attrs.define
class _Line:
    indent: int
    """Ignored for the first line of a fragment, which continues the line before it."""
    text: str
    pieces: list[tuple[int, int]] = attrs.field(factory=list)
    """Source ranges of the code printed on this line."""
    top: bool = False
    """The first line of a declaration."""
    comment_indent: int | None = None
    """Indentation of comments written before this line, when not its own (a closing brace)."""
    before: list[Comment] = attrs.field(factory=list)
    trailing: list[Comment] = attrs.field(factory=list)


Fragment = list[_Line]
"""Lines whose first one continues the current line."""


def _join(left: Fragment, right: Fragment) -> Fragment:
    left[-1].text += right[0].text
    left[-1].pieces.extend(right[0].pieces)
    left.extend(right[1:])
    return left


def _on_new_line(fragment: Fragment, indent: int) -> Fragment:
    fragment[0].indent = indent
    return fragment


def _span(node: ast.Expr | ast.Text | ast.TextEntry) -> tuple[int, int]:
    if node.span is None:
        raise FormatterBug("a node has no position")
    return node.span.start, node.span.end


def _breakable(expr: ast.Expr) -> bool:
    match expr:
        case ast.Binary("and" | "or"):
            return True
        case ast.Quantifier(body=body):
            return body is not None
        case ast.SetLit(items) | ast.ListLit(items):
            return bool(items)
    return False


class _Locator:
    """Finds the line that holds a source offset: the line whose code covers it, or for an offset
    between code (an operator, a comma, a parenthesis), the line of the code before it when on the same
    source line, else the line of the code after it."""

    def __init__(self, source: Source, lines: Fragment) -> None:
        self.source = source
        ranges = sorted((start, end, i) for i, line in enumerate(lines) for start, end in line.pieces)
        self.starts = [r[0] for r in ranges]
        self.ranges = ranges

    def line(self, offset: int) -> int | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.ranges[i][1]:
            return self.ranges[i][2]
        if not self.ranges:
            return None
        if i < 0:
            return self.ranges[0][2]
        if i + 1 >= len(self.ranges):
            return self.ranges[i][2]
        before_end = self.ranges[i][1] - 1
        if self.source.line_col(before_end)[0] == self.source.line_col(offset)[0]:
            return self.ranges[i][2]
        return self.ranges[i + 1][2]


class _Formatter:
    def __init__(self, module: ast.Module, source: Source) -> None:
        self.module = module
        self.source = source
        self.tokens, self.comments = scan(source.text)
        self.token_starts = [t.start for t in self.tokens]
        anchored = sorted((c.anchor, i) for i, c in enumerate(self.comments) if c.anchor is not None)
        self.anchor_offsets = [a for a, _ in anchored]
        self.anchored = [self.comments[i] for _, i in anchored]

    # ------------------------------------------------------------ whole file
    def run(self) -> str:
        lines = self.header(self.module.header)
        for decl in self.module.declarations:
            lines.extend(self.declaration(decl))
        end_of_file = self.place(lines)
        return self.render(lines, end_of_file)

    def place(self, lines: Fragment) -> list[Comment]:
        locator = _Locator(self.source, lines)
        end_of_file: list[Comment] = []
        for comment in self.comments:
            at = locator.line(comment.anchor) if comment.anchor is not None else None
            if at is None:
                end_of_file.append(comment)
            elif comment.trailing:
                lines[at].trailing.append(comment)
            else:
                lines[at].before.append(comment)
        for i, line in enumerate(lines):
            if len(line.trailing) > 1:
                # One comment fits at the end of a line; the others go on their own lines after it.
                line.trailing.sort(key=lambda c: c.start)
                moved = line.trailing[1:]
                del line.trailing[1:]
                (lines[i + 1].before if i + 1 < len(lines) else end_of_file).extend(moved)
        for line in lines:
            line.before.sort(key=lambda c: c.start)
        end_of_file.sort(key=lambda c: c.start)
        return end_of_file

    @staticmethod
    def render(lines: Fragment, end_of_file: list[Comment]) -> str:
        out: list[str] = []

        def comments(group: list[Comment], indent: int, top: bool) -> None:
            for j, comment in enumerate(group):
                if j and comment.blank_before:
                    out.append("")
                out.append(" " * indent + comment.text)
            if group and top and group[-1].blank_after:
                out.append("")

        for i, line in enumerate(lines):
            if line.top and i:
                out.append("")
            indent = line.indent if line.comment_indent is None else line.comment_indent
            comments(line.before, indent, line.top)
            text = " " * line.indent + line.text
            if line.trailing:
                text += "  " + line.trailing[0].text
            out.append(text)
        if end_of_file:
            out.append("")
            comments(end_of_file, 0, False)
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------ tokens
    def token_index(self, offset: int) -> int:
        return bisect.bisect_left(self.token_starts, offset)

    def key_start(self, value_start: int, key: str) -> int:
        """Where the key of the item whose value starts at `value_start` is written."""
        i = self.token_index(value_start)
        while i > 0 and self.tokens[i - 1].text == "(":
            i -= 1
        if i < 2 or self.tokens[i - 1].text != ":" or self.tokens[i - 2].text != key:
            raise FormatterBug(f"cannot find the key `{key}` of an item")
        return self.tokens[i - 2].start

    def brace_after(self, offset: int) -> int:
        i = self.token_index(offset)
        while i < len(self.tokens) and self.tokens[i].text != "{":
            i += 1
        if i == len(self.tokens):
            raise FormatterBug("cannot find the opening brace of a block")
        return self.tokens[i].start

    # ------------------------------------------------------------ blocks
    def block(self, opener: str, start: int, end: int, items: list[Fragment]) -> Fragment:
        brace = self.brace_after(start)
        if not items:
            return [_Line(0, opener + " {}", [(start, end)], top=True)]
        lines = [_Line(0, opener + " {", [(start, brace + 1)], top=True)]
        for item in items:
            lines.extend(item)
        lines.append(_Line(0, "}", [(end - 1, end)], comment_indent=STEP))
        return lines

    def item(self, key: str, key_start: int, value: ast.Expr | ast.Text | tuple[str, tuple[int, int]]
             ) -> Fragment:
        """An item of a block; a plain value is given as its text and its source range."""
        head = [_Line(STEP, f"{key}: ", [(key_start, key_start + len(key))])]
        if isinstance(value, ast.Text):
            return self.text(head, value, STEP)
        if isinstance(value, tuple):
            written, piece = value
            return _join(head, [_Line(0, written, [piece])])
        return _join(head, self.lay(value, QUANTIFIED, STEP + len(key) + 2, 2 * STEP, 0))

    def expr_item(self, key: str, value: ast.Expr | None) -> list[Fragment]:
        if value is None:
            return []
        start = _span(value)[0]
        return [self.item(key, self.key_start(start, key), value)]

    def text_item(self, key: str, value: ast.Text | None) -> list[Fragment]:
        if value is None:
            return []
        return [self.item(key, self.key_start(_span(value)[0], key), value)]

    @staticmethod
    def text(head: Fragment, text: ast.Text, indent: int) -> Fragment:
        start, end = _span(text)
        if not text.entries:
            return _join(head, [_Line(0, "{}", [(start, end)])])
        lines = _join(head, [_Line(0, "{", [(start, start + 1)])])
        for entry in text.entries:
            lines.append(_Line(indent + STEP, f'{entry.lang}: "{entry.value}"', [_span(entry)]))
        lines.append(_Line(indent, "}", [(end - 1, end)], comment_indent=indent + STEP))
        return lines

    def header(self, header: ast.Header) -> Fragment:
        if header.span is None:
            raise FormatterBug("the header has no position")
        start, end = header.span.start, header.span.end
        brace = self.brace_after(start)
        # Header items are simple, so the keys at brace depth 0 are exactly the items.
        keys: dict[str, tuple[int, Token]] = {}
        depth = 0
        i = self.token_index(brace + 1)
        while i < len(self.tokens) and self.tokens[i].start < end - 1:
            token = self.tokens[i]
            depth += {"{": 1, "}": -1}.get(token.text, 0)
            if depth == 0 and i + 2 < len(self.tokens) and self.tokens[i + 1].text == ":":
                keys[token.text] = (token.start, self.tokens[i + 2])
            i += 1

        def simple(key: str, written: str) -> Fragment:
            key_at, value = keys[key]
            return self.item(key, key_at, (written, (value.start, value.end)))

        items: list[Fragment] = []
        if header.version is not None:
            items.append(simple("version", unparse.string(header.version)))
        if header.effective is not None:
            items.append(simple("effective", header.effective.isoformat()))
        for key, text in (("title", header.title), ("description", header.description)):
            if text is not None:
                items.append(self.item(key, keys[key][0], text))
        if header.verdict is not None:
            items.append(simple("verdict", header.verdict))
        return self.block(f"policy {unparse.string(header.name)}", start, end, items)

    def declaration(self, decl: ast.Declaration) -> Fragment:
        if decl.span is None or decl.name_span is None:
            raise FormatterBug("a declaration has no position")
        start, end = decl.span.start, decl.span.end
        items: list[Fragment] = []
        match decl:
            case ast.Const(name, value):
                prefix = f"const {name} = "
                head = [_Line(0, prefix, [(start, decl.name_span.end)], top=True)]
                return _join(head, self.lay(value, QUANTIFIED, len(prefix), STEP, 0))
            case ast.Gate():
                if decl.level is not None and decl.level_span is not None:
                    level_at = (decl.level_span.start, decl.level_span.end)
                    key_at = self.key_start(level_at[0], "level")
                    items.append(self.item("level", key_at, (decl.level, level_at)))
                items += self.text_item("title", decl.title)
                items += self.expr_item("when", decl.when)
                items += self.expr_item("require", decl.require)
                items += self.text_item("message", decl.message)
            case ast.Score():
                items += self.text_item("title", decl.title)
                items += self.expr_item("max", decl.max)
                items += self.expr_item("value", decl.value)
            case ast.Decision():
                items += self.text_item("title", decl.title)
                items += self.expr_item("value", decl.value)
            case ast.Cohort():
                items += self.text_item("title", decl.title)
                items += self.expr_item("members", decl.members)
                if decl.rank:
                    items.append(self.rank(decl.rank))
                items += self.expr_item("among", decl.among)
                items += self.expr_item("advance", decl.advance)
            case ast.Invariant():
                items += self.text_item("title", decl.title)
                items += self.expr_item("holds", decl.holds)
                if decl.monotone is not None and decl.monotone.span is not None:
                    over = ", ".join(unparse.expression(e, OR) for e in decl.monotone.over)
                    key_at, value_end = decl.monotone.span.start, decl.monotone.span.end
                    value_at = (key_at + len("monotone"), value_end)
                    written = f"{decl.monotone.score} over {over}"
                    items.append(self.item("monotone", key_at, (written, value_at)))
        keyword = type(decl).__name__.lower()
        return self.block(f"{keyword} {decl.name}", start, end, items)

    def rank(self, keys: tuple[ast.RankKey, ...]) -> Fragment:
        orders = [" desc" if k.descending else " asc" * k.explicit for k in keys]
        written = ", ".join(unparse.expression(k.expr, OR) + o for k, o in zip(keys, orders, strict=True))
        first = _span(keys[0].expr)[0]
        i = self.token_index(_span(keys[-1].expr)[1])
        while i < len(self.tokens) and self.tokens[i].text == ")":
            i += 1
        if i < len(self.tokens) and self.tokens[i].text in ("asc", "desc"):
            i += 1
        end = self.tokens[i - 1].end
        return self.item("rank", self.key_start(first, "rank"), (written, (first, end)))

    # ------------------------------------------------------------ expressions
    def lay(self, expr: ast.Expr, slot: int, col: int, indent: int, tail: int) -> Fragment:
        """The lines of `expr` standing in a slot of the given binding strength, starting at column
        `col`; continuation lines are indented by `indent`; `tail` columns follow on its last line."""
        if unparse.strength(expr) < slot:
            inner = self.lay(expr, QUANTIFIED, col + 1, indent, tail + 1)
            inner[0].text = "(" + inner[0].text
            inner[-1].text += ")"
            return inner
        match expr:
            case ast.Binary(op, left, right) if op not in ("and", "or"):
                left_slot, right_slot = BINARY[op][1:] if op in BINARY else (SUM, SUM)
                head = f"{unparse.expression(left, left_slot)} {op} "
                return _join([_Line(0, head, [_span(left)])],
                             self.lay(right, right_slot, col + display_width(head), indent, tail))
            case ast.Not(operand):
                return _join([_Line(0, "not ")], self.lay(operand, NOT, col + 4, indent, tail))
        one_line = unparse.expression(expr)
        single = [_Line(0, one_line, [_span(expr)])]
        if not _breakable(expr):
            return single
        fits = col + display_width(one_line) + tail <= WIDTH
        inside = self.comments_within(_span(expr))
        if fits and not inside:
            return single
        broken = self.broken(expr, col, indent, tail)
        if fits and not self.displaced(inside, broken):
            return single
        return broken

    def comments_within(self, span: tuple[int, int]) -> list[Comment]:
        lo = bisect.bisect_left(self.anchor_offsets, span[0])
        hi = bisect.bisect_left(self.anchor_offsets, span[1])
        return self.anchored[lo:hi]

    def displaced(self, comments: list[Comment], broken: Fragment) -> bool:
        """Whether a comment belongs strictly inside the broken layout, so that one line would move it."""
        locator = _Locator(self.source, broken)
        for comment in comments:
            assert comment.anchor is not None
            at = locator.line(comment.anchor)
            if at is None:
                continue
            if (comment.trailing and at < len(broken) - 1) or (not comment.trailing and at > 0):
                return True
        return False

    def broken(self, expr: ast.Expr, col: int, indent: int, tail: int) -> Fragment:
        match expr:
            case ast.Binary(op, left, right):
                operands = [right]
                while isinstance(left, ast.Binary) and left.op == op:
                    operands.append(left.right)
                    left = left.left
                operands.append(left)
                operands.reverse()
                _, left_slot, right_slot = BINARY[op]
                lines = self.lay(operands[0], left_slot, col, indent + STEP, 0)
                for k, operand in enumerate(operands[1:], 1):
                    last = k == len(operands) - 1
                    lead = [_Line(indent, f"{op} ")]
                    lines += _join(lead, self.lay(operand, right_slot, indent + len(op) + 1, indent + STEP,
                                                  tail if last else 0))
                return lines
            case ast.Quantifier(kind, var, collection, where, body):
                assert body is not None
                head = f"{kind} {var} in {unparse.expression(collection, OR)}"
                head_end = _span(collection)[1]
                if where is not None:
                    head += f" where {unparse.expression(where, OR)}"
                    head_end = _span(where)[1]
                lines = [_Line(0, head + ":", [(_span(expr)[0], head_end)])]
                return lines + _on_new_line(self.lay(body, QUANTIFIED, indent, indent + STEP, tail), indent)
            case ast.SetLit(items) | ast.ListLit(items):
                return self.fill(expr, items, indent)
        raise AssertionError(f"cannot break {expr!r}")  # pragma: no cover

    def fill(self, expr: ast.SetLit | ast.ListLit, items: tuple[ast.Expr, ...], indent: int) -> Fragment:
        opening, closing = ("{", "}") if isinstance(expr, ast.SetLit) else ("[", "]")
        start, end = _span(expr)
        # Where the comments inside fall among the items decides where the item lines must break.
        pieces = [_Line(0, "", [(start, start + 1)])]
        pieces += [_Line(0, "", [_span(item)]) for item in items]
        pieces.append(_Line(0, "", [(end - 1, end)]))
        locator = _Locator(self.source, pieces)
        break_before: set[int] = set()
        break_after: set[int] = set()
        for comment in self.comments_within((start, end)):
            assert comment.anchor is not None
            at = locator.line(comment.anchor)
            if at is not None and 1 <= at <= len(items):
                (break_after if comment.trailing else break_before).add(at - 1)
        lines = [_Line(0, opening, [(start, start + 1)])]
        current: _Line | None = None
        for i, item in enumerate(items):
            written = unparse.expression(item) + ("," if i < len(items) - 1 else "")
            joined = f"{current.text} {written}" if current is not None else written
            if current is None or i in break_before or indent + display_width(joined) > WIDTH:
                current = _Line(indent, written, [_span(item)])
                lines.append(current)
            else:
                current.text = joined
                current.pieces.append(_span(item))
            if i in break_after:
                current = None
        lines.append(_Line(indent - STEP, closing, [(end - 1, end)], comment_indent=indent))
        return lines


def format_text(text: str, name: str = "<string>") -> str:
    """The canonical layout of a rule file's text.

    Raises `DiagnosticError` when the text does not parse, and `FormatterBug` when the result would
    not parse to the same AST or would not keep every comment (never expected; a bug to report)."""
    source = Source(name, text)
    module = parse(source)
    formatted = _Formatter(module, source).run()
    try:
        again = parse(Source(name, formatted))
    except Exception as exc:  # noqa: BLE001 - any failure here is the formatter's own
        raise FormatterBug(f"the formatted text does not parse: {exc}") from None
    if again != module:
        raise FormatterBug("the formatted text parses to a different rule file")
    if sorted(c.text for c in scan(formatted)[1]) != sorted(c.text for c in scan(text)[1]):
        raise FormatterBug("the formatted text does not keep every comment")
    return formatted
