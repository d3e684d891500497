"""Command line: `research data {fetch,build,update,verify,info,codebook}` and `research reports ...`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from research import config


def _cmd_fetch(args: argparse.Namespace) -> int:
    from research.data import sources

    mirror = Path(args.mirror) if args.mirror else config.raw_mirror()
    paths = sources.fetch(args.names or None, mirror=mirror, progress=not args.quiet, force=args.force)
    print(f"{len(paths)} raw file(s) ready under {config.RAW_DIR}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from research.data import build, sources

    mirror = Path(args.mirror) if args.mirror else config.raw_mirror()
    if mirror is not None:
        # Copy (and checksum) what the mirror holds, so the build reads verified files from data/raw.
        sources.fetch(None, mirror=mirror, progress=not args.quiet)
    if args.if_available:
        # `make data`: build only from a raw folder that holds at least what the current data were built from.
        if not build.raw_workbooks_present():
            print(
                f"no raw workbooks in {config.RAW_DIR}: keeping the embedded default data/processed ({_version_line()})"
            )
            return 0
        missing = build.missing_inputs()
        if missing:
            print(
                f"raw files incomplete: {len(missing)} input(s) of the current data are not in {config.RAW_DIR} "
                f"(e.g. {missing[0]}): keeping {config.processed_dir()} ({_version_line()}); run `research data "
                "fetch` (or set RESEARCH_RAW_MIRROR) to rebuild"
            )
            return 0
    result = build.build(
        on_table=None if args.quiet else lambda n, rows: print(f"  {n:<18} {rows:>6} rows"),
        allow_shrink=args.allow_shrink,
    )
    build.write_codebook()
    for note in result.notes:
        print(f"  note: {note}")
    print(f"data_version {result.data_version} written to {result.out_dir}")
    return 0


def _version_line() -> str:
    from research import data

    try:
        return f"data_version {data.data_version()}"
    except data.DataNotAvailable as exc:
        return str(exc)


def _cmd_update(args: argparse.Namespace) -> int:
    from research.data import update

    include = True if args.arrests else None
    try:
        report = update.run(
            dry_run=args.dry_run,
            base_url=args.base_url,
            include_arrests=include,
            progress=not args.quiet,
            skip=frozenset(args.skip),
        )
    except update.NoNetworkError as exc:
        print(f"research data update: {exc}", file=sys.stderr)
        return update.NO_NETWORK_EXIT
    for line in report.lines():
        print(line)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from research.data import sources

    status = sources.verify(args.names or None)
    # "unverified": a file whose upstream changes each release (no pinned sha256), checked against its fetch-time hash.
    # A file named on the command line must be there; without names, absent files are normal (not all are fetched).
    fine = ("ok", "unverified") if args.names else ("ok", "missing", "unverified")
    bad = {name: state for name, state in status.items() if state not in fine}
    for name, state in sorted(status.items()):
        if args.all or args.names or state != "missing":
            print(f"{state:<10} {name}")
    return 1 if bad else 0


def _cmd_info(args: argparse.Namespace) -> int:
    from research import data

    info = data.data_version_info()
    print(f"data_version {info['data_version']} (code {info['code_version']})")
    for name, rows in info["tables"].items():
        print(f"  {name:<18} {rows:>6} rows")
    print(f"  raw inputs: {len(info['raw_inputs'])} files")
    return 0


def _cmd_codebook(args: argparse.Namespace) -> int:
    from research.data import build

    print(f"wrote {build.write_codebook()}")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="research", description=__doc__)
    groups = parser.add_subparsers(dest="group", required=True)

    data = groups.add_parser("data", help="fetch raw files and build the processed tables")
    commands = data.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="download (or copy from a mirror) raw files, checking sha256")
    fetch.add_argument("names", nargs="*", help="registry names (default: every file that can be fetched)")
    fetch.add_argument(
        "--mirror", help=f"copy from this folder instead of downloading (env {config.MIRROR_ENV})"
    )
    fetch.add_argument("--force", action="store_true", help="fetch again even if a good copy is present")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(handler=_cmd_fetch)

    build = commands.add_parser(
        "build", help="build data/processed from data/raw (validated Parquet + data version)"
    )
    build.add_argument("--mirror", help=f"first copy raw files from this folder (env {config.MIRROR_ENV})")
    build.add_argument(
        "--if-available",
        action="store_true",
        help="keep the current data/processed when the raw folder lacks any input it was built from",
    )
    build.add_argument(
        "--allow-shrink",
        action="store_true",
        help="replace data/processed even if the new tables hold fewer editions, months or rows",
    )
    build.add_argument("--quiet", action="store_true")
    build.set_defaults(handler=_cmd_build)

    update = commands.add_parser(
        "update",
        help="find new ICE editions and DDP arrests releases, pin them, rebuild, and say what changed",
        description="Read the pages listed under pages: in data/raw/sources.yaml (ICE's Detention Management "
        "page, the DDP arrests release pointer), download what is new (sha256 checked, workbooks parsed), pin it "
        "in data/raw/sources.lock.yaml, rebuild data/processed and print what changed. On any failure nothing "
        f"changes; without network: one line and exit status 75 ({config.MIRROR_ENV} supplies registered files).",
    )
    update.add_argument("--dry-run", action="store_true", help="list what would be fetched; change nothing")
    update.add_argument(
        "--arrests",
        action="store_true",
        help="also fetch a new DDP arrests release when that optional file is not on this machine yet",
    )
    update.add_argument(
        "--base-url",
        help="read pages and files from this origin, same paths (a local copy of the sites, e.g. a test server); "
        "the lock file still records the public URLs",
    )
    update.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="NAME",
        help="leave out the new link to this file name (repeatable), e.g. when ICE's page links a broken file",
    )
    update.add_argument("--quiet", action="store_true", help="no progress bars")
    update.set_defaults(handler=_cmd_update)

    verify = commands.add_parser("verify", help="check the sha256 of raw files present")
    verify.add_argument("names", nargs="*")
    verify.add_argument("--all", action="store_true", help="also list missing files")
    verify.set_defaults(handler=_cmd_verify)

    info = commands.add_parser("info", help="show the data version and table sizes of data/processed")
    info.set_defaults(handler=_cmd_info)

    codebook = commands.add_parser("codebook", help="regenerate data/CODEBOOK.md from the schemas")
    codebook.set_defaults(handler=_cmd_codebook)

    try:
        from research import reports
    except ImportError:  # the report runner is optional for data-only use
        reports = None  # type: ignore[assignment]
    if reports is not None and hasattr(reports, "add_cli"):
        reports.add_cli(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except _refusals() as exc:
        # The build refused to touch the data (bad checksum, fewer editions than the current data).
        print(f"research: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError, OSError) as exc:
        # Expected failures (missing file, bad checksum, broken workbook) end in one line, not a traceback.
        print(f"research: error: {exc}", file=sys.stderr)
        return 1


def _refusals() -> tuple[type[BaseException], ...]:
    from research.data.build import BuildRefused

    return (BuildRefused,)


if __name__ == "__main__":
    raise SystemExit(main())
