"""Tests of the ELM v3 expression of the Aurora profile in built credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from aurora_edc import SHACLValidator
from aurora_edc._build import CredentialBuilder
from aurora_edc._elm import Node, to_graph, to_jsonld
from aurora_edc._exceptions import RecordError
from aurora_edc._jsonld import parse_credential
from aurora_edc._loaders import load_records
from aurora_edc._records import Award
from aurora_edc._serialize import WRITERS, jsonld_bytes
from helpers import ISSUED, build_all

AURORA = Path(__file__).resolve().parents[1] / "fixtures/aurora"
ELM = "http://data.europa.eu/snb/model/elm/"
SKOS_IN = URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
HUB = "https://example.org/aurora/hub/sustainability-climate-change"
KC = "https://w3id.org/aurora-edc/vocab/key-competence/"


def _issue(name: str) -> list[Node]:
    _, credentials = build_all(AURORA / "organisations.yaml", AURORA / f"{name}.yaml")
    return credentials


def _claim(credential: Node) -> dict[str, Any]:
    claim: dict[str, Any] = to_jsonld(credential)["credentialSubject"]["hasClaim"]
    return claim


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("name", ["complete", "joint"])
@pytest.mark.parametrize("profile", ["edc-generic-full", "aurora"])
def test_complete_fixture_credentials_conform(name: str, profile: str) -> None:
    """Every credential of the complete fixtures conforms to generic-full and aurora."""
    validator = SHACLValidator(profile)

    for credential in _issue(name):
        report = validator.validate(to_graph(credential), source=credential.id)
        assert report.conforms, [f.to_dict() for f in report.violations]
        assert not report.findings, [f.to_dict() for f in report.findings]


@pytest.mark.parametrize("name", ["complete", "joint"])
def test_jsonld_expands_to_the_model_graph(name: str) -> None:
    """The Aurora nodes survive JSON-LD: parsing gives the model's graph."""
    credential = _issue(name)[0]

    parsed = parse_credential(jsonld_bytes(credential)).graph

    assert isomorphic(parsed, to_graph(credential))


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_alignment_survives_into_every_output(writer: str) -> None:
    """Hub, SDG, competences, notes and components appear in each output format."""
    credential = _issue("joint")[0]

    text = WRITERS[writer].write(credential).decode("utf-8")

    for needle in (
        HUB,
        "http://metadata.un.org/sdg/6",
        KC + "citizenship",
        "https://example.org/aurora/competence/intercultural",
        "Aurorisation Level 2",
        "Water governance in Central Europe",
        "Palacký University Olomouc",
    ):
        assert needle in text, (writer, needle)


def test_hub_and_sdgs_are_education_subjects_in_their_schemes() -> None:
    """Hubs and SDGs are educationSubject concepts carrying their skos:inScheme."""
    graph = to_graph(_issue("complete")[0])

    subjects = set(graph.objects(None, URIRef(ELM + "educationSubject")))
    schemes = {str(graph.value(s, SKOS_IN)) for s in subjects}

    assert {str(s) for s in subjects} == {
        HUB,
        "http://metadata.un.org/sdg/13",
        "http://metadata.un.org/sdg/4",
    }
    assert schemes == {"https://example.org/aurora/hub", "http://metadata.un.org/sdg"}


def test_competences_are_related_skills_of_their_outcome() -> None:
    """Key and framework competences are relatedSkill concepts on the right outcome."""
    claim = _claim(_issue("complete")[0])

    outcomes = claim["specifiedBy"]["learningOutcome"]
    skills = [{s["id"] for s in _as_list(o["relatedSkill"])} for o in outcomes]

    assert skills[0] == {
        KC + "stem",
        KC + "literacy",
        "https://example.org/aurora/competence/communication",
    }
    assert KC + "citizenship" in skills[1]


def test_notes_state_level_and_audience() -> None:
    """Notes tell a viewer the level, the alignment and the open audience."""
    notes = _as_list(_claim(_issue("complete")[0])["specifiedBy"]["additionalNote"])

    texts = [note["noteLiteral"]["en"] for note in notes]

    assert texts[0].startswith("Aurora micro-credential, Aurorisation Level 2.")
    assert "SDG 13: Climate action" in texts[0]
    assert texts[1] == "Open to students of all Aurora partner universities."


def test_joint_credential_shows_every_body_component_and_issuer() -> None:
    """All three partners award; each component names its partner; Naples can issue."""
    first, second = _issue("joint")
    claim = _claim(first)

    bodies = _as_list(claim["awardedBy"]["awardingBody"])
    countries = [b["location"]["address"]["countryCode"]["id"][-3:] for b in bodies]
    parts = {
        p["title"]["en"]: p["awardedBy"]["awardingBody"]["legalName"]["en"]
        for p in claim["hasPart"]
    }
    specs = _as_list(claim["specifiedBy"]["hasPart"])

    assert countries == ["AUT", "CZE", "ITA"]
    assert parts["Water governance in Central Europe"] == "Palacký University Olomouc"
    assert len(parts) == 3
    assert all(s["type"] == "Qualification" and s["accreditation"] for s in specs)
    assert to_jsonld(first)["issuer"]["legalName"]["en"] == "University of Innsbruck"
    assert (
        to_jsonld(second)["issuer"]["legalName"]["en"]
        == "University of Naples Federico II"
    )


def test_joint_workload_is_the_sum_of_its_components() -> None:
    """A joint offering without ects gets the sum of its components' credits."""
    claim = _claim(_issue("joint")[0])

    assert claim["specifiedBy"]["creditPoint"]["point"] == "6"
    assert [p["creditReceived"]["point"] for p in claim["hasPart"]] == ["2", "2", "2"]


def test_undesignated_issuer_is_a_record_error() -> None:
    """An award naming an issuer that is not designated is refused at its field."""
    batch = load_records([AURORA / "organisations.yaml", AURORA / "joint.yaml"])
    award = batch.awards[0].award.model_copy(update={"issuer": "olomouc"})
    builder = CredentialBuilder(organisations=dict(batch.organisations))

    with pytest.raises(RecordError) as caught:
        builder.build(batch.specifications["water-futures"], award, issued=ISSUED)

    assert caught.value.path == "issuer"
    assert "designated: innsbruck, naples" in str(caught.value)


def test_unknown_hub_fails_the_build_naming_the_field() -> None:
    """A hub code that is not in the hub vocabulary stops the credential."""
    batch = load_records([AURORA / "organisations.yaml", AURORA / "complete.yaml"])
    spec = batch.specifications["climate-communication"]
    aurora = spec.aurora.model_copy(update={"hubs": ["atlantis"]})  # type: ignore[union-attr]
    award = Award.model_validate(
        {"id": "x", "learner": {"full_name": "X"}, "awarded_on": "2026-01-01"}
    )

    with pytest.raises(RecordError) as caught:
        CredentialBuilder(organisations=dict(batch.organisations)).build(
            spec.model_copy(update={"aurora": aurora}), award, issued=ISSUED
        )

    assert caught.value.path == "aurora.hubs[0]"
    assert caught.value.record_id == "climate-communication"


def test_specification_without_aurora_data_gets_no_aurora_nodes(
    fixtures_dir: Path,
) -> None:
    """The EC sample's credential carries no educationSubject, note or part."""
    _, (credential,) = build_all(fixtures_dir / "ec-sample/records.yaml")
    graph: Graph = to_graph(credential)

    for term in ("educationSubject", "additionalNote", "hasPart"):
        assert not list(graph.triples((None, URIRef(ELM + term), None))), term
    assert not list(graph.triples((None, None, Literal("Aurora"))))
