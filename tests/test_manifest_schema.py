"""The published JSON Schema: generated from the schema model, committed, and in agreement with the loader.

Manifests are generated from `policy.facts.schema` itself (the strategies below walk it), then either
kept valid or broken in one place; the loader and an independent validator (`jsonschema`) must agree.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.facts import spdx
from policy.facts.dump import manifest_yaml as to_yaml
from policy.facts.formats import LICENSE_MAX_PARENS, LICENSE_PATTERN, is_license
from policy.facts.jsonschema import manifest_json_schema
from policy.facts.load import ManifestError, canonical_json, manifest_from_mapping, parse_manifest
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

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "manifest.schema.json"
LICENSE_RE = re.compile(LICENSE_PATTERN)
"""The JSON Schema's licence pattern, compiled as a validator would."""
SCHEMA = manifest_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
EXAMPLES = sorted((ROOT / "examples").glob("*/*.yaml"))

LICENSES = ["MIT", "Apache-2.0", "Apache-2.0 OR MIT", "LicenseRef-KOGL-Type1", "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "(MIT OR BSD-3-Clause) AND CC-BY-4.0", "GPL-2.0+", "DocumentRef-spdx:LicenseRef-x", "mit or apache-2.0"]


def test_the_committed_schema_is_the_generated_one() -> None:
    from policy.commands.manifest import schema_text

    assert COMMITTED.read_text(encoding="utf-8") == schema_text(SCHEMA), (
        "docs/manifest.schema.json is out of date: regenerate it with "
        "`dokpamo manifest schema > docs/manifest.schema.json`")


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_record_of_the_model_is_described() -> None:
    def records(typ: Type) -> set[str]:
        if isinstance(typ, RecordT):
            return {typ.name}.union(*(records(f.type) for f in typ.fields.values()))
        if isinstance(typ, ListT):
            return records(typ.item)
        return set()

    assert records(MANIFEST) - {"manifest"} == set(SCHEMA["$defs"]) - {"license"}
    component = SCHEMA["$defs"]["component"]
    assert component["properties"]["weights"]["default"] is False
    assert component["required"] == ["id", "role", "origin"]
    assert component["additionalProperties"] is False and "^x-" in component["patternProperties"]


# ---------------------------------------------------------------------------------------------
# Strategies: manifests generated from the schema model

_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).filter(str.strip)
_JSON_SCALARS = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _TEXT
_X_VALUE = st.recursive(_JSON_SCALARS, lambda inner: st.lists(inner, max_size=2) |
                        st.dictionaries(_TEXT, inner, max_size=2), max_leaves=4)


def values(typ: Type) -> st.SearchStrategy[Any]:
    """Valid values of a schema type, as JSON would carry them (decimals, ISO dates)."""
    if isinstance(typ, RecordT):
        required = {name: values(f.type) for name, f in typ.fields.items() if f.required}
        optional: dict[str, st.SearchStrategy[Any]] = {
            name: values(f.type) for name, f in typ.fields.items() if not f.required}
        if typ.name in ("manifest", "component", "base_model"):  # `x-` keys anywhere; a few suffice
            optional["x-note"] = _X_VALUE
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(typ, ListT):
        item = typ.item
        unique = item.unique_key if isinstance(item, RecordT) else None
        return st.lists(values(item), max_size=2, unique_by=(lambda d: d[unique]) if unique else None)
    if isinstance(typ, EnumT):
        return st.sampled_from(typ.values)
    if isinstance(typ, StringT):
        return st.from_regex(typ.pattern, fullmatch=True) if typ.pattern else _TEXT
    if isinstance(typ, NumberT):
        return _numbers(typ)
    if isinstance(typ, BoolT):
        return st.booleans()
    if isinstance(typ, LicenseT):
        return st.sampled_from(LICENSES)
    if isinstance(typ, DateT):
        return st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)).map(datetime.date.isoformat)
    raise TypeError(typ)


def _numbers(typ: NumberT) -> st.SearchStrategy[Decimal]:
    low = typ.minimum if typ.minimum is not None else Decimal(-10**9)
    high = typ.maximum if typ.maximum is not None else Decimal(10**15)
    if typ.integer:
        start = int(low) + (1 if typ.exclusive_minimum else 0)
        return st.integers(start, int(high)).map(Decimal)
    places = st.decimals(low, high, places=3, allow_nan=False, allow_infinity=False)
    return places.filter(lambda d: not (typ.exclusive_minimum and d == low))


manifests = values(MANIFEST)


def as_json(data: object) -> str:
    return canonical_json(data)


def loader_accepts(text: str) -> bool:
    try:
        parse_manifest(text, "generated.json")
    except ManifestError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Agreement

AGREEMENT = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@AGREEMENT
@given(manifests)
def test_valid_generated_manifests_pass_both(data: dict[str, Any]) -> None:
    text = as_json(data)
    assert loader_accepts(text)
    assert VALIDATOR.is_valid(json.loads(text)), list(VALIDATOR.iter_errors(json.loads(text)))[:1]


def slots(data: Any, typ: Type, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Type]]:
    """Every value of a generated manifest with its schema type (`x-` values left out)."""
    out = [(path, typ)]
    if isinstance(typ, RecordT) and isinstance(data, dict):
        for key, value in data.items():
            if key in typ.fields:
                out += slots(value, typ.fields[key].type, (*path, key))
    elif isinstance(typ, ListT) and isinstance(data, list):
        for i, value in enumerate(data):
            out += slots(value, typ.item, (*path, i))
    return out


def wrong_values(typ: Type) -> list[Any]:
    """Values that are invalid for a type, whatever the rest of the manifest holds."""
    if isinstance(typ, RecordT):
        return [[1], "text"]
    if isinstance(typ, ListT):
        return [{"a": 1}, "text"]
    if isinstance(typ, EnumT):
        return [Decimal(3), "not-one-of-them", True]
    if isinstance(typ, StringT):
        out: list[Any] = [Decimal(3), False, [], ""]
        if typ.pattern:
            out.append("NOT VALID!")
        return out
    if isinstance(typ, NumberT):
        out = ["3", True, None]
        if typ.maximum is not None:
            out.append(typ.maximum + 1)
        if typ.minimum is not None:
            out.append(typ.minimum - 1 if not typ.exclusive_minimum else typ.minimum)
        if typ.integer:
            out.append(Decimal("1.5") + (typ.minimum or 0))
        return out
    if isinstance(typ, BoolT):
        return ["yes", Decimal(1), None]
    if isinstance(typ, LicenseT):
        return ["Apache 2.0", "MIT AND", "(MIT", Decimal(2)]
    if isinstance(typ, DateT):
        return ["30/12/2025", "2025-1-2", Decimal(2025), "2025-02-30"]
    raise TypeError(typ)


def put(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


@AGREEMENT
@given(manifests, st.data())
def test_broken_generated_manifests_fail_both(data: dict[str, Any], draw: st.DataObject) -> None:
    broken = copy.deepcopy(data)
    path, typ = draw.draw(st.sampled_from(slots(data, MANIFEST)), label="slot")
    kinds = ["wrong"] if path else []
    if isinstance(typ, RecordT):
        kinds.append("unknown-key")
        if any(f.required for f in typ.fields.values()):
            kinds.append("missing-key")
    kind = draw.draw(st.sampled_from(kinds), label="mutation")
    if kind == "wrong":
        put(broken, path, draw.draw(st.sampled_from(wrong_values(typ)), label="value"))
    elif kind == "unknown-key":
        get(broken, path)["zz_unknown"] = 1
    else:
        required = [name for name, f in typ.fields.items() if f.required]  # type: ignore[union-attr]
        del get(broken, path)[draw.draw(st.sampled_from(required), label="key")]
    text = as_json(broken)
    assert not loader_accepts(text)
    assert not VALIDATOR.is_valid(json.loads(text))


@AGREEMENT
@given(manifests)
def test_generated_manifests_round_trip_through_yaml_and_mappings(data: dict[str, Any]) -> None:
    from_json = parse_manifest(as_json(data), "generated.json")
    from_yaml = parse_manifest(to_yaml(data), "generated.yaml")
    from_mapping = manifest_from_mapping(data)
    assert from_json.digest == from_yaml.digest == from_mapping.digest
    assert canonical_json(from_yaml.data) == as_json(data)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_examples_pass_both(path: Path) -> None:
    data = parse_manifest(path.read_text(encoding="utf-8"), str(path)).data
    assert VALIDATOR.is_valid(json.loads(canonical_json(data)))


HAND_WRITTEN_INVALID = [
    {"manifest": 1, "team": {"id": "t", "name": "T"}},
    {"manifest": 1, "team": {"id": "t", "name": "T", "x-a": 1}, "model": {"name": "M"}, "models": []},
    {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M", "license": "Apache 2.0"}},
    {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M", "released": "2025-13-01"}},
    {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M"},
     "published": {"base_models": [{"name": "x", "via": "hf_base_model"}]}},
    {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M"},
     "published": {"licenses": [{"expression": "MIT", "file": "README.md", "extra": 1}]}},
]


@pytest.mark.parametrize("data", HAND_WRITTEN_INVALID)
def test_hand_written_invalid_manifests_fail_both(data: dict[str, Any]) -> None:
    text = json.dumps(data)
    assert not loader_accepts(text)
    assert not VALIDATOR.is_valid(json.loads(text))


def test_what_only_the_loader_checks_is_documented() -> None:
    # JSON Schema cannot say "unique by key": duplicate component ids pass it; the loader refuses them.
    data = {"manifest": 1, "team": {"id": "t", "name": "T"}, "model": {"name": "M"},
            "components": [{"id": "a", "role": "dataset", "origin": "in_house"}] * 2}
    assert VALIDATOR.is_valid(data)
    assert not loader_accepts(json.dumps(data))
    assert "unique" in SCHEMA["$defs"]["component"]["properties"]["id"]["description"]


# ---------------------------------------------------------------------------------------------
# Licence expressions: the loader's pattern admits only what `policy.facts.spdx` parses

_IDS = st.sampled_from(["MIT", "Apache-2.0", "GPL-2.0+", "LicenseRef-a.b", "CC-BY-4.0", "DocumentRef-d:LicenseRef-x"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= LICENSE_MAX_PARENS or draw(st.booleans()):
        ident = draw(_IDS)
        return f"{ident} WITH Classpath-exception-2.0" if draw(st.booleans()) else ident
    parts = draw(st.lists(expressions(depth + 1), min_size=2, max_size=3))
    joined = f" {draw(st.sampled_from(['AND', 'OR']))} ".join(parts)
    return f"({joined})" if depth else joined


@settings(max_examples=50, deadline=None)
@given(expressions())
def test_licence_pattern_and_parser_agree(text: str) -> None:
    assert LICENSE_RE.fullmatch(text) and is_license(text)
    spdx.parse(text)


@pytest.mark.parametrize("text", LICENSES)
def test_sample_licences_parse(text: str) -> None:
    assert LICENSE_RE.fullmatch(text) and is_license(text)
    spdx.parse(text)


@pytest.mark.parametrize("text", ["", "MIT AND", "AND MIT", "(MIT", "MIT)", "Apache 2.0", "MIT WITH", "((((MIT))))",
                                  "MIT OR OR BSD", " MIT", "MIT ", "MIT/BSD"])
def test_malformed_licences_are_refused(text: str) -> None:
    assert not LICENSE_RE.fullmatch(text) and not is_license(text)


_LICENCE_PIECES = st.sampled_from(["MIT", "Apache-2.0", "GPL-2.0+", "LicenseRef-x", "DocumentRef-d:LicenseRef-y", "AND",
                                   "OR", "WITH", "and", "or", "with", "And", "(", ")", " ", "  ", "Classpath-exception-2.0"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LICENCE_PIECES, max_size=14).map("".join) | st.lists(_LICENCE_PIECES, max_size=10).map(" ".join))
def test_the_loader_check_and_the_schema_pattern_accept_the_same_licences(text: str) -> None:
    assert is_license(text) == bool(LICENSE_RE.fullmatch(text))
