"""Report runner reliability (issue 14) and the warm engine (issue 16), on synthetic notebooks made here.

Each test reproduces one way a run used to go wrong: a reused kernel, a stale page reported fresh, a failed
rerun overwriting the last good page, a misspelled parameter, an empty selection, a nonsensical timeout,
YAML errors without a line, and what the warm engine must keep equal to the cold one.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml
from test_reports import PLOT, quiet, runs, write_notebook, write_spec

from research.reports import cli, fingerprint, render
from research.reports.runner import run_reports
from research.reports.spec import SpecError, load_spec
from research.reports.store import Manifest


@pytest.fixture
def processed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synthetic processed-data folder: data_version.json and one small table file."""
    folder = tmp_path / "processed"
    folder.mkdir()
    info = {"data_version": "synthetic-v1", "built_at": "2026-01-01T00:00:00Z", "raw_inputs": []}
    (folder / "data_version.json").write_text(json.dumps(info))
    (folder / "table.csv").write_text("a,b\n1,2\n")
    monkeypatch.setenv("RESEARCH_PROCESSED_DIR", str(folder))
    return folder


@pytest.fixture
def nbdir(tmp_path: Path, processed: Path) -> Path:
    folder = tmp_path / "nb"
    folder.mkdir()
    return folder


# --- each report gets a fresh kernel (issue 16) -----------------------------------------------------------

LEAKER = """
import colorsys, os, sys
import numpy as np
import leaky_helper
colorsys.rgb_to_hsv = lambda *a: 'patched by the first report'
os.environ['LEAKED_BY_FIRST'] = '1'
np.seterr(all='raise')
marker = 'first report was here'
print('pid', os.getpid(), 'draw', np.random.rand())
"""
CHECKER = """
import colorsys, os, sys
import numpy as np
assert 'marker' not in globals(), 'a variable of the first report is visible'
assert 'leaky_helper' not in sys.modules, 'a module imported by the first report is loaded'
assert colorsys.rgb_to_hsv(1, 0, 0) == (0.0, 1.0, 1), 'a module patched by the first report is still patched'
assert 'LEAKED_BY_FIRST' not in os.environ, 'an environment variable of the first report is set'
assert np.geterr()['divide'] == 'warn', 'numpy error state of the first report'
print('pid', os.getpid(), 'draw', np.random.rand())
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_reports_never_share_a_kernel(nbdir: Path, tmp_path: Path, jobs: int) -> None:
    """Two reports that would collide in a reused kernel: the second checks that nothing of the first is left."""
    (nbdir / "leaky_helper.py").write_text("VALUE = 1\n")
    write_notebook(nbdir / "first.ipynb", LEAKER)
    write_notebook(nbdir / "second.ipynb", CHECKER)
    reports = [{"name": "a_first", "notebook": "first.ipynb", "group": "national"}]
    reports += [{"name": f"b_second_{i}", "notebook": "second.ipynb", "group": "national"} for i in range(2)]
    spec = write_spec(nbdir, reports)
    out = tmp_path / "out"
    summary = run_reports(spec, out, quiet(jobs=jobs))
    assert summary.ok, summary.text()
    lines = {}
    for name in ("a_first", "b_second_0", "b_second_1"):
        nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        lines[name] = next(line for line in text.splitlines() if line.startswith("pid"))
    pids = {line.split()[1] for line in lines.values()}
    draws = {line.split()[3] for line in lines.values()}
    assert len(pids) == 3  # one process per report
    assert len(draws) == 3  # unseeded random draws differ, as in separately started processes


def test_a_parallel_batch_forks_every_kernel_from_one_server(nbdir: Path, tmp_path: Path) -> None:
    """With --jobs 2 the heavy imports are paid once: both workers' kernels are children of one fork server,
    which is neither a worker nor this process."""
    body = "import os\nprint('parent', os.getppid(), 'pid', os.getpid())"
    write_notebook(nbdir / "who.ipynb", body)
    reports = [{"name": f"r{i}", "notebook": "who.ipynb", "group": "national"} for i in range(4)]
    out = tmp_path / "out"
    summary = run_reports(write_spec(nbdir, reports), out, quiet(jobs=2))
    assert summary.ok, summary.text()
    parents, pids = set(), set()
    for i in range(4):
        nb = nbformat.read(out / "notebooks" / f"r{i}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        words = next(line for line in text.splitlines() if line.startswith("parent")).split()
        parents.add(words[1])
        pids.add(words[3])
    assert len(pids) == 4 and len(parents) == 1, (parents, pids)
    assert parents != {str(__import__("os").getpid())}
    # A re-run with nothing to do stops the server it started early (still importing) and leaves none behind.
    before = set(_fork_servers_of_this_process())  # servers of in-process pools other tests started
    again = run_reports(write_spec(nbdir, reports), out, quiet(jobs=2))
    assert again.executed == [] and set(_fork_servers_of_this_process()) <= before


def test_the_server_started_before_the_spec_is_read_serves_any_selection(
    nbdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's fork server starts before the reports file is read in full (foreach rows come from the data),
    so it preloads for every notebook the file names: a selection of reports must not need a second server."""
    from research.reports import runner

    started = []
    start = runner._shared_fork_server

    def counting(kernel_name: str, preload: tuple[str, ...]):  # type: ignore[no-untyped-def]
        started.append(preload)
        return start(kernel_name, preload)

    monkeypatch.setattr(runner, "_shared_fork_server", counting)
    write_notebook(nbdir / "one.ipynb", "import numpy\nprint('one')")
    write_notebook(nbdir / "two.ipynb", "import IPython.display\nprint('two')")
    reports = [{"name": f"one_{i}", "notebook": "one.ipynb", "group": "national"} for i in range(2)]
    reports.append({"name": "two", "notebook": "two.ipynb", "group": "national"})
    spec = write_spec(nbdir, reports)
    summary = run_reports(spec, tmp_path / "out", quiet(jobs=2, only=["one"]))
    assert summary.ok and sorted(summary.executed) == ["one_0", "one_1"], summary.text()
    assert len(started) == 1 and {"numpy", "IPython.display"} <= set(started[0]), started


def test_notebooks_named_reads_entries_without_expanding_them(tmp_path: Path) -> None:
    from research.reports.spec import notebooks_named

    spec = tmp_path / "reports.yaml"
    spec.write_text(
        "reports:\n"
        "  - {name: a, notebook: a.ipynb, group: national}\n"
        "  - {name: 'b_{aor}', notebook: b.ipynb, group: field_offices, foreach: field_offices}\n"
        "  - {name: c, notebook: a.ipynb, group: national}\n"
        "  - just text\n"
        "  - {name: d, notebook: 3}\n"
    )
    assert notebooks_named(spec) == ["a.ipynb", "b.ipynb"]
    spec.write_text("reports: [unclosed\n")
    assert notebooks_named(spec) == [] and notebooks_named(tmp_path / "missing.yaml") == []


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_each_kernel_of_a_batch_gets_its_share_of_the_cores(
    nbdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int, cold: bool
) -> None:
    """A page's own pools (the specification curve's) must not compete with the batch's other reports: with
    --jobs N each kernel sees the cores divided by N (research.config.cpus), at least 1."""
    monkeypatch.setenv("RESEARCH_CPUS", "4")  # the cores this batch may use, whatever the machine has
    write_notebook(nbdir / "cores.ipynb", "from research import config\nprint('cores', config.cpus())")
    reports = [{"name": f"r{i}", "notebook": "cores.ipynb", "group": "national"} for i in range(2)]
    out = tmp_path / "out"
    summary = run_reports(write_spec(nbdir, reports), out, quiet(jobs=jobs, cold=cold))
    assert summary.ok, summary.text()
    for i in range(2):
        nb = nbformat.read(out / "notebooks" / f"r{i}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        assert f"cores {4 // jobs}" in text.splitlines(), text


def _fork_servers_of_this_process() -> list[int]:
    import os

    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[-1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, ValueError):
            continue
        if int(fields[1]) == os.getpid() and fields[0] != b"Z" and b"research.reports.forkserver" in command:
            found.append(int(entry))
    return found


def test_closing_a_connection_to_a_shared_server_kills_the_kernels_forked_for_it(tmp_path: Path) -> None:
    """A worker that exits or dies closes its connection: the kernels it asked for must not outlive it."""
    import sys
    import time

    from research.reports.kernels import ForkServer, SharedForkServer

    server = ForkServer([sys.executable], ["json"], tmp_path / "server.log", listen=tmp_path / "socket")
    try:
        assert server.wait_ready()["failed"] == []
        worker = SharedForkServer(server.address or "", tmp_path / "client.log")
        assert worker.wait_ready()["pid"] == server.process.pid and worker.alive()
        # Not a kernel: argv that makes ipykernel's launcher fail fast would exit; ask for one that waits.
        argv = ["ipykernel_launcher", "-f", str(tmp_path / "kernel.json")]
        kernel = worker.fork(argv, str(tmp_path), dict(__import__("os").environ), tmp_path / "kernel.log")
        assert kernel.poll() is None
        worker.close()
        deadline = time.monotonic() + 10
        while kernel.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kernel.poll() is not None, "the kernel outlived the connection it was forked for"
        assert server.alive()  # the server itself serves on
        # A server that died (and that its parent has not reaped yet) is seen as dead by its clients, so their
        # pools start a server of their own instead of failing every later report.
        other = SharedForkServer(server.address or "", tmp_path / "other.log")
        other.wait_ready()
        server.process.kill()
        deadline = time.monotonic() + 10
        while other.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not other.alive()
        other.close()
    finally:
        server.close()


def test_fork_server_forks_from_a_single_threaded_process(tmp_path: Path) -> None:
    """fork() copies only the calling thread: the server must have no other thread when it forks."""
    from research.reports.kernels import ForkServer, forkable

    python = forkable([__import__("sys").executable, "-m", "ipykernel_launcher", "-f", "x.json"])
    assert python is not None
    server = ForkServer(python, ["pandas", "matplotlib.pyplot", "seaborn", "research.data"], tmp_path / "log")
    try:
        info = server.wait_ready()
    finally:
        server.close()
    assert info["failed"] == [] and info["threads"] == 1, info


KERNEL_START = """
import json, os, sys
from jupyter_client.connect import write_connection_file
from research.reports.forkserver import KERNEL_STARTUP_MODULES, _import_as_in_a_kernel
assert _import_as_in_a_kernel(list(KERNEL_STARTUP_MODULES)) == []
before = set(sys.modules)
write_connection_file(sys.argv[1])
out = sys.stdout
from ipykernel.kernelapp import IPKernelApp
IPKernelApp.instance().initialize(["-f", sys.argv[1], "--HistoryManager.hist_file=:memory:"])
out.write(json.dumps(sorted(set(sys.modules) - before)))
out.flush()
os._exit(0)
"""


def test_a_forked_kernel_finds_its_start_up_modules_imported(tmp_path: Path) -> None:
    """What ipykernel imports while a kernel starts is imported once by the fork server (KERNEL_STARTUP_MODULES):
    above all the debugger, whose debugpy walks every loaded module (a fifth of a second per kernel)."""
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", KERNEL_START, str(tmp_path / "kernel.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported = json.loads(result.stdout.strip().splitlines()[-1])
    heavy = [m for m in imported if m.split(".")[0] in {"debugpy", "pydevd", "_pydevd_bundle", "ipykernel"}]
    assert heavy == [] and len(imported) <= 10, imported


def test_the_projects_preload_imports_every_module_and_starts_no_thread(tmp_path: Path) -> None:
    """What the fork server imports for this project's notebooks: the modules they import and those the library
    imports on first use (a renamed module would silently stop being preloaded: each must still exist)."""
    import importlib.util
    import sys

    from research import config
    from research.reports.kernels import ForkServer
    from research.reports.runner import LIBRARY_LAZY_IMPORTS, notebook_imports

    missing = [m for m in LIBRARY_LAZY_IMPORTS if importlib.util.find_spec(m.rstrip("?")) is None]
    assert not missing, f"LIBRARY_LAZY_IMPORTS names modules that do not exist: {missing}"
    notebooks = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    modules = [*notebook_imports(notebooks), *LIBRARY_LAZY_IMPORTS]
    server = ForkServer([sys.executable], modules, tmp_path / "log")
    try:
        info = server.wait_ready()
    finally:
        server.close()
    assert info["failed"] == [] and info["threads"] == 1, info


def test_optional_modules_that_start_threads_are_kept_out_of_the_server_but_not_out_of_kernels() -> None:
    """statsmodels imports polars when installed, and polars starts threads on import: the server imports
    statsmodels without it (one thread), and a kernel that wants polars still gets it."""
    import os
    import subprocess
    import sys

    from research.reports.forkserver import SERVER_ENV

    pytest.importorskip("polars")
    code = (
        "import os, sys\n"
        "from research.reports.forkserver import _import_as_in_a_kernel\n"
        "failed = _import_as_in_a_kernel(['statsmodels.api'])\n"
        "print(failed, len(os.listdir('/proc/self/task')), 'polars' in sys.modules)\n"
        "import polars\n"
        "print('polars', polars.__version__ != '')\n"
    )
    env = {**os.environ, **SERVER_ENV}  # as the server runs (no BLAS or allocator threads)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.split("\n")[:2] == ["[] 1 False", "polars True"], out


def synthetic_page(title: str, value: int) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    result = nbformat.v4.new_output("execute_result", {"text/plain": str(value)}, execution_count=1)
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Title {title}"),
        nbformat.v4.new_code_cell("x", outputs=[result], execution_count=1),
    ]
    return nb


def test_only_ipykernel_specs_of_this_interpreter_are_forked() -> None:
    """Another interpreter (or another kernel program) has other modules: it is started the ordinary way."""
    import sys

    from research.reports.kernels import forkable

    python = sys.executable
    assert forkable([python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]) == [
        python,
        "-Xfrozen_modules=off",
    ]
    assert forkable(["/usr/bin/python3.9", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert forkable([python, "-m", "other_kernel", "-f", "c.json"]) is None
    assert forkable([python, "-u", "-m", "ipykernel_launcher", "-f", "c.json"]) is None  # an option we'd drop
    assert forkable(["R", "--slave", "-e", "IRkernel::main()", "--args", "c.json"]) is None


def test_one_exporter_renders_pages_as_a_new_exporter_would() -> None:
    """Also after the worker's warm-up render (an empty page), which must leave nothing behind."""
    render.warm_up()
    first, second = synthetic_page("First", 1), synthetic_page("Second", 2)
    pages = []
    for nb, title in [(first, "First"), (second, "Second"), (first, "First")]:
        shared = render.render_html(nb, title=title, footer="<p>f</p>", exporter=render.shared_exporter())
        assert shared == render.render_html(nb, title=title, footer="<p>f</p>")
        pages.append(shared)
    assert pages[0] == pages[2] and pages[0] != pages[1]


def test_warm_and_cold_engines_give_the_same_outputs(nbdir: Path, tmp_path: Path) -> None:
    write_notebook(nbdir / "plot.ipynb", PLOT)
    write_notebook(nbdir / "boom.ipynb", "raise ValueError('synthetic failure')")
    spec = write_spec(
        nbdir,
        [
            {"name": "plot", "notebook": "plot.ipynb", "group": "national", "parameters": {"x": 4}},
            {"name": "boom", "notebook": "boom.ipynb", "group": "national"},
        ],
    )
    from research.reports.compare import compare_runs

    warm = run_reports(spec, tmp_path / "warm", quiet())
    cold = run_reports(spec, tmp_path / "cold", quiet(cold=True))
    assert warm.failed.keys() == cold.failed.keys() == {"boom"}
    assert warm.failed["boom"] == cold.failed["boom"]  # same message from both engines
    assert compare_runs(tmp_path / "cold", tmp_path / "warm") == []
    for site in ("warm", "cold"):
        nb = nbformat.read(tmp_path / site / "notebooks" / "plot.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"] == {"x": 4}
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


ENVIRONMENT = r"""
import json, os, sys, warnings
import numpy as np, pandas as pd, matplotlib, matplotlib.pyplot as plt, seaborn as sns
from research.figures import style
from research import data  # as every page: pandera sets environment variables on import
shell = get_ipython()
facts = {
    "pandas": {k: str(pd.get_option(k)) for k in ["display.max_columns", "display.width", "display.max_rows"]},
    "backend": matplotlib.get_backend(),
    "interactive": matplotlib.is_interactive(),
    "repl_hook": str(plt._REPL_DISPLAYHOOK),
    "post_execute": sorted(f.__qualname__ for f in shell.events.callbacks["post_execute"]),
    "formatters": sorted(k for k, f in shell.display_formatter.formatters.items() if f.enabled),
    "png_types": sorted(str(t) for t in shell.display_formatter.formatters["image/png"].type_printers),
    "sys_path": [p.replace(os.getcwd(), "<cwd>") for p in sys.path],
    "argv0": os.path.basename(sys.argv[0]),
    "cwd": os.getcwd(),
    "warnings": sorted(str(f) for f in warnings.filters),
    "geterr": np.geterr(),
    "rc_changed": sorted(k for k, v in matplotlib.rcParams.items() if str(v) != str(matplotlib.rcParamsDefault[k])),
    "environ": sorted(k for k in os.environ if k != "JPY_PARENT_PID"),
    "history": str(shell.history_manager.hist_file),
}
print(json.dumps(facts, sort_keys=True))
"""


def test_a_warm_kernel_looks_like_a_cold_one_from_inside(nbdir: Path, tmp_path: Path) -> None:
    """What a notebook can see of its kernel (options set on import, hooks, paths, environment) is the same
    whether the kernel was forked from the server, with modules imported ahead, or started by papermill."""
    write_notebook(nbdir / "env.ipynb", ENVIRONMENT)
    spec = write_spec(nbdir, [{"name": "env", "notebook": "env.ipynb", "group": "national"}])
    facts = {}
    for engine in ("cold", "warm"):
        assert run_reports(spec, tmp_path / engine, quiet(cold=engine == "cold")).ok
        nb = nbformat.read(tmp_path / engine / "notebooks" / "env.ipynb", as_version=4)
        facts[engine] = json.loads(nb.cells[-1].outputs[0]["text"])
    # One deliberate difference: warm kernels keep no IPython history database on disk (as nbclient's default),
    # so parallel kernels never wait on its lock.
    assert facts["warm"].pop("history") == ":memory:"
    facts["cold"].pop("history")
    assert facts["warm"] == facts["cold"]
    assert facts["warm"]["pandas"]["display.max_columns"] == "20"  # as set on import inside a kernel


# --- what makes a report stale (issue 14, items 5 and 21) ---------------------------------------------------


def test_title_and_every_input_file_are_in_the_key(
    nbdir: Path, tmp_path: Path, processed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "events.csv").write_text("date,event\n2025-01-01,synthetic\n")
    (facts / "scenarios.yaml").write_text("scenarios: []\n")
    monkeypatch.setattr(fingerprint, "INPUT_GLOBS", ((facts, "*.csv"), (facts, "*.yaml")))
    write_notebook(nbdir / "plot.ipynb", "print(x)")
    spec = write_spec(nbdir, [{"name": "alpha", "notebook": "plot.ipynb", "group": "national", "title": "A"}])
    out = tmp_path / "out"

    def executed() -> list[str]:
        return run_reports(spec, out, quiet()).executed

    assert executed() == ["alpha"] and executed() == []
    (facts / "events.csv").write_text("date,event\n2025-01-01,synthetic edited\n")
    assert executed() == ["alpha"]
    (facts / "scenarios.yaml").write_text("scenarios: [low]\n")
    assert executed() == ["alpha"]
    (processed / "table.csv").write_text("a,b\n1,3\n")  # a processed table changed, data_version did not
    assert executed() == ["alpha"]
    data = yaml.safe_load(spec.read_text())
    data["reports"][0]["title"] = "A, renamed"
    spec.write_text(yaml.safe_dump(data))
    assert executed() == ["alpha"]
    assert "<title>A, renamed</title>" in (out / "html" / "alpha.html").read_text()
    assert executed() == []


def test_input_files_cover_the_curated_inputs_of_the_project() -> None:
    from research import config

    files = set(fingerprint.input_files())
    expected = {
        *config.FACTS_DIR.glob("*.csv"),
        config.RAW_DIR / "field_offices.csv",
        config.RAW_DIR / "sources.yaml",
        config.NOTEBOOKS_DIR / "staffing_scenarios.yaml",
        *(p for p in config.processed_dir().iterdir() if p.is_file()),
    }
    assert {p.resolve() for p in expected} <= files
    assert (config.NOTEBOOKS_DIR / "reports.yaml").resolve() not in files


def test_a_curated_folder_replaces_the_curated_inputs_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RESEARCH_CURATED_DIR: the facts reader, the office table, the scenario loader and the report key all read
    the folder's copies instead of the repository's files (which are not touched)."""
    import shutil

    from research import config, data
    from research.data import facts, offices

    curated = tmp_path / "curated"
    shutil.copytree(config.FACTS_DIR, curated / "facts", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(config.RAW_DIR / config.FIELD_OFFICES_NAME, curated)
    shutil.copy(config.NOTEBOOKS_DIR / config.SCENARIOS_NAME, curated)
    before = fingerprint.inputs_hash()
    monkeypatch.setenv(config.CURATED_ENV, str(curated))
    files = set(fingerprint.input_files())
    assert (curated / "facts" / "fod_events.csv").resolve() in files
    assert (config.FACTS_DIR / "fod_events.csv").resolve() not in files
    assert (config.NOTEBOOKS_DIR / config.SCENARIOS_NAME).resolve() not in files
    assert (config.RAW_DIR / "sources.yaml").resolve() in files  # the registry is not a curated input here
    same = fingerprint.inputs_hash()
    events = curated / "facts" / "timeline_events.csv"
    events.write_text(events.read_text().replace("Inauguration", "Inauguration (copy)"))
    assert fingerprint.inputs_hash() != same != before
    assert "Inauguration (copy)" in set(data.load_events()["label"])
    assert facts.facts_path("fod_events") == curated / "facts" / "fod_events.csv"
    assert offices.field_offices_file() == curated / config.FIELD_OFFICES_NAME
    assert data.load_scenario_document()[1] == str(curated / config.SCENARIOS_NAME)
    monkeypatch.setenv(config.CURATED_ENV, str(tmp_path / "missing"))
    with pytest.raises(NotADirectoryError, match="RESEARCH_CURATED_DIR"):
        data.load_events()


# --- a failed rerun keeps the last good page (issue 14, item 13) ---------------------------------------------


def test_failed_rerun_keeps_the_last_good_page_and_marks_it_stale(nbdir: Path, tmp_path: Path) -> None:
    write_notebook(nbdir / "plot.ipynb", "print('good result', x)")
    spec = write_spec(nbdir, [{"name": "alpha", "notebook": "plot.ipynb", "group": "national"}])
    out = tmp_path / "out"
    assert run_reports(spec, out, quiet()).ok
    good = (out / "html" / "alpha.html").read_text()

    write_notebook(nbdir / "plot.ipynb", "raise RuntimeError('synthetic failure on rerun')")
    summary = run_reports(spec, out, quiet())
    assert "synthetic failure on rerun" in summary.failed["alpha"] and summary.stale == ["alpha"]
    entry = Manifest.load(out).entries["alpha"]
    assert entry.status == "stale" and entry.failed_html == "failed/alpha.html"
    page = (out / "html" / "alpha.html").read_text()
    assert "good result" in page and "This page is out of date" in page
    assert "synthetic failure on rerun" in page and 'href="../failed/alpha.html"' in page
    assert page.replace(
        page[page.index("<!-- research-stale -->") : page.index("<!-- /research-stale -->")], ""
    )
    assert "synthetic failure on rerun" in (out / "failed" / "alpha.html").read_text()
    index = (out / "index.html").read_text()
    assert "STALE" in index and 'href="failed/alpha.html"' in index and "1 stale" in index

    # Still stale on the next run (it runs again, fails again: one banner, not two).
    assert run_reports(spec, out, quiet()).stale == ["alpha"]
    assert (out / "html" / "alpha.html").read_text().count("This page is out of date") == 1

    write_notebook(nbdir / "plot.ipynb", "print('fixed result', x)")
    assert run_reports(spec, out, quiet()).ok
    page = (out / "html" / "alpha.html").read_text()
    assert "fixed result" in page and "out of date" not in page
    assert not (out / "failed" / "alpha.html").exists()
    assert Manifest.load(out).entries["alpha"].status == "ok"
    assert good != page


def test_a_report_that_never_succeeded_is_failed_not_stale(nbdir: Path, tmp_path: Path) -> None:
    write_notebook(nbdir / "boom.ipynb", "raise RuntimeError('synthetic')")
    spec = write_spec(nbdir, [{"name": "boom", "notebook": "boom.ipynb", "group": "national"}])
    summary = run_reports(spec, tmp_path / "out", quiet())
    assert summary.stale == [] and Manifest.load(tmp_path / "out").entries["boom"].status == "failed"


# --- bad requests stop before any kernel starts (issue 14, items 19 and 20) ----------------------------------


def run_cli(spec: Path, out: Path, *extra: str) -> int:
    return cli.main(["run", "--spec", str(spec), "--output", str(out), "--no-progress", *extra])


def test_misspelled_parameter_is_an_error_naming_the_declared_ones(
    nbdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_notebook(
        nbdir / "plot.ipynb", "print(x, agency)", params='x = 1  # a number\nagency: str = "ICE"  # who'
    )
    spec = write_spec(
        nbdir,
        [
            {"name": "fine", "notebook": "plot.ipynb", "group": "national"},
            {"name": "typo", "notebook": "plot.ipynb", "group": "national", "parameters": {"agencyy": "CBP"}},
        ],
    )
    out = tmp_path / "out"
    assert run_cli(spec, out, "--only", "fine") == 2  # a broken reports.yaml is an error for every run
    err = capsys.readouterr().err
    assert f"{spec}:12: parameter 'agencyy' of report 'typo'" in err
    assert "did you mean 'agency'?" in err and "its parameters are x, agency" in err
    assert runs(nbdir) == [] and not (out / "manifest.json").exists()  # no kernel started

    spec = write_spec(nbdir, [{"name": "fine", "notebook": "plot.ipynb", "group": "national"}])
    assert run_cli(spec, out, "-p", "agencyy", "CBP") == 2
    assert "-p agencyy of report 'fine'" in capsys.readouterr().err and runs(nbdir) == []
    assert run_cli(spec, out, "-p", "agency", "CBP", "-p", "x", "7") == 0
    assert runs(nbdir) == ["plot 7"]
    assert Manifest.load(out).entries["fine"].parameters == {"agency": "CBP", "x": 7}


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_nonsensical_timeouts_are_rejected_at_the_command_line(
    nbdir: Path, tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_notebook(nbdir / "plot.ipynb", "1")
    spec = write_spec(nbdir, [{"name": "alpha", "notebook": "plot.ipynb", "group": "national"}])
    with pytest.raises(SystemExit) as exit_info:
        run_cli(spec, tmp_path / "out", "--timeout", value)
    assert exit_info.value.code == 2
    assert f"--timeout: expected a number of seconds > 0, got '{value}'" in capsys.readouterr().err
    assert runs(nbdir) == []


def test_a_selection_matching_no_report_is_an_error(
    nbdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_notebook(nbdir / "plot.ipynb", "1", params='aor = "AAA"  # office')
    spec = write_spec(
        nbdir,
        [
            {"name": "overview", "notebook": "plot.ipynb", "group": "national"},
            {
                "name": "office_BBB",
                "notebook": "plot.ipynb",
                "group": "field_offices",
                "parameters": {"aor": "BBB"},
            },
        ],
    )
    assert run_cli(spec, tmp_path / "out", "--only", "overview", "--aor", "BBB") == 2
    assert "--only overview --aor BBB: selects no report" in capsys.readouterr().err
    assert runs(nbdir) == []


def test_reports_file_errors_name_file_line_and_field(tmp_path: Path) -> None:
    spec = tmp_path / "reports.yaml"
    spec.write_text(
        "groups:\n  national: National\nreports:\n"
        "  - name: ok\n    notebook: a.ipynb\n    group: national\n"
        "  - name: bad\n    notebook: a.ipynb\n    group: national\n    paramters:\n      x: 1\n"
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    assert str(info.value).startswith(f"{spec}:10: reports[1] (bad): unknown field(s) ['paramters']")
    spec.write_text("reports:\n  - name: bad\n    notebook: a.ipynb\n    group: regional\n")
    with pytest.raises(
        SpecError, match=r"reports.yaml:4: reports\[0\] \(bad\): group 'regional' not in groups"
    ):
        load_spec(spec)
