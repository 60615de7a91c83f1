"""Seal keys: the private key, certificate and chain that make an eIDAS seal.

Implements the key side of the seal profiles: the algorithms that JAdES
(ETSI TS 119 182-1, clause 5.1.2, through RFC 7518) and XAdES (ETSI EN 319 132-1,
through XML-DSig) sealing here may use, and the key-size floor of ETSI TS 119 312
(RSA of at least 2048 bits; ECDSA on P-256 or P-384). SHA-1-signed certificates
and short RSA keys are refused unless the caller opts in with ``allow_weak``.

Keys come from PEM files or a PKCS#12 bundle. The password is supplied by the
caller (never read from an argument by this module); key material is never
logged and never shown in ``repr`` or in error messages. A key is loaded once
per process: later calls with the same files (path and modification time) and
the same password return the same :class:`SealKey`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ._exceptions import InputError, KeyMaterialError, SealError
from ._files import read_regular_file

__all__ = [
    "SealAlgorithm",
    "SealKey",
    "SealPrivateKey",
    "load_seal_key",
    "organization_identifier",
    "sealing_moment",
]

logger = logging.getLogger(__name__)

SealAlgorithm = Literal["RS256", "PS256", "ES256", "ES384"]
"""JWS/XML-DSig algorithm names a seal key may use."""

SealPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
"""Private key types accepted for seals."""

MIN_RSA_BITS = 2048
"""Smallest RSA modulus accepted by default (ETSI TS 119 312)."""

MIN_WEAK_RSA_BITS = 1024
"""Smallest RSA modulus accepted even with ``allow_weak=True``."""

_CURVES: dict[str, SealAlgorithm] = {"secp256r1": "ES256", "secp384r1": "ES384"}
_WEAK_HASHES = (hashes.SHA1, hashes.MD5)
_MAX_FILE_BYTES = 1_000_000

_cache: dict[tuple[object, ...], SealKey] = {}
_cache_lock = threading.Lock()


def organization_identifier(certificate: x509.Certificate) -> str | None:
    """Return the subject's organizationIdentifier (2.5.4.97), if any.

    ETSI EN 319 412-1 clause 5.1.4 puts the legal person's identifier there,
    such as ``VATBE-0123456789``; EDC issuers carry the same value in
    ``eIDASIdentifier.notation``.

    Args:
        certificate: A seal certificate.

    Returns:
        The first organizationIdentifier value, or None when absent.

    """
    values = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    if not values:
        return None

    return str(values[0].value)


@dataclass(frozen=True, repr=False)
class SealKey:
    """A private key with its seal certificate and the chain above it.

    Construction checks the policy: the key matches the certificate, RSA keys
    have at least 2048 bits, EC keys lie on P-256 or P-384, and the
    certificate is not signed with SHA-1 or MD5.

    Attributes:
        private_key: The signing key (RSA or ECDSA). Never logged or shown.
        certificate: The seal certificate whose public key matches.
        chain: Issuer certificates above ``certificate``, nearest first; they
            go into ``x5c`` / ``CertificateValues`` so verifiers can build
            the path. Empty is allowed but makes verification harder.
        rsa_pss: Sign RSA with PSS (``PS256``) instead of PKCS#1 v1.5
            (``RS256``). The EC samples use RS256, the safe default for
            interoperability.
        allow_weak: Accept RSA keys of 1024 to 2047 bits and SHA-1-signed
            certificates. Only for tests and legacy material.

    Raises:
        KeyMaterialError: When the key and certificate break the policy.

    """

    private_key: SealPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    rsa_pss: bool = False
    allow_weak: bool = field(default=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chain", tuple(self.chain))
        _check_policy(self.private_key, self.certificate, self.allow_weak)
        _check_match(self.private_key, self.certificate)

    @property
    def algorithm(self) -> SealAlgorithm:
        """The JWS algorithm name: RS256, PS256, ES256 or ES384."""
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return "PS256" if self.rsa_pss else "RS256"

        return _CURVES[self.private_key.curve.name]

    @property
    def organization_identifier(self) -> str | None:
        """The certificate subject's organizationIdentifier, if any."""
        return organization_identifier(self.certificate)

    def __repr__(self) -> str:
        subject = self.certificate.subject.rfc4514_string()
        serial = format(self.certificate.serial_number, "x")

        return (
            f"SealKey(algorithm={self.algorithm!r}, subject={subject!r}, "
            f"serial=0x{serial}, chain={len(self.chain)})"
        )


def _check_policy(
    key: SealPrivateKey, certificate: x509.Certificate, allow_weak: bool
) -> None:
    """Raise KeyMaterialError when the key or certificate is too weak."""
    subject = certificate.subject.rfc4514_string()
    if isinstance(key, rsa.RSAPrivateKey):
        floor = MIN_WEAK_RSA_BITS if allow_weak else MIN_RSA_BITS
        if key.key_size < floor:
            raise KeyMaterialError(
                f"RSA key of {key.key_size} bits for {subject!r}: expected at "
                f"least {MIN_RSA_BITS} bits (ETSI TS 119 312)"
            )
        if key.key_size < MIN_RSA_BITS:
            logger.warning("weak RSA key of %d bits accepted", key.key_size)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in _CURVES:
            raise KeyMaterialError(
                f"EC key on curve {key.curve.name} for {subject!r}: expected "
                "P-256 or P-384"
            )
    else:
        raise KeyMaterialError(
            f"key type {type(key).__name__} for {subject!r}: expected RSA or ECDSA"
        )

    algorithm = certificate.signature_hash_algorithm
    if isinstance(algorithm, _WEAK_HASHES):
        if not allow_weak:
            raise KeyMaterialError(
                f"certificate {subject!r} is signed with {algorithm.name}: "
                "expected SHA-256 or stronger"
            )
        logger.warning("certificate signed with %s accepted", algorithm.name)


def _check_match(key: SealPrivateKey, certificate: x509.Certificate) -> None:
    """Raise KeyMaterialError when the certificate is not the key's."""
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    ours = key.public_key().public_bytes(enc, fmt)
    theirs = certificate.public_key().public_bytes(enc, fmt)
    if ours != theirs:
        raise KeyMaterialError(
            "the private key does not belong to certificate "
            f"{certificate.subject.rfc4514_string()!r}"
        )


def load_seal_key(
    key: Path,
    cert: Path | None = None,
    chain: Path | None = None,
    *,
    password: bytes | None = None,
    allow_weak: bool = False,
    rsa_pss: bool = False,
) -> SealKey:
    """Load a seal key from PEM files or a PKCS#12 bundle, once per process.

    ``key`` may be a PEM private key (optionally encrypted, optionally
    followed by certificates) or a PKCS#12 file (``.p12``/``.pfx`` or any
    non-PEM content) holding key, certificate and chain. ``cert`` may hold the
    seal certificate followed by its issuers; ``chain`` adds more issuers.

    Args:
        key: Private key file (PEM or PKCS#12).
        cert: Seal certificate PEM; needed unless ``key`` carries it.
        chain: PEM file of issuer certificates, nearest first.
        password: Password of an encrypted key or PKCS#12 bundle. Take it
            from an environment variable or a prompt, never a command
            argument.
        allow_weak: Accept short RSA keys and SHA-1-signed certificates.
        rsa_pss: Use PS256 rather than RS256 for RSA keys.

    Returns:
        The checked key; the same object for repeated calls on unchanged
        files with the same options.

    Raises:
        KeyMaterialError: When a file is missing or unreadable, the password
            is wrong, or the key breaks the policy.

    """
    paths = (key, cert, chain)
    cache_key = (
        *(_file_identity(p) for p in paths),
        hashlib.sha256(password or b"").digest(),
        allow_weak,
        rsa_pss,
    )
    with _cache_lock:
        cached = _cache.get(cache_key)
    if cached is not None:
        return cached

    sealkey = _load(key, cert, chain, password, allow_weak, rsa_pss)
    logger.debug("seal key loaded: %r", sealkey)
    with _cache_lock:
        _cache[cache_key] = sealkey

    return sealkey


def _file_identity(path: Path | None) -> tuple[str, int, int] | None:
    """Return (resolved path, mtime, size) of a file, for the cache key."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError as exc:
        raise KeyMaterialError(f"{path}: cannot read ({exc.strerror})") from exc

    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def _read(path: Path) -> bytes:
    """Read a key or certificate file with a size limit."""
    try:
        # Refuses FIFOs and devices, and reads at most the limit (+1 byte).
        return read_regular_file(path, max_bytes=_MAX_FILE_BYTES, source=str(path))
    except InputError as exc:
        raise KeyMaterialError(str(exc)) from exc


def _load(
    key: Path,
    cert: Path | None,
    chain: Path | None,
    password: bytes | None,
    allow_weak: bool,
    rsa_pss: bool,
) -> SealKey:
    """Read the files and build the SealKey (uncached)."""
    data = _read(key)
    if b"-----BEGIN" in data:
        private_key = _pem_private_key(key, data, password)
        certificates = _pem_certificates(key, data)
    else:
        private_key, certificates = _pkcs12(key, data, password)

    if cert is not None:
        certificates = _pem_certificates(cert, _read(cert)) + certificates
    if chain is not None:
        certificates += _pem_certificates(chain, _read(chain))
    if not certificates:
        raise KeyMaterialError(
            f"{key}: no seal certificate; expected one in the key file or --cert"
        )

    return SealKey(
        private_key=private_key,
        certificate=certificates[0],
        chain=tuple(_unique(certificates[1:], certificates[0])),
        rsa_pss=rsa_pss,
        allow_weak=allow_weak,
    )


def _pem_private_key(path: Path, data: bytes, password: bytes | None) -> SealPrivateKey:
    """Parse a PEM private key; errors never echo the file content."""
    try:
        loaded = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:
        # cryptography raises TypeError for a missing or superfluous password.
        state = "encrypted" if password is None else "not encrypted"
        raise KeyMaterialError(
            f"{path}: the private key is {state}; password expected "
            f"{'but not given' if password is None else 'to be omitted'}"
        ) from exc
    except ValueError as exc:
        raise KeyMaterialError(
            f"{path}: no readable PEM private key (wrong password or format)"
        ) from exc
    if not isinstance(loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyMaterialError(
            f"{path}: key type {type(loaded).__name__}, expected RSA or ECDSA"
        )

    return loaded


def _pem_certificates(path: Path, data: bytes) -> list[x509.Certificate]:
    """Parse every CERTIFICATE block of a PEM file (none is fine)."""
    if b"-----BEGIN CERTIFICATE-----" not in data:
        return []
    try:
        return x509.load_pem_x509_certificates(data)
    except (ValueError, x509.InvalidVersion) as exc:
        raise KeyMaterialError(f"{path}: unreadable PEM certificate") from exc


def _pkcs12(
    path: Path, data: bytes, password: bytes | None
) -> tuple[SealPrivateKey, list[x509.Certificate]]:
    """Parse a PKCS#12 bundle into key and certificates (leaf first)."""
    try:
        loaded, leaf, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise KeyMaterialError(
            f"{path}: not a readable PKCS#12 bundle (wrong password or format)"
        ) from exc
    if not isinstance(loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyMaterialError(f"{path}: PKCS#12 bundle holds no RSA or EC key")
    certificates = ([leaf] if leaf is not None else []) + list(extra)

    return loaded, certificates


def _unique(
    certificates: list[x509.Certificate], leaf: x509.Certificate
) -> list[x509.Certificate]:
    """Drop duplicates and the leaf from a chain, keeping order."""
    seen = {leaf.fingerprint(hashes.SHA256())}
    out = []
    for certificate in certificates:
        digest = certificate.fingerprint(hashes.SHA256())
        if digest not in seen:
            seen.add(digest)
            out.append(certificate)

    return out


def sealing_moment(when: datetime | None, key: SealKey) -> datetime:
    """Return the sealing moment in UTC, whole seconds, checked against the key.

    Args:
        when: The moment to seal at, timezone-aware; now when ``None``.
        key: The seal key, whose certificate must be valid at that moment.

    Raises:
        SealError: ``when`` has no timezone.
        KeyMaterialError: The certificate is not valid at that moment.
    """
    if when is not None and when.tzinfo is None:
        raise SealError(f"when={when.isoformat()}: expected a timezone-aware datetime")
    moment = (when or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cert = key.certificate
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        iso = "%Y-%m-%dT%H:%M:%SZ"
        raise KeyMaterialError(
            f"seal certificate {cert.subject.rfc4514_string()!r} is valid "
            f"{cert.not_valid_before_utc:{iso}} to {cert.not_valid_after_utc:{iso}}, "
            f"not at {moment:{iso}}"
        )

    return moment
