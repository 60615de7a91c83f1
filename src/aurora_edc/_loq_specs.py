"""LOQ XML of a specification and its parts, outcomes and specifications.

Implements, for :mod:`aurora_edc._loq`, the ``loq.xsd`` (version 3.1.0)
classes that describe what an offering is: ``qualification`` (with EQF and
NQF levels) or ``learningAchievementSpecification``, and the referenced
``learningOutcome``, ``learningActivitySpecification``,
``learningAssessmentSpecification`` and ``gradingScheme``. A joint
specification's components are its parts (``hasPart``, or ``isPartOf`` across
the two kinds), each with an ``awardingOpportunity`` naming its own awarding
body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from ._elm import Node
from ._loq_parts import (
    LOQReferences,
    concept,
    concepts,
    element,
    lang_strings,
    web_resources,
)
from ._xml12_parts import nodes

if TYPE_CHECKING:
    from ._loq import LOQOffering

__all__ = ["learning_outcomes", "specification"]

_LEARNING_OUTCOMES = "http://data.europa.eu/snb/qualification-topics#learning-outcomes"
_ENTRY = "http://data.europa.eu/snb/qualification-topics#entry-requirements"


def _kind(spec: Node) -> str:
    """``qualification`` needs EQF and NQF levels in ``loq.xsd``."""
    if "Qualification" in spec.types and nodes(spec, "nqfLevel"):
        return "qualification"

    return "learningAchievementSpecification"


def specification(
    refs: LOQReferences,
    offering: LOQOffering,
    spec: Node,
    bodies: tuple[Node, ...],
    whole: str | None = None,
) -> str:
    """Add a specification and its parts; return its id.

    Args:
        refs: The document's references.
        offering: The offering the specification belongs to.
        spec: The specification, the offering's own or one of its parts.
        bodies: Its awarding bodies.
        whole: Id of the specification this one is part of, when the two
            are of different kinds (``loq.xsd`` links a part by ``hasPart``
            only within one kind; otherwise the part says ``isPartOf``).

    """
    kind = _kind(spec)

    def build(holder: etree._Element) -> None:
        entry = element(holder, kind, id=spec.id)
        _describe(refs, entry, spec, offering)
        _links(refs, entry, spec, offering)
        parts = [(part, _kind(part) == kind) for part in nodes(spec, "hasPart")]
        references = [
            specification(
                refs,
                offering,
                part,
                offering.part_bodies.get(part.id, bodies),
                None if same else spec.id,
            )
            for part, same in parts
        ]
        for reference, (_, same) in zip(references, parts, strict=True):
            if same:
                element(entry, "hasPart", idref=reference)
        if whole is not None:
            element(entry, "isPartOf", idref=whole)
        _awarding(entry, spec, bodies, refs)
        accreditations = [
            refs.accreditation(
                item,
                list(bodies) or [offering.publisher],
                spec.id if kind == "qualification" else None,
            )
            for item in nodes(spec, "accreditation")
        ]
        if kind == "qualification":
            _qualification_tail(entry, spec, accreditations)

    return refs.add("learningAchievementSpecificationReferences", spec.id, build)


def _describe(
    refs: LOQReferences, entry: etree._Element, spec: Node, offering: LOQOffering
) -> None:
    """Texts and classifications, from ``title`` to ``entryRequirement``.

    ``ISCEDFCode`` and ``language`` are required: a part that gives none
    takes those of the offering's specification.
    """
    top = offering.specification
    lang_strings(entry, "title", spec.get("title"))
    lang_strings(entry, "description", spec.get("description"))
    for note in nodes(spec, "additionalNote"):
        refs.note(entry, "additionalNote", spec, "additionalNote", value=note)
    web_resources(entry, "homepage", spec, "homepage")
    refs.note(
        entry,
        "learningOutcomeSummary",
        spec,
        "learningOutcomeSummary",
        _LEARNING_OUTCOMES,
    )
    concepts(
        entry,
        "ISCEDFCode",
        spec if nodes(spec, "thematicArea") else top,
        "thematicArea",
    )
    concepts(entry, "educationSubject", spec, "educationSubject", labels=True)
    _duration(entry, "volumeOfLearning", spec.get("volumeOfLearning"))
    _credits(entry, spec)
    if _kind(spec) != "qualification":
        concepts(entry, "educationLevel", spec, "eqfLevel", labels=True)
        concepts(entry, "educationLevel", spec, "nqfLevel", labels=True)
    concepts(entry, "language", spec if nodes(spec, "language") else top, "language")
    concepts(entry, "mode", spec, "mode")
    concept(entry, "learningSetting", spec.get("learningSetting"), labels=False)
    _duration(entry, "maximumDuration", spec.get("maximumDuration"))
    refs.note(entry, "entryRequirement", spec, "entryRequirement", _ENTRY)


def learning_outcomes(spec: Node) -> list[Node]:
    """The specification's learning outcomes, else those of its parts.

    ``loq.xsd`` requires one on every specification; a joint specification
    whose outcomes are stated per component has those of its components.
    """
    own = nodes(spec, "learningOutcome")
    if own:
        return own
    found: dict[str, Node] = {}
    for part in nodes(spec, "hasPart"):
        found.update((item.id, item) for item in learning_outcomes(part))

    return list(found.values())


def _links(
    refs: LOQReferences, entry: etree._Element, spec: Node, offering: LOQOffering
) -> None:
    """``learningOutcome``, ``influencedBy`` and ``provenBy`` references."""
    for outcome in learning_outcomes(spec):
        element(entry, "learningOutcome", idref=_outcome(refs, outcome))
    if spec is offering.specification:
        for activity in offering.activities:
            element(entry, "influencedBy", idref=_activity(refs, activity))
    for proof in nodes(spec, "provenBy"):
        element(entry, "provenBy", idref=_assessment(refs, proof))


def _awarding(
    entry: etree._Element, spec: Node, bodies: tuple[Node, ...], refs: LOQReferences
) -> None:
    if not bodies:
        return
    holder = element(entry, "awardingOpportunity")
    for body in bodies:
        element(holder, "awardingBody", idref=refs.organisation(body))
    element(holder, "learningAchievementSpecification", idref=spec.id)


def _qualification_tail(
    entry: etree._Element, spec: Node, accreditations: list[str]
) -> None:
    partial = spec.get("isPartialQualification")
    if isinstance(partial, bool):
        element(entry, "isPartialQualification", "true" if partial else "false")
    concept(entry, "EQFLevel", spec.get("eqfLevel"), labels=False)
    concepts(entry, "NQFLevel", spec, "nqfLevel")
    for reference in accreditations:
        element(entry, "accreditation", idref=reference)


def _duration(entry: etree._Element, name: str, value: object) -> None:
    if isinstance(value, str):
        element(entry, name, value)


def _credits(entry: etree._Element, spec: Node) -> None:
    for credit in nodes(spec, "creditPoint"):
        point = credit.get("point")
        if isinstance(point, str):
            holder = element(entry, "creditPoint")
            concept(holder, "framework", credit.get("framework"), labels=False)
            element(holder, "point", point)


def _outcome(refs: LOQReferences, outcome: Node) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "learningOutcome", id=outcome.id)
        lang_strings(entry, "title", outcome.get("title"))
        refs.note(entry, "additionalNote", outcome, "description")
        concept(
            entry, "reusabilityLevel", outcome.get("reusabilityLevel"), labels=False
        )
        concepts(entry, "relatedSkill", outcome, "relatedSkill", labels=True)
        concepts(entry, "relatedESCOSkill", outcome, "relatedESCOSkill", labels=True)

    return refs.add("learningOutcomeReferences", outcome.id, build)


def _activity(refs: LOQReferences, activity: Node) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "learningActivitySpecification", id=activity.id)
        lang_strings(entry, "title", activity.get("title"))
        lang_strings(entry, "description", activity.get("description"))
        concepts(entry, "type", activity, "dcType")
        _duration(entry, "volumeOfLearning", activity.get("volumeOfLearning"))
        concepts(entry, "language", activity, "language")
        concepts(entry, "mode", activity, "mode")

    return refs.add("learningActivitySpecificationReferences", activity.id, build)


def _assessment(refs: LOQReferences, proof: Node) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "learningAssessmentSpecification", id=proof.id)
        lang_strings(entry, "title", proof.get("title"))
        lang_strings(entry, "description", proof.get("description"))
        concepts(entry, "type", proof, "dcType")
        concepts(entry, "language", proof, "language")
        concepts(entry, "mode", proof, "mode")
        scheme = proof.get("gradingScheme")
        if isinstance(scheme, Node):
            element(entry, "gradingScheme", idref=_grading(refs, scheme))

    return refs.add("learningAssessmentSpecificationReferences", proof.id, build)


def _grading(refs: LOQReferences, scheme: Node) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "gradingScheme", id=scheme.id)
        lang_strings(entry, "title", scheme.get("title"))
        lang_strings(entry, "description", scheme.get("description"))

    return refs.add("gradingSchemeReferences", scheme.id, build)
