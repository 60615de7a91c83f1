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

from dataclasses import dataclass, field
from datetime import datetime

from ._aurora_build import AuroraParts, designated_issuer
from ._aurora_config import AuroraConfig
from ._build_nodes import (
    base64_encoding,
    concept,
    concept_node,
    contact_node,
    credit_node,
    first_language,
    full_name,
    identifier_node,
    language_iri,
    legal_node,
    media_node,
    node_id,
    note_node,
    outcome_node,
    placeholder_image,
    png_type,
    text_map,
    web_node,
)
from ._elm import LangMap, Node
from ._exceptions import RecordError
from ._record_types import is_iri
from ._records import (
    Accreditation,
    Activity,
    Assessment,
    Award,
    Organisation,
    Specification,
)
from ._vocab import open_concept

__all__ = ["PROFILE_IRIS", "CredentialBuilder", "node_id"]


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
    _orgs: dict[str, tuple[Organisation, Node]] = field(
        default_factory=dict, repr=False
    )
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
                identifier_node(
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
        person.set("givenName", text_map(learner.given_name))
        person.set("familyName", text_map(learner.family_name))
        person.set(
            "fullName",
            text_map(
                learner.full_name or full_name(learner.given_name, learner.family_name)
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
                identifier_node(
                    key + "/student", learner.student_id, "Student identifier"
                ),
            )
        if learner.email:
            person.set("contactPoint", contact_node(key + "/learner", learner.email))

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
            achievement.set("creditReceived", credit_node(key, spec))
        if award.grade is not None:
            # Without an assessment in the offering, the grade still needs a
            # LearningAssessment to hold it; it is named after the offering.
            assessment = spec.assessment or Assessment(title=spec.title)
            achievement.set(
                "provenBy", self._assessment(key, assessment, award, process, parts)
            )
        if (award.activity_start or award.activity_end) and not spec.activities:
            raise RecordError(
                "activity_start/activity_end are given but the specification "
                f"{spec.id!r} has no activities to date",
                record_id=award.id,
                path="activity_start",
                rule="activity dates belong to the specification's activities",
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
        node.set("grade", note_node(key + "/grade", award.grade))
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
        node.set("description", text_map(activity.description))
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
                f"specification {spec.id!r}: issuer {issuer_record.id!r} has no "
                "eidas_id; edc-generic-full requires the issuer's eIDAS legal "
                "identifier (the seal certificate's organizationIdentifier)",
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
            "description", text_map(spec.description)
        )
        outcomes = [
            outcome_node(key, index, outcome)
            for index, outcome in enumerate(spec.learning_outcomes)
        ]
        node.set("learningOutcome", outcomes)
        node.set(
            "learningOutcomeSummary",
            note_node(key + "/lo-summary", spec.learning_outcome_summary),
        )
        if spec.ects is not None:
            node.set("creditPoint", credit_node(key, spec))
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
        node.set("entryRequirement", note_node(key + "/entry", spec.entry_requirements))
        if spec.opportunity_type:
            node.set(
                "dcType", concept("learning-opportunity-type", spec.opportunity_type)
            )
        node.set("isPartialQualification", spec.is_partial_qualification)
        if spec.homepage:
            node.set("homepage", web_node(key + "/home", spec.homepage))

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
                scheme.set("description", text_map(assessment.grading_description)),
            )

        return node

    def _accreditation(self, key: str, index: int, qa: Accreditation) -> Node:
        node = Node(
            "Accreditation", node_id("accreditation", f"{key}/qa/{qa.id or index}")
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
            node.set("homepage", web_node(f"{key}/qa/{index}/home", qa.homepage))

        return node

    def _display(self, spec_key: str, spec: Specification) -> Node:
        key = spec_key + "\x1fdisplay"
        display = spec.display
        primary = display.primary_language or first_language(spec)
        languages = sorted(
            {language_iri(tag) for tag in (display.title or spec.title)} | {primary}
        )
        image = display.image
        media = Node("MediaObject", node_id("display-image", key))
        media.set("content", image.content if image else placeholder_image())
        media.set(
            "contentType",
            concept(
                "file-type",
                image.content_type if image and image.content_type else png_type(),
            ),
        )
        media.set("contentEncoding", concept("content-encoding", base64_encoding()))
        detail = Node("DisplayDetail", node_id("display-detail", key))
        detail.set("page", 1).set("image", media)
        individual = Node("IndividualDisplay", node_id("individual-display", key))
        individual.set("language", concept("language", primary)).set(
            "displayDetail", detail
        )

        node = Node("DisplayParameter", node_id("display", key))
        node.set("title", LangMap(display.title or spec.title))
        node.set("description", text_map(display.description))
        node.set("language", [concept("language", iri) for iri in languages])
        node.set("primaryLanguage", concept("language", primary))

        return node.set("individualDisplay", individual)

    def _org(self, org: Organisation) -> Node:
        if org.id in self._orgs:
            known, made = self._orgs[org.id]
            if known != org:
                raise RecordError(
                    f"organisation id {org.id!r} is defined twice with different "
                    "content",
                    path="id",
                    rule="one definition per organisation id",
                )
            return made
        key = _org_key(org)
        # An id that is already a web or URN identifier is kept as the node id.
        keep = org.id.startswith(("http://", "https://", "urn:")) and is_iri(org.id)
        iri = org.id if keep else node_id("organisation", key)
        node = Node("Organisation", iri)
        # Registered before its accreditations, which may name it again.
        self._orgs[org.id] = (org, node)
        node.set("legalName", LangMap(org.legal_name)).set(
            "altLabel", text_map(org.alt_label)
        )
        address = Node("Address", node_id("address", key))
        address.set("countryCode", concept("country", org.country))
        address.set("fullAddress", note_node(key + "/address", org.full_address))
        location = Node("Location", node_id("location", key)).set("address", address)
        if org.region:
            location.set("spatialCode", concept("atu", org.region))
        node.set("location", location)
        if org.eidas_id:
            node.set(
                "eIDASIdentifier", legal_node(key + "/eidas", org.eidas_id, org.country)
            )
        if org.vat_id:
            node.set("vatIdentifier", legal_node(key + "/vat", org.vat_id, org.country))
        if org.registration:
            node.set(
                "registration", legal_node(key + "/reg", org.registration, org.country)
            )
        identifiers: list[tuple[str, str | None]] = []
        if org.erasmus_code:
            identifiers.append((org.erasmus_code, "Erasmus code"))
        identifiers += [(item.value, item.scheme) for item in org.identifiers]
        node.set(
            "identifier",
            [
                identifier_node(f"{key}/id/{index}", value, scheme)
                for index, (value, scheme) in enumerate(identifiers)
            ],
        )
        if org.homepage:
            node.set("homepage", web_node(key + "/home", org.homepage))
        if org.email:
            node.set("contactPoint", contact_node(key, org.email))
        if org.logo is not None:
            node.set("logo", media_node(key + "/logo", org.logo))
        if org.group:
            # Partners of one alliance share its Group node.
            group_key = "\x1f".join(sorted(f"{k}={v}" for k, v in org.group.items()))
            group_key += f"\x1f{org.group_email or ''}"
            group = Node("Group", node_id("group", group_key)).set(
                "prefLabel", LangMap(org.group)
            )
            if org.group_email:
                group.set("contactPoint", contact_node(group_key, org.group_email))
            node.set("groupMemberOf", group)
        node.set(
            "accreditation",
            [
                self._accreditation(key, index, qa)
                for index, qa in enumerate(org.accreditation)
            ],
        )

        return node


def _org_key(org: Organisation) -> str:
    """Key of an organisation's node ids: its most global identifier.

    An eIDAS identifier, Erasmus code, VAT or registration number names one
    organisation everywhere; a local record id names it only in one
    university's records, so it is combined with the country and legal name.
    """
    for scheme, value in (
        ("eidas", org.eidas_id),
        ("erasmus", org.erasmus_code),
        ("vat", org.vat_id),
        ("registration", org.registration and f"{org.country}/{org.registration}"),
    ):
        if value:
            return f"org\x1f{scheme}\x1f{value}"
    names = "\x1f".join(f"{tag}={text}" for tag, text in sorted(org.legal_name.items()))

    return f"org\x1flocal\x1f{org.country}\x1f{names}\x1f{org.id}"


@dataclass
class _SpecParts:
    issuer: Node
    awarding_body: list[Node]
    display: Node
    assessment_spec: Node | None
    specification: Node
