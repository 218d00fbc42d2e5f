"""The checker: names, types and the lints that need only the rule file and the manifest schema."""

from policy.check.checker import Binding, CheckedModule
from policy.diagnostics import Diagnostics
from policy.facts.schema import RecordT
from policy.syntax import ast


def check(module: ast.Module, schema: RecordT, *, analyses: bool = True) -> tuple[CheckedModule, Diagnostics]:
    """Resolve and type a parsed rule file, then, if it is well typed and `analyses` is on, run the
    static analyses whose findings are warnings (a command that only evaluates can skip them)."""
    from policy.check.checker import check as check_names_and_types

    checked, diagnostics = check_names_and_types(module, schema)
    if analyses and not diagnostics.has_errors:
        from policy.check.analysis import analyse

        diagnostics.extend(analyse(checked))
    return checked, diagnostics


__all__ = ["Binding", "CheckedModule", "check"]
