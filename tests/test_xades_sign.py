"""XAdES sealing of ELM 1.2: B-B properties, B-T timestamp, refusals."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms
from lxml import etree

from aurora_edc import (
    AlreadySealedError,
    InputError,
    IssuerMismatchError,
    KeyMaterialError,
    SealError,
    is_valid_xml,
    seal_xades,
    verify_xades,
)
from aurora_edc._etsi import Indication
from aurora_edc.testing import IssuedCertificate, TestPKI, TimestampAuthority
from xades_support import NS, ORG_ID, sample, unsealed_credential

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
CRED = "{http://data.europa.eu/europass/model/credentials/w3c#}"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    """A PKI whose certificates are valid at WHEN."""
    return TestPKI(now=WHEN)


@pytest.fixture(scope="module")
def seal(pki: TestPKI) -> IssuedCertificate:
    """An RSA-2048 seal certificate of the test organisation."""
    return pki.issue_seal(organization_identifier=ORG_ID)


@pytest.fixture(scope="module")
def tsa(pki: TestPKI) -> Iterator[TimestampAuthority]:
    """A local RFC 3161 authority answering with genTime WHEN + 1 s."""
    with TimestampAuthority(pki, clock=lambda: WHEN + timedelta(seconds=1)) as tsa:
        yield tsa


@pytest.fixture(scope="module")
def sealed(shared: Path, seal: IssuedCertificate) -> etree._Element:
    """A B-B seal of the small EC credential, parsed."""
    data = seal_xades(unsealed_credential(shared), seal.seal_key(), when=WHEN)
    return etree.fromstring(data)


def test_seal_sits_in_proof_with_baseline_b_properties(sealed: etree._Element) -> None:
    """The signature is in proof with SigningTime, SigningCertificateV2, MimeType."""
    signature = sealed.find("s:proof/ds:Signature", NS)
    assert signature is not None
    properties = signature.find(".//xades:SignedSignatureProperties", NS)
    assert properties.findtext("xades:SigningTime", namespaces=NS) == (
        "2026-03-04T05:06:07Z"
    )
    assert properties.find("xades:SigningCertificateV2/xades:Cert", NS) is not None
    data_format = signature.find(".//xades:DataObjectFormat", NS)
    data_reference = signature.find("ds:SignedInfo/ds:Reference[@URI='']", NS)
    assert data_format.get("ObjectReference") == "#" + data_reference.get("Id")
    assert data_format.findtext("xades:MimeType", namespaces=NS) == "text/xml"


def test_seal_uses_exclusive_c14n_everywhere(sealed: etree._Element) -> None:
    """SignedInfo and every reference use exclusive canonicalisation."""
    exc = "http://www.w3.org/2001/10/xml-exc-c14n#"
    signed_info = sealed.find(".//ds:SignedInfo", NS)
    assert signed_info.find("ds:CanonicalizationMethod", NS).get("Algorithm") == exc
    for reference in signed_info.findall("ds:Reference", NS):
        last = reference.findall("ds:Transforms/ds:Transform", NS)[-1]
        assert last.get("Algorithm") == exc


def test_seal_sets_the_issuance_date(sealed: etree._Element) -> None:
    """cred:issued becomes the sealing moment."""
    assert sealed.findtext(f"{CRED}issued") == "2026-03-04T05:06:07Z"


def test_sealed_credential_is_schema_valid(sealed: etree._Element) -> None:
    """The sealed credential still validates against genericschema_1.2.xsd."""
    assert is_valid_xml(etree.tostring(sealed), schema="generic-1.2")


def test_seal_without_proof_element_adds_it(
    shared: Path, seal: IssuedCertificate
) -> None:
    """A credential with no proof element gets one where the schema wants it."""
    data = unsealed_credential(shared).replace(b"<proof></proof>", b"")
    sealed = seal_xades(data, seal.seal_key(), when=WHEN)
    assert is_valid_xml(sealed, schema="generic-1.2")
    assert etree.fromstring(sealed)[-1].tag == "{http://data.europa.eu/snb}proof"


def test_comments_are_removed_before_sealing(
    shared: Path, seal: IssuedCertificate, pki: TestPKI
) -> None:
    """Comments and PIs, which c14n would leave unsigned, are dropped."""
    data = unsealed_credential(shared).replace(
        b"<primaryLanguage>", b"<!-- note --><?app x?><primaryLanguage>"
    )
    sealed = seal_xades(data, seal.seal_key(), when=WHEN)
    assert b"<!--" not in sealed and b"<?app" not in sealed
    report = verify_xades(sealed, trust=[pki.root], at=WHEN)
    assert report.indication is Indication.TOTAL_PASSED


def test_timestamp_covers_the_signature_value(
    shared: Path, seal: IssuedCertificate, tsa: TimestampAuthority
) -> None:
    """B-T: the token's imprint is SHA-256 of exc-c14n(ds:SignatureValue)."""
    data = seal_xades(
        unsealed_credential(shared), seal.seal_key(), tsa_url=tsa.url, when=WHEN
    )
    root = etree.fromstring(data)
    value = root.find(".//ds:SignatureValue", NS)
    stamp = root.find(
        ".//xades:UnsignedProperties/xades:UnsignedSignatureProperties/"
        "xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp",
        NS,
    )
    token = cms.ContentInfo.load(base64.b64decode(stamp.text))
    info = token["content"]["encap_content_info"]["content"].parsed
    expected = hashlib.sha256(etree.tostring(value, method="c14n", exclusive=True))
    assert info["message_imprint"]["hashed_message"].native == expected.digest()
    assert is_valid_xml(data, schema="generic-1.2")


def test_presentation_sealed_on_behalf_stays_valid(shared: Path) -> None:
    """A vp:verifiablePresentation is sealed in vp:proof, mandated XSD valid."""
    root = etree.fromstring(sample("EDC_DiplomaSupplement_AA_signed.xml", shared))
    signature = root.find(".//ds:Signature", NS)
    signature.getparent().remove(signature)
    pki = TestPKI(now=WHEN)
    seal = pki.issue_seal(organization_identifier="VATES-B00000000", key="p256")

    sealed = seal_xades(etree.tostring(root), seal.seal_key(), when=WHEN)
    assert is_valid_xml(sealed, schema="mandated-dp-1.2")
    report = verify_xades(sealed, trust=[pki.root], at=WHEN)
    assert report.indication is Indication.TOTAL_PASSED


def test_other_organisation_is_refused(shared: Path, pki: TestPKI) -> None:
    """The issuer's registration must equal the certificate's identifier."""
    other = pki.issue_seal(organization_identifier="VATFR-99999999999", key="p256")
    with pytest.raises(IssuerMismatchError, match="VATFR-99999999999"):
        seal_xades(unsealed_credential(shared), other.seal_key(), when=WHEN)


def test_certificate_without_identifier_is_refused(shared: Path, pki: TestPKI) -> None:
    """A certificate with no organizationIdentifier cannot confirm the issuer."""
    anonymous = pki.issue_seal(organization_identifier=None, key="p256")
    with pytest.raises(IssuerMismatchError, match="found None"):
        seal_xades(unsealed_credential(shared), anonymous.seal_key(), when=WHEN)


def test_sealed_document_is_refused(shared: Path, seal: IssuedCertificate) -> None:
    """A document that already carries a signature is not sealed again."""
    data = sample("AnaAndromeda_CivilEngineering_signed.xml", shared)
    with pytest.raises(AlreadySealedError):
        seal_xades(data, seal.seal_key(), when=WHEN)


def test_naive_moment_is_refused(shared: Path, seal: IssuedCertificate) -> None:
    """The sealing moment must carry a time zone."""
    with pytest.raises(SealError, match="timezone-aware"):
        seal_xades(
            unsealed_credential(shared), seal.seal_key(), when=datetime(2026, 1, 1)
        )


def test_moment_outside_certificate_validity_is_refused(
    shared: Path, seal: IssuedCertificate
) -> None:
    """No seal is made with a certificate not valid at the sealing moment."""
    later = WHEN + timedelta(days=3650)
    with pytest.raises(KeyMaterialError, match="not at"):
        seal_xades(unsealed_credential(shared), seal.seal_key(), when=later)


def test_unreachable_authority_is_a_seal_error(
    shared: Path, seal: IssuedCertificate
) -> None:
    """A TSA that does not answer makes sealing fail, not a silent B-B."""
    with pytest.raises(SealError):
        seal_xades(
            unsealed_credential(shared),
            seal.seal_key(),
            when=WHEN,
            tsa_url="http://127.0.0.1:9/tsa",
        )


@pytest.mark.parametrize(
    "change",
    [
        (b'idref="urn:epass:org:1"', b'idref=" urn:epass:org:1"'),
        (b'idref="urn:epass:org:1"', b'idref="urn:epass:person:1"'),
        (b'idref="urn:epass:org:1"', b'idref="urn:nothing"'),
        (f"<registration>{ORG_ID}</registration>".encode(), b""),
    ],
)
def test_seal_issuer_idref_bypass(
    shared: Path, pki: TestPKI, change: tuple[bytes, bytes]
) -> None:
    """Sealing checks the issuer whatever the idref's spacing or target."""
    other = pki.issue_seal(organization_identifier="VATFR-99999999999", key="p256")
    document = unsealed_credential(shared).replace(*change)
    assert document != unsealed_credential(shared)
    with pytest.raises(IssuerMismatchError):
        seal_xades(document, other.seal_key(), when=WHEN)


def test_regression_repeated_issuer_organisation_seals(
    fixtures_dir: Path, pki: TestPKI
) -> None:
    """Our ELM 1.2 XML repeats the issuer inline in its accreditation; it seals."""
    from aurora_edc._xml12 import elm12_bytes
    from helpers import build_all

    _, (credential, *_) = build_all(
        fixtures_dir / "roster/spec.yaml", fixtures_dir / "roster/roster.csv"
    )
    data = elm12_bytes(credential)
    key = pki.issue_seal(organization_identifier="VATNL-002946954B01").seal_key()

    sealed = seal_xades(data, key)

    assert b"<ds:SignatureValue" in sealed
    # A copy stating another registration makes the issuer ambiguous.
    value = b">VATNL-002946954B01<"
    last = data.rfind(value)
    assert data.count(value) >= 2
    tampered = data[:last] + b">VATFR-999<" + data[last + len(value) :]
    with pytest.raises(InputError, match="expected one organization"):
        seal_xades(tampered, key)
