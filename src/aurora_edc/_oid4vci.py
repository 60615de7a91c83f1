"""OpenID for Verifiable Credential Issuance: issuer metadata and offers.

Implements, for an EDC issuer, the documents of OpenID4VCI 1.0 that a wallet
reads before it asks for a credential:

* the Credential Issuer Metadata (clause 12.2), served at
  ``/.well-known/openid-credential-issuer``, with two kinds of configuration:
  the SD-JWT VC ``urn:eudi:elm:1`` (format ``dc+sd-jwt``, and ``vc+sd-jwt``
  for OpenID4VCI draft 13 wallets, on option) and the JAdES-sealed EDC
  JSON-LD. No OpenID4VCI format id exists for a JAdES seal: the EDC is
  advertised as ``jwt_vc_json-ld`` (a JSON-LD credential secured by JOSE), the
  nearest family, while what is delivered is the JAdES JWS JSON serialisation,
  not a compact JWT. Generic wallets will not accept it; the format id can be
  changed (``ldp_vc``, a private id).
* the Credential Offer (clause 4.1) with a pre-authorized code grant (random,
  URL-safe, 256 bits) and an optional transaction code (``tx_code``) sent to
  the learner by another channel, or an authorization-code grant; passed by
  value (``credential_offer``) or by reference (``credential_offer_uri``) in an
  ``openid-credential-offer://`` link, which a QR code carries.

Token and credential endpoints (checking the pre-authorized code, the
tx_code and the holder's proof) are the issuing server's, not this module's.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from ._exceptions import InputError, shorten
from ._sdjwt import ELM_VCT, SDJWTFormat

__all__ = [
    "EDC_CONFIGURATION_ID",
    "ELM_CONFIGURATION_ID",
    "PRE_AUTHORIZED_GRANT",
    "CredentialOffer",
    "TxCode",
    "create_offer",
    "credential_issuer_metadata",
    "new_tx_code_value",
    "offer_link",
    "read_offer_link",
]

logger = logging.getLogger(__name__)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
"""Grant type of the pre-authorized code flow."""

ELM_CONFIGURATION_ID = "elm_sd_jwt_vc"
"""Configuration id of the SD-JWT VC ``urn:eudi:elm:1`` (``dc+sd-jwt``)."""

EDC_CONFIGURATION_ID = "edc_jades_jsonld"
"""Configuration id of the JAdES-sealed EDC JSON-LD."""

_LEGACY_SUFFIX = "_draft13"
_EDC_CONTEXT = (
    "https://www.w3.org/2018/credentials/v1",
    "http://data.europa.eu/snb/model/context/edc-ap",
)
_EDC_TYPES = ("VerifiableCredential", "EuropeanDigitalCredential")
_TEXT_ALPHABET = "".join(
    c for c in string.ascii_uppercase + string.digits if c not in "0O1IL"
)


@dataclass(frozen=True)
class TxCode:
    """What the wallet asks the learner to type (OpenID4VCI clause 4.1.1).

    Attributes:
        input_mode: ``numeric`` (digits only) or ``text``.
        length: Number of characters; shown by wallets as the input size.
        description: Where the learner finds it ("sent to you by e-mail"),
            at most 300 characters.
    """

    input_mode: Literal["numeric", "text"] = "numeric"
    length: int | None = 6
    description: str | None = None

    def __post_init__(self) -> None:
        if self.length is not None and not 4 <= self.length <= 12:
            raise InputError(f"tx_code length: expected 4 to 12, found {self.length}")
        if self.description is not None and len(self.description) > 300:
            raise InputError("tx_code description: at most 300 characters")

    def to_json(self) -> dict[str, Any]:
        """Return the ``tx_code`` object of the offer."""
        data: dict[str, Any] = {"input_mode": self.input_mode}
        if self.length is not None:
            data["length"] = self.length
        if self.description is not None:
            data["description"] = self.description

        return data


@dataclass(frozen=True)
class CredentialOffer:
    """A credential offer, ready to serve or to put in a link.

    Attributes:
        credential_issuer: The issuer's URL (https).
        credential_configuration_ids: Configurations offered.
        pre_authorized_code: The code the wallet redeems at the token
            endpoint; the issuing server must store it. Not shown in repr.
        tx_code: What the learner must type, if anything.
        issuer_state: Opaque value for the authorization-code grant, if
            that grant is offered instead.
        authorization_server: Which authorization server, when the issuer
            names several.
    """

    credential_issuer: str
    credential_configuration_ids: tuple[str, ...]
    pre_authorized_code: str | None = field(default=None, repr=False)
    tx_code: TxCode | None = None
    issuer_state: str | None = field(default=None, repr=False)
    authorization_server: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the Credential Offer object (OpenID4VCI clause 4.1.1)."""
        grants: dict[str, Any] = {}
        if self.pre_authorized_code is not None:
            grant: dict[str, Any] = {"pre-authorized_code": self.pre_authorized_code}
            if self.tx_code is not None:
                grant["tx_code"] = self.tx_code.to_json()
            grants[PRE_AUTHORIZED_GRANT] = grant
        if self.issuer_state is not None:
            grants["authorization_code"] = {"issuer_state": self.issuer_state}
        for grant in grants.values():
            if self.authorization_server:
                grant["authorization_server"] = self.authorization_server

        return {
            "credential_issuer": self.credential_issuer,
            "credential_configuration_ids": list(self.credential_configuration_ids),
            "grants": grants,
        }


def credential_issuer_metadata(
    issuer_url: str,
    *,
    credential_endpoint: str | None = None,
    nonce_endpoint: str | None = None,
    authorization_servers: Sequence[str] = (),
    display_name: str = "European Digital Credentials",
    locale: str = "en",
    sd_jwt_formats: Sequence[SDJWTFormat] = ("dc+sd-jwt",),
    include_edc: bool = True,
    edc_format: str = "jwt_vc_json-ld",
    edc_signing_algs: Sequence[str] = ("RS256", "PS256", "ES256", "ES384"),
    vct: str = ELM_VCT,
) -> dict[str, Any]:
    """Build the Credential Issuer Metadata document.

    Args:
        issuer_url: The credential issuer identifier (https URL).
        credential_endpoint: Defaults to ``<issuer_url>/credential``.
        nonce_endpoint: The Nonce Endpoint, if the issuer has one.
        authorization_servers: OAuth servers, when not the issuer itself.
        display_name: Issuer name shown by wallets.
        locale: Language of the display texts.
        sd_jwt_formats: ``dc+sd-jwt`` and/or ``vc+sd-jwt``; the second gets a
            configuration id ending in ``_draft13``.
        include_edc: Also advertise the JAdES-sealed EDC JSON-LD.
        edc_format: Format id used for it (see the module docstring).
        edc_signing_algs: JAdES algorithms the seal may use.
        vct: The SD-JWT VC type, the same as in the credential.

    Returns:
        The JSON document to serve at ``/.well-known/openid-credential-issuer``.

    Raises:
        InputError: Not an https issuer URL (or one with a query or
            fragment), or no configuration at all.
    """
    issuer = _issuer_identifier(issuer_url).rstrip("/")
    configurations: dict[str, Any] = {}
    for fmt in dict.fromkeys(sd_jwt_formats):
        config_id = ELM_CONFIGURATION_ID + (
            "" if fmt == "dc+sd-jwt" else _LEGACY_SUFFIX
        )
        configurations[config_id] = _sd_jwt_configuration(fmt, vct, locale)
    if include_edc:
        configurations[EDC_CONFIGURATION_ID] = _edc_configuration(
            edc_format, edc_signing_algs, locale
        )
    if not configurations:
        raise InputError("issuer metadata: no credential configuration selected")
    metadata: dict[str, Any] = {
        "credential_issuer": issuer,
        "credential_endpoint": credential_endpoint or f"{issuer}/credential",
        "display": [{"name": display_name, "locale": locale}],
        "credential_configurations_supported": configurations,
    }
    if nonce_endpoint:
        metadata["nonce_endpoint"] = nonce_endpoint
    if authorization_servers:
        metadata["authorization_servers"] = list(authorization_servers)

    return metadata


def _sd_jwt_configuration(fmt: SDJWTFormat, vct: str, locale: str) -> dict[str, Any]:
    display = [{"name": "European Digital Credential (ELM)", "locale": locale}]
    config: dict[str, Any] = {
        "format": fmt,
        "scope": "elm",
        "vct": vct,
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": ["ES256"]}
        },
    }
    if fmt == "vc+sd-jwt":
        config["display"] = display  # draft 13 puts display here
    else:
        config["credential_metadata"] = {"display": display}

    return config


def _edc_configuration(fmt: str, algs: Sequence[str], locale: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "scope": "edc",
        "credential_definition": {
            "@context": list(_EDC_CONTEXT),
            "type": list(_EDC_TYPES),
        },
        "credential_signing_alg_values_supported": list(algs),
        "credential_metadata": {
            "display": [
                {"name": "European Digital Credential (sealed)", "locale": locale}
            ]
        },
    }


def create_offer(
    issuer_url: str,
    configuration_ids: Sequence[str],
    *,
    tx_code: TxCode | None = None,
    pre_authorized: bool = True,
    issuer_state: str | None = None,
    authorization_server: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> CredentialOffer:
    """Create a credential offer with a fresh pre-authorized code.

    Args:
        issuer_url: The credential issuer (https).
        configuration_ids: Offered configurations, such as
            :data:`ELM_CONFIGURATION_ID`.
        tx_code: Ask the learner for a code sent by another channel; make
            its value with :func:`new_tx_code_value`.
        pre_authorized: Offer the pre-authorized code grant (the learner is
            already known to the issuer).
        issuer_state: Offer the authorization-code grant with this state.
        authorization_server: Name the authorization server to use.
        metadata: The issuer metadata; when given, each id must be one of its
            configurations and the issuer must match.

    Returns:
        The offer; its ``pre_authorized_code`` is 256 random bits, URL-safe.

    Raises:
        InputError: No grant, no configuration, an unknown configuration, a
            non-https issuer or one with a query or fragment, or a tx_code
            without the pre-authorized grant.
    """
    issuer = _issuer_identifier(issuer_url).rstrip("/")
    ids = tuple(dict.fromkeys(configuration_ids))
    if not ids:
        raise InputError("offer: at least one credential configuration id is needed")
    if not pre_authorized and issuer_state is None:
        raise InputError(
            "offer: no grant; use the pre-authorized code or an issuer_state"
        )
    if tx_code is not None and not pre_authorized:
        raise InputError("offer: tx_code belongs to the pre-authorized code grant")
    if metadata is not None:
        _check_against(issuer, ids, metadata)
    code = secrets.token_urlsafe(32) if pre_authorized else None

    return CredentialOffer(
        issuer, ids, code, tx_code, issuer_state, authorization_server
    )


def new_tx_code_value(tx_code: TxCode) -> str:
    """Draw a random transaction code matching an offer's ``tx_code``.

    Args:
        tx_code: The offer's description of the code.

    Returns:
        Digits for ``numeric``; upper-case letters and digits without the
        look-alikes 0/O/1/I/L for ``text``. Length 6 when none is set.
    """
    length = tx_code.length or 6
    alphabet = string.digits if tx_code.input_mode == "numeric" else _TEXT_ALPHABET

    return "".join(secrets.choice(alphabet) for _ in range(length))


def offer_link(
    offer: CredentialOffer | None = None,
    *,
    offer_uri: str | None = None,
    scheme: str = "openid-credential-offer",
) -> str:
    """Make the link a wallet opens: the offer by value or by reference.

    Args:
        offer: The offer, passed by value (``credential_offer``).
        offer_uri: Where the issuer serves the offer JSON (https), passed by
            reference (``credential_offer_uri``); keeps the QR code small.
        scheme: ``openid-credential-offer``, or another scheme a profile
            requires (the EUDI flow of some member states uses
            ``eu-eaa-offer``).

    Returns:
        ``<scheme>://?credential_offer=...`` or ``...?credential_offer_uri=...``.

    Raises:
        InputError: Neither or both given, or ``offer_uri`` not https.
    """
    if (offer is None) == (offer_uri is None):
        raise InputError("offer link: give exactly one of offer and offer_uri")
    if offer is not None:
        text = json.dumps(offer.to_json(), separators=(",", ":"))
        return f"{scheme}://?credential_offer={quote(text, safe='')}"

    uri = _https(str(offer_uri), "offer_uri")

    return f"{scheme}://?credential_offer_uri={quote(uri, safe='')}"


def read_offer_link(link: str) -> dict[str, Any] | str:
    """Read an offer link back, as a wallet does.

    Args:
        link: A link made by :func:`offer_link`.

    Returns:
        The offer object (by value) or the offer URI (by reference).

    Raises:
        InputError: The link carries neither parameter, or bad JSON.
    """
    query = parse_qs(urlsplit(link).query)
    if "credential_offer_uri" in query:
        return query["credential_offer_uri"][0]
    if "credential_offer" not in query:
        raise InputError("offer link: no credential_offer or credential_offer_uri")
    try:
        offer = json.loads(query["credential_offer"][0])
    except json.JSONDecodeError as exc:
        raise InputError(
            f"offer link: credential_offer is not JSON ({exc.msg})"
        ) from exc
    if not isinstance(offer, dict):
        raise InputError("offer link: credential_offer is not a JSON object")

    return offer


def _check_against(
    issuer: str, ids: Sequence[str], metadata: Mapping[str, Any]
) -> None:
    if str(metadata.get("credential_issuer", "")).rstrip("/") != issuer:
        raise InputError(
            f"offer: issuer {issuer} differs from the metadata's "
            f"{metadata.get('credential_issuer')!r}"
        )
    known = metadata.get("credential_configurations_supported")
    if not isinstance(known, Mapping):
        raise InputError(
            "offer: metadata credential_configurations_supported: expected an "
            f"object of configurations, found {shorten(known)}"
        )
    unknown = [config_id for config_id in ids if config_id not in known]
    if unknown:
        raise InputError(
            f"offer: configuration(s) {unknown} not in the issuer metadata "
            f"(known: {sorted(known)})"
        )


def _issuer_identifier(url: str) -> str:
    # OpenID4VCI 11.2.1: scheme, host, port and path; no query, no fragment.
    checked = _https(url, "issuer_url")
    parts = urlsplit(checked)
    if parts.query or parts.fragment or checked.endswith(("?", "#")):
        raise InputError(
            "issuer_url: a credential issuer identifier has no query or "
            f"fragment (OpenID4VCI 11.2.1), found {shorten(url)}"
        )

    return checked


def _https(url: str, what: str) -> str:
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1")
    if not parts.netloc or not (
        parts.scheme == "https" or (parts.scheme == "http" and local)
    ):
        raise InputError(f"{what}: expected an https URL, found {url!r}")

    return url
