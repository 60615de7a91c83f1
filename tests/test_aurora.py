"""Tests of the Aurora profile's criteria on specifications, and their SHACL twins."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from aurora_edc import CheckStatus, SHACLValidator, check_specification
from aurora_edc._aurora import ANNEX_I, AURORA_CRITERIA, criterion_for_shape
from aurora_edc._build import CredentialBuilder
from aurora_edc._elm import to_graph
from aurora_edc._loaders import RecordBatch, load_records
from aurora_edc._records import Award

AURORA = Path(__file__).resolve().parents[1] / "fixtures/aurora"
ISSUED = datetime(2026, 7, 20, 10, 0, tzinfo=UTC)
# Each fixture lacks exactly one Annex I element that a specification can miss.
MISSING = (
    "learning-outcomes",
    "workload",
    "eqf-level",
    "assessment-type",
    "participation-form",
    "quality-assurance",
)
NAMES = {criterion.id: criterion.name for criterion in (*ANNEX_I, *AURORA_CRITERIA)}


@pytest.fixture(scope="module")
def catalogue() -> RecordBatch:
    """Every Aurora fixture, loaded together."""
    batch = load_records(sorted(AURORA.glob("*.yaml")))
    assert not batch.errors, [str(error) for error in batch.errors]
    return batch


@pytest.fixture(scope="module")
def aurora_validator() -> SHACLValidator:
    """The aurora SHACL profile (default configuration)."""
    return SHACLValidator("aurora")


def _credential_graph(batch: RecordBatch, spec_id: str):  # type: ignore[no-untyped-def]
    award = Award.model_validate(
        {
            "id": f"probe-{spec_id}",
            "learner": {"full_name": "Probe Learner"},
            "awarded_on": "2026-07-01",
        }
    )
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    credential = builder.build(batch.specifications[spec_id], award, issued=ISSUED)
    return to_graph(credential)


@pytest.mark.parametrize("element", MISSING)
def test_missing_annex_i_element_is_named_by_check_and_shacl(
    catalogue: RecordBatch, aurora_validator: SHACLValidator, element: str
) -> None:
    """A missing Annex I element is named by check and by the aurora shapes."""
    spec = catalogue.specifications[f"missing-{element}"]

    report = check_specification(spec, organisations=catalogue.organisations)
    shacl = aurora_validator.validate(
        _credential_graph(catalogue, spec.id), source=spec.id
    )

    result = report.result(element)
    assert result.status is CheckStatus.MISSING
    assert result.criterion.name == NAMES[element]
    assert not report.meets_profile
    named = [
        f for f in shacl.violations if criterion_for_shape(f.shape) == result.criterion
    ]
    assert len(named) == 1
    assert NAMES[element] in named[0].message
    other_annex = {
        r.criterion.id for r in report.shortfalls if r.criterion.group == "Annex I"
    }
    assert other_annex == {element}


@pytest.mark.parametrize("spec_id", ["climate-communication", "water-futures"])
def test_complete_offerings_meet_the_profile_at_level_2(
    catalogue: RecordBatch, spec_id: str
) -> None:
    """The complete and the joint fixture meet every criterion, at Level 2."""
    report = check_specification(
        catalogue.specifications[spec_id], organisations=catalogue.organisations
    )

    assert report.meets_profile, [r.to_dict() for r in report.shortfalls]
    assert (report.level, report.level_label) == (2, "Level 2")
    assert all(r.status is not CheckStatus.WARNING for r in report.results)


def test_offering_below_level_2_falls_short_on_level(
    catalogue: RecordBatch, aurora_validator: SHACLValidator
) -> None:
    """An offering with a hub only is Level 1: check and SHACL both flag the level."""
    spec = catalogue.specifications["digital-humanities-intro"]

    report = check_specification(spec, organisations=catalogue.organisations)
    shacl = aurora_validator.validate(
        _credential_graph(catalogue, spec.id), source=spec.id
    )

    assert report.level == 1
    level = report.result("level")
    assert level.status is CheckStatus.MISSING
    assert "UN Sustainable Development Goal" in level.detail
    assert "key competence" in level.detail
    flagged = {criterion_for_shape(f.shape).id for f in shacl.violations}  # type: ignore[union-attr]
    assert flagged == {"sdg", "key-competence"}
    assert all("Aurorisation below Level 2" in f.message for f in shacl.violations)


def test_size_outside_range_is_a_warning_not_a_shortfall(
    catalogue: RecordBatch,
) -> None:
    """12 ECTS is a warning; the offering still meets the profile."""
    spec = catalogue.specifications["climate-communication"]

    report = check_specification(
        spec.model_copy(update={"ects": Decimal(12)}),
        organisations=catalogue.organisations,
    )

    assert report.result("size").status is CheckStatus.WARNING
    assert "3-10 ECTS" in report.result("size").detail
    assert report.meets_profile


def test_component_without_quality_assurance_is_named(catalogue: RecordBatch) -> None:
    """A joint component with no QA (and an unaccredited partner) is a shortfall."""
    spec = catalogue.specifications["water-futures"]
    components = list(spec.components)
    components[2] = components[2].model_copy(update={"quality_assurance": []})

    report = check_specification(
        spec.model_copy(update={"components": components}),
        organisations=catalogue.organisations,
    )

    result = report.result("components")
    assert result.status is CheckStatus.MISSING
    assert "'society' has no quality assurance" in result.detail


def test_unknown_hub_is_a_shortfall_with_the_vocabulary_error(
    catalogue: RecordBatch,
) -> None:
    """A hub code not in the hub vocabulary is reported on the hub criterion."""
    spec = catalogue.specifications["climate-communication"]
    aurora = spec.aurora.model_copy(update={"hubs": ["no-such-hub"]})  # type: ignore[union-attr]

    report = check_specification(
        spec.model_copy(update={"aurora": aurora}),
        organisations=catalogue.organisations,
    )

    assert report.result("hub").status is CheckStatus.MISSING
    assert "no-such-hub" in report.result("hub").detail
    assert report.level == 0


def test_unknown_awarding_body_is_reported(catalogue: RecordBatch) -> None:
    """An awarding body id that names no loaded organisation is a shortfall."""
    spec = catalogue.specifications["climate-communication"]

    report = check_specification(spec, organisations={})

    assert report.result("awarding-body").status is CheckStatus.MISSING
    assert report.result("issuer-country").status is CheckStatus.MISSING


def test_report_is_json_ready(catalogue: RecordBatch) -> None:
    """to_dict gives plain data with every criterion once."""
    report = check_specification(
        catalogue.specifications["water-futures"], organisations=catalogue.organisations
    )

    data = json.loads(json.dumps(report.to_dict()))

    assert [r["criterion"] for r in data["results"]] == [*NAMES]
    assert data["meets_profile"] is True


def test_every_criterion_maps_back_from_its_shape() -> None:
    """criterion_for_shape inverts Criterion.shape; foreign shapes map to None."""
    for criterion in (*ANNEX_I, *AURORA_CRITERIA):
        assert criterion_for_shape(criterion.shape) == criterion
    assert criterion_for_shape("http://data.europa.eu/snb/model/ap/x") is None
    assert criterion_for_shape(None) is None
