"""Strict JSON for JAdES payloads and headers (RFC 8259, RFC 7515 clause 5.2).

A seal signs bytes; what a relying party reads from them must be the one
reading every parser agrees on. RFC 8259 leaves duplicate member names
(clause 4), a byte order mark (clause 8.1) and lone surrogates (clause 8.2)
to implementations, and Python's ``json`` module also reads ``NaN`` and
``Infinity``, which are no JSON at all. RFC 7515 clause 5.2 step 8 lets a
JWS reader refuse duplicate header names; this module refuses all of these
everywhere a JAdES document is read or sealed, together with nesting deeper
than :data:`MAX_JSON_DEPTH`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._exceptions import InputError

__all__ = ["MAX_JSON_DEPTH", "check_json_containers", "loads_strict"]

MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects read (EDCs stay under 30 levels)."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def loads_strict(data: str | bytes, *, surrogates: bool = False) -> Any:
    """Parse JSON, refusing what parsers read differently.

    Args:
        data: UTF-8 bytes or text.
        surrogates: Let escaped lone surrogates through, for a caller that
            refuses them where it decodes a value.

    Returns:
        The parsed value.

    Raises:
        InputError: Not UTF-8, a byte order mark, invalid JSON, a
            duplicate member name, NaN/Infinity, a lone surrogate, or
            nesting deeper than :data:`MAX_JSON_DEPTH`.

    """
    text = _text(data)
    if text.startswith("\ufeff"):
        raise InputError("starts with a byte order mark (RFC 8259 clause 8.1)")
    try:
        value = json.loads(
            text, object_pairs_hook=_unique_members, parse_constant=_no_constant
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise InputError(f"nested deeper than {MAX_JSON_DEPTH} levels") from exc
    _check_tree(value, surrogates)

    return value


def _text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8: {exc}") from exc


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Object hook refusing duplicate member names (RFC 8259 clause 4)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"duplicate member {key[:60]!r}")
        result[key] = value

    return result


def _no_constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number")


def _check_tree(value: Any, surrogates: bool) -> None:
    """Refuse deep nesting and lone surrogates, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not surrogates and _SURROGATE.search(item):
                raise InputError(f"text {item[:40]!r} holds a lone surrogate")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:
            raise InputError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)


def check_json_containers(value: Any) -> bool:
    """Check data about to be written as JSON: text member names, bounded nesting.

    What ``json.dumps`` cannot refuse itself: ``allow_nan=False`` refuses
    NaN and the UTF-8 encoder lone surrogates; a member name that is not
    text (``1`` beside ``"1"``) would be written as a duplicate.

    Returns:
        Whether every container is a plain ``dict`` or ``list`` (or tuple). A
        subclass may show this check other members than it shows the JSON
        encoder, so the caller must then read the written text back strictly.

    Raises:
        ValueError: A member name that is not text, or nesting deeper than
            :data:`MAX_JSON_DEPTH`.

    """
    if isinstance(value, dict | list | tuple):
        return _check_container(value, 0)

    return True


def _check_container(
    item: dict[Any, Any] | list[Any] | tuple[Any, ...], depth: int
) -> bool:
    # Recursion is bounded by MAX_JSON_DEPTH, far below the interpreter's limit.
    if depth >= MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    plain = type(item) in _PLAIN
    if isinstance(item, dict):
        for name, child in item.items():
            if not isinstance(name, str):
                raise ValueError(f"member name {name!r} is not text")
            if isinstance(child, dict | list | tuple):
                plain = _check_container(child, depth + 1) and plain
    else:
        for child in item:
            if isinstance(child, dict | list | tuple):
                plain = _check_container(child, depth + 1) and plain

    return plain


_PLAIN = frozenset({dict, list, tuple})
