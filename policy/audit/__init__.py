"""Auditing rule versions (`docs/audit.md`).

- `receipt`: verdict receipts, written by `dokpamo-check --receipt` and checked by `dokpamo verify`
  (`receipt_text`, `read`, `verify`);
- `structural`: the declarations added, removed or changed between two rule files (`structural_diff`);
- `impact`: what a change does on a corpus of manifests (`impact`);
- `semantic`: witness manifests and cohorts on which two versions decide differently (`search`),
  shrunk by `shrink`;
- `report` and `changelog`: `dokpamo diff` as data (`compare`) and as text, Markdown or JSON (`render`).

Nothing is imported here, so that `dokpamo-check` without `--receipt` loads none of it.
"""
