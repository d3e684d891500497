"""Every file a notebook reads is part of its report's key (issue 14, item 5).

Runs each project notebook, with an extra first cell that logs the files the kernel opens: an audit hook on
`open` (Python's open, io, os.open: CSV, YAML, JSON reads) plus a wrapper around `pandas.read_parquet`, whose
reads happen in Arrow's C++ and raise no audit event. Every opened file of the project (outside the virtual
environment and the library, which is hashed separately) must be in `fingerprint.input_files()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from research import config
from research.reports import fingerprint
from research.reports.runner import RunOptions, run_reports

pytestmark = pytest.mark.slow

HOOK = """
import os as _os, sys as _sys
import pandas as _pd
_opened = open({log!r}, "a")
def _record(event, args, _write=_opened.write, _flush=_opened.flush):
    if event == "open" and isinstance(args[0], (str, bytes, _os.PathLike)):
        _write(_os.fsdecode(args[0]) + "\\n")
        _flush()
_sys.addaudithook(_record)
_read_parquet = _pd.read_parquet
def _logged_read_parquet(path, *args, **kwargs):
    _opened.write(_os.fsdecode(path) + "\\n")
    _opened.flush()
    return _read_parquet(path, *args, **kwargs)
_pd.read_parquet = _logged_read_parquet
"""


def test_every_project_file_a_notebook_opens_is_in_the_report_key(tmp_path: Path) -> None:
    spec = yaml.safe_load((config.NOTEBOOKS_DIR / "reports.yaml").read_text())
    entries = []
    for entry in spec["reports"]:
        source = config.NOTEBOOKS_DIR / entry["notebook"]
        nb = nbformat.read(source, as_version=4)
        log = tmp_path / f"{source.stem}.opened"
        nb.cells.insert(0, nbformat.v4.new_code_cell(HOOK.format(log=str(log))))
        nbformat.write(nb, tmp_path / entry["notebook"])
        parameters = {"aor": "CHI"} if "foreach" in entry else entry.get("parameters", {})
        entries.append({"name": source.stem, "notebook": entry["notebook"], "group": "national"})
        entries[-1]["parameters"] = parameters
    (tmp_path / "reports.yaml").write_text(yaml.safe_dump({"reports": entries}))
    summary = run_reports(tmp_path / "reports.yaml", tmp_path / "out", RunOptions(progress=False))
    assert summary.ok, summary.text()

    hashed = set(fingerprint.input_files())
    library = Path(fingerprint.research.__file__).resolve().parent
    environment = Path(sys.prefix).resolve()
    missing: dict[str, list[str]] = {}
    seen_any = {"parquet": False, "facts": False}
    for log in sorted(tmp_path.glob("*.opened")):
        for line in sorted(set(log.read_text().splitlines())):
            path = Path(line) if Path(line).is_absolute() else config.NOTEBOOKS_DIR / line
            path = path.resolve()
            if not path.is_file() or not path.is_relative_to(config.PROJECT_ROOT):
                continue
            if path.is_relative_to(environment) or path.is_relative_to(library):
                continue
            seen_any["parquet"] |= path.suffix == ".parquet"
            seen_any["facts"] |= path.parent == config.FACTS_DIR.resolve()
            if path not in hashed:
                missing.setdefault(log.stem, []).append(str(path))
    assert seen_any == {"parquet": True, "facts": True}  # the hook saw the reads it must see
    assert missing == {}
