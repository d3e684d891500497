"""Size/power check of the leadership page (`design_check.resample_design`): this code against a baseline revision.

Builds the page's inputs as `notebooks/30_leadership_changes.py` does (default parameters, the embedded default
tables; the effect sizes include the specification curve's median), loads `design_check`, `office_did` and
`randomization` as they were at `--baseline` (read with `git show` into a temporary package), then times both
implementations side by side on the same inputs, alternating, and checks every output bit is equal. The machine
may be shared: each time is the best of `--repeat` runs.

    .venv/bin/python benchmarks/design_check.py --baseline 14d482a
    .venv/bin/python benchmarks/design_check.py --baseline 14d482a --repeat 3 --reps 50
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from research import data
from research.models import design_check
from research.models import leadership as ld

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("randomization", "office_did", "design_check")  # in import order
OUTCOMES = ("arrests", "arrests_jan_jul", "detention_balanced")  # the page's check


def baseline_modules(revision: str, folder: Path) -> ModuleType:
    """`design_check` as of `revision`, importing that revision's `office_did` and `randomization`."""
    package = folder / "baseline_models"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in MODULES:
        text = subprocess.run(
            ["git", "show", f"{revision}:src/research/models/{name}.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        text = text.replace("from research.models import", "from baseline_models import")
        (package / f"{name}.py").write_text(text)
    sys.path.insert(0, str(folder))
    return importlib.import_module("baseline_models.design_check")


def page_inputs() -> tuple[dict, int, tuple[float, ...], int]:
    """(matrices, treated offices, effect sizes, seed) as the page builds them with its default parameters."""
    params = ld.validate_parameters(
        treatment="named_removals",
        comparison="all_others",
        scheduler="serial",
        workers=1,
        n_permutations=10000,
        exact_limit=100000,
        seed=20251024,
        n_simulations=200,
    )
    fod_events, offices = data.load_fod_events(), data.load_field_offices()
    facilities, windows = data.load_facilities(), data.load_arrests_aor_windows()
    arrests_monthly = data.load_arrests_monthly()
    arrests_daily = data.load_arrests_daily(by="aor") if data.has_arrests_file() else None
    tiers = ld.treatment_tiers(fod_events, offices)
    main_design = ld.design(tiers, params.treatment, params.comparison)
    matrices = {
        m.name: m
        for m in ld.outcome_matrices(
            facilities, offices, windows, arrests_daily, arrests_monthly=arrests_monthly
        )
    }
    curve = ld.specification_curve(
        fod_events,
        offices,
        facilities,
        windows,
        arrests_daily,
        arrests_monthly,
        include_ddp=arrests_daily is not None,
        scheduler="serial",
        workers=1,
        n_permutations=params.n_permutations,
        exact_limit=params.exact_limit,
        seed=params.seed,
    )
    median = ld.summarize(curve).median
    effects = tuple(sorted({0.0, 0.10, 0.20, round(abs(float(np.log1p(median / 100))), 3)}))
    return matrices, len(main_design.treated), effects, params.seed


def run(
    module: ModuleType, matrices: dict, k: int, effects: tuple[float, ...], reps: int, seed: int
) -> tuple:
    start = time.perf_counter()
    frames = {
        name: module.resample_design(matrices[name], k, effects, reps=reps, n_draws=999, seed=seed)
        for name in OUTCOMES
    }
    return time.perf_counter() - start, frames


def assert_same_bits(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Equal frames, float columns compared bit for bit (0.0 and -0.0, NaN payloads included)."""
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    for column in new.columns:
        a, b = new[column].to_numpy(), old[column].to_numpy()
        if a.dtype.kind == "f":
            assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), f"{column}: bits differ"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="git revision of the code to compare against")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each implementation (best time kept)")
    parser.add_argument("--reps", type=int, default=200, help="random treated sets per effect (page: 200)")
    args = parser.parse_args()

    matrices, k, effects, seed = page_inputs()
    print(f"outcomes {', '.join(OUTCOMES)}; {k} treated; effects {effects}; {args.reps} reps; 999 draws")
    with tempfile.TemporaryDirectory() as folder:
        old = baseline_modules(args.baseline, Path(folder))
        times: dict[str, list[float]] = {"baseline": [], "this code": []}
        results = {}
        for _ in range(args.repeat):
            for label, module in (("baseline", old), ("this code", design_check)):
                elapsed, frames = run(module, matrices, k, effects, args.reps, seed)
                times[label].append(elapsed)
                results[label] = frames
    for name in OUTCOMES:
        assert_same_bits(results["this code"][name], results["baseline"][name])
    before, after = min(times["baseline"]), min(times["this code"])
    print(
        f"baseline {args.baseline}: {before:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times['baseline'])})"
    )
    print(f"this code      : {after:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times['this code'])})")
    print(
        f"speed-up {before / after:.2f}x ({100 * (1 - after / before):.0f}% less time); every row identical"
    )


if __name__ == "__main__":
    main()
