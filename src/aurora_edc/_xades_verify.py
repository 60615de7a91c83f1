"""Verification of XAdES seals on ELM 1.2 XML, per ETSI EN 319 102-1 layer.

Validates one enveloped XAdES baseline signature (ETSI EN 319 132-1) offline
and reports each building block of EN 319 102-1 in its vocabulary:

============================  ==============================================
layer                         how
============================  ==============================================
``format``                    :mod:`~aurora_edc._xades_structure` (FC, 5.2.2)
``crypto-constraints``        algorithms and key size (SAV, 5.2.8)
``signing-certificate``       SigningCertificateV2 digest, IssuerSerialV2 (ISC)
``reference-integrity:<r>``   signxml, transforms whitelisted (CV, 5.2.7)
``signature-value``           signxml over SignedInfo (CV)
``unsigned-nodes``            comments / PIs that c14n leaves unsigned
``issuer-identifier``         document issuer registration = organizationIdentifier
``timestamp:<kind>``          RFC 3161 tokens (5.4); imprint, TSA, genTime
``certificate-path``/``trust``  at the time a timestamp proves (XCV, 5.5)
``qualification``             certificate claims only (advisory)
============================  ==============================================

Trust anchors come only from the caller; without them the result is never
TOTAL_PASSED. ``signed_content`` is the canonical document as digested by
the ``URI=""`` reference (the document without its signature), never the
input re-read.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.xades.xades import XAdESSignatureConfiguration

from ._certpath import RevocationData, validate_path
from ._etsi import (
    CHECK_FORMAT,
    CHECK_REFERENCES,
    CHECK_SIGNATURE,
    CheckResult,
    Indication,
    SealFormat,
    SealVerificationReport,
    SubIndication,
    build_report,
)
from ._exceptions import VerificationError
from ._keys import organization_identifier
from ._qualification import qualification_check, qualification_claims
from ._timestamp import TimestampVerification, verify_timestamp
from ._xades import DS, parse_document
from ._xades_checks import (
    crypto_check,
    issuer_check,
    signing_certificate_check,
    unsigned_nodes_check,
)
from ._xades_signxml import XAdESWhitelistVerifier
from ._xades_structure import FormatError, XAdESParts, read_structure

__all__ = ["CHECK_REVOCATION_VALUES", "verify_xades"]

logger = logging.getLogger(__name__)

CHECK_REVOCATION_VALUES = "revocation-values"
"""Advisory layer: a tolerated deviation in the embedded OCSP/CRL values."""

# The algorithm policy is the crypto-constraints layer's: signxml computes
# whatever the seal uses, so that every layer can still be reported.
_SIGNXML_CONFIG = XAdESSignatureConfiguration(
    expect_references=True,
    signature_methods=frozenset(
        m for m in SignatureMethod if not m.name.startswith("HMAC")
    ),
    digest_algorithms=frozenset(DigestAlgorithm),
)


def verify_xades(
    data: bytes,
    *,
    trust: Sequence[x509.Certificate] = (),
    at: datetime | None = None,
    allow_weak: bool = False,
) -> SealVerificationReport:
    """Verify the XAdES seal of an ELM 1.2 document, layer by layer.

    Args:
        data: The sealed document.
        trust: Trust anchors (e.g. from an EU trusted-list snapshot). Nothing
            else is trusted, in particular no certificate the seal carries.
        at: Validation time when no timestamp proves an earlier one;
            default now; a naive value is read as UTC.
        allow_weak: Accept SHA-1 digests and signatures and RSA keys of 1024
            to 2047 bits (reported, and logged as a warning).

    Returns:
        The report; ``signed_content`` holds the verified bytes (empty unless
        the format, every reference and the signature value PASSED).

    Raises:
        UnsafeXMLError: The input breaks the hardened parser's rules.
        InputError: Not well-formed, or not an ELM 1.2 document.
        VerificationError: The document carries no ds:Signature at all.

    """
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # a naive time is read as UTC, as for JAdES
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    root = parse_document(data, source="<sealed xml>")
    if next(root.iter(f"{{{DS}}}Signature"), None) is None:
        raise VerificationError(
            "no ds:Signature in the document: expected a sealed ELM 1.2 document"
        )
    try:
        parts = read_structure(root)
    except FormatError as exc:
        failure = CheckResult.failed(
            CHECK_FORMAT, SubIndication.FORMAT_FAILURE, str(exc)
        )
        return build_report(SealFormat.XADES, [failure], b"")

    return _Verification(root, parts, trust, moment, allow_weak).run()


class _Verification:
    """One verification run over a structurally checked seal."""

    def __init__(
        self,
        root: etree._Element,
        parts: XAdESParts,
        trust: Sequence[x509.Certificate],
        at: datetime,
        allow_weak: bool,
    ) -> None:
        self.root = root
        self.parts = parts
        self.trust = tuple(trust)
        self.at = at
        self.allow_weak = allow_weak
        self.checks: list[CheckResult] = [
            CheckResult.passed(
                CHECK_FORMAT,
                f"XAdES enveloped in proof, {parts.level.value} by structure",
            )
        ]
        self.signed_content = b""
        self.octets: dict[int, bytes] = {}
        self.anchor: str | None = None
        self.revocation: RevocationData | None = None

    def run(self) -> SealVerificationReport:
        parts = self.parts
        binding, signer = signing_certificate_check(parts)
        key_holder = signer or parts.key_info_certificates[0]
        self.checks.append(crypto_check(parts, key_holder, self.allow_weak))
        self.checks.append(binding)
        if not self._cryptographic(key_holder):
            return self._report(None)
        self.checks.append(unsigned_nodes_check(self.root))
        self.checks.append(issuer_check(self.root, signer))
        stamps = self._timestamps()
        if signer is not None:
            self._path(signer, stamps)

        return self._report(signer, stamps)

    def _cryptographic(self, certificate: x509.Certificate) -> bool:
        """Run signxml: reference digests and signature value."""
        verifier = XAdESWhitelistVerifier()
        try:
            verifier.verify(
                self.root,
                x509_cert=certificate,
                expect_config=_SIGNXML_CONFIG,
            )
        except (SignXMLException, etree.DocumentInvalid, ValueError) as exc:
            failed_reference = any(r.error for r in verifier.outcome.references)
            if not (isinstance(exc, InvalidInput) and failed_reference):
                detail = f"signxml refused the signature: {exc}"
                self.checks.append(
                    CheckResult.failed(
                        CHECK_FORMAT, SubIndication.FORMAT_FAILURE, detail
                    )
                )
                return False
        self._record(verifier)

        return True

    def _record(self, verifier: XAdESWhitelistVerifier) -> None:
        """Turn signxml's outcome into reference and signature layers."""
        for outcome, reference in zip(
            verifier.outcome.references, self.parts.references, strict=True
        ):
            name = f"{CHECK_REFERENCES}:{reference.role}"
            if outcome.error:
                self.checks.append(
                    CheckResult.failed(name, SubIndication.HASH_FAILURE, outcome.error)
                )
                continue
            self.octets[reference.index] = outcome.signed_data
            size = len(outcome.signed_data)
            detail = f"URI {reference.uri!r}: digest matches {size} octets"
            self.checks.append(CheckResult.passed(name, detail))
            if reference.role == "data":
                self.signed_content = outcome.signed_data
        error = verifier.outcome.signature_error
        if error:
            self.checks.append(
                CheckResult.failed(
                    CHECK_SIGNATURE, SubIndication.SIG_CRYPTO_FAILURE, error
                )
            )
        else:
            self.checks.append(
                CheckResult.passed(CHECK_SIGNATURE, "SignedInfo verified")
            )

    def _timestamps(self) -> list[TimestampVerification]:
        """Verify every timestamp; return the SignatureTimeStamp results."""
        value = self.parts.signature.find(f"{{{DS}}}SignatureValue")
        assert value is not None
        results = [
            self._stamp(stamp.kind, number, stamp.token, _c14n(value, stamp.c14n))
            for number, stamp in enumerate(self.parts.signature_stamps)
        ]
        self._check_order(self._content_timestamps(), results)
        if self.parts.archive_stamps:
            count = self.parts.archive_stamps
            self.checks.append(
                CheckResult.indeterminate(
                    "timestamp:ArchiveTimeStamp",
                    SubIndication.NO_POE,
                    f"{count} archive timestamp(s), not verified",
                    advisory=True,
                )
            )

        return results

    def _content_timestamps(self) -> list[TimestampVerification]:
        """Verify AllDataObjectsTimeStamps over the non-SP reference octets."""
        covered = [r for r in self.parts.references if r.role != "signed-properties"]
        complete = all(r.index in self.octets for r in covered)
        content = b"".join(self.octets.get(r.index, b"") for r in covered)
        results = []
        for number, stamp in enumerate(self.parts.content_stamps):
            if complete:
                results.append(self._stamp(stamp.kind, number, stamp.token, content))
                continue
            self.checks.append(
                CheckResult.indeterminate(
                    f"timestamp:{stamp.kind}",
                    SubIndication.SIGNED_DATA_NOT_FOUND,
                    "the time-stamped references did not verify",
                )
            )

        return results

    def _check_order(
        self,
        content: list[TimestampVerification],
        signature: list[TimestampVerification],
    ) -> None:
        """Content timestamps must precede signature timestamps (EN 319 102-1)."""
        latest = max(_valid_times(content), default=None)
        earliest = min(_valid_times(signature), default=None)
        if latest is None or earliest is None or latest <= earliest:
            return
        self.checks.append(
            CheckResult.indeterminate(
                "timestamp:order",
                SubIndication.TIMESTAMP_ORDER_FAILURE,
                f"AllDataObjectsTimeStamp {latest:%Y-%m-%dT%H:%M:%SZ} is after "
                f"SignatureTimeStamp {earliest:%Y-%m-%dT%H:%M:%SZ}",
            )
        )

    def _stamp(
        self, kind: str, number: int, token: bytes | None, message: bytes
    ) -> TimestampVerification:
        """Verify one token and record its layer."""
        name = f"timestamp:{kind}" + (f"#{number + 1}" if number else "")
        if token is None:
            check = CheckResult.indeterminate(
                name, SubIndication.FORMAT_FAILURE, "XMLTimeStamp is not supported"
            )
            self.checks.append(check)
            return TimestampVerification(check)
        result = verify_timestamp(
            token,
            message,
            name=name,
            trust=self.trust,
            certificates=self._embedded(),
            revocation=self._revocation(),
            allow_weak=self.allow_weak,
        )
        self.checks.append(result.check)

        return result

    def _embedded(self) -> tuple[x509.Certificate, ...]:
        """Certificates the seal carries (KeyInfo and CertificateValues)."""
        pool: dict[bytes, x509.Certificate] = {}
        for cert in (*self.parts.key_info_certificates, *self.parts.certificate_values):
            pool.setdefault(cert.public_bytes(Encoding.DER), cert)

        return tuple(pool.values())

    def _revocation(self) -> RevocationData:
        """Return the seal's revocation values, read once, quirks flagged."""
        if self.revocation is None:
            self.revocation = RevocationData()
            try:
                self.revocation = RevocationData.from_values(
                    self.parts.ocsp_values, self.parts.crl_values
                )
            except VerificationError as exc:
                # Malformed values inside the seal: a format fault, not a quirk.
                self.checks.append(
                    CheckResult.failed(
                        CHECK_REVOCATION_VALUES,
                        SubIndication.FORMAT_FAILURE,
                        f"revocation values unusable: {exc}",
                    )
                )
            for quirk in self.revocation.quirks:
                self._flag(quirk)

        return self.revocation

    def _flag(self, detail: str) -> None:
        """Record a tolerated deviation as an advisory layer."""
        self.checks.append(
            CheckResult(
                CHECK_REVOCATION_VALUES,
                Indication.INDETERMINATE,
                SubIndication.FORMAT_FAILURE,
                detail,
                advisory=True,
            )
        )

    def _path(
        self, signer: x509.Certificate, stamps: list[TimestampVerification]
    ) -> None:
        """Validate the seal certificate's path at the best signature time.

        That is the earliest genTime of a SignatureTimeStamp whose imprint and
        TSA signature are valid, trusted or not: an untrusted TSA leaves its
        timestamp layer INDETERMINATE (so the seal cannot pass), while the
        path still says whether the chain was complete and valid then.
        """
        valid = [t for t in _valid_times(stamps) if t <= self.at]
        moment = min(valid, default=self.at)
        trusted = any(s.trusted and s.gen_time == moment for s in stamps)
        stamp_certs = tuple(c for s in stamps for c in s.certificates)
        result = validate_path(
            signer,
            at=moment,
            trust=self.trust,
            certificates=self._embedded() + stamp_certs,
            revocation=self._revocation(),
            usage="seal",
            allow_weak=self.allow_weak,
        )
        path = result.path
        if valid and not trusted:
            note = "; time from a time-stamp whose TSA is not trusted"
            path = dataclasses.replace(path, detail=path.detail + note)
        self.checks.extend([path, result.trust])
        self.anchor = result.anchor if result.trust.ok else None
        self.checks.append(qualification_check(signer))

    def _report(
        self,
        signer: x509.Certificate | None,
        stamps: Sequence[TimestampVerification] = (),
    ) -> SealVerificationReport:
        proven = [s.gen_time for s in stamps if s.trusted and s.gen_time]

        return build_report(
            SealFormat.XADES,
            self.checks,
            self.signed_content,
            level=self.parts.level,
            signer_subject=signer.subject.rfc4514_string() if signer else None,
            organization_identifier=organization_identifier(signer) if signer else None,
            claimed_signing_time=self.parts.signing_time,
            proven_time=min(proven) if proven else None,
            qualification_claims=qualification_claims(signer) if signer else (),
            trust_anchor=self.anchor,
        )


def _valid_times(stamps: Sequence[TimestampVerification]) -> list[datetime]:
    """Return the genTimes of tokens whose imprint and TSA signature are valid."""
    return [
        s.gen_time for s in stamps if s.gen_time and s.imprint_ok and s.signature_ok
    ]


def _c14n(element: etree._Element, algorithm: str) -> bytes:
    """Canonicalise ``element`` in its document with a c14n algorithm URI."""
    method = CanonicalizationMethod(algorithm)

    return etree.tostring(
        element,
        method="c14n",
        exclusive=method.value.startswith("http://www.w3.org/2001/10/xml-exc-c14n#"),
        with_comments=method.value.endswith("#WithComments"),
    )
