"""Qualification claims read from qcStatements and certificate policies."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography import x509

from aurora_edc._qualification import qualification_check, qualification_claims
from aurora_edc.testing import TestPKI


def test_qualification_claims_of_test_seal(test_pki: TestPKI) -> None:
    """The qcStatements and policies are read as claims, by name."""
    qualified = test_pki.issue_seal(key="p256", sscd=True)
    plain = test_pki.issue_seal(key="p256", qualified=False)

    assert qualification_claims(qualified.certificate) == (
        "QcCompliance",
        "QcType-eSeal",
        "QcSSCD",
        "QCP-l",
    )
    assert qualification_claims(plain.certificate) == ()
    assert qualification_check(qualified.certificate).advisory
    assert not qualification_check(plain.certificate).ok


def test_ec_seal_certificate_claims(shared: Path) -> None:
    """The EC JAdES sample's seal certificate claims QcCompliance, eSeal, QCP-l."""
    sealed = json.loads(
        (shared / "elm/v3/samples/Sample-MC-Annex1-signed.jsonld").read_bytes()
    )
    text = sealed["signatures"][0]["protected"]
    header = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))

    assert qualification_claims(certificate) == (
        "QcCompliance",
        "QcType-eSeal",
        "QCP-l",
    )
