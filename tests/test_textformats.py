"""Tests of safe record-file parsing: the refusals that keep records intact."""

from __future__ import annotations

import pytest

from aurora_edc import InputError
from aurora_edc._textformats import MAX_VALUES, parse_json, parse_yaml


def test_yaml_alias_bomb_is_refused_before_expansion() -> None:
    """A nine-level alias bomb of a few hundred bytes is refused by its size."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")

    with pytest.raises(InputError, match=f"limit {MAX_VALUES:,}"):
        parse_yaml("\n".join(lines), "bomb.yaml")


def test_yaml_duplicate_key_is_refused_with_line() -> None:
    """A key given twice in one mapping is an error naming the key and line."""
    with pytest.raises(InputError) as caught:
        parse_yaml("id: a\ntitle: x\nid: b\n", "dup.yaml")

    assert caught.value.line == 3
    assert "'id'" in str(caught.value)


def test_json_duplicate_key_is_refused() -> None:
    """JSON objects with a repeated key are refused, not silently merged."""
    with pytest.raises(InputError, match="duplicate key 'grade'"):
        parse_json('{"grade": "A", "grade": "B"}', "dup.json")


def test_yaml_norway_stays_a_country_code() -> None:
    """``NO`` and ``yes`` stay text (YAML 1.1 would read them as booleans)."""
    assert parse_yaml("country: NO\nflag: yes\nok: true\n", "y.yaml") == {
        "country": "NO",
        "flag": "yes",
        "ok": True,
    }


def test_yaml_impossible_date_is_left_to_the_record_model() -> None:
    """``2024-02-30`` stays text, so only that record fails, at its field."""
    assert parse_yaml("awarded_on: 2024-02-30\n", "d.yaml") == {
        "awarded_on": "2024-02-30"
    }


def test_deep_nesting_is_refused() -> None:
    """JSON nested beyond the limit is an InputError, not a RecursionError."""
    with pytest.raises(InputError, match="nested"):
        parse_json("[" * 100_000 + "]" * 100_000, "deep.json")


def test_lone_surrogate_in_a_key_is_refused() -> None:
    """A key with a lone surrogate escape is not valid Unicode and is refused."""
    with pytest.raises(InputError, match="not valid Unicode"):
        parse_json('{"a\\ud800": "id"}', "s.json")


def test_lone_surrogate_in_a_value_is_left_to_the_record() -> None:
    """A value with a lone surrogate is read; the record model refuses it."""
    assert parse_json('{"id": "a\\ud800"}', "s.json") == {"id": "a\ud800"}


def test_python_tags_are_refused() -> None:
    """YAML tags that construct Python objects are refused."""
    with pytest.raises(InputError):
        parse_yaml("x: !!python/object/apply:os.system ['true']\n", "t.yaml")
