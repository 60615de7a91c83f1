"""JAdES building blocks: signing-certificate binding, crypto, signature value.

Implements for JAdES (ETSI TS 119 182-1) three building blocks of ETSI EN
319 102-1: identification of the signing certificate (clause 5.2.3, through
the ``x5t#S256`` / ``x5t#o`` / ``sigX5ts`` references of TS 119 182-1 clauses
5.1.7, 5.2.2.2 and 5.2.2.3, and ``kid`` as an IssuerSerial), the
cryptographic verification (clause 5.2.7, with joserfc over the exact
signing input of RFC 7515 clause 5.2 and RFC 7797 clause 3) and the
cryptographic constraints (clause 5.2.8: algorithm and key size).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from typing import Any

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey, Key, RSAKey

from ._certpath import asn1_certificate
from ._etsi import (
    CHECK_CRYPTO,
    CHECK_SIGNATURE,
    CHECK_SIGNING_CERTIFICATE,
    CheckResult,
    SubIndication,
)
from ._exceptions import shorten
from ._jades import JADES_ALGORITHMS, b64url_decode, jades_registry
from ._keys import MIN_RSA_BITS, MIN_WEAK_RSA_BITS

__all__ = ["check_crypto", "check_signature", "find_signing_certificate"]

_DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_CURVE_OF = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
_WEAK_HASHES = ("sha1", "md5")


def find_signing_certificate(
    header: dict[str, Any], certificates: Sequence[x509.Certificate]
) -> tuple[x509.Certificate | None, CheckResult]:
    """Find the certificate the header references and check the binding.

    Args:
        header: The protected header.
        certificates: Candidates: ``x5c`` first, then ``xVals``.

    Returns:
        The signing certificate (None when not found) and the
        ``signing-certificate`` layer.

    """
    name = CHECK_SIGNING_CERTIFICATE
    missing = SubIndication.NO_SIGNING_CERTIFICATE_FOUND
    references = [k for k in ("x5t#S256", "x5t#o", "sigX5ts") if k in header]
    if len(references) != 1:
        found = ", ".join(references) or "none"
        detail = f"expected exactly one of x5t#S256, x5t#o, sigX5ts; found {found}"
        return None, CheckResult.indeterminate(name, missing, detail)

    reference = references[0]
    digests = _reference_digests(reference, header[reference])
    signer = next((c for c in certificates if _matches(c, digests)), None)
    if signer is None:
        detail = f"no certificate in x5c or xVals matches {reference}"
        return None, CheckResult.indeterminate(name, missing, detail)
    kid_problem = _kid_problem(header.get("kid"), signer)
    if kid_problem:
        return signer, CheckResult.indeterminate(name, missing, kid_problem)

    detail = f"{reference} matches {signer.subject.rfc4514_string()!r}"
    if "kid" in header:
        detail += "; kid IssuerSerial matches"

    return signer, CheckResult.passed(name, detail)


def _reference_digests(reference: str, value: Any) -> list[tuple[str, bytes]]:
    """(hash name, digest) pairs named by a certificate reference."""
    try:
        if reference == "x5t#S256":
            return [("sha256", b64url_decode(value))]
        items = value if reference == "sigX5ts" else [value]
        return [
            (_DIGESTS[item["digAlg"]], b64url_decode(item["digVal"])) for item in items
        ]
    except (KeyError, TypeError, ValueError):
        return []


def _matches(certificate: x509.Certificate, digests: list[tuple[str, bytes]]) -> bool:
    der = certificate.public_bytes(Encoding.DER)
    return any(hashlib.new(alg, der).digest() == value for alg, value in digests)


def _kid_problem(kid: Any, signer: x509.Certificate) -> str | None:
    """Return why ``kid`` (an IssuerSerial, as the EC writes it) contradicts."""
    if not isinstance(kid, str):
        return None
    try:
        value = tsp.IssuerSerial.load(base64.b64decode(kid, validate=True))
        names = value["issuer"]
        serial = value["serial_number"].native
        issuers = [n.chosen for n in names if n.name == "directory_name"]
    except (ValueError, TypeError, binascii.Error):
        return None  # kid is free text in RFC 7515; only an IssuerSerial binds
    if serial != signer.serial_number:
        return (
            f"kid names serial {shorten(serial, 40)}; "
            f"the certificate has serial {signer.serial_number}"
        )
    issuer = asn1_certificate(signer).issuer
    if all(i != issuer for i in issuers):
        return (
            f"kid names serial {shorten(serial, 40)} of another issuer than "
            f"{signer.issuer.rfc4514_string()!r}"
        )

    return None


def check_crypto(
    header: dict[str, Any], signer: x509.Certificate | None, allow_weak: bool
) -> CheckResult:
    """Check algorithm and key size against the policy (EN 319 102-1, 5.2.8).

    Args:
        header: The protected header.
        signer: The signing certificate, when found.
        allow_weak: Accept RSA keys of 1024 to 2047 bits and SHA-1.

    Returns:
        The ``crypto-constraints`` layer.

    """
    name = CHECK_CRYPTO
    sub = SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    alg = header.get("alg")
    if alg not in JADES_ALGORITHMS:
        return CheckResult.indeterminate(name, sub, f"alg {shorten(alg)} not accepted")
    if signer is None:
        return CheckResult.passed(name, f"alg {alg}; key not found")
    key = signer.public_key()
    problem = _key_problem(alg, key, allow_weak)
    hash_alg = signer.signature_hash_algorithm
    weak_hash = hash_alg is not None and hash_alg.name in _WEAK_HASHES
    if problem is None and weak_hash and not allow_weak:
        problem = f"certificate signed with {getattr(hash_alg, 'name', '')}"
    if problem:
        return CheckResult.indeterminate(name, sub, problem)

    return CheckResult.passed(name, f"alg {alg}, {_describe(key)}")


def _key_problem(alg: str, key: Any, allow_weak: bool) -> str | None:
    if alg.startswith(("RS", "PS")):
        if not isinstance(key, rsa.RSAPublicKey):
            return f"alg {alg} with a {type(key).__name__}"
        floor = MIN_WEAK_RSA_BITS if allow_weak else MIN_RSA_BITS
        if key.key_size < floor:
            return f"RSA key of {key.key_size} bits; expected at least {MIN_RSA_BITS}"
        return None
    if (
        not isinstance(key, ec.EllipticCurvePublicKey)
        or key.curve.name != _CURVE_OF[alg]
    ):
        return f"alg {alg} with {_describe(key)}"

    return None


def _describe(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"

    return type(key).__name__


def check_signature(
    protected_b64: str, payload: str, signature_b64: str, signer: x509.Certificate
) -> CheckResult:
    """Verify the JWS signature over the exact protected header and payload.

    Args:
        protected_b64: The protected header, base64url, as found.
        payload: The ``payload`` member as found (not re-serialised).
        signature_b64: The signature, base64url, as found.
        signer: The signing certificate.

    Returns:
        The ``signature-value`` layer.

    """
    name = CHECK_SIGNATURE
    document: jws.GeneralJSONSerialization = {
        "payload": payload,
        "signatures": [{"protected": protected_b64, "signature": signature_b64}],
    }
    try:
        jws.deserialize_json(document, _public_key(signer), registry=jades_registry())
    except BadSignatureError:
        detail = "the signature does not verify over the header and payload as found"
        return CheckResult.failed(name, SubIndication.SIG_CRYPTO_FAILURE, detail)
    except (JoseError, ValueError, TypeError) as exc:
        detail = f"the signature cannot be verified: {shorten(str(exc), 160)}"
        return CheckResult.failed(name, SubIndication.SIG_CRYPTO_FAILURE, detail)

    return CheckResult.passed(name, "signature valid over the exact payload bytes")


def _public_key(signer: x509.Certificate) -> Key:
    key = signer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECKey.import_key(key)
    if isinstance(key, rsa.RSAPublicKey):
        return RSAKey.import_key(key)

    raise ValueError(f"unsupported key type {type(key).__name__}")
