"""Benchmark: the whole processed-data build against a naive read of the same 25 workbooks.

Prints, from one run, the time of `research.data.build.build` (25 workbooks + OPM + offices, validated, written)
and of `pandas.read_excel(path, sheet_name=None, engine="openpyxl")` on every workbook, and their ratio.
Target: the build at least 15x faster than the naive read.

    RESEARCH_RAW_MIRROR=../shared/data/raw .venv/bin/python benchmarks/build_data.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from research import config
from research.data import build, sources


def main() -> int:
    mirror = config.raw_mirror()
    if mirror is None:
        print("set RESEARCH_RAW_MIRROR to the raw-data mirror (e.g. ../shared/data/raw)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        sources.fetch(None, mirror=mirror, progress=False, raw_dir=raw)
        workbooks = sorted((raw / "ice_detention_stats").glob("*.xlsx"))

        start = time.perf_counter()
        result = build.build(raw_dir=raw, out_dir=Path(tmp) / "processed")
        build_seconds = time.perf_counter() - start

        start = time.perf_counter()
        for path in workbooks:
            pd.read_excel(path, sheet_name=None, engine="openpyxl")
        naive_seconds = time.perf_counter() - start

    print(f"workbooks:                        {len(workbooks)}")
    print(f"research data build (all tables): {build_seconds:8.2f} s  ({sum(result.tables.values())} rows)")
    print(f"naive read_excel(openpyxl):       {naive_seconds:8.2f} s")
    print(f"speed-up (naive / build):         {naive_seconds / build_seconds:8.1f}x  (target >= 15x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
