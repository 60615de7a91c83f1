"""Tests of offline XML Schema validation (``_xsd``, ``_xsd_findings``)."""

from __future__ import annotations

import hashlib
import http.server
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from aurora_edc import (
    ArtefactCatalogue,
    ArtefactNotFoundError,
    InputError,
    Severity,
    UnknownSchemaError,
    UnsafeXMLError,
    XSDConformanceError,
    default_catalogue,
)
from aurora_edc._catalogue import Artefact
from aurora_edc._xmlsafe import parse_xml
from aurora_edc._xsd import (
    detect_schema,
    is_valid_xml,
    iter_xml_findings,
    schema_names,
    schema_url,
    validate_xml,
    xml_report,
    xml_schema,
)
from aurora_edc._xsd_findings import _rule

SAMPLES = {
    "elm/v2/samples/AnaAndromeda_CivilEngineering_signed.xml": "generic-1.0",
    "elm/v2/samples/EDC_DiplomaSupplement_AA_signed.xml": "mandated-dp-1.2",
    "elm/v2/samples/EDC_SampleDegree_AA.xml": "diploma-supplement-1.2",
    "elm/v2/samples/EDC_WileECoyote_Simple.xml": "generic-1.2",
    "elm/v3/xsd/loq/loq.xml": "loq",
    "elm/v3/xsd/loq/loq_withLearningAchievementSpecification.xml": "loq",
    "elm/v3/xsd/ams/ams.xml": "ams",
}
ANA = "elm/v2/samples/AnaAndromeda_CivilEngineering_signed.xml"
SEALED_DS = "elm/v2/samples/EDC_DiplomaSupplement_AA_signed.xml"
DEGREE = "elm/v2/samples/EDC_SampleDegree_AA.xml"
WILE = "elm/v2/samples/EDC_WileECoyote_Simple.xml"

SNB = "http://data.europa.eu/snb"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
GENERIC_TYPE = "http://data.europa.eu/snb/credential/e34929035b"
DS_TYPE = "http://data.europa.eu/snb/credential/6dff8a0f87"


def credential(location: str | None = None, kind: str | None = None) -> str:
    """Return a minimal ELM credential naming a schema and a type."""
    located = f' xsi:schemaLocation="{SNB} {location}"' if location else ""
    typed = f'<type uri="{kind}"/>' if kind else ""

    return (
        f'<europassCredential xmlns="{SNB}" xmlns:xsi="{XSI}"{located}>'
        f"{typed}</europassCredential>"
    )


def presentation(location: str | None = None, kind: str | None = None) -> str:
    """Return a minimal sealed presentation wrapping a typed credential."""
    located = f' xsi:schemaLocation="{SNB} {location}"' if location else ""
    inner = credential(kind=kind)

    return (
        f'<vp:verifiablePresentation xmlns:vp="{SNB}/vp" xmlns:xsi="{XSI}"'
        f"{located}>{inner}</vp:verifiablePresentation>"
    )


@pytest.mark.parametrize(("relative", "expected"), SAMPLES.items())
def test_every_ec_sample_is_valid_against_its_detected_schema(
    shared: Path, relative: str, expected: str
) -> None:
    """Each EC XML sample, sealed or not, validates against the schema it names."""
    report = xml_report(shared / relative)

    assert report.profile == expected
    assert report.findings == ()
    assert report.conforms
    assert report.source == str(shared / relative)


def test_ana_andromeda_is_valid_against_elm_1_0(shared: Path) -> None:
    """The 1.0 sample conforms to ``genericschema.xsd`` when forced."""
    assert is_valid_xml(shared / ANA, schema="generic-1.0")


def test_ana_andromeda_fails_elm_1_2_with_one_ordering_error(shared: Path) -> None:
    """Against 1.2, the 1.0 sample lacks primaryLanguage before cred:validFrom."""
    report = xml_report(shared / ANA, schema="generic-1.2")

    assert report.profile == "generic-1.2"
    assert not report.conforms
    [finding] = report.findings
    assert finding.message == (
        "Unexpected child cred:validFrom in europassCredential: "
        "expected primaryLanguage"
    )
    assert finding.focus == "/europassCredential/cred:validFrom"
    assert finding.line == 13
    assert finding.constraint == "cvc-complex-type.2.4"
    assert finding.check == "xsd"
    assert finding.severity is Severity.VIOLATION


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (credential(schema_url("generic-1.0")), "generic-1.0"),
        (credential(schema_url("generic-1.2")), "generic-1.2"),
        (credential(schema_url("diploma-supplement-1.2")), "diploma-supplement-1.2"),
        (credential(schema_url("accreditation-1.2")), "accreditation-1.2"),
        (credential("genericschema_1.2.xsd", DS_TYPE), "generic-1.2"),
        (credential(None, DS_TYPE), "diploma-supplement-1.2"),
        (credential(None, GENERIC_TYPE), "generic-1.2"),
        (credential(None), "generic-1.2"),
        (credential("local/copy/of/genericschema.xsd"), "generic-1.0"),
        (
            credential("http://example.org/unknown.xsd", DS_TYPE),
            "diploma-supplement-1.2",
        ),
        (presentation(schema_url("mandated-generic-1.2")), "mandated-generic-1.2"),
        (presentation(schema_url("mandated-dp-1.2")), "mandated-dp-1.2"),
        (presentation(schema_url("mandated-accred-1.2")), "mandated-accred-1.2"),
        (presentation(None, DS_TYPE), "mandated-dp-1.2"),
        (presentation(None, GENERIC_TYPE), "mandated-generic-1.2"),
        (
            '<Courses xmlns="http://data.europa.eu/snb/model/ap/loq-constraints/"/>',
            "loq",
        ),
        (
            '<Accreditations xmlns="http://data.europa.eu/snb/model/ap/'
            'ams-constraints/"/>',
            "ams",
        ),
    ],
)
def test_detects_the_schema_from_root_location_and_type(
    document: str, expected: str
) -> None:
    """The root picks the family; schemaLocation, else credential type, the file."""
    assert detect_schema(document.encode()) == expected


def test_ignores_a_schema_location_of_another_family(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A credential that names ``loq.xsd`` is still checked as a credential."""
    document = credential("loq.xsd", DS_TYPE).encode()

    with caplog.at_level(logging.WARNING, logger="aurora_edc._xsd"):
        assert detect_schema(document) == "diploma-supplement-1.2"

    assert "loq.xsd" in caplog.text


def test_detects_from_parsed_trees_and_elements(shared: Path) -> None:
    """A parsed tree or its root element is accepted as well as a file."""
    tree = parse_xml(shared / SEALED_DS)

    assert detect_schema(tree) == "mandated-dp-1.2"
    assert detect_schema(tree.getroot()) == "mandated-dp-1.2"


def test_refuses_a_document_no_schema_covers() -> None:
    """An unknown document element is unusable input, with its line."""
    with pytest.raises(InputError, match="no official XML schema") as caught:
        detect_schema(b"\n<html/>")

    assert caught.value.line == 2


def test_refuses_hostile_input_before_validation(shared: Path) -> None:
    """Validation parses through the hardened parser."""
    with pytest.raises(UnsafeXMLError):
        xml_report(Path(__file__).parent / "data" / "hostile" / "xxe-file.xml")


def test_forcing_a_schema_overrides_detection(shared: Path) -> None:
    """``schema=`` replaces the detected schema and names the report."""
    report = xml_report(shared / WILE, schema="diploma-supplement-1.2")

    assert report.profile == "diploma-supplement-1.2"
    assert report.conforms


def test_unknown_schema_name_is_refused(shared: Path) -> None:
    """A schema name outside ``schema_names()`` is not found."""
    with pytest.raises(UnknownSchemaError, match=r"generic-1\.2"):
        xml_report(shared / WILE, schema="generic-2.0")


def test_schema_names_are_the_documented_ones() -> None:
    """The accepted schema names are exactly those of the documentation."""
    assert schema_names() == (
        "generic-1.0",
        "generic-1.2",
        "diploma-supplement-1.2",
        "accreditation-1.2",
        "mandated-generic-1.2",
        "mandated-dp-1.2",
        "mandated-accred-1.2",
        "loq",
        "ams",
    )


@pytest.mark.parametrize("name", schema_names())
def test_each_schema_compiles_once_from_the_catalogue(name: str) -> None:
    """Every schema compiles offline, and a second request reuses it."""
    first = xml_schema(name)

    assert isinstance(first, etree.XMLSchema)
    assert xml_schema(name) is first
    assert default_catalogue().knows(schema_url(name))


def test_pins_xpath_and_line_of_a_broken_attribute(shared: Path) -> None:
    """An attribute added deep inside a parsed sample is located exactly."""
    tree = parse_xml(shared / DEGREE)
    outcome = tree.xpath("//e:learningOutcome", namespaces={"e": SNB})[1]
    outcome.set("bogus", "1")

    [finding] = iter_xml_findings(tree, source_name="degree.xml")

    assert finding.focus == (
        "/europassCredential/learningSpecificationReferences/qualification[2]"
        "/learningOutcomes/learningOutcome"
    )
    assert finding.line == 1356
    assert finding.path == "@bogus"
    assert finding.constraint == "cvc-complex-type.3.2.1"
    assert (
        finding.message
        == "learningOutcome/@bogus: The attribute 'bogus' is not allowed"
    )


def test_locates_errors_inside_a_signature_on_one_line(shared: Path) -> None:
    """Inside the one-line XAdES signature, the path still names the element."""
    data = (shared / SEALED_DS).read_bytes()
    data = re.sub(
        rb"<xades:SigningTime>[^<]*</xades:SigningTime>",
        b"<xades:SigningTime>soon</xades:SigningTime>",
        data,
    )

    [finding] = xml_report(data).findings

    assert finding.focus == (
        "/vp:verifiablePresentation/vp:proof/ds:Signature/ds:Object"
        "/xades:QualifyingProperties/xades:SignedProperties"
        "/xades:SignedSignatureProperties/xades:SigningTime"
    )
    assert finding.line == 3170
    assert finding.value == "'soon'"
    assert finding.constraint == "cvc-datatype-valid.1.2.1"


def test_reports_a_missing_signature_value_as_expected(shared: Path) -> None:
    """Removing ds:SignatureValue names the child that was expected instead."""
    data = (shared / SEALED_DS).read_bytes()
    data = re.sub(rb"<ds:SignatureValue[^>]*>[^<]*</ds:SignatureValue>", b"", data)

    [finding] = xml_report(data).findings

    assert finding.message == (
        "Unexpected child ds:KeyInfo in ds:Signature: expected ds:SignatureValue"
    )


def test_locates_a_keyref_error_at_the_referring_element(shared: Path) -> None:
    """An unresolved idref is reported at the element holding it, not its scope."""
    data = (
        (shared / WILE).read_bytes().replace(b'idref="urn:epass:org:1"', b'idref="x"')
    )

    [finding] = xml_report(data).findings

    assert finding.focus == "/europassCredential/cred:issuer"
    assert finding.line == 17
    assert finding.constraint == "cvc-identity-constraint"


def test_validate_xml_raises_with_every_finding(shared: Path) -> None:
    """``validate_xml`` raises XSDConformanceError carrying the findings."""
    with pytest.raises(XSDConformanceError) as caught:
        validate_xml(shared / ANA, schema="generic-1.2", source_name="ana.xml")

    assert len(caught.value.results) == 1
    assert "ana.xml does not conform to generic-1.2" in str(caught.value)
    assert "line 13 /europassCredential/cred:validFrom" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_validate_xml_accepts_a_valid_document(shared: Path) -> None:
    """``validate_xml`` returns quietly for a valid document."""
    validate_xml(shared / WILE)


def test_report_serialises_for_the_cli(shared: Path) -> None:
    """The report's dictionary names source, schema and located findings."""
    report = xml_report(
        (shared / ANA).read_bytes(), schema="generic-1.2", source_name="ana"
    )

    data = report.to_dict()

    assert data["source"] == "ana"
    assert data["profile"] == "generic-1.2"
    assert data["conforms"] is False
    assert data["findings"][0]["line"] == 13


@pytest.mark.parametrize(
    ("type_name", "rule"),
    [
        ("SCHEMAV_CVC_COMPLEX_TYPE_2_4", "cvc-complex-type.2.4"),
        ("SCHEMAV_CVC_DATATYPE_VALID_1_2_1", "cvc-datatype-valid.1.2.1"),
        ("SCHEMAV_CVC_PATTERN_VALID", "cvc-pattern-valid"),
        ("SCHEMAV_ELEMENT_CONTENT", "cvc-complex-type.2.4"),
        ("SCHEMAV_MISC", "libxml2:SCHEMAV_MISC"),
    ],
)
def test_names_the_xml_schema_rule_of_each_error(type_name: str, rule: str) -> None:
    """libxml2 error types map to the ``cvc-*`` rule names of XSD Part 1."""
    assert _rule(type_name) == rule


def test_an_import_missing_from_the_catalogue_is_not_fetched(shared: Path) -> None:
    """Without xmldsig in the catalogue, compiling ELM 1.2 fails offline."""
    dsig = "http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd"
    kept = tuple(a for a in default_catalogue().artefacts if a.url != dsig)
    catalogue = ArtefactCatalogue(mirror=shared, cache=None, artefacts=kept)

    with pytest.raises(ArtefactNotFoundError, match="xmldsig-core-schema"):
        xml_schema("generic-1.2", catalogue=catalogue)


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """Serve HTTP on 127.0.0.1, recording every path asked."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_an_http_import_never_reaches_the_network(
    tmp_path: Path, recording_server: tuple[str, list[str]]
) -> None:
    """A schema importing an unknown http URL fails without any request."""
    url, hits = recording_server
    schema = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:t">'
        f'<xs:import namespace="urn:evil" schemaLocation="{url}/evil.xsd"/>'
        "</xs:schema>"
    ).encode()
    path = "elm/v2/xsd/genericschema_1.2.xsd"
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_bytes(schema)
    pinned = Artefact(
        url=schema_url("generic-1.2"),
        path=path,
        sha256=hashlib.sha256(schema).hexdigest(),
        size=len(schema),
        media_type="application/xml",
    )
    catalogue = ArtefactCatalogue(mirror=tmp_path, cache=None, artefacts=(pinned,))

    with pytest.raises(ArtefactNotFoundError, match=r"evil\.xsd"):
        xml_schema("generic-1.2", catalogue=catalogue)

    assert hits == []
