"""Single-purpose XAdES checks (ETSI EN 319 102-1 building blocks).

- ``signing-certificate`` (ISC, clause 5.2.3): the signed
  ``SigningCertificateV2/Cert`` digest (any SHA-2/SHA-3, SHA-512 in the EC's
  seals) and, when present, ``IssuerSerialV2`` identify a certificate in
  ``ds:KeyInfo`` (EN 319 132-1, clause 5.2.2);
- ``crypto-constraints`` (SAV, clause 5.2.8): SHA-1 digests or signatures and
  RSA keys under 2048 bits are refused unless the caller opts in; RSA under
  1024 bits is refused always (ETSI TS 119 312);
- ``unsigned-nodes``: comments and processing instructions are not covered
  by canonical XML without comments, so text read from the input may differ
  from what was signed (comment injection); a seal whose document carries
  them is not accepted as passed;
- ``issuer-identifier``: the document's issuer ``registration`` must equal
  the certificate's organizationIdentifier (ETSI EN 319 412-1, 5.1.4); a
  mismatch is FAILED / SIG_CONSTRAINTS_FAILURE, as for JAdES.
"""

from __future__ import annotations

import logging

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import DigestAlgorithm, digest_algorithm_implementations

from ._etsi import (
    CHECK_CRYPTO,
    CHECK_ISSUER,
    CHECK_SIGNING_CERTIFICATE,
    CheckResult,
    SubIndication,
)
from ._exceptions import InputError, shorten
from ._keys import MIN_RSA_BITS, MIN_WEAK_RSA_BITS, organization_identifier
from ._xades import element_path, issuer_identifier
from ._xades_structure import CertReference, XAdESParts

__all__ = [
    "CHECK_UNSIGNED_NODES",
    "crypto_check",
    "issuer_check",
    "signing_certificate_check",
    "unsigned_nodes_check",
]

logger = logging.getLogger(__name__)

CHECK_UNSIGNED_NODES = "unsigned-nodes"
"""Layer name: comments or processing instructions outside the signed form."""

_STRONG_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


def signing_certificate_check(
    parts: XAdESParts,
) -> tuple[CheckResult, x509.Certificate | None]:
    """Identify the signing certificate from the signed properties (ISC).

    Args:
        parts: The seal's structure.

    Returns:
        The layer result and the signing certificate (None when not found).

    """
    first = parts.signing_certificate_refs[0]
    signer = next(
        (c for c in parts.key_info_certificates if _digest(c, first) == first.digest),
        None,
    )
    if signer is None:
        return CheckResult.indeterminate(
            CHECK_SIGNING_CERTIFICATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            f"no ds:KeyInfo certificate has the SigningCertificate digest "
            f"({DigestAlgorithm(first.digest_method).name} "
            f"{first.digest.hex()[:16]}...)",
        ), None
    mismatch = _issuer_serial_mismatch(first, signer)
    if mismatch:
        return CheckResult.indeterminate(
            CHECK_SIGNING_CERTIFICATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            mismatch,
        ), None
    algorithm = DigestAlgorithm(first.digest_method).name
    serial = "; IssuerSerialV2 matches" if first.issuer_serial_v2 else ""
    detail = (
        f"{algorithm} digest of {signer.subject.rfc4514_string()!r} matches{serial}"
    )

    return CheckResult.passed(CHECK_SIGNING_CERTIFICATE, detail), signer


def _digest(certificate: x509.Certificate, reference: CertReference) -> bytes:
    """Digest a certificate's DER with the reference's algorithm."""
    algorithm = digest_algorithm_implementations[
        DigestAlgorithm(reference.digest_method)
    ]

    return certificate.fingerprint(algorithm())


def _issuer_serial_mismatch(
    reference: CertReference, signer: x509.Certificate
) -> str | None:
    """Compare IssuerSerialV2 (or the legacy serial) with the certificate."""
    if reference.serial is not None and reference.serial != signer.serial_number:
        return (
            f"IssuerSerial serial {reference.serial}, certificate has "
            f"{signer.serial_number}"
        )
    if reference.issuer_serial_v2 is None:
        return None
    try:
        issuer_serial = cms.IssuerSerial.load(reference.issuer_serial_v2)
        serial = issuer_serial["serial"].native
        names = [
            n.chosen for n in issuer_serial["issuer"] if n.name == "directory_name"
        ]
    except (ValueError, TypeError) as exc:
        return f"IssuerSerialV2 unreadable: {exc}"
    issuer = asn1_x509.Name.load(signer.issuer.public_bytes())
    if serial != signer.serial_number or issuer not in names:
        return (
            f"IssuerSerialV2 names serial {serial} of another issuer than "
            f"{signer.issuer.rfc4514_string()!r} / {signer.serial_number}"
        )

    return None


def crypto_check(
    parts: XAdESParts, certificate: x509.Certificate, allow_weak: bool
) -> CheckResult:
    """Check algorithms and key size against the policy (SAV).

    Args:
        parts: The seal's structure.
        certificate: The certificate whose key verifies the signature.
        allow_weak: Accept SHA-1 and RSA keys of 1024 to 2047 bits.

    Returns:
        PASSED, or INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE naming each
        weak algorithm.

    """
    weak = (
        [f"SignatureMethod {parts.signature_method}"]
        if "sha1" in (parts.signature_method.lower())
        else []
    )
    weak += [
        f"reference #{r.index} DigestMethod {r.digest_method}"
        for r in parts.references
        if DigestAlgorithm(r.digest_method).name == "SHA1"
    ]
    weak += [
        f"SigningCertificate digest {c.digest_method}"
        for c in parts.signing_certificate_refs
        if DigestAlgorithm(c.digest_method).name == "SHA1"
    ]
    key, refused = _key_weakness(certificate)
    weak += [key] if key else []
    if refused or (weak and not allow_weak):
        return CheckResult.indeterminate(
            CHECK_CRYPTO,
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
            "refused: "
            + "; ".join(weak)
            + ("" if refused else " (allow_weak not set)"),
        )
    if weak:
        logger.warning("weak algorithms accepted (allow_weak): %s", "; ".join(weak))
        return CheckResult.passed(
            CHECK_CRYPTO, "accepted by allow_weak: " + "; ".join(weak)
        )

    return CheckResult.passed(CHECK_CRYPTO, "algorithms and key size within policy")


def _key_weakness(certificate: x509.Certificate) -> tuple[str | None, bool]:
    """Describe a weak key and say whether even allow_weak refuses it."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return f"RSA key of {key.key_size} bits", key.key_size < MIN_WEAK_RSA_BITS
    if (
        isinstance(key, ec.EllipticCurvePublicKey)
        and key.curve.name not in _STRONG_CURVES
    ):
        return f"EC key on {key.curve.name}", False

    return None, False


def unsigned_nodes_check(root: etree._Element) -> CheckResult:
    """Refuse comments and processing instructions the seal does not cover.

    Args:
        root: The parsed document.

    Returns:
        PASSED when there are none; INDETERMINATE / SIG_CONSTRAINTS_FAILURE
        locating the first otherwise.

    """
    found = root.xpath("//comment() | //processing-instruction()")
    assert isinstance(found, list)
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    nodes = [n for n in [*outside, *found] if isinstance(n, etree._Element)]
    if not nodes:
        return CheckResult.passed(CHECK_UNSIGNED_NODES, "no comments or PIs")
    first = nodes[0]
    parent = first.getparent()
    where = "/" if parent is None else element_path(parent)

    return CheckResult.indeterminate(
        CHECK_UNSIGNED_NODES,
        SubIndication.SIG_CONSTRAINTS_FAILURE,
        f"{len(nodes)} comment(s)/processing instruction(s) the seal does not "
        f"cover, first in {where} (line {first.sourceline}): "
        f"{shorten(etree.tostring(first).decode(), 60)}; read signed_content, "
        "not the input",
    )


def issuer_check(root: etree._Element, signer: x509.Certificate | None) -> CheckResult:
    """Compare the document's issuer registration with the certificate.

    Args:
        root: The parsed document.
        signer: The signing certificate, if identified.

    Returns:
        PASSED on equality; FAILED / SIG_CONSTRAINTS_FAILURE on a mismatch
        (a seal by another organisation, or a certificate without
        organizationIdentifier); INDETERMINATE / SIG_CONSTRAINTS_FAILURE when
        the document's issuer registration cannot be found.

    """
    try:
        claimed = issuer_identifier(root)
    except InputError as exc:
        return CheckResult.indeterminate(
            CHECK_ISSUER, SubIndication.SIG_CONSTRAINTS_FAILURE, str(exc)
        )
    if claimed is None or signer is None:
        # Nothing to compare is no proof of the issuer: not PASSED (as JAdES).
        what = (
            "the issuer's registration cannot be found (cred:issuer/@idref must "
            "name an agentReferences/organization with a registration)"
            if claimed is None
            else "no signing certificate identified"
        )
        return CheckResult.indeterminate(
            CHECK_ISSUER, SubIndication.SIG_CONSTRAINTS_FAILURE, f"{what}; not compared"
        )
    actual = organization_identifier(signer)
    if actual != claimed.value:
        # FAILED, as the JAdES verifier does: a seal by another organisation.
        return CheckResult.failed(
            CHECK_ISSUER,
            SubIndication.SIG_CONSTRAINTS_FAILURE,
            f"{claimed.path} (line {claimed.line}) {shorten(claimed.value)}, "
            f"certificate organizationIdentifier {shorten(actual)}",
        )

    return CheckResult.passed(
        CHECK_ISSUER, f"{claimed.path} = organizationIdentifier {actual}"
    )
