"""Qualification claims of a seal certificate (ETSI EN 319 412-5, 319 411-2).

Reads what a certificate says about itself: the qcStatements extension of
ETSI EN 319 412-5 (clause 4.2: QcCompliance 0.4.0.1862.1.1, QcSSCD
0.4.0.1862.1.4, QcType 0.4.0.1862.1.6 with eSeal 0.4.0.1862.1.6.2) and the
certificate policies of ETSI EN 319 411-2 (QCP-n, QCP-l, QCP-n-qscd,
QCP-l-qscd). These are claims. Whether a seal is qualified (ETSI TS 119 615)
needs a trusted list that confirms the issuing service; without one the
result is reported as an advisory layer and never decides a verification.
"""

from __future__ import annotations

import logging

from asn1crypto import core
from cryptography import x509

from ._etsi import CHECK_QUALIFICATION, CheckResult, Indication, SubIndication

__all__ = [
    "QcStatement",
    "QcStatements",
    "QcTypes",
    "qualification_check",
    "qualification_claims",
]

logger = logging.getLogger(__name__)

_QC_STATEMENTS = "1.3.6.1.5.5.7.1.3"
_QC_NAMES = {
    "0.4.0.1862.1.1": "QcCompliance",
    "0.4.0.1862.1.4": "QcSSCD",
}
_QC_TYPE = "0.4.0.1862.1.6"
_QC_TYPES = {
    "0.4.0.1862.1.6.1": "QcType-eSign",
    "0.4.0.1862.1.6.2": "QcType-eSeal",
    "0.4.0.1862.1.6.3": "QcType-web",
}
_POLICIES = {
    "0.4.0.194112.1.0": "QCP-n",
    "0.4.0.194112.1.1": "QCP-l",
    "0.4.0.194112.1.2": "QCP-n-qscd",
    "0.4.0.194112.1.3": "QCP-l-qscd",
}


class QcStatement(core.Sequence):  # type: ignore[misc]
    """QCStatement (RFC 3739 clause 3.2.6): statementId, statementInfo."""

    _fields = [  # noqa: RUF012 (asn1crypto's declaration style)
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


class QcStatements(core.SequenceOf):  # type: ignore[misc]
    """The qcStatements extension value: SEQUENCE OF QCStatement."""

    _child_spec = QcStatement


class QcTypes(core.SequenceOf):  # type: ignore[misc]
    """QcType statementInfo (EN 319 412-5 clause 4.2.3): SEQUENCE OF OID."""

    _child_spec = core.ObjectIdentifier


def qualification_claims(certificate: x509.Certificate) -> tuple[str, ...]:
    """Return the qualification claims of a certificate, by name.

    Reads qcStatements (ETSI EN 319 412-5) and certificate policies (ETSI EN
    319 411-2): ``QcCompliance``, ``QcSSCD``, ``QcType-eSeal`` ...,
    ``QCP-l``, ``QCP-l-qscd`` .... These are what the certificate says
    about itself, not a trusted list's confirmation.

    Args:
        certificate: A seal certificate.

    Returns:
        The claims, statements first, in certificate order.

    """
    claims = list(_qc_statement_claims(certificate))
    try:
        policies = certificate.extensions.get_extension_for_class(
            x509.CertificatePolicies
        ).value
    except x509.ExtensionNotFound:
        policies = x509.CertificatePolicies([])
    for policy in policies:
        name = _POLICIES.get(policy.policy_identifier.dotted_string)
        if name:
            claims.append(name)

    return tuple(claims)


def _qc_statement_claims(certificate: x509.Certificate) -> list[str]:
    """Decode the qcStatements extension into claim names."""
    try:
        ext = certificate.extensions.get_extension_for_oid(
            x509.ObjectIdentifier(_QC_STATEMENTS)
        )
    except x509.ExtensionNotFound:
        return []
    raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
    claims = []
    try:
        for statement in QcStatements.load(raw):
            oid = statement["statement_id"].dotted
            if oid in _QC_NAMES:
                claims.append(_QC_NAMES[oid])
            elif oid == _QC_TYPE:
                info = statement["statement_info"].dump()
                types = QcTypes.load(info)
                claims.extend(_QC_TYPES.get(t.dotted, t.dotted) for t in types)
    except (ValueError, TypeError):
        logger.warning(
            "unreadable qcStatements in %s", certificate.subject.rfc4514_string()
        )

    return claims


def qualification_check(certificate: x509.Certificate) -> CheckResult:
    """Report qualification claims as an advisory layer.

    Args:
        certificate: The seal certificate.

    Returns:
        An advisory ``qualification`` result: PASSED when the certificate
        claims QcCompliance and QcType-eSeal, INDETERMINATE otherwise; never
        decisive, as no trusted list confirms it.

    """
    claims = qualification_claims(certificate)
    shown = ", ".join(claims) or "none"
    detail = f"claims: {shown}; not confirmed by a trusted list"
    if {"QcCompliance", "QcType-eSeal"} <= set(claims):
        indication, sub = Indication.PASSED, None
    else:
        indication, sub = (
            Indication.INDETERMINATE,
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
        )

    return CheckResult(CHECK_QUALIFICATION, indication, sub, detail, advisory=True)
