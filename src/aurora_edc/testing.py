"""A throw-away PKI and RFC 3161 time-stamping authority for tests.

Public, so that users' own test suites can seal and verify credentials
without real key material or network access:

- :class:`TestPKI` makes a root CA, an intermediate CA and eIDAS-style seal
  certificates (ETSI EN 319 412-1/-3 subject with organizationIdentifier;
  ETSI EN 319 412-5 qcStatements QcCompliance, QcType eSeal, QcSSCD;
  keyUsage digitalSignature + nonRepudiation), RSA or EC, and writes them as
  PEM or PKCS#12.
- :class:`TimestampAuthority` answers RFC 3161 requests (clause 2.4) over HTTP
  (clause 3.4) on 127.0.0.1, on an ephemeral port, in a background thread;
  its certificate carries the critical timeStamping extended key usage that
  RFC 3161 clause 2.3 requires. Use it as a context manager.

Nothing here is fit for production: keys live in memory unprotected and the
CAs sign whatever they are asked to.

Example::

    from aurora_edc.testing import TestPKI, TimestampAuthority

    pki = TestPKI()
    seal = pki.issue_seal(organization_identifier="VATBE-0123456789")
    with TimestampAuthority(pki) as tsa:
        sealed = seal_jades(credential, seal.seal_key(), tsa_url=tsa.url)
    report = verify_jades(sealed, trust=[pki.root])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ._keys import SealKey, SealPrivateKey
from ._qualification import QcStatements, QcTypes
from ._testing_tsa import TimestampAuthority

__all__ = [
    "IssuedCertificate",
    "KeyKind",
    "SealFiles",
    "TestPKI",
    "TimestampAuthority",
    "generate_key",
]

KeyKind = Literal["rsa1024", "rsa2048", "rsa3072", "p256", "p384"]
"""Key types the test PKI can generate (rsa1024 only for negative tests)."""

_QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
_QCP_L = x509.ObjectIdentifier("0.4.0.194112.1.1")


def generate_key(kind: KeyKind) -> SealPrivateKey:
    """Generate a private key of the given kind.

    Args:
        kind: ``rsa1024``, ``rsa2048``, ``rsa3072``, ``p256`` or ``p384``.

    Returns:
        A new private key.

    """
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    curve = ec.SECP256R1() if kind == "p256" else ec.SECP384R1()

    return ec.generate_private_key(curve)


def _qc_statements(sscd: bool) -> bytes:
    """DER of qcStatements: QcCompliance, QcType eSeal and optionally QcSSCD."""
    statements: list[dict[str, Any]] = [
        {"statement_id": "0.4.0.1862.1.1"},
        {
            "statement_id": "0.4.0.1862.1.6",
            "statement_info": QcTypes(["0.4.0.1862.1.6.2"]),
        },
    ]
    if sscd:
        statements.append({"statement_id": "0.4.0.1862.1.4"})

    return bytes(QcStatements(statements).dump())


@dataclass(frozen=True, repr=False)
class IssuedCertificate:
    """A certificate issued by the test PKI, with its key and chain.

    Attributes:
        private_key: The certificate's private key.
        certificate: The certificate.
        chain: Issuers above it, nearest first (intermediate, root).

    """

    private_key: SealPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    def __repr__(self) -> str:
        return f"IssuedCertificate({self.certificate.subject.rfc4514_string()!r})"

    def seal_key(self, *, allow_weak: bool = False, rsa_pss: bool = False) -> SealKey:
        """Return a :class:`~aurora_edc._keys.SealKey` for this certificate.

        Args:
            allow_weak: Accept short keys and SHA-1 (negative tests).
            rsa_pss: Sign RSA with PS256.

        Returns:
            The seal key, chain included.

        """
        return SealKey(
            self.private_key, self.certificate, self.chain, rsa_pss, allow_weak
        )

    def write(self, directory: Path, *, password: bytes | None = None) -> SealFiles:
        """Write key, certificate, chain and a PKCS#12 bundle into ``directory``.

        Args:
            directory: Existing directory.
            password: Encrypts the PEM key and the PKCS#12 bundle when given.

        Returns:
            The file paths.

        """
        pem = serialization.Encoding.PEM
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        files = SealFiles(
            key=directory / "seal-key.pem",
            cert=directory / "seal-cert.pem",
            chain=directory / "chain.pem",
            pkcs12=directory / "seal.p12",
        )
        files.key.write_bytes(
            self.private_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, encryption
            )
        )
        files.cert.write_bytes(self.certificate.public_bytes(pem))
        files.chain.write_bytes(b"".join(c.public_bytes(pem) for c in self.chain))
        files.pkcs12.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"seal",
                self.private_key,
                self.certificate,
                list(self.chain),
                encryption,
            )
        )

        return files


@dataclass(frozen=True)
class SealFiles:
    """Paths written by :meth:`IssuedCertificate.write`."""

    key: Path
    cert: Path
    chain: Path
    pkcs12: Path


class TestPKI:
    """A root CA and an intermediate CA that issue seal and TSA certificates.

    Args:
        country: Country of the CA subjects.
        key: Key kind of both CAs (EC P-256 by default: fast).
        now: Reference time; certificates are valid from one day before.

    """

    __test__ = False  # not a pytest test class

    def __init__(
        self, *, country: str = "BE", key: KeyKind = "p256", now: datetime | None = None
    ) -> None:
        self.now = now or datetime.now(UTC)
        self._serials = itertools.count(1000)
        self.root_key = generate_key(key)
        root_name = _name(country, "Aurora Test Root CA", "Aurora Test PKI")
        self.root = self._build(
            root_name,
            self.root_key.public_key(),
            root_name,
            self.root_key,
            _ca_extensions(None),
            days=3650,
        )
        self.intermediate_key = generate_key(key)
        self.intermediate = self._build(
            _name(country, "Aurora Test Seal CA", "Aurora Test PKI"),
            self.intermediate_key.public_key(),
            self.root.subject,
            self.root_key,
            _ca_extensions(0),
            days=3000,
        )

    @property
    def chain(self) -> tuple[x509.Certificate, x509.Certificate]:
        """Intermediate then root."""
        return (self.intermediate, self.root)

    def issue_seal(
        self,
        *,
        organization_identifier: str | None = "VATBE-0123456789",
        organization: str = "Aurora University",
        common_name: str = "Aurora University e-seal",
        country: str = "BE",
        key: KeyKind = "rsa2048",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        qualified: bool = True,
        sscd: bool = False,
        signature_hash: hashes.SHA1 | hashes.SHA256 | None = None,
    ) -> IssuedCertificate:
        """Issue a seal certificate from the intermediate CA.

        Args:
            organization_identifier: Subject organizationIdentifier (ETSI EN
                319 412-1), None to omit it.
            organization: Subject O.
            common_name: Subject CN.
            country: Subject C.
            key: Key kind of the seal.
            not_before: Start of validity (default: a day before ``now``).
            not_after: End of validity (default: two years after ``now``).
            qualified: Add qcStatements (QcCompliance, QcType eSeal) and the
                QCP-l policy.
            sscd: Add QcSSCD too.
            signature_hash: ``hashes.SHA1()`` makes the CA sign with SHA-1
                (negative tests; cryptography refuses it, so the certificate
                is re-signed with asn1crypto); SHA-256 by default.

        Returns:
            The key, certificate and chain.

        """
        private_key = generate_key(key)
        subject = _name(country, common_name, organization, organization_identifier)
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (_key_usage(content_commitment=True), True),
        ]
        if qualified:
            extensions.append(
                (
                    x509.UnrecognizedExtension(_QC_STATEMENTS, _qc_statements(sscd)),
                    False,
                )
            )
            extensions.append(
                (
                    x509.CertificatePolicies([x509.PolicyInformation(_QCP_L, None)]),
                    False,
                )
            )
        certificate = self._build(
            subject,
            private_key.public_key(),
            self.intermediate.subject,
            self.intermediate_key,
            extensions,
            not_before=not_before,
            not_after=not_after,
            signature_hash=signature_hash,
        )

        return IssuedCertificate(private_key, certificate, self.chain)

    def issue_tsa(
        self, *, key: KeyKind = "p256", critical_eku: bool = True
    ) -> IssuedCertificate:
        """Issue a TSA certificate (extended key usage timeStamping).

        Args:
            key: Key kind.
            critical_eku: Mark the EKU critical, as RFC 3161 clause 2.3 requires.

        Returns:
            The key, certificate and chain.

        """
        private_key = generate_key(key)
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (_key_usage(content_commitment=False), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical_eku),
        ]
        certificate = self._build(
            _name("BE", "Aurora Test TSA", "Aurora Test PKI"),
            private_key.public_key(),
            self.intermediate.subject,
            self.intermediate_key,
            extensions,
        )

        return IssuedCertificate(private_key, certificate, self.chain)

    def revocation_list(self, revoked: Sequence[x509.Certificate] = ()) -> bytes:
        """Return a DER CRL of the intermediate CA listing ``revoked``.

        Args:
            revoked: Certificates to list as revoked (an hour before ``now``).

        Returns:
            The CRL, DER.

        """
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.intermediate.subject)
            .last_update(self.now - timedelta(minutes=5))
            .next_update(self.now + timedelta(days=7))
        )
        for certificate in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(certificate.serial_number)
                .revocation_date(self.now - timedelta(hours=1))
                .build()
            )
        crl = builder.sign(self.intermediate_key, hashes.SHA256())

        return crl.public_bytes(serialization.Encoding.DER)

    def _build(
        self,
        subject: x509.Name,
        public_key: Any,
        issuer: x509.Name,
        issuer_key: SealPrivateKey,
        extensions: Sequence[tuple[x509.ExtensionType, bool]],
        *,
        days: int = 730,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        signature_hash: hashes.SHA1 | hashes.SHA256 | None = None,
    ) -> x509.Certificate:
        """Build and sign one certificate."""
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(next(self._serials))
            .not_valid_before(not_before or self.now - timedelta(days=1))
            .not_valid_after(not_after or self.now + timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        )
        if issuer != subject:
            ski = x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key())
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                False,
            )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical)

        certificate = builder.sign(issuer_key, hashes.SHA256())
        if isinstance(signature_hash, hashes.SHA1):
            certificate = _resign_sha1(certificate, issuer_key)

        return certificate


def _resign_sha1(
    certificate: x509.Certificate, issuer_key: SealPrivateKey
) -> x509.Certificate:
    """Re-sign a certificate with SHA-1, which cryptography no longer does."""
    parsed = _asn1(certificate)
    tbs = parsed["tbs_certificate"]
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha1_rsa"})
        tbs["signature"] = algorithm
        signature = issuer_key.sign(
            tbs.dump(force=True), padding.PKCS1v15(), hashes.SHA1()
        )
    else:
        algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha1_ecdsa"})
        tbs["signature"] = algorithm
        signature = issuer_key.sign(tbs.dump(force=True), ec.ECDSA(hashes.SHA1()))
    resigned = asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": algorithm,
            "signature_value": signature,
        }
    )

    return x509.load_der_x509_certificate(resigned.dump())


def _name(
    country: str, common_name: str, organization: str, org_id: str | None = None
) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ]
    if org_id:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, org_id))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))

    return x509.Name(attributes)


def _ca_extensions(path_length: int | None) -> list[tuple[x509.ExtensionType, bool]]:
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )

    return [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (usage, True),
    ]


def _key_usage(*, content_commitment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        certificate.public_bytes(serialization.Encoding.DER)
    )
