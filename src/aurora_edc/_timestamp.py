"""RFC 3161 time-stamps: request a token, and verify one against its data.

Implements the client side of RFC 3161 (Time-Stamp Protocol, clause 3.4 HTTP
transport; clause 2.4 request and response) for the signature timestamps of
JAdES (``sigTst``, ETSI TS 119 182-1 clause 5.3.4) and XAdES
(``SignatureTimeStamp``, ETSI EN 319 132-1 clause 5.3), and the timestamp
validation building block of ETSI EN 319 102-1 (clause 5.4): message imprint,
CMS signature of the TSA, the TSA certificate's critical timeStamping extended
key usage, and the TSA's path at the token's genTime.

The CMS signature, EKU and imprint are checked by rfc3161-client; the TSA path
and its trust by :mod:`aurora_edc._certpath`. A token is *trusted* only when
its TSA chains to an anchor the caller supplied; only then does its genTime
count as proof of existence.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import httpx
import rfc3161_client
from asn1crypto import algos, cms, core, tsp
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from ._certpath import RevocationData, load_certificate, validate_path
from ._etsi import CheckResult, SubIndication
from ._exceptions import TimestampAuthorityError, shorten

__all__ = [
    "HashName",
    "TimeStampResponse",
    "TimestampVerification",
    "request_timestamp",
    "token_gen_time",
    "verify_timestamp",
]

logger = logging.getLogger(__name__)

HashName = Literal["sha256", "sha384", "sha512"]

MAX_RESPONSE_BYTES = 1_000_000
"""Largest TSA response accepted; real tokens are a few kilobytes."""

_QUERY = "application/timestamp-query"
_REPLY = "application/timestamp-reply"
_STRONG = {"sha256", "sha384", "sha512"}
_GRANTED = {"granted", "granted_with_mods"}


def request_timestamp(
    data: bytes,
    url: str,
    *,
    hash_algorithm: HashName = "sha256",
    timeout: float = 10.0,
) -> bytes:
    """Ask an RFC 3161 TSA to time-stamp ``data`` and return the token.

    The request carries a random 64-bit nonce and ``certReq`` true, so the
    token embeds the TSA certificate. The answer must echo the imprint and
    nonce.

    Args:
        data: The bytes to time-stamp (hashed here).
        url: The TSA's HTTP(S) URL.
        hash_algorithm: Imprint hash: sha256 (default), sha384 or sha512.
        timeout: Seconds to wait for the TSA.

    Returns:
        The TimeStampToken (CMS ContentInfo), DER.

    Raises:
        TimestampAuthorityError: When the TSA is unreachable, refuses, or
            answers with a token for other data.

    """
    digest = hashlib.new(hash_algorithm, data).digest()
    nonce = secrets.randbits(63) | 1
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": _imprint(hash_algorithm, digest),
            "nonce": nonce,
            "cert_req": True,
        }
    )
    body = _post(url, request.dump(), timeout)
    token = _token_from_response(url, body)
    _check_answer(url, token, digest, nonce)
    logger.debug("timestamp from %s: %d bytes", url, len(token))

    return token


def _imprint(hash_algorithm: str, digest: bytes) -> tsp.MessageImprint:
    algorithm = algos.DigestAlgorithm({"algorithm": hash_algorithm})
    return tsp.MessageImprint({"hash_algorithm": algorithm, "hashed_message": digest})


@functools.cache
def _client() -> httpx.Client:
    """One HTTP client per process: building one loads the CA bundle (~30 ms)."""
    client = httpx.Client(follow_redirects=False)
    atexit.register(client.close)

    return client


def _post(url: str, body: bytes, timeout: float) -> bytes:
    """POST a TimeStampReq and return the raw response body."""
    try:
        response = _client().post(
            url, content=body, headers={"Content-Type": _QUERY}, timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise TimestampAuthorityError(f"TSA {url}: {exc}") from exc
    kind = response.headers.get("content-type", "")
    if response.status_code != 200 or not kind.startswith(_REPLY):
        raise TimestampAuthorityError(
            f"TSA {url}: expected 200 {_REPLY}, found {response.status_code} "
            f"{shorten(kind, 60)}"
        )
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise TimestampAuthorityError(
            f"TSA {url}: response of {len(response.content)} bytes, "
            f"expected at most {MAX_RESPONSE_BYTES}"
        )

    return response.content


class TimeStampResponse(core.Sequence):  # type: ignore[misc]
    """TimeStampResp (RFC 3161 clause 2.4.2) with the token optional.

    asn1crypto's own definition requires the token, so it cannot read the
    rejections a TSA sends.
    """

    _fields = [  # noqa: RUF012 (asn1crypto's declaration style)
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _token_from_response(url: str, body: bytes) -> bytes:
    """Extract the token of a granted TimeStampResp."""
    try:
        response = TimeStampResponse.load(body)
        info = response["status"]
        status = info["status"].native
        refusal = f"{shorten(info['status_string'].native)}, {info['fail_info'].native}"
        token = response["time_stamp_token"] if status in _GRANTED else None
        token = token if isinstance(token, cms.ContentInfo) else None
    except (ValueError, TypeError) as exc:
        raise TimestampAuthorityError(f"TSA {url}: unreadable response") from exc
    if status not in _GRANTED:
        raise TimestampAuthorityError(
            f"TSA {url}: status {status!r} ({refusal}), expected granted"
        )
    if token is None:
        raise TimestampAuthorityError(f"TSA {url}: granted without a token")

    return bytes(token.dump())


def _check_answer(url: str, token: bytes, digest: bytes, nonce: int) -> None:
    """Refuse a token whose imprint or nonce differ from the request."""
    info = _tst_info(token)
    found = info["message_imprint"]["hashed_message"].native
    if found != digest:
        raise TimestampAuthorityError(
            f"TSA {url}: token imprint {found.hex()[:16]}..., "
            f"expected {digest.hex()[:16]}..."
        )
    if info["nonce"].native != nonce:
        raise TimestampAuthorityError(f"TSA {url}: nonce differs from the request")


def _tst_info(token: bytes) -> tsp.TSTInfo:
    """Return the TSTInfo of a token; ValueError when malformed."""
    content = cms.ContentInfo.load(token)
    if content["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    encap = content["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise ValueError("SignedData does not hold a TSTInfo")
    # Parse the octets explicitly: asn1crypto's lazy ``parsed`` depends on
    # which fields were read before.
    info = tsp.TSTInfo.load(encap["content"].contents)
    _ = info["gen_time"].native  # force parsing: malformed input fails here

    return info


@dataclass(frozen=True)
class TimestampVerification:
    """The outcome of verifying one time-stamp token.

    Attributes:
        check: The layer result (``timestamp:<kind>``); PASSED only when the
            imprint, TSA signature and EKU are valid and the TSA chains to a
            caller-supplied anchor at genTime.
        gen_time: The token's genTime, when readable.
        tsa_subject: Subject of the TSA certificate, when found.
        hash_algorithm: Imprint hash algorithm name.
        policy: TSA policy OID.
        imprint_ok: The imprint matches the data.
        signature_ok: CMS signature and EKU valid (None: not checkable).
        trusted: The TSA chains to a caller-supplied anchor.
        certificates: Certificates embedded in the token.

    """

    check: CheckResult
    gen_time: datetime | None = None
    tsa_subject: str | None = None
    hash_algorithm: str | None = None
    policy: str | None = None
    imprint_ok: bool = False
    signature_ok: bool | None = None
    trusted: bool = False
    certificates: tuple[x509.Certificate, ...] = ()


def verify_timestamp(
    token: bytes,
    message: bytes,
    *,
    name: str = "timestamp",
    trust: Sequence[x509.Certificate] = (),
    certificates: Sequence[x509.Certificate] = (),
    revocation: RevocationData | None = None,
    allow_weak: bool = False,
) -> TimestampVerification:
    """Verify a time-stamp token over ``message``.

    Args:
        token: TimeStampToken DER (CMS ContentInfo).
        message: The time-stamped data (its hash must equal the imprint).
        name: Layer name for the result, e.g. ``timestamp:sigTst``.
        trust: Trust anchors supplied by the caller.
        certificates: Further certificates carried by the seal.
        revocation: OCSP/CRL values carried by the seal.
        allow_weak: Accept a SHA-1 imprint.

    Returns:
        The verification result; never raises for a bad token.

    """
    try:
        return _verify(
            token, message, name, trust, certificates, revocation, allow_weak
        )
    except _MALFORMED as exc:
        # asn1crypto, cryptography and rfc3161-client parse lazily: a broken
        # field may surface at any step.
        detail = f"unreadable token: {shorten(str(exc), 160)}"
        failure = CheckResult.failed(name, SubIndication.FORMAT_FAILURE, detail)
        return TimestampVerification(failure)


_MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    StopIteration,
    UnsupportedAlgorithm,
    rfc3161_client.VerificationError,
)


def _verify(
    token: bytes,
    message: bytes,
    name: str,
    trust: Sequence[x509.Certificate],
    certificates: Sequence[x509.Certificate],
    revocation: RevocationData | None,
    allow_weak: bool,
) -> TimestampVerification:
    """Run the checks in order; malformed parts raise one of ``_MALFORMED``."""
    info = _tst_info(token)
    response = _wrap(token)
    found = _Found.of(info, response, certificates)
    imprint = _check_imprint(name, info, message, allow_weak)
    if imprint is not None:
        return found.result(imprint, imprint_ok=False)
    if found.tsa is None:
        missing = CheckResult.indeterminate(
            name,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "the TSA certificate is neither in the token nor in the seal",
        )
        return found.result(missing)

    signature = _check_signature(name, response, info, trust, found)
    if signature is not None:
        return found.result(signature, signature_ok=False)

    return _check_tsa_path(name, found, trust, revocation, allow_weak)


def _wrap(token: bytes) -> rfc3161_client.TimeStampResponse:
    """Wrap a bare token into a granted TimeStampResp for rfc3161-client."""
    response = tsp.TimeStampResp(
        {
            "status": {"status": "granted"},
            "time_stamp_token": cms.ContentInfo.load(token),
        }
    )

    return rfc3161_client.decode_timestamp_response(response.dump())


@dataclass(frozen=True)
class _Found:
    """What a token carries: genTime, TSA certificate, other certificates."""

    gen_time: datetime
    hash_algorithm: str
    policy: str
    tsa: x509.Certificate | None
    certificates: tuple[x509.Certificate, ...]
    pool: tuple[x509.Certificate, ...]

    @classmethod
    def of(
        cls,
        info: tsp.TSTInfo,
        response: rfc3161_client.TimeStampResponse,
        extra: Sequence[x509.Certificate],
    ) -> _Found:
        embedded = tuple(
            load_certificate(der) for der in sorted(response.signed_data.certificates)
        )
        pool = embedded + tuple(c for c in extra if c not in embedded)
        signer = next(iter(response.signed_data.signer_infos))
        tsa = next(
            (
                c
                for c in pool
                if c.issuer == signer.issuer and c.serial_number == signer.serial_number
            ),
            None,
        )

        return cls(
            gen_time=info["gen_time"].native,
            hash_algorithm=info["message_imprint"]["hash_algorithm"][
                "algorithm"
            ].native,
            policy=info["policy"].dotted,
            tsa=tsa,
            certificates=embedded,
            pool=pool,
        )

    def result(self, check: CheckResult, **flags: bool) -> TimestampVerification:
        subject = self.tsa.subject.rfc4514_string() if self.tsa else None

        return TimestampVerification(
            check=check,
            gen_time=self.gen_time,
            tsa_subject=subject,
            hash_algorithm=self.hash_algorithm,
            policy=self.policy,
            certificates=self.certificates,
            **{"imprint_ok": True, **flags},
        )


def _check_imprint(
    name: str, info: tsp.TSTInfo, message: bytes, allow_weak: bool
) -> CheckResult | None:
    """Return a failure when the imprint does not match ``message``."""
    imprint = info["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in _STRONG and not (allow_weak and algorithm == "sha1"):
        return CheckResult.failed(
            name,
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
            f"imprint hash {algorithm}, expected sha256, sha384 or sha512",
        )
    expected = hashlib.new(algorithm, message).digest()
    found = imprint["hashed_message"].native
    if found != expected:
        return CheckResult.failed(
            name,
            SubIndication.HASH_FAILURE,
            f"imprint {found.hex()[:16]}... is not the {algorithm} of the "
            f"time-stamped data ({expected.hex()[:16]}...)",
        )

    return None


def _check_signature(
    name: str,
    response: rfc3161_client.TimeStampResponse,
    info: tsp.TSTInfo,
    trust: Sequence[x509.Certificate],
    found: _Found,
) -> CheckResult | None:
    """Check CMS signature and EKU with rfc3161-client; None when valid."""
    candidates = list(trust) + [c for c in found.pool if c not in trust]
    roots = [c for c in candidates if _self_signed(c)]
    if not roots:
        return CheckResult.indeterminate(
            name,
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            "TSA signature not checkable: no root certificate for the TSA "
            "is supplied or carried",
        )
    builder = rfc3161_client.VerifierBuilder(
        roots=roots, intermediates=[c for c in candidates if c not in roots]
    )
    digest = info["message_imprint"]["hashed_message"].native
    try:
        builder.build().verify(response, digest)
    except (rfc3161_client.VerificationError, ValueError) as exc:
        return _signature_failure(name, str(exc))

    return None


def _signature_failure(name: str, message: str) -> CheckResult:
    """Map an rfc3161-client error to a layer result."""
    text = shorten(message, 200)
    if "EKU" in message or "certificate purpose" in message:
        sub = SubIndication.CHAIN_CONSTRAINTS_FAILURE
        return CheckResult.indeterminate(name, sub, f"TSA certificate: {text}")
    if "certificate verify error" in message:
        sub = SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
        return CheckResult.indeterminate(name, sub, f"TSA chain at genTime: {text}")

    return CheckResult.failed(name, SubIndication.SIG_CRYPTO_FAILURE, text)


def _check_tsa_path(
    name: str,
    found: _Found,
    trust: Sequence[x509.Certificate],
    revocation: RevocationData | None,
    allow_weak: bool,
) -> TimestampVerification:
    """Validate the TSA path at genTime and conclude the layer."""
    assert found.tsa is not None
    path = validate_path(
        found.tsa,
        at=found.gen_time,
        trust=trust,
        certificates=found.pool,
        revocation=revocation,
        usage="timestamping",
        allow_weak=allow_weak,
    )
    when = f"{found.gen_time:%Y-%m-%dT%H:%M:%SZ}"
    tsa = found.tsa.subject.rfc4514_string()
    valid = (
        f"imprint ({found.hash_algorithm}), TSA signature and EKU valid; genTime {when}"
    )
    if path.trust.ok:
        detail = f"{valid}; TSA {tsa!r} chains to anchor {path.anchor!r}"
        check = CheckResult.passed(name, detail, time=found.gen_time)
        return found.result(check, signature_ok=True, trusted=True)

    weakest = path.path if not path.path.ok else path.trust
    sub = weakest.sub_indication or SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    detail = f"{valid}; TSA {tsa!r} not trusted: {weakest.detail}"
    check = CheckResult.indeterminate(name, sub, detail, time=found.gen_time)

    return found.result(check, signature_ok=True)


def _self_signed(certificate: x509.Certificate) -> bool:
    """Whether subject equals issuer (signature checked by the verifier)."""
    return certificate.subject == certificate.issuer


def token_gen_time(token: bytes) -> datetime:
    """Return a token's genTime without verifying it.

    Args:
        token: TimeStampToken DER.

    Returns:
        The genTime (timezone-aware).

    Raises:
        ValueError: When the token is malformed.

    """
    value = _tst_info(token)["gen_time"].native
    if not isinstance(value, datetime):
        raise ValueError("genTime unreadable")

    return value
