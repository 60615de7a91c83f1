"""Build the ELM v3 model of a credential from records.

Maps a :class:`~aurora_edc._records.Specification` and one
:class:`~aurora_edc._records.Award` of it to the node tree of an EDC
(``EuropeanDigitalCredential`` -> ``Person`` -> ``LearningAchievement`` ->
``Qualification`` ...), following the EDC application profile
(``edc-generic-full``, ELM 3.1/3.2) and the layout of the European
Commission's micro-credential sample. ``docs/records.md`` lists each record
field with its ELM path and its Annex I element.

Node ids are ``urn:uuid:`` name-based UUIDs (RFC 9562 version 5) derived from
the issuer, the record ids and the node's role, so issuing the same record
twice gives the same ids, and ids never collide across credentials. The part
of the tree that depends only on the specification is built once per
specification and shared by all its awards.
"""

from __future__ import annotations

import base64
import functools
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources

from ._aurora_build import AuroraParts, designated_issuer
from ._aurora_config import AuroraConfig
from ._elm import LangMap, Node
from ._exceptions import RecordError
from ._records import (
    Accreditation,
    Activity,
    Assessment,
    Award,
    LearningOutcome,
    Media,
    Organisation,
    Specification,
    skill_concept,
)
from ._vocab import Concept, code_list, concept_jsonld, open_concept

__all__ = ["PROFILE_IRIS", "CredentialBuilder", "node_id"]

_NAMESPACE = uuid.UUID("5b0c5b9e-3f0d-5c47-9a57-6f2d0e6b8a11")
_ABSOLUTE_ID = re.compile(r"^(https?://|urn:)\S+$")

PROFILE_IRIS = {
    name: "http://data.europa.eu/snb/model/ap/" + name
    for name in (
        "edc-generic-full",
        "edc-generic-no-cv",
        "edc-accredited",
        "edc-diploma-supplement",
        "edc-issued-by-mandate",
        "edc-converted",
    )
}


def node_id(*parts: str) -> str:
    """Return the deterministic ``urn:uuid:`` id for a node's key parts."""
    return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


@functools.lru_cache(maxsize=4096)
def concept(list_name: str, iri: str) -> Node:
    """Return the Concept node of a resolved code, as the EC samples write it."""
    found = code_list(list_name).get(iri)
    if found is None:
        raise KeyError(f"{iri!r} is not in code list {list_name!r}")

    return concept_node(found)


def concept_node(found: Concept) -> Node:
    """Return the node of a concept, in the form :func:`concept_jsonld` gives."""
    data = concept_jsonld(found)
    node = Node("Concept", data["id"])
    node.set("inScheme", Node("ConceptScheme", data["inScheme"]["id"]))
    node.set("notation", data.get("notation"))

    return node.set("prefLabel", LangMap(data["prefLabel"]))


def _text(value: dict[str, str] | None) -> LangMap | None:
    return None if value is None else LangMap(value)


def _note(key: str, value: dict[str, str] | None) -> Node | None:
    if value is None:
        return None

    return Node("Note", node_id(key, "note")).set("noteLiteral", LangMap(value))


@functools.lru_cache(maxsize=1)
def _placeholder_image() -> str:
    data = (
        resources.files("aurora_edc")
        .joinpath("data/display-placeholder.png")
        .read_bytes()
    )

    return base64.b64encode(data).decode("ascii")


@dataclass
class CredentialBuilder:
    """Build credentials for the awards of specifications.

    Args:
        organisations: Organisations that records may reference by id.
        profile: Name of the EDC profile the credential declares in
            ``credentialSchema`` (``edc-generic-full`` by default).
        aurora: Aurora configuration (hub and framework vocabularies, levels)
            for specifications with an Aurora alignment; the default
            configuration, read when first needed, if ``None``.

    """

    organisations: dict[str, Organisation] = field(default_factory=dict)
    profile: str = "edc-generic-full"
    aurora: AuroraConfig | None = None
    _orgs: dict[str, Node] = field(default_factory=dict, repr=False)
    _specs: dict[str, _SpecParts] = field(default_factory=dict, repr=False)
    _aurora: AuroraParts | None = field(default=None, init=False, repr=False)

    def organisation(self, ref: Organisation | str, where: str) -> Organisation:
        """Resolve an organisation given inline or by id.

        Raises:
            RecordError: No organisation has that id.

        """
        if isinstance(ref, Organisation):
            return ref
        if ref not in self.organisations:
            known = ", ".join(sorted(self.organisations)) or "none"
            raise RecordError(
                f"unknown organisation id {ref!r} (known: {known})",
                path=where,
                rule="organisation references name an entry of 'organisations'",
            )

        return self.organisations[ref]

    def build(self, spec: Specification, award: Award, *, issued: datetime) -> Node:
        """Return the credential node tree of one award.

        Args:
            spec: The specification the award is of.
            award: The award.
            issued: Issue time used when the award has none.

        Raises:
            RecordError: A reference does not resolve, or the issuer lacks the
                eIDAS identifier that ``edc-generic-full`` requires.

        """
        parts = self._spec_parts(spec, award.issuer)
        key = f"{parts.issuer.id}\x1f{award.id}"
        when = award.issued or issued

        credential = Node(
            ("VerifiableCredential", "EuropeanDigitalCredential"),
            node_id("credential", key),
        )
        credential.set(
            "credentialProfiles", concept("credential-type", spec.credential_type)
        )
        credential.set(
            "credentialSchema", Node("ShaclValidator2017", PROFILE_IRIS[self.profile])
        )
        credential.set("displayParameter", parts.display)
        if award.certificate_number:
            credential.set(
                "identifier",
                _identifier(
                    key + "/cert", award.certificate_number, "Certificate number"
                ),
            )
        credential.set("issued", when).set("issuanceDate", when)
        credential.set("validFrom", award.valid_from or award.awarded_on)
        credential.set("validUntil", award.valid_until)
        credential.set("issuer", parts.issuer)
        credential.set("credentialSubject", self._person(key, spec, award, parts))

        return credential

    def _person(
        self, key: str, spec: Specification, award: Award, parts: _SpecParts
    ) -> Node:
        learner = award.learner
        person = Node("Person", node_id("person", key))
        person.set("givenName", _text(learner.given_name))
        person.set("familyName", _text(learner.family_name))
        person.set(
            "fullName",
            _text(
                learner.full_name or _full_name(learner.given_name, learner.family_name)
            ),
        )
        person.set("dateOfBirth", learner.date_of_birth)
        if learner.national_id is not None:
            legal = Node("LegalIdentifier", node_id("national-id", key))
            legal.set("notation", learner.national_id.value)
            person.set(
                "nationalID",
                legal.set("spatial", concept("country", learner.national_id.country)),
            )
        if learner.student_id:
            person.set(
                "identifier",
                _identifier(key + "/student", learner.student_id, "Student identifier"),
            )
        if learner.email:
            person.set("contactPoint", _contact(key + "/learner", learner.email))

        return person.set("hasClaim", self._achievement(key, spec, award, parts))

    def _achievement(
        self, key: str, spec: Specification, award: Award, parts: _SpecParts
    ) -> Node:
        process = Node("AwardingProcess", node_id("awarding", key))
        process.set("awardingBody", parts.awarding_body).set(
            "awardingDate", award.awarded_on
        )

        achievement = Node("LearningAchievement", node_id("achievement", key))
        achievement.set("title", LangMap(spec.title))
        achievement.set("awardedBy", process)
        if spec.ects is not None:
            achievement.set("creditReceived", _credit(key, spec))
        if award.grade is not None and spec.assessment is not None:
            achievement.set(
                "provenBy",
                self._assessment(key, spec.assessment, award, process, parts),
            )
        activities = [
            self._activity(key, index, activity, award, process)
            for index, activity in enumerate(spec.activities)
        ]
        achievement.set("influencedBy", activities)
        achievement.set(
            "hasPart",
            self._aurora_parts().component_achievements(
                key, spec, award, parts.specification
            ),
        )

        return achievement.set("specifiedBy", parts.specification)

    def _assessment(
        self,
        key: str,
        assessment: Assessment,
        award: Award,
        process: Node,
        parts: _SpecParts,
    ) -> Node:
        assert award.grade is not None
        node = Node("LearningAssessment", node_id("assessment", key))
        node.set("title", LangMap(assessment.title))
        node.set("grade", _note(key + "/grade", award.grade))
        if assessment.assessed_by is not None:
            org = self.organisation(assessment.assessed_by, "assessment.assessed_by")
            node.set("assessedBy", self._org(org))
        node.set("awardedBy", process)
        if assessment.id_verification:
            label = assessment.id_verification_label or {
                "en": assessment.id_verification
            }
            node.set(
                "idVerification",
                concept_node(
                    open_concept(
                        "supervision-verification", assessment.id_verification, label
                    )
                ),
            )

        return node.set("specifiedBy", parts.assessment_spec)

    def _activity(
        self, key: str, index: int, activity: Activity, award: Award, process: Node
    ) -> Node:
        spec_key = f"{key}/activity/{index}"
        node = Node("LearningActivity", node_id("activity", spec_key))
        node.set("title", LangMap(activity.title))
        node.set("description", _text(activity.description))
        node.set("awardedBy", process)
        if activity.directed_by is not None:
            org = self.organisation(
                activity.directed_by, f"activities[{index}].directed_by"
            )
            node.set("directedBy", self._org(org))
        start = award.activity_start or activity.start
        end = award.activity_end or activity.end
        if start or end:
            period = Node("PeriodOfTime", node_id("period", spec_key))
            node.set("temporal", period.set("startDate", start).set("endDate", end))
        specification = Node(
            "LearningActivitySpecification", node_id("activity-spec", spec_key)
        )
        specification.set("title", LangMap(activity.title))
        if activity.type:
            specification.set(
                "dcType", concept("learning-activity-type", activity.type)
            )
        if activity.mode:
            specification.set("mode", concept("mode", activity.mode))
        specification.set("volumeOfLearning", activity.volume_of_learning)
        if activity.language:
            specification.set("language", concept("language", activity.language))

        return node.set("specifiedBy", specification)

    def _aurora_parts(self) -> AuroraParts:
        if self._aurora is None:
            self._aurora = AuroraParts(self, self.aurora)

        return self._aurora

    def _spec_parts(self, spec: Specification, issuer: str | None = None) -> _SpecParts:
        cached = f"{spec.id}\x1f{issuer or ''}"
        if cached in self._specs:
            return self._specs[cached]

        awarding = [
            self._org(self.organisation(ref, f"awarding_body[{index}]"))
            for index, ref in enumerate(spec.awarding_body)
        ]
        awarding = self._aurora_parts().awarding_bodies(spec, awarding)
        issuer_record = self.organisation(designated_issuer(spec, issuer), "issuer")
        if not issuer_record.eidas_id:
            raise RecordError(
                f"issuer {issuer_record.id!r} has no eidas_id; edc-generic-full "
                "requires the issuer's eIDAS legal identifier (the seal "
                "certificate's organizationIdentifier)",
                record_id=spec.id,
                path="issuer.eidas_id",
                rule="IssuerNodeShape",
            )
        key = f"spec\x1f{issuer_record.id}\x1f{spec.id}"
        parts = _SpecParts(
            issuer=self._org(issuer_record),
            awarding_body=awarding,
            display=self._display(key, spec),
            assessment_spec=self._assessment_spec(key, spec),
            specification=Node("Qualification", ""),
        )
        parts.specification = self._qualification(key, spec, parts)
        self._aurora_parts().decorate(key, spec, parts.specification)
        self._specs[cached] = parts

        return parts

    def _qualification(self, key: str, spec: Specification, parts: _SpecParts) -> Node:
        kind = "Qualification" if spec.eqf_level else "LearningAchievementSpecification"
        node = Node(kind, node_id("specification", key))
        node.set("title", LangMap(spec.title)).set(
            "description", _text(spec.description)
        )
        outcomes = [
            _outcome(key, index, outcome)
            for index, outcome in enumerate(spec.learning_outcomes)
        ]
        node.set("learningOutcome", outcomes)
        node.set(
            "learningOutcomeSummary",
            _note(key + "/lo-summary", spec.learning_outcome_summary),
        )
        if spec.ects is not None:
            node.set("creditPoint", _credit(key, spec))
        if spec.eqf_level:
            node.set("eqfLevel", concept("eqf", spec.eqf_level))
        if spec.nqf_level:
            node.set("nqfLevel", concept("nqf", spec.nqf_level))
        node.set("thematicArea", [concept("isced-f", code) for code in spec.isced_f])
        node.set("volumeOfLearning", spec.volume_of_learning)
        node.set("maximumDuration", spec.maximum_duration)
        node.set("language", [concept("language", code) for code in spec.languages])
        node.set("mode", [concept("mode", code) for code in spec.mode])
        if spec.learning_setting:
            node.set(
                "learningSetting", concept("learning-setting", spec.learning_setting)
            )
        node.set("provenBy", parts.assessment_spec)
        node.set(
            "accreditation",
            [
                self._accreditation(key, index, qa)
                for index, qa in enumerate(spec.quality_assurance)
            ],
        )
        node.set("entryRequirement", _note(key + "/entry", spec.entry_requirements))
        if spec.opportunity_type:
            node.set(
                "dcType", concept("learning-opportunity-type", spec.opportunity_type)
            )
        node.set("isPartialQualification", spec.is_partial_qualification)
        if spec.homepage:
            node.set("homepage", _web(key + "/home", spec.homepage))

        return node

    def _assessment_spec(self, spec_key: str, spec: Specification) -> Node | None:
        assessment = spec.assessment
        if assessment is None:
            return None
        key = spec_key + "\x1fassessment"
        node = Node("LearningAssessmentSpecification", node_id("assessment-spec", key))
        node.set("title", LangMap(assessment.title))
        if assessment.type:
            node.set("dcType", concept("assessment-type", assessment.type))
        if assessment.mode:
            node.set("mode", concept("mode", assessment.mode))
        if assessment.language:
            node.set("language", concept("language", assessment.language))
        if assessment.grading_scheme:
            scheme = Node("GradingScheme", node_id("grading", key))
            scheme.set("title", LangMap(assessment.grading_scheme))
            node.set(
                "gradingScheme",
                scheme.set("description", _text(assessment.grading_description)),
            )

        return node

    def _accreditation(self, key: str, index: int, qa: Accreditation) -> Node:
        node = Node(
            "Accreditation", node_id("accreditation", qa.id or f"{key}/qa/{index}")
        )
        node.set("dcType", concept("accreditation-type", qa.type))
        node.set("title", LangMap(qa.title))
        node.set(
            "accreditingAgent",
            self._org(self.organisation(qa.agent, "accreditation.agent")),
        )
        node.set("dateIssued", qa.issued)
        node.set("expiryDate", qa.expires)
        if qa.homepage:
            node.set("homepage", _web(f"{key}/qa/{index}/home", qa.homepage))

        return node

    def _display(self, spec_key: str, spec: Specification) -> Node:
        key = spec_key + "\x1fdisplay"
        display = spec.display
        primary = display.primary_language or _first_language(spec)
        languages = sorted(
            {_language_iri(tag) for tag in (display.title or spec.title)} | {primary}
        )
        image = display.image
        media = Node("MediaObject", node_id("display-image", key))
        media.set("content", image.content if image else _placeholder_image())
        media.set(
            "contentType",
            concept(
                "file-type",
                image.content_type if image and image.content_type else _png(),
            ),
        )
        media.set("contentEncoding", concept("content-encoding", _base64()))
        detail = Node("DisplayDetail", node_id("display-detail", key))
        detail.set("page", 1).set("image", media)
        individual = Node("IndividualDisplay", node_id("individual-display", key))
        individual.set("language", concept("language", primary)).set(
            "displayDetail", detail
        )

        node = Node("DisplayParameter", node_id("display", key))
        node.set("title", LangMap(display.title or spec.title))
        node.set("description", _text(display.description))
        node.set("language", [concept("language", iri) for iri in languages])
        node.set("primaryLanguage", concept("language", primary))

        return node.set("individualDisplay", individual)

    def _org(self, org: Organisation) -> Node:
        if org.id in self._orgs:
            return self._orgs[org.id]
        key = f"org\x1f{org.id}"
        iri = org.id if _ABSOLUTE_ID.match(org.id) else node_id("organisation", key)
        node = Node("Organisation", iri)
        node.set("legalName", LangMap(org.legal_name)).set(
            "altLabel", _text(org.alt_label)
        )
        address = Node("Address", node_id("address", key))
        address.set("countryCode", concept("country", org.country))
        address.set("fullAddress", _note(key + "/address", org.full_address))
        location = Node("Location", node_id("location", key)).set("address", address)
        if org.region:
            location.set("spatialCode", concept("atu", org.region))
        node.set("location", location)
        if org.eidas_id:
            node.set(
                "eIDASIdentifier", _legal(key + "/eidas", org.eidas_id, org.country)
            )
        if org.vat_id:
            node.set("vatIdentifier", _legal(key + "/vat", org.vat_id, org.country))
        if org.registration:
            node.set(
                "registration", _legal(key + "/reg", org.registration, org.country)
            )
        identifiers: list[tuple[str, str | None]] = []
        if org.erasmus_code:
            identifiers.append((org.erasmus_code, "Erasmus code"))
        identifiers += [(item.value, item.scheme) for item in org.identifiers]
        node.set(
            "identifier",
            [
                _identifier(f"{key}/id/{index}", value, scheme)
                for index, (value, scheme) in enumerate(identifiers)
            ],
        )
        if org.homepage:
            node.set("homepage", _web(key + "/home", org.homepage))
        if org.email:
            node.set("contactPoint", _contact(key, org.email))
        if org.logo is not None:
            node.set("logo", _media(key + "/logo", org.logo))
        if org.group:
            # Partners of one alliance share its Group node.
            group_key = "\x1f".join(sorted(f"{k}={v}" for k, v in org.group.items()))
            group_key += f"\x1f{org.group_email or ''}"
            group = Node("Group", node_id("group", group_key)).set(
                "prefLabel", LangMap(org.group)
            )
            if org.group_email:
                group.set("contactPoint", _contact(group_key, org.group_email))
            node.set("groupMemberOf", group)
        node.set(
            "accreditation",
            [
                self._accreditation(key, index, qa)
                for index, qa in enumerate(org.accreditation)
            ],
        )
        self._orgs[org.id] = node

        return node


@dataclass
class _SpecParts:
    issuer: Node
    awarding_body: list[Node]
    display: Node
    assessment_spec: Node | None
    specification: Node


def _outcome(key: str, index: int, outcome: LearningOutcome) -> Node:
    node = Node("LearningOutcome", node_id("outcome", f"{key}/lo/{index}"))
    node.set("title", LangMap(outcome.title)).set(
        "description", _text(outcome.description)
    )
    node.set(
        "relatedESCOSkill",
        [
            concept_node(open_concept("esco-skill", iri, label))
            for iri, label in outcome.esco_skills.items()
        ],
    )
    node.set(
        "relatedSkill",
        [
            concept_node(skill_concept(iri, label))
            for iri, label in outcome.related_skills.items()
        ],
    )
    if outcome.reusability_level:
        node.set(
            "reusabilityLevel", concept("skill-reuse-level", outcome.reusability_level)
        )

    return node


def _credit(key: str, spec: Specification) -> Node:
    node = Node("CreditPoint", node_id("credit", key))
    node.set(
        "framework",
        concept("credit-framework", code_list("credit-framework").resolve("ECTS").iri),
    )

    return node.set("point", format(spec.ects.normalize(), "f") if spec.ects else None)


def _identifier(key: str, value: str, scheme: str | None) -> Node:
    node = Node("Identifier", node_id("identifier", key))

    return node.set("notation", value).set("schemeName", scheme)


def _legal(key: str, value: str, country: str) -> Node:
    node = Node("LegalIdentifier", node_id("legal-identifier", key))

    return node.set("notation", value).set("spatial", concept("country", country))


def _web(key: str, url: str) -> Node:
    return Node("WebResource", node_id("web", key)).set("contentURL", url)


def _contact(key: str, email: str) -> Node:
    point = Node("ContactPoint", node_id("contact", key))

    return point.set("emailAddress", Node("Mailbox", f"mailto:{email}"))


def _media(key: str, media: Media) -> Node:
    node = Node("MediaObject", node_id("media", key))
    node.set("content", media.content)
    node.set("contentType", concept("file-type", media.content_type or _png()))

    return node.set("contentEncoding", concept("content-encoding", _base64()))


def _full_name(
    given: dict[str, str] | None, family: dict[str, str] | None
) -> dict[str, str] | None:
    if not given or not family:
        return given or family
    first_given, first_family = next(iter(given.values())), next(iter(family.values()))

    return {
        lang: f"{given.get(lang, first_given)} {family.get(lang, first_family)}"
        for lang in dict.fromkeys([*given, *family])
    }


def _first_language(spec: Specification) -> str:
    return _language_iri(next(iter(spec.display.title or spec.title)))


@functools.lru_cache(maxsize=256)
def _language_iri(tag: str) -> str:
    return code_list("language").resolve(tag).iri


@functools.lru_cache(maxsize=1)
def _png() -> str:
    return code_list("file-type").resolve("PNG").iri


@functools.lru_cache(maxsize=1)
def _base64() -> str:
    return code_list("content-encoding").resolve("base64").iri
