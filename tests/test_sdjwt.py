"""SD-JWT VC issuance of an EDC, checked by the reference implementation (sd-jwt)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from aurora_edc import (
    ELM_VCT,
    InputError,
    KeyMaterialError,
    PayloadTooLargeError,
    SDJWTVCIssuer,
    elm_type_metadata,
    read_credential_document,
)

ISSUER = "https://issuer.example.eu"
VERIFIER = "https://verifier.example.eu"


@pytest.fixture(scope="module")
def edc(shared: Path) -> dict[str, Any]:
    """The EC sealed sample's payload (a conformant EDC)."""
    path = shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"
    return read_credential_document(path).credential


@pytest.fixture(scope="module")
def issuer_key() -> ECKey:
    """The issuer's P-256 key."""
    return ECKey.generate_key("P-256")


@pytest.fixture(scope="module")
def holder_key() -> ECKey:
    """The holder's (wallet's) P-256 key."""
    return ECKey.generate_key("P-256")


def jwcrypto(key: ECKey, *, private: bool) -> JWK:
    """The same key for the reference implementation (jwcrypto)."""
    return JWK.from_json(json.dumps(key.as_dict(private=private)))


def verified(token: str, issuer_key: ECKey, **options: str) -> dict[str, Any]:
    """Verify with the reference implementation and return the disclosed claims."""
    public = jwcrypto(issuer_key, private=False)
    verifier = SDJWTVerifier(token, lambda iss, header: public, **options)
    return dict(verifier.get_verified_payload())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Split an issued SD-JWT into header, payload and disclosures."""
    jwt, *disclosures, last = token.split("~")
    header, payload = (
        json.loads(base64.urlsafe_b64decode(p + "==")) for p in jwt.split(".")[:2]
    )
    assert last == ""
    return header, payload, disclosures


def test_reference_implementation_verifies_issuance(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """sd-jwt verifies our SD-JWT VC and discloses the whole EDC as 'elm'."""
    issuer = SDJWTVCIssuer(issuer_key, issuer=ISSUER)
    token = issuer.issue(edc, holder_key.as_dict(private=False))
    claims = verified(token, issuer_key)
    assert claims["elm"] == edc
    assert (claims["iss"], claims["vct"]) == (ISSUER, ELM_VCT)
    assert claims["cnf"]["jwk"] == holder_key.as_dict(private=False)


def test_key_binding_presentation_verifies(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """A holder's key-binding JWT (made by sd-jwt) over our issuance verifies."""
    token = SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
        edc, holder_key.as_dict(private=False)
    )
    holder = SDJWTHolder(token)
    holder.create_presentation(
        {"elm": True},
        nonce="n-1",
        aud=VERIFIER,
        holder_key=jwcrypto(holder_key, private=True),
        sign_alg="ES256",
    )
    claims = verified(
        holder.sd_jwt_presentation,
        issuer_key,
        expected_aud=VERIFIER,
        expected_nonce="n-1",
    )
    assert claims["elm"]["id"] == edc["id"]


def test_key_binding_with_another_key_fails(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """A key-binding JWT signed by a key other than cnf.jwk is rejected."""
    token = SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
        edc, holder_key.as_dict(private=False)
    )
    holder = SDJWTHolder(token)
    stranger = jwcrypto(ECKey.generate_key("P-256"), private=True)
    holder.create_presentation(
        {"elm": True}, nonce="n", aud=VERIFIER, holder_key=stranger, sign_alg="ES256"
    )
    with pytest.raises(Exception, match=r"[Vv]erif"):
        verified(
            holder.sd_jwt_presentation,
            issuer_key,
            expected_aud=VERIFIER,
            expected_nonce="n",
        )


def test_elm_can_be_withheld(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """A presentation without the 'elm' disclosure shows no EDC."""
    token = SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
        edc, holder_key.as_dict(private=False), disclosable={"eqf_level": 6}
    )
    holder = SDJWTHolder(token)
    holder.create_presentation({"eqf_level": True})
    claims = verified(holder.sd_jwt_presentation, issuer_key)
    assert "elm" not in claims and claims["eqf_level"] == 6


def test_other_issuer_key_fails(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """The reference verifier rejects our token under another issuer key."""
    token = SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
        edc, holder_key.as_dict(private=False)
    )
    with pytest.raises(Exception, match=r"[Vv]erif"):
        verified(token, ECKey.generate_key("P-256"))


def test_header_and_time_claims(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """typ, kid, iat, nbf and exp follow the options."""
    issued = datetime(2025, 1, 1, tzinfo=UTC)
    token = SDJWTVCIssuer(issuer_key, issuer=ISSUER, kid="k1").issue(
        edc,
        holder_key.as_dict(private=False),
        typ="vc+sd-jwt",
        issued_at=issued,
        not_before=issued + timedelta(hours=1),
        validity=timedelta(days=30),
    )
    header, payload, disclosures = parts(token)
    assert header == {"alg": "ES256", "typ": "vc+sd-jwt", "kid": "k1"}
    assert payload["iat"] == int(issued.timestamp())
    assert payload["nbf"] - payload["iat"] == 3600
    assert payload["exp"] - payload["iat"] == 30 * 86400
    assert (
        payload["_sd_alg"] == "sha-256" and len(payload["_sd"]) == len(disclosures) == 1
    )
    assert "elm" not in payload


def test_exp_defaults_to_the_edc_expiry(issuer_key: ECKey, holder_key: ECKey) -> None:
    """Without options, exp is the EDC's expirationDate; default typ is dc+sd-jwt."""
    edc = {"id": "urn:credential:x", "expirationDate": "2030-01-01T00:00:00Z"}
    header, payload, _ = parts(
        SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
            edc, holder_key.as_dict(private=False)
        )
    )
    assert header["typ"] == "dc+sd-jwt"
    assert payload["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())


def test_private_holder_key_is_refused(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """A holder JWK with private members never goes into cnf."""
    issuer = SDJWTVCIssuer(issuer_key, issuer=ISSUER)
    with pytest.raises(KeyMaterialError, match="private members"):
        issuer.issue(edc, holder_key.as_dict(private=True))


def test_issuer_key_must_be_private_p256() -> None:
    """Public or P-384 issuer keys are refused for ES256."""
    with pytest.raises(KeyMaterialError, match="P-256"):
        SDJWTVCIssuer(ECKey.generate_key("P-384"), issuer=ISSUER)
    with pytest.raises(KeyMaterialError, match="public"):
        SDJWTVCIssuer(ECKey.generate_key("P-256").as_dict(private=False), issuer=ISSUER)


def test_cryptography_key_is_accepted(edc: dict[str, Any], holder_key: ECKey) -> None:
    """A cryptography EC key imports once and signs verifiable tokens."""
    private = ec.generate_private_key(ec.SECP256R1())
    token = SDJWTVCIssuer(private, issuer=ISSUER).issue(
        edc, holder_key.as_dict(private=False)
    )
    assert verified(token, ECKey.import_key(private))["vct"] == ELM_VCT


@pytest.mark.parametrize("name", ["iss", "vct", "cnf", "exp", "status"])
def test_reserved_claims_cannot_be_disclosable(
    issuer_key: ECKey, holder_key: ECKey, name: str
) -> None:
    """SD-JWT VC claims that must stay visible cannot be made disclosable."""
    with pytest.raises(InputError, match="disclosable"):
        SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
            {"id": "urn:c:1"},
            holder_key.as_dict(private=False),
            disclosable={name: "x"},
        )


def test_size_limit_names_the_elm_claim(
    edc: dict[str, Any], issuer_key: ECKey, holder_key: ECKey
) -> None:
    """An SD-JWT over max_bytes is refused, naming the elm disclosure's size."""
    with pytest.raises(
        PayloadTooLargeError, match="'elm' disclosure alone takes"
    ) as caught:
        SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
            edc, holder_key.as_dict(private=False), max_bytes=100_000
        )
    assert caught.value.size > 140_000 and caught.value.limit == 100_000


def test_type_metadata_shares_the_vct() -> None:
    """Type metadata names vct urn:eudi:elm:1 and elm as always disclosable."""
    metadata = elm_type_metadata()
    assert metadata["vct"] == ELM_VCT
    assert {"path": ["elm"], "sd": "always"}.items() <= metadata["claims"][0].items()


@settings(max_examples=15, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10).filter(
            lambda k: (
                k
                not in {
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
                    "elm",
                }
            )
        ),
        st.one_of(st.integers(), st.text(max_size=20), st.booleans()),
        max_size=4,
    )
)
def test_any_extra_disclosable_claims_round_trip(
    issuer_key: ECKey, holder_key: ECKey, extra: dict[str, Any]
) -> None:
    """Any extra disclosable claims are disclosed back by the reference verifier."""
    token = SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
        {"id": "urn:c:1"}, holder_key.as_dict(private=False), disclosable=extra
    )
    claims = verified(token, issuer_key)
    assert {key: claims[key] for key in extra} == extra


def test_disclosable_elm_claim_is_refused_as_reserved(
    issuer_key: ECKey, holder_key: ECKey
) -> None:
    """A disclosable ``elm`` would replace the credential; it raises InputError."""
    with pytest.raises(InputError, match="'elm': reserved"):
        SDJWTVCIssuer(issuer_key, issuer=ISSUER).issue(
            {"id": "urn:c:1"},
            holder_key.as_dict(private=False),
            disclosable={"elm": {"id": "urn:c:forged"}},
        )
