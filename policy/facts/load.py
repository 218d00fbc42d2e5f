"""Load a team manifest and validate it against the schema of `policy.facts.schema`.

The schema is walked, never restated: every structural rule (types, required keys, enums, bounds,
patterns, unique ids, `x-` keys) comes from the `RecordT` tree rooted at `MANIFEST`. All errors of a
file are collected, each with the manifest path and a span into the text, and raised together as one
`ManifestError`.

The loaded `Manifest` holds the values exactly as written (no defaults inserted: the evaluator applies
the schema's defaults), where each value is written, and a digest that ignores formatting.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from policy.diagnostics import DiagnosticError, Diagnostics
from policy.facts import yamljson
from policy.facts.formats import DATE_RE, PATTERN_HELP, is_license
from policy.facts.schema import (
    MANIFEST,
    BoolT,
    DateT,
    EnumT,
    LicenseT,
    ListT,
    NumberT,
    RecordT,
    StringT,
    Type,
)
from policy.facts.yamljson import MAP, SCALAR, SEQ, Node
from policy.source import Source, Span
from policy.verdict import Location


class ManifestError(DiagnosticError):
    """A manifest could not be loaded; carries every diagnostic of the file."""


@attrs.frozen
class Manifest:
    """A validated team manifest. Two manifests are equal when their digests are."""

    data: dict[str, object] = attrs.field(eq=False, repr=False)
    """Plain values exactly as written: `dict`, `list`, `str`, `bool`, `Decimal`, `datetime.date`
    (and `None` inside `x-` values only). No defaults are inserted; `x-` keys are kept."""
    source: Source | None = attrs.field(eq=False, repr=False)
    """The text the manifest was read from; `None` for an in-memory mapping."""
    locations: Mapping[str, tuple[int, int]] = attrs.field(eq=False, repr=False)
    """Manifest path (`components[1].init`, `""` for the root) to its 1-based line and column."""
    digest: str
    """`sha256:<hex>` of the canonical JSON form of `data` (see `canonical_json`)."""

    def location(self, path: str) -> Location | None:
        """Where `path` is written, or its nearest written ancestor; `None` without a source."""
        if self.source is None:
            return None
        while True:
            where = self.locations.get(path)
            if where is not None:
                return Location(self.source.name, where[0], where[1])
            if not path:
                return None
            path = parent_path(path)

    @property
    def team(self) -> str | None:
        """The team id, when written."""
        team = self.data.get("team")
        value = team.get("id") if isinstance(team, dict) else None
        return value if isinstance(value, str) else None


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read and validate a manifest file (YAML, or JSON by extension or first character)."""
    diagnostics = Diagnostics()
    source = yamljson.read_source(path, diagnostics, "manifest")
    if source is None:
        raise ManifestError(diagnostics)
    return _from_source(source, diagnostics)


def parse_manifest(text: str, name: str) -> Manifest:
    """Validate a manifest given as text; `name` is shown in messages and picks JSON by extension."""
    return _from_source(Source(name, text), Diagnostics())


def manifest_from_mapping(mapping: Mapping[str, object], name: str = "<mapping>") -> Manifest:
    """Validate an in-memory mapping, e.g. one built by a test or an importer.

    `int`s become `Decimal`s and `float`s become the `Decimal` of their shortest text (`0.1` is
    `Decimal("0.1")`), so a mapping and the same manifest written as text load the same.
    """
    diagnostics = Diagnostics()
    node = _PythonReader(name, diagnostics).node(mapping, "", 0)
    return _validated(node, None, name, diagnostics)


def validate(node: Node | None, source: Source | None, name: str, diagnostics: Diagnostics,
             schema: RecordT = MANIFEST) -> tuple[dict[str, object], Mapping[str, tuple[int, int]]]:
    """Check a parsed document against a record schema, appending diagnostics.

    Returns the plain data and the locations, which are only complete when no error was added.
    """
    validator = _Validator(source, name, diagnostics)
    if node is None:
        if not diagnostics.has_errors:
            diagnostics.error("manifest.empty", "the manifest is empty", file=name,
                              help="a manifest starts with `manifest: 1`")
        return {}, _Locations({}, source)
    data = validator.value(node, schema, "", node.start)
    return (data if isinstance(data, dict) else {}), _Locations(validator.offsets, source)


class _Locations(Mapping[str, tuple[int, int]]):
    """Paths to lines and columns, computed from character offsets when asked."""

    def __init__(self, offsets: dict[str, int], source: Source | None) -> None:
        self._offsets = offsets if source is not None else {}
        self._source = source

    def __getitem__(self, path: str) -> tuple[int, int]:
        offset = self._offsets[path]
        assert self._source is not None
        return self._source.line_col(offset)

    def __iter__(self) -> Iterator[str]:
        return iter(self._offsets)

    def __len__(self) -> int:
        return len(self._offsets)


def _from_source(source: Source, diagnostics: Diagnostics) -> Manifest:
    node = yamljson.parse(source, diagnostics, "manifest")
    return _validated(node, source, source.name, diagnostics)


def _validated(node: Node | None, source: Source | None, name: str, diagnostics: Diagnostics) -> Manifest:
    data, locations = validate(node, source, name, diagnostics)
    if diagnostics.has_errors:
        raise ManifestError(diagnostics)
    return Manifest(data, source, locations, digest(data))


# ---------------------------------------------------------------------------------------------
# Paths

_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LAST_STEP = re.compile(r'(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["(?:[^"\\]|\\.)*"\])$')


def key_path(parent: str, key: str) -> str:
    """The path of `key` under `parent`: `team.id`, or `scores["odd key"]` for other keys."""
    if _is_simple(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


@functools.lru_cache(maxsize=1024)
def _is_simple(key: str) -> bool:
    return _SIMPLE_KEY.fullmatch(key) is not None


def parent_path(path: str) -> str:
    """The path one step up: `components[1].init` -> `components[1]` -> `components` -> `""`."""
    match = _LAST_STEP.search(path)
    if match is None:
        return ""
    return path[: match.start()]


# ---------------------------------------------------------------------------------------------
# Digest


def canonical_json(value: object) -> str:
    """Compact JSON with keys sorted by code point and numbers in their shortest exact text.

    `1.50`, `1.5` and `15e-1` all give `1.5`, so the digest does not depend on formatting.
    """
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, dict):
        items = [_json_string(k) + ":" + canonical_json(value[k]) for k in sorted(value)]
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join([canonical_json(v) for v in value]) + "]"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bool) or value is None:
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return f'"{value.isoformat()}"'
    return _json_string(str(value))


def decimal_text(value: Decimal) -> str:
    """The shortest exact positional text of a decimal: `8.0` -> `8`, `1E+3` -> `1000`, `-0` -> `0`.

    Not `Decimal.normalize()`, which rounds to the context's 28 digits.
    """
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_json_string = json.encoder.encode_basestring


def digest(data: dict[str, object]) -> str:
    """`sha256:<hex>` of `canonical_json(data)`."""
    return "sha256:" + hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Validation

_BAD = object()
"""A value that failed validation; its diagnostic is already added."""

_YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})
_YAML11_NUMBER = re.compile(r"[-+]?(?:0[0-9]+|0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?"
                            r"|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)")
_NAN_WORDS = re.compile(r"[-+]?(?:\.?(?:nan|inf|infinity))", re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


class _Validator:
    def __init__(self, source: Source | None, name: str, diagnostics: Diagnostics) -> None:
        self.source = source
        self.name = name
        self.diagnostics = diagnostics
        self.offsets: dict[str, int] = {}
        self.dispatch: dict[type, Callable[[Node, Any, str, int], object]] = {
            RecordT: self._record, ListT: self._list, StringT: self._string, EnumT: self._enum,
            NumberT: self._number, BoolT: self._bool, LicenseT: self._license, DateT: self._date,
        }

    # -- reporting

    def error(self, code: str, message: str, path: str, start: int, end: int | None = None,
              help: str | None = None) -> None:
        span = None
        if self.source is not None and start >= 0:
            span = Span(self.source, start, max(start + 1, end if end is not None else start + 1))
        self.diagnostics.error(f"manifest.{code}", message, span, help=help, path=path or None,
                               file=None if span else self.name)

    def text_of(self, node: Node) -> str:
        """The value as written, for messages."""
        if self.source is not None and node.start >= 0 and node.kind == SCALAR:
            return self.source.text[node.start : node.end].strip()
        value = node.value
        if isinstance(value, bool) or value is None:
            return json.dumps(value)
        return str(value)

    def found(self, node: Node) -> str:
        if node.kind == MAP:
            return "a mapping"
        if node.kind == SEQ:
            return "a list"
        value = node.value
        if value is None:
            return "null"
        shown = _short(self.text_of(node))
        if isinstance(value, bool):
            return f"`{shown}`"
        if isinstance(value, Decimal):
            return f"number `{shown}`"
        if isinstance(value, datetime.date):
            return f"date `{value.isoformat()}`"
        return f"string `{_short(str(value))}`"

    def bad_type(self, node: Node, typ: Type, path: str) -> object:
        help = _type_help(node, typ, self.text_of(node) if node.kind == SCALAR else "") if path else \
            "the manifest is a mapping of keys, starting with `manifest: 1`"
        self.error("bad-type", f"expected {_expected(typ)}, found {self.found(node)}", path,
                   node.start, node.end, help)
        return _BAD


    # -- values

    def value(self, node: Node, typ: Type, path: str, anchor: int) -> object:
        """Validate `node` as `typ`; `anchor` is where the value is introduced (its key)."""
        self.offsets[path] = node.start if node.kind is SCALAR or not path else anchor
        return self.dispatch[typ.__class__](node, typ, path, anchor)

    def free(self, node: Node, path: str, anchor: int) -> object:
        """An `x-` value: any plain data, kept as written."""
        self.offsets[path] = node.start if node.kind is SCALAR else anchor
        if node.kind == MAP:
            return {e.key: self.free(e.node, key_path(path, e.key), e.start) for e in node.entries()}
        if node.kind == SEQ:
            return [self.free(item, f"{path}[{i}]", item.start) for i, item in enumerate(node.items())]
        return node.value

    def _record(self, node: Node, rec: RecordT, path: str, anchor: int) -> object:
        if node.kind != MAP:
            return self.bad_type(node, rec, path)
        fields = rec.fields
        out: dict[str, object] = {}
        for entry in node.entries():
            key = entry.key
            sub = key_path(path, key)
            if key.startswith("x-"):
                out[key] = self.free(entry.node, sub, entry.start)
                continue
            field = fields.get(key)
            if field is None:
                out[key] = _BAD
                self.error("unknown-key", f"unknown key `{_short(key)}` in {_where(rec, path)}", sub,
                           entry.start, entry.end, _key_help(key, rec))
                continue
            value = self.value(entry.node, field.type, sub, entry.start)
            out[key] = value
        for name, field in fields.items():
            if field.required and name not in out:
                self.error("missing-key", f"missing required key `{name}` in {_where(rec, path)}",
                           key_path(path, name), anchor, None, f"`{name}`: {field.doc}")
        return {k: v for k, v in out.items() if v is not _BAD}

    def _list(self, node: Node, typ: ListT, path: str, anchor: int) -> object:
        if node.kind != SEQ:
            return self.bad_type(node, typ, path)
        items = node.items()
        out = [self.value(item, typ.item, f"{path}[{i}]", item.start) for i, item in enumerate(items)]
        item_type = typ.item
        if isinstance(item_type, RecordT) and item_type.unique_key:
            self._unique(items, out, item_type, item_type.unique_key, path)
        return [v for v in out if v is not _BAD]

    def _unique(self, items: list[Node], values: list[object], rec: RecordT, key: str, path: str) -> None:
        first: dict[object, int] = {}
        for i, (node, value) in enumerate(zip(items, values, strict=True)):
            if not isinstance(value, dict) or not isinstance(value.get(key), str):
                continue
            ident = value[key]
            if ident not in first:
                first[ident] = i
                continue
            entry = next(e for e in node.entries() if e.key == key)
            where = f"{path}[{first[ident]}]"
            offset = self.offsets.get(f"{where}.{key}", -1)
            at = f" on line {self.source.line_col(offset)[0]}" if self.source and offset >= 0 else ""
            self.error("duplicate-id", f"duplicate {rec.name} {key} `{_short(ident)}`", f"{path}[{i}].{key}",
                       entry.node.start, entry.node.end, f"`{where}` has this {key}{at}; ids must be unique")

    def _string(self, node: Node, typ: StringT, path: str, anchor: int) -> object:
        value = node.value
        if node.kind != SCALAR or not isinstance(value, str):
            return self.bad_type(node, typ, path)
        if typ.pattern is not None:
            if not re.fullmatch(typ.pattern, value):
                self.error("bad-pattern", f"`{_short(value)}` does not match `{typ.pattern}`", path,
                           node.start, node.end, PATTERN_HELP.get(typ.pattern))
                return _BAD
        elif not value.strip():
            self.error("empty-value", "the string is empty", path, node.start, node.end,
                       "leave the key out when the fact is unknown")
            return _BAD
        return value

    def _enum(self, node: Node, typ: EnumT, path: str, anchor: int) -> object:
        value = node.value
        if node.kind != SCALAR or not isinstance(value, str):
            return self.bad_type(node, typ, path)
        if value not in typ.values:
            self.error("bad-enum", f"`{_short(value)}` is not a valid {typ.name}", path, node.start, node.end,
                       _enum_help(value, typ))
            return _BAD
        return value

    def _number(self, node: Node, typ: NumberT, path: str, anchor: int) -> object:
        value = node.value
        if node.kind != SCALAR or not isinstance(value, Decimal):
            return self.bad_type(node, typ, path)
        shown = _short(self.text_of(node))
        if typ.integer and value != value.to_integral_value():
            return self.bad_type(node, typ, path)
        if typ.minimum is not None:
            if typ.exclusive_minimum and value <= typ.minimum:
                self.error("out-of-range", f"`{shown}` must be more than {typ.minimum}", path,
                           node.start, node.end)
                return _BAD
            if value < typ.minimum:
                self.error("out-of-range", f"`{shown}` is less than the minimum {typ.minimum}", path,
                           node.start, node.end)
                return _BAD
        if typ.maximum is not None and value > typ.maximum:
            self.error("out-of-range", f"`{shown}` is more than the maximum {typ.maximum}", path,
                       node.start, node.end)
            return _BAD
        return value

    def _bool(self, node: Node, typ: BoolT, path: str, anchor: int) -> object:
        if node.kind != SCALAR or not isinstance(node.value, bool):
            return self.bad_type(node, typ, path)
        return node.value

    def _license(self, node: Node, typ: LicenseT, path: str, anchor: int) -> object:
        value = node.value
        if node.kind != SCALAR or not isinstance(value, str):
            return self.bad_type(node, typ, path)
        if not is_license(value):
            self.error("bad-license", f"`{_short(value)}` is not an SPDX licence expression", path,
                       node.start, node.end, _license_help(value))
            return _BAD
        return value

    def _date(self, node: Node, typ: DateT, path: str, anchor: int) -> object:
        value = node.value
        if node.kind == SCALAR and type(value) is datetime.date:  # from a mapping; a datetime is refused
            return value
        if node.kind != SCALAR or not isinstance(value, str) or not DATE_RE.fullmatch(value):
            return self.bad_type(node, typ, path)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error("bad-date", f"`{value}` is not a calendar date", path, node.start, node.end,
                       "write the date as `YYYY-MM-DD`, e.g. `2025-12-30`")
            return _BAD


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(rec: RecordT, path: str) -> str:
    return f"`{path}`" if path else "the manifest"


def _expected(typ: Type) -> str:
    if isinstance(typ, RecordT):
        return "a mapping"
    if isinstance(typ, ListT):
        return "a list"
    if isinstance(typ, NumberT):
        return "an integer" if typ.integer else "a number"
    if isinstance(typ, BoolT):
        return "`true` or `false`"
    if isinstance(typ, DateT):
        return "a date `YYYY-MM-DD`"
    if isinstance(typ, LicenseT):
        return "an SPDX licence expression"
    if isinstance(typ, EnumT):
        if len(typ.values) <= 6:
            return "one of " + ", ".join(f"`{v}`" for v in typ.values)
        return f"a {typ.name} (a string)"
    return "a string"


def _type_help(node: Node, typ: Type, text: str) -> str | None:
    value = node.value
    if node.kind != SCALAR:
        if isinstance(typ, ListT) and node.kind == MAP:
            return "write the items as a list: `- item` on each line, or `[a, b]`"
        return None
    if value is None:
        return "leave the key out when the fact is unknown"
    if isinstance(typ, StringT | EnumT | LicenseT) and isinstance(value, bool | Decimal):
        return f'quote the text to keep it a string: `"{text}"`'
    if isinstance(typ, BoolT) and isinstance(value, str):
        if value.lower() in _YAML11_BOOLS:
            return f"`{value}` is text in YAML 1.2, not a boolean: write `true` or `false`"
        if value.lower() in ("true", "false"):
            return "remove the quotes to write a boolean"
    if isinstance(typ, NumberT):
        if isinstance(value, Decimal):
            return "write a whole number" if typ.integer else None
        if isinstance(value, str):
            if _NAN_WORDS.fullmatch(value):
                return "numbers must be finite; leave the key out when the value is unknown"
            if _YAML11_NUMBER.fullmatch(value):
                return (f"`{value}` is read differently by YAML 1.1 and 1.2 (octal, base 60, `_`), so it is "
                        "kept as text: write the number in plain decimal")
            if _NUMBER_TEXT.fullmatch(value.strip()):
                return "remove the quotes to write a number"
    if isinstance(typ, DateT) and isinstance(value, str):
        return "write the date as `YYYY-MM-DD`, e.g. `2025-12-30`"
    return None


def _key_help(key: str, rec: RecordT) -> str:
    import difflib  # only a diagnostic needs it

    names = list(rec.fields)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6) or \
        difflib.get_close_matches(key.lower().replace("-", "_"), names, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if key == "<<":
        return "YAML merge keys (`<<`) are not supported; write the keys out"
    listed = ", ".join(f"`{n}`" for n in names)
    return f"the keys of `{rec.name}` are {listed}; a team's own notes go under keys starting with `x-`"


def _enum_help(value: str, typ: EnumT) -> str:
    import difflib  # only a diagnostic needs it

    normal = value.strip().lower().replace("-", "_").replace(" ", "_")
    if normal in typ.values:
        return f"did you mean `{normal}`?"
    close = difflib.get_close_matches(value, typ.values, n=1, cutoff=0.6) or \
        difflib.get_close_matches(normal, typ.values, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "expected one of " + ", ".join(f"`{v}`" for v in typ.values)


def _license_help(value: str) -> str:
    if " " in value.strip() and not re.search(r"\b(AND|OR|WITH)\b", value):
        return "licence ids have no spaces (`Apache-2.0`); join several with `AND` or `OR`"
    if re.search(r"\b(and|or|with)\b", value):
        return "write the operators in capitals: `AND`, `OR`, `WITH`"
    return "use SPDX ids (`Apache-2.0`) or `LicenseRef-<name>`, joined by `AND`, `OR`, `WITH` and parentheses"


# ---------------------------------------------------------------------------------------------
# In-memory mappings


class _PythonReader:
    """Turns plain Python values into nodes, with the same limits as the text readers."""

    def __init__(self, name: str, diagnostics: Diagnostics) -> None:
        self.name = name
        self.diagnostics = diagnostics
        self.count = 0

    def fail(self, code: str, message: str, path: str, help: str | None = None) -> None:
        self.diagnostics.error(f"manifest.{code}", message, file=self.name, path=path or None, help=help)

    def node(self, value: object, path: str, depth: int) -> Node | None:
        self.count += 1
        if self.count > yamljson.MAX_NODES:
            if self.count == yamljson.MAX_NODES + 1:
                self.fail("too-large", f"more than {yamljson.MAX_NODES} values", path)
            return None
        if isinstance(value, Mapping | list | tuple) and depth >= yamljson.MAX_DEPTH:
            self.fail("too-deep", f"nesting is deeper than {yamljson.MAX_DEPTH} levels", path)
            return None
        if isinstance(value, Mapping):
            entries = []
            for key, item in value.items():
                if not isinstance(key, str):
                    self.fail("bad-key", f"key `{_short(repr(key))}` is not a string", path)
                    continue
                child = self.node(item, key_path(path, key), depth + 1)
                if child is not None:
                    entries.append(yamljson.Entry(key, -1, -1, child))
            return Node(MAP, entries, -1, -1)
        if isinstance(value, list | tuple):
            items = [self.node(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
            return Node(SEQ, [item for item in items if item is not None], -1, -1)
        scalar = self.scalar(value, path)
        return None if scalar is yamljson.INVALID else Node(SCALAR, scalar, -1, -1)

    def scalar(self, value: object, path: str) -> object:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            if value.bit_length() > 400:
                self.fail("bad-number", "integer is too large", path)
                return yamljson.INVALID
            return Decimal(value)
        if isinstance(value, float | Decimal):
            if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
                self.fail("not-finite", f"`{value}` is not a finite number", path)
                return yamljson.INVALID
            text = repr(value) if isinstance(value, float) else str(value)
            parsed = Decimal(text)
            too_long = len(text) > yamljson.MAX_NUMBER_CHARS
            if too_long or (parsed and abs(parsed.adjusted()) > yamljson.MAX_EXPONENT):
                self.fail("bad-number", f"number `{_short(text)}` is out of range", path)
                return yamljson.INVALID
            return parsed
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        self.fail("bad-type", f"unsupported value of Python type `{type(value).__name__}`", path,
                  "manifest values are mappings, lists, strings, numbers, booleans and dates")
        return yamljson.INVALID
