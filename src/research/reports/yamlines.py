"""YAML with line numbers, so errors in reports.yaml can say `file:line: field`.

A small stand-in until the project's shared validation layer lands: `load(text)` returns the same data as
`yaml.safe_load`, except that mappings and lists are `Located` subclasses of dict and list that remember the
line of the node and, for mappings, of each key. `line_of(value, key)` reads them (None for plain values).
"""

from __future__ import annotations

from typing import Any

import yaml


class LocatedDict(dict):  # type: ignore[type-arg]
    line: int | None = None
    key_lines: dict[Any, int]


class LocatedList(list):  # type: ignore[type-arg]
    line: int | None = None
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    out = LocatedDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(text: str) -> Any:
    """`yaml.safe_load` that keeps line numbers (raises yaml.YAMLError like it)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def line_of(value: Any, key: Any = None) -> int | None:
    """Line of a loaded mapping/list, or of one of its keys (mapping) or items (list, by index)."""
    if key is None:
        return getattr(value, "line", None)
    if isinstance(value, LocatedDict):
        return value.key_lines.get(key, value.line)
    if isinstance(value, LocatedList) and isinstance(key, int) and 0 <= key < len(value.item_lines):
        return value.item_lines[key]
    return getattr(value, "line", None)
