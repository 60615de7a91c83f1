"""Verifiable presentations of sealed EDCs (W3C VC Data Model 1.1).

Implements the ``VerifiablePresentation`` of VC Data Model 1.1 (clause 4.10)
as an envelope for sharing one or more JAdES-sealed EDCs, and its JWT form
(clause 6.3.1: ``iss`` the holder, ``jti`` the presentation id, ``aud``,
``nonce``, and the presentation in ``vp``).

Each credential is embedded as its JAdES JWS JSON object, unchanged, so its
seal stays verifiable: the ``payload`` string keeps its exact bytes. The VC 1.1
context does not define ``payload`` and ``signatures``, so a JSON-LD processor
sees those entries as opaque: the presentation is a transport envelope, not a
linked-data graph. It proves nothing about the holder unless signed; signing
(:func:`sign_presentation`) is a plain JWS with the holder's key, which binds
audience and nonce to the sealed credentials it carries.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from ._documents import CredentialDocument, read_credential_document
from ._exceptions import InputError, KeyMaterialError, VerificationError, shorten

__all__ = ["build_presentation", "sign_presentation", "verify_presentation"]

logger = logging.getLogger(__name__)

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

HolderKey = ECKey | RSAKey | OKPKey | Mapping[str, Any]
"""A joserfc key or a JWK."""

MAX_PRESENTATION_BYTES = 16 * 1024 * 1024
"""Largest presentation JWT read (joserfc's own default stops at 128 kB, less
than one base64url-encoded sealed EDC)."""

_CURVE_ALGS = {
    "P-256": "ES256",
    "P-384": "ES384",
    "P-521": "ES512",
    "Ed25519": "Ed25519",
}


def build_presentation(
    credentials: Sequence[bytes | Path | Mapping[str, Any] | CredentialDocument],
    *,
    holder: str | None = None,
    presentation_id: str | None = None,
) -> dict[str, Any]:
    """Wrap sealed EDCs in a VC 1.1 ``VerifiablePresentation``.

    Args:
        credentials: Sealed EDCs (JAdES files, bytes or opened documents).
        holder: The holder's identifier (a DID or URI), if known.
        presentation_id: Defaults to a fresh ``urn:uuid:``.

    Returns:
        The unsigned presentation.

    Raises:
        InputError: No credential, or one that is not sealed.
    """
    if not credentials:
        raise InputError("presentation: at least one sealed credential is needed")
    embedded = [_sealed_object(item) for item in credentials]
    presentation: dict[str, Any] = {
        "@context": [VC1_CONTEXT],
        "type": ["VerifiablePresentation"],
        "id": presentation_id or uuid.uuid4().urn,
    }
    if holder:
        presentation["holder"] = holder
    presentation["verifiableCredential"] = embedded

    return presentation


def sign_presentation(
    presentation: Mapping[str, Any],
    key: HolderKey,
    *,
    audience: str | None = None,
    nonce: str | None = None,
    kid: str | None = None,
) -> str:
    """Sign a presentation as a VC 1.1 JWT (compact JWS).

    Args:
        presentation: From :func:`build_presentation`; its ``holder`` becomes
            ``iss``.
        key: The holder's private key (EC P-256/384/521 as ES*, Ed25519 as the
            fully specified ``Ed25519`` of RFC 9864, RSA as PS256).
        audience: The verifier, as ``aud``.
        nonce: The verifier's challenge, as ``nonce``.
        kid: Key id for the header.

    Returns:
        The JWT.

    Raises:
        KeyMaterialError: The key is not a usable private key.
    """
    private = _import(key)
    claims: dict[str, Any] = {
        "jti": presentation.get("id"),
        "iat": int(datetime.now(UTC).timestamp()),
        "vp": dict(presentation),
    }
    for name, value in (
        ("iss", presentation.get("holder")),
        ("aud", audience),
        ("nonce", nonce),
    ):
        if value:
            claims[name] = value
    header: dict[str, Any] = {"alg": _algorithm(private), "typ": "JWT"}
    if kid:
        header["kid"] = kid
    body = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()

    return jws.serialize_compact(header, body, private, algorithms=[header["alg"]])


def verify_presentation(
    token: str,
    key: HolderKey,
    *,
    audience: str | None = None,
    nonce: str | None = None,
    max_bytes: int = MAX_PRESENTATION_BYTES,
) -> dict[str, Any]:
    """Check a presentation JWT's signature, audience and nonce.

    The sealed credentials inside are returned as they are; verify each seal
    separately.

    Args:
        token: From :func:`sign_presentation`.
        key: The holder's public key.
        audience: Expected ``aud``, when checked.
        nonce: Expected ``nonce``, when checked.
        max_bytes: Longer tokens are refused before decoding.

    Returns:
        The presentation (the ``vp`` claim).

    Raises:
        VerificationError: Bad signature, a payload that is not an object or
            has no ``vp`` object, ``aud`` (a string, or an array that must
            hold ``audience``) or ``nonce`` differ.
    """
    public = _import(key, private=False)
    if len(token) > max_bytes:
        raise VerificationError(
            f"presentation JWT of {len(token)} bytes, over {max_bytes}"
        )
    registry = _LargePayloadRegistry(algorithms=[_algorithm(public)])
    try:
        signed = jws.deserialize_compact(token, public, registry=registry)
        claims = json.loads(signed.payload)
    except (JoseError, ValueError) as exc:
        raise VerificationError(f"presentation JWT: {shorten(str(exc))}") from exc
    if not isinstance(claims, dict):
        raise VerificationError(
            f"presentation JWT: expected a JSON object payload, found "
            f"{type(claims).__name__}"
        )
    _check_claims(claims, audience, nonce)
    vp = claims.get("vp")
    if not isinstance(vp, dict):
        raise VerificationError(
            f"presentation JWT vp: expected a JSON object, found {shorten(vp)}"
        )

    return dict(vp)


def _check_claims(
    claims: Mapping[str, Any], audience: str | None, nonce: str | None
) -> None:
    # RFC 7519 4.1.3: aud is one string or an array holding the recipient.
    aud = claims.get("aud")
    if audience is not None and not (
        aud == audience or (isinstance(aud, list) and audience in aud)
    ):
        raise VerificationError(
            f"presentation JWT aud: expected {audience!r}, found {shorten(aud)}"
        )
    if nonce is not None and claims.get("nonce") != nonce:
        raise VerificationError(
            f"presentation JWT nonce: expected {nonce!r}, "
            f"found {shorten(claims.get('nonce'))}"
        )


class _LargePayloadRegistry(JWSRegistry):
    max_payload_length = MAX_PRESENTATION_BYTES


def _sealed_object(item: bytes | Path | Mapping[str, Any] | CredentialDocument) -> Any:
    document = (
        item if isinstance(item, CredentialDocument) else read_credential_document(item)
    )
    if not document.sealed:
        raise InputError(
            f"presentation: credential {document.credential_id} is not sealed",
            source=document.source,
        )

    return json.loads(document.raw)


def _import(key: HolderKey, *, private: bool = True) -> ECKey | RSAKey | OKPKey:
    try:
        imported = (
            key
            if isinstance(key, ECKey | RSAKey | OKPKey)
            else JWKRegistry.import_key(dict(key))
        )
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyMaterialError(f"holder key: not usable ({shorten(str(exc))})") from exc
    if not isinstance(imported, ECKey | RSAKey | OKPKey):
        raise KeyMaterialError("holder key: expected an EC, RSA or OKP key")
    if private and not imported.is_private:
        raise KeyMaterialError("holder key: signing needs the private key")

    return imported


def _algorithm(key: ECKey | RSAKey | OKPKey) -> str:
    if isinstance(key, RSAKey):
        return "PS256"
    alg = _CURVE_ALGS.get(key.curve_name)
    if alg is None:
        raise KeyMaterialError(f"holder key: curve {key.curve_name} not supported")

    return alg
