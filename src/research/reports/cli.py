"""`research reports ...` commands (argparse). The project CLI calls `add_cli(subparsers)`."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from research.reports.runner import RunOptions, default_spec_path, run_reports, status_rows
from research.reports.spec import SpecError


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def _parameter_value(text: str) -> Any:
    """`-p` values as papermill reads them: int, float, true/false, else the text itself."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            return text  # "nan"/"inf" stay text; a notebook's check then names the parameter
        return value
    return text


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec", type=Path, default=None, help=f"reports file (default {default_spec_path()})"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="site directory (default reports/, or RESEARCH_REPORTS_DIR)"
    )


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register the `reports` command group; each subcommand sets `handler(args) -> int` (the exit code)."""
    parser = subparsers.add_parser("reports", help="execute the notebooks and build the HTML report site")
    commands = parser.add_subparsers(dest="reports_command", metavar="{run,list,diff}", required=True)

    run = commands.add_parser("run", help="run reports that changed (all with --force) and rewrite the index")
    _common(run)
    run.add_argument(
        "--only", action="append", metavar="NAME", help="report name or notebook stem (repeatable)"
    )
    run.add_argument(
        "--aor", action="append", metavar="CODE", help="field-office code, e.g. CHI (repeatable)"
    )
    run.add_argument("--jobs", "-j", type=_positive_int, default=1, help="parallel notebook runs (default 1)")
    run.add_argument("--force", action="store_true", help="re-run even reports that are up to date")
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786. Trusted clusters only: the results its workers "
        "send back are unpickled here, so a hostile worker could run code on this machine",
    )
    run.add_argument(
        "--timeout", type=_timeout, default=600.0, metavar="SECONDS", help="per-cell timeout, > 0 (600)"
    )
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter for every selected report (repeatable; checked against the notebook's "
        "parameters cell before any kernel starts)",
    )
    run.add_argument(
        "--cold",
        action="store_true",
        help="the old execution path (a kernel started by papermill per report, a new HTML exporter per page), "
        "kept for one release to compare",
    )
    run.add_argument(
        "--profile", action="store_true", help="time imports inside kernels and print where the time went"
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.set_defaults(handler=cmd_run)

    listing = commands.add_parser("list", help="list every report with its group and last status")
    _common(listing)
    listing.set_defaults(handler=cmd_list)

    diff = commands.add_parser(
        "diff", help="compare the executed notebooks of two report folders (numbers, tables, figures)"
    )
    diff.add_argument("old", type=Path, help="report folder of the earlier run (holds notebooks/)")
    diff.add_argument("new", type=Path, help="report folder of the later run")
    diff.add_argument("--no-images", action="store_true", help="compare text and tables only")
    diff.set_defaults(handler=cmd_diff)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    options = RunOptions(
        only=args.only,
        aor=args.aor,
        jobs=args.jobs,
        force=args.force,
        scheduler=args.scheduler,
        timeout=args.timeout,
        progress=not args.no_progress,
        cold=args.cold,
        profile=args.profile,
        parameters={name: _parameter_value(value) for name, value in args.parameter or []},
    )
    try:
        summary = run_reports(args.spec, args.output, options)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: reports finished so far are saved; run again to continue", file=sys.stderr)
        return 130
    except (OSError, TimeoutError) as exc:
        if args.scheduler:  # the usual cause: no scheduler at that address
            print(f"error: cannot use Dask scheduler {args.scheduler}: {exc}", file=sys.stderr)
            return 2
        raise
    print(summary.text())
    if args.profile:
        print("where the time went:")
        print(summary.stage_table())
    return 0 if summary.ok else 1


def cmd_list(args: argparse.Namespace) -> int:
    try:
        rows = status_rows(args.spec, args.output)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        duration = "" if row["duration"] is None else f"{row['duration']:.1f}s"
        print(f"{row['name']:<32} {row['group']:<14} {row['status']:<8} {duration:>7}  {row['notebook']}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from research.reports.compare import compare_runs

    for folder in (args.old, args.new):
        if not (folder / "notebooks").is_dir():
            print(
                f"error: {folder} has no notebooks/ folder (expected a `reports run` output)", file=sys.stderr
            )
            return 2
    differences = compare_runs(args.old, args.new, images=not args.no_images)
    for d in differences:
        where = "" if d.cell is None else f" code cell {d.cell}"
        print(f"{d.report}{where}: {d.what}")
    compared = len(list((args.new / "notebooks").glob("*.ipynb")))
    print(
        f"{compared} reports compared: "
        + ("identical" if not differences else f"{len(differences)} differences")
    )
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry: `python -m research.reports run ...` (same as `research reports run ...`)."""
    parser = argparse.ArgumentParser(prog="python -m research.reports")
    add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["reports", *(argv if argv is not None else sys.argv[1:])])
    return int(args.handler(args))
