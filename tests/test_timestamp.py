"""RFC 3161 client and token verification against the local test TSA."""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from aurora_edc import Indication, SubIndication, TimestampAuthorityError
from aurora_edc._timestamp import request_timestamp, token_gen_time, verify_timestamp
from aurora_edc.testing import TestPKI, TimestampAuthority

DATA = b"the base64url JWS signature value"


@functools.cache
def _corruptible() -> tuple[bytes, TestPKI]:
    """Return a valid token made without HTTP, and its PKI (kept out of reprs)."""
    pki = TestPKI()
    return TimestampAuthority(pki).token_for(DATA), pki


def test_token_verifies_with_the_root_as_anchor(
    tsa: TimestampAuthority, test_pki: TestPKI
) -> None:
    """A fresh token passes: imprint, CMS signature, EKU, path to the anchor."""
    token = request_timestamp(DATA, tsa.url)

    result = verify_timestamp(token, DATA, trust=[test_pki.root])

    assert result.check.indication is Indication.PASSED
    assert result.trusted and result.imprint_ok and result.signature_ok
    assert result.gen_time == token_gen_time(token)
    assert result.check.time == result.gen_time
    assert result.tsa_subject is not None and "Aurora Test TSA" in result.tsa_subject


@pytest.mark.parametrize("hash_algorithm", ["sha384", "sha512"])
def test_longer_imprints_verify(
    tsa: TimestampAuthority, test_pki: TestPKI, hash_algorithm: str
) -> None:
    """SHA-384 and SHA-512 imprints are requested and verified."""
    token = request_timestamp(DATA, tsa.url, hash_algorithm=hash_algorithm)  # type: ignore[arg-type]

    result = verify_timestamp(token, DATA, trust=[test_pki.root])

    assert result.check.ok
    assert result.hash_algorithm == hash_algorithm


def test_token_over_other_data_is_a_hash_failure(
    tsa: TimestampAuthority, test_pki: TestPKI
) -> None:
    """A token whose imprint covers other data fails with HASH_FAILURE."""
    token = request_timestamp(b"other data", tsa.url)

    result = verify_timestamp(token, DATA, trust=[test_pki.root])

    assert result.check.indication is Indication.FAILED
    assert result.check.sub_indication is SubIndication.HASH_FAILURE


def test_without_anchor_the_token_is_not_trusted(tsa: TimestampAuthority) -> None:
    """Without any root the token is INDETERMINATE, never PASSED."""
    token = request_timestamp(DATA, tsa.url)

    result = verify_timestamp(token, DATA)

    assert result.check.indication is Indication.INDETERMINATE
    assert not result.trusted


def test_root_carried_but_not_supplied_is_not_trusted(
    tsa: TimestampAuthority, test_pki: TestPKI
) -> None:
    """A root that only travels with the seal checks the maths, not trust."""
    token = request_timestamp(DATA, tsa.url)

    result = verify_timestamp(token, DATA, certificates=[test_pki.root])

    assert result.signature_ok is True
    assert not result.trusted
    assert result.check.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "not supplied" in result.check.detail


def test_tsa_without_critical_eku_is_refused(test_pki: TestPKI) -> None:
    """A TSA certificate whose timeStamping EKU is not critical is refused."""
    authority = TimestampAuthority(test_pki)
    authority.issued = test_pki.issue_tsa(critical_eku=False)
    token = authority.token_for(DATA)

    result = verify_timestamp(token, DATA, trust=[test_pki.root])

    assert result.check.indication is Indication.INDETERMINATE
    assert result.check.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE


def test_sha1_imprint_refused_unless_weak_allowed(
    tsa: TimestampAuthority, test_pki: TestPKI
) -> None:
    """A SHA-1 imprint fails crypto constraints unless the caller opts in."""
    token = tsa.token_for(DATA, hash_algorithm="sha1")

    refused = verify_timestamp(token, DATA, trust=[test_pki.root])
    allowed = verify_timestamp(token, DATA, trust=[test_pki.root], allow_weak=True)

    assert refused.check.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    assert allowed.check.ok


def test_garbage_token_is_a_format_failure() -> None:
    """Bytes that are no token give FORMAT_FAILURE rather than an exception."""
    result = verify_timestamp(b"\x30\x03\x02\x01\x00", DATA)

    assert result.check.sub_indication is SubIndication.FORMAT_FAILURE


def test_unreachable_tsa_raises(test_pki: TestPKI) -> None:
    """A TSA that does not answer raises TimestampAuthorityError."""
    with TimestampAuthority(test_pki) as authority:
        url = authority.url

    with pytest.raises(TimestampAuthorityError, match="TSA"):
        request_timestamp(DATA, url, timeout=2.0)


def test_rejection_is_reported_by_the_client(tsa: TimestampAuthority) -> None:
    """A TSA rejection (here of an unreadable request) raises with its status."""
    from aurora_edc._timestamp import _token_from_response

    body = tsa.respond(b"\x30\x00")

    with pytest.raises(TimestampAuthorityError, match="rejection"):
        _token_from_response("http://127.0.0.1/tsa", body)


def test_ec_signature_timestamp_verifies_at_gen_time(shared: Path) -> None:
    """The EC sample's sigTst covers the ASCII base64url signature value."""
    sealed = json.loads(
        (shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld").read_bytes()
    )
    signature = sealed["signatures"][0]
    entries = [
        json.loads(base64.urlsafe_b64decode(e + "=" * (-len(e) % 4)))
        for e in signature["header"]["etsiU"]
    ]
    token = base64.b64decode(entries[0]["sigTst"]["tstTokens"][0]["val"])
    certificates = [
        x509.load_der_x509_certificate(base64.b64decode(v["x509Cert"]["val"]))
        for v in entries[1]["xVals"]
    ]
    roots = [c for c in certificates if c.subject == c.issuer]

    result = verify_timestamp(
        token,
        signature["signature"].encode("ascii"),
        trust=roots,
        certificates=certificates,
    )

    assert result.check.ok, result.check.detail
    assert result.gen_time is not None
    assert result.gen_time.isoformat() == "2023-09-27T11:54:20+00:00"


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
@settings(max_examples=200, deadline=None)
@given(position=st.floats(0, 1, exclude_max=True), value=st.integers(0, 255))
def test_corrupted_token_never_raises(position: float, value: int) -> None:
    """A token with any byte changed gives a result, never an exception."""
    token, pki = _corruptible()
    index = int(position * len(token))
    corrupted = token[:index] + bytes([value]) + token[index + 1 :]

    result = verify_timestamp(corrupted, DATA, trust=[pki.root])

    if corrupted != token:
        assert result.check.indication is not None
