"""Diagnostics are values: every stage appends them, none raises them one by one.

A diagnostic has a stable code namespaced by stage (`syntax.unexpected-token`, `check.unknown-field`,
`manifest.bad-enum`), a severity, a message in the house style (lowercase, no final period, user input
in backticks), an optional span and an optional help line. Codes are documented in
`docs/diagnostics.md`; a test keeps the two in step.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator

import attrs

from policy.source import Span

MAX_REPORTED = 100


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Diagnostic:
    """One finding about a rule file or a manifest."""

    code: str
    severity: Severity
    message: str
    span: Span | None = None
    help: str | None = None
    path: str | None = None
    """For manifests: the path of the value, e.g. `components[2].init`."""
    file: str | None = None
    """The file, when there is no span (a file that could not be read at all)."""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        if self.span is None:
            return (self.file or "", 0, 0, self.code, self.message)
        line, col = self.span.source.line_col(self.span.start)
        return (self.span.source.name, line, col, self.code, self.message)

    def location(self) -> str:
        if self.span is not None:
            return self.span.location()
        return self.file or "<input>"

    def render(self) -> str:
        """`file:line:col: severity[code]: message`, the source line with a caret, then help."""
        where = self.location()
        head = f"{where}: {self.severity.value}[{self.code}]: "
        if self.path:
            head += f"`{self.path}`: "
        lines = [head + self.message]
        if self.span is not None:
            lines.append(self.span.snippet())
        if self.help:
            lines.append(f"  = help: {self.help}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.span.source.name if self.span else self.file,
        }
        if self.span is not None:
            line, col = self.span.source.line_col(self.span.start)
            end_line, end_col = self.span.source.line_col(self.span.end)
            out |= {"line": line, "column": col, "end_line": end_line, "end_column": end_col}
        if self.path:
            out["path"] = self.path
        if self.help:
            out["help"] = self.help
        return out


@attrs.define
class Diagnostics:
    """An ordered, capped collection of diagnostics."""

    items: list[Diagnostic] = attrs.field(factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(self, code: str, message: str, span: Span | None = None, **kw: str | None) -> None:
        self.add(Diagnostic(code, Severity.ERROR, message, span, **kw))

    def warning(self, code: str, message: str, span: Span | None = None, **kw: str | None) -> None:
        self.add(Diagnostic(code, Severity.WARNING, message, span, **kw))

    def extend(self, more: Iterable[Diagnostic]) -> None:
        self.items.extend(more)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items), key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    def render(self) -> str:
        shown = self.sorted()
        text = [d.render() for d in shown[:MAX_REPORTED]]
        if len(shown) > MAX_REPORTED:
            text.append(f"... {len(shown) - MAX_REPORTED} more diagnostics were not shown")
        errors = sum(d.severity is Severity.ERROR for d in shown)
        warnings = sum(d.severity is Severity.WARNING for d in shown)
        text.append(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
        return "\n".join(text)

    def to_json(self) -> str:
        return json.dumps([d.to_json() for d in self.sorted()], ensure_ascii=False, sort_keys=True, indent=2)


class DiagnosticError(Exception):
    """Raised at a stage boundary when a stage produced errors; carries all of them."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(diagnostics.render())
        self.diagnostics = diagnostics
