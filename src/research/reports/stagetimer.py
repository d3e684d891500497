"""Inside a report kernel (benchmark runs only): time spent in `import` statements, written to a file.

Installed at kernel start with `--IPKernelApp.exec_lines` when the run profiles its stages. Wraps
`builtins.__import__` and adds the wall time of each outermost import (imports done by imported modules are
inside it) to a running total, rewritten to the file named by RESEARCH_STAGE_FILE after each one.
"""

from __future__ import annotations

import builtins
import os
import time
from typing import Any

STAGE_FILE_ENV = "RESEARCH_STAGE_FILE"
EXEC_LINE = "__import__('research.reports.stagetimer').reports.stagetimer.install()"


def install() -> None:
    path = os.environ.get(STAGE_FILE_ENV)
    if not path or getattr(builtins.__import__, "_research_timer", False):
        return
    original = builtins.__import__
    state = {"depth": 0, "total": 0.0}

    def timed_import(*args: Any, **kwargs: Any) -> Any:
        if state["depth"]:
            return original(*args, **kwargs)
        state["depth"] = 1
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            state["depth"] = 0
            elapsed = time.perf_counter() - start
            state["total"] += elapsed
            if elapsed > 5e-4:  # cached imports inside functions are many and instant: no write for them
                with open(path, "w") as handle:
                    handle.write(repr(state["total"]))

    timed_import._research_timer = True  # type: ignore[attr-defined]
    builtins.__import__ = timed_import


def read(path: str) -> float:
    try:
        with open(path) as handle:
            return float(handle.read() or 0.0)
    except (OSError, ValueError):
        return 0.0
