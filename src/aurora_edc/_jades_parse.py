"""Reading a JAdES document: JWS JSON serialisation with ``etsiU`` values.

Implements the parsing side of RFC 7515 clause 7.2 (general and flattened
JWS JSON serialisation), RFC 7797 (unencoded payload) and ETSI TS 119 182-1
clause 5.3 (the ``etsiU`` array of base64url-encoded unsigned components),
keeping every part exactly as found: the signature is checked over those
texts, never over a re-serialisation. Member names must be unique (an
ambiguous header is refused). ``xVals``/``axVals`` (clause 5.3.5) give
certificates and ``rVals``/``arVals`` (clause 5.3.6) revocation values.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from ._certpath import RevocationData, load_certificate
from ._exceptions import VerificationError
from ._jades import MAX_CREDENTIAL_BYTES, b64url_decode
from ._jades_json import loads_strict

__all__ = [
    "MAX_ETSIU_ENTRIES",
    "MAX_INPUT_BYTES",
    "JAdESDocument",
    "carried_certificates",
    "carried_revocation",
    "decode_value",
    "loads_unique",
    "parse_jades",
]

logger = logging.getLogger(__name__)

MAX_INPUT_BYTES = MAX_CREDENTIAL_BYTES * 2

MAX_ETSIU_ENTRIES = 32
"""Most unsigned ``etsiU`` entries read (time-stamps, validation data).

A B-LTA seal renewed yearly for decades stays far below; each entry may cost
a time-stamp verification over the whole document, so more is refused as a
FORMAT_FAILURE.
"""


@dataclass
class JAdESDocument:
    """One JAdES signature as found in the document (exact text kept)."""

    payload: str
    protected_b64: str
    header: dict[str, Any]
    unprotected: dict[str, Any]
    signature_b64: str
    content: bytes = b""
    etsiu: list[tuple[str, str, Any]] = field(default_factory=list)
    credential: Any = None
    notes: list[str] = field(default_factory=list)

    def values(self, name: str) -> list[Any]:
        """Return the decoded values of every ``etsiU`` entry called ``name``."""
        return [value for key, _, value in self.etsiu if key == name]


def loads_unique(text: str | bytes) -> Any:
    """Parse strict JSON: unique member names, no NaN, BOM or lone surrogate."""
    return loads_strict(text)


def parse_jades(data: bytes) -> JAdESDocument:
    """Read the JWS JSON serialisation (RFC 7515 clause 7.2).

    Args:
        data: The document bytes.

    Returns:
        The document; structural faults of a JWS are kept in ``notes`` (a
        FORMAT_FAILURE for the verifier).

    Raises:
        VerificationError: Too large, not strict JSON, or no JWS at all (no
            string ``payload`` member).

    """
    if len(data) > MAX_INPUT_BYTES:
        raise VerificationError(
            f"{len(data)} bytes, expected at most {MAX_INPUT_BYTES}"
        )
    try:
        # Lone surrogates are refused later, where a value is decoded.
        document = loads_strict(data, surrogates=True)
    except ValueError as exc:
        raise VerificationError(f"not a JAdES JSON document: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("payload"), str):
        raise VerificationError("not a JAdES JSON document: no string 'payload' member")
    notes: list[str] = []
    entry = _signature_entry(document, notes)
    parsed = JAdESDocument(
        payload=document["payload"],
        protected_b64=_text_member(entry, "protected", notes),
        header={},
        unprotected=entry.get("header") or {},
        signature_b64=_text_member(entry, "signature", notes),
        notes=notes,
    )
    _decode_parts(parsed)

    return parsed


def _signature_entry(document: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Return the one signature of a general or flattened serialisation."""
    if "signatures" not in document:
        return document
    flattened = sorted({"protected", "header", "signature"} & document.keys())
    if flattened:
        # RFC 7515 clause 7.2.2: flattened members or signatures, never both.
        notes.append(f"both signatures and flattened members ({', '.join(flattened)})")
    signatures = document["signatures"]
    if not isinstance(signatures, list) or len(signatures) != 1:
        count = len(signatures) if isinstance(signatures, list) else "no array"
        notes.append(f"signatures: a seal has exactly one signature, found {count}")
        return {}
    if not isinstance(signatures[0], dict):
        notes.append("signatures[0]: expected a JSON object")
        return {}

    return signatures[0]


def _text_member(entry: dict[str, Any], name: str, notes: list[str]) -> str:
    value = entry.get(name, "")
    if isinstance(value, str):
        return value
    notes.append(f"{name}: expected base64url text, found {type(value).__name__}")

    return ""


def _decode_parts(parsed: JAdESDocument) -> None:
    """Decode protected header, payload and etsiU; record problems as notes."""
    try:
        header = loads_unique(b64url_decode(parsed.protected_b64))
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
    _decode_credential(parsed)
    if not isinstance(parsed.unprotected, dict):
        parsed.notes.append("unprotected header is not a JSON object")
        parsed.unprotected = {}
    shared = sorted(set(parsed.header) & set(parsed.unprotected))
    if shared:
        # RFC 7515 clause 7.2.1: the two headers must not share a name.
        parsed.notes.append(f"names in both headers: {', '.join(shared)}")
    _decode_etsiu(parsed)


def _decode_credential(parsed: JAdESDocument) -> None:
    """Read the payload as the strict JSON credential every reader agrees on."""
    if not parsed.content:
        return
    try:
        parsed.credential = loads_strict(parsed.content)
    except ValueError as exc:
        # A payload two parsers read differently is no sealed credential.
        parsed.notes.append(f"payload is not strict JSON: {exc}")


def _decode_etsiu(parsed: JAdESDocument) -> None:
    """Decode each ``etsiU`` entry (base64url JSON, or a clear object)."""
    entries = parsed.unprotected.get("etsiU", [])
    if not isinstance(entries, list):
        parsed.notes.append("etsiU is not an array")
        return
    if len(entries) > MAX_ETSIU_ENTRIES:
        parsed.notes.append(
            f"etsiU has {len(entries)} entries, expected at most {MAX_ETSIU_ENTRIES}"
        )
        return
    for index, entry in enumerate(entries):
        try:
            raw = entry if isinstance(entry, str) else ""
            value = loads_unique(b64url_decode(entry)) if raw else entry
        except (ValueError, TypeError) as exc:
            parsed.notes.append(f"etsiU[{index}] unreadable: {exc}")
            continue
        if not isinstance(value, dict) or len(value) != 1:
            parsed.notes.append(f"etsiU[{index}]: expected one named component")
            continue
        name, content = next(iter(value.items()))
        parsed.etsiu.append((name, raw, content))


def decode_value(value: Any) -> bytes:
    """Decode a ``{"val": base64}`` member (standard or url alphabet)."""
    text = value.get("val") if isinstance(value, dict) else None
    if not isinstance(text, str):
        raise ValueError("expected an object with a base64 'val'")
    if "-" in text or "_" in text:
        return b64url_decode(text.rstrip("="))

    return base64.b64decode(text, validate=True)


def carried_certificates(parsed: JAdESDocument) -> list[x509.Certificate]:
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
            certificate = load_certificate(decode_value(value))
        except ValueError:
            logger.warning("JAdES: an unreadable certificate value was skipped")
            continue
        if certificate not in found:
            found.append(certificate)

    return found


def carried_revocation(parsed: JAdESDocument) -> RevocationData:
    """Revocation values of ``rVals``/``arVals`` (TS 119 182-1 clause 5.3.6).

    Args:
        parsed: The document.

    Returns:
        The OCSP responses and CRLs, each checked to be DER of its type.

    Raises:
        VerificationError: A malformed ``rVals`` entry or value.

    """
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    for name in ("rVals", "arVals"):
        for values in parsed.values(name):
            if not isinstance(values, dict):
                raise VerificationError(f"{name}: expected a JSON object")
            ocsps += _revocation_values(values, name, "ocspVals")
            crls += _revocation_values(values, name, "crlVals")

    return RevocationData.from_values(ocsps, crls)


def _revocation_values(values: dict[str, Any], name: str, member: str) -> list[bytes]:
    """Decode the ``{"val": base64}`` items of ``values[member]``."""
    items = values.get(member, [])
    if not isinstance(items, list):
        raise VerificationError(f"{name}.{member}: expected an array")
    decoded = []
    for index, item in enumerate(items):
        try:
            decoded.append(decode_value(item))
        except ValueError as exc:
            raise VerificationError(f"{name}.{member}[{index}]: {exc}") from exc

    return decoded
