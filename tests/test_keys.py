"""Seal keys: loading from PEM and PKCS#12, the key policy, secrecy, caching."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora_edc import KeyMaterialError, SealKey, load_seal_key
from aurora_edc.testing import IssuedCertificate, TestPKI

PASSWORD = b"correct horse battery staple"


@pytest.fixture(scope="module")
def rsa_seal(test_pki: TestPKI) -> IssuedCertificate:
    """An RSA-2048 seal certificate of VATBE-0123456789."""
    return test_pki.issue_seal(key="rsa2048")


def test_load_pem_key_cert_and_chain(
    rsa_seal: IssuedCertificate, tmp_path: Path
) -> None:
    """PEM key, certificate and chain files give an RS256 key with its chain."""
    files = rsa_seal.write(tmp_path)

    key = load_seal_key(files.key, files.cert, files.chain)

    assert key.algorithm == "RS256"
    assert key.certificate == rsa_seal.certificate
    assert key.chain == rsa_seal.chain
    assert key.organization_identifier == "VATBE-0123456789"


def test_load_encrypted_pkcs12_with_password(
    rsa_seal: IssuedCertificate, tmp_path: Path
) -> None:
    """A password-protected PKCS#12 bundle carries key, certificate and chain."""
    files = rsa_seal.write(tmp_path, password=PASSWORD)

    key = load_seal_key(files.pkcs12, password=PASSWORD)

    assert key.certificate == rsa_seal.certificate
    assert len(key.chain) == 2


def test_wrong_password_is_refused_without_echo(
    rsa_seal: IssuedCertificate, tmp_path: Path
) -> None:
    """A wrong password gives KeyMaterialError that does not repeat it."""
    files = rsa_seal.write(tmp_path, password=PASSWORD)

    with pytest.raises(KeyMaterialError) as caught:
        load_seal_key(files.pkcs12, password=b"hunter2-wrong")

    assert "hunter2" not in str(caught.value)
    assert "seal.p12" in str(caught.value)


def test_encrypted_pem_without_password_is_refused(
    rsa_seal: IssuedCertificate, tmp_path: Path
) -> None:
    """An encrypted PEM key without a password names the missing password."""
    files = rsa_seal.write(tmp_path, password=PASSWORD)

    with pytest.raises(KeyMaterialError, match="password"):
        load_seal_key(files.key, files.cert)


def test_repr_shows_no_key_material(rsa_seal: IssuedCertificate) -> None:
    """repr() names algorithm and subject, never the private numbers."""
    key = rsa_seal.seal_key()
    private = key.private_key.private_numbers()  # type: ignore[union-attr]

    text = repr(key)

    assert "RS256" in text and "VATBE-0123456789" in text
    assert str(private.d)[:20] not in text
    assert str(private.p)[:20] not in text


def test_loaded_once_per_file_version(
    rsa_seal: IssuedCertificate, tmp_path: Path
) -> None:
    """The same unchanged files give the same object; a touched file reloads."""
    files = rsa_seal.write(tmp_path)

    first = load_seal_key(files.key, files.cert, files.chain)
    again = load_seal_key(files.key, files.cert, files.chain)
    stat = files.key.stat()
    os.utime(files.key, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    reloaded = load_seal_key(files.key, files.cert, files.chain)

    assert first is again
    assert reloaded is not first


def test_rsa_1024_refused_unless_weak_allowed(test_pki: TestPKI) -> None:
    """RSA keys under 2048 bits are refused unless the caller opts in."""
    weak = test_pki.issue_seal(key="rsa1024")

    with pytest.raises(KeyMaterialError, match="1024 bits"):
        weak.seal_key()

    assert weak.seal_key(allow_weak=True).algorithm == "RS256"


def test_sha1_certificate_refused_unless_weak_allowed(test_pki: TestPKI) -> None:
    """A certificate signed with SHA-1 is refused unless the caller opts in."""
    sha1 = test_pki.issue_seal(key="p256", signature_hash=hashes.SHA1())

    with pytest.raises(KeyMaterialError, match="sha1"):
        sha1.seal_key()

    assert sha1.seal_key(allow_weak=True).algorithm == "ES256"


def test_curves_map_to_algorithms(test_pki: TestPKI) -> None:
    """P-256 signs ES256, P-384 ES384, RSA with rsa_pss PS256."""
    assert test_pki.issue_seal(key="p256").seal_key().algorithm == "ES256"
    assert test_pki.issue_seal(key="p384").seal_key().algorithm == "ES384"
    rsa = test_pki.issue_seal(key="rsa2048")
    assert rsa.seal_key(rsa_pss=True).algorithm == "PS256"


def test_p521_is_refused(rsa_seal: IssuedCertificate) -> None:
    """Curves other than P-256 and P-384 are refused, even with allow_weak."""
    key = ec.generate_private_key(ec.SECP521R1())

    with pytest.raises(KeyMaterialError, match="secp521r1"):
        SealKey(key, rsa_seal.certificate, allow_weak=True)


def test_key_of_another_certificate_is_refused(
    test_pki: TestPKI, rsa_seal: IssuedCertificate
) -> None:
    """A key that does not match the certificate is refused."""
    other = test_pki.issue_seal(key="rsa2048")

    with pytest.raises(KeyMaterialError, match="does not belong"):
        SealKey(other.private_key, rsa_seal.certificate)


def test_missing_file_is_located(tmp_path: Path) -> None:
    """A missing key file is reported with its path."""
    with pytest.raises(KeyMaterialError, match=r"nowhere\.pem"):
        load_seal_key(tmp_path / "nowhere.pem")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300))
def test_arbitrary_bytes_give_key_material_error(
    tmp_path: Path, content: bytes
) -> None:
    """Any unreadable key file raises KeyMaterialError, never another error."""
    path = tmp_path / "junk.key"
    path.write_bytes(content)

    with pytest.raises(KeyMaterialError):
        load_seal_key(path, password=b"x")
