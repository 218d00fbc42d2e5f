"""Schema of the manifest's `evidence` section, written by `dokpamo evidence` from the weights.

The section holds facts, not a verdict: lists of flat records with scalar fields, so that a rule reads
them with field access and quantifiers (`any c in evidence.comparisons: c.exact_fraction > 0`).
Every field is optional: a tier that was not run, or could not be (no shared anchors, no layers), leaves
its fields out, and a rule that needs them sees them as unknown. `docs/evidence.md` explains each field
and its null; a test keeps that page and this schema in step.
"""

from __future__ import annotations

from decimal import Decimal

from policy.facts.types import BoolT, EnumT, Field, ListT, NumberT, RecordT, StringT

COUNT = NumberT(minimum=Decimal(0), integer=True)
FRACTION = NumberT(minimum=Decimal(0), maximum=Decimal(1))
CORRELATION = NumberT(minimum=Decimal(-1), maximum=Decimal(1))
MARGIN = NumberT(minimum=Decimal(0), maximum=Decimal(2))
COMPONENT = EnumT("evidence_component", ("language_model", "vision_encoder", "audio_encoder", "projector"))
REFERENCE_KIND = EnumT("reference_kind", ("model", "fingerprint"))
IDENTITY = EnumT("identity", ("exact", "rounded"))
UNSOUND_METRIC = EnumT("unsound_metric", ("norm_gain_cosine", "spectrum_correlation", "std_fingerprint"))

CANDIDATE = RecordT("evidence_candidate", {
    "path": Field(StringT(), "the candidate checkpoint as given on the command line"),
    "parameters": Field(COUNT, "floating-point parameters of the candidate"),
    "tensors": Field(COUNT, "floating-point tensors of the candidate"),
    "skipped_tensors": Field(COUNT, "integer tensors (buffers such as position ids), not compared"),
})

REFERENCE = RecordT("evidence_reference", {
    "name": Field(StringT(), "the reference's name, NAME of `--reference NAME=PATH`", required=True),
    "kind": Field(REFERENCE_KIND, "compared with the model's weights or with its fingerprint"),
    "own": Field(BoolT(), "declared by the manifest as the team's own earlier model (`--own`)"),
    "parameters": Field(COUNT, "floating-point parameters of the reference"),
}, unique_key="name")

COMPARISON = RecordT("evidence_comparison", {
    "component": Field(COMPONENT, "the candidate component compared", required=True),
    "reference": Field(StringT(), "the reference's name", required=True),
    "reference_kind": Field(REFERENCE_KIND, "model or fingerprint"),
    "reference_own": Field(BoolT(), "the reference is the team's own earlier model"),
    "parameters": Field(COUNT, "parameters of the candidate component"),
    "tensors": Field(COUNT, "canonical matrices of the candidate component (fused tensors split)"),
    "layers": Field(COUNT, "layers of the candidate component"),
    "coverage": Field(FRACTION, "fraction of the component's parameters in matrices that have a reference "
                                "matrix of the same shape, so that the exact and Pearson tiers compared them"),
    "exact_fraction": Field(FRACTION, "fraction of the component's parameters in matrices value-identical to a "
                                      "reference matrix"),
    "exact_tensors": Field(COUNT, "matrices value-identical to a reference matrix"),
    "rounded_fraction": Field(FRACTION, "fraction of parameters in matrices equal to a reference matrix rounded "
                                        "to the candidate's dtype"),
    "rounded_tensors": Field(COUNT, "matrices equal to a rounded reference matrix"),
    "pearson": Field(CORRELATION, "parameter-weighted mean Pearson correlation of each 2-D matrix with the "
                                  "reference matrix matched to it by content"),
    "pearson_null": Field(NumberT(minimum=Decimal(0)), "standard deviation of `pearson` for independent "
                                                      "weights"),
    "pearson_sampled": Field(BoolT(), "`pearson` was computed on held-out sampled entries (fingerprint), not "
                                      "on every entry"),
    "pearson_tensors": Field(COUNT, "matrices that entered `pearson`"),
    "column_match": Field(FRACTION, "mean over reference residual columns of the best absolute correlation "
                                    "with a candidate column across the anchor rows"),
    "column_match_null": Field(FRACTION, "`column_match` with the candidate's anchor rows shuffled"),
    "column_margin": Field(FRACTION, "mean gap between the best and second-best column correlation"),
    "column_unique": Field(FRACTION, "fraction of reference columns whose best candidate column is claimed by "
                                     "no other reference column"),
    "column_anchors": Field(COUNT, "anchor rows shared by candidate and reference"),
    "invariant": Field(CORRELATION, "mean over candidate layers of the best correlation of the per-layer "
                                    "invariant sketches with a reference layer"),
    "invariant_null": Field(CORRELATION, "`invariant` with the residual alignment shuffled"),
    "invariant_margin": Field(MARGIN, "mean gap between the best and second-best reference layer"),
    "invariant_layers": Field(COUNT, "candidate layers whose sketches were compared"),
})

LAYER_MATCH = RecordT("evidence_layer", {
    "component": Field(COMPONENT, "the candidate component", required=True),
    "reference": Field(StringT(), "the reference's name", required=True),
    "reference_own": Field(BoolT(), "the reference is the team's own earlier model"),
    "candidate_layer": Field(COUNT, "layer of the candidate, as numbered in its tensor names", required=True),
    "pearson_layer": Field(COUNT, "reference layer holding most of the parameters matched by content"),
    "pearson": Field(CORRELATION, "parameter-weighted Pearson of the layer's matrices with their matches"),
    "invariant_layer": Field(COUNT, "reference layer whose invariant sketches correlate best"),
    "invariant": Field(CORRELATION, "that best correlation"),
    "invariant_second": Field(CORRELATION, "the second-best reference layer's correlation"),
})

IDENTICAL = RecordT("evidence_identical", {
    "component": Field(COMPONENT, "the candidate component", required=True),
    "reference": Field(StringT(), "the reference's name", required=True),
    "reference_own": Field(BoolT(), "the reference is the team's own earlier model"),
    "tensor": Field(StringT(), "the candidate tensor (`[q]`, `[k]`, `[v]`, `[gate]`, `[up]` for split parts)",
                    required=True),
    "reference_tensor": Field(StringT(), "the identical reference tensor", required=True),
    "kind": Field(IDENTITY, "equal values, or equal after rounding the reference to the candidate's dtype",
                  required=True),
    "parameters": Field(COUNT, "parameters of the tensor"),
})

UNSOUND = RecordT("evidence_unsound", {
    "component": Field(COMPONENT, "the candidate component", required=True),
    "reference": Field(StringT(), "the reference's name", required=True),
    "metric": Field(UNSOUND_METRIC, "a statistic that does not separate derived from independent models",
                    required=True),
    "value": Field(CORRELATION, "its value; reported for transparency, never evidence", required=True),
})

EVIDENCE = RecordT("evidence", {
    "method": Field(NumberT(minimum=Decimal(1), integer=True), "version of the evidence method"),
    "candidate": Field(CANDIDATE, "the checkpoint examined"),
    "references": Field(ListT(REFERENCE), "the reference models compared with"),
    "comparisons": Field(ListT(COMPARISON), "one record per candidate component and reference"),
    "layer_map": Field(ListT(LAYER_MATCH), "one record per candidate layer and reference"),
    "identical": Field(ListT(IDENTICAL), "every candidate tensor identical to a reference tensor"),
    "unsound": Field(ListT(UNSOUND), "unsound statistics, reported so that nobody computes them again"),
})
