"""XAdES single checks: signing certificate, algorithms, comments, issuer, time."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from aurora_edc import seal_xades, verify_xades
from aurora_edc._etsi import Indication, SubIndication
from aurora_edc._xades import parse_document
from aurora_edc._xades_sign import sign_document
from aurora_edc._xades_structure import read_structure
from aurora_edc.testing import IssuedCertificate, TestPKI
from xades_support import NS, ORG_ID, redigest, resign, sample, unsealed_credential

CRYPTO = SubIndication.CRYPTO_CONSTRAINTS_FAILURE


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    """A throw-away PKI for this module."""
    return TestPKI()


@pytest.fixture(scope="module")
def seal(pki: TestPKI) -> IssuedCertificate:
    """An RSA-2048 seal certificate of the test organisation."""
    return pki.issue_seal(organization_identifier=ORG_ID)


@pytest.fixture(scope="module")
def sealed(shared: Path, seal: IssuedCertificate) -> bytes:
    """A B-B seal of the small EC credential."""
    return seal_xades(unsealed_credential(shared), seal.seal_key())


def test_comment_injected_into_text_is_not_passed(sealed: bytes, pki: TestPKI) -> None:
    """A comment splitting a text node leaves digests intact but is refused."""
    forged = sealed.replace(b"Wile Coyote", b"Wile Coy<!-- -->ote", 1)
    forged = forged.replace(b"<familyName>", b"<familyName><!-- x -->", 1)
    report = verify_xades(forged, trust=[pki.root])

    assert report.check("reference-integrity:data").ok
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE
    assert "2 comment(s)" in report.check("unsigned-nodes").detail
    assert b"<!--" not in report.signed_content
    assert b"Wile Coyote" in report.signed_content


def test_sha1_digest_is_refused_unless_allowed(
    sealed: bytes, pki: TestPKI, seal: IssuedCertificate
) -> None:
    """A SHA-1 reference digest is CRYPTO_CONSTRAINTS_FAILURE without allow_weak."""
    forged = resign(sealed, seal.private_key, lambda root: redigest(root, 0, "sha1"))
    refused = verify_xades(forged, trust=[pki.root])
    allowed = verify_xades(forged, trust=[pki.root], allow_weak=True)

    assert refused.check("reference-integrity:data").ok
    assert (refused.indication, refused.sub_indication) == (
        Indication.INDETERMINATE,
        CRYPTO,
    )
    assert "xmldsig#sha1" in refused.check("crypto-constraints").detail
    assert allowed.indication is Indication.TOTAL_PASSED


def test_rsa_1024_key_is_refused_unless_allowed(shared: Path, pki: TestPKI) -> None:
    """An RSA-1024 seal key is CRYPTO_CONSTRAINTS_FAILURE without allow_weak."""
    weak = pki.issue_seal(organization_identifier=ORG_ID, key="rsa1024")
    sealed = seal_xades(unsealed_credential(shared), weak.seal_key(allow_weak=True))
    refused = verify_xades(sealed, trust=[pki.root])
    allowed = verify_xades(sealed, trust=[pki.root], allow_weak=True)

    assert refused.sub_indication is CRYPTO
    assert "RSA key of 1024 bits" in refused.check("crypto-constraints").detail
    assert allowed.indication is Indication.TOTAL_PASSED


def test_expired_certificate_without_timestamp_is_not_passed(shared: Path) -> None:
    """Without a timestamp nothing proves the seal predates expiry."""
    now = datetime.now(UTC)
    pki = TestPKI(now=now - timedelta(days=20))
    expired = pki.issue_seal(
        organization_identifier=ORG_ID,
        key="p256",
        not_before=now - timedelta(days=20),
        not_after=now - timedelta(days=1),
    )
    sealed = seal_xades(
        unsealed_credential(shared), expired.seal_key(), when=now - timedelta(days=10)
    )
    report = verify_xades(sealed, trust=[pki.root])

    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE


def test_certificate_of_another_organisation_is_not_passed(
    shared: Path, pki: TestPKI
) -> None:
    """A valid seal by another organisation's certificate fails the issuer check."""
    other = pki.issue_seal(organization_identifier="VATFR-99999999999", key="p256")
    root = parse_document(unsealed_credential(shared))
    proof = root.find("s:proof", NS)
    etree.SubElement(
        proof, "{http://www.w3.org/2000/09/xmldsig#}Signature", Id="placeholder"
    )
    signed = sign_document(root, other.seal_key(), datetime.now(UTC))
    report = verify_xades(etree.tostring(signed), trust=[pki.root])

    assert report.check("signature-value").ok
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE
    assert "VATFR-99999999999" in report.check("issuer-identifier").detail


def test_swapped_key_info_certificate_has_no_signing_certificate(
    sealed: bytes, pki: TestPKI
) -> None:
    """A KeyInfo certificate other than the signed one is not the signer."""
    other = pki.issue_seal(organization_identifier=ORG_ID)
    root = etree.fromstring(sealed)
    element = root.find(".//ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    element.text = base64.b64encode(
        other.certificate.public_bytes(Encoding.DER)
    ).decode()
    report = verify_xades(etree.tostring(root), trust=[pki.root])

    assert report.indication is not Indication.TOTAL_PASSED
    assert report.check("signing-certificate").sub_indication is (
        SubIndication.NO_SIGNING_CERTIFICATE_FOUND
    )


def test_sha512_digest_and_issuer_serial_v2_of_ec_sample(shared: Path) -> None:
    """The DS sample's SigningCertificateV2 (SHA-512 + IssuerSerialV2) binds."""
    data = sample("EDC_DiplomaSupplement_AA_signed.xml", shared)
    parts = read_structure(parse_document(data))
    report = verify_xades(data)

    assert parts.signing_certificate_refs[0].issuer_serial_v2 is not None
    detail = report.check("signing-certificate").detail
    assert detail.startswith("SHA512 digest") and "IssuerSerialV2 matches" in detail


def test_wrong_issuer_serial_v2_is_refused(shared: Path) -> None:
    """An IssuerSerialV2 naming another certificate unbinds the signer."""
    data = sample("AnaAndromeda_CivilEngineering_signed.xml", shared)
    own = read_structure(parse_document(data)).signing_certificate_refs[0]
    foreign = read_structure(
        parse_document(sample("EDC_DiplomaSupplement_AA_signed.xml", shared))
    ).signing_certificate_refs[0]
    forged = data.replace(
        base64.b64encode(own.issuer_serial_v2 or b""),
        base64.b64encode(foreign.issuer_serial_v2 or b""),
    )
    report = verify_xades(forged)

    assert report.check("signing-certificate").sub_indication is (
        SubIndication.NO_SIGNING_CERTIFICATE_FOUND
    )
    assert "IssuerSerialV2" in report.check("signing-certificate").detail


def _signed_by(document: bytes, seal: IssuedCertificate) -> bytes:
    """Return ``document`` sealed by ``seal`` without the sealer's issuer check."""
    root = parse_document(document)
    proof = root.find("s:proof", NS)
    etree.SubElement(
        proof, "{http://www.w3.org/2000/09/xmldsig#}Signature", Id="placeholder"
    )

    return etree.tostring(sign_document(root, seal.seal_key(), datetime.now(UTC)))


ISSUER_TAG = b'<cred:issuer idref="urn:epass:org:1"/>'


@pytest.mark.parametrize(
    "idref",
    [" urn:epass:org:1", "urn:epass:org:1\n", "\turn:epass:org:1  "],
)
def test_issuer_idref_whitespace_bypass(shared: Path, pki: TestPKI, idref: str) -> None:
    """An idref padded with whitespace still resolves (xs:anyURI collapses it)."""
    other = pki.issue_seal(organization_identifier="VATFR-99999999999", key="p256")
    padded = f'<cred:issuer idref="{idref}"/>'.encode()
    document = unsealed_credential(shared).replace(ISSUER_TAG, padded)
    report = verify_xades(_signed_by(document, other), trust=[pki.root])

    assert report.check("issuer-identifier").indication is Indication.FAILED
    assert report.indication is Indication.TOTAL_FAILED


@pytest.mark.parametrize(
    "change",
    [
        (ISSUER_TAG, b'<cred:issuer idref="urn:epass:person:1"/>'),
        (ISSUER_TAG, b'<cred:issuer idref="urn:nothing"/>'),
        (ISSUER_TAG, b'<cred:issuer xidref="urn:epass:org:1"/>'),
        (f"<registration>{ORG_ID}</registration>".encode(), b""),
    ],
)
def test_issuer_registration_not_found_bypass(
    shared: Path, pki: TestPKI, change: tuple[bytes, bytes]
) -> None:
    """A seal whose issuer registration cannot be found is never PASSED."""
    other = pki.issue_seal(organization_identifier="VATFR-99999999999", key="p256")
    document = unsealed_credential(shared).replace(*change)
    assert document != unsealed_credential(shared)
    report = verify_xades(_signed_by(document, other), trust=[pki.root])

    assert not report.check("issuer-identifier").advisory
    assert report.check("issuer-identifier").indication is Indication.INDETERMINATE
    assert report.indication is not Indication.TOTAL_PASSED


def test_issuer_certificate_without_identifier_bypass(
    shared: Path, pki: TestPKI
) -> None:
    """A certificate without organizationIdentifier fails the issuer check."""
    anonymous = pki.issue_seal(organization_identifier=None, key="p256")
    sealed = _signed_by(unsealed_credential(shared), anonymous)
    report = verify_xades(sealed, trust=[pki.root])

    assert report.check("issuer-identifier").indication is Indication.FAILED
    assert report.indication is Indication.TOTAL_FAILED
