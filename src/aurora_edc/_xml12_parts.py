"""ELM 1.2 XML building blocks: texts, code values, identifiers, organisations.

Implements the shared data types of the ELM 1.2 credential schema
(``genericschema_1.2.xsd``, namespace ``http://data.europa.eu/snb``) for the
writer in :mod:`aurora_edc._xml12`:

* ``TextType`` / ``NoteType``: one ``<text lang content-type>`` per language;
  the ``lang`` attribute admits only 29 two-letter codes
  (``LanguageCharCodeEnumType``), so a BCP 47 tag is reduced to its primary
  subtag and texts in other languages are left out (:func:`lost_languages`
  lists them for the writer's report);
* ``CodeType`` and its restrictions: a controlled value written the way the
  European Commission's 1.2 samples write it (``targetFrameworkUrl``,
  ``targetNotation``, ``uri``, ``targetName``, ``targetFrameworkName``);
* ``IdentifierType`` / ``LegalIdentifierType`` (``spatialID`` is the ISO 3166-1
  alpha-2 code of the identifier's country);
* ``OrganizationType``, ``LocationType``, ``AccreditationType``,
  ``MediaObjectType``.

Every builder takes a node of the ELM v3 model (:class:`~aurora_edc._elm.Node`)
and appends children in the order the schema's sequences require.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import pycountry
from lxml import etree

from ._elm import LangMap, Node, Value, format_datetime
from ._xades import SNB

__all__ = [
    "ELM12_LANGUAGES",
    "accreditation",
    "code",
    "codes",
    "contact",
    "country_code",
    "date_only",
    "date_time",
    "element",
    "homepage",
    "identifier",
    "items",
    "language_code",
    "lost_languages",
    "media",
    "nodes",
    "note",
    "note_text",
    "organization",
    "texts",
]

# fmt: off
ELM12_LANGUAGES = frozenset((
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "is", "it", "lt", "lv", "mk", "mt", "nl", "no", "pl", "pt", "ro", "sk", "sl",
    "sr", "sv", "tr",
))
# fmt: on
"""The languages ``LanguageCharCodeEnumType`` admits for texts and languages."""

# Primary subtags that are written as another admitted code: Norwegian
# Bokmål and Nynorsk are both "no" in the 1.2 list.
_LANGUAGE_ALIASES = {"nb": "no", "nn": "no"}

_PLAIN = "text/plain"

# ELM v3 ConceptScheme IRI -> the framework URL the EC's 1.2 samples write,
# where the two differ (ESCO is a concept scheme in v3, a model class in 1.2).
_FRAMEWORK_URL = {
    "http://data.europa.eu/esco/concept-scheme/skills": (
        "http://data.europa.eu/esco/model#Skill"
    ),
    "http://data.europa.eu/esco/concept-scheme/occupations": (
        "http://data.europa.eu/esco/model#Occupation"
    ),
}

# Framework URL -> English framework name, as the EC's 1.2 samples write them
# (EDC_SampleDegree_AA.xml, EDC_DiplomaSupplement_AA_signed.xml).
_FRAMEWORK_NAME = {
    "http://data.europa.eu/snb/credential/25831c2": (
        "Europass Standard List of Credential Types"
    ),
    "http://data.europa.eu/snb/accreditation/25831c2": (
        "Europass Standard List Of Accreditation Types"
    ),
    "http://data.europa.eu/snb/assessment/25831c2": (
        "Europass Standard List Of Assessment Types"
    ),
    "http://data.europa.eu/snb/encoding/25831c2": (
        "Europass Standard List of Content Encoding Types"
    ),
    "http://data.europa.eu/snb/eqf/25831c2": "European Qualifications Framework",
    "http://data.europa.eu/snb/isced-f/25831c2": (
        "International Standard Classification of Education: "
        "Fields of Education and Training 2013"
    ),
    "http://data.europa.eu/snb/learning-activity/25831c2": (
        "Europass Standard List Of Learning Activity Types"
    ),
    "http://data.europa.eu/snb/learning-assessment/25831c2": (
        "Europass Standard List of Modes Of Learning and Assessment"
    ),
    "http://data.europa.eu/snb/learning-opportunity/25831c2": (
        "Europass Standard List of Learning Opportunity Types"
    ),
    "http://data.europa.eu/snb/learning-setting/25831c2": (
        "Europass Standard List Of Learning Setting Types"
    ),
    "http://data.europa.eu/snb/qdr/25831c2": "National Qualifications Framework",
    "http://data.europa.eu/snb/skill-reuse-level/25831c2": (
        "ESCO Skill Pillar concept reusability levels"
    ),
    "http://data.europa.eu/snb/skill-type/25831c2": (
        "ESCO Skill Pillar concept (sub-) Types"
    ),
    "http://data.europa.eu/snb/supervision-verification/25831c2": (
        "Europass Standard List of Methods Of Supervision And Verification"
    ),
    "http://data.europa.eu/snb/verifiable-presentation/25831c2": (
        "Verifiable Presentation Type"
    ),
    "http://publications.europa.eu/resource/authority/atu": (
        "Administrative territorial unit"
    ),
    "http://publications.europa.eu/resource/authority/country": "Country",
    "http://publications.europa.eu/resource/authority/file-type": "File type",
    "http://publications.europa.eu/resource/authority/language": "Language",
}


def element(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    """Append ``<name>`` (ELM 1.2 namespace unless a Clark name), with text."""
    tag = name if name.startswith("{") else f"{{{SNB}}}{name}"
    child = etree.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = text

    return child


def items(node: Node, name: str) -> list[Value]:
    """Return the values of property ``name`` as a list (empty when absent)."""
    value = node.props.get(name)
    if value is None:
        return []

    return list(value) if isinstance(value, list) else [value]


def nodes(node: Node, name: str) -> list[Node]:
    """Return the node values of property ``name``."""
    return [item for item in items(node, name) if isinstance(item, Node)]


def language_code(tag: str) -> str | None:
    """Return the 1.2 language code of a BCP 47 tag or EU language IRI, or None.

    Args:
        tag: ``en``, ``en-GB``, or a Language NAL IRI ending in ``/ENG``.

    Returns:
        One of :data:`ELM12_LANGUAGES`, or ``None`` when 1.2 has no code for
        the language.

    """
    primary = tag.rsplit("/", 1)[-1].split("-")[0].lower()

    return _code_of(primary)


@functools.lru_cache(maxsize=512)
def _code_of(primary: str) -> str | None:
    if len(primary) == 3:
        found = pycountry.languages.get(alpha_3=primary)
        primary = getattr(found, "alpha_2", "") if found is not None else ""
    primary = _LANGUAGE_ALIASES.get(primary, primary)

    return primary if primary in ELM12_LANGUAGES else None


def _texts_of(value: LangMap) -> Iterator[tuple[str, str, str]]:
    """Yield (tag, 1.2 code, text), the first text of each admitted code."""
    texts_ = value.texts
    for tag, code_ in _kept_codes(tuple(texts_)):
        yield tag, code_, texts_[tag]


@functools.lru_cache(maxsize=1024)
def _kept_codes(tags: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(tag, 1.2 code) of the tags kept: the first tag of each admitted code."""
    seen: set[str] = set()
    kept = []
    for tag in tags:
        code_ = language_code(tag)
        if code_ is not None and code_ not in seen:
            seen.add(code_)
            kept.append((tag, code_))

    return tuple(kept)


def lost_languages(value: LangMap) -> list[str]:
    """Return the language tags of ``value`` whose text ELM 1.2 cannot carry.

    A tag is lost when 1.2 has no code for its language, or when an earlier
    tag of the same language took the code (``en`` and ``en-GB``).
    """
    return list(_lost_tags(tuple(value.texts)))


@functools.lru_cache(maxsize=1024)
def _lost_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    kept = {tag for tag, _ in _kept_codes(tags)}

    return tuple(tag for tag in tags if tag not in kept)


def texts(parent: etree._Element, name: str, value: LangMap | None) -> None:
    """Append a ``TextType`` element, one ``text`` per language; skip ``None``."""
    if value is None:
        return
    holder = element(parent, name)
    for _, code_, text in _texts_of(value):
        element(holder, "text", text, lang=code_, **{"content-type": _PLAIN})


def note(
    parent: etree._Element,
    name: str,
    value: LangMap | None,
    subject: str | None = None,
    topic: str | None = None,
) -> None:
    """Append a ``NoteType`` element (at least one text) and its subject.

    Nothing is written when no language of ``value`` is admitted: the schema
    needs one ``text``.

    Args:
        parent: Where to append.
        name: Element name.
        value: The texts.
        subject: Free-text subject of the note.
        topic: Qualification-topic IRI of the subject (``SubjectTypeCodeType``).

    """
    pairs = list(_texts_of(value)) if value is not None else []
    if not pairs:
        return
    holder = element(parent, name)
    for _, code_, text in pairs:
        element(holder, "text", text, lang=code_, **{"content-type": _PLAIN})
    if subject is not None:
        attributes = {"uri": topic} if topic else {}
        element(holder, "subject", subject, **attributes)


def note_text(value: Value | None) -> LangMap | None:
    """Return the ``noteLiteral`` of a Note node, or a LangMap as it is."""
    if isinstance(value, Node):
        literal = value.get("noteLiteral")
        return literal if isinstance(literal, LangMap) else None

    return value if isinstance(value, LangMap) else None


def code(parent: etree._Element, name: str, concept: Value | None) -> None:
    """Append a ``CodeType`` element for a ``Concept`` node; skip ``None``."""
    if not isinstance(concept, Node):
        return
    scheme = concept.get("inScheme")
    scheme_id = scheme.id if isinstance(scheme, Node) else ""
    framework = _FRAMEWORK_URL.get(scheme_id, scheme_id)
    if not framework.startswith(("http://", "https://")):
        # DocumentURLType: a scheme that is no web address cannot be named.
        return
    attributes = {"targetFrameworkUrl": framework}
    notation = concept.get("notation")
    if isinstance(notation, str):
        attributes["targetNotation"] = notation
    attributes["uri"] = concept.id
    holder = element(parent, name, **attributes)
    label = concept.get("prefLabel")
    texts(holder, "targetName", label if isinstance(label, LangMap) else LangMap({}))
    known = _FRAMEWORK_NAME.get(framework)
    if known is not None:
        texts(holder, "targetFrameworkName", LangMap({"en": known}))


def codes(parent: etree._Element, name: str, node: Node, prop: str) -> None:
    """Append one ``CodeType`` element per concept of ``node.prop``."""
    for concept in nodes(node, prop):
        code(parent, name, concept)


def date_time(value: Value | None) -> str | None:
    """Return an xs:dateTime text for a date or time value, else None."""
    if isinstance(value, datetime | date):
        return format_datetime(value)

    return None


def date_only(value: Value | None) -> str | None:
    """Return the xs:date text of a date or time value (its calendar date)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()

    return None


def country_code(concept: Value | None) -> str | None:
    """Return the ISO alpha-2 code of a Country NAL concept (else its notation)."""
    if not isinstance(concept, Node):
        return None
    notation = concept.id.rsplit("/", 1)[-1]
    found = pycountry.countries.get(alpha_3=notation)

    return found.alpha_2 if found is not None else notation


def identifier(parent: etree._Element, name: str, node: Node) -> None:
    """Append an ``IdentifierType`` element from an ``Identifier`` node."""
    attributes = {}
    scheme = node.get("schemeName")
    if isinstance(scheme, str):
        attributes["schemeName"] = scheme
    spatial = country_code(node.get("spatial"))
    if spatial is not None:
        attributes["spatialID"] = spatial
    element(parent, name, str(node.get("notation") or ""), **attributes)


def homepage(parent: etree._Element, name: str, node: Node, prop: str) -> None:
    """Append a ``DocumentType`` per ``WebResource`` whose URL is http(s)."""
    for page in nodes(node, prop):
        url = page.get("contentURL")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            element(parent, name, uri=url)


def media(parent: etree._Element, name: str, node: Node | None) -> None:
    """Append a ``MediaObjectType`` element for a ``MediaObject`` node."""
    if node is None or not isinstance(node.get("content"), str):
        return
    holder = element(parent, name)
    code(holder, "contentType", node.get("contentType"))
    code(holder, "contentEncoding", node.get("contentEncoding"))
    element(holder, "content", str(node.get("content")))


def organization(
    parent: etree._Element,
    name: str,
    org: Node,
    accreditations: Iterable[str] = (),
) -> etree._Element:
    """Append an ``OrganizationType`` element for an ``Organisation`` node.

    Args:
        parent: Where to append.
        name: Element name (``organization``, ``accreditingAgent``, ``vp:issuer``
            as a Clark name).
        org: The organisation.
        accreditations: Ids of ``accreditation`` elements to reference with
            ``hasAccreditation``.

    Returns:
        The new element.

    """
    holder = element(parent, name, id=org.id)
    legal, others = _legal_identifiers(org)
    for item in others:
        identifier(holder, "identifier", item)
    _group_note(holder, org)
    for point in nodes(org, "contactPoint"):
        contact(holder, point)
    _registration(holder, org, legal)
    for vat in nodes(org, "vatIdentifier"):
        identifier(holder, "vatIdentifier", vat)
    texts(holder, "prefLabel", _langmap(org.get("legalName")))
    texts(holder, "altLabel", _langmap(org.get("altLabel")))
    homepage(holder, "homepage", org, "homepage")
    for location in nodes(org, "location"):
        _location(holder, location)
    if not nodes(org, "location"):
        element(holder, "hasLocation")
    for reference in accreditations:
        element(holder, "hasAccreditation", idref=reference)
    media(holder, "logo", org.get("logo"))

    return holder


def _langmap(value: Value | None) -> LangMap | None:
    return value if isinstance(value, LangMap) else None


def _legal_identifiers(org: Node) -> tuple[Node | None, list[Node]]:
    """Choose the ``registration`` (eIDAS, else national, else VAT id).

    Returns the chosen node and the identifiers written as ``identifier``: the
    organisation's own identifiers and a national registration that the eIDAS
    identifier displaced.
    """
    eidas = org.get("eIDASIdentifier")
    national = org.get("registration")
    vat = org.get("vatIdentifier")
    others = nodes(org, "identifier")
    if isinstance(eidas, Node):
        if isinstance(national, Node):
            displaced = Node("Identifier", national.id, dict(national.props))
            displaced.props["schemeName"] = "Registration"
            others = [*others, displaced]
        return eidas, others
    for candidate in (national, vat):
        if isinstance(candidate, Node):
            return candidate, others

    return None, others


def _registration(holder: etree._Element, org: Node, legal: Node | None) -> None:
    """Write the mandatory ``registration``; the node id when nothing else exists."""
    if legal is not None:
        identifier(holder, "registration", legal)
        return
    known = nodes(org, "identifier")
    if known:
        identifier(holder, "registration", known[0])
        return
    element(holder, "registration", org.id, schemeName="aurora-edc node id")


def _group_note(holder: etree._Element, org: Node) -> None:
    for group in nodes(org, "groupMemberOf"):
        note(holder, "additionalNote", _langmap(group.get("prefLabel")), "Member of")


def contact(holder: etree._Element, point: Node) -> None:
    """Append a ``contactPoint`` with the ``mailBox`` of a ``ContactPoint`` node."""
    boxes = nodes(point, "emailAddress")
    if not boxes:
        return
    contact = element(holder, "contactPoint")
    for box in boxes:
        element(contact, "mailBox", uri=box.id)


def _location(holder: etree._Element, location: Node) -> None:
    place = element(holder, "hasLocation")
    element(place, "id", location.id)
    for address in nodes(location, "address"):
        where = element(place, "hasAddress")
        element(where, "id", address.id)
        note(where, "fullAddress", note_text(address.get("fullAddress")))
        code(where, "country", address.get("countryCode"))
    code(place, "spatialCode", location.get("spatialCode"))


def accreditation(
    parent: etree._Element, node: Node, accredited: Node
) -> etree._Element:
    """Append an ``AccreditationType`` element for an ``Accreditation`` node.

    Args:
        parent: The ``accreditationReferences`` element.
        node: The accreditation.
        accredited: The organisation it accredits; ELM 1.2 requires one, the
            ELM v3 record does not name it.

    Returns:
        The new element.

    """
    holder = element(parent, "accreditation", id=node.id)
    code(holder, "type", node.get("dcType"))
    texts(holder, "title", _langmap(node.get("title")))
    organization(holder, "organization", accredited)
    agent = node.get("accreditingAgent")
    if isinstance(agent, Node):
        organization(holder, "accreditingAgent", agent)
    expiry = date_time(node.get("expiryDate"))
    if expiry is not None:
        element(holder, "expiryDate", expiry)
    homepage(holder, "homepage", node, "homepage")

    return holder
