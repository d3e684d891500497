"""The report set: read `notebooks/reports.yaml` and expand it into one `Report` per output file.

A report entry names a notebook and either one parameter dict, a list of `parameter_sets`, or `foreach` a table
(e.g. `field_offices`: one report per row of `research.data.load_field_offices()`), whose row fields fill the
`{placeholders}` in the entry's name, title and string parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from research.reports import yamlines

ENTRY_KEYS = {"name", "notebook", "title", "description", "group", "parameters", "parameter_sets", "foreach"}
TOP_KEYS = {"site", "groups", "reports"}
SITE_KEYS = {"title", "about"}
MAX_DESCRIPTION = 300  # characters: one line on the front page
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DEFAULT_GROUPS = {"national": "National", "field_offices": "Field offices"}

# A foreach source returns one mapping per report to generate.
ForeachSource = Callable[[], list[dict[str, Any]]]


class SpecError(ValueError):
    """The reports file is malformed; the message names the file and the entry/field."""


@dataclass(frozen=True)
class Report:
    """One output of the site: a notebook run with one parameter set."""

    name: str
    notebook: str
    group: str
    title: str
    parameters: dict[str, Any] = field(default_factory=dict, hash=False)
    # Where each parameter was set ("reports.yaml:31"), for error messages; not part of the report's identity.
    origins: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    description: str = ""  # one line for the front page

    @property
    def stem(self) -> str:
        """Notebook file name without extension (used by `--only`)."""
        return Path(self.notebook).stem


@dataclass(frozen=True)
class SiteText:
    """The front page's title and its paragraph on what the site answers (plain text, escaped when shown)."""

    title: str = "Research reports"
    about: str = ""


@dataclass(frozen=True)
class ReportSet:
    """All reports of a reports file, in file order, plus the group headings of the index."""

    path: Path
    groups: dict[str, str]
    reports: list[Report]
    site: SiteText = field(default_factory=SiteText)

    @property
    def notebooks_dir(self) -> Path:
        return self.path.parent


def _field_offices() -> list[dict[str, Any]]:
    from research.data import load_field_offices  # lazy: only needed when the spec uses it

    offices = load_field_offices()
    return [{str(k): (None if _isna(v) else v) for k, v in row.items()} for row in offices.to_dict("records")]


def _isna(value: Any) -> bool:
    return isinstance(value, float) and value != value


DEFAULT_SOURCES: dict[str, ForeachSource] = {"field_offices": _field_offices}


def _fill(value: Any, row: Mapping[str, Any], where: str) -> Any:
    """Format `{placeholders}` in strings (recursively in lists/dicts) with the foreach row."""
    if isinstance(value, str) and "{" in value:
        try:
            return value.format_map(row)
        except (KeyError, IndexError, ValueError) as exc:
            raise SpecError(
                f"{where}: cannot fill {value!r} ({exc!r}); row fields are {sorted(row)}"
            ) from None
    if isinstance(value, list):
        return [_fill(v, row, where) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, row, where) for k, v in value.items()}
    return value


def _at(path: Path, container: Any, key: Any = None) -> str:
    """`file:line` of a loaded YAML node (just `file` for data that did not come from a file)."""
    line = yamlines.line_of(container, key)
    return f"{path}:{line}" if line else str(path)


def _expand(
    entry: dict[str, Any], label: str, sources: Mapping[str, ForeachSource], path: Path
) -> list[Report]:
    where = f"{_at(path, entry)}: {label}"

    def fail(key: str | None, message: str) -> SpecError:
        return SpecError(f"{_at(path, entry, key)}: {label}: {message}")

    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        first = sorted(unknown, key=str)[0]
        raise fail(first, f"unknown field(s) {sorted(unknown)}; expected some of {sorted(ENTRY_KEYS)}")
    for key in ("name", "notebook", "group"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise fail(
                key if key in entry else None, f"field '{key}' is required and must be a non-empty string"
            )
    params = entry.get("parameters") or {}
    if not isinstance(params, dict):
        raise fail("parameters", "field 'parameters' must be a mapping of parameter name to value")
    title = entry.get("title") or entry["name"]
    if not isinstance(title, str):
        raise fail("title", "field 'title' must be a string")
    description = entry.get("description", "")
    if not isinstance(description, str) or ("description" in entry and not description.strip()):
        raise fail(
            "description", "field 'description' must be a non-empty string (one line for the front page)"
        )
    description = " ".join(description.split())
    if len(description) > MAX_DESCRIPTION:
        raise fail(
            "description", f"field 'description' has {len(description)} characters; at most {MAX_DESCRIPTION}"
        )
    origins = {str(k): _at(path, params, k) for k in params}
    base = Report(
        entry["name"],
        entry["notebook"],
        entry["group"],
        title,
        dict(params),
        origins,
        description=description,
    )

    if "foreach" in entry:
        source = sources.get(entry["foreach"])
        if source is None:
            raise fail("foreach", f"foreach {entry['foreach']!r} unknown; expected one of {sorted(sources)}")
        return [
            Report(
                _fill(base.name, row, where),
                base.notebook,
                base.group,
                _fill(base.title, row, where),
                _fill(base.parameters, row, where),
                origins,
                description=_fill(base.description, row, where),
            )
            for row in source()
        ]
    if "parameter_sets" in entry:
        sets = entry["parameter_sets"]
        if not isinstance(sets, list) or not sets:
            raise fail("parameter_sets", "'parameter_sets' must be a non-empty list of {id, parameters}")
        out = []
        for i, item in enumerate(sets):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise SpecError(f"{_at(path, sets, i)}: {label}: parameter_sets[{i}] needs a string 'id'")
            extra = item.get("parameters") or {}
            if not isinstance(extra, dict):
                raise SpecError(
                    f"{_at(path, item, 'parameters')}: {label}: parameter_sets[{i}].parameters must be a mapping"
                )
            merged = {**base.parameters, **extra}
            set_origins = {**origins, **{str(k): _at(path, extra, k) for k in extra}}
            set_label = item.get("title", item["id"])
            out.append(
                Report(
                    f"{base.name}_{item['id']}",
                    base.notebook,
                    base.group,
                    f"{title} ({set_label})",
                    merged,
                    set_origins,
                    description=base.description,
                )
            )
        return out
    return [base]


def parse_spec(data: Any, path: Path, sources: Mapping[str, ForeachSource] | None = None) -> ReportSet:
    """Validate the loaded YAML and expand it into reports (names unique, file-safe, groups known)."""
    if not isinstance(data, dict) or not isinstance(data.get("reports"), list):
        raise SpecError(f"{path}: expected a mapping with a 'reports' list")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise SpecError(
            f"{_at(path, data, unknown[0])}: unknown field(s) {unknown}; expected some of {sorted(TOP_KEYS)}"
        )
    groups = data.get("groups") or DEFAULT_GROUPS
    if not isinstance(groups, dict) or not all(isinstance(v, str) and v.strip() for v in groups.values()):
        raise SpecError(f"{path}: 'groups' must map group id to heading (non-empty text)")
    site = _site_text(data.get("site"), path)
    all_sources = {**DEFAULT_SOURCES, **(sources or {})}
    reports: list[Report] = []
    for i, entry in enumerate(data["reports"]):
        if not isinstance(entry, dict):
            raise SpecError(f"{_at(path, data['reports'], i)}: reports[{i}]: expected a mapping")
        label = f"reports[{i}] ({entry.get('name', '?')})"
        for report in _expand(entry, label, all_sources, path):
            if not NAME_RE.match(report.name):
                raise SpecError(
                    f"{_at(path, entry, 'name')}: {label}: name {report.name!r} must be letters, digits, '_', '-', '.'"
                )
            if report.group not in groups:
                raise SpecError(
                    f"{_at(path, entry, 'group')}: {label}: group {report.group!r} not in groups {sorted(groups)}"
                )
            reports.append(report)
    seen: set[str] = set()
    for report in reports:
        if report.name in seen:
            raise SpecError(f"{path}: report name {report.name!r} appears twice")
        seen.add(report.name)
    return ReportSet(
        path=path, groups={str(k): str(v) for k, v in groups.items()}, reports=reports, site=site
    )


def _site_text(value: Any, path: Path) -> SiteText:
    """The optional `site:` block: `title` (one line) and `about` (a paragraph), both non-empty text."""
    if value is None:
        return SiteText()
    if not isinstance(value, dict):
        raise SpecError(f"{path}: 'site' must be a mapping with {sorted(SITE_KEYS)}")
    unknown = sorted(set(map(str, value)) - SITE_KEYS)
    if unknown:
        raise SpecError(
            f"{_at(path, value, unknown[0])}: site: unknown field(s) {unknown}; expected {sorted(SITE_KEYS)}"
        )
    fields: dict[str, str] = {}
    for key in SITE_KEYS & set(value):
        text = value[key]
        if not isinstance(text, str) or not text.strip():
            raise SpecError(f"{_at(path, value, key)}: site: field '{key}' must be non-empty text")
        fields[key] = " ".join(text.split()) if key == "title" else text.strip()
    return SiteText(**fields)


def load_spec(path: Path, sources: Mapping[str, ForeachSource] | None = None) -> ReportSet:
    """Read and expand a reports YAML file."""
    try:
        data = yamlines.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: reports file not found") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML ({exc})") from None
    return parse_spec(data, path, sources)


def notebooks_named(path: Path) -> list[str]:
    """The notebook of every entry of a reports file, read without validating or expanding it (`foreach` may read
    data): for work that starts before the file is read in full, such as the fork server's imports. [] when the
    file cannot be read; `load_spec` reports why."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    entries = data.get("reports") if isinstance(data, dict) else None
    named = (
        {e.get("notebook") for e in entries if isinstance(e, dict)} if isinstance(entries, list) else set()
    )
    return sorted(n for n in named if isinstance(n, str))


def select(
    reports: list[Report], only: list[str] | None = None, aor: list[str] | None = None
) -> list[Report]:
    """Reports matching `--only` (report name or notebook stem) and `--aor` (the `aor` parameter).

    Raises SpecError when a requested name or AOR matches nothing, so typos don't silently run zero reports.
    """
    chosen = reports
    if only:
        missing = [o for o in only if not any(o in (r.name, r.stem) for r in reports)]
        if missing:
            raise SpecError(f"--only {', '.join(missing)}: no such report; see `research reports list`")
        chosen = [r for r in chosen if r.name in only or r.stem in only]
    if aor:
        codes = {a.upper() for a in aor}
        valid = sorted({str(r.parameters["aor"]) for r in reports if "aor" in r.parameters})
        bad = sorted(codes - set(valid))
        if bad:
            raise SpecError(f"--aor {', '.join(bad)}: unknown; expected one of {', '.join(valid)}")
        chosen = [r for r in chosen if str(r.parameters.get("aor", "")).upper() in codes]
    if not chosen and (only or aor):
        asked = " ".join([*(f"--only {o}" for o in only or []), *(f"--aor {a}" for a in aor or [])])
        raise SpecError(f"{asked}: selects no report (each matches reports, but none matches all of them)")
    return chosen
