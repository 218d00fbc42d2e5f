"""mergekit configurations (`mergekit_config.yml`): every model merged is a base with relation `merge`.

A model card often lists fewer bases than the merge used (LazyMergekit cards list one); the
configuration is the full list: `models[].model`, `slices[].sources[].model` and `base_model`.
"""

from __future__ import annotations

from policy.facts.importers import nodes
from policy.facts.importers.draft import Draft
from policy.facts.yamljson import MAP, Node
from policy.source import Source

FORMAT = "mergekit"


def is_mergekit(root: Node) -> bool:
    return root.kind == MAP and nodes.get(root, "merge_method") is not None


def import_mergekit(source: Source, root: Node, draft: Draft) -> None:
    """Add every merged model of a mergekit configuration as a base model."""
    names: list[str] = []

    def add(node: Node | None) -> None:
        name = nodes.text(node)
        if name is not None and name not in names:
            names.append(name)

    add(nodes.get(root, "base_model"))
    for entry in nodes.items(nodes.get(root, "models")):
        add(nodes.get(entry, "model"))
    for piece in nodes.items(nodes.get(root, "slices")):
        for entry in nodes.items(nodes.get(piece, "sources")):
            add(nodes.get(entry, "model"))
    if not names:
        draft.warn("no-metadata", "the mergekit configuration names no model", file=source.name)
    for name in names:
        draft.add_base_model(name, "mergekit", source.name, relation="merge")
