"""The validation layer for curated inputs (research.data.validation): CSV specs and YAML with line numbers.

Every table and document here is SYNTHETIC, written by the test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from research import data
from research.data import validation
from research.data.validation import Column, RowRule, TableSpec
from research.models import staffing

SPEC = TableSpec(
    "synthetic",
    (
        Column("code", allowed=("AAA", "BBB"), allowed_note="synthetic codes"),
        Column("day", "date"),
        Column("amount", "count", required=False),
        Column("link", "url"),
    ),
    rules=(
        RowRule(
            "amount",
            "an amount below 100 when code is AAA",
            lambda f: ~((f["code"] == "AAA") & (pd.to_numeric(f["amount"], errors="coerce") >= 100)),
        ),
    ),
)


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "synthetic.csv"
    path.write_text("code,day,amount,link\n" + body)
    return path


def test_a_good_table_comes_back_as_strings(tmp_path: Path) -> None:
    table = validation.read_table(
        _csv(tmp_path, "AAA,2025-01-02,,https://example.org\nBBB,2025-01-03,5,https://e.org/x\n"), SPEC
    )
    assert table.to_dict("list") == {
        "code": ["AAA", "BBB"],
        "day": ["2025-01-02", "2025-01-03"],
        "amount": ["", "5"],
        "link": ["https://example.org", "https://e.org/x"],
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "CCC,2025-01-02,,https://example.org\n",
            "line 2, column 'code' = 'CCC': expected one of AAA, BBB (synthetic codes)",
        ),
        (
            "AAA,2025-13-02,,https://example.org\n",
            "line 2, column 'day' = '2025-13-02': expected a date YYYY-MM-DD",
        ),
        ("AAA,,,https://example.org\n", "line 2, column 'day' is empty: expected a date YYYY-MM-DD"),
        (
            "AAA,2025-01-02,1e999,https://example.org\n",
            "line 2, column 'amount' = '1e999': expected a finite number >= 0",
        ),
        (
            "AAA,2025-01-02,150,https://example.org\n",
            "line 2, column 'amount' = '150': expected an amount below 100 when code is AAA",
        ),
        (
            "BBB,2025-01-02,1,https://example.org\nAAA,2025-01-02,,mailto:x@example.org\n",
            "line 3, column 'link' = 'mailto:x@example.org': expected an http:// or https:// URL with a host and no spaces, quotes or angle brackets",
        ),
    ],
)
def test_each_rule_names_file_line_column_value_and_expectation(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = _csv(tmp_path, body)
    with pytest.raises(validation.ValidationError) as info:
        validation.read_table(path, SPEC)
    assert str(info.value) == f"{path} {expected}"
    assert info.value.line == int(expected.split()[1].rstrip(","))


def test_the_earliest_problem_is_reported_first(tmp_path: Path) -> None:
    body = "AAA,2025-01-02,,https://example.org\nAAA,bad,,https://example.org\nCCC,bad,,bad\n"
    with pytest.raises(validation.ValidationError, match=r"line 3, column 'day' = 'bad'.*and 3 more problem"):
        validation.read_table(_csv(tmp_path, body), SPEC)


def test_the_error_class_is_the_callers(tmp_path: Path) -> None:
    class MyError(validation.ValidationError):
        pass

    with pytest.raises(MyError):
        validation.read_table(_csv(tmp_path, "CCC,2025-01-02,,https://example.org\n"), SPEC, MyError)


def test_blank_lines_are_skipped_and_line_numbers_stay_physical(tmp_path: Path) -> None:
    with pytest.raises(validation.ValidationError, match="line 4, column 'code'"):
        validation.read_table(
            _csv(tmp_path, "AAA,2025-01-02,,https://example.org\n\nCCC,2025-01-02,,https://e.org\n"), SPEC
        )


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.csv"
    path.write_bytes("\ufeffcode,day,amount,link\nAAA,2025-01-02,,https://example.org\n".encode())
    assert len(validation.read_table(path, SPEC)) == 1


def test_paths_inside_the_project_are_shown_relative() -> None:
    assert (
        validation.display_path(data.loaders.STAFFING_SCENARIOS_FILE) == "notebooks/staffing_scenarios.yaml"
    )


# --- YAML ----------------------------------------------------------------------------------------------------

SCENARIOS = """\
scenarios:
  - name: a
    description: first
    inputs:
      attrition_rate: 0.01
  - name: b
    description: second
    inputs:
      attrition_rate: .nan
"""


def test_yaml_nodes_know_their_lines() -> None:
    document = validation.parse_yaml(SCENARIOS, "synthetic.yaml")
    scenarios = document["scenarios"]
    assert document == {
        "scenarios": [
            {"name": "a", "description": "first", "inputs": {"attrition_rate": 0.01}},
            {
                "name": "b",
                "description": "second",
                "inputs": {"attrition_rate": pytest.approx(float("nan"), nan_ok=True)},
            },
        ]
    }
    assert validation.line_of(scenarios, 1) == 6
    assert validation.line_of(scenarios[1]["inputs"], "attrition_rate") == 9
    assert (
        validation.line_of(scenarios[0], "missing") is None
        and validation.line_of({"plain": 1}, "plain") is None
    )
    assert isinstance(scenarios[0], dict) and isinstance(scenarios, list)


def test_scenario_document_lines_for_the_scenario_parser(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(SCENARIOS)
    document, source = data.load_scenario_document(path)
    assert source == str(path)
    assert data.scenario_line(document, 1) == 6
    assert data.scenario_line(document, 1, "inputs.attrition_rate") == 9
    assert data.scenario_line(document, 0, "description") == 3
    assert data.scenario_line(document, 5) is None


def test_a_nan_in_the_scenario_file_is_refused_by_the_parser(tmp_path: Path) -> None:
    """`.nan` is valid YAML; the float check (issue 14 item 7) stops it when the scenarios are parsed."""
    path = tmp_path / "scenarios.yaml"
    inputs = "\n".join(
        f"      {k}: {v}"
        for k, v in {
            "hires_per_month": 0,
            "training_months": 3,
            "ramp_months": 6,
            "attrition_rate": ".nan",
            "border_patrol_agents": 0,
            "bp_relative_productivity": 0.5,
            "operational_share": 1.0,
        }.items()
    )
    path.write_text(f"scenarios:\n  - name: a\n    description: synthetic\n    inputs:\n{inputs}\n")
    with pytest.raises(ValueError, match="attrition_rate.*finite"):
        staffing.parse_scenarios(*data.load_scenario_document(path))


def test_the_real_scenario_file_still_parses() -> None:
    assert staffing.parse_scenarios(*data.load_scenario_document())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "scenarios:\n  - name: a\n    name: b\n",
            r"line 3, column 5: duplicate key 'name' \(first at line 2\)",
        ),
        (
            "x: !!python/object/apply:os.system ['true']\n",
            r"line 1, column 4: not valid YAML \(could not determine a constructor",
        ),
        ("when: 2021-13-40\n", r"line 1, column 7: '2021-13-40' is not a valid date"),
        ("a: [1, 2\n", r"line 2, column 1: not valid YAML"),
    ],
)
def test_yaml_problems_name_the_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text)
    with pytest.raises(data.ScenarioFileError, match=rf"scenarios\.yaml {expected}"):
        data.load_scenario_document(path)


def test_missing_scenario_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(data.ScenarioFileError, match=r"nowhere\.yaml: scenario file not found"):
        data.load_scenario_document(tmp_path / "nowhere.yaml")


def test_dates_can_stay_strings() -> None:
    assert validation.parse_yaml("d: 2021-01-20\n", "x", timestamps=False) == {"d": "2021-01-20"}
    assert str(validation.parse_yaml("d: 2021-01-20\n", "x")["d"]) == "2021-01-20"


def test_documents_can_be_written_back() -> None:
    document = validation.parse_yaml(SCENARIOS.replace(".nan", "0.5"), "x")
    assert yaml.safe_load(yaml.safe_dump(document)) == document
