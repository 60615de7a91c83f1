"""ELM 1.2 XML credentials (``europassCredential``) from the ELM v3 model.

Writes the credential node tree of :class:`~aurora_edc._build.CredentialBuilder`
(the same tree the EDC JSON-LD comes from) as an ELM 1.2 XML document, the
format the Europass EDC services still accept and convert, valid against the
European Commission's 1.2 schemas:

* ``europassCredential`` (namespace ``http://data.europa.eu/snb``,
  ``genericschema_1.2.xsd``, ``EuropassCredentialType``) for an issuer that
  is one of the awarding bodies; a credential whose Europass credential type
  is "Diploma Supplement" names ``diplomasupplementschema_1.2.xsd`` (the two
  files are byte-identical);
* the mandated form, ``vp:verifiablePresentation``
  (``mandatedschema_{generic,dp}_1.2.xsd``), when the issuer seals on behalf
  of awarding bodies it is not one of: ``vp:issuer`` is the sealing
  organisation, the wrapped credential's ``cred:issuer`` the first awarding
  body.

The document ends with an empty ``proof`` (``vp:proof`` in the mandated
form), where the XAdES sealer (:mod:`aurora_edc._xades_sign`) puts the
enveloped ``ds:Signature``. The issuer's (or sealer's) ``registration`` holds
its eIDAS legal identifier, which the sealer compares with the seal
certificate's organizationIdentifier. Ids are the ELM v3 node ids (``IdType``
is ``xs:anyURI``). What ELM 1.2 cannot hold is listed in ``docs/status.md``;
:func:`elm12_report` adds a Warning for each text left out of one document.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from lxml import etree

from ._build_nodes import node_id
from ._elm import LangMap, Node, format_datetime
from ._exceptions import InputError
from ._report import ValidationReport
from ._xades import CRED, DS, SNB, VP
from ._xml12_checks import content_findings
from ._xml12_claims import References, achievement
from ._xml12_parts import (
    code,
    contact,
    country_code,
    date_only,
    element,
    identifier,
    language_code,
    nodes,
    organization,
    texts,
)
from ._xsd import schema_url, xml_report

__all__ = [
    "ELM12Form",
    "elm12_bytes",
    "elm12_form",
    "elm12_report",
    "elm12_schema",
    "elm12_tree",
    "tree_bytes",
]

log = logging.getLogger(__name__)

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSD_VERSION = "0.10.0"
_DIPLOMA_SUPPLEMENT = "http://data.europa.eu/snb/credential/6dff8a0f87"
_MANDATED_TYPE = Node(
    "Concept",
    "http://data.europa.eu/snb/verifiable-presentation/c_825cddc0",
    {
        "inScheme": Node(
            "ConceptScheme", "http://data.europa.eu/snb/verifiable-presentation/25831c2"
        ),
        "prefLabel": LangMap({"en": "Mandated Issue"}),
    },
)


class ELM12Form(enum.StrEnum):
    """Which ELM 1.2 document a credential becomes."""

    DIRECT = "direct"
    """``europassCredential``: the issuer is an awarding body."""
    MANDATED = "mandated"
    """``vp:verifiablePresentation``: the issuer seals on behalf of others."""


@dataclass(frozen=True)
class _Parties:
    """Who issues the wrapped credential and who seals the document."""

    issuer: Node
    sealer: Node | None


def elm12_form(credential: Node) -> ELM12Form:
    """Return the form a credential needs: mandated when its issuer awards nothing.

    Args:
        credential: Root node of the credential.

    Returns:
        :attr:`ELM12Form.MANDATED` when the issuer is none of the awarding
        bodies of the credential's achievements, else :attr:`ELM12Form.DIRECT`.

    """
    issuer = credential.get("issuer")
    bodies = {body.id for body in _awarding_bodies(credential)}
    if isinstance(issuer, Node) and bodies and issuer.id not in bodies:
        return ELM12Form.MANDATED

    return ELM12Form.DIRECT


def elm12_schema(credential: Node, form: ELM12Form | None = None) -> str:
    """Return the name (see :func:`aurora_edc._xsd.schema_names`) of the schema.

    Args:
        credential: Root node of the credential.
        form: The document form; :func:`elm12_form` decides when ``None``.

    Returns:
        ``generic-1.2``, ``diploma-supplement-1.2``, ``mandated-generic-1.2``
        or ``mandated-dp-1.2``.

    """
    form = form or elm12_form(credential)
    supplement = _profile_iri(credential) == _DIPLOMA_SUPPLEMENT
    if form is ELM12Form.MANDATED:
        return "mandated-dp-1.2" if supplement else "mandated-generic-1.2"

    return "diploma-supplement-1.2" if supplement else "generic-1.2"


def elm12_tree(
    credential: Node, *, form: ELM12Form | None = None, pretty: bool = False
) -> etree._ElementTree:
    """Return the ELM 1.2 document of a credential.

    Args:
        credential: Root node built by
            :meth:`~aurora_edc._build.CredentialBuilder.build`.
        form: The document form; :func:`elm12_form` decides when ``None``.
        pretty: Indent the document, as :func:`elm12_bytes` writes it.

    Returns:
        The document, with an empty ``proof`` for the seal.

    Raises:
        InputError: The node is not a credential (no issuer or
            ``credentialSubject`` node).

    """
    form = form or elm12_form(credential)
    schema = elm12_schema(credential, form)
    parties = _parties(credential, form)
    if form is ELM12Form.MANDATED:
        root = _presentation(credential, parties)
        _location(root, VP, schema)
    else:
        root = _credential(credential, parties.issuer, proof=True)
        _location(root, SNB, schema)
    log.debug("ELM 1.2 %s document of %s (%s)", form.value, credential.id, schema)
    tree = etree.ElementTree(root)
    if pretty:
        etree.indent(tree, space="  ")

    return tree


def elm12_bytes(
    credential: Node, *, form: ELM12Form | None = None, pretty: bool = True
) -> bytes:
    """Return the ELM 1.2 document of a credential as UTF-8 XML.

    Args:
        credential: Root node of the credential.
        form: The document form; :func:`elm12_form` decides when ``None``.
        pretty: Indent the document (the EC samples are indented).

    Returns:
        The XML bytes, with an XML declaration.

    Raises:
        InputError: The node is not a credential.

    """
    return tree_bytes(elm12_tree(credential, form=form, pretty=pretty))


def tree_bytes(tree: etree._ElementTree) -> bytes:
    """Return a document as UTF-8 XML with an XML declaration."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def elm12_report(
    credential: Node,
    data: bytes | etree._ElementTree,
    *,
    source_name: str = "<elm12>",
) -> ValidationReport:
    """Validate an ELM 1.2 document against its schema; note what it left out.

    The schema is the one the document names (``xsi:schemaLocation``). Each
    XML Schema error is a Violation (``check="xsd"``); each text in a
    language 1.2 cannot carry, each grade translation dropped and each fact a
    diploma supplement lacks is a Warning (``check="elm12"``).

    Args:
        credential: The credential the document was written from.
        data: The document: its bytes, or the tree of :func:`elm12_tree`,
            validated as it is, without writing and parsing it again.
        source_name: Label of the document in the report.

    Returns:
        The report; its profile is the schema name. The line of an XML Schema
        error is that of the document's bytes (:func:`tree_bytes` of a tree).

    Raises:
        InputError: The document is not well-formed XML.
        ArtefactError: The schema cannot be loaded.

    """
    report = xml_report(data, source_name=source_name)
    if not report.conforms and isinstance(data, etree._ElementTree):
        # A tree built in memory has no source lines; its bytes have.
        report = xml_report(tree_bytes(data), source_name=source_name)
    supplement = _profile_iri(credential) == _DIPLOMA_SUPPLEMENT
    notes = tuple(content_findings(credential, diploma_supplement=supplement))
    if notes:
        log.warning(
            "%s: %d fact(s) of the credential left out of or missing from its "
            "ELM 1.2 document; see the report's elm12 findings",
            source_name,
            len(notes),
        )

    return ValidationReport(report.source, report.profile, report.findings + notes)


def _nsmap(default_root: str) -> dict[str | None, str]:
    mapping: dict[str | None, str] = {None: SNB, "cred": CRED, "ds": DS, "xsi": XSI}
    if default_root == VP:
        mapping["vp"] = VP

    return mapping


def _location(root: etree._Element, namespace: str, schema: str) -> None:
    root.set(f"{{{XSI}}}schemaLocation", f"{namespace} {schema_url(schema)}")


def _parties(credential: Node, form: ELM12Form) -> _Parties:
    issuer = credential.get("issuer")
    if not isinstance(issuer, Node):
        raise InputError(
            "no issuer node; expected the root of a credential", source=credential.id
        )
    if form is ELM12Form.DIRECT:
        return _Parties(issuer, None)
    bodies = _awarding_bodies(credential)

    return _Parties(bodies[0] if bodies else issuer, issuer)


def _presentation(credential: Node, parties: _Parties) -> etree._Element:
    """``vp:verifiablePresentation``: type, sealer, the credential, ``vp:proof``."""
    root = etree.Element(f"{{{VP}}}verifiablePresentation", nsmap=_nsmap(VP))
    root.set("id", node_id("presentation", credential.id))
    code(root, f"{{{VP}}}type", _MANDATED_TYPE)
    if parties.sealer is not None:
        organization(root, f"{{{VP}}}issuer", parties.sealer)
    root.append(_credential(credential, parties.issuer, proof=False))
    element(root, f"{{{VP}}}proof")

    return root


def _credential(credential: Node, issuer: Node, *, proof: bool) -> etree._Element:
    """Build ``europassCredential``, its elements in the schema's order."""
    root = etree.Element(f"{{{SNB}}}europassCredential", nsmap=_nsmap(SNB))
    root.set(f"{{{CRED}}}id", credential.id)
    root.set("xsdVersion", _XSD_VERSION)
    for item in nodes(credential, "identifier"):
        identifier(root, "identifier", item)
    code(root, "type", credential.get("credentialProfiles"))
    display = credential.get("displayParameter")
    display = display if isinstance(display, Node) else Node("DisplayParameter", "")
    _languages(root, credential, display)
    _dates(root, credential)
    refs = References()
    element(root, f"{{{CRED}}}issuer", idref=refs.agent(issuer))
    bodies = _awarding_bodies(credential)
    refs.accredited = bodies[0] if bodies else issuer
    texts(root, "title", _title(credential, display))
    description = display.get("description")
    texts(
        root, "description", description if isinstance(description, LangMap) else None
    )
    _subject(root, credential, refs)
    refs.write(root)
    if proof:
        element(root, "proof")

    return root


def _title(credential: Node, display: Node) -> LangMap:
    title = display.get("title")
    if isinstance(title, LangMap):
        return title
    claims = [claim.get("title") for claim in _claims(credential)]

    return next((item for item in claims if isinstance(item, LangMap)), LangMap({}))


def _languages(root: etree._Element, credential: Node, display: Node) -> None:
    """``primaryLanguage`` and ``availableLanguages`` (codes 1.2 admits)."""
    primary_node = display.get("primaryLanguage")
    primary = language_code(primary_node.id) if isinstance(primary_node, Node) else None
    available = [language_code(item.id) for item in nodes(display, "language")]
    title = _title(credential, display)
    available += [language_code(tag) for tag in title.texts]
    codes = [item for item in dict.fromkeys(available) if item is not None]
    primary = primary or (codes[0] if codes else "en")
    element(root, "primaryLanguage", primary)
    holder = element(root, "availableLanguages")
    for item in dict.fromkeys([primary, *codes]):
        element(holder, "language", item)


def _dates(root: etree._Element, credential: Node) -> None:
    """``cred:validFrom``, ``cred:issued`` (required), ``cred:validUntil``."""
    for prop in ("validFrom", "issued", "validUntil"):
        value = credential.get(prop)
        if value is None and prop == "issued":
            value = credential.get("issuanceDate")
        if value is not None:
            element(root, f"{{{CRED}}}{prop}", format_datetime(value))


def _subject(root: etree._Element, credential: Node, refs: References) -> None:
    """``credentialSubject`` (``PersonType``) with its achievements."""
    person = credential.get("credentialSubject")
    if not isinstance(person, Node):
        raise InputError(
            "no credentialSubject node; expected the root of a credential",
            source=credential.id,
        )
    holder = element(root, "credentialSubject", id=person.id)
    for item in nodes(person, "identifier"):
        identifier(holder, "identifier", item)
    for point in nodes(person, "contactPoint"):
        contact(holder, point)
    national = person.get("nationalID")
    if isinstance(national, Node):
        spatial = country_code(national.get("spatial")) or ""
        element(
            holder, "nationalId", str(national.get("notation") or ""), spatialID=spatial
        )
    for prop, name in (
        ("fullName", "fullName"),
        ("givenName", "givenNames"),
        ("familyName", "familyName"),
    ):
        value = person.get(prop)
        if isinstance(value, LangMap) or name != "fullName":
            texts(holder, name, value if isinstance(value, LangMap) else LangMap({}))
    born = date_only(person.get("dateOfBirth"))
    if born is not None:
        element(holder, "dateOfBirth", born)
    claims = _claims(credential)
    if claims:
        achievements = element(holder, "achievements")
        for claim in claims:
            achievement(achievements, claim, refs)


def _claims(credential: Node) -> list[Node]:
    person = credential.get("credentialSubject")
    if not isinstance(person, Node):
        return []

    return [
        claim
        for claim in nodes(person, "hasClaim")
        if "LearningAchievement" in claim.types
    ]


def _awarding_bodies(credential: Node) -> list[Node]:
    found: dict[str, Node] = {}
    for claim in _claims(credential):
        for process in nodes(claim, "awardedBy"):
            for body in nodes(process, "awardingBody"):
                found.setdefault(body.id, body)

    return list(found.values())


def _profile_iri(credential: Node) -> str | None:
    profile = credential.get("credentialProfiles")

    return profile.id if isinstance(profile, Node) else None
