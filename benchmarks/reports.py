"""Report-site build times, old path against new, measured side by side in one run, stage by stage.

Builds the whole site (forced, each into a fresh temporary folder) with:
  1. the old path (`--cold`: papermill starts a kernel per report, a new HTML exporter per page), --jobs 2, and
     the new path (one fork server for the batch, kernels started ahead, one exporter per worker), --jobs 2,
     alternating over `--rounds` rounds (old first in odd rounds, new first in even ones), so that a machine
     that gets slower or faster during the run weighs on both paths alike;
  2. the new path, --jobs 1; then a no-change re-run of the last new site.
Prints wall times, each round's ratio and the ratio of the medians against the targets (new vs cold with
--jobs 2 >= 2x; new --jobs 2 vs --jobs 1 >= 1.6x; no-change re-run < 5 % of the full run), where the time went
in the last round (kernel start, imports, cell execution, notebook I/O, HTML rendering, bookkeeping; seconds
summed over reports), and whether the old and new paths gave the same outputs (`research reports diff`). The
load average is printed with each run: timings on a shared machine are not comparable with a quiet one.

    .venv/bin/python benchmarks/reports.py                       # whole reports.yaml, 3 rounds
    .venv/bin/python benchmarks/reports.py --rounds 5
    .venv/bin/python benchmarks/reports.py --only 40_field_office  # a subset (report names or notebook stems)
    .venv/bin/python benchmarks/reports.py --cold-serial           # also the old path with --jobs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from research import config
from research.reports.compare import compare_runs
from research.reports.runner import RunOptions, RunSummary, run_reports


def timed(label: str, output: Path, **options: object) -> tuple[float, RunSummary]:
    load = os.getloadavg()[0]
    start = time.perf_counter()
    summary = run_reports(None, output, RunOptions(progress=False, **options))  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    print(
        f"  {label:<40} {elapsed:8.1f} s   executed {len(summary.executed):>2}, failed {len(summary.failed)}"
        f"   (load average before {load:.1f}, after {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--only", action="append", help="restrict to these reports (repeatable)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="old/new --jobs 2 pairs, alternating (default 3)"
    )
    parser.add_argument("--cold-serial", action="store_true", help="also time the old path with --jobs 1")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(f"cores available: {config.available_cpus()}; runs (forced, fresh folders):", flush=True)
    cold_times: list[float] = []
    new_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        base = Path(tmp)
        common = {"only": args.only, "force": True, "profile": True}
        cold_serial = (
            timed("old path (--cold), --jobs 1", base / "cold1", cold=True, jobs=1, **common)[0]
            if (args.cold_serial)
            else None
        )
        for round_number in range(1, args.rounds + 1):
            runs = [("old", True), ("new", False)] if round_number % 2 else [("new", False), ("old", True)]
            for kind, cold_path in runs:
                label = f"round {round_number}: {'old path (--cold)' if cold_path else 'new path'}, --jobs 2"
                elapsed, summary = timed(
                    label, base / f"{kind}{round_number}", cold=cold_path, jobs=2, **common
                )
                (cold_times if cold_path else new_times).append(elapsed)
                if cold_path:
                    cold = summary
                else:
                    parallel = summary
        serial_time, serial = timed("new path, --jobs 1", base / "serial", jobs=1, **common)
        last = base / f"new{args.rounds}"
        rerun_time, rerun = timed("no-change re-run (new, --jobs 2)", last, jobs=2, only=args.only)
        differences = compare_runs(base / f"old{args.rounds}", last)

    failed = sorted(set(cold.failed) | set(serial.failed) | set(parallel.failed))
    print(f"\nreports: {len(parallel.selected)} selected, {len(parallel.executed)} executed per full run")
    if failed:
        print(f"  (failed in a full run, still timed: {', '.join(failed)})")
    ratios = [c / n for c, n in zip(cold_times, new_times, strict=True)]
    print(
        "new vs old, --jobs 2, each round: "
        + ", ".join(
            f"{r:.2f}x ({c:.1f} s / {n:.1f} s)" for r, c, n in zip(ratios, cold_times, new_times, strict=True)
        )
    )
    new_median = statistics.median(new_times)
    print(
        f"new vs old, --jobs 2        : {statistics.median(cold_times) / new_median:5.2f}x faster   "
        f"(median old / median new over {args.rounds} rounds; target >= 2x)"
    )
    print(f"new --jobs 2 vs new --jobs 1: {serial_time / new_median:5.2f}x faster   (target >= 1.6x)")
    if cold_serial is not None:
        print(f"old --jobs 2 vs old --jobs 1: {cold_serial / statistics.median(cold_times):5.2f}x faster")
        print(f"new --jobs 2 vs old --jobs 1: {cold_serial / new_median:5.2f}x faster")
    print(
        f"no-change re-run            : {rerun_time:5.2f} s = {rerun_time / new_median:.1%} of the new --jobs 2 "
        f"run (target < 5%); executed {len(rerun.executed)}"
    )
    print(
        "outputs, old vs new path    : "
        + ("identical (research reports diff)" if not differences else f"{len(differences)} differences")
    )
    for difference in differences[:10]:
        print(f"  {difference.report} cell {difference.cell}: {difference.what}")
    for label, summary, jobs in (("old path, --jobs 2", cold, 2), ("new path, --jobs 2", parallel, 2)):
        print(
            f"\nwhere the time went, {label}, round {args.rounds} (seconds summed over reports; {jobs} workers):"
        )
        print(summary.stage_table())
        idle = max(0.0, summary.wall * jobs - sum(summary.stages.values()))
        print(f"  {'not in a report (worker start-up, waiting)':<52} {idle:8.1f} s  (wall x workers - sum)")


if __name__ == "__main__":
    main()
