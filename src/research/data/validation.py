"""One validation layer for every curated input: CSV tables and YAML documents, with errors that point at the line.

Curated inputs are typed by hand, so every mistake must end in ONE line that names the file, the line, the
column (or field) and what was expected, e.g.

    data/raw/facts/leadership_events.csv line 12, column 'aor_code' = 'ZZZ': expected one of ATL, BAL, ...

- CSV tables (`data/raw/facts/*.csv`, `data/raw/field_offices.csv`) are described by a `TableSpec` of
  `Column`s; `read_table` decodes UTF-8 (a bad byte is reported with its line), parses the CSV keeping each
  record's line number, checks the header, then validates every cell with a pandera schema built from the spec
  (vocabularies, dates, URLs, finite non-negative numbers, row rules such as period_end >= period_start).
- YAML documents (`data/raw/sources.yaml`, `notebooks/staffing_scenarios.yaml`, later `reports.yaml`) are read
  by `load_yaml` with a safe loader that rejects duplicate keys and returns `LineDict` / `LineList` (a dict /
  list that also knows the line of each key or item; `line_of(node, key)`), so semantic checks done elsewhere
  can name the line too.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pandera.pandas as pa
import yaml
from pandera import errors as pa_errors

from research import config


class ValidationError(ValueError):
    """A curated input breaks its rules. The message is one line naming file, line, column and what is expected."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.file, self.line, self.column = file, line, column


def display_path(path: Path | str) -> str:
    """The path as the user knows it: relative to the project when inside it, else as given."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(config.PROJECT_ROOT))
    except ValueError:
        return str(path)


def _where(file: str, line: int | None, column: str | None = None) -> str:
    text = file
    if line is not None:
        text += f" line {line}"
    if column is not None:
        text += f", column '{column}'" if line is not None else f": column '{column}'"
    return text


def read_text(path: Path, error: type[ValidationError] = ValidationError, what: str = "file") -> str:
    """The file as UTF-8 text (a leading BOM is dropped); a missing file, a folder or a bad byte is one line."""
    name = display_path(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{name}: {what} not found", file=name) from None
    except IsADirectoryError:
        raise error(f"{name}: is a directory; expected a {what}", file=name) from None
    except OSError as exc:
        raise error(f"{name}: cannot read the {what} ({exc.strerror or exc})", file=name) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            f"{name} line {line}: byte 0x{data[exc.start]:02x} at character {column} is not UTF-8; "
            "save the file as UTF-8",
            file=name,
            line=line,
        ) from None


# --- CSV tables ------------------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")


def is_date(text: str) -> bool:
    """True for a real calendar date written YYYY-MM-DD."""
    if not _DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_url(text: str) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace, quotes or angle brackets."""
    return bool(_URL.match(text)) and bool(urlsplit(text).hostname)


def _finite(text: str) -> float | None:
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# Column kinds: (predicate on a non-empty string, what is expected).
KINDS: dict[str, tuple[Callable[[str], bool], str]] = {
    "text": (lambda v: True, "text"),
    "date": (is_date, "a date YYYY-MM-DD"),
    "url": (is_url, "an http:// or https:// URL with a host and no spaces, quotes or angle brackets"),
    "number": (lambda v: _finite(v) is not None, "a finite number"),
    "count": (lambda v: (x := _finite(v)) is not None and x >= 0, "a finite number >= 0"),
}


@dataclass(frozen=True)
class Column:
    """One column of a curated CSV.

    kind: "text", "date", "url", "number" or "count" (finite and >= 0); `allowed` restricts values to a
    vocabulary (shown in full in the error, with `allowed_note` saying what they are); `pattern` is a regular
    expression the whole value must match, explained by `pattern_hint`. Empty cells fail unless not `required`.
    """

    name: str
    kind: str = "text"
    required: bool = True
    allowed: tuple[str, ...] | None = None
    allowed_note: str = ""
    pattern: str | None = None
    pattern_hint: str = ""
    unique: bool = False

    def expected(self) -> str:
        if self.allowed is not None:
            note = f" ({self.allowed_note})" if self.allowed_note else ""
            return f"one of {', '.join(self.allowed)}{note}"
        if self.pattern is not None:
            return self.pattern_hint or f"text matching {self.pattern}"
        return KINDS[self.kind][1]

    def accepts(self, value: str) -> bool:
        if self.allowed is not None:
            return value in self.allowed
        if self.pattern is not None:
            return re.fullmatch(self.pattern, value) is not None
        return KINDS[self.kind][0](value)


@dataclass(frozen=True)
class RowRule:
    """A check across columns of one row, reported on `column` (e.g. period_end on or after period_start)."""

    column: str
    expected: str
    check: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    """A curated CSV: its columns (all must be in the header, no others), row rules, and an exact row count."""

    name: str
    columns: tuple[Column, ...]
    rules: tuple[RowRule, ...] = ()
    rows: int | None = None
    description: str = ""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema of the raw (string) table: one element-wise check per cell rule."""

        def cell_check(col: Column) -> pa.Check:
            def ok(value: str) -> bool:
                return (not value.strip() and not col.required) or (
                    bool(value.strip()) and col.accepts(value)
                )

            return pa.Check(ok, element_wise=True, error=f"{col.name}\x1f{col.expected()}")

        columns = {
            col.name: pa.Column(str, checks=[cell_check(col)], unique=col.unique, nullable=False)
            for col in self.columns
        }
        checks = [pa.Check(rule.check, error=f"{rule.column}\x1f{rule.expected}") for rule in self.rules]
        return pa.DataFrameSchema(columns, checks=checks, strict=True, name=self.name)


def _records(
    text: str, name: str, error: type[ValidationError]
) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and the line each row starts on (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    last = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header is None:
                header = row
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise error(
            f"{name} line {reader.line_num}: not valid CSV ({exc})", file=name, line=reader.line_num
        ) from None
    if header is None:
        raise error(f"{name}: empty file; expected a header line", file=name)
    return header, rows, lines


def read_table(path: Path, spec: TableSpec, error: type[ValidationError] = ValidationError) -> pd.DataFrame:
    """Read a curated CSV as strings and validate it against `spec`; raise `error` naming file, line and column.

    Returns the table with every value as a string (empty cells as ""); typed conversion is the caller's.
    """
    name = display_path(path)
    header, rows, lines = _records(read_text(path, error, "CSV file"), name, error)
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise error(f"{name} line 1: column {duplicated[0]!r} appears twice in the header", file=name, line=1)
    missing = [c for c in spec.names if c not in header]
    unknown = [c for c in header if c not in spec.names]
    if missing or unknown:
        problem = f"missing column(s) {missing}" if missing else f"unknown column(s) {unknown}"
        raise error(
            f"{name} line 1: {problem}; expected the columns {', '.join(spec.names)}", file=name, line=1
        )
    for row, line in zip(rows, lines, strict=True):
        if len(row) > len(header):
            raise error(
                f"{name} line {line}: {len(row)} values for {len(header)} columns; quote values that contain commas",
                file=name,
                line=line,
            )
    table = pd.DataFrame(
        [row + [""] * (len(header) - len(row)) for row in rows], columns=header, dtype=object
    )
    table = (
        table.astype(str)[spec.names]
        if len(table)
        else pd.DataFrame({c: pd.Series(dtype=str) for c in spec.names})
    )
    try:
        spec.schema().validate(table, lazy=True)
    except pa_errors.SchemaErrors as exc:
        raise _first_failure(exc.failure_cases, table, spec, name, lines, error) from None
    if spec.rows is not None and len(table) != spec.rows:
        raise error(f"{name}: {len(table)} rows; expected exactly {spec.rows}", file=name)
    return table


def _first_failure(
    cases: pd.DataFrame,
    table: pd.DataFrame,
    spec: TableSpec,
    name: str,
    lines: Sequence[int],
    error: type[ValidationError],
) -> ValidationError:
    """The problem on the earliest line (then leftmost column) as one line, with a count of the others."""
    problems: dict[tuple[int, int], str] = {}
    order = {c: i for i, c in enumerate(spec.names)}
    # Cell checks before row rules: a cell that is not even a number is reported as such.
    cases = cases.sort_values("schema_context", key=lambda s: s != "Column", kind="stable")
    for case in cases.itertuples(index=False):
        index = case.index
        if index is None or (isinstance(index, float) and math.isnan(index)):
            continue
        check = str(case.check)
        if "\x1f" in check:
            column, expected = check.split("\x1f", 1)
        elif check.startswith("field_uniqueness"):
            column = str(case.column)
            values = table[column]
            if not values.duplicated(keep="first").iloc[int(index)]:
                continue  # report the repeat, not the first use
            first = lines[int(values[values == values.iloc[int(index)]].index[0])]
            expected = f"a value not used on another line (already on line {first})"
        else:
            column, expected = str(case.column), check
        key = (int(index), order.get(column, len(order)))
        if key in problems:
            continue
        value = table.at[int(index), column] if column in table.columns else case.failure_case
        line = lines[int(index)]
        where = _where(name, line, column)
        shown = (
            f" is empty: expected {expected}"
            if not str(value).strip()
            else f" = {value!r}: expected {expected}"
        )
        problems[key] = where + shown
    if not problems:  # a table-level failure pandera could not attach to a row
        first = cases.iloc[0]
        return error(f"{name}: {first['check']} ({first['failure_case']})", file=name)
    first_key = min(problems)
    message = problems[first_key]
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s) in this file)"
    index, column_index = first_key
    return error(
        message,
        file=name,
        line=lines[index],
        column=spec.names[column_index] if column_index < len(spec.names) else None,
    )


def period_order_rule(start: str = "period_start", end: str = "period_end") -> RowRule:
    """`end` on or after `start` when both are valid dates (an empty end is an open period)."""

    def check(frame: pd.DataFrame) -> pd.Series:
        s = pd.to_datetime(frame[start], format="%Y-%m-%d", errors="coerce")
        e = pd.to_datetime(frame[end], format="%Y-%m-%d", errors="coerce")
        return ~(s.notna() & e.notna() & (e < s))

    return RowRule(end, f"a date on or after {start}", check)


# --- YAML documents ----------------------------------------------------------------------------------------


class LineDict(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its own line (`line`) and the line of each key (`lines`)."""

    line: int | None = None
    lines: dict[Hashable, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}


class LineList(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers its own line (`line`) and the line of each item (`lines`)."""

    line: int | None = None
    lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines = []


def line_of(node: Any, key: Hashable | None = None) -> int | None:
    """Line (1-based) of `key` in a mapping / index `key` in a list read by `load_yaml`, or of the node itself."""
    if key is None:
        return getattr(node, "line", None)
    lines = getattr(node, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and -len(lines) <= key < len(lines):
        return lines[key]
    return None


class _ValueProblem(yaml.MarkedYAMLError):
    """Well-formed YAML with a value this loader refuses (duplicate key, impossible date)."""


def _loader(timestamps: bool) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        def construct_line_map(self, node: yaml.MappingNode) -> Any:
            data = LineDict()
            data.line = node.start_mark.line + 1
            yield data
            self.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        "found an unhashable key",
                        key_node.start_mark,
                    )
                if key in data.lines:
                    raise _ValueProblem(
                        problem=f"duplicate key {key!r} (first at line {data.lines[key]})",
                        problem_mark=key_node.start_mark,
                    )
                data.lines[key] = key_node.start_mark.line + 1
                data[key] = self.construct_object(value_node, deep=False)

        def construct_line_seq(self, node: yaml.SequenceNode) -> Any:
            data = LineList()
            data.line = node.start_mark.line + 1
            yield data
            data.extend(self.construct_object(item, deep=False) for item in node.value)
            data.lines = [item.start_mark.line + 1 for item in node.value]

        def construct_checked_timestamp(self, node: yaml.ScalarNode) -> Any:
            try:
                return self.construct_yaml_timestamp(node)
            except ValueError as exc:
                raise _ValueProblem(
                    problem=f"{node.value!r} is not a valid date ({exc}); expected YYYY-MM-DD or a quoted string",
                    problem_mark=node.start_mark,
                ) from None

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_line_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_line_seq)
    timestamp = "tag:yaml.org,2002:timestamp"
    if timestamps:
        Loader.add_constructor(timestamp, Loader.construct_checked_timestamp)
    else:
        # Dates stay strings, so the caller can say which entry and field holds a bad one.
        Loader.yaml_implicit_resolvers = {
            first: [r for r in resolvers if r[0] != timestamp]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
    return Loader


# Documents read here can be written back with yaml.safe_dump.
yaml.SafeDumper.add_representer(LineDict, yaml.representer.SafeRepresenter.represent_dict)
yaml.SafeDumper.add_representer(LineList, yaml.representer.SafeRepresenter.represent_list)


def parse_yaml(
    text: str, name: str, *, error: type[ValidationError] = ValidationError, timestamps: bool = True
) -> Any:
    """Parse YAML text (safe tags only, no duplicate keys); syntax errors name `name`, line and column."""
    try:
        return yaml.load(text, Loader=_loader(timestamps))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "not valid YAML").split())
        if not isinstance(exc, _ValueProblem):
            problem = f"not valid YAML ({problem})"
        if mark is None:
            raise error(f"{name}: {problem}", file=name) from None
        raise error(
            f"{name} line {mark.line + 1}, column {mark.column + 1}: {problem}",
            file=name,
            line=mark.line + 1,
        ) from None
    except yaml.YAMLError as exc:
        raise error(f"{name}: not valid YAML ({' '.join(str(exc).split())})", file=name) from None


def load_yaml(
    path: Path,
    *,
    error: type[ValidationError] = ValidationError,
    timestamps: bool = True,
    what: str = "YAML file",
) -> Any:
    """Read a YAML file with `parse_yaml`; the result's mappings and lists carry line numbers (`line_of`).

    timestamps: False keeps unquoted dates as strings (for files whose own checks name the entry and field).
    """
    return parse_yaml(read_text(path, error, what), display_path(path), error=error, timestamps=timestamps)


def where(file: str, node: Any, key: Hashable | None = None) -> str:
    """`file line N` for `key` of `node` (or the node itself) when the line is known, else `file`."""
    return _where(file, line_of(node, key))
