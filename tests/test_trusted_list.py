"""Tests of reading trust anchors from a TL snapshot (ETSI TS 119 612)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.signer import XMLSigner
from typer.testing import CliRunner

from aurora_edc import (
    InputError,
    UnsafeXMLError,
    VerificationError,
    seal_jades,
    verify_jades,
)
from aurora_edc._etsi import Indication
from aurora_edc._trusted_list import read_trusted_list
from aurora_edc.cli import app
from aurora_edc.testing import IssuedCertificate, TestPKI

QC_CA = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
QTST = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
GENERIC = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
LOTL = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
START = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class Service:
    """One TSPService of a generated TL."""

    name: str
    kind: str
    status: str
    certificate: x509.Certificate
    history: Sequence[tuple[str, datetime]] = ()


def _b64(certificate: x509.Certificate) -> str:
    der = certificate.public_bytes(serialization.Encoding.DER)

    return base64.b64encode(der).decode()


def _history(entries: Sequence[tuple[str, datetime]], kind: str) -> str:
    if not entries:
        return ""
    items = "".join(
        f"<ServiceHistoryInstance><ServiceTypeIdentifier>{kind}"
        f"</ServiceTypeIdentifier><ServiceName><Name xml:lang='en'>old</Name>"
        f"</ServiceName><ServiceStatus>{STATUS}{status}</ServiceStatus>"
        f"<StatusStartingTime>{start.isoformat()}</StatusStartingTime>"
        f"</ServiceHistoryInstance>"
        for status, start in entries
    )

    return f"<ServiceHistory>{items}</ServiceHistory>"


def _service(service: Service) -> str:
    return (
        f"<TSPService><ServiceInformation>"
        f"<ServiceTypeIdentifier>{service.kind}</ServiceTypeIdentifier>"
        f"<ServiceName><Name xml:lang='fr'>fr</Name>"
        f"<Name xml:lang='en'>{service.name}</Name></ServiceName>"
        f"<ServiceDigitalIdentity><DigitalId><X509Certificate>\n"
        f"{_b64(service.certificate)}\n</X509Certificate></DigitalId>"
        f"</ServiceDigitalIdentity>"
        f"<ServiceStatus>{STATUS}{service.status}</ServiceStatus>"
        f"<StatusStartingTime>{START.isoformat()}</StatusStartingTime>"
        f"</ServiceInformation>{_history(service.history, service.kind)}"
        f"</TSPService>"
    )


def make_tl(
    services: Sequence[Service],
    *,
    next_update: datetime | None = None,
    tsl_type: str = GENERIC,
) -> bytes:
    """Build a small TS 119 612 trusted list (unsigned)."""
    update = next_update or datetime.now(UTC) + timedelta(days=90)
    body = "".join(_service(s) for s in services)

    return (
        f"<?xml version='1.0' encoding='UTF-8'?>"
        f"<TrustServiceStatusList xmlns='http://uri.etsi.org/02231/v2#' "
        f"TSLTag='http://uri.etsi.org/19612/TSLTag'><SchemeInformation>"
        f"<TSLVersionIdentifier>5</TSLVersionIdentifier>"
        f"<TSLSequenceNumber>42</TSLSequenceNumber><TSLType>{tsl_type}</TSLType>"
        f"<SchemeTerritory>BE</SchemeTerritory>"
        f"<ListIssueDateTime>2026-01-02T03:04:05Z</ListIssueDateTime>"
        f"<NextUpdate><dateTime>{update.isoformat()}</dateTime></NextUpdate>"
        f"</SchemeInformation><TrustServiceProviderList><TrustServiceProvider>"
        f"<TSPInformation><TSPName><Name xml:lang='en'>Aurora TSP</Name>"
        f"</TSPName></TSPInformation><TSPServices>{body}</TSPServices>"
        f"</TrustServiceProvider></TrustServiceProviderList>"
        f"</TrustServiceStatusList>"
    ).encode()


@pytest.fixture(scope="module")
def other_root() -> x509.Certificate:
    """A root CA of an unrelated test PKI."""
    return TestPKI().root


@pytest.fixture(scope="module")
def tl_services(test_pki: TestPKI, other_root: x509.Certificate) -> list[Service]:
    """A granted QC CA (the test root), a withdrawn QC CA and a granted QTST."""
    return [
        Service("Aurora QC CA", QC_CA, "granted", test_pki.root),
        Service("Old QC CA", QC_CA, "withdrawn", other_root),
        Service("Aurora QTST", QTST, "granted", test_pki.issue_tsa().certificate),
    ]


@pytest.fixture(scope="module")
def sealed(test_pki: TestPKI, unsealed_edc: dict[str, Any]) -> bytes:
    """A JAdES B-B seal made with a test PKI seal certificate."""
    return seal_jades(unsealed_edc, test_pki.issue_seal().seal_key())


def test_anchors_are_exactly_the_granted_services(tl_services: list[Service]) -> None:
    """Only granted services of accepted types give anchors, in document order."""
    trusted = read_trusted_list(make_tl(tl_services))

    assert trusted.certificates == (
        tl_services[0].certificate,
        tl_services[2].certificate,
    )
    assert [a.service_name for a in trusted.anchors] == ["Aurora QC CA", "Aurora QTST"]
    assert trusted.anchors[0].provider == "Aurora TSP"
    assert (trusted.territory, trusted.sequence_number) == ("BE", 42)
    assert trusted.issued == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_service_types_filter(tl_services: list[Service]) -> None:
    """Restricting ``services`` to TSA/QTST leaves the TSA certificate only."""
    trusted = read_trusted_list(make_tl(tl_services), services={QTST})

    assert trusted.certificates == (tl_services[2].certificate,)


def test_seal_passes_with_tl_anchors_only(
    tl_services: list[Service], sealed: bytes
) -> None:
    """A test-PKI seal is TOTAL_PASSED with TL anchors, INDETERMINATE without."""
    trusted = read_trusted_list(make_tl(tl_services))

    assert verify_jades(sealed, trust=trusted.certificates).passed
    untrusted = verify_jades(sealed)
    assert untrusted.indication is Indication.INDETERMINATE


def test_withdrawn_service_is_not_an_anchor(test_pki: TestPKI, sealed: bytes) -> None:
    """When the test root's service is withdrawn, the seal stays INDETERMINATE."""
    tl = make_tl([Service("Aurora QC CA", QC_CA, "withdrawn", test_pki.root)])
    trusted = read_trusted_list(tl)

    assert trusted.anchors == ()
    report = verify_jades(sealed, trust=trusted.certificates)
    assert report.indication is Indication.INDETERMINATE


def test_status_at_a_past_time_comes_from_history(test_pki: TestPKI) -> None:
    """With ``at``, the status that had started latest by then is used."""
    granted = datetime(2018, 1, 1, tzinfo=UTC)
    service = Service(
        "Aurora QC CA",
        QC_CA,
        "withdrawn",
        test_pki.root,
        history=[("granted", granted)],
    )
    tl = make_tl([service])

    assert read_trusted_list(tl).anchors == ()
    assert read_trusted_list(tl, at=datetime(2019, 6, 1)).certificates == (
        test_pki.root,
    )
    assert read_trusted_list(tl, at=datetime(2017, 1, 1, tzinfo=UTC)).anchors == ()


def test_lotl_is_refused(tl_services: list[Service]) -> None:
    """A list of the lists is refused, asking for the national TL files."""
    with pytest.raises(InputError, match="national"):
        read_trusted_list(make_tl(tl_services, tsl_type=LOTL))


def test_doctype_is_refused() -> None:
    """A TL with a DOCTYPE (possible XXE) is refused by the hardened parser."""
    hostile = (
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
        b"<TrustServiceStatusList xmlns='http://uri.etsi.org/02231/v2#'>&e;"
        b"</TrustServiceStatusList>"
    )

    with pytest.raises(UnsafeXMLError) as caught:
        read_trusted_list(hostile)
    assert caught.value.rule == "doctype"


def test_other_root_is_refused() -> None:
    """A document that is not a TrustServiceStatusList is an InputError."""
    with pytest.raises(InputError, match="TrustServiceStatusList"):
        read_trusted_list(b"<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/>")


def test_bad_certificate_is_located(test_pki: TestPKI) -> None:
    """A certificate that is not base64 DER is reported with its line."""
    tl = make_tl([Service("CA", QC_CA, "granted", test_pki.root)])
    broken = tl.replace(_b64(test_pki.root).encode(), b"bm90IGEgY2VydA==")

    with pytest.raises(InputError, match="X509Certificate") as caught:
        read_trusted_list(broken)
    assert caught.value.line == 1


def test_stale_next_update_warns(
    tl_services: list[Service], caplog: pytest.LogCaptureFixture
) -> None:
    """A NextUpdate in the past logs a WARNING naming the list as stale."""
    past = datetime.now(UTC) - timedelta(days=1)

    with caplog.at_level(logging.WARNING, logger="aurora_edc._trusted_list"):
        read_trusted_list(make_tl(tl_services, next_update=past))
    assert any("stale" in r.getMessage() for r in caplog.records)


def test_unverified_signature_always_warns(
    tl_services: list[Service], caplog: pytest.LogCaptureFixture
) -> None:
    """Taking anchors from a fresh TL logs the unverified-signature WARNING only."""
    with caplog.at_level(logging.WARNING, logger="aurora_edc._trusted_list"):
        read_trusted_list(make_tl(tl_services))
    messages = [r.getMessage() for r in caplog.records]

    assert any("NOT verified" in m for m in messages)
    assert not any("stale" in m for m in messages)


def test_reads_a_file(tl_services: list[Service], tmp_path: Path) -> None:
    """A TL given as a path is read, its source named in the result."""
    path = tmp_path / "tl-be.xml"
    path.write_bytes(make_tl(tl_services))

    trusted = read_trusted_list(path)

    assert trusted.source == str(path)
    assert len(trusted.anchors) == 2


def _sign(tl: bytes, signer: IssuedCertificate) -> bytes:
    root = etree.fromstring(tl)
    signed = XMLSigner(signature_algorithm="ecdsa-sha256").sign(
        root, key=signer.private_key, cert=[signer.certificate]
    )

    return bytes(etree.tostring(signed))


@pytest.fixture(scope="module")
def tl_signer(test_pki: TestPKI) -> IssuedCertificate:
    """A certificate standing for the TL scheme operator's signer."""
    return test_pki.issue_seal(key="p256")


def test_signed_tl_verifies_with_its_signer(
    tl_services: list[Service],
    tl_signer: IssuedCertificate,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With ``signer``, a signed TL gives its anchors and no unverified warning."""
    signed = _sign(make_tl(tl_services), tl_signer)

    with caplog.at_level(logging.WARNING, logger="aurora_edc._trusted_list"):
        trusted = read_trusted_list(signed, signer=tl_signer.certificate)

    assert len(trusted.anchors) == 2
    assert not any("NOT verified" in r.getMessage() for r in caplog.records)


def test_signed_tl_with_wrong_signer_is_refused(
    tl_services: list[Service], tl_signer: IssuedCertificate, test_pki: TestPKI
) -> None:
    """A TL signature that does not verify with ``signer`` is refused."""
    signed = _sign(make_tl(tl_services), tl_signer)
    stranger = test_pki.issue_seal(key="p256").certificate

    with pytest.raises(VerificationError, match="does not verify"):
        read_trusted_list(signed, signer=stranger)


def test_tampered_signed_tl_is_refused(
    tl_services: list[Service], tl_signer: IssuedCertificate
) -> None:
    """A service status changed after signing breaks the TL signature."""
    signed = _sign(make_tl(tl_services), tl_signer)
    tampered = signed.replace(b"Svcstatus/withdrawn", b"Svcstatus/granted")

    with pytest.raises(VerificationError):
        read_trusted_list(tampered, signer=tl_signer.certificate)


def test_unsigned_tl_is_refused_when_a_signer_is_given(
    tl_services: list[Service], tl_signer: IssuedCertificate
) -> None:
    """Asking for a signed TL refuses one without a signature."""
    with pytest.raises(VerificationError, match="ds:Signature"):
        read_trusted_list(make_tl(tl_services), signer=tl_signer.certificate)


def test_cli_verify_with_trust_list(
    tl_services: list[Service], sealed: bytes, tmp_path: Path
) -> None:
    """``verify --trust-list`` passes with the TL and names the TL service."""
    seal_file = tmp_path / "sealed.jsonld"
    seal_file.write_bytes(sealed)
    tl_file = tmp_path / "tl-be.xml"
    tl_file.write_bytes(make_tl(tl_services))
    runner = CliRunner()

    trusted = runner.invoke(
        app, ["verify", str(seal_file), "--trust-list", str(tl_file)]
    )
    untrusted = runner.invoke(app, ["verify", str(seal_file)])

    assert trusted.exit_code == 0, trusted.output
    assert "Aurora QC CA" in trusted.output
    assert untrusted.exit_code == 1, untrusted.output


def test_cli_refuses_a_lotl(tl_services: list[Service], tmp_path: Path) -> None:
    """``verify --trust-list LOTL`` exits 2 with the refusal message."""
    tl_file = tmp_path / "lotl.xml"
    tl_file.write_bytes(make_tl(tl_services, tsl_type=LOTL))

    result = CliRunner().invoke(
        app, ["verify", str(tl_file), "--trust-list", str(tl_file)]
    )

    assert result.exit_code == 2
    assert "national" in result.output
