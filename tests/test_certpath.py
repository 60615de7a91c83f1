"""Certificate paths at a proven time, offline; revocation; qualification claims."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from aurora_edc import Indication, SubIndication, VerificationError
from aurora_edc._certpath import RevocationData, read_crl, validate_path
from aurora_edc.testing import IssuedCertificate, TestPKI


@pytest.fixture(scope="module")
def seal(test_pki: TestPKI) -> IssuedCertificate:
    """A P-256 seal certificate (fast to make)."""
    return test_pki.issue_seal(key="p256")


def test_path_to_supplied_anchor_passes(
    test_pki: TestPKI, seal: IssuedCertificate
) -> None:
    """A complete path to a caller-supplied root passes path and trust."""
    result = validate_path(
        seal.certificate,
        at=test_pki.now,
        trust=[test_pki.root],
        certificates=seal.chain,
    )

    assert result.path.ok and result.trust.ok
    assert result.anchor == "Aurora Test Root CA"
    assert "revocation not checked" in result.revocation


def test_root_found_in_the_seal_is_not_trusted(
    test_pki: TestPKI, seal: IssuedCertificate
) -> None:
    """A root that travels with the seal completes the path but is not trust."""
    result = validate_path(seal.certificate, at=test_pki.now, certificates=seal.chain)

    assert result.path.ok
    assert result.trust.indication is Indication.INDETERMINATE
    assert "not supplied" in result.trust.detail


def test_no_root_anywhere_is_no_chain(
    test_pki: TestPKI, seal: IssuedCertificate
) -> None:
    """Without anchors or a carried root the path is NO_CERTIFICATE_CHAIN_FOUND."""
    result = validate_path(
        seal.certificate, at=test_pki.now, certificates=seal.chain[:1]
    )

    assert result.path.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert not result.trust.ok


def test_expired_at_validation_time_is_out_of_bounds(
    test_pki: TestPKI, seal: IssuedCertificate
) -> None:
    """A certificate expired at the validation time lacks proof of existence."""
    later = seal.certificate.not_valid_after_utc + timedelta(days=1)

    result = validate_path(
        seal.certificate, at=later, trust=[test_pki.root], certificates=seal.chain
    )

    assert result.path.indication is Indication.INDETERMINATE
    assert result.path.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE


def test_not_yet_valid_fails(test_pki: TestPKI, seal: IssuedCertificate) -> None:
    """A signature proven before the certificate's validity fails."""
    earlier = seal.certificate.not_valid_before_utc - timedelta(days=1)

    result = validate_path(
        seal.certificate, at=earlier, trust=[test_pki.root], certificates=seal.chain
    )

    assert result.path.indication is Indication.FAILED
    assert result.path.sub_indication is SubIndication.NOT_YET_VALID


def test_revoked_end_entity_fails(test_pki: TestPKI) -> None:
    """A CRL listing the seal certificate makes the path fail with REVOKED."""
    revoked = test_pki.issue_seal(key="p256")
    crl = test_pki.revocation_list([revoked.certificate])

    result = validate_path(
        revoked.certificate,
        at=test_pki.now,
        trust=[test_pki.root],
        certificates=revoked.chain,
        revocation=RevocationData.from_values(crls=[crl]),
    )

    assert result.path.indication is Indication.FAILED
    assert result.path.sub_indication is SubIndication.REVOKED


def test_revocation_data_for_end_entity_is_used(
    test_pki: TestPKI, seal: IssuedCertificate
) -> None:
    """A CRL from the seal's issuer is checked hard and reported."""
    crl = test_pki.revocation_list([])

    result = validate_path(
        seal.certificate,
        at=test_pki.now,
        trust=[test_pki.root],
        certificates=seal.chain,
        revocation=RevocationData.from_values(crls=[crl]),
    )

    assert result.path.ok, result.path.detail
    assert "end entity checked (hard-fail)" in result.revocation


def test_validate_path_inside_running_loop(
    test_pki: TestPKI, seal: IssuedCertificate
) -> None:
    """Validation also works when called from inside a running event loop."""

    async def inside() -> bool:
        result = validate_path(
            seal.certificate,
            at=test_pki.now,
            trust=[test_pki.root],
            certificates=seal.chain,
        )
        return result.trust.ok

    assert asyncio.run(inside())


def test_pem_crl_in_der_slot_is_tolerated(shared: Path) -> None:
    """The AnaAndromeda sample's PEM-text CRL is unarmoured and flagged."""
    sample = shared / "elm/v2/samples/AnaAndromeda_CivilEngineering_signed.xml"
    tree = etree.parse(str(sample), etree.XMLParser(resolve_entities=False))
    values = [
        base64.b64decode("".join(e.text.split()))
        for e in tree.iter("{*}EncapsulatedCRLValue")
        if e.text
    ]

    read = [read_crl(value) for value in values]
    data = RevocationData.from_values(crls=values)

    assert sorted(was_pem for _, was_pem in read) == [False, True]
    assert all(der.startswith(b"\x30") for der, _ in read)
    assert len(data.quirks) == 1 and "PEM" in data.quirks[0]


@pytest.mark.parametrize(
    ("ocsps", "crls"),
    [
        ([], [b"garbage"]),
        ([], [b"\x30\x03\x02\x01\x01"]),
        ([b"garbage"], []),
        ([b"\x30\x07\x0a\x01\x00\xa0\x02\x30\x00"], []),
    ],
    ids=["crl-garbage", "crl-wrong-structure", "ocsp-garbage", "ocsp-empty-bytes"],
)
def test_garbage_der_revocation_value_crash(
    ocsps: list[bytes], crls: list[bytes]
) -> None:
    """Revocation values that are no DER CRL/OCSP raise VerificationError early."""
    with pytest.raises(VerificationError, match="not a DER"):
        RevocationData.from_values(ocsps, crls)


def test_valid_crl_is_accepted_by_the_der_check(test_pki: TestPKI) -> None:
    """A real CRL of the test PKI passes the structural check unchanged."""
    crl = test_pki.revocation_list([])

    assert RevocationData.from_values(crls=[crl]).crls == (crl,)
