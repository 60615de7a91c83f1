"""JAdES seal verification (ETSI TS 119 182-1 with ETSI EN 319 102-1).

Checks a sealed EDC layer by layer and returns a
:class:`~aurora_edc._etsi.SealVerificationReport`:

- format (TS 119 182-1 clause 5.1, RFC 7515/7797): JWS JSON serialisation
  with one signature; strict JSON (RFC 8259: unique names, no NaN, BOM or
  lone surrogate) in every part, the payload included; ``alg`` asymmetric
  (``none`` and HMAC refused);
  ``crit`` lists only understood names that are present, and never RFC 7515
  names; ``b64: false`` listed in ``crit``; one claimed signing time (``iat``,
  or ``sigT`` before 2025-05-15, clause 5.2.1 and the baseline rules);
- signed data found (the payload, signed directly: no re-serialisation);
- signature value over ``ASCII(protected) || "." || payload`` (joserfc);
- cryptographic constraints (key size, algorithm);
- signing-certificate binding: ``x5t#S256`` or ``x5t#o`` digest, ``kid``
  IssuerSerial when present;
- each time-stamp: ``adoTst`` over the payload (5.2.8), ``sigTst`` over the
  base64url signature (5.3.4), ``arcTst`` over payload, header, signature and
  earlier ``etsiU`` entries (5.3.6.3);
- certificate path at the time the signature time-stamps prove, with ``x5c``,
  ``xVals`` and ``rVals``; trust only in caller-supplied anchors;
- EDC issuer binding: ``issuer.eIDASIdentifier.notation`` equals the
  certificate's organizationIdentifier;
- qualification claims (advisory).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from ._certpath import RevocationData, validate_path
from ._etsi import (
    CHECK_FORMAT,
    CHECK_ISSUER,
    CHECK_REFERENCES,
    BaselineLevel,
    CheckResult,
    SealFormat,
    SealVerificationReport,
    SubIndication,
    build_report,
)
from ._exceptions import VerificationError, shorten
from ._jades import b64url_decode, credential_issuer_identifier
from ._jades_checks import (
    check_crypto,
    check_signature,
    find_signing_certificate,
)
from ._jades_parse import (
    JAdESDocument,
    carried_certificates,
    carried_revocation,
    parse_jades,
)
from ._jades_timestamps import check_timestamps
from ._keys import organization_identifier
from ._qualification import qualification_check, qualification_claims

__all__ = ["CHECK_CLAIMED_TIME", "CLOCK_SKEW", "verify_jades"]

logger = logging.getLogger(__name__)

CHECK_CLAIMED_TIME = "claimed-signing-time"
"""Layer reported when the claimed signing time is later than proven."""

CLOCK_SKEW = timedelta(minutes=5)
"""Tolerated lead of the claimed signing time over the proven time."""

SIGT_DEADLINE = datetime(2025, 5, 15, tzinfo=UTC)
"""From this day JAdES baseline signatures carry ``iat``, not ``sigT``."""

# Names a JAdES verifier may meet in crit; only these are understood here.
_UNDERSTOOD_CRIT = frozenset(
    {"b64", "sigT", "iat", "adoTst", "x5t#o", "sigX5ts", "srCms", "sigPl", "srAts"}
)
# RFC 7515 clause 4.1.11: names the JWS specifications define never go in crit.
_RFC_NAMES = frozenset(
    {"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"}
)
_HMAC = ("HS",)
# 9999-12-31T23:59:59Z: the last NumericDate a datetime can hold.
_MAX_IAT = 253_402_300_799


def verify_jades(
    data: bytes,
    *,
    trust: Sequence[x509.Certificate] = (),
    at: datetime | None = None,
    allow_weak: bool = False,
) -> SealVerificationReport:
    """Verify a JAdES-sealed EDC, layer by layer.

    Args:
        data: The sealed document (JWS JSON serialisation), as read.
        trust: Trust anchors supplied by the caller (e.g. the CA
            certificates of a trusted-list snapshot). Without them the
            result is at best INDETERMINATE.
        at: Validation time when no time-stamp proves an earlier one;
            default now; a naive time is read as UTC.
        allow_weak: Accept RSA keys under 2048 bits and SHA-1.

    Returns:
        The report; ``signed_content`` holds the exact payload bytes (empty
        unless the format, signed data and signature value PASSED).

    Raises:
        VerificationError: When ``data`` is not a JWS JSON document at all.

    """
    parsed = parse_jades(data)
    revocation = _read_revocation(parsed)
    checks: list[CheckResult] = []
    fmt = _check_format(parsed)
    checks.append(fmt)
    if not fmt.ok:
        return build_report(SealFormat.JADES, checks, parsed.content)

    claimed = _claimed_time(parsed.header)
    details: dict[str, Any] = {"level": _level(parsed), "claimed_signing_time": claimed}
    checks.append(_check_signed_data(parsed))
    certificates = carried_certificates(parsed)
    signer, binding = find_signing_certificate(parsed.header, certificates)
    checks.append(check_crypto(parsed.header, signer, allow_weak))
    if signer is None:
        checks.append(binding)
        return build_report(SealFormat.JADES, checks, parsed.content, **details)

    checks.append(
        check_signature(
            parsed.protected_b64, parsed.payload, parsed.signature_b64, signer
        )
    )
    checks.append(binding)
    details["signer_subject"] = signer.subject.rfc4514_string()
    details["organization_identifier"] = organization_identifier(signer)

    stamps, proven = check_timestamps(
        parsed, trust, certificates, revocation, allow_weak
    )
    checks.extend(stamps)
    details["proven_time"] = proven

    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # a naive time is read as UTC
    moment = proven or at or datetime.now(UTC)
    checks.extend(_claimed_time_problems(claimed, moment, proven is not None))
    path = validate_path(
        signer,
        at=moment,
        trust=trust,
        certificates=certificates,
        revocation=revocation,
        allow_weak=allow_weak,
    )
    checks.extend([path.path, path.trust])
    details["trust_anchor"] = path.anchor if path.trust.ok else None
    checks.append(_check_issuer(parsed.credential, signer))
    qualification = qualification_check(signer)
    checks.append(qualification)
    details["qualification_claims"] = qualification_claims(signer)

    return build_report(SealFormat.JADES, checks, parsed.content, **details)


def _read_revocation(parsed: JAdESDocument) -> RevocationData:
    """Read ``rVals``/``arVals``; a malformed value becomes a format note."""
    try:
        return carried_revocation(parsed)
    except VerificationError as exc:
        parsed.notes.append(str(exc))  # a FORMAT_FAILURE in _check_format

    return RevocationData()


def _is_b64url(text: str) -> bool:
    try:
        return bool(b64url_decode(text))
    except ValueError:
        return False


def _check_format(parsed: JAdESDocument) -> CheckResult:
    """Check the JWS and JAdES header rules; FORMAT_FAILURE on the first fault."""
    header = parsed.header
    problems = list(parsed.notes)
    alg = header.get("alg")
    if not problems:
        problems += _alg_problems(alg) + _crit_problems(header) + _time_problems(header)
    if not _is_b64url(parsed.signature_b64):
        problems.append("signature value missing or not base64url")
    if problems:
        sub = SubIndication.FORMAT_FAILURE
        if isinstance(alg, str) and alg.startswith(_HMAC):
            sub = SubIndication.SIG_CRYPTO_FAILURE
        return CheckResult.failed(CHECK_FORMAT, sub, "; ".join(problems))
    b64 = (
        "unencoded payload (b64:false)"
        if header.get("b64") is False
        else "base64url payload"
    )

    return CheckResult.passed(CHECK_FORMAT, f"JWS JSON, alg {alg}, {b64}")


def _alg_problems(alg: Any) -> list[str]:
    if not isinstance(alg, str) or alg.lower() == "none":
        return [f"alg {shorten(alg)}: an unsigned JWS is not a seal"]
    if alg.startswith(_HMAC):
        return [f"alg {alg}: HMAC is not a seal; expected an asymmetric algorithm"]

    return []


def _crit_problems(header: dict[str, Any]) -> list[str]:
    """RFC 7515 clause 4.1.11, RFC 7797 clause 6, TS 119 182-1 clause 5.1.11."""
    crit = header.get("crit", [])
    if not isinstance(crit, list) or (("crit" in header) and not crit):
        return ["crit: expected a non-empty array of names"]
    problems = []
    for name in crit:
        if not isinstance(name, str):
            problems.append(f"crit lists {shorten(name)}, expected header names")
        elif name in _RFC_NAMES:
            problems.append(f"crit lists {name!r}, a name RFC 7515 forbids there")
        elif name not in _UNDERSTOOD_CRIT:
            problems.append(f"crit lists {shorten(name)}, which is not understood")
        elif name not in header:
            problems.append(f"crit lists {name!r}, absent from the header")
    if "b64" in header and "b64" not in crit:
        problems.append("b64 is present but not listed in crit (RFC 7797 clause 6)")
    if "b64" in header and not isinstance(header["b64"], bool):
        problems.append("b64 is not a boolean")

    return problems


def _time_problems(header: dict[str, Any]) -> list[str]:
    """Check the claimed signing time: ``iat``, or ``sigT`` before 2025-05-15."""
    if "iat" in header and "sigT" in header:
        return ["both iat and sigT present; expected one"]
    if "iat" not in header and "sigT" not in header:
        return ["no claimed signing time: expected iat (TS 119 182-1 clause 5.2.1)"]
    if "iat" in header and _iat_time(header["iat"]) is None:
        return [
            f"iat {shorten(header['iat'])} is not a NumericDate integer "
            f"between 0 and {_MAX_IAT}"
        ]
    if "sigT" in header:
        sig_t = _parse_sig_t(header["sigT"])
        if sig_t is None:
            return [f"sigT {shorten(header['sigT'])} is not an ISO 8601 UTC time"]
        if sig_t >= SIGT_DEADLINE:
            return ["sigT on a signature dated after 2025-05-15; expected iat"]

    return []


def _parse_sig_t(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def _iat_time(value: Any) -> datetime | None:
    """Read ``iat`` (RFC 7519 NumericDate, integer seconds); None if it is none."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if not 0 <= value <= _MAX_IAT:
        return None

    return datetime.fromtimestamp(value, UTC)


def _claimed_time(header: dict[str, Any]) -> datetime | None:
    if "iat" in header:
        return _iat_time(header["iat"])

    return _parse_sig_t(header.get("sigT"))


def _claimed_time_problems(
    claimed: datetime | None, moment: datetime, proven: bool
) -> list[CheckResult]:
    """Flag a claimed signing time after the proven (or validation) time."""
    if claimed is None or claimed <= moment + CLOCK_SKEW:
        return []
    what = "the time-stamp proves" if proven else "the validation time"
    detail = (
        f"iat {claimed:%Y-%m-%dT%H:%M:%SZ} is after {what}, "
        f"{moment:%Y-%m-%dT%H:%M:%SZ} (tolerance {CLOCK_SKEW})"
    )

    return [
        CheckResult.indeterminate(
            CHECK_CLAIMED_TIME, SubIndication.SIG_CONSTRAINTS_FAILURE, detail
        )
    ]


def _level(parsed: JAdESDocument) -> BaselineLevel:
    """Baseline level by structure (TS 119 182-1 clause 6)."""
    names = {name for name, _, _ in parsed.etsiu}
    if "sigTst" not in names:
        return BaselineLevel.B_B
    if not ({"xVals", "axVals"} & names and {"rVals", "arVals"} & names):
        return BaselineLevel.B_T

    return BaselineLevel.B_LTA if "arcTst" in names else BaselineLevel.B_LT


def _check_signed_data(parsed: JAdESDocument) -> CheckResult:
    if "sigD" in parsed.header or not parsed.content:
        return CheckResult.indeterminate(
            CHECK_REFERENCES,
            SubIndication.SIGNED_DATA_NOT_FOUND,
            "detached payload (sigD) or empty payload: no signed data to verify",
        )

    return CheckResult.passed(
        CHECK_REFERENCES, f"payload of {len(parsed.content)} bytes, signed as found"
    )


def _check_issuer(credential: Any, signer: x509.Certificate) -> CheckResult:
    """EDC: issuer eIDASIdentifier.notation equals organizationIdentifier."""
    expected = organization_identifier(signer)
    found = (
        credential_issuer_identifier(credential)
        if isinstance(credential, dict)
        else None
    )
    detail = (
        f"issuer.eIDASIdentifier.notation {found!r}, "
        f"certificate organizationIdentifier {expected!r}"
    )
    if found is not None and found == expected:
        return CheckResult.passed(CHECK_ISSUER, detail)

    return CheckResult.failed(
        CHECK_ISSUER, SubIndication.SIG_CONSTRAINTS_FAILURE, detail
    )
