"""Tests of the ELM v3 node model: terms, JSON-LD shape and RDF terms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from rdflib import XSD, Literal, URIRef
from rdflib.compare import isomorphic

from aurora_edc._elm import LangMap, Node, format_datetime, term, to_graph, to_jsonld
from aurora_edc._jsonld import parse_credential
from aurora_edc._serialize import jsonld_bytes

ELM = "http://data.europa.eu/snb/model/elm/"


def _credential() -> Node:
    person = Node("Person", "urn:uuid:00000000-0000-5000-8000-000000000002")
    person.set("dateOfBirth", date(2000, 1, 31)).set(
        "givenName", LangMap({"en": "Ana"})
    )
    credential = Node(
        ("VerifiableCredential", "EuropeanDigitalCredential"),
        "urn:uuid:00000000-0000-5000-8000-000000000001",
    )
    display = Node("DisplayDetail", "urn:uuid:00000000-0000-5000-8000-000000000003")
    display.set("page", 1)
    spec = Node("Qualification", "urn:uuid:00000000-0000-5000-8000-000000000004")
    spec.set("isPartialQualification", False)
    credit = Node("CreditPoint", "urn:uuid:00000000-0000-5000-8000-000000000005")
    spec.set("creditPoint", credit.set("point", Decimal("2.5")))
    person.set(
        "hasClaim", Node("LearningAchievement", "urn:uuid:0-6").set("specifiedBy", spec)
    )
    return (
        credential.set("issued", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
        .set("credentialSubject", person)
        .set("displayParameter", display)
    )


def test_unknown_term_is_refused() -> None:
    """A property the EDC context does not define cannot be set (it would be lost)."""
    with pytest.raises(KeyError, match="titel"):
        Node("Person", "urn:x").set("titel", "x")


def test_empty_values_are_not_written() -> None:
    """None, empty lists and empty language maps leave the property out."""
    node = Node("Person", "urn:x").set("givenName", LangMap({})).set("hasClaim", [])

    assert node.props == {}


def test_root_terms_come_from_the_vc_context() -> None:
    """On the credential, ``issued`` is the VC 1.1 term; ``title`` is the EDC one."""
    assert term("issued", root=True).iri == "https://www.w3.org/2018/credentials#issued"
    assert term("title").iri == "http://purl.org/dc/terms/title"
    assert term("eqfLevel").iri == ELM + "EQFLevel"


def test_graph_uses_context_datatypes() -> None:
    """Literals take the datatype the context coerces to (positiveInteger, dateTime)."""
    graph = to_graph(_credential())

    pages = list(graph.objects(None, URIRef(ELM + "page")))
    assert pages == [Literal("1", datatype=XSD.positiveInteger)]
    births = list(graph.objects(None, URIRef(ELM + "dateOfBirth")))
    assert births == [Literal("2000-01-31T00:00:00Z", datatype=XSD.dateTime)]


def test_jsonld_round_trip_is_isomorphic() -> None:
    """Booleans, decimals, dates and language maps survive JSON-LD expansion."""
    credential = _credential()

    parsed = parse_credential(jsonld_bytes(credential)).graph

    assert isomorphic(parsed, to_graph(credential))


def test_format_datetime_is_utc() -> None:
    """Dates become midnight UTC; naive times are taken as UTC; offsets are kept."""
    assert format_datetime(date(2026, 5, 1)) == "2026-05-01T00:00:00Z"
    assert format_datetime(datetime(2026, 5, 1, 12)) == "2026-05-01T12:00:00Z"


def test_jsonld_lists_single_value_as_scalar() -> None:
    """A one-element list is written as a scalar, as in the EC's samples."""
    node = Node("Qualification", "urn:q").set("language", [Node("Concept", "urn:c")])

    data = to_jsonld(
        Node(("VerifiableCredential",), "urn:v").set("credentialSubject", node)
    )

    assert data["credentialSubject"]["language"] == {"id": "urn:c", "type": "Concept"}
