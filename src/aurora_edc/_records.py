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

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ._record_types import (
    DEFAULT_LANGUAGE,
    EQF,
    IRI,
    ISCEDF,
    SDG,
    AccreditationType,
    ActivityType,
    AssessmentType,
    Country,
    CredentialType,
    Duration,
    Email,
    FileType,
    KeyCompetence,
    LangText,
    Language,
    LanguageTag,
    LearningSetting,
    Mode,
    OpportunityType,
    WebURL,
    as_list,
    check_base64,
    code_type,
    load_media,
    refuse_control_characters,
    skill_concept,
)
from ._vocab import open_concept, resolve_code

_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)

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


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, validate_default=True
    )

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        return refuse_control_characters(data)


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
            check_base64(str(data["content"]))
            if not data.get("content_type"):
                raise ValueError("'content_type' is required with 'content'")
            return data

        return load_media(data, Path((info.context or {}).get("base_dir", ".")))


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
    homepage: WebURL | None = Field(None, description="Public page of the decision.")


class Identifier(_Record):
    """An identifier in a named scheme (``adms:identifier``)."""

    value: str = Field(description="The identifier (skos:notation).")
    scheme: str | None = Field(None, description="Name of the identification scheme.")


class Organisation(_Record):
    """An organisation: awarding body, issuer, accrediting agent or provider."""

    id: str = Field(
        min_length=1, description="Stable id (Erasmus code, ROR IRI, or your own key)."
    )
    legal_name: LangText = Field(description="Legal name, in one or more languages.")
    alt_label: LangText | None = Field(None, description="Short or common name.")
    country: Country = Field(description="Country of the organisation's address.")
    full_address: LangText | None = Field(
        None, description="Postal address as one text."
    )
    region: Annotated[str, code_type("atu")] | None = Field(
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
    homepage: WebURL | None = Field(None, description="Home page URL.")
    email: Email | None = Field(None, description="Contact e-mail address.")
    logo: Media | None = Field(None, description="Logo image.")
    identifiers: list[Identifier] = Field(
        default_factory=list, description="Other identifiers."
    )
    group: LangText | None = Field(
        None, description="Alliance or network it belongs to."
    )
    group_email: Email | None = Field(
        None, description="Contact e-mail of that alliance."
    )
    accreditation: list[Accreditation] = Field(
        default_factory=list, description="Institutional quality assurance."
    )


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

    @model_validator(mode="after")
    def _in_order(self) -> Activity:
        if (
            self.start
            and self.end
            and _as_datetime(self.end) < _as_datetime(self.start)
        ):
            raise ValueError("the activity's end is before its start")
        return self


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

    hubs: Annotated[list[str], BeforeValidator(as_list)] = Field(
        default_factory=list,
        description="Aurora Educational Hubs: codes, labels or IRIs of the "
        "configured hub vocabulary.",
    )
    sdgs: Annotated[list[SDG], BeforeValidator(as_list)] = Field(
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
    homepage: WebURL | None = None
    awarding_body: Annotated[list[Organisation | str], BeforeValidator(as_list)] = (
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
    default_language: LanguageTag = Field(
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
    email: Email | None = None
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

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value: datetime | date | None) -> datetime | date | None:
        if value is not None:
            born = _as_datetime(value)
            if not _EARLIEST <= born <= datetime.now(UTC):
                raise ValueError(
                    f"{value.isoformat()} is not a plausible date of birth"
                )
        return value

    @model_validator(mode="after")
    def _named(self) -> Learner:
        if not (self.full_name or self.given_name or self.family_name):
            raise ValueError("a learner needs a full_name or given_name/family_name")
        return self


class Award(_Record):
    """One learner's award of a specification: becomes one credential."""

    id: str = Field(min_length=1, description="Stable id of the award; unique per run.")
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

    @model_validator(mode="after")
    def _dates_in_order(self) -> Award:
        start = _as_datetime(self.valid_from or self.awarded_on)
        if self.valid_until and _as_datetime(self.valid_until) <= start:
            raise ValueError("valid_until must be after valid_from (or awarded_on)")
        if self.issued and self.issued.year < _EARLIEST.year:
            raise ValueError(f"issued {self.issued.isoformat()} is before 1900")
        if (
            self.activity_start
            and self.activity_end
            and (_as_datetime(self.activity_end) < _as_datetime(self.activity_start))
        ):
            raise ValueError("activity_end must not be before activity_start")
        return self


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return datetime(value.year, value.month, value.day, tzinfo=UTC)


class RecordSet(_Record):
    """A file of records: organisations, specifications and awards."""

    kind: Literal["aurora-edc/records"] | None = Field(None, alias="$kind")
    default_language: LanguageTag = Field(
        DEFAULT_LANGUAGE, description="Language of plain-string texts in this file."
    )
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
