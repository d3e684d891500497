"""Models: pure functions on DataFrames (no file access, no drawing).

`trends` (arrest and book-in rates, segmented regression, forecasts, goal probabilities, goal gap), `its` (trend
model with AR(1) errors, bootstrap-t intervals and their coverage measured by simulation), `nowcast` (book-ins for
the months the workbooks do not reach, from arrests), `compute` (one BLAS thread for small-matrix work),
`staffing` (scenarios, hiring pipeline, out-of-sample score), `capacity`, `elasticity`, `autocorrelation`,
`panel` (field-office outcome panels), `office_detention` (office populations between ICE editions, shared by
the panel and the scorecards), `leadership` (entry point for the October 2025 director changes:
`treatment_tiers`, `office_did` estimators, `randomization` inference, `spec_curve`, `design_check`),
`scorecard` (per-office summaries), `overview` (coverage and revisions).
Inputs come from `research.data` loaders; charts of the results are in `research.figures`.
This package never imports `research.data`, `research.figures`, `research.reports` or `research.cli`.
"""
