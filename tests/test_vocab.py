"""Tests of the ELM v3 code lists read from the official LOQ XSD enumerations."""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import aurora_edc
from aurora_edc import (
    ArtefactCatalogue,
    ArtefactError,
    ArtefactNotFoundError,
    CodeList,
    Concept,
    RecordError,
    UnknownCodeError,
    code_list,
    code_list_names,
    concept_jsonld,
    open_concept,
    open_scheme_names,
    resolve_code,
)
from aurora_edc._catalogue import Artefact

SAMPLE = "elm/v3/samples/Sample-MC-Annex1-unsigned.jsonld"
CV_DIR = "elm/v3/xsd/loq/cv"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"

# Concepts per list, counted in the XSD files (xs:enumeration elements).
COUNTS = {
    "accreditation-type": 4,
    "assessment-type": 14,
    "atu": 3234,
    "content-encoding": 1,
    "country": 253,
    "credential-type": 5,
    "credit-framework": 2,
    "currency": 179,
    "entitlement-status": 2,
    "entitlement-type": 3,
    "eqf": 8,
    "file-type": 195,
    "isced-f": 220,
    "language": 8175,
    "learning-activity-type": 11,
    "learning-opportunity-type": 12,
    "learning-schedule": 3,
    "learning-setting": 2,
    "mode": 6,
    "nqf": 424,
    "nuts": 2160,
    "skill-reuse-level": 4,
    "skill-type": 2,
    "target-group": 20,
}


def _table() -> dict[str, Any]:
    text = resources.files("aurora_edc").joinpath("data/vocab/code-lists.json")
    table: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return table


def _sample_concepts(shared: Path) -> Iterator[dict[str, Any]]:
    def walk(node: object) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "Concept":
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    yield from walk(json.loads((shared / SAMPLE).read_text("utf-8")))


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]", "", text.casefold())


def _codes_of_others(name: str, concept: Concept) -> set[str]:
    """Folded codes and aliases that lead to concepts other than ``concept``."""
    spec = _table()["lists"][name]
    codes = {_fold(str(c.notation)) for c in code_list(name) if c != concept}
    codes |= {_fold(alias) for alias in spec.get("aliases", {})}
    if spec.get("iso") == "language":
        codes |= {
            _fold(x.alpha_2) for x in pycountry.languages if hasattr(x, "alpha_2")
        }
    if spec.get("iso") == "country":
        codes |= {_fold(x.alpha_2) for x in pycountry.countries}
    return codes


def _label_is_distinctive(name: str, concept: Concept) -> bool:
    """Whether the label belongs to this concept alone and is no other's code."""
    if not concept.labels:
        return False
    folded = _fold(concept.label)
    sharing = [c for c in code_list(name) if c.labels and _fold(c.label) == folded]
    return len(sharing) == 1 and folded not in _codes_of_others(name, concept)


def test_code_list_names_are_the_supported_lists() -> None:
    """Every list the record model needs has a name."""
    assert set(code_list_names()) == set(COUNTS)


def test_public_names_are_exported() -> None:
    """The vocabulary API is part of the package surface."""
    names = {
        "CodeList",
        "Concept",
        "code_list",
        "code_list_names",
        "concept_jsonld",
        "open_concept",
        "open_scheme_names",
        "resolve_code",
    }
    assert names <= set(aurora_edc.__all__)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_list_has_the_concepts_of_its_xsd(name: str) -> None:
    """Each list loads with as many concepts as its file enumerates."""
    codes = code_list(name)
    assert len(codes) == COUNTS[name]
    assert all(c.scheme == codes.scheme and c.iri in codes for c in codes)
    assert all(c.iri.endswith("/" + str(c.notation)) for c in codes)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_list_scheme_is_the_xsd_target_namespace(name: str, shared: Path) -> None:
    """The scheme IRI in our table is the XSD's targetNamespace."""
    spec = _table()["lists"][name]
    root = etree.parse(str(shared / CV_DIR / spec["file"])).getroot()
    assert code_list(name).scheme == root.get("targetNamespace") == spec["scheme"]


def test_every_scheme_the_edc_shapes_restrict_is_known(shared: Path) -> None:
    """Each sh:hasValue scheme of the EDC shapes is a code list or an open scheme."""
    text = "".join(
        p.read_text("utf-8") for p in (shared / "elm/v3/shapes").glob("EDC-*.ttl")
    )
    restricted = set(re.findall(r"sh:hasValue <([^>]+)>", text))
    table = _table()
    known = {spec["scheme"] for spec in table["lists"].values()}
    known |= {spec["scheme"] for spec in table["open_schemes"].values()}
    assert restricted and restricted <= known


@pytest.mark.parametrize("name", sorted(COUNTS))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_iri_code_and_label_give_the_same_concept(
    name: str, data: st.DataObject
) -> None:
    """A concept resolves from its IRI, its code in any case, and its label."""
    codes = code_list(name)
    concept = data.draw(st.sampled_from(list(codes)))
    assert codes.resolve(concept.iri) == concept
    notation = str(concept.notation)
    assert (
        codes.resolve(data.draw(st.sampled_from([notation.lower(), notation.upper()])))
        == concept
    )
    if _label_is_distinctive(name, concept):
        spaced = "  ".join(concept.label.split())
        # Case folding is locale-blind: Turkish dotless i does not round-trip.
        if _fold(spaced.swapcase()) == _fold(spaced):
            spaced = spaced.swapcase()
        assert codes.resolve(f" {spaced} ") == concept


def test_every_sample_concept_resolves_to_the_sample_form(shared: Path) -> None:
    """Each concept of the EC sample comes back exactly as the sample writes it."""
    schemes = {code_list(name).scheme: name for name in code_list_names()}
    opens = {spec["scheme"]: name for name, spec in _table()["open_schemes"].items()}
    nodes = list(_sample_concepts(shared))
    checked = 0
    for node in nodes:
        scheme = node["inScheme"]["id"]
        if scheme in schemes:
            concept = resolve_code(schemes[scheme], node["id"])
        elif scheme in opens:
            concept = open_concept(opens[scheme], node["id"], node["prefLabel"]["en"])
        else:
            assert node["id"].startswith("urn:epass:concept:")
            continue
        assert concept_jsonld(concept) == node
        checked += 1
    assert checked == len(nodes) - 1


@pytest.mark.parametrize(
    ("name", "value", "iri"),
    [
        ("country", "IE", COUNTRY + "IRL"),
        ("country", "de", COUNTRY + "DEU"),
        ("country", "EL", COUNTRY + "GRC"),
        ("country", "gr", COUNTRY + "GRC"),
        ("country", "UK", COUNTRY + "GBR"),
        ("country", "XK", COUNTRY + "1A0"),
        ("country", "irl", COUNTRY + "IRL"),
        ("country", "ireland", COUNTRY + "IRL"),
        ("language", "en", LANGUAGE + "ENG"),
        ("language", "en-GB", LANGUAGE + "ENG"),
        ("language", "pt_BR", LANGUAGE + "POR"),
        ("language", "zh-Hant-TW", LANGUAGE + "ZHO"),
        ("language", "cs", LANGUAGE + "CES"),
        ("language", "el", LANGUAGE + "ELL"),
        ("language", "ENG", LANGUAGE + "ENG"),
        ("eqf", 6, "http://data.europa.eu/snb/eqf/6"),
        ("eqf", "6", "http://data.europa.eu/snb/eqf/6"),
        ("eqf", "level 6", "http://data.europa.eu/snb/eqf/6"),
        ("eqf", "EQF level 7", "http://data.europa.eu/snb/eqf/7"),
        ("eqf", "eqf8", "http://data.europa.eu/snb/eqf/8"),
        ("isced-f", "0613", "http://data.europa.eu/snb/isced-f/0613"),
        (
            "credit-framework",
            "ECTS",
            "http://data.europa.eu/snb/education-credit/6fcec5c5af",
        ),
        (
            "learning-setting",
            "non-formal",
            "http://data.europa.eu/snb/learning-setting/e207a81fc7",
        ),
        (
            "learning-setting",
            "nonformal",
            "http://data.europa.eu/snb/learning-setting/e207a81fc7",
        ),
        (
            "learning-setting",
            "formal",
            "http://data.europa.eu/snb/learning-setting/6fd4685715",
        ),
        ("mode", "online", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"),
        ("mode", "Blended", "http://data.europa.eu/snb/learning-assessment/e92d221e4d"),
        ("mode", "on-site", "http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
        ("mode", "onsite", "http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
        (
            "mode",
            "in-person",
            "http://data.europa.eu/snb/learning-assessment/9191af2ed9",
        ),
        (
            "mode",
            "presential",
            "http://data.europa.eu/snb/learning-assessment/9191af2ed9",
        ),
        (
            "mode",
            "work-based",
            "http://data.europa.eu/snb/learning-assessment/729f3bed4b",
        ),
        ("content-encoding", "base64", "http://data.europa.eu/snb/encoding/6146cde7dd"),
        (
            "file-type",
            "PNG",
            "http://publications.europa.eu/resource/authority/file-type/PNG",
        ),
        (
            "file-type",
            "jpg",
            "http://publications.europa.eu/resource/authority/file-type/JPEG",
        ),
        (
            "file-type",
            "JPEG",
            "http://publications.europa.eu/resource/authority/file-type/JPEG",
        ),
        (
            "file-type",
            "image/jpeg",
            "http://publications.europa.eu/resource/authority/file-type/JPEG",
        ),
        (
            "file-type",
            "pdf",
            "http://publications.europa.eu/resource/authority/file-type/PDF",
        ),
        (
            "credential-type",
            "generic",
            "http://data.europa.eu/snb/credential/e34929035b",
        ),
    ],
)
def test_alias_resolves(name: str, value: str | int, iri: str) -> None:
    """Short codes, ISO codes and our aliases reach the official concept."""
    assert resolve_code(name, value).iri == iri


def test_every_authored_alias_names_a_concept() -> None:
    """No alias in the data table points at a code missing from its list."""
    for name, spec in _table()["lists"].items():
        for alias, target in spec.get("aliases", {}).items():
            assert resolve_code(name, alias).notation == target, (name, alias)


def test_every_iso_two_letter_language_code_in_the_list_resolves() -> None:
    """ISO 639-1 codes map through pycountry to the EU code of the same language."""
    codes = code_list("language")
    for language in pycountry.languages:
        alpha_2 = getattr(language, "alpha_2", None)
        if alpha_2 and LANGUAGE + language.alpha_3.upper() in codes:
            assert codes.resolve(alpha_2).notation == language.alpha_3.upper()


def test_code_wins_over_another_concepts_label() -> None:
    """'dan' is Danish (DAN), not the language labelled 'Dan' (DNJ)."""
    assert resolve_code("language", "dan").notation == "DAN"
    assert resolve_code("language", "ga").notation == "GLE"


def test_unlabelled_language_takes_its_iso_639_3_name() -> None:
    """A language the XSD leaves unlabelled gets pycountry's English name."""
    concept = resolve_code("language", "AAA")
    assert concept.labels == {"en": pycountry.languages.get(alpha_3="aaa").name}


def test_unknown_code_names_list_value_and_close_matches() -> None:
    """An unknown code raises with the list, the value and suggestions."""
    with pytest.raises(UnknownCodeError) as caught:
        resolve_code("language", "Englsh", path="spec.language", record_id="R1")
    error = caught.value
    assert "'language'" in str(error) and "'Englsh'" in str(error)
    assert "'ENG' (English)" in str(error)
    assert str(error).startswith("R1 spec.language: ")
    assert error.rule == "a concept of code list 'language'"
    assert isinstance(error, LookupError) and isinstance(error, ValueError)


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_unknown_value_raises_with_at_most_three_suggestions(text: str) -> None:
    """Any value that is no code raises UnknownCodeError and suggests at most three."""
    value = "no such code " + text
    codes = code_list("country")
    with pytest.raises(UnknownCodeError, match="'country'"):
        codes.resolve(value)
    assert len(codes.suggest(value)) <= 3


def test_shared_label_is_refused_with_its_concepts() -> None:
    """A label of several concepts is ambiguous: the error lists their codes."""
    with pytest.raises(UnknownCodeError, match=r"'99'.*'999'.*'9999'"):
        resolve_code("isced-f", "Field unknown")


def test_integer_keeps_no_leading_zero() -> None:
    """ISCED-F 613 is no code; the error suggests 0613."""
    with pytest.raises(UnknownCodeError, match="'0613'"):
        resolve_code("isced-f", 613)


@pytest.mark.parametrize("value", [True, 6.0, None, "", "   "])
def test_value_of_wrong_type_is_refused(value: Any) -> None:
    """Booleans, floats, None and blank text are not codes."""
    with pytest.raises(UnknownCodeError, match="expects a concept IRI"):
        resolve_code("eqf", value)


def test_iri_of_another_scheme_is_not_matched_by_its_last_segment() -> None:
    """An ATU IRI ending in IRL is not the country IRL."""
    with pytest.raises(UnknownCodeError):
        resolve_code(
            "country", "http://publications.europa.eu/resource/authority/atu/IRL"
        )


def test_informal_learning_is_not_in_the_list() -> None:
    """The learning-setting list has no informal concept."""
    with pytest.raises(UnknownCodeError):
        resolve_code("learning-setting", "informal")


def test_unknown_list_name_is_refused() -> None:
    """A list name outside the table raises and lists the known names."""
    with pytest.raises(UnknownCodeError, match="eqf"):
        code_list("eqf-levels")


def test_list_is_parsed_once() -> None:
    """Two calls return the same parsed list."""
    assert code_list("eqf") is code_list("eqf")


def test_missing_artefact_raises(tmp_path: Path) -> None:
    """With an empty mirror the XSD is not found."""
    empty = ArtefactCatalogue(mirror=tmp_path, cache=tmp_path / "cache")
    with pytest.raises(ArtefactNotFoundError):
        code_list("eqf", catalogue=empty)


def test_malformed_list_raises_artefact_error(tmp_path: Path) -> None:
    """A pinned but malformed XSD raises ArtefactError, not an lxml error."""
    data = b"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:enumeration"
    path = f"{CV_DIR}/eqf.xsd"
    (tmp_path / CV_DIR).mkdir(parents=True)
    (tmp_path / path).write_bytes(data)
    url = _table()["artefact_base"] + "eqf.xsd"
    pin = Artefact(
        url, path, hashlib.sha256(data).hexdigest(), len(data), "application/xml"
    )
    broken = ArtefactCatalogue(mirror=tmp_path, artefacts=(pin,))
    with pytest.raises(ArtefactError, match="not well-formed"):
        code_list("eqf", catalogue=broken)


def test_open_concept_takes_scheme_from_prefix() -> None:
    """An ESCO skill IRI gets the ESCO skills scheme and the caller's labels."""
    iri = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
    concept = open_concept(
        "esco-skill", iri, {"en": "develop digital content", "fr": "x"}
    )
    assert concept.scheme == "http://data.europa.eu/esco/concept-scheme/skills"
    assert concept.notation is None
    assert concept_jsonld(concept)["prefLabel"] == {
        "en": "develop digital content",
        "fr": "x",
    }
    assert "supervision-verification" in open_scheme_names()


@pytest.mark.parametrize(
    "iri",
    [
        "http://data.europa.eu/snb/dcf/25831c2",
        "http://data.europa.eu/snb/dcf/",
        "http://data.europa.eu/snb/dcf/a/b",
        "http://data.europa.eu/esco/skill/u69o196gu6",
    ],
)
def test_open_concept_refuses_iri_outside_its_prefix(iri: str) -> None:
    """The scheme IRI, an empty code, a path or another prefix is refused."""
    with pytest.raises(UnknownCodeError, match="'digcomp'"):
        open_concept("digcomp", iri, "Developing digital content")


def test_open_concept_needs_a_label() -> None:
    """A blank label is a record error."""
    with pytest.raises(RecordError, match="non-empty label"):
        open_concept("digcomp", "http://data.europa.eu/snb/dcf/u69o196gu6", " ")


def test_open_concept_refuses_unknown_scheme() -> None:
    """An open-scheme name outside the table raises."""
    with pytest.raises(UnknownCodeError, match="esco-skill"):
        open_concept("esco", "http://data.europa.eu/esco/skill/x", "x")


def test_jsonld_writes_notation_only_where_the_sample_does() -> None:
    """Country concepts carry notation 'country'; EQF concepts carry none."""
    assert concept_jsonld(resolve_code("country", "IE"))["notation"] == "country"
    assert "notation" not in concept_jsonld(resolve_code("eqf", 6))


def test_concept_pickles_and_hashes() -> None:
    """Concepts cross process boundaries and serve as set members."""
    concept = resolve_code("country", "IE")
    assert pickle.loads(pickle.dumps(concept)) == concept
    assert {concept, resolve_code("country", "IRL")} == {concept}


def test_label_falls_back_to_notation() -> None:
    """A concept without labels shows its code."""
    concept = Concept(
        iri="http://example.org/cv/X1", scheme="http://example.org/cv", notation="X1"
    )
    assert concept.label == "X1"
    assert concept_jsonld(concept)["prefLabel"] == {"en": "X1"}


def test_atu_dubiin_city_typo_is_corrected() -> None:
    """The XSD's 'Dubiin city' is written 'Dublin city', as in the EC sample."""
    assert resolve_code("atu", "IRL_CTH_DUB").label == "Dublin city"
    assert resolve_code("atu", "dublin city").notation == "IRL_CTH_DUB"


def test_hand_built_list_resolves_aliases_by_code_or_iri() -> None:
    """A CodeList built in code maps aliases to a notation or an IRI."""
    first = Concept(
        "http://example.org/cv/A1", "http://example.org/cv", {"en": "One"}, "A1"
    )
    second = Concept(
        "http://example.org/cv/B2", "http://example.org/cv", {"en": "Two"}, "B2"
    )
    codes = CodeList(
        "demo",
        "http://example.org/cv",
        [first, second],
        aliases={"uno": "a1", "dos": second.iri, "tres": "C3"},
    )
    assert codes.resolve("UNO") is first and codes.resolve("dos") is second
    assert codes.resolve("two") is second and len(codes) == 2
    with pytest.raises(UnknownCodeError, match="'demo'"):
        codes.resolve("tres")
