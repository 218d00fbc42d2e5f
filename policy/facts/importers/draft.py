"""A draft manifest assembled from imported files, and its YAML text.

Importers add facts through `Draft`'s methods, each with the file it came from. The draft keeps
what the publishers state in the `published` section (every entry with its `file`) and pre-fills the
team's own facts only where a source states them directly; `x-imported-from` maps each such manifest
path to its file. Facts no source states are left out, so the team sees them as missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import attrs

from policy.diagnostics import Diagnostics
from policy.facts.dump import ordered
from policy.facts.schema import COMPONENT
from policy.source import Span

DERIVING = frozenset({"finetune", "continued_pretraining", "adapter", "merge", "quantized", "distill",
                      "upcycle", "copy"})
"""Relations under which the model's weights start from the source's weights."""
IMPORTED_FROM = "x-imported-from"
_KEEP_FIRST = "the first value is kept; correct the draft by hand"


@attrs.define
class _Component:
    key: str
    data: dict[str, object]
    files: dict[str, str]
    """Manifest sub-path (`""` for the component itself, `license`, `source.relation`) to file."""


@attrs.define
class Draft:
    """Facts imported so far, and the warnings the importers raised."""

    diagnostics: Diagnostics = attrs.field(factory=Diagnostics)
    files: list[dict[str, object]] = attrs.field(factory=list)
    model: dict[str, object] = attrs.field(factory=dict)
    model_files: dict[str, str] = attrs.field(factory=dict)
    components: list[_Component] = attrs.field(factory=list)
    base_models: list[dict[str, object]] = attrs.field(factory=list)
    licenses: list[dict[str, object]] = attrs.field(factory=list)
    datasets: list[dict[str, object]] = attrs.field(factory=list)
    languages: list[dict[str, object]] = attrs.field(factory=list)
    architecture: dict[str, object] | None = None

    def warn(self, code: str, message: str, span: Span | None = None, file: str | None = None,
             help: str | None = None) -> None:
        self.diagnostics.warning(f"import.{code}", message, span, file=None if span else file, help=help)

    def add_file(self, file: str, fmt: str, sha256: str) -> None:
        self.files.append({"file": file, "format": fmt, "sha256": sha256})

    def set_model(self, key: str, value: object, file: str, span: Span | None = None) -> None:
        """A fact of `model`; the first source to state it wins, a different later one is a warning."""
        known = self.model.get(key)
        if known is None:
            self.model[key] = value
            self.model_files[key] = file
        elif known != value:
            self.warn("conflict", f"`model.{key}` is `{value}` here but `{known}` in "
                      f"`{self.model_files[key]}`", span, file, help=_KEEP_FIRST)

    def add_license(self, expression: str, file: str, name: str | None = None,
                    span: Span | None = None, for_model: bool = True) -> None:
        """A licence the metadata gives the model itself; also `model.license` when `for_model`."""
        entry: dict[str, object] = {"expression": expression}
        if name and name != expression:
            entry["name"] = name
        entry["file"] = file
        if entry not in self.licenses:
            self.licenses.append(entry)
        if for_model:
            self.set_model("license", expression, file, span)

    def add_base_model(self, name: str, via: str, file: str, relation: str | None = None,
                       version: str | None = None, licenses: Sequence[str] = ()) -> None:
        """A model this one derives from, and a component that names it as its source."""
        entry: dict[str, object] = {"name": name}
        stated = (("relation", relation), ("version", version), ("licenses", list(licenses) or None))
        entry |= {key: value for key, value in stated if value is not None}
        entry |= {"via": via, "file": file}
        if entry not in self.base_models:
            self.base_models.append(entry)
        component = self._component(f"source:{name.lower()}", name, file, {"source": {"name": name}})
        if relation is not None:
            self._fill(component, "source.relation", relation, file)
            if relation in DERIVING:
                self._fill(component, "weights", True, file)
                self._fill(component, "init", "pretrained", file)
        if len(licenses) == 1:
            self._fill(component, "license", licenses[0], file)

    def add_dataset(self, name: str, file: str, use: str | None = None, licenses: Sequence[str] = (),
                    url: str | None = None) -> None:
        """A dataset the model was trained or tested on, and a `dataset` component for it.

        The component gets a licence only when exactly one is stated: several licences without an
        operator between them (`AND`? `OR`?) are left for the team to write.
        """
        entry: dict[str, object] = {"name": name}
        for key, value in (("use", use), ("licenses", list(licenses) or None), ("url", url)):
            if value is not None:
                entry[key] = value
        entry["file"] = file
        if entry not in self.datasets:
            self.datasets.append(entry)
        component = self._component(f"source:{name.lower()}", name, file,
                                    {"role": "dataset", "source": {"name": name}})
        if url is not None:
            self._fill(component, "source.url", url, file)
        if len(licenses) == 1:
            self._fill(component, "license", licenses[0], file)

    def add_language(self, code: str, file: str) -> None:
        entry: dict[str, object] = {"code": code, "file": file}
        if entry not in self.languages:
            self.languages.append(entry)

    def set_architecture(self, architecture: dict[str, object], file: str) -> None:
        if self.architecture is not None:
            self.warn("conflict", "architecture facts were already imported from "
                      f"`{self.architecture['file']}`", file=file, help="import one `config.json` per draft")
            return
        self.architecture = {"file": file, **architecture}

    def add_part(self, role: str, file: str, weights: bool = True) -> None:
        """A part of the model that a configuration names (`language_model`, `vision_encoder`, ...)."""
        data: dict[str, object] = {"role": role}
        if weights:
            data["weights"] = True
        self._component(f"role:{role}", role.replace("_", "-"), file, data)

    def _component(self, key: str, name: str, file: str, data: dict[str, object]) -> _Component:
        for component in self.components:
            if component.key == key:
                return component
        taken = {c.data["id"] for c in self.components}
        base = _slug(name.rsplit("/", 1)[-1]) or "component"
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        component = _Component(key, {"id": ident, **data}, {"": file})
        self.components.append(component)
        return component

    def _fill(self, component: _Component, path: str, value: object, file: str) -> None:
        *parents, last = path.split(".")
        target = component.data
        for part in parents:
            target = target.setdefault(part, {})  # type: ignore[assignment]
        known = target.get(last)
        if known is None:
            target[last] = value
            if file != component.files[""]:
                component.files[path] = file
        elif known != value:
            self.warn("conflict", f"component `{component.data['id']}`: `{path}` is `{value}` in `{file}` "
                      f"but `{known}` in `{component.files.get(path, component.files[''])}`", file=file,
                      help=_KEEP_FIRST)

    def data(self) -> dict[str, object]:
        """The draft as manifest data (without `team`, which no metadata states)."""
        out: dict[str, object] = {"manifest": Decimal(1)}
        origins: dict[str, str] = {}
        if self.model:
            out["model"] = dict(self.model)
            origins |= {f"model.{k}": f for k, f in self.model_files.items()}
        if self.components:
            out["components"] = [ordered(c.data, COMPONENT) for c in self.components]
            for i, component in enumerate(self.components):
                for sub, file in component.files.items():
                    origins[f"components[{i}]" + (f".{sub}" if sub else "")] = file
        published: dict[str, object] = {}
        for key, items in (("files", self.files), ("base_models", self.base_models),
                           ("licenses", self.licenses), ("datasets", self.datasets),
                           ("languages", self.languages)):
            if items:
                published[key] = items
        if self.architecture is not None:
            published["architecture"] = self.architecture
        if published:
            out["published"] = published
        if origins:
            out[IMPORTED_FROM] = dict(sorted(origins.items()))
        return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
