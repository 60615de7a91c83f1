"""JAdES seals: round trips, the EC's sealed sample, and attacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_edc import (
    AlreadySealedError,
    BaselineLevel,
    Indication,
    InputError,
    IssuerMismatchError,
    KeyMaterialError,
    SealKey,
    SubIndication,
    VerificationError,
    seal_jades,
    verify_jades,
)
from aurora_edc._jades import (
    MAX_CREDENTIAL_BYTES,
    b64url,
    issuer_serial,
    jades_header,
)
from aurora_edc._timestamp import _tst_info
from aurora_edc.testing import IssuedCertificate, TestPKI, TimestampAuthority

EC_SAMPLE = "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"


@pytest.fixture(scope="module")
def rsa_seal(test_pki: TestPKI) -> IssuedCertificate:
    """An RSA-2048 seal certificate of VATBE-0123456789."""
    return test_pki.issue_seal(key="rsa2048")


@pytest.fixture(scope="module")
def sealed_rsa(unsealed_edc: dict[str, Any], rsa_seal: IssuedCertificate) -> bytes:
    """The unsealed sample sealed B-B with the RSA key."""
    return seal_jades(unsealed_edc, rsa_seal.seal_key())


@pytest.fixture(scope="module")
def small_sealed(rsa_seal: IssuedCertificate) -> bytes:
    """A minimal credential sealed B-B (short enough for hypothesis reports)."""
    credential = {
        "id": "urn:x",
        "issuer": {"eIDASIdentifier": {"notation": "VATBE-0123456789"}},
    }
    return seal_jades(credential, rsa_seal.seal_key())


def _b64url_json(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _parts(sealed: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    document = json.loads(sealed)
    return document, document["signatures"][0]


def _forge(header: dict[str, Any], payload: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """Sign any header with RS256 outside joserfc, for attack vectors."""
    protected = b64url(json.dumps(header).encode())
    signature = key.sign(
        protected.encode() + b"." + payload, padding.PKCS1v15(), hashes.SHA256()
    )
    document = {
        "payload": payload.decode(),
        "signatures": [{"protected": protected, "signature": b64url(signature)}],
    }
    return json.dumps(document).encode()


def _rsa(seal: IssuedCertificate) -> rsa.RSAPrivateKey:
    assert isinstance(seal.private_key, rsa.RSAPrivateKey)
    return seal.private_key


# Round trips


@pytest.mark.parametrize("kind", ["rsa2048", "p256"])
def test_b_b_round_trip(
    test_pki: TestPKI, unsealed_edc: dict[str, Any], kind: str
) -> None:
    """A B-B seal verifies TOTAL_PASSED with the test root as anchor."""
    seal = test_pki.issue_seal(key=kind)  # type: ignore[arg-type]

    sealed = seal_jades(unsealed_edc, seal.seal_key())
    report = verify_jades(sealed, trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert report.level is BaselineLevel.B_B
    assert report.organization_identifier == "VATBE-0123456789"


@pytest.mark.parametrize("kind", ["rsa2048", "p256"])
def test_b_t_round_trip(
    test_pki: TestPKI, tsa: TimestampAuthority, unsealed_edc: dict[str, Any], kind: str
) -> None:
    """A B-T seal carries a sigTst that proves the signing time."""
    seal = test_pki.issue_seal(key=kind)  # type: ignore[arg-type]

    sealed = seal_jades(unsealed_edc, seal.seal_key(), tsa_url=tsa.url)
    report = verify_jades(sealed, trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert report.level is BaselineLevel.B_T
    assert report.proven_time is not None
    assert report.check("timestamp:sigTst") is not None


def test_signed_content_is_the_exact_payload(
    sealed_rsa: bytes, test_pki: TestPKI
) -> None:
    """The report returns exactly the payload bytes that the signature covers."""
    document, _ = _parts(sealed_rsa)

    report = verify_jades(sealed_rsa, trust=[test_pki.root])

    assert report.signed_content == document["payload"].encode("utf-8")
    assert b": " not in report.signed_content[:200]


def test_sealing_sets_issued_to_the_sealing_time(
    unsealed_edc: dict[str, Any], rsa_seal: IssuedCertificate
) -> None:
    """``issued`` and ``issuanceDate`` become the sealing time; iat matches."""
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    document, signature = _parts(
        seal_jades(unsealed_edc, rsa_seal.seal_key(), when=when)
    )
    credential = json.loads(document["payload"])
    header = _b64url_json(signature["protected"])

    assert credential["issued"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert credential["issuanceDate"] == credential["issued"]
    assert header["iat"] == int(when.timestamp())


def test_header_is_shaped_like_the_ec_seal(
    sealed_rsa: bytes, rsa_seal: IssuedCertificate
) -> None:
    """The protected header carries typ, cty, x5c, x5t#S256, kid, iat, b64, crit."""
    _, signature = _parts(sealed_rsa)
    header = _b64url_json(signature["protected"])
    der = rsa_seal.certificate.public_bytes(serialization.Encoding.DER)

    assert header["alg"] == "RS256" and header["typ"] == "jose+json"
    assert header["b64"] is False and header["crit"] == ["b64"]
    assert "sigT" not in header and isinstance(header["iat"], int)
    assert base64.b64decode(header["x5c"][0]) == der
    assert header["x5t#S256"] == b64url(hashlib.sha256(der).digest())
    kid = tsp.IssuerSerial.load(base64.b64decode(header["kid"]))
    assert kid["serial_number"].native == rsa_seal.certificate.serial_number


def test_sig_tst_covers_the_base64url_signature(
    tsa: TimestampAuthority, unsealed_edc: dict[str, Any], rsa_seal: IssuedCertificate
) -> None:
    """The sigTst imprint is SHA-256 of the ASCII base64url signature value."""
    _, signature = _parts(
        seal_jades(unsealed_edc, rsa_seal.seal_key(), tsa_url=tsa.url)
    )
    entry = _b64url_json(signature["header"]["etsiU"][0])
    token = base64.b64decode(entry["sigTst"]["tstTokens"][0]["val"])

    imprint = _tst_info(token)["message_imprint"]["hashed_message"].native

    assert imprint == hashlib.sha256(signature["signature"].encode("ascii")).digest()


def test_without_anchor_never_total_passed(
    sealed_rsa: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a trust anchor the result is INDETERMINATE and a WARNING is logged."""
    with caplog.at_level(logging.WARNING, logger="aurora_edc"):
        report = verify_jades(sealed_rsa)

    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert any("INDETERMINATE" in r.getMessage() for r in caplog.records)


# Sealing refusals


def test_issuer_mismatch_refused_at_sealing(
    test_pki: TestPKI, unsealed_edc: dict[str, Any]
) -> None:
    """A certificate of another organisation is refused, naming both values."""
    other = test_pki.issue_seal(key="p256", organization_identifier="VATFR-99999999999")

    with pytest.raises(IssuerMismatchError) as caught:
        seal_jades(unsealed_edc, other.seal_key())

    assert "VATBE-0123456789" in str(caught.value)
    assert "VATFR-99999999999" in str(caught.value)


def test_already_sealed_refused(sealed_rsa: bytes, rsa_seal: IssuedCertificate) -> None:
    """A JAdES document is not sealed again."""
    with pytest.raises(AlreadySealedError):
        seal_jades(sealed_rsa, rsa_seal.seal_key())


def test_certificate_not_valid_at_sealing_time_refused(
    unsealed_edc: dict[str, Any], rsa_seal: IssuedCertificate
) -> None:
    """Sealing after the certificate expired is refused."""
    later = rsa_seal.certificate.not_valid_after_utc + timedelta(days=1)

    with pytest.raises(KeyMaterialError, match="not at"):
        seal_jades(unsealed_edc, rsa_seal.seal_key(), when=later)


# The EC's sealed sample


@pytest.fixture(scope="module")
def ec_sealed(shared: Path) -> bytes:
    """The EC's JAdES-sealed micro-credential (B-LTA, certificates expired)."""
    return (shared / EC_SAMPLE).read_bytes()


@pytest.fixture(scope="module")
def ec_certificates(ec_sealed: bytes) -> list[x509.Certificate]:
    """The certificates carried in the EC sample's xVals."""
    _, signature = _parts(ec_sealed)
    entries = [_b64url_json(e) for e in signature["header"]["etsiU"]]
    values = next(e["xVals"] for e in entries if "xVals" in e)
    return [
        x509.load_der_x509_certificate(base64.b64decode(v["x509Cert"]["val"]))
        for v in values
    ]


def _named(certificates: list[x509.Certificate], text: str) -> x509.Certificate:
    return next(c for c in certificates if c.subject.rfc4514_string().startswith(text))


def test_ec_sample_without_anchor_is_indeterminate(ec_sealed: bytes) -> None:
    """Integrity, signature and binding pass; the chain is INDETERMINATE."""
    report = verify_jades(ec_sealed)

    assert report.level is BaselineLevel.B_LTA
    assert report.indication is Indication.INDETERMINATE
    for name in (
        "format",
        "reference-integrity",
        "signature-value",
        "signing-certificate",
    ):
        assert report.check(name).ok, name  # type: ignore[union-attr]
    path = report.check("certificate-path")
    assert (
        path is not None
        and path.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    )
    assert report.signed_content == json.loads(ec_sealed)["payload"].encode("utf-8")


def test_ec_sample_timestamps_valid_at_gen_time(ec_sealed: bytes) -> None:
    """adoTst, sigTst and arcTst verify cryptographically at their genTime."""
    report = verify_jades(ec_sealed)

    for kind in ("adoTst", "sigTst", "arcTst"):
        result = report.check(f"timestamp:{kind}")
        assert result is not None and "TSA signature and EKU valid" in result.detail
        assert result.time is not None and result.time.year == 2023


def test_ec_sample_passes_with_its_anchors(
    ec_sealed: bytes, ec_certificates: list[x509.Certificate]
) -> None:
    """With the seal CA and the TSA root as anchors it is TOTAL_PASSED at PoE time."""
    anchors = [
        _named(ec_certificates, "CN=ANF AC Qualified Certificates for eSeal,"),
        _named(ec_certificates, "C=LU,OU=PKI-TEST,O=Nowina Solutions,CN=root-ca"),
    ]

    report = verify_jades(ec_sealed, trust=anchors)

    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert report.proven_time == datetime(2023, 9, 27, 11, 54, 20, tzinfo=UTC)
    path = report.check("certificate-path")
    assert path is not None and path.time == report.proven_time
    assert report.qualification_claims == ("QcCompliance", "QcType-eSeal", "QCP-l")


def test_ec_sample_without_trusted_tsa_has_no_proof_of_existence(
    ec_sealed: bytes, ec_certificates: list[x509.Certificate]
) -> None:
    """Trusting only the seal CA leaves the expired certificate unproven."""
    anchor = _named(ec_certificates, "CN=ANF AC Qualified Certificates for eSeal,")

    report = verify_jades(ec_sealed, trust=[anchor])

    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    path = report.check("certificate-path")
    assert (
        path is not None and path.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    )


def test_ec_sample_changed_payload_byte_fails(ec_sealed: bytes) -> None:
    """One changed payload character of the EC sample breaks the signature."""
    tampered = ec_sealed.replace(b"ORGANIZACION TEST", b"ORGANIZACION TESU", 1)

    report = verify_jades(tampered)

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


# Attacks: none may be TOTAL_PASSED


def test_changed_payload_byte_fails(sealed_rsa: bytes, test_pki: TestPKI) -> None:
    """A changed payload byte gives TOTAL_FAILED / SIG_CRYPTO_FAILURE."""
    tampered = sealed_rsa.replace(b"VATBE-0123456789", b"VATBE-0123456788", 1)

    report = verify_jades(tampered, trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_changed_protected_header_fails(sealed_rsa: bytes, test_pki: TestPKI) -> None:
    """A protected header re-encoded with another iat breaks the signature."""
    document, signature = _parts(sealed_rsa)
    header = _b64url_json(signature["protected"])
    header["iat"] -= 3600
    signature["protected"] = b64url(json.dumps(header, separators=(",", ":")).encode())

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED


def test_reserialised_payload_fails(sealed_rsa: bytes, test_pki: TestPKI) -> None:
    """The same JSON re-serialised with spaces is not the signed payload."""
    document, _ = _parts(sealed_rsa)
    document["payload"] = json.dumps(json.loads(document["payload"]))

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED


def test_alg_none_fails(sealed_rsa: bytes, test_pki: TestPKI) -> None:
    """An unsigned JWS (alg none) is TOTAL_FAILED."""
    document, signature = _parts(sealed_rsa)
    header = _b64url_json(signature["protected"])
    header["alg"] = "none"
    signature["protected"] = b64url(json.dumps(header).encode())
    signature["signature"] = ""

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_hmac_with_public_key_fails(
    sealed_rsa: bytes, test_pki: TestPKI, rsa_seal: IssuedCertificate
) -> None:
    """HS256 keyed with the certificate's public key (key confusion) fails."""
    document, signature = _parts(sealed_rsa)
    header = _b64url_json(signature["protected"])
    header["alg"] = "HS256"
    protected = b64url(json.dumps(header).encode())
    secret = rsa_seal.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mac = hmac.new(
        secret, protected.encode() + b"." + document["payload"].encode(), "sha256"
    )
    signature.update(protected=protected, signature=b64url(mac.digest()))

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


@pytest.mark.filterwarnings("ignore:Key size should be:joserfc.errors.SecurityWarning")
def test_weak_key_refused_at_verification_unless_allowed(
    test_pki: TestPKI, unsealed_edc: dict[str, Any]
) -> None:
    """An RSA-1024 seal made with allow_weak is not TOTAL_PASSED by default."""
    weak = test_pki.issue_seal(key="rsa1024")
    sealed = seal_jades(unsealed_edc, weak.seal_key(allow_weak=True))

    report = verify_jades(sealed, trust=[test_pki.root])
    allowed = verify_jades(sealed, trust=[test_pki.root], allow_weak=True)

    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    assert allowed.indication is Indication.TOTAL_PASSED


def test_expired_certificate_without_timestamp_is_indeterminate(
    test_pki: TestPKI, unsealed_edc: dict[str, Any]
) -> None:
    """A seal made while valid, certificate now expired, no PoE: INDETERMINATE."""
    now = datetime.now(UTC)
    old = test_pki.issue_seal(
        key="p256",
        not_before=now - timedelta(days=60),
        not_after=now - timedelta(days=2),
    )
    sealed = seal_jades(unsealed_edc, old.seal_key(), when=now - timedelta(days=30))

    report = verify_jades(sealed, trust=[test_pki.root])

    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE


def test_expired_certificate_with_timestamp_passes(
    unsealed_edc: dict[str, Any],
) -> None:
    """A time-stamp from while the certificate was valid keeps the seal valid."""
    then = datetime.now(UTC) - timedelta(days=800)
    pki = TestPKI(now=then)
    seal = pki.issue_seal(key="p256", not_after=then + timedelta(days=30))
    with TimestampAuthority(
        pki, clock=lambda: then + timedelta(minutes=1)
    ) as authority:
        sealed = seal_jades(
            unsealed_edc, seal.seal_key(), tsa_url=authority.url, when=then
        )

    report = verify_jades(sealed, trust=[pki.root])

    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert report.proven_time == (then + timedelta(minutes=1)).replace(microsecond=0)


def test_issuer_mismatch_reported_at_verification(
    test_pki: TestPKI, unsealed_edc: dict[str, Any], rsa_seal: IssuedCertificate
) -> None:
    """A payload naming another issuer than the certificate fails."""
    credential = json.loads(json.dumps(unsealed_edc))
    credential["issuer"]["eIDASIdentifier"]["notation"] = "VATFR-99999999999"
    payload = json.dumps(credential, separators=(",", ":")).encode()
    header = jades_header(rsa_seal.seal_key(), datetime.now(UTC))

    report = verify_jades(
        _forge(header, payload, _rsa(rsa_seal)), trust=[test_pki.root]
    )

    issuer = report.check("issuer-identifier")
    assert issuer is not None and issuer.indication is Indication.FAILED
    assert "VATFR-99999999999" in issuer.detail
    assert report.indication is Indication.TOTAL_FAILED


def test_unknown_crit_is_format_failure(
    test_pki: TestPKI, sealed_rsa: bytes, rsa_seal: IssuedCertificate
) -> None:
    """A correctly signed header with an unknown crit name is FORMAT_FAILURE."""
    document, signature = _parts(sealed_rsa)
    header = _b64url_json(signature["protected"])
    header.update(crit=["b64", "exp1"], exp1=True)

    forged = _forge(header, document["payload"].encode(), _rsa(rsa_seal))
    report = verify_jades(forged, trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_kid_of_another_certificate_is_not_bound(
    test_pki: TestPKI, sealed_rsa: bytes, rsa_seal: IssuedCertificate
) -> None:
    """A kid naming another certificate leaves the signer unidentified."""
    document, signature = _parts(sealed_rsa)
    header = _b64url_json(signature["protected"])
    other = test_pki.issue_seal(key="p256").certificate
    header["kid"] = base64.b64encode(issuer_serial(other)).decode()

    forged = _forge(header, document["payload"].encode(), _rsa(rsa_seal))
    report = verify_jades(forged, trust=[test_pki.root])

    assert report.sub_indication is SubIndication.NO_SIGNING_CERTIFICATE_FOUND


def test_timestamp_over_other_data_fails(
    sealed_rsa: bytes, test_pki: TestPKI, tsa: TimestampAuthority
) -> None:
    """A sigTst whose token covers other data is a HASH_FAILURE."""
    document, signature = _parts(sealed_rsa)
    token = tsa.token_for(b"some other signature")
    entry = {"sigTst": {"tstTokens": [{"val": base64.b64encode(token).decode()}]}}
    signature["header"] = {"etsiU": [b64url(json.dumps(entry).encode())]}

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.HASH_FAILURE


def test_duplicate_header_member_is_format_failure(
    sealed_rsa: bytes, test_pki: TestPKI
) -> None:
    """A protected header with a duplicated member name is refused."""
    document, signature = _parts(sealed_rsa)
    text = base64.urlsafe_b64decode(signature["protected"] + "==").decode()
    signature["protected"] = b64url(text.replace("{", '{"alg":"none",', 1).encode())

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_name_in_both_headers_is_format_failure(
    sealed_rsa: bytes, test_pki: TestPKI
) -> None:
    """An unprotected alg beside the protected one is refused (RFC 7515 7.2.1)."""
    document, signature = _parts(sealed_rsa)
    signature["header"] = {"alg": "none"}

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_archive_timestamp_over_clear_json_is_advisory(
    sealed_rsa: bytes, test_pki: TestPKI, tsa: TimestampAuthority
) -> None:
    """An arcTst after a clear-JSON etsiU entry is reported, not decisive."""
    document, signature = _parts(sealed_rsa)
    token = base64.b64encode(tsa.token_for(b"anything")).decode()
    arc = {"arcTst": {"tstTokens": [{"val": token}]}}
    signature["header"] = {"etsiU": [{"xVals": []}, b64url(json.dumps(arc).encode())]}

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    archive = report.check("timestamp:arcTst")
    assert archive is not None and archive.advisory
    assert archive.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    assert report.indication is Indication.TOTAL_PASSED


def test_not_a_jws_is_unusable() -> None:
    """Input that is no JWS JSON document raises VerificationError."""
    with pytest.raises(VerificationError):
        verify_jades(b'{"credential": {}}')


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_payload_change_is_never_passed(
    data: st.DataObject, small_sealed: bytes, test_pki: TestPKI
) -> None:
    """Changing any payload character never yields TOTAL_PASSED."""
    document, _ = _parts(small_sealed)
    payload: str = document["payload"]
    index = data.draw(st.integers(0, len(payload) - 1))
    replacement = data.draw(st.characters(blacklist_characters=payload[index]))
    document["payload"] = payload[:index] + replacement + payload[index + 1 :]

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is not Indication.TOTAL_PASSED


def test_seal_key_is_imported_once(rsa_seal: IssuedCertificate) -> None:
    """The joserfc key is cached per SealKey (RSA import re-validates keys)."""
    from aurora_edc._jades import _jose_key

    key: SealKey = rsa_seal.seal_key()

    assert _jose_key(key) is _jose_key(key)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(member=st.sampled_from(["protected", "header", "signature"]), value=_json_values)
def test_malformed_members_never_crash_or_pass(
    small_sealed: bytes, test_pki: TestPKI, member: str, value: Any
) -> None:
    """Any JSON value in a signature member gives a report or VerificationError.

    Only the unprotected header may change without failing the seal.
    """
    document, signature = _parts(small_sealed)
    signature[member] = value

    try:
        report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])
    except VerificationError:
        return
    if member != "header":
        assert report.indication is not Indication.TOTAL_PASSED


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.floats(0, 1, exclude_max=True), value=st.integers(0, 255))
def test_corrupted_certificate_never_crashes(
    small_sealed: bytes, test_pki: TestPKI, position: float, value: int
) -> None:
    """A seal certificate with any byte changed gives a report, never a crash."""
    document, signature = _parts(small_sealed)
    header = _b64url_json(signature["protected"])
    der = bytearray(base64.b64decode(header["x5c"][0]))
    der[int(position * len(der))] = value
    header["x5c"][0] = base64.b64encode(bytes(der)).decode()
    signature["protected"] = b64url(json.dumps(header).encode())

    report = verify_jades(json.dumps(document).encode(), trust=[test_pki.root])

    assert report.indication is not Indication.TOTAL_PASSED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update({1: "one", "1": "two"}), "not text"),
        (lambda c: c.update({"name": "lone \ud800 surrogate"}), "surrogate"),
        (lambda c: c.update({"score": float("nan")}), "not JSON compliant"),
        (lambda c: c.update({"deep": json.loads("[" * 120 + "]" * 120)}), "deeper"),
    ],
)
def test_data_that_reads_back_differently_is_refused(
    rsa_seal: IssuedCertificate, change: Any, message: str
) -> None:
    """Sealing data refuses what a strict reader would read differently."""
    credential: dict[Any, Any] = {
        "id": "urn:x",
        "issuer": {"eIDASIdentifier": {"notation": "VATBE-0123456789"}},
    }
    change(credential)

    with pytest.raises(InputError, match=message):
        seal_jades(credential, rsa_seal.seal_key())


def test_data_larger_than_a_verifier_reads_is_refused(
    rsa_seal: IssuedCertificate,
) -> None:
    """Data over 32 MiB as compact JSON is refused, as such bytes are."""
    credential = {
        "id": "urn:x",
        "issuer": {"eIDASIdentifier": {"notation": "VATBE-0123456789"}},
        "image": "A" * (MAX_CREDENTIAL_BYTES + 1),
    }

    with pytest.raises(InputError, match="expected at most"):
        seal_jades(credential, rsa_seal.seal_key())


@pytest.mark.parametrize("value", ["{}", None, [("id", "urn:x")], 42])
def test_what_is_not_a_json_object_is_an_input_error(
    rsa_seal: IssuedCertificate, value: Any
) -> None:
    """seal_jades refuses text, lists (even of pairs), None and numbers."""
    with pytest.raises(InputError, match="expected a JSON object"):
        seal_jades(value, rsa_seal.seal_key())


def test_bytearray_is_sealed_like_bytes(
    unsealed_edc: dict[str, Any], rsa_seal: IssuedCertificate, test_pki: TestPKI
) -> None:
    """A bytearray of JSON is read with the strict reader, like bytes."""
    data = bytearray(json.dumps(unsealed_edc).encode())

    sealed = seal_jades(data, rsa_seal.seal_key())

    report = verify_jades(sealed, trust=[test_pki.root])
    assert report.indication is Indication.TOTAL_PASSED


class _TwoFaced(dict):  # type: ignore[type-arg]
    """A dict that shows a duplicate member to whoever asks for its items."""

    def items(self):  # type: ignore[no-untyped-def]
        return [("a", 1), ("a", 2)]


def test_container_subclass_is_read_back_strictly(
    rsa_seal: IssuedCertificate,
) -> None:
    """A dict subclass whose items differ from its contents cannot slip through."""
    credential = {
        "id": "urn:x",
        "issuer": {"eIDASIdentifier": {"notation": "VATBE-0123456789"}},
        "nested": _TwoFaced(a=1),
    }

    with pytest.raises(InputError, match="duplicate member"):
        seal_jades(credential, rsa_seal.seal_key())
