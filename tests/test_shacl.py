"""SHACL validation of EDCs against the EC's profiles, import closure resolved."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from aurora_edc import (
    CredentialGraph,
    InputError,
    Severity,
    SHACLConformanceError,
    SHACLValidator,
    ShapeProfile,
    UnknownProfileError,
    ValidationReport,
    credential_report,
    is_valid_credential,
    iter_credential_findings,
    parse_credential,
    profile_names,
    validate_credential,
)
from aurora_edc._shacl import get_profile
from aurora_edc._shacl_results import compact_iri

SH = "http://www.w3.org/ns/shacl#"
CRED = "https://www.w3.org/2018/credentials#"
ELM = "http://data.europa.eu/snb/model/elm/"
NO_CV = "http://data.europa.eu/snb/model/ap/edc-generic-no-cv/"
MC_UNSIGNED_ID = "urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b"

# notes/elm.md §5.1: (conforms, SHACL Violations) of each sample per profile.
SAMPLES = ("unsigned", "sealed", "jsonld", "ttl")
EC_RESULTS = {
    "edc-generic-no-cv": ((False, 2), (True, 0), (False, 2), (False, 3)),
    "edc-generic-full": ((False, 2), (True, 0), (False, 2), (False, 4)),
    "edc-accredited": ((False, 3), (False, 1), (False, 3), (False, 5)),
    "edc-diploma-supplement": ((False, 6), (False, 4), (False, 6), (False, 8)),
    "edc-issued-by-mandate": ((False, 3), (True, 0), (False, 3), (False, 5)),
    "edc-converted": ((False, 3), (False, 1), (False, 3), (False, 5)),
}


@pytest.fixture(scope="module")
def samples(shared: Path) -> Path:
    """Return the EC's ELM v3 samples folder."""
    return shared / "elm" / "v3" / "samples"


@pytest.fixture(scope="module")
def credentials(samples: Path) -> dict[str, CredentialGraph]:
    """Return the four EC samples of notes/elm.md §5.1, each parsed once."""
    files = {
        "unsigned": "Sample-MC-Annex1-unsigned.jsonld",
        "sealed": "Sample-MC-Annex1-signed.jsonld",
        "jsonld": "credential-sample.jsonld",
        "ttl": "credential-sample.ttl",
    }
    return {name: parse_credential(samples / file) for name, file in files.items()}


@pytest.fixture(scope="module")
def sealed_payload(samples: Path) -> dict[str, Any]:
    """Return the credential inside the EC's sealed micro-credential sample."""
    sealed = json.loads((samples / "Sample-MC-Annex1-signed.jsonld").read_text("utf-8"))
    payload: dict[str, Any] = json.loads(sealed["payload"])
    return payload


@pytest.mark.parametrize("profile", list(EC_RESULTS))
def test_ec_samples_give_the_known_results(
    profile: str, credentials: dict[str, CredentialGraph]
) -> None:
    """Each profile, closure resolved, reproduces the table of notes/elm.md §5.1."""
    validator = SHACLValidator(profile)

    for sample, expected in zip(SAMPLES, EC_RESULTS[profile], strict=True):
        report = validator.validate(credentials[sample])
        shacl = [f for f in report.violations if f.check == "shacl"]
        assert (report.conforms, len(shacl)) == expected, sample


def test_mc_unsigned_fails_generic_full_with_the_two_known_results(
    credentials: dict[str, CredentialGraph],
) -> None:
    """No cred:issued, and an issuer without elm:eidasLegalIdentifier."""
    report = credential_report(credentials["unsigned"])

    issued, issuer = report.violations
    assert (issued.focus, issued.path, issued.constraint, issued.shape) == (
        MC_UNSIGNED_ID,
        CRED + "issued",
        SH + "MinCountConstraintComponent",
        NO_CV + "EuropeanDigitalCredential-cred_issued",
    )
    assert (issuer.focus, issuer.path, issuer.constraint, issuer.value) == (
        MC_UNSIGNED_ID,
        CRED + "issuer",
        SH + "NodeConstraintComponent",
        "urn:epass:org:1",
    )
    assert "edc:IssuerNodeShape" in issuer.message
    assert "elm:eidasLegalIdentifier" in issuer.message
    assert report.profile == "edc-generic-full"


def test_sealed_payload_conforms_with_the_nationalid_info(
    credentials: dict[str, CredentialGraph],
) -> None:
    """The sealed MC conforms; the context's nationalID defect is an Info."""
    report = credential_report(credentials["sealed"])

    assert report.conforms
    [info] = report.findings
    assert (info.severity, info.check, info.constraint) == (
        Severity.INFO,
        "context",
        "context-defect",
    )


def test_bad_national_id_is_caught_despite_the_context_defect(
    sealed_payload: dict[str, Any],
) -> None:
    """A non-LegalIdentifier under nationalID fails elm:nationalId's sh:class."""
    document = copy.deepcopy(sealed_payload)
    document["credentialSubject"]["nationalID"] = {
        "id": "mailto:someone@example.org",
        "type": "Mailbox",
    }

    report = credential_report(document, source="bad-national-id.jsonld")

    [violation] = report.violations
    assert violation.focus == "urn:epass:person:1"
    assert violation.path == ELM + "nationalId"
    assert violation.constraint == SH + "ClassConstraintComponent"
    assert violation.value == "mailto:someone@example.org"


def test_unmapped_key_makes_a_conforming_credential_fail(
    sealed_payload: dict[str, Any],
) -> None:
    """Data silently lost by expansion is a Violation in the report."""
    document = copy.deepcopy(sealed_payload)
    document["credentialSubject"]["dateOfBrith"] = "2000-01-01T00:00:00Z"

    report = credential_report(document)

    [violation] = report.violations
    assert (violation.check, violation.path) == (
        "context",
        "credentialSubject.dateOfBrith",
    )


def test_validate_credential_raises_with_the_findings(
    credentials: dict[str, CredentialGraph],
) -> None:
    """validate_credential raises SHACLConformanceError carrying every finding."""
    with pytest.raises(SHACLConformanceError) as caught:
        validate_credential(credentials["unsigned"])

    assert isinstance(caught.value, ValueError)
    assert len(caught.value.results) == 3
    assert "2 violation(s)" in str(caught.value)
    assert MC_UNSIGNED_ID in str(caught.value)


def test_three_entry_points_agree(credentials: dict[str, CredentialGraph]) -> None:
    """Boolean, iterator and report forms give the same verdict and findings."""
    sealed = credentials["sealed"]

    report = validate_credential(sealed, "edc-issued-by-mandate")

    assert is_valid_credential(sealed, "edc-issued-by-mandate")
    assert not is_valid_credential(sealed, "edc-accredited")
    assert tuple(iter_credential_findings(sealed, "edc-issued-by-mandate")) == (
        report.findings
    )


def test_profile_names_and_lookup_by_iri() -> None:
    """Six EC profiles and aurora, the default first; an EC profile IRI names one."""
    names = profile_names()

    assert names[0] == "edc-generic-full"
    assert set(names) == {*EC_RESULTS, "aurora"}
    iri = "http://data.europa.eu/snb/model/ap/edc-accredited"
    assert get_profile(iri).name == "edc-accredited"


def test_unknown_profile_is_a_lookup_error() -> None:
    """An unknown profile name raises UnknownProfileError listing the known ones."""
    with pytest.raises(UnknownProfileError, match="edc-generic-full") as caught:
        SHACLValidator("edc-generic-fool")

    assert isinstance(caught.value, LookupError)


def test_unknown_engine_is_refused() -> None:
    """An engine other than pyshacl and pyrudof is refused, naming both."""
    with pytest.raises(ValueError, match="pyrudof"):
        SHACLValidator(engine="topbraid")


def test_shapes_are_parsed_once_and_left_untouched(
    credentials: dict[str, CredentialGraph],
) -> None:
    """Validators of one profile share one shapes graph that validation keeps intact."""
    first = SHACLValidator("edc-generic-full")
    size = len(first.shapes)

    first.validate(credentials["unsigned"])

    assert SHACLValidator("edc-generic-full").shapes is first.shapes
    assert len(first.shapes) == size


def test_local_profile_layers_on_an_ec_profile(
    tmp_path: Path, credentials: dict[str, CredentialGraph]
) -> None:
    """A ShapeProfile of an EC URL plus a local Turtle file applies both."""
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix elm: <http://data.europa.eu/snb/model/elm/> .\n"
        "<urn:x-test:PersonNeedsPlace> a sh:NodeShape ;\n"
        "  sh:targetClass elm:Person ;\n"
        "  sh:property [ sh:path elm:placeOfBirth ; sh:minCount 1 ] .\n"
    )
    profile = ShapeProfile(
        "local",
        ("http://data.europa.eu/snb/model/ap/edc-generic-full", extra),
    )

    report = SHACLValidator(profile).validate(credentials["sealed"])

    [violation] = report.violations
    assert violation.path == ELM + "placeOfBirth"
    assert violation.shape == f"urn:x-test:PersonNeedsPlace > {ELM}placeOfBirth"
    assert report.profile == "local"


def test_rdflib_graph_input(samples: Path) -> None:
    """A plain rdflib graph validates like a file (no context findings)."""
    graph = Graph().parse(samples / "credential-sample.ttl")

    report = credential_report(graph, "edc-generic-no-cv")

    assert isinstance(report, ValidationReport)
    assert report.source == "<graph>"
    assert len(report.violations) == 3


def test_compact_iri_uses_edc_prefixes() -> None:
    """IRIs are shortened with the EDC prefixes; other text is kept."""
    assert compact_iri(CRED + "issued") == "cred:issued"
    assert compact_iri(NO_CV + "IssuerNodeShape") == "edc:IssuerNodeShape"
    assert compact_iri("urn:epass:org:1") == "urn:epass:org:1"


# --- regressions: graphs that hold no credential ------------------------------


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"", "turtle"),
        (b"@prefix ex: <http://e/> .\nex:a ex:b ex:c .\n", "turtle"),
        (b"{}", None),
        (b'{"@context": ["https://www.w3.org/2018/credentials/v1"]}', None),
        (b'{"payload": "{}", "signatures": []}', None),
    ],
    ids=["empty-turtle", "unrelated-triple", "empty-object", "context-only", "jws"],
)
def test_validate_passes_non_credentials(
    data: bytes, fmt: str | None, tmp_path: Path
) -> None:
    """A file without an EDC node does not conform: one structure Violation."""
    path = tmp_path / ("input.ttl" if fmt else "input.jsonld")
    path.write_bytes(data)

    report = credential_report(path)

    assert not report.conforms
    [finding] = report.violations
    assert (finding.check, finding.constraint) == ("structure", "credential-root")
    assert "found none" in finding.message
    assert "elm:EuropeanDigitalCredential" in finding.message


def test_empty_graph_and_empty_dict_do_not_conform() -> None:
    """credential_report(Graph()) and credential_report({}) report the missing EDC."""
    inputs: tuple[Graph | dict[str, Any], ...] = (Graph(), {})
    for data in inputs:
        report = credential_report(data)

        assert not report.conforms
        assert [f.check for f in report.findings] == ["structure"]


@pytest.mark.skipif(
    importlib.util.find_spec("pyrudof") is None, reason="pyrudof not installed"
)
def test_empty_graph_with_the_pyrudof_engine_is_not_an_input_error() -> None:
    """An empty graph fails the check under pyrudof too (which refuses no data)."""
    report = credential_report(Graph(), engine="pyrudof")

    assert [f.check for f in report.violations] == ["structure"]


def test_types_present_are_named_when_no_edc_is_found(
    sealed_payload: dict[str, Any],
) -> None:
    """A VerifiableCredential that is no EDC is named among the types found."""
    document = {**sealed_payload, "type": ["VerifiableCredential"]}

    report = credential_report(document)

    structure = [f for f in report.violations if f.check == "structure"]
    assert len(structure) == 1
    assert "cred:VerifiableCredential" in structure[0].message


def test_two_credentials_in_one_document_are_each_reported(
    credentials: dict[str, CredentialGraph],
) -> None:
    """A document with two EDC nodes gets one structure Violation per node."""
    merged = Graph()
    for name in ("sealed", "jsonld"):
        for triple in credentials[name].graph:
            merged.add(triple)

    report = credential_report(CredentialGraph(merged, "two.jsonld"))

    structure = [f for f in report.violations if f.check == "structure"]
    assert sorted(f.focus or "" for f in structure) == [
        "http://example.org/credential132",
        "urn:credential:1018d05f-21d5-4555-b7f0-8fabfd22ca75",
    ]
    assert all("found 2" in f.message for f in structure)


def test_a_merged_graph_may_hold_several_credentials(
    credentials: dict[str, CredentialGraph],
) -> None:
    """An rdflib graph of several credentials (batch validation) needs one or more."""
    merged = Graph()
    for name in ("sealed", "unsigned"):
        for triple in credentials[name].graph:
            merged.add(triple)

    report = credential_report(merged)

    assert [f for f in report.findings if f.check == "structure"] == []


def test_max_triples_reaches_the_reader(samples: Path) -> None:
    """credential_report passes max_triples on: a low limit makes it unusable."""
    path = samples / "Sample-MC-Annex1-signed.jsonld"

    with pytest.raises(InputError, match="353 triples, over the limit of 300"):
        credential_report(path, max_triples=300)
