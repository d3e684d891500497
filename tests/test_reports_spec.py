"""reports.yaml parsing: expansion from the office table, parameter sets, selection and clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from research import config
from research.reports.spec import SpecError, load_spec, parse_spec, select

# Synthetic office rows standing in for research.data.load_field_offices().
OFFICES = [
    {"aor": "AAA", "short_name": "Alpha City"},
    {"aor": "BBB", "short_name": "Beta Town"},
]
SOURCES = {"field_offices": lambda: [dict(r) for r in OFFICES]}


def spec(*reports: dict[str, Any]) -> dict[str, Any]:
    return {"groups": {"national": "National", "field_offices": "Field offices"}, "reports": list(reports)}


NATIONAL = {
    "name": "00_overview",
    "notebook": "00_overview.ipynb",
    "group": "national",
    "parameters": {"k": 1},
}
OFFICE = {
    "name": "40_office_{aor}",
    "notebook": "40_office.ipynb",
    "group": "field_offices",
    "title": "{short_name} scorecard",
    "foreach": "field_offices",
    "parameters": {"aor": "{aor}", "weeks": 4},
}


def test_foreach_expands_one_report_per_office_row() -> None:
    reports = parse_spec(spec(NATIONAL, OFFICE), Path("r.yaml"), SOURCES).reports
    assert [r.name for r in reports] == ["00_overview", "40_office_AAA", "40_office_BBB"]
    assert reports[2].title == "Beta Town scorecard"
    assert reports[2].parameters == {"aor": "BBB", "weeks": 4}
    assert reports[1].stem == "40_office"


def test_parameter_sets_make_one_report_each() -> None:
    entry = {
        "name": "20_staffing",
        "notebook": "20_staffing.ipynb",
        "group": "national",
        "parameters": {"scenario": "base", "months": 12},
        "parameter_sets": [{"id": "low", "parameters": {"scenario": "low"}}, {"id": "high", "title": "High"}],
    }
    reports = parse_spec(spec(entry), Path("r.yaml"), SOURCES).reports
    assert [(r.name, r.parameters["scenario"]) for r in reports] == [
        ("20_staffing_low", "low"),
        ("20_staffing_high", "base"),
    ]
    assert reports[1].title == "20_staffing (High)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"notebok": "x.ipynb"}, "unknown field"),
        ({"group": "regional"}, "group 'regional' not in groups"),
        ({"name": "bad name!"}, "must be letters"),
        ({"foreach": "counties"}, "foreach 'counties' unknown"),
        ({"parameters": ["aor"]}, "'parameters' must be a mapping"),
        ({"title": "{missing} report", "foreach": "field_offices"}, "cannot fill"),
        ({"description": ""}, "'description' must be a non-empty string"),
        ({"description": ["a list"]}, "'description' must be a non-empty string"),
        ({"description": "x" * 301}, "has 301 characters; at most 300"),
    ],
)
def test_malformed_entries_name_the_file_entry_and_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        parse_spec(spec({**NATIONAL, **change}), Path("notebooks/reports.yaml"), SOURCES)
    assert "notebooks/reports.yaml: reports[0]" in str(info.value)


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(SpecError, match="appears twice"):
        parse_spec(spec(NATIONAL, NATIONAL), Path("r.yaml"), SOURCES)


def test_select_by_name_notebook_stem_and_aor() -> None:
    reports = parse_spec(spec(NATIONAL, OFFICE), Path("r.yaml"), SOURCES).reports
    assert [r.name for r in select(reports, only=["40_office"])] == ["40_office_AAA", "40_office_BBB"]
    assert [r.name for r in select(reports, only=["00_overview"])] == ["00_overview"]
    assert [r.name for r in select(reports, aor=["bbb"])] == ["40_office_BBB"]
    with pytest.raises(SpecError, match="--only 00_overview --aor AAA: selects no report"):
        select(reports, only=["00_overview"], aor=["AAA"])  # each matches something, together nothing
    with pytest.raises(SpecError, match="no such report"):
        select(reports, only=["40_office_CCC"])
    with pytest.raises(SpecError, match="expected one of AAA, BBB"):
        select(reports, aor=["CCC"])


def test_bad_yaml_and_missing_file_are_clear(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="reports file not found"):
        load_spec(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("reports: [\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(bad)


def test_descriptions_fill_placeholders_and_site_text_is_checked() -> None:
    office = {**OFFICE, "description": "Arrests of {short_name}."}
    reports = parse_spec(spec(NATIONAL, office), Path("r.yaml"), SOURCES).reports
    assert [r.description for r in reports] == ["", "Arrests of Alpha City.", "Arrests of Beta Town."]
    site = {"title": "  A   site ", "about": "Para one.\n\nPara two."}
    parsed = parse_spec({**spec(NATIONAL), "site": site}, Path("r.yaml"), SOURCES)
    assert parsed.site.title == "A site" and parsed.site.about == "Para one.\n\nPara two."
    for bad, message in [
        ({"site": {"title": ""}}, "site: field 'title' must be non-empty text"),
        ({"site": {"tagline": "x"}}, "site: unknown field"),
        ({"site": "text"}, "'site' must be a mapping"),
        ({"sites": {}}, "unknown field"),
        ({"groups": {"national": ""}}, "'groups' must map group id to heading"),
    ]:
        with pytest.raises(SpecError, match=message):
            parse_spec({**spec(NATIONAL), **bad}, Path("r.yaml"), SOURCES)


def test_project_reports_file_lists_every_notebook_and_all_25_offices() -> None:
    """The real reports.yaml against the real office table (processed data committed in the repository)."""
    reports = load_spec(config.NOTEBOOKS_DIR / "reports.yaml").reports
    national = [r.name for r in reports if r.group == "national"]
    assert national == [
        "00_data_overview",
        "10_arrest_trends",
        "20_staffing",
        "30_leadership_changes",
        "45_field_offices_compared",
    ]
    offices = [r for r in reports if r.group == "field_offices"]
    assert len(offices) == 25 and len({r.parameters["aor"] for r in offices}) == 25
    assert {r.notebook for r in offices} == {"40_field_office.ipynb"}
    chicago = next(r for r in offices if r.parameters["aor"] == "CHI")
    assert chicago.name == "40_field_office_CHI" and "Chicago" in chicago.title
    assert all(r.description for r in reports) and "Chicago" in chicago.description
    assert load_spec(config.NOTEBOOKS_DIR / "reports.yaml").site.about


def test_a_report_worker_starts_without_pandas_or_pandera(tmp_path: Path) -> None:
    """What a worker does before its first report (imports, data version, page templates) must not import the
    analysis stack: each worker would pay pandas and pandera while the batch starts, and pandera changes the
    environment, which would make the kernel the worker started ahead unusable."""
    import json
    import subprocess
    import sys

    code = (
        "import json, os, sys\n"
        "before = dict(os.environ)\n"
        "from research.reports import engine, execute, runner\n"
        "engine.warm_up()\n"
        "print(json.dumps([[m for m in ('pandas', 'pandera', 'research.data') if m in sys.modules],"
        " sorted(k for k in os.environ if os.environ[k] != before.get(k))]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [[], []]


def test_provenance_footer_survives_a_missing_or_damaged_data_version(tmp_path: Path) -> None:
    from research.reports import provenance

    assert provenance.read_data_version(tmp_path)["data_version"] == "unavailable"
    for damaged in ("[1, 2", "[1, 2]", '"abc"'):
        (tmp_path / "data_version.json").write_text(damaged)
        assert provenance.read_data_version(tmp_path)["data_version"] == "unreadable", damaged
    (tmp_path / "data_version.json").write_text(
        '{"data_version": "abc123", "raw_inputs": [{"name": "x.xlsx"}]}'
    )
    info = provenance.read_data_version(tmp_path)
    assert info["data_version"] == "abc123" and info["raw_inputs"][0]["name"] == "x.xlsx"
