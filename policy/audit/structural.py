"""Structural diff of two rule files: the header and each declaration compared item by item.

Both sides are compared in canonical form (`policy.syntax.unparse`), so a change of layout or of
comments alone is no change, and every item is shown as canonical text, old -> new, with the line
each side is written on.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from policy.compile.program import canonical_digest
from policy.syntax import ast, unparse

KINDS: tuple[tuple[str, type], ...] = (
    ("const", ast.Const), ("gate", ast.Gate), ("score", ast.Score), ("decision", ast.Decision),
    ("cohort", ast.Cohort), ("invariant", ast.Invariant),
)
"""Declaration kinds in the order a diff lists them."""

ITEMS: dict[type, tuple[str, ...]] = {
    ast.Gate: ("level", "title", "when", "require", "message"),
    ast.Score: ("title", "max", "value"),
    ast.Decision: ("title", "value"),
    ast.Cohort: ("title", "members", "rank", "among", "advance"),
    ast.Invariant: ("title", "holds", "monotone"),
}
"""The items of each declaration kind, in canonical order (constants have one: `value`)."""



@attrs.frozen
class ItemChange:
    """One item of a declaration, old -> new, as canonical text (`None` when absent)."""

    item: str
    """`require`, `rank`, or `title.en` for one language of a text."""
    old: str | None
    new: str | None


@attrs.frozen
class Change:
    """A declaration (or the header, kind `policy`) added, removed or changed."""

    kind: str
    name: str
    change: str
    """`added`, `removed` or `changed`."""
    old_text: str | None
    """The whole declaration in canonical form, on each side."""
    new_text: str | None
    old_line: int | None
    """The line the declaration is written on, on each side."""
    new_line: int | None
    items: tuple[ItemChange, ...] = ()
    """The items that differ; every item of an added or removed declaration."""


@attrs.frozen
class StructuralDiff:
    old_digest: str
    new_digest: str
    changes: tuple[Change, ...]
    reordered: bool
    """The same declarations, written in another order (which changes the digest, not the rules)."""

    @property
    def identical(self) -> bool:
        """The canonical forms are the same: no manifest or cohort can tell the two apart."""
        return self.old_digest == self.new_digest


def structural_diff(old: ast.Module, new: ast.Module) -> StructuralDiff:
    """Compare two parsed rule files declaration by declaration."""
    changes: list[Change] = []
    header = _compare("policy", new.header.name,
                      _header_items(old.header), _header_items(new.header), unparse.header(old.header),
                      unparse.header(new.header), _line(old.header.span), _line(new.header.span))
    if header is not None:
        changes.append(header)
    old_decls, new_decls = _by_key(old), _by_key(new)
    for kind, _ in KINDS:
        for key in [k for k in old_decls if k[0] == kind] + [k for k in new_decls if k[0] == kind and k not in old_decls]:
            before, after = old_decls.get(key), new_decls.get(key)
            if after is None:
                assert before is not None
                items = tuple(ItemChange(k, v, None) for k, v in declaration_items(before).items())
                changes.append(Change(kind, key[1], "removed", unparse.declaration(before), None, _decl_line(before),
                                      None, items))
            elif before is None:
                items = tuple(ItemChange(k, None, v) for k, v in declaration_items(after).items())
                changes.append(Change(kind, key[1], "added", None, unparse.declaration(after), None, _decl_line(after),
                                      items))
            else:
                change = _compare(kind, key[1], declaration_items(before), declaration_items(after),
                                  unparse.declaration(before), unparse.declaration(after),
                                  _decl_line(before), _decl_line(after))
                if change is not None:
                    changes.append(change)
    common_old = [k for k in old_decls if k in new_decls]
    common_new = [k for k in new_decls if k in old_decls]
    return StructuralDiff(canonical_digest(old), canonical_digest(new), tuple(changes), common_old != common_new)


def declaration_items(decl: ast.Declaration) -> dict[str, str]:
    """Item name -> canonical text of every item a declaration writes; texts one entry per language."""
    if isinstance(decl, ast.Const):
        return {"value": unparse.expression(decl.value)}
    out: dict[str, str] = {}
    for item in ITEMS[type(decl)]:
        value = getattr(decl, item)
        if isinstance(value, ast.Text):
            out.update(_text_items(item, value))
        elif value is not None and value != ():
            out[item] = _item_text(decl, item)
    return out


def _item_text(decl: ast.Declaration, item: str) -> str:
    # Unparse a copy holding only this item, so each item is written exactly as `fmt` writes it.
    blank = {name: (() if name == "rank" else None) for name in ITEMS[type(decl)]}
    alone = attrs.evolve(decl, **{**blank, item: getattr(decl, item)})  # type: ignore[misc]
    body = unparse.declaration(alone).split("\n")[1:-1]
    return "\n".join(body).strip().removeprefix(f"{item}: ")


def _text_items(item: str, text: ast.Text) -> Iterator[tuple[str, str]]:
    for entry in text.entries:
        yield f"{item}.{entry.lang}", f'"{entry.value}"'


def _header_items(header: ast.Header) -> dict[str, str]:
    out = {"name": unparse.string(header.name)}
    if header.version is not None:
        out["version"] = unparse.string(header.version)
    if header.effective is not None:
        out["effective"] = header.effective.isoformat()
    for item in ("title", "description"):
        text = getattr(header, item)
        if text is not None:
            out.update(_text_items(item, text))
    if header.verdict is not None:
        out["verdict"] = header.verdict
    return out


def _compare(kind: str, name: str, before: dict[str, str], after: dict[str, str], old_text: str, new_text: str,
             old_line: int | None, new_line: int | None) -> Change | None:
    keys = list(before) + [k for k in after if k not in before]
    items = tuple(ItemChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k))
    if not items and old_text == new_text:
        return None
    return Change(kind, name, "changed", old_text, new_text, old_line, new_line, items)


def _by_key(module: ast.Module) -> dict[tuple[str, str], ast.Declaration]:
    kinds = {cls: kind for kind, cls in KINDS}
    return {(kinds[type(d)], d.name): d for d in module.declarations}


def _decl_line(decl: ast.Declaration) -> int | None:
    return _line(decl.name_span or decl.span)


def _line(span: object) -> int | None:
    return getattr(span, "line", None)
