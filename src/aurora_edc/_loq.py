"""Micro-credential specifications as ELM v3 LOQ XML (``Courses``).

Writes offerings (specifications, without learners) as documents of the
European Commission's ELM v3 "learning opportunities and qualifications"
schema (``loq.xsd``, version 3.1.0, namespace
``http://data.europa.eu/snb/model/ap/loq-constraints/``), the profile meant for
the Qualification Dataset Register and for course catalogues:

* a ``learningOpportunity`` per specification (title, type, homepage, modes,
  the awarding bodies as ``providedBy``, ``defaultLanguage``, the issuer as
  ``publisher``);
* its ``qualification`` (EQF *and* NQF level given, as ``loq.xsd`` requires)
  or ``learningAchievementSpecification`` (otherwise; an EQF level is then
  written as ``educationLevel``), with ISCED-F fields, credits, languages,
  learning setting, maximum duration, entry requirements, learning outcomes,
  activity and assessment specifications, accreditations and an
  ``awardingOpportunity`` naming the awarding bodies;
* the referenced outcomes, activity and assessment specifications, grading
  schemes, organisations, groups, locations and accreditations, each once.

The nodes come from :class:`~aurora_edc._build.CredentialBuilder`, the source of
the EDC JSON-LD: an offering is the specification part of a credential, so
:func:`loq_offering` builds the credential of a placeholder award and keeps
only the nodes that do not depend on a learner.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lxml import etree

from ._build import CredentialBuilder, node_id
from ._elm import Node
from ._exceptions import InputError, RecordError
from ._loq_parts import (
    DC,
    LOQ,
    SKOS,
    LOQReferences,
    concept,
    concepts,
    element,
    lang_strings,
)
from ._loq_specs import learning_outcomes, specification
from ._records import Award, Learner, Specification
from ._report import Finding, Severity, ValidationReport
from ._xml12_parts import nodes
from ._xsd import schema_url, xml_report

__all__ = [
    "LOQDocument",
    "LOQOffering",
    "loq_document",
    "loq_offering",
    "loq_report",
]

log = logging.getLogger(__name__)

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSD_VERSION = "3.1.0"
_PLACEHOLDER = Learner(full_name={"en": "placeholder"})
_ISSUED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LOQOffering:
    """One specification, as the nodes a LOQ document needs.

    Attributes:
        record_id: The specification's record id (its code in the
            university's systems), written as the opportunity's identifier.
        specification: ``Qualification`` or ``LearningAchievementSpecification``.
        awarding_bodies: The awarding bodies (``Organisation`` nodes).
        publisher: The issuer, written as the opportunity's ``publisher``.
        activities: ``LearningActivitySpecification`` nodes.
        default_language: The ``Language`` concept of the display's primary
            language.
        homepage: The offering's page: its own, else the first awarding
            body's (``loq.xsd`` requires one).
        part_bodies: Awarding bodies of the parts of a joint specification,
            by the part's node id (from the parts of the achievement).

    """

    record_id: str
    specification: Node
    awarding_bodies: tuple[Node, ...]
    publisher: Node
    activities: tuple[Node, ...]
    default_language: Node
    homepage: str
    part_bodies: Mapping[str, tuple[Node, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class LOQDocument:
    """A written ``Courses`` document.

    Attributes:
        data: The XML bytes.
        warnings: Texts the document could not hold (one per note).

    """

    data: bytes
    warnings: tuple[str, ...] = ()


def loq_offering(builder: CredentialBuilder, spec: Specification) -> LOQOffering:
    """Return the LOQ nodes of one specification.

    Args:
        builder: The builder that knows the records' organisations.
        spec: The specification.

    Returns:
        The offering.

    Raises:
        RecordError: The specification lacks what ``loq.xsd`` requires (an
            ISCED-F field, a language, a learning outcome, a homepage), or the
            builder refuses it (unknown organisation, issuer without eIDAS
            identifier).

    """
    award = Award(
        id=f"{spec.id}#offering", learner=_PLACEHOLDER, awarded_on=date(2000, 1, 1)
    )
    credential = builder.build(spec, award, issued=_ISSUED)
    claim = _claim(credential)
    process = claim.get("awardedBy")
    bodies = tuple(nodes(process, "awardingBody")) if isinstance(process, Node) else ()
    page = _homepage(spec, bodies)
    specification = claim.get("specifiedBy")
    assert isinstance(specification, Node)
    _require(spec, specification, page)
    display = credential.get("displayParameter")
    language = display.get("primaryLanguage") if isinstance(display, Node) else None
    activities = tuple(
        spec_node
        for activity in nodes(claim, "influencedBy")
        for spec_node in nodes(activity, "specifiedBy")
    )
    issuer = credential.get("issuer")
    assert isinstance(issuer, Node)
    assert isinstance(language, Node) and page is not None

    return LOQOffering(
        spec.id,
        specification,
        bodies,
        issuer,
        activities,
        language,
        page,
        dict(_part_bodies(claim)),
    )


def _part_bodies(claim: Node) -> Iterator[tuple[str, tuple[Node, ...]]]:
    """Yield (specification id, awarding bodies) of each part achievement."""
    for part in nodes(claim, "hasPart"):
        process = part.get("awardedBy")
        bodies = nodes(process, "awardingBody") if isinstance(process, Node) else []
        for spec in nodes(part, "specifiedBy"):
            yield spec.id, tuple(bodies)
        yield from _part_bodies(part)


def _claim(credential: Node) -> Node:
    person = credential.get("credentialSubject")
    claim = person.get("hasClaim") if isinstance(person, Node) else None
    if not isinstance(claim, Node):
        raise InputError(
            "the builder made no learning achievement", source=credential.id
        )

    return claim


def _homepage(spec: Specification, bodies: Sequence[Node]) -> str | None:
    if spec.homepage:
        return spec.homepage
    for body in bodies:
        for page in nodes(body, "homepage"):
            url = page.get("contentURL")
            if isinstance(url, str):
                return url

    return None


def _require(spec: Specification, node: Node, page: str | None) -> None:
    """Raise for the fields ``loq.xsd`` needs that the specification lacks."""
    missing = [
        (path, meaning)
        for path, meaning, present in (
            ("isced_f", "an ISCED-F field (ISCEDFCode)", nodes(node, "thematicArea")),
            (
                "languages",
                "a language of instruction (language)",
                nodes(node, "language"),
            ),
            (
                "learning_outcomes",
                "a learning outcome (learningOutcome)",
                learning_outcomes(node),
            ),
            ("homepage", "a homepage of the offering or an awarding body", page),
        )
        if not present
    ]
    if missing:
        wanted = "; ".join(f"{path}: {meaning}" for path, meaning in missing)
        raise RecordError(
            f"a LOQ learning opportunity needs {wanted}; the record gives none",
            record_id=spec.id,
            path=missing[0][0],
            rule="loq.xsd (version 3.1.0) minOccurs 1",
        )


def loq_document(
    offerings: Sequence[LOQOffering], *, pretty: bool = True
) -> LOQDocument:
    """Write offerings as one ``Courses`` document.

    Args:
        offerings: One or more offerings; shared organisations, places and
            accreditations are written once.
        pretty: Indent the document.

    Returns:
        The document and the texts it left out.

    """
    root = etree.Element(
        f"{{{LOQ}}}Courses",
        nsmap={None: LOQ, "skos": SKOS, "dc": DC, "xsi": XSI},
    )
    root.set(f"{{{XSI}}}schemaLocation", f"{LOQ} {schema_url('loq')}")
    root.set("xsdVersion", _XSD_VERSION)
    refs = LOQReferences()
    for offering in offerings:
        _opportunity(refs, offering)
    refs.write(root)
    tree = etree.ElementTree(root)
    if pretty:
        etree.indent(tree, space="  ")
    log.debug("LOQ document of %d offering(s)", len(offerings))

    return LOQDocument(
        etree.tostring(tree, xml_declaration=True, encoding="UTF-8"), tuple(refs.lost)
    )


def loq_report(
    document: LOQDocument, *, source_name: str = "<loq>"
) -> ValidationReport:
    """Validate a LOQ document against ``loq.xsd``; add its warnings.

    Args:
        document: The written document.
        source_name: Label in the report.

    Returns:
        XML Schema errors (Violations, ``check="xsd"``) and the texts left out
        (Warnings, ``check="loq"``).

    Raises:
        ArtefactError: The schema cannot be loaded.

    """
    report = xml_report(document.data, schema="loq", source_name=source_name)
    notes = tuple(
        Finding(message, severity=Severity.WARNING, check="loq")
        for message in document.warnings
    )

    return ValidationReport(report.source, report.profile, report.findings + notes)


def _opportunity(refs: LOQReferences, offering: LOQOffering) -> None:
    spec = offering.specification
    spec_id = specification(refs, offering, spec, offering.awarding_bodies)
    bodies = [refs.organisation(body) for body in offering.awarding_bodies]
    publisher = refs.organisation(offering.publisher)

    def build(holder: etree._Element) -> None:
        entry = element(
            holder, "learningOpportunity", id=node_id("learning-opportunity", spec.id)
        )
        code = element(entry, "identifier")
        etree.SubElement(code, f"{{{SKOS}}}notation").text = offering.record_id
        element(code, "schemeName", "Specification id of the publisher")
        lang_strings(entry, "title", spec.get("title"))
        lang_strings(entry, "description", spec.get("description"))
        concepts(entry, "type", spec, "dcType")
        element(element(entry, "homepage"), "contentUrl", offering.homepage)
        concepts(entry, "mode", spec, "mode")
        for body in bodies:
            element(entry, "providedBy", idref=body)
        element(entry, "learningAchievementSpecification", idref=spec_id)
        concept(entry, "defaultLanguage", offering.default_language, labels=False)
        element(entry, "publisher", idref=publisher)

    refs.add(
        "learningOpportunityReferences", node_id("learning-opportunity", spec.id), build
    )
