"""Catalogue gap check of the Aurora micro-credential profile on specifications.

For one micro-credential specification (no learner needed), decides each
criterion of :mod:`aurora_edc._aurora`: the Annex I elements of the Council
Recommendation of 16 June 2022 on micro-credentials (2022/C 243/02) that an
offering states, and the Aurora alliance's criteria (typical size,
Aurorisation level and its alignments, joint components). ``aurora-edc
check`` prints the result; the ``aurora`` SHACL profile checks the same
criteria on issued credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._aurora import (
    CheckStatus,
    CriterionResult,
    OfferingReport,
    criterion_by_id,
    iter_outcomes,
    resolve_alignment,
)
from ._aurora_config import AuroraConfig, default_aurora_config
from ._records import Component, Organisation, Specification
from ._vocab import Concept, code_list

__all__ = ["check_specification"]


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
    return CriterionResult(criterion_by_id(criterion_id), status, detail)


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
        count = sum(1 for _ in iter_outcomes(self.spec))
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
            criterion_by_id(name).name
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
