"""VC 1.1 presentations wrapping sealed EDCs, optionally signed as JWT."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from aurora_edc import (
    Indication,
    InputError,
    KeyMaterialError,
    VerificationError,
    build_presentation,
    read_credential_document,
    seal_jades,
    sign_presentation,
    verify_jades,
    verify_presentation,
)
from aurora_edc.testing import TestPKI
from europass_wallet_stub import sealed_variants

VERIFIER = "https://verifier.example.eu"


@pytest.fixture(scope="module")
def signed(shared: Path) -> bytes:
    """The EC sealed sample."""
    return (shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld").read_bytes()


def test_presentation_embeds_seals_unchanged(signed: bytes) -> None:
    """Each sealed credential is embedded as its JAdES object, payload bytes intact."""
    variants = sealed_variants(signed, 2)
    presentation = build_presentation([signed, *variants], holder="did:example:ana")
    assert presentation["type"] == ["VerifiablePresentation"]
    assert presentation["@context"] == ["https://www.w3.org/2018/credentials/v1"]
    assert presentation["holder"] == "did:example:ana"
    assert presentation["id"].startswith("urn:uuid:")
    embedded = presentation["verifiableCredential"]
    assert embedded[0] == json.loads(signed)
    assert read_credential_document(embedded[0]).credential_id.startswith(
        "urn:credential:"
    )


def test_holder_is_optional(signed: bytes) -> None:
    """Without a holder, the presentation has no holder property."""
    assert "holder" not in build_presentation([signed])


def test_unsigned_credential_is_refused(shared: Path) -> None:
    """Only sealed credentials go into a presentation."""
    with pytest.raises(InputError, match="not sealed"):
        build_presentation([shared / "elm/v3/samples/Sample-MC-Annex1-unsigned.jsonld"])


def test_empty_presentation_is_refused() -> None:
    """A presentation needs at least one credential."""
    with pytest.raises(InputError, match="at least one"):
        build_presentation([])


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (ECKey.generate_key("P-256"), "ES256"),
        (RSAKey.generate_key(2048), "PS256"),
        (OKPKey.generate_key("Ed25519"), "Ed25519"),
    ],
)
def test_signed_presentation_verifies(signed: bytes, key: ECKey, alg: str) -> None:
    """A signed presentation is a JWT whose vp, aud and nonce verify with joserfc."""
    presentation = build_presentation([signed], holder="did:example:ana")
    token = sign_presentation(presentation, key, audience=VERIFIER, nonce="n-7")
    registry = JWSRegistry(algorithms=[alg])
    registry.max_payload_length = 1 << 20  # joserfc's default stops at 128 kB
    decoded = jwt.decode(token, key, registry=registry)
    assert decoded.header["alg"] == alg
    assert (
        decoded.claims["iss"] == "did:example:ana"
        and decoded.claims["jti"] == presentation["id"]
    )
    assert (
        verify_presentation(token, key, audience=VERIFIER, nonce="n-7") == presentation
    )


def test_wrong_nonce_or_key_fails(signed: bytes) -> None:
    """Another nonce or another key fails verification."""
    key = ECKey.generate_key("P-256")
    token = sign_presentation(build_presentation([signed]), key, nonce="n-1")
    with pytest.raises(VerificationError, match="nonce"):
        verify_presentation(token, key, nonce="n-2")
    with pytest.raises(VerificationError):
        verify_presentation(token, ECKey.generate_key("P-256"))


def test_public_key_cannot_sign(signed: bytes) -> None:
    """Signing needs the private key."""
    public = ECKey.generate_key("P-256").as_dict(private=False)
    with pytest.raises(KeyMaterialError, match="private"):
        sign_presentation(build_presentation([signed]), public)


def test_embedded_seal_still_verifies(
    unsealed_edc: dict[str, Any], test_pki: TestPKI
) -> None:
    """A JAdES seal taken back out of a signed presentation verifies."""
    seal = test_pki.issue_seal(organization_identifier="VATBE-0123456789", key="p256")
    sealed = seal_jades(unsealed_edc, seal.seal_key())
    key = ECKey.generate_key("P-256")
    token = sign_presentation(build_presentation([sealed]), key, nonce="n")
    (embedded,) = verify_presentation(token, key, nonce="n")["verifiableCredential"]
    report = verify_jades(json.dumps(embedded).encode(), trust=[test_pki.root])
    assert report.indication is Indication.TOTAL_PASSED


def test_regression_joserfc_128kb_payload_cap(signed: bytes) -> None:
    """A presentation over joserfc's default 128 kB payload cap still verifies."""
    key = ECKey.generate_key("P-256")
    token = sign_presentation(build_presentation([signed, signed]), key)
    assert len(token) > 300_000
    assert len(verify_presentation(token, key)["verifiableCredential"]) == 2


@pytest.mark.parametrize(
    "payload",
    [b'{"iss": "x"}', b'{"vp": "text"}', b"[1, 2]", b'"text"', b"7"],
    ids=["no-vp", "vp-string", "array", "string", "number"],
)
def test_jwt_without_vp_or_object_payload_raises_verification_error(
    payload: bytes,
) -> None:
    """A JWT without a vp object, or whose payload is no object, fails verification."""
    key = ECKey.generate_key("P-256")
    token = jws.serialize_compact({"alg": "ES256"}, payload, key)

    with pytest.raises(VerificationError, match="presentation JWT"):
        verify_presentation(token, key)


def test_aud_array_containing_the_expected_audience_is_accepted() -> None:
    """An aud array holding the verifier passes; one without it fails."""
    key = ECKey.generate_key("P-256")
    claims = {"aud": [VERIFIER, "https://other.example"], "vp": {"type": ["VP"]}}
    token = jws.serialize_compact({"alg": "ES256"}, json.dumps(claims), key)

    assert verify_presentation(token, key, audience=VERIFIER) == claims["vp"]
    with pytest.raises(VerificationError, match="aud"):
        verify_presentation(token, key, audience="https://third.example")
