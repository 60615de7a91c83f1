"""The public test PKI and time-stamping authority (aurora_edc.testing)."""

from __future__ import annotations

from pathlib import Path

import httpx
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from aurora_edc import load_seal_key
from aurora_edc.testing import TestPKI, TimestampAuthority


def test_seal_certificate_has_eidas_subject_and_usage(test_pki: TestPKI) -> None:
    """Seal certificates carry organizationIdentifier and signing key usages."""
    seal = test_pki.issue_seal(key="p256", organization_identifier="VATBE-0123456789")
    certificate = seal.certificate
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value

    org_id = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    assert org_id[0].value == "VATBE-0123456789"
    assert usage.digital_signature and usage.content_commitment
    assert seal.chain == (test_pki.intermediate, test_pki.root)


def test_tsa_certificate_has_critical_time_stamping_eku(test_pki: TestPKI) -> None:
    """The TSA certificate's EKU is timeStamping and critical (RFC 3161 2.3)."""
    eku = test_pki.issue_tsa().certificate.extensions.get_extension_for_class(
        x509.ExtendedKeyUsage
    )

    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_written_files_load_back(test_pki: TestPKI, tmp_path: Path) -> None:
    """Written PEM and PKCS#12 files load as the same seal key."""
    seal = test_pki.issue_seal(key="rsa2048")
    files = seal.write(tmp_path, password=b"pw")

    from_pem = load_seal_key(files.key, files.cert, files.chain, password=b"pw")
    from_p12 = load_seal_key(files.pkcs12, password=b"pw")

    assert from_pem.certificate == from_p12.certificate == seal.certificate


def test_tsa_serves_on_loopback_and_stops(test_pki: TestPKI) -> None:
    """The TSA listens on 127.0.0.1 on an ephemeral port, and stops on exit."""
    with TimestampAuthority(test_pki) as authority:
        url = authority.url
        answer = httpx.post(
            url,
            content=b"\x30\x00",
            headers={"Content-Type": "application/timestamp-query"},
        )

    assert url.startswith("http://127.0.0.1:")
    assert answer.headers["content-type"] == "application/timestamp-reply"
    try:
        httpx.post(url, content=b"\x30\x00", timeout=1.0)
        reachable = True
    except httpx.HTTPError:
        reachable = False
    assert not reachable
