"""SPDX 3.0 documents (JSON-LD) with the AI and Dataset profiles.

The subject is the `AIPackage` named by a `rootElement` (of the `SpdxDocument` or of a `Bom` it
names), or the only `AIPackage` of the document. From it: `name`, `packageVersion`, the licences of
its `hasDeclaredLicense` relationships, base models from `descendantOf` (subject to base) and
`ancestorOf` (base to subject), and datasets from `trainedOn` / `testedOn`. Every `DatasetPackage`
is a dataset, with the licence its `hasDeclaredLicense` gives.

Files that are valid JSON but not conformant SPDX 3 (elements under `element` instead of `@graph`,
types without their profile prefix, as one generator writes them) are read too, with a warning.
"""

from __future__ import annotations

from policy.facts.formats import is_license
from policy.facts.importers import nodes
from policy.facts.importers.draft import Draft
from policy.facts.importers.hf_card import license_ref
from policy.facts.yamljson import MAP, Node
from policy.source import Source

FORMAT = "spdx"
_PREFIXES = ("ai_", "dataset_", "software_", "simplelicensing_", "expandedlicensing_", "core_")
_LICENSE_LIST = "https://spdx.org/licenses/"


def is_spdx(root: Node) -> bool:
    context = nodes.texts(nodes.get(root, "@context"))
    return root.kind == MAP and any("spdx.org/rdf/3" in c for c in context)


def import_spdx(source: Source, root: Node, draft: Draft) -> None:
    """Add the facts of an SPDX 3 AI/Dataset document to the draft."""
    reader = _Document(source, root, draft)
    reader.run()


class _Document:
    def __init__(self, source: Source, root: Node, draft: Draft) -> None:
        self.source = source
        self.file = source.name
        self.draft = draft
        self.nonconformant: list[str] = []
        graph = nodes.get(root, "@graph")
        if graph is None:
            graph = nodes.get(root, "element")
            if graph is not None:
                self.nonconformant.append("elements are under `element`, not `@graph`")
        self.elements = [e for e in nodes.items(graph) if e.kind == MAP]
        if nodes.get(root, "type") is not None:
            self.elements.append(root)
        self.by_id = {ident: e for e in self.elements if (ident := self.id(e)) is not None}
        self.datasets_seen: set[str | None] = set()

    def id(self, element: Node) -> str | None:
        return nodes.text(nodes.get(element, "spdxId")) or nodes.text(nodes.get(element, "@id"))

    def type(self, element: Node) -> str | None:
        value = nodes.text(nodes.get(element, "type"))
        if value is None:
            return None
        for prefix in _PREFIXES:
            if value.startswith(prefix):
                return value[len(prefix):]
        if value in ("AIPackage", "DatasetPackage", "LicenseExpression", "CustomLicense") and \
                "types without their profile prefix" not in self.nonconformant:
            self.nonconformant.append("types without their profile prefix")
        return value

    def prop(self, element: Node | None, name: str) -> Node | None:
        """A property by its name, with or without the profile prefix JSON-LD gives it."""
        found = nodes.get(element, name)
        if found is not None:
            return found
        for prefix in _PREFIXES:
            found = nodes.get(element, prefix + name)
            if found is not None:
                return found
        return None

    def run(self) -> None:
        kinds = ("Relationship", "LifecycleScopedRelationship")
        relationships = [e for e in self.elements if self.type(e) in kinds]
        subject = self.subject()
        if subject is not None:
            self.model(subject, relationships)
        for element in self.elements:
            if self.type(element) == "DatasetPackage" and self.id(element) not in self.datasets_seen:
                self.dataset(element, None, relationships)
        if self.nonconformant:
            problems = "; ".join(self.nonconformant)
            self.draft.warn("nonconformant", f"not conformant SPDX 3 JSON-LD: {problems}", file=self.file,
                            help="the facts were read anyway; check them against the file")

    def subject(self) -> Node | None:
        packages = [e for e in self.elements if self.type(e) == "AIPackage"]
        roots: list[str] = []
        for element in self.elements:
            for ref in nodes.texts(self.prop(element, "rootElement")):
                roots.append(ref)
                roots.extend(nodes.texts(self.prop(self.by_id.get(ref), "rootElement")))
        named = [p for p in packages if self.id(p) in roots]
        if len(named) == 1:
            return named[0]
        if len(packages) == 1:
            return packages[0]
        if packages:
            names = ", ".join(f"`{nodes.text(nodes.get(p, 'name')) or self.id(p)}`" for p in packages)
            self.draft.warn("ambiguous-subject", f"the document describes several AI packages ({names}) "
                            "and its root element names none of them: only its datasets are imported",
                            file=self.file)
        return None

    def targets(self, relationships: list[Node], kind: str, source_id: str | None = None,
                target_id: str | None = None) -> list[str]:
        """`to` ids of relationships of a kind from `source_id`, or `from` ids of those to `target_id`."""
        out: list[str] = []
        for rel in relationships:
            if nodes.text(nodes.get(rel, "relationshipType")) != kind:
                continue
            start = nodes.text(nodes.get(rel, "from"))
            ends = nodes.texts(nodes.get(rel, "to"))
            if source_id is not None and start == source_id:
                out.extend(ends)
            elif target_id is not None and target_id in ends and start is not None:
                out.append(start)
        return out

    def licenses(self, element_id: str | None, relationships: list[Node]) -> list[str]:
        out = []
        for ref in self.targets(relationships, "hasDeclaredLicense", source_id=element_id):
            expression = self.license(ref)
            if expression is not None and expression not in out:
                out.append(expression)
        return out

    def license(self, ref: str) -> str | None:
        element = self.by_id.get(ref)
        if element is not None:
            text = nodes.text(self.prop(element, "licenseExpression"))
            if text is not None:
                return text if is_license(text) else license_ref(text)
            if self.type(element) == "CustomLicense":
                return license_ref(ref.rstrip("/").rsplit("/", 1)[-1])
        if ref.startswith(_LICENSE_LIST):
            listed = ref[len(_LICENSE_LIST):].removesuffix(".html")
            return listed if is_license(listed) else None
        return None

    def name(self, ref: str) -> str:
        return nodes.text(nodes.get(self.by_id.get(ref), "name")) or ref

    def model(self, subject: Node, relationships: list[Node]) -> None:
        file = self.file
        ident = self.id(subject)
        name = nodes.text(nodes.get(subject, "name"))
        if name is not None:
            self.draft.set_model("name", name, file)
        version = nodes.text(self.prop(subject, "packageVersion"))
        if version is not None:
            self.draft.set_model("version", version, file)
        licenses = self.licenses(ident, relationships)
        for expression in licenses:
            self.draft.add_license(expression, file, for_model=len(licenses) == 1)
        bases = self.targets(relationships, "descendantOf", source_id=ident)
        bases += self.targets(relationships, "ancestorOf", target_id=ident)
        for ref in dict.fromkeys(bases):
            base = self.by_id.get(ref)
            self.draft.add_base_model(self.name(ref), "spdx_ancestor", file,
                                      version=nodes.text(self.prop(base, "packageVersion")) if base else None,
                                      licenses=self.licenses(ref, relationships))
        for kind, use in (("trainedOn", "training"), ("testedOn", "testing")):
            for ref in self.targets(relationships, kind, source_id=ident):
                self.dataset(self.by_id.get(ref), ref, relationships, use)

    def dataset(self, element: Node | None, ref: str | None, relationships: list[Node],
                use: str | None = None) -> None:
        ident = self.id(element) if element is not None else ref
        self.datasets_seen.add(ident)
        name = nodes.text(nodes.get(element, "name")) if element is not None else None
        url = nodes.text(self.prop(element, "downloadLocation")) if element is not None else None
        self.draft.add_dataset(name or ident or "?", self.file, use=use,
                               licenses=self.licenses(ident, relationships), url=url)
