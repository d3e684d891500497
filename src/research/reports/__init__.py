"""Report site: run the notebooks listed in `notebooks/reports.yaml` (papermill parameters) and publish HTML.

`research reports run` executes what changed (content hash of notebook, parameters, title, library code and
every data file the notebooks read), each report in a fresh kernel forked from a per-worker server that has
imported the heavy modules once, renders self-contained HTML with a provenance footer, and writes
`reports/index.html`. Modules: spec (reports.yaml), runner (plan, workers, site), engine/kernels/forkserver
(warm kernels), execute (one report), render, store (manifest, locks), site (index), compare (`reports diff`).
"""

import sys

# jsonschema, which nbformat imports to validate notebooks, checks the "iri" string format with rfc3987_syntax
# when that is installed (Jupyter pulls it in), and rfc3987_syntax compiles a Lark grammar at import: about 2 s
# in every process that reads a notebook (the command line, each pool worker). Notebook validation never checks
# IRIs, so report processes go without it (this only makes `import rfc3987_syntax` fail, unless already done).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from typing import Any  # noqa: E402

# The command line and the runner are imported on first use: report kernels import only what they need from
# this package (research.reports.kernelsetup), not the runner, tqdm and nbconvert.
_EXPORTS = {
    "add_cli": "research.reports.cli",
    "main": "research.reports.cli",
    "RunOptions": "research.reports.runner",
    "RunSummary": "research.reports.runner",
    "run_reports": "research.reports.runner",
    "Report": "research.reports.spec",
    "ReportSet": "research.reports.spec",
    "SpecError": "research.reports.spec",
    "load_spec": "research.reports.spec",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'research.reports' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
