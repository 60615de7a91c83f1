"""Tests of the credential builder: records -> ELM v3 model -> JSON-LD and RDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from aurora_edc._build import CredentialBuilder
from aurora_edc._elm import to_graph, to_jsonld
from aurora_edc._exceptions import RecordError
from aurora_edc._jsonld import parse_credential
from aurora_edc._records import Award, Organisation, Specification
from aurora_edc._serialize import jsonld_bytes
from aurora_edc._shacl import SHACLValidator
from helpers import ISSUED, build_all, facts
from strategies import TEXT, awards, codes, lang_text, organisations

FIXTURE_FILES = {
    "ec-sample": ["ec-sample/records.yaml"],
    "joint": ["joint/records.yaml"],
    "roster": ["roster/spec.yaml", "roster/roster.csv"],
}

# What our credential for the EC sample states that the unsigned sample does
# not: the fields edc-generic-full requires and the EC adds only at sealing,
# facts aurora-edc always records (awarding date, credits received), the
# assessment specification also linked from the qualification (Annex I: type of
# assessment, stated by the offering), and the official assessment type.
OUR_EXTRAS = (
    "issued",
    "issuanceDate",
    "eidasLegalIdentifier",
    "awardingDate",
    "creditReceived",
    "credentialSchema",
    "hasClaim/specifiedBy/provenBy",
    "provenBy/specifiedBy/type",
)
# What the EC sample states that our records deliberately do not carry (see the
# fixture's header): embedded images and the custom assessment-type concept.
EC_ONLY = (
    "logo",
    "displayDetail/image",
    "LearningAssessmentSpecification",
    "urn:epass:concept",
)


def _paths(fixtures_dir: Path, name: str) -> list[Path]:
    return [fixtures_dir / rel for rel in FIXTURE_FILES[name]]


@pytest.mark.parametrize("name", sorted(FIXTURE_FILES))
def test_fixture_credentials_conform_to_generic_full(
    fixtures_dir: Path, name: str
) -> None:
    """Every credential issued from the fixtures conforms to edc-generic-full."""
    _, credentials = build_all(*_paths(fixtures_dir, name))
    validator = SHACLValidator("edc-generic-full")

    for credential in credentials[:5]:
        report = validator.validate(to_graph(credential), source=credential.id)
        assert report.conforms, [f.to_dict() for f in report.violations]


@pytest.mark.parametrize("name", sorted(FIXTURE_FILES))
def test_jsonld_expands_to_the_model_graph(fixtures_dir: Path, name: str) -> None:
    """The JSON-LD, parsed by a JSON-LD processor, is the graph the model gives."""
    _, credentials = build_all(*_paths(fixtures_dir, name))
    credential = credentials[0]

    parsed = parse_credential(jsonld_bytes(credential)).graph

    assert isomorphic(parsed, to_graph(credential))


def test_ec_sample_facts_are_all_stated(fixtures_dir: Path, shared: Path) -> None:
    """Our credential for the EC sample states every fact of the EC's sample."""
    _, (ours,) = build_all(*_paths(fixtures_dir, "ec-sample"))
    ec = parse_credential(
        shared / "elm/v3/samples/Sample-MC-Annex1-unsigned.jsonld"
    ).graph

    ec_facts = facts(ec)
    our_facts = facts(to_graph(ours))

    missing = {
        f
        for f in ec_facts - our_facts
        if not any(x in f[0] or x in f[1] for x in EC_ONLY)
    }
    assert not missing, sorted(missing)
    extra = {
        f
        for f in our_facts - ec_facts
        if not any(x in f[0] for x in (*OUR_EXTRAS, *EC_ONLY))
    }
    assert not extra, sorted(extra)


def test_same_record_gives_same_ids(fixtures_dir: Path) -> None:
    """Issuing the same record twice gives byte-identical JSON-LD."""
    _, first = build_all(*_paths(fixtures_dir, "joint"))
    _, second = build_all(*_paths(fixtures_dir, "joint"))

    assert [jsonld_bytes(c) for c in first] == [jsonld_bytes(c) for c in second]


def test_node_ids_are_unique_across_credentials(fixtures_dir: Path) -> None:
    """Merging the graphs of several credentials never merges their learners' nodes."""
    _, credentials = build_all(*_paths(fixtures_dir, "roster"))
    merged = Graph()
    for credential in credentials[:10]:
        to_graph(credential, merged)

    report = SHACLValidator("edc-generic-full").validate(merged, source="merged")

    assert report.conforms, [f.to_dict() for f in report.violations][:5]
    assert all(not n.id.startswith("urn:epass:") for c in credentials for n in c.walk())


def test_jsonld_is_nested_like_the_ec_samples(fixtures_dir: Path) -> None:
    """The document is one nested credential with the VC 1.1 and EDC contexts."""
    _, (credential,) = build_all(*_paths(fixtures_dir, "ec-sample"))

    document = to_jsonld(credential)

    assert document["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
    ]
    assert "@graph" not in document
    assert document["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    subject = document["credentialSubject"]
    assert (
        subject["hasClaim"]["specifiedBy"]["eqfLevel"]["id"]
        == "http://data.europa.eu/snb/eqf/6"
    )
    assert document["issuer"]["eIDASIdentifier"]["notation"] == "VATIE-654321"
    json.dumps(document)


def test_joint_credential_names_both_awarding_bodies(fixtures_dir: Path) -> None:
    """A joint award lists every awarding body; the designated issuer issues it."""
    _, credentials = build_all(*_paths(fixtures_dir, "joint"))

    document = to_jsonld(credentials[0])

    bodies = document["credentialSubject"]["hasClaim"]["awardedBy"]["awardingBody"]
    names = sorted(body["legalName"]["en"] for body in bodies)
    assert names == ["Palacký University Olomouc", "University of Innsbruck"]
    assert document["issuer"]["legalName"]["de"] == "Universität Innsbruck"


# --- generated records -------------------------------------------------------


LANG_TEXT = lang_text(["en", "de", "cs", "fr", "es", "is", "it", "nl", "da"])
ORGS = organisations(LANG_TEXT, ["AT", "CZ", "IS", "NL", "DK", "ES", "IT", "FR", "DE"])
SPECS = st.builds(
    lambda title, org, eqf, isced, ects, mode, lang, outcomes: Specification(
        id="spec",
        title=title,
        awarding_body=[org],
        eqf_level=eqf,
        isced_f=isced,
        ects=ects,
        mode=mode,
        languages=lang,
        learning_outcomes=[{"title": outcome} for outcome in outcomes],
    ),
    LANG_TEXT,
    ORGS,
    st.one_of(st.none(), codes("eqf")),
    st.lists(codes("isced-f"), max_size=2, unique=True),
    st.one_of(st.none(), st.integers(1, 30)),
    st.lists(codes("mode"), max_size=2, unique=True),
    st.lists(codes("language"), max_size=2, unique=True),
    st.lists(LANG_TEXT, max_size=3),
)
AWARDS = awards(TEXT)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=SPECS, award=AWARDS)
def test_generated_records_conform_and_round_trip(
    spec: Specification, award: Award
) -> None:
    """Any valid record gives a conformant credential whose JSON-LD round-trips."""
    credential = CredentialBuilder().build(spec, award, issued=ISSUED)
    graph = to_graph(credential)

    report = SHACLValidator("edc-generic-full").validate(graph, source="generated")
    assert report.conforms, [f.to_dict() for f in report.violations]

    parsed = parse_credential(jsonld_bytes(credential)).graph
    again = Graph().parse(data=parsed.serialize(format="json-ld"), format="json-ld")
    assert isomorphic(parsed, graph)
    assert isomorphic(again, graph)


def test_org_id_that_is_not_a_writable_iri_gets_a_derived_id() -> None:
    """An organisation id like ``urn:evil>id`` is never used as a node IRI."""
    org = Organisation(
        id="urn:evil>id", legal_name="O", country="AT", eidas_id="VATAT-1"
    )
    spec = Specification(id="s", title="T", awarding_body=[org])
    award = Award(id="a", learner={"full_name": "A B"}, awarded_on="2026-01-01")

    credential = CredentialBuilder().build(spec, award, issued=ISSUED)

    assert credential.get("issuer").id.startswith("urn:uuid:")
    assert b"evil>" not in to_graph(credential).serialize(format="nt", encoding="utf-8")


def test_same_local_org_id_at_two_universities_does_not_collide() -> None:
    """Two universities that both call themselves ``uni`` get different node ids."""
    award = Award(id="a1", learner={"full_name": "A B"}, awarded_on="2026-01-01")
    ids = []
    for country, name in (("AT", "Alpha"), ("FR", "Beta")):
        org = Organisation(
            id="uni", legal_name=name, country=country, eidas_id=f"VAT{country}-1"
        )
        spec = Specification(id="s", title="T", awarding_body=[org])
        ids.append(CredentialBuilder().build(spec, award, issued=ISSUED).id)

    assert ids[0] != ids[1]


def test_regression_same_org_id_with_other_content_is_refused() -> None:
    """Two different organisations under one id never lend one's name to the other."""
    builder = CredentialBuilder()
    award = Award(id="a1", learner={"full_name": "A B"}, awarded_on="2026-01-01")
    for name in ("Alpha University", "Beta College"):
        org = Organisation(id="uni", legal_name=name, country="AT", eidas_id="VATAT-1")
        spec = Specification(id=name, title="T", awarding_body=[org])
        if name.startswith("Alpha"):
            builder.build(spec, award, issued=ISSUED)
            continue
        with pytest.raises(RecordError, match="defined twice"):
            builder.build(spec, award, issued=ISSUED)


def test_regression_cyclic_accreditation_does_not_recurse() -> None:
    """An organisation that accredits itself builds without RecursionError."""
    org = Organisation(
        id="self",
        legal_name="S",
        country="AT",
        eidas_id="VATAT-2",
        accreditation=[
            {"type": "Institutional Quality Assurance", "title": "QA", "agent": "self"}
        ],
    )
    spec = Specification(id="s", title="T", awarding_body=[org])
    award = Award(id="a", learner={"full_name": "A B"}, awarded_on="2026-01-01")

    credential = CredentialBuilder(organisations={"self": org}).build(
        spec, award, issued=ISSUED
    )

    issuer = credential.get("issuer")
    (accreditation,) = issuer.get("accreditation")
    assert accreditation.get("accreditingAgent") is issuer


def test_grade_without_assessment_is_kept() -> None:
    """A grade is written even when the offering describes no assessment."""
    org = Organisation(id="o", legal_name="O", country="AT", eidas_id="VATAT-3")
    spec = Specification(id="s", title="Water", awarding_body=[org])
    award = Award(
        id="a", learner={"full_name": "A B"}, awarded_on="2026-01-01", grade="8/10"
    )

    document = to_jsonld(CredentialBuilder().build(spec, award, issued=ISSUED))

    proven = document["credentialSubject"]["hasClaim"]["provenBy"]
    assert proven["grade"]["noteLiteral"] == {"en": "8/10"}
    assert proven["title"] == {"en": "Water"}


def test_full_name_has_one_language() -> None:
    """Given name in English and family name in German give one full name."""
    org = Organisation(id="o", legal_name="O", country="AT", eidas_id="VATAT-4")
    spec = Specification(id="s", title="T", awarding_body=[org])
    award = Award(
        id="a",
        learner={"given_name": {"en": "Ana"}, "family_name": {"de": "Schmidt"}},
        awarded_on="2026-01-01",
    )

    person = to_jsonld(CredentialBuilder().build(spec, award, issued=ISSUED))[
        "credentialSubject"
    ]

    assert person["fullName"] == {"en": "Ana Schmidt"}
