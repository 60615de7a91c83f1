"""Certificate path validation at a proven time, offline, for seals.

Implements the X.509 certificate validation building block (XCV) of ETSI EN
319 102-1 (clause 5.2.6) with pyhanko-certvalidator: build a path from the
signing (or TSA) certificate to a trust anchor, at the moment a timestamp
proves (clause 5.5, validation with time), using only certificates and
OCSP/CRL values carried by the seal. Nothing is fetched from the network.

Trust anchors come only from the caller. A self-signed certificate found in
the seal is used to tell "chain complete but anchor untrusted" from "no chain
at all"; it never makes the result trusted. Revocation is hard-fail for the
end entity when revocation data for it is present, soft-fail otherwise (and
for CAs); the result says what was used.

Qualification claims are read by :mod:`aurora_edc._qualification` and
re-exported here for the verifiers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from asn1crypto import crl, ocsp, pem
from asn1crypto import x509 as asn1_x509
from asn1crypto.core import Asn1Value
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator import CertificateValidator, ValidationContext, errors
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from ._etsi import (
    CHECK_CERTIFICATE_PATH,
    CHECK_TRUST,
    CheckResult,
    Indication,
    SubIndication,
)
from ._exceptions import VerificationError, shorten
from ._qualification import qualification_check, qualification_claims

__all__ = [
    "PathValidation",
    "RevocationData",
    "asn1_certificate",
    "load_certificate",
    "qualification_check",
    "qualification_claims",
    "read_crl",
    "validate_path",
]

logger = logging.getLogger(__name__)

Usage = Literal["seal", "timestamping"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class RevocationData:
    """Revocation values carried by a seal (OCSP responses and CRLs, DER).

    Attributes:
        ocsps: DER OCSPResponse values.
        crls: DER CertificateList values; PEM text found in a DER slot is
            converted by :func:`read_crl` and flagged in ``quirks``.
        quirks: Deviations tolerated while reading the values.

    """

    ocsps: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()
    quirks: tuple[str, ...] = ()

    @classmethod
    def from_values(
        cls, ocsps: Sequence[bytes] = (), crls: Sequence[bytes] = ()
    ) -> RevocationData:
        """Build from raw values, converting PEM-in-DER CRLs.

        Args:
            ocsps: DER OCSP responses.
            crls: CRLs, DER or (tolerated) PEM text.

        Returns:
            The normalised revocation data.

        Raises:
            VerificationError: A value that is no DER CRL or OCSP response
                (checked here, so that path validation never meets it).

        """
        quirks: list[str] = []
        ders = []
        for index, value in enumerate(crls):
            der, was_pem = read_crl(value)
            _check_der(crl.CertificateList, der, f"CRL #{index}")
            ders.append(der)
            if was_pem:
                quirks.append(f"CRL #{index} is PEM text in a DER slot (tolerated)")
        for index, value in enumerate(ocsps):
            _check_der(ocsp.OCSPResponse, value, f"OCSP response #{index}")
        for quirk in quirks:
            logger.warning("revocation data: %s", quirk)

        return cls(tuple(ocsps), tuple(ders), tuple(quirks))


@dataclass(frozen=True)
class PathValidation:
    """The outcome of validating one certificate's path.

    Attributes:
        path: The ``certificate-path`` layer: the chain is complete and valid
            at ``time`` (possibly up to a root found only in the seal).
        trust: The ``trust`` layer: the path ends in a caller-supplied anchor.
        anchor: Subject of the anchor (caller-supplied or found in the seal).
        revocation: What revocation data was used, in words.

    """

    path: CheckResult
    trust: CheckResult
    anchor: str | None = None
    revocation: str = ""


def load_certificate(der: bytes) -> x509.Certificate:
    """Load a DER certificate and parse its fields now, not lazily later.

    cryptography defers parsing names and extensions until first use, so a
    corrupted certificate would otherwise fail deep inside validation.

    Args:
        der: The certificate, DER.

    Returns:
        The certificate, fully readable.

    Raises:
        ValueError: When any part of it is malformed.
    """
    try:
        certificate = x509.load_der_x509_certificate(der)
        _ = (certificate.subject, certificate.issuer, certificate.serial_number)
        _ = (certificate.public_key(), list(certificate.extensions))
        _ = (certificate.not_valid_before_utc, certificate.not_valid_after_utc)
    except (UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise ValueError(f"unreadable certificate: {exc}") from exc

    return certificate


def _check_der(spec: type[Asn1Value], der: bytes, what: str) -> None:
    """Raise VerificationError unless ``der`` parses fully as ``spec``."""
    try:
        # asn1crypto parses lazily: .native walks (and so checks) every field.
        _ = spec.load(der, strict=True).native
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise VerificationError(
            f"{what}: not a DER {spec.__name__}: {shorten(str(exc), 120)}"
        ) from exc


def read_crl(value: bytes) -> tuple[bytes, bool]:
    """Return the DER of a CRL value and whether it was PEM text.

    The EC's AnaAndromeda sample carries base64 of a PEM CRL inside an
    ``EncapsulatedCRLValue`` that XAdES defines as DER; such a value is
    unarmoured and flagged rather than refused.

    Args:
        value: The bytes found in the CRL slot.

    Returns:
        ``(der, was_pem)``.

    Raises:
        VerificationError: When the PEM armour is broken.

    """
    if not pem.detect(value):
        return value, False
    try:
        _, _, der = pem.unarmor(value)
    except ValueError as exc:
        raise VerificationError("CRL value: broken PEM armour") from exc

    return der, True


def validate_path(
    certificate: x509.Certificate,
    *,
    at: datetime,
    trust: Sequence[x509.Certificate] = (),
    certificates: Sequence[x509.Certificate] = (),
    revocation: RevocationData | None = None,
    usage: Usage = "seal",
    allow_weak: bool = False,
) -> PathValidation:
    """Validate ``certificate``'s path at ``at`` without any network access.

    Args:
        certificate: The seal (or TSA) certificate.
        at: Validation moment: the time proved by a timestamp, or now.
        trust: Trust anchors supplied by the caller. Empty means nothing is
            trusted: the best outcome is then INDETERMINATE.
        certificates: Other certificates carried by the seal.
        revocation: OCSP/CRL values carried by the seal.
        usage: ``seal`` (keyUsage digitalSignature or nonRepudiation) or
            ``timestamping`` (extended key usage timeStamping).
        allow_weak: Accept SHA-1 in certificate signatures.

    Returns:
        The ``certificate-path`` and ``trust`` layers.

    """
    revocation = revocation or RevocationData()
    ee = asn1_certificate(certificate)
    others = [asn1_certificate(c) for c in certificates]
    file_roots = [c for c in others if c.self_signed in ("yes", "maybe")]
    anchors = [asn1_certificate(c) for c in trust]

    if anchors:
        result = _attempt(ee, others, anchors, at, revocation, usage, allow_weak)
        if not _no_path(result):
            return result
    if file_roots:
        found = _attempt(ee, others, file_roots, at, revocation, usage, allow_weak)
        if found.path.ok:
            return _untrusted(found)
        if not _no_path(found):
            return _untrusted(found)

    detail = "no path from the certificate to a supplied trust anchor"
    if not anchors:
        detail += " (none was supplied)"
    result_path = CheckResult.indeterminate(
        CHECK_CERTIFICATE_PATH,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        detail + "; the seal carries no root either",
        time=at,
    )

    return PathValidation(result_path, _trust_missing(), None, "")


def _no_path(result: PathValidation) -> bool:
    sub = result.path.sub_indication
    return sub is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def _trust_missing(anchor: str | None = None) -> CheckResult:
    """Return the ``trust`` layer for a path not ending in a supplied anchor."""
    detail = "the path does not end in a caller-supplied trust anchor"
    if anchor:
        detail = f"the path ends in {anchor!r}, found in the seal, not supplied"

    return CheckResult.indeterminate(
        CHECK_TRUST, SubIndication.NO_CERTIFICATE_CHAIN_FOUND, detail
    )


def _untrusted(found: PathValidation) -> PathValidation:
    """Re-label a result obtained with the seal's own roots as untrusted."""
    return PathValidation(
        found.path, _trust_missing(found.anchor), found.anchor, found.revocation
    )


def _attempt(
    ee: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    roots: list[asn1_x509.Certificate],
    at: datetime,
    revocation: RevocationData,
    usage: Usage,
    allow_weak: bool,
) -> PathValidation:
    """Run pyhanko-certvalidator once with ``roots`` as anchors."""
    ee_covered = _revinfo_covers(ee, revocation)
    context = ValidationContext(
        trust_roots=roots,
        other_certs=others,
        moment=at,
        allow_fetching=False,
        crls=list(revocation.crls),
        ocsps=list(revocation.ocsps),
        revinfo_policy=_revocation_policy(ee_covered),
        weak_hash_algos=set() if allow_weak else None,
    )
    validator = CertificateValidator(ee, validation_context=context)
    used = _describe_revocation(revocation, ee_covered)
    try:
        path = _run(_validate(validator, usage))
    except errors.PathBuildingError as exc:
        sub = SubIndication.NO_CERTIFICATE_CHAIN_FOUND
        failure = CheckResult.indeterminate(CHECK_CERTIFICATE_PATH, sub, str(exc))
        return PathValidation(failure, _trust_missing(), None, used)
    except (errors.ValidationError, errors.PathError) as exc:
        return PathValidation(_failure(exc, at), _trust_missing(), None, used)

    anchor = _short_name(path.trust_anchor.authority.name)
    if usage == "seal" and not _seal_usage_ok(ee):
        failure = CheckResult.indeterminate(
            CHECK_CERTIFICATE_PATH,
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            "keyUsage lacks digitalSignature and nonRepudiation",
            time=at,
        )
        return PathValidation(failure, _trust_missing(), anchor, used)
    when = f"{at:%Y-%m-%dT%H:%M:%SZ}"
    detail = f"{len(path)} certificates up to {anchor!r} valid at {when}; {used}"
    passed = CheckResult.passed(CHECK_CERTIFICATE_PATH, detail, time=at)
    trusted = CheckResult.passed(
        CHECK_TRUST, f"anchor {anchor!r} supplied by the caller"
    )

    return PathValidation(passed, trusted, anchor, used)


async def _validate(validator: CertificateValidator, usage: Usage) -> Any:
    """Validate path and usage (the library is async-only)."""
    if usage == "timestamping":
        check = validator.async_validate_usage  # untyped in the library
        return await check(set(), {"time_stamping"})  # type: ignore[no-untyped-call]

    return await validator.async_validate_path()


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion, also from inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _failure(exc: Exception, at: datetime) -> CheckResult:
    """Map a pyhanko-certvalidator error to an EN 319 102-1 result."""
    name = CHECK_CERTIFICATE_PATH
    message = str(exc)
    if isinstance(exc, errors.RevokedError):
        return CheckResult.failed(name, SubIndication.REVOKED, message, time=at)
    if isinstance(exc, errors.NotYetValidError):
        return CheckResult.failed(name, SubIndication.NOT_YET_VALID, message, time=at)
    sub = SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
    if isinstance(exc, errors.ExpiredError):
        sub = SubIndication.OUT_OF_BOUNDS_NO_POE
    elif isinstance(exc, errors.InsufficientRevinfoError):
        sub = SubIndication.TRY_LATER
    elif isinstance(exc, errors.DisallowedAlgorithmError):
        sub = SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    elif isinstance(exc, errors.InvalidCertificateError):
        sub = SubIndication.CHAIN_CONSTRAINTS_FAILURE

    return CheckResult(name, Indication.INDETERMINATE, sub, message, at)


def _revocation_policy(ee_covered: bool) -> CertRevTrustPolicy:
    """Hard-fail for the end entity when data for it is present.

    Revocation data issued after the validation moment is accepted
    (``retroactive_revinfo``): a "good" status proves the certificate was not
    revoked at any earlier time, and EN 319 102-1 (5.2.5, revocation
    freshness) expects status information issued after the signing time, as
    DSS does. The EC's sealed files rely on it: their TSA CA's only OCSP
    answer is seconds younger than the timestamp it covers.
    """
    soft = RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
    ee_rule = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED if ee_covered else soft

    return CertRevTrustPolicy(
        RevocationCheckingPolicy(ee_rule, soft), retroactive_revinfo=True
    )


def _revinfo_covers(ee: asn1_x509.Certificate, data: RevocationData) -> bool:
    """Whether any OCSP response names ``ee`` or any CRL is from its issuer."""
    serial = ee.serial_number
    for value in data.ocsps:
        try:
            response = ocsp.OCSPResponse.load(value)
            basic = response.basic_ocsp_response["tbs_response_data"]
            if any(
                r["cert_id"]["serial_number"].native == serial
                for r in basic["responses"]
            ):
                return True
        except (ValueError, TypeError, KeyError):
            continue
    for value in data.crls:
        try:
            if crl.CertificateList.load(value).issuer == ee.issuer:
                return True
        except (ValueError, TypeError):
            continue

    return False


def _describe_revocation(data: RevocationData, ee_covered: bool) -> str:
    """Say in words what revocation data was available and how it was used."""
    if not data.ocsps and not data.crls:
        return "no revocation data in the seal: revocation not checked"
    state = (
        "end entity checked (hard-fail)" if ee_covered else "no data for the end entity"
    )
    quirks = f"; {'; '.join(data.quirks)}" if data.quirks else ""

    return f"{len(data.ocsps)} OCSP, {len(data.crls)} CRL: {state}{quirks}"


def _seal_usage_ok(cert: asn1_x509.Certificate) -> bool:
    """Check keyUsage has digitalSignature or nonRepudiation, if present."""
    usage = cert.key_usage_value
    if usage is None:
        return True
    bits = set(usage.native)

    return bool(bits & {"digital_signature", "non_repudiation"})


def _short_name(name: asn1_x509.Name) -> str:
    """Return the common name of an asn1crypto Name, else its full text."""
    native = name.native
    common = native.get("common_name") if isinstance(native, dict) else None

    return str(common) if common else str(name.human_friendly)


@functools.lru_cache(maxsize=256)
def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    """Convert to asn1crypto once per certificate (it caches name preparation).

    Args:
        certificate: A certificate.

    Returns:
        The asn1crypto view, shared between calls: treat it as read-only.
    """
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
