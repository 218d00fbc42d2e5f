"""Hugging Face model cards: the YAML front matter of a `README.md`.

Read: `base_model` (one id or a list), `base_model_relation`, `license` (with `license_name`),
`datasets` and `language`. The front matter is found as `huggingface_hub` finds it: a `---` block
at the start, blank lines before it allowed. A block of card metadata at the very end of the file is
imported too, with a warning, because the Hub does not read it there.
"""

from __future__ import annotations

import re

from policy.diagnostics import Diagnostics
from policy.facts import yamljson
from policy.facts.importers import nodes
from policy.facts.importers.draft import Draft
from policy.facts.yamljson import MAP, Node
from policy.source import Source, Span

FORMAT = "hf_model_card"

RELATIONS = frozenset({"adapter", "merge", "quantized", "finetune"})
"""`base_model_relation` values of the Hub, all of them relations of the manifest too."""

# Hub licence ids that are SPDX ids, in SPDX spelling. Every other id becomes `LicenseRef-<id>`.
HF_TO_SPDX = {spdx.lower(): spdx for spdx in (
    "Apache-2.0", "MIT", "AFL-3.0", "Artistic-2.0", "BSL-1.0", "BSD-2-Clause", "BSD-3-Clause",
    "BSD-3-Clause-Clear", "CC0-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0",
    "CC-BY-SA-4.0", "CC-BY-NC-2.0", "CC-BY-NC-3.0", "CC-BY-NC-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0", "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-4.0", "CDLA-Sharing-1.0",
    "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "WTFPL", "ECL-2.0", "EPL-1.0", "EPL-2.0", "etalab-2.0",
    "EUPL-1.1", "EUPL-1.2", "AGPL-3.0", "GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "ISC", "LPPL-1.3c",
    "MS-PL", "MPL-2.0", "OSL-3.0", "PostgreSQL", "OFL-1.1", "NCSA", "Unlicense", "Zlib",
)}

CARD_KEYS = frozenset({"license", "license_name", "license_link", "base_model", "base_model_relation",
                       "datasets", "language", "library_name", "pipeline_tag", "tags", "metrics",
                       "model-index", "new_version", "inference"})
"""Keys that mark a YAML block as model-card metadata."""

_OPEN = re.compile(r"\s*---[ \t]*\r?\n")
_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def import_card(source: Source, draft: Draft) -> None:
    """Add the facts of a model card's metadata to the draft."""
    file = source.name
    block = _front_matter(source, draft)
    if block is None:
        return
    text, offset, at_end = block
    reader = yamljson.Reader(source, draft.diagnostics, "import")
    root = yamljson.parse_yaml(reader, text, offset)
    if root is None:
        if not draft.diagnostics.has_errors:
            draft.warn("no-metadata", "the metadata block is empty", file=file)
        return
    if root.kind != MAP:
        draft.diagnostics.error("import.syntax", "the metadata block is not a mapping of keys to values",
                                nodes.span(source, root))
        return
    if at_end:
        draft.warn("front-matter-position", "the metadata block is at the end of the file, where the Hub "
                   "does not read it", Span(source, offset, offset + 1),
                   help="move it to the top of the card, between two `---` lines")
    _licenses(source, root, draft)
    bases = _base_models(source, root, draft)
    for name in nodes.texts(nodes.get(root, "datasets")):
        draft.add_dataset(name, file, use="training")
    for code in nodes.texts(nodes.get(root, "language")):
        draft.add_language(code, file)
    _self_reference(source, bases, draft)


def _front_matter(source: Source, draft: Draft) -> tuple[str, int, bool] | None:
    """The metadata block's text, its offset and whether it sits at the end of the file."""
    text = source.text
    opening = _OPEN.match(text)
    if opening is not None:
        closing = _FENCE.search(text, opening.end())
        if closing is None:
            draft.diagnostics.error("import.syntax", "the front matter is never closed",
                                    Span(source, opening.end() - 4, opening.end() - 1),
                                    help="end the metadata with a line `---`")
            return None
        return text[opening.end() : closing.start()], opening.end(), False
    trailing = _trailing_block(source)
    if trailing is not None:
        return trailing[0], trailing[1], True
    draft.warn("no-metadata", "the card has no metadata block: nothing to import", file=source.name,
               help="the Hub reads metadata from a YAML block between `---` lines at the top of README.md")
    return None


def _trailing_block(source: Source) -> tuple[str, int] | None:
    """A `---` block of card keys that ends the file, as some cards misplace their metadata."""
    fences = list(_FENCE.finditer(source.text))
    if len(fences) < 2 or source.text[fences[-1].end() :].strip():
        return None
    start, end = fences[-2].end() + 1, fences[-1].start()
    if start > end:
        return None
    text = source.text[start:end]
    scratch = Diagnostics()
    root = yamljson.parse_yaml(yamljson.Reader(source, scratch, "import"), text, start)
    if root is None or scratch.has_errors or root.kind != MAP or not set(nodes.keys(root)) & CARD_KEYS:
        return None
    return text, start


def _licenses(source: Source, root: Node, draft: Draft) -> None:
    node = nodes.get(root, "license")
    ids = nodes.texts(node)
    if node is not None and not ids:
        draft.warn("bad-value", "`license` is not a licence id or a list of them", nodes.span(source, node))
        return
    name = nodes.text(nodes.get(root, "license_name"))
    expressions = []
    for hub_id in ids:
        if hub_id.lower() == "unknown":
            continue
        if hub_id.lower() == "other":
            expressions.append((license_ref(name or "other"), name or hub_id))
        else:
            expressions.append((HF_TO_SPDX.get(hub_id.lower()) or license_ref(hub_id), hub_id))
    single = len(expressions) == 1  # several ids with no operator between them make no `model.license`
    for expression, written in expressions:
        draft.add_license(expression, source.name, written, nodes.span(source, node), for_model=single)


def license_ref(name: str) -> str:
    """`LicenseRef-<name>`, with the characters an SPDX id cannot hold replaced by `-`."""
    return "LicenseRef-" + (re.sub(r"[^A-Za-z0-9.\-]", "-", name).strip("-.") or "unknown")


def _base_models(source: Source, root: Node, draft: Draft) -> list[str]:
    node = nodes.get(root, "base_model")
    names = nodes.texts(node)
    if node is not None and not names:
        draft.warn("bad-value", "`base_model` is not a model id or a list of them", nodes.span(source, node))
    relation_node = nodes.get(root, "base_model_relation")
    relation = nodes.text(relation_node)
    if relation is not None and relation not in RELATIONS:
        draft.warn("bad-value", f"`{relation}` is not a `base_model_relation` of the Hub",
                   nodes.span(source, relation_node),
                   help="the Hub knows `adapter`, `merge`, `quantized` and `finetune`; "
                        "the relation is left out")
        relation = None
    if relation is not None and not names:
        draft.warn("bad-value", "`base_model_relation` is given without a `base_model`",
                   nodes.span(source, relation_node))
    for name in names:
        draft.add_base_model(name, "hf_base_model", source.name, relation=relation)
    return names


def _self_reference(source: Source, bases: list[str], draft: Draft) -> None:
    title = _TITLE.search(source.text)
    if title is None:
        return
    heading = title.group(1).strip().lower()
    for name in bases:
        if name.rsplit("/", 1)[-1].lower() == heading:
            draft.warn("self-reference", f"`base_model` `{name}` has the card's own title: the model may "
                       "name itself as its base", Span(source, title.start(), title.end()),
                       help="a model's card should not list the model itself under `base_model`")
