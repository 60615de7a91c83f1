"""The Aurora micro-credential profile: its criteria, results and alignment.

Names what an Aurora micro-credential states, for both the catalogue check of
specifications (:mod:`aurora_edc._aurora_check`) and the ``aurora`` SHACL
profile of issued credentials (``shapes/aurora-microcredential.ttl`` plus the
rules generated from :class:`~aurora_edc.AuroraConfig`):

* the elements of Annex I of the Council Recommendation of 16 June 2022 on a
  European approach to micro-credentials for lifelong learning and
  employability (2022/C 243/02), part I "Mandatory elements";
* the Aurora alliance's guidelines: a typical size in ECTS credits, the
  Aurorisation level (alignment with Educational Hubs, UN Sustainable
  Development Goals, key competences and transversal competence frameworks),
  and, for a joint micro-credential, an awarding body and quality assurance
  for every component.

Each criterion carries the IRI of the shape that checks it in a credential, so
``aurora-edc check`` and ``aurora-edc validate --profile aurora`` report the
same element by the same name. :func:`resolve_alignment` resolves an
offering's hubs, SDGs and competences against the configured vocabularies,
for the check, the level and the credential builder alike.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._aurora_config import AuroraConfig
from ._aurora_vocab import SKOSVocabulary
from ._exceptions import RecordError
from ._records import LearningOutcome, Specification
from ._report import Severity
from ._vocab import Concept

__all__ = [
    "ANNEX_I",
    "AURORA_CRITERIA",
    "SHAPES_NS",
    "Alignment",
    "CheckStatus",
    "Criterion",
    "CriterionResult",
    "OfferingReport",
    "criterion_by_id",
    "criterion_for_shape",
    "iter_outcomes",
    "resolve_alignment",
]

SHAPES_NS = "https://w3id.org/aurora-edc/ap/aurora-microcredential/"
_LEVEL_CRITERIA = ("hub", "sdg", "key-competence", "transversal-competence")


@dataclass(frozen=True)
class Criterion:
    """One thing an Aurora micro-credential must (or should) state.

    Attributes:
        id: Stable short name (``learning-outcomes``), also the local name of
            the checking shape (``AnnexI-learning-outcomes``).
        name: The element's name as the Recommendation or the guidelines
            word it; SHACL messages carry the same words.
        group: ``Annex I`` or ``Aurora``.
        elm: Where the element lives in an ELM v3 credential.
        advisory: True when falling short is a Warning, not a shortfall.

    """

    id: str
    name: str
    group: str
    elm: str
    advisory: bool = False

    @property
    def shape(self) -> str:
        """IRI of the shape that checks the criterion in credentials.

        For ``components`` and ``level`` it is the prefix of the IRIs of the
        several shapes that check them.
        """
        if self.group == "Annex I":
            return f"{SHAPES_NS}AnnexI-{self.id}"
        if self.id in _LEVEL_CRITERIA:
            return f"{SHAPES_NS}Aurora-level-{self.id}"

        return f"{SHAPES_NS}Aurora-{self.id}"


def _annex(ident: str, name: str, elm: str) -> Criterion:
    return Criterion(ident, name, "Annex I", elm)


ANNEX_I = (
    _annex(
        "learner",
        "identification of the learner",
        "credentialSubject fullName / givenName / familyName",
    ),
    _annex("title", "title of the micro-credential", "hasClaim.title"),
    _annex(
        "issuer-country", "country of the issuer", "issuer.location.address.countryCode"
    ),
    _annex("awarding-body", "awarding body", "hasClaim.awardedBy.awardingBody"),
    _annex("date-of-issue", "date of issue", "issued"),
    _annex(
        "learning-outcomes",
        "learning outcomes",
        "hasClaim.specifiedBy(.hasPart)*.learningOutcome",
    ),
    _annex(
        "workload",
        "notional workload in ECTS credits",
        "hasClaim.specifiedBy.creditPoint (framework ECTS)",
    ),
    _annex(
        "eqf-level",
        "level of the learning experience (EQF)",
        "hasClaim.specifiedBy.eqfLevel",
    ),
    _annex(
        "assessment-type", "type of assessment", "hasClaim.specifiedBy.provenBy.dcType"
    ),
    _annex("participation-form", "form of participation", "hasClaim.specifiedBy.mode"),
    _annex(
        "quality-assurance",
        "type of quality assurance",
        "specifiedBy(.hasPart)?.accreditation or awardingBody.accreditation",
    ),
)

AURORA_CRITERIA = (
    Criterion(
        "size",
        "typical size in ECTS credits",
        "Aurora",
        "hasClaim.specifiedBy.creditPoint.point",
        advisory=True,
    ),
    Criterion(
        "hub",
        "Aurora Educational Hub",
        "Aurora",
        "hasClaim.specifiedBy.educationSubject",
    ),
    Criterion(
        "sdg",
        "UN Sustainable Development Goal",
        "Aurora",
        "hasClaim.specifiedBy.educationSubject",
    ),
    Criterion(
        "key-competence",
        "key competence for lifelong learning",
        "Aurora",
        "learningOutcome.relatedSkill",
    ),
    Criterion(
        "transversal-competence",
        "transversal competence from a framework",
        "Aurora",
        "learningOutcome.relatedSkill",
    ),
    Criterion(
        "components",
        "awarding body and quality assurance of each component",
        "Aurora",
        "hasClaim.hasPart.awardedBy / specifiedBy.accreditation",
    ),
    Criterion(
        "level", "Aurorisation level", "Aurora", "counted from the alignment criteria"
    ),
)
_BY_ID = {criterion.id: criterion for criterion in (*ANNEX_I, *AURORA_CRITERIA)}


def criterion_by_id(ident: str) -> Criterion:
    """Return a criterion by its id (``learning-outcomes``, ``level``...).

    Raises:
        KeyError: No criterion has that id.

    """
    return _BY_ID[ident]


def criterion_for_shape(shape: str | None) -> Criterion | None:
    """Return the criterion a SHACL result's source shape checks, if any.

    Args:
        shape: The ``sh:sourceShape`` IRI of a finding.

    Returns:
        The criterion whose shape IRI is the longest prefix of ``shape``, or
        ``None`` for shapes that are not the Aurora profile's.

    """
    if not shape:
        return None
    matches = [c for c in _BY_ID.values() if shape.startswith(c.shape)]

    return max(matches, key=lambda c: len(c.shape), default=None)


class CheckStatus(enum.Enum):
    """Outcome of one criterion for one offering."""

    MET = "met"
    MISSING = "missing"
    WARNING = "warning"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class CriterionResult:
    """The outcome of one criterion: status and what was found or is missing."""

    criterion: Criterion
    status: CheckStatus
    detail: str

    @property
    def severity(self) -> Severity | None:
        """Violation for a shortfall, Warning for advice, None when fine."""
        if self.status is CheckStatus.MISSING:
            return Severity.VIOLATION
        if self.status is CheckStatus.WARNING:
            return Severity.WARNING

        return None

    def to_dict(self) -> dict[str, str]:
        """Return the result as JSON-ready data."""
        return {
            "criterion": self.criterion.id,
            "name": self.criterion.name,
            "group": self.criterion.group,
            "status": self.status.value,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class OfferingReport:
    """What one offering meets and misses of the Aurora profile.

    Attributes:
        specification: The specification's id.
        title: Its title, in English when it has one.
        level: Its Aurorisation level (0 below the first level).
        level_label: The level's configured label.
        minimum_level: The level the configuration requires.
        minimum_label: That level's configured label.
        results: One result per criterion, Annex I first.

    """

    specification: str
    title: str
    level: int
    level_label: str
    minimum_level: int
    minimum_label: str
    results: tuple[CriterionResult, ...]

    @property
    def shortfalls(self) -> tuple[CriterionResult, ...]:
        """The criteria the offering misses (status ``missing``)."""
        return tuple(r for r in self.results if r.status is CheckStatus.MISSING)

    @property
    def meets_profile(self) -> bool:
        """Whether the offering misses nothing (warnings allowed)."""
        return not self.shortfalls

    def result(self, criterion_id: str) -> CriterionResult:
        """Return the result of one criterion by its id.

        Raises:
            KeyError: No criterion has that id.

        """
        for result in self.results:
            if result.criterion.id == criterion_id:
                return result

        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "specification": self.specification,
            "title": self.title,
            "level": self.level,
            "level_label": self.level_label,
            "minimum_level": self.minimum_level,
            "minimum_label": self.minimum_label,
            "meets_profile": self.meets_profile,
            "results": [result.to_dict() for result in self.results],
        }


@dataclass(frozen=True)
class Alignment:
    """The Aurora concepts an offering is aligned with, resolved.

    Attributes:
        hubs: Educational Hubs.
        sdgs: Sustainable Development Goals.
        key_competences: Distinct key competences of all learning outcomes
            (components' included).
        transversal_competences: Distinct framework competences likewise.
        problems: Criterion id -> errors of values that did not resolve.

    """

    hubs: tuple[Concept, ...] = ()
    sdgs: tuple[Concept, ...] = ()
    key_competences: tuple[Concept, ...] = ()
    transversal_competences: tuple[Concept, ...] = ()
    problems: Mapping[str, tuple[RecordError, ...]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Return criterion -> number of distinct concepts."""
        return {
            "hub": len(self.hubs),
            "sdg": len(self.sdgs),
            "key-competence": len(self.key_competences),
            "transversal-competence": len(self.transversal_competences),
        }

    def concepts(self, criterion: str) -> tuple[Concept, ...]:
        """Return the concepts counted by a level criterion."""
        return {
            "hub": self.hubs,
            "sdg": self.sdgs,
            "key-competence": self.key_competences,
            "transversal-competence": self.transversal_competences,
        }[criterion]

    @property
    def is_empty(self) -> bool:
        """Whether the offering states no Aurora alignment at all."""
        return not any(self.counts().values())


def resolve_alignment(spec: Specification, config: AuroraConfig) -> Alignment:
    """Resolve an offering's hubs, SDGs and competences against the vocabularies.

    Args:
        spec: The specification.
        config: Where the hub and framework vocabularies come from.

    Returns:
        The alignment; codes that did not resolve are in ``problems``.

    """
    problems: dict[str, list[RecordError]] = {}
    alignment = spec.aurora
    hubs = _resolve_each(
        config.hubs,
        "aurora.hubs",
        alignment.hubs if alignment else [],
        spec.id,
        problems.setdefault("hub", []),
    )
    sdgs = [config.sdgs.codes.get(iri) for iri in (alignment.sdgs if alignment else [])]
    key: dict[str, Concept] = {}
    transversal: dict[str, Concept] = {}
    for path, outcome in iter_outcomes(spec):
        for concept in outcome_key_competences(outcome, config):
            key.setdefault(concept.iri, concept)
        found, errors = outcome_transversal_competences(outcome, config, path, spec.id)
        for concept in found:
            transversal.setdefault(concept.iri, concept)
        problems.setdefault("transversal-competence", []).extend(errors)

    return Alignment(
        hubs=tuple(dict.fromkeys(hubs)),
        sdgs=tuple(dict.fromkeys(c for c in sdgs if c is not None)),
        key_competences=tuple(key.values()),
        transversal_competences=tuple(transversal.values()),
        problems={name: tuple(errors) for name, errors in problems.items() if errors},
    )


def outcome_key_competences(
    outcome: LearningOutcome, config: AuroraConfig
) -> list[Concept]:
    """Return the key competence concepts of one learning outcome."""
    found = (config.key_competences.codes.get(iri) for iri in outcome.key_competences)

    return [concept for concept in found if concept is not None]


def outcome_transversal_competences(
    outcome: LearningOutcome, config: AuroraConfig, path: str, record_id: str
) -> tuple[list[Concept], list[RecordError]]:
    """Return the framework competences of one learning outcome, and errors.

    Args:
        outcome: The learning outcome.
        config: Where the frameworks come from.
        path: Field path of the outcome, for errors.
        record_id: The specification's id, for errors.

    Returns:
        The resolved concepts and one error per value that did not resolve.

    """
    concepts: list[Concept] = []
    errors: list[RecordError] = []
    for name, values in outcome.transversal_competences.items():
        where = f"{path}.transversal_competences.{name}"
        try:
            framework = config.framework(name, path=where)
        except RecordError as exc:
            exc.record_id = record_id
            errors.append(exc)
            continue
        concepts += _resolve_each(framework, where, values, record_id, errors)

    return concepts, errors


def _resolve_each(
    vocabulary: SKOSVocabulary,
    path: str,
    values: Sequence[str],
    record_id: str,
    errors: list[RecordError],
) -> list[Concept]:
    found: list[Concept] = []
    for index, value in enumerate(values):
        try:
            found.append(
                vocabulary.resolve(value, path=f"{path}[{index}]", record_id=record_id)
            )
        except RecordError as exc:
            errors.append(exc)

    return found


def iter_outcomes(spec: Specification) -> Iterable[tuple[str, LearningOutcome]]:
    """Yield (field path, outcome) for the outcomes of a spec and its components."""
    for index, outcome in enumerate(spec.learning_outcomes):
        yield f"learning_outcomes[{index}]", outcome
    for number, component in enumerate(spec.components):
        for index, outcome in enumerate(component.learning_outcomes):
            yield f"components[{number}].learning_outcomes[{index}]", outcome
