"""ELM 1.2 XML documents as XAdES seals see them (ETSI EN 319 132-1, enveloped).

What the XAdES sealer and verifier share about the document itself:

- where the enveloped ``ds:Signature`` lives: the ``proof`` element of the ELM
  1.2 ``europassCredential`` (genericschema_1.2.xsd, ``EuropassCredentialType``)
  or the ``vp:proof`` element of a mandated ``vp:verifiablePresentation``
  (mandatedschema_*_1.2.xsd); both admit at most one ``ds:Signature``;
- the credential's issuance date, ``cred:issued`` (xs:dateTime);
- the issuer's legal identifier: the ``registration`` element
  (``OrganizationType``, "the legal identifier of an organization") of the
  organisation that ``cred:issuer/@idref`` points to inside
  ``agentReferences``, or of ``vp:issuer`` for a presentation sealed on
  behalf; the EC sealer writes the certificate's organizationIdentifier
  (ETSI EN 319 412-1, clause 5.1.4) there;
- the namespaces and algorithm URIs of XML-DSig and XAdES.

Input is parsed by the project's hardened parser only.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass

from lxml import etree

from ._exceptions import InputError, shorten
from ._xmlsafe import check_tree, parse_xml

__all__ = [
    "C14N_EXCLUSIVE",
    "CRED",
    "DS",
    "FILTER2",
    "SNB",
    "VP",
    "XADES",
    "XADES141",
    "IssuerIdentifier",
    "collapse_whitespace",
    "credential_element",
    "document_root",
    "element_path",
    "issuer_identifier",
    "parse_document",
    "proof_element",
    "proof_tag",
]

logger = logging.getLogger(__name__)

SNB = "http://data.europa.eu/snb"
VP = "http://data.europa.eu/snb/vp"
CRED = "http://data.europa.eu/europass/model/credentials/w3c#"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
FILTER2 = "http://www.w3.org/2002/06/xmldsig-filter2"
C14N_EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"

_CREDENTIAL = f"{{{SNB}}}europassCredential"
# XML Schema Part 2, 4.3.6: the whitespace characters of the collapse facet.
_XSD_SPACE = re.compile(r"[ \t\n\r]+")
_PRESENTATION = f"{{{VP}}}verifiablePresentation"
_PROOF = {_CREDENTIAL: f"{{{SNB}}}proof", _PRESENTATION: f"{{{VP}}}proof"}
_PREFIXES = {SNB: "", VP: "vp:", CRED: "cred:", DS: "ds:", XADES: "xades:"}


@dataclass(frozen=True)
class IssuerIdentifier:
    """The legal identifier a document gives for its issuer (or sealer).

    Attributes:
        value: The ``registration`` text, whitespace-trimmed.
        path: XPath-like location of the element, for messages.
        line: Source line of the element, when known.

    """

    value: str
    path: str
    line: int | None


def parse_document(data: bytes, *, source: str = "<xml>") -> etree._Element:
    """Parse an ELM 1.2 document with the hardened parser; check its root.

    Args:
        data: The XML bytes.
        source: Label of the input for messages.

    Returns:
        The root element (``europassCredential`` or ``vp:verifiablePresentation``).

    Raises:
        UnsafeXMLError: DTD, entity or limit refused by the hardened parser.
        InputError: Not well-formed, or another root element.

    """
    root = parse_xml(data, source_name=source).getroot()
    _check_root(root, source)

    return root


def document_root(document: etree._ElementTree | etree._Element) -> etree._Element:
    """Return a copy of the root of an ELM 1.2 document built in memory.

    Args:
        document: The tree, or its root element.

    Returns:
        A deep copy of the root element, free to change.

    Raises:
        InputError: Another root element.
        UnsafeXMLError: The tree breaks a rule of the hardened parser
            (:func:`~aurora_edc._xmlsafe.check_tree`).

    """
    if isinstance(document, etree._ElementTree):
        document = document.getroot()
    _check_root(document, "<xml tree>")
    check_tree(document, source_name="<xml tree>")
    root = copy.deepcopy(document)

    return root


def _check_root(root: etree._Element, source: str) -> None:
    if root.tag not in _PROOF:
        raise InputError(
            f"root element {shorten(str(root.tag))}: expected "
            f"{{{SNB}}}europassCredential or {{{VP}}}verifiablePresentation "
            "(ELM 1.2)",
            source=source,
            line=root.sourceline,
        )


def proof_element(root: etree._Element) -> etree._Element | None:
    """Return the root's ``proof`` child (``vp:proof`` in a presentation)."""
    return root.find(proof_tag(root))


def proof_tag(root: etree._Element) -> str:
    """Return the Clark name of the ``proof`` element for this root."""
    return _PROOF[str(root.tag)]


def credential_element(root: etree._Element) -> etree._Element:
    """Return the ``europassCredential``: the root, or the presentation's child.

    Raises:
        InputError: A presentation without its credential.

    """
    if root.tag == _CREDENTIAL:
        return root
    credential = root.find(_CREDENTIAL)
    if credential is None:
        raise InputError(
            "/vp:verifiablePresentation: expected a europassCredential child, "
            "found none",
            line=root.sourceline,
        )

    return credential


def issuer_identifier(root: etree._Element) -> IssuerIdentifier | None:
    """Return the issuer's (or mandated sealer's) ``registration``, if any.

    A presentation sealed on behalf names its sealer in ``vp:issuer``; a
    credential names its issuer through ``cred:issuer/@idref``, resolved among
    ``agentReferences/organization/@id``.

    Args:
        root: The document root.

    Returns:
        The identifier, or None when the document carries none.

    Raises:
        InputError: ``cred:issuer/@idref`` matches several organisations.

    """
    if root.tag == _PRESENTATION:
        organisation = root.find(f"{{{VP}}}issuer")
    else:
        organisation = _issuer_organisation(root)
    if organisation is None:
        return None
    registrations = organisation.findall(f"{{{SNB}}}registration")
    if len(registrations) > 1:
        # OrganizationType: registration maxOccurs="1"; readers may pick either.
        raise InputError(
            f"{element_path(organisation)}: {len(registrations)} registration "
            "elements, expected one",
            line=registrations[1].sourceline,
        )
    registration = registrations[0] if registrations else None
    if registration is None or not (registration.text or "").strip():
        return None

    return IssuerIdentifier(
        value=(registration.text or "").strip(),
        path=element_path(registration),
        line=registration.sourceline,
    )


def _issuer_organisation(credential: etree._Element) -> etree._Element | None:
    """Resolve ``cred:issuer/@idref`` to its organisation element."""
    issuers = credential.findall(f"{{{CRED}}}issuer")
    if len(issuers) > 1:
        raise InputError(
            f"/europassCredential: {len(issuers)} cred:issuer elements, expected one",
            line=issuers[1].sourceline,
        )
    issuer = issuers[0] if issuers else None
    idref = None if issuer is None else issuer.get("idref")
    if idref is None:
        return None

    # Both attributes are xs:anyURI, whose whitespace facet is "collapse":
    # compare the values the schema compares, not the raw attribute text.
    wanted = collapse_whitespace(idref)
    issue_line = issuer.sourceline if issuer is not None else None
    organisations = credential.iterfind(
        f"{{{SNB}}}agentReferences/{{{SNB}}}organization"
    )
    matches = [
        o for o in organisations if collapse_whitespace(o.get("id") or "") == wanted
    ]
    # ELM 1.2 repeats an organisation in full wherever the schema wants one
    # inline (e.g. the accredited organisation of an accreditation), under the
    # same id. Such copies are fine when they state the same registration; any
    # other element with the issuer's id makes the issuer ambiguous.
    with_id = credential.xpath("descendant-or-self::*[@id]")
    assert isinstance(with_id, list)
    holders = [e for e in with_id if _collapsed_id(e) == wanted]
    copies = [e for e in holders if matches and e is not matches[0]]
    if len(matches) > 1 or any(not _same_registration(e, matches[0]) for e in copies):
        raise InputError(
            f"/europassCredential: {len(holders)} elements with id "
            f"{shorten(wanted)}, expected one organization",
            line=issue_line,
        )

    return matches[0] if matches else None


def _same_registration(copy: etree._Element, organisation: etree._Element) -> bool:
    """Whether ``copy`` repeats ``organisation`` with the same registration."""
    if not isinstance(copy.tag, str) or copy.tag.rpartition("}")[2] != "organization":
        return False

    def registration(element: etree._Element) -> list[str]:
        found = element.findall(f"{{{SNB}}}registration")
        return [collapse_whitespace(item.text or "") for item in found]

    return registration(copy) == registration(organisation) != []


def _collapsed_id(element: etree._Element) -> str | None:
    value = element.get("id") if isinstance(element.tag, str) else None

    return None if value is None else collapse_whitespace(value)


def collapse_whitespace(value: str) -> str:
    """Return ``value`` as XSD's ``whiteSpace="collapse"`` facet reads it."""
    return _XSD_SPACE.sub(" ", value).strip(" ")


def element_path(element: etree._Element) -> str:
    """Return a readable XPath of ``element`` with the usual ELM prefixes."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node)
        prefix = _PREFIXES.get(name.namespace or "", "")
        steps.append(prefix + name.localname)
        node = node.getparent()

    return "/" + "/".join(reversed(steps))
