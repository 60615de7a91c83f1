"""Europass route: file shapes, upload wrapper, deposit files, wallet client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_edc import (
    AlreadySealedError,
    DepositOutcome,
    DepositStatus,
    DocumentKind,
    EuropassWalletClient,
    EuropassWalletConfig,
    HandoffError,
    InputError,
    WalletRecipient,
    deposit_file_name,
    read_credential_document,
    wrap_for_upload,
    write_deposit_file,
    write_upload_file,
)
from europass_wallet_stub import WalletState, running_wallet, sealed_variants

SAMPLES = "elm/v3/samples"


@pytest.fixture(scope="module")
def unsigned(shared: Path) -> bytes:
    """The EC unsigned micro-credential sample."""
    return (shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld").read_bytes()


@pytest.fixture(scope="module")
def signed(shared: Path) -> bytes:
    """The EC sealed (JAdES) micro-credential sample."""
    return (shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld").read_bytes()


def fast(base_url: str, **options: object) -> EuropassWalletConfig:
    """A client configuration that retries without waiting long."""
    settings: dict[str, object] = {"backoff_initial": 0.01, "backoff_max": 0.05}
    settings.update(options)
    return EuropassWalletConfig(base_url, **settings)  # type: ignore[arg-type]


def test_reads_the_three_ec_file_shapes(shared: Path) -> None:
    """The unsigned, uploadable and sealed EC samples open as their kinds."""
    folder = shared / SAMPLES
    kinds = {
        name: read_credential_document(folder / name).kind
        for name in (
            "Sample-MC-Annex1-unsigned.jsonld",
            "Sample-MC-Annex1-unsigned-uploadable.json",
            "Sample-MC-Annex1-signed.jsonld",
        )
    }
    assert list(kinds.values()) == [
        DocumentKind.UNSIGNED,
        DocumentKind.UPLOADABLE,
        DocumentKind.SEALED,
    ]


def test_sealed_payload_is_the_credential(signed: bytes) -> None:
    """The sealed sample's unencoded payload (b64 false) is read as the EDC."""
    document = read_credential_document(signed)
    assert (
        document.credential_id == "urn:credential:1018d05f-21d5-4555-b7f0-8fabfd22ca75"
    )
    assert "issued" in document.credential
    assert document.raw == signed


def test_credential_without_id_is_refused() -> None:
    """A credential without id is refused, as the Europass wallet does."""
    with pytest.raises(InputError, match="credential id"):
        read_credential_document({"@context": [], "type": ["VerifiableCredential"]})


def test_unknown_shape_names_its_keys() -> None:
    """A JSON object of no known shape is refused with its keys shown."""
    with pytest.raises(InputError, match="found keys"):
        read_credential_document(b'{"hello": 1}')


def test_oversized_document_is_refused_before_parsing(unsigned: bytes) -> None:
    """A document over the size limit is refused."""
    with pytest.raises(InputError, match="limit"):
        read_credential_document(unsigned, max_bytes=1000)


def test_wrapper_matches_the_ec_uploadable_sample(
    shared: Path, unsigned: bytes
) -> None:
    """The wrapper of the EC unsigned sample has the shape of its uploadable one."""
    ec = json.loads(
        (shared / SAMPLES / "Sample-MC-Annex1-unsigned-uploadable.json").read_text()
    )
    wrapper = wrap_for_upload(json.loads(unsigned))
    assert set(wrapper) == set(ec) == {"credential"}
    assert wrapper["credential"]["id"] == ec["credential"]["id"]


@pytest.mark.parametrize("field", ["walletAddress", "deliveryAddress"])
def test_delivery_address_field_round_trips(unsigned: bytes, field: str) -> None:
    """Both delivery keys (EC walletAddress, eduNEXT deliveryAddress) are read back."""
    wrapper = wrap_for_upload(
        json.loads(unsigned),
        address="ana@example.org",
        address_field=field,  # type: ignore[arg-type]
    )
    document = read_credential_document(wrapper)
    assert (document.delivery_address, document.delivery_field) == (
        "ana@example.org",
        field,
    )
    assert wrap_for_upload(document)["deliveryDetails"] == {
        "walletAddress": "ana@example.org"
    }


def test_eduNEXT_wrapper_is_rewritten_with_the_ec_key(unsigned: bytes) -> None:
    """Re-wrapping an eduNEXT deliveryAddress wrapper writes walletAddress."""
    edunext = {
        "credential": json.loads(unsigned),
        "deliveryDetails": {"deliveryAddress": "a@b.eu"},
    }
    assert wrap_for_upload(read_credential_document(edunext))["deliveryDetails"] == {
        "walletAddress": "a@b.eu"
    }


def test_wrapper_refuses_a_sealed_credential(signed: bytes) -> None:
    """A sealed credential is refused, as the EC issuer refuses it."""
    with pytest.raises(AlreadySealedError, match="CREDENTIALS_ALREADY_SIGNED"):
        wrap_for_upload(json.loads(signed))


def test_upload_file_must_be_json(tmp_path: Path, unsigned: bytes) -> None:
    """The upload file is written as .json, and another suffix is refused."""
    wrapper = wrap_for_upload(json.loads(unsigned))
    written = write_upload_file(wrapper, tmp_path / "upload.json")
    assert json.loads(written.read_text()) == wrapper
    with pytest.raises(InputError, match=r"\.json"):
        write_upload_file(wrapper, tmp_path / "upload.jsonld")


def test_deposit_file_keeps_the_sealed_bytes(tmp_path: Path, signed: bytes) -> None:
    """The deposit file is the sealed file byte for byte; rewriting is a no-op."""
    path = write_deposit_file(signed, tmp_path)
    assert path.read_bytes() == signed
    assert write_deposit_file(signed, tmp_path) == path
    assert path.name == "urn_credential_1018d05f-21d5-4555-b7f0-8fabfd22ca75.jsonld"


def test_deposit_file_refuses_a_clash(tmp_path: Path, signed: bytes) -> None:
    """A different file for the same credential id is not overwritten."""
    path = write_deposit_file(signed, tmp_path)
    path.write_bytes(signed + b"\n")
    with pytest.raises(InputError, match="different sealed file"):
        write_deposit_file(signed, tmp_path)


def test_deposit_file_refuses_unsigned(tmp_path: Path, unsigned: bytes) -> None:
    """An unsigned credential is not written for deposit."""
    with pytest.raises(InputError, match="not sealed"):
        write_deposit_file(unsigned, tmp_path)


@given(st.text(min_size=1, max_size=80))
def test_deposit_file_name_is_portable(credential_id: str) -> None:
    """Any credential id gives a file name of safe characters ending in .jsonld."""
    name = deposit_file_name(credential_id)
    assert name.endswith(".jsonld")
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in name)
    assert "/" not in name and not name.startswith(".")


LEARNER = WalletRecipient(user_id="learner-1")


def deposit_to(
    state: WalletState,
    data: bytes,
    recipient: WalletRecipient = LEARNER,
    **options: object,
) -> DepositOutcome:
    """Start a stub wallet with ``state`` and deposit ``data`` once."""
    with (
        running_wallet(state) as (url, _),
        EuropassWalletClient(fast(url, **options)) as c,
    ):
        return c.deposit(data, recipient)


def test_deposit_creates_then_reports_duplicate(signed: bytes) -> None:
    """A first deposit is 201 delivered; the same id again is 409 already delivered."""
    with running_wallet() as (url, state), EuropassWalletClient(fast(url)) as client:
        first = client.deposit(signed, LEARNER)
        second = client.deposit(signed, LEARNER)
    assert (first.status, first.http_status) == (DepositStatus.DELIVERED, 201)
    assert (second.status, second.http_status) == (DepositStatus.ALREADY_DELIVERED, 409)
    assert state.stored[("user:learner-1", first.credential_id)] != b""
    assert state.requests[0][1] == {"sendEmail": ["true"]}


def test_deposit_by_email_sends_query_options(signed: bytes) -> None:
    """The e-mail route is used and sendEmail/locale reach the wallet."""
    state = WalletState()
    recipient = WalletRecipient(email="ana+edc@example.org")
    deposit_to(state, signed, recipient, send_email=False, locale="fr")
    path, query = state.requests[0]
    assert path == "/api/v1/wallets/email/ana%2Bedc%40example.org/credentials"
    assert query == {"sendEmail": ["false"], "locale": ["fr"]}


def test_flaky_wallet_is_retried(signed: bytes) -> None:
    """Two 503 answers are retried with back-off, then the 201 counts."""
    state = WalletState(fail_first=2)
    outcome = deposit_to(state, signed)
    assert (outcome.status, outcome.attempts) == (DepositStatus.DELIVERED, 3)
    assert sum(state.created.values()) == 1


def test_retries_are_bounded(signed: bytes) -> None:
    """A wallet that keeps answering 503 makes the client give up after max_attempts."""
    state = WalletState(fail_first=10)
    with pytest.raises(HandoffError, match="gave up after 3 attempts") as caught:
        deposit_to(state, signed, max_attempts=3)
    assert caught.value.status == 503
    assert len(state.requests) == 3


def test_connection_refused_is_retried_then_reported(signed: bytes) -> None:
    """A closed port fails as a HandoffError without status after the bounded tries."""
    with running_wallet() as (url, _):
        dead = url
    client = EuropassWalletClient(fast(dead, max_attempts=2))
    with client, pytest.raises(HandoffError, match="ConnectError") as caught:
        client.deposit(signed, LEARNER)
    assert caught.value.status is None


def test_unknown_wallet_is_404_with_message(signed: bytes) -> None:
    """A 404 names the recipient and carries the server's message."""
    nobody = WalletRecipient(user_id="nobody")
    with pytest.raises(HandoffError, match=r"no wallet for user:nobody.*found") as e:
        deposit_to(WalletState(), signed, nobody)
    assert e.value.status == 404


def test_invalid_credential_is_400_with_message(signed: bytes) -> None:
    """A 400 says the wallet found no valid EDC, with its message."""
    state = WalletState(invalid={read_credential_document(signed).credential_id})
    with pytest.raises(HandoffError, match=r"not a valid Europass.*UNSIGNED") as e:
        deposit_to(state, signed)
    assert e.value.status == 400


def test_token_is_sent_in_the_auth_header(signed: bytes) -> None:
    """The token goes in the Authorization header; without it the wallet answers 401."""
    assert (
        deposit_to(WalletState(token="s3cret"), signed, token="s3cret").http_status
        == 201
    )
    with pytest.raises(HandoffError) as caught:
        deposit_to(WalletState(token="s3cret"), signed)
    assert caught.value.status == 401


def test_token_is_not_in_the_config_repr() -> None:
    """The token never shows in the configuration's repr."""
    config = EuropassWalletConfig("https://wallet.test", token="s3cret")
    assert "s3cret" not in repr(config)


def test_client_refuses_unsigned(unsigned: bytes) -> None:
    """The client refuses to send an unsigned credential."""
    client = EuropassWalletClient(fast("http://127.0.0.1:9"))
    with client, pytest.raises(InputError, match="sealed credentials only"):
        client.deposit(unsigned, LEARNER)


def test_many_variants_each_stored_once(signed: bytes) -> None:
    """Distinct sealed variants are each stored once."""
    variants = sealed_variants(signed, 3)
    with running_wallet() as (url, state), EuropassWalletClient(fast(url)) as client:
        for data in variants:
            client.deposit(data, LEARNER)
    assert sorted(state.created.values()) == [1, 1, 1]


@pytest.mark.parametrize("key", ["user:", "mail:x", "nothing"])
def test_bad_recipient_keys_are_refused(key: str) -> None:
    """Recipient keys other than user:<id> and email:<address> are refused."""
    with pytest.raises(InputError, match="recipient"):
        WalletRecipient.from_key(key)
