"""Strict JSON for JAdES (RFC 8259): what parsers read differently is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_edc import InputError
from aurora_edc._jades_json import MAX_JSON_DEPTH, check_json_containers, loads_strict

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(_JSON)
def test_standard_json_reads_as_the_json_module_reads_it(value: Any) -> None:
    """Any standard JSON text parses to what json.loads gives."""
    text = json.dumps(value, ensure_ascii=False)

    assert loads_strict(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a":1,"a":2}', "duplicate member"),
        (b'{"a":{"b":1,"b":1}}', "duplicate member"),
        (b"[NaN]", "NaN"),
        (b"[-Infinity]", "Infinity"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b'["\\ud800"]', "lone surrogate"),
        (b'{"\\udfff":1}', "lone surrogate"),
        (b'["\xff"]', "not UTF-8"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nested"),
        (b"[" * 100_000, "nested"),
        (b"{", "invalid JSON"),
    ],
)
def test_parser_differentials_are_refused(data: bytes, message: str) -> None:
    """Duplicates, NaN, BOM, lone surrogates, bad UTF-8 and deep nesting fail."""
    with pytest.raises(InputError, match=message):
        loads_strict(data)


def test_surrogates_allowed_on_request() -> None:
    """surrogates=True lets a caller refuse lone surrogates where it decodes."""
    assert loads_strict(b'["\\ud800"]', surrogates=True) == ["\ud800"]


# --- data about to be sealed ------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": [value]} if depth % 2 else [value]
    return value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({1: "a", "1": "b"}, "not text"),
        ({"a": [{"b": {None: 1}}]}, "not text"),
        (_nested(MAX_JSON_DEPTH + 1), "nested deeper"),
    ],
)
def test_containers_refused_before_sealing(value: Any, message: str) -> None:
    """A member name that is not text, or deep nesting, is refused."""
    with pytest.raises(ValueError, match=message):
        check_json_containers(value)


def test_cyclic_data_is_refused_not_a_recursion_error() -> None:
    """Data that contains itself is refused as too deep."""
    value: dict[str, Any] = {}
    value["self"] = [value]

    with pytest.raises(ValueError, match="nested deeper"):
        check_json_containers(value)


@given(_JSON)
def test_what_passes_the_check_reads_back_strictly(value: Any) -> None:
    """Data that passes the check writes JSON that loads_strict reads back equal."""
    check_json_containers(value)
    text = json.dumps(value, ensure_ascii=False, allow_nan=False).encode()

    assert loads_strict(text) == value
