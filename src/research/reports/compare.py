"""Compare the outputs of two report runs: did a refactor change any number, table or figure?

`research reports diff OLD NEW` reads the executed notebooks under `OLD/notebooks` and `NEW/notebooks` and
compares every cell's visible output: text, Markdown, HTML tables, and images (by hash). Lines that differ only in
run-specific values (data version, timings, timestamps, temporary paths) are normalised first, so a pure
restructuring of the code reports "identical".
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run-specific text that may change without any result changing.
_VOLATILE = [
    (re.compile(r"[Dd]ata version `?[0-9a-f]{16}`?"), "data version <v>"),
    (re.compile(r"data_version[\"']?: ?[\"']?[0-9a-f]{16}"), "data_version <v>"),
    (re.compile(r"\b[0-9a-f]{16}\b"), "<hash16>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?"), "<timestamp>"),
    (re.compile(r"/tmp/[^\s'\"]+"), "<tmp>"),
    (re.compile(r"0x[0-9a-f]{6,}"), "<address>"),
    (re.compile(r"\bT_[0-9a-f]{5}"), "T_<styler-id>"),  # pandas Styler gives each table a random id
]
_TEXT_MIMES = ("text/plain", "text/markdown", "text/html")


@dataclass(frozen=True)
class Difference:
    report: str
    cell: int | None
    what: str


def normalise(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _output_signature(output: dict[str, Any]) -> list[str]:
    """What a reader sees of one output: normalised text per MIME type, and a hash per image."""
    kind = output.get("output_type")
    if kind == "stream":
        return [f"stream:{normalise(''.join(output.get('text', '')))}"]
    if kind == "error":
        return [f"error:{output.get('ename')}: {output.get('evalue')}"]
    parts = []
    data = output.get("data", {})
    for mime in sorted(data):
        value = data[mime]
        text = "".join(value) if isinstance(value, list) else str(value)
        if mime in _TEXT_MIMES:
            parts.append(f"{mime}:{normalise(text)}")
        elif mime.startswith("image/"):
            parts.append(f"{mime}:sha256:{hashlib.sha256(text.encode()).hexdigest()}")
    return parts


def notebook_outputs(path: Path) -> list[list[str]]:
    """Signatures of every code cell's outputs, in order."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        [part for output in cell.get("outputs", []) for part in _output_signature(output)]
        for cell in nb.get("cells", [])
        if cell.get("cell_type") == "code"
    ]


def compare_runs(old_dir: Path, new_dir: Path, *, images: bool = True) -> list[Difference]:
    """Every difference between the executed notebooks of two report folders (empty list: identical)."""
    old_nbs = {p.stem: p for p in (old_dir / "notebooks").glob("*.ipynb")}
    new_nbs = {p.stem: p for p in (new_dir / "notebooks").glob("*.ipynb")}
    found = [Difference(name, None, "only in the old run") for name in sorted(set(old_nbs) - set(new_nbs))]
    found += [Difference(name, None, "only in the new run") for name in sorted(set(new_nbs) - set(old_nbs))]
    for name in sorted(set(old_nbs) & set(new_nbs)):
        old, new = notebook_outputs(old_nbs[name]), notebook_outputs(new_nbs[name])
        if len(old) != len(new):
            found.append(Difference(name, None, f"{len(old)} code cells before, {len(new)} after"))
            continue
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if not images:
                a = [p for p in a if not p.startswith("image/")]
                b = [p for p in b if not p.startswith("image/")]
            if a != b:
                found.append(Difference(name, index, _first_change(a, b)))
    return found


def _first_change(a: list[str], b: list[str]) -> str:
    for x, y in zip(a, b, strict=False):
        if x != y:
            if x.startswith("image/") or y.startswith("image/"):
                return "image differs"
            for line_a, line_b in zip(x.splitlines(), y.splitlines(), strict=False):
                if line_a != line_b:
                    return f"{line_a[:120]!r} -> {line_b[:120]!r}"
            return "output length differs"
    return f"{len(a)} outputs before, {len(b)} after"
