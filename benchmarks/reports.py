"""Report-site build times, measured side by side in one run.

Prints the full site with --jobs 1 and --jobs 2 (both forced, into fresh temporary folders) and a no-change
re-run of the second site, with ratios. Targets: --jobs 2 at least 1.6x faster than --jobs 1 on two cores; the
no-change re-run under 5% of the full run.

    .venv/bin/python benchmarks/reports.py            # whole reports.yaml
    .venv/bin/python benchmarks/reports.py --only 40_field_office   # a subset (report names or notebook stems)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from research.reports.runner import RunOptions, RunSummary, run_reports


def timed(output: Path, **options: object) -> tuple[float, RunSummary]:
    start = time.perf_counter()
    summary = run_reports(None, output, RunOptions(progress=False, **options))  # type: ignore[arg-type]
    return time.perf_counter() - start, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="restrict to these reports (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        serial_time, serial = timed(Path(tmp) / "jobs1", only=args.only, jobs=1, force=True)
        parallel_time, parallel = timed(Path(tmp) / "jobs2", only=args.only, jobs=2, force=True)
        rerun_time, rerun = timed(Path(tmp) / "jobs2", only=args.only, jobs=2)
    failed = sorted(set(serial.failed) | set(parallel.failed))
    print(f"reports: {len(serial.selected)} selected, {len(serial.executed)} executed per full run")
    if failed:
        print(f"  (failed in the full runs, still timed: {', '.join(failed)})")
    print(f"full site --jobs 1      : {serial_time:8.1f} s")
    print(
        f"full site --jobs 2      : {parallel_time:8.1f} s   speed-up {serial_time / parallel_time:.2f}x (target >= 1.6x)"
    )
    print(
        f"no-change re-run        : {rerun_time:8.2f} s   {rerun_time / parallel_time:.1%} of the --jobs 2 run, "
        f"{rerun_time / serial_time:.1%} of --jobs 1 (target < 5%); executed {len(rerun.executed)}"
    )


if __name__ == "__main__":
    main()
