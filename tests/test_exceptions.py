"""The exception tree's helpers: ``shorten()`` cuts values for messages, cheaply."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aurora_edc._exceptions import shorten


def _expected(value: object, limit: int) -> str:
    text = repr(value)

    return text if len(text) <= limit else text[: limit - 3] + "..."


def test_shorten_repr_of_yaml_alias_bomb() -> None:
    """A list holding itself 30 levels deep (2**30 leaves) is cut, not rendered."""
    value: list[Any] = ["x" * 10]
    for _ in range(30):
        value = [value, value]

    text = shorten(value)

    assert len(text) == 120
    assert text.startswith("[" * 31 + "'xxxxxxxxxx'], ['xxxxxxxxxx']], ")
    assert text.endswith("...")


def test_huge_string_and_bytes_are_cut_without_copying_them() -> None:
    """A 200 MB string gives the first characters of its repr and an ellipsis."""
    huge = "a" * (200 * 1024 * 1024)

    assert shorten(huge, 10) == "'aaaaaa..."
    assert shorten(b"\x00" * 10_000, 12) == "b'\\x00\\x0..."


def test_self_containing_containers_print_as_repr_does() -> None:
    """A list or dict met again inside itself prints [...] or {...}, like repr."""
    items: list[Any] = [1]
    items.append(items)
    mapping: dict[str, Any] = {}
    mapping["self"] = mapping

    assert shorten(items) == repr(items) == "[1, [...]]"
    assert shorten(mapping) == repr(mapping) == "{'self': {...}}"


def test_integer_beyond_the_str_conversion_limit() -> None:
    """An integer too long to print in decimal is named by its size."""
    assert shorten(10**5000) == "<int of 16610 bits>"


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=5)
        | st.frozensets(st.integers(), max_size=4)
        | st.sets(st.text(max_size=3), max_size=4)
    ),
    max_leaves=20,
)


@given(value=json_like, limit=st.integers(min_value=3, max_value=200))
def test_shorten_is_repr_cut_to_the_limit(value: object, limit: int) -> None:
    """For any builtin value, shorten is repr itself or its prefix plus '...'."""
    assert shorten(value, limit) == _expected(value, limit)


@given(text=st.text(alphabet="ab'\"\\\n", min_size=1, max_size=60))
def test_long_text_keeps_the_quote_repr_chooses(text: str) -> None:
    """Cut text starts with the quote repr picks for the whole text."""
    assert shorten(text, 12) == _expected(text, 12)
    assert shorten(text.encode(), 12) == _expected(text.encode(), 12)
