"""JAdES seal verification (ETSI TS 119 182-1 with ETSI EN 319 102-1).

Checks a sealed EDC layer by layer and returns a
:class:`~aurora_edc._etsi.SealVerificationReport`:

- format (TS 119 182-1 clause 5.1, RFC 7515/7797): JWS JSON serialisation
  with one signature; ``alg`` asymmetric (``none`` and HMAC refused);
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

import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from ._certpath import RevocationData, qualification_check, validate_path
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
from ._jades import MAX_CREDENTIAL_BYTES, b64url_decode, credential_issuer_identifier
from ._jades_checks import (
    check_crypto,
    check_signature,
    find_signing_certificate,
)
from ._keys import organization_identifier
from ._timestamp import verify_timestamp

__all__ = ["verify_jades"]

logger = logging.getLogger(__name__)

SIGT_DEADLINE = datetime(2025, 5, 15, tzinfo=UTC)
"""From this day JAdES baseline signatures carry ``iat``, not ``sigT``."""

_UNDERSTOOD_CRIT = {
    "b64",
    "sigT",
    "adoTst",
    "x5t#o",
    "sigX5ts",
    "srCms",
    "sigPl",
    "srAts",
}
_RFC_NAMES = {
    "alg",
    "jku",
    "jwk",
    "kid",
    "x5u",
    "x5c",
    "x5t",
    "x5t#S256",
    "typ",
    "cty",
    "crit",
}
_HMAC = ("HS",)
_MAX_INPUT = MAX_CREDENTIAL_BYTES * 2


@dataclass
class _JWS:
    """One JAdES signature as found in the document (exact text kept)."""

    payload: str
    protected_b64: str
    header: dict[str, Any]
    unprotected: dict[str, Any]
    signature_b64: str
    content: bytes = b""
    etsiu: list[tuple[str, str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def values(self, name: str) -> list[Any]:
        """Return the decoded values of every ``etsiU`` entry called ``name``."""
        return [value for key, _, value in self.etsiu if key == name]


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
            default now.
        allow_weak: Accept RSA keys under 2048 bits and SHA-1.

    Returns:
        The report; ``signed_content`` holds the exact payload bytes.

    Raises:
        VerificationError: When ``data`` is not a JWS JSON document at all.

    """
    parsed = _parse(data)
    checks: list[CheckResult] = []
    fmt = _check_format(parsed)
    checks.append(fmt)
    if not fmt.ok:
        return build_report(SealFormat.JADES, checks, parsed.content)

    claimed = _claimed_time(parsed.header)
    details: dict[str, Any] = {"level": _level(parsed), "claimed_signing_time": claimed}
    checks.append(_check_signed_data(parsed))
    certificates = _certificates(parsed)
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

    revocation = _revocation(parsed)
    stamps, proven = _check_timestamps(
        parsed, trust, certificates, revocation, allow_weak
    )
    checks.extend(stamps)
    details["proven_time"] = proven

    moment = proven or at or datetime.now(UTC)
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
    checks.append(_check_issuer(parsed.content, signer))
    qualification = qualification_check(signer)
    checks.append(qualification)
    details["qualification_claims"] = _claims(qualification)

    return build_report(SealFormat.JADES, checks, parsed.content, **details)


def _claims(result: CheckResult) -> tuple[str, ...]:
    listed = result.detail.removeprefix("claims: ").split(";")[0]
    return () if listed == "none" else tuple(listed.split(", "))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON object hook refusing duplicate member names (ambiguous headers)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {key!r}")
        result[key] = value

    return result


def _loads(text: str | bytes) -> Any:
    return json.loads(text, object_pairs_hook=_unique_keys)


def _parse(data: bytes) -> _JWS:
    """Read the JWS JSON serialisation; VerificationError if it is none."""
    if len(data) > _MAX_INPUT:
        raise VerificationError(f"{len(data)} bytes, expected at most {_MAX_INPUT}")
    try:
        document = _loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError(f"not a JAdES JSON document: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("payload"), str):
        raise VerificationError("not a JAdES JSON document: no string 'payload' member")
    signatures = document.get("signatures", [document])
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise VerificationError(
            "a seal has exactly one signature; found another number"
        )
    entry = signatures[0]
    if not isinstance(entry, dict):
        raise VerificationError("signatures[0]: expected a JSON object")
    parsed = _JWS(
        payload=document["payload"],
        protected_b64=entry.get("protected", ""),
        header={},
        unprotected=entry.get("header") or {},
        signature_b64=entry.get("signature", ""),
    )
    _decode_parts(parsed)

    return parsed


def _decode_parts(parsed: _JWS) -> None:
    """Decode protected header, payload and etsiU; record problems as notes."""
    try:
        header = _loads(b64url_decode(parsed.protected_b64))
        parsed.header = header if isinstance(header, dict) else {}
        if not isinstance(header, dict):
            parsed.notes.append("protected header is not a JSON object")
    except (ValueError, TypeError) as exc:
        parsed.notes.append(f"protected header unreadable: {exc}")
    try:
        if parsed.header.get("b64", True) is False:
            parsed.content = parsed.payload.encode("utf-8")
        else:
            parsed.content = b64url_decode(parsed.payload)
    except (ValueError, UnicodeEncodeError) as exc:
        parsed.notes.append(f"payload unreadable: {exc}")
    if not isinstance(parsed.unprotected, dict):
        parsed.notes.append("unprotected header is not a JSON object")
        parsed.unprotected = {}
    _decode_etsiu(parsed)


def _decode_etsiu(parsed: _JWS) -> None:
    """Decode each ``etsiU`` entry (base64url JSON, or a clear object)."""
    entries = parsed.unprotected.get("etsiU", [])
    if not isinstance(entries, list):
        parsed.notes.append("etsiU is not an array")
        return
    for index, entry in enumerate(entries):
        try:
            raw = entry if isinstance(entry, str) else ""
            value = _loads(b64url_decode(entry)) if raw else entry
        except (ValueError, TypeError) as exc:
            parsed.notes.append(f"etsiU[{index}] unreadable: {exc}")
            continue
        if not isinstance(value, dict) or len(value) != 1:
            parsed.notes.append(f"etsiU[{index}]: expected one named component")
            continue
        name, content = next(iter(value.items()))
        parsed.etsiu.append((name, raw, content))


def _check_format(parsed: _JWS) -> CheckResult:
    """Check the JWS and JAdES header rules; FORMAT_FAILURE on the first fault."""
    header = parsed.header
    problems = list(parsed.notes)
    alg = header.get("alg")
    if not problems:
        problems += _alg_problems(alg) + _crit_problems(header) + _time_problems(header)
    if not parsed.signature_b64:
        problems.append("signature value missing")
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
        if name in _RFC_NAMES:
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
    if "iat" in header and not isinstance(header["iat"], int):
        return ["iat is not a NumericDate integer"]
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


def _claimed_time(header: dict[str, Any]) -> datetime | None:
    if isinstance(header.get("iat"), int):
        return datetime.fromtimestamp(header["iat"], UTC)

    return _parse_sig_t(header.get("sigT"))


def _level(parsed: _JWS) -> BaselineLevel:
    """Baseline level by structure (TS 119 182-1 clause 6)."""
    names = {name for name, _, _ in parsed.etsiu}
    if "sigTst" not in names:
        return BaselineLevel.B_B
    if not ({"xVals", "axVals"} & names and {"rVals", "arVals"} & names):
        return BaselineLevel.B_T

    return BaselineLevel.B_LTA if "arcTst" in names else BaselineLevel.B_LT


def _check_signed_data(parsed: _JWS) -> CheckResult:
    if "sigD" in parsed.header or not parsed.content:
        return CheckResult.indeterminate(
            CHECK_REFERENCES,
            SubIndication.SIGNED_DATA_NOT_FOUND,
            "detached payload (sigD) or empty payload: no signed data to verify",
        )

    return CheckResult.passed(
        CHECK_REFERENCES, f"payload of {len(parsed.content)} bytes, signed as found"
    )


def _decode_value(value: Any) -> bytes:
    """Decode a ``{"val": base64}`` member (standard or url alphabet)."""
    text = value.get("val") if isinstance(value, dict) else None
    if not isinstance(text, str):
        raise ValueError("expected an object with a base64 'val'")
    if "-" in text or "_" in text:
        return b64url_decode(text.rstrip("="))

    return base64.b64decode(text, validate=True)


def _certificates(parsed: _JWS) -> list[x509.Certificate]:
    """Certificates from ``x5c`` then ``xVals``/``axVals`` (readable ones)."""
    found: list[x509.Certificate] = []
    x5c = parsed.header.get("x5c", [])
    texts: list[Any] = [{"val": t} for t in x5c] if isinstance(x5c, list) else []
    for name in ("xVals", "axVals"):
        for values in parsed.values(name):
            if isinstance(values, list):
                texts += [v.get("x509Cert") for v in values if isinstance(v, dict)]
    for value in texts:
        try:
            certificate = x509.load_der_x509_certificate(_decode_value(value))
        except ValueError:
            logger.warning("JAdES: an unreadable certificate value was skipped")
            continue
        if certificate not in found:
            found.append(certificate)

    return found


def _revocation(parsed: _JWS) -> RevocationData:
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    for name in ("rVals", "arVals"):
        for values in parsed.values(name):
            if not isinstance(values, dict):
                continue
            for value in values.get("ocspVals", []):
                ocsps.append(_decode_value(value))
            for value in values.get("crlVals", []):
                crls.append(_decode_value(value))

    return RevocationData.from_values(ocsps, crls)


def _tokens(container: Any) -> list[bytes]:
    """DER tokens of a tstContainer (TS 119 182-1 clause 5.2.8.1)."""
    tokens = container.get("tstTokens") if isinstance(container, dict) else None
    if not isinstance(tokens, list) or not tokens:
        raise ValueError("expected a non-empty tstTokens array")
    if any(t.get("type", "DER") != "DER" for t in tokens if isinstance(t, dict)):
        raise ValueError("only DER time-stamp tokens are supported")

    return [_decode_value(t) for t in tokens]


def _check_timestamps(
    parsed: _JWS,
    trust: Sequence[x509.Certificate],
    certificates: list[x509.Certificate],
    revocation: RevocationData,
    allow_weak: bool,
) -> tuple[list[CheckResult], datetime | None]:
    """Verify adoTst, sigTst and arcTst; return results and best PoE time."""
    covered = _timestamp_inputs(parsed)
    results: list[CheckResult] = []
    proven: list[datetime] = []
    for kind, container, inputs in covered:
        name = f"timestamp:{kind}"
        try:
            tokens = _tokens(container)
        except ValueError as exc:
            results.append(
                CheckResult.failed(name, SubIndication.FORMAT_FAILURE, str(exc))
            )
            continue
        for token in tokens:
            result = _verify_one(
                token, inputs, name, trust, certificates, revocation, allow_weak
            )
            results.append(result)
            if result.ok and kind != "adoTst" and result.time is not None:
                proven.append(result.time)
    results.extend(_order_problems(results))

    return results, min(proven, default=None)


def _verify_one(
    token: bytes,
    inputs: list[bytes],
    name: str,
    trust: Sequence[x509.Certificate],
    certificates: list[x509.Certificate],
    revocation: RevocationData,
    allow_weak: bool,
) -> CheckResult:
    """Verify one token against the first matching imprint input."""
    result = None
    for data in inputs:
        outcome = verify_timestamp(
            token,
            data,
            name=name,
            trust=trust,
            certificates=certificates,
            revocation=revocation,
            allow_weak=allow_weak,
        )
        result = outcome.check
        if outcome.imprint_ok:
            break
    assert result is not None

    return result


def _timestamp_inputs(parsed: _JWS) -> list[tuple[str, Any, list[bytes]]]:
    """Each time-stamp container with the data its imprint may cover."""
    payload = (
        parsed.content if parsed.header.get("b64") is False else parsed.payload.encode()
    )
    signature = parsed.signature_b64.encode("ascii")
    found: list[tuple[str, Any, list[bytes]]] = []
    if "adoTst" in parsed.header:
        found.append(("adoTst", parsed.header["adoTst"], [payload]))
    before: list[str] = []
    for name, raw, value in parsed.etsiu:
        if name == "sigTst":
            found.append(("sigTst", value, [signature]))
        elif name == "arcTst":
            found.append(("arcTst", value, _archive_inputs(parsed, payload, before)))
        before.append(raw)

    return found


def _archive_inputs(parsed: _JWS, payload: bytes, before: list[str]) -> list[bytes]:
    """ArcTst imprint input (5.3.6.3.1.1): current layout, then the v1.1.1 one."""
    head = (
        payload
        + b"."
        + parsed.protected_b64.encode()
        + b"."
        + parsed.signature_b64.encode()
    )
    tail = "".join(before).encode("ascii")

    return [head + b"." + tail, head + tail]


def _order_problems(results: list[CheckResult]) -> list[CheckResult]:
    """Flag a content time-stamp later than a signature time-stamp."""
    content = [
        r.time for r in results if r.name == "timestamp:adoTst" and r.ok and r.time
    ]
    signature = [
        r.time for r in results if r.name == "timestamp:sigTst" and r.ok and r.time
    ]
    if content and signature and max(content) > min(signature):
        return [
            CheckResult.indeterminate(
                "timestamp:order",
                SubIndication.TIMESTAMP_ORDER_FAILURE,
                f"content time-stamp {max(content):%Y-%m-%dT%H:%M:%SZ} is after "
                f"the signature time-stamp {min(signature):%Y-%m-%dT%H:%M:%SZ}",
            )
        ]

    return []


def _check_issuer(content: bytes, signer: x509.Certificate) -> CheckResult:
    """EDC: issuer eIDASIdentifier.notation equals organizationIdentifier."""
    expected = organization_identifier(signer)
    try:
        credential = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        credential = None
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
