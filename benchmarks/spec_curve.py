"""Specification-curve throughput: one process against two workers, measured side by side in one run.

Builds the curve's tasks once from the embedded default tables, then times the randomization inference over every
specification in this process, on a warm two-process pool, and (with --dask) on a two-worker Dask LocalCluster.
Pools are started and warmed before the clock starts: the figure is specifications per second of steady work. Each
task holds BLAS to one thread (`spec_curve.run_task`), so "one process" means one core. Every scheduler must return
the same numbers. Target: two workers at least 1.6x one process on two cores.

Next to each time it prints the CPU seconds the run obtained per wall second ("cores used"): on a quiet two-core
machine the pool should use close to 2; well below that means other work was competing for the cores and the
ratio understates the speed-up; specifications per CPU second then show whether the workers lose efficiency.

    .venv/bin/python benchmarks/spec_curve.py              # process pool
    .venv/bin/python benchmarks/spec_curve.py --dask       # also a Dask LocalCluster
    .venv/bin/python benchmarks/spec_curve.py --repeat 3   # run the task list three times per timing (steadier)
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import pandas as pd

from research import data
from research.models import spec_curve as sc
from research.models import treatment_tiers as tt


def timed(
    tasks: list[sc.Task], scheduler: object, cpu: Callable[[], float]
) -> tuple[float, float, pd.DataFrame]:
    """Wall seconds, CPU seconds (as counted by `cpu`) and the rows."""
    cpu0, start = cpu(), time.perf_counter()
    rows = sc.execute(sc.run_task, tasks, scheduler=scheduler)
    wall = time.perf_counter() - start
    return wall, cpu() - cpu0, pd.DataFrame([r for batch in rows for r in batch])


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (NaN where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def line(label: str, wall: float, cpu: float, n_specs: int, one: float | None = None) -> str:
    text = (
        f"{label:<22}: {wall:7.2f} s  {n_specs / wall:7.1f} specifications/s  cores used {cpu / wall:4.2f} "
        f"({n_specs / cpu:5.0f} per CPU second)"
    )
    return text + (f"   speed-up {one / wall:.2f}x (target >= 1.6x)" if one else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dask", action="store_true", help="also time a two-worker Dask LocalCluster")
    parser.add_argument("--repeat", type=int, default=1, help="run the task list this many times per timing")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    offices = data.load_field_offices()
    tiers = tt.treatment_tiers(data.load_fod_events(), offices)
    matrices = sc.outcome_matrices(
        data.load_facilities(),
        offices,
        data.load_arrests_aor_windows(),
        arrests_monthly=data.load_arrests_monthly(),  # the undiluted same-season arrests, as on the page
    )
    tasks = sc.tasks_for(tiers, matrices, sc.Settings()) * args.repeat
    n_specs = sum(len(sc.did.valid_specs(t.matrix.kind)) for t in tasks)
    print(
        f"{len(tasks)} tasks, {n_specs} specifications (randomization inference on each); {os.cpu_count()} cores"
    )

    one, one_cpu, serial = timed(tasks, "serial", time.process_time)
    print(line("one process", one, one_cpu, n_specs))

    with sc.process_pool(args.workers) as pool:
        sc.execute(sc.run_task, tasks[: args.workers], scheduler=pool)  # start and warm the workers
        pids = list(
            pool._processes
        )  # the workers are children of the fork server, so read /proc for their CPU

        def workers_cpu() -> float:
            return sum(proc_cpu(pid) for pid in pids)

        two, two_cpu, pooled = timed(tasks, pool, workers_cpu)
    print(line(f"{args.workers} worker processes", two, two_cpu, n_specs, one))
    assert pooled.equals(serial), "the process pool changed the results"

    if args.dask:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            sc.execute(sc.run_task, tasks[: args.workers], scheduler=client)

            def workers_cpu() -> float:
                return float(sum(client.run(time.process_time).values()))

            dask_time, dask_cpu, dask_rows = timed(tasks, client, workers_cpu)
        print(line(f"Dask, {args.workers} workers", dask_time, dask_cpu, n_specs, one))
        assert dask_rows.equals(serial), "Dask changed the results"
    print("results identical across schedulers")


if __name__ == "__main__":
    main()
