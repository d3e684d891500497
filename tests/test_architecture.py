"""The package layout is the architecture: data -> models -> figures -> reports, checked by reading imports.

Rules (issue 9): `research.models` never imports `research.data`, `research.figures`, `research.reports` or
`research.cli`; `research.data` never imports `research.models` or `research.figures`; `research.figures` never
imports `research.data`. Imports inside functions count too (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import research

PACKAGE = Path(research.__file__).resolve().parent

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "models": ("research.data", "research.figures", "research.reports", "research.cli"),
    "data": ("research.models", "research.figures"),
    "figures": ("research.data",),
}


def import_statements(source: str, module: str) -> list[tuple[int, list[str]]]:
    """(line, names) for every import statement in `source`; relative imports resolved against `module`.

    `from research import data` yields both "research" and "research.data": the names may be submodules.
    """
    statements: list[tuple[int, list[str]]] = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            statements.append((node.lineno, [alias.name for alias in node.names]))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            statements.append((node.lineno, [base] + [f"{base}.{alias.name}" for alias in node.names]))
    return statements


def imported_modules(source: str, module: str) -> set[str]:
    return {name for _, names in import_statements(source, module) for name in names}


def violations(package_dir: Path, package_name: str = "research") -> list[str]:
    """One line per import statement that breaks a layer rule under `package_dir` (laid out like src/research)."""
    found = []
    for layer, banned in FORBIDDEN.items():
        for path in sorted((package_dir / layer).rglob("*.py")):
            rel = path.relative_to(package_dir).with_suffix("")
            module = ".".join([package_name, *rel.parts])
            for line, names in import_statements(path.read_text(encoding="utf-8"), module):
                bad = [n for n in names for prefix in banned if n == prefix or n.startswith(prefix + ".")]
                if bad:
                    found.append(
                        f"{path.relative_to(package_dir)}:{line} imports {bad[0]} ({layer} must not)"
                    )
    return found


def test_the_package_follows_the_layer_rules() -> None:
    assert violations(PACKAGE) == []


def test_models_reach_data_only_through_the_defaults_bridge() -> None:
    """`research.defaults` is the one documented route from models to data (omitted arguments only)."""
    bridge = imported_modules((PACKAGE / "defaults.py").read_text(encoding="utf-8"), "research.defaults")
    assert "research.data" in bridge
    top_level = [p for p in PACKAGE.glob("*.py") if p.stem not in ("defaults", "cli", "__init__")]
    for path in top_level:  # no other top-level module may become a second bridge
        names = imported_modules(path.read_text(encoding="utf-8"), f"research.{path.stem}")
        assert not any(n.startswith(("research.data", "research.reports")) for n in names), path.name


def test_each_layer_exists_as_a_package() -> None:
    for layer in ("data", "models", "figures", "reports"):
        assert (PACKAGE / layer / "__init__.py").is_file(), layer


@pytest.mark.parametrize(
    ("layer", "line"),
    [
        ("models", "from research import data\n"),
        ("models", "def f():\n    from research.figures import style\n"),
        ("models", "import research.reports.runner\n"),
        ("models", "from ..data import loaders\n"),
        ("data", "from research.models import trends\n"),
        ("figures", "from research.data import load_book_ins\n"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, layer: str, line: str) -> None:
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / layer / "module.py").write_text("import pandas as pd\n" + line)
    found = violations(tmp_path)
    assert len(found) == 1 and found[0].startswith(f"{layer}/module.py:")
    assert " imports research." in found[0] and f"({layer} must not)" in found[0]


def test_allowed_imports_pass(tmp_path: Path) -> None:
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
    (tmp_path / "models" / "ok.py").write_text(
        "from research import calendar, config\nfrom research.params import check_range\n"
    )
    (tmp_path / "figures" / "ok.py").write_text("from research.models import trends\n")
    (tmp_path / "data" / "ok.py").write_text(
        "from research.data import sources\nfrom research import config\n"
    )
    assert violations(tmp_path) == []


def test_notebooks_import_the_layers_not_old_flat_modules() -> None:
    """Notebooks go parameters -> research.data loaders -> research.models -> research.figures."""
    from research import config

    old = {
        "trends",
        "staffing",
        "panel",
        "leadership",
        "scorecard",
        "overview",
        "plotting",
        "sources",
        "build",
    }
    for path in sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.py")):
        names = imported_modules(path.read_text(encoding="utf-8"), "notebook")
        flat = sorted(n for n in names if n.startswith("research.") and n.split(".")[1] in old)
        assert flat == [], f"{path.name} imports {flat}"
