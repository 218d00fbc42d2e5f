"""Input errors of `dokpamo evidence`: one diagnostic, raised at the boundary and rendered by the command."""

from __future__ import annotations

from policy.diagnostics import DiagnosticError, Diagnostics


def fail(code: str, message: str, file: str | None = None, help: str | None = None) -> DiagnosticError:
    """A `DiagnosticError` with one error; the caller raises it (`raise fail(...)`)."""
    diagnostics = Diagnostics()
    diagnostics.error(code, message, file=file, help=help)
    return DiagnosticError(diagnostics)
