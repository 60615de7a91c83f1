"""The internal credential records: micro-credential specifications and awards.

A university describes an *offering* once, as a :class:`Specification` (the
micro-credential specification: title, learning outcomes, ECTS, EQF level,
assessment, quality assurance, awarding body), and each learner who earns it
as an :class:`Award` (learner, date, grade, certificate number). Organisations
may be written inline or listed once in a :class:`RecordSet` and referenced by
their ``id``.

Multilingual text is a map from language tag to text (``{"en": "...", "de":
"..."}``); a plain string is taken as text in the record's default language.
Controlled-vocabulary fields accept an official concept IRI or a short code
(EQF ``6``, country ``IE``, language ``en``, ISCED-F ``0613``) and are stored as
the official concept IRI, resolved against the official code lists (see
:mod:`aurora_edc._vocab`).

Each field's ELM v3 path and the element of Annex I of the 2022 Council
Recommendation on micro-credentials it serves are listed in
``docs/records.md``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ._aurora_vocab import builtin_vocabulary
from ._exceptions import UnknownCodeError
from ._vocab import Concept, open_concept, open_scheme_names, resolve_code

__all__ = [
    "Accreditation",
    "Activity",
    "Address",
    "Assessment",
    "AuroraAlignment",
    "Award",
    "Component",
    "DisplaySettings",
    "Identifier",
    "Learner",
    "LearningOutcome",
    "Media",
    "NationalId",
    "Organisation",
    "RecordSet",
    "Specification",
]

_LANG_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
DEFAULT_LANGUAGE = "en"


def _code(list_name: str) -> AfterValidator:
    """Return a validator resolving a code or IRI of ``list_name`` to its IRI."""

    def resolve(value: str) -> str:
        return resolve_code(list_name, value).iri

    return AfterValidator(resolve)


def _as_text(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)

    return value


def skill_concept(iri: str, label: dict[str, str]) -> Concept:
    """Return the concept of a skill IRI in any open scheme (ESCO, DigComp...).

    Raises:
        UnknownCodeError: The IRI belongs to no known skill scheme.

    """
    for scheme in open_scheme_names():
        if scheme.startswith(("esco", "digcomp")):
            try:
                return open_concept(scheme, iri, label)
            except UnknownCodeError:
                continue

    raise UnknownCodeError(
        f"{iri!r} is not an ESCO or DigComp concept IRI",
        rule="a skill of an open scheme",
    )


def _as_list(value: object) -> object:
    return value if isinstance(value, list) else [value]


def _lang_map(value: object, info: ValidationInfo) -> object:
    """Accept ``"text"`` (default language) or ``{"en": "text"}``."""
    if isinstance(value, str):
        language = (info.context or {}).get("default_language", DEFAULT_LANGUAGE)
        return {language: value}

    return value


def _check_lang_map(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("needs text in at least one language")
    for tag, text in value.items():
        if not _LANG_TAG.match(tag):
            raise ValueError(
                f"{tag!r} is not a BCP 47 language tag such as 'en' or 'de'"
            )
        if not text.strip():
            raise ValueError(f"text for language {tag!r} is empty")

    return {
        tag.lower() if len(tag) <= 3 else tag: text.strip()
        for tag, text in value.items()
    }


def _check_duration(value: str | int | float | timedelta) -> str:
    """Accept an xsd:duration (``PT60H``), hours as a number, or a timedelta."""
    if isinstance(value, timedelta):
        hours = value.total_seconds() / 3600
        return (
            f"PT{hours:g}H"
            if hours == int(hours)
            else f"PT{int(value.total_seconds())}S"
        )
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError("a duration in hours must be positive")
        return f"PT{value:g}H"
    if not _DURATION.match(value):
        raise ValueError(f"{value!r} is not an xsd:duration such as 'PT60H' or 'P1M'")

    return value


def _check_iri(value: str) -> str:
    if not _IRI.match(value):
        raise ValueError(f"{value!r} is not an absolute IRI")

    return value


LangText = Annotated[
    dict[str, str],
    BeforeValidator(_lang_map),
    AfterValidator(_check_lang_map),
    Field(json_schema_extra={"description": "language tag -> text, or a plain string"}),
]
Duration = Annotated[str, BeforeValidator(_check_duration)]
IRI = Annotated[str, AfterValidator(_check_iri)]
Country = Annotated[str, _code("country")]
Language = Annotated[str, _code("language")]
EQF = Annotated[str, BeforeValidator(_as_text), _code("eqf")]
ISCEDF = Annotated[str, BeforeValidator(_as_text), _code("isced-f")]
Mode = Annotated[str, _code("mode")]
LearningSetting = Annotated[str, _code("learning-setting")]
AssessmentType = Annotated[str, _code("assessment-type")]
AccreditationType = Annotated[str, _code("accreditation-type")]
CredentialType = Annotated[str, _code("credential-type")]
OpportunityType = Annotated[str, _code("learning-opportunity-type")]
ActivityType = Annotated[str, _code("learning-activity-type")]
FileType = Annotated[str, _code("file-type")]


def _aurora_code(name: str) -> AfterValidator:
    """Validator that resolves a code of a built-in Aurora vocabulary to its IRI."""

    def resolve(value: str) -> str:
        return builtin_vocabulary(name).resolve(value).iri

    return AfterValidator(resolve)


SDG = Annotated[str, BeforeValidator(_as_text), _aurora_code("sdg")]
KeyCompetence = Annotated[
    str, BeforeValidator(_as_text), _aurora_code("key-competence")
]


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, validate_default=True
    )


class Media(_Record):
    """An image or document embedded in the credential (logo, display image).

    Give either ``path`` (relative to the record file) or base64 ``content``.
    """

    path: Path | None = Field(
        None, description="File to embed, relative to the record file."
    )
    content: str | None = Field(None, description="Base64 content, if no path.")
    content_type: FileType | None = Field(
        None,
        description="File type code (PNG, JPEG, PDF); from the file suffix by default.",
    )

    @model_validator(mode="before")
    @classmethod
    def _load(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        if ("path" in data) == ("content" in data):
            raise ValueError("give exactly one of 'path' and 'content'")
        if "content" in data:
            try:
                base64.b64decode(str(data["content"]), validate=True)
            except binascii.Error as exc:
                raise ValueError(f"content is not base64: {exc}") from exc
            if not data.get("content_type"):
                raise ValueError("'content_type' is required with 'content'")
            return data

        base = Path((info.context or {}).get("base_dir", "."))
        source = Path(data["path"])
        source = source if source.is_absolute() else base / source
        try:
            raw = source.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read {source}: {exc.strerror}") from exc
        kind = data.get("content_type") or source.suffix.lstrip(".")

        return {
            "path": data["path"],
            "content": base64.b64encode(raw).decode("ascii"),
            "content_type": kind,
        }


class Address(_Record):
    """A postal address (``Location.address``)."""

    country: Country = Field(description="Country code (IE, IRL) or concept IRI.")
    full_address: LangText | None = Field(None, description="The address as one text.")


class Accreditation(_Record):
    """Quality assurance of an offering or an organisation (Annex I: type of QA)."""

    id: str | None = Field(None, description="Stable id of the accreditation decision.")
    type: AccreditationType = Field(
        description="Accreditation type: institutional/programme QA or licensing."
    )
    title: LangText = Field(description="Title of the QA decision or framework.")
    agent: Organisation | str = Field(
        description="Accrediting agent (QA agency), inline or an organisation id."
    )
    issued: date | None = Field(None, description="Date of the decision.")
    expires: date | None = Field(None, description="End of validity.")
    homepage: IRI | None = Field(None, description="Public page of the decision.")


class Identifier(_Record):
    """An identifier in a named scheme (``adms:identifier``)."""

    value: str = Field(description="The identifier (skos:notation).")
    scheme: str | None = Field(None, description="Name of the identification scheme.")


class Organisation(_Record):
    """An organisation: awarding body, issuer, accrediting agent or provider."""

    id: str = Field(description="Stable id (Erasmus code, ROR IRI, or your own key).")
    legal_name: LangText = Field(description="Legal name, in one or more languages.")
    alt_label: LangText | None = Field(None, description="Short or common name.")
    country: Country = Field(description="Country of the organisation's address.")
    full_address: LangText | None = Field(
        None, description="Postal address as one text."
    )
    region: Annotated[str, _code("atu")] | None = Field(
        None,
        description="Administrative territorial unit (ATU code or IRI) of the address.",
    )
    erasmus_code: str | None = Field(None, description="Erasmus institutional code.")
    vat_id: str | None = Field(None, description="VAT number.")
    eidas_id: str | None = Field(
        None,
        description="eIDAS legal identifier, as the seal certificate's "
        "organizationIdentifier (e.g. VATBE-0123456789). Required for an issuer.",
    )
    registration: str | None = Field(
        None, description="National business registration number."
    )
    homepage: IRI | None = Field(None, description="Home page URL.")
    email: str | None = Field(None, description="Contact e-mail address.")
    logo: Media | None = Field(None, description="Logo image.")
    identifiers: list[Identifier] = Field(
        default_factory=list, description="Other identifiers."
    )
    group: LangText | None = Field(
        None, description="Alliance or network it belongs to."
    )
    group_email: str | None = Field(
        None, description="Contact e-mail of that alliance."
    )
    accreditation: list[Accreditation] = Field(
        default_factory=list, description="Institutional quality assurance."
    )

    @field_validator("email", "group_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


class LearningOutcome(_Record):
    """One learning outcome of an offering (Annex I: learning outcomes)."""

    title: LangText = Field(description="The outcome, as a short statement.")
    description: LangText | None = None
    esco_skills: dict[IRI, LangText] = Field(
        default_factory=dict, description="ESCO skill concept IRI -> its label."
    )
    related_skills: dict[IRI, LangText] = Field(
        default_factory=dict,
        description="Other skill concepts (DigComp, ...): IRI -> label.",
    )
    reusability_level: str | None = Field(
        None, description="Skill reusability level code (e.g. cross-sector)."
    )
    key_competences: list[KeyCompetence] = Field(
        default_factory=list,
        description="Aurora: EU key competences (2018) the outcome develops: "
        "code (digital), number (4), label or IRI.",
    )
    transversal_competences: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Aurora: transversal competences, by framework name (as "
        "configured) -> concept codes, labels or IRIs.",
    )

    @field_validator("esco_skills")
    @classmethod
    def _esco(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for iri, label in value.items():
            open_concept("esco-skill", iri, label)
        return value

    @field_validator("related_skills")
    @classmethod
    def _related(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for iri, label in value.items():
            skill_concept(iri, label)
        return value

    @field_validator("reusability_level")
    @classmethod
    def _reuse(cls, value: str | None) -> str | None:
        return None if value is None else resolve_code("skill-reuse-level", value).iri


class Assessment(_Record):
    """How learners are assessed (Annex I: type of assessment)."""

    title: LangText = Field(description="Name of the assessment.")
    type: AssessmentType | None = Field(None, description="Assessment type code.")
    mode: Mode | None = Field(None, description="Mode of the assessment (online, ...).")
    language: Language | None = Field(None, description="Language of the assessment.")
    assessed_by: Organisation | str | None = Field(
        None, description="Assessing body, or its id."
    )
    grading_scheme: LangText | None = Field(
        None, description="Title of the grading scheme."
    )
    grading_description: LangText | None = Field(
        None, description="How grades are given."
    )
    id_verification: IRI | None = Field(
        None, description="Supervision and identity-verification concept IRI."
    )
    id_verification_label: LangText | None = None


class Activity(_Record):
    """A learning activity the learner took part in (``influencedBy``)."""

    title: LangText
    description: LangText | None = None
    type: ActivityType | None = None
    mode: Mode | None = None
    volume_of_learning: Duration | None = None
    language: Language | None = None
    directed_by: Organisation | str | None = Field(
        None, description="Provider, or its id."
    )
    start: datetime | date | None = None
    end: datetime | date | None = None


class DisplaySettings(_Record):
    """How a wallet or viewer shows the credential (``displayParameter``)."""

    title: LangText | None = Field(
        None, description="Display title; defaults to the title."
    )
    description: LangText | None = None
    primary_language: Language | None = Field(
        None, description="Main language; defaults to the first title language."
    )
    image: Media | None = Field(
        None, description="Rendering of page 1; a neutral placeholder when absent."
    )


class AuroraAlignment(_Record):
    """How an offering is aligned with the Aurora alliance's priorities.

    Key and transversal competences are given on the learning outcomes they
    belong to (``LearningOutcome.key_competences``, ``transversal_competences``).
    """

    hubs: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="Aurora Educational Hubs: codes, labels or IRIs of the "
        "configured hub vocabulary.",
    )
    sdgs: Annotated[list[SDG], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="UN Sustainable Development Goals: number (13), 'SDG 13' or IRI.",
    )
    open_to_all_partners: bool = Field(
        False,
        description="One university's offering open to students of every partner "
        "university (written as an additionalNote).",
    )


class Component(_Record):
    """One part of a joint micro-credential, taught by one partner university.

    The partner awards the component and quality-assures it.
    """

    id: str = Field(description="Stable id of the component, unique in its offering.")
    title: LangText
    description: LangText | None = None
    awarding_body: Organisation | str = Field(
        description="The partner that teaches, assesses and awards it, or its id."
    )
    ects: Decimal | None = Field(None, gt=0, le=60, description="ECTS credits.")
    volume_of_learning: Duration | None = None
    learning_outcomes: list[LearningOutcome] = Field(default_factory=list)
    quality_assurance: list[Accreditation] = Field(
        default_factory=list,
        description="QA of the component; the awarding body's institutional QA "
        "also counts.",
    )


class Specification(_Record):
    """A micro-credential specification: the offering, without learners."""

    id: str = Field(
        description="Stable id of the offering in the university's systems."
    )
    title: LangText = Field(
        description="Title (Annex I: title of the micro-credential)."
    )
    description: LangText | None = None
    learning_outcomes: list[LearningOutcome] = Field(
        default_factory=list, description="Annex I: learning outcomes."
    )
    learning_outcome_summary: LangText | None = None
    ects: Decimal | None = Field(
        None, gt=0, le=240, description="Annex I: notional workload in ECTS credits."
    )
    eqf_level: EQF | None = Field(None, description="Annex I: EQF level (1-8).")
    nqf_level: IRI | None = Field(None, description="NQF level concept IRI.")
    isced_f: list[ISCEDF] = Field(default_factory=list, description="ISCED-F fields.")
    volume_of_learning: Duration | None = Field(
        None, description="Notional learning time (xsd:duration or hours)."
    )
    maximum_duration: Duration | None = None
    languages: list[Language] = Field(
        default_factory=list, description="Languages of instruction."
    )
    mode: list[Mode] = Field(
        default_factory=list,
        description="Annex I: form of participation (online, blended...).",
    )
    learning_setting: LearningSetting | None = Field(
        None, description="formal / non-formal."
    )
    assessment: Assessment | None = Field(
        None, description="Annex I: type of assessment."
    )
    quality_assurance: list[Accreditation] = Field(
        default_factory=list, description="Annex I: type of quality assurance."
    )
    entry_requirements: LangText | None = Field(None, description="Prerequisites.")
    opportunity_type: OpportunityType | None = Field(
        None, description="Learning opportunity type (e.g. short learning programme)."
    )
    is_partial_qualification: bool | None = None
    homepage: IRI | None = None
    awarding_body: Annotated[list[Organisation | str], BeforeValidator(_as_list)] = (
        Field(
            min_length=1,
            description="Annex I: awarding body (or bodies of a joint award), "
            "inline or by id.",
        )
    )
    issuer: Organisation | str | None = Field(
        None,
        description="Issuing organisation (seal owner); the awarding body by default.",
    )
    co_issuers: list[Organisation | str] = Field(
        default_factory=list,
        description="Other designated issuers of a joint micro-credential; an "
        "award names the one that issues it (Award.issuer).",
    )
    components: list[Component] = Field(
        default_factory=list,
        description="Parts of a joint micro-credential, each awarded by a partner.",
    )
    aurora: AuroraAlignment | None = Field(
        None, description="Aurora alignment: Educational Hubs, SDGs, audience."
    )
    credential_type: CredentialType = Field(
        "generic", description="Europass credential profile (generic, ...)."
    )
    activities: list[Activity] = Field(default_factory=list)
    display: DisplaySettings = Field(default_factory=lambda: DisplaySettings())
    default_language: str = Field(
        DEFAULT_LANGUAGE, description="Language of plain-string texts."
    )

    @model_validator(mode="after")
    def _joint(self) -> Specification:
        ids = [component.id for component in self.components]
        if len(set(ids)) != len(ids):
            raise ValueError(f"component ids must be unique; found {ids}")
        credits = [component.ects for component in self.components]
        if self.ects is None and credits and None not in credits:
            # The workload of a joint offering is that of its components.
            object.__setattr__(self, "ects", sum(c for c in credits if c is not None))
        return self


class NationalId(_Record):
    """A national identification number and the country that issued it."""

    value: str
    country: Country


class Learner(_Record):
    """The learner of one award (Annex I: identification of the learner)."""

    given_name: LangText | None = None
    family_name: LangText | None = None
    full_name: LangText | None = Field(
        None, description="Defaults to given + family name."
    )
    date_of_birth: datetime | date | None = None
    national_id: NationalId | None = None
    email: str | None = None
    student_id: str | None = Field(
        None, description="Student number at the awarding body."
    )

    @field_validator("given_name", "family_name", "full_name")
    @classmethod
    def _one_name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and len(value) > 1:
            raise ValueError(
                f"give the name in one language, not {len(value)}: the EDC "
                "profile allows "
                "one value (sh:maxCount 1 on foaf:givenName/familyName/fullName)"
            )
        return value

    @model_validator(mode="after")
    def _named(self) -> Learner:
        if not (self.full_name or self.given_name or self.family_name):
            raise ValueError("a learner needs a full_name or given_name/family_name")
        if self.email is not None and not re.fullmatch(
            r"[^@\s]+@[^@\s]+\.[^@\s]+", self.email
        ):
            raise ValueError(f"email {self.email!r} is not an e-mail address")
        return self


class Award(_Record):
    """One learner's award of a specification: becomes one credential."""

    id: str = Field(description="Stable id of the award; unique per issuer.")
    specification: str | None = Field(
        None, description="Id of the specification; optional when there is only one."
    )
    learner: Learner
    awarded_on: date = Field(description="Date of the awarding decision.")
    issued: datetime | None = Field(
        None,
        description="Issue time; the run's issue time by default "
        "(Annex I: date of issue).",
    )
    valid_from: datetime | None = Field(None, description="Defaults to the award date.")
    valid_until: datetime | None = None
    grade: LangText | None = Field(
        None, description="Grade or result (e.g. 'Pass', '8/10')."
    )
    certificate_number: str | None = None
    issuer: str | None = Field(
        None,
        description="Id of the designated issuer that issues this award (the "
        "specification's issuer or one of its co_issuers); the issuer by default.",
    )
    activity_start: datetime | date | None = None
    activity_end: datetime | date | None = None


class RecordSet(_Record):
    """A file of records: organisations, specifications and awards."""

    kind: Literal["aurora-edc/records"] | None = Field(None, alias="$kind")
    organisations: list[Organisation] = Field(default_factory=list)
    specifications: list[Specification] = Field(default_factory=list)
    awards: list[Award] = Field(default_factory=list)

    def organisation(self, ref: Organisation | str) -> Organisation:
        """Return an organisation given inline or by id.

        Raises:
            KeyError: No organisation has that id.

        """
        if isinstance(ref, Organisation):
            return ref
        for organisation in self.organisations:
            if organisation.id == ref:
                return organisation

        raise KeyError(ref)


Accreditation.model_rebuild()


def model_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a record file (:class:`RecordSet`)."""
    return RecordSet.model_json_schema(by_alias=True)
