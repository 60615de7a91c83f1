"""XAdES on ELM 1.2: document helpers, hostile input, public round trips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from aurora_edc import (
    InputError,
    UnsafeXMLError,
    is_valid_xml,
    seal_xades,
    verify_xades,
)
from aurora_edc._etsi import BaselineLevel, Indication
from aurora_edc._xades import (
    credential_element,
    element_path,
    issuer_identifier,
    parse_document,
)
from aurora_edc.testing import TestPKI, TimestampAuthority
from xades_support import ORG_ID, sample, unsealed_credential

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE europassCredential [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<europassCredential xmlns="http://data.europa.eu/snb">&x;</europassCredential>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<europassCredential xmlns="http://data.europa.eu/snb">&b;</europassCredential>"""


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    """A throw-away PKI for this module."""
    return TestPKI()


@pytest.fixture(scope="module")
def tsa(pki: TestPKI) -> Iterator[TimestampAuthority]:
    """A local RFC 3161 authority on 127.0.0.1."""
    with TimestampAuthority(pki) as authority:
        yield authority


def test_issuer_identifier_follows_the_issuer_idref(shared: Path) -> None:
    """The credential's issuer is the organisation its cred:issuer points at."""
    root = parse_document(sample("EDC_WileECoyote_Simple.xml", shared))
    found = issuer_identifier(root)
    assert found is not None
    assert found.value == "WB-000001"
    assert found.path == "/europassCredential/agentReferences/organization/registration"


def test_issuer_identifier_of_a_presentation_is_the_mandated_sealer(
    shared: Path,
) -> None:
    """A presentation sealed on behalf names its sealer in vp:issuer."""
    root = parse_document(sample("EDC_DiplomaSupplement_AA_signed.xml", shared))
    found = issuer_identifier(root)
    assert found is not None
    assert (found.value, found.path) == (
        "VATES-B00000000",
        "/vp:verifiablePresentation/vp:issuer/registration",
    )
    assert (
        credential_element(root).tag == "{http://data.europa.eu/snb}europassCredential"
    )


def test_issuer_identifier_absent_without_registration(shared: Path) -> None:
    """A document whose issuer has no registration carries no identifier."""
    data = sample("EDC_WileECoyote_Simple.xml", shared)
    data = data.replace(b"<registration>WB-000001</registration>", b"")
    assert issuer_identifier(parse_document(data)) is None


def test_issuer_identifier_refuses_ambiguous_organisations(shared: Path) -> None:
    """Two organisations with the issuer's id make the issuer ambiguous."""
    data = sample("EDC_WileECoyote_Simple.xml", shared)
    start = data.index(b'<organization id="urn:epass:org:1">')
    end = data.index(b"</organization>", start) + len(b"</organization>")
    doubled = data[:end] + data[start:end] + data[end:]
    with pytest.raises(InputError, match="2 elements with id"):
        issuer_identifier(parse_document(doubled))


def test_issuer_idref_whitespace_bypass(shared: Path) -> None:
    """An idref with surrounding whitespace resolves as xs:anyURI collapses it."""
    data = sample("EDC_WileECoyote_Simple.xml", shared).replace(
        b'idref="urn:epass:org:1"', b'idref=" urn:epass:org:1\n"'
    )
    found = issuer_identifier(parse_document(data))

    assert found is not None and found.value == "WB-000001"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (b"<registration>WB-000001</registration>",) * 2,
            "2 registration elements",
        ),
        (
            (b'<cred:issuer idref="urn:epass:org:1"/>',) * 2,
            "2 cred:issuer elements",
        ),
    ],
)
def test_issuer_duplicate_elements_bypass(
    shared: Path, change: tuple[bytes, bytes], message: str
) -> None:
    """Two registrations or two cred:issuer elements make the issuer ambiguous."""
    data = sample("EDC_WileECoyote_Simple.xml", shared)
    assert change[0] in data
    doubled = data.replace(change[0], change[0] + change[1], 1)
    with pytest.raises(InputError, match=message):
        issuer_identifier(parse_document(doubled))


def test_issuer_id_shared_with_another_element_bypass(shared: Path) -> None:
    """An element other than the organisation holding the issuer's id is refused."""
    data = sample("EDC_WileECoyote_Simple.xml", shared)
    subject = b'<credentialSubject id="urn:epass:person:1">'
    assert subject in data
    shared_id = data.replace(subject, b'<credentialSubject id="urn:epass:org:1">')
    with pytest.raises(InputError, match="2 elements with id"):
        issuer_identifier(parse_document(shared_id))


def test_parse_document_refuses_other_roots() -> None:
    """Only europassCredential and vp:verifiablePresentation are ELM 1.2 roots."""
    with pytest.raises(InputError, match="expected"):
        parse_document(b"<a xmlns='urn:x'/>")


def test_element_path_uses_elm_prefixes(shared: Path) -> None:
    """Paths name ELM, vp, cred and ds elements with their usual prefixes."""
    root = parse_document(sample("EDC_DiplomaSupplement_AA_signed.xml", shared))
    value = next(root.iter("{http://www.w3.org/2000/09/xmldsig#}SignatureValue"))
    assert element_path(value) == (
        "/vp:verifiablePresentation/vp:proof/ds:Signature/ds:SignatureValue"
    )


@pytest.mark.parametrize("hostile", [XXE, LAUGHS], ids=["xxe", "entity-expansion"])
def test_hostile_xml_is_refused_before_sealing(pki: TestPKI, hostile: bytes) -> None:
    """DTDs and entities are refused by the hardened parser when sealing."""
    with pytest.raises(UnsafeXMLError, match="doctype"):
        seal_xades(hostile, pki.issue_seal(key="p256").seal_key())


@pytest.mark.parametrize("hostile", [XXE, LAUGHS], ids=["xxe", "entity-expansion"])
def test_hostile_xml_is_refused_before_verifying(hostile: bytes) -> None:
    """DTDs and entities are refused by the hardened parser when verifying."""
    with pytest.raises(UnsafeXMLError, match="doctype"):
        verify_xades(hostile)


@pytest.mark.parametrize("key", ["rsa2048", "p256"])
@pytest.mark.parametrize("timestamped", [False, True], ids=["B-B", "B-T"])
def test_round_trip(
    shared: Path, pki: TestPKI, tsa: TimestampAuthority, key: str, timestamped: bool
) -> None:
    """A seal validates against its XSD and passes only with the anchor given."""
    seal = pki.issue_seal(organization_identifier=ORG_ID, key=key)  # type: ignore[arg-type]
    sealed = seal_xades(
        unsealed_credential(shared),
        seal.seal_key(),
        tsa_url=tsa.url if timestamped else None,
    )

    assert is_valid_xml(sealed, schema="generic-1.2")
    trusted = verify_xades(sealed, trust=[pki.root])
    untrusted = verify_xades(sealed)
    level = BaselineLevel.B_T if timestamped else BaselineLevel.B_B
    assert (trusted.indication, trusted.level) == (Indication.TOTAL_PASSED, level)
    assert untrusted.indication is Indication.INDETERMINATE
    assert (trusted.proven_time is not None) is timestamped
    content = etree.fromstring(trusted.signed_content)
    assert content.find(".//{*}proof") is not None
    assert content.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is None
