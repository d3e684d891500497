"""Models: pure functions on DataFrames (no file access, no drawing).

`trends` (arrest and book-in rates, segmented regression, forecasts, goal gap), `staffing` (productivity,
elasticity, capacity, hiring pipeline), `panel` (field-office outcome panels), `leadership` (treatment and
staggered difference-in-differences), `scorecard` (per-office summaries), `overview` (coverage and revisions).
Inputs come from `research.data` loaders; charts of the results are in `research.figures`.
This package never imports `research.data`, `research.figures`, `research.reports` or `research.cli`.
"""
