"""Tests of the LOQ writer and ``aurora-edc catalogue``: valid Courses documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from typer.testing import CliRunner

from aurora_edc._build import CredentialBuilder
from aurora_edc._exceptions import RecordError
from aurora_edc._loaders import load_records
from aurora_edc._loq import LOQOffering, loq_document, loq_offering, loq_report
from aurora_edc._loq_job import COMBINED_NAME
from aurora_edc._records import Organisation, Specification
from aurora_edc._xsd import detect_schema, xml_report
from aurora_edc.cli import app
from strategies import codes, lang_text

SPEC_FILES = ("ec-sample/records.yaml", "joint/records.yaml", "roster/spec.yaml")
NS = {
    "l": "http://data.europa.eu/snb/model/ap/loq-constraints/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def _offerings(fixtures_dir: Path) -> list[LOQOffering]:
    batch = load_records([fixtures_dir / name for name in SPEC_FILES])
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    return [loq_offering(builder, spec) for spec in batch.specifications.values()]


def _spec(**fields: Any) -> Specification:
    data: dict[str, Any] = {
        "id": "mc-1",
        "title": {"en": "Water", "de": "Wasser"},
        "awarding_body": {
            "id": "uni-a",
            "legal_name": "University A",
            "country": "AT",
            "eidas_id": "VATAT-U1234567",
            "homepage": "https://uni-a.example",
        },
        "isced_f": ["0532"],
        "languages": ["en"],
        "learning_outcomes": [{"title": "Assess water balances"}],
    }
    data.update(fields)
    return Specification.model_validate(data)


def test_every_fixture_specification_validates(fixtures_dir: Path) -> None:
    """Each fixture specification, alone, is a Courses document valid by loq.xsd."""
    offerings = _offerings(fixtures_dir)

    assert len(offerings) == 3
    for offering in offerings:
        document = loq_document([offering])
        assert detect_schema(document.data) == "loq"
        report = loq_report(document, source_name=offering.record_id)
        assert report.conforms, [f.to_dict() for f in report.violations]


def test_combined_document_validates_and_states_each_offering(
    fixtures_dir: Path,
) -> None:
    """One Courses document holds every offering, its facts and its bodies once."""
    offerings = _offerings(fixtures_dir)
    document = loq_document(offerings)
    root = etree.fromstring(document.data)

    assert loq_report(document).conforms
    codes = root.xpath(
        "//l:learningOpportunity/l:identifier/skos:notation/text()", namespaces=NS
    )
    assert sorted(codes) == sorted(offering.record_id for offering in offerings)
    ids = root.xpath("//l:agentReferences/l:organisation/@id", namespaces=NS)
    assert len(ids) == len(set(ids))
    water = root.xpath("//*[@id=$id]", id=offerings[1].specification.id, namespaces=NS)[
        0
    ]
    assert water.xpath("l:title[@language='de']/text()", namespaces=NS) == [
        "Nachhaltiges Wassermanagement in alpinen und mitteleuropäischen Regionen"
    ]
    assert water.xpath("l:creditPoint/l:point/text()", namespaces=NS) == ["5"]
    assert water.xpath("l:educationLevel/@uri", namespaces=NS) == [
        "http://data.europa.eu/snb/eqf/7"
    ]
    bodies = water.xpath("l:awardingOpportunity/l:awardingBody/@idref", namespaces=NS)
    names = [
        root.xpath(
            "//l:organisation[@id=$id]/l:legalName[@language='en']/text()",
            id=body,
            namespaces=NS,
        )[0]
        for body in bodies
    ]
    assert names == ["University of Innsbruck", "Palacký University Olomouc"]


def test_aurora_specifications(fixtures_dir: Path) -> None:
    """An Aurora specification validates; the joint one lacks an ISCED-F field."""
    aurora = fixtures_dir / "aurora"
    for name, error in (("complete.yaml", None), ("joint.yaml", "isced_f")):
        batch = load_records([aurora / "organisations.yaml", aurora / name])
        builder = CredentialBuilder(organisations=dict(batch.organisations))
        spec = next(iter(batch.specifications.values()))
        if error is None:
            document = loq_document([loq_offering(builder, spec)])
            report = loq_report(document)
            assert report.conforms, [f.to_dict() for f in report.violations]
            continue
        with pytest.raises(RecordError) as caught:
            loq_offering(builder, spec)
        assert (caught.value.record_id, caught.value.path) == (spec.id, error)


def test_joint_components_are_parts_with_their_own_awarding_body(
    fixtures_dir: Path,
) -> None:
    """Each component of a joint specification is a part awarded by its partner."""
    aurora = fixtures_dir / "aurora"
    batch = load_records([aurora / "organisations.yaml", aurora / "joint.yaml"])
    spec = next(iter(batch.specifications.values()))
    spec = spec.model_copy(
        update={"isced_f": ["http://data.europa.eu/snb/isced-f/0521"]}
    )
    offering = loq_offering(
        CredentialBuilder(organisations=dict(batch.organisations)), spec
    )
    document = loq_document([offering])
    root = etree.fromstring(document.data)

    assert loq_report(document).conforms
    top = root.xpath("//*[@id=$id]", id=offering.specification.id)[0]
    parts = top.xpath("l:hasPart/@idref", namespaces=NS)
    assert len(parts) == 3
    for part in parts:
        bodies = root.xpath(
            "//*[@id=$id]/l:awardingOpportunity/l:awardingBody/@idref",
            id=part,
            namespaces=NS,
        )
        assert len(bodies) == 1
        assert bodies == [body.id for body in offering.part_bodies[part]]


def test_qualification_needs_eqf_and_nqf(fixtures_dir: Path) -> None:
    """The EC sample (EQF and NQF) is a qualification; the joint one (EQF only) not."""
    offerings = _offerings(fixtures_dir)
    root = etree.fromstring(loq_document(offerings).data)

    kinds = [
        etree.QName(item).localname
        for item in root.xpath(
            "//l:learningAchievementSpecificationReferences/*", namespaces=NS
        )
    ]
    assert kinds == [
        "qualification",
        "learningAchievementSpecification",
        "learningAchievementSpecification",
    ]
    assert root.xpath("//l:qualification/l:EQFLevel/@uri", namespaces=NS) == [
        "http://data.europa.eu/snb/eqf/6"
    ]


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("isced_f", [], "isced_f"),
        ("languages", [], "languages"),
        ("learning_outcomes", [], "learning_outcomes"),
    ],
)
def test_missing_required_field_is_record_error(
    field: str, value: Any, path: str
) -> None:
    """A specification without what loq.xsd requires is refused with its field path."""
    with pytest.raises(RecordError) as caught:
        loq_offering(CredentialBuilder(), _spec(**{field: value}))

    assert caught.value.record_id == "mc-1"
    assert caught.value.path == path


def test_homepage_falls_back_to_awarding_body() -> None:
    """Without its own homepage an offering links the awarding body's page."""
    offering = loq_offering(CredentialBuilder(), _spec())

    assert offering.homepage == "https://uni-a.example"


def test_note_in_two_languages_keeps_one_with_warning() -> None:
    """Entry requirements in two languages keep the first; the other is a Warning."""
    spec = _spec(entry_requirements={"en": "A degree", "de": "Ein Abschluss"})
    document = loq_document([loq_offering(CredentialBuilder(), spec)])

    report = loq_report(document)

    assert report.conforms
    assert [f.message for f in report.findings if f.check == "loq"] == [
        f"{loq_offering(CredentialBuilder(), spec).specification.id} entryRequirement: "
        "text in de left out (a LOQ NoteType holds one noteLiteral)"
    ]


# --- command line -------------------------------------------------------------------


def test_catalogue_cli_writes_one_file_per_specification(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """``catalogue`` exits 0, writes <id>.xml per specification, lists them."""
    result = CliRunner().invoke(
        app,
        [
            "catalogue",
            *[str(fixtures_dir / name) for name in SPEC_FILES],
            "--out",
            str(tmp_path),
        ],
    )

    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"] == {"inputs": 3, "written": 3, "invalid": 0, "error": 0}
    for record in report["records"]:
        assert record["files"] == [f"{record['record']}.xml"]
        assert xml_report(tmp_path / record["files"][0]).conforms


def test_catalogue_cli_combined(fixtures_dir: Path, tmp_path: Path) -> None:
    """``catalogue --combined`` writes one valid courses.xml for every record."""
    result = CliRunner().invoke(
        app,
        [
            "catalogue",
            *[str(fixtures_dir / name) for name in SPEC_FILES],
            "--out",
            str(tmp_path),
            "--combined",
        ],
    )

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        COMBINED_NAME,
        "report.json",
    ]
    assert xml_report(tmp_path / COMBINED_NAME).conforms


def test_catalogue_cli_reports_bad_record_and_exits_1(tmp_path: Path) -> None:
    """A specification without languages is an error with id and path; others go on."""
    good = _spec().model_dump(mode="json", exclude_none=True)
    bad = dict(good, id="mc-bad", languages=[])
    records = tmp_path / "specs.json"
    records.write_text(json.dumps({"specifications": [good, bad]}))

    result = CliRunner().invoke(
        app, ["catalogue", str(records), "--out", str(tmp_path / "out")]
    )

    assert result.exit_code == 1, result.output
    assert "mc-bad at languages" in result.output
    report = json.loads((tmp_path / "out/report.json").read_text())
    status = {item["record"]: item["status"] for item in report["records"]}
    assert status == {"mc-1": "written", "mc-bad": "error"}


def test_catalogue_cli_unusable_input_exits_2(tmp_path: Path) -> None:
    """A record file that is not YAML, or holds no specification, exits 2."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("specifications: [unclosed\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("organisations: []\n")

    for path in (broken, empty):
        result = CliRunner().invoke(
            app, ["catalogue", str(path), "--out", str(tmp_path / "out")]
        )
        assert result.exit_code == 2, result.output


# --- generated records ----------------------------------------------------------------


LANG_TEXT = lang_text(["en", "de", "cs", "zh", "pt-BR"])
SPECS = st.builds(
    lambda title, country, eqf, nqf, isced, ects, langs, outcomes, entry: Specification(
        id="spec",
        title=title,
        awarding_body=Organisation(
            id="org",
            legal_name=title,
            country=country,
            eidas_id="VATXX-1",
            homepage="https://org.example",
        ),
        eqf_level=eqf,
        nqf_level=nqf,
        isced_f=isced,
        ects=ects,
        languages=langs,
        learning_outcomes=[{"title": outcome} for outcome in outcomes],
        entry_requirements=entry,
    ),
    LANG_TEXT,
    st.sampled_from(["AT", "CZ", "NL", "XK", "FR"]),
    st.one_of(st.none(), codes("eqf")),
    st.one_of(st.none(), codes("nqf")),
    st.lists(codes("isced-f"), min_size=1, max_size=2, unique=True),
    st.one_of(st.none(), st.integers(1, 30)),
    st.lists(codes("language"), min_size=1, max_size=2, unique=True),
    st.lists(LANG_TEXT, min_size=1, max_size=3),
    st.one_of(st.none(), LANG_TEXT),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=SPECS)
def test_generated_specifications_give_valid_loq(spec: Specification) -> None:
    """Any specification with the fields loq.xsd needs gives a valid document."""
    document = loq_document([loq_offering(CredentialBuilder(), spec)])

    report = loq_report(document)

    assert report.conforms, [f.to_dict() for f in report.violations]
