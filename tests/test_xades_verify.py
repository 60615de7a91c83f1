"""XAdES verification layer by layer, on the EC's sealed files and our own."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from aurora_edc import VerificationError, seal_xades, verify_xades
from aurora_edc._etsi import (
    BaselineLevel,
    Indication,
    SealVerificationReport,
    SubIndication,
)
from aurora_edc.testing import IssuedCertificate, TestPKI, TimestampAuthority
from xades_support import (
    NS,
    ORG_ID,
    document_octets,
    embedded_roots,
    redigest,
    resign,
    sample,
    unsealed_credential,
)

DS_SAMPLE = "EDC_DiplomaSupplement_AA_signed.xml"
ANA_SAMPLE = "AnaAndromeda_CivilEngineering_signed.xml"
PASSED = Indication.PASSED


def layers(report: SealVerificationReport) -> dict[str, Indication]:
    """Map each layer name to its indication."""
    return {check.name: check.indication for check in report.checks}


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    """A throw-away PKI for this module."""
    return TestPKI()


@pytest.fixture(scope="module")
def seal(pki: TestPKI) -> IssuedCertificate:
    """An RSA-2048 seal certificate of the test organisation."""
    return pki.issue_seal(organization_identifier=ORG_ID)


@pytest.fixture(scope="module")
def tsa(pki: TestPKI) -> Iterator[TimestampAuthority]:
    """A local RFC 3161 authority on 127.0.0.1."""
    with TimestampAuthority(pki) as authority:
        yield authority


@pytest.fixture(scope="module")
def sealed_bt(shared: Path, seal: IssuedCertificate, tsa: TimestampAuthority) -> bytes:
    """A B-T seal of the small EC credential."""
    return seal_xades(unsealed_credential(shared), seal.seal_key(), tsa_url=tsa.url)


@pytest.mark.parametrize("name", [DS_SAMPLE, ANA_SAMPLE])
def test_ec_sample_without_anchor_is_indeterminate(shared: Path, name: str) -> None:
    """EC seals: intact, signed, timestamps valid, chain complete, untrusted."""
    report = verify_xades(sample(name, shared))
    found = layers(report)

    assert report.indication is Indication.INDETERMINATE
    assert report.level is BaselineLevel.B_LT
    for layer in (
        "format",
        "crypto-constraints",
        "signing-certificate",
        "reference-integrity:data",
        "reference-integrity:signed-properties",
        "signature-value",
        "issuer-identifier",
        "certificate-path",
    ):
        assert found[layer] is PASSED, layer
    assert found["trust"] is Indication.INDETERMINATE
    stamp = report.check("timestamp:SignatureTimeStamp")
    assert stamp is not None and stamp.time is not None
    assert "imprint (sha256), TSA signature and EKU valid" in stamp.detail
    assert report.proven_time is None


def test_diploma_supplement_with_its_roots(shared: Path) -> None:
    """DS sample: ANF and Zetes roots as anchors prove 2022-08-09T13:54:03Z."""
    data = sample(DS_SAMPLE, shared)
    report = verify_xades(data, trust=embedded_roots(data))

    assert layers(report)["certificate-path"] is PASSED
    assert layers(report)["trust"] is PASSED
    assert layers(report)["timestamp:SignatureTimeStamp"] is PASSED
    assert report.proven_time == datetime(2022, 8, 9, 13, 54, 3, tzinfo=UTC)
    assert report.trust_anchor == "ANF Global Root CA"
    assert report.organization_identifier == "VATES-B00000000"
    assert {"QcCompliance", "QcType-eSeal"} <= set(report.qualification_claims)
    # The TSA CA's only OCSP answer is 6 s younger than the content timestamp;
    # status issued after the validation time is accepted (EN 319 102-1 5.2.5).
    content = report.check("timestamp:AllDataObjectsTimeStamp")
    assert content is not None
    assert content.indication is PASSED
    assert report.indication is Indication.TOTAL_PASSED


def test_andromeda_with_its_roots_flags_the_pem_crl(shared: Path) -> None:
    """AnaAndromeda: trusted path with roots given; the PEM CRL is flagged."""
    data = sample(ANA_SAMPLE, shared)
    report = verify_xades(data, trust=embedded_roots(data))

    assert report.indication is Indication.TOTAL_PASSED
    assert report.trust_anchor == "Halcom Root Certificate Authority"
    flagged = report.check("revocation-values")
    assert flagged is not None and flagged.advisory
    assert "PEM text" in flagged.detail


@pytest.mark.parametrize("name", [DS_SAMPLE, ANA_SAMPLE])
def test_signed_content_is_the_canonical_document_without_signature(
    shared: Path, name: str
) -> None:
    """signed_content is what Ref 1 digests, not the input re-read."""
    data = sample(name, shared)
    report = verify_xades(data)

    assert report.signed_content == document_octets(etree.fromstring(data))
    assert report.signed_content != data


def test_changed_content_byte_fails_the_document_digest(
    sealed_bt: bytes, pki: TestPKI
) -> None:
    """One changed character of content is a HASH_FAILURE of the data reference."""
    forged = sealed_bt.replace(b"Wile Coyote", b"Wile Coyotf", 1)
    report = verify_xades(forged, trust=[pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.HASH_FAILURE
    assert layers(report)["reference-integrity:data"] is Indication.FAILED
    assert layers(report)["reference-integrity:signed-properties"] is PASSED
    assert report.signed_content == b""


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.integers(min_value=0), byte=st.sampled_from(b"AZaz09"))
def test_any_changed_text_byte_is_refused(
    sealed_bt: bytes, pki: TestPKI, position: int, byte: int
) -> None:
    """Any changed letter in the credential's text nodes fails the seal."""
    root = etree.fromstring(sealed_bt)
    texts = [e for e in root.iter("{http://data.europa.eu/snb}text") if e.text]
    element = texts[position % len(texts)]
    index = position % len(element.text)
    if element.text[index] == chr(byte):
        return
    element.text = element.text[:index] + chr(byte) + element.text[index + 1 :]
    report = verify_xades(etree.tostring(root), trust=[pki.root])

    assert report.indication is Indication.TOTAL_FAILED


def test_changed_signing_time_fails_the_signed_properties_digest(
    sealed_bt: bytes, pki: TestPKI
) -> None:
    """A changed SigningTime is a HASH_FAILURE of the SignedProperties reference."""
    root = etree.fromstring(sealed_bt)
    signing_time = root.find(".//xades:SigningTime", NS)
    signing_time.text = "2001-01-01T00:00:00Z"
    report = verify_xades(etree.tostring(root), trust=[pki.root])

    assert report.sub_indication is SubIndication.HASH_FAILURE
    assert layers(report)["reference-integrity:signed-properties"] is Indication.FAILED
    assert layers(report)["reference-integrity:data"] is PASSED


def test_signature_by_another_key_is_a_crypto_failure(
    sealed_bt: bytes, pki: TestPKI
) -> None:
    """A SignatureValue made with another key than the certificate's fails."""
    other = pki.issue_seal(organization_identifier=ORG_ID)
    forged = resign(sealed_bt, other.private_key)
    report = verify_xades(forged, trust=[pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_replaced_timestamp_token_fails(
    sealed_bt: bytes, pki: TestPKI, tsa: TimestampAuthority
) -> None:
    """A genuine token over other data is a HASH_FAILURE of the timestamp."""
    root = etree.fromstring(sealed_bt)
    token = root.find(".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS)
    token.text = base64.b64encode(tsa.token_for(b"other data")).decode()
    report = verify_xades(etree.tostring(root), trust=[pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    stamp = report.check("timestamp:SignatureTimeStamp")
    assert stamp is not None and stamp.sub_indication is SubIndication.HASH_FAILURE


def test_timestamp_proves_time_for_an_expired_certificate(shared: Path) -> None:
    """A B-T seal stays valid after expiry: the path is checked at genTime."""
    now = datetime.now(UTC)
    pki = TestPKI(now=now - timedelta(days=20))
    seal = pki.issue_seal(
        organization_identifier=ORG_ID,
        key="p256",
        not_before=now - timedelta(days=20),
        not_after=now - timedelta(days=1),
    )
    when = now - timedelta(days=10)
    with TimestampAuthority(pki, clock=lambda: when) as tsa:
        sealed = seal_xades(
            unsealed_credential(shared), seal.seal_key(), tsa_url=tsa.url, when=when
        )
    report = verify_xades(sealed, trust=[pki.root])

    assert report.indication is Indication.TOTAL_PASSED
    assert report.proven_time == when.replace(microsecond=0)


def test_unsealed_document_is_no_seal(shared: Path) -> None:
    """A credential without any signature is not a seal to report on."""
    with pytest.raises(VerificationError, match="no ds:Signature"):
        verify_xades(sample("EDC_WileECoyote_Simple.xml", shared))


def add_content_timestamp(
    sealed: bytes,
    issued: IssuedCertificate,
    tsa: TimestampAuthority,
    stamper: TimestampAuthority,
) -> bytes:
    """Add an AllDataObjectsTimeStamp, re-sign, and re-stamp the SignatureValue."""

    def mutate(root: etree._Element) -> None:
        key_info = root.find(".//ds:KeyInfo", NS)
        content = document_octets(root) + etree.tostring(
            key_info, method="c14n", exclusive=True
        )
        properties = root.find(".//xades:SignedDataObjectProperties", NS)
        stamp = etree.SubElement(
            properties, f"{{{NS['xades']}}}AllDataObjectsTimeStamp"
        )
        etree.SubElement(
            stamp,
            f"{{{NS['ds']}}}CanonicalizationMethod",
            Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
        )
        token = etree.SubElement(stamp, f"{{{NS['xades']}}}EncapsulatedTimeStamp")
        token.text = base64.b64encode(stamper.token_for(content)).decode()
        redigest(root, 1)

    root = etree.fromstring(resign(sealed, issued.private_key, mutate))
    value = root.find(".//ds:SignatureValue", NS)
    token = root.find(".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS)
    octets = etree.tostring(value, method="c14n", exclusive=True)
    token.text = base64.b64encode(tsa.token_for(octets)).decode()

    return etree.tostring(root)


@pytest.mark.parametrize(
    ("offset", "indication"),
    [(-3600, Indication.TOTAL_PASSED), (3600, Indication.INDETERMINATE)],
    ids=["before", "after"],
)
def test_content_timestamp_must_precede_signature_timestamp(
    sealed_bt: bytes,
    seal: IssuedCertificate,
    pki: TestPKI,
    tsa: TimestampAuthority,
    offset: int,
    indication: Indication,
) -> None:
    """AllDataObjectsTimeStamp is verified and must predate SignatureTimeStamp."""
    later = datetime.now(UTC) + timedelta(seconds=offset)
    with TimestampAuthority(pki, clock=lambda: later) as stamper:
        forged = add_content_timestamp(sealed_bt, seal, tsa, stamper)
    report = verify_xades(forged, trust=[pki.root])

    assert report.check("timestamp:AllDataObjectsTimeStamp").ok
    assert report.indication is indication
    if indication is Indication.INDETERMINATE:
        assert report.sub_indication is SubIndication.TIMESTAMP_ORDER_FAILURE


@pytest.mark.parametrize("kind", ["CRL", "OCSP"])
def test_garbage_der_revocation_value_crash(
    sealed_bt: bytes, pki: TestPKI, kind: str
) -> None:
    """An unreadable CRL/OCSP value is FORMAT_FAILURE, not an uncaught ValueError."""
    root = etree.fromstring(sealed_bt)
    unsigned = root.find(".//xades:UnsignedSignatureProperties", NS)
    values = etree.SubElement(unsigned, f"{{{NS['xades']}}}RevocationValues")
    group = etree.SubElement(values, f"{{{NS['xades']}}}{kind}Values")
    value = etree.SubElement(group, f"{{{NS['xades']}}}Encapsulated{kind}Value")
    value.text = base64.b64encode(b"garbage").decode()

    report = verify_xades(etree.tostring(root), trust=[pki.root])

    assert layers(report)["revocation-values"] is Indication.FAILED
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
