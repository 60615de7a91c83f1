"""Tests of the bulk pipeline: partitions, N-Triples from the model, batched SHACL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from aurora_edc._elm import LangMap, Node, to_graph
from aurora_edc._exceptions import RecordError
from aurora_edc._issue_shacl import BulkValidator
from aurora_edc._loaders import SourcedAward, load_records, stream_records
from aurora_edc._ntriples import LinesCache, NTriplesBatch, credential_ntriples
from aurora_edc._outputs import output_stem
from aurora_edc._pipeline import (
    IssueContext,
    IssueOptions,
    RecordIssuer,
    issue_partition,
)
from helpers import ISSUED, build_all

pytest.importorskip("pyrudof")

ROSTER = ("roster/spec.yaml", "roster/roster.csv")


def _roster(fixtures_dir: Path) -> list[Path]:
    return [fixtures_dir / rel for rel in ROSTER]


def _context(fixtures_dir: Path, out: Path, **options: object) -> IssueContext:
    batch = load_records(_roster(fixtures_dir))
    return IssueContext(
        IssueOptions(out_dir=out, engine="pyrudof", **options),  # type: ignore[arg-type]
        ISSUED,
        batch.organisations,
        batch.specifications,
    )


# --- N-Triples straight from the model --------------------------------------


@pytest.mark.parametrize(
    "files", [["ec-sample/records.yaml"], ["joint/records.yaml"], list(ROSTER)]
)
def test_ntriples_equal_the_model_graph(fixtures_dir: Path, files: list[str]) -> None:
    """The N-Triples written from the model parse to exactly ``to_graph``."""
    _, credentials = build_all(*(fixtures_dir / rel for rel in files))

    for credential in credentials[:5]:
        parsed = Graph().parse(data=credential_ntriples(credential), format="nt")
        assert set(parsed) == set(to_graph(credential))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(min_size=1, max_size=30),
    language=st.sampled_from(["en", "de", "EN-gb", "pt-BR"]),
    number=st.integers(min_value=1, max_value=10**9),
    flag=st.booleans(),
)
def test_ntriples_escape_literals_like_rdflib(
    text: str, language: str, number: int, flag: bool
) -> None:
    """Quotes, backslashes, line breaks, tags and typed values survive the trip."""
    node = Node("Note", "urn:uuid:note")
    node.set("noteLiteral", LangMap({language: text}))
    node.set("title", LangMap({"en": text + '\r\n\\"'}))
    node.set("page", number)
    node.set("isPartialQualification", flag)

    parsed = Graph().parse(data=credential_ntriples(node), format="nt")

    assert set(parsed) == set(to_graph(node))


def test_batch_writes_shared_nodes_once(fixtures_dir: Path) -> None:
    """Two credentials of one specification share their specification's triples."""
    _, credentials = build_all(*_roster(fixtures_dir))
    first, second = credentials[:2]
    batch = NTriplesBatch()

    assert batch.add(first) and batch.add(second)

    merged = Graph().parse(data=batch.text(), format="nt")
    alone = to_graph(first) + to_graph(second)
    assert set(merged) == set(alone)
    assert len(batch.text().splitlines()) == len(alone)


def test_shared_cache_gives_each_credential_its_own_triples(
    fixtures_dir: Path,
) -> None:
    """Subtrees kept for shared nodes give the lines a fresh cache gives."""
    _, credentials = build_all(*_roster(fixtures_dir))
    cache = LinesCache(limit=64)  # small: clean-ups happen during the run

    for credential in credentials * 2:
        batch = NTriplesBatch(cache)
        batch.add(credential)
        assert batch.text() == credential_ntriples(credential)


def test_batch_refuses_a_node_id_with_other_triples(fixtures_dir: Path) -> None:
    """A credential whose node id stands for different triples is not merged."""
    _, credentials = build_all(*_roster(fixtures_dir))
    first, second = credentials[:2]
    issuer = second.get("issuer")
    altered = Node(issuer.type, issuer.id, dict(issuer.props))
    altered.set("legalName", LangMap({"en": "Another name"}))
    second.props["issuer"] = altered
    batch = NTriplesBatch()
    batch.add(first)
    before = batch.text()

    assert not batch.add(second)
    assert batch.text() == before


# --- batched validation ------------------------------------------------------


def test_batched_verdicts_equal_the_reference(fixtures_dir: Path) -> None:
    """In a batch with one broken credential, that one alone fails, as pySHACL says."""
    _, credentials = build_all(*_roster(fixtures_dir))
    credentials = credentials[:12]
    del credentials[5].props["issued"]
    validator = BulkValidator("edc-generic-full", "pyrudof")

    reports = validator.validate(credentials)

    assert [r.conforms for r in reports] == [i != 5 for i in range(12)]
    assert reports[5] == validator.reference(credentials[5])
    assert {f.path for f in reports[5].violations} == {
        "https://www.w3.org/2018/credentials#issued"
    }


def test_pyshacl_and_pyrudof_bulk_reports_are_equal(fixtures_dir: Path) -> None:
    """Both engines give the same reports, so outputs never depend on the engine."""
    _, credentials = build_all(*_roster(fixtures_dir))
    credentials = credentials[:4]
    del credentials[1].props["issuer"]

    fast = BulkValidator("edc-generic-full", "pyrudof").validate(credentials)
    reference = BulkValidator("edc-generic-full", "pyshacl").validate(credentials)

    assert fast == reference


def test_national_id_context_fix_is_reported_by_both_engines(
    fixtures_dir: Path,
) -> None:
    """The nationalID fix-up's Info finding is in the fast report too."""
    _, (credential,) = build_all(fixtures_dir / "ec-sample/records.yaml")
    person = credential.get("credentialSubject")
    assert person.get("nationalID") is not None

    fast = BulkValidator("edc-generic-full", "pyrudof").validate([credential])
    reference = BulkValidator("edc-generic-full", "pyshacl").validate([credential])

    assert fast == reference
    assert any(f.check == "context" for f in fast[0].findings)


# --- partitions -----------------------------------------------------------------


def test_partition_yields_one_outcome_per_record_in_order(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """Bad items and good ones come out in input order, one outcome each."""
    context = _context(fixtures_dir, tmp_path)
    stream = stream_records(_roster(fixtures_dir))
    items: list[SourcedAward | RecordError] = list(stream)[:5]
    items.insert(2, RecordError("broken row", record_id="row-x", path="awarded_on"))

    outcomes = list(issue_partition(items, context, batch_size=2))

    assert [o.record for o in outcomes] == [
        "row-x" if isinstance(i, RecordError) else i.award.id for i in items
    ]
    assert [o.status for o in outcomes].count("error") == 1
    first = outcomes[0]
    assert first.files == [f"{output_stem(first.record)}.jsonld"]
    data = (tmp_path / first.files[0]).read_bytes()
    assert json.loads(data)["issued"] == "2026-07-15T09:30:00Z"


def test_outcome_sha256_names_the_written_bytes(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """Each outcome carries the SHA-256 of each file it wrote, for the journal."""
    import hashlib

    context = _context(fixtures_dir, tmp_path, formats=("jsonld", "ttl"))
    item = next(iter(stream_records(_roster(fixtures_dir))))

    (outcome,) = issue_partition([item], context)

    assert set(outcome.sha256) == set(outcome.files)
    for name, digest in outcome.sha256.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest


def test_unknown_specification_is_an_error_outcome(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """An award of an unknown specification becomes an error, not an exception."""
    context = _context(fixtures_dir, tmp_path)
    item = next(iter(stream_records(_roster(fixtures_dir))))
    assert isinstance(item, SourcedAward)
    award = item.award.model_copy(update={"specification": "no-such-spec"})

    (outcome,) = RecordIssuer(context).issue([SourcedAward(item.source, award)])

    assert outcome.status == "error"
    assert outcome.error is not None and outcome.error["path"] == "specification"


def test_invalid_credential_is_kept_only_on_request(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A credential that fails its profile is written under invalid/ when asked."""
    item = next(iter(stream_records(_roster(fixtures_dir))))
    kept = _context(fixtures_dir, tmp_path, profile="edc-accredited", keep_invalid=True)
    dropped = _context(fixtures_dir, tmp_path / "b", profile="edc-accredited")

    (written,) = issue_partition([item], kept)
    (reported,) = issue_partition([item], dropped)

    assert written.status == reported.status == "invalid"
    assert written.files and written.files[0].startswith("invalid/")
    assert not reported.files
    assert written.findings == reported.findings


def test_sealed_outputs_carry_jades_and_xades(
    fixtures_dir: Path, tmp_path: Path, test_pki: object
) -> None:
    """With a seal key, the JSON-LD is a JAdES JWS and the XML holds a signature."""
    from aurora_edc._pipeline import SealSettings

    files = test_pki.issue_seal(  # type: ignore[attr-defined]
        organization_identifier="VATNL-002946954B01"
    ).write(tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    batch = load_records(_roster(fixtures_dir))
    options = IssueOptions(
        out_dir=tmp_path / "out",
        formats=("jsonld", "xml"),
        engine="pyrudof",
        seal=SealSettings(files.key, files.cert, files.chain),
    )
    context = IssueContext(options, now, batch.organisations, batch.specifications)

    (outcome,) = issue_partition(batch.awards[:1], context)

    assert outcome.status == "written", outcome
    sealed = json.loads((tmp_path / "out" / outcome.files[0]).read_bytes())
    assert set(sealed) == {"payload", "signatures"}
    assert b"<ds:SignatureValue" in (tmp_path / "out" / outcome.files[1]).read_bytes()


def test_validation_failure_is_the_error_of_its_record_only(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    """A validator that fails on one credential fails that record, not the slice."""
    from aurora_edc._exceptions import InputError
    from aurora_edc._report import ValidationReport

    items = list(stream_records(_roster(fixtures_dir)))[:4]
    bad = items[2]
    assert isinstance(bad, SourcedAward)

    def validator(credential: Node, profile: str) -> ValidationReport:
        number = credential.get("identifier").get("notation")
        if number == bad.award.certificate_number:
            raise InputError("the engine broke", source=credential.id)
        return ValidationReport(credential.id, profile)

    issuer = RecordIssuer(_context(fixtures_dir, tmp_path), validator)

    outcomes = issuer.issue(items)

    assert [o.status for o in outcomes] == ["written", "written", "error", "written"]
    assert outcomes[2].error is not None
    assert "the engine broke" in outcomes[2].error["message"]
