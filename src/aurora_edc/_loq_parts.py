"""ELM v3 LOQ XML building blocks: texts, concepts, identifiers, agents, places.

Implements the data types of the ELM v3 "learning opportunities and
qualifications" schema (``loq.xsd``, namespace
``http://data.europa.eu/snb/model/ap/loq-constraints/``, version 3.1.0) for
the writer in :mod:`aurora_edc._loq`:

* ``rdf:LangStringType`` properties (``title``, ``description``,
  ``legalName``...): one element per language, any BCP 47 tag;
* ``NoteType``: one ``noteLiteral``, so a note keeps one language (the
  first; :func:`note` returns the tags it left out);
* controlled values: the ``...RestrictionType`` elements carry only the
  concept ``uri`` (the restriction leaves them no content); plain
  ``skos:ConceptType`` elements also carry ``skos:prefLabel`` and
  ``skos:inScheme``;
* ``IdentifierType`` / ``LegalIdentifierType`` (``skos:notation``,
  ``schemeName``, ``spatial``), ``OrganisationType``, ``LocationType``,
  ``GroupType``, ``AccreditationType``, ``MediaObjectType``.

Builders take nodes of the ELM v3 model (:class:`~aurora_edc._elm.Node`), whose
property names are, for most elements, the LOQ element names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from ._elm import LangMap, Node, format_datetime
from ._xml12_parts import items, nodes, note_text

__all__ = [
    "LOQ",
    "LOQ_SECTIONS",
    "LOQReferences",
    "concept",
    "concepts",
    "element",
    "lang_strings",
    "note",
]

LOQ = "http://data.europa.eu/snb/model/ap/loq-constraints/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DC = "http://purl.org/dc/terms/"

# The reference sections of CoursesRootType, in schema order.
LOQ_SECTIONS = (
    "learningOpportunityReferences",
    "learningAchievementSpecificationReferences",
    "learningOutcomeReferences",
    "learningActivitySpecificationReferences",
    "learningAssessmentSpecificationReferences",
    "agentReferences",
    "groupReferences",
    "accreditationReferences",
    "gradingSchemeReferences",
    "locationReferences",
)


def element(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    """Append ``<name>`` in the LOQ namespace (or a Clark name), with text."""
    tag = name if name.startswith("{") else f"{{{LOQ}}}{name}"
    child = etree.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = text

    return child


def lang_strings(parent: etree._Element, name: str, value: object) -> None:
    """Append one ``rdf:LangStringType`` element per language of a LangMap."""
    if isinstance(value, LangMap):
        for tag, text in value.texts.items():
            element(parent, name, text, language=tag)


def note(
    parent: etree._Element, name: str, value: object, topic: str = ""
) -> list[str]:
    """Append a ``NoteType`` element with the first text; return tags left out.

    Args:
        parent: Where to append.
        name: Element name.
        value: A ``Note`` node or a LangMap.
        topic: Qualification-topic IRI for ``dc:subject``.

    Returns:
        The language tags whose text the single ``noteLiteral`` could not hold.

    """
    texts = note_text(value) if isinstance(value, Node) else value
    if not isinstance(texts, LangMap) or not texts.texts:
        return []
    holder = element(parent, name)
    if topic:
        etree.SubElement(holder, f"{{{DC}}}subject", uri=topic)
    tag, text = next(iter(texts.texts.items()))
    element(holder, "noteLiteral", text, language=tag)

    return [other for other in texts.texts if other != tag]


def concept(parent: etree._Element, name: str, value: object, *, labels: bool) -> None:
    """Append a concept element: the ``uri``, and labels when ``labels``.

    Restricted types (``ISCEDFCode``, ``language``, ``mode``...) admit only
    the ``uri``; plain ``skos:ConceptType`` elements take the labels too.
    """
    if not isinstance(value, Node):
        return
    holder = element(parent, name, uri=value.id)
    if not labels:
        return
    label = value.get("prefLabel")
    if isinstance(label, LangMap):
        for tag, text in label.texts.items():
            etree.SubElement(holder, f"{{{SKOS}}}prefLabel", language=tag).text = text
    scheme = value.get("inScheme")
    if isinstance(scheme, Node):
        etree.SubElement(holder, f"{{{SKOS}}}inScheme").text = scheme.id


def concepts(
    parent: etree._Element, name: str, node: Node, prop: str, *, labels: bool = False
) -> None:
    """Append one concept element per concept of ``node.prop``."""
    for item in nodes(node, prop):
        concept(parent, name, item, labels=labels)


def identifier(parent: etree._Element, name: str, node: Node) -> None:
    """Append an ``IdentifierType`` (``LegalIdentifierType`` with ``spatial``)."""
    holder = element(parent, name)
    notation = etree.SubElement(holder, f"{{{SKOS}}}notation")
    notation.text = str(node.get("notation") or "")
    scheme = node.get("schemeName")
    if isinstance(scheme, str):
        element(holder, "schemeName", scheme)
    spatial = node.get("spatial")
    if isinstance(spatial, Node):
        element(holder, "spatial", uri=spatial.id)


def web_resources(parent: etree._Element, name: str, node: Node, prop: str) -> None:
    """Append a ``WebResourceType`` (``contentUrl``) per ``WebResource``."""
    for page in nodes(node, prop):
        url = page.get("contentURL")
        if isinstance(url, str):
            element(element(parent, name), "contentUrl", url)


def date_time(value: object) -> str | None:
    """Return xs:dateTime text for a date value, else None."""
    if isinstance(value, datetime | date):
        return format_datetime(value)

    return None


@dataclass
class LOQReferences:
    """Entities written once per ``Courses`` document, referenced by ``idref``.

    Attributes:
        sections: Section name -> (node id -> element), in first-use order.
        lost: Messages about texts a single-language note could not hold.

    """

    sections: dict[str, dict[str, etree._Element]] = field(
        default_factory=lambda: {name: {} for name in LOQ_SECTIONS}
    )
    lost: list[str] = field(default_factory=list)

    def add(
        self, section: str, node_id: str, build: Callable[[etree._Element], object]
    ) -> str:
        """Build an entity into ``section`` unless its id is there; return the id."""
        entries = self.sections[section]
        if node_id not in entries:
            holder = etree.Element("holder")
            build(holder)
            entries[node_id] = holder[0]

        return node_id

    def note(
        self,
        parent: etree._Element,
        name: str,
        owner: Node,
        prop: str,
        topic: str = "",
        *,
        value: object = None,
    ) -> None:
        """Append a note of ``owner.prop`` (or ``value``); record languages lost."""
        left = note(parent, name, owner.get(prop) if value is None else value, topic)
        if left:
            self.lost.append(
                f"{owner.id} {prop}: text in {', '.join(left)} left out "
                "(a LOQ NoteType holds one noteLiteral)"
            )

    def organisation(self, org: Node) -> str:
        """Add an ``organisation`` (and its places, group, accreditations)."""
        return self.add(
            "agentReferences", org.id, lambda holder: self._org(holder, org)
        )

    def write(self, root: etree._Element) -> None:
        """Append the non-empty sections to ``Courses``, in schema order."""
        for name in LOQ_SECTIONS:
            entries = self.sections[name]
            if entries:
                element(root, name).extend(entries.values())

    def _org(self, holder: etree._Element, org: Node) -> None:
        entry = element(holder, "organisation", id=org.id)
        for label in items(org, "altLabel"):
            for tag, text in label.texts.items() if isinstance(label, LangMap) else ():
                etree.SubElement(entry, f"{{{SKOS}}}altLabel", language=tag).text = text
        lang_strings(entry, "legalName", org.get("legalName"))
        for item in nodes(org, "identifier"):
            identifier(entry, "identifier", item)
        for prop, name in (
            ("eIDASIdentifier", "eidasLegalIdentifier"),
            ("registration", "registration"),
        ):
            legal = org.get(prop)
            if isinstance(legal, Node):
                identifier(entry, name, legal)
        for vat in nodes(org, "vatIdentifier"):
            identifier(entry, "vatIdentifier", vat)
        web_resources(entry, "homepage", org, "homepage")
        for accreditation in nodes(org, "accreditation"):
            element(
                entry, "accreditation", idref=self.accreditation(accreditation, [org])
            )
        for location in nodes(org, "location"):
            element(entry, "location", idref=self._location(location))
        for point in nodes(org, "contactPoint"):
            _contact(entry, point)
        _logo(entry, org.get("logo"))
        for group in nodes(org, "groupMemberOf"):
            element(entry, "groupMemberOf", idref=self._group(group, org))

    def accreditation(
        self, node: Node, accredited: list[Node], qualification: str | None = None
    ) -> str:
        """Add an ``accreditation`` of the ``accredited`` organisations."""

        def build(holder: etree._Element) -> None:
            entry = element(holder, "accreditation", id=node.id)
            concept(entry, "type", node.get("dcType"), labels=False)
            lang_strings(entry, "title", node.get("title"))
            for org in accredited:
                element(entry, "organisation", idref=self.organisation(org))
            if qualification is not None:
                element(entry, "limitQualification", idref=qualification)
            agent = node.get("accreditingAgent")
            if isinstance(agent, Node):
                element(entry, "accreditingAgent", idref=self.organisation(agent))
            expiry = date_time(node.get("expiryDate"))
            if expiry is not None:
                element(entry, "expiryDate", expiry)
            web_resources(entry, "homepage", node, "homepage")

        return self.add("accreditationReferences", node.id, build)

    def _location(self, location: Node) -> str:
        def build(holder: etree._Element) -> None:
            entry = element(holder, "location", id=location.id)
            for address in nodes(location, "address"):
                where = element(entry, "address")
                self.note(where, "fullAddress", address, "fullAddress")
                concept(where, "countryCode", address.get("countryCode"), labels=False)
            if not nodes(location, "address"):
                element(entry, "address")

        return self.add("locationReferences", location.id, build)

    def _group(self, group: Node, member: Node) -> str:
        def build(holder: etree._Element) -> None:
            entry = element(holder, "group", id=group.id)
            label = group.get("prefLabel")
            for tag, text in label.texts.items() if isinstance(label, LangMap) else ():
                etree.SubElement(
                    entry, f"{{{SKOS}}}prefLabel", language=tag
                ).text = text
            for point in nodes(group, "contactPoint"):
                _contact(entry, point)

        reference = self.add("groupReferences", group.id, build)
        members = self.sections["groupReferences"][reference]
        element(members, "member", idref=member.id)

        return reference


def _contact(parent: etree._Element, point: Node) -> None:
    boxes = nodes(point, "emailAddress")
    if boxes:
        holder = element(parent, "contactPoint")
        for box in boxes:
            element(holder, "emailAddress", box.id)


def _logo(parent: etree._Element, media: object) -> None:
    if not isinstance(media, Node) or not isinstance(media.get("content"), str):
        return
    holder = element(parent, "logo")
    concept(holder, "contentType", media.get("contentType"), labels=False)
    concept(holder, "contentEncoding", media.get("contentEncoding"), labels=False)
    element(holder, "content", str(media.get("content")))
