"""Models: pure functions on DataFrames (no file access, no drawing).

`trends` (arrest and book-in rates, segmented regression, forecasts, goal probabilities, goal gap), `its` (trend
model with AR(1) errors, bootstrap-t intervals and their coverage measured by simulation), `nowcast` (book-ins for
the months the workbooks do not reach, from arrests), `compute` (one BLAS thread for small-matrix work), `staffing` (productivity,
elasticity, capacity, hiring pipeline), `panel` (field-office outcome panels), `leadership` (treatment and
staggered difference-in-differences), `scorecard` (per-office summaries), `overview` (coverage and revisions).
Inputs come from `research.data` loaders; charts of the results are in `research.figures`.
This package never imports `research.data`, `research.figures`, `research.reports` or `research.cli`.
"""
