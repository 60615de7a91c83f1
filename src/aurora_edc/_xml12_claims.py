"""ELM 1.2 XML of the learner's claims and the specifications behind them.

Implements, for the writer in :mod:`aurora_edc._xml12`, the parts of
``genericschema_1.2.xsd`` that carry what the learner achieved:

* ``learningAchievement`` (``AchievementType``) with its ``wasDerivedFrom``
  assessment (``AssessmentType``: title, grade, ``idVerificationMethod``,
  ``assessedBy``), ``wasInfluencedBy`` activities (``ActivityType``) and
  ``wasAwardedBy`` awarding process;
* the referenced entities, each written once in its ``...References``
  section and pointed at by ``idref``: ``qualification`` or
  ``learningSpecification`` (``LearningSpecificationElements``),
  ``learningOutcome``, ``assessmentSpecification``, ``scoringScheme``,
  ``learningActivitySpecification``, ``awardingProcess``, ``organization``
  and ``accreditation``.

The ELM v3 node ids are kept as the 1.2 ids: ``IdType`` is ``xs:anyURI``, so
``urn:uuid:`` ids are valid as they are and stay deterministic.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from ._elm import LangMap, Node
from ._xml12_parts import (
    accreditation,
    code,
    codes,
    date_time,
    element,
    homepage,
    items,
    nodes,
    note,
    note_text,
    organization,
    texts,
)
from ._xml12_shared import KeptParts, active_parts

__all__ = [
    "SECTIONS",
    "References",
    "achievement",
    "grade_text",
]

# The references sections of EuropassCredentialType, in schema order.
SECTIONS = (
    "learningSpecificationReferences",
    "learningOutcomeReferences",
    "learningActivitySpecificationReferences",
    "assessmentSpecificationReferences",
    "agentReferences",
    "awardingProcessReferences",
    "accreditationReferences",
    "scoringSchemeReferences",
)

_ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
_ECVET_12 = "http://data.europa.eu/europass/educationalCreditPointSystem/ecvet"
_LEARNING_OUTCOMES = "http://data.europa.eu/snb/qualification-topics#learning-outcomes"


@dataclass
class References:
    """The entities written once per document and referenced by ``idref``.

    Attributes:
        sections: Section name -> (node id -> element), in first-use order.
        accredited: The organisation a specification's accreditations
            accredit when no awarding body of its achievement is known (ELM 1.2
            requires one; the ELM v3 model does not say): the credential's first
            awarding body.

    """

    sections: dict[str, dict[str, etree._Element]] = field(
        default_factory=lambda: {name: {} for name in SECTIONS}
    )
    accredited: Node | None = None
    _recordings: list[_Recording] = field(default_factory=list, repr=False)

    def add(
        self,
        section: str,
        node: Node,
        build: Callable[[etree._Element], object],
        shared_by: tuple[Node | None, ...] = (),
    ) -> str:
        """Build ``node`` into ``section`` unless it is there; return its id.

        ``shared_by`` names the nodes the entry is made of, when they are the
        parts the credentials of a specification share (its qualification, an
        organisation): inside :func:`keeping_shared_parts`, the entries built
        for them are kept and copied into the next document.
        """
        entries = self.sections[section]
        if node.id in entries:
            self._note_existing(section, node.id)
            return node.id
        parts = active_parts() if shared_by else None
        kept = parts.get(shared_by) if parts is not None else None
        if kept is not None and all(
            node_id in self.sections[name] for name, node_id in kept.needs
        ):
            # What the copy relies on, an enclosing recording relies on too.
            for name, node_id in kept.needs:
                self._note_existing(name, node_id)
            for name, node_id, pristine in kept.entries:
                if node_id in self.sections[name]:
                    self._note_existing(name, node_id)
                else:
                    self.sections[name][node_id] = copy.deepcopy(pristine)
            return node.id

        recording = _Recording(set(self._keys())) if parts is not None else None
        if recording is not None:
            self._recordings.append(recording)
        try:
            holder = etree.Element("holder")
            build(holder)
            entries[node.id] = holder[0]
        finally:
            if recording is not None:
                self._recordings.pop()
        if parts is not None and recording is not None:
            added = tuple(
                (name, node_id, copy.deepcopy(self.sections[name][node_id]))
                for name, node_id in self._keys()
                if (name, node_id) not in recording.before
            )
            parts.put(shared_by, KeptParts(added, frozenset(recording.needs)))

        return node.id

    def _keys(self) -> list[tuple[str, str]]:
        return [(name, key) for name, found in self.sections.items() for key in found]

    def _note_existing(self, section: str, node_id: str) -> None:
        # An entry the document had before a recording began is not in the
        # recording: a document may copy the recording only if it has it too.
        for recording in self._recordings:
            if (section, node_id) in recording.before:
                recording.needs.add((section, node_id))

    def agent(self, org: Node) -> str:
        """Add an organisation to ``agentReferences``; return its id."""

        def build(holder: etree._Element) -> None:
            own = [
                self.accreditation(item, org) for item in nodes(org, "accreditation")
            ]
            organization(holder, "organization", org, own)

        return self.add("agentReferences", org, build, shared_by=(org,))

    def accreditation(self, node: Node, accredited: Node) -> str:
        """Add an accreditation of ``accredited``; return its id."""
        return self.add(
            "accreditationReferences",
            node,
            lambda holder: accreditation(holder, node, accredited),
        )

    def write(self, parent: etree._Element) -> None:
        """Append the non-empty sections to the credential, in schema order."""
        for name in SECTIONS:
            entries = self.sections[name]
            if entries:
                element(parent, name).extend(entries.values())


@dataclass
class _Recording:
    before: set[tuple[str, str]]
    needs: set[tuple[str, str]] = field(default_factory=set)


def achievement(parent: etree._Element, claim: Node, refs: References) -> None:
    """Append a ``learningAchievement``, its parts nested in ``hasPart``."""
    holder = element(parent, "learningAchievement", id=claim.id)
    texts(holder, "title", _text(claim, "title"))
    note(holder, "description", _text(claim, "description"))
    _notes(holder, claim)
    for proof in nodes(claim, "provenBy"):
        _assessment(holder, proof, refs)
    for activity in nodes(claim, "influencedBy"):
        _activity(holder, activity, refs)
    process = claim.get("awardedBy")
    bodies = []
    if isinstance(process, Node):
        element(holder, "wasAwardedBy", idref=_awarding(process, refs))
        bodies = nodes(process, "awardingBody")
    parts = [
        part for part in nodes(claim, "hasPart") if "LearningAchievement" in part.types
    ]
    if parts:
        wrapper = element(holder, "hasPart")
        for part in parts:
            achievement(wrapper, part, refs)
    spec = claim.get("specifiedBy")
    if isinstance(spec, Node):
        accredited = bodies[0] if bodies else refs.accredited
        element(holder, "specifiedBy", idref=_specification(spec, refs, accredited))


def _notes(holder: etree._Element, node: Node) -> None:
    """One ``additionalNote`` per ``Note`` of the node's ``additionalNote``."""
    for item in items(node, "additionalNote"):
        note(holder, "additionalNote", note_text(item))


def _text(node: Node, name: str) -> LangMap | None:
    value = node.get(name)

    return value if isinstance(value, LangMap) else None


def _awarding(process: Node, refs: References) -> str:
    def build(holder: etree._Element) -> None:
        awarding = element(holder, "awardingProcess", id=process.id)
        for body in nodes(process, "awardingBody"):
            element(awarding, "awardingBody", idref=refs.agent(body))
        when = date_time(process.get("awardingDate"))
        if when is not None:
            element(awarding, "date", when)

    return refs.add("awardingProcessReferences", process, build)


def _assessment(parent: etree._Element, proof: Node, refs: References) -> None:
    """Append ``wasDerivedFrom``: title, grade (one text), checks, assessor."""
    holder = element(parent, "wasDerivedFrom", id=proof.id)
    texts(holder, "title", _text(proof, "title"))
    element(holder, "grade", grade_text(proof))
    code(holder, "idVerificationMethod", proof.get("idVerification"))
    for assessor in nodes(proof, "assessedBy"):
        element(holder, "assessedBy", idref=refs.agent(assessor))
    spec = proof.get("specifiedBy")
    if isinstance(spec, Node):
        element(holder, "specifiedBy", idref=_assessment_spec(spec, refs))


def grade_text(proof: Node) -> str:
    """Return the grade as 1.2 writes it: one text, English first if given."""
    grade = note_text(proof.get("grade"))
    if grade is None or not grade.texts:
        return ""

    return grade.texts.get("en", next(iter(grade.texts.values())))


def _activity(parent: etree._Element, activity: Node, refs: References) -> None:
    holder = element(parent, "wasInfluencedBy", id=activity.id)
    texts(holder, "title", _text(activity, "title"))
    note(holder, "description", _text(activity, "description"))
    period = activity.get("temporal")
    if isinstance(period, Node):
        for prop, name in (("startDate", "startedAtTime"), ("endDate", "endedAtTime")):
            when = date_time(period.get(prop))
            if when is not None:
                element(holder, name, when)
    for director in nodes(activity, "directedBy"):
        element(holder, "directedBy", idref=refs.agent(director))
    spec = activity.get("specifiedBy")
    if isinstance(spec, Node):
        element(holder, "specifiedBy", idref=_activity_spec(spec, refs))


def _activity_spec(spec: Node, refs: References) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "learningActivitySpecification", id=spec.id)
        texts(entry, "title", _text(spec, "title"))
        note(entry, "description", _text(spec, "description"))
        code(entry, "type", spec.get("dcType"))
        _duration(entry, "workload", spec, "volumeOfLearning")
        codes(entry, "language", spec, "language")
        codes(entry, "mode", spec, "mode")

    return refs.add("learningActivitySpecificationReferences", spec, build)


def _assessment_spec(spec: Node, refs: References) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "assessmentSpecification", id=spec.id)
        texts(entry, "title", _text(spec, "title"))
        note(entry, "description", _text(spec, "description"))
        codes(entry, "type", spec, "dcType")
        codes(entry, "language", spec, "language")
        codes(entry, "mode", spec, "mode")
        scheme = spec.get("gradingScheme")
        if isinstance(scheme, Node):
            element(entry, "gradingScheme", idref=_scoring(scheme, refs))

    return refs.add("assessmentSpecificationReferences", spec, build)


def _scoring(scheme: Node, refs: References) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "scoringScheme", id=scheme.id)
        texts(entry, "title", _text(scheme, "title"))
        note(entry, "description", _text(scheme, "description"))

    return refs.add("scoringSchemeReferences", scheme, build)


def _specification(spec: Node, refs: References, accredited: Node | None) -> str:
    """Add the ``qualification`` (or ``learningSpecification``); return its id.

    ``accredited`` is the organisation the specification's accreditations
    accredit: the awarding body of the achievement it specifies.
    """
    kind = "qualification" if "Qualification" in spec.types else "learningSpecification"

    def build(holder: etree._Element) -> None:
        entry = element(holder, kind, id=spec.id)
        _specification_common(entry, spec, refs)
        accreditations = _accreditations(spec, accredited, refs)
        if kind == "qualification":
            _qualification_tail(entry, spec, accreditations)
        parts = [
            _specification(part, refs, accredited) for part in nodes(spec, "hasPart")
        ]
        for reference in parts:
            element(entry, "hasPart", idref=reference)

    target = accredited or refs.accredited

    return refs.add("learningSpecificationReferences", spec, build, (spec, target))


def _specification_common(entry: etree._Element, spec: Node, refs: References) -> None:
    """The ``LearningSpecificationElements`` sequence, in schema order."""
    codes(entry, "type", spec, "dcType")
    texts(entry, "title", _text(spec, "title"))
    note(entry, "description", _text(spec, "description"))
    _notes(entry, spec)
    summary = note_text(spec.get("learningOutcomeSummary"))
    note(entry, "additionalNote", summary, "Learning outcomes", _LEARNING_OUTCOMES)
    homepage(entry, "homepage", spec, "homepage")
    codes(entry, "hasISCED-FCode", spec, "thematicArea")
    codes(entry, "hasEducationSubject", spec, "educationSubject")
    _duration(entry, "volumeOfLearning", spec, "volumeOfLearning")
    _credits(entry, spec)
    if "Qualification" not in spec.types:
        codes(entry, "hasEducationLevel", spec, "nqfLevel")
    codes(entry, "language", spec, "language")
    codes(entry, "mode", spec, "mode")
    code(entry, "learningSettingType", spec.get("learningSetting"))
    _duration(entry, "duration", spec, "maximumDuration")
    note(entry, "entryRequirementsNote", note_text(spec.get("entryRequirement")))
    outcomes = [_outcome(item, refs) for item in nodes(spec, "learningOutcome")]
    if outcomes:
        holder = element(entry, "learningOutcomes")
        for reference in outcomes:
            element(holder, "learningOutcome", idref=reference)
    proof = spec.get("provenBy")
    if isinstance(proof, Node):
        element(entry, "assessmentSpecification", idref=_assessment_spec(proof, refs))


def _qualification_tail(
    entry: etree._Element, spec: Node, accreditations: list[str]
) -> None:
    partial = spec.get("isPartialQualification")
    if isinstance(partial, bool):
        element(entry, "isPartialQualification", "true" if partial else "false")
    code(entry, "eqfLevel", spec.get("eqfLevel"))
    codes(entry, "nqfLevel", spec, "nqfLevel")
    for reference in accreditations:
        element(entry, "hasAccreditation", idref=reference)


def _accreditations(spec: Node, accredited: Node | None, refs: References) -> list[str]:
    """Add the specification's accreditations; ELM 1.2 needs the accredited body."""
    target = accredited or refs.accredited
    if target is None:
        return []

    return [refs.accreditation(item, target) for item in nodes(spec, "accreditation")]


def _duration(entry: etree._Element, name: str, node: Node, prop: str) -> None:
    value = node.get(prop)
    if isinstance(value, str):
        element(entry, name, value)


def _credits(entry: etree._Element, spec: Node) -> None:
    """``hasECTSCreditPoints`` for ECTS, ``hasCreditPoints`` for ECVET."""
    points = [
        (credit.get("framework"), credit.get("point"))
        for credit in nodes(spec, "creditPoint")
    ]
    found = [
        (framework.id, point)
        for framework, point in points
        if isinstance(framework, Node) and isinstance(point, str)
    ]
    for framework_id, point in found:
        if framework_id == _ECTS:
            element(entry, "hasECTSCreditPoints", point)
    for framework_id, point in found:
        if framework_id != _ECTS:
            element(entry, "hasCreditPoints", point, schemeID=_ECVET_12)


def _outcome(outcome: Node, refs: References) -> str:
    def build(holder: etree._Element) -> None:
        entry = element(holder, "learningOutcome", id=outcome.id)
        texts(entry, "prefLabel", _text(outcome, "title"))
        note(entry, "description", _text(outcome, "description"))
        code(entry, "reusabilityLevel", outcome.get("reusabilityLevel"))
        codes(entry, "relatedSkill", outcome, "relatedSkill")
        codes(entry, "relatedEscoSkill", outcome, "relatedESCOSkill")

    return refs.add("learningOutcomeReferences", outcome, build)
