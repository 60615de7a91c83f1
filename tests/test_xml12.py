"""Tests of the ELM 1.2 XML writer: schema validity, same facts as the JSON-LD."""

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
from aurora_edc._elm import Node, format_datetime
from aurora_edc._etsi import Indication
from aurora_edc._exceptions import InputError, UnsafeXMLError
from aurora_edc._issue import IssueOptions
from aurora_edc._limits import DEFAULT_XML_LIMITS
from aurora_edc._loaders import SourcedAward, load_records
from aurora_edc._pipeline import IssueContext, issue_partition
from aurora_edc._records import Award, Organisation, Specification
from aurora_edc._serialize import WRITERS, Writer, jsonld_bytes
from aurora_edc._xades_sign import seal_xades
from aurora_edc._xades_verify import verify_xades
from aurora_edc._xml12 import (
    ELM12Form,
    elm12_bytes,
    elm12_form,
    elm12_report,
    elm12_schema,
    elm12_tree,
    tree_bytes,
)
from aurora_edc._xsd import detect_schema, xml_report
from aurora_edc.cli import app
from aurora_edc.testing import TestPKI
from helpers import ISSUED, build_all
from strategies import awards, codes, lang_text, organisations

FIXTURE_FILES = {
    "ec-sample": ["ec-sample/records.yaml"],
    "joint": ["joint/records.yaml"],
    "roster": ["roster/spec.yaml", "roster/roster.csv"],
    "aurora-complete": ["aurora/organisations.yaml", "aurora/complete.yaml"],
    "aurora-joint": ["aurora/organisations.yaml", "aurora/joint.yaml"],
}
NS = {
    "e": "http://data.europa.eu/snb",
    "cred": "http://data.europa.eu/europass/model/credentials/w3c#",
    "vp": "http://data.europa.eu/snb/vp",
}
DIPLOMA_SUPPLEMENT = "http://data.europa.eu/snb/credential/6dff8a0f87"


def _credentials(fixtures_dir: Path, name: str) -> list[Node]:
    return build_all(*[fixtures_dir / rel for rel in FIXTURE_FILES[name]])[1]


def _ec_batch(
    fixtures_dir: Path,
) -> tuple[dict[str, Organisation], Specification, Award]:
    batch = load_records([fixtures_dir / "ec-sample/records.yaml"])
    spec = batch.specifications["digital-mc-creation"]
    return dict(batch.organisations), spec, batch.awards[0].award


def _sealer_credential(fixtures_dir: Path, **update: Any) -> Node:
    """The EC sample's award, issued by a sealing service for the university."""
    organisations, spec, award = _ec_batch(fixtures_dir)
    organisations["sealer"] = Organisation(
        id="sealer", legal_name="Seal Service", country="ES", eidas_id="VATES-B0000000"
    )
    spec = spec.model_copy(update={"issuer": "sealer", **update})
    return CredentialBuilder(organisations=organisations).build(
        spec, award, issued=ISSUED
    )


# --- validity -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURE_FILES))
def test_fixture_credentials_validate_against_detected_schema(
    fixtures_dir: Path, name: str
) -> None:
    """Every fixture credential's XML is valid against the schema it names."""
    for credential in _credentials(fixtures_dir, name):
        data = elm12_bytes(credential)

        report = xml_report(data, source_name=credential.id)

        assert report.profile == "generic-1.2"
        assert report.conforms, [f.to_dict() for f in report.violations]


def test_mandated_form_when_issuer_is_not_an_awarding_body(fixtures_dir: Path) -> None:
    """A sealing service's credential is a vp:verifiablePresentation, valid."""
    credential = _sealer_credential(fixtures_dir)
    data = elm12_bytes(credential)
    root = etree.fromstring(data)

    assert elm12_form(credential) is ELM12Form.MANDATED
    assert detect_schema(data) == "mandated-generic-1.2"
    assert xml_report(data, schema="mandated-generic-1.2").conforms
    issuer = root.xpath("vp:issuer/e:registration/text()", namespaces=NS)
    assert issuer == ["VATES-B0000000"]
    wrapped = root.xpath("e:europassCredential/cred:issuer/@idref", namespaces=NS)
    bodies = root.xpath("//e:awardingProcess/e:awardingBody/@idref", namespaces=NS)
    assert wrapped == bodies
    assert root.xpath("vp:proof", namespaces=NS)
    assert not root.xpath("e:europassCredential/e:proof", namespaces=NS)


def test_diploma_supplement_variant_validates_in_both_forms(fixtures_dir: Path) -> None:
    """A Diploma Supplement names the DS schemas and is valid in each form."""
    credential = _sealer_credential(fixtures_dir, credential_type=DIPLOMA_SUPPLEMENT)

    for form, schema in (
        (ELM12Form.MANDATED, "mandated-dp-1.2"),
        (ELM12Form.DIRECT, "diploma-supplement-1.2"),
    ):
        data = elm12_bytes(credential, form=form)
        assert elm12_schema(credential, form) == schema
        assert detect_schema(data) == schema
        report = elm12_report(credential, data)
        assert report.conforms, [f.to_dict() for f in report.violations]
        # The EC sample's record gives all a diploma supplement needs.
        assert not [f for f in report.findings if f.check == "elm12"]


def test_diploma_supplement_gaps_are_warnings(fixtures_dir: Path) -> None:
    """A Diploma Supplement without NQF level or maximum duration is warned about."""
    batch = load_records([fixtures_dir / "joint/records.yaml"])
    spec = batch.specifications["aurora-sustainable-water"].model_copy(
        update={"credential_type": DIPLOMA_SUPPLEMENT}
    )
    builder = CredentialBuilder(organisations=dict(batch.organisations))
    credential = builder.build(spec, batch.awards[0].award, issued=ISSUED)

    report = elm12_report(credential, elm12_bytes(credential))

    assert report.conforms
    gaps = {f.path for f in report.findings if "diploma supplement" in f.message}
    assert gaps == {"nqfLevel", "maximumDuration"}


def test_sealed_credential_stays_valid_and_verifies(
    fixtures_dir: Path, test_pki: TestPKI
) -> None:
    """The XAdES sealer puts its signature in our proof; the result verifies."""
    credential = _credentials(fixtures_dir, "ec-sample")[0]
    seal = test_pki.issue_seal(organization_identifier="VATIE-654321", key="p256")

    sealed = seal_xades(elm12_bytes(credential), seal.seal_key())

    assert xml_report(sealed).conforms
    root = etree.fromstring(sealed)
    signature = "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert root.find("e:proof", NS)[0].tag == signature
    report = verify_xades(sealed, trust=[test_pki.root])
    assert report.indication is Indication.TOTAL_PASSED, report.checks


# --- same facts as the JSON-LD --------------------------------------------------


def _texts(root: etree._Element, path: str) -> dict[str, str]:
    found = root.xpath(path + "/e:text", namespaces=NS)
    return {item.get("lang"): item.text for item in found}


def _one(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return str(found[0])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _xml_facts(root: etree._Element) -> dict[str, Any]:
    achievement = "//e:achievements/e:learningAchievement"
    spec_id = _one(root, f"{achievement}/e:specifiedBy/@idref")
    spec = f"//e:learningSpecificationReferences/*[@id='{spec_id}']"
    outcome_ids = root.xpath(
        f"{spec}/e:learningOutcomes/e:learningOutcome/@idref", namespaces=NS
    )
    process = _one(root, f"{achievement}/e:wasAwardedBy/@idref")
    body_ids = root.xpath(
        f"//e:awardingProcess[@id='{process}']/e:awardingBody/@idref", namespaces=NS
    )
    grade = root.xpath(f"{achievement}/e:wasDerivedFrom/e:grade/text()", namespaces=NS)
    eqf = root.xpath(f"{spec}/e:eqfLevel/@uri", namespaces=NS)
    ects = root.xpath(f"{spec}/e:hasECTSCreditPoints/text()", namespaces=NS)
    return {
        "given": _texts(root, "//e:credentialSubject/e:givenNames"),
        "family": _texts(root, "//e:credentialSubject/e:familyName"),
        "full": _texts(root, "//e:credentialSubject/e:fullName"),
        "born": root.xpath("//e:credentialSubject/e:dateOfBirth/text()", namespaces=NS),
        "title": _texts(root, f"{achievement}/e:title"),
        "ects": ects[0] if ects else None,
        "eqf": eqf[0] if eqf else None,
        "bodies": sorted(
            _texts(
                root, f"//e:agentReferences/e:organization[@id='{body}']/e:prefLabel"
            )["en"]
            for body in body_ids
        ),
        "awarded": _one(root, f"//e:awardingProcess[@id='{process}']/e:date/text()"),
        "valid_from": _one(root, "//cred:validFrom/text()"),
        "issued": _one(root, "//cred:issued/text()"),
        "outcomes": [
            _texts(root, f"//e:learningOutcome[@id='{item}']/e:prefLabel")
            for item in outcome_ids
        ],
        "grade": grade[0] if grade else None,
    }


def _jsonld_facts(document: dict[str, Any]) -> dict[str, Any]:
    person = document["credentialSubject"]
    claim = person["hasClaim"]
    spec = claim["specifiedBy"]
    grade = claim.get("provenBy", {}).get("grade", {}).get("noteLiteral")
    return {
        "given": person.get("givenName", {}),
        "family": person.get("familyName", {}),
        "full": person.get("fullName", {}),
        "born": [person["dateOfBirth"][:10]] if "dateOfBirth" in person else [],
        "title": claim["title"],
        "ects": spec.get("creditPoint", {}).get("point"),
        "eqf": spec.get("eqfLevel", {}).get("id"),
        "bodies": sorted(
            body["legalName"]["en"]
            for body in _as_list(claim["awardedBy"]["awardingBody"])
        ),
        "awarded": claim["awardedBy"]["awardingDate"],
        "valid_from": document["validFrom"],
        "issued": document["issued"],
        "outcomes": [
            item["title"] for item in _as_list(spec.get("learningOutcome", []))
        ],
        "grade": (grade.get("en") or next(iter(grade.values()))) if grade else None,
    }


@pytest.mark.parametrize("name", sorted(FIXTURE_FILES))
def test_xml_and_jsonld_state_the_same_facts(fixtures_dir: Path, name: str) -> None:
    """Read back, the XML and the JSON-LD of a credential state the same facts."""
    for credential in _credentials(fixtures_dir, name)[:3]:
        from_xml = _xml_facts(etree.fromstring(elm12_bytes(credential)))
        from_jsonld = _jsonld_facts(json.loads(jsonld_bytes(credential)))

        assert from_xml == from_jsonld


def test_joint_parts_are_nested_achievements(fixtures_dir: Path) -> None:
    """Each component of a joint award is a nested achievement awarded by its body."""
    credential = _credentials(fixtures_dir, "aurora-joint")[0]
    root = etree.fromstring(elm12_bytes(credential))
    claim = json.loads(jsonld_bytes(credential))["credentialSubject"]["hasClaim"]

    parts = root.xpath(
        "//e:achievements/e:learningAchievement/e:hasPart/e:learningAchievement",
        namespaces=NS,
    )
    assert [_texts(part, "e:title") for part in parts] == [
        part["title"] for part in claim["hasPart"]
    ]
    for part, expected in zip(parts, claim["hasPart"], strict=True):
        process = _one(part, "e:wasAwardedBy/@idref")
        body = _one(root, f"//e:awardingProcess[@id='{process}']/e:awardingBody/@idref")
        name = _texts(
            root, f"//e:agentReferences/e:organization[@id='{body}']/e:prefLabel"
        )
        assert name["en"] == expected["awardedBy"]["awardingBody"]["legalName"]["en"]
    spec = _one(root, "//e:achievements/e:learningAchievement/e:specifiedBy/@idref")
    assert len(root.xpath(f"//*[@id='{spec}']/e:hasPart", namespaces=NS)) == 3


def test_same_record_gives_same_bytes_and_unique_ids(fixtures_dir: Path) -> None:
    """Writing a credential twice gives the same bytes; referenced ids are unique."""
    first = _credentials(fixtures_dir, "aurora-joint")[0]
    again = _credentials(fixtures_dir, "aurora-joint")[0]
    data = elm12_bytes(first)

    assert data == elm12_bytes(again)
    root = etree.fromstring(data)
    ids = root.xpath("/*/*[contains(local-name(), 'References')]/*/@id")
    ids += root.xpath("//e:learningAchievement/@id", namespaces=NS)
    assert len(ids) == len(set(ids)) > 10


# --- what 1.2 cannot hold ---------------------------------------------------------


def test_text_in_a_language_outside_the_1_2_list_is_a_warning() -> None:
    """A Chinese title is left out of the XML, which stays valid, with a Warning."""
    spec = Specification(
        id="s",
        title={"en": "Water", "zh": "水", "en-GB": "Water (UK)"},
        awarding_body=Organisation(
            id="o", legal_name="Uni", country="AT", eidas_id="VATAT-U1"
        ),
    )
    award = Award(id="a", learner={"full_name": "Ana Lopez"}, awarded_on="2026-06-30")
    credential = CredentialBuilder().build(spec, award, issued=ISSUED)
    data = elm12_bytes(credential)

    report = elm12_report(credential, data)

    assert report.conforms, [f.to_dict() for f in report.violations]
    root = etree.fromstring(data)
    assert _texts(root, "//e:learningAchievement/e:title") == {"en": "Water"}
    lost = [f for f in report.findings if f.check == "elm12" and f.path == "title"]
    assert lost and all("zh, en-GB" in f.message for f in lost)


def test_writer_check_violation_makes_record_invalid(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XML that breaks the schema is reported as invalid and not written."""

    def without_title(credential: Node) -> bytes:
        root = etree.fromstring(elm12_bytes(credential))
        root.remove(root.find("e:title", NS))
        return etree.tostring(root)

    xml = WRITERS["xml"]
    monkeypatch.setitem(
        WRITERS, "xml", Writer("xml", ".xml", xml.media_type, without_title, xml.check)
    )
    result = CliRunner().invoke(
        app,
        [
            "issue",
            str(fixtures_dir / "ec-sample/records.yaml"),
            "--format",
            "jsonld,xml",
            "--out",
            str(tmp_path),
            "--workers",
            "1",
        ],
    )

    assert result.exit_code == 1, result.output
    record = json.loads((tmp_path / "report.json").read_text())["records"][0]
    assert record["status"] == "invalid"
    assert any(f["check"] == "xsd" and f["format"] == "xml" for f in record["findings"])
    assert not list(tmp_path.glob("*.xml"))


def test_issue_format_xml_end_to_end(fixtures_dir: Path, tmp_path: Path) -> None:
    """``issue --format jsonld,xml`` writes valid XML files listed in report.json."""
    result = CliRunner().invoke(
        app,
        [
            "issue",
            str(fixtures_dir / "joint/records.yaml"),
            "--format",
            "jsonld,xml",
            "--out",
            str(tmp_path),
        ],
    )

    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["formats"] == ["jsonld", "xml"]
    for record in report["records"]:
        assert record["status"] == "written"
        xml_files = [name for name in record["files"] if name.endswith(".xml")]
        assert len(xml_files) == 1
        assert xml_report(tmp_path / xml_files[0]).conforms


# --- generated records ------------------------------------------------------------


# Languages 1.2 admits, and some it does not (zh, en-GB, pt-BR).
LANG_TEXT = lang_text(["en", "de", "cs", "fr", "is", "nl", "zh", "en-GB", "pt-BR"])
ORGS = organisations(LANG_TEXT, ["AT", "CZ", "IS", "NL", "XK", "ES", "IT", "FR", "DE"])
SPECS = st.builds(
    lambda title, orgs, eqf, isced, ects, mode, lang, outcomes, kind: Specification(
        id="spec",
        title=title,
        awarding_body=orgs,
        eqf_level=eqf,
        isced_f=isced,
        ects=ects,
        mode=mode,
        languages=lang,
        learning_outcomes=[{"title": outcome} for outcome in outcomes],
        assessment={"title": title},
        credential_type=kind,
    ),
    LANG_TEXT,
    st.lists(ORGS, min_size=1, max_size=2, unique_by=lambda org: org.id),
    st.one_of(st.none(), codes("eqf")),
    st.lists(codes("isced-f"), max_size=2, unique=True),
    st.one_of(st.none(), st.integers(1, 30)),
    st.lists(codes("mode"), max_size=2, unique=True),
    st.lists(codes("language"), max_size=2, unique=True),
    st.lists(LANG_TEXT, max_size=3),
    st.sampled_from(["generic", DIPLOMA_SUPPLEMENT]),
)
AWARDS = awards(LANG_TEXT)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=SPECS, award=AWARDS, mandated=st.booleans())
def test_generated_records_give_valid_xml(
    spec: Specification, award: Award, mandated: bool
) -> None:
    """Any valid record gives XML valid against its schema, in either form."""
    credential = CredentialBuilder().build(spec, award, issued=ISSUED)
    form = ELM12Form.MANDATED if mandated else ELM12Form.DIRECT
    data = elm12_bytes(credential, form=form)

    report = elm12_report(credential, data)

    assert report.profile == elm12_schema(credential, form)
    assert report.conforms, [f.to_dict() for f in report.violations]
    born = etree.fromstring(data).xpath("//e:dateOfBirth/text()", namespaces=NS)
    assert born == [format_datetime(award.learner.date_of_birth)[:10]]


# --- documents in memory, parts kept between credentials ----------------------------


def test_report_of_the_tree_equals_report_of_the_bytes(fixtures_dir: Path) -> None:
    """Validating the tree in memory finds what validating its bytes finds."""
    for name in FIXTURE_FILES:
        for credential in _credentials(fixtures_dir, name):
            tree = elm12_tree(credential, pretty=True)

            from_tree = elm12_report(credential, tree)
            from_bytes = elm12_report(credential, tree_bytes(tree))

            assert from_tree.findings == from_bytes.findings


def test_violation_in_a_tree_names_the_line_of_its_bytes(fixtures_dir: Path) -> None:
    """An XSD error found in a tree carries the line of the written document."""
    credential = _credentials(fixtures_dir, "ec-sample")[0]
    tree = elm12_tree(credential, pretty=True)
    title = tree.find(".//e:credentialSubject/e:fullName", NS)
    assert title is not None
    etree.SubElement(title, "{http://data.europa.eu/snb}unexpected")

    report = elm12_report(credential, tree)

    assert not report.conforms
    violation = report.violations[0]
    expected = elm12_report(credential, tree_bytes(tree)).violations[0]
    assert violation.line is not None
    assert violation.line == expected.line
    assert violation.message == expected.message


def test_sealing_a_tree_leaves_it_unchanged_and_verifies(
    fixtures_dir: Path, test_pki: TestPKI
) -> None:
    """seal_xades seals a copy of a tree; the seal verifies."""
    credential = _credentials(fixtures_dir, "ec-sample")[0]
    seal = test_pki.issue_seal(organization_identifier="VATIE-654321", key="p256")
    tree = elm12_tree(credential, pretty=True)
    before = tree_bytes(tree)

    sealed = seal_xades(tree, seal.seal_key())

    assert tree_bytes(tree) == before
    report = verify_xades(sealed, trust=[test_pki.root])
    assert report.indication is Indication.TOTAL_PASSED, report.checks
    assert xml_report(sealed).conforms


def test_sealing_a_tree_of_another_document_is_refused(test_pki: TestPKI) -> None:
    """A tree whose root is not an ELM 1.2 document is refused like such bytes."""
    seal = test_pki.issue_seal(organization_identifier="VATIE-654321", key="p256")

    with pytest.raises(InputError, match="expected"):
        seal_xades(etree.ElementTree(etree.Element("other")), seal.seal_key())


@pytest.mark.parametrize("change", ["tail", "entity", "xml-id", "deep"])
def test_sealing_a_tree_that_would_not_read_back_is_refused(
    fixtures_dir: Path, test_pki: TestPKI, change: str
) -> None:
    """A tree is held to the hardened parser's rules before it is sealed."""
    credential = _credentials(fixtures_dir, "ec-sample")[0]
    seal = test_pki.issue_seal(organization_identifier="VATIE-654321", key="p256")
    tree = elm12_tree(credential, pretty=True)
    root = tree.getroot()
    subject = root.find("e:credentialSubject", NS)
    assert subject is not None
    if change == "tail":
        root.tail = "text after the document"
    elif change == "entity":
        subject[0].append(etree.Entity("secret"))
    elif change == "xml-id":
        for element in subject[:2]:
            element.set("{http://www.w3.org/XML/1998/namespace}id", "twice")
    else:
        node = subject
        for _ in range(120):
            node = etree.SubElement(node, "{http://data.europa.eu/snb}deep")

    with pytest.raises(UnsafeXMLError):
        seal_xades(tree, seal.seal_key())
    with pytest.raises(UnsafeXMLError):
        elm12_report(credential, tree)


@pytest.mark.parametrize("value", ["<xml/>", None, ["a"]])
def test_sealing_something_else_is_an_input_error(
    test_pki: TestPKI, value: Any
) -> None:
    """seal_xades refuses what is neither bytes nor a tree with InputError."""
    seal = test_pki.issue_seal(organization_identifier="VATIE-654321", key="p256")

    with pytest.raises(InputError, match="expected bytes or an lxml tree"):
        seal_xades(value, seal.seal_key())


def test_record_whose_xml_would_not_read_back_is_an_error(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A description over the text limit fails its record; the others are written."""
    batch = load_records(
        [fixtures_dir / "roster/spec.yaml", fixtures_dir / "roster/roster.csv"]
    )
    spec_id = next(iter(batch.specifications))
    huge = "x" * (DEFAULT_XML_LIMITS.max_text_length + 1)
    big_spec = Specification.model_validate(
        {
            **batch.specifications[spec_id].model_dump(),
            "id": "huge",
            "description": huge,
        }
    )
    first = batch.awards[0]
    odd = SourcedAward(
        "t:1", first.award.model_copy(update={"id": "odd", "specification": "huge"})
    )
    context = IssueContext(
        IssueOptions(out_dir=tmp_path, formats=("jsonld", "xml"), engine="pyrudof"),
        ISSUED,
        batch.organisations,
        {**batch.specifications, "huge": big_spec},
    )

    outcomes = list(issue_partition([odd, *batch.awards[1:3]], context))

    assert [o.status for o in outcomes] == ["error", "written", "written"]
    assert "max-text-length" in outcomes[0].error["message"]
    assert not list(tmp_path.glob("odd.*"))
