"""Nodes of the ELM v3 model that the credential builder assembles.

Small constructors, one per ELM class used by :mod:`aurora_edc._build` and the
Aurora extension: concepts (as the EC samples embed them), notes, identifiers,
web resources, contact points, media objects, learning outcomes and credit
points, each with a deterministic ``urn:uuid:`` id (RFC 9562 version 5) from
its key.
"""

from __future__ import annotations

import base64
import functools
import uuid
from importlib import resources

from ._elm import LangMap, Node
from ._record_types import skill_concept
from ._records import LearningOutcome, Media, Specification
from ._vocab import Concept, code_list, concept_jsonld, open_concept

__all__ = [
    "base64_encoding",
    "concept",
    "concept_node",
    "contact_node",
    "credit_node",
    "first_language",
    "full_name",
    "identifier_node",
    "language_iri",
    "legal_node",
    "media_node",
    "node_id",
    "note_node",
    "outcome_node",
    "placeholder_image",
    "png_type",
    "text_map",
    "web_node",
]

_NAMESPACE = uuid.UUID("5b0c5b9e-3f0d-5c47-9a57-6f2d0e6b8a11")


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


def text_map(value: dict[str, str] | None) -> LangMap | None:
    """Return a language map, or None for no text."""
    return None if value is None else LangMap(value)


def note_node(key: str, value: dict[str, str] | None) -> Node | None:
    """Return a Note node holding ``value``, or None."""
    if value is None:
        return None

    return Node("Note", node_id(key, "note")).set("noteLiteral", LangMap(value))


@functools.lru_cache(maxsize=1)
def placeholder_image() -> str:
    """Return the neutral display page (base64 PNG) used without an image."""
    data = (
        resources.files("aurora_edc")
        .joinpath("data/display-placeholder.png")
        .read_bytes()
    )

    return base64.b64encode(data).decode("ascii")


def outcome_node(key: str, index: int, outcome: LearningOutcome) -> Node:
    """Return the LearningOutcome node of a record outcome."""
    node = Node("LearningOutcome", node_id("outcome", f"{key}/lo/{index}"))
    node.set("title", LangMap(outcome.title)).set(
        "description", text_map(outcome.description)
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


def credit_node(key: str, spec: Specification) -> Node:
    """Return the ECTS CreditPoint node of a specification."""
    node = Node("CreditPoint", node_id("credit", key))
    node.set(
        "framework",
        concept("credit-framework", code_list("credit-framework").resolve("ECTS").iri),
    )

    return node.set("point", format(spec.ects.normalize(), "f") if spec.ects else None)


def identifier_node(key: str, value: str, scheme: str | None) -> Node:
    """Return an Identifier node (notation in a named scheme)."""
    node = Node("Identifier", node_id("identifier", key))

    return node.set("notation", value).set("schemeName", scheme)


def legal_node(key: str, value: str, country: str) -> Node:
    """Return a LegalIdentifier node (notation and country)."""
    node = Node("LegalIdentifier", node_id("legal-identifier", key))

    return node.set("notation", value).set("spatial", concept("country", country))


def web_node(key: str, url: str) -> Node:
    """Return a WebResource node for a URL."""
    return Node("WebResource", node_id("web", key)).set("contentURL", url)


def contact_node(key: str, email: str) -> Node:
    """Return a ContactPoint node with a ``mailto:`` mailbox."""
    point = Node("ContactPoint", node_id("contact", key))

    return point.set("emailAddress", Node("Mailbox", f"mailto:{email}"))


def media_node(key: str, media: Media) -> Node:
    """Return a base64 MediaObject node."""
    node = Node("MediaObject", node_id("media", key))
    node.set("content", media.content)
    node.set("contentType", concept("file-type", media.content_type or png_type()))

    return node.set("contentEncoding", concept("content-encoding", base64_encoding()))


def full_name(
    given: dict[str, str] | None, family: dict[str, str] | None
) -> dict[str, str] | None:
    """Join given and family name into one full name, in one language.

    The profile allows one ``fullName``; its language is the given name's.
    """
    if not given or not family:
        return given or family
    language, first = next(iter(given.items()))

    return {language: f"{first} {family.get(language, next(iter(family.values())))}"}


def first_language(spec: Specification) -> str:
    """Return the language concept IRI of the first title language."""
    return language_iri(next(iter(spec.display.title or spec.title)))


@functools.lru_cache(maxsize=256)
def language_iri(tag: str) -> str:
    """Return the language concept IRI of a language tag."""
    return code_list("language").resolve(tag).iri


@functools.lru_cache(maxsize=1)
def png_type() -> str:
    """Return the file-type concept IRI of PNG."""
    return code_list("file-type").resolve("PNG").iri


@functools.lru_cache(maxsize=1)
def base64_encoding() -> str:
    """Return the content-encoding concept IRI of base64."""
    return code_list("content-encoding").resolve("base64").iri
