"""Tests of the record model and loaders: valid records load, bad ones are located."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_edc._exceptions import InputError, RecordError
from aurora_edc._loaders import load_records
from aurora_edc._records import model_json_schema

SPEC: dict[str, Any] = {
    "id": "mc-1",
    "title": {"en": "Water", "de": "Wasser"},
    "awarding_body": {
        "id": "uni-a",
        "legal_name": "University A",
        "country": "AT",
        "eidas_id": "VATAT-U1234567",
    },
    "eqf_level": 6,
    "ects": 3,
    "languages": ["en"],
    "mode": ["online"],
}
AWARD: dict[str, Any] = {
    "id": "a-1",
    "learner": {
        "given_name": "Ana",
        "family_name": "Lopez",
        "date_of_birth": "2000-01-31",
        "email": "ana@example.org",
        "national_id": {"value": "X1", "country": "ES"},
    },
    "awarded_on": "2026-06-30",
    "grade": "Pass",
}


def _write(tmp_path: Path, document: object, name: str = "records.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _set(document: dict[str, Any], dotted: str, value: object) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    target = copy
    *parents, leaf = dotted.split(".")
    for part in parents:
        target = target[part]
    target[leaf] = value
    return copy


def test_valid_records_load(tmp_path: Path) -> None:
    """A record set with one specification and one award loads without errors."""
    batch = load_records(
        [_write(tmp_path, {"specifications": [SPEC], "awards": [AWARD]})]
    )

    assert not batch.errors
    assert batch.awards[0].award.specification == "mc-1"
    spec = batch.specifications["mc-1"]
    assert spec.eqf_level == "http://data.europa.eu/snb/eqf/6"
    assert spec.languages == [
        "http://publications.europa.eu/resource/authority/language/ENG"
    ]


BAD_AWARD_FIELDS = [
    ("learner.date_of_birth", "2000-13-01", "learner.date_of_birth"),
    ("learner.email", "not-an-address", "learner.email"),
    ("learner.national_id.country", "XX", "learner.national_id.country"),
    ("awarded_on", "yesterday", "awarded_on"),
    ("grade", {"english": "Pass"}, "grade"),
    ("learner.given_name", {"en": "Ana", "es": "Ana"}, "learner.given_name"),
]


@pytest.mark.parametrize(("field", "value", "path"), BAD_AWARD_FIELDS)
def test_bad_award_is_reported_with_field_path(
    tmp_path: Path, field: str, value: object, path: str
) -> None:
    """A bad award field gives a RecordError naming the record and the field path."""
    bad = _set(AWARD, field, value)
    good = dict(AWARD, id="a-2")
    batch = load_records(
        [_write(tmp_path, {"specifications": [SPEC], "awards": [bad, good]})]
    )

    assert [item.award.id for item in batch.awards] == ["a-2"]
    (error,) = batch.errors
    assert error.record_id == "a-1"
    assert error.path == path
    assert path in str(error)


BAD_SPEC_FIELDS = [
    ("eqf_level", 9, "eqf_level", "eqf"),
    ("awarding_body.country", "Atlantis", "awarding_body", "country"),
    ("languages", ["en", "qqq-invalid"], "languages[1]", "language"),
    ("mode", ["telepathic"], "mode[0]", "mode"),
    ("ects", -2, "ects", "greater than 0"),
    ("isced_f", ["0999x"], "isced_f[0]", "isced-f"),
    ("volume_of_learning", "60 hours", "volume_of_learning", "xsd:duration"),
]


@pytest.mark.parametrize(("field", "value", "path", "rule"), BAD_SPEC_FIELDS)
def test_unknown_code_names_field_and_value(
    tmp_path: Path, field: str, value: object, path: str, rule: str
) -> None:
    """An unknown code or bad value in a specification names the field and the value."""
    batch = load_records(
        [_write(tmp_path, {"specifications": [_set(SPEC, field, value)]})]
    )

    (error,) = batch.errors
    assert isinstance(error, RecordError)
    assert error.record_id == "mc-1"
    assert error.path is not None and error.path.startswith(path)
    assert rule in str(error)


def test_csv_rows_are_awards_with_dotted_columns(tmp_path: Path) -> None:
    """A CSV roster gives one award per row; a bad row is reported by its line."""
    spec = _write(tmp_path, SPEC, "spec.json")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id,learner.given_name,learner.family_name,awarded_on,grade\n"
        "r1,Ana,Lopez,2026-06-30,Pass\n"
        "r2,Bo,Berg,2026-02-31,Pass\n"
        "r3,Cy,Chan,2026-06-30,Pass\n",
        encoding="utf-8",
    )

    batch = load_records([spec, roster])

    assert [item.award.id for item in batch.awards] == ["r1", "r3"]
    assert batch.awards[0].source == "roster.csv:2"
    (error,) = batch.errors
    assert (error.record_id, error.path) == ("r2", "awarded_on")
    assert batch.inputs == 3


def test_bad_json_is_input_error_with_line(tmp_path: Path) -> None:
    """A record file that is not JSON is an InputError naming file and line."""
    path = tmp_path / "broken.json"
    path.write_text('{"awards": [\n  {"id": 1,,}\n]}', encoding="utf-8")

    with pytest.raises(InputError) as caught:
        load_records([path])

    assert caught.value.line == 2
    assert "broken.json:2" in str(caught.value)


def test_yaml_record_file_loads(tmp_path: Path) -> None:
    """A YAML file holding one specification loads as that specification."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "id: s\ntitle: Titel\ndefault_language: de\nawarding_body: {id: o, "
        "legal_name: O, country: DE}\n",
        encoding="utf-8",
    )

    batch = load_records([path])

    assert batch.specifications["s"].title == {"de": "Titel"}


def test_json_schema_describes_record_files() -> None:
    """The JSON Schema of record files names the three sections and documents fields."""
    schema = model_json_schema()

    assert set(schema["properties"]) >= {"organisations", "specifications", "awards"}
    spec = schema["$defs"]["Specification"]["properties"]
    assert "Annex I" in spec["ects"]["description"]


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=TEXT,
    given_name=TEXT,
    grade=TEXT,
    ects=st.integers(1, 60),
    eqf=st.integers(1, 8),
)
def test_generated_records_always_load(
    tmp_path_factory: pytest.TempPathFactory,
    title: str,
    given_name: str,
    grade: str,
    ects: int,
    eqf: int,
) -> None:
    """Any record with valid values loads as exactly one award and no error."""
    spec = dict(SPEC, title={"en": title}, ects=ects, eqf_level=eqf)
    award = dict(
        AWARD, grade=grade, learner=dict(AWARD["learner"], given_name=given_name)
    )
    path = _write(
        tmp_path_factory.mktemp("r"), {"specifications": [spec], "awards": [award]}
    )

    batch = load_records([path])

    assert not batch.errors, [str(e) for e in batch.errors]
    assert len(batch.awards) == 1


def test_media_path_outside_the_record_folder_is_refused(tmp_path: Path) -> None:
    """A logo path that leaves the record file's folder is a record error."""
    spec = _set(SPEC, "awarding_body.logo", {"path": "../../../../etc/passwd"})

    batch = load_records([_write(tmp_path, {"specifications": [spec]})])

    (error,) = batch.errors
    assert "outside the record file's folder" in str(error)


def test_media_file_must_match_its_type(tmp_path: Path) -> None:
    """A file declared PNG that is not a PNG is refused."""
    (tmp_path / "logo.png").write_bytes(b"not an image")
    spec = _set(SPEC, "awarding_body.logo", {"path": "logo.png"})

    batch = load_records([_write(tmp_path, {"specifications": [spec]})])

    (error,) = batch.errors
    assert "is not a PNG file" in str(error)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5, "PT1H30M"), (60, "PT60H"), (0.25, "PT15M"), ("P1M", "P1M")],
)
def test_hours_become_valid_durations(
    tmp_path: Path, value: object, expected: str
) -> None:
    """Fractional hours are written as hours and minutes, never ``PT1.5H``."""
    batch = load_records([_write(tmp_path, _set(SPEC, "volume_of_learning", value))])

    assert batch.specifications["mc-1"].volume_of_learning == expected


@pytest.mark.parametrize("value", [True, float("inf"), 0, 1e-5, 1e20, "sixty"])
def test_nonsense_durations_are_refused(tmp_path: Path, value: object) -> None:
    """Booleans, infinities, zero, tiny and absurd values are not durations."""
    path = tmp_path / "s.yaml"
    path.write_text(
        json.dumps(_set(SPEC, "volume_of_learning", value)).replace("Infinity", ".inf"),
        encoding="utf-8",
    )

    batch = load_records([path])

    (error,) = batch.errors
    assert error.path == "volume_of_learning"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("awarding_body.homepage", "javascript:alert(1)"),
        ("awarding_body.email", 'a>b"c@d.ef'),
        ("title", {"en": "Bad\u202eTitle"}),
        ("title", {"en": "Not in XML \ufffe"}),
        ("awarding_body.legal_name", "Not in XML \uffff"),
        ("title", {"EN": "x", "en": "y"}),
    ],
)
def test_unsafe_text_is_refused(tmp_path: Path, field: str, value: object) -> None:
    """Script URLs, bad IRIs, bidi overrides, XML non-characters, clashing tags."""
    batch = load_records(
        [_write(tmp_path, {"specifications": [_set(SPEC, field, value)]})]
    )

    assert len(batch.errors) == 1


def test_award_dates_must_be_in_order(tmp_path: Path) -> None:
    """A credential valid until before it is valid from is a record error."""
    award = dict(AWARD, valid_until="2020-01-01T00:00:00Z")

    batch = load_records(
        [_write(tmp_path, {"specifications": [SPEC], "awards": [award]})]
    )

    (error,) = batch.errors
    assert "valid_until" in str(error)


def test_regression_duplicate_spec_names_both_places(tmp_path: Path) -> None:
    """A second, different specification with the same id names where the first was."""
    first = _write(tmp_path, {"specifications": [SPEC]}, "a.json")
    second = _write(tmp_path, {"specifications": [_set(SPEC, "ects", 5)]}, "b.json")

    batch = load_records([first, second])

    (error,) = batch.errors
    assert "a.json:specifications[0]" in str(error)
    assert error.source == "b.json:specifications[0]"


def test_csv_with_a_column_twice_is_refused(tmp_path: Path) -> None:
    """A CSV header naming a column twice is refused (one value would be lost)."""
    roster = tmp_path / "r.csv"
    roster.write_text("id,grade,grade\nr1,A,B\n", encoding="utf-8")

    with pytest.raises(InputError, match="columns given twice"):
        load_records([_write(tmp_path, SPEC, "s.json"), roster])


def test_section_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    """``awards: true`` is unusable input naming the section, not a TypeError."""
    with pytest.raises(InputError, match="'awards' must be a list"):
        load_records([_write(tmp_path, {"awards": True})])


def test_specification_default_language_applies_to_its_texts(tmp_path: Path) -> None:
    """A specification's own ``default_language`` tags its plain-string texts."""
    spec = dict(SPEC, title="Eau", default_language="fr")

    batch = load_records([_write(tmp_path, {"specifications": [spec]})])

    assert batch.specifications["mc-1"].title == {"fr": "Eau"}


def test_lone_surrogate_fails_its_award_only(tmp_path: Path) -> None:
    """An award holding a lone surrogate escape is an error; the others load."""
    path = tmp_path / "records.json"
    bad = {**AWARD, "id": "bad", "learner": {"full_name": "Sur\udc00rogate"}}
    document = {"specifications": [SPEC], "awards": [AWARD, bad]}
    path.write_text(json.dumps(document), encoding="utf-8")

    batch = load_records([path])

    assert [item.award.id for item in batch.awards] == [AWARD["id"]]
    (error,) = batch.errors
    assert error.record_id == "bad"
    assert "U+DC00" in str(error)


def test_award_of_a_refused_redefinition_is_not_issued_under_the_first(
    tmp_path: Path,
) -> None:
    """An award whose file's specification clashes with an earlier one is an error."""
    first = _write(tmp_path, {"specifications": [SPEC]}, "a.json")
    variant = _set(SPEC, "title", {"en": "Water, another definition"})
    award = {**AWARD, "id": "b-1", "specification": "mc-1"}
    second = _write(
        tmp_path, {"specifications": [variant], "awards": [award]}, "b.json"
    )

    batch = load_records([first, second])

    assert not batch.awards
    messages = [str(error) for error in batch.errors]
    assert any("already loaded" in message for message in messages)
    (refused,) = [e for e in batch.errors if e.record_id == "b-1"]
    assert refused.path == "specification"
    assert "b.json:specifications[0]" in str(refused)
