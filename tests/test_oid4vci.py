"""OpenID4VCI issuer metadata, credential offers and offer links."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from aurora_edc import (
    EDC_CONFIGURATION_ID,
    ELM_CONFIGURATION_ID,
    ELM_VCT,
    PRE_AUTHORIZED_GRANT,
    InputError,
    SDJWTVCIssuer,
    TxCode,
    create_offer,
    credential_issuer_metadata,
    elm_type_metadata,
    new_tx_code_value,
    offer_link,
    read_offer_link,
)

ISSUER = "https://issuer.example.eu"


def test_metadata_has_the_elm_sd_jwt_and_the_sealed_edc() -> None:
    """Metadata advertises the SD-JWT VC and the JAdES EDC configurations."""
    metadata = credential_issuer_metadata(ISSUER)
    configs = metadata["credential_configurations_supported"]
    assert metadata["credential_issuer"] == ISSUER
    assert metadata["credential_endpoint"] == ISSUER + "/credential"
    assert configs[ELM_CONFIGURATION_ID]["format"] == "dc+sd-jwt"
    assert configs[ELM_CONFIGURATION_ID]["cryptographic_binding_methods_supported"] == [
        "jwk"
    ]
    edc = configs[EDC_CONFIGURATION_ID]
    assert edc["format"] == "jwt_vc_json-ld"
    assert edc["credential_definition"]["type"] == [
        "VerifiableCredential",
        "EuropeanDigitalCredential",
    ]


def test_both_sd_jwt_format_names_can_be_advertised() -> None:
    """dc+sd-jwt and the draft-13 vc+sd-jwt are advertised under two ids."""
    configs = credential_issuer_metadata(
        ISSUER, sd_jwt_formats=("dc+sd-jwt", "vc+sd-jwt"), include_edc=False
    )["credential_configurations_supported"]
    formats = {config_id: config["format"] for config_id, config in configs.items()}
    assert formats == {
        ELM_CONFIGURATION_ID: "dc+sd-jwt",
        ELM_CONFIGURATION_ID + "_draft13": "vc+sd-jwt",
    }
    assert "display" in configs[ELM_CONFIGURATION_ID + "_draft13"]


def test_offer_metadata_and_credential_share_one_vct() -> None:
    """Offer, metadata, type metadata and credential share one vct (SUNET/vc #596)."""
    metadata = credential_issuer_metadata(
        ISSUER, sd_jwt_formats=("dc+sd-jwt", "vc+sd-jwt")
    )
    offer = create_offer(ISSUER, [ELM_CONFIGURATION_ID], metadata=metadata)
    holder = ECKey.generate_key("P-256").as_dict(private=False)
    token = SDJWTVCIssuer(ECKey.generate_key("P-256"), issuer=ISSUER).issue(
        {"id": "urn:c:1"}, holder
    )
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    configs = metadata["credential_configurations_supported"]
    offered = {
        configs[config_id]["vct"] for config_id in offer.credential_configuration_ids
    }
    vcts = {config["vct"] for config in configs.values() if "vct" in config}
    assert (
        offered == vcts == {elm_type_metadata()["vct"]} == {payload["vct"]} == {ELM_VCT}
    )


def test_offer_by_value_round_trips_through_the_link() -> None:
    """The by-value link carries the offer with its pre-authorized code and tx_code."""
    tx = TxCode("numeric", 6, "Sent to you by e-mail")
    offer = create_offer(ISSUER, [ELM_CONFIGURATION_ID], tx_code=tx)
    link = offer_link(offer)
    assert link.startswith("openid-credential-offer://?credential_offer=")
    read = read_offer_link(link)
    assert read == offer.to_json()
    grant = read["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["pre-authorized_code"] == offer.pre_authorized_code
    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "Sent to you by e-mail",
    }


def test_offer_by_reference() -> None:
    """The by-reference link carries only the https URI of the offer."""
    link = offer_link(offer_uri="https://issuer.example.eu/offers/abc")
    assert parse_qs(urlsplit(link).query) == {
        "credential_offer_uri": ["https://issuer.example.eu/offers/abc"]
    }
    assert read_offer_link(link) == "https://issuer.example.eu/offers/abc"


def test_offer_link_scheme_can_change() -> None:
    """Another scheme (eu-eaa-offer) can be asked for."""
    offer = create_offer(ISSUER, [ELM_CONFIGURATION_ID])
    assert offer_link(offer, scheme="eu-eaa-offer").startswith("eu-eaa-offer://?")


def test_pre_authorized_codes_are_random_and_url_safe() -> None:
    """Each offer gets a fresh 256-bit URL-safe code, hidden from repr."""
    codes = {
        create_offer(ISSUER, [ELM_CONFIGURATION_ID]).pre_authorized_code
        for _ in range(20)
    }
    assert len(codes) == 20
    for code in codes:
        assert code is not None and len(code) >= 43
        assert set(code) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
    offer = create_offer(ISSUER, [ELM_CONFIGURATION_ID])
    assert str(offer.pre_authorized_code) not in repr(offer)


def test_authorization_code_grant() -> None:
    """An offer can carry the authorization-code grant instead."""
    offer = create_offer(
        ISSUER,
        [ELM_CONFIGURATION_ID],
        pre_authorized=False,
        issuer_state="st-1",
        authorization_server="https://as.example.eu",
    )
    assert offer.to_json()["grants"] == {
        "authorization_code": {
            "issuer_state": "st-1",
            "authorization_server": "https://as.example.eu",
        }
    }


def test_unknown_configuration_is_refused() -> None:
    """An offer naming a configuration missing from the metadata is refused."""
    metadata = credential_issuer_metadata(ISSUER, include_edc=False)
    with pytest.raises(InputError, match="not in the issuer metadata"):
        create_offer(ISSUER, [EDC_CONFIGURATION_ID], metadata=metadata)


def test_http_issuer_is_refused() -> None:
    """A plain-http issuer (other than localhost) is refused."""
    with pytest.raises(InputError, match="https"):
        credential_issuer_metadata("http://issuer.example.eu")
    with pytest.raises(InputError, match="https"):
        offer_link(offer_uri="http://issuer.example.eu/offer")


def test_tx_code_without_pre_authorized_grant_is_refused() -> None:
    """tx_code only makes sense with the pre-authorized code."""
    with pytest.raises(InputError, match="tx_code"):
        create_offer(
            ISSUER,
            [ELM_CONFIGURATION_ID],
            pre_authorized=False,
            issuer_state="s",
            tx_code=TxCode(),
        )


@pytest.mark.parametrize("length", [3, 13])
def test_tx_code_length_is_bounded(length: int) -> None:
    """tx_code lengths outside 4-12 are refused."""
    with pytest.raises(InputError, match="length"):
        TxCode(length=length)


@given(st.sampled_from(["numeric", "text"]), st.integers(4, 12))
def test_tx_code_values_match_their_description(mode: str, length: int) -> None:
    """A drawn tx_code value has the announced length and alphabet."""
    value = new_tx_code_value(TxCode(mode, length))  # type: ignore[arg-type]
    assert len(value) == length
    if mode == "numeric":
        assert value.isdigit()
    else:
        assert set(value) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")


@pytest.mark.parametrize(
    "issuer",
    [f"{ISSUER}?tenant=a", f"{ISSUER}/#frag", f"{ISSUER}?", f"{ISSUER}#"],
)
def test_issuer_url_with_query_or_fragment_is_refused(issuer: str) -> None:
    """A credential issuer identifier with a query or fragment is refused."""
    with pytest.raises(InputError, match="no query or fragment"):
        create_offer(issuer, [ELM_CONFIGURATION_ID])
    with pytest.raises(InputError, match="no query or fragment"):
        credential_issuer_metadata(issuer)


@pytest.mark.parametrize("supported", ["elm_sd_jwt_vc and more", None, ["x"]])
def test_unknown_configuration_against_malformed_metadata_is_refused(
    supported: object,
) -> None:
    """Metadata whose configurations are not an object cannot vouch for an id."""
    metadata = {
        "credential_issuer": ISSUER,
        "credential_configurations_supported": supported,
    }
    with pytest.raises(InputError, match="credential_configurations_supported"):
        create_offer(ISSUER, [ELM_CONFIGURATION_ID], metadata=metadata)
