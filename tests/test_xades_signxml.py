"""signxml adapters: the transform whitelist and the exc-c14n signer fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from aurora_edc._xades import DS, FILTER2, parse_document
from aurora_edc._xades_signxml import (
    FILTER2_EXCLUDE_SIGNATURE,
    XPATH_EXCLUDE_SIGNATURE,
    TransformError,
    XAdESSealSigner,
    check_transforms,
)
from aurora_edc.testing import TestPKI
from xades_support import NS, unsealed_credential

EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def filter2(
    expression: str, kind: str = "subtract", prefix: str = DS
) -> etree._Element:
    """Build a filter2 Transform with one XPath."""
    transform = etree.Element(f"{{{DS}}}Transform", Algorithm=FILTER2, nsmap={"ds": DS})
    path = etree.SubElement(
        transform, f"{{{FILTER2}}}XPath", Filter=kind, nsmap={"ds": prefix}
    )
    path.text = expression
    return transform


def xpath(expression: str) -> etree._Element:
    """Build an XPath 1.0 Transform."""
    transform = etree.Element(f"{{{DS}}}Transform", Algorithm=XPATH, nsmap={"ds": DS})
    etree.SubElement(transform, f"{{{DS}}}XPath").text = expression
    return transform


def plain(algorithm: str) -> etree._Element:
    """Build a Transform with only an Algorithm."""
    return etree.Element(f"{{{DS}}}Transform", Algorithm=algorithm)


@pytest.mark.parametrize(
    "first",
    [
        filter2(FILTER2_EXCLUDE_SIGNATURE),
        filter2("\n   /descendant::ds:Signature\t"),
        xpath(XPATH_EXCLUDE_SIGNATURE),
        xpath(" not(ancestor-or-self::ds:Signature)\n"),
        plain(ENVELOPED),
    ],
    ids=["filter2", "filter2-spaced", "xpath", "xpath-spaced", "enveloped"],
)
def test_signature_exclusions_are_accepted(first: etree._Element) -> None:
    """The two EC expressions (whitespace-normalised) and enveloped pass."""
    check_transforms([first, plain(EXC)], whole_document=True)


@pytest.mark.parametrize(
    ("transforms", "reason"),
    [
        ([plain(XSLT)], "only enveloped-signature"),
        ([xpath("self::node()")], "only enveloped-signature"),
        ([filter2(FILTER2_EXCLUDE_SIGNATURE, kind="intersect")], "only"),
        ([filter2(FILTER2_EXCLUDE_SIGNATURE, prefix="urn:other")], "only"),
        ([plain(EXC), plain(ENVELOPED)], "first transform"),
        ([plain(EXC), plain(EXC)], "second canonicalisation"),
        ([plain("http://www.w3.org/2000/09/xmldsig#base64")], "only"),
    ],
    ids=["xslt", "xpath-other", "intersect", "ds-rebound", "order", "two-c14n", "b64"],
)
def test_other_transforms_are_refused(
    transforms: list[etree._Element], reason: str
) -> None:
    """XSLT, other XPath, rebound prefixes and odd orders are refused."""
    with pytest.raises(TransformError, match=reason):
        check_transforms(transforms, whole_document=True)


def test_signature_exclusion_only_on_the_document_reference() -> None:
    """An exclusion transform on a '#Id' reference is refused."""
    with pytest.raises(TransformError, match='URI=""'):
        check_transforms([filter2(FILTER2_EXCLUDE_SIGNATURE)], whole_document=False)


@given(st.text(alphabet="/:()-!|@*[]=' abcdefgilnorstuvyDS", max_size=60))
def test_any_other_xpath_expression_is_refused(expression: str) -> None:
    """Every expression other than the two allowed ones is refused."""
    normalised = " ".join(expression.split())
    for build, allowed in (
        (filter2, FILTER2_EXCLUDE_SIGNATURE),
        (xpath, XPATH_EXCLUDE_SIGNATURE),
    ):
        if normalised == allowed:
            check_transforms([build(expression)], whole_document=True)
            continue
        with pytest.raises(TransformError):
            check_transforms([build(expression)], whole_document=True)


def test_exc_c14n_references_carry_their_transform(shared: Path) -> None:
    """Regression: signxml wrote no Transform for exc-c14n SignedProperties/KeyInfo."""
    seal = TestPKI().issue_seal(key="p256")
    root = parse_document(unsealed_credential(shared))
    proof = root.find("s:proof", NS)
    etree.SubElement(proof, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    signer = XAdESSealSigner(
        signing_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        signature_method=SignatureMethod.ECDSA_SHA256,
        description="test",
    )
    signed = signer.sign(root, key=seal.private_key, cert=[seal.certificate])

    references = signed.findall(".//ds:SignedInfo/ds:Reference", NS)
    assert [
        r.find("ds:Transforms/ds:Transform[last()]", NS).get("Algorithm")
        for r in references
    ] == [EXC, EXC, EXC]
    assert signed.findtext(".//xades:SigningTime", namespaces=NS) == (
        "2026-01-02T03:04:05Z"
    )
    # Plain signxml, without any of our adapters, now accepts the seal.
    XAdESVerifier().verify(
        etree.tostring(signed),
        x509_cert=seal.certificate,
        expect_config=XAdESSignatureConfiguration(
            verification_time=seal.certificate.not_valid_before_utc
        ),
    )
