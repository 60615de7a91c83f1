"""SD-JWT VC issuance of an EDC, as the DC4EU pilots carry ELM to EUDI wallets.

Implements the issuer side of SD-JWT (RFC 9901, formerly
draft-ietf-oauth-selective-disclosure-jwt) and SD-JWT-based Verifiable
Credentials (draft-ietf-oauth-sd-jwt-vc): a JWT signed with ES256 whose
payload holds ``iss``, ``iat``, ``nbf``, ``exp``, ``vct``, ``cnf.jwk`` (the
holder's public key, for key binding) and ``_sd`` digests; the whole EDC is one
selectively disclosable claim ``elm``, as in DC4EU's ``urn:eudi:elm:1``
credential. Header ``typ`` is ``dc+sd-jwt``, or the earlier ``vc+sd-jwt`` that
OpenID4VCI draft 13 wallets expect.

Each disclosure is ``base64url(JSON [salt, name, value])`` with a 128-bit random
salt; its digest is ``base64url(SHA-256(disclosure))``. The issued form is
``<JWT>~<disclosure>~...~``. Claims that SD-JWT VC forbids to hide (``iss``,
``nbf``, ``exp``, ``cnf``, ``vct``, ``status``) cannot be made disclosable.

The type metadata document (SD-JWT VC clause "Type Metadata") for the same vct
is built here too, so that metadata, offer and credential share one vct value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry

from ._documents import CredentialDocument
from ._exceptions import InputError, KeyMaterialError, PayloadTooLargeError, shorten

__all__ = [
    "ELM_VCT",
    "SDJWTFormat",
    "SDJWTVCIssuer",
    "elm_type_metadata",
]

logger = logging.getLogger(__name__)

ELM_VCT = "urn:eudi:elm:1"
"""The vct under which DC4EU carries a whole EDC in the claim ``elm``."""

SDJWTFormat = Literal["dc+sd-jwt", "vc+sd-jwt"]
"""JWT ``typ`` and OpenID4VCI format id: current, or OpenID4VCI draft 13."""

_NOT_DISCLOSABLE = frozenset(
    {
        "iss",
        "iat",
        "nbf",
        "exp",
        "cnf",
        "vct",
        "vct#integrity",
        "status",
        "_sd",
        "_sd_alg",
        "...",
    }
)
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})


class SDJWTVCIssuer:
    """Issues SD-JWT VCs with one ES256 key, imported once.

    Args:
        key: The issuer's P-256 private key: a ``cryptography`` key, a PEM
            text, a private JWK (dict) or a joserfc ``ECKey``.
        issuer: The ``iss`` value, the credential issuer's URL (its
            ``/.well-known/jwt-vc-issuer`` lets verifiers find the key).
        kid: Key id put in the header, if any.
        x5c: Certificate chain (base64 DER, leaf first) put in the header, if
            any, for verifiers that anchor the key in a PKI.

    Raises:
        KeyMaterialError: The key is not a private P-256 key.
    """

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | str | bytes | Mapping[str, Any] | ECKey,
        *,
        issuer: str,
        kid: str | None = None,
        x5c: tuple[str, ...] | None = None,
    ) -> None:
        self._key = _import_issuer_key(key)
        self.issuer = issuer
        self.kid = kid
        self.x5c = x5c

    def issue(
        self,
        credential: Mapping[str, Any] | CredentialDocument,
        holder_jwk: Mapping[str, Any],
        *,
        vct: str = ELM_VCT,
        typ: SDJWTFormat = "dc+sd-jwt",
        issued_at: datetime | None = None,
        not_before: datetime | None = None,
        expires_at: datetime | None = None,
        validity: timedelta | None = None,
        disclosable: Mapping[str, Any] | None = None,
        claims: Mapping[str, Any] | None = None,
        max_bytes: int | None = None,
    ) -> str:
        """Issue one SD-JWT VC carrying an EDC as the disclosable claim ``elm``.

        Args:
            credential: The EDC; for a sealed document, its payload (the seal
                itself is not carried, as in DC4EU).
            holder_jwk: The holder's public JWK, put in ``cnf.jwk``.
            vct: The credential type; keep :data:`ELM_VCT` to match the
                issuer metadata.
            typ: ``dc+sd-jwt`` or the earlier ``vc+sd-jwt``.
            issued_at: ``iat``; now when None.
            not_before: ``nbf``; ``iat`` when None.
            expires_at: ``exp``; else ``iat + validity``; else the EDC's
                ``expirationDate``; else no ``exp``.
            validity: Lifetime used when ``expires_at`` is None.
            disclosable: Other selectively disclosable claims.
            claims: Other always-visible claims (``sub``, ``status`` ...).
            max_bytes: Refuse an SD-JWT larger than this.

        Returns:
            The issued SD-JWT: ``<JWT>~<disclosure>~...~``.

        Raises:
            KeyMaterialError: ``holder_jwk`` is not a public JWK.
            InputError: A claim is reserved or given twice.
            PayloadTooLargeError: The result exceeds ``max_bytes``.
        """
        edc = (
            credential.credential
            if isinstance(credential, CredentialDocument)
            else credential
        )
        extra = dict(disclosable or {})
        if "elm" in extra:
            raise InputError(
                "claim 'elm': reserved for the credential itself, found it in "
                "disclosable"
            )
        hidden = {"elm": dict(edc), **extra}
        payload = self._payload(
            edc, holder_jwk, vct, issued_at, not_before, expires_at, validity
        )
        _merge_visible(payload, claims or {}, hidden)
        disclosures = [_disclosure(name, value) for name, value in hidden.items()]
        payload["_sd"] = sorted(_digest(item) for item in disclosures)
        payload["_sd_alg"] = "sha-256"
        token = self._sign(payload, typ)
        issued = "~".join([token, *disclosures]) + "~"
        _check_size(issued, max_bytes, disclosures[0])
        logger.debug(
            "issued SD-JWT VC %s for %s, %d bytes", vct, edc.get("id"), len(issued)
        )

        return issued

    def _payload(
        self,
        edc: Mapping[str, Any],
        holder_jwk: Mapping[str, Any],
        vct: str,
        issued_at: datetime | None,
        not_before: datetime | None,
        expires_at: datetime | None,
        validity: timedelta | None,
    ) -> dict[str, Any]:
        iat = issued_at or datetime.now(UTC)
        exp = expires_at or (iat + validity if validity else _edc_expiry(edc))
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "iat": int(iat.timestamp()),
            "nbf": int((not_before or iat).timestamp()),
            "vct": vct,
            "cnf": {"jwk": _public_jwk(holder_jwk)},
        }
        if exp is not None:
            payload["exp"] = int(exp.timestamp())

        return payload

    def _sign(self, payload: Mapping[str, Any], typ: str) -> str:
        header: dict[str, Any] = {"alg": "ES256", "typ": typ}
        if self.kid:
            header["kid"] = self.kid
        if self.x5c:
            header["x5c"] = list(self.x5c)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

        return jws.serialize_compact(header, body, self._key, algorithms=["ES256"])


def elm_type_metadata(
    vct: str = ELM_VCT,
    *,
    languages: tuple[str, ...] = ("en",),
    name: str = "European Digital Credential for Learning (ELM)",
    description: str = (
        "A European Digital Credential (ELM v3 JSON-LD) carried whole in the "
        "selectively disclosable claim 'elm'."
    ),
) -> dict[str, Any]:
    """Build the SD-JWT VC type metadata document for the ELM credential.

    Args:
        vct: The type; the same value as in the issuer metadata and the
            credential.
        languages: Language keys of the EDC's language maps to label (the EC
            samples use ``en``; DC4EU hard-wires ``und``).
        name: Human name of the type.
        description: Human description of the type.

    Returns:
        The JSON document to serve at the vct's metadata location.
    """
    claims: list[dict[str, Any]] = [
        {
            "path": ["elm"],
            "sd": "always",
            "display": [_label("en", "Credential (ELM)")],
        },
    ]
    for language in languages:
        for path, label in (
            (["credentialSubject", "givenName"], "Given name"),
            (["credentialSubject", "familyName"], "Family name"),
            (["displayParameter", "title"], "Title"),
            (["credentialSubject", "hasClaim", "title"], "Achievement"),
        ):
            claims.append(
                {"path": ["elm", *path, language], "display": [_label("en", label)]}
            )

    return {
        "vct": vct,
        "name": name,
        "description": description,
        "display": [{"lang": "en", "name": name, "description": description}],
        "claims": claims,
    }


def _label(lang: str, label: str) -> dict[str, str]:
    return {"lang": lang, "label": label}


def _import_issuer_key(
    key: ec.EllipticCurvePrivateKey | str | bytes | Mapping[str, Any] | ECKey,
) -> ECKey:
    try:
        if isinstance(key, ECKey):
            imported = key
        elif isinstance(key, Mapping):
            imported = ECKey.import_key(dict(key))
        else:
            imported = ECKey.import_key(key)
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyMaterialError(f"SD-JWT issuer key: not an EC key ({exc})") from exc
    if not imported.is_private or imported.curve_name != "P-256":
        raise KeyMaterialError(
            f"SD-JWT issuer key: expected a private P-256 key for ES256, found "
            f"{'private' if imported.is_private else 'public'} {imported.curve_name}"
        )

    return imported


def _public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    private = sorted(_PRIVATE_JWK_MEMBERS & set(jwk))
    if private:
        raise KeyMaterialError(
            f"holder JWK: expected a public key, found private members {private}; "
            "never put the holder's private key in a credential"
        )
    try:
        key = JWKRegistry.import_key(dict(jwk))
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyMaterialError(f"holder JWK: not usable ({shorten(str(exc))})") from exc

    return dict(key.as_dict(private=False))


def _merge_visible(
    payload: dict[str, Any], claims: Mapping[str, Any], hidden: Mapping[str, Any]
) -> None:
    for name in hidden:
        if name in _NOT_DISCLOSABLE:
            raise InputError(
                f"claim {name!r}: SD-JWT VC does not allow it to be disclosable"
            )
    for name, value in claims.items():
        if name in payload or name in hidden or name in ("_sd", "_sd_alg"):
            raise InputError(f"claim {name!r}: reserved or already set")
        payload[name] = value


def _disclosure(name: str, value: Any) -> str:
    salt = _b64url(secrets.token_bytes(16))
    text = json.dumps([salt, name, value], ensure_ascii=False, separators=(",", ":"))

    return _b64url(text.encode())


def _digest(disclosure: str) -> str:
    return _b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _edc_expiry(edc: Mapping[str, Any]) -> datetime | None:
    value = edc.get("expirationDate") or edc.get("validUntil")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        logger.warning("EDC expirationDate %r unreadable; SD-JWT without exp", value)
        return None


def _check_size(issued: str, max_bytes: int | None, elm_disclosure: str) -> None:
    if max_bytes is None or len(issued) <= max_bytes:
        return
    raise PayloadTooLargeError(
        f"SD-JWT VC is {len(issued)} bytes, over the {max_bytes}-byte limit; the "
        f"'elm' disclosure alone takes {len(elm_disclosure)} bytes (base64url adds "
        "a third to the EDC): shrink its images (aurora-edc handoff shrink) before "
        "sealing and issuing",
        size=len(issued),
        limit=max_bytes,
    )
