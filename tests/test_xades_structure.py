"""XAdES format rules: signature wrapping and transforms, each a FORMAT_FAILURE."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from aurora_edc import seal_xades, verify_xades
from aurora_edc._etsi import BaselineLevel, Indication, SubIndication
from aurora_edc._xades import DS, parse_document
from aurora_edc._xades_structure import FormatError, read_structure
from aurora_edc.testing import IssuedCertificate, TestPKI
from xades_support import NS, ORG_ID, resign, sample, signature, unsealed_credential

XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
SNB = "{http://data.europa.eu/snb}"

Mutation = Callable[[etree._Element], None]


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    """A throw-away PKI for this module."""
    return TestPKI()


@pytest.fixture(scope="module")
def seal(pki: TestPKI) -> IssuedCertificate:
    """A P-256 seal certificate of the test organisation."""
    return pki.issue_seal(organization_identifier=ORG_ID, key="p256")


@pytest.fixture(scope="module")
def sealed(shared: Path, seal: IssuedCertificate) -> bytes:
    """A B-B seal of the small EC credential."""
    return seal_xades(unsealed_credential(shared), seal.seal_key())


def move_into_subject(root: etree._Element) -> None:
    """Move the signature from proof into credentialSubject."""
    root.find(f"{SNB}credentialSubject").append(signature(root))


def duplicate_into_subject(root: etree._Element) -> None:
    """Copy the signature into credentialSubject."""
    root.find(f"{SNB}credentialSubject").append(copy.deepcopy(signature(root)))


def second_signature(root: etree._Element) -> None:
    """Add a second signature (another Id) next to the first."""
    other = copy.deepcopy(signature(root))
    other.set("Id", "second")
    signature(root).addnext(other)


def shadow_signed_properties(root: etree._Element) -> None:
    """Give a content element the Id of the SignedProperties."""
    target = root.find(".//xades:SignedProperties", NS).get("Id")
    note = etree.SubElement(root.find(f"{SNB}credentialSubject"), f"{SNB}note")
    note.set("Id", target)


def point_properties_at_content(root: etree._Element) -> None:
    """Re-point the SignedProperties reference to a content element."""
    subject = root.find(f"{SNB}credentialSubject")
    subject.set("Id", "subject")
    reference = root.find(".//ds:Reference[@Type]", NS)
    reference.set("URI", "#subject")


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (move_into_subject, "child of the root's proof"),
        (duplicate_into_subject, "found 2"),
        (second_signature, "found 2"),
        (shadow_signed_properties, "matches 2 elements"),
        (point_properties_at_content, "not this signature's SignedProperties"),
    ],
    ids=["moved", "duplicated", "second", "shadowed-id", "redirected"],
)
def test_signature_wrapping_is_refused(
    sealed: bytes, pki: TestPKI, mutation: Mutation, message: str
) -> None:
    """Moved, duplicated or second signatures and Id tricks never pass."""
    root = etree.fromstring(sealed)
    mutation(root)
    report = verify_xades(etree.tostring(root), trust=[pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    format_check = report.check("format")
    assert format_check is not None and message in format_check.detail


def replace_first_transform(transform: etree._Element) -> Mutation:
    """Return a mutation putting ``transform`` first on the document reference."""

    def mutate(root: etree._Element) -> None:
        transforms = root.find(".//ds:Reference[@URI='']/ds:Transforms", NS)
        transforms.replace(transforms[0], transform)

    return mutate


def xpath_transform(expression: str) -> etree._Element:
    """An XPath 1.0 transform with ``expression``."""
    element = etree.Element(f"{{{DS}}}Transform", Algorithm=XPATH, nsmap={"ds": DS})
    etree.SubElement(element, f"{{{DS}}}XPath").text = expression
    return element


@pytest.mark.parametrize(
    "transform",
    [
        xpath_transform("not(ancestor-or-self::ds:Signature) or self::text()"),
        xpath_transform("ancestor-or-self::ds:Signature"),
        etree.Element(f"{{{DS}}}Transform", Algorithm=XSLT),
    ],
    ids=["xpath-widened", "xpath-other", "xslt"],
)
def test_foreign_transform_in_a_validly_signed_seal_is_refused(
    sealed: bytes, pki: TestPKI, seal: IssuedCertificate, transform: etree._Element
) -> None:
    """Only the two EC exclusion expressions pass, even under a valid signature."""
    forged = resign(sealed, seal.private_key, replace_first_transform(transform))
    report = verify_xades(forged, trust=[pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_reference_to_content_is_refused(
    sealed: bytes, pki: TestPKI, seal: IssuedCertificate
) -> None:
    """A validly signed extra reference to part of the content is refused."""

    def add_reference(root: etree._Element) -> None:
        root.find(f"{SNB}credentialSubject").set("Id", "subject")
        signed_info = root.find(".//ds:SignedInfo", NS)
        extra = copy.deepcopy(signed_info.find("ds:Reference[@URI='']", NS))
        extra.set("URI", "#subject")
        del extra.attrib["Id"]
        extra.remove(extra.find("ds:Transforms", NS))
        signed_info.append(extra)

    report = verify_xades(
        resign(sealed, seal.private_key, add_reference), trust=[pki.root]
    )

    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert "only the document" in report.check("format").detail


def test_missing_data_object_format_is_not_baseline(
    sealed: bytes, pki: TestPKI
) -> None:
    """B-B requires a DataObjectFormat for the document reference."""
    root = etree.fromstring(sealed)
    data_format = root.find(".//xades:DataObjectFormat", NS)
    data_format.getparent().remove(data_format)

    with pytest.raises(FormatError, match="DataObjectFormat"):
        read_structure(root)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("EDC_DiplomaSupplement_AA_signed.xml", BaselineLevel.B_LT),
        ("AnaAndromeda_CivilEngineering_signed.xml", BaselineLevel.B_LT),
    ],
)
def test_level_by_structure_of_ec_samples(
    shared: Path, name: str, level: BaselineLevel
) -> None:
    """The EC seals are B-LT by structure: timestamp, certificate, revocation values."""
    parts = read_structure(parse_document(sample(name, shared)))

    assert parts.level is level
    assert len(parts.signature_stamps) == 1
    assert len(parts.content_stamps) == 1
    assert [r.role for r in parts.references] == ["data", "signed-properties"]
