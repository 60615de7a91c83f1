"""JAdES seals on EDC JSON-LD credentials (ETSI TS 119 182-1), sealing side.

A sealed EDC is a JWS in general JSON serialisation (RFC 7515 clause 7.2.1)
whose payload is the credential's compact JSON text, unencoded (RFC 7797,
``b64: false``): the signature covers exactly those bytes. The protected
header follows TS 119 182-1 clause 5.1 and 5.2 as the EC's sealed samples
do: ``alg``, ``typ`` ``jose+json``, ``cty``, ``kid`` (base64 DER of the
certificate's IssuerSerial), ``x5t#S256``, ``x5c`` (seal certificate and
chain), ``iat`` (signing time, required by JAdES baseline signatures from
2025-05-15; ``sigT`` is no longer emitted) and ``crit: ["b64"]``.

B-T (clause 6.3) adds, in the unprotected ``etsiU`` array, a base64url-encoded
``sigTst`` whose RFC 3161 token covers the base64url-encoded JWS Signature
Value (clause 5.3.4), as in the EC's samples.

EDC rule (ELM 3 application profile, issuer ``eIDASIdentifier``): the
credential's issuer must carry the seal certificate's organizationIdentifier;
sealing sets ``issued`` and ``issuanceDate`` to the sealing time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, RSAKey
from joserfc.registry import HeaderParameter, HeaderRegistryDict, is_int, is_str

from ._exceptions import (
    AlreadySealedError,
    InputError,
    IssuerMismatchError,
    SealError,
)
from ._jades_json import check_json_containers, loads_strict
from ._keys import SealKey, organization_identifier, sealing_moment

__all__ = [
    "JADES_ALGORITHMS",
    "JADES_CONTENT_TYPE",
    "JADES_TYPE",
    "MAX_CREDENTIAL_BYTES",
    "JAdESRegistry",
    "b64url",
    "b64url_decode",
    "credential_issuer_identifier",
    "jades_registry",
    "seal_jades",
]

logger = logging.getLogger(__name__)

JADES_TYPE = "jose+json"
"""``typ`` of a JAdES signature in JSON serialisation (TS 119 182-1, 5.1.3)."""

JADES_CONTENT_TYPE = "octet-stream"
"""``cty`` as the EC's sealed samples carry it."""

JADES_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)
"""Asymmetric JWS algorithms accepted; ``none`` and HMAC never are."""

MAX_CREDENTIAL_BYTES = 32 * 1024 * 1024
"""Largest payload sealed or verified (32 MiB: credentials embed images)."""

MAX_HEADER_BYTES = 1024 * 1024
"""Largest protected header (x5c chain and adoTst make them a few KB)."""

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _is_json(value: Any) -> None:
    if not isinstance(value, dict | list | str):
        raise ValueError("must be a JSON object, array or base64url string")


_JADES_HEADERS: HeaderRegistryDict = {
    "iat": HeaderParameter("Claimed signing time, NumericDate (5.2.1)", is_int),
    "sigT": HeaderParameter("Claimed signing time, before 2025 (5.2.1)", is_str),
    "x5t#o": HeaderParameter("Signing certificate digest, other algorithm", _is_json),
    "sigX5ts": HeaderParameter("Signing certificate digests", _is_json),
    "adoTst": HeaderParameter("Content time-stamps (5.2.8)", _is_json),
    "sigD": HeaderParameter("Detached signed data (5.2.8)", _is_json),
    "sigPId": HeaderParameter("Signature policy (5.2.7)", _is_json),
    "srCms": HeaderParameter("Commitments (5.2.3)", _is_json),
    "sigPl": HeaderParameter("Signature production place (5.2.5)", _is_json),
    "srAts": HeaderParameter("Signer attributes (5.2.6)", _is_json),
    "etsiU": HeaderParameter("Unsigned JAdES components (5.3)", _is_json),
}


class JAdESRegistry(jws.JWSRegistry):
    """joserfc registry for JAdES: larger limits and the JAdES header names.

    joserfc refuses headers over 512 bytes and payloads over 128,000 bytes by
    default; a JAdES header with ``x5c`` and a credential with images exceed
    both (notes: seals.md section 4.2).
    """

    max_header_length = MAX_HEADER_BYTES
    max_payload_length = MAX_CREDENTIAL_BYTES
    max_signature_length = 4096


@functools.cache
def jades_registry() -> JAdESRegistry:
    """Return the shared JAdES registry (asymmetric algorithms only).

    Returns:
        A registry accepting :data:`JADES_ALGORITHMS` and the JAdES headers.

    """
    return JAdESRegistry(
        header_registry=_JADES_HEADERS, algorithms=list(JADES_ALGORITHMS)
    )


def b64url(data: bytes) -> str:
    """Return unpadded base64url text (RFC 7515 clause 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url text; ValueError when malformed.

    Args:
        text: base64url characters, without padding.

    Returns:
        The decoded bytes.

    """
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise ValueError("expected unpadded base64url text")

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def credential_issuer_identifier(credential: dict[str, Any]) -> str | None:
    """Return ``issuer.eIDASIdentifier.notation`` of an EDC, if present.

    Args:
        credential: The credential as JSON data.

    Returns:
        The notation string, or None when the issuer carries none.

    """
    issuer = credential.get("issuer")
    identifier = issuer.get("eIDASIdentifier") if isinstance(issuer, dict) else None
    if isinstance(identifier, list) and len(identifier) == 1:
        identifier = identifier[0]
    notation = identifier.get("notation") if isinstance(identifier, dict) else None

    return notation if isinstance(notation, str) else None


def seal_jades(
    credential: bytes | dict[str, Any],
    key: SealKey,
    *,
    tsa_url: str | None = None,
    when: datetime | None = None,
) -> bytes:
    """Seal an EDC JSON-LD credential as JAdES B-B, or B-T with a TSA.

    Sets ``issued`` and ``issuanceDate`` to the sealing time, checks that the
    issuer's ``eIDASIdentifier.notation`` equals the certificate's
    organizationIdentifier, serialises the credential as compact JSON (UTF-8,
    no spaces) and signs exactly those bytes.

    Args:
        credential: The unsealed credential, as JSON bytes or data.
        key: The seal key (see :func:`~aurora_edc.load_seal_key`).
        tsa_url: RFC 3161 TSA URL; when given, a ``sigTst`` makes it B-T.
        when: Sealing time (timezone-aware); default now. The certificate
            must be valid then.

    Returns:
        The sealed document: ``{"payload": ..., "signatures": [...]}`` as
        UTF-8 JSON bytes.

    Raises:
        InputError: When the credential is not a JSON object or too large.
        AlreadySealedError: When the credential is already a JAdES seal.
        IssuerMismatchError: When the issuer identifier differs from the
            certificate's organizationIdentifier.
        KeyMaterialError: When the certificate is not valid at ``when``.
        TimestampAuthorityError: When the TSA fails.

    """
    moment = sealing_moment(when, key)
    payload = _prepare_credential(credential, key, moment)
    header = jades_header(key, moment)
    try:
        sealed = jws.serialize_json(
            [{"protected": header}], payload, _jose_key(key), registry=jades_registry()
        )
    except (JoseError, ValueError) as exc:
        raise SealError(f"JWS signing failed: {exc}") from exc

    signature = sealed["signatures"][0]
    if tsa_url is not None:
        from ._timestamp import request_timestamp  # B-T only: httpx, path checks

        token = request_timestamp(signature["signature"].encode("ascii"), tsa_url)
        signature["header"] = {"etsiU": [signature_timestamp_entry(token)]}
    logger.debug("JAdES seal: %d payload bytes, %s", len(payload), key.algorithm)

    return json.dumps(sealed, ensure_ascii=False, separators=(",", ":")).encode()


def _prepare_credential(credential: object, key: SealKey, moment: datetime) -> bytes:
    """Check the issuer, set the issuance time, serialise compactly."""
    if isinstance(credential, bytes | bytearray | memoryview):
        credential = bytes(credential)
        if len(credential) > MAX_CREDENTIAL_BYTES:
            raise InputError(
                f"credential of {len(credential)} bytes, "
                f"expected at most {MAX_CREDENTIAL_BYTES}"
            )
        try:
            data = loads_strict(credential)
        except ValueError as exc:
            raise InputError(f"credential is not strict JSON: {exc}") from exc
    elif isinstance(credential, dict):
        data = dict(credential)  # only top-level members change: no deep copy
    else:
        data = credential
    if not isinstance(data, dict):
        raise InputError(
            f"credential: expected a JSON object, found {type(data).__name__}"
        )
    if {"payload", "signatures"} <= data.keys():
        raise AlreadySealedError("the credential is already a JAdES seal")

    _check_issuer(data, key.certificate)
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data["issued"] = stamp
    data["issuanceDate"] = stamp

    # What is signed must read back the same in every parser (_jades_json):
    # text member names only (1 and "1" would become duplicates), no NaN, no
    # lone surrogate (the UTF-8 encoder refuses them), bounded nesting.
    try:
        plain = check_json_containers(data)
        text = json.dumps(
            data, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        payload = text.encode()
        if not plain:
            # A dict or list subclass may have shown the check other members.
            loads_strict(payload)
    except (TypeError, ValueError, RecursionError) as exc:
        # UnicodeEncodeError is a ValueError.
        raise InputError(f"credential is not strict JSON: {exc}") from exc
    if len(payload) > MAX_CREDENTIAL_BYTES:
        # The verifier refuses larger payloads: never seal what cannot be read.
        raise InputError(
            f"credential of {len(payload)} bytes as compact JSON, "
            f"expected at most {MAX_CREDENTIAL_BYTES}"
        )

    return payload


def _check_issuer(data: dict[str, Any], certificate: x509.Certificate) -> None:
    """Raise IssuerMismatchError unless issuer id == organizationIdentifier."""
    found = credential_issuer_identifier(data)
    expected = organization_identifier(certificate)
    if found is None or expected is None or found != expected:
        raise IssuerMismatchError(
            f"issuer.eIDASIdentifier.notation is {found!r}, the seal certificate's "
            f"organizationIdentifier is {expected!r}: they must be equal"
        )


def jades_header(key: SealKey, moment: datetime) -> dict[str, Any]:
    """Build the protected header of a JAdES B-B seal.

    Args:
        key: The seal key.
        moment: Signing time, written as ``iat``.

    Returns:
        The header as JSON data.
    """
    return {
        "alg": key.algorithm,
        "typ": JADES_TYPE,
        "cty": JADES_CONTENT_TYPE,
        **_certificate_headers(key),
        "iat": int(moment.timestamp()),
        "b64": False,
        "crit": ["b64"],
    }


@functools.lru_cache(maxsize=16)
def _certificate_headers(key: SealKey) -> dict[str, Any]:
    """Return ``kid``, ``x5t#S256`` and ``x5c`` of a key, computed once."""
    cert_der = key.certificate.public_bytes(Encoding.DER)
    chain = [key.certificate, *key.chain]

    return {
        "kid": base64.b64encode(issuer_serial(key.certificate)).decode("ascii"),
        "x5t#S256": b64url(hashlib.sha256(cert_der).digest()),
        "x5c": [
            base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii")
            for c in chain
        ],
    }


def issuer_serial(certificate: x509.Certificate) -> bytes:
    """Return DER ``IssuerSerial`` (RFC 5035) of a certificate, for ``kid``.

    Args:
        certificate: The seal certificate.

    Returns:
        DER of ``SEQUENCE { issuer GeneralNames, serialNumber }``.

    """
    parsed = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    value = tsp.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName({"directory_name": parsed.issuer})],
            "serial_number": parsed.serial_number,
        }
    )

    return bytes(value.dump())


def signature_timestamp_entry(token: bytes) -> str:
    """Return the base64url ``etsiU`` entry holding a ``sigTst`` (5.3.4).

    Args:
        token: RFC 3161 TimeStampToken, DER.

    Returns:
        base64url of ``{"sigTst": {"tstTokens": [{"val": <base64 DER>}]}}``.

    """
    value = base64.b64encode(token).decode("ascii")
    entry = {"sigTst": {"tstTokens": [{"val": value}]}}

    return b64url(json.dumps(entry, separators=(",", ":")).encode())


@functools.lru_cache(maxsize=16)
def _jose_key(key: SealKey) -> Key:
    """Import the key into joserfc once (importing re-validates RSA keys)."""
    private_key = key.private_key
    if isinstance(private_key, rsa.RSAPrivateKey):
        return RSAKey.import_key(private_key)

    return ECKey.import_key(private_key)
