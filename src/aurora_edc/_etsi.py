"""The validation vocabulary of ETSI EN 319 102-1 and one report for seals.

ETSI EN 319 102-1 (clause 5.1.3, table 5) reports the outcome of validating
an AdES signature as a main indication (TOTAL-PASSED, TOTAL-FAILED,
INDETERMINATE; PASSED / FAILED for one building block) and, when not passed,
a sub-indication naming the reason. Both JAdES (ETSI TS 119 182-1) and XAdES
(ETSI EN 319 132-1) verification here return a :class:`SealVerificationReport`:
one :class:`CheckResult` per layer (format, reference integrity, signature
value, signing-certificate binding, each timestamp, certificate path at the
proven time, trust, qualification claims) and the overall indication.

Honesty rule: without a trust anchor supplied by the caller the overall
indication is never TOTAL_PASSED; a complete, valid chain to an anchor the
caller did not vouch for is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND. A
WARNING is logged whenever the result is weaker than TOTAL_PASSED.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "CHECK_CERTIFICATE_PATH",
    "CHECK_CRYPTO",
    "CHECK_FORMAT",
    "CHECK_ISSUER",
    "CHECK_QUALIFICATION",
    "CHECK_REFERENCES",
    "CHECK_SIGNATURE",
    "CHECK_SIGNING_CERTIFICATE",
    "CHECK_TIMESTAMP",
    "CHECK_TRUST",
    "BaselineLevel",
    "CheckResult",
    "Indication",
    "SealFormat",
    "SealVerificationReport",
    "SubIndication",
    "build_report",
    "conclude",
]

logger = logging.getLogger(__name__)

# Layer names shared by the JAdES and XAdES verifiers.
CHECK_FORMAT = "format"
CHECK_REFERENCES = "reference-integrity"
CHECK_SIGNATURE = "signature-value"
CHECK_CRYPTO = "crypto-constraints"
CHECK_SIGNING_CERTIFICATE = "signing-certificate"
CHECK_TIMESTAMP = "timestamp"  # prefix: "timestamp:sigTst", "timestamp:adoTst"
CHECK_CERTIFICATE_PATH = "certificate-path"
CHECK_TRUST = "trust"
CHECK_ISSUER = "issuer-identifier"
CHECK_QUALIFICATION = "qualification"


class Indication(enum.StrEnum):
    """Main status indications (EN 319 102-1, clause 5.1.3)."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"
    PASSED = "PASSED"
    FAILED = "FAILED"


class SubIndication(enum.StrEnum):
    """Sub-indications (EN 319 102-1, clause 5.1.3, table 5)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"


class SealFormat(enum.StrEnum):
    """The AdES format of a seal."""

    JADES = "JAdES"
    XADES = "XAdES"


class BaselineLevel(enum.StrEnum):
    """Baseline levels (EN 319 132-1 / TS 119 182-1, clause 6), by structure."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one validation layer.

    Attributes:
        name: Layer name, one of the ``CHECK_*`` constants, timestamps as
            ``timestamp:<kind>`` (``timestamp:sigTst``).
        indication: PASSED, FAILED or INDETERMINATE.
        sub_indication: Why it did not pass; None when passed.
        detail: What was checked, expected and found, in one line.
        time: The time this layer proves (a timestamp's genTime) or was
            evaluated at (the certificate path); None otherwise.
        advisory: True for layers that inform without deciding the overall
            result, such as qualification claims.

    """

    name: str
    indication: Indication
    sub_indication: SubIndication | None = None
    detail: str = ""
    time: datetime | None = None
    advisory: bool = False

    @classmethod
    def passed(
        cls, name: str, detail: str = "", *, time: datetime | None = None
    ) -> CheckResult:
        """Return a PASSED result for layer ``name``."""
        return cls(name, Indication.PASSED, None, detail, time)

    @classmethod
    def failed(
        cls, name: str, sub: SubIndication, detail: str, **kwargs: Any
    ) -> CheckResult:
        """Return a FAILED result for layer ``name`` with sub-indication ``sub``."""
        return cls(name, Indication.FAILED, sub, detail, **kwargs)

    @classmethod
    def indeterminate(
        cls, name: str, sub: SubIndication, detail: str, **kwargs: Any
    ) -> CheckResult:
        """Return an INDETERMINATE result for layer ``name``."""
        return cls(name, Indication.INDETERMINATE, sub, detail, **kwargs)

    @property
    def ok(self) -> bool:
        """Whether the layer passed."""
        return self.indication is Indication.PASSED

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        data: dict[str, Any] = {"name": self.name, "indication": self.indication.value}
        if self.sub_indication is not None:
            data["sub_indication"] = self.sub_indication.value
        if self.detail:
            data["detail"] = self.detail
        if self.time is not None:
            data["time"] = self.time.isoformat()
        if self.advisory:
            data["advisory"] = True

        return data


@dataclass(frozen=True)
class SealVerificationReport:
    """The outcome of verifying one seal, layer by layer.

    Attributes:
        format: JAdES or XAdES.
        level: Baseline level found by structure (B-B ... B-LTA), or None
            when the format check failed.
        checks: One result per layer, in the order they ran.
        indication: TOTAL_PASSED, TOTAL_FAILED or INDETERMINATE.
        sub_indication: The reason when not TOTAL_PASSED.
        signed_content: Exactly the bytes the signature covers and that were
            verified: the JAdES payload bytes, or the XML document as signed.
            Use these, not the input file, after verifying. Empty unless the
            format, reference-integrity and signature-value layers PASSED
            (the bytes are then what the key signed, whatever the path, trust
            or issuer layers say).
        signer_subject: Seal certificate subject (RFC 4514), if found.
        organization_identifier: Seal certificate organizationIdentifier.
        claimed_signing_time: Signing time the signer claims (``iat``,
            ``sigT``, ``SigningTime``); not proven.
        proven_time: Earliest time proved by a valid signature timestamp
            (best signature time); None when no timestamp proves it.
        qualification_claims: QC statements the certificate claims
            (``QcCompliance``, ``QcType-eSeal``, ``QcSSCD``) and QCP policy
            names; claims only, not confirmed by a trusted list.
        trust_anchor: Subject of the caller-supplied anchor the path ended
            in, or None.

    """

    format: SealFormat
    level: BaselineLevel | None
    checks: tuple[CheckResult, ...]
    indication: Indication
    sub_indication: SubIndication | None
    signed_content: bytes = field(repr=False)
    signer_subject: str | None = None
    organization_identifier: str | None = None
    claimed_signing_time: datetime | None = None
    proven_time: datetime | None = None
    qualification_claims: tuple[str, ...] = ()
    trust_anchor: str | None = None

    @property
    def passed(self) -> bool:
        """Whether the overall indication is TOTAL_PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    def check(self, name: str) -> CheckResult | None:
        """Return the first layer result called ``name``, or None."""
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self, *, include_content: bool = False) -> dict[str, Any]:
        """Return the report as JSON-ready data.

        Args:
            include_content: Also return ``signed_content`` as UTF-8 text
                (replacing undecodable bytes); by default only its length
                and SHA-256 are given.

        Returns:
            A dict of plain JSON types.

        """
        data: dict[str, Any] = {
            "format": self.format.value,
            "level": self.level.value if self.level else None,
            "indication": self.indication.value,
            "sub_indication": _value(self.sub_indication),
            "signer_subject": self.signer_subject,
            "organization_identifier": self.organization_identifier,
            "claimed_signing_time": _iso(self.claimed_signing_time),
            "proven_time": _iso(self.proven_time),
            "qualification_claims": list(self.qualification_claims),
            "trust_anchor": self.trust_anchor,
            "checks": [c.to_dict() for c in self.checks],
            "signed_content_length": len(self.signed_content),
            "signed_content_sha256": hashlib.sha256(self.signed_content).hexdigest(),
        }
        if include_content:
            data["signed_content"] = self.signed_content.decode("utf-8", "replace")

        return data


def _value(member: enum.Enum | None) -> Any:
    return None if member is None else member.value


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def conclude(
    checks: Iterable[CheckResult],
) -> tuple[Indication, SubIndication | None]:
    """Derive the overall indication from the layer results.

    Any FAILED (non-advisory) layer makes the result TOTAL_FAILED with that
    layer's sub-indication; otherwise any INDETERMINATE layer makes it
    INDETERMINATE. TOTAL_PASSED further needs a PASSED ``trust`` layer, that
    is a path to an anchor the caller supplied.

    Args:
        checks: The layer results, in order.

    Returns:
        The overall indication and sub-indication.

    """
    deciding = [c for c in checks if not c.advisory]
    for result in deciding:
        if result.indication is Indication.FAILED:
            return Indication.TOTAL_FAILED, result.sub_indication
    for result in deciding:
        if result.indication is Indication.INDETERMINATE:
            return Indication.INDETERMINATE, result.sub_indication
    if not any(c.name == CHECK_TRUST and c.ok for c in deciding):
        return Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND

    return Indication.TOTAL_PASSED, None


def build_report(
    seal_format: SealFormat,
    checks: Iterable[CheckResult],
    signed_content: bytes,
    **details: Any,
) -> SealVerificationReport:
    """Assemble a report, concluding the indication and logging weak results.

    Args:
        seal_format: JAdES or XAdES.
        checks: The layer results, in order.
        signed_content: The verified bytes; kept only when the format,
            reference-integrity and signature-value layers PASSED.
        **details: The other :class:`SealVerificationReport` fields
            (``level``, ``signer_subject``, ``proven_time`` ...).

    Returns:
        The frozen report.

    """
    results = tuple(checks)
    indication, sub = conclude(results)
    if indication is not Indication.TOTAL_PASSED:
        weak = [
            f"{c.name}={c.indication.value}"
            for c in results
            if not (c.ok or c.advisory)
        ]
        logger.warning(
            "%s seal verification: %s/%s (%s)",
            seal_format.value,
            indication.value,
            _value(sub),
            ", ".join(weak),
        )

    if not _content_verified(results):
        signed_content = b""

    return SealVerificationReport(
        format=seal_format,
        checks=results,
        indication=indication,
        sub_indication=sub,
        signed_content=signed_content,
        **{"level": None, **details},
    )


def _content_verified(results: tuple[CheckResult, ...]) -> bool:
    """Whether the format, every reference and the signature value PASSED."""
    deciding = [
        c
        for c in results
        if c.name in (CHECK_FORMAT, CHECK_SIGNATURE)
        or c.name.split(":")[0] == CHECK_REFERENCES
    ]
    names = {c.name for c in deciding}

    return CHECK_SIGNATURE in names and all(c.ok for c in deciding)
