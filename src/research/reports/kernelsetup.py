"""Inside a report kernel, before the first cell: the report's environment, and warnings sent to its run log.

The runner starts each report's kernel with (or, for a kernel started ahead, sends it) the report's settings:
where data downloads go (research.figures.downloads) and the run log. `start()` applies them and routes Python
warnings and log records of level WARNING and above to the run log, so a reader never sees a warning box; the
runner keeps the log as `reports/logs/<report>.log`. Notebooks run by hand (JupyterLab, papermill) are untouched:
there warnings show as usual.

Light on purpose: imported in every report kernel, it imports nothing beyond the standard library.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping

LOG_ENV = "RESEARCH_REPORT_LOG"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "research-report-log"


def exec_line(settings: Mapping[str, str] | None = None) -> str:
    """One line of Python that applies `settings` (environment variables) and calls `start()` without binding
    any name in the notebook's namespace."""
    return f"__import__('research.reports.kernelsetup').reports.kernelsetup.start({dict(settings or {})!r})"


def start(settings: Mapping[str, str] | None = None) -> None:
    """Apply the report's settings to os.environ, then send warnings and logging to the run log (if one is set)."""
    os.environ.update({str(k): str(v) for k, v in (settings or {}).items()})
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    root = logging.getLogger()
    if any(getattr(h, "name", "") == _HANDLER_NAME for h in root.handlers):
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.name = _HANDLER_NAME
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    logging.captureWarnings(True)  # warnings.warn -> logger "py.warnings" -> the run log, not the page
    captured = logging.getLogger("py.warnings")
    captured.propagate = False
    captured.addHandler(handler)
    warnings.simplefilter("default")  # each distinct warning once per place, as Python shows them by default
