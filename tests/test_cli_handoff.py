"""``aurora-edc handoff`` and ``aurora-edc offer`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aurora_edc import ELM_VCT, read_credential_document, read_offer_link
from aurora_edc.cli import app
from europass_wallet_stub import WalletState, running_wallet, sealed_variants

SAMPLES = "elm/v3/samples"
DEPOSIT = ["handoff", "deposit", "--wallet-url"]


@pytest.fixture
def run() -> CliRunner:
    """A CLI runner that keeps stderr apart."""
    return CliRunner()


@pytest.fixture
def sealed_files(shared: Path, tmp_path: Path) -> list[Path]:
    """Three sealed variants of the EC sample, as files."""
    signed = (shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld").read_bytes()
    paths = []
    for number, data in enumerate(sealed_variants(signed, 3)):
        path = tmp_path / f"sealed-{number}.jsonld"
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_wrap_writes_the_upload_file(
    run: CliRunner, shared: Path, tmp_path: Path
) -> None:
    """Handoff wrap writes {credential, deliveryDetails.walletAddress}."""
    out = tmp_path / "upload.json"
    result = run.invoke(
        app,
        [
            "handoff",
            "wrap",
            str(shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld"),
            "-o",
            str(out),
            "--address",
            "ana@example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["deliveryDetails"] == {
        "walletAddress": "ana@example.org"
    }


def test_wrap_refuses_sealed_with_exit_2(
    run: CliRunner, shared: Path, tmp_path: Path
) -> None:
    """Handoff wrap on a sealed file exits 2 with the issuer's reason."""
    result = run.invoke(
        app,
        [
            "handoff",
            "wrap",
            str(shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld"),
            "-o",
            str(tmp_path / "u.json"),
        ],
    )
    assert result.exit_code == 2
    assert "CREDENTIALS_ALREADY_SIGNED" in result.output


def test_deposit_then_journal(
    run: CliRunner,
    sealed_files: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Handoff deposit delivers with the token from the environment; journal lists."""
    journal = tmp_path / "j.sqlite"
    monkeypatch.setenv("AURORA_EDC_WALLET_TOKEN", "t0ken")
    with running_wallet(WalletState(token="t0ken")) as (url, state):
        result = run.invoke(
            app,
            [
                "handoff",
                "deposit",
                "--wallet-url",
                url,
                "--journal",
                str(journal),
                "--user-id",
                "learner-1",
                *map(str, sealed_files),
            ],
        )
    assert result.exit_code == 0, result.output
    assert "3 delivered" in result.output and len(state.created) == 3
    shown = run.invoke(app, ["handoff", "journal", str(journal), "--format", "json"])
    assert json.loads(shown.output)["counts"]["delivered"] == 3


def test_deposit_failure_exits_1_and_resume_finishes(
    run: CliRunner, sealed_files: list[Path], tmp_path: Path
) -> None:
    """A run cut short by a down wallet exits 1; the next resumes from the journal."""
    journal = tmp_path / "j.sqlite"
    with running_wallet(WalletState(fail_first=2)) as (url, state):
        first = run.invoke(
            app,
            [
                "handoff",
                "deposit",
                "--wallet-url",
                url,
                "--journal",
                str(journal),
                "--user-id",
                "learner-1",
                "--max-attempts",
                "1",
                *map(str, sealed_files),
            ],
        )
        second = run.invoke(
            app,
            [
                "handoff",
                "deposit",
                "--wallet-url",
                url,
                "--journal",
                str(journal),
                "--retry-failed",
            ],
        )
    assert first.exit_code == 1 and "2 failed" in first.output
    assert (
        second.exit_code == 0
        and "2 delivered" in second.output
        and "1 done before" in second.output
    )
    assert len(state.created) == 3 and set(state.created.values()) == {1}


def test_deposit_without_wallet_url_is_a_usage_error(
    run: CliRunner, sealed_files: list[Path]
) -> None:
    """The wallet URL is required."""
    result = run.invoke(app, ["handoff", "deposit", str(sealed_files[0])])
    assert result.exit_code == 2


def test_size_and_limit(run: CliRunner, shared: Path) -> None:
    """Handoff size reports media and exits 1 over --limit."""
    path = str(shared / SAMPLES / "Sample-MC-Annex1-unsigned.jsonld")
    ok = run.invoke(app, ["handoff", "size", path, "--format", "json"])
    assert json.loads(ok.output)["media_bytes"] == 87_016
    over = run.invoke(app, ["handoff", "size", path, "--limit", "50000"])
    assert over.exit_code == 1 and "over the 50000-byte limit" in over.output


def test_shrink_writes_a_smaller_credential(
    run: CliRunner, shared: Path, tmp_path: Path
) -> None:
    """Handoff shrink writes the credential with smaller images."""
    source = tmp_path / "payload.jsonld"
    source.write_text(
        json.dumps(
            read_credential_document(
                shared / SAMPLES / "Sample-MC-Annex1-signed.jsonld"
            ).credential
        )
    )
    out = tmp_path / "small.jsonld"
    result = run.invoke(
        app,
        [
            "handoff",
            "shrink",
            str(source),
            "-o",
            str(out),
            "--drop-logos",
            "--limit",
            "60000",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size < 60_000


def test_offer_metadata_and_type_metadata(run: CliRunner) -> None:
    """Offer metadata advertises both SD-JWT formats; type-metadata the same vct."""
    result = run.invoke(
        app,
        [
            "offer",
            "metadata",
            "--issuer",
            "https://issuer.example.eu",
            "--sd-jwt-format",
            "dc+sd-jwt",
            "--sd-jwt-format",
            "vc+sd-jwt",
        ],
    )
    configs = json.loads(result.output)["credential_configurations_supported"]
    assert sorted(c["format"] for c in configs.values()) == [
        "dc+sd-jwt",
        "jwt_vc_json-ld",
        "vc+sd-jwt",
    ]
    vct = json.loads(run.invoke(app, ["offer", "type-metadata"]).output)["vct"]
    assert vct == ELM_VCT == configs["elm_sd_jwt_vc"]["vct"]


def test_offer_create_and_qr(run: CliRunner, tmp_path: Path) -> None:
    """Offer create prints a link with the tx_code; offer qr writes PNG and SVG."""
    result = run.invoke(
        app,
        [
            "offer",
            "create",
            "--issuer",
            "https://issuer.example.eu",
            "--tx-code",
            "numeric",
            "--tx-length",
            "4",
            "--format",
            "json",
        ],
    )
    data = json.loads(result.output)
    assert len(data["tx_code_value"]) == 4 and data["tx_code_value"].isdigit()
    assert read_offer_link(data["link"]) == data["offer"]
    png, svg = tmp_path / "o.png", tmp_path / "o.svg"
    qr = run.invoke(
        app, ["offer", "qr", data["link"], "--png", str(png), "--svg", str(svg)]
    )
    assert qr.exit_code == 0, qr.output
    assert png.read_bytes().startswith(b"\x89PNG") and b"<svg" in svg.read_bytes()


def test_offer_by_reference_writes_the_offer(run: CliRunner, tmp_path: Path) -> None:
    """With --by-reference the link holds the URI and the offer goes to a file."""
    offer_file = tmp_path / "offer.json"
    result = run.invoke(
        app,
        [
            "offer",
            "create",
            "--issuer",
            "https://issuer.example.eu",
            "--by-reference",
            "https://issuer.example.eu/o/1",
            "--offer-output",
            str(offer_file),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "credential_offer_uri=https%3A%2F%2Fissuer.example.eu%2Fo%2F1" in result.output
    )
    assert (
        json.loads(offer_file.read_text())["credential_issuer"]
        == "https://issuer.example.eu"
    )


def test_offer_http_issuer_exits_2(run: CliRunner) -> None:
    """A non-https issuer is unusable input."""
    result = run.invoke(
        app, ["offer", "create", "--issuer", "http://issuer.example.eu"]
    )
    assert result.exit_code == 2


def test_deposit_wallet_token_with_crlf_exits_2_without_echo(
    run: CliRunner,
    sealed_files: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A token with CR/LF is refused before any request and never printed."""
    monkeypatch.setenv("AURORA_EDC_WALLET_TOKEN", "tok-SECRET-123\r\nX-Injected: yes")
    with running_wallet() as (url, state):
        result = run.invoke(
            app,
            [
                *DEPOSIT,
                url,
                "--journal",
                str(tmp_path / "j.sqlite"),
                "--user-id",
                "learner-1",
                str(sealed_files[0]),
            ],
        )

    assert result.exit_code == 2
    assert "visible ASCII" in result.output and "SECRET" not in result.output
    assert state.requests == []


@pytest.mark.parametrize("option", [("--user-id", ".."), ("--email", "..")])
def test_deposit_recipient_dot_dot_path_traversal_exits_2(
    run: CliRunner,
    sealed_files: list[Path],
    tmp_path: Path,
    option: tuple[str, str],
) -> None:
    """A recipient of ``..`` is refused instead of posting to another route."""
    with running_wallet() as (url, state):
        result = run.invoke(
            app,
            [
                *DEPOSIT,
                url,
                "--journal",
                str(tmp_path / "j.sqlite"),
                *option,
                str(sealed_files[0]),
            ],
        )

    assert result.exit_code == 2 and "recipient" in result.output
    assert state.requests == []


def test_offer_create_unknown_configuration_with_metadata_exits_2(
    run: CliRunner, tmp_path: Path
) -> None:
    """With --metadata, a --config id the issuer does not offer is refused."""
    metadata = tmp_path / "meta.json"
    issuer = "https://issuer.example.eu"
    written = run.invoke(
        app, ["offer", "metadata", "--issuer", issuer, "-o", str(metadata)]
    )
    assert written.exit_code == 0, written.output
    create = ["offer", "create", "--issuer", issuer, "--metadata", str(metadata)]

    refused = run.invoke(app, [*create, "--config", "no_such_config"])
    accepted = run.invoke(app, create)

    assert refused.exit_code == 2 and "not in the issuer metadata" in refused.output
    assert accepted.exit_code == 0, accepted.output
