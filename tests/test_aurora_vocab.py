"""Tests of the Aurora SKOS vocabularies: built-in SDGs and key competences, files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import SKOS, Graph

from aurora_edc import builtin_vocabulary, read_skos_vocabulary
from aurora_edc._exceptions import InputError, UnknownCodeError

DATA = Path(__file__).resolve().parents[1] / "src/aurora_edc/data/aurora"
KC = "https://w3id.org/aurora-edc/vocab/key-competence/"


def test_sdg_vocabulary_has_the_17_goals_under_the_un_iris() -> None:
    """The SDG scheme holds goals 1-17 with the UN's metadata.un.org IRIs."""
    sdgs = builtin_vocabulary("sdg")

    assert sdgs.scheme == "http://metadata.un.org/sdg"
    assert sorted(c.iri for c in sdgs) == sorted(
        f"http://metadata.un.org/sdg/{n}" for n in range(1, 18)
    )
    assert all(c.labels["en"].startswith(f"SDG {c.notation}: ") for c in sdgs)


@given(st.integers(min_value=1, max_value=17))
def test_sdg_resolves_by_number_name_and_iri(number: int) -> None:
    """A goal resolves from its number, 'SDG n', 'Goal n' and its IRI alike."""
    sdgs = builtin_vocabulary("sdg")
    iri = f"http://metadata.un.org/sdg/{number}"

    found = {
        sdgs.resolve(v).iri for v in (number, f"SDG {number}", f"goal{number}", iri)
    }

    assert found == {iri}


def test_key_competences_are_the_eight_of_2018() -> None:
    """The key competence scheme holds the 8 competences, numbered as in the Annex."""
    competences = builtin_vocabulary("key-competence")

    assert len(competences) == 8
    assert sorted(c.notation or "" for c in competences) == [
        str(n) for n in range(1, 9)
    ]
    assert competences.resolve("digital").iri == KC + "digital"
    assert competences.resolve(4).label == "Digital competence"
    assert competences.resolve("Citizenship competence").iri == KC + "citizenship"


def test_unknown_code_names_the_vocabulary_and_close_matches() -> None:
    """An unknown SDG is a LookupError naming the list and near codes."""
    with pytest.raises(UnknownCodeError) as caught:
        builtin_vocabulary("sdg").resolve(18)

    assert "'sdg'" in str(caught.value)
    assert "close matches" in str(caught.value)
    assert isinstance(caught.value, LookupError)


def test_unknown_builtin_name_is_refused() -> None:
    """Only 'sdg' and 'key-competence' are built in."""
    with pytest.raises(UnknownCodeError, match="not a built-in vocabulary"):
        builtin_vocabulary("hub")


def test_example_vocabulary_is_flagged_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reading a vocabulary under example.org logs a WARNING that it is an example."""
    with caplog.at_level(logging.WARNING, logger="aurora_edc._aurora_vocab"):
        hubs = read_skos_vocabulary(DATA / "educational-hubs.example.ttl", "hub")

    assert hubs.is_example
    assert "EXAMPLE" in caplog.text
    assert (
        hubs.resolve("SCC").iri
        == "https://example.org/aurora/hub/sustainability-climate-change"
    )


def test_builtin_vocabularies_are_not_examples() -> None:
    """The shipped SDG and key competence schemes are real, not example IRIs."""
    assert not builtin_vocabulary("sdg").is_example
    assert not builtin_vocabulary("key-competence").is_example


def test_every_concept_of_shipped_files_has_an_english_label() -> None:
    """Each concept of every shipped vocabulary has an English skos:prefLabel."""
    for path in DATA.glob("*.ttl"):
        graph = Graph().parse(path)
        for concept in graph.subjects(SKOS.inScheme, None):
            labels = {lit.language for lit in graph.objects(concept, SKOS.prefLabel)}
            assert "en" in labels, (path.name, concept)


def test_file_with_two_schemes_is_refused(tmp_path: Path) -> None:
    """A vocabulary file holds exactly one concept scheme."""
    path = tmp_path / "two.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:s:1> a skos:ConceptScheme . <urn:s:2> a skos:ConceptScheme .\n"
        "<urn:c:1> a skos:Concept ; skos:inScheme <urn:s:1> ;"
        ' skos:prefLabel "A"@en .\n',
        "utf-8",
    )

    with pytest.raises(InputError, match="exactly one skos:ConceptScheme; found 2"):
        read_skos_vocabulary(path, "two")


def test_scheme_without_concepts_is_refused(tmp_path: Path) -> None:
    """A scheme with no member concepts is unusable."""
    path = tmp_path / "empty.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:s:1> a skos:ConceptScheme .\n",
        "utf-8",
    )

    with pytest.raises(InputError, match="0 skos:Concept members"):
        read_skos_vocabulary(path, "empty")


def test_bad_turtle_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    """A file that is not Turtle is reported with its path."""
    path = tmp_path / "broken.ttl"
    path.write_text("this is not turtle <", "utf-8")

    with pytest.raises(InputError) as caught:
        read_skos_vocabulary(path, "broken")

    assert caught.value.source == str(path)


def test_untagged_label_is_taken_as_english(tmp_path: Path) -> None:
    """A prefLabel without a language tag becomes the English label."""
    path = tmp_path / "plain.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:s:1> a skos:ConceptScheme .\n"
        "<urn:c:x> a skos:Concept ; skos:inScheme <urn:s:1> ;"
        ' skos:prefLabel "Plain" .\n',
        "utf-8",
    )

    found = read_skos_vocabulary(path, "plain").resolve("plain")

    assert dict(found.labels) == {"en": "Plain"}
