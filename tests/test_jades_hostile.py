"""JAdES seals built by an attacker: parser differentials, malformed parts, floods.

Regression tests for the faults a hostile tester found in the JAdES verifier
and sealer (ETSI TS 119 182-1, RFC 7515, RFC 8259): each malformed part of a
seal is a FORMAT_FAILURE report, never a crash nor a pass.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_edc import (
    Indication,
    InputError,
    SubIndication,
    VerificationError,
    seal_jades,
    verify_jades,
)
from aurora_edc._jades import b64url, jades_header
from aurora_edc._jades_parse import MAX_ETSIU_ENTRIES
from aurora_edc._jades_timestamps import MAX_TST_TOKENS
from aurora_edc.testing import IssuedCertificate, TestPKI

ORG_ID = "VATBE-0123456789"


@pytest.fixture(scope="module")
def rsa_seal(test_pki: TestPKI) -> IssuedCertificate:
    """An RSA-2048 seal certificate of VATBE-0123456789."""
    return test_pki.issue_seal(key="rsa2048")


@pytest.fixture(scope="module")
def sealed(rsa_seal: IssuedCertificate) -> dict[str, Any]:
    """A small credential sealed B-B, as parsed JSON."""
    credential = {"id": "urn:x", "issuer": {"eIDASIdentifier": {"notation": ORG_ID}}}
    document: dict[str, Any] = json.loads(seal_jades(credential, rsa_seal.seal_key()))

    return document


def _forge(
    seal: IssuedCertificate, payload: bytes, **header_changes: Any
) -> dict[str, Any]:
    """Sign ``payload`` under a (changed) JAdES header with the seal's RSA key."""
    header = jades_header(seal.seal_key(), datetime.now(UTC))
    header.update(header_changes)
    header = {k: v for k, v in header.items() if v is not None}
    protected = b64url(json.dumps(header).encode())
    key = seal.private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    # The JAdES header has b64: false (RFC 7797): the payload is signed as is.
    signature = key.sign(
        protected.encode() + b"." + payload, padding.PKCS1v15(), hashes.SHA256()
    )

    return {
        "payload": payload.decode("utf-8", "surrogatepass"),
        "signatures": [{"protected": protected, "signature": b64url(signature)}],
    }


def _verify(document: dict[str, Any], test_pki: TestPKI) -> Any:
    return verify_jades(json.dumps(document).encode(), trust=[test_pki.root])


def _assert_format_failure(report: Any) -> None:
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert report.signed_content == b""


def _with_etsiu(document: dict[str, Any], *entries: Any) -> dict[str, Any]:
    """Return ``document`` with unsigned ``etsiU`` entries (base64url JSON)."""
    changed = json.loads(json.dumps(document))
    changed["signatures"][0]["header"] = {
        "etsiU": [b64url(json.dumps(e).encode()) for e in entries]
    }

    return changed


GOOD = json.dumps(
    {"id": "urn:x", "issuer": {"eIDASIdentifier": {"notation": ORG_ID}}},
    separators=(",", ":"),
)
EVIL = '{"eIDASIdentifier":{"notation":"VATFR-666"},"name":"Evil Corp"}'


def test_forged_seal_of_a_good_payload_passes(
    test_pki: TestPKI, rsa_seal: IssuedCertificate
) -> None:
    """The forging helper itself makes valid seals (the attacks below are fair)."""
    report = _verify(_forge(rsa_seal, GOOD.encode()), test_pki)

    assert report.indication is Indication.TOTAL_PASSED, report.checks


@pytest.mark.parametrize(
    "payload",
    [
        # First member Evil Corp, last the real issuer: readers disagree.
        f'{{"id":"urn:x","issuer":{EVIL},"issuer":{GOOD[23:-1]}}}',
        GOOD[:-1] + ',"credentialSubject":{"a":1},"credentialSubject":{"a":2}}',
        GOOD[:-1] + ',"score":NaN}',
        GOOD[:-1] + ',"score":-Infinity}',
        "\ufeff" + GOOD,
        GOOD[:-1] + ',"name":"\\ud800"}',
        GOOD[:-1] + ',"deep":' + "[" * 200 + "]" * 200 + "}",
    ],
    ids=["dup-issuer", "dup-subject", "nan", "infinity", "bom", "surrogate", "deep"],
)
def test_payload_duplicate_keys_and_nonstandard_json_bypass(
    test_pki: TestPKI, rsa_seal: IssuedCertificate, payload: str
) -> None:
    """A correctly signed payload that parsers read differently is FORMAT_FAILURE."""
    document = _forge(rsa_seal, payload.encode("utf-8", "surrogatepass"))
    report = _verify(document, test_pki)

    _assert_format_failure(report)
    assert "payload" in report.check("format").detail


@pytest.mark.parametrize(
    "credential",
    [
        b'{"issuer":{"id":"a"},"issuer":{"id":"b"}}',
        b'{"issuer":{},"n":NaN}',
        b'\xef\xbb\xbf{"issuer":{}}',
        b'{"issuer":{},"t":"\\udc00"}',
        b"[" * 100_000,
    ],
    ids=["duplicate", "nan", "bom", "surrogate", "deep"],
)
def test_seal_refuses_nonstandard_json(
    rsa_seal: IssuedCertificate, credential: bytes
) -> None:
    """seal_jades refuses input JSON that parsers read differently."""
    with pytest.raises(InputError, match="strict JSON"):
        seal_jades(credential, rsa_seal.seal_key())


def test_seal_refuses_nan_in_data(rsa_seal: IssuedCertificate) -> None:
    """A credential given as data with a NaN number is refused, not signed."""
    credential = {"issuer": {"eIDASIdentifier": {"notation": ORG_ID}}, "n": 1e999}
    with pytest.raises(InputError, match="strict JSON"):
        seal_jades(credential, rsa_seal.seal_key())


@pytest.mark.parametrize(
    "changes",
    [
        {"crit": [{"b64": False}]},
        {"crit": [["iat"]]},
        {"iat": 10**20},
        {"iat": -(10**15)},
        {"iat": True},
        {"iat": 1.5},
        {"iat": None},
    ],
    ids=["crit-object", "crit-array", "iat-huge", "iat-negative", "iat-bool",
         "iat-float", "no-claimed-time"],
)  # fmt: skip
def test_malformed_header_crash(
    test_pki: TestPKI, rsa_seal: IssuedCertificate, changes: dict[str, Any]
) -> None:
    """Wrong-typed crit items and iat values out of range are FORMAT_FAILURE."""
    document = _forge(rsa_seal, GOOD.encode(), **changes)

    _assert_format_failure(_verify(document, test_pki))


@pytest.mark.parametrize(
    "entry",
    [
        {"rVals": {"crlVals": [{"val": "%%% not base64 %%%"}]}},
        {"rVals": {"ocspVals": 7}},
        {"rVals": {"crlVals": [{"val": base64.b64encode(b"garbage").decode()}]}},
        {"rVals": {"ocspVals": [{"val": base64.b64encode(b"\x30\x00").decode()}]}},
        {"rVals": ["not", "an", "object"]},
    ],
    ids=["bad-base64", "ocsp-not-list", "garbage-crl", "garbage-ocsp", "array"],
)
def test_malformed_revocation_values_crash(
    test_pki: TestPKI, sealed: dict[str, Any], entry: dict[str, Any]
) -> None:
    """Unreadable rVals are FORMAT_FAILURE, not an exception."""
    _assert_format_failure(_verify(_with_etsiu(sealed, entry), test_pki))


def test_many_etsiu_entries_quadratic_memory(
    test_pki: TestPKI, sealed: dict[str, Any]
) -> None:
    """More than MAX_ETSIU_ENTRIES unsigned entries are refused up front."""
    entry = {"arcTst": {"tstTokens": [{"val": "AA=="}]}}
    flood = _with_etsiu(sealed, *[entry] * (MAX_ETSIU_ENTRIES + 1))

    report = _verify(flood, test_pki)

    _assert_format_failure(report)
    assert str(MAX_ETSIU_ENTRIES) in report.check("format").detail


def test_many_tokens_in_one_container_refused(
    test_pki: TestPKI, sealed: dict[str, Any]
) -> None:
    """A tstContainer with more than MAX_TST_TOKENS tokens fails its layer."""
    tokens = [{"val": "AA=="}] * (MAX_TST_TOKENS + 1)
    report = _verify(_with_etsiu(sealed, {"sigTst": {"tstTokens": tokens}}), test_pki)

    layer = report.check("timestamp:sigTst")
    assert layer.indication is Indication.FAILED
    assert str(MAX_TST_TOKENS) in layer.detail


def test_two_signatures_is_format_failure(
    test_pki: TestPKI, sealed: dict[str, Any]
) -> None:
    """A general serialisation with two signatures is reported FORMAT_FAILURE."""
    document = dict(sealed, signatures=sealed["signatures"] * 2)

    _assert_format_failure(_verify(document, test_pki))


def test_flattened_conflicting_with_signatures(
    test_pki: TestPKI, sealed: dict[str, Any]
) -> None:
    """Flattened members next to ``signatures`` are FORMAT_FAILURE (RFC 7515 7.2)."""
    document = dict(sealed, **sealed["signatures"][0])

    _assert_format_failure(_verify(document, test_pki))


def test_deeply_nested_document_crash() -> None:
    """A deeply nested document raises VerificationError, not RecursionError."""
    with pytest.raises(VerificationError, match="nested"):
        verify_jades(b'{"payload":"","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_signed_content_returned_for_failed_signature(
    test_pki: TestPKI, sealed: dict[str, Any]
) -> None:
    """A payload the signature does not cover is not returned as signed content."""
    changed = dict(sealed, payload=b64url(GOOD.replace("urn:x", "urn:y").encode()))
    report = _verify(changed, test_pki)

    assert report.indication is Indication.TOTAL_FAILED
    assert report.signed_content == b""


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
_UNSIGNED = ["sigTst", "arcTst", "rVals", "arVals", "xVals", "axVals"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(_UNSIGNED), value=_JSON)
def test_fuzzed_unsigned_components_never_crash(
    test_pki: TestPKI, sealed: dict[str, Any], name: str, value: Any
) -> None:
    """Any JSON in an etsiU component gives a report; junk tokens never pass."""
    report = _verify(_with_etsiu(sealed, {name: value}), test_pki)

    # Empty or unreadable validation data may leave a valid B-B seal valid.
    assert report.indication is not Indication.TOTAL_PASSED or name.endswith("Vals")


def test_iat_far_in_the_future_is_indeterminate(
    test_pki: TestPKI, rsa_seal: IssuedCertificate
) -> None:
    """An iat later than the validation time (no time-stamp) is INDETERMINATE."""
    later = int(datetime.now(UTC).timestamp()) + 86_400 * 30
    report = _verify(_forge(rsa_seal, GOOD.encode(), iat=later), test_pki)

    layer = report.check("claimed-signing-time")
    assert layer.indication is Indication.INDETERMINATE
    assert report.indication is Indication.INDETERMINATE
