"""Schema of the manifest's `evidence` section, written by `dokpamo evidence` from the weights."""

from __future__ import annotations

from policy.facts.schema import RecordT

EVIDENCE = RecordT("evidence", {})
