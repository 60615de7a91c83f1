r"""Safe parsing of record files: JSON and YAML with explicit limits.

Record files come from other systems and sometimes from other people, so their
parsers refuse what would silently change or explode the data:

* duplicate keys in a mapping (JSON and YAML keep the last one silently);
* YAML aliases beyond :data:`MAX_ALIASES` (an "alias bomb" of a few hundred
  bytes expands to gigabytes);
* YAML 1.1 implicit types that surprise in records: ``NO`` (Norway) read as
  false, ``2024-02-30`` read as a date object and refused as a whole file;
  here only ``true``/``false`` are booleans and dates stay text, so the record
  model validates them field by field;
* nesting deeper than :data:`MAX_DEPTH`, and data that expands to more than
  :data:`MAX_VALUES` values;
* mapping keys that are not valid Unicode (lone surrogates from escapes such
  as ``\\ud800``); such text in a value is left to the record model, which
  refuses it with the field's path, so only that record fails.

Each refusal is an :class:`~aurora_edc.InputError` naming the file and line.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ._exceptions import InputError

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_VALUES", "parse_json", "parse_yaml"]

MAX_ALIASES = 1000
MAX_DEPTH = 64
# About 40 values per award: a 100,000-learner record file stays well below.
MAX_VALUES = 10_000_000

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _RecordLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, text dates and alias and key checks."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(f"more than {MAX_ALIASES} YAML aliases", mark.line + 1)

        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise _Refused(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            seen.add(key)

        return super().construct_mapping(node, deep=deep)


def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = []
        for tag, pattern in entries:
            if tag == "tag:yaml.org,2002:timestamp":
                continue
            kept.append((tag, _BOOL if tag == "tag:yaml.org,2002:bool" else pattern))
        table[first] = kept

    return table


_RecordLoader.yaml_implicit_resolvers = _resolvers()


class _Refused(Exception):
    """Internal: a parser refusal with its line, turned into InputError."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse_yaml(text: str, source: str) -> Any:
    """Parse a YAML record file safely.

    Raises:
        InputError: Invalid YAML, or one of the refusals of this module.
    """
    try:
        data = yaml.load(text, Loader=_RecordLoader)
    except _Refused as exc:
        raise InputError(str(exc), source=source, line=exc.line) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or exc
        raise InputError(f"invalid YAML: {problem}", source=source, line=line) from exc
    except RecursionError as exc:
        raise InputError("YAML nested too deeply", source=source) from exc

    return _checked(data, source)


def parse_json(text: str, source: str) -> Any:
    """Parse a JSON record file safely.

    Raises:
        InputError: Invalid JSON, or one of the refusals of this module.
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _Refused as exc:
        raise InputError(str(exc), source=source) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", source=source, line=exc.lineno
        ) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply", source=source) from exc

    return _checked(data, source)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"duplicate key {key!r}", None)
        result[key] = value

    return result


def _checked(data: Any, source: str) -> Any:
    """Refuse deep nesting, lone surrogates and data that expands too far.

    YAML aliases share one object between several places; what matters for
    the record model is the expanded size, computed here once per shared
    object, so an alias bomb is refused before anything walks its expansion.
    """
    sizes: dict[int, int] = {}

    def size(value: Any, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise InputError(f"nested deeper than {MAX_DEPTH} levels", source=source)
        if not isinstance(value, dict | list):
            return 1
        if id(value) not in sizes:
            items = value.values() if isinstance(value, dict) else value
            keys = (
                [_key_size(key, source) for key in value]
                if isinstance(value, dict)
                else []
            )
            sizes[id(value)] = (
                1 + sum(keys) + sum(size(item, depth + 1) for item in items)
            )

        return sizes[id(value)]

    total = size(data, 0)
    if total > MAX_VALUES:
        raise InputError(
            f"the file expands to {total:,} values (limit {MAX_VALUES:,}); "
            "YAML aliases repeat their anchor's content",
            source=source,
        )

    return data


def _key_size(key: Any, source: str) -> int:
    # A value with a lone surrogate fails its record (the record model refuses
    # it with the field's path); a key cannot be named in a message, so it
    # fails the file.
    if isinstance(key, str) and _SURROGATE.search(key):
        raise InputError(f"key {key[:40]!r} is not valid Unicode", source=source)

    return 1
