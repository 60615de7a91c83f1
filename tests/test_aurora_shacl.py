"""Tests of the ``aurora`` SHACL profile: static shapes, generated rules, registry."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import SH, Graph, Literal, URIRef

from aurora_edc import (
    SHACLValidator,
    aurora_profile,
    default_aurora_config,
    load_aurora_config,
    profile_names,
)
from aurora_edc._aurora import ANNEX_I, criterion_for_shape
from aurora_edc._aurora_shacl import aurora_shapes_path, generated_shapes
from aurora_edc._build import CredentialBuilder
from aurora_edc._elm import to_graph
from aurora_edc._loaders import RecordBatch, load_records
from aurora_edc._shacl import get_profile

ROOT = Path(__file__).resolve().parents[1]
AURORA = ROOT / "fixtures/aurora"
ISSUED = datetime(2026, 7, 20, 10, 0, tzinfo=UTC)
ELM = "http://data.europa.eu/snb/model/elm/"
CRED = "https://www.w3.org/2018/credentials#"
FOAF = "http://xmlns.com/foaf/0.1/"


def _load(name: str) -> RecordBatch:
    return load_records([AURORA / "organisations.yaml", AURORA / f"{name}.yaml"])


def _graph(batch: RecordBatch, **changes: object) -> Graph:
    spec = next(iter(batch.specifications.values())).model_copy(update=changes)
    award = batch.awards[0].award
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    return to_graph(builder.build(spec, award, issued=ISSUED))


@pytest.fixture(scope="module")
def validator() -> SHACLValidator:
    """The aurora SHACL profile of the default configuration."""
    return SHACLValidator("aurora")


def test_aurora_is_a_registered_profile() -> None:
    """'aurora' is listed and resolves to Aurora shapes + generated rules + EDC."""
    profile = get_profile("aurora")

    assert "aurora" in profile_names()
    assert profile.shapes[0] == aurora_shapes_path()
    assert profile.shapes[-1] == "http://data.europa.eu/snb/model/ap/edc-generic-full"
    assert (
        get_profile("https://w3id.org/aurora-edc/ap/aurora-microcredential").name
        == "aurora"
    )


def test_top_level_shapes_file_is_the_packaged_one() -> None:
    """shapes/aurora-microcredential.ttl and the packaged copy have the same bytes."""
    top = ROOT / "shapes/aurora-microcredential.ttl"

    assert top.read_bytes() == aurora_shapes_path().read_bytes()


def test_each_annex_i_element_has_a_named_violation_shape() -> None:
    """Every Annex I criterion has its shape, a Violation whose message names it."""
    shapes = Graph().parse(aurora_shapes_path())

    for criterion in ANNEX_I:
        shape = URIRef(criterion.shape)
        message = str(shapes.value(shape, SH.message))
        assert shapes.value(shape, SH.severity) == SH.Violation, criterion.id
        assert message.startswith(f"Annex I element missing: {criterion.name} ("), (
            message
        )
        assert shapes.value(shape, SH.name) == Literal(criterion.name, lang="en")


def _drop(*predicates: str) -> Callable[[Graph], None]:
    def mutate(graph: Graph) -> None:
        for predicate in predicates:
            graph.remove((None, URIRef(predicate), None))

    return mutate


@pytest.mark.parametrize(
    ("element", "mutate"),
    [
        ("learner", _drop(FOAF + "givenName", FOAF + "familyName", FOAF + "fullName")),
        ("title", _drop("http://purl.org/dc/terms/title")),
        ("issuer-country", _drop(ELM + "countryCode")),
        ("awarding-body", _drop(ELM + "awardingBody")),
        ("date-of-issue", _drop(CRED + "issued")),
    ],
)
def test_elements_records_always_carry_are_still_checked(
    validator: SHACLValidator, element: str, mutate: Callable[[Graph], None]
) -> None:
    """Learner, title, country, awarding body and date missing in RDF are named."""
    graph = _graph(_load("complete"))
    mutate(graph)

    report = validator.validate(graph, source=element)

    named = [f for f in report.violations if criterion_for_shape(f.shape)]
    assert [criterion_for_shape(f.shape).id for f in named] == [element]  # type: ignore[union-attr]
    assert next(c.name for c in ANNEX_I if c.id == element) in named[0].message


def test_component_without_qa_or_awarding_body_is_flagged(
    validator: SHACLValidator,
) -> None:
    """Each joint component needs an awarding body and a quality assurance."""
    batch = _load("joint")
    spec = next(iter(batch.specifications.values()))
    components = [
        c.model_copy(update={"quality_assurance": []}) for c in spec.components
    ]
    graph = _graph(batch, components=components)
    parts = list(graph.objects(None, URIRef(ELM + "hasPart")))
    process = graph.value(parts[-1], URIRef(ELM + "awardedBy"))
    graph.remove((process, URIRef(ELM + "awardingBody"), None))

    report = validator.validate(graph, source="joint")

    shapes = sorted(
        (f.shape or "").rsplit("/", 1)[-1]
        for f in report.violations
        if "Aurora-components" in (f.shape or "")
    )
    assert shapes.count("Aurora-components-quality-assurance") == 3
    assert "Aurora-components-awarding-body" in shapes


@pytest.mark.parametrize(
    ("ects", "warned"),
    [("2.5", True), ("3", False), ("10", False), ("10.5", True), ("30", True)],
)
def test_size_outside_typical_range_is_a_warning(
    validator: SHACLValidator, ects: str, warned: bool
) -> None:
    """Credit outside 3-10 ECTS is a Warning (the credential still conforms)."""
    report = validator.validate(
        _graph(_load("complete"), ects=Decimal(ects)), source=ects
    )

    warnings = [f for f in report.findings if (f.shape or "").endswith("Aurora-size")]
    assert report.conforms
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].severity.value == "Warning"
        assert f"this one has {ects}" in warnings[0].message


def test_generated_rules_follow_the_configuration(tmp_path: Path) -> None:
    """Minimum level 1 and a 3-4 ECTS size in the configuration change the rules."""
    data = ROOT / "src/aurora_edc/data/aurora"
    for name in ("educational-hubs.example.ttl", "competence-framework.example.ttl"):
        shutil.copy(data / name, tmp_path / name)
    text = (data / "aurora-profile.yaml").read_text("utf-8")
    text = text.replace("minimum_level: 2", "minimum_level: 1").replace(
        "maximum: 10", "maximum: 4"
    )
    (tmp_path / "aurora.yaml").write_text(text, "utf-8")
    config = load_aurora_config(tmp_path / "aurora.yaml")

    below = SHACLValidator(aurora_profile(config)).validate(
        _graph(_load("complete"), aurora=None), source="no alignment"
    )
    shapes = generated_shapes(config)

    assert "Aurora-level-hub" in shapes and "Aurora-level-sdg" not in shapes
    assert "?points > 4" in shapes
    assert [criterion_for_shape(f.shape).id for f in below.violations] == ["hub"]  # type: ignore[union-attr]


def test_generated_shapes_are_deterministic() -> None:
    """The same configuration gives the same Turtle, and it parses."""
    config = default_aurora_config()

    first, second = generated_shapes(config), generated_shapes(config)

    assert first == second
    assert len(Graph().parse(data=first, format="turtle")) > 20


def test_pyrudof_engine_sees_the_generated_rules() -> None:
    """With the pyrudof screening engine, level violations are still reported."""
    pytest.importorskip("pyrudof")
    batch = _load("below-level-2")
    spec = next(iter(batch.specifications.values()))
    award = load_records([AURORA / "complete.yaml"]).awards[0].award
    credential = CredentialBuilder(organisations=dict(batch.organisations)).build(
        spec, award.model_copy(update={"specification": spec.id}), issued=ISSUED
    )

    report = SHACLValidator("aurora", engine="pyrudof").validate(
        to_graph(credential), source="rudof"
    )

    assert {criterion_for_shape(f.shape).id for f in report.violations} == {  # type: ignore[union-attr]
        "sdg",
        "key-competence",
    }
