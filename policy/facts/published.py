"""Schema of the manifest's `published` section: facts imported from published model metadata."""

from __future__ import annotations

from policy.facts.schema import RecordT

PUBLISHED = RecordT("published", {})
