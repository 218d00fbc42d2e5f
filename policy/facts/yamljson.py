"""Read YAML and JSON into positioned nodes, safely and within limits.

Both formats give the same `Node` tree: mappings with string keys, sequences and scalars (`str`,
`bool`, `Decimal`, `None`), each with its character range in the `Source`, so that every later
diagnostic can point at the value it is about. Numbers are `Decimal`s made from their text, never
through a float.

YAML is composed by PyYAML's safe composer (libyaml's when available) with a resolver that marks
plain scalars instead of typing them; this module types them by YAML 1.2's core schema, so the YAML
1.1 surprises (`yes`, `on`, `0777`, `1:20`, `1_000`) stay text and never silently become a boolean
or a number. JSON is read by a small scanner of our own, which knows positions and refuses
duplicate keys, `NaN` and trailing commas with a message that says so.

Limits (file size, nesting depth, values after alias expansion, digits of a number) are checked
before any large work is done, so hostile input is refused in milliseconds with bounded memory.
"""

from __future__ import annotations

import json.decoder
import os
import re
from decimal import Decimal, InvalidOperation

import yaml

from policy.diagnostics import Diagnostics
from policy.source import Source, Span

MAX_BYTES = 4 * 1024 * 1024
"""Largest file read, in bytes."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""
MAX_NODES = 50_000
"""Most values in one document, counting every expansion of a YAML alias."""
MAX_NUMBER_CHARS = 100
"""Longest number literal, in characters."""
MAX_EXPONENT = 1000
"""Largest decimal exponent, either sign, of a number."""

MAP = "map"
SEQ = "seq"
SCALAR = "scalar"


class Node:
    """A value with its place in the source: a mapping, a sequence or a scalar.

    `value` is a list of `Entry` for a mapping, a list of `Node` for a sequence, and `str`, `bool`,
    `Decimal` or `None` for a scalar. `start`/`end` are character offsets (`-1` when the value did
    not come from text). `plain` is true for an unquoted YAML scalar, whose text may be a YAML 1.1
    boolean or number that this reader kept as text.
    """

    __slots__ = ("kind", "value", "start", "end", "plain")

    def __init__(self, kind: str, value: object, start: int, end: int, plain: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        self.plain = plain

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.value!r}, {self.start}, {self.end})"

    def entries(self) -> list[Entry]:
        """The entries of a mapping node."""
        return self.value  # type: ignore[return-value]

    def items(self) -> list[Node]:
        """The items of a sequence node."""
        return self.value  # type: ignore[return-value]


class Entry:
    """One key of a mapping: the key text, its range and the value."""

    __slots__ = ("key", "start", "end", "node")

    def __init__(self, key: str, start: int, end: int, node: Node) -> None:
        self.key = key
        self.start = start
        self.end = end
        self.node = node


INVALID = object()
"""A scalar refused with a diagnostic (`.nan`, an absurd number); its entry is dropped."""


class _Stop(Exception):
    """Parsing cannot go on; the reason is already a diagnostic."""


class Reader:
    """Diagnostics of one source file, with codes under a stage prefix (`manifest`, `import`)."""

    def __init__(self, source: Source, diagnostics: Diagnostics, prefix: str) -> None:
        self.source = source
        self.diagnostics = diagnostics
        self.prefix = prefix

    def span(self, start: int, end: int | None = None) -> Span | None:
        if start < 0:
            return None
        return Span(self.source, start, max(start + 1, end if end is not None else start + 1))

    def error(self, code: str, message: str, start: int, end: int | None = None, **kw: str | None) -> None:
        span = self.span(start, end)
        self.diagnostics.error(f"{self.prefix}.{code}", message, span,
                               file=None if span else self.source.name, **kw)


# ---------------------------------------------------------------------------------------------
# Files and bytes


def read_source(path: str | os.PathLike[str], diagnostics: Diagnostics, prefix: str) -> Source | None:
    """Read a UTF-8 file into a `Source`, refusing unreadable, oversized and non-UTF-8 files."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror.lower() if exc.strerror else type(exc).__name__
        diagnostics.error(f"{prefix}.unreadable", f"cannot read `{name}`: {reason}", file=name)
        return None
    if len(data) > MAX_BYTES:
        diagnostics.error(f"{prefix}.too-large", f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                          file=name, help="a manifest is a few kilobytes; check that this is the right file")
        return None
    return decode(data, name, diagnostics, prefix)


def decode(data: bytes, name: str, diagnostics: Diagnostics, prefix: str) -> Source | None:
    """Decode UTF-8 (an initial byte-order mark is dropped); other encodings are refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diagnostics.error(f"{prefix}.encoding", "file is UTF-16, not UTF-8", file=name,
                          help="save the file as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        shown = Source(name, good + data[exc.start :].decode("utf-8", errors="replace"))
        diagnostics.error(f"{prefix}.encoding", f"invalid UTF-8 byte `0x{data[exc.start]:02x}`",
                          Span(shown, len(good), len(good) + 1), help="save the file as UTF-8")
        return None
    return Source(name, text.removeprefix("\ufeff"))


def is_json(source: Source) -> bool:
    """Whether to read a source as JSON: by its extension, else by its first character."""
    lower = source.name.lower()
    if lower.endswith(".json"):
        return True
    if lower.endswith((".yaml", ".yml", ".md")):
        return False
    return source.text.lstrip()[:1] in ("{", "[")


def parse(source: Source, diagnostics: Diagnostics, prefix: str) -> Node | None:
    """Parse a whole source as JSON or YAML (see `is_json`); `None` after a diagnostic."""
    text = source.text
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        diagnostics.error(f"{prefix}.too-large", f"text is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                          file=source.name)
        return None
    reader = Reader(source, diagnostics, prefix)
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:  # only a `str` given by a caller can hold one; files are decoded strictly
        reader.error("encoding", "the text holds an unpaired surrogate, which is not Unicode",
                     surrogate.start())
        return None
    if is_json(source):
        return parse_json(reader)
    return parse_yaml(reader)


# ---------------------------------------------------------------------------------------------
# Scalars

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_SPECIAL_FIRST = frozenset("~nNtTfF") | {""}
_NUMBER_FIRST = frozenset("0123456789-+.")


def number(reader: Reader, text: str, start: int, end: int) -> Decimal | object:
    """An exact decimal from a number's text, refusing absurd lengths and exponents."""
    if len(text) > MAX_NUMBER_CHARS:
        reader.error("bad-number", f"number of {len(text)} characters is too long", start, end,
                     help=f"numbers may have at most {MAX_NUMBER_CHARS} characters")
        return INVALID
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the callers' patterns admit only valid numbers
        reader.error("bad-number", f"`{text}` is not a number", start, end)
        return INVALID
    if value and abs(value.adjusted()) > MAX_EXPONENT:
        reader.error("bad-number", f"number `{_short(text)}` is out of range", start, end,
                     help=f"numbers must lie between 1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT}")
        return INVALID
    return value


def _plain_scalar(reader: Reader, text: str, start: int, end: int) -> object:
    """Type an unquoted YAML scalar by the YAML 1.2 core schema; other text stays a string."""
    first = text[:1]
    if first in _SPECIAL_FIRST:
        if text in _NULL:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    if first in _NUMBER_FIRST:
        if _INT.fullmatch(text):
            digits = text.lstrip("+-")
            if len(digits) > 1 and digits[0] == "0":
                return text  # YAML 1.1 reads `0777` as octal, 1.2 as decimal: keep the text
            return number(reader, text, start, end)
        if _FLOAT.fullmatch(text):
            return number(reader, text, start, end)
        if _NOT_FINITE.fullmatch(text):
            reader.error("not-finite", f"`{text}` is not a finite number", start, end,
                         help="numbers must be finite; leave the key out when the value is unknown")
            return INVALID
    return text


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# YAML

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAPPING = "tag:yaml.org,2002:map"
_PLAIN = "!plain"

_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_BASE_LOADER: type = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, with plain scalars marked rather than typed by YAML 1.1 rules."""

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAPPING

    # Path resolvers are not used; skipping their bookkeeping saves two calls per node.
    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def parse_yaml(reader: Reader, text: str | None = None, offset: int = 0) -> Node | None:
    """Parse one YAML document: the whole source, or `text` found at `offset` in it."""
    text = reader.source.text if text is None else text
    loader = _Loader(text)
    try:
        if len(text) > _COUNT_FIRST and _too_many_events(_Loader(text)):
            reader.error("too-large", f"document has more than {MAX_NODES} values", offset)
            return None
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        if "maximum nesting depth" in problem:
            reader.error("too-deep", f"nesting is deeper than {MAX_DEPTH} levels",
                         offset + (mark.index if mark else 0))
            return None
        index = mark.index if mark else 0
        if "single document" in (exc.context or ""):
            problem = "expected a single document, found another (`---`)"
            index = exc.problem_mark.index if exc.problem_mark else index
        elif exc.context and exc.problem:
            problem = f"{exc.context.strip()}: {problem}"
        reader.error("syntax", problem, offset + index, help=_yaml_help(problem, text[index : index + 1]))
        return None
    except yaml.YAMLError as exc:
        reader.error("syntax", str(exc).splitlines()[0].lower(), offset)
        return None
    except RecursionError:  # the pure-Python composer on deep nesting
        reader.error("too-deep", f"nesting is deeper than {MAX_DEPTH} levels", offset)
        return None
    finally:
        loader.dispose()
    if root is None:
        return None
    # Only aliases can make the tree deeper or larger than the text: measure when there may be some.
    if "*" in text and not _measure(reader, root, offset):
        return None
    try:
        return _YamlBuilder(reader, offset).build(root, 1)
    except _TooLarge as exc:
        reader.error("too-large", f"document has more than {MAX_NODES} values",
                     offset + exc.node.start_mark.index)
        return None
    except _TooDeep as exc:
        reader.error("too-deep", f"nesting is deeper than {MAX_DEPTH} levels",
                     offset + exc.node.start_mark.index)
        return None


_COUNT_FIRST = 64 * 1024
"""Texts longer than this are counted before they are composed: composing a million nodes takes seconds."""


def _too_many_events(loader: _Loader) -> bool:
    """Whether a document has more nodes than `MAX_NODES`, found from parser events, node-free."""
    try:
        count = 0
        get_event = loader.get_event
        ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent,
                yaml.StreamStartEvent)
        while True:
            kind = get_event().__class__
            if kind in ends:
                continue
            if kind is yaml.StreamEndEvent:
                return False
            count += 1  # a scalar, an alias or the start of a collection: one node
            if count > MAX_NODES:
                return True
    finally:
        loader.dispose()


def _yaml_help(problem: str, char: str) -> str | None:
    if "single document" in problem:
        return "a manifest is one YAML document: remove the second `---` and what follows, or merge them"
    if char == "\t":
        return "indent with spaces; YAML does not allow tabs for indentation"
    if "mapping values are not allowed" in problem:
        return "a value containing `: ` must be quoted"
    if "undefined alias" in problem:
        return "define the anchor (`&name`) before the alias (`*name`)"
    return None


def _measure(reader: Reader, root: yaml.Node, offset: int) -> bool:
    """Refuse documents too deep or too large once aliases are expanded, before building them.

    Sizes are memoised per composed node, so a "billion laughs" document costs as many steps as it
    has nodes in its text, not in its expansion.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if isinstance(node, yaml.ScalarNode):
            return 1
        if depth > MAX_DEPTH or key in on_path:
            raise _TooDeep(node)
        on_path.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        else:
            for item in node.value:
                total += size(item, depth + 1)
        on_path.discard(key)
        sizes[key] = total
        return total

    try:
        total = size(root, 1)
    except _TooDeep as exc:
        reader.error("too-deep", f"nesting is deeper than {MAX_DEPTH} levels",
                     offset + exc.node.start_mark.index,
                     help="a value that contains itself through an alias is infinitely deep")
        return False
    if total > MAX_NODES:
        reader.error("too-large", f"document has more than {MAX_NODES} values once aliases are expanded",
                     offset + root.start_mark.index,
                     help="aliases (`*name`) repeat their anchor's value; this document repeats too much")
        return False
    return True


class _Refused(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__()
        self.node = node


class _TooDeep(_Refused):
    """Nesting beyond `MAX_DEPTH`, or an alias inside its own anchor."""


class _TooLarge(_Refused):
    """More than `MAX_NODES` values."""


class _YamlBuilder:
    def __init__(self, reader: Reader, offset: int) -> None:
        self.reader = reader
        self.offset = offset
        self.count = 0

    def build(self, node: yaml.Node, depth: int) -> Node | None:
        # The hot loop of loading a manifest: plain attribute reads and `is` tests only.
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node)
        offset = self.offset
        start = offset + node.start_mark.index
        end = offset + node.end_mark.index
        tag = node.tag
        cls = node.__class__
        if cls is _ScalarNode:
            if tag is _PLAIN:
                value = _plain_scalar(self.reader, node.value, start, end)
                return None if value is INVALID else Node(SCALAR, value, start, end, True)
            if tag == _STR:
                return Node(SCALAR, node.value, start, end)
            self._bad_tag(tag, start, end)
            return None
        if tag != (_SEQ if cls is _SequenceNode else _MAPPING):
            self._bad_tag(tag, start, end)
            return None
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        depth += 1
        if cls is _SequenceNode:
            items = []
            for item in node.value:
                built = self.build(item, depth)
                if built is not None:
                    items.append(built)
            return Node(SEQ, items, start, end)
        entries: list[Entry] = []
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            k_start = offset + key_node.start_mark.index
            k_end = offset + key_node.end_mark.index
            if key_node.__class__ is not _ScalarNode:
                self.reader.error("bad-key", "a key must be a string, not a mapping or a list",
                                  k_start, k_end)
                continue
            if key_node.tag is not _PLAIN and key_node.tag != _STR:
                self._bad_tag(key_node.tag, k_start, k_end)
                continue
            key = key_node.value
            if key in seen:
                line = self.reader.source.line_col(seen[key])[0]
                self.reader.error("duplicate-key", f"duplicate key `{_short(key)}`", k_start, k_end,
                                  help=f"the key is first written on line {line}; keep one of them")
                continue
            seen[key] = k_start
            value = self.build(value_node, depth)
            if value is not None:
                entries.append(Entry(key, k_start, k_end, value))
        return Node(MAP, entries, start, end)

    def _bad_tag(self, tag: str, start: int, end: int) -> None:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        self.reader.error("bad-tag", f"tag `{shown}` is not allowed", start, end,
                          help="manifests are plain data: only `!!str` may be written, to force text")


# ---------------------------------------------------------------------------------------------
# JSON

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERALS = {"true": True, "false": False, "null": None}
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # C-accelerated; typeshed omits it
_NO_NAN = "JSON has no NaN or infinity; leave the key out when the value is unknown"
_ESCAPES = "the escapes are `\\\"` `\\\\` `\\/` `\\b` `\\f` `\\n` `\\r` `\\t` `\\uXXXX`"


def parse_json(reader: Reader) -> Node | None:
    """Parse a JSON text (RFC 8259) with positions; duplicate keys and `NaN` are errors."""
    try:
        return _JsonScanner(reader).document()
    except _Stop:
        return None


class _JsonScanner:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.text = reader.source.text
        self.count = 0

    def fail(self, message: str, pos: int, code: str = "syntax", help: str | None = None) -> _Stop:
        self.reader.error(code, message, pos, help=help)
        return _Stop()

    def skip(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        assert match is not None
        return match.end()

    def found(self, pos: int) -> str:
        if pos >= len(self.text):
            return "the end of the file"
        ch = self.text[pos]
        word = _WORD.match(self.text, pos)
        return f"`{_short(word.group())}`" if word else f"`{ch}`"

    def document(self) -> Node | None:
        pos = self.skip(0)
        if pos >= len(self.text):
            return None
        # Containers being built: (node, key entry pending for a mapping).
        stack: list[Node] = []
        pending: list[tuple[str, int, int] | None] = []
        keys: list[dict[str, int]] = []
        root: Node | None = None
        state = "value"
        while True:
            if state == "value":
                node, pos = self.value(pos, stack)
                if node.kind != SCALAR:
                    stack.append(node)
                    pending.append(None)
                    keys.append({})
                    if len(stack) > MAX_DEPTH:
                        raise self.fail(f"nesting is deeper than {MAX_DEPTH} levels", node.start, "too-deep")
                    pos = self.skip(pos)
                    close = "}" if node.kind == MAP else "]"
                    if self.text.startswith(close, pos):
                        pos += 1
                        node.end = pos
                        stack.pop(), pending.pop(), keys.pop()
                    elif node.kind == MAP:
                        state = "key"
                        continue
                    else:
                        continue
                # A complete value: attach it to its container.
                if not stack:
                    root = node
                    pos = self.skip(pos)
                    if pos < len(self.text):
                        raise self.fail(f"unexpected {self.found(pos)} after the JSON value", pos,
                                        help="a JSON file holds exactly one value")
                    return root
                top = stack[-1]
                if top.kind == SEQ:
                    top.items().append(node)
                else:
                    waiting = pending[-1]
                    assert waiting is not None
                    top.entries().append(Entry(*waiting, node))
                state = "after"
            if state == "key":
                pos = self.skip(pos)
                if not self.text.startswith('"', pos):
                    raise self.fail(f"expected a key in double quotes, found {self.found(pos)}", pos,
                                    help=self._quote_help(pos))
                name, end = self.string(pos)
                seen = keys[-1]
                if name in seen:
                    line = self.reader.source.line_col(seen[name])[0]
                    raise self.fail(f"duplicate key `{_short(name)}`", pos, "duplicate-key",
                                    help=f"the key is first written on line {line}; keep one of them")
                seen[name] = pos
                pending[-1] = (name, pos, end)
                colon = self.skip(end)
                if not self.text.startswith(":", colon):
                    raise self.fail(f"expected `:` after the key, found {self.found(colon)}", colon)
                pos = self.skip(colon + 1)
                state = "value"
                continue
            # state == "after": a value was attached to the container on top of the stack.
            top = stack[-1]
            close = "}" if top.kind == MAP else "]"
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                comma = pos
                pos = self.skip(pos + 1)
                if self.text.startswith(("}", "]"), pos):
                    raise self.fail(f"trailing comma before `{self.text[pos]}`", comma,
                                    help="JSON does not allow a comma after the last item; remove it")
                state = "key" if top.kind == MAP else "value"
                continue
            if self.text.startswith(close, pos):
                pos += 1
                top.end = pos
                stack.pop(), pending.pop(), keys.pop()
                node = top
                if not stack:
                    pos = self.skip(pos)
                    if pos < len(self.text):
                        raise self.fail(f"unexpected {self.found(pos)} after the JSON value", pos,
                                        help="a JSON file holds exactly one value")
                    return node
                parent = stack[-1]
                if parent.kind == SEQ:
                    parent.items().append(node)
                else:
                    waiting = pending[-1]
                    assert waiting is not None
                    parent.entries().append(Entry(*waiting, node))
                continue
            what = "`,` or `}`" if top.kind == MAP else "`,` or `]`"
            raise self.fail(f"expected {what}, found {self.found(pos)}", pos,
                            help=self._after_help(pos, close))

    def value(self, pos: int, stack: list[Node]) -> tuple[Node, int]:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"document has more than {MAX_NODES} values", pos, "too-large")
        pos = self.skip(pos)
        text = self.text
        if pos >= len(text):
            raise self.fail("unexpected end of the file, expected a value", pos,
                            help="a closing `}` or `]` may be missing")
        ch = text[pos]
        if ch == "{":
            return Node(MAP, [], pos, pos + 1), pos + 1
        if ch == "[":
            return Node(SEQ, [], pos, pos + 1), pos + 1
        if ch == '"':
            value, end = self.string(pos)
            return Node(SCALAR, value, pos, end), end
        match = _NUMBER.match(text, pos)
        if match:
            end = match.end()
            if end < len(text) and (text[end].isdigit() or text[end] in ".eE"):
                raise self.fail(f"malformed number `{_short(text[pos:end + 1])}`", pos,
                                help="JSON numbers have no leading zeros and need digits around `.`")
            parsed = number(self.reader, match.group(), pos, end)
            if parsed is INVALID:
                raise _Stop()
            return Node(SCALAR, parsed, pos, end), end
        word = _WORD.match(text, pos)
        if word:
            name = word.group()
            if name in _LITERALS:
                return Node(SCALAR, _LITERALS[name], pos, word.end()), word.end()
            if name in ("NaN", "Infinity"):
                raise self.fail(f"`{name}` is not a finite number", pos, "not-finite", help=_NO_NAN)
        if text.startswith("-Infinity", pos):
            raise self.fail("`-Infinity` is not a finite number", pos, "not-finite", help=_NO_NAN)
        if ch in "}]" and stack:
            raise self.fail(f"expected a value, found `{ch}`", pos)
        raise self.fail(f"expected a value, found {self.found(pos)}", pos, help=self._quote_help(pos))

    def _after_help(self, pos: int, close: str) -> str | None:
        ch = self.text[pos : pos + 1]
        if not ch:
            return f"a closing `{close}` may be missing"
        if ch == "/":
            return "JSON does not allow comments"
        if ch in '"{[-' or ch.isalnum():
            return "a comma may be missing after the previous item"
        return None

    def _quote_help(self, pos: int) -> str | None:
        ch = self.text[pos : pos + 1]
        if ch == "'":
            return "JSON strings use double quotes"
        if ch == "/":
            return "JSON does not allow comments"
        if ch in "}]":
            return "a comma after the last item is not allowed in JSON"
        if _WORD.match(self.text, pos):
            return "strings must be in double quotes"
        return None

    def string(self, pos: int) -> tuple[str, int]:
        try:
            value, end = _scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            message = exc.msg.lower()
            if message.startswith("unterminated"):
                raise self.fail("unterminated string", pos, help="a closing `\"` is missing") from None
            if "control character" in message:
                raise self.fail("control character in a string", exc.pos,
                                help="write a newline as `\\n` and a tab as `\\t`") from None
            raise self.fail("invalid escape in a string", exc.pos, help=_ESCAPES) from None
        if _SURROGATE.search(value):
            raise self.fail("string contains an unpaired surrogate escape", pos,
                            help="`\\ud800`-`\\udfff` must come in valid pairs")
        return value, end
