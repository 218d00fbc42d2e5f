"""CycloneDX 1.5-1.7 ML-BOMs: the model component, its lineage, licences and datasets.

The model the BOM is about (its subject) is `metadata.component` when that is a
`machine-learning-model`; otherwise the one `machine-learning-model` component whose name is
`metadata.component`'s; otherwise the only one there is. From the subject:

- `name` (prefixed by `group`), `version` and `licenses` give the model's name, version and licence;
- `pedigree.ancestors` are base models (`via: cyclonedx_ancestor`);
- other model components it `dependsOn` are base models too (`via: cyclonedx_dependency`), with a
  relation only when a `properties` entry `ai.model.relation` (a non-standard extension seen in the
  wild) names one plainly;
- `modelCard.modelParameters.datasets` (inline or by `ref`) are datasets.

Every `data` component in the BOM is a dataset as well.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy.facts.formats import is_license
from policy.facts.importers import nodes
from policy.facts.importers.draft import Draft
from policy.facts.importers.hf_card import license_ref
from policy.facts.yamljson import MAP, Node
from policy.source import Source

FORMAT = "cyclonedx"
MODEL = "machine-learning-model"
VERSIONS = ("1.5", "1.6", "1.7")

# `ai.model.relation` values, to manifest relations; anything else is left out.
_RELATIONS = {"adapter": "adapter", "finetune": "finetune", "finetuned": "finetune", "fine-tuned": "finetune",
              "merge": "merge", "merged": "merge", "quantized": "quantized", "quantization": "quantized"}


def is_cyclonedx(root: Node) -> bool:
    return root.kind == MAP and nodes.text(nodes.get(root, "bomFormat")) == "CycloneDX"


def import_bom(source: Source, root: Node, draft: Draft) -> None:
    """Add the facts of a CycloneDX BOM to the draft."""
    file = source.name
    version_node = nodes.get(root, "specVersion")
    version = nodes.text(version_node)
    if version not in VERSIONS:
        draft.warn("unsupported-version", f"CycloneDX `specVersion` `{version}` is not one of "
                   f"{', '.join(VERSIONS)}; reading it as such", nodes.span(source, version_node), file=file)
    components = list(_walk(nodes.get(root, "components")))
    metadata_component = nodes.get(nodes.get(root, "metadata"), "component")
    known = components + list(_walk(metadata_component))
    by_ref = {ref: c for c in known if (ref := nodes.text(nodes.get(c, "bom-ref"))) is not None}
    subject = _subject(metadata_component, components)
    models = [c for c in components if _type(c) == MODEL]
    if subject is None and models:
        names = ", ".join(f"`{_name(c)}`" for c in models)
        draft.warn("ambiguous-subject", f"the BOM describes several models ({names}) and does not say "
                   "which one it is about: only its datasets are imported", file=file,
                   help="set `metadata.component` to the model the BOM is about")
    if subject is not None:
        _model(source, subject, draft)
        _lineage(source, root, subject, by_ref, draft)
        for dataset in nodes.items(nodes.get(nodes.get(nodes.get(subject, "modelCard"), "modelParameters"),
                                             "datasets")):
            ref = nodes.text(nodes.get(dataset, "ref"))
            target = by_ref.get(ref) if ref is not None else dataset
            if target is None:
                draft.warn("dangling-ref", f"dataset ref `{ref}` names no component of the BOM",
                           nodes.span(source, dataset))
                continue
            _dataset(target, file, draft)
    for component in components:
        if _type(component) == "data":
            _dataset(component, file, draft)


def _walk(node: Node | None) -> Iterator[Node]:
    """Every component, nested ones included, in document order."""
    for component in nodes.items(node):
        if component.kind == MAP:
            yield component
            yield from _walk(nodes.get(component, "components"))


def _type(component: Node | None) -> str | None:
    return nodes.text(nodes.get(component, "type"))


def _name(component: Node) -> str:
    name = nodes.text(nodes.get(component, "name")) or "?"
    group = nodes.text(nodes.get(component, "group"))
    return f"{group}/{name}" if group and "/" not in name else name


def _subject(metadata_component: Node | None, components: list[Node]) -> Node | None:
    if metadata_component is not None and _type(metadata_component) == MODEL:
        return metadata_component
    models = [c for c in components if _type(c) == MODEL]
    if metadata_component is not None:
        wanted = nodes.text(nodes.get(metadata_component, "name"))
        named = [c for c in models if nodes.text(nodes.get(c, "name")) == wanted]
        if len(named) == 1:
            return named[0]
    return models[0] if len(models) == 1 else None


def _model(source: Source, subject: Node, draft: Draft) -> None:
    file = source.name
    draft.set_model("name", _name(subject), file)
    version = nodes.text(nodes.get(subject, "version"))
    if version is not None:
        draft.set_model("version", version, file)
    licenses = _licenses(subject)
    for expression, written in licenses:
        draft.add_license(expression, file, written, nodes.span(source, nodes.get(subject, "licenses")),
                          for_model=len(licenses) == 1)


def _licenses(component: Node) -> list[tuple[str, str]]:
    """`licenses` as (SPDX expression, text as written): an `expression`, or an `id` or `name`."""
    out: list[tuple[str, str]] = []
    for choice in nodes.items(nodes.get(component, "licenses")):
        expression = nodes.text(nodes.get(choice, "expression"))
        if expression is not None:
            valid = is_license(expression)
            out.append((expression if valid else license_ref(expression), expression))
            continue
        lic = nodes.get(choice, "license")
        ident = nodes.text(nodes.get(lic, "id"))
        name = nodes.text(nodes.get(lic, "name"))
        if ident is not None and is_license(ident):
            out.append((ident, ident))
        elif name is not None or ident is not None:
            written = name or ident or ""
            out.append((license_ref(written), written))
    return out


def _lineage(source: Source, root: Node, subject: Node, by_ref: dict[str, Node], draft: Draft) -> None:
    file = source.name
    for ancestor in nodes.items(nodes.get(nodes.get(subject, "pedigree"), "ancestors")):
        if ancestor.kind != MAP or nodes.text(nodes.get(ancestor, "name")) is None:
            draft.warn("bad-value", "a pedigree ancestor without a `name`", nodes.span(source, ancestor))
            continue
        draft.add_base_model(_name(ancestor), "cyclonedx_ancestor", file, relation=_relation(ancestor),
                             version=nodes.text(nodes.get(ancestor, "version")),
                             licenses=[e for e, _ in _licenses(ancestor)])
    ref = nodes.text(nodes.get(subject, "bom-ref"))
    for dependency in nodes.items(nodes.get(root, "dependencies")):
        mine = ref is not None and nodes.text(nodes.get(dependency, "ref")) == ref
        for target in nodes.items(nodes.get(dependency, "dependsOn")):
            target_ref = nodes.text(target)
            component = by_ref.get(target_ref or "")
            if component is None:
                draft.warn("dangling-ref", f"`dependsOn` names `{target_ref}`, which is no component of the "
                           "BOM", nodes.span(source, target))
                continue
            if not mine or _type(component) != MODEL:
                continue
            draft.add_base_model(_name(component), "cyclonedx_dependency", file,
                                 relation=_relation(component),
                                 version=nodes.text(nodes.get(component, "version")),
                                 licenses=[e for e, _ in _licenses(component)])


def _relation(component: Node) -> str | None:
    properties = nodes.items(nodes.get(component, "properties"))
    properties += nodes.items(nodes.get(nodes.get(component, "modelCard"), "properties"))
    for prop in properties:
        if nodes.text(nodes.get(prop, "name")) == "ai.model.relation":
            value = (nodes.text(nodes.get(prop, "value")) or "").lower()
            return _RELATIONS.get(value)
    return None


def _dataset(node: Node, file: str, draft: Draft) -> None:
    """A `data` component or an inline `componentData` entry."""
    name = _name(node) if nodes.text(nodes.get(node, "name")) else None
    url = nodes.text(nodes.get(nodes.get(node, "contents"), "url"))
    if url is None:
        for reference in nodes.items(nodes.get(node, "externalReferences")):
            url = url or nodes.text(nodes.get(reference, "url"))
    if name is None:
        return
    draft.add_dataset(name, file, licenses=[e for e, _ in _licenses(node)], url=url)
