"""``aurora-edc seal`` and ``aurora-edc verify``: files, passwords, exit codes."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from aurora_edc.cli import app
from aurora_edc.testing import SealFiles, TestPKI, TimestampAuthority

runner = CliRunner()
PASSWORD = "cli-test-password"
# The EC sample's seal CA and TSA root, as a trusted list would supply them.
ANCHOR_SUBJECTS = (
    "CN=ANF AC Qualified Certificates for eSeal,",
    "C=LU,OU=PKI-TEST,O=Nowina Solutions,CN=root-ca",
)


@pytest.fixture()
def credential(tmp_path: Path, unsealed_edc: dict[str, Any]) -> Path:
    """The unsealed credential written as a .jsonld file."""
    path = tmp_path / "credential.jsonld"
    path.write_text(json.dumps(unsealed_edc), encoding="utf-8")
    return path


@pytest.fixture()
def key_files(tmp_path: Path, test_pki: TestPKI) -> SealFiles:
    """Key, certificate, chain and an encrypted PKCS#12 of a P-256 seal."""
    directory = tmp_path / "keys"
    directory.mkdir()
    return test_pki.issue_seal(key="p256").write(directory, password=PASSWORD.encode())


@pytest.fixture()
def root_pem(tmp_path: Path, test_pki: TestPKI) -> Path:
    """The test root CA as a PEM trust file."""
    path = tmp_path / "root.pem"
    path.write_bytes(test_pki.root.public_bytes(Encoding.PEM))
    return path


def _seal(credential: Path, key_files: SealFiles, out: Path, *extra: str) -> Any:
    return runner.invoke(
        app,
        [
            "seal",
            str(credential),
            "--key",
            str(key_files.pkcs12),
            "--password-env",
            "AURORA_TEST_PASSWORD",
            "--out",
            str(out),
            *extra,
        ],
        env={"AURORA_TEST_PASSWORD": PASSWORD},
    )


def test_seal_then_verify_with_trust_exits_0(
    credential: Path, key_files: SealFiles, root_pem: Path, tmp_path: Path
) -> None:
    """Sealing a JSON-LD file writes JAdES that verifies with the root as trust."""
    out = tmp_path / "sealed.jsonld"

    sealed = _seal(credential, key_files, out)
    verified = runner.invoke(app, ["verify", str(out), "--trust", str(root_pem)])

    assert sealed.exit_code == 0, sealed.output
    assert "JAdES B-B, ES256" in sealed.output
    assert verified.exit_code == 0, verified.output
    assert "TOTAL_PASSED" in verified.output


def test_verify_without_trust_exits_1(
    credential: Path, key_files: SealFiles, tmp_path: Path
) -> None:
    """Without --trust the verdict is INDETERMINATE and the exit code 1."""
    out = tmp_path / "sealed.jsonld"
    _seal(credential, key_files, out)

    result = runner.invoke(app, ["verify", str(out), "--format", "json"])

    assert result.exit_code == 1
    report = json.loads(result.output)[0]
    assert report["indication"] == "INDETERMINATE"
    assert report["format"] == "JAdES"


def test_seal_with_tsa_is_b_t(
    credential: Path,
    key_files: SealFiles,
    root_pem: Path,
    tsa: TimestampAuthority,
    tmp_path: Path,
) -> None:
    """--tsa adds a signature time-stamp: the report shows level B-T."""
    out = tmp_path / "sealed.jsonld"

    sealed = _seal(credential, key_files, out, "--tsa", tsa.url)
    verified = runner.invoke(
        app, ["verify", str(out), "--trust", str(root_pem), "--format", "json"]
    )

    assert sealed.exit_code == 0, sealed.output
    assert json.loads(verified.output)[0]["level"] == "B-T"


def test_seal_with_pem_key_cert_and_chain(
    credential: Path, test_pki: TestPKI, tmp_path: Path
) -> None:
    """An unencrypted PEM key with --cert and --chain needs no password."""
    files = test_pki.issue_seal(key="p256").write(tmp_path)
    out = tmp_path / "sealed.jsonld"

    result = runner.invoke(
        app,
        [
            "seal",
            str(credential),
            "--key",
            str(files.key),
            "--cert",
            str(files.cert),
            "--chain",
            str(files.chain),
            "--out",
            str(out),
        ],
    )

    assert result.exit_code == 0, result.output
    assert json.loads(out.read_bytes())["signatures"]


def test_missing_password_variable_exits_2(
    credential: Path, key_files: SealFiles, tmp_path: Path
) -> None:
    """A --password-env naming an unset variable is unusable input (exit 2)."""
    result = runner.invoke(
        app,
        [
            "seal",
            str(credential),
            "--key",
            str(key_files.pkcs12),
            "--password-env",
            "AURORA_TEST_UNSET_VARIABLE",
            "--out",
            str(tmp_path / "x.jsonld"),
        ],
    )

    assert result.exit_code == 2
    assert "AURORA_TEST_UNSET_VARIABLE" in result.output
    assert PASSWORD not in result.output


def test_other_organisation_exits_1(
    credential: Path, test_pki: TestPKI, tmp_path: Path
) -> None:
    """A certificate of another organisation fails the issuer check: exit 1."""
    files = test_pki.issue_seal(key="p256", organization_identifier="VATNL-1").write(
        tmp_path
    )

    result = runner.invoke(
        app,
        [
            "seal",
            str(credential),
            "--key",
            str(files.key),
            "--cert",
            str(files.cert),
            "--out",
            str(tmp_path / "x.jsonld"),
        ],
    )

    assert result.exit_code == 1
    assert "VATNL-1" in result.output


def test_verify_unusable_file_exits_2(tmp_path: Path) -> None:
    """A file that is no seal at all is reported UNUSABLE with exit 2."""
    path = tmp_path / "plain.json"
    path.write_text('{"hello": "world"}')

    result = runner.invoke(app, ["verify", str(path)])

    assert result.exit_code == 2
    assert "UNUSABLE" in result.output


def test_verify_ec_sample_with_its_anchors_exits_0(
    shared: Path, tmp_path: Path
) -> None:
    """The EC sample passes when its CA and TSA root are given as --trust."""
    sample = shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"
    etsiu = json.loads(sample.read_bytes())["signatures"][0]["header"]["etsiU"]
    entries = [json.loads(base64.urlsafe_b64decode(e + "==")) for e in etsiu]
    values = next(e["xVals"] for e in entries if "xVals" in e)
    certificates = [
        x509.load_der_x509_certificate(base64.b64decode(v["x509Cert"]["val"]))
        for v in values
    ]
    anchors = [
        c
        for c in certificates
        if c.subject.rfc4514_string().startswith(ANCHOR_SUBJECTS)
    ]
    pem = b"".join(c.public_bytes(Encoding.PEM) for c in anchors)
    trust = tmp_path / "ec-anchors.pem"
    trust.write_bytes(pem)

    result = runner.invoke(app, ["verify", str(sample), "--trust", str(trust)])

    assert len(anchors) == 2
    assert result.exit_code == 0, result.output
    assert "proven time: 2023-09-27T11:54:20+00:00" in result.output


def test_verify_routes_xml_to_xades(shared: Path) -> None:
    """An XML seal is verified as XAdES (exit 1: no anchors given)."""
    sample = shared / "elm/v2/samples/EDC_DiplomaSupplement_AA_signed.xml"

    result = runner.invoke(app, ["verify", str(sample), "--format", "json"])

    assert result.exit_code == 1, result.output
    assert json.loads(result.output)[0]["format"] == "XAdES"


def test_verify_fifo_and_device_do_not_hang(
    credential: Path, key_files: SealFiles, root_pem: Path, tmp_path: Path
) -> None:
    """Verify refuses a FIFO and /dev/zero (exit 2) and still reports the others."""
    out = tmp_path / "sealed.jsonld"
    assert _seal(credential, key_files, out).exit_code == 0
    fifo = tmp_path / "pipe.jsonld"
    os.mkfifo(fifo)
    files = [str(fifo), str(out), "/dev/zero"]

    result = runner.invoke(
        app, ["verify", *files, "--trust", str(root_pem), "--format", "json"]
    )

    reports = json.loads(result.stdout)
    assert result.exit_code == 2
    assert [r["source"] for r in reports] == files
    assert "FIFO" in reports[0]["error"] and "device" in reports[2]["error"]
    assert reports[1]["indication"] == "TOTAL_PASSED"


def test_verify_trust_device_does_not_hang(tmp_path: Path) -> None:
    """--trust /dev/zero is refused with exit 2, not read forever."""
    result = runner.invoke(
        app, ["verify", str(tmp_path / "x.jsonld"), "--trust", "/dev/zero"]
    )

    assert result.exit_code == 2
    assert "device" in result.output


def test_seal_fifo_does_not_hang(key_files: SealFiles, tmp_path: Path) -> None:
    """Seal refuses a FIFO as credential and as key (exit 2)."""
    fifo = tmp_path / "pipe.jsonld"
    os.mkfifo(fifo)

    as_credential = _seal(fifo, key_files, tmp_path / "out.jsonld")
    as_key = runner.invoke(
        app,
        ["seal", str(fifo), "--key", str(fifo), "--out", str(tmp_path / "o")],
    )

    assert as_credential.exit_code == 2 and "FIFO" in as_credential.output
    assert as_key.exit_code == 2 and "FIFO" in as_key.output


def test_verify_malformed_seal_crash(tmp_path: Path, shared: Path) -> None:
    """A seal with a crit object is reported FORMAT_FAILURE (exit 1), no traceback."""
    sample = shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld"
    document = json.loads(sample.read_bytes())
    entry = document["signatures"][0] if "signatures" in document else document
    header = json.loads(base64.urlsafe_b64decode(entry["protected"] + "=="))
    header["crit"] = [{"b64": False}]
    entry["protected"] = (
        base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    )
    path = tmp_path / "crit.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = runner.invoke(app, ["verify", str(path)])

    assert result.exit_code == 1, result.output
    assert "FORMAT_FAILURE" in result.output
