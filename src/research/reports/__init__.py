"""Report site: run the notebooks listed in `notebooks/reports.yaml` with papermill and publish HTML.

`research reports run` executes what changed (content hash of notebook, parameters, library code and data
version), renders self-contained HTML with a provenance footer, and writes `reports/index.html`.
"""

from research.reports.cli import add_cli, main
from research.reports.runner import RunOptions, RunSummary, run_reports
from research.reports.spec import Report, ReportSet, SpecError, load_spec

__all__ = [
    "Report",
    "ReportSet",
    "RunOptions",
    "RunSummary",
    "SpecError",
    "add_cli",
    "load_spec",
    "main",
    "run_reports",
]
