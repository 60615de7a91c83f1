"""The Aurora micro-credential profile: Annex I elements, Aurora criteria, levels.

Implements, on micro-credential specifications (records, before any award),
the checks that the ``aurora`` SHACL profile (``shapes/aurora-microcredential.ttl``
plus the rules generated from :class:`~aurora_edc.AuroraConfig`) makes on
issued credentials:

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
same element by the same name.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._aurora_config import AuroraConfig, default_aurora_config
from ._aurora_vocab import SKOSVocabulary
from ._exceptions import RecordError
from ._records import Component, LearningOutcome, Organisation, Specification
from ._report import Severity
from ._vocab import Concept, code_list

__all__ = [
    "ANNEX_I",
    "AURORA_CRITERIA",
    "SHAPES_NS",
    "Alignment",
    "CheckStatus",
    "Criterion",
    "CriterionResult",
    "OfferingReport",
    "check_specification",
    "criterion_for_shape",
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
    for path, outcome in _outcomes(spec):
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


def _outcomes(spec: Specification) -> Iterable[tuple[str, LearningOutcome]]:
    for index, outcome in enumerate(spec.learning_outcomes):
        yield f"learning_outcomes[{index}]", outcome
    for number, component in enumerate(spec.components):
        for index, outcome in enumerate(component.learning_outcomes):
            yield f"components[{number}].learning_outcomes[{index}]", outcome


def check_specification(
    spec: Specification,
    config: AuroraConfig | None = None,
    *,
    organisations: Mapping[str, Organisation] | None = None,
) -> OfferingReport:
    """Report which Annex I elements and Aurora criteria an offering meets.

    Args:
        spec: The specification (no learner needed).
        config: Levels, size and vocabularies; the default configuration when
            ``None``.
        organisations: Organisations the specification references by id.

    Returns:
        One result per criterion of :data:`ANNEX_I` and
        :data:`AURORA_CRITERIA`, the level, and the minimum level.

    Raises:
        InputError: The default configuration is unusable.

    """
    config = config or default_aurora_config()
    checker = _Checker(spec, config, dict(organisations or {}))
    level = config.level_of(checker.alignment.counts())
    results = (*checker.annex_i(), *checker.aurora(level))

    return OfferingReport(
        specification=spec.id,
        title=spec.title.get("en") or next(iter(spec.title.values())),
        level=level,
        level_label=config.label(level),
        minimum_level=config.minimum_level,
        minimum_label=config.label(config.minimum_level),
        results=results,
    )


def _result(criterion_id: str, status: CheckStatus, detail: str) -> CriterionResult:
    return CriterionResult(_BY_ID[criterion_id], status, detail)


def _met(criterion_id: str, detail: str) -> CriterionResult:
    return _result(criterion_id, CheckStatus.MET, detail)


def _missing(criterion_id: str, detail: str) -> CriterionResult:
    return _result(criterion_id, CheckStatus.MISSING, detail)


def _labels(concepts: Iterable[Concept]) -> str:
    return "; ".join(concept.label for concept in concepts)


def _english(text: Mapping[str, str]) -> str:
    return text.get("en") or next(iter(text.values()))


class _Checker:
    """The checks of one specification, in the order of the report's columns."""

    def __init__(
        self,
        spec: Specification,
        config: AuroraConfig,
        organisations: dict[str, Organisation],
    ) -> None:
        self.spec = spec
        self.config = config
        self.organisations = organisations
        self.alignment = resolve_alignment(spec, config)

    def org(self, ref: Organisation | str) -> Organisation | None:
        return ref if isinstance(ref, Organisation) else self.organisations.get(ref)

    def annex_i(self) -> list[CriterionResult]:
        spec = self.spec
        return [
            _met(
                "learner",
                "every award names its learner (the record model requires a name)",
            ),
            _met("title", _english(spec.title)),
            self.issuer_country(),
            self.awarding_bodies(),
            _met("date-of-issue", "set on every credential when it is issued"),
            self.learning_outcomes(),
            _met("workload", f"{_number(spec.ects)} ECTS")
            if spec.ects is not None
            else _missing("workload", "no ECTS credits (ects)"),
            _met("eqf-level", "EQF " + code_list("eqf").resolve(spec.eqf_level).label)
            if spec.eqf_level
            else _missing("eqf-level", "no EQF level (eqf_level)"),
            self.assessment_type(),
            _met(
                "participation-form",
                _labels(code_list("mode").resolve(m) for m in spec.mode),
            )
            if spec.mode
            else _missing("participation-form", "no mode (mode)"),
            self.quality_assurance(),
        ]

    def issuer_country(self) -> CriterionResult:
        refs = [self.spec.issuer or self.spec.awarding_body[0], *self.spec.co_issuers]
        found = []
        for ref in refs:
            org = self.org(ref)
            if org is None:
                return _missing(
                    "issuer-country", f"issuer {ref!r} is not a loaded organisation"
                )
            found.append(
                f"{_english(org.legal_name)} "
                f"({code_list('country').resolve(org.country).label})"
            )

        return _met("issuer-country", "; ".join(found))

    def awarding_bodies(self) -> CriterionResult:
        refs = [
            *self.spec.awarding_body,
            *(component.awarding_body for component in self.spec.components),
        ]
        unknown = [ref for ref in refs if self.org(ref) is None]
        if unknown:
            return _missing("awarding-body", f"unknown organisation(s) {unknown}")
        names = dict.fromkeys(_org_text(self.org(ref)) for ref in refs)

        return _met("awarding-body", "; ".join(names))

    def learning_outcomes(self) -> CriterionResult:
        count = sum(1 for _ in _outcomes(self.spec))
        if not count:
            return _missing(
                "learning-outcomes", "no learning outcomes (learning_outcomes)"
            )

        return _met("learning-outcomes", f"{count} learning outcome(s)")

    def assessment_type(self) -> CriterionResult:
        assessment = self.spec.assessment
        if assessment is None:
            return _missing("assessment-type", "no assessment (assessment.type)")
        if assessment.type is None:
            return _missing(
                "assessment-type",
                f"assessment {_english(assessment.title)!r}"
                " has no type (assessment.type)",
            )

        return _met(
            "assessment-type",
            code_list("assessment-type").resolve(assessment.type).label,
        )

    def quality_assurance(self) -> CriterionResult:
        spec = self.spec
        bodies = [self.org(ref) for ref in spec.awarding_body]
        found = [
            *spec.quality_assurance,
            *(qa for body in bodies if body for qa in body.accreditation),
            *(qa for c in spec.components for qa in c.quality_assurance),
        ]
        if not found:
            return _missing(
                "quality-assurance",
                "no quality assurance "
                "(quality_assurance, or the awarding body's accreditation)",
            )
        kinds = dict.fromkeys(
            code_list("accreditation-type").resolve(qa.type).label for qa in found
        )

        return _met("quality-assurance", "; ".join(kinds))

    def aurora(self, level: int) -> list[CriterionResult]:
        required = self.config.requirements(self.config.minimum_level)
        return [
            self.size(),
            *(
                self.alignment_result(name, required.get(name, 0))
                for name in ("hub", "sdg", "key-competence", "transversal-competence")
            ),
            self.components(),
            self.level(level, required),
        ]

    def size(self) -> CriterionResult:
        ects, low, high = (
            self.spec.ects,
            self.config.credit_minimum,
            self.config.credit_maximum,
        )
        band = f"{_number(low)}-{_number(high)} ECTS"
        if ects is None:
            return _result("size", CheckStatus.NOT_APPLICABLE, "no ECTS credits")
        if low <= ects <= high:
            return _met("size", f"{_number(ects)} ECTS, within {band}")

        return _result(
            "size",
            CheckStatus.WARNING,
            f"{_number(ects)} ECTS is outside the typical {band}",
        )

    def alignment_result(self, name: str, needed: int) -> CriterionResult:
        concepts = self.alignment.concepts(name)
        errors = self.alignment.problems.get(name, ())
        if errors:
            return _missing(name, "; ".join(str(error) for error in errors))
        if concepts and len(concepts) >= needed:
            return _met(name, _labels(concepts))
        if needed:
            return _missing(
                name,
                f"{len(concepts)} of the {needed} required by "
                f"{self.config.label(self.config.minimum_level)}",
            )
        if name == "transversal-competence":
            return _result(
                name,
                CheckStatus.WARNING,
                "no learning outcome names a "
                "transversal competence of a configured framework",
            )

        return _result(name, CheckStatus.NOT_APPLICABLE, "not required")

    def components(self) -> CriterionResult:
        components = self.spec.components
        if not components:
            return _result(
                "components", CheckStatus.NOT_APPLICABLE, "not a joint micro-credential"
            )
        lacking = [problem for c in components if (problem := self.component_gap(c))]
        if lacking:
            return _missing("components", "; ".join(lacking))

        return _met(
            "components",
            "; ".join(
                f"{_english(c.title)}: {_org_text(self.org(c.awarding_body))}"
                for c in components
            ),
        )

    def component_gap(self, component: Component) -> str:
        body = self.org(component.awarding_body)
        if body is None:
            return (
                f"component {component.id!r}: awarding body "
                f"{component.awarding_body!r} is not a loaded organisation"
            )
        if not (component.quality_assurance or body.accreditation):
            return f"component {component.id!r} has no quality assurance"

        return ""

    def level(self, level: int, required: Mapping[str, int]) -> CriterionResult:
        config = self.config
        wanted = config.label(config.minimum_level)
        if level >= config.minimum_level:
            return _met("level", f"{config.label(level)} (required: {wanted})")
        counts = self.alignment.counts()
        lacking = [
            _BY_ID[name].name
            for name, count in required.items()
            if counts.get(name, 0) < count
        ]

        return _missing(
            "level",
            f"{config.label(level)}, below {wanted}: lacks " + ", ".join(lacking),
        )


def _org_text(org: Organisation | None) -> str:
    if org is None:
        return "?"
    country = code_list("country").resolve(org.country)

    return f"{_english(org.legal_name)} ({country.label})"


def _number(value: object) -> str:
    text = format(value, "f") if value is not None else "?"

    return text.rstrip("0").rstrip(".") if "." in text else text


def criteria() -> Sequence[Criterion]:
    """Return every criterion, Annex I first, in report order."""
    return (*ANNEX_I, *AURORA_CRITERIA)
