"""ELM v3 expression of the Aurora profile: alignment, competences, joint parts.

Adds to the credential that :class:`~aurora_edc._build.CredentialBuilder`
builds what the Aurora micro-credential profile needs, using only properties
that the ELM v3 ontology and the EDC application profile (``edc-generic-full``)
allow on each class, so the credential still conforms to the official profile:

* Educational Hubs and Sustainable Development Goals are ``educationSubject``
  concepts of the specification (ELM: "an associated field of education from
  a different semantic framework than the ISCED classification"; ``sh:class
  skos:Concept``, no controlled-list restriction);
* key competences and framework (transversal) competences are ``relatedSkill``
  concepts of the learning outcomes they belong to;
* a summary of the alignment with the Aurorisation level, the "open to
  students of all partners" audience and the list of joint components are
  ``additionalNote`` texts, which credential viewers show as they are;
* each component of a joint micro-credential is a part of the specification
  (``hasPart``, with its own credits, learning outcomes and ``accreditation``)
  and a part of the achievement (``hasPart``: a ``LearningAchievement``
  ``awardedBy`` the partner that taught it); the top-level ``awardedBy`` lists
  every awarding body, and ``issuer`` is the designated issuer of the award.

``docs/records.md`` ("Aurora profile") tabulates the mapping.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from ._aurora import Alignment, outcome_key_competences, resolve_alignment
from ._aurora import outcome_transversal_competences as transversal_of
from ._aurora_config import AuroraConfig, default_aurora_config
from ._elm import LangMap, Node
from ._exceptions import RecordError
from ._records import Award, Component, LearningOutcome, Organisation, Specification
from ._vocab import Concept, code_list

if TYPE_CHECKING:
    from ._build import CredentialBuilder

__all__ = ["AuroraParts", "designated_issuer"]


def designated_issuer(spec: Specification, issuer_id: str | None) -> Organisation | str:
    """Return the organisation that issues an award of ``spec``.

    Args:
        spec: The specification; its ``issuer`` (by default the first
            awarding body) and ``co_issuers`` are the designated issuers.
        issuer_id: The award's ``issuer``, or ``None`` for the default.

    Raises:
        RecordError: ``issuer_id`` names no designated issuer.

    """
    default = spec.issuer or spec.awarding_body[0]
    if issuer_id is None:
        return default
    designated = [default, *spec.co_issuers]
    for ref in designated:
        if (ref.id if isinstance(ref, Organisation) else ref) == issuer_id:
            return ref
    names = [ref.id if isinstance(ref, Organisation) else ref for ref in designated]

    raise RecordError(
        f"issuer {issuer_id!r} is not a designated issuer of specification "
        f"{spec.id!r} (designated: {', '.join(names)})",
        path="issuer",
        rule="an award's issuer is its specification's issuer or a co_issuer",
    )


class AuroraParts:
    """The Aurora nodes of the credentials of one :class:`CredentialBuilder`.

    Args:
        builder: The builder, for organisations and accreditations.
        config: Vocabularies and levels; the default configuration, read on
            first need, when ``None``.

    """

    def __init__(self, builder: CredentialBuilder, config: AuroraConfig | None) -> None:
        self._builder = builder
        self._config = config

    @property
    def config(self) -> AuroraConfig:
        """The Aurora configuration (read on first use)."""
        if self._config is None:
            self._config = default_aurora_config()

        return self._config

    def decorate(self, key: str, spec: Specification, node: Node) -> None:
        """Add competences, hubs, SDGs, notes and components to a specification node.

        Args:
            key: The specification's node-id key.
            spec: The specification.
            node: Its ``Qualification`` or ``LearningAchievementSpecification``.

        Raises:
            RecordError: A hub, framework or competence does not resolve.

        """
        if spec.components:
            parts = [
                self._component_spec(key, index, component, node.types[0])
                for index, component in enumerate(spec.components)
            ]
            node.set("hasPart", parts)

        alignment = Alignment()
        if _uses_alignment(spec):
            alignment = resolve_alignment(spec, self.config)
            for errors in alignment.problems.values():
                raise errors[0]
            outcomes = node.get("learningOutcome") or []
            for outcome_node, outcome in zip(
                outcomes, spec.learning_outcomes, strict=True
            ):
                self._add_skills(outcome_node, outcome, spec.id)
            subjects = [*alignment.hubs, *alignment.sdgs]
            node.set("educationSubject", [_concept_node(c) for c in subjects])
        node.set("additionalNote", self._notes(key, spec, alignment))

    def awarding_bodies(self, spec: Specification, known: list[Node]) -> list[Node]:
        """Return the awarding bodies of ``spec`` followed by its components' bodies."""
        bodies = {node.id: node for node in known}
        for index, component in enumerate(spec.components):
            where = f"components[{index}].awarding_body"
            org = self._builder.organisation(component.awarding_body, where)
            found = self._builder._org(org)
            bodies.setdefault(found.id, found)

        return list(bodies.values())

    def component_achievements(
        self, key: str, spec: Specification, award: Award, specification: Node
    ) -> list[Node]:
        """Return one sub-achievement per component, awarded by its partner.

        Args:
            key: The award's node-id key.
            spec: The specification.
            award: The award.
            specification: The specification node (its ``hasPart`` are the
                components' specifications, in order).

        """
        parts = specification.get("hasPart") or []
        achievements = []
        for index, (component, part) in enumerate(
            zip(spec.components, parts, strict=True)
        ):
            achievements.append(
                self._component_achievement(key, index, component, award, part)
            )

        return achievements

    def _component_achievement(
        self,
        key: str,
        index: int,
        component: Component,
        award: Award,
        specification: Node,
    ) -> Node:
        from ._build_nodes import node_id

        part_key = f"{key}/component/{component.id}"
        where = f"components[{index}].awarding_body"
        body = self._builder._org(
            self._builder.organisation(component.awarding_body, where)
        )
        process = Node("AwardingProcess", node_id("awarding", part_key))
        process.set("awardingBody", body).set("awardingDate", award.awarded_on)
        node = Node("LearningAchievement", node_id("achievement", part_key))
        node.set("title", LangMap(component.title)).set("awardedBy", process)
        if component.ects is not None:
            node.set("creditReceived", _credit(part_key, component.ects))

        return node.set("specifiedBy", specification)

    def _component_spec(
        self, key: str, index: int, component: Component, kind: str
    ) -> Node:
        from ._build_nodes import node_id, outcome_node

        part_key = f"{key}/component/{component.id}"
        node = Node(kind, node_id("specification", part_key))
        node.set("title", LangMap(component.title))
        if component.description:
            node.set("description", LangMap(component.description))
        outcomes = [
            outcome_node(part_key, number, outcome)
            for number, outcome in enumerate(component.learning_outcomes)
        ]
        for made, outcome in zip(outcomes, component.learning_outcomes, strict=True):
            self._add_skills(made, outcome, component.id)
        node.set("learningOutcome", outcomes)
        if component.ects is not None:
            node.set("creditPoint", _credit(part_key, component.ects))
        node.set("volumeOfLearning", component.volume_of_learning)
        accreditations = [
            self._builder._accreditation(part_key, number, qa)
            for number, qa in enumerate(component.quality_assurance)
        ]

        return node.set("accreditation", accreditations)

    def _add_skills(self, node: Node, outcome: LearningOutcome, record_id: str) -> None:
        if not (outcome.key_competences or outcome.transversal_competences):
            return
        found = outcome_key_competences(outcome, self.config)
        transversal, errors = transversal_of(
            outcome, self.config, "learning_outcomes", record_id
        )
        if errors:
            raise errors[0]
        existing = node.get("relatedSkill") or []
        skills = [*existing, *(_concept_node(c) for c in (*found, *transversal))]
        node.set("relatedSkill", skills)

    def _notes(self, key: str, spec: Specification, alignment: Alignment) -> list[Node]:
        from ._build_nodes import node_id

        texts = []
        if not alignment.is_empty:
            texts.append(("aurora-alignment", {"en": self._alignment_text(alignment)}))
        if spec.aurora and spec.aurora.open_to_all_partners:
            texts.append(("aurora-open", dict(self.config.open_to_all_partners_note)))
        if spec.components:
            texts.append(("aurora-joint", {"en": self._joint_text(spec)}))

        return [
            Node("Note", node_id(f"{key}/{role}", "note")).set(
                "noteLiteral", LangMap(text)
            )
            for role, text in texts
        ]

    def _alignment_text(self, alignment: Alignment) -> str:
        config = self.config
        level = config.level_of(alignment.counts())
        parts = [f"Aurora micro-credential, Aurorisation {config.label(level)}"]
        parts += [concept.label for concept in (*alignment.hubs, *alignment.sdgs)]
        if alignment.key_competences:
            parts.append("Key competences: " + _labels(alignment.key_competences))
        if alignment.transversal_competences:
            parts.append(
                "Transversal competences: " + _labels(alignment.transversal_competences)
            )

        return ". ".join(parts) + "."

    def _joint_text(self, spec: Specification) -> str:
        lines = []
        for index, component in enumerate(spec.components):
            org = self._builder.organisation(
                component.awarding_body, f"components[{index}].awarding_body"
            )
            country = code_list("country").resolve(org.country).label
            credits = f", {_number(component.ects)} ECTS" if component.ects else ""
            title = component.title.get("en") or next(iter(component.title.values()))
            name = org.legal_name.get("en") or next(iter(org.legal_name.values()))
            lines.append(f"{title}{credits}: awarded by {name} ({country})")

        return "Joint micro-credential. Components: " + "; ".join(lines) + "."


def _uses_alignment(spec: Specification) -> bool:
    outcomes = [
        *spec.learning_outcomes,
        *(o for c in spec.components for o in c.learning_outcomes),
    ]

    return spec.aurora is not None or any(
        o.key_competences or o.transversal_competences for o in outcomes
    )


def _concept_node(found: Concept) -> Node:
    from ._build_nodes import concept_node

    return concept_node(found)


def _credit(key: str, ects: Decimal) -> Node:
    from ._build_nodes import node_id

    framework = code_list("credit-framework").resolve("ECTS")
    node = Node("CreditPoint", node_id("credit", key))
    node.set("framework", _concept_node(framework))

    return node.set("point", _number(ects))


def _labels(concepts: Iterable[Concept]) -> str:
    return "; ".join(concept.label for concept in concepts)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")
