"""Europass route: file shapes, upload wrapper, deposit files, wallet client."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
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
from europass_wallet_stub import Reply, WalletState, running_wallet, sealed_variants

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


SECRET = "tok-SECRET-123"


@pytest.mark.parametrize(
    "token",
    [f"{SECRET}\r\nX-Injected: yes", f"{SECRET}\n", f"{SECRET} x", f"{SECRET}é"],
    ids=["crlf-header", "lf", "space", "non-ascii"],
)
def test_wallet_token_with_crlf_or_non_ascii_is_refused_without_echo(
    token: str,
) -> None:
    """A token with CR/LF, space or non-ASCII fails at config time, unquoted."""
    with pytest.raises(InputError, match="visible ASCII") as caught:
        EuropassWalletConfig("https://wallet.test", token=token)

    assert "SECRET" not in str(caught.value)


def test_wallet_token_leak_local_protocol_error_is_neither_echoed_nor_retried(
    signed: bytes,
) -> None:
    """A LocalProtocolError quoting the token fails at once, without its text."""
    calls: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.LocalProtocolError(f"Illegal header value b'Bearer {SECRET}'")

    config = fast("http://127.0.0.1:9", token=SECRET, max_attempts=4)
    client = EuropassWalletClient(config, transport=httpx.MockTransport(refuse))
    with client, pytest.raises(HandoffError, match="could not be formed") as caught:
        client.deposit(signed, LEARNER)

    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None
    assert len(calls) == 1


def test_wallet_token_leak_echoed_by_the_server_is_redacted(signed: bytes) -> None:
    """A wallet that echoes the token in its error has it redacted."""
    echo = Reply(400, body=json.dumps({"message": f"bad token {SECRET}"}).encode())
    with pytest.raises(HandoffError, match=r"bad token \[token\]") as caught:
        deposit_to(WalletState(replies=[echo]), signed, token=SECRET)

    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("user_id", "email"),
    [("..", None), (".", None), ("../x", None), (None, ".."), (None, "a@..")],
)
def test_recipient_dot_dot_path_traversal_is_refused(
    user_id: str | None, email: str | None
) -> None:
    """User ids and e-mails that could climb out of the deposit route are refused."""
    with pytest.raises(InputError, match="recipient"):
        WalletRecipient(user_id=user_id, email=email)


@given(st.from_regex(r"[A-Za-z0-9_~@+-][A-Za-z0-9._~@+/-]{0,20}", fullmatch=True))
def test_recipient_paths_stay_in_their_segment(user_id: str) -> None:
    """An accepted user id is one path segment: no slash, never a dot segment."""
    try:
        path = WalletRecipient(user_id=user_id).path()
    except InputError:
        assert "/" in user_id
        return

    assert path.count("/") == 4
    assert path.split("/")[3] not in (".", "..")


def test_slow_drip_server_is_cut_at_the_overall_deadline(signed: bytes) -> None:
    """A wallet dripping one byte per 0.2 s is abandoned at the deadline."""
    drip = Reply(201, body=b'{"uuid": "x"}', drip=0.2)
    started = time.monotonic()
    with pytest.raises(HandoffError, match="no complete answer within 2 s"):
        deposit_to(
            WalletState(replies=[drip]),
            signed,
            timeout=1.0,
            deadline=2.0,
            max_attempts=1,
        )

    assert time.monotonic() - started < 10


def test_huge_response_body_is_read_only_up_to_the_limit(signed: bytes) -> None:
    """Of a 32 MB error body the client reads a bounded prefix and hangs up."""
    huge = Reply(500, body=b'{"message": "', filler=32 * 1024 * 1024)
    with pytest.raises(HandoffError, match="HTTP 500"):
        deposit_to(WalletState(replies=[huge]), signed, max_attempts=1)

    assert huge.sent < 16 * 1024 * 1024


@pytest.mark.parametrize("code", [200, 202, 204])
def test_only_201_counts_as_delivered(signed: bytes, code: int) -> None:
    """A 2xx other than 201 is an error to investigate, not a delivery."""
    state = WalletState(replies=[Reply(code)])
    with pytest.raises(HandoffError, match="not 201 Created") as caught:
        deposit_to(state, signed)

    assert caught.value.status == code
    assert len(state.requests) == 1


def test_429_is_retried_after_retry_after(signed: bytes) -> None:
    """A 429 with Retry-After is retried like a 5xx, then the 201 counts."""
    state = WalletState(replies=[Reply(429, headers={"Retry-After": "0"})])
    outcome = deposit_to(state, signed)

    assert (outcome.status, outcome.attempts) == (DepositStatus.DELIVERED, 2)
