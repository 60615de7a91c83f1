"""XAdES baseline B-B / B-T seals on ELM 1.2 XML (ETSI EN 319 132-1, clause 6).

The seal is an enveloped ``ds:Signature`` inside the document's ``proof``
element, as the EC's own sealed files have it, made by signxml (through
:class:`~aurora_edc._xades_signxml.XAdESSealSigner`):

- B-B (clause 6.3): ``SigningTime``, ``SigningCertificateV2`` (SHA-256
  CertDigest), ``DataObjectFormat`` with MimeType ``text/xml`` pointing at the
  ``URI=""`` reference, signing certificate (and chain) in ``ds:KeyInfo``;
- B-T: a ``SignatureTimeStamp`` (clause 5.3) from an RFC 3161 authority over
  the exclusive canonical form of ``ds:SignatureValue``, appended under
  ``xades:UnsignedProperties/UnsignedSignatureProperties``. No reference
  covers unsigned properties, so adding it keeps the signature valid.

Canonicalisation is exclusive XML c14n 1.0, as in the EC's (DSS) seals: the
digests of SignedInfo, SignedProperties and the timestamped SignatureValue
then do not depend on the namespaces declared by the enclosing document, so
a sealed credential can be embedded (in a presentation, a wallet envelope)
without breaking them. signxml writes no Transform for its exc-c14n
references; the signer subclass adds it.

Before sealing, ``cred:issued`` is set to the sealing moment, comments and
processing instructions are removed (canonical XML would leave them unsigned),
and the issuer's ``registration`` (its legal identifier) must equal the seal
certificate's organizationIdentifier (ETSI EN 319 412-1, clause 5.1.4).
"""

from __future__ import annotations

import logging
from base64 import b64encode
from datetime import datetime

from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.exceptions import SignXMLException

from ._exceptions import (
    AlreadySealedError,
    InputError,
    IssuerMismatchError,
    SealError,
    shorten,
)
from ._keys import SealKey, sealing_moment
from ._limits import DEFAULT_XML_LIMITS
from ._xades import (
    C14N_EXCLUSIVE,
    CRED,
    DS,
    SNB,
    XADES,
    credential_element,
    document_root,
    issuer_identifier,
    parse_document,
    proof_element,
    proof_tag,
)
from ._xades_signxml import XAdESSealSigner

__all__ = ["seal_xades"]

logger = logging.getLogger(__name__)

_SIGNATURE_METHODS = {
    "RS256": SignatureMethod.RSA_SHA256,
    "PS256": SignatureMethod.SHA256_RSA_MGF1,
    "ES256": SignatureMethod.ECDSA_SHA256,
    "ES384": SignatureMethod.ECDSA_SHA384,
}
_ISO = "%Y-%m-%dT%H:%M:%SZ"
_DESCRIPTION = "ELM 1.2 European Digital Credential (XML)"


def seal_xades(
    xml: bytes | etree._ElementTree | etree._Element,
    key: SealKey,
    *,
    tsa_url: str | None = None,
    when: datetime | None = None,
) -> bytes:
    """Seal an ELM 1.2 credential with an enveloped XAdES baseline signature.

    The result is XAdES-BASELINE-B, or B-T when ``tsa_url`` is given.

    Args:
        xml: The unsealed document: an ELM 1.2 ``europassCredential`` or a
            mandated ``vp:verifiablePresentation``, as bytes (read with the
            hardened parser) or as a tree built in memory (sealed as it is,
            without writing and parsing it again; a copy is sealed, the tree
            is left unchanged).
        key: Seal key, certificate and chain; the chain goes into KeyInfo.
        tsa_url: RFC 3161 time-stamping authority for the B-T
            ``SignatureTimeStamp``; None makes a B-B seal.
        when: Sealing moment, written to ``xades:SigningTime`` and
            ``cred:issued``; timezone-aware; default now.

    Returns:
        The sealed document, UTF-8 with an XML declaration.

    Raises:
        UnsafeXMLError: The input breaks the hardened parser's rules.
        InputError: Not well-formed, or not an ELM 1.2 document.
        AlreadySealedError: The document already carries a ds:Signature.
        IssuerMismatchError: The issuer's registration differs from the
            certificate's organizationIdentifier.
        KeyMaterialError: The certificate is not valid at ``when``.
        SealError: Signing or time-stamping failed.

    """
    moment = sealing_moment(when, key)
    if isinstance(xml, bytes | bytearray | memoryview):
        root = parse_document(bytes(xml), source="<xml to seal>")
    elif isinstance(xml, etree._ElementTree | etree._Element):
        root = document_root(xml)
    else:
        raise InputError(
            f"document to seal: expected bytes or an lxml tree, "
            f"found {type(xml).__name__}"
        )
    _refuse_sealed(root)
    check_issuer(root, key)

    _strip_unsigned_nodes(root)
    _set_issued(root, moment)
    _place_signature(root)
    sealed = sign_document(root, key, moment)
    if tsa_url is not None:
        add_signature_timestamp(sealed, tsa_url)
    logger.debug("XAdES seal made for %r", key)
    data = etree.tostring(sealed, xml_declaration=True, encoding="UTF-8")
    if len(data) > DEFAULT_XML_LIMITS.max_bytes:
        # Readers refuse larger documents: never seal what cannot be read.
        raise InputError(
            f"sealed document of {len(data)} bytes, expected at most "
            f"{DEFAULT_XML_LIMITS.max_bytes} (rule 'max-bytes')"
        )

    return data


def _refuse_sealed(root: etree._Element) -> None:
    """Raise AlreadySealedError when the document holds a ds:Signature."""
    found = next(root.iter(f"{{{DS}}}Signature"), None)
    if found is not None:
        raise AlreadySealedError(
            "the document already carries a ds:Signature; expected an unsealed "
            "credential",
            line=found.sourceline,
        )


def check_issuer(root: etree._Element, key: SealKey) -> None:
    """Check the issuer's registration against the certificate's identifier.

    Args:
        root: The document root.
        key: The seal key.

    Raises:
        IssuerMismatchError: The document's issuer registration cannot be
            found, or the certificate's organizationIdentifier is different
            or absent.

    """
    claimed = issuer_identifier(root)
    actual = key.organization_identifier
    if claimed is None:
        raise IssuerMismatchError(
            "issuer registration not found: cred:issuer/@idref (or vp:issuer) "
            "must name an organization whose registration equals the seal "
            f"certificate's organizationIdentifier, {shorten(str(actual))}"
        )
    if actual != claimed.value:
        raise IssuerMismatchError(
            f"{claimed.path} (line {claimed.line}): issuer identifier "
            f"{shorten(claimed.value)} expected to equal the seal certificate's "
            f"organizationIdentifier, found {shorten(actual)}"
        )


def _strip_unsigned_nodes(root: etree._Element) -> None:
    """Remove comments and processing instructions, which c14n leaves unsigned."""
    nodes = root.xpath("//comment() | //processing-instruction()")
    assert isinstance(nodes, list)
    for node in nodes:
        assert isinstance(node, etree._Element)
        parent = node.getparent()
        if parent is None:
            continue
        # Keep the node's tail text where it was.
        previous = node.getprevious()
        if node.tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)
    if nodes:
        logger.debug(
            "removed %d comments/processing instructions before sealing", len(nodes)
        )


def _set_issued(root: etree._Element, moment: datetime) -> None:
    """Set (or add) the credential's ``cred:issued`` to the sealing moment."""
    credential = credential_element(root)
    issued = credential.find(f"{{{CRED}}}issued")
    if issued is None:
        issued = etree.Element(f"{{{CRED}}}issued")
        anchor = credential.find(f"{{{CRED}}}validUntil")
        if anchor is None:
            anchor = credential.find(f"{{{CRED}}}issuer")
        if anchor is None:
            raise SealError(
                "/europassCredential: no cred:issuer; not an ELM 1.2 credential"
            )
        anchor.addprevious(issued)
    issued.text = moment.strftime(_ISO)


def _place_signature(root: etree._Element) -> None:
    """Put signxml's ``ds:Signature Id="placeholder"`` into ``proof``."""
    proof = proof_element(root)
    if proof is None:
        proof = etree.Element(proof_tag(root))
        following = root.find(f"{{{SNB}}}childCredentials")
        if following is not None:
            following.addprevious(proof)
        else:
            root.append(proof)
    proof.text = None
    etree.SubElement(proof, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})


def sign_document(
    root: etree._Element, key: SealKey, moment: datetime
) -> etree._Element:
    """Sign a prepared document (placeholder in place) with signxml.

    Args:
        root: Document root holding ``<ds:Signature Id="placeholder"/>``, a
            private copy of the caller's: it is signed in place.
        key: The seal key.
        moment: The SigningTime.

    Returns:
        The signed root.

    Raises:
        SealError: signxml refused the input or the key.

    """
    signer = XAdESSealSigner(
        signing_time=moment,
        signature_method=_SIGNATURE_METHODS[key.algorithm],
        description=_DESCRIPTION,
    )
    try:
        return signer.sign_owned(
            root,
            key=key.private_key,
            cert=[key.certificate, *key.chain],
            always_add_key_value=False,
        )
    except (SignXMLException, ValueError) as exc:
        raise SealError(f"signxml could not sign: {exc}") from exc


def add_signature_timestamp(root: etree._Element, tsa_url: str) -> None:
    """Add a B-T ``SignatureTimeStamp`` over the c14n of ``ds:SignatureValue``.

    Args:
        root: A sealed document root (one ds:Signature).
        tsa_url: The RFC 3161 authority.

    Raises:
        SealError: The authority did not answer with a valid token.

    """
    signature = next(root.iter(f"{{{DS}}}Signature"))
    value = signature.find(f"{{{DS}}}SignatureValue")
    assert value is not None
    octets = etree.tostring(value, method="c14n", exclusive=True, with_comments=False)
    from ._timestamp import request_timestamp  # B-T only: httpx, path checks

    token = request_timestamp(octets, tsa_url)

    qualifying = signature.find(f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties")
    assert qualifying is not None
    unsigned = qualifying.find(f"{{{XADES}}}UnsignedProperties")
    if unsigned is None:
        unsigned = etree.SubElement(qualifying, f"{{{XADES}}}UnsignedProperties")
    properties = unsigned.find(f"{{{XADES}}}UnsignedSignatureProperties")
    if properties is None:
        properties = etree.SubElement(
            unsigned, f"{{{XADES}}}UnsignedSignatureProperties"
        )
    stamp = etree.SubElement(
        properties,
        f"{{{XADES}}}SignatureTimeStamp",
        Id=f"{signature.get('Id')}-SignatureTimeStamp",
    )
    etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=C14N_EXCLUSIVE)
    encapsulated = etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp")
    encapsulated.text = b64encode(token).decode("ascii")
